"""Sessions of the controlling function (im_cf, OMA TS 7.2) on one
domain, end to end: real Kamailio and relay, clients registered with it.
Every test ends with no im_cf session, no im_ua call and no relay session
left (the `released` fixture)."""

import threading

import pytest

from imtest import cpim
from imtest.cf import Member, parts_of, wait_all_released
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


class answering_byes:
    """Answers 200 to the one BYE each member gets, in the background;
    on exit, the set of members that got theirs."""

    def __init__(self, *ms, timeout=10):
        self.got = set()
        self.threads = [threading.Thread(target=self._run, args=(m, timeout)) for m in ms]

    def _run(self, m, timeout):
        m.ua.wait_request("BYE", timeout=timeout).reply(200)
        self.got.add(m)

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self.got

    def __exit__(self, *a):
        for t in self.threads:
            t.join(15)


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
    inviter.invite_factory(FACTORY, [server.uri(m.ua.user) for m in invitees])
    for m in invitees:
        m.wait_invitation()
    for m in invitees:
        m.accept()
        m.wait_ack()
    inviter.established()
    inviter.connect()
    for m in invitees:
        m.connect()
    return inviter.final


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
