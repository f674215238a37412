"""`make run`'s launcher (scripts/run.sh): starts Kamailio and the relay on
the ports it is given, serves a registration over UDP and over TLS with
the self-signed certificate it made at first start (issue 8, SP-3), and
stops both cleanly on Ctrl-C (SIGINT to its process group, as a terminal
sends it)."""

import os
import socket
import sqlite3
import stat
import subprocess

import pytest

from imtest.procs import TOP, free_port, interrupt_launcher, processes_under, start_launcher
from imtest.rpc import KamailioRpc, RelayControl, RpcError
from imtest.sip import SipUA
from imtest.cf import multipart, resource_list
from imtest.tls import client_context


def test_run_script_serves_and_stops_on_ctrl_c(tmp_path):
    sip_port, tls_port, msrps_port = free_port(), free_port(), free_port()
    var = tmp_path / "var"
    p, output = start_launcher(tmp_path, SIP_PORT=str(sip_port), TLS_PORT=str(tls_port),
                          RELAY_MSRPS=f"tcp:127.0.0.1:{msrps_port}")
    try:
        assert any("IM server ready" in l for l in output), "".join(output[-30:])
        banner = "".join(output)
        assert f"127.0.0.1:{sip_port}" in banner
        assert f"SIP over TLS       127.0.0.1:{tls_port}" in banner
        assert f"relay MSRP (TLS)   tcp:127.0.0.1:{msrps_port}" in banner
        key, cert = var / "tls" / "key.pem", var / "tls" / "cert.pem"
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
        assert cert.is_file()
        # issue 8 item 4: the HA1 hashes are the operator's alone
        assert mode_of(tmp_path / "var" / "im.sqlite") == 0o600

        # the secret that signs our hop to ourselves: made at first start,
        # readable by its owner only (Kamailio refuses it otherwise)
        secret = tmp_path / "var" / "hop.secret"
        assert secret.stat().st_mode & 0o777 == 0o600
        assert len(secret.read_text().strip()) == 64

        rpc = KamailioRpc(str(tmp_path / "var" / "run" / "kamailio_rpc.sock"))
        [r] = rpc.call("im_relay.ping")
        assert r["status"] == "ok"

        # issue 8: the relay's control is its private UNIX socket only, and
        # Kamailio's RPC sockets are private too
        run = tmp_path / "var" / "run"
        for sock in ("relay_ctl.sock", "kamailio_rpc.sock", "kamailio_ctl"):
            assert stat.S_IMODE(os.stat(run / sock).st_mode) == 0o600, sock
        with RelayControl(f"unix:{run / 'relay_ctl.sock'}") as c:
            assert c.call("stats")["control"]["listeners"] == 1

        out = subprocess.run(["sipsak", "-U", "-s", "sip:alice@127.0.0.1", "-r", str(sip_port),
                              "-u", "alice", "-a", "alice"], capture_output=True, text=True,
                             timeout=60)
        assert out.returncode == 0, out.stdout + out.stderr

        # the controlling function is served with no extra step: a group
        # MESSAGE to the factory URI the banner names reaches bob (PM-1, PM-2)
        factory = "sip:conference-factory@127.0.0.1"
        assert f"to {factory}" in banner
        with SipUA("alice", "127.0.0.1", "alice", proxy=("127.0.0.1", sip_port)) as alice, \
                SipUA("bob", "127.0.0.1", "bob", proxy=("127.0.0.1", sip_port)) as bob:
            assert alice.register().status == 200 and bob.register().status == 200
            body, ctype = multipart([
                ("text/plain", [], b"hello group"),
                ("application/resource-lists+xml", [("Content-Disposition", "recipient-list")],
                 resource_list(["sip:bob@127.0.0.1"]))])
            r = alice.request("MESSAGE", factory, body=body, content_type=ctype,
                              headers=[("Require", "recipient-list-message")])
            assert r.status == 202
            got = bob.wait_request("MESSAGE")
            got.reply(200)
            assert b"hello group" in got.body
            assert "alice@127.0.0.1" in got.get("p-asserted-identity")
            assert alice.register(expires=0).status == 200 and bob.register(expires=0).status == 200

        # SIP over TLS, the server proving it holds the key of cert.pem
        with SipUA("bob", "127.0.0.1", "bob", proxy=("127.0.0.1", tls_port), transport="tls",
                   tls=client_context(cert)) as bob:
            assert bob.register().status == 200
            assert bob.register(expires=0).status == 200
        # and msrps at the relay, with the same certificate
        with socket.create_connection(("127.0.0.1", msrps_port), timeout=10) as s, \
                client_context(cert).wrap_socket(s, server_hostname="127.0.0.1") as t:
            assert t.version() in ("TLSv1.2", "TLSv1.3")
    finally:
        rc, log = interrupt_launcher(p, output)
    assert rc == 0, log[-3000:]
    assert processes_under(tmp_path) == ""
    assert "run: stopped" in log
    assert "exited by a signal" not in log


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_database_is_private_from_creation(tmp_path):
    """Issue 8 item 4: db-init.sh creates the database with the HA1 hashes
    mode 0600 (its directory 0700) whatever the caller's umask, im-user.sh
    keeps it so, and an older database readable by others is made 0600."""
    db = tmp_path / "var" / "im.sqlite"

    def run(*args):
        out = subprocess.run([os.path.join(TOP, "scripts", args[0]), *args[1:]],
                             capture_output=True, text=True, timeout=60,
                             preexec_fn=lambda: os.umask(0o022))
        assert out.returncode == 0, out.stdout + out.stderr
        return out
    run("db-init.sh", str(db))
    assert mode_of(db) == 0o600
    assert mode_of(db.parent) == 0o700
    run("im-user.sh", str(db), "add", "dave@home1.net", "secret")
    assert mode_of(db) == 0o600
    assert sorted(os.listdir(db.parent)) == ["im.sqlite"]

    os.chmod(db, 0o644)
    out = run("db-init.sh", str(db))
    assert mode_of(db) == 0o600
    assert "now mode 0600" in out.stderr


