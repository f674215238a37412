"""Sessions of the controlling function (im_cf, OMA TS 7.2) on one
domain, end to end: real Kamailio and relay, clients registered with it.
Every test ends with no im_cf session, no im_ua call and no relay session
left (the `released` fixture)."""

import threading

import pytest

from conftest import one_server, start_server, stop_server
from imtest import cpim
from imtest.cf import (Member, answering_byes, parts_of, resource_list, start_conference,
                        wait_all_released)
from imtest.msrp import MsrpEndpoint
from imtest.procs import wait_until
from imtest.rpc import RpcError
from imtest.sdp import Sdp
from imtest.sipmsg import NameAddr
from imtest.sip import warning_code

FACTORY = "sip:conference-factory@home1.net"


@pytest.fixture
def released(server):
    """The end check of every test: nothing of a conference is left."""
    yield
    wait_all_released(server)


@pytest.fixture
def members(make_ua):
    made = []

    def make(*names, srv=None):
        ms = [Member(make_ua(n, srv=srv)) for n in names]
        made.extend(ms)
        return ms
    yield make
    for m in made:
        m.close()


def relayed(sender, ident, receivers, text):
    """MS-3: sender's CPIM message to the session reaches each receiver
    unmodified."""
    body = cpim.build(f"<{sender.ua.aor}>", f"<{ident}>", text)
    seen = {m: len(m.ep.completed) for m in receivers}
    sender.ep.send_message(body, content_type="message/cpim")
    for m in receivers:
        assert m.ep.wait_message(index=seen[m]).body == body


def leaves(member, *byed):
    """member BYEs the focus; exactly the members byed get a BYE."""
    with answering_byes(*byed) as got:
        assert member.bye().status == 200
    assert got == set(byed)


def focus_of(req):
    """The focus URI an invitation's Contact stands for: the terminating
    function's B2BUA encodes it (D-9) and keeps isfocus."""
    c = NameAddr.parse(req.msg.get("contact"))
    user = c.uri.split(":", 1)[1].split("@", 1)[0]
    assert user.startswith("imf-"), c.uri
    return c, bytes.fromhex(user[4:]).decode()


def only_session(server):
    sessions = server.rpc.call("im_cf.list")
    assert len(sessions) == 1, sessions
    return sessions[0]


def start_adhoc(server, inviter, invitees):
    """inviter invites the members through the factory; each answers;
    returns the inviter's 200 (CF-1). Media connected."""
    return start_conference(FACTORY, inviter, invitees,
                            [server.uri(m.ua.user) for m in invitees])


def test_adhoc_happy_path(server, members, released):
    """CF-1, CF-2, CF-12, CF-13, NNI-17, MS-3, CF-9, CF-19 a: alice invites
    bob and carol through the factory; a CPIM message of alice reaches both
    unmodified; alice's BYE releases the session."""
    alice, bob, carol = members("alice", "bob", "carol")
    invitees = [server.uri("bob"), server.uri("carol")]
    alice.invite_factory(FACTORY, invitees)
    for m in (bob, carol):
        m.wait_invitation()
    ident = only_session(server)["identity"]
    for m in (bob, carol):
        msg = m.req.msg
        contact, focus = focus_of(m.req)
        assert "isfocus" in contact.params and "+g.oma.sip-im" in contact.params
        assert focus.split("@")[0] == ident.split("@")[0]
        assert NameAddr.parse(msg.get("p-asserted-identity")).uri == server.uri("alice")
        assert NameAddr.parse(msg.get("referred-by")).uri == server.uri("alice")
        assert NameAddr.parse(msg.get("from")).uri == server.uri("alice")
        assert msg.get("session-expires").endswith(";refresher=uas")
        assert "+g.oma.sip-im" in msg.get("accept-contact")
        parts = parts_of(msg)
        assert [p[0]["content-type"] for p in parts] == [
            "application/sdp", "application/resource-lists+xml"]
        assert parts[1][0]["content-disposition"].startswith("recipient-list-history")
        for u in invitees:
            assert u.encode() in parts[1][1]
    # the first 200 answers alice (CF-1, CF-2)
    bob.accept()
    bob.wait_ack()
    final = alice.established()
    assert final.get("server") == "IM-serv/OMA1.0"
    assert NameAddr.parse(final.get("p-asserted-identity")).uri == FACTORY   # D-5
    assert "+g.oma.sip-im" in NameAddr.parse(final.get("contact")).params
    offered = set(Sdp(alice.sdp_sent).attr("accept-types").split())
    assert set(Sdp(final.body).attr("accept-types").split()) <= offered
    carol.accept()
    carol.wait_ack()
    for m in (alice, bob, carol):
        m.connect()
    # MS-3: the switch passes alice's CPIM message unmodified
    body = cpim.build("<sip:alice@home1.net>", f"<{ident}>", "hello all")
    alice.ep.send_message(body, content_type="message/cpim")
    for m in (bob, carol):
        got = m.ep.wait_message()
        assert got.body == body
    # the focus records carol's answer as its ACK leaves the B2BUA of
    # carol's terminating function: the state follows shortly after
    sid = only_session(server)["id"]
    wait_until(lambda: [(u["uri"], u["state"], u["joining"])
                        for u in server.rpc.call("im_cf.show", sid)["users"]] == [
        (server.uri("alice"), "connected", "dialed-in"),
        (server.uri("bob"), "connected", "dialed-out"),
        (server.uri("carol"), "connected", "dialed-out")], 10, "everyone connected")
    # CF-19 a: the originator leaves, everyone is BYEd
    leaves(alice, bob, carol)


