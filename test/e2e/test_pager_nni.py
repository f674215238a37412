"""Pager mode across two domains through both participating functions
(issue 11, E2E-19 over the NNI; OP-10, TP-1, TP-7, MSG-03):
alice@home1.net -> home1's originating function -> the NNI (the tap) ->
home2's terminating function -> bob@home2.net, with the checks of each
side where they belong."""

import threading

import pytest

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
