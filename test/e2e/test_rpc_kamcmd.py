"""Every RPC command of our modules (im_pf, im_relay, im_ua, im_sqlite) called
through the real `kamcmd` on the server's ctl socket, as an operator types
it (issue 9 item 4): kamcmd sends an argument that reads as a whole number
as an integer, which each command takes where it takes text; lists take
their documented forms; a missing or extra argument is refused with an
error that names it, never ignored."""

import subprocess

import pytest

from imtest.msrp import MsrpEndpoint
from imtest.sdp import msrp_sdp


def kamcmd(server, *args):
    """(exit code, what kamcmd printed) for one command."""
    out = subprocess.run(["kamcmd", "-s", f"unix:{server.kamailio.ctl_sock}", *args],
                         capture_output=True, text=True, timeout=30)
    return out.returncode, out.stdout + out.stderr


def ok(server, *args):
    rc, text = kamcmd(server, *args)
    assert rc == 0 and "error" not in text, f"kamcmd {args}: {text}"
    return text


def refused(server, *args):
    rc, text = kamcmd(server, *args)
    assert "error: 400" in text, f"kamcmd {args} was not refused: {rc} {text}"
    return text


def peers(server):
    return {p["domain"]: p for p in server.rpc.call("im_pf.peer_list")}


def test_policy_set_takes_a_number_as_typed(server, make_ua):
    """`max_size 100000` arrives as an integer: stored as 100000 and in
    force; `s:100000` (kamcmd's forced string) and jsonrpcs numbers too."""
    alice, _ = make_ua("alice"), make_ua("bob")
    try:
        assert ok(server, "im_pf.policy_set", "*", "max_size", "1000").strip() == "ok"
        assert server.rpc.call("im_pf.policy_list", "*") == [
            {"scope": "*", "name": "max_size", "value": "1000"}]
        ep = MsrpEndpoint()
        call = alice.invite(server.uri("bob"),
                            msrp_sdp(ep.path, max_size=5000, direction="sendonly"),
                            headers=[("Accept-Contact", "*;+g.oma.sip-im.large-message")])
        resp = call.wait_final()
        ep.close()
        assert resp.status == 488 and "1000" in resp.get("warning")
        ok(server, "im_pf.policy_set", "*", "max_size", "s:100000")
        assert server.rpc.call("im_pf.policy_list", "*")[0]["value"] == "100000"
        assert server.rpc.call("im_pf.policy_set", "*", "max_size", 200000) == "ok"
        assert server.rpc.call("im_pf.policy_list", "*")[0]["value"] == "200000"
        # a number where a name is expected is still checked as a name
        assert "unknown policy 42" in refused(server, "im_pf.policy_set", "*", "42", "1")
    finally:
        server.rpc.call("im_pf.policy_del", "*", "max_size")


def test_peer_features_in_every_documented_form(server):
    domain, addr = "home9.net", "sip:127.0.0.9:5060"
    try:
        ok(server, "im_pf.peer_set", domain, addr, "pager", "large_message", "address")
        assert (peers(server)[domain]["features"], peers(server)[domain]["trust"]) == (
            "pager,large_message", "address")
        ok(server, "im_pf.peer_set", domain, addr, "history,pager", "tls")
        assert (peers(server)[domain]["features"], peers(server)[domain]["trust"]) == (
            "pager,history", "tls")
        ok(server, "im_pf.peer_set", domain, addr, "none", "address")
        assert peers(server)[domain]["features"] == "none"
        ok(server, "im_pf.peer_set", domain, addr)
        assert (peers(server)[domain]["features"], peers(server)[domain]["trust"]) == ("*", "tls")
        # a word that is neither a feature nor a trust is named, and the
        # peer stays as it was
        text = refused(server, "im_pf.peer_set", domain, addr, "pager", "large_mesage")
        assert "unknown feature 'large_mesage'" in text
        assert "unknown feature 'pagr'" in refused(server, "im_pf.peer_set", domain, addr,
                                                   "pagr,history")
        assert "trust given twice" in refused(server, "im_pf.peer_set", domain, addr,
                                              "tls", "address")
        assert peers(server)[domain]["features"] == "*"
    finally:
        server.rpc.call("im_pf.peer_del", domain)


def test_numbers_where_text_is_expected(server):
    """A Call-ID, a relay name, a user or a domain made of digits arrives
    as an integer: each command looks it up as the text it is."""
    assert "404 - no call 12345" in kamcmd(server, "im_ua.show", "12345")[1]
    assert "404 - no call 12345" in kamcmd(server, "im_ua.terminate", "12345")[1]
    assert "404 - no relay named 7" in kamcmd(server, "im_relay.ping", "7")[1]
    assert "404 - no relay named 7" in kamcmd(server, "im_relay.show", "7")[1]
    try:
        ok(server, "im_pf.access_set", "123", "456", "*", "reject")
        assert server.rpc.call("im_pf.access_list", "123") == [
            {"owner": "123", "sender": "456", "media": "*", "action": "reject"}]
        assert "owner: 123" in ok(server, "im_pf.access_list", "123")
    finally:
        ok(server, "im_pf.access_del", "123", "456", "*")
    assert server.rpc.call("im_pf.access_list") == []
    assert "relay: relay1" in ok(server, "im_relay.ping", "relay1")


EXTRA = [
    ("im_pf.reload",),
    ("im_pf.policy_set", "*", "service", "allow"),
    ("im_pf.policy_del", "*", "service"),
    ("im_pf.policy_list", "*"),
    ("im_pf.access_set", "sip:bob@home1.net", "*", "*", "allow"),
    ("im_pf.access_del", "sip:bob@home1.net", "*", "*"),
    ("im_pf.access_list", "sip:bob@home1.net"),
    ("im_pf.peer_del", "home9.net"),
    ("im_pf.peer_list",),
    ("im_pf.peer_reload",),
    ("im_relay.ping", "relay1"),
    ("im_relay.show", "relay1"),
    ("im_relay.event", "relay1", "ping", "{}"),
    ("im_ua.list",),
    ("im_ua.show", "key"),
    ("im_ua.terminate", "key"),
    ("im_ua.stats",),
    ("im_sqlite.show",),
]


@pytest.mark.parametrize("command", EXTRA, ids=[c[0] for c in EXTRA])
def test_an_extra_argument_is_refused_by_name(server, command):
    for extra in ("surplus", "99"):
        text = refused(server, *command, extra)
        assert f"unexpected argument {len(command)} '{extra}'" in text, text
    # nothing was done: no policy, rule or peer appeared
    assert server.rpc.call("im_pf.policy_list") == []
    assert server.rpc.call("im_pf.access_list") == []
    assert "home9.net" not in peers(server)


def test_a_missing_argument_is_named(server):
    assert "missing argument value" in refused(server, "im_pf.policy_set", "*", "max_size")
    assert "missing argument media" in refused(server, "im_pf.access_del", "a", "b")
    assert "missing argument address" in refused(server, "im_pf.peer_set", "home9.net")
    assert "missing argument call key" in refused(server, "im_ua.show")
    # kamcmd sends 1.5 as a floating-point number, which Kamailio's ctl
    # cannot give as text: refused, with the way to send it as text
    text = refused(server, "im_pf.policy_set", "*", "client_version", "1.5")
    assert "s:1.5" in text
    ok(server, "im_pf.policy_set", "*", "client_version", "s:1.5")
    try:
        assert server.rpc.call("im_pf.policy_list", "*")[0]["value"] == "1.5"
    finally:
        server.rpc.call("im_pf.policy_del", "*", "client_version")