def test_one_to_one(server, members, released):
    """CF-2 (a one-entry list is a 1-1 session), TR-1029 6.2.1, CF-19 c:
    bob's BYE leaves alice alone, who gets a BYE."""
    alice, bob = members("alice", "bob")
    start_adhoc(server, alice, [bob])
    assert only_session(server)["type"] == "1-1"
    ident = only_session(server)["identity"]
    relayed(bob, ident, [alice], "hi alice")
    leaves(bob, alice)


def test_all_invitees_fail(server, members, released):
    """CF-2: every invitation fails before a 200: alice gets a final error
    chosen by local policy, the lowest code received (486)."""
    alice, bob, carol = members("alice", "bob", "carol")
    alice.invite_factory(FACTORY, [server.uri("bob"), server.uri("carol")])
    bob.wait_invitation().reply(486)
    carol.wait_invitation().reply(603)
    final = alice.call.wait_final()
    assert final.status == 486


def test_inviter_cancels(server, members, released):
    """CF-15: alice CANCELs before anyone answers: the pending invitations
    are CANCELled and alice's INVITE ends with 487."""
    alice, bob, carol = members("alice", "bob", "carol")
    alice.invite_factory(FACTORY, [server.uri("bob"), server.uri("carol")])
    for m in (bob, carol):
        m.wait_invitation().reply(180)
    assert alice.call.cancel().status == 200
    assert alice.call.wait_final().status == 487
    for m in (bob, carol):
        assert m.ua.wait_request("CANCEL").msg.call_id == m.req.msg.call_id


def test_leave_and_rejoin(server, members, released):
    """CF-9, CF-5, CF-20, NNI-19, TR-1029 6.2.3: carol leaves, the others
    go on; she INVITEs the session identity and is back; dave, never
    invited, gets 403 + 122."""
    alice, bob, carol, dave = members("alice", "bob", "carol", "dave")
    start_adhoc(server, alice, [bob, carol])
    ident = only_session(server)["identity"]
    assert carol.bye().status == 200
    wait_until(lambda: only_session(server)["participants"] == 2, 10, "carol gone")
    relayed(alice, ident, [bob], "still here")
    # the rejoin: a new dialog and a new MSRP leg
    carol.renew().invite(ident)
    final = carol.established()
    assert "isfocus" in NameAddr.parse(final.get("contact")).params
    carol.connect()
    wait_until(lambda: only_session(server)["participants"] == 3, 10, "carol back")
    relayed(bob, ident, [carol, alice], "welcome back")
    # CF-20: never invited
    dave.invite(ident)
    refused = dave.call.wait_final()
    assert (refused.status, warning_code(refused)) == (403, "122")
    leaves(alice, bob, carol)


