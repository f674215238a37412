"""The relay's control channel is an administrative interface (issue 8):
its UNIX socket (mode 0600) is the default transport; a TCP connection must
send `auth` with the shared secret before anything else, and is closed
otherwise; a TCP listener without a secret does not start unless the
operator opts into `control_insecure`. Kamailio (im_relay) authenticates
with its control_secret_file when it reaches a relay over TCP. And a
session an operator destroys at the relay ends its SIP dialogs at once."""

import json
import os
import socket
import stat
import subprocess
import time

import pytest

from imtest.im_session import ImSession
from imtest.procs import Kamailio, Process, Relay, free_port, relay_binary, wait_until
from imtest.rpc import RelayControl, RpcError

AUTH_ERROR = -32001


def assert_closed(c):
    with pytest.raises((ConnectionError, OSError)):
        c.read_line()


@pytest.fixture
def victim(server):
    """A session that unauthenticated clients must not be able to touch."""
    with server.relay.control() as c:
        c.call("session.create", {"id": "victim", "type": "bridge"})
    yield "victim"
    with server.relay.control() as c:
        c.call("session.destroy", {"id": "victim", "quiet": True})


REQUESTS = [
    ("session.list", None),
    ("session.create", {"id": "intruder", "type": "bridge"}),
    ("session.destroy", {"id": "victim"}),
    ("leg.add", {"session": "victim", "id": "x"}),
]


@pytest.mark.parametrize("method,params", REQUESTS)
def test_unauthenticated_tcp_request_is_refused_and_closed(server, victim, method, params):
    stats = server.relay.call("stats")
    before, commands_before = stats["control"]["auth_failures"], stats["commands"]
    req = {"jsonrpc": "2.0", "id": 1, "method": method}
    if params is not None:
        req["params"] = params
    with RelayControl(server.relay.tcp_control_addr) as c:
        c.send_raw(json.dumps(req).encode() + b"\n")
        reply = c.read_line()
        assert reply["error"]["code"] == AUTH_ERROR
        assert "authentication required" in reply["error"]["message"]
        assert_closed(c)
    stats = server.relay.call("stats")
    assert stats["control"]["auth_failures"] == before + 1
    # refused before dispatch: no command counted it
    assert stats["commands"][method]["calls"] == commands_before[method]["calls"]
    sessions = {s["id"]: s for s in server.relay.call("session.list")}
    assert set(sessions) == {victim}
    assert sessions[victim]["legs"] == 0


def test_garbage_before_auth_is_refused_without_echo(server):
    with RelayControl(server.relay.tcp_control_addr) as c:
        c.send_raw(b'{"jsonrpc":"2.0","id":"echo-me","method"\n')
        reply = c.read_line()
        assert reply["error"]["code"] == AUTH_ERROR
        assert reply["id"] is None
        assert_closed(c)


def test_long_first_line_is_refused_without_buffering(server):
    with RelayControl(server.relay.tcp_control_addr) as c:
        c.send_raw(b'{"jsonrpc":"2.0","id":1,"method":"auth","params":{"secret":"'
                   + b"a" * 4096)
        reply = c.read_line()
        assert reply["error"]["code"] == -32600
        assert_closed(c)
    assert server.relay.ping()["pong"] is True


def test_wrong_secret_is_refused_and_closed(server):
    with pytest.raises(RpcError) as e:
        server.relay.tcp_control(secret="not-the-secret")
    assert e.value.code == AUTH_ERROR
    assert e.value.message == "authentication failed"
    # the connection is gone: a second try on it is impossible, and the
    # relay still serves the others
    c = RelayControl(server.relay.tcp_control_addr)
    c.send_raw(b'{"jsonrpc":"2.0","id":1,"method":"auth","params":{"secret":"x"}}\n')
    assert c.read_line()["error"]["code"] == AUTH_ERROR
    assert_closed(c)
    c.close()
    assert server.relay.ping()["pong"] is True


def test_right_secret_opens_the_connection(server):
    with server.relay.tcp_control() as c:
        assert c.call("ping")["pong"] is True
        c.call("session.create", {"id": "by-tcp", "type": "bridge"})
        assert "by-tcp" in [s["id"] for s in c.call("session.list")]
        assert c.call("session.destroy", {"id": "by-tcp", "quiet": True}) == {"destroyed": True}
        # auth again on a trusted connection checks the secret, and keeps it
        assert c.call("auth", {"secret": server.relay.secret}) == {"authenticated": True}
        with pytest.raises(RpcError) as e:
            c.call("auth", {"secret": "wrong"})
        assert e.value.code == AUTH_ERROR
        assert c.call("ping")["pong"] is True


def test_control_sockets_are_private(server):
    for path in (server.relay.unix_control, server.kamailio.rpc_sock, server.kamailio.ctl_sock):
        mode = stat.S_IMODE(os.stat(path).st_mode)
        assert mode == 0o600, f"{path}: {oct(mode)}"


