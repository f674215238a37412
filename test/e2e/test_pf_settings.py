"""Service settings (OMA TS 6.1.1.5, App E; OP-12, SS-1, E2E-22, E2E-27):
PUBLISH Event: poc-settings through its RFC 3903 life cycle, what the
terminating function makes of isb and ipab (403 + Warning 127, TP-1), and
what survives a restart. Each step is asserted on what clients receive
and on im_pf.settings_show."""

import threading

import pytest

from conftest import stop_server
from imtest.db import BACKENDS
from imtest.settings import CT, publish, settings
from imtest.msrp import MsrpEndpoint
from imtest.procs import ImServer, wait_until
from imtest.sdp import msrp_sdp
from imtest.sip import SipUA
from imtest.sip import warning_code

# issue 11: the settings are stored through Kamailio's DB API, on SQLite
# and on PostgreSQL alike
pytestmark = pytest.mark.parametrize("db_backend", BACKENDS, indirect=True, scope="module")

# clients PUBLISHing at once, each from its own port; five per loopback
# address (127.0.0.50 ...), far below PIKE_DENSITY
CROWD = 40
PER_ADDRESS = 5
FIRST_ADDRESS = 50


def crowd_user(i):
    return f"pub{i:02d}"


@pytest.fixture(scope="module")
def server(tmp_path_factory, new_database):
    """A server whose settings may expire after one second and whose
    expiry timer runs every second, with the crowd's users."""
    s = ImServer(str(tmp_path_factory.mktemp("settings")),
                 defines={"SETTINGS_MIN_EXPIRES": "1", "SETTINGS_TIMER": "1"},
                 database=new_database())
    s.USERS = ImServer.USERS + tuple(crowd_user(i) for i in range(CROWD))
    s.start()
    yield s
    stop_server(s)


@pytest.fixture(autouse=True)
def no_settings_left(server):
    """Each test starts from users who published nothing."""
    yield
    for s in server.rpc.call("im_pf.settings_list"):
        assert server.rpc.call("im_pf.settings_del", s["aor"]) == "ok"


def show(server, user):
    return server.rpc.call("im_pf.settings_show", server.uri(user))


def invite_status(caller, callee_uri):
    ep = MsrpEndpoint()
    call = caller.invite(callee_uri, msrp_sdp(ep.path))
    resp = call.wait_final()
    ep.close()
    return resp


def test_lifecycle_publish_refresh_modify_remove(server, make_ua):
    """RFC 3903: initial (200 + SIP-ETag + Expires), refresh (new ETag, the
    old one no longer matches), modify (new settings apply), remove
    (Expires: 0, the defaults apply again); each visible to a caller."""
    alice, bob = make_ua("alice"), make_ua("bob")
    bob.auto_reply["MESSAGE"] = 200

    r = publish(bob, settings(ipab=True), expires=600)
    assert r.status == 200
    etag1 = r.get("sip-etag")
    assert etag1 and r.get("expires") == "600"
    s = show(server, "bob")
    assert (s["published"], s["etag"], s["ipab"], s["isb"]) == (1, etag1, 1, 0)
    barred = alice.message(server.uri("bob"), "barred?")
    assert barred.status == 403 and warning_code(barred) == "127"

    r = publish(bob, etag=etag1, expires=900)
    assert r.status == 200
    etag2 = r.get("sip-etag")
    assert etag2 and etag2 != etag1 and r.get("expires") == "900"
    assert show(server, "bob")["ipab"] == 1
    assert publish(bob, etag=etag1).status == 412

    r = publish(bob, settings(ipab=False, offline=True), etag=etag2)
    assert r.status == 200
    etag3 = r.get("sip-etag")
    assert etag3 not in (etag1, etag2)
    s = show(server, "bob")
    assert (s["etag"], s["ipab"], s["offline_delivery"]) == (etag3, 0, 1)
    assert alice.message(server.uri("bob"), "now fine").status == 200

    r = publish(bob, settings(ipab=True), etag=etag3)
    etag4 = r.get("sip-etag")
    assert r.status == 200 and alice.message(server.uri("bob"), "x").status == 403
    r = publish(bob, etag=etag4, expires=0)
    assert r.status == 200 and r.get("expires") == "0"
    s = show(server, "bob")
    assert (s["published"], s["ipab"], s["vis_status"]) == (0, 0, 1)
    assert alice.message(server.uri("bob"), "after removal").status == 200
    assert publish(bob, etag=etag4).status == 412