def test_unknown_identity(server, members, released):
    """CF-5: an INVITE to a session identity of ours that names no
    session: 403 + 123 Session does not exist."""
    (alice,) = members("alice")
    alice.invite("sip:conf-00000000000000001@home1.net")
    refused = alice.call.wait_final()
    assert (refused.status, warning_code(refused)) == (403, "123")


def events_of(server, identity):
    """The event-route lines the reference script logged for a session."""
    return [line.split("im_cf event ", 1)[1].strip()
            for line in server.kamailio.proc.log_text().splitlines()
            if "im_cf event " in line and identity in line]


def test_fewer_than_two_left(server, members, released):
    """CF-19 d, CF-2 (a failed invitee does not end the session), event
    routes: carol declines, bob answers then leaves; alice alone is
    released (min_remaining 1) and gets a BYE. Carol never joined: no
    participant-left for her."""
    alice, bob, carol = members("alice", "bob", "carol")
    alice.invite_factory(FACTORY, [server.uri("bob"), server.uri("carol")])
    bob.wait_invitation()
    carol.wait_invitation().reply(486)
    bob.accept()
    bob.wait_ack()
    alice.established()
    alice.connect()
    bob.connect()
    ident = only_session(server)["identity"]
    show = server.rpc.call("im_cf.show", only_session(server)["id"])
    carol_row = [u for u in show["users"] if u["uri"] == server.uri("carol")][0]
    assert (carol_row["state"], carol_row["disconnection"]) == ("gone", "busy")
    leaves(bob, alice)
    wait_all_released(server)
    assert events_of(server, ident) == [
        f"session-created {ident} by {server.uri('alice')}",
        f"participant-joined {ident} {server.uri('alice')}",
        f"participant-joined {ident} {server.uri('bob')}",
        f"participant-left {ident} {server.uri('bob')} departed",
        f"participant-left {ident} {server.uri('alice')} booted",
        f"session-released {ident}"]


def test_rpc_terminate(server, members, released):
    """CF-16, RPC im_cf.terminate: everyone gets a BYE."""
    alice, bob, carol = members("alice", "bob", "carol")
    start_adhoc(server, alice, [bob, carol])
    with answering_byes(alice, bob, carol) as got:
        server.rpc.call("im_cf.terminate", only_session(server)["id"])
    assert got == {alice, bob, carol}


def test_rpc_remove(server, members, released):
    """CF-23, RPC im_cf.remove: bob gets a BYE, alice and carol go on; a
    user who is not in the session is an error."""
    alice, bob, carol = members("alice", "bob", "carol")
    start_adhoc(server, alice, [bob, carol])
    sess = only_session(server)
    with answering_byes(bob) as got:
        server.rpc.call("im_cf.remove", sess["id"], server.uri("bob"))
    assert got == {bob}
    wait_until(lambda: only_session(server)["participants"] == 2, 10, "bob removed")
    with pytest.raises(RpcError) as e:
        server.rpc.call("im_cf.remove", sess["id"], server.uri("dave"))
    assert e.value.code == 404
    relayed(carol, sess['identity'], [alice], "just us")
    leaves(alice, carol)


@pytest.fixture
def ongoing(server, members, released):
    """alice and bob in a session, to show that bad input elsewhere leaves
    it alone."""
    alice, bob = members("alice", "bob")
    start_adhoc(server, alice, [bob])
    ident = only_session(server)["identity"]
    yield alice, bob, ident
    relayed(alice, ident, [bob], "still going")
    leaves(alice, bob)


def factory_refusal(carol, **kw):
    carol.invite_factory(FACTORY, ["sip:dave@home1.net"], **kw)
    resp = carol.call.wait_final()
    return resp.status, warning_code(resp)


