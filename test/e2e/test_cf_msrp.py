"""The MSRP switch of im_cf sessions (OMA TS 7.2.3, 9.4), end to end:
real Kamailio and relay, clients registered with it, each conference
built through the Conference-factory URI. Every test ends with no im_cf
session, no im_ua call and no relay session left (the `released`
fixture)."""

import os
import re
import threading
import xml.etree.ElementTree as ET

import pytest

from conftest import one_server
from imtest import cpim
from imtest.cf import Member, wait_all_released
from imtest.msrp import MsrpTimeout
from imtest.procs import wait_until
from imtest.rpc import RpcError
from imtest.sdp import Sdp

FACTORY = "sip:conference-factory@home1.net"
ISCOMPOSING = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<isComposing xmlns="urn:ietf:params:xml:ns:im-iscomposing">\n'
    b'  <state>active</state>\n  <contenttype>text/plain</contenttype>\n'
    b'</isComposing>\n')


@pytest.fixture
def released(server):
    """The end check of every test: nothing of a conference is left."""
    yield
    wait_all_released(server)


@pytest.fixture(scope="module")
def erin(server):
    """A fifth user of the domain (the fixture server has four)."""
    server.kamailio.add_user("erin", server.password("erin"))


@pytest.fixture
def members(make_ua):
    """members(*names, srv=None): conference clients of srv (default: the
    module's server), their MSRP endpoints closed after the test."""
    made = []

    def make(*names, srv=None):
        made.extend(Member(make_ua(n, srv=srv)) for n in names)
        return made[-len(names):]
    yield make
    for m in made:
        m.close()


def identity_of(server):
    sessions = server.rpc.call("im_cf.list")
    assert len(sessions) == 1, sessions
    return sessions[0]["identity"]


def start_adhoc(server, inviter, invitees, headers=(), **answer_kw):
    """inviter invites the others through the factory (its INVITE with
    headers added); each answers (with answer_kw for its SDP); media
    connected. Returns the session identity."""
    inviter.invite_factory(FACTORY, [server.uri(m.ua.user) for m in invitees],
                           headers=headers)
    for m in invitees:
        m.wait_invitation()
    for m in invitees:
        m.accept(**answer_kw.get(m.ua.user, {}))
        m.wait_ack()
    inviter.established()
    inviter.connect()
    for m in invitees:
        m.connect()
    return identity_of(server)


def end_session(inviter, others):
    """CF-19 a: the originator leaves; everyone else gets a BYE."""
    got = []

    def answer(m):
        m.ua.wait_request("BYE", timeout=10).reply(200)
        got.append(m)
    threads = [threading.Thread(target=answer, args=(m,)) for m in others]
    for t in threads:
        t.start()
    assert inviter.bye().status == 200
    for t in threads:
        t.join(15)
    assert sorted(m.ua.user for m in got) == sorted(m.ua.user for m in others)


def me(server, m):
    return f"<{server.uri(m.ua.user)}>"


def refused(m, sent, code):
    """The switch refused the message m sent (send_message's result) with
    code: the PF's relay between m and the switch answers its own 200 (each
    MSRP hop answers, D-20) and turns the switch's error into a failure
    REPORT to m (NNI-18)."""
    mid, tids = sent
    assert m.ep.wait_response(tids[0]).status == 200
    assert m.ep.wait_report(mid).get("Status").split()[1] == str(code)


def nothing_more(m, count, timeout=1.0):
    """m received exactly count complete messages: a bounded wait for one
    more that must not come (the switch has answered the sender already)."""
    with pytest.raises(MsrpTimeout):
        m.ep.wait_message(timeout=timeout, index=count)


