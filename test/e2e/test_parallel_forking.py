"""A user registered at two contacts (issue 11): a MESSAGE and a session
INVITE reach both at once (parallel forking, im_ua's forking "parallel",
the default). The first 2xx is the answer, the other contact gets a
CANCEL; a 2xx of the other one crossing it is ACKed and ended with a BYE,
and the caller sees exactly one 200. (Serial forking, the option, is
test_stale_contacts.py.)"""

import time

import pytest

from imtest.im_session import ImSession
from imtest.procs import wait_until
from imtest.sip import SipTimeout


@pytest.fixture
def bob_twice(server, make_ua):
    alice = make_ua("alice")
    bob1 = make_ua("bob")
    bob2 = make_ua("bob", transport="tcp")
    return alice, bob1, bob2


def first_request(uas, method, timeout=10):
    """(ua, request): the first of uas to receive method."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for ua in uas:
            try:
                return ua, ua.wait_request(method, timeout=0.05)
            except SipTimeout:
                pass
    raise SipTimeout(f"no {method} at any of {[u.contact_uri for u in uas]}")


def ring_both(server, alice, bob1, bob2, other_status=180):
    """alice invites bob: both of his clients get the INVITE at once; the
    second answers other_status, the first 180."""
    s = ImSession(alice, bob1, server.uri("bob"))
    s.invite()
    other = bob2.wait_request("INVITE")
    other.reply(other_status)
    s.ring()
    return s, other


def two_hundreds(call):
    """The distinct dialogs (To tags) of the 2xx finals the caller got."""
    return {r.to.tag for r in call.tx.finals() if 200 <= r.status < 300}


def test_message_reaches_both_contacts(server, bob_twice):
    alice, bob1, bob2 = bob_twice
    bob1.auto_reply["MESSAGE"] = 200
    bob2.auto_reply["MESSAGE"] = (486, "Busy Here")
    assert alice.message(server.uri("bob"), "to both").status == 200
    for bob in (bob1, bob2):
        assert bob.wait_request("MESSAGE").msg.body == b"to both"


def test_both_ring_one_answers_the_other_is_cancelled(server, bob_twice):
    alice, bob1, bob2 = bob_twice
    s, other = ring_both(server, alice, bob1, bob2)
    assert other.msg.get("call-id") == s.b_req.msg.get("call-id")
    s.answer()
    s.established()
    cancel = bob2.wait_request("CANCEL")
    assert cancel.msg.branch == other.msg.branch
    bob2.wait_request("ACK")                    # of its 487
    assert len(two_hundreds(s.call)) == 1
    s.connect_media()
    s.send_a("to the one who answered")
    assert s.b_ep.wait_message().body == b"to the one who answered"
    s.bye_from_a()
    assert bob2.no_request("BYE", timeout=0.2)
    server.wait_released()
    s.close()


def test_both_answer_at_once_the_loser_gets_ack_and_bye(server, bob_twice):
    alice, bob1, bob2 = bob_twice
    # each 200 leaves whatever CANCEL comes meanwhile: the two cross on
    # the wire (else, on a loaded machine, the loser's client could see
    # the CANCEL first and end its INVITE with 487 instead)
    bob1.cancel_terminates = bob2.cancel_terminates = False
    s, other = ring_both(server, alice, bob1, bob2)
    # both answer with the same media (either may win), one right after
    # the other
    s.answer()
    other.reply(200, body=s.answer_sdp, content_type="application/sdp")
    final = s.call.wait_final()
    assert final.status == 200
    loser, bye = first_request((bob1, bob2), "BYE")
    bye.reply(200)
    winner = bob2 if loser is bob1 else bob1
    s.callee, s.b_req = winner, (other if winner is bob2 else s.b_req)
    assert loser.received[-2].method == "ACK"   # its 2xx was ACKed first
    winner.wait_request("ACK")
    assert winner.no_request("BYE", timeout=0.2)
    assert len(two_hundreds(s.call)) == 1
    s.final = final
    s.connect_media()
    s.send_a("only one session")
    assert s.b_ep.wait_message().body == b"only one session"
    s.bye_from_a()
    server.wait_released()
    s.close()


def test_all_contacts_refuse(server, bob_twice):
    """Every branch fails: the caller gets the callee's own answer (486)
    rather than a contact's 480."""
    alice, bob1, bob2 = bob_twice
    s, _ = ring_both(server, alice, bob1, bob2, other_status=480)
    bob2.wait_request("ACK")
    s.answer(486)
    assert s.call.wait_final().status == 486
    server.wait_released()
    s.close()


# what a failure says about why and what next, and a header of the
# branch's own that has no business at the caller
WHY = [("Warning", '399 bob1.home1.net "in a meeting"'), ("Retry-After", "300"),
       ("Error-Info", "<sip:busy@home1.net>"), ("Reason", 'SIP;cause=486;text="Busy"'),
       ("X-Branch-Secret", "bob1 only")]


