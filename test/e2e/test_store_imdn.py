"""Failure IMDNs of deferred messages (im_store, OMA TS 12.2.2.4,
12.2.2.6, DM-6, DM-7, RFC 5438) on SQLite and PostgreSQL: a stored
MESSAGE whose message/cpim body asked for negative-delivery, once it
expires or is deleted unread by its recipient, brings its sender one
MESSAGE from the recipient, without Contact (MSG-02), whose CPIM wrapper
carries a message/imdn+xml <delivery-notification> with <failed/>, the
original imdn.Message-ID and DateTime; a message that did not ask brings
nothing; a sender who is offline has the notification stored for him."""

import threading

import pytest

from conftest import one_server
from imtest import cpim
from imtest.db import BACKENDS
from imtest.procs import wait_until
from imtest.rpc import RpcError
from imtest.sip import SipTimeout
from imtest.store import empty_store  # noqa: F401 (autouse fixture)
from imtest.store import check_failure_imdn, count, send_message

pytestmark = pytest.mark.parametrize("db_backend", BACKENDS, indirect=True, scope="module")

DATETIME = "2026-12-06T10:00:00.250Z"


@pytest.fixture(scope="module")
def server(tmp_path_factory, new_database):
    """A domain whose store expires every second."""
    yield from one_server(tmp_path_factory.mktemp("imdn"), database=new_database(),
                          defines={"STORE_EXPIRE_INTERVAL": "1"})


def assert_no_more_messages(ua, timeout):
    try:
        extra = ua.wait_request("MESSAGE", timeout=timeout)
    except SipTimeout:
        return
    m = extra.msg
    raise AssertionError(f"one more MESSAGE: Call-ID {m.call_id}, CSeq {m.cseq}, "
                         f"branch {m.branch}, body {m.body[:200]!r}")


def contacts(server, user):
    try:
        return server.rpc.call("ul.lookup", "location", user)
    except RpcError as e:
        return str(e)


def answering_alice(make_ua):
    """alice, registered, answering 200 as soon as a MESSAGE arrives: tm's
    retransmissions of a MESSAGE answered late are absorbed, not counted
    as a second one."""
    alice = make_ua("alice")
    alice.auto_reply["MESSAGE"] = 200
    return alice


def store(server, alice, imdn_id, disposition="negative-delivery", expires=None):
    """alice's CPIM MESSAGE for bob (offline), stored: its Message-ID."""
    body = cpim.build(f"Alice <{server.uri('alice')}>", f"<{server.uri('bob')}>",
                      "are you there?", imdn_message_id=imdn_id,
                      disposition=disposition, datetime_value=DATETIME)
    headers = [("Expires", str(expires))] if expires else []
    _, resp, _ = send_message(alice, server.uri("bob"), body, headers=headers,
                              ctype="message/cpim")
    assert resp.status == 202, f"{resp.status} {resp.reason}"
    [row] = [r for r in server.rpc.call("im_store.list", server.uri("bob"))]
    return row["message_id"]


def test_expired_message_gives_one_failure_imdn(server, make_ua):
    """DM-6 (deleted undelivered), DM-7: the sender asked for
    negative-delivery; after the expiry timer he gets exactly one IMDN."""
    alice = answering_alice(make_ua)
    make_ua("bob", register=False)
    before = server.rpc.call("im_store.stats")["imdn_sent"]
    store(server, alice, "exp-1", "positive-delivery, negative-delivery", expires=1)
    req = alice.wait_request("MESSAGE", timeout=15)
    check_failure_imdn(server, req, "exp-1", DATETIME)
    assert count(server, "bob") == 0
    assert_no_more_messages(alice, 3)
    stats = server.rpc.call("im_store.stats")
    assert stats["imdn_sent"] == before + 1 and stats["expired"] >= 1


def test_no_imdn_when_not_asked(server, make_ua):
    """12.2.2.6 step 1: no failure report requested, none sent."""
    alice = make_ua("alice")
    make_ua("bob", register=False)
    before = server.rpc.call("im_store.stats")["imdn_sent"]
    store(server, alice, "exp-2", "positive-delivery, display", expires=1)
    wait_until(lambda: count(server, "bob") == 0, 15, "the expired message deleted")
    assert alice.no_request("MESSAGE", timeout=3)
    assert server.rpc.call("im_store.stats")["imdn_sent"] == before


