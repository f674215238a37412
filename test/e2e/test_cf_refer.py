"""REFER, Replaces, re-INVITE and anonymity in sessions of the
controlling function (im_cf, OMA TS 7.2.1.6-7.2.1.8, 7.2.3.2), end to
end: real Kamailio and relay. Every test ends with no im_cf session, no
im_ua call and no relay session left (the `released` fixture)."""

from urllib.parse import quote

import pytest

from imtest import cpim
from imtest.cf import RLIST_TYPE, multipart, resource_list
from imtest.im_session import ImSession
from imtest.msrp import MsrpEndpoint
from imtest.procs import wait_until
from imtest.sdp import Sdp
from imtest.sipmsg import NameAddr

from test_cf_sessions import (FACTORY, answering_byes, focus_of, members,  # noqa: F401
                              only_session, released, start_adhoc, warning_code)

MAX = 4  # max_participants of this module's server, the originator included


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from conftest import one_server
    yield from one_server(tmp_path_factory.mktemp("cfrefer"),
                          defines={"CF_MAX_PARTICIPANTS": str(MAX)})


def notifies(m, n, timeout=10):
    """The next n NOTIFYs m gets in its dialog with the focus, answered
    200: their (Subscription-State, sipfrag status line)."""
    out = []
    for _ in range(n):
        req = m.ua.wait_request("NOTIFY", timeout=timeout)
        req.reply(200)
        assert req.msg.get("event").split(";")[0] == "refer"
        assert req.msg.get("content-type").startswith("message/sipfrag")
        out.append((req.msg.get("subscription-state").split(";")[0],
                    req.msg.body.decode().split("\r\n")[0]))
    return out


def originator_leaves(alice, *others):
    """CF-19 a: alice's BYE releases the session, each other gets a BYE."""
    with answering_byes(*others) as got:
        assert alice.bye().status == 200
    assert got == set(others)


def joins(m):
    """m accepts its invitation and connects its MSRP leg."""
    m.accept()
    m.wait_ack()
    m.connect()


def assert_invitation(m, ident, inviter):
    """CF-12, D-4: m's invitation comes from the focus of ident (isfocus
    Contact), in the name of inviter (From, PAI, Referred-By), asks for a
    session timer refreshed by m."""
    contact, focus = focus_of(m.req)
    assert {"isfocus", "+g.oma.sip-im"} <= set(contact.params)
    assert focus.split("@")[0] == ident.split("@")[0]
    for h in ("from", "p-asserted-identity", "referred-by"):
        assert NameAddr.parse(m.req.msg.get(h)).uri == inviter, h
    assert m.req.msg.get("session-expires").endswith(";refresher=uas")


def test_refer_adds_one_in_dialog(server, members, released):
    """CF-7, CF-12, D-4, D-14: alice REFERs carol in her dialog with the
    session: 202; carol's invitation carries the focus Contact, alice as
    PAI and Referred-By, Session-Expires; alice gets NOTIFYs 100 Trying
    then 200 OK."""
    alice, bob, carol = members("alice", "bob", "carol")
    start_adhoc(server, alice, [bob])
    ident = only_session(server)["identity"]
    resp = alice.ua.refer(ident, f"<{server.uri('carol')}>", dialog=alice.call.dialog)
    assert resp.status == 202
    assert resp.get("refer-sub") is None
    carol.wait_invitation()
    assert_invitation(carol, ident, server.uri("alice"))
    assert notifies(alice, 1) == [("active", "SIP/2.0 100 Trying")]
    joins(carol)
    assert notifies(alice, 1) == [("terminated", "SIP/2.0 200 OK")]
    assert only_session(server)["participants"] == 3
    originator_leaves(alice, bob, carol)


def refer_notifies(m, n, timeout=10):
    """The next n NOTIFYs of m's REFERs, answered 200, as the set of
    (Event, Subscription-State, sipfrag status line)."""
    out = set()
    for _ in range(n):
        req = m.ua.wait_request("NOTIFY", timeout=timeout)
        req.reply(200)
        out.add((req.msg.get("event"), req.msg.get("subscription-state").split(";")[0],
                 req.msg.body.decode().split("\r\n")[0]))
    return out


