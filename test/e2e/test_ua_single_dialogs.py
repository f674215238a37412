"""im_ua's single dialogs (uas_open/uas_answer, uac_invite, dlg_request and
the dialog hooks) through a real Kamailio: the test-only module
im_ua_probe (test/modules/im_ua_probe) owns the dialogs, on its own
probe.cfg; the test SIP UA is the other end. Each test ends with no dialog
left in im_ua."""

import os
import subprocess

import pytest

from conftest import stop_server
from imtest.procs import TOP, Kamailio, wait_until
from imtest.sdp import msrp_sdp
from imtest.sip import SipUA

PROBE_DIR = os.path.join(TOP, "test", "modules", "im_ua_probe")
OFFER = msrp_sdp("msrp://127.0.0.1:9999/client;tcp")


@pytest.fixture(scope="module")
def kam(tmp_path_factory):
    subprocess.run(["make", "-s", "-C", PROBE_DIR, "quiet=silent"], check=True,
                   stdout=subprocess.DEVNULL)
    k = Kamailio(str(tmp_path_factory.mktemp("probe")),
                 cfg=os.path.join(PROBE_DIR, "probe.cfg"),
                 defines={"PROBE_SO": f'"{PROBE_DIR}/im_ua_probe.so"'})
    k.start()
    yield k
    stop_server(k)


@pytest.fixture
def ua(kam):
    u = SipUA("alice", "home1.net", proxy=kam.sip_addr, local_ip=kam.ip)
    yield u
    u.close()


@pytest.fixture(autouse=True)
def released(request):
    """Each test leaves no dialog behind in im_ua."""
    yield
    if "kam" in request.fixturenames:
        k = request.getfixturevalue("kam")
        wait_until(lambda: k.rpc.call("im_ua.list") == [], 15, "im_ua.list empty")


def hooks(kam, key):
    """The hooks that ran for dialog key, in order, with their detail."""
    out = []
    for e in kam.rpc.call("im_ua_probe.events"):
        parts = e.split(" ", 2)
        if parts[1] == key:
            out.append((parts[0], parts[2] if len(parts) > 2 else ""))
    return out


def wait_hook(kam, key, hook):
    return wait_until(lambda: [d for h, d in hooks(kam, key) if h == hook], 15,
                      f"{hook} hook of {key}")


def one_dialog(kam, kind):
    dialogs = kam.rpc.call("im_ua.list")
    assert len(dialogs) == 1, dialogs
    assert dialogs[0]["kind"] == kind
    return dialogs[0]


def uri(kam, user):
    return f"sip:{user}@{kam.ip}:{kam.sip_port}"


# -- we are the UAS --

def answered_call(kam, ua, headers=None):
    call = ua.invite(uri(kam, "focus"), OFFER, headers=headers)
    assert call.tx.wait_response(lambda r: r.status == 180).status == 180
    final = call.wait_final()
    assert final.status == 200
    assert "isfocus" in final.get("contact")
    assert "a=path:msrp://127.0.0.1:7394/probe;tcp" in final.body.decode()
    return call, one_dialog(kam, "uas")


def test_uas_answered_message_bye_from_client(kam, ua):
    call, d = answered_call(kam, ua)
    wait_until(lambda: one_dialog(kam, "uas")["state"] == "confirmed", 10, "ACK")
    r = call.request("MESSAGE", body=b"hello focus", content_type="text/plain")
    assert r.status == 200
    assert r.body == b"hello focus"
    assert call.bye().status == 200
    wait_hook(kam, d["key"], "ended")
    assert [h for h, _ in hooks(kam, d["key"])] == ["open", "request", "ended"]
    assert hooks(kam, d["key"])[-1][1] == "BYE on leg a"


def test_uas_refer_gets_202_then_notify(kam, ua):
    call, d = answered_call(kam, ua)
    resp = ua.refer(call.dialog.remote_target, "<sip:bob@home1.net>", dialog=call.dialog)
    assert resp.status == 202
    notify = ua.wait_request("NOTIFY")
    assert notify.msg.get("event") == "refer"
    assert notify.msg.body == b"SIP/2.0 200 OK\r\n"
    assert notify.msg.call_id == call.dialog.call_id
    notify.reply(200)
    assert wait_hook(kam, d["key"], "notify") == ["200"]
    assert call.bye().status == 200


def test_uas_terminate_sends_bye(kam, ua):
    call, d = answered_call(kam, ua)
    assert kam.rpc.call("im_ua.terminate", d["key"]) == "terminated"
    bye = ua.wait_request("BYE")
    assert bye.msg.call_id == call.dialog.call_id
    bye.reply(200)
    assert wait_hook(kam, d["key"], "ended") == ["terminated by rpc"]


def test_uas_reoffer_answered_by_owner(kam, ua):
    call, d = answered_call(kam, ua)
    r = call.reinvite(OFFER)
    assert r.status == 200
    assert "a=path:msrp://127.0.0.1:7394/probe;tcp" in r.body.decode()
    wait_hook(kam, d["key"], "reoffer")
    assert call.bye().status == 200


