"""Pager mode across two domains through both participating functions
(issue 11, E2E-19 over the NNI; OP-10, TP-1, TP-7, MSG-03, MSG-04):
alice@home1.net -> home1's originating function -> the NNI (the tap) ->
home2's terminating function -> bob@home2.net, with the checks of each
side where they belong. Each domain's im_peer address of the other is
the tap's UDP address; the tap listens on TCP at the same port too."""

import socket
import threading

import pytest

from imtest.rawsip import message_bytes
from imtest.settings import publish, settings
from imtest.sip import warning_code


@pytest.fixture
def pair(nni, make_ua):
    return make_ua("alice", srv=nni.home1), make_ua("bob", srv=nni.home2)


def test_message_through_both_functions(nni, pair):
    """The NNI carries alice's asserted identity; home2 adds Server (TP-7);
    the 200 bob's client fills with a body and a Contact reaches alice
    without either (MSG-03)."""
    alice, bob = pair
    mark = nni.tap.mark()
    got = {}

    def answer():
        req = bob.wait_request("MESSAGE")
        req.reply(200, body=b"unexpected", content_type="text/plain",
                  contact="<sip:bob@127.0.0.2:1>")
        got["req"] = req
    t = threading.Thread(target=answer)
    t.start()
    resp = alice.message(nni.home2.uri("bob"), "over the NNI")
    t.join(10)
    assert resp.status == 200
    assert resp.body == b"" and not resp.has("contact")
    on_nni = nni.tap.wait(lambda m: m.is_request and m.method == "MESSAGE", since=mark)
    assert on_nni.body == b"over the NNI"
    assert on_nni.from_.uri == "sip:alice@home1.net"
    assert on_nni.get("server") is None          # the terminating side adds it
    at_bob = got["req"].msg
    assert at_bob.body == b"over the NNI"
    assert at_bob.from_.uri == "sip:alice@home1.net"
    assert at_bob.get("server") == "IM-serv/OMA1.0"


def test_originating_policy_refuses_before_the_nni(nni, pair):
    """OP-1 step 4a at home1: a content type home1 does not allow gets 415
    + Accept there; nothing crosses the NNI."""
    alice, bob = pair
    rpc = nni.home1.rpc
    assert rpc.call("im_pf.policy_set", "*", "pager_content_types", "text/plain") == "ok"
    try:
        mark = nni.tap.mark()
        resp = alice.message(nni.home2.uri("bob"), "<x/>", content_type="application/xml")
        assert resp.status == 415 and resp.get("accept") == "text/plain"
        assert not [m for m in nni.tap.messages()[mark:] if m.is_request]
    finally:
        rpc.call("im_pf.policy_del", "*", "pager_content_types")
    assert bob.no_request("MESSAGE", timeout=0)


def test_terminating_barring_refuses_at_home2(nni, pair):
    """TP-1 step 1 at home2: bob's ipab barring gets 403 + Warning 127,
    sent back over the NNI to alice."""
    alice, bob = pair
    r = publish(bob, settings(ipab=True))
    assert r.status == 200
    try:
        resp = alice.message(nni.home2.uri("bob"), "barred")
        assert (resp.status, warning_code(resp)) == (403, "127")
        assert nni.tap.responses("MESSAGE", 403)
        assert bob.no_request("MESSAGE", timeout=0)
    finally:
        assert publish(bob, etag=r.get("sip-etag"), expires=0).status == 200
    bob.auto_reply["MESSAGE"] = 200
    assert alice.message(nni.home2.uri("bob"), "unbarred").status == 200
    assert bob.wait_request("MESSAGE").msg.body == b"unbarred"


def pais(msg):
    return [v for k, v in msg.headers if k.lower() == "p-asserted-identity"]


def deliver(nni, alice, bob, text, headers=()):
    """alice's MESSAGE to bob: (what crossed the NNI, what bob's client
    received)."""
    mark = nni.tap.mark()
    bob.auto_reply["MESSAGE"] = 200
    assert alice.message(nni.home2.uri("bob"), text, headers=list(headers)).status == 200
    at_bob = bob.wait_request("MESSAGE").msg
    on_nni = nni.tap.wait(lambda m: m.is_request and m.method == "MESSAGE", since=mark)
    assert on_nni.body == at_bob.body == text.encode()
    return on_nni, at_bob