def test_two_refers_in_one_dialog_told_apart(server, members, released):
    """CF-7, RFC 3515 2.4.6: alice REFERs carol, then dave, in her one
    dialog with the session; each NOTIFY names its REFER by Event id= (the
    REFER's CSeq), so alice can tell dave's refusal from carol's join."""
    alice, bob, carol, dave = members("alice", "bob", "carol", "dave")
    start_adhoc(server, alice, [bob])
    ident = only_session(server)["identity"]
    r1 = alice.ua.refer(ident, f"<{server.uri('carol')}>", dialog=alice.call.dialog)
    carol.wait_invitation()
    r2 = alice.ua.refer(ident, f"<{server.uri('dave')}>", dialog=alice.call.dialog)
    dave.wait_invitation()
    assert (r1.status, r2.status) == (202, 202)
    id1, id2 = r1.cseq[0], r2.cseq[0]
    assert id1 != id2
    assert refer_notifies(alice, 2) == {(f"refer;id={id1}", "active", "SIP/2.0 100 Trying"),
                                        (f"refer;id={id2}", "active", "SIP/2.0 100 Trying")}
    dave.req.reply(486)
    assert refer_notifies(alice, 1) == {(f"refer;id={id2}", "terminated",
                                         "SIP/2.0 486 Busy Here")}
    joins(carol)
    assert refer_notifies(alice, 1) == {(f"refer;id={id1}", "terminated", "SIP/2.0 200 OK")}
    assert only_session(server)["participants"] == 3
    originator_leaves(alice, bob, carol)


def test_refer_sub_false_no_notify(server, members, released):
    """CF-7 steps 7 and 10, D-14, RFC 4488: Refer-Sub: false (any case) is
    echoed in the 202 and no NOTIFY follows; Require: norefersub too."""
    alice, bob, carol, dave = members("alice", "bob", "carol", "dave")
    start_adhoc(server, alice, [bob])
    ident = only_session(server)["identity"]
    resp = alice.ua.refer(ident, f"<{server.uri('carol')}>", dialog=alice.call.dialog,
                          headers=[("Refer-Sub", "False")])
    assert resp.status == 202 and resp.get("refer-sub") == "false"
    carol.wait_invitation()
    carol.accept()
    carol.wait_ack()
    resp = alice.ua.refer(ident, f"<{server.uri('dave')}>", dialog=alice.call.dialog,
                          headers=[("Require", "norefersub")])
    assert resp.status == 202
    dave.wait_invitation()
    dave.accept()
    dave.wait_ack()
    wait_until(lambda: only_session(server)["participants"] == 4, 10, "dave joined")
    assert alice.ua.no_request("NOTIFY", timeout=1)
    originator_leaves(alice, bob, carol, dave)


def test_refer_out_of_dialog(server, members, released):
    """CF-7 step 6, TR-1029 6.2.2, D-14: bob (invited, connected) REFERs
    carol outside any dialog with Require: multiple-refer, norefersub and
    Refer-Sub: false: 202 with Supported: norefersub and the echo; carol's
    invitation names bob as inviter. Without Refer-Sub: false outside a
    dialog: 403 + 122 (no dialog to NOTIFY in)."""
    alice, bob, carol = members("alice", "bob", "carol")
    start_adhoc(server, alice, [bob])
    ident = only_session(server)["identity"]
    resp = bob.ua.refer(ident, f"<{server.uri('carol')}>")
    assert (resp.status, warning_code(resp)) == (403, "122")
    resp = bob.ua.refer(ident, f"<{server.uri('carol')}>",
                        headers=[("Require", "multiple-refer, norefersub"),
                                 ("Refer-Sub", "false")])
    assert resp.status == 202
    assert resp.get("refer-sub") == "false"
    assert "norefersub" in resp.get("supported")
    carol.wait_invitation()
    assert_invitation(carol, ident, server.uri("bob"))
    joins(carol)
    originator_leaves(alice, bob, carol)


def cid_refer(m, ident, rlist, cid="list1@home1.net", headers=()):
    """A multiple-refer REFER (RFC 5368): Refer-To a cid: naming the
    resource list of the body."""
    return m.ua.refer(ident, f"<cid:{cid}>", dialog=m.call.dialog, body=rlist,
                      content_type=RLIST_TYPE,
                      headers=[("Require", "multiple-refer, norefersub"),
                               ("Refer-Sub", "false"),
                               ("Content-ID", f"<{cid}>"),
                               ("Content-Disposition", "recipient-list")] + list(headers))


