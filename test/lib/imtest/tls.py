"""TLS for the test clients: the server's self-signed certificate, made by
the same scripts/tls-cert.sh as `make run` uses, and contexts that trust
that certificate only, host name included (a client that accepted any
certificate would not notice a server presenting the wrong one).

    cert, key = make_cert(workdir + "/tls", "127.0.0.1", "home1.net")
    ua = SipUA(..., transport="tls", tls=client_context(cert))
"""

import hashlib
import os
import select
import socket
import ssl
import subprocess
import threading
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def make_cert(directory, *names):
    """(cert.pem, key.pem) in directory for names (IPs or DNS names)."""
    subprocess.run([os.path.join(TOP, "scripts", "tls-cert.sh"), directory, *names],
                   check=True)
    return os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")


def client_context(cafile):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cafile)
    return ctx


def server_context(cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx


class LockedTls:
    """A TLS socket shared by a reader thread and writer threads with the
    interface of a plain one (recv, sendall, shutdown, close). OpenSSL
    allows one call at a time on an SSL object, so the socket is made
    non-blocking and each call holds a lock; waiting happens in select()
    outside it."""

    def __init__(self, ssock):
        ssock.setblocking(False)
        self.s = ssock
        self.lock = threading.Lock()
        self.closed = False

    def sendall(self, data, timeout=60):
        view = memoryview(data)
        deadline = time.monotonic() + timeout
        while view:
            with self.lock:
                try:
                    view = view[self.s.send(view):]
                    continue
                except (ssl.SSLWantWriteError, ssl.SSLWantReadError):
                    pass
            if time.monotonic() > deadline:
                raise TimeoutError("TLS peer not reading")
            select.select([self.s], [self.s], [], 0.2)

    def recv(self, n):
        while True:
            if self.closed:
                return b""      # closed by another thread: its fd is gone
            if not self.s.pending():
                try:
                    r, _, _ = select.select([self.s], [], [], 0.5)
                except ValueError:
                    return b""
                if not r:
                    continue
            with self.lock:
                try:
                    return self.s.recv(n)
                except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                    continue
                except ssl.SSLZeroReturnError:
                    return b""

    def shutdown(self, how=socket.SHUT_RDWR):
        self.closed = True
        self.s.shutdown(how)

    def close(self):
        self.closed = True
        self.s.close()


def sdp_fingerprint(cert):
    """'sha-256 AB:CD:...' of a PEM certificate file (RFC 8122
    a=fingerprint)."""
    with open(cert) as f:
        der = ssl.PEM_cert_to_DER_cert(f.read())
    digest = hashlib.sha256(der).hexdigest().upper()
    return "sha-256 " + ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))