def test_uas_session_timer_refreshed_by_us(kam, ua):
    # 4 s, we refresh (refresher=uas): an UPDATE at half the interval
    call, d = answered_call(kam, ua, headers=[
        ("Supported", "timer"), ("Session-Expires", "4;refresher=uas"),
        ("Allow", "INVITE, ACK, BYE, CANCEL, UPDATE, MESSAGE")])
    assert call.final.get("session-expires").startswith("4;refresher=uas")
    upd = ua.wait_request("UPDATE", timeout=6)
    assert upd.msg.get("session-expires").startswith("4")
    upd.reply(200, headers=[("Session-Expires", "4;refresher=uac"), ("Supported", "timer")])
    # refreshed again, so still up after the first interval
    ua.wait_request("UPDATE", timeout=6).reply(
        200, headers=[("Session-Expires", "4;refresher=uac"), ("Supported", "timer")])
    assert one_dialog(kam, "uas")["state"] == "confirmed"
    assert call.bye().status == 200


def test_uas_session_expiry_ends_dialog(kam, ua):
    # 3 s, the client refreshes (refresher=uac) and does not: a BYE
    call, d = answered_call(kam, ua, headers=[
        ("Supported", "timer"), ("Session-Expires", "3;refresher=uac")])
    assert call.final.get("session-expires").startswith("3;refresher=uac")
    bye = ua.wait_request("BYE", timeout=8)
    assert bye.msg.call_id == call.dialog.call_id
    bye.reply(200)
    assert wait_hook(kam, d["key"], "ended") == ["session timer of leg a expired"]


def test_uas_cancel_before_answer(kam, ua):
    call = ua.invite(uri(kam, "ring"), OFFER)
    call.tx.wait_response(lambda r: r.status == 180)
    key = one_dialog(kam, "uas")["key"]
    assert call.cancel().status == 200
    assert call.wait_final().status == 487
    assert wait_hook(kam, key, "ended") == ["cancelled"]


def test_uas_terminate_before_answer_gets_480(kam, ua):
    call = ua.invite(uri(kam, "ring"), OFFER)
    call.tx.wait_response(lambda r: r.status == 180)
    key = one_dialog(kam, "uas")["key"]
    kam.rpc.call("im_ua.terminate", key)
    assert call.wait_final().status == 480
    wait_hook(kam, key, "ended")


def test_uas_no_ack_ends_dialog(kam, ua):
    call = ua.invite(uri(kam, "focus"), OFFER)
    assert call.wait_final(ack=False).status == 200
    key = one_dialog(kam, "uas")["key"]
    # ack_timeout is 2 s in probe.cfg: no ACK, a BYE
    bye = ua.wait_request("BYE", timeout=8)
    bye.reply(200)
    assert wait_hook(kam, key, "ended") == ["no ACK for the 2xx of leg a"]


# -- we are the UAC --

def probe_invite(kam, ua, *extra):
    key = kam.rpc.call("im_ua_probe.invite", ua.contact_uri, *extra)
    inv = ua.wait_request("INVITE")
    assert inv.msg.get("content-type") == "application/sdp"
    return key, inv


def test_uac_answered_then_bye_from_callee(kam, ua):
    key, inv = probe_invite(kam, ua)
    inv.reply(180)
    inv.reply(200, body=OFFER, content_type="application/sdp")
    ua.wait_request("ACK")
    assert wait_hook(kam, key, "answered") == ["200"]
    assert one_dialog(kam, "uac")["state"] == "confirmed"
    d = inv.dialog
    r = ua.request_in_dialog(d, "MESSAGE", body=b"hello caller", content_type="text/plain")
    assert r.status == 200
    assert r.body == b"hello caller"
    assert ua.request_in_dialog(d, "INFO").status == 405
    assert ua.request_in_dialog(d, "BYE").status == 200
    wait_hook(kam, key, "ended")
    assert [h for h, _ in hooks(kam, key)] == [
        "invite", "answered", "request", "request", "ended"]


def test_uac_bye_from_us(kam, ua):
    key, inv = probe_invite(kam, ua)
    inv.reply(200, body=OFFER, content_type="application/sdp")
    ua.wait_request("ACK")
    wait_hook(kam, key, "answered")
    kam.rpc.call("im_ua.terminate", key)
    ua.wait_request("BYE").reply(200)
    assert wait_hook(kam, key, "ended") == ["terminated by rpc"]


def test_uac_rejected_calls_failed(kam, ua):
    key, inv = probe_invite(kam, ua)
    inv.reply(486)
    assert wait_hook(kam, key, "failed") == ["486"]
    wait_hook(kam, key, "ended")
    assert [h for h, _ in hooks(kam, key)] == ["invite", "failed", "ended"]


def test_uac_cancel_by_terminate_while_ringing(kam, ua):
    key, inv = probe_invite(kam, ua)
    inv.reply(180)
    wait_until(lambda: one_dialog(kam, "uac")["state"] == "inviting", 5, "inviting")
    kam.rpc.call("im_ua.terminate", key)
    assert ua.wait_request("CANCEL").msg.method == "CANCEL"
    assert wait_hook(kam, key, "failed") == ["487"]
    wait_hook(kam, key, "ended")
    assert [h for h, _ in hooks(kam, key)] == ["invite", "failed", "ended"]


def test_uac_session_timer_asked(kam, ua):
    key, inv = probe_invite(kam, ua, 90)
    assert inv.msg.get("session-expires") == "90"
    inv.reply(200, body=OFFER, content_type="application/sdp",
              headers=[("Session-Expires", "90;refresher=uac"), ("Require", "timer")])
    ua.wait_request("ACK")
    assert one_dialog(kam, "uac")["b"]["session_expires"] == 90
    assert ua.request_in_dialog(inv.dialog, "BYE").status == 200
    wait_hook(kam, key, "ended")
