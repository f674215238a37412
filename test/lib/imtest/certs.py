"""Self-signed certificates for TLS tests, and their SDP fingerprints
(RFC 8122 a=fingerprint)."""

import hashlib
import ssl
import subprocess


def self_signed(directory, cn="127.0.0.1", name="cert"):
    """(certificate path, key path) of a new self-signed RSA certificate."""
    key, crt = directory / f"{name}.key", directory / f"{name}.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                    "-out", str(crt), "-days", "2", "-subj", f"/CN={cn}"],
                   check=True, capture_output=True)
    return str(crt), str(key)


def sdp_fingerprint(crt):
    """'sha-256 AB:CD:...' of a PEM certificate file."""
    with open(crt) as f:
        der = ssl.PEM_cert_to_DER_cert(f.read())
    digest = hashlib.sha256(der).hexdigest().upper()
    return "sha-256 " + ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))
