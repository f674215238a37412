"""SIP over TLS and MSRP over TLS (issue 8, SP-3 section 14.1.4): users
registered over TLS exchange a pager MESSAGE and hold a 1-1 session whose
MSRP crosses the relay as msrps on both legs; the clients accept only the
server's own certificate. A client speaking plain text, or nothing, on
the TLS port is dropped without disturbing anyone else."""

import os
import socket
import ssl

import pytest

from imtest.im_session import ImSession
from imtest.msrp import MsrpEndpoint
from imtest.sdp import Sdp
from imtest.sip import SipUA
from imtest.tls import client_context, make_cert, sdp_fingerprint, server_context


def via_transport(req):
    """The transport the server sent req over (its own top Via)."""
    return req.msg.get_all("via")[0].split()[0]


def test_pager_message_over_tls(server, make_ua):
    alice, bob = make_ua("alice", transport="tls"), make_ua("bob", transport="tls")
    bob.auto_reply["MESSAGE"] = 200
    resp = alice.message(server.uri("bob"), "sealed", content_type="text/plain")
    assert resp.status == 200
    req = bob.wait_request("MESSAGE")
    assert req.msg.body == b"sealed"
    assert via_transport(req) == "SIP/2.0/TLS"
    assert req.msg.from_.uri == server.uri("alice")
    assert alice.parse_errors == [] and bob.parse_errors == []


def test_message_between_tls_and_udp_users(server, make_ua):
    """Each user keeps the transport he registered with."""
    alice, carol = make_ua("alice", transport="tls"), make_ua("carol", transport="udp")
    carol.auto_reply["MESSAGE"] = 200
    alice.auto_reply["MESSAGE"] = 200
    assert alice.message(server.uri("carol"), "to udp").status == 200
    assert via_transport(carol.wait_request("MESSAGE")) == "SIP/2.0/UDP"
    assert carol.message(server.uri("alice"), "to tls").status == 200
    req = alice.wait_request("MESSAGE")
    assert req.msg.body == b"to tls" and via_transport(req) == "SIP/2.0/TLS"


def test_session_over_tls_with_msrps_legs(server, make_ua):
    """Both users on SIP over TLS offer msrps: every relay leg is msrps
    (the relay's TLS listener in each a=path, TCP/TLS/MSRP), the relay
    connects to bob checking his certificate, and messages go both ways."""
    alice, bob = make_ua("alice", transport="tls"), make_ua("bob", transport="tls")
    s = ImSession(alice, bob, server.uri("bob"), a_tls=client_context(server.tls_cert),
                  b_tls=server_context(server.tls_cert, server.tls_key))
    assert s.a_ep.path.startswith("msrps://")
    s.start()
    msrps = f"msrps://127.0.0.1:{server.relay.msrps_port}/"
    for sdp in (Sdp(s.final.body), Sdp(s.b_req.msg.body)):
        assert sdp.path[0].startswith(msrps)
        assert " TCP/TLS/MSRP " in sdp.m_line
    # originating and terminating bridges: four legs, all over TLS
    legs = [leg for sess in server.relay.call("session.list")
            for leg in server.relay.call("session.get", {"id": sess["id"]})["legs"]]
    assert len(legs) == 4 and all(leg["secure"] for leg in legs), legs

    data = os.urandom(100 * 1024)
    got, report = s.transfer_a(data, 16 * 1024)
    assert got.body == data
    assert report.get("Status").startswith("000 200")
    s.send_b("back over TLS")
    assert s.a_ep.wait_message().body == b"back over TLS"
    assert s.a_ep.errors == [] and s.b_ep.errors == []
    s.bye_from_a()
    server.wait_released()
    s.close()


def test_client_refuses_a_certificate_it_was_not_given(server, tmp_path):
    """The test clients really check the server: a certificate made for
    the same names but by someone else fails the handshake."""
    other, _ = make_cert(str(tmp_path / "other"), "127.0.0.1", server.domain)
    with SipUA("alice", server.domain, server.password("alice"), proxy=server.sip_tls_addr,
               transport="tls", tls=client_context(other)) as ua:
        with pytest.raises(ssl.SSLCertVerificationError):
            ua.register()


