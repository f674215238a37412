"""System messages (C-3, OMA TS 5.4, E2E-26 steps 1-2; MSG-02, MSG-04):
RPC im_pf.system_message sends a MESSAGE from the IM server to a
registered user and reports the final response."""

import threading

import pytest

from conftest import start_server, stop_server
from imtest.rpc import RpcError
from imtest.sipmsg import NameAddr

TAG = "+g.oma.sip-im.system-message"


def system_message(server, *args):
    """Runs the RPC in the background: (thread, result dict with 'reply'
    or 'error')."""
    result = {}

    def run():
        try:
            result["reply"] = server.rpc.call("im_pf.system_message", *args, timeout=45)
        except RpcError as e:
            result["error"] = e
    t = threading.Thread(target=run)
    t.start()
    return t, result


@pytest.mark.parametrize("status", [200, 486])
def test_system_message_reaches_the_user_and_reports_his_answer(server, make_ua, status):
    bob = make_ua("bob")
    t, result = system_message(server, server.uri("bob"), "text/plain",
                               "Your quota is almost used up.")
    req = bob.wait_request("MESSAGE")
    req.reply(status)
    t.join(15)
    assert result["reply"]["code"] == status
    m = req.msg
    assert m.body == b"Your quota is almost used up."
    assert m.get("content-type") == "text/plain"
    assert not m.has("contact")                                  # MSG-02
    assert TAG in m.get("accept-contact")
    assert m.from_.uri == "sip:system@home1.net"
    assert NameAddr.parse(m.get("p-asserted-identity")).uri == "sip:system@home1.net"
    assert m.get("server") == "IM-serv/OMA1.0"
    assert m.uri.startswith("sip:bob@")


def test_external_body_passes_and_a_big_payload_is_refused(server, make_ua):
    """Above 1300 bytes OMA wants message/external-body (RFC 4483): the
    RPC refuses the payload itself and sends such a body as given."""
    bob = make_ua("bob")
    bob.auto_reply["MESSAGE"] = 200
    with pytest.raises(RpcError) as e:
        server.rpc.call("im_pf.system_message", server.uri("bob"), "text/html", "x" * 1400)
    assert e.value.code == 413 and "message/external-body" in str(e.value)
    assert bob.no_request("MESSAGE", timeout=0.2)
    ext = ('Content-Type: text/html\r\nContent-ID: <notice1@home1.net>\r\n\r\n')
    ctype = 'message/external-body;access-type="URL";URL="https://home1.net/n/1.html"'
    t, result = system_message(server, server.uri("bob"), ctype, ext)
    t.join(15)
    assert result["reply"]["code"] == 200
    got = bob.wait_request("MESSAGE").msg
    assert got.get("content-type") == ctype and got.body == ext.encode()


def test_system_message_to_someone_else_is_refused(server):
    with pytest.raises(RpcError) as e:
        server.rpc.call("im_pf.system_message", "sip:bob@elsewhere.example", "text/plain", "hi")
    assert e.value.code == 400


@pytest.fixture(scope="module")
def ts1_zero(tmp_path_factory):
    """A domain whose Ts1 is 0: a required response is overdue at once."""
    s = start_server(tmp_path_factory.mktemp("ts1"), defines={"PF_TS1": "0"})
    yield s
    stop_server(s)


def delivered(server, bob, *args):
    t, result = system_message(server, server.uri("bob"), *args)
    bob.wait_request("MESSAGE").reply(200)
    t.join(15)
    return result["reply"]


def test_overdue_response_blocks_the_user_until_it_comes(ts1_zero, make_ua):
    """E2E-26 step 3, OP-1 step 2: a system message sent with
    need-response is delivered (Ts1 starts); Ts1 (0 here) runs out; bob's
    next request through the originating function gets 403 + Error-Info;
    once his response is recorded (im_pf.system_response) he is served
    again. A message without need-response starts nothing."""
    server = ts1_zero
    bob, alice = make_ua("bob", srv=server), make_ua("alice", srv=server)
    alice.auto_reply["MESSAGE"] = 200
    assert delivered(server, bob, "text/plain", "FYI")["response_pending"] == 0
    assert bob.message(server.uri("alice"), "free to talk").status == 200
    reply = delivered(server, bob, "text/plain", "Accept the new terms, please.", "yes")
    assert (reply["code"], reply["response_pending"]) == (200, 1)
    refused = bob.message(server.uri("alice"), "blocked?")
    assert refused.status == 403
    assert refused.get("error-info") == "<sip:system@home1.net>"
    assert [(p["user"], p["blocked"]) for p in server.rpc.call("im_pf.system_pending")] == \
        [(server.uri("bob"), 1)]
    assert server.rpc.call("im_pf.system_response", server.uri("bob")) == 1
    assert server.rpc.call("im_pf.system_response", server.uri("bob")) == 0
    assert bob.message(server.uri("alice"), "served again").status == 200
    assert server.rpc.call("im_pf.system_pending") == []


def test_response_within_ts1_blocks_nothing(server, make_ua):
    """With the default Ts1 (300 s) bob's requests pass meanwhile;
    need-response takes yes or no, nothing else."""
    bob, alice = make_ua("bob"), make_ua("alice")
    alice.auto_reply["MESSAGE"] = 200
    assert delivered(server, bob, "text/plain", "Confirm, please.", "yes")["response_pending"] == 1
    assert bob.message(server.uri("alice"), "still served").status == 200
    assert server.rpc.call("im_pf.system_response", server.uri("bob")) == 1
    with pytest.raises(RpcError) as e:
        server.rpc.call("im_pf.system_message", server.uri("bob"), "text/plain", "x", "maybe")
    assert e.value.code == 400
