"""The relay's bridge (the participating function's MSRP B2BUA, UP-1,
UP-2, D-20), driven over its control channel, with real MSRP endpoints
on both legs and real Kamailio receiving its events."""

import os

import pytest

from imtest.msrp import MsrpEndpoint
from imtest.procs import wait_until
from imtest.relay_sessions import bridge


@pytest.mark.parametrize("setups", [("passive", "passive"), ("passive", "active"),
                                    ("active", "active")])
def test_text_both_ways_with_reports(ctl, setups):
    a, b = bridge(ctl, "s-text", *setups)
    mid, [tid] = a.ep.send_message(b"hello bob", success_report=True)
    # the relay answers on the sender's hop (TR-1029 6.2.4)
    resp = a.ep.wait_response(tid)
    assert resp.status == 200
    assert resp.get("To-Path") == a.ep.path and resp.get("From-Path") == a.local_path
    got = b.ep.wait_message()
    assert got.body == b"hello bob" and got.message_id == mid
    # the frame b received is the relay's, on b's leg
    send = next(f for f in b.ep.frames if f.method == "SEND" and f.body)
    assert send.get("To-Path") == b.ep.path and send.get("From-Path") == b.local_path
    report = a.ep.wait_report(mid)
    assert report.get("Status") == "000 200 OK"
    assert report.get("Byte-Range") == "1-9/9"
    assert report.get("To-Path") == a.ep.path

    mid2, _ = b.ep.send_message(b"hi alice", success_report=True)
    assert a.ep.wait_message().body == b"hi alice"
    assert b.ep.wait_report(mid2).get("Status") == "000 200 OK"


def test_five_mib_in_64k_chunks_arrives_byte_identical(ctl):
    a, b = bridge(ctl, "s-big")
    body = os.urandom(5 * 1024 * 1024)
    mid, tids = a.ep.send_message(body, content_type="application/octet-stream",
                                  chunk_size=64 * 1024, success_report=True)
    assert len(tids) == 80
    got = b.ep.wait_message(timeout=60)
    assert got.body == body
    assert a.ep.wait_report(mid, timeout=60).get("Byte-Range") == f"1-{len(body)}/{len(body)}"
    for t in tids:
        assert a.ep.wait_response(t).status == 200


def test_rechunked_to_the_legs_max_chunk(ctl):
    a, b = bridge(ctl, "s-chunk", b_params={"max_chunk": 8192})
    body = os.urandom(100000)
    a.ep.send_message(body, content_type="application/octet-stream")
    got = b.ep.wait_message()
    assert got.body == body
    sends = [f for f in b.ep.frames if f.method == "SEND" and f.body]
    assert max(len(f.body) for f in sends) == 8192
    assert len(sends) == 13


def test_interrupted_message_keeps_byte_ranges(ctl):
    """A chunk ended with '+', continued later; a message aborted with '#'."""
    a, b = bridge(ctl, "s-interrupt")
    a.ep.send_frame("SEND", [("Message-ID", "m1"), ("Byte-Range", "1-5/10"),
                             ("Content-Type", "text/plain")], b"hello", "+")
    a.ep.send_frame("SEND", [("Message-ID", "m1"), ("Byte-Range", "6-10/10"),
                             ("Content-Type", "text/plain")], b"world", "$")
    assert b.ep.wait_message().body == b"helloworld"
    a.ep.send_frame("SEND", [("Message-ID", "m2"), ("Byte-Range", "1-3/9"),
                             ("Content-Type", "text/plain")], b"abc", "#")
    wait_until(lambda: any(f.flag == "#" for f in b.ep.frames), 10, "aborted chunk")
    assert b.ep.messages["m2"].aborted


def test_peer_error_becomes_failure_report(ctl):
    a, b = bridge(ctl, "s-fail")
    b.ep.respond = 415
    mid, [tid] = a.ep.send_message(b"not wanted")
    assert a.ep.wait_response(tid).status == 200       # our hop took it
    report = a.ep.wait_report(mid)
    assert report.get("Status").startswith("000 415")
    # asked for no failure reports: none
    mid2, _ = a.ep.send_message(b"quiet", failure_report="no")
    mid3, _ = a.ep.send_message(b"loud")
    a.ep.wait_report(mid3)
    assert not any(r.get("Message-ID") == mid2 for r in a.ep.reports)