@pytest.mark.parametrize("case,expected", [
    ("malformed list", 400),
    ("list with a DOCTYPE", 400),
    ("empty list", 400),
    ("missing list", 400),
    ("no MSRP media", 488),
])
def test_bad_factory_requests(server, members, released, ongoing, case, expected):
    """CF-2 steps 7 and 9, D-12, bad input: each refused with its code and
    a log line; the ongoing session goes on."""
    (carol,) = members("carol")
    kw = {
        "malformed list": {"rlist": b"<resource-lists><list><entry uri="},
        "list with a DOCTYPE": {"rlist": resource_list(["sip:dave@home1.net"], doctype=True)},
        "empty list": {"rlist": resource_list([])},
        "missing list": {"body": carol.offer(), "ctype": "application/sdp"},
        "no MSRP media": {"sdp": carol.offer().replace(b"m=message", b"m=audio")},
    }[case]
    mark = len(server.kamailio.proc.log_text())
    status, _ = factory_refusal(carol, **kw)
    assert status == expected
    if expected == 400:
        assert "factory INVITE refused: 400" in server.kamailio.proc.log_text()[mark:]


def test_too_many_invitees(server, members, released, ongoing):
    """CF-2 step 8: more entries than the ad-hoc maximum (10 with the
    originator) -> 486 + 102; nobody is invited."""
    (carol,) = members("carol")
    uris = [f"sip:u{i}@home1.net" for i in range(10)]
    carol.invite_factory(FACTORY, uris)
    resp = carol.call.wait_final()
    assert (resp.status, warning_code(resp)) == (486, "102")


def test_unknown_factory(server, members, released):
    """CF-2 step 1: a factory URI that is not allocated -> 404."""
    (carol,) = members("carol")
    carol.invite_factory("sip:no-such-factory@home1.net", [server.uri("bob")])
    assert carol.call.wait_final().status == 404


@pytest.fixture(scope="module")
def strict_server(tmp_path_factory):
    """A domain whose focus refuses anonymity and releases a session after
    3 seconds (CF-19 e)."""
    yield from one_server(tmp_path_factory.mktemp("strict"),
                          defines={"CF_ALLOW_ANONYMITY": "0", "CF_MAX_DURATION": "3"})


def test_anonymity_refused(strict_server, members):
    """CF-2 step 3: privacy asked, anonymity not allowed -> 403 + 119."""
    (alice,) = members("alice", srv=strict_server)
    alice.invite_factory(FACTORY, [strict_server.uri("bob")], headers=[("Privacy", "id")])
    resp = alice.call.wait_final()
    assert (resp.status, warning_code(resp)) == (403, "119")
    wait_all_released(strict_server)


def test_max_duration(strict_server, members):
    """CF-19 e: the session is released when its maximum duration passes:
    everyone gets a BYE."""
    alice, bob = members("alice", "bob", srv=strict_server)
    start_adhoc(strict_server, alice, [bob])
    with answering_byes(alice, bob, timeout=15) as got:
        pass
    assert got == {alice, bob}
    wait_all_released(strict_server)


@pytest.fixture
def own_server(tmp_path):
    """A domain of the test's own, for tests that kill its processes."""
    yield from one_server(tmp_path / "own")


def test_relay_killed(own_server, members):
    """CF-16, DESIGN 'relay_lost': the relay dies mid-conference: every
    participant gets a BYE, no session or call is left; a relay started
    again serves a new conference."""
    alice, bob, carol = members("alice", "bob", "carol", srv=own_server)
    start_adhoc(own_server, alice, [bob, carol])
    own_server.relay.proc.kill()
    with answering_byes(alice, bob, carol, timeout=20) as got:
        pass
    assert got == {alice, bob, carol}
    wait_until(lambda: own_server.rpc.call("im_cf.list") == []
               and own_server.rpc.call("im_ua.list") == [], 15, "release without the relay")
    own_server.relay.start()
    wait_until(lambda: own_server.rpc.call("im_relay.show")[0]["state"] == "up", 30,
               "the relay back")
    alice.renew(), bob.renew()
    start_adhoc(own_server, alice, [bob])
    relayed(alice, only_session(own_server)["identity"], [bob], "after the restart")
    leaves(alice, bob)
    wait_all_released(own_server)


