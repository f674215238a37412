"""When a process dies (issue 9 item 2), measured with a 1-1 session up and
real processes killed with SIGKILL:

- under `make run` (scripts/run.sh), a killed relay is restarted while
  Kamailio BYEs both users of the sessions it carried, and new sessions
  work once it is back;
- a killed Kamailio's sessions are released by the relay when the lease
  its health pings renewed runs out (relay `owner_timeout_s`), which
  closes both users' MSRP connections;
- a Kamailio restarted on the same relay destroys the sessions its
  previous run left there at its first health check, and only those."""

import os
import signal

from conftest import start_server, stop_server
from imtest.im_session import ImSession
from imtest.procs import (free_port, interrupt_launcher, processes_under, start_launcher,
                           wait_until)
from imtest.rpc import KamailioRpc, RelayControl
from imtest.sip import SipUA


# what Kamailio promises after its relay dies: BYE within 2 s (its health
# check runs every 2 s); the waits below allow a margin for a busy machine
BYE_BOUND_S = 2
MARGIN_S = 8


def test_make_run_restarts_a_killed_relay(tmp_path):
    sip_port = free_port()
    p, output = start_launcher(tmp_path, SIP_PORT=str(sip_port))
    run = tmp_path / "var" / "run"
    uas = []
    try:
        assert any("IM server ready" in l for l in output), "".join(output[-30:])
        rpc = KamailioRpc(str(run / "kamailio_rpc.sock"))
        for user in ("alice", "bob"):
            ua = SipUA(user, "127.0.0.1", user, proxy=("127.0.0.1", sip_port))
            uas.append(ua)
            assert ua.register().status == 200
            ua.auto_reply["BYE"] = 200
        alice, bob = uas
        s = ImSession(alice, bob, "sip:bob@127.0.0.1").start()
        s.send_a("before")
        assert s.b_ep.wait_message().body == b"before"
        [before] = rpc.call("im_relay.show")

        relay_pid = int((run / "relay.pid").read_text())
        os.kill(relay_pid, signal.SIGKILL)

        # both users are told, and their MSRP connections are gone
        assert alice.wait_request("BYE", timeout=BYE_BOUND_S + MARGIN_S).msg.call_id \
            == s.call.invite_msg.call_id
        assert bob.wait_request("BYE", timeout=BYE_BOUND_S + MARGIN_S).msg.call_id \
            == s.b_req.msg.call_id
        s.a_ep.wait_closed()
        s.b_ep.wait_closed()
        wait_until(lambda: rpc.call("im_ua.list") == [], 15, "calls released")
        s.close()

        # the launcher kept Kamailio and started a new relay, which
        # Kamailio sees up under a new boot id
        assert p.poll() is None, "run.sh exited"

        def relay_back():
            [r] = rpc.call("im_relay.show")
            return r["state"] == "up" and r["boot_id"] != before["boot_id"] and r
        wait_until(relay_back, 30, "the restarted relay")
        assert int((run / "relay.pid").read_text()) != relay_pid

        # and a new session works end to end through it
        s2 = ImSession(alice, bob, "sip:bob@127.0.0.1").start()
        s2.send_a("after")
        assert s2.b_ep.wait_message().body == b"after"
        s2.bye_from_a()
        wait_until(lambda: rpc.call("im_ua.list") == [], 15, "second call released")
        s2.close()
        for ua in uas:
            assert ua.register(expires=0).status == 200
    finally:
        for ua in uas:
            ua.close()
        rc, log = interrupt_launcher(p, output)
    # Ctrl-C still stops everything cleanly, the restarted relay included
    assert rc == 0, log[-3000:]
    assert "run: relay restarted" in log
    assert processes_under(tmp_path) == ""
    assert "exited by a signal" not in log


