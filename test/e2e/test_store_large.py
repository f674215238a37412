"""Deferred Large Messages (im_store, OMA TS 12.2.2.1, 12.2.2.3 item 3,
12.2.2.5; DM-2, DM-4, D-30) on SQLite and PostgreSQL: a Large Message
INVITE to a user who is not registered is answered 200 by the server as
the terminating UAS (a relay endpoint leg, recvonly, a=max-size), the
sender's SENDs are taken, and when the session ends with the message
whole, the INVITE, the 200 and the SEND are stored (a Kamailio killed
before the BYE loses nothing), the BYE added when the session ends; the
push brings them in one MSRP SEND as multipart/mixed (message/sip,
message/sip, message/msrp, message/sip), byte for byte. A Large Message
whose CPIM wrapper asked for negative-delivery, deleted unread, brings
its sender a failure IMDN (DM-7)."""

import os
import re

import pytest

from conftest import one_server
from imtest import cpim
from imtest.cf import Member
from imtest.db import BACKENDS
from imtest.im_session import ImSession
from imtest.procs import wait_until
from imtest.sdp import Sdp
from imtest.settings import publish, settings
from imtest.sip import warning_code
from imtest.store import check_failure_imdn

pytestmark = pytest.mark.parametrize("db_backend", BACKENDS, indirect=True, scope="module")

MIB = 1024 * 1024
QUOTA = 3
TAKES = "message/sip message/cpim text/plain multipart/mixed"
DATETIME = "2026-12-06T10:00:00.250Z"


@pytest.fixture(scope="module")
def server(tmp_path_factory, new_database):
    """A domain whose store takes a 1 MiB Large Message (a=max-size), a
    relay whose control channel takes its push (base64 in one line), and
    the private memory db_postgres needs to write it (cfg/kamailio.cfg)."""
    yield from one_server(tmp_path_factory.mktemp("store-large"), database=new_database(),
                          defines={"STORE_QUOTA_MESSAGES": str(QUOTA),
                                   "STORE_LARGE_MAX_SIZE": str(MIB)},
                          relay_extra={"control_max_line": str(4 * MIB)}, pkg_mb=32)


@pytest.fixture(autouse=True)
def empty_store(server, make_ua):
    for u in server.USERS:
        server.rpc.call("im_store.delete", server.uri(u))
    bob = make_ua("bob", register=False)
    assert publish(bob, settings(offline=True).encode()).status == 200
    yield


def count(server, user):
    return server.rpc.call("im_store.count", server.uri(user))


def receiving(server):
    return server.rpc.call("im_store.stats")["large_receiving"]


def send_large(server, alice, data, chunk=64 * 1024, complete=True,
               content_type="application/octet-stream"):
    """alice's Large Message session to bob: INVITE answered by the
    server, MSRP connected, data sent in chunks (all but the last when not
    complete), each chunk's 200 awaited. Returns (session, answer SDP,
    Message-ID)."""
    s = ImSession(alice, None, server.uri("bob"), large=True)
    s.invite()
    final = s.call.wait_final()
    assert final.status == 200, f"{final.status} {final.reason}"
    answer = Sdp(final.body)
    s.a_ep.to_path = answer.path
    s.a_ep.connect_to(answer.path[0])
    assert s.a_ep.wait_response(s.a_ep.bind()).status == 200
    pieces = data if complete else data[:len(data) - chunk]
    mid, tids = s.a_ep.send_message(data, content_type=content_type,
                                    chunk_size=chunk) if complete else \
        _send_first_chunks(s.a_ep, data, pieces, chunk)
    for t in tids:
        assert s.a_ep.wait_response(t, timeout=20).status == 200
    return s, final, mid


def _send_first_chunks(ep, data, pieces, chunk):
    mid = "cut" + os.urandom(4).hex()
    tids = []
    for off in range(0, len(pieces), chunk):
        piece = data[off:off + chunk]
        tids.append(ep.send_frame("SEND", [
            ("Message-ID", mid),
            ("Byte-Range", f"{off + 1}-{off + len(piece)}/{len(data)}"),
            ("Content-Type", "application/octet-stream")], piece, "+"))
    return mid, tids


def push_to_bob(server, make_ua, bob=None):
    """bob registers (again) and takes the push: the one SEND it brings."""
    bob = bob or make_ua("bob", register=False)
    assert bob.register().status == 200
    m = Member(bob)
    m.wait_invitation()
    m.accept(ring=False, accept_types=TAKES, direction="recvonly")
    m.wait_ack()
    m.connect()
    pushed = m.ep.wait_message(timeout=30)
    m.ua.wait_request("BYE").reply(200)
    m.close()
    return pushed


