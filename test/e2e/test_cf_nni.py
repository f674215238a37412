"""The controlling function across two IM domains (TR-1029 section 6.2,
NNI-14 ... NNI-19): home1.net's factory and sessions, users of home2.net
reached through home2's terminating participating function, every SIP
message of the NNI leg seen on the tap between them. Every test ends with
no im_cf session, no im_ua call and no relay session on either side."""

import xml.etree.ElementTree as ET
from urllib.parse import quote

import pytest

from imtest import cpim
from imtest.cf import Member, answering_byes, parts_of, start_conference, wait_all_released
from imtest.im_session import ImSession
from imtest.procs import wait_until
from imtest.sdp import Sdp
from imtest.sipmsg import NameAddr
from imtest.sip import warning_code

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
    # NNI-14 5: across the NNI our Contact is the session identity itself
    contact = NameAddr.parse(inv.get("contact"))
    assert contact.uri.split(";")[0] == ident.split(";")[0]
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


def start_adhoc(nni, inviter, invitees):
    """inviter invites the members through home1's factory; each answers;
    media connected. Returns the session identity."""
    start_conference(FACTORY, inviter, invitees, [m.aor for m in invitees])
    return only_session(nni.home1)["identity"]


def send_to_all(sender, ident, text, receivers):
    """6.2.4: a SEND whose CPIM To is the session identity reaches every
    other participant unmodified (MS-3)."""
    body = cpim.build(f"<{sender.aor}>", f"<{ident}>", text)
    seen = [len(m.ep.completed) for m in receivers]
    sender.ep.send_message(body, content_type="message/cpim")
    for m, n in zip(receivers, seen):
        assert m.ep.wait_message(index=n).body == body


def test_adhoc_both_domains(nni, members, released):
    """TR-1029 6.2.1 (1-to-many), 6.2.4, NNI-14, NNI-17, NNI-18, MS-3:
    alice of home1 invites carol of home1 and bob and dave of home2; every
    invitation to home2 crosses the NNI with the whole list; a SEND of
    either domain reaches all others; alice's BYE releases everyone on
    both sides (CF-19 a)."""
    alice, carol, bob, dave = members("alice@home1", "carol@home1", "bob@home2", "dave@home2")
    invitees = [carol, bob, dave]
    mark = nni.tap.mark()
    ident = start_adhoc(nni, alice, invitees)
    assert only_session(nni.home1)["type"] == "ad-hoc"
    for m in (bob, dave):
        assert_nni14(nni_invite(nni, m.aor, mark), alice.aor, ident, [x.aor for x in invitees])
    # carol is home1's own: her invitation never crosses the NNI
    assert not nni.tap.messages(lambda m: m.is_request and m.uri.startswith(carol.aor))
    send_to_all(alice, ident, "hello both domains", [carol, bob, dave])
    send_to_all(bob, ident, "hello from home2", [alice, carol, dave])
    show = nni.home1.rpc.call("im_cf.show", only_session(nni.home1)["id"])
    assert sorted((u["uri"], u["state"]) for u in show["users"]) == sorted(
        (m.aor, "connected") for m in (alice, carol, bob, dave))
    with answering_byes(carol, bob, dave) as got:
        assert alice.bye().status == 200
    assert got == {carol, bob, dave}