def test_multiple_refer(server, members, released):
    """CF-7 step 3 b, RFC 5368: a cid: Refer-To invites every entry of the
    resource list; each invitation names alice as inviter."""
    alice, bob, carol, dave = members("alice", "bob", "carol", "dave")
    start_adhoc(server, alice, [bob])
    ident = only_session(server)["identity"]
    resp = cid_refer(alice, ident, resource_list([server.uri("carol"), server.uri("dave")]))
    assert resp.status == 202 and resp.get("refer-sub") == "false"
    for m in (carol, dave):
        m.wait_invitation()
        assert_invitation(m, ident, server.uri("alice"))
    for m in (carol, dave):
        joins(m)
    assert only_session(server)["participants"] == 4
    originator_leaves(alice, bob, carol, dave)


def test_multiple_refer_names_its_part(server, members, released):
    """RFC 5368, RFC 2392, CF-7: the cid: of Refer-To names the body part
    by its Content-ID. A list whose Content-ID is another: 400 and nobody
    invited. A multipart body whose second part is the list named (the
    cid: percent-encoded): 202 and its entries invited; the other part's
    text is not read as a list."""
    alice, bob, carol, dave = members("alice", "bob", "carol", "dave")
    start_adhoc(server, alice, [bob])
    ident = only_session(server)["identity"]
    rlist = resource_list([server.uri("carol")])
    resp = alice.ua.refer(ident, "<cid:list1@home1.net>", dialog=alice.call.dialog,
                          body=rlist, content_type=RLIST_TYPE,
                          headers=[("Require", "multiple-refer, norefersub"),
                                   ("Refer-Sub", "false"),
                                   ("Content-ID", "<another@home1.net>"),
                                   ("Content-Disposition", "recipient-list")])
    assert resp.status == 400
    assert carol.ua.no_request("INVITE", timeout=0.5)
    body, ctype = multipart([
        (RLIST_TYPE, [("Content-ID", "<decoy@home1.net>"),
                      ("Content-Disposition", "recipient-list")],
         resource_list([server.uri("carol")])),
        (RLIST_TYPE, [("Content-ID", "<list2@home1.net>"),
                      ("Content-Disposition", "recipient-list")],
         resource_list([server.uri("dave")]))])
    resp = alice.ua.refer(ident, "<cid:list2%40home1.net>", dialog=alice.call.dialog,
                          body=body, content_type=ctype,
                          headers=[("Require", "multiple-refer, norefersub"),
                                   ("Refer-Sub", "false")])
    assert resp.status == 202
    dave.wait_invitation()
    assert_invitation(dave, ident, server.uri("alice"))
    assert carol.ua.no_request("INVITE", timeout=0.5)
    joins(dave)
    originator_leaves(alice, bob, dave)


def test_refer_removes(server, members, released):
    """CF-8, CF-23, D-14: Refer-To <carol;method=BYE>: 202, carol gets a BYE,
    alice a NOTIFY 200 OK; removing someone not in the session: 403 + 122;
    the session goes on."""
    alice, bob, carol = members("alice", "bob", "carol")
    start_adhoc(server, alice, [bob, carol])
    ident = only_session(server)["identity"]
    with answering_byes(carol) as got:
        resp = alice.ua.refer(ident, f"<{server.uri('carol')};method=BYE>",
                              dialog=alice.call.dialog)
        assert resp.status == 202
    assert got == {carol}
    assert notifies(alice, 1) == [("terminated", "SIP/2.0 200 OK")]
    wait_until(lambda: only_session(server)["participants"] == 2, 10, "carol removed")
    resp = alice.ua.refer(ident, f"<{server.uri('dave')};method=BYE>",
                          dialog=alice.call.dialog)
    assert (resp.status, warning_code(resp)) == (403, "122")
    assert only_session(server)["participants"] == 2
    originator_leaves(alice, bob)


