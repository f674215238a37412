"""Deferred messages (im_store, OMA TS 12, DM-2..DM-4, DM-6) on SQLite and
PostgreSQL: a MESSAGE to a user who is not registered is stored and
answered 202; when he registers or publishes his settings, and they have
offline delivery active (D-29), an INVITE (Contact with automata, SDP
sendonly) brings one MSRP SEND per stored message, the whole MESSAGE as
message/sip with a Date added (D-30), each deleted only after its MSRP
200, then a BYE. Limits (413, quota), RPC, expiry, a Kamailio killed
between store and push, and parallel MESSAGEs to one user."""

import re
import threading
import time
from email.utils import formatdate

import pytest

from conftest import one_server
from imtest.db import BACKENDS
from imtest.procs import wait_until
from imtest.sdp import Sdp
from imtest.sip import SipTimeout, warning_code
from imtest.store import empty_store  # noqa: F401 (autouse fixture)
from imtest.store import (answer_push, count, finish_push, header, send_message,
                          split_sip, wants_offline_delivery)

pytestmark = pytest.mark.parametrize("db_backend", BACKENDS, indirect=True, scope="module")

QUOTA = 6
MAX_SIZE = 2000


@pytest.fixture(scope="module")
def server(tmp_path_factory, new_database):
    """A domain whose store is small (quota, size) and expires every second."""
    yield from one_server(tmp_path_factory.mktemp("store"), database=new_database(), defines={
        "STORE_QUOTA_MESSAGES": str(QUOTA), "STORE_MAX_SIZE": str(MAX_SIZE),
        "STORE_EXPIRE_INTERVAL": "1"})


@pytest.fixture(autouse=True)
def bob_wants_offline_delivery(server, make_ua, empty_store):
    """bob's settings have offline delivery active (DM-3, D-29), as each
    test but one wants: his registrations bring his messages."""
    wants_offline_delivery(make_ua("bob", register=False), True)


def test_offline_message_is_stored_then_pushed_on_register(server, make_ua):
    alice = make_ua("alice")
    bob = make_ua("bob", register=False)
    sent, resp, _ = send_message(alice, server.uri("bob"), b"Watson, come here.\r\n\xe2\x82\xac",
                                 headers=[("Subject", "lab"), ("Priority", "urgent")])
    assert resp.status == 202, f"{resp.status} {resp.reason}"
    assert count(server, "bob") == 1
    [row] = server.rpc.call("im_store.list", server.uri("bob"))
    assert re.match(r"^sip:[0-9a-f]{24}@home1\.net$", row["message_id"]), row
    assert row["sender"] == server.uri("alice") and row["call_id"] == sent.get("call-id")

    assert bob.register().status == 200
    m, inv = answer_push(bob)
    # DM-3: automata and the IM tag in Contact, IM Accept-Contact, sendonly
    contact = inv.msg.get("contact")
    assert "automata" in contact and "+g.oma.sip-im" in contact, contact
    assert "+g.oma.sip-im" in inv.msg.get("accept-contact")
    assert inv.msg.get("user-agent").startswith("IM-serv/OMA1.0")
    offer = Sdp(inv.msg.body)
    assert offer.attr("sendonly") == "", inv.msg.body
    pushed = m.ep.wait_message()
    finish_push(m)

    # DM-4 / D-30: the whole MESSAGE, its Call-ID, a Date added, body exact
    assert pushed.content_type == "message/sip"
    line, hdrs, body = split_sip(pushed.body)
    assert line == f"MESSAGE {server.uri('bob')} SIP/2.0"
    assert body == sent.body
    for name in ("Call-ID", "From", "To", "CSeq", "Subject", "Priority", "Content-Type"):
        assert header(hdrs, name) == [sent.get(name)], name
    assert header(hdrs, "Content-Length") == [str(len(sent.body))]
    [date] = header(hdrs, "Date")
    assert re.match(r"^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$", date), date
    assert not header(hdrs, "Proxy-Authorization") and not header(hdrs, "Authorization")
    assert count(server, "bob") == 0
    server.wait_released()


def test_anonymous_sender_pai_is_not_stored(server, make_ua):
    """DM-2 (12.2.2.3 item 2): with Privacy: id no PAI is kept, and a
    user's own PAI never is."""
    alice = make_ua("alice")
    bob = make_ua("bob", register=False)
    _, resp, _ = send_message(alice, server.uri("bob"), b"psst", headers=[
        ("Privacy", "id"), ("P-Asserted-Identity", "<sip:alice@home1.net>")])
    assert resp.status == 202
    assert bob.register().status == 200
    m, _ = answer_push(bob)
    pushed = m.ep.wait_message()
    finish_push(m)
    _, hdrs, body = split_sip(pushed.body)
    assert body == b"psst" and header(hdrs, "Privacy") == ["id"]
    assert header(hdrs, "P-Asserted-Identity") == []


