"""The test user agent's dialog features (INVITE/ACK/BYE/CANCEL/re-INVITE,
SUBSCRIBE/NOTIFY, REFER, PUBLISH, digest auth on each) through the real
Kamailio proxy, so that later tests can rely on them. The participating
function runs in proxy mode here (D-2): what one UA sends is what the
other gets."""

import threading

import pytest

from conftest import one_server
from imtest.msrp import MsrpEndpoint
from imtest.sdp import Sdp, msrp_sdp


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    yield from one_server(tmp_path_factory.mktemp("ua"), defines={"PF_MODE": '"proxy"'})


def answer_in_background(ua, method, *statuses, **kw):
    """Answers the next `method` with each status in turn (e.g. 180, 200)."""
    got = {}

    def run():
        req = ua.wait_request(method)
        got["req"] = req
        for st in statuses:
            req.reply(st, **kw)
    t = threading.Thread(target=run)
    t.start()
    return t, got


def test_invite_ack_reinvite_bye(server, make_ua):
    alice, bob = make_ua("alice"), make_ua("bob")
    a_ep, b_ep = MsrpEndpoint(), MsrpEndpoint()
    offer = msrp_sdp(a_ep.path, setup="active")
    answer = msrp_sdp(b_ep.path, setup="passive")
    call = alice.invite(server.uri("bob"), offer)
    req = bob.wait_request("INVITE")
    req.reply(180)
    assert call.tx.wait_response(lambda r: r.status == 180)
    req.reply(200, body=answer, content_type="application/sdp")
    final = call.wait_final()
    assert final.status == 200
    assert Sdp(final.body).path == [b_ep.path]
    assert Sdp(req.msg.body).path == [a_ep.path]
    assert bob.wait_request("ACK").msg.cseq[1] == "ACK"

    t, got = answer_in_background(bob, "INVITE", 200, body=answer, content_type="application/sdp")
    assert call.reinvite(msrp_sdp(a_ep.path, accept_types="text/plain")).status == 200
    t.join(10)
    assert Sdp(got["req"].msg.body).attr("accept-types") == "text/plain"
    assert got["req"].dialog is not None

    t, got = answer_in_background(bob, "BYE", 200)
    assert call.bye().status == 200
    t.join(10)
    a_ep.close()
    b_ep.close()


def test_cancel_before_answer(server, make_ua):
    alice, bob = make_ua("alice"), make_ua("bob")
    call = alice.invite(server.uri("bob"), msrp_sdp(MsrpEndpoint().path))
    req = bob.wait_request("INVITE")
    req.reply(180)
    call.tx.wait_response(lambda r: r.status == 180)
    assert call.cancel().status == 200
    assert call.wait_final().status == 487
    assert bob.wait_request("CANCEL").msg.method == "CANCEL"


def test_invite_rejected_gets_acked(server, make_ua):
    alice, bob = make_ua("alice"), make_ua("bob")
    t, _ = answer_in_background(bob, "INVITE", 486)
    call = alice.invite(server.uri("bob"), msrp_sdp(MsrpEndpoint().path))
    assert call.wait_final().status == 486
    t.join(10)


def test_subscribe_notify(server, make_ua):
    alice, bob = make_ua("alice"), make_ua("bob")
    t, got = answer_in_background(bob, "SUBSCRIBE", 200, headers=[("Expires", "600")])
    resp, dialog = alice.subscribe(server.uri("bob"), "presence")
    t.join(10)
    assert resp.status == 200 and dialog is not None
    sub = got["req"]
    notify_result = {}
    th = threading.Thread(target=lambda: notify_result.setdefault(
        "r", bob.notify(sub.dialog, "presence", "active;expires=600", b"<x/>",
                        "application/pidf+xml")))
    th.start()
    n = alice.wait_request("NOTIFY")
    assert n.msg.get("event") == "presence" and n.msg.body == b"<x/>"
    n.reply(200)
    th.join(10)
    assert notify_result["r"].status == 200


def test_refer_and_publish(server, make_ua):
    alice, bob = make_ua("alice"), make_ua("bob")
    t, got = answer_in_background(bob, "REFER", 202)
    assert alice.refer(server.uri("bob"), "<sip:carol@home1.net>").status == 202
    t.join(10)
    assert got["req"].msg.get("refer-to") == "<sip:carol@home1.net>"
    # one publishes one's own state to the server, which takes only
    # service settings (im_pf, OMA TS 6.1.1.5): no presence server here,
    # and a PUBLISH never reaches the publisher's own client
    resp = alice.publish(server.uri("alice"), "presence", b"<pidf/>", "application/pidf+xml")
    assert resp.status == 489 and resp.get("allow-events") == "poc-settings"
    assert alice.no_request("PUBLISH")
    resp = alice.publish(server.uri("alice"), "poc-settings",
                         b'<poc-settings xmlns="urn:oma:params:xml:ns:poc:poc-settings"/>',
                         "application/poc-settings+xml")
    assert resp.status == 200 and resp.get("sip-etag")