def test_database_of_an_older_store_schema_is_reported(tmp_path):
    """db-init.sh checks every schema version row: a database whose
    im_store table predates the failure IMDN columns (version 2) is
    refused with what to do, not used as it is."""
    db = tmp_path / "im.sqlite"
    script = os.path.join(TOP, "scripts", "db-init.sh")
    subprocess.run([script, str(db)], check=True, capture_output=True, timeout=60)
    with sqlite3.connect(db) as c:
        c.execute("UPDATE version SET table_version=2 WHERE table_name='im_store'")
    out = subprocess.run([script, str(db)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 1
    assert "has schema '2' of im_store, this version needs 3" in out.stderr, out.stderr


def test_run_script_tcp_control_needs_the_generated_secret(tmp_path):
    port = free_port()
    p, output = start_launcher(tmp_path, SIP_PORT=str(free_port()),
                          RELAY_CONTROL_TCP=f"127.0.0.1:{port}")
    try:
        assert any("IM server ready" in l for l in output), "".join(output[-30:])
        secret_file = tmp_path / "var" / "run" / "relay_ctl.secret"
        assert stat.S_IMODE(os.stat(secret_file).st_mode) == 0o600
        with RelayControl(f"tcp:127.0.0.1:{port}") as c:
            c.send_raw(b'{"jsonrpc":"2.0","id":1,"method":"session.list"}\n')
            assert c.read_line()["error"]["code"] == -32001
        with pytest.raises(RpcError):
            RelayControl(f"tcp:127.0.0.1:{port}", secret="guess")
        secret = secret_file.read_text().strip()
        with RelayControl(f"tcp:127.0.0.1:{port}", secret=secret) as c:
            assert c.call("stats")["control"]["listeners"] == 2
    finally:
        rc, log = interrupt_launcher(p, output)
    assert rc == 0, log[-3000:]
    assert processes_under(tmp_path) == ""


def test_run_script_on_postgres(reachable_tmp):
    """DB=postgres make run: its own PostgreSQL cluster in var/pg, the demo
    users and the banner's "add a user" line in it, digest registration and
    a pager MESSAGE served from it, policy set by RPC stored in it; Ctrl-C
    stops the cluster too, and the next start finds what was stored."""
    top, sip_port, pg_port = reachable_tmp, free_port(), free_port()
    env = dict(SIP_PORT=str(sip_port), DB="postgres", PG_PORT=str(pg_port))
    url = f"postgres://im@127.0.0.1:{pg_port}/im"
    p, output = start_launcher(top, **env)
    try:
        banner = "".join(output)
        assert "IM server ready" in banner, banner[-3000:]
        assert f"database           {url}" in banner
        assert "run: demo users alice, bob, carol" in banner
        add_user = next(l for l in output if l.startswith("  add a user "))
        out = subprocess.run(["bash", "-c", add_user.split(maxsplit=3)[3]], cwd=TOP,
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stdout + out.stderr
        with SipUA("alice", "127.0.0.1", "alice", proxy=("127.0.0.1", sip_port)) as alice, \
                SipUA("dave", "127.0.0.1", "secret", proxy=("127.0.0.1", sip_port)) as dave:
            assert alice.register().status == 200 and dave.register().status == 200
            dave.auto_reply["MESSAGE"] = 200
            assert alice.message("sip:dave@127.0.0.1", "hello dave").status == 200
            assert dave.wait_request("MESSAGE").msg.body == b"hello dave"
            assert alice.register(expires=0).status == 200
            assert dave.register(expires=0).status == 200
        rpc = KamailioRpc(str(top / "var" / "run" / "kamailio_rpc.sock"))
        assert rpc.call("im_pf.policy_set", "*", "max_size", "4321") == "ok"
    finally:
        rc, log = interrupt_launcher(p, output)
    assert rc == 0, log[-3000:]
    assert "run: stopped" in log
    assert processes_under(top) == ""

    p, output = start_launcher(top, **env)
    try:
        banner = "".join(output)
        assert "IM server ready" in banner, banner[-3000:]
        assert "demo users" not in banner
        with SipUA("dave", "127.0.0.1", "secret", proxy=("127.0.0.1", sip_port)) as dave:
            assert dave.register().status == 200
            assert dave.register(expires=0).status == 200
        rpc = KamailioRpc(str(top / "var" / "run" / "kamailio_rpc.sock"))
        assert {"scope": "*", "name": "max_size", "value": "4321"} in rpc.call("im_pf.policy_list")
    finally:
        rc, log = interrupt_launcher(p, output)
    assert rc == 0, log[-3000:]
    assert processes_under(top) == ""
