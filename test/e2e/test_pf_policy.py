"""The checks of the participating function (OP-1, TP-1, E2E-22, E2E-27)
with policy set by RPC: each refusal has its code and Warning (D-34:
warn-code 399 and the three-digit OMA code), and nothing stays allocated."""


import pytest

from imtest.im_session import ImSession
from imtest.rpc import RpcError
from imtest.sdp import msrp_sdp
from imtest.msrp import MsrpEndpoint
from imtest.sip import warning_code


@pytest.fixture
def policy(server):
    """Sets policies through RPC and removes them after the test."""
    set_ = []

    def put(scope, name, value):
        assert server.rpc.call("im_pf.policy_set", scope, name, value) == "ok"
        set_.append((scope, name))
    yield put
    for scope, name in set_:
        server.rpc.call("im_pf.policy_del", scope, name)


@pytest.fixture
def access(server):
    rules = []

    def put(owner, sender, media, action):
        assert server.rpc.call("im_pf.access_set", owner, sender, media, action) == "ok"
        rules.append((owner, sender, media))
    yield put
    for r in rules:
        server.rpc.call("im_pf.access_del", *r)


def invite(alice, to_uri, large=False, sdp=None):
    """An INVITE with an MSRP offer; its final response."""
    ep = MsrpEndpoint()
    headers = [("Accept-Contact", "*;+g.oma.sip-im.large-message")] if large else []
    call = alice.invite(to_uri, msrp_sdp(ep.path, **(sdp or {})), headers=headers)
    resp = call.wait_final()
    ep.close()
    return resp


def test_service_not_authorised(server, make_ua, policy):
    """OP-1 step 1: 403 + 127, for sessions and pager messages alike."""
    alice, _ = make_ua("alice"), make_ua("bob")
    policy("sip:alice@home1.net", "service", "deny")
    resp = invite(alice, server.uri("bob"))
    assert resp.status == 403 and warning_code(resp) == "127"
    msg = alice.message(server.uri("bob"), "hi")
    assert msg.status == 403 and warning_code(msg) == "127"
    server.wait_released()


def test_operator_wide_denial_and_user_override(server, make_ua, policy):
    alice, carol, bob = make_ua("alice"), make_ua("carol"), make_ua("bob")
    policy("*", "service", "deny")
    policy("sip:carol@home1.net", "service", "allow")
    assert invite(alice, server.uri("bob")).status == 403
    s = ImSession(carol, bob, server.uri("bob")).start()
    s.bye_from_a()
    s.close()


def test_client_version_gating(server, make_ua, policy):
    """OP-1 step 3: 403 with Error-Info when the User-Agent does not
    qualify (E2E-27)."""
    alice, bob = make_ua("alice"), make_ua("bob")
    policy("*", "client_version", "IM-client/OMA1.0")
    policy("*", "client_upgrade_url", "http://upgrade.home1.net/im")
    resp = invite(alice, server.uri("bob"))
    assert resp.status == 403
    assert resp.get("error-info") == "<http://upgrade.home1.net/im>"
    alice.user_agent = "Acme IM-client/OMA1.0"
    s = ImSession(alice, bob, server.uri("bob")).start()
    s.bye_from_a()
    s.close()


def test_pager_content_policy(server, make_ua, policy):
    """OP-1 step 4a: 415 listing the supported types in Accept."""
    alice, bob = make_ua("alice"), make_ua("bob")
    bob.auto_reply["MESSAGE"] = 200
    policy("*", "pager_content_types", "text/plain, message/cpim")
    resp = alice.message(server.uri("bob"), b"<x/>", content_type="application/xml")
    assert resp.status == 415
    assert resp.get("accept") == "text/plain, message/cpim"
    assert alice.message(server.uri("bob"), "fine").status == 200


def test_session_content_policy(server, make_ua, policy):
    """OP-1 step 4b: 488 stating what is supported."""
    alice, _ = make_ua("alice"), make_ua("bob")
    policy("*", "session_accept_types", "message/cpim")
    resp = invite(alice, server.uri("bob"), sdp={"accept_types": "text/plain"})
    assert resp.status == 488
    assert "message/cpim" in resp.get("warning")
    server.wait_released()


