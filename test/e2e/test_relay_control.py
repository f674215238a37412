"""The control channel between Kamailio (im_relay) and the relay, both
ways: Kamailio -> relay commands (ping, stats), relay -> Kamailio events,
bounded failure when the relay is down or hangs, and bad input on both
entry points."""

import json
import socket
import subprocess
import threading

import pytest

from imtest.procs import ImServer, Relay, wait_until
from imtest.rpc import RelayControl, RpcError


def test_im_relay_ping_answers_through_running_relay(server):
    [r] = server.rpc.call("im_relay.ping")
    assert r["relay"] == "relay1"
    assert r["status"] == "ok"
    assert r["rtt_us"] > 0


def test_kamcmd_reaches_im_relay_over_ctl(server):
    """What an operator types: kamcmd on the ctl socket."""
    out = subprocess.run(["kamcmd", "-s", f"unix:{server.kamailio.ctl_sock}", "im_relay.ping"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert "status: ok" in out.stdout
    assert "relay: relay1" in out.stdout


def test_relay_answers_ping_and_stats(server):
    with server.relay.control() as c:
        pong = c.call("ping")
        stats = c.call("stats")
    assert pong["pong"] is True
    assert pong["instance"] == "relay1"
    assert stats["boot_id"] == pong["boot_id"]
    assert stats["commands"]["ping"]["calls"] >= 1


def test_relay_started_event_reaches_kamailio(tmp_path):
    """The relay posts relay_started to jsonrpcs as it starts; im_relay
    records the event and the boot id it carries, and acknowledges it."""
    s = ImServer(str(tmp_path)).start()
    try:
        wait_until(lambda: s.relay.call("stats")["events"]["acked"] >= 1, 10,
                   "acknowledgement of relay_started")
        [shown] = s.rpc.call("im_relay.show")
        assert shown["events"] == 1
        assert shown["last_event"] == "relay_started"
        assert shown["boot_id"] == s.relay.call("stats")["boot_id"]
        assert shown["instance"] == "relay1"
        assert shown["state"] == "up"
        assert s.relay.call("stats")["events"]["rejected"] == 0
    finally:
        assert s.stop() is None


def test_unknown_relay_method_is_a_jsonrpc_error(server):
    with server.relay.control() as c:
        with pytest.raises(RpcError) as e:
            c.call("no.such.method")
        assert e.value.code == -32601
        assert c.call("ping")["pong"] is True


BAD_LINES = [
    (b"{not json\n", -32700),
    (b"[1,2,3]\n", -32600),
    (b'{"jsonrpc":"1.0","id":1,"method":"ping"}\n', -32600),
    (b'{"jsonrpc":"2.0","id":1}\n', -32600),
    (b'{"jsonrpc":"2.0","id":{"x":1},"method":"ping"}\n', -32600),
    (b'{"jsonrpc":"2.0","id":1,"method":"ping","params":"str"}\n', -32600),
    (b'{"jsonrpc":"2.0","id":1,"id":2,"method":"ping"}\n', -32700),
    (bytes(range(1, 10)) + b"\xff\xfe\n", -32700),
]


@pytest.mark.parametrize("line,code", BAD_LINES)
def test_bad_control_requests_get_errors_and_connection_survives(server, line, code):
    with server.relay.control() as c:
        c.send_raw(line)
        reply = c.read_line()
        assert reply["error"]["code"] == code
        assert c.call("ping")["pong"] is True


def test_notification_gets_no_reply(server):
    with server.relay.control() as c:
        c.send_raw(b'{"jsonrpc":"2.0","method":"ping"}\n')
        assert c.call("ping")["pong"] is True   # the first answer is this one's


def test_oversized_control_line_closes_only_that_connection(tmp_path):
    relay = Relay(str(tmp_path), extra={"control_max_line": "4096"})
    relay.start()
    try:
        with relay.control() as bystander, relay.control() as c:
            c.send_raw(b'{"jsonrpc":"2.0","id":1,"method":"ping","params":["' + b"a" * 8192)
            reply = c.read_line()
            assert reply["error"]["code"] == -32600
            with pytest.raises(ConnectionError):
                c.read_line()
            assert bystander.call("ping")["pong"] is True
            assert bystander.call("stats")["control"]["oversized"] == 1
    finally:
        assert relay.stop() is None


def test_client_vanishing_mid_request_leaves_relay_serving(server):
    c = RelayControl(server.relay.control_addr)
    c.send_raw(b'{"jsonrpc":"2.0","id":1,"meth')
    c.close()
    assert server.relay.ping()["pong"] is True


EVENT_ERRORS = [
    ((), "missing argument instance"),
    (("relay1",), "missing argument type"),
    (("relay1", "Bad-Type"), "bad event type"),
    (("relay1", "x" * 40), "bad event type"),
    (("relay 1", "relay_started"), "bad relay instance"),
    (("relay1", "session_idle", "{not json"), "not a JSON object"),
    (("relay1", "session_idle", "[1]"), "not a JSON object"),
    (("ghost", "session_idle"), "not configured"),
]


@pytest.mark.parametrize("params,message", EVENT_ERRORS)
def test_bad_relay_events_are_rejected(server, params, message):
    before = server.rpc.call("im_relay.show")[0]["events"]
    with pytest.raises(RpcError) as e:
        server.rpc.call("im_relay.event", *params)
    assert message in e.value.message
    assert server.rpc.call("im_relay.show")[0]["events"] == before


def test_valid_event_is_recorded(server):
    before = server.rpc.call("im_relay.show")[0]["events"]
    assert server.rpc.call("im_relay.event", "relay1", "session_idle",
                           json.dumps({"session": "abc"})) == "accepted"
    shown = server.rpc.call("im_relay.show")[0]
    assert shown["events"] == before + 1
    assert shown["last_event"] == "session_idle"


def test_garbage_datagram_on_jsonrpcs_leaves_kamailio_serving(server):
    for junk in (b"{", bytes(range(256)), b'{"jsonrpc":"2.0","method":"im_relay.event"}'):
        try:
            server.rpc.call_raw(junk, timeout=1)
        except socket.timeout:
            pass
    assert server.rpc.call("im_relay.ping")[0]["status"] == "ok"


# --- relay down, hung, restarted: dedicated servers ---

def test_relay_down_ping_fails_at_once(tmp_path):
    """Nothing listens on the relay's port: the answer says so, it does not
    hang (the RPC client's own timeout guards against a hang)."""
    s = ImServer(str(tmp_path), with_relay=False).start()
    try:
        [r] = s.rpc.call("im_relay.ping", timeout=5)
        assert r["status"] == "error"
        assert "refused" in r["error"]
        [shown] = s.rpc.call("im_relay.show")
        assert shown["state"] == "down"
    finally:
        assert s.stop() is None


class Blackhole:
    """Accepts TCP connections and never answers: a hung relay."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        self.stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stopped:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(c)

    def close(self):
        self.stopped = True
        for c in self.conns + [self.sock]:
            c.close()


def test_hung_relay_ping_times_out_within_the_bound(tmp_path):
    hole = Blackhole()
    s = ImServer(str(tmp_path), with_relay=False, relay_timeout_ms=250,
                 defines={"RELAY_CONTROL": f'"tcp:127.0.0.1:{hole.port};name=relay1"'})
    s.start()
    try:
        [r] = s.rpc.call("im_relay.ping", timeout=5)
        assert r["status"] == "error"
        assert r["error"] == "no reply within 250 ms"
        [shown] = s.rpc.call("im_relay.show")
        assert shown["state"] == "down"
        assert shown["timeouts"] >= 1
        # SIP is served meanwhile
        assert s.rpc.call("core.version")
    finally:
        assert s.stop() is None
        hole.close()


def test_relay_shutdown_and_restart_seen_by_kamailio(tmp_path):
    s = ImServer(str(tmp_path)).start()
    try:
        first_boot = s.relay.call("stats")["boot_id"]
        assert s.relay.stop() is None
        [shown] = s.rpc.call("im_relay.show")
        assert shown["state"] == "down"
        assert shown["last_error"] == "relay announced its shutdown"
        assert shown["last_event"] == "relay_stopping"

        s.relay = Relay(s.workdir, control_port=s.relay.control_port,
                        kamailio_rpc=s.kamailio.rpc_sock)
        s.relay.start()
        second_boot = s.relay.call("stats")["boot_id"]
        assert second_boot != first_boot
        [r] = s.rpc.call("im_relay.ping")
        assert r["status"] == "ok"
        [shown] = s.rpc.call("im_relay.show")
        assert shown["state"] == "up"
        assert shown["boot_id"] == second_boot
    finally:
        assert s.stop() is None
