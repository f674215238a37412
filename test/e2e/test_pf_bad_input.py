"""Bad input and failure paths of the B2BUA: clear SIP errors, and no
dialog or relay leg left behind (checked by RPC after each test)."""

import re

import pytest

from imtest.im_session import ImSession
from imtest.msrp import MsrpEndpoint
from imtest.sdp import msrp_sdp
from imtest.sip import Dialog
from imtest.sipmsg import NameAddr


@pytest.fixture(autouse=True)
def nothing_left(server):
    yield
    server.wait_released()


def invite_raw(alice, to_uri, body, content_type="application/sdp", headers=None):
    """An INVITE with exactly this body (digest answered); its final
    response."""
    msg = alice.build_request("INVITE", to_uri, body=body, content_type=content_type,
                              headers=headers)
    resp = alice.send_request(msg).wait_final()
    if resp.status in (401, 407):
        resp = alice.send_request(alice.with_credentials(msg, resp)).wait_final()
    return resp


SDP_HEAD = b"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
MSRP_MEDIA = (b"m=message 7394 TCP/MSRP *\r\na=accept-types:text/plain\r\n"
              b"a=path:msrp://127.0.0.1:7394/x;tcp\r\n")

# SDP the server must not pass on (issue 8): each gets 488 and a Warning
# "399 <host> "<RFC 3261 warn-code> <reason>"" (D-34) naming the fault.
BAD_SDP = {
    "no a=path": (SDP_HEAD + b"m=message 7394 TCP/MSRP *\r\n"
                  b"a=accept-types:text/plain\r\n", "307", "missing a=path"),
    "not SDP": (b"this is not SDP at all", "307", "malformed SDP"),
    "no MSRP m-line": (SDP_HEAD + b"m=audio 49170 RTP/AVP 0\r\n", "304", "no MSRP media"),
    "MSRP refused": (SDP_HEAD + b"m=message 0 TCP/MSRP *\r\n"
                     b"a=path:msrp://127.0.0.1:7394/x;tcp\r\n", "304", "no MSRP media"),
    "c= not an address": (SDP_HEAD.replace(b"c=IN IP4 127.0.0.1", b"c=IN IP4 999.999.1.1")
                          + MSRP_MEDIA, "307", "bad c= address"),
    "IPv6 literal under IP4": (SDP_HEAD + MSRP_MEDIA + b"c=IN IP4 2001:db8::1\r\n",
                               "307", "bad c= address"),
    "two m=message lines": (SDP_HEAD + MSRP_MEDIA + MSRP_MEDIA.replace(b"7394", b"7395"),
                            "307", "more than one m=message line"),
    "LF-only line ends": ((SDP_HEAD + MSRP_MEDIA).replace(b"\r\n", b"\n"), "307",
                          "not ended by CRLF"),
}


def assert_sdp_warning(resp, code, reason):
    m = re.match(r'^399 \S+ "(\d{3}) (.*)"$', resp.get("warning") or "")
    assert m, resp.get("warning")
    assert m.group(1) == code and reason in m.group(2), resp.get("warning")


@pytest.mark.parametrize("name", list(BAD_SDP))
def test_bad_sdp_offers(server, make_ua, name):
    """An authenticated INVITE with SDP we cannot take: 488 with a Warning
    saying why, and the callee never hears of it."""
    body, code, reason = BAD_SDP[name]
    alice, bob = make_ua("alice"), make_ua("bob")
    resp = invite_raw(alice, server.uri("bob"), body)
    assert resp.status == 488
    assert_sdp_warning(resp, code, reason)
    assert bob.no_request("INVITE")


@pytest.mark.parametrize("name", ["c= not an address", "two m=message lines",
                                  "LF-only line ends"])