def test_large_message_size_policy(server, make_ua, policy):
    alice, _ = make_ua("alice"), make_ua("bob")
    policy("*", "max_size", "1000")
    resp = invite(alice, server.uri("bob"), large=True,
                  sdp={"max_size": 5000, "direction": "sendonly"})
    assert resp.status == 488
    assert "1000" in resp.get("warning")


def test_incoming_session_barring(server, make_ua, policy):
    """TP-1 step 1: isb bars sessions (403 + 127), not pager messages;
    ipab bars pager and Large Message."""
    alice, bob = make_ua("alice"), make_ua("bob")
    bob.auto_reply["MESSAGE"] = 200
    policy("sip:bob@home1.net", "isb", "true")
    resp = invite(alice, server.uri("bob"))
    assert resp.status == 403 and warning_code(resp) == "127"
    assert alice.message(server.uri("bob"), "still fine").status == 200
    policy("sip:bob@home1.net", "ipab", "true")
    msg = alice.message(server.uri("bob"), "no")
    assert msg.status == 403 and warning_code(msg) == "127"
    large = invite(alice, server.uri("bob"), large=True, sdp={"direction": "sendonly"})
    assert large.status == 403 and warning_code(large) == "127"
    server.wait_released()


def test_access_rules(server, make_ua, access):
    """TP-1 step 2: a rule of the callee rejecting the sender: 403 + 122;
    the most specific rule decides."""
    alice, carol, bob = make_ua("alice"), make_ua("carol"), make_ua("bob")
    bob.auto_reply["MESSAGE"] = 200
    access("sip:bob@home1.net", "*@home1.net", "message-session", "reject")
    access("sip:bob@home1.net", "sip:carol@home1.net", "*", "allow")
    resp = invite(alice, server.uri("bob"))
    assert resp.status == 403 and warning_code(resp) == "122"
    assert alice.message(server.uri("bob"), "pager is another medium").status == 200
    s = ImSession(carol, bob, server.uri("bob")).start()
    s.bye_from_a()
    s.close()
    server.wait_released()


def test_policy_rpc_refuses_bad_input(server):
    for args in (["*", "nonsense", "x"], ["*", "service", "maybe"], ["*", "isb", "2"],
                 ["*", "max_size", "-1"], ["", "service", "deny"]):
        with pytest.raises(RpcError) as e:
            server.rpc.call("im_pf.policy_set", *args)
        assert e.value.code == 400
    with pytest.raises(RpcError):
        server.rpc.call("im_pf.access_set", "sip:bob@home1.net", "*", "video", "reject")
    with pytest.raises(RpcError):
        server.rpc.call("im_pf.access_set", "sip:bob@home1.net", "*", "*", "maybe")
    with pytest.raises(RpcError) as e:
        server.rpc.call("im_pf.peer_set", "home9.net", "sip:peer.example.com:5060")
    assert "numeric" in e.value.message
    assert server.rpc.call("im_pf.policy_list") == []


def test_direct_table_edits_take_effect_on_reload(server, make_ua):
    """Policy is cached in shared memory (read per request only for users
    known to have rows): an operator who edits the tables directly runs
    im_pf.reload, after which the edit applies; RPC edits apply at once."""
    alice, bob = make_ua("alice"), make_ua("bob")
    db = server.kamailio
    db.sql("INSERT INTO im_policy (scope, name, value) VALUES (?, 'service', 'deny')",
           ("sip:alice@home1.net",))
    try:
        assert server.rpc.call("im_pf.reload") == "ok"
        resp = invite(alice, server.uri("bob"))
        assert resp.status == 403 and warning_code(resp) == "127"
        db.sql("INSERT INTO im_access_rule (owner, sender, media, action) "
               "VALUES ('sip:bob@home1.net', 'sip:alice@home1.net', '*', 'reject')")
        db.sql("DELETE FROM im_policy WHERE scope = 'sip:alice@home1.net'")
        assert server.rpc.call("im_pf.reload") == "ok"
        resp = invite(alice, server.uri("bob"))
        assert resp.status == 403 and warning_code(resp) == "122"
    finally:
        db.sql("DELETE FROM im_policy WHERE scope = 'sip:alice@home1.net'")
        db.sql("DELETE FROM im_access_rule WHERE owner = 'sip:bob@home1.net'")
        server.rpc.call("im_pf.reload")
    s = ImSession(alice, bob, server.uri("bob")).start()
    s.bye_from_a()
    s.close()
    server.wait_released()