def parts(pushed):
    """[(Content-Type, content)] of a multipart/mixed body, checked against
    RFC 2046: delimiters, close delimiter, nothing after it."""
    ctype = pushed.content_type
    m = re.match(r'^multipart/mixed; boundary=(imst-[0-9a-f]{24})$', ctype)
    assert m, ctype
    delim = b"--" + m.group(1).encode()
    body = pushed.body
    assert body.startswith(delim + b"\r\n") and body.endswith(b"\r\n" + delim + b"--\r\n")
    out = []
    for raw in body[len(delim) + 2:-(len(delim) + 6)].split(b"\r\n" + delim + b"\r\n"):
        head, sep, content = raw.partition(b"\r\n\r\n")
        assert sep and head.startswith(b"Content-Type: "), raw[:200]
        out.append((head[len(b"Content-Type: "):].decode(), content))
    return out


def stored_with_bye(server):
    """The session is over and its row has its BYE part: the one stored
    message of bob."""
    wait_until(lambda: receiving(server) == 0 and count(server, "bob") == 1, 15,
               "the large message stored, its session over")


def sip_head(content):
    head, _, body = content.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    return lines[0], {l.split(":", 1)[0].lower(): l.split(":", 1)[1].strip() for l in lines[1:]}, body


def test_offline_large_message_stored_then_pushed_byte_exact(server, make_ua):
    alice = make_ua("alice")
    data = os.urandom(MIB)
    s, final, mid = send_large(server, alice, data)
    answer = Sdp(final.body)
    assert answer.attr("recvonly") == "" and answer.attr("max-size") == str(MIB), final.body
    assert s.call.bye().status == 200
    s.close()
    stored_with_bye(server)
    [row] = server.rpc.call("im_store.list", server.uri("bob"))
    assert row["kind"] == "large-message" and row["size"] > MIB, row
    assert row["sender"] == server.uri("alice")

    pushed = push_to_bob(server, make_ua)
    got = parts(pushed)
    assert [c for c, _ in got] == ["message/sip", "message/sip", "message/msrp", "message/sip"]
    line, hdrs, sdp = sip_head(got[0][1])
    assert line == f"INVITE {server.uri('bob')} SIP/2.0"
    assert hdrs["call-id"] == row["call_id"] and "date" in hdrs
    assert "+g.oma.sip-im.large-message" in hdrs["accept-contact"]
    assert Sdp(sdp).attr("sendonly") == ""
    line, hdrs, sdp = sip_head(got[1][1])
    assert line == "SIP/2.0 200 OK" and hdrs["call-id"] == row["call_id"] and "date" in hdrs
    assert Sdp(sdp).attr("recvonly") == ""
    line, hdrs, body = sip_head(got[2][1])
    assert re.match(r"^MSRP \w+ SEND$", line), line
    assert hdrs["message-id"] == mid and hdrs["byte-range"] == f"1-{MIB}/{MIB}"
    assert hdrs["content-type"] == "application/octet-stream" and "date" in hdrs
    tid = line.split()[1]
    assert body == data + f"\r\n-------{tid}$\r\n".encode()
    line, hdrs, _ = sip_head(got[3][1])
    assert line == f"BYE {server.uri('bob')} SIP/2.0" and hdrs["call-id"] == row["call_id"]
    assert count(server, "bob") == 0
    server.wait_released()


def test_sender_leaving_mid_message_stores_nothing(server, make_ua):
    alice = make_ua("alice")
    s, _, _ = send_large(server, alice, os.urandom(256 * 1024), complete=False)
    assert s.call.bye().status == 200
    s.close()
    wait_until(lambda: receiving(server) == 0, 15, "the receiving session given up")
    assert count(server, "bob") == 0
    server.wait_released()


def test_message_over_max_size_is_not_stored(server, make_ua):
    """A sender that sends more than our a=max-size: the session is ended
    by the server, nothing stored."""
    alice = make_ua("alice")
    s, _, _ = send_large(server, alice, os.urandom(MIB + 1))
    alice.wait_request("BYE", timeout=10).reply(200)
    s.close()
    wait_until(lambda: receiving(server) == 0, 15, "the receiving session ended")
    assert count(server, "bob") == 0


def test_full_store_refuses_the_invite(server, make_ua):
    alice = make_ua("alice")
    make_ua("bob", register=False)
    for i in range(QUOTA):
        msg = alice.build_request("MESSAGE", server.uri("bob"), body=f"m{i}".encode(),
                                  content_type="text/plain")
        tx = alice.send_request(msg)
        resp = tx.wait_final()
        if resp.status in (401, 407):
            resp = alice.send_request(alice.with_credentials(msg, resp)).wait_final()
        assert resp.status == 202
    s = ImSession(alice, None, server.uri("bob"), large=True)
    s.invite()
    final = s.call.wait_final()
    assert final.status == 486 and warning_code(final) == "122"
    s.close()
    assert count(server, "bob") == QUOTA


