"""The controlling function across two IM domains (TR-1029 section 6.2,
NNI-14 ... NNI-19): home1.net's factory and sessions, users of home2.net
reached through home2's terminating participating function, every SIP
message of the NNI leg seen on the tap between them. Every test ends with
no im_cf session, no im_ua call and no relay session on either side."""

import pytest

from imtest import cpim
from imtest.cf import Member, answering_byes, parts_of, wait_all_released
from imtest.sdp import Sdp
from imtest.sipmsg import NameAddr

FACTORY = "sip:conference-factory@home1.net"


@pytest.fixture
def released(nni):
    """The end check of every test, on both domains."""
    yield
    for srv in (nni.home1, nni.home2):
        wait_all_released(srv)


@pytest.fixture
def members(nni, make_ua):
    made = []

    def make(*names):
        """Members by 'user@home1' / 'user@home2'."""
        ms = []
        for n in names:
            user, _, dom = n.partition("@")
            srv = nni.home1 if dom == "home1" else nni.home2
            m = Member(make_ua(user, srv=srv))
            m.srv = srv
            m.aor = srv.uri(user)
            ms.append(m)
        made.extend(ms)
        return ms
    yield make
    for m in made:
        m.close()


def only_session(srv):
    sessions = srv.rpc.call("im_cf.list")
    assert len(sessions) == 1, sessions
    return sessions[0]


def nni_invite(nni, to, since):
    """The invitation to `to` crossing the NNI (after the mark since)."""
    return nni.tap.wait(lambda m: m.is_request and m.method == "INVITE"
                        and m.uri.startswith(to), since=since, what=f"INVITE to {to}")


def focus_of(req):
    """The focus a terminating B2BUA's Contact stands for (D-9), isfocus
    kept."""
    c = NameAddr.parse(req.msg.get("contact"))
    user = c.uri.split(":", 1)[1].split("@", 1)[0]
    assert user.startswith("imf-"), c.uri
    assert "isfocus" in c.params and "+g.oma.sip-im" in c.params
    return bytes.fromhex(user[4:]).decode()


def assert_nni14(inv, inviter, ident, invitees):
    """NNI-14 and NNI-17 on an invitation of the focus."""
    assert "+g.oma.sip-im" in inv.get("accept-contact")
    assert inv.get("user-agent") == "IM-serv/OMA1.0"
    assert NameAddr.parse(inv.get("p-asserted-identity")).uri == inviter
    assert NameAddr.parse(inv.get("referred-by")).uri == inviter
    contact = NameAddr.parse(inv.get("contact"))
    assert contact.uri.split(";")[0].split("@")[0] == ident.split("@")[0]
    assert "isfocus" in contact.params and "+g.oma.sip-im" in contact.params
    assert inv.get("session-expires").endswith(";refresher=uas")
    assert "timer" in inv.get_all("supported")
    assert "BYE" in inv.get_all("allow")
    parts = parts_of(inv)
    assert [p[0]["content-type"] for p in parts] == [
        "application/sdp", "application/resource-lists+xml"]
    assert parts[1][0]["content-disposition"] == "recipient-list-history; handling=optional"
    for u in invitees:
        assert u.encode() in parts[1][1]
    return parts


def test_one_to_one_across(nni, members, released):
    """TR-1029 6.2.1, NNI-14, NNI-17, NNI-18, CF-1, CF-2, CF-12, CF-13:
    alice of home1 asks home1's factory for a 1-1 session with bob of
    home2; the focus's invitation crosses the NNI as the focus wrote it and
    reaches bob through home2's terminating function; only bob's 200 answers
    alice; messages flow both ways through relay A's conference and relay
    B's bridge; bob's BYE ends the 1-1 session (CF-19 c)."""
    alice, bob = members("alice@home1", "bob@home2")
    mark = nni.tap.mark()
    alice.invite_factory(FACTORY, [bob.aor])
    bob.wait_invitation()
    ident = only_session(nni.home1)["identity"]
    assert only_session(nni.home1)["type"] == "1-1"
    inv = nni_invite(nni, bob.aor, mark)
    parts = assert_nni14(inv, alice.aor, ident, [bob.aor])
    # the offer on the NNI is relay A's conference leg (NNI-18)
    assert Sdp(parts[0][1]).path[0].startswith(
        f"msrp://127.0.0.1:{nni.home1.relay.msrp_port}/")
    # at bob: home2's terminating B2BUA kept what NNI-14 asks
    msg = bob.req.msg
    assert focus_of(bob.req).split(";")[0].split("@")[0] == ident.split("@")[0]
    assert NameAddr.parse(msg.get("p-asserted-identity")).uri == alice.aor
    assert NameAddr.parse(msg.get("referred-by")).uri == alice.aor
    assert "+g.oma.sip-im" in msg.get("accept-contact")
    at_bob = parts_of(msg)
    assert at_bob[1][0]["content-disposition"].startswith("recipient-list-history")
    assert bob.aor.encode() in at_bob[1][1]
    assert bob.sdp_offer().path[0].startswith(
        f"msrp://127.0.0.2:{nni.home2.relay.msrp_port}/")
    # no answer to alice before bob's 200 (E2E-1 steps 18-19)
    bob.req.reply(180)
    assert alice.call.tx.final is None
    bob.accept(ring=False)
    bob.wait_ack()
    final = alice.established()
    assert NameAddr.parse(final.get("p-asserted-identity")).uri == FACTORY
    ok = nni.tap.wait(lambda m: not m.is_request and m.status == 200
                      and m.cseq[1] == "INVITE" and m.call_id == inv.call_id, since=mark)
    assert Sdp(ok.body).path[0].startswith(f"msrp://127.0.0.2:{nni.home2.relay.msrp_port}/")
    alice.connect()
    bob.connect()
    hello = cpim.build(f"<{alice.aor}>", f"<{ident}>", "hello home2")
    alice.ep.send_message(hello, content_type="message/cpim")
    assert bob.ep.wait_message().body == hello
    back = cpim.build(f"<{bob.aor}>", f"<{ident}>", "hello home1")
    bob.ep.send_message(back, content_type="message/cpim")
    assert alice.ep.wait_message().body == back
    with answering_byes(alice) as got:
        assert bob.bye().status == 200
    assert got == {alice}
