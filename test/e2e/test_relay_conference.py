"""The relay's conference switch (the controlling function's user plane,
MS-1..MS-4, UP-3, D-18, D-21): CPIM From checked, broadcast unmodified,
private messages, max-size skips reported to Kamailio, legs added and
removed while the session runs."""

import pytest

from imtest import cpim
from imtest.msrp import MsrpEndpoint
from imtest.procs import wait_until
from imtest.relay_sessions import add_leg, attach, conference

CONF = "sip:conf-1234@home1.net"


def send_cpim(member, frm, to, text, **kw):
    body = cpim.build(frm, to, text)
    return member.ep.send_message(body, content_type="message/cpim", **kw), body


def test_broadcast_reaches_everyone_else_unmodified(ctl):
    m = conference(ctl, "c-bcast", CONF, {"alice": {}, "bob": {}, "carol": {}})
    (mid, [tid]), body = send_cpim(m["alice"], '"Alice" <sip:alice@home1.net>',
                                   f"<{CONF}>", "hello all", success_report=True)
    assert m["alice"].ep.wait_response(tid).status == 200
    for u in ("bob", "carol"):
        got = m[u].ep.wait_message()
        assert got.body == body                      # D-18: not modified
        assert got.message_id == mid                 # nor the Message-ID
        assert cpim.parse(got.body).get("To") == f"<{CONF}>"
    assert m["alice"].ep.completed == []
    # the switch confirms the whole message to its sender
    assert m["alice"].ep.wait_report(mid).get("Status") == "000 200 OK"


def test_forged_cpim_from_is_403(ctl):
    m = conference(ctl, "c-forge", CONF, {"alice": {}, "bob": {}})
    (mid, [tid]), _ = send_cpim(m["alice"], "<sip:bob@home1.net>", f"<{CONF}>", "I am bob")
    resp = m["alice"].ep.wait_response(tid)
    assert resp.status == 403
    assert "CPIM From" in resp.comment
    # later chunks of the refused message are refused too
    (mid2, _), _ = send_cpim(m["alice"], "<sip:alice@home1.net>", f"<{CONF}>", "honest")
    assert m["bob"].ep.wait_message().body.endswith(b"honest")
    assert len(m["bob"].ep.completed) == 1


def test_non_cpim_payload_refused_unless_allowed(ctl):
    m = conference(ctl, "c-plain", CONF, {"alice": {}, "bob": {}})
    mid, [tid] = m["alice"].ep.send_message(b"bare text")
    assert m["alice"].ep.wait_response(tid).status == 415
    ctl.call("session.create", {"id": "c-plain", "type": "conference", "allow_non_cpim": True})
    m["alice"].ep.send_message(b"bare text")
    assert m["bob"].ep.wait_message().body == b"bare text"


def test_private_message_goes_only_to_its_recipient(ctl):
    m = conference(ctl, "c-priv", CONF, {"alice": {}, "bob": {}, "carol": {}})
    (mid, [tid]), body = send_cpim(m["alice"], "<sip:alice@home1.net>",
                                   "<sip:carol@home1.net>", "just you")
    assert m["alice"].ep.wait_response(tid).status == 200
    assert m["carol"].ep.wait_message().body == body
    (mid2, _), _ = send_cpim(m["alice"], "<sip:alice@home1.net>", f"<{CONF}>", "everyone")
    assert m["bob"].ep.wait_message().body.endswith(b"everyone")   # bob's first


@pytest.mark.parametrize("case,expect", [
    ("not allowed", "private messages not allowed"),
    ("not a member", "recipient not in the session"),
    ("not an OMA client", "recipient cannot take private messages"),
])
def test_private_message_refusals(ctl, case, expect):
    users = {"alice": {}, "bob": {"version": "SomePhone/2.0" if case == "not an OMA client"
                                  else "IM-client/OMA1.0"}}
    opts = {"private_messages": False} if case == "not allowed" else {}
    m = conference(ctl, "c-refuse", CONF, users, **opts)
    to = "<sip:zed@home1.net>" if case == "not a member" else "<sip:bob@home1.net>"
    (mid, [tid]), _ = send_cpim(m["alice"], "<sip:alice@home1.net>", to, "psst")
    resp = m["alice"].ep.wait_response(tid)
    assert resp.status == 403 and resp.comment == expect
    assert m["bob"].ep.completed == []


