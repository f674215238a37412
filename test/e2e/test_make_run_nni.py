"""`make run-nni`'s launcher (scripts/run-nni.sh): two IM domains on two
loopback addresses, each its own Kamailio and relay, interconnected as
peers; a session from alice@home1.net to bob@home2.net crosses both and
carries MSRP both ways, its users registered over TLS, each domain with
its own certificate; pager-mode MESSAGEs cross in both directions as
started (the peers carry every feature, issue 9 item 3), and every command
the banner prints runs as printed; Ctrl-C stops everything."""

import os
import shlex
import socket
import subprocess

from imtest.im_session import ImSession
from imtest.procs import TOP, interrupt_launcher, processes_under
from imtest.rpc import KamailioRpc
from imtest.sip import SipUA
from imtest.tls import client_context


def port_free_on_both():
    """A port no one uses on 127.0.0.1 nor 127.0.0.2, TCP and UDP."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        try:
            for ip in ("127.0.0.1", "127.0.0.2"):
                for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                    with socket.socket(socket.AF_INET, kind) as s:
                        s.bind((ip, port))
            return port
        except OSError:
            continue


def banner_commands(log, tool):
    """The commands of run-nni's banner that start with tool, as printed."""
    return [shlex.split(line.strip()) for line in log.splitlines()
            if line.startswith(f"  {tool} ")]


def run(argv):
    return subprocess.run(argv, capture_output=True, text=True, timeout=60)


def test_two_domains_serve_a_session_and_stop_on_ctrl_c(tmp_path):
    var = tmp_path / "nni"
    sip, msrp = port_free_on_both(), port_free_on_both()
    tls = port_free_on_both()
    env = dict(os.environ, NNI_VAR_DIR=str(var), SIP_PORT=str(sip), MSRP_PORT=str(msrp),
               TLS_PORT=str(tls), MSRPS_PORT=str(port_free_on_both()))
    p = subprocess.Popen([os.path.join(TOP, "scripts", "run-nni.sh")], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         start_new_session=True)
    output, ready = [], set()
    try:
        for line in p.stdout:
            output.append(line)
            for d in ("home1.net", "home2.net"):
                if line.startswith(f"[{d}] run: IM server ready"):
                    ready.add(d)
            if len(ready) == 2 or "exited unexpectedly" in line:
                break
        assert ready == {"home1.net", "home2.net"}, "".join(output[-40:])
        log = "".join(output)
        assert "[home1.net] run: peer domain home2.net at sip:127.0.0.2:" in log
        assert "[home2.net] run: peer domain home1.net at sip:127.0.0.1:" in log

        alice = SipUA("alice", "home1.net", "alice", proxy=("127.0.0.1", tls), transport="tls",
                      tls=client_context(var / "home1.net" / "tls" / "cert.pem"))
        bob = SipUA("bob", "home2.net", "bob", proxy=("127.0.0.2", tls), local_ip="127.0.0.2",
                    transport="tls", tls=client_context(var / "home2.net" / "tls" / "cert.pem"))
        assert alice.register().status == 200 and bob.register().status == 200

        # the banner's commands, as printed: two registrations, then a
        # MESSAGE from alice@home1.net (sipsak) to bob@home2.net (above)
        sipsak = banner_commands(log, "sipsak")
        assert len(sipsak) == 3, log[:2000]
        bob.auto_reply["MESSAGE"] = 200
        alice.auto_reply["MESSAGE"] = 200
        for argv in sipsak:
            out = run(argv)
            assert out.returncode == 0, f"{argv}: {out.stdout}{out.stderr}"
        got = bob.wait_request("MESSAGE")
        assert got.msg.body.rstrip(b"\r\n") == b"hello from home1.net"
        assert got.msg.from_.uri == "sip:alice@home1.net"
        peers = run(banner_commands(log, "kamcmd")[0])
        assert peers.returncode == 0 and "features: *" in peers.stdout, peers

        # pager mode across the NNI in both directions, no operator step
        resp = alice.message("sip:bob@home2.net", "page to home2")
        assert resp.status == 200, resp
        assert bob.wait_request("MESSAGE").msg.body == b"page to home2"
        resp = bob.message("sip:alice@home1.net", "page to home1")
        assert resp.status == 200, resp
        assert alice.wait_request("MESSAGE").msg.body == b"page to home1"

        s = ImSession(alice, bob, "sip:bob@home2.net").start()
        s.send_a(b"hello home2")
        assert s.b_ep.wait_message().body == b"hello home2"
        s.send_b(b"hello home1")
        assert s.a_ep.wait_message().body == b"hello home1"
        # one B2BUA call in each domain
        rpc1 = KamailioRpc(str(var / "home1.net" / "run" / "kamailio_rpc.sock"))
        rpc2 = KamailioRpc(str(var / "home2.net" / "run" / "kamailio_rpc.sock"))
        assert len(rpc1.call("im_ua.list")) == 1 and len(rpc2.call("im_ua.list")) == 1
        resp, _ = s.bye_from_a()
        assert resp.status == 200
        s.close()
        alice.close()
        bob.close()
    finally:
        rc, log = interrupt_launcher(p, output)
    assert rc == 0, log[-3000:]
    assert processes_under(tmp_path) == ""
    assert "run-nni: stopped" in log
    assert log.count("run: stopped") == 2