def test_kamailio_restarted(own_server, members):
    """A Kamailio that dies mid-conference and starts again releases the
    relay's conference session its previous run left (no leaked relay
    session); the members' MSRP connections are closed."""
    alice, bob = members("alice", "bob", srv=own_server)
    start_adhoc(own_server, alice, [bob])
    assert any(s["id"].startswith("cf-") for s in own_server.relay.call("session.list"))
    own_server.kamailio.proc.kill()
    own_server.kamailio.start()
    wait_until(lambda: own_server.relay.call("session.list") == [], 30,
               "the relay's sessions of the previous run released")
    alice.ep.wait_closed()
    bob.ep.wait_closed()
    assert own_server.rpc.call("im_cf.list") == []


def test_reinvite_new_offer(server, members, released):
    """CF-6: a participant's re-INVITE with a new offer gets a 200 with an
    answer and the session goes on; an offer without MSRP media gets 488
    and changes nothing."""
    alice, bob, carol = members("alice", "bob", "carol")
    start_adhoc(server, alice, [bob, carol])
    ident = only_session(server)["identity"]
    resp = bob.reinvite(bob.offer(setup=None, accept_types="message/cpim"))
    assert resp.status == 200
    assert Sdp(resp.body).attr("accept-types") is not None
    relayed(alice, ident, [bob, carol], "after bob's re-INVITE")
    resp = alice.reinvite(alice.offer().replace(b"m=message", b"m=audio"))
    assert resp.status == 488
    relayed(carol, ident, [alice, bob], "after alice's refused re-INVITE")
    leaves(alice, bob, carol)


def test_rejoin_and_reinvite_answers_chosen_from_the_offer(server, members, released):
    """CF-5, CF-6 ("an SDP answer chosen from the offer"): the 200 to a
    re-INVITE and to a rejoin carries the offer's accept-wrapped-types,
    not the relay's "*" (which the offer never listed); an offer without
    one gets the relay's."""
    alice, bob, carol = members("alice", "bob", "carol")
    start_adhoc(server, alice, [bob, carol])
    ident = only_session(server)["identity"]
    resp = bob.reinvite(bob.offer(accept_wrapped="text/plain application/im-iscomposing+xml"))
    assert resp.status == 200
    assert Sdp(resp.body).attr("accept-wrapped-types") == \
        "text/plain application/im-iscomposing+xml"
    resp = bob.reinvite(bob.offer(accept_wrapped=None))
    assert resp.status == 200
    assert Sdp(resp.body).attr("accept-wrapped-types") == "*"
    leaves(carol)
    wait_until(lambda: only_session(server)["participants"] == 2, 10, "carol gone")
    carol.renew().invite(ident, accept_wrapped="image/png")
    answer = Sdp(carol.established().body)
    assert answer.attr("accept-wrapped-types") == "image/png"
    carol.connect()
    relayed(alice, ident, [bob, carol], "carol is back")
    leaves(alice, bob, carol)


def test_reinvite_moves_the_msrp_path(server, members, released):
    """CF-6, RFC 4975 5.4: bob, behind his participating function's relay
    bridge, moves his MSRP media to a new connection by a re-INVITE with a
    new path. The bridge's leg leaves the old connection (the relay closes
    it: it carries nothing else) and binds bob's new one; messages flow
    both ways on it, and alice and carol notice nothing."""
    alice, bob, carol = members("alice", "bob", "carol")
    start_adhoc(server, alice, [bob, carol])
    ident = only_session(server)["identity"]
    old = bob.ep
    bob.ep = MsrpEndpoint(host=bob.ua.local_ip)
    resp = bob.reinvite(bob.offer(setup="active"))
    assert resp.status == 200
    path = Sdp(resp.body).path
    old.wait_closed()
    bob.ep.to_path = path
    bob.ep.connect_to(path[0])
    assert bob.ep.wait_response(bob.ep.bind()).status == 200
    relayed(alice, ident, [bob, carol], "to bob's new connection")
    relayed(bob, ident, [alice, carol], "from bob's new connection")
    old.close()
    leaves(alice, bob, carol)


@pytest.fixture(scope="module")
def crowd(server):
    """Eight more users of the domain (u1..u8)."""
    users = [f"u{i}" for i in range(1, 9)]
    for u in users:
        server.kamailio.add_user(u, server.password(u))
    return users