def test_broadcast_and_private_among_five(server, erin, members, released):
    """MS-1, MS-3 2, D-18, MS-4, D-21: five participants; each one's
    broadcast reaches the four others byte-exact with its Message-ID
    (MSRP and CPIM imdn) kept; a private message by CPIM To reaches only
    its addressee."""
    ms = members("alice", "bob", "carol", "dave", "erin")
    alice, others = ms[0], ms[1:]
    ident = start_adhoc(server, alice, others)
    seen = {m: 0 for m in ms}
    for sender in ms:
        body = cpim.build(me(server, sender), f"<{ident}>",
                          f"hello from {sender.ua.user}", imdn_message_id=os.urandom(6).hex())
        mid, tids = sender.ep.send_message(body, content_type="message/cpim")
        assert sender.ep.wait_response(tids[0]).status == 200
        for m in ms:
            if m is sender:
                continue
            got = m.ep.wait_message(index=seen[m])
            seen[m] += 1
            assert got.body == body
            assert got.message_id == mid
            assert got.content_type == "message/cpim"
    # MS-4: carol whispers to erin
    body = cpim.build(me(server, others[1]), me(server, others[3]), "just you")
    mid, tids = others[1].ep.send_message(body, content_type="message/cpim")
    assert others[1].ep.wait_response(tids[0]).status == 200
    got = others[3].ep.wait_message(index=seen[others[3]])
    assert (got.body, got.message_id) == (body, mid)
    seen[others[3]] += 1
    for m in (alice, others[0], others[2]):
        nothing_more(m, seen[m], timeout=0.5)
    end_session(alice, others)


def spliced(server):
    return server.relay.call("stats")["msrp"]["frames_spliced"]


def test_deliveries_skip_the_bridge_hop(server, members, released):
    """The switch and each participant's bridge (its participating
    function's B2BUA) sit in one relay: the switch writes a recipient's
    pieces straight on the bridge's leg towards the participant, as that
    bridge would have re-addressed them (To-Path the participant's path,
    From-Path the one its SDP named; Message-ID, Byte-Range and body
    unchanged). Every piece bob and carol got was written so, counted in
    frames_spliced; twenty messages sent back to back arrive whole and in
    their order. (A recipient's error answer still reaches the sender's
    final report: test_final_delivery_report.)"""
    alice, bob, carol = members("alice", "bob", "carol")
    ident = start_adhoc(server, alice, [bob, carol])
    before = spliced(server)
    big = cpim.build(me(server, alice), f"<{ident}>", "z" * 70000)
    mid, _ = alice.ep.send_message(big, content_type="message/cpim",
                                   chunk_size=9000)
    texts = [cpim.build(me(server, alice), f"<{ident}>", f"message {i}")
             for i in range(20)]
    for t in texts:
        alice.ep.send_message(t, content_type="message/cpim")
    frames = 0
    for m in (bob, carol):
        got = m.ep.wait_message()
        assert got.body == big
        assert [m.ep.wait_message(index=i + 1).body for i in range(20)] == \
            texts
        sends = [f for f in m.ep.frames if f.is_request and f.method == "SEND"
                 and f.get("Message-ID")]
        assert {f.get("To-Path") for f in sends} == {m.ep.path}
        assert {f.get("From-Path") for f in sends} == {" ".join(m.sdp_offer().path)}
        frames += len(sends)
    assert len([f for f in bob.ep.frames if f.get("Message-ID") == mid]) > 1
    assert spliced(server) - before == frames
    end_session(alice, [bob, carol])


def test_spoofed_cpim_from(server, members, released):
    """MS-3 1: a SEND whose CPIM From is not its sender gets MSRP 403,
    nobody receives it, and the session goes on."""
    alice, bob, carol = members("alice", "bob", "carol")
    ident = start_adhoc(server, alice, [bob, carol])
    forged = cpim.build(me(server, carol), f"<{ident}>", "I am carol")
    refused(bob, bob.ep.send_message(forged, content_type="message/cpim"), 403)
    wait_until(lambda: re.search(r"CPIM From <?sip:carol@home1\.net>? is not",
                                 server.relay.proc.log_text()), 10, "the relay's log line")
    honest = cpim.build(me(server, bob), f"<{ident}>", "I am bob")
    _, tids = bob.ep.send_message(honest, content_type="message/cpim")
    assert bob.ep.wait_response(tids[0]).status == 200
    # the first message each receives is the honest one
    for m in (alice, carol):
        assert m.ep.wait_message().body == honest
        nothing_more(m, 1, timeout=0.3)
    end_session(alice, [bob, carol])