def test_all_refuse_the_best_failure_keeps_its_headers(server, bob_twice):
    """RFC 3261 16.7 step 6: the caller gets the best response, the
    callee's own 486, with its reason phrase and the headers that say
    why and when to retry, although a worse 480 of the other contact came
    last; the branch's other headers stay behind."""
    alice, bob1, bob2 = bob_twice
    s, other = ring_both(server, alice, bob1, bob2)
    s.answer(486, reason="Busy In A Meeting", headers=WHY)
    other.reply(480, headers=[("Warning", '399 bob2.home1.net "switched off"'),
                              ("Retry-After", "5")])
    final = s.call.wait_final()
    assert (final.status, final.reason) == (486, "Busy In A Meeting")
    for name, value in WHY[:4]:
        assert final.get_all(name) == [value], (name, final.get_all(name))
    assert final.get_all("X-Branch-Secret") == []
    server.wait_released()
    s.close()


def test_a_6xx_ends_the_fork_with_its_headers(server, bob_twice):
    """A 603 ends the fork at once: the other contact, ringing, is
    CANCELled; the caller gets the 603 with its Warning and Retry-After."""
    alice, bob1, bob2 = bob_twice
    s, other = ring_both(server, alice, bob1, bob2)
    s.answer(603, headers=[("Warning", '399 bob1.home1.net "not now"'),
                           ("Retry-After", "3600"), ("X-Branch-Secret", "x")])
    assert bob2.wait_request("CANCEL").msg.branch == other.msg.branch
    final = s.call.wait_final()
    assert final.status == 603
    assert final.get_all("Warning") == ['399 bob1.home1.net "not now"']
    assert final.get_all("Retry-After") == ["3600"]
    assert final.get_all("X-Branch-Secret") == []
    server.wait_released()
    s.close()


def test_422_of_each_contact_is_met_by_the_larger_interval(server, bob_twice):
    """RFC 4028 7.3 per branch: bob1's 422 raises leg B's interval to its
    Min-SE; bob2's 422 asking less, arriving after, is invited again with
    that larger interval (it meets bob2's minimum too) rather than
    counted as a failure; bob2 answers, the call is up."""
    alice, bob1, bob2 = bob_twice
    s, other = ring_both(server, alice, bob1, bob2)
    s.answer(422, headers=[("Min-SE", "3600")])
    again1 = bob1.wait_request("INVITE")
    assert again1.msg.get("session-expires").split(";")[0] == "3600"
    other.reply(422, headers=[("Min-SE", "2400")])
    again2 = bob2.wait_request("INVITE")
    assert again2.msg.get("session-expires").split(";")[0] == "3600"
    again1.reply(486)
    s.b_req, s.callee = again2, bob2
    s.answer()
    s.established()
    s.bye_from_a()
    server.wait_released()
    s.close()


@pytest.fixture
def crashed_contact(server, make_ua):
    """A client of bob's that crashed: registered, its socket closed, it
    never answers again. Its binding is removed after the test."""
    dead = make_ua("bob", register=True)
    dead.close()
    dead.registered = False
    yield dead
    server.rpc.call("ul.rm_contact", "location", "bob", dead.contact_uri)


def silent_branches(server):
    return sum(c["branches_silent"] for c in server.rpc.call("im_ua.list"))


def test_silent_contact_is_not_waited_for_once_the_other_refused(server, make_ua,
                                                                crashed_contact):
    """A contact that never answers (a crashed client's registration) no
    longer holds the caller until tm's fr_timer (30 s) when bob's live
    client refuses: after CONTACT_TIMEOUT (5 s) without a response from
    it, the caller gets the live client's 486 with its Warning."""
    alice = make_ua("alice")
    live = make_ua("bob", transport="tcp")
    s = ImSession(alice, live, server.uri("bob"))
    s.invite()
    s.ring()
    s.answer(486, headers=[("Warning", '399 bob.home1.net "busy"')])
    final = s.call.wait_final(timeout=15)
    assert final.status == 486
    assert final.get_all("Warning") == ['399 bob.home1.net "busy"']
    server.wait_released(timeout=40)
    s.close()


def test_silent_contact_does_not_end_a_ringing_fork(server, make_ua, crashed_contact):
    """The silent contact is only not waited for: bob's live client,
    ringing past CONTACT_TIMEOUT, still answers and the call is up."""
    alice = make_ua("alice")
    live = make_ua("bob", transport="tcp")
    s = ImSession(alice, live, server.uri("bob"))
    s.invite()
    s.ring()
    wait_until(lambda: silent_branches(server) == 1, 15, "the crashed contact not waited for")
    assert not [r for r in s.call.tx.finals()]
    s.answer()
    s.established()
    s.bye_from_a()
    server.wait_released(timeout=40)
    s.close()
