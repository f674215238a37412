"""Running the relay: TLS (msrps) on both kinds of legs, IPv6, Prometheus
metrics, SIGHUP log reopening, the 30 s transaction timeout (shortened
here) becoming a 408 REPORT, and a slow receiver that must not make the
relay's memory grow past its queue bound."""

import os
import signal
import socket
import ssl
import subprocess
import threading
import urllib.error
import urllib.request

import pytest

from imtest.msrp import MsrpEndpoint
from imtest.procs import Relay, free_port, wait_until
from imtest.relay_sessions import bridge
from imtest.tls import make_cert, server_context


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    return make_cert(str(tmp_path_factory.mktemp("tls")), "127.0.0.1")


def start_relay(tmp_path, **extra):
    r = Relay(str(tmp_path), extra=extra)
    r.start()
    return r


def test_msrps_legs_both_ways(tmp_path, cert):
    crt, key = cert
    port = free_port()
    relay = start_relay(tmp_path, msrps_listen=f"tcp:127.0.0.1:{port}", tls_cert=crt,
                        tls_key=key, tls_ca=crt, tls_verify="yes")
    try:
        client_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        client_ctx.check_hostname = False
        client_ctx.load_verify_locations(crt)          # the relay's certificate is checked
        server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server_ctx.load_cert_chain(crt, key)
        with relay.control() as ctl:
            a, b = bridge(ctl, "tls", "passive", "active", a=MsrpEndpoint(tls=client_ctx),
                          b=MsrpEndpoint(tls=server_ctx), a_params={"tls": True},
                          b_params={"tls": True})
            assert a.local_path.startswith("msrps://") and b.local_path.startswith("msrps://")
            body = os.urandom(300000)
            a.ep.send_message(body, content_type="application/octet-stream", chunk_size=65536)
            assert b.ep.wait_message().body == body
            b.ep.send_message(b"over TLS back")
            assert a.ep.wait_message().body == b"over TLS back"
            # plain TCP on the TLS port: the handshake fails, the relay goes on
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            s.sendall(b"MSRP abcd SEND\r\n\r\n" * 10)
            s.settimeout(10)
            try:
                while s.recv(4096):
                    pass
            except (ConnectionResetError, socket.timeout):
                pass
            s.close()
            a.ep.send_message(b"still encrypted")
            assert b.ep.wait_message(index=1).body == b"still encrypted"
            assert ctl.call("stats")["msrp"]["errors"]["tls_handshake"] >= 1
    finally:
        assert relay.stop() is None


def test_msrps_peer_must_hold_a_certificate_for_its_path_host(tmp_path, cert):
    """RFC 4975 section 14.2: a certificate the relay trusts, but made for
    another address than the one in the peer's msrps path, fails the
    handshake when the relay connects; the leg never connects."""
    crt, key = cert
    other_crt, other_key = make_cert(str(tmp_path / "other"), "127.0.0.9")
    both = tmp_path / "trusted.pem"
    both.write_text(open(crt).read() + open(other_crt).read())
    relay = start_relay(tmp_path, msrps_listen=f"tcp:127.0.0.1:{free_port()}", tls_cert=crt,
                        tls_key=key, tls_ca=str(both), tls_verify="yes")
    try:
        with relay.control() as ctl:
            ep = MsrpEndpoint(tls=server_context(other_crt, other_key))
            ep.listen()
            ctl.call("session.create", {"id": "wrong-host", "type": "bridge"})
            ctl.call("leg.add", {"session": "wrong-host", "id": "b", "remote_path": ep.path,
                                 "setup": "active", "tls": True})
            wait_until(lambda: ctl.call("stats")["msrp"]["errors"].get("tls_handshake", 0) >= 1,
                       15, "handshake failure")
            wait_until(lambda: ep.errors, 15, "the endpoint seeing the handshake fail")
            assert ep.sock is None
            ep.close()
    finally:
        assert relay.stop() is None


def test_ipv6_legs(tmp_path):
    port = free_port("::1")
    relay = start_relay(tmp_path, msrp_listen=[f"tcp:127.0.0.1:{free_port()}",
                                               f"tcp:[::1]:{port}"])
    try:
        with relay.control() as ctl:
            a, b = bridge(ctl, "v6", a=MsrpEndpoint("::1"), b=MsrpEndpoint("::1"),
                          a_params={"ipv6": True}, b_params={"ipv6": True}, b_setup="active")
            assert a.local_path.startswith(f"msrp://[::1]:{port}/")
            a.ep.send_message(b"over IPv6")
            assert b.ep.wait_message().body == b"over IPv6"
    finally:
        assert relay.stop() is None


