"""1-1 IM sessions between users of one domain (E2E-2): the originating
B2BUA sends its leg to the terminating one in the same Kamailio, so a
session is two B2BUA calls and two relay bridges; and the same with the
participating function in proxy mode (D-2), where the SDP and the MSRP go
end to end."""

import os

import pytest

from conftest import one_server
from imtest.im_session import ImSession
from imtest.sdp import Sdp
from imtest.sipmsg import NameAddr


def test_local_session_through_both_functions(server, make_ua):
    alice, bob = make_ua("alice"), make_ua("bob")
    s = ImSession(alice, bob, server.uri("bob")).start()
    calls = server.rpc.call("im_ua.list")
    assert len(calls) == 2                  # originating and terminating
    assert len(server.relay.call("session.list")) == 2
    assert s.b_req.msg.get("user-agent") == "IM-serv/OMA1.0"
    assert NameAddr.parse(s.b_req.msg.get("p-asserted-identity")).uri == "sip:alice@home1.net"
    assert Sdp(s.final.body).path[0].startswith(f"msrp://127.0.0.1:{server.relay.msrp_port}/")
    assert Sdp(s.b_req.msg.body).path[0].startswith(
        f"msrp://127.0.0.1:{server.relay.msrp_port}/")

    data = os.urandom(256 * 1024)
    got, report = s.transfer_a(data, 32 * 1024)
    assert got.body == data
    assert report.get("Status").startswith("000 200")
    s.send_b("back")
    assert s.a_ep.wait_message().body == b"back"
    s.bye_from_b()
    server.wait_released()
    s.close()


def test_large_message_mode(server, make_ua):
    """OP-2, OP-11, TP-2, TP-8: +g.oma.sip-im.large-message in Contact on
    both B2BUA legs, a one-shot sendonly session through the relays."""
    alice, bob = make_ua("alice"), make_ua("bob")
    s = ImSession(alice, bob, server.uri("bob"), large=True,
                  answer_kw={"direction": "recvonly"})
    s.invite()
    at_b = s.ring()
    contact = NameAddr.parse(at_b.msg.get("contact"))
    assert "+g.oma.sip-im.large-message" in contact.params
    assert "+g.oma.sip-im.large-message" in at_b.msg.get("accept-contact")
    assert Sdp(at_b.msg.body).attr("sendonly") == ""
    s.answer()
    final = s.established()
    assert "+g.oma.sip-im.large-message" in NameAddr.parse(final.get("contact")).params
    assert final.get("server") == "IM-serv/OMA1.0"
    s.connect_media()
    data = os.urandom(300 * 1024)
    got, report = s.transfer_a(data, 64 * 1024)
    assert report.get("Status").startswith("000 200")
    assert got.body == data
    s.bye_from_a()
    server.wait_released()
    s.close()


@pytest.fixture(scope="module")
def proxy_server(tmp_path_factory):
    yield from one_server(tmp_path_factory.mktemp("proxy"), defines={"PF_MODE": '"proxy"'})


def test_proxy_mode(proxy_server, make_ua):
    """D-2 proxy mode: both functions Record-Route, the SDP crosses
    unchanged and the MSRP runs between the clients."""
    alice, bob = make_ua("alice", srv=proxy_server), make_ua("bob", srv=proxy_server)
    s = ImSession(alice, bob, proxy_server.uri("bob"))
    s.invite()
    at_b = s.ring()
    assert Sdp(at_b.msg.body).path == [s.a_ep.path]
    assert at_b.msg.get_all("record-route")
    s.answer()
    final = s.established()
    assert Sdp(final.body).path == [s.b_ep.path]
    assert final.get_all("record-route")
    assert proxy_server.rpc.call("im_ua.list") == []
    assert proxy_server.relay.call("session.list") == []
    s.connect_media()
    s.send_a("direct")
    assert s.b_ep.wait_message().body == b"direct"
    s.bye_from_a()
    s.close()
