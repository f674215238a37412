"""The deferred-message push to a user registered at two contacts (DM-3,
OMA TS 12.2.2.2; im_ua's parallel forking, RFC 3261 16.7), on SQLite and
PostgreSQL: the push INVITE reaches both at once; the first to answer 200
gets every message over MSRP and only its MSRP 200s delete them; the
other is CANCELled, or, when its 200 crossed the winner's, ACKed and
BYEd. A refusal of one contact does not stop the other's delivery."""

import pytest

from imtest.cf import Member
from imtest.db import BACKENDS
from imtest.procs import wait_until
from imtest.sdp import Sdp
from imtest.store import empty_store  # noqa: F401 (autouse fixture)
from imtest.store import (TAKES, count, finish_push, send_message, split_sip,
                          wants_offline_delivery)

pytestmark = pytest.mark.parametrize("db_backend", BACKENDS, indirect=True, scope="module")

BODIES = [b"first", b"second", b"third"]


def delivered(server):
    return server.rpc.call("im_store.stats")["delivered"]


@pytest.fixture
def pushed_to_both(server, make_ua):
    """bob's three messages stored while he was away; then his two clients
    (UDP, TCP) register with offline delivery off, and the PUBLISH that
    turns it on brings the push (D-29 a). Returns both as Members, each
    holding the push INVITE it received."""
    alice = make_ua("alice")
    bob1 = make_ua("bob", register=False)
    bob2 = make_ua("bob", transport="tcp", register=False)
    wants_offline_delivery(bob1, False)
    for b in BODIES:
        assert send_message(alice, server.uri("bob"), b)[1].status == 202
    assert count(server, "bob") == len(BODIES)
    assert bob1.register().status == 200 and bob2.register().status == 200
    wants_offline_delivery(bob1, True)
    members = Member(bob1), Member(bob2)
    for m in members:
        m.wait_invitation()
    # one push, one dialog: both INVITEs are branches of it (DM-3)
    assert members[0].req.msg.get("call-id") == members[1].req.msg.get("call-id")
    return members


def take(m):
    """m answers its push INVITE as a client would: 200 taking
    message/sip (no provisional before)."""
    return m.accept(ring=False, accept_types=TAKES, direction="recvonly")


def receive_all(server, m):
    """m gets every message, in order, deleted by its MSRP 200s; then the
    server's BYE."""
    wait_until(lambda: len(m.ep.completed) == len(BODIES), 10, "every pushed message")
    finish_push(m)
    assert [split_sip(x.body)[2] for x in m.ep.completed] == BODIES
    wait_until(lambda: count(server, "bob") == 0, 10, "the store emptied")


def test_one_answers_the_other_is_cancelled(server, pushed_to_both):
    m1, m2 = pushed_to_both
    before = delivered(server)
    m2.req.reply(180)
    take(m1)
    m1.wait_ack()
    cancel = m2.ua.wait_request("CANCEL")
    assert cancel.msg.branch == m2.req.msg.branch
    m2.ua.wait_request("ACK")                   # of its 487
    m1.connect()
    receive_all(server, m1)
    assert delivered(server) - before == len(BODIES)
    assert m2.ua.no_request("BYE", timeout=0.2)
    server.wait_released()


def test_both_answer_at_once_exactly_one_gets_the_messages(server, pushed_to_both):
    """Two 200s crossing: one wins; the loser's is ACKed and gets a BYE,
    and its MSRP connection, were it to open one, is refused by the
    relay: each message is delivered and deleted exactly once."""
    before = delivered(server)
    for m in pushed_to_both:
        m.ua.cancel_terminates = False          # a CANCEL must not win the race
    for m in pushed_to_both:
        take(m)
    loser = wait_until(lambda: next((m for m in pushed_to_both if any(
        r.method == "BYE" for r in m.ua.received)), None), 10, "a BYE to the loser")
    winner = pushed_to_both[1] if loser is pushed_to_both[0] else pushed_to_both[0]
    assert [r.method for r in loser.ua.received][-2:] == ["ACK", "BYE"]
    loser.ua.wait_request("BYE").reply(200)
    winner.wait_ack()
    winner.connect()
    # the loser connects to the path it was offered, while the session
    # is on: it is not the negotiated peer
    relay_path = Sdp(loser.req.msg.body).path[0]
    loser.ep.to_path = [relay_path]
    loser.ep.connect_to(relay_path)
    assert loser.ep.wait_response(loser.ep.bind()).status == 403
    receive_all(server, winner)
    assert delivered(server) - before == len(BODIES)
    assert not [f for f in loser.ep.frames if f.is_request and f.method == "SEND"]
    server.wait_released()
    winner.close()
    loser.close()
    assert count(server, "bob") == 0


def test_one_refuses_the_other_answers(server, pushed_to_both):
    m1, m2 = pushed_to_both
    m1.req.reply(486)
    m1.ua.wait_request("ACK")                   # of its 486
    take(m2)
    m2.wait_ack()
    m2.connect()
    receive_all(server, m2)
    server.wait_released()


def test_both_refuse_everything_stays(server, pushed_to_both):
    m1, m2 = pushed_to_both
    m1.req.reply(486)
    m2.req.reply(480)
    server.wait_released()
    assert count(server, "bob") == len(BODIES)
    # the push is over: the next one may start (D-29)
    wants_offline_delivery(m1.ua, True)
    for m in (m1, m2):
        m.wait_invitation().reply(486)
    server.wait_released()
    assert count(server, "bob") == len(BODIES)