def test_recipient_with_small_max_size_is_skipped_and_reported(ctl, server):
    m = conference(ctl, "c-size", CONF, {"alice": {}, "bob": {}, "carol": {"max_size": 200}})
    (mid, _), body = send_cpim(m["alice"], "<sip:alice@home1.net>", f"<{CONF}>", "x" * 500)
    assert m["bob"].ep.wait_message().body == body
    wait_until(lambda: server.rpc.call("im_relay.show")[0]["last_event"] == "delivery_report",
               10, "delivery_report at kamailio")
    assert m["carol"].ep.completed == []
    # NNI-18: the sender gets a failure REPORT naming the skipped recipient
    report = m["alice"].ep.wait_report(mid)
    assert report.get("Status") == "000 413 max-size of sip:carol@home1.net"
    # a small one still reaches carol
    (mid2, _), small = send_cpim(m["alice"], "<sip:alice@home1.net>", f"<{CONF}>", "hi")
    assert m["carol"].ep.wait_message().body == small


def test_legs_added_and_removed_live(ctl):
    m = conference(ctl, "c-live", CONF, {"alice": {}, "bob": {}})
    dave = add_leg(ctl, "c-live", "dave", MsrpEndpoint(), identity="sip:dave@home1.net",
                   version="IM-client/OMA1.0")
    send_cpim(m["alice"], "<sip:alice@home1.net>", f"<{CONF}>", "welcome dave")
    assert dave.ep.wait_message().body.endswith(b"welcome dave")
    assert m["bob"].ep.wait_message().body.endswith(b"welcome dave")
    assert ctl.call("leg.remove", {"session": "c-live", "id": "bob"}) == {"removed": True}
    assert m["bob"].ep.wait_closed()
    send_cpim(m["alice"], "<sip:alice@home1.net>", f"<{CONF}>", "bob left")
    assert dave.ep.wait_message(index=1).body.endswith(b"bob left")
    assert len(m["bob"].ep.completed) == 1


@pytest.mark.parametrize("setup", ["passive", "active"])
def test_invitee_not_answered_yet_is_no_recipient(ctl, setup):
    """A leg offered to an invitee whose SDP answer has not come (no
    remote path) is not in the conference yet: a broadcast meanwhile is
    not addressed to it, a private message to it is refused, and once its
    answer comes (leg.update) its first frame is a well-formed SEND. Before,
    the broadcast was queued for it with an empty To-Path, which its peer
    (a relay across the NNI) refused, closing the invitee's media."""
    m = conference(ctl, f"c-ring-{setup}", CONF, {"alice": {}, "bob": {}})
    sid = f"c-ring-{setup}"
    leg = ctl.call("leg.add", {"session": sid, "id": "dave", "setup": setup,
                               "identity": "sip:dave@home1.net",
                               "version": "IM-client/OMA1.0"})
    send_cpim(m["alice"], "<sip:alice@home1.net>", f"<{CONF}>", "while dave rings")
    assert m["bob"].ep.wait_message().body.endswith(b"while dave rings")
    (mid, [tid]), _ = send_cpim(m["alice"], "<sip:alice@home1.net>",
                                "<sip:dave@home1.net>", "psst")
    resp = m["alice"].ep.wait_response(tid)
    assert (resp.status, resp.comment) == (403, "recipient not in the session")
    # the answer comes: dave's path known, his media connects
    dave = MsrpEndpoint()
    if setup == "active":
        dave.listen()
    ctl.call("leg.update", {"session": sid, "id": "dave", "remote_path": dave.path})
    attach(dave, leg["local_path"], setup)
    send_cpim(m["alice"], "<sip:alice@home1.net>", f"<{CONF}>", "welcome dave")
    assert m["bob"].ep.wait_message(index=1).body.endswith(b"welcome dave")
    wait_until(lambda: [c.body for c in dave.completed if c.body], 10, "dave's first text")
    # the only text dave ever got, every SEND addressed to him
    texts = [c.body for c in dave.completed if c.body]
    assert len(texts) == 1 and texts[0].endswith(b"welcome dave"), texts
    sends = [f for f in dave.frames if f.is_request and f.method == "SEND"]
    assert sends and all(f.get("To-Path") == dave.path for f in sends), sends
    assert not dave.peer_closed and not dave.errors


def test_chunked_cpim_message_fans_out_whole(ctl):
    m = conference(ctl, "c-chunks", CONF, {"alice": {}, "bob": {}, "carol": {}})
    body = cpim.build("<sip:alice@home1.net>", f"<{CONF}>", "y" * 300000)
    m["alice"].ep.send_message(body, content_type="message/cpim", chunk_size=10000)
    for u in ("bob", "carol"):
        assert m[u].ep.wait_message(timeout=30).body == body
