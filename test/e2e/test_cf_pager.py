"""The group pager of the controlling function (OMA TS 8.3, E2E-20):
a MESSAGE with a resource list to the exploder (factory) URI, answered
202 and sent to every recipient (PM-1, PM-2, RFC 5365), and the IMDNs of
the recipients aggregated under Ts2 (PM-3..PM-5, RFC 5438 8.3).

Every test ends with nothing pending: no im_cf session or group message
(im_cf.list, im_cf.pager), no im_ua call, no relay session."""

import re

import pytest

from conftest import one_server, two_domains
from imtest.procs import wait_until

FACTORY = "sip:conference-factory@home1.net"
TS2 = 3
BOUNDARY = "grp-boundary"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    yield from one_server(tmp_path_factory.mktemp("cfpager"),
                          defines={"CF_FACTORY": f'"{FACTORY}"', "CF_PAGER_TS2": str(TS2),
                                   "CF_PAGER_MAX_SIZE": "2000", "CF_MAX_PARTICIPANTS": "4"})


@pytest.fixture(autouse=True)
def nothing_left(server):
    """The end check of every test: the pager, im_cf, im_ua and the relay
    hold nothing (Ts2 may still run for a moment after the last IMDN)."""
    yield

    def idle():
        return (server.rpc.call("im_cf.pager") == [] and server.rpc.call("im_cf.list") == []
                and server.released())
    wait_until(idle, TS2 + 10, "group messages, sessions, calls and relay sessions to end")


def rlist(*entries):
    """A resource list; an entry is a URI or (URI, copyControl)."""
    items = []
    for e in entries:
        uri, cc = (e, None) if isinstance(e, str) else e
        attr = f' cp:copyControl="{cc}"' if cc else ""
        items.append(f'<entry uri="{uri}"{attr}/>')
    return ('<?xml version="1.0" encoding="UTF-8"?>\r\n'
            '<resource-lists xmlns="urn:ietf:params:xml:ns:resource-lists" '
            'xmlns:cp="urn:ietf:params:xml:ns:copycontrol">'
            f'<list>{"".join(items)}</list></resource-lists>')


def cpim(sender, text, message_id=None, notify=None):
    head = [f"From: <{sender}>", "To: <sip:anonymous@anonymous.invalid>",
            "DateTime: 2026-12-06T10:00:00Z"]
    if notify:
        head += ["NS: imdn <urn:ietf:params:imdn>", f"imdn.Message-ID: {message_id}",
                 f"imdn.Disposition-Notification: {notify}"]
    return ("\r\n".join(head) + "\r\n\r\nContent-Type: text/plain\r\n\r\n" + text)


def group_body(part_type, part, xml):
    return (f"--{BOUNDARY}\r\nContent-Type: {part_type}\r\n\r\n{part}\r\n"
            f"--{BOUNDARY}\r\nContent-Type: application/resource-lists+xml\r\n"
            f"Content-Disposition: recipient-list\r\n\r\n{xml}\r\n--{BOUNDARY}--\r\n")


def send_group(ua, body, require=True, headers=()):
    h = [("Require", "recipient-list-message")] if require else []
    return ua.request("MESSAGE", FACTORY, body=body,
                      content_type=f'multipart/mixed;boundary="{BOUNDARY}"',
                      headers=h + list(headers))


def part_of(msg, ctype):
    """The part of type ctype in msg's multipart body (or the body)."""
    body = msg.body.decode()
    if not msg.get("content-type", "").startswith("multipart/"):
        return body if msg.get("content-type", "").startswith(ctype) else None
    b = re.search(r'boundary="?([^";]+)"?', msg.get("content-type")).group(1)
    for chunk in body.split("--" + b)[1:-1]:
        head, _, content = chunk.strip("\r\n").partition("\r\n\r\n")
        if re.search(r"(?im)^content-type:\s*" + re.escape(ctype), head):
            return content
    return None