def test_max_size_skip_reported(server, members, released):
    """MS-3 2, NNI-18: carol's a=max-size is 200: a 1000-byte message
    skips her and its sender gets a failure REPORT 413; bob gets it; a
    small message still reaches carol."""
    alice, bob, carol = members("alice", "bob", "carol")
    ident = start_adhoc(server, alice, [bob, carol], carol={"max_size": 200})
    big = cpim.build(me(server, alice), f"<{ident}>", "x" * 1000)
    mid, tids = alice.ep.send_message(big, content_type="message/cpim")
    assert alice.ep.wait_response(tids[0]).status == 200
    report = alice.ep.wait_report(mid)
    assert report.get("Status").split()[1] == "413"
    assert bob.ep.wait_message().body == big
    small = cpim.build(me(server, alice), f"<{ident}>", "short")
    alice.ep.send_message(small, content_type="message/cpim")
    assert carol.ep.wait_message().body == small
    assert bob.ep.wait_message(index=1).body == small
    end_session(alice, [bob, carol])


def test_iscomposing_and_file_transfer(server, members, released):
    """MS-7, D-18, MS-1 (cut-through): an isComposing indication in CPIM
    and a 1 MiB binary file sent in 64 KiB chunks with Content-Disposition
    attachment reach both others byte-exact."""
    alice, bob, carol = members("alice", "bob", "carol")
    ident = start_adhoc(server, alice, [bob, carol])
    composing = cpim.build(me(server, bob), f"<{ident}>", ISCOMPOSING,
                           content_type="application/im-iscomposing+xml")
    bob.ep.send_message(composing, content_type="message/cpim")
    for m in (alice, carol):
        got = m.ep.wait_message()
        assert got.body == composing
    data = os.urandom(1024 * 1024)
    head = cpim.build(me(server, alice), f"<{ident}>", data,
                      content_type="application/octet-stream")
    # the attachment's disposition among the MIME headers of the payload
    cut = head.index(b"Content-Length:")
    wrapped = head[:cut] + b'Content-Disposition: attachment; filename="x.bin"\r\n' + head[cut:]
    mid, tids = alice.ep.send_message(wrapped, content_type="message/cpim",
                                      chunk_size=64 * 1024)
    assert len(tids) == 17
    for m in (bob, carol):
        got = m.ep.wait_message(timeout=30, index=1 if m is carol else 0)
        assert got.message_id == mid
        assert got.body == wrapped
    end_session(alice, [bob, carol])


@pytest.fixture(scope="module")
def strict_server(tmp_path_factory):
    """A domain whose operator policy refuses private messages in ad-hoc
    sessions (D-21: CF_PRIVATE_MESSAGES 0) and sends no chat alias
    notice (D-22: CF_ALIAS_NOTICE 0)."""
    yield from one_server(tmp_path_factory.mktemp("im-strict"),
                          defines={"CF_PRIVATE_MESSAGES": "0", "CF_ALIAS_NOTICE": "0"})


def test_private_refused_by_policy(strict_server, members):
    """MS-4, D-21: private messages are not allowed: MSRP 403 to the
    sender, nobody receives it, broadcasts go on."""
    server = strict_server
    alice, bob, carol = members("alice", "bob", "carol", srv=server)
    ident = start_adhoc(server, alice, [bob, carol])
    private = cpim.build(me(server, bob), me(server, carol), "psst")
    refused(bob, bob.ep.send_message(private, content_type="message/cpim"), 403)
    public = cpim.build(me(server, bob), f"<{ident}>", "hello all")
    bob.ep.send_message(public, content_type="message/cpim")
    for m in (alice, carol):
        assert m.ep.wait_message().body == public
        nothing_more(m, 1, timeout=0.3)
    end_session(alice, [bob, carol])
    wait_all_released(server)