def answer_at_once(ms, also=None):
    """The invitees ms answer 200 at the same moment (and also() is done
    then, by this thread); returns when every answer is sent."""
    go = threading.Barrier(len(ms) + (1 if also else 0))

    def answer(m):
        go.wait()
        m.accept(ring=False)
    ts = [threading.Thread(target=answer, args=(m,)) for m in ms]
    for t in ts:
        t.start()
    if also:
        go.wait()
        also()
    for t in ts:
        t.join(15)


def test_crowd_answers_at_once(server, members, crowd, released):
    """CF-2, CF-13 under load: eight invitees answer at the same moment;
    alice gets exactly one 200, each invitee exactly one ACK, and
    im_cf.show lists nine connected users."""
    alice, *ms = members("alice", *crowd)
    alice.invite_factory(FACTORY, [server.uri(u) for u in crowd])
    for m in ms:
        m.wait_invitation()
    answer_at_once(ms)
    for m in ms:
        m.wait_ack()
    alice.established()
    alice.connect()
    for m in ms:
        m.connect()
    sid = only_session(server)["id"]
    wait_until(lambda: server.rpc.call("im_cf.show", sid)["participants"] == 9, 10,
               "nine participants")
    show = server.rpc.call("im_cf.show", sid)
    assert sorted(u["uri"] for u in show["users"] if u["state"] == "connected") == sorted(
        [server.uri("alice")] + [server.uri(u) for u in crowd])
    relayed(alice, show["identity"], ms, "hello crowd")
    leaves(alice, *ms)
    assert len(alice.call.tx.distinct_finals()) == 1
    for m in ms:
        assert [r.status for r in m.req.replies if r.status >= 200] == [200]
        assert sum(1 for r in m.ua.received if r.method == "ACK"
                   and r.call_id == m.req.msg.call_id) == 1


def test_crowd_moves_media_at_once(server, members, crowd, released):
    """CF-6, RFC 4975 5.4 under load: eight participants, each behind its
    participating function's relay bridge, move their MSRP media by
    re-INVITEs sent at the same moment. Each gets exactly one final
    response, a 200 with a path; each old connection is closed; each new
    one binds; alice's message reaches all eight on their new connections,
    and each one's message reaches alice: no leg moved to another's
    connection, nothing lost."""
    alice, *ms = members("alice", *crowd)
    start_adhoc(server, alice, ms)
    ident = only_session(server)["identity"]
    old = {m: m.ep for m in ms}
    for m in ms:
        m.ep = MsrpEndpoint(host=m.ua.local_ip)
    go = threading.Barrier(len(ms))
    answers = {}

    def move(m):
        go.wait()
        answers[m] = m.reinvite(m.offer(setup="active"))
    ts = [threading.Thread(target=move, args=(m,)) for m in ms]
    for t in ts:
        t.start()
    for t in ts:
        t.join(20)
    assert sorted(r.status for r in answers.values()) == [200] * len(ms)
    for m in ms:
        old[m].wait_closed()
        path = Sdp(answers[m].body).path
        m.ep.to_path = path
        m.ep.connect_to(path[0])
        assert m.ep.wait_response(m.ep.bind()).status == 200
    relayed(alice, ident, ms, "to the new connections")
    for m in ms:
        relayed(m, ident, [alice], f"from {m.ua.user}'s new connection")
        assert not old[m].messages, f"{m.ua.user}'s old connection got a message"
    for m in ms:
        old[m].close()
    leaves(alice, *ms)