@pytest.fixture
def users(make_ua):
    # over TCP: a group MESSAGE (message, resource list) is over 1300 bytes,
    # which the server never sends over UDP (MSG-04)
    alice, bob, carol, dave = (make_ua(u, transport="tcp")
                               for u in ("alice", "bob", "carol", "dave"))
    return alice, bob, carol, dave


def test_three_recipients_get_the_message_from_the_sender(server, users):
    """PM-1 step 12: 202; PM-2: each recipient gets one MESSAGE with the
    sender's identity, Accept-Contact +g.oma.sip-im and the message part
    unmodified; the list comes as recipient-list-history (RFC 5365 7.3)."""
    alice, bob, carol, dave = users
    for u in (bob, carol, dave):
        u.auto_reply["MESSAGE"] = 200
    xml = rlist(server.uri("bob"), server.uri("carol"), server.uri("dave"))
    resp = send_group(alice, group_body("text/plain;charset=UTF-8", "hello group", xml))
    assert resp.status == 202
    for u in (bob, carol, dave):
        req = u.wait_request("MESSAGE").msg
        assert req.from_.uri == server.uri("alice")
        assert server.uri("alice") in req.get("p-asserted-identity"), req
        assert "+g.oma.sip-im" in req.get("accept-contact")
        assert part_of(req, "text/plain") == "hello group"
        history = part_of(req, "application/resource-lists+xml")
        assert history is not None
        for other in ("bob", "carol", "dave"):
            assert server.uri(other) in history
        assert u.no_request("MESSAGE")
    stats = server.rpc.call("im_cf.stats")
    assert stats["pager_messages"] >= 1 and stats["pager_sent"] >= 3


def test_bcc_recipients_hidden_in_history(server, users):
    """NNI-16, RFC 5364: a bcc entry receives the message but appears in
    nobody's recipient-list-history."""
    alice, bob, carol, _ = users
    bob.auto_reply["MESSAGE"] = 200
    carol.auto_reply["MESSAGE"] = 200
    xml = rlist((server.uri("bob"), "to"), (server.uri("carol"), "bcc"))
    assert send_group(alice, group_body("text/plain", "secret cc", xml)).status == 202
    for u in (bob, carol):
        req = u.wait_request("MESSAGE").msg
        assert part_of(req, "text/plain") == "secret cc"
        history = part_of(req, "application/resource-lists+xml")
        assert history is None or server.uri("carol") not in history


def test_failed_recipient_gives_failure_imdn(server, users):
    """PM-5: carol refuses the message (486; offline she would have it
    stored, DM-2); the sender asked for negative-delivery: after Ts2 it
    gets a failure IMDN for carol, and bob's message went."""
    alice, bob, carol, _ = users
    bob.auto_reply["MESSAGE"] = 200
    alice.auto_reply["MESSAGE"] = 200
    carol.auto_reply["MESSAGE"] = 486
    body = cpim(server.uri("alice"), "are you there", "msg-fail-1", "negative-delivery")
    xml = rlist(server.uri("bob"), server.uri("carol"))
    assert send_group(alice, group_body("message/cpim", body, xml)).status == 202
    got = bob.wait_request("MESSAGE").msg
    assert part_of(got, "message/cpim") == body
    note = alice.wait_request("MESSAGE", timeout=TS2 + 10).msg
    text = note.body.decode()
    assert note.get("content-type").startswith("message/cpim")
    assert "<message-id>msg-fail-1</message-id>" in text
    assert "<failed/>" in text and server.uri("carol") in text
    assert "Content-Disposition: notification" in text


