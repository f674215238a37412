"""Malformed SIP: a clear error where one can be sent, silence where the
request cannot even be answered, and in every case the next request served
and nothing forwarded to the user."""

import socket

import pytest

from imtest.procs import free_port
from imtest.rawsip import UdpProbe, message_bytes

# The probes stand for an interconnected IM server (im_peer "peer.example",
# trusted by its address): a request from them to a user of ours is
# terminating traffic.
PEER_IP = "127.0.0.4"


@pytest.fixture(scope="module")
def peer_port(server):
    port = free_port(PEER_IP)
    assert server.rpc.call("im_pf.peer_set", "peer.example", f"sip:{PEER_IP}:{port}",
                           "*", "address") == "ok"
    yield port
    server.rpc.call("im_pf.peer_del", "peer.example")


@pytest.fixture
def probe(server, peer_port):
    p = UdpProbe(server.sip_addr, bind=(PEER_IP, peer_port))
    yield p
    p.close()


@pytest.fixture
def bob(make_ua):
    ua = make_ua("bob")
    ua.auto_reply["MESSAGE"] = 200
    return ua


def good_message(server, probe, text=b"good"):
    return message_bytes(server.uri("bob"), "sip:x@peer.example", probe.port, body=text)


def assert_still_serving(server, bob, probe):
    probe.send(good_message(server, probe))
    assert probe.status() == 200
    req = bob.wait_request("MESSAGE")
    assert req.msg.body == b"good"


def replace(old, new):
    return lambda data: data.replace(old, new, 1)


# (name, how to break a good request, expected status or None for "dropped")
UDP_CASES = [
    ("content-length beyond the datagram", lambda d: d.replace(b"Content-Length: 4", b"Content-Length: 500"), 400),
    ("negative content-length", lambda d: d.replace(b"Content-Length: 4", b"Content-Length: -1"), None),
    ("cseq method differs from request", replace(b"CSeq: 1 MESSAGE", b"CSeq: 1 INVITE"), 400),
    ("cseq number not a number", replace(b"CSeq: 1 MESSAGE", b"CSeq: abc MESSAGE"), 400),
    ("request-uri scheme unknown", replace(b"MESSAGE sip:", b"MESSAGE foo:"), 400),
    ("unparsable From", lambda d: d.replace(d[d.index(b"From:"):d.index(b"\r\n", d.index(b"From:"))], b"From: <<<>"), 400),
    ("max-forwards exhausted", replace(b"Max-Forwards: 70", b"Max-Forwards: 0"), 483),
    ("oversized header", replace(b"Content-Type", b"X-Big: " + b"a" * 40000 + b"\r\nContent-Type"), 513),
    ("no CSeq at all", lambda d: d.replace(b"CSeq: 1 MESSAGE\r\n", b""), None),
    ("no Via at all", lambda d: b"\r\n".join(l for l in d.split(b"\r\n") if not l.startswith(b"Via:")), None),
    ("wrong SIP version", replace(b" SIP/2.0\r\n", b" SIP/3.0\r\n"), None),
    ("truncated in the headers", lambda d: d[:70], None),
    ("binary garbage", lambda d: bytes(range(256)) * 2, None),
    ("empty datagram of spaces", lambda d: b" " * 10, None),
]


@pytest.mark.parametrize("name,breaker,expected", UDP_CASES, ids=[c[0] for c in UDP_CASES])
def test_malformed_udp_request(server, bob, probe, name, breaker, expected):
    probe.send(breaker(good_message(server, probe, b"evil")))
    assert probe.status(timeout=2.0 if expected else 0.7) == expected
    assert_still_serving(server, bob, probe)
    assert all(m.body != b"evil" for m in bob.received), f"{name} was forwarded"


def tcp_connect(server):
    return socket.create_connection(server.sip_addr, timeout=10, source_address=(PEER_IP, 0))


def read_until_closed_or_status(s):
    """First status code answered on s, or None if the server closed it."""
    data = b""
    while b"\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            return None
        data += chunk
    return int(data.split(b" ", 2)[1])


def test_tcp_garbage_closes_only_that_connection(server, bob, peer_port):
    bystander = tcp_connect(server)
    s = tcp_connect(server)
    s.sendall(bytes(range(1, 256)) * 40 + b"\r\n\r\n")
    assert read_until_closed_or_status(s) is None
    s.close()
    port = bystander.getsockname()[1]
    bystander.sendall(message_bytes(server.uri("bob"), "sip:x@peer.example", port,
                                    body=b"good", transport="TCP"))
    assert read_until_closed_or_status(bystander) == 200
    assert bob.wait_request("MESSAGE").msg.body == b"good"
    bystander.close()


def test_tcp_body_cut_short_is_not_forwarded(server, bob, probe):
    s = tcp_connect(server)
    port = s.getsockname()[1]
    data = message_bytes(server.uri("bob"), "sip:x@peer.example", port,
                         body=b"evil-but-cut", content_length=5000, transport="TCP")
    s.sendall(data)
    s.close()
    assert_still_serving(server, bob, probe)
    assert all(b"evil" not in m.body for m in bob.received)


def test_tcp_endless_headers_are_cut_off(server, bob, probe):
    s = tcp_connect(server)
    port = s.getsockname()[1]
    s.sendall(b"MESSAGE sip:bob@home1.net SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:%d\r\n" % port)
    closed = False
    try:
        for _ in range(200):
            s.sendall(b"X-Filler: " + b"f" * 1000 + b"\r\n")
    except (BrokenPipeError, ConnectionResetError):
        closed = True
    if not closed:
        s.settimeout(10)
        assert read_until_closed_or_status(s) in (None, 400, 513)
    s.close()
    assert_still_serving(server, bob, probe)


def test_tcp_request_without_content_length_is_400_and_closed(server, bob, probe):
    """RFC 3261 18.3: over a stream SIP needs Content-Length. The core
    takes a request without one as bodiless (tcp_accept_no_cl, for the
    HTTP of system documents), so the script answers 400 and closes the
    connection, whose framing is lost; its body is not delivered, and the
    server goes on serving. (Bytes already read behind it are parsed as
    the next request, as if sent alone: they pass the same checks.)"""
    s = tcp_connect(server)
    port = s.getsockname()[1]
    data = message_bytes(server.uri("bob"), "sip:x@peer.example", port, body=b"lost",
                         transport="TCP")
    head, _, _ = data.partition(b"Content-Length")
    s.sendall(head + b"\r\n")
    assert read_until_closed_or_status(s) == 400
    s.settimeout(10)
    while s.recv(65536):
        pass
    s.close()
    assert_still_serving(server, bob, probe)
    assert all(m.body != b"lost" for m in bob.received)