def test_unknown_etag_is_412(server, make_ua):
    bob = make_ua("bob")
    assert publish(bob, etag="no-such-etag").status == 412
    assert publish(bob, settings(isb=True), etag="no-such-etag").status == 412
    assert show(server, "bob")["published"] == 0


def test_unknown_event_is_489(server, make_ua):
    bob = make_ua("bob")
    r = publish(bob, b"<presence/>", event="presence", content_type="application/pidf+xml")
    assert r.status == 489
    assert r.get("allow-events") == "poc-settings"
    # no Event header at all
    r = bob.request("PUBLISH", bob.aor, headers=[("Expires", "60")],
                    body=settings(isb=True), content_type=CT)
    assert r.status == 489
    assert show(server, "bob")["published"] == 0


def test_malformed_document_is_400_and_old_settings_stay(server, make_ua):
    alice, bob = make_ua("alice"), make_ua("bob")
    bob.auto_reply["MESSAGE"] = 200
    r = publish(bob, settings(ipab=True))
    etag = r.get("sip-etag")
    assert r.status == 200

    bad = publish(bob, settings(ipab=False).replace("</entity>", ""), etag=etag)
    assert bad.status == 400
    assert "malformed xml" in bad.get("warning")
    not_boolean = publish(bob, settings(ipab=False).replace('active="false"', 'active="no"'),
                          etag=etag)
    assert not_boolean.status == 400
    wrong_root = publish(bob, '<settings xmlns="urn:example"/>', etag=etag)
    assert wrong_root.status == 400
    # an initial publication that does not parse stores nothing either
    assert publish(bob, "<poc-settings").status == 400

    s = show(server, "bob")
    assert (s["etag"], s["ipab"]) == (etag, 1)
    msg = alice.message(server.uri("bob"), "still barred")
    assert msg.status == 403 and warning_code(msg) == "127"
    # the server still serves, and the entity tag still works
    assert publish(bob, etag=etag).status == 200


def test_unknown_namespaces_are_ignored(server, make_ua):
    bob = make_ua("bob")
    extra = ('<x:colour xmlns:x="urn:example:x" active="purple"/>'
             '<am-settings><answer-mode>automatic</answer-mode></am-settings>')
    r = publish(bob, settings(isb=True, vis=False, extra=extra))
    assert r.status == 200
    s = show(server, "bob")
    assert (s["isb"], s["vis_status"], s["ipab"]) == (1, 0, 0)


def test_wrong_content_type_is_415(server, make_ua):
    bob = make_ua("bob")
    r = publish(bob, settings(isb=True), content_type="application/xml")
    assert r.status == 415
    assert r.get("accept") == CT
    assert show(server, "bob")["published"] == 0


def test_publishing_another_users_settings_is_403(server, make_ua):
    alice, bob = make_ua("alice"), make_ua("bob")
    bob.auto_reply["MESSAGE"] = 200
    # To and Request-URI bob's, or only the Request-URI: the credentials
    # are alice's (6.1.1.5 step 3)
    r = publish(alice, settings(ipab=True), uri=server.uri("bob"))
    assert r.status == 403 and warning_code(r) == "127"
    r = alice.request("PUBLISH", server.uri("bob"), to=f"<{alice.aor}>",
                      headers=[("Event", "poc-settings"), ("Expires", "60")],
                      body=settings(ipab=True), content_type=CT)
    assert r.status == 403 and warning_code(r) == "127"
    assert show(server, "bob")["published"] == 0
    assert alice.message(server.uri("bob"), "not barred").status == 200