def test_tcp_listener_without_secret_does_not_start(tmp_path):
    port = free_port()
    out = subprocess.run([relay_binary(), "--instance", "r", "--control",
                          f"tcp:127.0.0.1:{port}", "--msrp-listen",
                          f"tcp:127.0.0.1:{free_port()}"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode != 0
    assert "needs control_secret" in out.stderr + out.stdout


def test_secret_file_readable_by_others_is_refused(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n")
    secret.chmod(0o644)
    out = subprocess.run([relay_binary(), "--control", f"tcp:127.0.0.1:{free_port()}",
                          "--control-secret-file", str(secret), "--msrp-listen",
                          f"tcp:127.0.0.1:{free_port()}"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 2
    assert "accessible to others" in out.stderr


def test_insecure_tcp_listener_is_an_explicit_choice(tmp_path):
    port = free_port()
    p = Process("relay", [relay_binary(), "--instance", "r", "--control",
                          f"tcp:127.0.0.1:{port}", "--control-insecure", "yes",
                          "--msrp-listen", f"tcp:127.0.0.1:{free_port()}"],
                str(tmp_path / "relay.log"))
    p.start()
    try:
        def pong():
            with RelayControl(f"tcp:127.0.0.1:{port}", timeout=2) as c:
                return c.call("ping")["pong"]
        wait_until(pong, 20, "insecure relay")
        assert "accepts anyone (control_insecure)" in p.log_text()
    finally:
        assert p.crash_report(p.stop()) is None


def start_kamailio_on_tcp(workdir, relay, secret_file):
    k = Kamailio(workdir, relay_control=f"{relay.tcp_control_addr};name={relay.instance}",
                 defines={"RELAY_SECRET_FILE": f'"{secret_file}"'})
    k.init_db()
    k.start()
    return k


def test_kamailio_authenticates_over_tcp(tmp_path):
    relay = Relay(str(tmp_path), kamailio_rpc=str(tmp_path / "kamailio_rpc.sock"))
    relay.start()
    k = start_kamailio_on_tcp(str(tmp_path), relay, relay.secret_file)
    try:
        [r] = k.rpc.call("im_relay.ping")
        assert r["status"] == "ok", r
        assert relay.call("stats")["control"]["auth_failures"] == 0
    finally:
        assert relay.stop() is None
        assert k.stop() is None


def test_kamailio_with_a_wrong_secret_is_refused(tmp_path):
    relay = Relay(str(tmp_path), kamailio_rpc=str(tmp_path / "kamailio_rpc.sock"))
    wrong = tmp_path / "wrong.secret"
    wrong.write_text("not-the-secret\n")
    wrong.chmod(0o600)
    relay.start()
    k = start_kamailio_on_tcp(str(tmp_path), relay, wrong)
    try:
        [r] = k.rpc.call("im_relay.ping")
        assert r["status"] == "error"
        assert r["error"] == "auth: relay error -32001: authentication failed"
        assert relay.call("stats")["control"]["auth_failures"] >= 1
    finally:
        assert relay.stop() is None
        assert k.stop() is None


# --- a session destroyed at the relay ends its calls at once ---

def wait_bye(ua, deadline):
    """The BYE ua gets before deadline (monotonic), answered 200."""
    req = ua.wait_request("BYE", timeout=max(0.01, deadline - time.monotonic()))
    req.reply(200)
    return req


@pytest.mark.parametrize("which", [0, 1])
def test_operator_session_destroy_byes_both_users_at_once(server, make_ua, which):
    """Both users of a 1-1 session through one server (two B2BUA calls,
    two relay bridges): destroying either bridge at the relay gets both
    users a BYE within a second (issue 8), and nothing is left over."""
    alice, bob = make_ua("alice"), make_ua("bob")
    s = ImSession(alice, bob, server.uri("bob")).start()
    try:
        bridges = sorted(x["id"] for x in server.relay.call("session.list"))
        assert len(bridges) == 2
        assert len(server.rpc.call("im_ua.list")) == 2
        t0 = time.monotonic()
        with server.relay.control() as c:
            assert c.call("session.destroy", {"id": bridges[which]}) == {"destroyed": True}
        wait_bye(alice, t0 + 1.0)
        wait_bye(bob, t0 + 1.0)
        server.wait_released()
        assert server.rpc.call("im_relay.show")[0]["last_event"] in ("session_closed",
                                                                    "leg_closed")
    finally:
        s.close()


def test_session_ended_by_sip_sends_no_session_closed(server, make_ua):
    """Kamailio destroys its own sessions quietly: no event tells it what
    it just did."""
    alice, bob = make_ua("alice"), make_ua("bob")
    s = ImSession(alice, bob, server.uri("bob")).start()
    try:
        posted = server.relay.call("stats")["events"]["posted"]
        resp, _ = s.bye_from_a()
        assert resp.status == 200
        server.wait_released()
        assert server.relay.call("stats")["events"]["posted"] == posted
    finally:
        s.close()


def test_silent_tcp_client_is_closed_after_the_auth_timeout(tmp_path):
    """A TCP control client that never authenticates holds no slot: it is
    closed after control_auth_timeout_s (1 s here) and counted."""
    relay = Relay(str(tmp_path), extra={"control_auth_timeout_s": "1"})
    relay.start()
    try:
        with socket.create_connection(("127.0.0.1", relay.control_port), timeout=15) as s:
            assert s.recv(1) == b""          # closed by the relay, well before 15 s
        with relay.control() as c:
            assert c.call("stats")["control"]["auth_failures"] >= 1
            assert c.call("ping")["pong"]
    finally:
        assert relay.stop() is None
