"""A pager MESSAGE's validity (issue 11; OP-10 step 3, TP-1 step 4,
MSG-05, E2E-19 variants): an Expires that has ended (counted from the
Date, else from arrival) is refused by the originating function, and by
the terminating one as its local policy says (PF_PAGER_EXPIRED); a
signed MESSAGE whose Date is missing or far from the server's clock
gets 400 (Incorrect Date or Time). What passes is delivered unchanged."""

import time
from email.utils import formatdate

import pytest

from conftest import two_domains

SIGNED = 'multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary=b1'
SIGNED_BODY = (b"--b1\r\nContent-Type: text/plain\r\n\r\nsigned hello\r\n"
               b"--b1\r\nContent-Type: application/pkcs7-signature\r\n\r\nMIIB\r\n--b1--\r\n")


def date(offset=0):
    return formatdate(time.time() + offset, usegmt=True)


def headers_now(spec):
    """The headers of spec, a Date given as seconds from now (computed
    when the test runs, not when it is collected)."""
    return [(k, date(v) if k == "Date" and isinstance(v, int) else v) for k, v in spec]


@pytest.fixture
def pair(server, make_ua):
    alice, bob = make_ua("alice"), make_ua("bob")
    bob.auto_reply["MESSAGE"] = 200
    return alice, bob


def messages_at(bob):
    return [r for r in bob.received if r.method == "MESSAGE"]


@pytest.mark.parametrize("headers", [
    [("Expires", "0")],
    [("Date", -120), ("Expires", "60")],
], ids=["expires-0", "date-plus-expires-past"])
def test_expired_message_is_refused_at_the_originating_side(server, pair, headers):
    """OP-10: 400 + Warning; bob receives nothing."""
    alice, bob = pair
    headers = headers_now(headers)
    resp = alice.message(server.uri("bob"), "too late", headers=headers)
    assert (resp.status, resp.reason) == (400, "Message Expired")
    assert "Expires" in (resp.get("warning") or "")
    ok = alice.message(server.uri("bob"), "in time")
    assert ok.status == 200
    assert bob.wait_request("MESSAGE").msg.body == b"in time"
    assert not [r for r in messages_at(bob) if r.body == b"too late"]


@pytest.mark.parametrize("headers", [
    [("Expires", "60")],
    [("Date", -10), ("Expires", "3600")],
    [("Date", -7200)],
], ids=["no-date", "date-within", "old-date-unsigned-no-expires"])
def test_valid_message_is_delivered_with_its_headers(server, pair, headers):
    alice, bob = pair
    headers = headers_now(headers)
    resp = alice.message(server.uri("bob"), "valid", headers=headers)
    assert resp.status == 200, f"{resp.status} {resp.reason}"
    got = bob.wait_request("MESSAGE").msg
    assert got.body == b"valid"
    for k, v in headers:
        assert got.get(k.lower()) == v


@pytest.mark.parametrize("headers", [
    [],
    [("Date", -1200)],
    [("Date", +1200)],
    [("Date", "yesterday")],
], ids=["no-date", "20-min-old", "20-min-ahead", "malformed"])
def test_signed_message_needs_a_current_date(server, pair, headers):
    """MSG-05: 400 (Incorrect Date or Time); the same signed message with
    a current Date is delivered byte for byte."""
    alice, bob = pair
    resp = alice.message(server.uri("bob"), SIGNED_BODY, content_type=SIGNED,
                         headers=headers)
    assert (resp.status, resp.reason) == (400, "Incorrect Date or Time")
    assert (resp.get("warning") or "").startswith("399 ")
    ok = alice.message(server.uri("bob"), SIGNED_BODY, content_type=SIGNED,
                       headers=[("Date", date(-5))])
    assert ok.status == 200
    got = bob.wait_request("MESSAGE").msg
    assert got.body == SIGNED_BODY and got.get("content-type") == SIGNED
    assert len(messages_at(bob)) == 1


def expire_on_the_nni(nni):
    """The peer (the tap) forwards alice's MESSAGEs with Expires: 0: home1
    judged them valid, home2 receives them expired."""
    def rewrite(msg):
        if msg.method == "MESSAGE":
            msg.set("Expires", "0")
    nni.tap.rewrite = rewrite


def test_expired_on_arrival_is_refused_at_the_terminating_side(nni, make_ua):
    """TP-1 step 4 with the default policy (PF_PAGER_EXPIRED 1): home2
    answers 400, alice hears it, bob receives nothing."""
    alice, bob = make_ua("alice", srv=nni.home1), make_ua("bob", srv=nni.home2)
    bob.auto_reply["MESSAGE"] = 200
    expire_on_the_nni(nni)
    try:
        resp = alice.message(nni.home2.uri("bob"), "stale")
        assert (resp.status, resp.reason) == (400, "Message Expired")
    finally:
        nni.tap.rewrite = None
    assert alice.message(nni.home2.uri("bob"), "fresh").status == 200
    assert bob.wait_request("MESSAGE").msg.body == b"fresh"
    assert len(messages_at(bob)) == 1


@pytest.fixture(scope="module")
def lenient_nni(tmp_path_factory):
    """Two domains whose terminating policy delivers expired messages."""
    yield from two_domains(tmp_path_factory.mktemp("nni-lenient"),
                           defines={"PF_PAGER_EXPIRED": "0"})


def test_terminating_policy_may_deliver_expired_messages(lenient_nni, make_ua):
    """TP-1 step 4, local policy 0: the expired MESSAGE reaches bob with
    its Expires, alice gets bob's 200; the originating side still refuses
    what is expired when it leaves (OP-10)."""
    nni = lenient_nni
    alice, bob = make_ua("alice", srv=nni.home1), make_ua("bob", srv=nni.home2)
    bob.auto_reply["MESSAGE"] = 200
    expire_on_the_nni(nni)
    try:
        assert alice.message(nni.home2.uri("bob"), "late but wanted").status == 200
    finally:
        nni.tap.rewrite = None
    got = bob.wait_request("MESSAGE").msg
    assert got.body == b"late but wanted" and got.get("expires") == "0"
    resp = alice.message(nni.home2.uri("bob"), "x", headers=[("Expires", "0")])
    assert resp.status == 400


def test_malformed_expires_is_400(server, pair):
    """One 400 for an Expires that is not a number of seconds; nothing is
    delivered."""
    alice, bob = pair
    resp = alice.message(server.uri("bob"), "when?", headers=[("Expires", "soon")])
    assert resp.status == 400
    assert alice.message(server.uri("bob"), "now").status == 200
    assert bob.wait_request("MESSAGE").msg.body == b"now"
    assert [r.body for r in messages_at(bob)] == [b"now"]