def test_refer_errors(server, members, released):
    """CF-7, CF-8, D-14: a REFER without Refer-To: 400; to an unknown
    session: 404 (OMA TS 11.2), a removal there 403 + 122 (CF-8 b); from
    someone not in the session: 403 + 122; beyond max_participants: 486 +
    102; a cid: list that is not XML: 400. The session goes on after
    each."""
    alice, bob, carol, dave = members("alice", "bob", "carol", "dave")
    start_adhoc(server, alice, [bob])
    ident = only_session(server)["identity"]
    nosub = [("Refer-Sub", "false")]
    msg = alice.ua.build_request("REFER", alice.call.dialog.remote_target,
                                 dialog=alice.call.dialog)
    assert alice.ua.send_request(msg).wait_final().status == 400
    unknown = "sip:conf-00000000000000001@home1.net"
    assert alice.ua.refer(unknown, f"<{server.uri('carol')}>", headers=nosub).status == 404
    resp = alice.ua.refer(unknown, f"<{server.uri('bob')};method=BYE>", headers=nosub)
    assert (resp.status, warning_code(resp)) == (403, "122")
    resp = dave.ua.refer(ident, f"<{server.uri('carol')}>", headers=nosub)
    assert (resp.status, warning_code(resp)) == (403, "122")
    too_many = resource_list([server.uri(u) for u in ("carol", "dave", "erin")])
    resp = cid_refer(alice, ident, too_many)
    assert (resp.status, warning_code(resp)) == (486, "102")
    resp = cid_refer(alice, ident, b"<resource-lists><list><entry")
    assert resp.status == 400
    assert carol.ua.no_request("INVITE", timeout=0.5)
    assert only_session(server)["participants"] == 2
    originator_leaves(alice, bob)


def test_refer_invitee_fails(server, members, released):
    """CF-7 step 10: the final NOTIFY carries the invitation's failure;
    the session goes on."""
    alice, bob, carol = members("alice", "bob", "carol")
    start_adhoc(server, alice, [bob])
    ident = only_session(server)["identity"]
    assert alice.ua.refer(ident, f"<{server.uri('carol')};method=INVITE>",
                          dialog=alice.call.dialog).status == 202
    carol.wait_invitation().reply(486)
    assert notifies(alice, 2) == [("active", "SIP/2.0 100 Trying"),
                                  ("terminated", "SIP/2.0 486 Busy Here")]
    assert only_session(server)["participants"] == 2
    originator_leaves(alice, bob)


def test_replaces_extends_one_to_one(server, members, released):
    """CF-2, OMA App L / CR-03, D-13, RFC 3891: a factory list entry
    `uri;method=INVITE?Replaces=...` gives bob an invitation with exactly
    that Replaces (unescaped, tags not reversed) and Require: replaces;
    carol's invitation has neither."""
    alice, bob, carol = members("alice", "bob", "carol")
    replaces = "a84b4c76e66710@home1.net;to-tag=a6c85cf;from-tag=1928301774"
    escaped = replaces.replace("@", "%40").replace(";", "%3B").replace("=", "%3D")
    entry = f"{server.uri('bob')};method=INVITE?Replaces={escaped}"
    alice.invite_factory(FACTORY, [entry, server.uri("carol")])
    for m in (bob, carol):
        m.wait_invitation()
    ident = only_session(server)["identity"]
    assert bob.req.msg.get("replaces") == replaces
    assert "replaces" in [t.strip() for r in bob.req.msg.get_all("require")
                          for t in r.split(",")]
    assert carol.req.msg.get("replaces") is None
    assert "replaces" not in ",".join(carol.req.msg.get_all("require"))
    for m in (bob, carol):
        assert_invitation(m, ident, server.uri("alice"))
        m.accept()
        m.wait_ack()
    alice.established()
    originator_leaves(alice, bob, carol)


def replaces_of(dialog):
    """The Replaces value naming dialog to its far end (RFC 3891: to-tag
    is the recipient's own tag, from-tag the sender's)."""
    return (f"{dialog.call_id};to-tag={dialog.remote_tag};"
            f"from-tag={dialog.local_tag}")