def test_alias_notice_off(strict_server, members):
    """D-22 switched off (alias_notice 0): anonymous alice gets no alias
    notice; the first message she gets is the system message sent after
    she joined."""
    server = strict_server
    alice, bob = members("alice", "bob", srv=server)
    start_adhoc(server, alice, [bob], headers=[("Privacy", "id")])
    assert alias_of(server, alice)[0].endswith("@anonymous.invalid")
    sid = server.rpc.call("im_cf.list")[0]["id"]
    assert server.rpc.call("im_cf.message", sid, "welcome") == 2
    assert cpim.parse(alice.ep.wait_message().body).body == b"welcome"
    end_session(alice, [bob])
    wait_all_released(server)


def test_system_message(server, members, released):
    """MS-5: im_cf.message sends each connected participant its own
    message/cpim from '<service> <session identity>' to its address;
    a bad service name or an unknown session is refused."""
    alice, bob, carol = members("alice", "bob", "carol")
    ident = start_adhoc(server, alice, [bob, carol])
    sid = server.rpc.call("im_cf.list")[0]["id"]
    assert server.rpc.call("im_cf.message", sid, "maintenance at 10:00") == 3
    assert server.rpc.call("im_cf.message", sid, "new rules", "Announcement") == 3
    for m in (alice, bob, carol):
        for i, (service, text) in enumerate([("SysAdmin", b"maintenance at 10:00"),
                                             ("Announcement", b"new rules")]):
            got = m.ep.wait_message(index=i)
            assert got.content_type == "message/cpim"
            msg = cpim.parse(got.body)
            assert msg.get("From") == f"{service} <{ident}>"
            assert msg.get("To") == f"<{server.uri(m.ua.user)}>"
            assert msg.body == text
    with pytest.raises(RpcError, match="service"):
        server.rpc.call("im_cf.message", sid, "x", "Sys Admin")
    with pytest.raises(RpcError, match="404"):
        server.rpc.call("im_cf.message", "nosuchsession", "x")
    end_session(alice, [bob, carol])


EXTERNAL = 'message/external-body; access-type=URL; URL="http://home1.net/rules.txt"'


def test_system_message_content_types(server, members, released):
    """MS-5: im_cf.message with a content type: the CPIM of each
    participant's system message carries the text with that type
    (message/external-body, text/html); a content type that is no
    type/subtype[; attribute=value] is refused (400 naming it) and sends
    nothing."""
    alice, bob, carol = members("alice", "bob", "carol")
    ident = start_adhoc(server, alice, [bob, carol])
    sid = server.rpc.call("im_cf.list")[0]["id"]
    sent = [("Announcement", EXTERNAL, b"Content-Type: text/plain\r\n\r\n"),
            ("SysAdmin", "text/html", b"<p>maintenance at <b>10:00</b></p>")]
    for service, ctype, text in sent:
        assert server.rpc.call("im_cf.message", sid, text.decode(), service, ctype) == 3
    for bad in ("text", "text/plain\r\nX-Evil: 1", "text/plain; charset",
                "text/(html)", "text/plain; a=\"open"):
        with pytest.raises(RpcError, match="400: content-type") as err:
            server.rpc.call("im_cf.message", sid, "x", "SysAdmin", bad)
        assert "type/subtype" in err.value.message
    # an empty content type is the default, text/plain
    assert server.rpc.call("im_cf.message", sid, "last", "SysAdmin", "") == 3
    sent.append(("SysAdmin", "text/plain;charset=UTF-8", b"last"))
    for m in (alice, bob, carol):
        for i, (service, ctype, text) in enumerate(sent):
            got = m.ep.wait_message(index=i)
            assert got.content_type == "message/cpim"
            msg = cpim.parse(got.body)
            assert msg.get("From") == f"{service} <{ident}>"
            assert msg.get("To") == me(server, m)
            assert msg.content_type == ctype
            assert msg.body == text
    end_session(alice, [bob, carol])


def alias_of(server, m):
    """m's chat alias as im_cf.show gives it: (URI, display)."""
    sid = server.rpc.call("im_cf.list")[0]["id"]
    users = server.rpc.call("im_cf.show", sid)["users"]
    (u,) = [u for u in users if u["uri"] == server.uri(m.ua.user)]
    return u["alias"], u["alias_display"]