def test_delete_by_recipient_gives_failure_imdn(server, make_ua):
    """12.2.2.7 step 3, 12.2.2.6: bob deletes the message unread (REFER
    to Delete@): alice gets the failure delivery report."""
    alice = answering_alice(make_ua)
    bob = make_ua("bob", register=False)
    bob.auto_reply["NOTIFY"] = 200
    mid = store(server, alice, "del-1")
    resp = bob.refer(f"sip:Delete@{server.domain}", f"<{mid}>")
    assert resp.status == 202
    bob.wait_request("NOTIFY")
    req = alice.wait_request("MESSAGE", timeout=10)
    check_failure_imdn(server, req, "del-1", DATETIME)
    assert alice.no_request("MESSAGE", timeout=2)


def test_delete_by_rpc_gives_failure_imdn(server, make_ua):
    """The operator's im_store.delete deletes unread as well (12.2.2.7)."""
    alice = answering_alice(make_ua)
    make_ua("bob", register=False)
    mid = store(server, alice, "del-2")
    assert server.rpc.call("im_store.delete", server.uri("bob"), mid) == 1
    req = alice.wait_request("MESSAGE", timeout=10)
    check_failure_imdn(server, req, "del-2", DATETIME)


def test_imdn_for_offline_sender_is_stored(server, make_ua):
    """The IMDN is a MESSAGE like any other: alice offline, it is stored
    for her (DM-2), from bob."""
    alice = make_ua("alice", register=False)
    make_ua("bob", register=False)
    store(server, alice, "exp-3", expires=1)
    try:
        wait_until(lambda: count(server, "alice") == 1, 15, "the IMDN stored for alice")
    except AssertionError as e:
        raise AssertionError(f"{e}; stored for alice: {count(server, 'alice')}, for bob: "
                             f"{count(server, 'bob')}, {server.rpc.call('im_store.stats')}, "
                             f"alice's contacts: {contacts(server, 'alice')}") from None
    assert count(server, "bob") == 0
    [row] = server.rpc.call("im_store.list", server.uri("alice"))
    assert row["sender"] == server.uri("bob")


def test_parallel_deletes_give_one_failure_imdn(server, make_ua):
    """A crowd on one message (DM-7, DM-8): bob's three devices REFER
    Delete@ for it and the operator deletes it by RPC, all at the same
    moment. Each REFER is answered 202 and NOTIFYed once; exactly one
    delete finds the message (NOTIFY 200, or the RPC's 1), and alice gets
    exactly one failure report."""
    alice = make_ua("alice")
    alice.auto_reply["MESSAGE"] = 200
    devices = [make_ua("bob", register=False) for _ in range(3)]
    for ua in devices:
        ua.auto_reply["NOTIFY"] = 200
    mid = store(server, alice, "race-1")
    start = threading.Barrier(len(devices) + 1)
    results = {}

    def refer(i, ua):
        start.wait()
        results[i] = ua.refer(f"sip:Delete@{server.domain}", f"<{mid}>").status

    def rpc():
        start.wait()
        results["rpc"] = server.rpc.call("im_store.delete", server.uri("bob"), mid)
    threads = [threading.Thread(target=refer, args=(i, ua)) for i, ua in enumerate(devices)]
    threads.append(threading.Thread(target=rpc_or_404, args=(rpc, results)))
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert [results[i] for i in range(len(devices))] == [202] * len(devices), results
    outcomes = []
    for ua in devices:
        n = ua.wait_request("NOTIFY")
        outcomes.append(n.msg.body.decode().split("\r\n")[0])
        assert ua.no_request("NOTIFY", timeout=0.5)
    found = outcomes.count("SIP/2.0 200 OK") + results["rpc"]
    assert found == 1, (outcomes, results)
    assert count(server, "bob") == 0
    req = alice.wait_request("MESSAGE", timeout=10)
    check_failure_imdn(server, req, "race-1", DATETIME)
    assert alice.no_request("MESSAGE", timeout=2)


def rpc_or_404(fn, results):
    """The RPC's count; a 404 fault (nothing of that id left) counts 0."""
    try:
        fn()
    except RpcError as e:
        assert e.code == 404, e
        results["rpc"] = 0
