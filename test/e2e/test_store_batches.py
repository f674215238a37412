"""A deferred push of more messages than im_store reads at a time
(IMST_PUSH_BATCH, 64), on SQLite and PostgreSQL: every message arrives, in
the order stored, and the store is empty after; the quota is an aggregate
query, whatever the number stored (issue 11: the push of thousands of
messages to one user)."""

import pytest

from conftest import one_server
from imtest.db import BACKENDS
from imtest.procs import wait_until
from imtest.store import empty_store  # noqa: F401 (autouse fixture)
from imtest.store import (answer_push, count, finish_push, send_message, split_sip,
                          wants_offline_delivery)

pytestmark = pytest.mark.parametrize("db_backend", BACKENDS, indirect=True, scope="module")

STORED = 150
QUOTA = 160


@pytest.fixture(scope="module")
def server(tmp_path_factory, new_database):
    yield from one_server(tmp_path_factory.mktemp("store-batches"), database=new_database(),
                          # one client sends them all: pike would take it for a flood
                          defines={"STORE_QUOTA_MESSAGES": str(QUOTA), "PIKE_DENSITY": "0"})


def test_push_in_batches_keeps_order_and_quota(server, make_ua):
    alice = make_ua("alice", transport="tcp")
    bob = make_ua("bob", register=False)
    wants_offline_delivery(bob, True)
    bodies = [f"message {i:03d}".encode() for i in range(STORED)]
    for b in bodies:
        assert send_message(alice, server.uri("bob"), b)[1].status == 202
    assert count(server, "bob") == STORED
    # the quota counts what is stored: ten more fit, the next is refused
    for i in range(QUOTA - STORED):
        assert send_message(alice, server.uri("bob"), f"extra {i}".encode())[1].status == 202
    assert send_message(alice, server.uri("bob"), b"one too many")[1].status == 486
    for row in server.rpc.call("im_store.list", server.uri("bob"))[STORED:]:
        server.rpc.call("im_store.delete", server.uri("bob"), row["message_id"])
    assert count(server, "bob") == STORED

    batches = server.rpc.call("im_store.stats")["batches"]
    assert bob.register().status == 200
    m, _ = answer_push(bob)
    m.ep._wait(lambda: len(m.ep.completed) >= STORED or None, 60, f"{STORED} messages")
    finish_push(m)
    assert [split_sip(x.body)[2] for x in m.ep.completed] == bodies
    wait_until(lambda: count(server, "bob") == 0, 20, "every pushed message deleted")
    server.wait_released()
    # read 64 at a time: 64, 64 and the last 22
    assert server.rpc.call("im_store.stats")["batches"] - batches == 3