def test_alias_notice(server, members, released):
    """D-22, MS-2, SP-7: alice asks for privacy as "Chatter"; once her
    MSRP session is up she alone gets one message/cpim From the session
    identity To her alias, whose text names the alias and nobody's
    address; bob and carol get no such message (their first message is
    the system message sent afterwards, which alice gets second)."""
    alice, bob, carol = members("alice", "bob", "carol")
    alice.ua.display = "Chatter"
    ident = start_adhoc(server, alice, [bob, carol], headers=[("Privacy", "id")])
    alias, display = alias_of(server, alice)
    assert alias.endswith("@anonymous.invalid") and display == "Chatter"
    got = alice.ep.wait_message()
    assert got.content_type == "message/cpim"
    msg = cpim.parse(got.body)
    assert msg.get("From") == f"<{ident}>"
    assert msg.get("To") == f'"Chatter" <{alias}>'
    assert msg.content_type.startswith("text/plain")
    assert msg.body == f'You appear as "Chatter" <{alias}>'.encode()
    for name in ("alice", "bob", "carol"):
        assert name.encode() not in got.body.lower(), name
    sid = server.rpc.call("im_cf.list")[0]["id"]
    assert server.rpc.call("im_cf.message", sid, "welcome") == 3
    for m, index in ((alice, 1), (bob, 0), (carol, 0)):
        assert cpim.parse(m.ep.wait_message(index=index).body).body == b"welcome"
    end_session(alice, [bob, carol])


def test_alias_notice_wrapped_for_who_takes_multipart(server, members, released):
    """D-22: alice, anonymous, offers accept-types that take
    multipart/mixed: her alias notice comes as D-22 says, a
    multipart/mixed whose one part is the message/cpim From the session
    identity To her alias (a participant whose accept-types lack it gets
    the bare message/cpim: test_alias_notice)."""
    alice, bob = members("alice", "bob")
    alice.ua.display = "Chatter"
    alice.invite_factory(FACTORY, [server.uri("bob")], headers=[("Privacy", "id")],
                         sdp=alice.offer(accept_types="message/cpim multipart/mixed"))
    bob.wait_invitation()
    bob.accept()
    bob.wait_ack()
    alice.established()
    alice.connect()
    bob.connect()
    ident = identity_of(server)
    alias, _ = alias_of(server, alice)
    got = alice.ep.wait_message()
    assert got.content_type.startswith("multipart/mixed")
    boundary = got.content_type.split("boundary=")[1].strip('"')
    parts = [p for p in got.body.split(b"--" + boundary.encode()) if p.strip(b"\r\n-")]
    assert len(parts) == 1
    head, _, inner = parts[0].strip(b"\r\n").partition(b"\r\n\r\n")
    assert head == b"Content-Type: message/cpim"
    msg = cpim.parse(inner)
    assert msg.get("From") == f"<{ident}>"
    assert msg.get("To") == f'"Chatter" <{alias}>'
    assert msg.body == f'You appear as "Chatter" <{alias}>'.encode()
    end_session(alice, [bob])


FINAL_NS = "urn:oma:xml:poc:final-report"


def final_report_of(got):
    """The App O document in a message/cpim the switch sent (D-23)."""
    assert got.content_type == "message/cpim"
    msg = cpim.parse(got.body)
    assert msg.content_type == "application/vnd.oma.poc.final-report+xml"
    return msg, ET.fromstring(msg.body)


def send_asking_report(server, sender, ident, text):
    """sender's SEND to the session asks for a final report (C-8: NS and
    Final-Report: yes in its CPIM); the switch takes it. (body, mid)"""
    body = cpim.build(me(server, sender), f"<{ident}>", text,
                      headers=[("NS", f"fr <{FINAL_NS}>"), ("fr.Final-Report", "yes")])
    mid, tids = sender.ep.send_message(body, content_type="message/cpim")
    assert sender.ep.wait_response(tids[0]).status == 200
    return body, mid