def test_bad_sdp_answer(server, make_ua, name):
    """The callee answers 200 with SDP we cannot take: the caller gets one
    final response, 488 with the Warning, and the callee's leg is ACKed
    and ended with a BYE."""
    body, code, reason = BAD_SDP[name]
    alice, bob = make_ua("alice"), make_ua("bob")
    s = ImSession(alice, bob, server.uri("bob"))
    s.invite()
    s.ring()
    s.b_req.reply(200, body=body, content_type="application/sdp")
    final = s.call.wait_final()
    assert final.status == 488
    assert_sdp_warning(final, code, reason)
    bob.wait_request("ACK")
    bye = bob.wait_request("BYE")
    assert bye.msg.call_id == s.b_req.msg.call_id
    bye.reply(200)
    assert {r.status for r in s.call.tx.responses if r.status >= 200} == {488}
    s.close()


def test_invite_without_sdp(server, make_ua):
    """An IM session needs an MSRP offer in the INVITE."""
    alice = make_ua("alice")
    make_ua("bob")              # registered: the refusal is not a 480
    resp = invite_raw(alice, server.uri("bob"), b"")
    assert resp.status == 488


def test_multipart_offer_with_resource_list(server, make_ua):
    """NNI-17: the SDP part of a multipart/mixed body is rewritten, the
    resource list crosses unchanged."""
    alice, bob = make_ua("alice"), make_ua("bob")
    ep = MsrpEndpoint()
    rl = (b'<?xml version="1.0" encoding="UTF-8"?>\r\n<resource-lists '
          b'xmlns="urn:ietf:params:xml:ns:resource-lists"><list>'
          b'<entry uri="sip:bob@home1.net"/></list></resource-lists>\r\n')
    body = (b"--b1\r\nContent-Type: application/sdp\r\n\r\n" + msrp_sdp(ep.path)
            + b"\r\n--b1\r\nContent-Type: application/resource-lists+xml\r\n"
            b"Content-Disposition: recipient-list\r\n\r\n" + rl + b"\r\n--b1--\r\n")
    msg = alice.build_request("INVITE", server.uri("bob"), body=body,
                              content_type='multipart/mixed;boundary="b1"')
    tx = alice.send_request(msg)
    first = tx.wait_response(lambda r: True)
    if first.status in (401, 407):
        tx = alice.send_request(alice.with_credentials(msg, first))
    req = bob.wait_request("INVITE")
    assert req.msg.get("content-type").startswith("multipart/mixed")
    assert rl in req.msg.body
    assert ep.path.encode() not in req.msg.body
    assert f"msrp://127.0.0.1:{server.relay.msrp_port}/".encode() in req.msg.body
    req.reply(486, "Busy Here")
    assert tx.wait_final().status == 486
    ep.close()


def test_callee_failure_is_passed_on(server, make_ua):
    """OP-3: any other final response is forwarded; the relay session goes."""
    alice, bob = make_ua("alice"), make_ua("bob")
    s = ImSession(alice, bob, server.uri("bob"))
    s.invite()
    s.ring()
    s.b_req.reply(486, "Busy Here", headers=[("Warning", '399 bob "busy with another"')])
    final = s.call.wait_final()
    assert final.status == 486
    assert final.get("warning") == '399 bob "busy with another"'
    s.close()


def test_unsupported_require_and_small_session_interval(server, make_ua):
    alice = make_ua("alice")
    make_ua("bob")
    ep = MsrpEndpoint()
    resp = invite_raw(alice, server.uri("bob"), msrp_sdp(ep.path),
                      headers=[("Require", "100rel")])
    assert resp.status == 420 and resp.get("unsupported") == "100rel"
    resp = invite_raw(alice, server.uri("bob"), msrp_sdp(ep.path),
                      headers=[("Session-Expires", "30"), ("Supported", "timer")])
    assert resp.status == 422 and resp.get("min-se") == "90"
    ep.close()


def test_reinvite_for_unknown_dialog(server, make_ua):
    """A re-INVITE (to-tag) for a dialog of ours that never was: 481."""
    alice, _ = make_ua("alice"), make_ua("bob")
    d = Dialog("nonexistent@127.0.0.1", "abc", "def", alice.aor, "sip:bob@home1.net",
               f"sip:1234-a@127.0.0.1:{server.kamailio.sip_port}", [], 5)
    ep = MsrpEndpoint()
    resp = alice.request_in_dialog(d, "INVITE", body=msrp_sdp(ep.path),
                                   content_type="application/sdp")
    assert resp.status == 481
    ep.close()


