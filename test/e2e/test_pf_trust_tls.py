"""Peers trusted by their TLS certificate (im_peer.trust = tls, issue 8):
a request of home2.net is terminating traffic only when it arrives over
TLS with a client certificate that verifies against our CA list and names
home2.net; any other certificate, none, or the right domain over plain
UDP is an untrusted sender (403 for a foreign From).

The server runs cfg/kamailio.cfg as it is, with a test CA as TLS_CA."""

import os
import socket
import ssl
import subprocess

import pytest

from conftest import stop_server
from imtest.procs import ImServer, free_port
from imtest.sipmsg import SipMessage
from imtest.tls import client_context

PEER = "home2.net"


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_certs(d):
    """A CA; the server's certificate; clients named home2.net and
    home3.net by that CA; a self-signed home2.net."""
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=test CA",
            "-keyout", "ca.key", "-out", "ca.pem", cwd=d)
    for name, cn in (("server", "home1.net"), ("peer", PEER), ("other", "home3.net")):
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={cn}",
                "-keyout", f"{name}.key", "-out", f"{name}.csr", cwd=d)
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-days", "2", "-out", f"{name}.pem", cwd=d)
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={PEER}",
            "-keyout", "selfsigned.key", "-out", "selfsigned.pem", cwd=d)


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("tls"))
    make_certs(d)
    s = ImServer(os.path.join(d, "srv"), defines={"TLS_CA": f'"{d}/ca.pem"'})
    s.tls_port = s.kamailio.tls_port
    s.certs = d
    s.peer_udp = ("127.0.0.5", free_port("127.0.0.5"))
    s.add_peer(PEER, f"sip:{s.peer_udp[0]}:{s.peer_udp[1]}", trust="tls")
    s.start()
    yield s
    stop_server(s)


def message_from_peer(server, via, text):
    return (f"MESSAGE {server.uri('bob')} SIP/2.0\r\n"
            f"Via: SIP/2.0/{via};branch=z9hG4bK{os.urandom(6).hex()};rport\r\n"
            f"Max-Forwards: 70\r\n"
            f"From: <sip:carol@{PEER}>;tag={os.urandom(4).hex()}\r\n"
            f"To: <{server.uri('bob')}>\r\n"
            f"Call-ID: {os.urandom(8).hex()}@{PEER}\r\n"
            f"CSeq: 1 MESSAGE\r\n"
            f"Content-Type: text/plain\r\n"
            f"Content-Length: {len(text)}\r\n\r\n{text}").encode()


def over_tls(server, cert, text):
    """Status of a MESSAGE from carol@home2.net sent over TLS with cert
    (a name in the certificate directory, or None for no certificate);
    "refused" when the server ends the handshake."""
    ctx = client_context(server.tls_cert)
    if cert:
        ctx.load_cert_chain(os.path.join(server.certs, f"{cert}.pem"),
                            os.path.join(server.certs, f"{cert}.key"))
    with socket.create_connection(("127.0.0.1", server.tls_port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
            port = s.getsockname()[1]
            s.sendall(message_from_peer(server, f"TLS 127.0.0.1:{port}", text))
            data = b""
            while b"\r\n\r\n" not in data:
                try:
                    chunk = s.recv(65535)
                except ssl.SSLError as e:
                    # TLS 1.3: the client learns of a refused certificate
                    # at its first read
                    assert "unknown ca" in str(e).lower(), e
                    return "refused"
                assert chunk, "connection closed without an answer"
                data += chunk
    return SipMessage.parse(data).status


def test_peer_certificate_naming_its_domain_is_trusted(tls_server, make_ua):
    bob = make_ua("bob", srv=tls_server)
    bob.auto_reply["MESSAGE"] = 200
    assert over_tls(tls_server, "peer", "by certificate") == 200
    req = bob.wait_request("MESSAGE")
    assert req.msg.body == b"by certificate"


@pytest.mark.parametrize("cert,outcome", [("other", 403), (None, 403), ("selfsigned", "refused")],
                         ids=["another domain's", "none", "not verified"])
def test_other_tls_clients_are_not_the_peer(tls_server, make_ua, cert, outcome):
    """A certificate for another domain, or none: an untrusted sender with
    a From of a foreign domain (403); one that does not verify: the TLS
    handshake itself fails (the tls module's verify_certificate)."""
    bob = make_ua("bob", srv=tls_server)
    bob.auto_reply["MESSAGE"] = 200
    assert over_tls(tls_server, cert, "forged") == outcome
    # nothing reached bob: the next MESSAGE he sees is the real peer's
    assert over_tls(tls_server, "peer", "control") == 200
    assert bob.wait_request("MESSAGE").msg.body == b"control"


def test_peer_address_without_tls_is_not_trusted(tls_server, make_ua):
    """trust=tls: the peer's own address, over plain UDP, proves nothing."""
    bob = make_ua("bob", srv=tls_server)
    bob.auto_reply["MESSAGE"] = 200
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind(tls_server.peer_udp)
        s.settimeout(10)
        s.sendto(message_from_peer(tls_server, f"UDP {tls_server.peer_udp[0]}:"
                                   f"{tls_server.peer_udp[1]}", "udp"), tls_server.sip_addr)
        assert SipMessage.parse(s.recv(65535)).status == 403
    finally:
        s.close()
    assert over_tls(tls_server, "peer", "control") == 200
    assert bob.wait_request("MESSAGE").msg.body == b"control"