def test_send_refused_by_the_client_stays_stored(server, make_ua):
    alice = make_ua("alice")
    bob = make_ua("bob", register=False)
    keep, resp, _ = send_message(alice, server.uri("bob"), b"refuse me")
    assert resp.status == 202
    take, resp, _ = send_message(alice, server.uri("bob"), b"take me")
    assert resp.status == 202
    assert bob.register().status == 200
    m, _ = answer_push(bob, respond=lambda f: 415 if f.body and b"refuse me" in f.body else 200)
    wait_until(lambda: count(server, "bob") == 1, 10, "the accepted message deleted")
    finish_push(m)
    [row] = server.rpc.call("im_store.list", server.uri("bob"))
    assert row["call_id"] == keep.get("call-id")
    got = [split_sip(x.body)[2] for x in m.ep.completed]
    assert got == [b"take me"], got
    server.wait_released()

    # the next registration pushes what is left
    assert bob.register().status == 200
    m, _ = answer_push(bob)
    assert split_sip(m.ep.wait_message().body)[2] == b"refuse me"
    finish_push(m)
    assert count(server, "bob") == 0


def test_push_refused_by_the_client_keeps_everything(server, make_ua):
    alice = make_ua("alice")
    bob = make_ua("bob", register=False)
    assert send_message(alice, server.uri("bob"), b"later")[1].status == 202
    assert bob.register().status == 200
    bob.wait_request("INVITE").reply(486)
    server.wait_released()
    assert count(server, "bob") == 1


@pytest.mark.parametrize("victim", ["kamailio", "relay"])
def test_nothing_stored_is_lost_when_killed(server, make_ua, victim):
    """Issue 11: Kamailio or the relay killed (SIGKILL) between store and
    push, then started again: the three messages arrive, in order."""
    alice = make_ua("alice")
    bob = make_ua("bob", register=False)
    sent = [send_message(alice, server.uri("bob"), f"kept {i}".encode())[0] for i in range(3)]
    if victim == "kamailio":
        server.kamailio.proc.kill()
        server.kamailio.start()
    else:
        server.relay.proc.kill()
        server.relay.start()
        wait_until(lambda: server.rpc.call("im_relay.show")[0]["state"] == "up", 30,
                   "the relay back")
    assert count(server, "bob") == 3
    assert bob.register().status == 200
    m, _ = answer_push(bob)
    wait_until(lambda: len(m.ep.completed) == 3, 10, "three pushed messages")
    finish_push(m)
    got = [split_sip(x.body) for x in m.ep.completed]
    assert [g[2] for g in got] == [s.body for s in sent]
    assert [header(g[1], "Call-ID") for g in got] == [[s.get("call-id")] for s in sent]
    assert count(server, "bob") == 0


def test_oversized_message_gets_413(server, make_ua):
    alice = make_ua("alice", transport="tcp")
    make_ua("bob", register=False)
    _, resp, _ = send_message(alice, server.uri("bob"), b"x" * (MAX_SIZE + 1))
    assert resp.status == 413
    _, resp, _ = send_message(alice, server.uri("bob"), b"x" * MAX_SIZE)
    assert resp.status == 202
    assert count(server, "bob") == 1


def test_full_store_refuses_with_warning(server, make_ua):
    alice = make_ua("alice")
    make_ua("bob", register=False)
    for i in range(QUOTA):
        assert send_message(alice, server.uri("bob"), f"m{i}".encode())[1].status == 202
    _, resp, _ = send_message(alice, server.uri("bob"), b"one too many")
    assert resp.status == 486 and warning_code(resp) == "122"
    assert count(server, "bob") == QUOTA
    # another user's store is not his
    assert send_message(alice, server.uri("carol"), b"hi carol")[1].status == 202
    stats = server.rpc.call("im_store.stats")
    assert stats["messages"] == QUOTA + 1 and stats["refused"] >= 1, stats


def test_rpc_list_count_delete(server, make_ua):
    alice = make_ua("alice")
    make_ua("bob", register=False)
    for text in (b"one", b"two", b"three"):
        assert send_message(alice, server.uri("bob"), text)[1].status == 202
    rows = server.rpc.call("im_store.list", server.uri("bob"))
    assert len(rows) == 3 and count(server, "bob") == 3
    assert server.rpc.call("im_store.delete", server.uri("bob"), rows[1]["message_id"]) == 1
    assert [r["message_id"] for r in server.rpc.call("im_store.list", server.uri("bob"))] == \
        [rows[0]["message_id"], rows[2]["message_id"]]
    with pytest.raises(Exception, match="404|no message"):
        server.rpc.call("im_store.delete", server.uri("bob"), rows[1]["message_id"])
    assert server.rpc.call("im_store.delete", server.uri("bob")) == 2
    assert count(server, "bob") == 0