def test_metrics_page(tmp_path):
    mport = free_port()
    relay = start_relay(tmp_path, metrics_listen=f"tcp:127.0.0.1:{mport}")
    try:
        with relay.control() as ctl:
            a, b = bridge(ctl, "m1")
            a.ep.send_message(b"count me")
            b.ep.wait_message()
            page = urllib.request.urlopen(f"http://127.0.0.1:{mport}/metrics", timeout=10).read().decode()
        assert 'imrelay_sessions{type="bridge"} 1' in page
        assert "imrelay_legs 2" in page
        assert 'imrelay_frames_in_total{method="SEND"}' in page
        assert "imrelay_queue_high_water_bytes" in page
        assert 'imrelay_errors_total{kind="malformed_frame"} 0' in page
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(f"http://127.0.0.1:{mport}/other", timeout=10)
        assert e.value.code == 404
    finally:
        assert relay.stop() is None


def test_sighup_reopens_the_log(tmp_path):
    log = tmp_path / "relay-file.log"
    relay = start_relay(tmp_path, log_file=str(log))
    try:
        wait_until(lambda: log.exists() and "started" in log.read_text(), 10, "log file")
        os.rename(log, tmp_path / "relay-file.log.1")
        relay.proc.signal(signal.SIGHUP)
        wait_until(lambda: log.exists() and "log file reopened" in log.read_text(), 10,
                   "a new log file")
    finally:
        assert relay.stop() is None


def test_unanswered_send_gives_408_report(tmp_path):
    relay = start_relay(tmp_path, txn_timeout_ms="400")
    try:
        with relay.control() as ctl:
            a, b = bridge(ctl, "t408")
            b.ep.respond = None                       # b never answers
            mid, [tid] = a.ep.send_message(b"anyone?")
            assert a.ep.wait_response(tid).status == 200
            report = a.ep.wait_report(mid)
            assert report.get("Status") == "000 408 Request Timeout"
            assert ctl.call("stats")["msrp"]["errors"]["transaction_timeout"] == 1
    finally:
        assert relay.stop() is None


def test_slow_receiver_does_not_grow_relay_memory(tmp_path):
    """64 MiB towards a receiver that stops reading: the relay pauses the
    sender once its 1 MiB queue is full; its memory stays within a small
    bound, and everything arrives once the receiver reads again."""
    relay = Relay(str(tmp_path), extra={"max_queue": "1048576"})
    # ASan keeps freed blocks in a quarantine (256 MiB by default) before
    # reusing them: resident memory would grow with the bytes that merely
    # passed through. Reuse at once, so RSS shows what the relay holds.
    opts = os.environ.get("ASAN_OPTIONS", "")
    relay.proc.env = dict(os.environ, ASAN_OPTIONS=f"{opts}:quarantine_size_mb=0".lstrip(":"))
    relay.start()
    try:
        with relay.control() as ctl:
            a, b = bridge(ctl, "slow")
            warm = os.urandom(2 * 1024 * 1024)
            a.ep.send_message(warm, content_type="application/octet-stream", chunk_size=65536)
            assert b.ep.wait_message(timeout=30).body == warm
            baseline = relay.rss_kib()
            b.ep.pause_reading()
            body = os.urandom(64 * 1024 * 1024)
            sender = threading.Thread(target=a.ep.send_message, args=(body,),
                                      kwargs={"content_type": "application/octet-stream",
                                              "chunk_size": 65536}, daemon=True)
            sender.start()
            wait_until(lambda: ctl.call("stats")["msrp"]["pauses"] > 0, 30, "back-pressure")
            wait_until(lambda: ctl.call("stats")["connections"]["paused"] > 0, 30, "paused sender")
            grown = relay.rss_kib() - baseline
            stats = ctl.call("stats")["msrp"]
            assert grown < 16 * 1024, f"relay grew by {grown} KiB with a stalled receiver"
            assert stats["queue_high_water_bytes"] <= 1048576 + 2 * 65536 + 4096
            b.ep.resume_reading()
            got = b.ep.wait_message(index=1, timeout=120)
            assert got.body == body
            sender.join(60)
    finally:
        assert relay.stop() is None


def test_daemon_mode_with_pid_file(tmp_path):
    """-d detaches; the pid file names the daemon, which answers and stops."""
    from imtest.procs import relay_binary
    from imtest.rpc import RelayControl
    ctl = tmp_path / "ctl.sock"
    pid_file = tmp_path / "relay.pid"
    log = tmp_path / "daemon.log"
    rc = subprocess.run([relay_binary(), "-d", "--instance", "d1", "--control",
                         f"unix:{ctl}", "--msrp-listen", f"tcp:127.0.0.1:{free_port()}",
                         "--pid-file", str(pid_file), "--log-file", str(log)], timeout=30)
    assert rc.returncode == 0
    wait_until(lambda: pid_file.exists() and pid_file.read_text().strip(), 10, "pid file")
    pid = int(pid_file.read_text())
    try:
        def pong():
            with RelayControl(f"unix:{ctl}", timeout=2) as c:
                return c.call("ping")["pong"]
        wait_until(pong, 10, "daemon")
    finally:
        os.kill(pid, signal.SIGTERM)
    wait_until(lambda: not os.path.exists(f"/proc/{pid}") or
               open(f"/proc/{pid}/stat").read().split()[2] == "Z", 20, "daemon exit")
    assert "stopped" in log.read_text()
    assert not pid_file.exists()
