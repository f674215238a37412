"""A 1-1 IM session through the participating functions, attacked on its
media by a second connection that presents the caller's MSRP paths, as
someone who read the SDP would (issue 8, item 1; RFC 4975 14.2). Today's
Kamailio ends a session whose MSRP connection dies: the attacker must not
be able to cause that, nor to inject into the session."""

from imtest.im_session import ImSession
from imtest.msrp import MsrpEndpoint
from imtest.procs import wait_until
from imtest.sdp import Sdp


def intruder_for(s):
    """A connection to the relay leg the caller was given, with the
    caller's own From-Path."""
    relay_path = Sdp(s.final.body).path[0]
    i = MsrpEndpoint(session_id=s.a_ep.session_id)
    i.path = s.a_ep.path
    i.to_path = [relay_path]
    i.connect_to(relay_path)
    return i


def test_second_connection_cannot_inject_nor_end_the_session(server, make_ua):
    alice, bob = make_ua("alice"), make_ua("bob")
    s = ImSession(alice, bob, server.uri("bob")).start()
    before = server.relay.call("stats")["msrp"]["errors"].get("foreign_connection", 0)
    with intruder_for(s) as intruder:
        mid, [tid] = intruder.send_message(b"I am alice, really")
        assert intruder.wait_response(tid).status == 403
    with intruder_for(s) as intruder:
        intruder.send_frame("SEND", [("Message-ID", "x1"), ("Byte-Range", "1-2/2"),
                                     ("Content-Type", "text/plain")], b"longer than said")
        intruder.wait_closed()
    assert server.relay.call("stats")["msrp"]["errors"].get("foreign_connection", 0) == before + 2
    # the session goes on, both ways, on the owners' connections
    s.send_a("from the real alice")
    got = s.b_ep.wait_message()
    assert got.body == b"from the real alice"
    assert all(m.message_id != mid for m in s.b_ep.completed)
    s.send_b("hello alice")
    assert s.a_ep.wait_message().body == b"hello alice"
    assert not s.a_ep.peer_closed and not s.b_ep.peer_closed
    calls = server.rpc.call("im_ua.list")
    assert len(calls) == 2
    # no BYE came from the attack: the first BYE each side sees is ours
    s.bye_from_a()
    assert alice.no_request("BYE", timeout=0)
    server.wait_released()
    wait_until(lambda: server.relay.call("session.list") == [], 10, "relay sessions released")
    s.close()