def test_session_get_and_destroy_close_the_connections(ctl, server):
    a, b = bridge(ctl, "s-life")
    s = ctl.call("session.get", {"id": "s-life"})
    assert [l["state"] for l in s["legs"]] == ["connected", "connected"]
    assert s["legs"][0]["local_path"] == a.local_path
    assert ctl.call("session.destroy", {"id": "s-life"}) == {"destroyed": True}
    assert a.ep.wait_closed() and b.ep.wait_closed()
    assert ctl.call("session.destroy", {"id": "s-life"}) == {"destroyed": False}
    assert all(x["id"] != "s-life" for x in ctl.call("session.list"))


def test_leg_closed_event_reaches_kamailio(ctl, server):
    a, b = bridge(ctl, "s-close")
    before = server.rpc.call("im_relay.show")[0]["events"]
    b.ep.close()
    wait_until(lambda: ctl.call("session.get", {"id": "s-close"})["legs"][1]["state"] == "closed",
               10, "leg closed")
    wait_until(lambda: server.rpc.call("im_relay.show")[0]["last_event"] == "leg_closed",
               10, "leg_closed event at kamailio")
    assert server.rpc.call("im_relay.show")[0]["events"] > before
    # and the script's event_route[imrelay:event] ran for it (cfg logs it)
    wait_until(lambda: " event leg_closed" in server.kamailio.proc.log_text(),
               10, "event_route[imrelay:event] logged the leg_closed event")
    # the closed leg refuses traffic for it
    mid, [tid] = a.ep.send_message(b"into the void")
    assert a.ep.wait_response(tid).status == 481


def test_connect_failure_is_reported(ctl, server):
    dead = MsrpEndpoint()          # never listens
    ctl.call("session.create", {"id": "s-dead", "type": "bridge"})
    ctl.call("leg.add", {"session": "s-dead", "id": "b", "remote_path": dead.path,
                         "setup": "active"})
    wait_until(lambda: ctl.call("session.get", {"id": "s-dead"})["legs"][0]["state"] == "closed",
               10, "failed connect")
    wait_until(lambda: server.rpc.call("im_relay.show")[0]["last_event"] == "connect_failed",
               10, "connect_failed event at kamailio")


def test_cema_connects_to_the_media_address(ctl):
    """RFC 6714: with CEMA the relay connects to c=/m= address, not to the
    a=path authority (here a documentation address nothing listens on)."""
    b = MsrpEndpoint()
    b.listen()
    real = b.path
    fake_path = real.replace("127.0.0.1", "192.0.2.1")
    ctl.call("session.create", {"id": "s-cema", "type": "bridge"})
    a = MsrpEndpoint()
    la = ctl.call("leg.add", {"session": "s-cema", "id": "a", "remote_path": a.path})
    a.connect_to(la["local_path"])
    a.to_path = [la["local_path"]]
    ctl.call("leg.add", {"session": "s-cema", "id": "b", "remote_path": fake_path,
                         "setup": "active", "cema_addr": f"tcp:127.0.0.1:{b.port}"})
    b.wait_connected()
    a.send_message(b"via cema")
    assert b.wait_message().body == b"via cema"


def test_sender_must_be_the_negotiated_peer(ctl):
    a, b = bridge(ctl, "s-spoof")
    intruder = MsrpEndpoint()
    intruder.connect_to(a.local_path)
    intruder.to_path = [a.local_path]
    mid, [tid] = intruder.send_message(b"let me in")
    assert intruder.wait_response(tid).status == 403
    # the real peer still works, and the intruder's message went nowhere
    a.ep.send_message(b"still here")
    assert b.ep.wait_message().body == b"still here"
    assert [m.body for m in b.ep.completed] == [b"still here"]


def test_type_the_peer_does_not_accept_is_415(ctl):
    """RFC 4975 8.6: the relay checks the other leg's a=accept-types."""
    a, b = bridge(ctl, "s-types", b_params={"accept_types": "message/cpim text/*"})
    mid, [tid] = a.ep.send_message(b"\x00\x01", content_type="application/octet-stream")
    assert a.ep.wait_response(tid).status == 415
    a.ep.send_message(b"plain is fine", content_type="text/plain;charset=UTF-8")
    assert b.ep.wait_message().body == b"plain is fine"
    assert [m.body for m in b.ep.completed] == [b"plain is fine"]


def test_idle_session_is_reported(ctl, server):
    a, b = bridge(ctl, "s-idle")
    ctl.call("session.create", {"id": "s-idle", "type": "bridge", "idle_timeout_s": 1})
    wait_until(lambda: server.rpc.call("im_relay.show")[0]["last_event"] == "session_idle",
               10, "session_idle at kamailio")


FINAL_TYPE = "application/vnd.oma.poc.final-report+xml"


