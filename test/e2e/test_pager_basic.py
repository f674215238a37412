"""Pager-mode MESSAGE on one IM server: registration, delivery, and the
RFC 3428 rules for the answer (E2E-19 subset; MSG-01, MSG-03, MSG-07)."""

import threading

import pytest

from imtest.sdp import msrp_sdp


def test_message_delivered_between_registered_users(server, make_ua):
    alice = make_ua("alice")
    bob = make_ua("bob")
    bob.auto_reply["MESSAGE"] = 200
    resp = alice.message(server.uri("bob"), "hello bob", content_type="text/plain;charset=UTF-8")
    assert resp.status == 200
    req = bob.wait_request("MESSAGE")
    assert req.msg.body == b"hello bob"
    assert req.msg.get("content-type") == "text/plain;charset=UTF-8"
    assert req.msg.from_.uri == server.uri("alice")
    assert req.msg.to.uri == server.uri("bob")


@pytest.fixture
def alice_bob(make_ua):
    alice = make_ua("alice")
    bob = make_ua("bob")
    return alice, bob


def send_and_answer(server, sender, receiver, to_user, answer_status, **answer):
    """Sends a MESSAGE in the background, answers it at the receiver."""
    result = {}
    t = threading.Thread(target=lambda: result.setdefault(
        "resp", sender.message(server.uri(to_user), "ping")))
    t.start()
    req = receiver.wait_request("MESSAGE")
    req.reply(answer_status, **answer)
    t.join(15)
    return req, result["resp"]


def test_2xx_to_message_carries_no_body_and_no_contact(server, alice_bob):
    """MSG-03: even when the recipient's client puts a Contact and a body in
    its 200, the sender receives neither."""
    alice, bob = alice_bob
    _, resp = send_and_answer(server, alice, bob, "bob", 200,
                              body=b"unexpected", content_type="text/plain",
                              contact="<sip:bob@127.0.0.1:1>")
    assert resp.status == 200
    assert resp.body == b""
    assert not resp.has("contact")
    assert resp.get("content-length") == "0"


def test_message_error_answer_passed_to_sender(server, alice_bob):
    alice, bob = alice_bob
    _, resp = send_and_answer(server, alice, bob, "bob", 486)
    assert resp.status == 486


@pytest.mark.parametrize("transports", [("tcp", "tcp"), ("udp", "tcp"), ("tcp", "udp")])
def test_message_over_tcp(server, make_ua, transports):
    alice = make_ua("alice", transport=transports[0])
    bob = make_ua("bob", transport=transports[1])
    bob.auto_reply["MESSAGE"] = 200
    resp = alice.message(server.uri("bob"), "over " + "/".join(transports))
    assert resp.status == 200
    req = bob.wait_request("MESSAGE")
    assert req.msg.body == ("over " + "/".join(transports)).encode()


def test_message_to_unknown_user_is_404(server, make_ua):
    alice = make_ua("alice")
    assert alice.message(server.uri("nobody"), "hi").status == 404


def test_message_to_unregistered_user_is_deferred(server, make_ua):
    """DM-2: a MESSAGE is stored (202, test_store.py has the rest); a
    session is not deferred: 480."""
    alice = make_ua("alice")
    carol = make_ua("carol")
    assert carol.register(expires=0).status == 200
    try:
        assert alice.message(server.uri("carol"), "hi").status == 202
        assert server.rpc.call("im_store.count", server.uri("carol")) == 1
    finally:
        server.rpc.call("im_store.delete", server.uri("carol"))
    offer = msrp_sdp(f"msrp://{alice.local_ip}:9/deferred;tcp", ip=alice.local_ip)
    call = alice.invite(server.uri("carol"), offer,
                        headers=[("Accept-Contact", "*;+g.oma.sip-im")])
    assert call.wait_final().status == 480


def test_message_without_credentials_is_challenged(server, make_ua):
    alice = make_ua("alice")
    bob = make_ua("bob")
    resp = alice.message(server.uri("bob"), "hi", auth=False)
    assert resp.status == 407
    assert resp.get("proxy-authenticate").startswith("Digest ")
    assert bob.no_request("MESSAGE")


def test_message_with_wrong_password_is_not_delivered(server, make_ua):
    make_ua("alice")
    bob = make_ua("bob")
    mallory = make_ua("alice", register=False, password="wrong")
    resp = mallory.message(server.uri("bob"), "spoofed")
    assert resp.status in (401, 403, 407)
    assert bob.no_request("MESSAGE")


def test_credentials_of_another_user_are_forbidden(server, make_ua):
    """Authenticated as alice, claiming to be bob: 403, not a new challenge."""
    make_ua("alice")
    carol = make_ua("carol")
    from imtest.sip import SipUA
    spoofer = SipUA("bob", server.domain, server.password("alice"), proxy=server.sip_addr,
                    auth_user="alice")
    try:
        resp = spoofer.message(server.uri("carol"), "I am bob")
        assert resp.status == 403
        assert carol.no_request("MESSAGE")
        assert spoofer.register().status == 403
    finally:
        spoofer.close()


def test_publish_for_someone_else_is_forbidden(server, make_ua):
    alice = make_ua("alice")
    make_ua("bob")
    resp = alice.publish(server.uri("bob"), "presence", b"<pidf/>", "application/pidf+xml")
    assert resp.status == 403


def test_register_with_wrong_password_is_refused(server, make_ua):
    ua = make_ua("dave", register=False, password="wrong")
    assert ua.register().status in (401, 403)


def test_register_for_unknown_user_is_refused(server, make_ua):
    ua = make_ua("zed", register=False, password="x")
    assert ua.register().status in (401, 403, 404)


def test_message_to_other_domain_is_refused(server, make_ua):
    """A domain we do not interconnect with (no im_peer row): no route."""
    alice = make_ua("alice")
    resp = alice.message("sip:bob@elsewhere.example", "hi")
    assert resp.status == 404


def test_registration_survives_in_location_table(server, make_ua):
    """usrloc writes through to the database (db_mode 1)."""
    import sqlite3
    bob = make_ua("bob")
    con = sqlite3.connect(server.kamailio.db)
    rows = con.execute("SELECT contact FROM location WHERE username='bob'").fetchall()
    con.close()
    assert any(bob.contact_uri in r[0] for r in rows)