def test_cancel_races_the_answers(server, members, released):
    """CF-15 against CF-1 at the same moment, twenty times over: alice
    CANCELs her factory INVITE while bob, carol and dave answer 200.
    Whichever wins, alice gets exactly one final response (200 or 487);
    no invitee gets more than one BYE, and when the answers won each
    ACKed invitee gets exactly one; nothing is left after each round, and Kamailio stays up (the server fixture fails on
    a crash). The focus's owner hooks of a dialog never run once its end
    was reported (im_ua), whichever process handles which."""
    alice, *ms = members("alice", "bob", "carol", "dave")
    for m in ms:
        m.ua.auto_reply["BYE"] = 200
    outcomes = []
    for _ in range(20):
        alice.renew().invite_factory(FACTORY, [server.uri(m.ua.user) for m in ms])
        for m in ms:
            m.renew().wait_invitation().reply(180)
        answer_at_once(ms, alice.call.cancel)
        final = alice.call.wait_final()
        assert final.status in (200, 487), final.status
        outcomes.append(final.status)
        if final.status == 200:
            alice.call.bye()
        wait_all_released(server)
        assert len({r.status for r in alice.call.tx.finals()}) == 1
        for m in ms:
            call_id = m.req.msg.call_id
            acked = any(r.method == "ACK" and r.call_id == call_id
                        for r in list(m.ua.received))
            if acked and final.status == 200:
                # the answers won: each ACKed dialog is in the session and
                # ends with it (an ACK after a CANCEL may be the 487's)
                m.ua.wait_request("BYE", timeout=10)
            byes = sum(1 for r in list(m.ua.received)
                       if r.method == "BYE" and r.call_id == call_id)
            assert byes <= 1, (m.ua.user, byes)
            if final.status == 200:
                assert byes == (1 if acked else 0), (m.ua.user, acked, byes)
    assert set(outcomes) <= {200, 487}


def test_two_factory_invites_at_once(server, members, crowd, released):
    """CF-2: two factory INVITEs sent at the same moment make two
    sessions, each request gets exactly one final response."""
    alice, carol, bob, dave = members("alice", "carol", "bob", "dave")
    go = threading.Barrier(2)

    def invite(m, who):
        go.wait()
        m.invite_factory(FACTORY, [server.uri(who.ua.user)])
    ts = [threading.Thread(target=invite, args=a) for a in ((alice, bob), (carol, dave))]
    for t in ts:
        t.start()
    for t in ts:
        t.join(15)
    for m in (bob, dave):
        m.wait_invitation()
        m.accept()
        m.wait_ack()
    for m in (alice, carol):
        m.established()
        m.connect()
    for m in (bob, dave):
        m.connect()
    wait_until(lambda: [s["participants"] for s in server.rpc.call("im_cf.list")] == [2, 2],
               10, "two sessions of two")
    sessions = server.rpc.call("im_cf.list")
    assert sessions[0]["identity"] != sessions[1]["identity"]
    for s in sessions:
        users = [u["uri"] for u in server.rpc.call("im_cf.show", s["id"])["users"]]
        assert users in ([server.uri("alice"), server.uri("bob")],
                         [server.uri("carol"), server.uri("dave")])
    leaves(alice, bob)
    leaves(carol, dave)
    for m in (alice, carol):
        assert len(m.call.tx.distinct_finals()) == 1


@pytest.fixture(scope="module")
def timer_server(tmp_path_factory):
    """A domain whose focus asks Session-Expires 4 on its invitations, so
    that the refreshes of CF-10 happen within a test."""
    yield from one_server(tmp_path_factory.mktemp("timer"),
                          defines={"MIN_SE": "2", "CF_SESSION_EXPIRES": "4"})


def test_session_refresh(timer_server, members):
    """CF-10: the invitee side refreshes our invitation's dialog (refresher
    uas, every 2 s); the focus answers each refresh, and the session
    outlives several intervals."""
    srv = timer_server
    alice, bob = members("alice", "bob", srv=srv)
    start_adhoc(srv, alice, [bob])
    key = [u for u in srv.rpc.call("im_cf.show", only_session(srv)["id"])["users"]
           if u["uri"] == srv.uri("bob")][0]["dialog"]

    def dialog():
        return [c for c in srv.rpc.call("im_ua.list") if c["key"] == key][0]
    assert dialog()["b"]["session_expires"] == 4
    wait_until(lambda: dialog()["b"]["remote_cseq"] >= 4, 20, "three refreshes")
    assert only_session(srv)["participants"] == 2
    relayed(alice, only_session(srv)["identity"], [bob], "still here after refreshes")
    leaves(alice, bob)
    wait_all_released(srv)


def test_invitations_cannot_leave(tmp_path, make_ua):
    """CF-2: no invitation can be sent (the next hop does not resolve):
    the originator gets a final error at once, nothing is left, and the
    server stops cleanly."""
    srv = start_server(tmp_path / "nohop",
                       defines={"CF_OUTBOUND_PROXY": '"sip:no-such-host.invalid"'})
    try:
        alice = Member(make_ua("alice", srv=srv))
        alice.invite_factory(FACTORY, [srv.uri("bob"), srv.uri("carol")])
        assert alice.call.wait_final().status == 500
        wait_all_released(srv)
        alice.close()
        assert alice.ua.register(expires=0).status == 200
    finally:
        stop_server(srv)