def test_replaces_mapped_through_the_b2buas(server, members, released):
    """App L, OMA TS 6.1.1.2.6 a, RFC 3891: alice and bob are in a real
    1-1 session through both participating functions' B2BUAs; alice turns
    it into a conference by naming her dialog in bob's list entry. Bob's
    invitation names that dialog as bob knows it (his own Call-ID and
    tags, three calls away from alice's), so bob can replace it: he
    accepts and BYEs the old dialog, whose B2BUA calls then end with it."""
    alice, bob, carol = members("alice", "bob", "carol")
    one = ImSession(alice.ua, bob.ua, server.uri("bob")).start()
    a_dlg, b_dlg = one.call.dialog, one.b_req.dialog
    assert a_dlg.call_id != b_dlg.call_id  # two B2BUA calls in between
    escaped = quote(replaces_of(a_dlg), safe="")
    alice.invite_factory(FACTORY, [f"{server.uri('bob')};method=INVITE?Replaces={escaped}",
                                   server.uri("carol")])
    for m in (bob, carol):
        m.wait_invitation()
    assert bob.req.msg.get("replaces") == (
        f"{b_dlg.call_id};to-tag={b_dlg.local_tag};from-tag={b_dlg.remote_tag}")
    assert carol.req.msg.get("replaces") is None
    for m in (bob, carol):
        m.accept()
        m.wait_ack()
    alice.established()
    # bob ends the dialog he replaced; alice's side of it ends too
    resp, bye_at_a = one.bye_from_b()
    assert resp.status == 200
    assert bye_at_a.msg.call_id == a_dlg.call_id
    one.close()
    originator_leaves(alice, bob, carol)


def test_replaces_of_someone_elses_dialog_is_not_translated(server, members, released):
    """App L, RFC 3891 section 7 (a third party trying to act inside
    someone else's dialog): bob and carol are in a 1-1 session; alice,
    who is no party to it but learnt bob's identifiers of it, names it in
    carol's entry. The focus does not translate it into carol's side:
    carol's invitation carries alice's value as it came, which names no
    dialog of carol's; the 1-1 session goes on undisturbed."""
    alice, bob, carol = members("alice", "bob", "carol")
    one = ImSession(bob.ua, carol.ua, server.uri("carol")).start()
    b_dlg, c_dlg = one.call.dialog, one.b_req.dialog
    stolen = replaces_of(b_dlg)
    alice.invite_factory(FACTORY, [
        f"{server.uri('carol')};method=INVITE?Replaces={quote(stolen, safe='')}"])
    carol.wait_invitation()
    got = carol.req.msg.get("replaces")
    assert got == stolen
    assert not got.startswith(c_dlg.call_id)
    carol.req.reply(481)
    assert alice.call.wait_final().status == 481
    body = cpim.build("<sip:bob@home1.net>", f"<{server.uri('carol')}>", "still ours")
    one.send_a(body, content_type="message/cpim")
    assert one.b_ep.wait_message().body == body
    one.bye_from_a()
    one.close()


def test_replaces_naming_no_dialog_crosses_as_it_came(server, members, released):
    """App L: a Replaces that names no dialog of this server, or that does
    not parse, reaches the invitee unchanged, for it to refuse (RFC 3891
    481); the session goes on with the others."""
    alice, bob, carol = members("alice", "bob", "carol")
    unknown = "nosuch@home1.net;to-tag=x1;from-tag=y2;early-only"
    bad = "nosuch@home1.net;to-tag=x1"
    alice.invite_factory(FACTORY, [
        f"{server.uri('bob')};method=INVITE?Replaces={quote(unknown, safe='')}",
        f"{server.uri('carol')};method=INVITE?Replaces={quote(bad, safe='')}"])
    for m in (bob, carol):
        m.wait_invitation()
    assert bob.req.msg.get("replaces") == unknown
    assert carol.req.msg.get("replaces") == bad
    bob.req.reply(481)
    carol.accept()
    carol.wait_ack()
    alice.established()
    originator_leaves(alice, carol)


def reinvite(m, sdp, headers=()):
    """A re-INVITE in m's dialog with the focus, either side's; ACKed.
    Its final response."""
    d = m.dialog
    msg = m.ua.build_request("INVITE", d.remote_target, dialog=d, body=sdp,
                             content_type="application/sdp", headers=list(headers))
    tx = m.ua.send_request(msg)
    resp = tx.wait_final()
    if resp.status < 300:
        m.ua.send_request(m.ua.build_request("ACK", d.remote_target, dialog=d))
    else:  # the ACK of a failure belongs to the INVITE's transaction
        ack = m.ua.build_request("ACK", d.remote_target, dialog=d, cseq=msg.cseq[0])
        ack.set("Via", msg.get("via"))
        m.ua.send_request(ack, dest=tx.dest)
    return resp


