"""Shared fixtures: real Kamailio + real relay per test module, and
registered test user agents."""

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))

from imtest.procs import ImServer  # noqa: E402
from imtest.sip import SipUA  # noqa: E402


def start_server(workdir, **kw):
    return ImServer(str(workdir), **kw).start()


def stop_server(server):
    problems = server.stop()
    if problems:
        pytest.fail(f"server crashed: {problems}", pytrace=False)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One IM server domain (home1.net) with its relay, for a test module."""
    s = start_server(tmp_path_factory.mktemp("im"))
    yield s
    stop_server(s)


@pytest.fixture
def make_ua(server):
    """make_ua('alice', transport='tcp', register=True) -> SipUA."""
    uas = []

    def make(user, transport="udp", register=True, password=None, srv=None):
        srv = srv or server
        ua = SipUA(user, srv.domain, password or srv.password(user), proxy=srv.sip_addr,
                   transport=transport)
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
