"""Malformed and hostile MSRP input: a clear MSRP error where the frame can
be answered, otherwise the offending connection is closed; every other
session keeps working, and the relay survives (the harness fails the test
on a crash or a sanitizer report)."""

import os
import socket

import pytest

from imtest.msrp import MsrpEndpoint
from imtest.procs import Relay, wait_until
from imtest.relay_sessions import bridge


@pytest.fixture
def witness(ctl):
    """A healthy session that must keep working through every bad input."""
    a, b = bridge(ctl, "witness")

    def still_works():
        index = len(b.ep.completed)     # counted before it can arrive
        a.ep.send_message(b"still fine")
        assert b.ep.wait_message(index=index).body == b"still fine"
    return still_works


def raw_conn(server):
    return socket.create_connection(("127.0.0.1", server.relay.msrp_port), timeout=10)


def closed_by_relay(s):
    s.settimeout(10)
    try:
        while True:
            if not s.recv(65536):
                return True
    except ConnectionResetError:
        return True


BROKEN = [
    ("binary garbage", bytes(range(256)) * 8),
    ("not MSRP", b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("bad transaction id", b"MSRP a! SEND\r\nTo-Path: msrp://h:1/s;tcp\r\n"),
    ("huge header line", b"MSRP abcd SEND\r\nX-Big: " + b"a" * 10000 + b"\r\n"),
    ("endless header block", b"MSRP abcd SEND\r\n" + b"X-H: 0123456789\r\n" * 2000),
    ("end-line of another transaction", b"MSRP abcd SEND\r\nTo-Path: msrp://h:1/s;tcp\r\n"
                                        b"From-Path: msrp://h:2/t;tcp\r\n-------abce$\r\n"),
    ("bare LF", b"MSRP abcd SEND\nTo-Path: msrp://h:1/s;tcp\n"),
    ("no paths", b"MSRP abcd SEND\r\nMessage-ID: x\r\n-------abcd$\r\n"),
]


@pytest.mark.parametrize("name,data", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_frames_close_only_their_connection(server, witness, name, data):
    s = raw_conn(server)
    s.sendall(data)
    assert closed_by_relay(s)
    s.close()
    witness()


def test_body_longer_than_its_byte_range_closes(ctl, server, witness):
    a, b = bridge(ctl, "s-long")
    a.ep.send_raw(f"MSRP long0001 SEND\r\nTo-Path: {a.local_path}\r\nFrom-Path: {a.ep.path}\r\n"
                  f"Message-ID: m\r\nByte-Range: 1-10/10\r\nContent-Type: text/plain\r\n\r\n"
                  .encode() + b"0123456789" * 100 + b"\r\n-------long0001$\r\n")
    assert a.ep.wait_closed()
    witness()


@pytest.mark.parametrize("byte_range", ["1-9223372036854775808/*", "1-*/9999999999999999999",
                                        "9223372036854775808-*/*"])
def test_byte_range_past_its_bound_is_refused(ctl, server, witness, byte_range):
    """Issue 8: a Byte-Range value above 2^63-1 (MSRP_RANGE_MAX, where the
    relay's sums of positions and lengths could wrap) gets 400, nothing is
    forwarded, and the connection goes on."""
    a, b = bridge(ctl, "s-range")
    tid = a.ep.send_frame("SEND", [("Message-ID", "huge"), ("Byte-Range", byte_range),
                                   ("Content-Type", "text/plain")], b"hello")
    assert a.ep.wait_response(tid).status == 400
    a.ep.send_message(b"next")
    assert b.ep.wait_message().body == b"next"
    assert "huge" not in b.ep.messages
    witness()


def test_unknown_session_and_unknown_method_are_answered(server, witness):
    ep = MsrpEndpoint()
    ep.connect("127.0.0.1", server.relay.msrp_port)
    ep.to_path = [f"msrp://127.0.0.1:{server.relay.msrp_port}/nosuchsession;tcp"]
    mid, [tid] = ep.send_message(b"hello?")
    assert ep.wait_response(tid).status == 481
    tid2 = ep.send_frame("FETCH", [])
    assert ep.wait_response(tid2).status == 501
    tid3 = ep.send_frame("AUTH", [])
    assert ep.wait_response(tid3).status == 403
    witness()


def test_out_of_order_responses_and_reports_are_ignored(ctl, server, witness):
    a, b = bridge(ctl, "s-ooo")
    a.ep.send_raw(f"MSRP nosuchtid 200 OK\r\nTo-Path: {a.local_path}\r\n"
                  f"From-Path: {a.ep.path}\r\n-------nosuchtid$\r\n".encode())
    b.ep.send_report(b.local_path, "never-sent", "1-3/3", "000 200 OK")
    a.ep.send_message(b"after noise")
    assert b.ep.wait_message().body == b"after noise"
    stats = ctl.call("stats")["msrp"]
    assert stats["errors"]["unmatched_response"] >= 1
    witness()


def test_client_vanishing_mid_chunk_aborts_the_message(ctl, server, witness):
    a, b = bridge(ctl, "s-vanish")
    head = (f"MSRP vani0001 SEND\r\nTo-Path: {a.local_path}\r\nFrom-Path: {a.ep.path}\r\n"
            f"Message-ID: gone\r\nByte-Range: 1-300000/300000\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode()
    a.ep.send_raw(head + os.urandom(150000))
    wait_until(lambda: any(f.method == "SEND" and f.get("Message-ID") == "gone"
                           for f in b.ep.frames), 10, "first pieces")
    a.ep.close()
    wait_until(lambda: b.ep.messages.get("gone") and b.ep.messages["gone"].aborted, 10,
               "the message aborted at b ('#')")
    assert not b.ep.messages["gone"].complete
    witness()


def test_idle_unbound_connection_is_closed(tmp_path):
    relay = Relay(str(tmp_path), extra={"unbound_timeout_s": "1"})
    relay.start()
    try:
        s = socket.create_connection(("127.0.0.1", relay.msrp_port), timeout=10)
        assert closed_by_relay(s)
        assert relay.call("stats")["msrp"]["errors"]["idle_unbound"] == 1
    finally:
        assert relay.stop() is None


CONTROL_ERRORS = [
    ("session.create", {"id": "x", "type": "party"}, "bridge, conference or endpoint"),
    ("session.create", {"type": "bridge"}, "id: a string is required"),
    ("session.create", {"id": "x", "type": "bridge", "idle_timeout_s": -1}, "idle_timeout_s"),
    ("leg.add", {"session": "nope", "id": "a"}, "no session nope"),
    ("leg.add", {"session": "cx", "id": "a", "remote_path": "http://x"}, "not a list of MSRP URIs"),
    ("leg.add", {"session": "cx", "id": "a", "setup": "sideways"}, "active or passive"),
    # the test relay listens for msrp and msrps, on IPv4 only
    ("leg.add", {"session": "cx", "id": "a", "tls": True, "ipv6": True},
     "no msrps IPv6 MSRP listener"),
    ("leg.add", {"session": "cx", "id": "a", "max_chunk": 10}, "at least 64"),
    ("leg.add", {"session": "cx", "id": "a", "cema_addr": "nowhere"}, "must start with"),
    ("leg.update", {"session": "cx", "id": "zz"}, "no leg zz"),
    ("session.get", {"id": "nope"}, "no session nope"),
    ("message.get", {"session": "cx", "leg": "nope", "message_id": "m"}, "no leg nope"),
]


@pytest.mark.parametrize("method,params,part", CONTROL_ERRORS)
def test_control_commands_refuse_bad_params(ctl, method, params, part):
    from imtest.rpc import RpcError
    ctl.call("session.create", {"id": "cx", "type": "bridge"})
    with pytest.raises(RpcError) as e:
        ctl.call(method, params)
    assert part in e.value.message
    assert e.value.code == -32602


def test_bridge_has_two_legs_and_types_do_not_change(ctl):
    from imtest.rpc import RpcError
    ctl.call("session.create", {"id": "two", "type": "bridge"})
    for leg in ("a", "b"):
        ctl.call("leg.add", {"session": "two", "id": leg})
    with pytest.raises(RpcError, match="two legs"):
        ctl.call("leg.add", {"session": "two", "id": "c"})
    with pytest.raises(RpcError, match="exists as a bridge"):
        ctl.call("session.create", {"id": "two", "type": "conference"})
    # idempotent: the same leg again is the same local path
    first = ctl.call("session.get", {"id": "two"})["legs"][0]["local_path"]
    again = ctl.call("leg.add", {"session": "two", "id": "a"})
    assert again["local_path"] == first and again["created"] is False