def test_reinvite_new_parameters(server, members, released):
    """CF-6, MS-3: bob re-INVITEs with a smaller a=max-size: 200 with an
    SDP answer on the same relay path, and the switch skips him for a
    message larger than that while carol gets it. A re-INVITE whose SDP
    the relay cannot take: 488 with a Warning; the session goes on."""
    alice, bob, carol = members("alice", "bob", "carol")
    start_adhoc(server, alice, [bob, carol])
    ident = only_session(server)["identity"]
    resp = reinvite(bob, bob.offer(setup=bob.role, max_size=400))
    assert resp.status == 200
    assert Sdp(resp.body).path == bob.sdp_offer().path
    big = cpim.build("<sip:alice@home1.net>", f"<{ident}>", "x" * 1000)
    small = cpim.build("<sip:alice@home1.net>", f"<{ident}>", "short")
    alice.ep.send_message(big, content_type="message/cpim")
    assert carol.ep.wait_message().body == big
    alice.ep.send_message(small, content_type="message/cpim")
    assert carol.ep.wait_message(index=1).body == small
    assert bob.ep.wait_message().body == small
    bad = b"v=0\r\ns=-\r\nm=audio 9 RTP/AVP 0\r\n"
    resp = reinvite(bob, bad)
    assert resp.status == 488 and resp.get("warning")
    alice.ep.send_message(big, content_type="message/cpim")
    assert carol.ep.wait_message(index=2).body == big
    originator_leaves(alice, bob, carol)


def focus_legs(server):
    """The focus's dialog with each user (im_ua.list by the key im_cf.show
    names; a single dialog fills leg a as UAS, leg b as UAC), by URI."""
    show = server.rpc.call("im_cf.show", only_session(server)["id"])
    calls = {c["key"]: c for c in server.rpc.call("im_ua.list")}
    legs = {u["uri"]: calls[u["dialog"]] for u in show["users"] if u["dialog"]}
    return {u: c["a"] if c["a"]["call_id"] else c["b"] for u, c in legs.items()}


def test_session_refresh(server, members, released):
    """CF-10, RFC 4028: a re-INVITE with Session-Expires refresher=uac
    (bob's, who was invited, and alice's) is answered 200 with
    Session-Expires refresher=uac; the focus's dialogs are refreshed with
    the participant's side as refresher; media goes on."""
    alice, bob = members("alice", "bob")
    start_adhoc(server, alice, [bob])
    ident = only_session(server)["identity"]
    timer = [("Session-Expires", "120;refresher=uac"), ("Supported", "timer")]
    before = focus_legs(server)
    for m, sdp in ((bob, bob.offer(setup=bob.role)), (alice, alice.sdp_sent)):
        resp = reinvite(m, sdp, timer)
        assert resp.status == 200
        assert resp.get("session-expires").replace(" ", "") == "120;refresher=uac"
    # each refresh reached the focus (a PF's B2BUA keeps a timer per leg:
    # the interval it asks the focus for is its own)
    after = focus_legs(server)
    for u in map(server.uri, ("alice", "bob")):
        assert after[u]["remote_cseq"] > before[u]["remote_cseq"], u
        assert after[u]["refresher"] == "peer", u
    body = cpim.build("<sip:bob@home1.net>", f"<{ident}>", "refreshed")
    bob.ep.send_message(body, content_type="message/cpim")
    assert alice.ep.wait_message().body == body
    originator_leaves(alice, bob)


def private_addresses_hidden(req, *users):
    """SP-7: no header of req (nor its body) names one of users."""
    raw = req.msg.encode()
    for u in users:
        assert u.encode() not in raw.lower(), u


