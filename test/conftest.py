"""Shared fixtures: real Kamailio + real relay per test module, and
registered test user agents."""

import os
import pathlib
import shutil
import sys
import tempfile

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))

from imtest.db import PgCluster  # noqa: E402
from imtest.nni import SipTap  # noqa: E402
from imtest.procs import ImServer, free_port  # noqa: E402
from imtest.sip import SipUA  # noqa: E402
from imtest.tls import client_context  # noqa: E402


def start_server(workdir, **kw):
    return ImServer(str(workdir), **kw).start()


def stop_server(server):
    problems = server.stop()
    if problems:
        pytest.fail(f"server crashed: {problems}", pytrace=False)


def one_server(workdir, **kw):
    """For a fixture (`yield from one_server(...)`): a server started,
    then stopped, the test failed when it crashed."""
    s = start_server(workdir, **kw)
    yield s
    stop_server(s)


@pytest.fixture(scope="session")
def pg_cluster():
    """A private PostgreSQL cluster for the test session (started at the
    first test that needs it), removed at its end."""
    c = PgCluster(free_port()).start()
    yield c
    c.stop()


@pytest.fixture
def reachable_tmp():
    """A temporary directory the user postgres can pass through (pytest's
    are 0700), for `DB=postgres make run`, which run as root runs the
    PostgreSQL server as postgres."""
    top = tempfile.mkdtemp(prefix="imtest-run-")
    os.chmod(top, 0o711)
    yield pathlib.Path(top)
    shutil.rmtree(top, ignore_errors=True)


@pytest.fixture(scope="module")
def db_backend(request):
    """The database engine of the module's servers: "sqlite", unless the
    module parametrises it (imtest.db.BACKENDS runs it on both)."""
    return getattr(request, "param", "sqlite")


@pytest.fixture(scope="module")
def new_database(request, db_backend):
    """new_database() -> the database for one more server of the module:
    None (the server's own SQLite file) or a fresh PostgreSQL database."""
    if db_backend == "sqlite":
        return lambda: None
    assert db_backend == "postgres", db_backend
    return request.getfixturevalue("pg_cluster").new_database


@pytest.fixture(scope="module")
def server(tmp_path_factory, new_database):
    """One IM server domain (home1.net) with its relay, for a test module."""
    yield from one_server(tmp_path_factory.mktemp("im"), database=new_database())


class TwoDomains:
    """home1.net (127.0.0.1) and home2.net (127.0.0.2), each with its
    Kamailio and relay, interconnected through a SipTap (127.0.0.3) that
    shows the tests every SIP message of the NNI leg."""

    def __init__(self, workdir, peer_trust="address", **kw):
        self.tap = SipTap()
        self.home1 = ImServer(str(workdir / "home1"), domain="home1.net", ip="127.0.0.1", **kw)
        self.home2 = ImServer(str(workdir / "home2"), domain="home2.net", ip="127.0.0.2", **kw)
        for s in (self.home1, self.home2):
            self.tap.route(s)
        # the tap speaks plain UDP: each domain opts in to trusting the
        # other by the tap's address, unless a test wants the default
        self.home1.add_peer("home2.net", self.tap.uri, trust=peer_trust)
        self.home2.add_peer("home1.net", self.tap.uri, trust=peer_trust)

    def start(self):
        self.home1.start()
        self.home2.start()
        return self

    def stop(self):
        problems = [self.home1.stop(), self.home2.stop()]
        self.tap.close()
        return "; ".join(p for p in problems if p) or None


def two_domains(workdir, **kw):
    """For a module fixture (`yield from two_domains(...)`): TwoDomains
    started, then stopped, the module failed when a server crashed."""
    d = TwoDomains(workdir, **kw).start()
    yield d
    problems = d.stop()
    if problems:
        pytest.fail(f"server crashed: {problems}", pytrace=False)


@pytest.fixture(scope="module")
def nni(tmp_path_factory):
    """Two interconnected IM domains for a test module."""
    yield from two_domains(tmp_path_factory.mktemp("nni"))


@pytest.fixture
def ctl(server):
    """A control connection to the module's relay; the sessions a test
    left are destroyed after it."""
    c = server.relay.control()
    yield c
    for s in c.call("session.list"):
        c.call("session.destroy", {"id": s["id"]})
    c.close()


@pytest.fixture
def make_ua(request):
    """make_ua('alice', transport='tcp', register=True, srv=None) -> SipUA,
    a user of srv (default: the module's `server`), on srv's address (its
    TLS one for transport 'tls', trusting srv's certificate)."""
    uas = []

    def make(user, transport="udp", register=True, password=None, srv=None):
        srv = srv or request.getfixturevalue("server")
        tls = transport == "tls"
        ua = SipUA(user, srv.domain, password or srv.password(user),
                   proxy=srv.sip_tls_addr if tls else srv.sip_addr, transport=transport,
                   local_ip=srv.kamailio.ip, tls=client_context(srv.tls_cert) if tls else None)
        ua.srv = srv
        uas.append(ua)
        if register:
            r = ua.register()
            assert r.status == 200, f"REGISTER {user}: {r.status} {r.reason}"
        return ua

    yield make
    for ua in uas:
        if ua.registered:
            # stale contacts would fork later requests to dead sockets
            ua.register(expires=0)
        ua.close()