def test_two_delivered_imdns_aggregated(server, users):
    """PM-3, PM-4, RFC 5438 8.3: the IMDNs bob and carol send back while
    Ts2 runs are kept (answered 200) and reach the sender in one MESSAGE,
    a multipart/mixed of both documents."""
    alice, bob, carol, _ = users
    bob.auto_reply["MESSAGE"] = 200
    carol.auto_reply["MESSAGE"] = 200
    alice.auto_reply["MESSAGE"] = 200
    body = cpim(server.uri("alice"), "ack me", "msg-agg-1", "positive-delivery")
    xml = rlist(server.uri("bob"), server.uri("carol"))
    assert send_group(alice, group_body("message/cpim", body, xml)).status == 202
    for u in (bob, carol):
        u.wait_request("MESSAGE")
        doc = ('<?xml version="1.0" encoding="UTF-8"?>\r\n'
               '<imdn xmlns="urn:ietf:params:xml:ns:imdn">'
               '<message-id>msg-agg-1</message-id>'
               '<datetime>2026-12-06T10:00:00Z</datetime>'
               f'<recipient-uri>{u.aor}</recipient-uri>'
               '<delivery-notification><status><delivered/></status>'
               '</delivery-notification></imdn>')
        wrapped = (f"From: <{u.aor}>\r\nTo: <{server.uri('alice')}>\r\n"
                   "NS: imdn <urn:ietf:params:imdn>\r\nimdn.Message-ID: n-" + u.user + "\r\n"
                   "DateTime: 2026-12-06T10:00:01Z\r\n\r\n"
                   "Content-Type: message/imdn+xml\r\nContent-Disposition: notification\r\n\r\n"
                   + doc)
        r = u.message(server.uri("alice"), wrapped, content_type="message/cpim")
        assert r.status == 200
    note = alice.wait_request("MESSAGE", timeout=TS2 + 10).msg
    text = note.body.decode()
    assert "multipart/mixed" in text
    assert text.count("<delivered/>") == 2
    assert server.uri("bob") in text and server.uri("carol") in text
    assert alice.no_request("MESSAGE", timeout=0.5)


@pytest.mark.parametrize("case", ["no-require", "unknown-require"])
def test_service_not_asked_is_420(server, users, case):
    """PM-1 step 1, RFC 5365: a list without Require: recipient-list-message
    is 420 + Warning 122; another required tag is 420 + Unsupported."""
    alice, bob, _, _ = users
    xml = rlist(server.uri("bob"))
    body = group_body("text/plain", "hi", xml)
    if case == "no-require":
        resp = send_group(alice, body, require=False)
        assert resp.status == 420
        assert re.search(r'399 \S+ "122 ', resp.get("warning"))
        assert resp.get("supported") == "recipient-list-message"
    else:
        resp = send_group(alice, body, headers=[("Require", "foo-bar")])
        assert resp.status == 420
        assert resp.get("unsupported") == "foo-bar"
    assert bob.no_request("MESSAGE")


def test_too_many_recipients_is_486(server, users):
    """PM-1 steps 4/8 (D-36): more recipients than max_participants - 1."""
    alice, bob, *_ = users
    xml = rlist(*[f"sip:u{i}@home1.net" for i in range(4)])
    resp = send_group(alice, group_body("text/plain", "x", xml))
    assert resp.status == 486
    assert re.search(r'399 \S+ "102 ', resp.get("warning"))
    assert bob.no_request("MESSAGE")


@pytest.mark.parametrize("xml", [
    "<resource-lists", "<?xml version='1.0'?><resource-lists "
    "xmlns='urn:ietf:params:xml:ns:resource-lists'><list/></resource-lists>",
    "not xml at all"])
def test_malformed_list_is_400(server, users, xml):
    """PM-1 and lib/im_rlist: an unreadable or empty list is 400; the
    server goes on serving."""
    alice, bob, *_ = users
    assert send_group(alice, group_body("text/plain", "x", xml)).status == 400
    bob.auto_reply["MESSAGE"] = 200
    assert send_group(alice, group_body("text/plain", "after", rlist(server.uri("bob")))).status == 202
    assert part_of(bob.wait_request("MESSAGE").msg, "text/plain") == "after"


def test_oversized_message_is_413(server, users):
    """The message part over pager_max_size is refused before anything is
    sent."""
    alice, bob, *_ = users
    resp = send_group(alice, group_body("text/plain", "y" * 2500, rlist(server.uri("bob"))))
    assert resp.status == 413
    assert bob.no_request("MESSAGE")


def test_no_message_part_is_415(server, users):
    alice, bob, *_ = users
    resp = send_group(alice, group_body("application/octet-stream", "zz",
                                        rlist(server.uri("bob"))))
    assert resp.status == 415
    assert bob.no_request("MESSAGE")