def test_anonymous_originator(server, members, released):
    """MS-2, SP-7, CF-2, CF-7 (privacy and REFER), MS-3: alice asks for
    privacy (Privacy: id) as "Chatter": bob's invitation and, after her
    REFER, carol's show only her chat alias (From, PAI, Referred-By, and
    Privacy: id), never her address; a CPIM From with her address reaches
    nobody, one with her alias reaches the others unmodified."""
    alice, bob, carol = members("alice", "bob", "carol")
    alice.ua.display = "Chatter"
    alice.invite_factory(FACTORY, [server.uri("bob")], headers=[("Privacy", "id")])
    bob.wait_invitation()
    ident = only_session(server)["identity"]
    me = [u for u in server.rpc.call("im_cf.show", only_session(server)["id"])["users"]
          if u["uri"] == server.uri("alice")][0]
    alias = me["alias"]
    assert alias.endswith("@anonymous.invalid")
    assert_invitation(bob, ident, alias)
    assert NameAddr.parse(bob.req.msg.get("from")).display.strip('"') == "Chatter"
    assert bob.req.msg.get("privacy") == "id"
    private_addresses_hidden(bob.req, "alice")
    joins(bob)
    alice.established()
    alice.connect()
    assert alice.ua.refer(ident, f"<{server.uri('carol')}>", dialog=alice.call.dialog,
                          headers=[("Refer-Sub", "false")]).status == 202
    carol.wait_invitation()
    assert_invitation(carol, ident, alias)
    private_addresses_hidden(carol.req, "alice")
    joins(carol)
    wait_until(lambda: only_session(server)["participants"] == 3, 10, "carol joined")
    # her address as CPIM From is refused by the switch (the PF's relay in
    # between answers her hop): nobody gets it, the next message comes
    alice.ep.send_message(cpim.build("<sip:alice@home1.net>", f"<{ident}>", "me"),
                          content_type="message/cpim")
    body = cpim.build(f'"Chatter" <{alias}>', f"<{ident}>", "guess who")
    alice.ep.send_message(body, content_type="message/cpim")
    for m in (bob, carol):
        got = m.ep.wait_message()
        assert got.body == body and b"alice" not in got.body
    originator_leaves(alice, bob, carol)


def test_aliases_unique(server, members, released):
    """MS-2, D-22: carol rejoins anonymously asking for the display name
    alice uses anonymously already: she gets another alias (display and
    URI), which the notice on her new MSRP session names; dave, invited by
    anonymous alice, sees only aliases."""
    alice, bob, carol = members("alice", "bob", "carol")
    alice.ua.display = carol.ua.display = "Chatter"
    alice.invite_factory(FACTORY, [server.uri("bob"), server.uri("carol")],
                         headers=[("Privacy", "id")])
    for m in (bob, carol):
        m.wait_invitation()
    for m in (bob, carol):
        joins(m)
    alice.established()
    alice.connect()
    ident = only_session(server)["identity"]
    assert carol.bye().status == 200
    wait_until(lambda: only_session(server)["participants"] == 2, 10, "carol gone")
    carol.close()
    carol.ep = MsrpEndpoint(host=carol.ua.local_ip)
    carol.req = None
    carol.invite(ident, headers=[("Privacy", "id")])
    carol.established()
    carol.connect()
    users = server.rpc.call("im_cf.show", only_session(server)["id"])["users"]
    shown = {u["uri"]: (u["alias"], u["alias_display"]) for u in users}
    a_alias, c_alias = shown[server.uri("alice")], shown[server.uri("carol")]
    # both asked for "Chatter": the aliases differ in URI and display name
    assert a_alias[0] != c_alias[0] and a_alias[1] != c_alias[1]
    assert a_alias[1] == "Chatter"
    c_display = c_alias[1]
    assert c_display.startswith("Chatter-")
    # D-22: her new MSRP session first carries the notice of her alias
    notice = cpim.parse(carol.ep.wait_message().body)
    assert notice.get("From") == f"<{ident}>"
    assert notice.get("To") == f'"{c_display}" <{c_alias[0]}>'
    assert notice.body == f'You appear as "{c_display}" <{c_alias[0]}>'.encode()
    body = cpim.build(f'"{c_alias[1]}" <{c_alias[0]}>', f"<{ident}>", "back, anonymously")
    carol.ep.send_message(body, content_type="message/cpim")
    assert bob.ep.wait_message().body == body
    originator_leaves(alice, bob, carol)


def test_refer_with_privacy(server, members, released):
    """CF-7 step 2, MS-2: alice, known by her address in the session,
    REFERs carol with Privacy: id: carol's invitation names the referrer
    only as the anonymous identity (From, PAI, Referred-By) with Privacy:
    id; bob's earlier invitation named alice."""
    alice, bob, carol = members("alice", "bob", "carol")
    start_adhoc(server, alice, [bob])
    ident = only_session(server)["identity"]
    assert alice.ua.refer(ident, f"<{server.uri('carol')}>", dialog=alice.call.dialog,
                          headers=[("Refer-Sub", "false"), ("Privacy", "id")]).status == 202
    carol.wait_invitation()
    assert_invitation(carol, ident, "sip:anonymous@anonymous.invalid")
    assert carol.req.msg.get("privacy") == "id"
    private_addresses_hidden(carol.req, "alice")
    joins(carol)
    wait_until(lambda: only_session(server)["participants"] == 3, 10, "carol joined")
    originator_leaves(alice, bob, carol)
