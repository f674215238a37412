"""The relay as an MSRP endpoint (deferred messages, OMA 12): it receives
whole messages for Kamailio and keeps them until fetched, and it sends the
messages Kamailio hands it, reporting each one. Nothing is lost silently:
what cannot be kept is refused, what cannot be delivered is reported."""

import base64
import os

import pytest

from imtest.msrp import MsrpEndpoint
from imtest.procs import ImServer, wait_until
from imtest.relay_sessions import add_leg


def endpoint_leg(ctl, sid, setup="passive"):
    ctl.call("session.create", {"id": sid, "type": "endpoint"})
    return add_leg(ctl, sid, "user", MsrpEndpoint(), setup)


def test_received_message_is_kept_until_acknowledged(ctl, server):
    u = endpoint_leg(ctl, "e-store")
    body = os.urandom(200000)
    mid, _ = u.ep.send_message(body, content_type="application/octet-stream",
                               chunk_size=30000, success_report=True)
    # the relay is the far end: it confirms the whole message
    assert u.ep.wait_report(mid).get("Byte-Range") == f"1-{len(body)}/{len(body)}"
    wait_until(lambda: server.rpc.call("im_relay.show")[0]["last_event"] == "message_received",
               10, "message_received at kamailio")
    got = b""
    while len(got) < len(body):
        part = ctl.call("message.get", {"session": "e-store", "leg": "user", "message_id": mid,
                                        "offset": len(got), "length": 65536})
        assert part["size"] == len(body)
        assert part["content_type"] == "application/octet-stream"
        got += base64.b64decode(part["body_base64"])
    assert got == body
    assert ctl.call("message.ack", {"session": "e-store", "leg": "user",
                                    "message_id": mid}) == {"released": True}
    assert ctl.call("message.ack", {"session": "e-store", "leg": "user",
                                    "message_id": mid}) == {"released": False}
    assert ctl.call("stats")["msrp"]["engine"]["stored_bytes"] == 0


def test_push_sends_in_order_and_reports_delivery(ctl, server):
    u = endpoint_leg(ctl, "e-push", setup="active")
    ids = []
    for i in range(3):
        r = ctl.call("message.inject", {"session": "e-push", "leg": "user",
                                        "content_type": "message/cpim",
                                        "body": f"stored message {i}", "success_report": True})
        ids.append(r["message_id"])
    big = os.urandom(150000)
    r = ctl.call("message.inject", {"session": "e-push", "leg": "user",
                                    "content_type": "application/octet-stream",
                                    "body_base64": base64.b64encode(big).decode(),
                                    "message_id": "big-1"})
    assert r["message_id"] == "big-1"
    got = [u.ep.wait_message(index=i) for i in range(4)]
    assert [g.message_id for g in got] == ids + ["big-1"]
    assert got[0].body == b"stored message 0"
    assert got[3].body == big
    wait_until(lambda: server.rpc.call("im_relay.show")[0]["last_event"] == "delivery_report",
               10, "delivery_report at kamailio")


def test_inject_refuses_bad_requests(ctl):
    endpoint_leg(ctl, "e-bad")
    base = {"session": "e-bad", "leg": "user", "content_type": "text/plain"}
    for params, part in [({}, "exactly one of body"),
                         ({"body": "x", "body_base64": "eA=="}, "exactly one"),
                         ({"body_base64": "!!!"}, "not base64"),
                         ({"body": "x", "content_type": "a\r\nb"}, "content_type"),
                         ({"body": "x", "leg": "nobody"}, "no leg")]:
        from imtest.rpc import RpcError
        with pytest.raises(RpcError) as e:
            ctl.call("message.inject", {**base, **params})
        assert part in e.value.message


def test_store_limits_refuse_instead_of_losing(tmp_path):
    s = ImServer(str(tmp_path), relay_extra={"endpoint_max_message_kb": "64",
                                            "endpoint_store_max_mb": "1"}).start()
    try:
        with s.relay.control() as ctl:
            ctl.call("session.create", {"id": "e-lim", "type": "endpoint"})
            u = add_leg(ctl, "e-lim", "user", MsrpEndpoint())
            mid, tids = u.ep.send_message(os.urandom(100 * 1024), chunk_size=16384)
            assert u.ep.wait_response(tids[0]).status == 413
            # under the limit: fine; 20 of them fill the 1 MiB store
            statuses = []
            for i in range(20):
                _, t = u.ep.send_message(os.urandom(60 * 1024), chunk_size=65536)
                statuses.append(u.ep.wait_response(t[0]).status)
            assert 200 in statuses and 413 in statuses
            assert statuses.index(413) > 0 and all(x == 413 for x in statuses[statuses.index(413):])
    finally:
        assert s.stop() is None


def test_undelivered_push_is_reported_when_the_leg_goes(ctl, server):
    dead = MsrpEndpoint()                  # nobody listens: never delivered
    ctl.call("session.create", {"id": "e-gone", "type": "endpoint"})
    ctl.call("leg.add", {"session": "e-gone", "id": "user", "remote_path": dead.path})
    ctl.call("message.inject", {"session": "e-gone", "leg": "user",
                                "content_type": "text/plain", "body": "never"})
    before = server.rpc.call("im_relay.show")[0]["events"]
    ctl.call("session.destroy", {"id": "e-gone"})
    wait_until(lambda: server.rpc.call("im_relay.show")[0]["events"] > before, 10,
               "delivery_report for the undelivered message")
    assert server.rpc.call("im_relay.show")[0]["last_event"] == "delivery_report"