def final_legs(server, sender, ident, mid):
    """The final report sender gets for mid: from the session identity to
    sender, last="true"; its legs as {uri: (status, max-size)}."""
    msg, doc = final_report_of(sender.ep.wait_message())
    assert msg.get("From") == f"<{ident}>"
    assert msg.get("To") == me(server, sender)
    assert doc.tag == f"{{{FINAL_NS}}}final"
    assert doc.get("Message-ID") == mid and doc.get("last") == "true"
    return {leg.get("uri"): (leg.get("status"), leg.get("max-size"))
            for leg in doc.findall(f"{{{FINAL_NS}}}leg")}


def test_final_delivery_report(server, members, released):
    """C-8, MS-3 2, App O, D-23: alice's SEND asks for a final report:
    the switch asks each recipient for a success report, and alice then
    gets one report from the session identity: bob delivered (200),
    carol skipped for her max-size (9999 with max-size), dave refused it
    (415); last="true"."""
    alice, bob, carol, dave = members("alice", "bob", "carol", "dave")
    ident = start_adhoc(server, alice, [bob, carol, dave],
                        carol={"max_size": 200})
    dave.ep.respond = 415
    body, mid = send_asking_report(server, alice, ident, "y" * 300)
    got = bob.ep.wait_message()
    assert got.body == body
    assert dict(got.headers).get("Success-Report") == "yes"
    assert final_legs(server, alice, ident, mid) == {
        server.uri("bob"): ("200", None),
        server.uri("carol"): ("9999", "200"),
        server.uri("dave"): ("415", None)}
    # a message without the request gets no report
    dave.ep.respond = 200
    plain = cpim.build(me(server, alice), f"<{ident}>", "no report")
    alice.ep.send_message(plain, content_type="message/cpim")
    assert dave.ep.wait_message().body == plain
    nothing_more(alice, 1, timeout=0.5)
    end_session(alice, [bob, carol, dave])


def test_final_report_in_a_report(server, members, released):
    """C-8, OMA TS 5.7.3 1, D-23: alice's SEND asks for MSRP REPORTs
    (Success-Report: yes) and for a final report: the switch confirms the
    message in a REPORT of its own, then sends the final report in a
    second REPORT about the same Message-ID (Byte-Range of the whole
    message, Status 200) whose body is the App O document; no SEND
    carries it."""
    alice, bob, carol = members("alice", "bob", "carol")
    ident = start_adhoc(server, alice, [bob, carol])
    body = cpim.build(me(server, alice), f"<{ident}>", "report back, please",
                      headers=[("NS", f"fr <{FINAL_NS}>"), ("fr.Final-Report", "yes")])
    mid, tids = alice.ep.send_message(body, content_type="message/cpim",
                                      success_report=True)
    assert alice.ep.wait_response(tids[0]).status == 200
    for m in (bob, carol):
        assert m.ep.wait_message().body == body
    with_body = alice.ep._wait(
        lambda: next((r for r in alice.ep.reports
                      if r.get("Message-ID") == mid and r.body), None),
        10, "the final report in a REPORT")
    own = [r for r in alice.ep.reports if r.get("Message-ID") == mid and not r.body]
    assert [r.get("Status") for r in own] == ["000 200 OK"]
    assert with_body.get("Content-Type") == "application/vnd.oma.poc.final-report+xml"
    assert with_body.get("Byte-Range") == f"1-{len(body)}/{len(body)}"
    assert with_body.get("Status") == "000 200 OK"
    doc = ET.fromstring(with_body.body)
    assert doc.tag == f"{{{FINAL_NS}}}final"
    assert doc.get("Message-ID") == mid and doc.get("last") == "true"
    assert {leg.get("uri"): leg.get("status") for leg in doc.findall(f"{{{FINAL_NS}}}leg")} \
        == {server.uri("bob"): "200", server.uri("carol"): "200"}
    nothing_more(alice, 0, timeout=0.5)
    end_session(alice, [bob, carol])


