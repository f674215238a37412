"""The test UA's SIP codec: what the end-to-end tests rely on to read the
server's answers correctly."""

import pytest

from imtest.sipmsg import NameAddr, SipMessage, SipParseError, split_commas, uri_user_host


def test_round_trip_and_compact_headers():
    raw = (b"MESSAGE sip:bob@home1.net SIP/2.0\r\n"
           b"v: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKabc\r\n"
           b"f: \"Alice A\" <sip:alice@home1.net>;tag=1\r\n"
           b"t: <sip:bob@home1.net>\r\n"
           b"i: cid\r\nCSeq: 7 MESSAGE\r\nc: text/plain\r\nl: 5\r\n\r\nhello")
    m = SipMessage.parse(raw)
    assert m.method == "MESSAGE" and m.uri == "sip:bob@home1.net"
    assert m.branch == "z9hG4bKabc"
    assert m.from_.display == "Alice A" and m.from_.tag == "1"
    assert m.cseq == (7, "MESSAGE")
    assert m.body == b"hello"
    again = SipMessage.parse(m.encode())
    assert again.headers == [h for h in m.headers if h[0] != "content-length"] + [("content-length", "5")]


def test_stream_framing_needs_whole_body():
    raw = b"SIP/2.0 200 OK\r\nCall-ID: x\r\nContent-Length: 4\r\n\r\nab"
    assert SipMessage.parse(raw, stream=True) == (None, 0)
    msg, used = SipMessage.parse(raw + b"cdNEXT", stream=True)
    assert msg.status == 200 and msg.body == b"abcd" and used == len(raw) + 2


def test_multi_value_headers_split_outside_quotes():
    assert split_commas('"a,b" <sip:x>, <sip:y;p=1,2>') == ['"a,b" <sip:x>', "<sip:y;p=1,2>"]
    m = SipMessage.parse(b"SIP/2.0 200 OK\r\nVia: a, b\r\nVia: c\r\nContent-Length: 0\r\n\r\n")
    assert m.get_all("via") == ["a", "b", "c"]


@pytest.mark.parametrize("raw", [b"garbage\r\n\r\n", b"SIP/2.0 abc OK\r\n\r\n",
                                 b"INVITE sip:x SIP/2.0\r\nno-colon\r\n\r\n",
                                 b"INVITE sip:x SIP/2.0\r\nContent-Length: 9\r\n\r\nab"])
def test_malformed_is_rejected(raw):
    with pytest.raises(SipParseError):
        SipMessage.parse(raw)


def test_name_addr_and_uri():
    na = NameAddr.parse("<sip:conf@home1.net;transport=tcp>;isfocus;tag=9")
    assert na.uri == "sip:conf@home1.net;transport=tcp"
    assert na.params == {"isfocus": None, "tag": "9"}
    assert uri_user_host("sip:alice@[::1]:5070;x") == ("alice", "[::1]", 5070)
