"""`make run`'s launcher (scripts/run.sh): starts Kamailio and the relay on
the ports it is given, serves a registration over UDP and over TLS with
the self-signed certificate it made at first start (issue 8, SP-3), and
stops both cleanly on Ctrl-C (SIGINT to its process group, as a terminal
sends it)."""

import os
import socket
import stat
import subprocess

from imtest.procs import TOP, free_port, interrupt_launcher, processes_under
from imtest.rpc import KamailioRpc
from imtest.sip import SipUA
from imtest.tls import client_context


def test_run_script_serves_and_stops_on_ctrl_c(tmp_path):
    sip_port, relay_port, tls_port, msrps_port = free_port(), free_port(), free_port(), free_port()
    var = tmp_path / "var"
    env = dict(os.environ, VAR_DIR=str(var), SIP_PORT=str(sip_port),
               RELAY_CONTROL_PORT=str(relay_port), TLS_PORT=str(tls_port),
               RELAY_MSRP=f"tcp:127.0.0.1:{free_port()}",
               RELAY_MSRPS=f"tcp:127.0.0.1:{msrps_port}")
    env.pop("TLS_CERT", None)
    env.pop("TLS_KEY", None)
    p = subprocess.Popen([os.path.join(TOP, "scripts", "run.sh")], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         start_new_session=True)
    output = []
    try:
        for line in p.stdout:
            output.append(line)
            if line.startswith("  stop ") or line.startswith("run: ") and "exited" in line:
                break
        assert any("IM server ready" in l for l in output), "".join(output[-30:])
        banner = "".join(output)
        assert f"127.0.0.1:{sip_port}" in banner
        assert f"SIP over TLS       127.0.0.1:{tls_port}" in banner
        assert f"relay MSRP (TLS)   tcp:127.0.0.1:{msrps_port}" in banner
        key, cert = var / "tls" / "key.pem", var / "tls" / "cert.pem"
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
        assert cert.is_file()

        rpc = KamailioRpc(str(tmp_path / "var" / "run" / "kamailio_rpc.sock"))
        [r] = rpc.call("im_relay.ping")
        assert r["status"] == "ok"

        out = subprocess.run(["sipsak", "-U", "-s", "sip:alice@127.0.0.1", "-r", str(sip_port),
                              "-u", "alice", "-a", "alice"], capture_output=True, text=True,
                             timeout=60)
        assert out.returncode == 0, out.stdout + out.stderr

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
