"""Session timers on the B2BUA legs (RFC 4028, OP-9, E2E-15) and the
media plane failing under a session: both SIP legs get a BYE."""

import pytest

from conftest import one_server, start_server, stop_server
from imtest.im_session import ImSession
from imtest.procs import wait_until
from imtest.sdp import Sdp


@pytest.fixture(scope="module")
def short_timers(tmp_path_factory):
    """Session intervals of 4 s (Min-SE 2 s): a refresher refreshes every
    2 s, a leg nobody refreshes ends after 3 s."""
    yield from one_server(tmp_path_factory.mktemp("timers"),
                          defines={"SESSION_EXPIRES": "4", "MIN_SE": "2"})


BOB_TIMER = [("Allow", "INVITE, ACK, BYE, CANCEL, UPDATE"), ("Supported", "timer"),
             ("Session-Expires", "4;refresher=uac")]


def test_expiry_when_the_client_does_not_refresh(short_timers, make_ua):
    """alice asks to refresh (refresher=uac) and never does: her leg
    expires and the B2BUA sends BYE to her and towards bob (OP-9). bob's
    leg, which we refresh with UPDATE, was kept alive meanwhile. Her
    interval (9 s: her leg ends after 6 s) is longer than bob's (4 s,
    refreshed after 2 s), so his refresh comes first."""
    alice, bob = make_ua("alice", srv=short_timers), make_ua("bob", srv=short_timers)
    bob.auto_reply["UPDATE"] = 200
    alice.auto_reply["BYE"] = 200
    bob.auto_reply["BYE"] = 200
    s = ImSession(alice, bob, short_timers.uri("bob"),
                  headers=[("Session-Expires", "9;refresher=uac"), ("Supported", "timer")])
    s.invite()
    s.ring()
    s.answer(headers=BOB_TIMER)
    final = s.established()
    assert final.get("session-expires") == "9;refresher=uac"
    assert "timer" in final.get_all("require")
    assert s.b_req.msg.get("session-expires") == "4;refresher=uas"

    update = bob.wait_request("UPDATE", timeout=10)
    assert update.msg.get("session-expires") == "4;refresher=uac"
    bye_a = alice.wait_request("BYE", timeout=15)
    bye_b = bob.wait_request("BYE", timeout=10)
    assert bye_a.msg.call_id == s.call.invite_msg.call_id
    assert bye_b.msg.call_id == s.b_req.msg.call_id
    short_timers.wait_released()
    s.close()


def test_we_refresh_a_client_without_timer_support(short_timers, make_ua):
    """alice does not support timers: we are the refresher of her leg and
    re-INVITE her with the SDP she already has; the session lives on."""
    alice, bob = make_ua("alice", srv=short_timers), make_ua("bob", srv=short_timers)
    bob.auto_reply["UPDATE"] = 200
    s = ImSession(alice, bob, short_timers.uri("bob"))
    s.invite()
    s.ring()
    s.answer(headers=BOB_TIMER)
    final = s.established()
    assert final.get("session-expires") == "4;refresher=uas"
    assert not final.get_all("require")
    s.connect_media()
    for _ in range(2):
        refresh = alice.wait_request("INVITE", timeout=10)
        assert refresh.msg.to.tag == s.call.dialog.local_tag
        assert Sdp(refresh.msg.body).lines == Sdp(final.body).lines
        refresh.reply(200, body=s.offer, content_type="application/sdp")
    s.send_a("still talking")
    assert s.b_ep.wait_message().body == b"still talking"
    s.bye_from_a()
    short_timers.wait_released()
    s.close()


def test_session_interval_below_min_se(short_timers, make_ua):
    alice, bob = make_ua("alice", srv=short_timers), make_ua("bob", srv=short_timers)
    s = ImSession(alice, bob, short_timers.uri("bob"),
                  headers=[("Session-Expires", "1"), ("Supported", "timer")])
    s.invite()
    resp = s.call.wait_final()
    assert resp.status == 422 and resp.get("min-se") == "2"
    s.close()


def test_422_from_the_callee_is_asked_again(short_timers, make_ua):
    """RFC 4028 7.3 (issue 11): bob answers our INVITE 422 with Min-SE 30;
    the B2BUA invites him again, once, with Session-Expires and Min-SE 30
    (same dialog identifiers, a higher CSeq); his 200 gives alice her 200.
    A second 422 is not retried: alice gets it."""
    alice, bob = make_ua("alice", srv=short_timers), make_ua("bob", srv=short_timers)
    bob.auto_reply["BYE"] = 200
    s = ImSession(alice, bob, short_timers.uri("bob"))
    s.invite()
    first = bob.wait_request("INVITE", timeout=10)
    assert first.msg.get("session-expires").split(";")[0] == "4"
    first.reply(422, headers=[("Min-SE", "30")])
    s.ring()
    again = s.b_req.msg
    assert again.get("session-expires").split(";")[0] == "30"
    assert again.get("min-se") == "30"
    assert (again.call_id, again.from_.params.get("tag")) == \
        (first.msg.call_id, first.msg.from_.params.get("tag"))
    assert again.cseq[0] > first.msg.cseq[0]
    s.answer(headers=[("Supported", "timer"), ("Session-Expires", "30;refresher=uas")])
    assert s.established().status == 200
    s.bye_from_a()
    short_timers.wait_released()
    s.close()

    s = ImSession(alice, bob, short_timers.uri("bob"))
    s.invite()
    bob.wait_request("INVITE", timeout=10).reply(422, headers=[("Min-SE", "30")])
    bob.wait_request("INVITE", timeout=10).reply(422, headers=[("Min-SE", "60")])
    assert s.call.wait_final().status == 422
    short_timers.wait_released()
    s.close()