def test_replaces_mapped_across_the_nni(nni, members, released):
    """App L, OMA TS 6.1.1.2.6 a, NNI-14: alice of home1 and bob of home2
    are in a 1-1 session (home1's originating B2BUA, the NNI, home2's
    terminating one); alice extends it to a conference with carol, naming
    her dialog in bob's entry. home1 follows it to the NNI dialog, which
    is what crosses; home2 follows that to bob's own dialog."""
    alice, carol, bob = members("alice@home1", "carol@home1", "bob@home2")
    start = nni.tap.mark()
    one = ImSession(alice.ua, bob.ua, bob.aor).start()
    a_dlg, b_dlg = one.call.dialog, one.b_req.dialog
    old_nni = nni_invite(nni, bob.aor, start)
    replaces = (f"{a_dlg.call_id};to-tag={a_dlg.remote_tag};"
                f"from-tag={a_dlg.local_tag}")
    mark = nni.tap.mark()
    alice.invite_factory(FACTORY, [
        f"{bob.aor};method=INVITE?Replaces={quote(replaces, safe='')}", carol.aor])
    for m in (bob, carol):
        m.wait_invitation()
    crossing = nni_invite(nni, bob.aor, mark)
    # on the NNI: the dialog as home2's terminating B2BUA knows it
    assert crossing.get("replaces").startswith(old_nni.call_id + ";")
    assert bob.req.msg.get("replaces") == (
        f"{b_dlg.call_id};to-tag={b_dlg.local_tag};from-tag={b_dlg.remote_tag}")
    for m in (bob, carol):
        m.accept()
        m.wait_ack()
    alice.established()
    resp, bye_at_a = one.bye_from_b()
    assert resp.status == 200 and bye_at_a.msg.call_id == a_dlg.call_id
    one.close()
    with answering_byes(carol, bob) as got:
        assert alice.bye().status == 200
    assert got == {carol, bob}


def test_leave_and_rejoin_from_home2(nni, members, released):
    """TR-1029 6.2.3, NNI-19, CF-5, CF-9, CF-20: bob of home2 leaves
    home1's session, which goes on; his INVITE to the session identity
    crosses the NNI as a new session to home1's controlling function,
    whose 200 has PAI = the factory and Contact = the identity with
    isfocus; dave of home2, never invited, gets 403 + 122 back across the
    NNI, and an identity that names no session 403 + 123."""
    alice, carol, bob, dave = members("alice@home1", "carol@home1", "bob@home2", "dave@home2")
    ident = start_adhoc(nni, alice, [carol, bob])
    assert bob.bye().status == 200
    wait_until(lambda: only_session(nni.home1)["participants"] == 2, 10, "bob gone")
    send_to_all(alice, ident, "bob left", [carol])
    # the rejoin: a new dialog and a new MSRP leg, across the NNI
    bob.renew()
    mark = nni.tap.mark()
    bob.invite(ident)
    final = bob.established()
    assert "isfocus" in NameAddr.parse(final.get("contact")).params
    rejoin = nni.tap.wait(lambda m: m.is_request and m.method == "INVITE", since=mark)
    assert rejoin.uri.split(";")[0] == ident.split(";")[0]
    assert NameAddr.parse(rejoin.get("p-asserted-identity")).uri == bob.aor
    ok = nni.tap.wait(lambda m: not m.is_request and m.status == 200
                      and m.call_id == rejoin.call_id, since=mark)
    assert NameAddr.parse(ok.get("p-asserted-identity")).uri == FACTORY
    contact = NameAddr.parse(ok.get("contact"))
    assert contact.uri.split(";")[0] == ident.split(";")[0]
    assert "isfocus" in contact.params and "+g.oma.sip-im" in contact.params
    bob.connect()
    assert only_session(nni.home1)["participants"] == 3
    send_to_all(carol, ident, "welcome back", [alice, bob])
    send_to_all(bob, ident, "back from home2", [alice, carol])
    # CF-20: never invited; CF-5: no such session
    dave.invite(ident)
    refused = dave.call.wait_final()
    assert (refused.status, warning_code(refused)) == (403, "122")
    dave.invite(ident.replace("@", "0@", 1))
    refused = dave.call.wait_final()
    assert (refused.status, warning_code(refused)) == (403, "123")
    assert only_session(nni.home1)["participants"] == 3
    with answering_byes(carol, bob) as got:
        assert alice.bye().status == 200
    assert got == {carol, bob}


CI_NS = "{urn:ietf:params:xml:ns:conference-info}"