@pytest.fixture(scope="module")
def short_report_server(tmp_path_factory):
    """A domain whose final delivery reports wait at most 1 s for the
    recipients' REPORTs (C-8: CF_FINAL_REPORT_TIMEOUT)."""
    yield from one_server(tmp_path_factory.mktemp("im-fr-timeout"),
                          defines={"CF_FINAL_REPORT_TIMEOUT": "1"})


def final_stats(server):
    st = server.rpc.call("im_cf.stats")
    return st["final_reports_pending"], st["final_reports_timed_out"]


def test_final_report_after_timeout(short_report_server, members):
    """C-8, OMA TS 5.7.3, App O: dave accepts alice's SEND (200) but never
    sends its REPORT; once final_report_timeout has passed alice still
    gets her report, last="true": bob and carol delivered (200), dave
    408 (no outcome in time). Nothing waits any more, and dave's REPORT
    coming late brings no second report."""
    server = short_report_server
    alice, bob, carol, dave = members("alice", "bob", "carol", "dave",
                                      srv=server)
    ident = start_adhoc(server, alice, [bob, carol, dave])
    dave.ep.send_reports = False
    body, mid = send_asking_report(server, alice, ident, "are you there?")
    for m in (bob, carol, dave):
        got = m.ep.wait_message()
        assert got.body == body
        assert dict(got.headers).get("Success-Report") == "yes"
    assert final_legs(server, alice, ident, mid) == {
        server.uri("bob"): ("200", None),
        server.uri("carol"): ("200", None),
        server.uri("dave"): ("408", None)}
    assert final_stats(server) == (0, 1)
    late = dave.ep.wait_message()
    dave.ep.send_report(late.from_path, mid, f"1-{late.total}/{late.total}",
                        "000 200 OK")
    nothing_more(alice, 1, timeout=0.5)
    end_session(alice, [bob, carol, dave])
    wait_all_released(server)


def test_final_report_goes_with_its_session(server, members, released):
    """C-8: a final report still waiting for dave's REPORT when the session
    is released has nobody to go to: it is freed with the session
    (final_reports_pending back to 0), not kept until its timeout."""
    alice, bob, dave = members("alice", "bob", "dave")
    ident = start_adhoc(server, alice, [bob, dave])
    dave.ep.send_reports = False
    body, _ = send_asking_report(server, alice, ident, "bye soon")
    for m in (bob, dave):
        assert m.ep.wait_message().body == body
    timed_out = final_stats(server)[1]
    wait_until(lambda: final_stats(server) == (1, timed_out), 10,
               "the final report waiting for dave")
    end_session(alice, [bob, dave])
    wait_until(lambda: final_stats(server) == (0, timed_out), 10,
               "the waiting final report freed with its session")


LARGE_TAG = "+g.oma.sip-im.large-message"


# LM-4: a=lines of the sender's MSRP media that describe the message; the
# focus's invitations repeat them (OMA TS 9.3.2.1 4 c)
LARGE_WRAPPED = "application/octet-stream"
LARGE_SELECTOR = 'name:"large.bin" type:application/octet-stream size:307200'
LARGE_ATTRS = ["a=max-size:1048576", f"a=file-selector:{LARGE_SELECTOR}",
               "a=file-disposition:attachment"]


def large_invite(server, sender, recipients):
    """LM-1: a factory INVITE asking for a Large Message session, with a
    sendonly offer describing the message; the recipients' invitations
    arrive."""
    sender.invite_factory(FACTORY, [server.uri(m.ua.user) for m in recipients],
                          headers=[("Accept-Contact", f"*;{LARGE_TAG}")],
                          sdp=sender.offer(direction="sendonly",
                                           accept_wrapped=LARGE_WRAPPED,
                                           extra=LARGE_ATTRS))
    for m in recipients:
        req = m.wait_invitation()
        # LM-4, D-28: the tag in Accept-Contact and Contact, a=sendonly
        assert LARGE_TAG in req.msg.get("accept-contact")
        assert LARGE_TAG in req.msg.get("contact")
        offer = m.sdp_offer()
        assert offer.attr("sendonly") == ""
        # LM-4: every a= line of the sender's MSRP media besides the
        # switch's own path, accept-types (D-18) and direction
        assert offer.attr("max-size") == "1048576"
        assert offer.attr("file-selector") == LARGE_SELECTOR
        assert offer.attr("file-disposition") == "attachment"
        wrapped = [l for l in offer.media[0][1]
                   if l.startswith("a=accept-wrapped-types")]
        assert wrapped == [f"a=accept-wrapped-types:{LARGE_WRAPPED}"]
        assert offer.attr("accept-types") == "message/cpim"
        assert offer.path and offer.path != Sdp(sender.sdp_sent).path


