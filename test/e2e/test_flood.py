"""One source cannot exhaust the server (issue 8, item 5): idle TCP
connections beyond Kamailio's default limit of 2,048, and a request flood,
both from one address, while users on another address still register and
page. Idle connections that never carried an authenticated request are
closed after TCP_UNAUTH_LIFETIME (shortened here); authenticated ones stay."""

import socket

import pytest

from conftest import one_server
from imtest.im_session import ImSession
from imtest.procs import wait_until
from imtest.rawsip import UdpProbe, message_bytes
from imtest.sip import SipUA

FLOOD_IP = "127.0.0.5"
IDLE_CONNECTIONS = 2500


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    yield from one_server(tmp_path_factory.mktemp("flood"), defines={"TCP_UNAUTH_LIFETIME": "3"})


def peer_closed(sock):
    sock.setblocking(False)
    try:
        return sock.recv(1) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def test_idle_connection_flood_does_not_take_tcp_down(server, make_ua):
    flood = []
    try:
        for _ in range(IDLE_CONNECTIONS):
            s = socket.socket()
            s.bind((FLOOD_IP, 0))
            s.connect(server.sip_addr)
            flood.append(s)
        wait_until(lambda: server.rpc.call("core.tcp_info")["opened_connections"]
                   >= IDLE_CONNECTIONS, 20, "the flood accepted")
        # users on another address register and page over TCP meanwhile
        alice = make_ua("alice", transport="tcp")
        bob = make_ua("bob", transport="tcp")
        bob.auto_reply["MESSAGE"] = 200
        assert alice.message(server.uri("bob"), "during the flood").status == 200
        assert bob.wait_request("MESSAGE").msg.body == b"during the flood"
        # the flood never authenticated: the server closes all of it
        wait_until(lambda: all(peer_closed(s) for s in flood), 60, "the flood closed")
        # while the users' authenticated connections stay up, idle as long
        wait_until(lambda: server.rpc.call("core.tcp_info")["opened_connections"] == 2, 20,
                   "only the users' connections left")
        assert alice.message(server.uri("bob"), "after the flood").status == 200
        assert bob.wait_request("MESSAGE").msg.body == b"after the flood"
    finally:
        for s in flood:
            s.close()


def test_request_flood_from_one_address_is_ignored(server, make_ua):
    probe = UdpProbe(server.sip_addr, bind=(FLOOD_IP, 0))
    try:
        answered = 0
        for _ in range(2000):
            probe.send(message_bytes(server.uri("bob"), server.uri("alice"), probe.port))
            if probe.status(timeout=1.0) is None:
                break
            answered += 1
        # each got its 407 until the source went over PIKE_DENSITY (200 / 2 s)
        assert 200 <= answered < 2000
        assert FLOOD_IP in str(server.rpc.call("pike.top", "HOT"))
        # other addresses are served as before
        alice = make_ua("alice")
        bob = make_ua("bob")
        bob.auto_reply["MESSAGE"] = 200
        assert alice.message(server.uri("bob"), "not a flood").status == 200
        assert bob.wait_request("MESSAGE").msg.body == b"not a flood"
    finally:
        probe.close()


@pytest.fixture(scope="module")
def low_pike(tmp_path_factory):
    """A domain that ignores a source after 6 requests in 2 s."""
    yield from one_server(tmp_path_factory.mktemp("low-pike"), defines={"PIKE_DENSITY": "6"})


def test_own_cancels_are_not_a_flood(low_pike):
    """Our B2BUA's CANCEL (and the ACK of its 487) to our own terminating
    function carry the INVITE's X-IM-Hop marker (tm ac_extra_hdrs) and are
    trusted as our own hop: five sessions between two users of the domain
    cancelled in a row, each caller on an address of its own, each CANCEL
    reaches bob, and pike never counts the server's own address (it
    blocked it after three, and bob's CANCEL was lost)."""
    srv = low_pike
    uas = []

    def ua(user, ip):
        u = SipUA(user, srv.domain, srv.password(user), proxy=srv.sip_addr,
                  transport="udp", local_ip=ip)
        uas.append(u)
        return u
    try:
        bob = ua("bob", "127.0.0.20")
        assert bob.register().status == 200
        for i in range(5):
            s = ImSession(ua("alice", f"127.0.0.{30 + i}"), bob, srv.uri("bob"))
            s.invite()
            s.ring()
            s.call.tx.wait_response(lambda r: r.status == 180)
            assert s.call.cancel().status == 200
            assert s.call.wait_final().status == 487
            assert bob.wait_request("CANCEL").msg.call_id == s.b_req.msg.call_id
            s.close()
        assert srv.kamailio.ip not in str(srv.rpc.call("pike.top", "HOT"))
        srv.wait_released()
    finally:
        for u in uas:
            u.close()