def test_imdn_after_ts2_goes_straight_to_the_sender(server, users):
    """PM-3 step 1: once Ts2 has expired an IMDN for the group message is
    no longer kept: it reaches the sender as bob sent it."""
    alice, bob, *_ = users
    bob.auto_reply["MESSAGE"] = 200
    alice.auto_reply["MESSAGE"] = 200
    body = cpim(server.uri("alice"), "late ack", "msg-late-1", "positive-delivery")
    assert send_group(alice, group_body("message/cpim", body,
                                        rlist(server.uri("bob")))).status == 202
    bob.wait_request("MESSAGE")
    pending = server.rpc.call("im_cf.pager")
    assert [p["message_id"] for p in pending] == ["msg-late-1"]
    assert pending[0]["ts2_left"] >= 0
    wait_until(lambda: server.rpc.call("im_cf.pager") == [], TS2 + 10, "Ts2 to expire")
    doc = ('<?xml version="1.0" encoding="UTF-8"?>\r\n'
           '<imdn xmlns="urn:ietf:params:xml:ns:imdn"><message-id>msg-late-1</message-id>'
           '<datetime>2026-12-06T10:00:00Z</datetime>'
           '<delivery-notification><status><delivered/></status></delivery-notification></imdn>')
    assert bob.message(server.uri("alice"), doc, content_type="message/imdn+xml").status == 200
    got = alice.wait_request("MESSAGE").msg
    assert got.from_.uri == server.uri("bob")
    assert got.body.decode() == doc


@pytest.fixture(scope="module")
def strict_server(tmp_path_factory):
    """A server whose controlling function allows no anonymity."""
    yield from one_server(tmp_path_factory.mktemp("cfpager-strict"),
                          defines={"CF_FACTORY": f'"{FACTORY}"', "CF_ALLOW_ANONYMITY": "0"})


def test_anonymity_refused_by_policy(strict_server, make_ua):
    """PM-1 step 7: privacy asked while the server allows no anonymity is
    403 + 119; the same message without privacy is sent."""
    alice = make_ua("alice", srv=strict_server)
    bob = make_ua("bob", srv=strict_server)
    bob.auto_reply["MESSAGE"] = 200
    body = group_body("text/plain", "who am i", rlist(strict_server.uri("bob")))
    resp = send_group(alice, body, headers=[("Privacy", "id")])
    assert resp.status == 403
    assert re.search(r'399 \S+ "119 ', resp.get("warning"))
    assert bob.no_request("MESSAGE")
    assert send_group(alice, body).status == 202
    assert part_of(bob.wait_request("MESSAGE").msg, "text/plain") == "who am i"
    assert strict_server.rpc.call("im_cf.stats")["refused"] >= 1


def test_anonymous_sender_hidden_from_recipients(server, users):
    """PM-2 with privacy allowed: the recipient sees an anonymous From,
    never the sender's address."""
    alice, bob, *_ = users
    bob.auto_reply["MESSAGE"] = 200
    body = group_body("text/plain", "guess who", rlist(server.uri("bob")))
    assert send_group(alice, body, headers=[("Privacy", "id")]).status == 202
    got = bob.wait_request("MESSAGE").msg
    assert got.from_.uri == "sip:anonymous@anonymous.invalid"
    assert all(server.uri("alice") not in v for _, v in got.headers), [h for h in got.headers if "alice" in h[1]]
    assert part_of(got, "text/plain") == "guess who"


def test_own_asserted_identity_is_not_the_sender(server, users):
    """C-1, RFC 3325: a user's own P-Asserted-Identity asserts nothing;
    alice, naming carol in one, sends as alice (From and PAI)."""
    alice, bob, *_ = users
    bob.auto_reply["MESSAGE"] = 200
    body = group_body("text/plain", "from alice", rlist(server.uri("bob")))
    resp = send_group(alice, body, headers=[("P-Asserted-Identity", f"<{server.uri('carol')}>")])
    assert resp.status == 202
    got = bob.wait_request("MESSAGE").msg
    assert got.from_.uri == server.uri("alice")
    assert [v for k, v in got.headers if k.lower() == "p-asserted-identity"] == [
        f"<{server.uri('alice')}>"]