def test_relay_killed_mid_session(tmp_path, make_ua):
    """The relay dies under a session: Kamailio notices (health check) and
    BYEs both SIP legs; a new session then gets 503 with a Warning."""
    server = start_server(tmp_path)
    alice, bob = make_ua("alice", srv=server), make_ua("bob", srv=server)
    try:
        alice.auto_reply["BYE"] = 200
        bob.auto_reply["BYE"] = 200
        s = ImSession(alice, bob, server.uri("bob")).start()
        server.relay.proc.kill()
        assert alice.wait_request("BYE", timeout=15).msg.call_id == s.call.invite_msg.call_id
        assert bob.wait_request("BYE", timeout=15).msg.call_id == s.b_req.msg.call_id
        wait_until(lambda: server.rpc.call("im_ua.list") == [], 15, "calls released")
        s.close()

        s2 = ImSession(alice, bob, server.uri("bob"))
        s2.invite()
        resp = s2.call.wait_final()
        assert resp.status == 503
        assert "relay" in resp.get("warning")
        s2.close()
    finally:
        for ua in (alice, bob):
            ua.register(expires=0)
            ua.registered = False
        stop_server(server)


@pytest.fixture(scope="module")
def short_nni(tmp_path_factory):
    from conftest import TwoDomains
    d = TwoDomains(tmp_path_factory.mktemp("timers-nni"),
                   defines={"SESSION_EXPIRES": "4", "MIN_SE": "2"}).start()
    yield d
    problems = d.stop()
    assert not problems, problems


def test_expiry_across_the_nni(short_nni, make_ua):
    """alice (home1) lets her leg expire: home1 BYEs her and sends its BYE
    over the NNI, home2 answers it and BYEs bob. Her interval (9 s, so her
    leg ends after 6 s) is longer than the NNI leg's (4 s, refreshed by
    home2 every 2 s, TP-3: refresher=uas), so that leg is refreshed first."""
    alice = make_ua("alice", srv=short_nni.home1)
    bob = make_ua("bob", srv=short_nni.home2)
    bob.auto_reply["UPDATE"] = 200
    alice.auto_reply["BYE"] = 200
    bob.auto_reply["BYE"] = 200
    s = ImSession(alice, bob, short_nni.home2.uri("bob"),
                  headers=[("Session-Expires", "9;refresher=uac"), ("Supported", "timer")])
    mark = short_nni.tap.mark()
    s.invite()
    s.ring()
    s.answer(headers=BOB_TIMER)
    s.established()
    short_nni.tap.wait(lambda m: m.is_request and m.method == "UPDATE", since=mark)
    assert alice.wait_request("BYE", timeout=15).msg.call_id == s.call.invite_msg.call_id
    assert bob.wait_request("BYE", timeout=10).msg.call_id == s.b_req.msg.call_id
    short_nni.tap.wait(lambda m: m.is_request and m.method == "BYE", since=mark)
    for srv in (short_nni.home1, short_nni.home2):
        srv.wait_released()
    s.close()


def test_relay_killed_on_the_terminating_side(tmp_path, make_ua):
    """home2's relay dies: home2 BYEs bob and, over the NNI, home1, which
    BYEs alice."""
    from conftest import TwoDomains
    d = TwoDomains(tmp_path).start()
    alice = make_ua("alice", srv=d.home1)
    bob = make_ua("bob", srv=d.home2)
    try:
        alice.auto_reply["BYE"] = 200
        bob.auto_reply["BYE"] = 200
        s = ImSession(alice, bob, d.home2.uri("bob")).start()
        d.home2.relay.proc.kill()
        assert bob.wait_request("BYE", timeout=15).msg.call_id == s.b_req.msg.call_id
        assert alice.wait_request("BYE", timeout=15).msg.call_id == s.call.invite_msg.call_id
        wait_until(lambda: d.home1.rpc.call("im_ua.list") == []
                   and d.home2.rpc.call("im_ua.list") == []
                   and d.home1.relay.call("session.list") == [], 15, "release")
        s.close()
    finally:
        for ua in (alice, bob):
            ua.register(expires=0)
            ua.registered = False
        problems = d.stop()
        assert not problems, problems