def test_not_authorised(server, members, released):
    """CF-2 step 2, OP-1: a user whose service is denied gets 403 + 127 for
    a factory INVITE (the originating function's policy: im_cf has no
    authorisation list of its own); nobody is invited."""
    carol, bob = members("carol", "bob")
    assert server.rpc.call("im_pf.policy_set", server.uri("carol"), "service", "deny") == "ok"
    try:
        carol.invite_factory(FACTORY, [server.uri("bob")])
        resp = carol.call.wait_final()
        assert (resp.status, warning_code(resp)) == (403, "127")
        assert bob.ua.no_request("INVITE")
    finally:
        server.rpc.call("im_pf.policy_del", server.uri("carol"), "service")


def test_media_without_cpim(server, members, released):
    """D-18, CF-2 step 7, CF-5: message/cpim is mandatory in a conference.
    An offer without it gets 488 + Warning 304; an invitee whose answer
    leaves it out is removed (ACK then BYE), and with nobody else the
    originator gets 488; a rejoin offer without it gets 488."""
    alice, bob, carol = members("alice", "bob", "carol")
    alice.invite_factory(FACTORY, [server.uri("bob")],
                         sdp=alice.offer(accept_types="text/plain", accept_wrapped=None))
    resp = alice.call.wait_final()
    assert (resp.status, warning_code(resp)) == (488, "304")
    assert bob.ua.no_request("INVITE")

    alice.renew().invite_factory(FACTORY, [server.uri("bob")])
    bob.wait_invitation()
    bob.accept(accept_types="text/plain", accept_wrapped=None)
    with answering_byes(bob) as got:
        assert alice.call.wait_final().status == 488
    assert got == {bob}

    alice.renew()
    bob.renew()
    start_adhoc(server, alice, [bob, carol])
    ident = only_session(server)["identity"]
    assert carol.bye().status == 200
    carol.renew().invite(ident, accept_types="text/plain", accept_wrapped=None)
    resp = carol.call.wait_final()
    assert (resp.status, warning_code(resp)) == (488, "304")
    assert only_session(server)["participants"] == 2
    leaves(alice, bob)


def test_inviter_answer_selects_wrapped_types(server, members, released):
    """CF-2 "answering the inviter" (RFC 4975 8.6, RFC 3862): the 200 to
    alice carries accept-types message/cpim (D-18) and, as
    accept-wrapped-types, the intersection of her offer with the answer of
    bob, the first invitee to answer, in her order; carol's later answer
    changes nothing. Then an offer without accept-wrapped-types (anything)
    against an answer without one: the answer's accept-types less
    message/cpim."""
    alice, bob, carol = members("alice", "bob", "carol")
    alice.invite_factory(FACTORY, [server.uri("bob"), server.uri("carol")],
                         sdp=alice.offer(accept_wrapped="text/plain image/png "
                                         "application/im-iscomposing+xml"))
    for m in (bob, carol):
        m.wait_invitation()
    bob.accept(accept_wrapped="application/im-iscomposing+xml text/plain")
    bob.wait_ack()
    answer = Sdp(alice.established().body)
    assert answer.attr("accept-types") == "message/cpim"
    assert answer.attr("accept-wrapped-types") == \
        "text/plain application/im-iscomposing+xml"
    carol.accept(accept_wrapped="image/png")
    carol.wait_ack()
    leaves(alice, bob, carol)
    wait_all_released(server)

    alice.renew()
    bob.renew()
    alice.invite_factory(FACTORY, [server.uri("bob")],
                         sdp=alice.offer(accept_wrapped=None))
    bob.wait_invitation()
    bob.accept(accept_types="message/cpim image/png", accept_wrapped=None)
    bob.wait_ack()
    assert Sdp(alice.established().body).attr("accept-wrapped-types") == "image/png"
    leaves(alice, bob)