def test_bye_with_wrong_tags(server, make_ua):
    """A BYE with the right Call-ID but tags of no dialog: 481, and the
    session goes on."""
    alice, bob = make_ua("alice"), make_ua("bob")
    s = ImSession(alice, bob, server.uri("bob")).start()
    d = s.call.dialog
    forged = Dialog(d.call_id, d.local_tag, "not-the-tag", d.local_uri, d.remote_uri,
                    d.remote_target, d.route_set, d.local_cseq + 10)
    assert alice.request_in_dialog(forged, "BYE").status == 481
    forged = Dialog(d.call_id, "stranger", d.remote_tag, d.local_uri, d.remote_uri,
                    d.remote_target, d.route_set, d.local_cseq + 20)
    assert alice.request_in_dialog(forged, "BYE").status == 481
    s.send_a("still here")
    assert s.b_ep.wait_message().body == b"still here"
    s.bye_from_a()
    s.close()


def test_old_cseq_is_refused(server, make_ua):
    """RFC 3261 12.2.2: a request with a lower CSeq than the last gets 500."""
    alice, bob = make_ua("alice"), make_ua("bob")
    s = ImSession(alice, bob, server.uri("bob")).start()
    d = s.call.dialog
    old = Dialog(d.call_id, d.local_tag, d.remote_tag, d.local_uri, d.remote_uri,
                 d.remote_target, d.route_set, d.local_cseq - 2)
    assert alice.request_in_dialog(old, "INFO").status == 500
    s.bye_from_a()
    s.close()


def test_in_dialog_requests_cross(server, make_ua):
    """INFO, MESSAGE and in-dialog REFER cross to the other side and their
    final responses come back."""
    alice, bob = make_ua("alice"), make_ua("bob")
    s = ImSession(alice, bob, server.uri("bob")).start()
    import threading
    got = {}

    def answer(method, status):
        req = bob.wait_request(method)
        got[method] = req
        req.reply(status)
    for method, status, extra in (("INFO", 200, []), ("MESSAGE", 200, []),
                                  ("REFER", 202, [("Refer-To", "<sip:carol@home1.net>")])):
        t = threading.Thread(target=answer, args=(method, status))
        t.start()
        resp = alice.request_in_dialog(s.call.dialog, method, body=b"x",
                                       content_type="text/plain", headers=extra)
        t.join(10)
        assert resp.status == status
        assert got[method].msg.body == b"x"
        assert got[method].msg.call_id == s.b_req.msg.call_id
    assert got["REFER"].msg.get("refer-to") == "<sip:carol@home1.net>"
    s.bye_from_a()
    s.close()


def test_subscribe_to_our_contact_is_mapped(server, make_ua):
    """OP-5, TP-9: a SUBSCRIBE to the Contact the B2BUA gave reaches the far
    end with the Request-URI mapped back; its NOTIFY comes back the same
    way."""
    alice, bob = make_ua("alice"), make_ua("bob")
    s = ImSession(alice, bob, server.uri("bob")).start()
    contact = NameAddr.parse(s.final.get("contact")).uri
    import threading
    got = {}

    def answer():
        req = bob.wait_request("SUBSCRIBE")
        got["req"] = req
        req.reply(200, headers=[("Expires", "60")])
    t = threading.Thread(target=answer)
    t.start()
    alice.auto_reply["NOTIFY"] = 200
    resp, dlg = alice.subscribe(contact, "conference", expires=60)
    t.join(10)
    assert resp.status == 200
    assert got["req"].msg.uri == bob.contact_uri
    assert got["req"].msg.get_all("record-route")
    assert bob.notify(got["req"].dialog, "conference", "active;expires=60").status == 200
    assert alice.wait_request("NOTIFY").msg.call_id == dlg.call_id
    s.bye_from_a()
    s.close()


def test_bye_right_after_the_answer(server, make_ua):
    """The callee's BYE right after its 200 still ends both sides."""
    alice, bob = make_ua("alice"), make_ua("bob")
    s = ImSession(alice, bob, server.uri("bob"))
    s.invite()
    s.ring()
    s.answer()
    s.established()
    s.bye_from_b()
    s.close()
