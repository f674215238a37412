"""The server on each database engine (issue 11): SQLite and a private
PostgreSQL cluster, through Kamailio's DB API alone. Digest credentials
come from the subscriber table im-user.sh filled, registrations are written
through to location, and im_pf's policy, access rules and peers set by RPC
are stored in their tables, applied to the next request, and read back
when Kamailio starts again."""


import pytest

from imtest.db import BACKENDS
from imtest.sip import warning_code

pytestmark = pytest.mark.parametrize("db_backend", BACKENDS, indirect=True, scope="module")


def test_register_checks_the_stored_credentials(server, make_ua):
    wrong = make_ua("alice", password="not-alices", register=False)
    r = wrong.register()
    assert r.status in (401, 403), r.status
    alice = make_ua("alice")
    [(contacts,)] = server.kamailio.sql(
        "SELECT COUNT(*) FROM location WHERE username = ?", ("alice",))
    assert int(contacts) == 1
    assert alice.register(expires=0).status == 200
    assert server.kamailio.sql("SELECT contact FROM location WHERE username = ?",
                               ("alice",)) == []


def test_pager_message_between_two_users(server, make_ua):
    alice, bob = make_ua("alice"), make_ua("bob")
    bob.auto_reply["MESSAGE"] = 200
    resp = alice.message(server.uri("bob"), "hello bob")
    assert resp.status == 200
    req = bob.wait_request("MESSAGE")
    assert req.msg.body == b"hello bob"
    assert req.msg.from_.uri == server.uri("alice")


def test_policy_rpc_is_stored_and_applied(server, make_ua):
    alice, bob = make_ua("alice"), make_ua("bob")
    bob.auto_reply["MESSAGE"] = 200
    rpc, sql = server.rpc, server.kamailio.sql
    assert rpc.call("im_pf.policy_set", server.uri("alice"), "service", "deny") == "ok"
    try:
        assert sql("SELECT value FROM im_policy WHERE scope = ? AND name = 'service'",
                   (server.uri("alice"),)) == [("deny",)]
        resp = alice.message(server.uri("bob"), "denied")
        assert resp.status == 403 and warning_code(resp) == "127"
    finally:
        assert rpc.call("im_pf.policy_del", server.uri("alice"), "service") == "ok"
    assert sql("SELECT value FROM im_policy WHERE scope = ?", (server.uri("alice"),)) == []
    assert alice.message(server.uri("bob"), "allowed").status == 200
    assert bob.wait_request("MESSAGE").msg.body == b"allowed"

    rule = (server.uri("bob"), server.uri("alice"), "pager-mode-message")
    assert rpc.call("im_pf.access_set", *rule, "reject") == "ok"
    try:
        assert sql("SELECT action FROM im_access_rule WHERE owner = ? AND sender = ? "
                   "AND media = ?", rule) == [("reject",)]
        resp = alice.message(server.uri("bob"), "rejected")
        assert resp.status == 403 and warning_code(resp) == "122"
    finally:
        assert rpc.call("im_pf.access_del", *rule) == "ok"
    assert sql("SELECT action FROM im_access_rule WHERE owner = ?", (server.uri("bob"),)) == []


def test_stored_settings_survive_a_kamailio_restart(server, make_ua):
    rpc = server.rpc
    assert rpc.call("im_pf.policy_set", "*", "max_size", "4321") == "ok"
    assert rpc.call("im_pf.peer_set", "home9.net", "sip:127.0.0.9:5060", "*", "address") == "ok"
    try:
        assert server.kamailio.sql("SELECT address, trust FROM im_peer WHERE domain = ?",
                                   ("home9.net",)) == [("sip:127.0.0.9:5060", "address")]
        assert server.kamailio.stop() is None
        server.kamailio.start()
        assert {"scope": "*", "name": "max_size", "value": "4321"} in rpc.call("im_pf.policy_list")
        assert [p["domain"] for p in rpc.call("im_pf.peer_list")] == ["home9.net"]
        # and users still authenticate against the stored credentials
        make_ua("carol")
    finally:
        rpc.call("im_pf.policy_del", "*", "max_size")
        rpc.call("im_pf.peer_del", "home9.net")