@pytest.mark.parametrize("forged", [False, True])
def test_nni_message_asserts_the_originator(nni, pair, forged):
    """OP-10: home1's originating function sends the MESSAGE across the
    NNI with P-Asserted-Identity = alice's authenticated identity, one
    alice wrote herself replaced; without Privacy: id bob's client gets it
    (TP-7, RFC 3325)."""
    alice, bob = pair
    own = [("P-Asserted-Identity", "<sip:carol@home1.net>")] if forged else []
    on_nni, at_bob = deliver(nni, alice, bob, "asserted", own)
    assert pais(on_nni) == ["<sip:alice@home1.net>"]
    assert pais(at_bob) == ["<sip:alice@home1.net>"]


def test_nni_privacy_id_asserted_to_the_peer_hidden_from_the_device(nni, pair):
    """OP-10, RFC 3325: with Privacy: id the peer still gets the asserted
    identity (its terminating function applies its rules to it), bob's
    client gets neither PAI nor the forged one, and Privacy: id."""
    alice, bob = pair
    own = [("Privacy", "id"), ("P-Asserted-Identity", "<sip:carol@home1.net>")]
    on_nni, at_bob = deliver(nni, alice, bob, "anonymous", own)
    assert pais(on_nni) == ["<sip:alice@home1.net>"]
    assert on_nni.get("privacy") == "id"
    assert pais(at_bob) == []
    assert at_bob.get("privacy") == "id"


@pytest.mark.parametrize("privacy", [None, "id"])
def test_peer_message_privacy_id_strips_pai_at_the_device(nni, pair, privacy):
    """TP-7, RFC 3325 section 5 at home2's terminating function, for a
    MESSAGE home1's server sends (from the peer's address, over TCP): with
    Privacy: id bob's client gets no P-Asserted-Identity, without it the
    one the peer asserted."""
    _, bob = pair
    bob.auto_reply["MESSAGE"] = 200
    extra = b"P-Asserted-Identity: <sip:zoe@home1.net>\r\n"
    if privacy:
        extra += f"Privacy: {privacy}\r\n".encode()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as peer:
        peer.bind((nni.tap.ip, 0))
        peer.settimeout(10)
        peer.connect(tuple(nni.home2.sip_addr))
        raw = message_bytes("sip:bob@home2.net", "sip:zoe@home1.net", peer.getsockname()[1],
                            body=b"from the peer", extra_headers=extra, transport="TCP")
        raw = raw.replace(b"127.0.0.1:", nni.tap.ip.encode() + b":", 1)
        peer.sendall(raw)
        reply = b""
        while b"SIP/2.0 200 " not in reply:
            chunk = peer.recv(65535)
            assert chunk, reply
            reply += chunk
    got = bob.wait_request("MESSAGE").msg
    assert got.body == b"from the peer"
    assert pais(got) == ([] if privacy else ["<sip:zoe@home1.net>"])


BIG = "x" * 1500        # the MESSAGE is well over 1300 bytes


def message_crossings(nni, mark, body):
    """How the MESSAGEs with body reached the tap: a list of transports."""
    return [m.transport for m in nni.tap.messages()[mark:]
            if m.is_request and m.method == "MESSAGE" and m.body == body.encode()]


def test_big_message_to_a_udp_peer_goes_over_tcp(nni, make_ua):
    """MSG-04, RFC 3261 18.1.1: home2's im_peer address is UDP; alice's
    1.5 kB MESSAGE crosses to it over TCP, to the same address, never over
    UDP; a small one still over UDP."""
    alice = make_ua("alice", srv=nni.home1)
    bob = make_ua("bob", srv=nni.home2, transport="tcp")
    bob.auto_reply["MESSAGE"] = 200
    for body, transport in ((BIG, "tcp"), ("small", "udp")):
        mark = nni.tap.mark()
        assert alice.message(nni.home2.uri("bob"), body).status == 200
        assert bob.wait_request("MESSAGE").msg.body == body.encode()
        assert message_crossings(nni, mark, body) == [transport]
