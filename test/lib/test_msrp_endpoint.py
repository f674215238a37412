"""The test MSRP endpoint against itself over real loopback sockets:
framing, chunking, reassembly, responses and REPORTs."""

import os

import pytest

from imtest.msrp import MsrpEndpoint, MsrpError, parse_frame


@pytest.fixture
def pair():
    a, b = MsrpEndpoint(), MsrpEndpoint()
    b.listen()
    a.connect_to(b.path)
    a.to_path = [b.path]
    b.to_path = [a.path]
    b.wait_connected()
    yield a, b
    a.close()
    b.close()


def test_chunked_message_reassembled_with_success_report(pair):
    a, b = pair
    body = os.urandom(300000)
    mid, tids = a.send_message(body, content_type="application/octet-stream",
                               chunk_size=65536, success_report=True)
    assert len(tids) == 5
    got = b.wait_message()
    assert got.body == body and got.message_id == mid
    for t in tids:
        assert a.wait_response(t).status == 200
    report = a.wait_report(mid)
    assert report.get("Status") == "000 200 OK"
    assert report.get("Byte-Range") == f"1-{len(body)}/{len(body)}"


def test_body_containing_a_false_end_line(pair):
    a, b = pair
    body = b"text\r\n-------abcdef$\r\nmore"
    a.send_message(body)
    assert b.wait_message().body == body


def test_error_response_and_no_response(pair):
    a, b = pair
    b.respond = 403
    _, [tid] = a.send_message(b"x")
    assert a.wait_response(tid).status == 403
    assert b.completed == []


@pytest.mark.parametrize("raw", [b"HTTP/1.1 200 OK\r\n", b"MSRP x SEND\r\n",
                                 b"MSRP abcd SEND\r\nno colon\r\n"])
def test_parse_errors(raw):
    with pytest.raises(MsrpError):
        parse_frame(raw + b"-------abcd$\r\n")


def test_incremental_parse_byte_by_byte():
    data = (b"MSRP a1b2 SEND\r\nTo-Path: msrp://h:1/s;tcp\r\nFrom-Path: msrp://h:2/t;tcp\r\n"
            b"Message-ID: m\r\nByte-Range: 1-3/3\r\nContent-Type: text/plain\r\n\r\nabc\r\n"
            b"-------a1b2$\r\n")
    for i in range(len(data)):
        assert parse_frame(data[:i]) == (None, 0)
    f, used = parse_frame(data)
    assert used == len(data) and f.body == b"abc" and f.byte_range == (1, 3, 3)