def test_expired_message_is_deleted(server, make_ua):
    """DM-6: a MESSAGE's Expires within the maximum is its expiry."""
    alice = make_ua("alice")
    make_ua("bob", register=False)
    assert send_message(alice, server.uri("bob"), b"soon gone",
                        headers=[("Expires", "1")])[1].status == 202
    assert send_message(alice, server.uri("bob"), b"stays")[1].status == 202
    wait_until(lambda: count(server, "bob") == 1, 10, "the expired message deleted")
    [row] = server.rpc.call("im_store.list", server.uri("bob"))
    assert row["expires"] - row["received"] == 7 * 24 * 3600


def test_stored_expiry_counts_from_the_date(server, make_ua):
    """DM-2 item 6 with TP-1 step 4: a MESSAGE written 100 s ago (its Date)
    with Expires: 3600 stays stored until Date + 3600, the moment the
    participating function judges its validity by, not 3600 s after it
    arrived."""
    alice = make_ua("alice")
    make_ua("bob", register=False)
    written = int(time.time()) - 100
    assert send_message(alice, server.uri("bob"), b"dated", headers=[
        ("Date", formatdate(written, usegmt=True)), ("Expires", "3600")])[1].status == 202
    [row] = server.rpc.call("im_store.list", server.uri("bob"))
    assert row["expires"] == written + 3600, row
    assert row["received"] >= written + 100


def test_parallel_messages_to_one_user_are_each_stored_once(server, make_ua):
    senders = [make_ua(u) for u in ("alice", "carol", "dave")]
    make_ua("bob", register=False)
    per_sender = 2
    start = threading.Barrier(len(senders) * per_sender)
    results = []
    lock = threading.Lock()

    def send(ua, i):
        msg = ua.build_request("MESSAGE", server.uri("bob"), body=f"p{i}".encode(),
                               content_type="text/plain")
        tx = ua.send_request(msg)
        first = tx.wait_final()
        if first.status in (401, 407):
            msg = ua.with_credentials(msg, first)
            start.wait(10)
            tx = ua.send_request(msg)
            tx.wait_final()
        with lock:
            results.append((msg.get("call-id"), tx))

    threads = [threading.Thread(target=send, args=(ua, i))
               for i, ua in enumerate(s for s in senders for _ in range(per_sender))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(results) == QUOTA
    for _, tx in results:
        assert [r.status for r in tx.finals()] == [202], tx.finals()
    rows = server.rpc.call("im_store.list", server.uri("bob"))
    assert sorted(r["call_id"] for r in rows) == sorted(c for c, _ in results)


def test_push_cut_by_a_closed_msrp_connection_keeps_the_message(server, make_ua):
    """An interrupted push (the client's MSRP connection closes before its
    200) leaves the message stored and ends the dialog."""
    alice = make_ua("alice")
    bob = make_ua("bob", register=False)
    assert send_message(alice, server.uri("bob"), b"unconfirmed")[1].status == 202
    assert bob.register().status == 200
    m, _ = answer_push(bob, respond=None)
    m.ep._wait(lambda: any(f.is_request and f.method == "SEND" and f.body
                           for f in m.ep.frames), 10, "the pushed SEND")
    m.ep.close()
    finish_push(m)
    server.wait_released()
    assert count(server, "bob") == 1


def test_push_waits_for_offline_delivery(server, make_ua):
    """D-29, DM-3: with offline delivery off in his settings, bob's
    registration brings nothing (his message stays stored); the PUBLISH
    that turns it on brings the push at once (D-29 a)."""
    alice = make_ua("alice")
    bob = make_ua("bob", register=False)
    wants_offline_delivery(bob, False)
    assert send_message(alice, server.uri("bob"), b"when you want it")[1].status == 202
    assert bob.register().status == 200
    with pytest.raises(SipTimeout):
        bob.wait_request("INVITE", timeout=1)
    assert count(server, "bob") == 1
    wants_offline_delivery(bob, True)
    m, _ = answer_push(bob)
    assert split_sip(m.ep.wait_message().body)[2] == b"when you want it"
    finish_push(m)
    wait_until(lambda: count(server, "bob") == 0, 10, "the pushed message deleted")
    server.wait_released()