@pytest.fixture(scope="module")
def domains(tmp_path_factory):
    """home1.net and home2.net, interconnected (im_peer, pager allowed)."""
    yield from two_domains(tmp_path_factory.mktemp("cfpager-nni"),
                           defines={"CF_FACTORY": f'"{FACTORY}"', "CF_PAGER_TS2": str(TS2)})


def test_recipient_of_a_peer_domain(domains, make_ua):
    """PM-2 through the NNI: a recipient of the interconnected domain gets
    the group message from its own server, the sender's identity kept; a
    user of a domain with no peer gets nothing and the sender, who asked
    for negative-delivery, a failure IMDN for it (PM-5)."""
    h1, h2 = domains.home1, domains.home2
    alice = make_ua("alice", srv=h1, transport="tcp")
    bob = make_ua("bob", srv=h1, transport="tcp")
    carol = make_ua("carol", srv=h2, transport="tcp")
    for u in (alice, bob, carol):
        u.auto_reply["MESSAGE"] = 200
    body = cpim(h1.uri("alice"), "across", "msg-nni-1", "negative-delivery")
    xml = rlist(h1.uri("bob"), h2.uri("carol"), "sip:zed@nowhere.invalid")
    assert send_group(alice, group_body("message/cpim", body, xml)).status == 202
    for u in (bob, carol):
        got = u.wait_request("MESSAGE").msg
        assert got.from_.uri == h1.uri("alice")
        assert part_of(got, "message/cpim") == body
    note = alice.wait_request("MESSAGE", timeout=TS2 + 10).msg.body.decode()
    assert note.count("<failed/>") == 1 and "sip:zed@nowhere.invalid" in note
    wait_until(lambda: h1.rpc.call("im_cf.pager") == [], TS2 + 10, "group message to end")
    h1.wait_released()
    h2.wait_released()


def test_big_group_message_to_a_udp_peer_goes_over_tcp(domains, make_ua):
    """MSG-04, RFC 3261 18.1.1 for a MESSAGE the server makes itself: the
    fan-out to carol of the peer domain, whose im_peer address is UDP, is
    over 1300 bytes and crosses to that address over TCP, never over UDP;
    carol gets it whole."""
    h1, h2 = domains.home1, domains.home2
    alice = make_ua("alice", srv=h1, transport="tcp")
    carol = make_ua("carol", srv=h2, transport="tcp")
    carol.auto_reply["MESSAGE"] = 200
    text = "y" * 1500
    mark = domains.tap.mark()
    body = group_body("text/plain", text, rlist(h2.uri("carol")))
    assert send_group(alice, body).status == 202
    got = carol.wait_request("MESSAGE").msg
    assert part_of(got, "text/plain") == text
    crossed = [m for m in domains.tap.messages()[mark:]
               if m.is_request and m.method == "MESSAGE" and text.encode() in m.body]
    assert [m.transport for m in crossed] == ["tcp"]
    assert len(crossed[0].encode()) > 1300
    wait_until(lambda: h1.rpc.call("im_cf.pager") == [], TS2 + 10, "group message to end")


def test_user_of_another_domain_not_authorised(domains, make_ua):
    """PM-1 step 5: the exploder serves the users of its own domain; a
    user of the peer domain gets 403 + 127 and nobody a MESSAGE."""
    h1, h2 = domains.home1, domains.home2
    bob = make_ua("bob", srv=h1)
    dave = make_ua("dave", srv=h2)
    xml = rlist(h1.uri("bob"))
    resp = send_group(dave, group_body("text/plain", "from afar", xml))
    assert resp.status == 403
    assert re.search(r'399 \S+ "127 ', resp.get("warning"))
    assert bob.no_request("MESSAGE")
    assert h1.rpc.call("im_cf.pager") == []