def owned_session(server, alice, bob, others=()):
    """A 1-1 session through server with both MSRP connections up; returns
    it and its relay sessions (one per participating function it crosses:
    the originating and the terminating one), which name this Kamailio as
    their owner. others: ids of sessions on the relay that are not its."""
    s = ImSession(alice, bob, server.uri("bob")).start()
    s.send_a("hello")
    assert s.b_ep.wait_message().body == b"hello"
    sessions = [x for x in server.relay.call("session.list") if x["id"] not in others]
    [show] = server.rpc.call("im_relay.show")
    assert sessions and all(x.get("owner") == show["owner"]
                            and x.get("owner_boot_id") == show["owner_boot_id"]
                            for x in sessions), (sessions, show)
    return s, sessions


def test_relay_releases_the_sessions_of_a_killed_kamailio(tmp_path, make_ua):
    lease = 3
    server = start_server(tmp_path, relay_extra={"owner_timeout_s": lease})
    alice, bob = make_ua("alice", srv=server), make_ua("bob", srv=server)
    try:
        s, sessions = owned_session(server, alice, bob)
        ids = sorted(x["id"] for x in sessions)
        # while Kamailio lives, its health pings hold the lease: the
        # sessions outlive several leases
        ping_ok = server.rpc.call("im_relay.show")[0]["requests"]
        wait_until(lambda: server.rpc.call("im_relay.show")[0]["requests"] >= ping_ok + 3,
                   30, "three more health pings")
        assert sorted(x["id"] for x in server.relay.call("session.list")) == ids

        server.kamailio.proc.kill()
        wait_until(lambda: server.relay.call("session.list") == [], lease + MARGIN_S,
                   "release of the dead owner's sessions")
        s.a_ep.wait_closed(timeout=MARGIN_S)
        s.b_ep.wait_closed(timeout=MARGIN_S)
        owners = server.relay.call("stats")["owners"]
        assert owners["timeout_s"] == lease
        assert owners["expired"] == 1 and owners["sessions_released"] == len(ids)
        assert owners["leases"] == []
        s.close()
    finally:
        for ua in (alice, bob):
            ua.registered = False
        stop_server(server)


def test_restarted_kamailio_destroys_what_its_previous_run_left(tmp_path, make_ua):
    # a lease far longer than the test: what goes, goes by reconciliation
    server = start_server(tmp_path, relay_extra={"owner_timeout_s": 600})
    alice, bob = make_ua("alice", srv=server), make_ua("bob", srv=server)
    try:
        s, sessions = owned_session(server, alice, bob)
        rs = sessions[0]
        # sessions of others on the same relay: another Kamailio's (same
        # owner name is not enough: another name) and an operator's
        with server.relay.control() as c:
            c.call("session.create", {"id": "other-kamailio", "type": "bridge",
                                      "owner": "elsewhere/udp:192.0.2.1:5060",
                                      "owner_boot_id": "0123456789abcdef"})
            c.call("session.create", {"id": "operator", "type": "endpoint"})

        server.kamailio.proc.kill()
        server.kamailio.start()
        wait_until(lambda: sorted(x["id"] for x in server.relay.call("session.list"))
                   == ["operator", "other-kamailio"], 30,
                   "reconciliation after the restart")
        s.a_ep.wait_closed(timeout=MARGIN_S)
        s.b_ep.wait_closed(timeout=MARGIN_S)
        [show] = server.rpc.call("im_relay.show")
        assert show["stale_sessions_destroyed"] == len(sessions)
        assert show["owner"] == rs["owner"] and show["owner_boot_id"] != rs["owner_boot_id"]
        s.close()

        # the restarted Kamailio serves sessions again
        for ua in (alice, bob):
            assert ua.register().status == 200
        alice.auto_reply["BYE"] = 200
        s2, _ = owned_session(server, alice, bob, others=("operator", "other-kamailio"))
        s2.bye_from_a()
        wait_until(lambda: sorted(x["id"] for x in server.relay.call("session.list"))
                   == ["operator", "other-kamailio"], 15, "second session released")
        s2.close()
        with RelayControl(server.relay.control_addr) as c:
            for sid in ("operator", "other-kamailio"):
                c.call("session.destroy", {"id": sid})
    finally:
        if server.kamailio.proc.alive():
            for ua in (alice, bob):
                ua.register(expires=0)
        for ua in (alice, bob):
            ua.registered = False
        stop_server(server)