def test_report_with_a_body_is_passed_on(ctl):
    """C-8, OMA TS 5.7.3 1: a REPORT that carries a body (the focus's final
    delivery report) crosses the bridge with its Content-Type and body,
    on the sender's hop; one whose body is over 64 KiB crosses without it
    (logged), its Status kept."""
    a, b = bridge(ctl, "s-repbody")
    mid, _ = a.ep.send_message(b"hello bob", success_report=True)
    assert b.ep.wait_message().body == b"hello bob"
    xml = (b'<?xml version="1.0"?><final xmlns="urn:oma:xml:poc:final-report" '
           b'Message-ID="' + mid.encode() + b'" last="true"/>')
    b.ep.send_frame("REPORT", [("Message-ID", mid), ("Byte-Range", "1-9/9"),
                               ("Status", "000 200 OK"), ("Content-Type", FINAL_TYPE)], xml)
    got = a.ep._wait(lambda: next((r for r in a.ep.reports if r.body), None), 10,
                     "the REPORT with its body")
    assert got.body == xml
    assert got.get("Content-Type") == FINAL_TYPE
    assert got.get("Message-ID") == mid and got.get("Byte-Range") == "1-9/9"
    assert got.get("Status") == "000 200 OK"
    assert got.get("To-Path") == a.ep.path and got.get("From-Path") == a.local_path
    seen = len(a.ep.reports)
    b.ep.send_frame("REPORT", [("Message-ID", mid), ("Byte-Range", "1-9/9"),
                               ("Status", "000 413 too big"), ("Content-Type", FINAL_TYPE)],
                    b"x" * (70 * 1024))
    late = a.ep._wait(lambda: a.ep.reports[seen] if len(a.ep.reports) > seen else None,
                      10, "the REPORT without its body")
    assert late.body is None and late.get("Status") == "000 413 too big"
    # the bridge goes on
    a.ep.send_message(b"still here")
    assert b.ep.wait_message(index=1).body == b"still here"


def test_message_report_from_the_control_channel(ctl):
    """message.report (C-8): a REPORT with a body about a message of the
    leg's party, Byte-Range of the whole message (1-0/* when its size is
    unknown); bad requests are refused by name."""
    from imtest.rpc import RpcError
    a, b = bridge(ctl, "s-ctlrep")
    assert ctl.call("message.report", {"session": "s-ctlrep", "leg": "a",
                                       "message_id": "m-1", "total": 42,
                                       "content_type": FINAL_TYPE,
                                       "body": "<final/>"}) == {"sent": True}
    got = a.ep._wait(lambda: next((r for r in a.ep.reports if r.body), None), 10,
                     "the REPORT")
    assert got.body == b"<final/>" and got.get("Content-Type") == FINAL_TYPE
    assert got.get("Byte-Range") == "1-42/42" and got.get("Status") == "000 200 OK"
    ctl.call("message.report", {"session": "s-ctlrep", "leg": "a", "message_id": "m-2",
                                "content_type": FINAL_TYPE, "body": "<final/>"})
    got = a.ep._wait(lambda: next((r for r in a.ep.reports
                                   if r.get("Message-ID") == "m-2"), None), 10, "m-2")
    assert got.get("Byte-Range") == "1-0/*"
    base = {"session": "s-ctlrep", "leg": "a", "message_id": "m-3",
            "content_type": FINAL_TYPE, "body": "x"}
    for params, part in [({"message_id": None}, "message_id"),
                         ({"content_type": "a\r\nb"}, "media type"),
                         ({"message_id": "a b"}, "blank"),
                         ({"total": -1}, "total"),
                         ({"code": 99}, "code"),
                         ({"leg": "nobody"}, "no leg")]:
        p = {k: v for k, v in {**base, **params}.items() if v is not None}
        with pytest.raises(RpcError) as e:
            ctl.call("message.report", p)
        assert part in e.value.message


def test_destroy_delivers_what_was_accepted(ctl):
    """No silent loss (UP-2, issue 10 LM-3): the relay answers each chunk
    on its hop, so a sender that has all its 200s and ends the session
    (its BYE: Kamailio destroys the session) has handed the message over.
    A slow receiver still gets all of it: the relay's connection to it
    is closed only once what it accepted is written out."""
    a, b = bridge(ctl, "s-drain")
    b.ep.pause_reading()
    body = os.urandom(600 * 1024)
    mid, tids = a.ep.send_message(body, content_type="application/octet-stream",
                                  chunk_size=64 * 1024)
    for t in tids:
        assert a.ep.wait_response(t).status == 200
    ctl.call("session.destroy", {"id": "s-drain", "quiet": True})
    b.ep.resume_reading()
    got = b.ep.wait_message(timeout=20)
    assert got.body == body and got.message_id == mid
    b.ep.wait_closed()