def conference_notify(m):
    """The next NOTIFY of the conference package m gets: (its
    Subscription-State, {user entity: (status, yourown)} or None, the
    document's state attribute)."""
    req = m.ua.wait_request("NOTIFY")
    assert req.msg.get("event").split(";")[0].strip() == "conference"
    state = req.msg.get("subscription-state").replace(" ", "")
    if not req.msg.body:
        return state, None, None
    assert req.msg.get("content-type").split(";")[0] == "application/conference-info+xml"
    doc = ET.fromstring(req.msg.body)
    users = {}
    for u in doc.findall(f"{CI_NS}users/{CI_NS}user"):
        ep = u.find(f"{CI_NS}endpoint")
        users[u.get("entity")] = (ep.find(f"{CI_NS}status").text, u.get("yourown") == "true")
    return state, users, doc.get("state")


def test_conference_state_through_the_pf(nni, members, released):
    """TR-1029 6.2.5, OMA App D.1, NNI-15, CF-11, CF-21, CF-22, OP-5:
    bob of home2 subscribes to the focus his invitation named; home2's
    participating function does not own the session and forwards the
    SUBSCRIBE across the NNI to home1's controlling function, which answers
    200 and a full state (bob's own entry marked); carol's departure gives
    a partial state (T000-5), the release terminated;reason=noresource.
    dave of home2, no participant, gets 403 + 122; an identity that names
    no session 404 (NNI-15 1, 2)."""
    alice, carol, bob, dave = members("alice@home1", "carol@home1", "bob@home2", "dave@home2")
    bob.ua.auto_reply["NOTIFY"] = 200
    ident = start_adhoc(nni, alice, [carol, bob])
    target = NameAddr.parse(bob.req.msg.get("contact")).uri
    mark = nni.tap.mark()
    resp, _ = bob.ua.subscribe(target, "conference", expires=600,
                               headers=[("Accept-Contact", "*;+g.oma.sip-im")])
    assert resp.status in (200, 202)
    sub = nni.tap.wait(lambda m: m.is_request and m.method == "SUBSCRIBE", since=mark)
    assert sub.uri.split(";")[0] == ident.split(";")[0]
    assert sub.get("event") == "conference"
    state, users, kind = conference_notify(bob)
    nni.tap.wait(lambda m: m.is_request and m.method == "NOTIFY", since=mark)
    assert state.startswith("active") and kind == "full"
    assert users == {alice.aor: ("connected", False), carol.aor: ("connected", False),
                     bob.aor: ("connected", True)}
    assert carol.bye().status == 200
    state, users, kind = conference_notify(bob)
    assert kind == "partial" and users == {carol.aor: ("disconnected", False)}
    # NNI-15: a non-participant, and a session that does not exist
    resp, _ = dave.ua.subscribe(ident, "conference", expires=600)
    assert (resp.status, warning_code(resp)) == (403, "122")
    resp, _ = dave.ua.subscribe(ident.replace("@", "0@", 1), "conference", expires=600)
    assert resp.status == 404
    with answering_byes(bob) as got:
        assert alice.bye().status == 200
    assert got == {bob}
    state, users, _ = conference_notify(bob)
    assert state == "terminated;reason=noresource" and users is None
    assert nni.home1.rpc.call("im_cf.stats")["subscriptions"] == 0


def test_refer_adds_a_user_of_home2(nni, members, released):
    """TR-1029 6.2.2, CF-7, CF-12, NNI-14, D-4, D-14: alice, in a session
    with carol, REFERs bob of home2 (Refer-Sub: false); the focus's
    invitation crosses the NNI in alice's name (PAI, Referred-By) with the
    session identity as Contact; bob joins and a SEND reaches him."""
    alice, carol, bob = members("alice@home1", "carol@home1", "bob@home2")
    ident = start_adhoc(nni, alice, [carol])
    mark = nni.tap.mark()
    resp = alice.ua.refer(ident, f"<{bob.aor}>", dialog=alice.call.dialog,
                          headers=[("Refer-Sub", "false")])
    assert resp.status == 202 and resp.get("refer-sub") == "false"
    bob.wait_invitation()
    inv = nni_invite(nni, bob.aor, mark)
    for h in ("p-asserted-identity", "referred-by"):
        assert NameAddr.parse(inv.get(h)).uri == alice.aor, h
    contact = NameAddr.parse(inv.get("contact"))
    assert contact.uri.split(";")[0] == ident.split(";")[0] and "isfocus" in contact.params
    assert NameAddr.parse(bob.req.msg.get("referred-by")).uri == alice.aor
    bob.accept()
    bob.wait_ack()
    bob.connect()
    wait_until(lambda: only_session(nni.home1)["participants"] == 3, 10, "bob joined")
    send_to_all(carol, ident, "bob is here", [alice, bob])
    with answering_byes(carol, bob) as got:
        assert alice.bye().status == 200
    assert got == {carol, bob}


