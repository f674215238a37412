"""sipsak against the running server, as the README tells an operator to
try it: `sipsak -U` registers, `sipsak -f` sends a MESSAGE between two
registered users. (Debian bookworm's sipsak 0.9.8.1 crashes in -M mode
before sending anything, so the README uses -f with a MESSAGE file.)"""

import sqlite3
import subprocess

import pytest

from conftest import one_server


@pytest.fixture(scope="module")
def ip_server(tmp_path_factory):
    """The domain is the IP address, as with `make run`."""
    yield from one_server(tmp_path_factory.mktemp("sipsak"), domain="127.0.0.1")


def sipsak(*args):
    return subprocess.run(["sipsak", *args], capture_output=True, text=True, timeout=60)


def test_sipsak_registration(ip_server):
    port = str(ip_server.sip_addr[1])
    out = sipsak("-U", "-s", "sip:alice@127.0.0.1", "-r", port, "-u", "alice",
                 "-a", ip_server.password("alice"))
    assert out.returncode == 0, out.stdout + out.stderr
    con = sqlite3.connect(ip_server.kamailio.db)
    rows = con.execute("SELECT username FROM location WHERE username='alice'").fetchall()
    con.close()
    assert rows


def test_sipsak_registration_with_wrong_password_fails(ip_server):
    port = str(ip_server.sip_addr[1])
    out = sipsak("-U", "-s", "sip:carol@127.0.0.1", "-r", port, "-u", "carol", "-a", "wrong")
    assert out.returncode != 0


def test_sipsak_message_between_registered_users(ip_server, tmp_path, make_ua):
    bob = make_ua("bob", srv=ip_server)
    bob.auto_reply["MESSAGE"] = 200
    body = "hello from sipsak"
    msg = (f"MESSAGE sip:bob@127.0.0.1 SIP/2.0\r\n"
           f"From: <sip:alice@127.0.0.1>;tag=s1\r\n"
           f"To: <sip:bob@127.0.0.1>\r\n"
           f"Call-ID: sipsak-1@127.0.0.1\r\n"
           f"CSeq: 1 MESSAGE\r\n"
           f"Max-Forwards: 70\r\n"
           f"Content-Type: text/plain\r\n"
           f"Content-Length: {len(body)}\r\n\r\n{body}")
    f = tmp_path / "message.sip"
    f.write_text(msg)
    out = sipsak("-f", str(f), "-s", "sip:bob@127.0.0.1", "-r", str(ip_server.sip_addr[1]),
                 "-u", "alice", "-a", ip_server.password("alice"))
    assert out.returncode == 0, out.stdout + out.stderr
    req = bob.wait_request("MESSAGE")
    assert req.msg.body == body.encode()
    assert req.msg.from_.uri == "sip:alice@127.0.0.1"
