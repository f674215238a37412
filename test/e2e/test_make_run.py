"""`make run`'s launcher (scripts/run.sh): starts Kamailio and the relay on
the ports it is given, serves a registration, and stops both cleanly on
Ctrl-C (SIGINT to its process group, as a terminal sends it)."""

import os
import subprocess

from imtest.procs import TOP, free_port, interrupt_launcher, processes_under
from imtest.rpc import KamailioRpc


def test_run_script_serves_and_stops_on_ctrl_c(tmp_path):
    sip_port, relay_port = free_port(), free_port()
    env = dict(os.environ, VAR_DIR=str(tmp_path / "var"), SIP_PORT=str(sip_port),
               RELAY_CONTROL_PORT=str(relay_port))
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

        # the secret that signs our hop to ourselves: made at first start,
        # readable by its owner only (Kamailio refuses it otherwise)
        secret = tmp_path / "var" / "hop.secret"
        assert secret.stat().st_mode & 0o777 == 0o600
        assert len(secret.read_text().strip()) == 64

        rpc = KamailioRpc(str(tmp_path / "var" / "run" / "kamailio_rpc.sock"))
        [r] = rpc.call("im_relay.ping")
        assert r["status"] == "ok"

        out = subprocess.run(["sipsak", "-U", "-s", "sip:alice@127.0.0.1", "-r", str(sip_port),
                              "-u", "alice", "-a", "alice"], capture_output=True, text=True,
                             timeout=60)
        assert out.returncode == 0, out.stdout + out.stderr
    finally:
        rc, log = interrupt_launcher(p, output)
    assert rc == 0, log[-3000:]
    assert processes_under(tmp_path) == ""
    assert "run: stopped" in log
    assert "exited by a signal" not in log