def test_isb_bars_sessions_not_pager(server, make_ua):
    """TP-1 step 1: isb -> an INVITE gets 403 + 127; a MESSAGE passes."""
    alice, bob = make_ua("alice"), make_ua("bob")
    bob.auto_reply["MESSAGE"] = 200
    assert publish(bob, settings(isb=True)).status == 200
    resp = invite_status(alice, server.uri("bob"))
    assert resp.status == 403 and warning_code(resp) == "127"
    assert alice.message(server.uri("bob"), "pager still fine").status == 200
    server.wait_released()


def test_ipab_bars_pager_not_sessions(server, make_ua):
    """TP-1 step 1: ipab -> a MESSAGE gets 403 + 127; an INVITE reaches
    the callee."""
    alice, bob = make_ua("alice"), make_ua("bob")
    assert publish(bob, settings(ipab=True)).status == 200
    msg = alice.message(server.uri("bob"), "no")
    assert msg.status == 403 and warning_code(msg) == "127"
    bob.auto_reply["INVITE"] = 486
    assert invite_status(alice, server.uri("bob")).status == 486
    server.wait_released()


def test_expired_settings_stop_applying_and_are_removed(server, make_ua):
    alice, bob = make_ua("alice"), make_ua("bob")
    bob.auto_reply["MESSAGE"] = 200
    r = publish(bob, settings(ipab=True), expires=2)
    etag = r.get("sip-etag")
    assert r.status == 200 and r.get("expires") == "2"
    # the timer removes the expired publication from the table and the DB
    wait_until(lambda: server.rpc.call("im_pf.settings_list") == []
               and server.kamailio.sql("SELECT aor FROM im_settings") == [],
               15, "expiry of bob's settings")
    assert alice.message(server.uri("bob"), "expired barring").status == 200
    assert publish(bob, etag=etag).status == 412


def test_parallel_publishes_each_get_one_answer(server):
    """CROWD clients PUBLISH at once, twice each (initial, then modify):
    every transaction gets exactly one final response, a 200, and what
    the server holds is each user's last publication."""
    uas = [SipUA(crowd_user(i), server.domain, server.password(crowd_user(i)),
                 proxy=server.sip_addr, transport="tcp" if i % 2 else "udp",
                 local_ip=f"127.0.0.{FIRST_ADDRESS + i // PER_ADDRESS}")
           for i in range(CROWD)]
    results = {}
    barrier = threading.Barrier(CROWD)

    def run(ua):
        barrier.wait()
        first = publish(ua, settings(isb=True))
        second = publish(ua, settings(isb=False, ipab=True), etag=first.get("sip-etag"))
        results[ua.user] = (first, second)

    threads = [threading.Thread(target=run, args=(ua,)) for ua in uas]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert len(results) == CROWD
        for ua in uas:
            for tx in ua.transactions():
                assert len(tx.finals()) == 1, f"{ua.user}: {tx.finals()}"
            first, second = results[ua.user]
            assert (first.status, second.status) == (200, 200)
            s = show(server, ua.user)
            assert (s["etag"], s["isb"], s["ipab"]) == (second.get("sip-etag"), 0, 1)
        assert len(server.rpc.call("im_pf.settings_list")) == CROWD
    finally:
        for ua in uas:
            ua.close()


def test_settings_survive_a_kamailio_kill_and_restart(server, make_ua):
    bob = make_ua("bob")
    r = publish(bob, settings(ipab=True, offline=True))
    assert r.status == 200
    etag = r.get("sip-etag")

    server.kamailio.proc.kill()
    server.kamailio.start()

    s = show(server, "bob")
    assert (s["published"], s["etag"], s["ipab"], s["offline_delivery"]) == (1, etag, 1, 1)
    alice, bob2 = make_ua("alice"), make_ua("bob")
    bob2.auto_reply["MESSAGE"] = 200
    msg = alice.message(server.uri("bob"), "barred after restart")
    assert msg.status == 403 and warning_code(msg) == "127"
    # and the entity tag is still bob's to refresh
    assert publish(bob2, etag=etag).status == 200