def test_plain_text_on_the_tls_port_is_dropped(server, make_ua):
    """A plain SIP request on the TLS port fails the handshake: the
    connection is closed with no SIP answer; a connection that never
    speaks does not hold up anyone; TLS users go on being served."""
    idle = socket.create_connection(server.sip_tls_addr, timeout=10)
    plain = socket.create_connection(server.sip_tls_addr, timeout=10)
    try:
        plain.sendall(b"REGISTER sip:home1.net SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:9;"
                      b"branch=z9hG4bKplain\r\nContent-Length: 0\r\n\r\n" * 20)
        plain.settimeout(15)
        got = b""
        try:
            while True:
                chunk = plain.recv(4096)
                if not chunk:
                    break
                got += chunk
        except ConnectionResetError:
            pass
        assert b"SIP/2.0" not in got
        alice, bob = make_ua("alice", transport="tls"), make_ua("bob", transport="tls")
        bob.auto_reply["MESSAGE"] = 200
        assert alice.message(server.uri("bob"), "still served").status == 200
        assert bob.wait_request("MESSAGE").msg.body == b"still served"
        # plain users too
        carol = make_ua("carol", transport="tcp")
        assert carol.message(server.uri("bob"), "plain still served").status == 200
    finally:
        idle.close()
        plain.close()


def test_sdp_fingerprints_pin_the_msrps_certificates(server, make_ua, tmp_path):
    """RFC 4572 / 8122 (issue 8, item 1): alice's a=fingerprint reaches the
    relay, which then binds only a connection showing alice's certificate;
    bob's SDP carries the relay's fingerprint, never alice's, and the
    relay connecting to bob checks his."""
    alice_cert = make_cert(str(tmp_path / "alice"), "127.0.0.1")
    bob_cert = make_cert(str(tmp_path / "bob"), "127.0.0.1")
    alice_ctx = client_context(server.tls_cert)
    alice_ctx.load_cert_chain(*alice_cert)
    alice, bob = make_ua("alice", transport="tls"), make_ua("bob", transport="tls")
    s = ImSession(alice, bob, server.uri("bob"), a_tls=alice_ctx,
                  b_tls=server_context(*bob_cert),
                  offer_kw={"extra": [f"a=fingerprint:{sdp_fingerprint(alice_cert[0])}"]},
                  answer_kw={"extra": [f"a=fingerprint:{sdp_fingerprint(bob_cert[0])}"]})
    s.invite()
    s.ring()
    relay_fp = f"a=fingerprint:{sdp_fingerprint(server.tls_cert)}"
    offer_at_bob = s.b_req.msg.body.decode()
    assert relay_fp in offer_at_bob
    assert sdp_fingerprint(alice_cert[0]) not in offer_at_bob
    s.answer()
    s.established()
    assert relay_fp in s.final.body.decode()
    assert sdp_fingerprint(bob_cert[0]) not in s.final.body.decode()
    relay_path = Sdp(s.final.body).path[0]

    # someone with the server's trust but not alice's certificate
    mallory_ctx = client_context(server.tls_cert)
    mallory_ctx.load_cert_chain(*make_cert(str(tmp_path / "mallory"), "127.0.0.1"))
    with MsrpEndpoint(tls=mallory_ctx, session_id=s.a_ep.session_id) as mallory:
        mallory.path = s.a_ep.path
        mallory.to_path = [relay_path]
        mallory.connect_to(relay_path)
        mid, [tid] = mallory.send_message(b"I am alice")
        resp = mallory.wait_response(tid)
        assert resp.status == 403 and "fingerprint" in resp.comment

    s.connect_media()
    got, report = s.transfer_a(b"the real alice", 1024)
    assert got.body == b"the real alice"
    assert report.get("Status").startswith("000 200")
    s.send_b("hello alice")
    assert s.a_ep.wait_message().body == b"hello alice"
    assert server.relay.call("stats")["msrp"]["errors"]["fingerprint_mismatch"] >= 1
    s.bye_from_a()
    server.wait_released()
    s.close()