def test_nothing_stored_is_lost_when_kamailio_is_killed(server, make_ua):
    alice = make_ua("alice")
    data = os.urandom(300 * 1024)
    s, _, mid = send_large(server, alice, data)
    assert s.call.bye().status == 200
    s.close()
    stored_with_bye(server)
    server.kamailio.proc.kill()
    server.kamailio.start()
    assert count(server, "bob") == 1
    got = parts(push_to_bob(server, make_ua))
    line, hdrs, body = sip_head(got[2][1])
    assert hdrs["message-id"] == mid
    assert body == data + f"\r\n-------{line.split()[1]}$\r\n".encode()
    assert count(server, "bob") == 0


def test_whole_message_is_kept_when_kamailio_is_killed_before_the_bye(server, make_ua):
    """DM-2, OMA 12.2.2.3: the sender had its MSRP 200s, so the message is
    stored as soon as it is whole; Kamailio killed (SIGKILL) before any
    BYE and started again, the push brings it byte for byte: the INVITE,
    the 200, the SEND, and no BYE (the session never ended cleanly)."""
    alice = make_ua("alice")
    data = os.urandom(300 * 1024)
    s, _, mid = send_large(server, alice, data)
    wait_until(lambda: count(server, "bob") == 1, 10, "the whole message stored before a BYE")
    server.kamailio.proc.kill()
    server.kamailio.start()
    s.close()
    assert count(server, "bob") == 1
    got = parts(push_to_bob(server, make_ua))
    assert [c for c, _ in got] == ["message/sip", "message/sip", "message/msrp"]
    line, hdrs, _ = sip_head(got[0][1])
    assert line == f"INVITE {server.uri('bob')} SIP/2.0" and "date" in hdrs
    assert sip_head(got[1][1])[0] == "SIP/2.0 200 OK"
    line, hdrs, body = sip_head(got[2][1])
    assert hdrs["message-id"] == mid and hdrs["byte-range"] == f"1-{len(data)}/{len(data)}"
    assert body == data + f"\r\n-------{line.split()[1]}$\r\n".encode()
    assert count(server, "bob") == 0


def test_push_leaves_a_session_under_way_for_the_next_one(server, make_ua):
    """DM-2, D-29: the row of a session still under way may still grow
    (its BYE part): bob registering then gets no push; after the BYE his
    next registration brings the message with its BYE part."""
    alice = make_ua("alice")
    s, _, mid = send_large(server, alice, os.urandom(100 * 1024))
    wait_until(lambda: count(server, "bob") == 1, 10, "the whole message stored")
    bob = make_ua("bob", register=False)
    assert bob.register().status == 200
    assert bob.no_request("INVITE", timeout=3)
    assert s.call.bye().status == 200
    s.close()
    stored_with_bye(server)
    got = parts(push_to_bob(server, make_ua, bob))
    assert [c for c, _ in got] == ["message/sip", "message/sip", "message/msrp", "message/sip"]
    assert sip_head(got[2][1])[1]["message-id"] == mid
    assert count(server, "bob") == 0
    server.wait_released()


@pytest.mark.parametrize("deleted_by", ["refer", "rpc"])
def test_large_message_deleted_unread_gives_failure_imdn(server, make_ua, deleted_by):
    """DM-7, OMA 12.2.2.6: the Large Message's SENDs carry a message/cpim
    wrapper asking for negative-delivery; deleted unread by its recipient
    (REFER to Delete@, 12.2.2.7) or by the operator (im_store.delete), it
    brings its sender one failure IMDN, as a stored MESSAGE does."""
    alice = make_ua("alice")
    bob = make_ua("bob", register=False)
    wrapped = cpim.build(f"Alice <{server.uri('alice')}>", f"<{server.uri('bob')}>",
                         os.urandom(200 * 1024), content_type="application/octet-stream",
                         imdn_message_id="large-1", disposition="negative-delivery",
                         datetime_value=DATETIME)
    s, _, _ = send_large(server, alice, wrapped, content_type="message/cpim")
    assert s.call.bye().status == 200
    s.close()
    stored_with_bye(server)
    [row] = server.rpc.call("im_store.list", server.uri("bob"))
    before = server.rpc.call("im_store.stats")["imdn_sent"]
    if deleted_by == "refer":
        assert bob.refer(f"sip:Delete@{server.domain}", f"<{row['message_id']}>").status == 202
        bob.wait_request("NOTIFY").reply(200)
    else:
        assert server.rpc.call("im_store.delete", server.uri("bob"), row["message_id"]) == 1
    req = alice.wait_request("MESSAGE", timeout=10)
    req.reply(200)
    check_failure_imdn(server, req, "large-1", DATETIME)
    assert alice.no_request("MESSAGE", timeout=2)
    assert server.rpc.call("im_store.stats")["imdn_sent"] == before + 1