def start_large(server, sender, recipients):
    """A Large Message session set up: the recipients answer recvonly,
    the sender gets its 200, the media are connected. Returns the
    sender's 200 and the session identity."""
    large_invite(server, sender, recipients)
    for m in recipients:
        m.accept(direction="recvonly")
        m.wait_ack()
    final = sender.established()
    for m in [sender] + list(recipients):
        m.connect()
    return final, identity_of(server)


def test_large_message_to_adhoc_list(server, members, released):
    """LM-1, LM-4, LM-3, MS-6, D-28: alice sends one large message to bob
    and carol: their legs are recvonly, alice's answer recvonly; the 300
    KiB message reaches both byte-exact; a private message is refused (MSRP
    403); alice's BYE ends both legs."""
    alice, bob, carol = members("alice", "bob", "carol")
    final, ident = start_large(server, alice, [bob, carol])
    assert final.get("server") == "IM-serv/OMA1.0"
    assert Sdp(final.body).attr("recvonly") == ""
    data = os.urandom(300 * 1024)
    body = cpim.build(me(server, alice), f"<{ident}>", data,
                      content_type="application/octet-stream")
    mid, _ = alice.ep.send_message(body, content_type="message/cpim",
                                   chunk_size=100 * 1024)
    for m in (bob, carol):
        got = m.ep.wait_message(timeout=30)
        assert (got.message_id, got.body) == (mid, body)
    # MS-6: only the session identity as CPIM To
    private = cpim.build(me(server, alice), me(server, bob), "just bob")
    refused(alice, alice.ep.send_message(private, content_type="message/cpim"), 403)
    end_session(alice, [bob, carol])


def test_large_message_cancelled(server, members, released):
    """LM-2: alice CANCELs before any recipient answers: the outstanding
    invitations are CANCELled and her INVITE ends with 487."""
    alice, bob, carol = members("alice", "bob", "carol")
    large_invite(server, alice, [bob, carol])
    for m in (bob, carol):
        m.req.reply(180)
    assert alice.call.cancel().status == 200
    assert alice.call.wait_final().status == 487
    for m in (bob, carol):
        assert m.ua.wait_request("CANCEL").msg.call_id == m.req.msg.call_id


def test_large_message_released_by_sender(server, members, released):
    """LM-3, LM-4 (OMA TS 9.3.1.3, 9.4.2): the focus does not end a Large
    Message session because the message was delivered: the sender's BYE
    after it does. Then the sender gets 200, each recipient a BYE, and
    nothing is left: no im_cf session, no call, no relay session."""
    alice, bob, carol = members("alice", "bob", "carol")
    _, ident = start_large(server, alice, [bob, carol])
    body = cpim.build(me(server, alice), f"<{ident}>", os.urandom(64 * 1024),
                      content_type=LARGE_WRAPPED)
    mid, tids = alice.ep.send_message(body, content_type="message/cpim",
                                      chunk_size=16 * 1024)
    assert alice.ep.wait_response(tids[-1]).status == 200
    for m in (bob, carol):
        got = m.ep.wait_message(timeout=30)
        assert (got.message_id, got.body) == (mid, body)
    # delivered, and the session is still there with all three in it
    show = server.rpc.call("im_cf.list")
    assert [s["identity"] for s in show] == [ident]
    end_session(alice, [bob, carol])
