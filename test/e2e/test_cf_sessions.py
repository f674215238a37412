"""Sessions of the controlling function (im_cf, OMA TS 7.2) on one
domain, end to end: real Kamailio and relay, clients registered with it.
Every test ends with no im_cf session, no im_ua call and no relay session
left (the `released` fixture)."""

import pytest

from imtest import cpim
from imtest.cf import Member, answering_byes, parts_of, start_conference, wait_all_released
from imtest.msrp import MsrpEndpoint
from imtest.procs import wait_until
from imtest.sdp import Sdp
from imtest.sipmsg import NameAddr

FACTORY = "sip:conference-factory@home1.net"


@pytest.fixture
def released(server):
    """The end check of every test: nothing of a conference is left."""
    yield
    wait_all_released(server)


@pytest.fixture
def members(make_ua):
    made = []

    def make(*names):
        ms = [Member(make_ua(n)) for n in names]
        made.extend(ms)
        return ms
    yield make
    for m in made:
        m.close()


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
    show = server.rpc.call("im_cf.show", only_session(server)["id"])
    assert [(u["uri"], u["state"], u["joining"]) for u in show["users"]] == [
        (server.uri("alice"), "connected", "dialed-in"),
        (server.uri("bob"), "connected", "dialed-out"),
        (server.uri("carol"), "connected", "dialed-out")]
    # CF-19 a: the originator leaves, everyone is BYEd
    with answering_byes(bob, carol) as got:
        assert alice.bye().status == 200
    assert got == {bob, carol}


def warning_code(resp):
    w = resp.get("warning")
    return w.split('"')[1].split()[0] if w else None


def test_one_to_one(server, members, released):
    """CF-2 (a one-entry list is a 1-1 session), TR-1029 6.2.1, CF-19 c:
    bob's BYE leaves alice alone, who gets a BYE."""
    alice, bob = members("alice", "bob")
    start_adhoc(server, alice, [bob])
    assert only_session(server)["type"] == "1-1"
    ident = only_session(server)["identity"]
    body = cpim.build("<sip:bob@home1.net>", f"<{ident}>", "hi alice")
    bob.ep.send_message(body, content_type="message/cpim")
    assert alice.ep.wait_message().body == body
    with answering_byes(alice) as got:
        assert bob.bye().status == 200
    assert got == {alice}


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
    body = cpim.build("<sip:alice@home1.net>", f"<{ident}>", "still here")
    alice.ep.send_message(body, content_type="message/cpim")
    assert bob.ep.wait_message().body == body
    # the rejoin: a new dialog and a new MSRP leg
    carol.close()
    carol.ep = MsrpEndpoint(host=carol.ua.local_ip)
    carol.req = None
    carol.invite(ident)
    final = carol.established()
    assert "isfocus" in NameAddr.parse(final.get("contact")).params
    carol.connect()
    assert only_session(server)["participants"] == 3
    body = cpim.build("<sip:bob@home1.net>", f"<{ident}>", "welcome back")
    bob.ep.send_message(body, content_type="message/cpim")
    assert carol.ep.wait_message().body == body
    assert alice.ep.wait_message().body == body
    # CF-20: never invited
    dave.invite(ident)
    refused = dave.call.wait_final()
    assert (refused.status, warning_code(refused)) == (403, "122")
    with answering_byes(bob, carol) as got:
        assert alice.bye().status == 200
    assert got == {bob, carol}


def test_unknown_identity(server, members, released):
    """CF-5: an INVITE to a session identity of ours that names no
    session: 403 + 123 Session does not exist."""
    (alice,) = members("alice")
    alice.invite("sip:conf-00000000000000001@home1.net")
    refused = alice.call.wait_final()
    assert (refused.status, warning_code(refused)) == (403, "123")