def test_rejoin_through_the_focus_alias(nni, members, released):
    """TR-1029 6.2.3 with the Contact the client got (D-9, NNI-19): bob
    of home2 left; his INVITE to the focus his invitation named (home2's
    alias of the session identity) is routed by home2 to home1's peer entry
    and rejoins him."""
    alice, carol, bob = members("alice@home1", "carol@home1", "bob@home2")
    ident = start_adhoc(nni, alice, [carol, bob])
    focus = NameAddr.parse(bob.req.msg.get("contact")).uri
    assert bob.bye().status == 200
    wait_until(lambda: only_session(nni.home1)["participants"] == 2, 10, "bob gone")
    bob.renew()
    mark = nni.tap.mark()
    bob.invite(focus)
    bob.established()
    rejoin = nni.tap.wait(lambda m: m.is_request and m.method == "INVITE", since=mark)
    assert rejoin.uri.split(";")[0] == ident.split(";")[0]
    bob.connect()
    send_to_all(alice, ident, "welcome back bob", [carol, bob])
    with answering_byes(carol, bob) as got:
        assert alice.bye().status == 200
    assert got == {carol, bob}


def test_invitee_of_an_unknown_domain(nni, members, released):
    """CF-2, CF-12, NNI-14: alice's list names bob of home2 and a user of
    home3.net, a domain home1 has no peer for: that invitation alone fails
    (404 from the routing, logged), bob's goes on and answers alice."""
    alice, bob = members("alice@home1", "bob@home2")
    stranger = "sip:zed@home3.net"
    alice.invite_factory(FACTORY, [bob.aor, stranger])
    bob.wait_invitation()

    def stranger_failed():
        show = nni.home1.rpc.call("im_cf.show", only_session(nni.home1)["id"])
        return any(u["uri"] == stranger and u["state"] == "gone" for u in show["users"])
    wait_until(stranger_failed, 10, "the invitation to home3.net failed")
    bob.accept()
    bob.wait_ack()
    alice.established()
    alice.connect()
    bob.connect()
    ident = only_session(nni.home1)["identity"]
    send_to_all(alice, ident, "only bob", [bob])
    assert f"focus INVITE to {stranger} refused: no peer of home3.net" in (
        nni.home1.kamailio.proc.log_text())
    with answering_byes(bob) as got:
        assert alice.bye().status == 200
    assert got == {bob}


def test_home2_user_uses_home1_factory(nni, members, released):
    """CF-1, CF-2, NNI-14: bob of home2 asks home1's factory (routed by
    home2's originating function to its peer home1) for a session with
    alice and carol of home1; the 200 he gets has PAI = the factory and a
    focus Contact; messages pass both ways; his BYE releases the session
    (CF-19 a)."""
    bob, alice, carol = members("bob@home2", "alice@home1", "carol@home1")
    mark = nni.tap.mark()
    ident = start_adhoc(nni, bob, [alice, carol])
    factory_inv = nni.tap.wait(lambda m: m.is_request and m.method == "INVITE", since=mark)
    assert factory_inv.uri == FACTORY
    final = bob.final
    assert NameAddr.parse(final.get("p-asserted-identity")).uri == FACTORY
    assert "isfocus" in NameAddr.parse(final.get("contact")).params
    for m in (alice, carol):
        assert NameAddr.parse(m.req.msg.get("p-asserted-identity")).uri == bob.aor
    send_to_all(bob, ident, "hello from home2", [alice, carol])
    send_to_all(alice, ident, "hello home2", [bob, carol])
    with answering_byes(alice, carol) as got:
        assert bob.bye().status == 200
    assert got == {alice, carol}
