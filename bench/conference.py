#!/usr/bin/env python3
"""Conference benchmark through the whole IM server (not a test): Kamailio
with cfg/kamailio.cfg and im_cf, and the relay, as `make run` starts them.

- set-up rate: conferences of 5 participants per second, each a factory
  INVITE with a resource list (CF-2), the 4 invitations answered 200,
  the 5 MSRP legs bound, one SEND from the inviter delivered to the 4
  others, then the inviter's BYE and the 4 BYEs of the focus (CF-19 a).
  The SIP and MSRP clients are Python (imtest), one conference at a time:
  the figure is bounded by the Python clients as much as by the server.
- delivery rate: one conference of 10 participants set up over SIP the
  same way; then the C tool msrp-load takes over its 10 MSRP legs (it
  binds them with the paths the SDP negotiated) and one participant
  pipelines SENDs the switch fans out to the 9 others. Beside it, in the
  same run and against the same relay, msrp-load's relay-only fan-out
  (a conference of 10 legs made over the relay's control channel, no
  SIP, no im_cf), reported as a ratio.
- memory: Kamailio's shm (core.shmmem) and the relay's heap (stats
  heap_bytes) before and after N more set-ups.

    make bench                        # runs this after sessions.py
    BENCH_CONFS=200 BENCH_CONF_SOAK=500 /usr/bin/python3 bench/conference.py
"""

import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "test", "lib"))

from imtest import cpim  # noqa: E402
from imtest.cf import Member, answering_byes, start_conference, wait_all_released  # noqa: E402
from imtest.sdp import Sdp  # noqa: E402
from imtest.sip import SipUA  # noqa: E402
from run import LOAD, REPEAT, load as msrp_load  # noqa: E402
from sessions import im_server, shm_used  # noqa: E402

CONFS = int(os.environ.get("BENCH_CONFS", "100"))
SOAK = int(os.environ.get("BENCH_CONF_SOAK", "300"))
# as many deliveries as run.py's relay-only fan-out rows
MESSAGES = int(os.environ.get("BENCH_CONF_MESSAGES", "100000"))
FACTORY = "sip:conference-factory@home1.net"
USERS = [f"u{i:02d}" for i in range(10)]


def identity(srv, seen):
    """The conference URI of the one conference just set up (the inviter's
    dialog sees the B2BUA's contact, not the focus's): the live im_cf
    session not seen before. One RPC per conference, in the timed loop."""
    live = [s for s in srv.rpc.call("im_cf.list")
            if not s["released"] and s["id"] not in seen]
    assert len(live) == 1, live
    seen.add(live[0]["id"])
    return live[0]["identity"]


def end(ms):
    """The inviter leaves; the focus ends the conference (CF-19 a)."""
    with answering_byes(*ms[1:]) as got:
        assert ms[0].bye().status == 200
    for m in ms:
        m.close()
    return got


def one_cycle(srv, uas, seen):
    ms = [Member(ua) for ua in uas[:5]]
    start_conference(FACTORY, ms[0], ms[1:], [srv.uri(m.ua.user) for m in ms[1:]])
    body = cpim.build(f"<{srv.uri(ms[0].ua.user)}>", f"<{identity(srv, seen)}>", "hello")
    _, tids = ms[0].ep.send_message(body, content_type="message/cpim")
    status = ms[0].ep.wait_response(tids[0]).status
    assert status == 200, f"SEND to the conference: {status}"
    for m in ms[1:]:
        m.ep.wait_message()
    end(ms)


def setup_rate(srv, uas, n):
    t0 = time.monotonic()
    seen = set()
    for _ in range(n):
        one_cycle(srv, uas, seen)
    dt = time.monotonic() - t0
    wait_all_released(srv, 60)
    return n / dt


def delivery_rate(srv, uas):
    """10 participants over SIP; msrp-load binds and drives their legs."""
    ms = [Member(ua) for ua in uas[:10]]
    ms[0].invite_factory(FACTORY, [srv.uri(m.ua.user) for m in ms[1:]])
    for m in ms[1:]:
        m.wait_invitation()
    for m in ms[1:]:
        m.accept()
        m.wait_ack()
    ms[0].established()
    legs = []
    for m in ms:
        assert m.role == "active", f"{m.ua.user} would listen: msrp-load only connects"
        peer = Sdp(m.final.body) if m.call else m.sdp_offer()
        legs.append(f"{' '.join(peer.path)},{m.ep.path}")
    ident = identity(srv, set())
    args = ["--target", "legs", "--mode", "fanout", "--messages", MESSAGES // 9,
            "--size", 200, "--window", 64, "--cpim-from", srv.uri(ms[0].ua.user),
            "--cpim-to", ident]
    for leg in legs:
        args += ["--leg", leg]
    r = msrp_load(*args)
    end(ms)
    wait_all_released(srv, 60)
    return r and r["msgs_per_s"]


def relay_only_rate(srv):
    r = msrp_load("--target", "ours", "--ctl", srv.relay.unix_control, "--mode", "fanout",
                  "--sessions", 10, "--messages", MESSAGES // 9, "--size", 200,
                  "--window", 64)
    return r and r["msgs_per_s"]


def median(f, *a):
    values = [f(*a) for _ in range(REPEAT)]
    return None if None in values else statistics.median(values)


def main():
    if not os.path.exists(LOAD):
        sys.exit("build first: make -C bench")
    with tempfile.TemporaryDirectory(prefix="bench-conference-") as d:
        srv = im_server(d)
        uas = []
        try:
            for u in USERS:
                srv.kamailio.add_user(u, srv.password(u))
                ua = SipUA(u, srv.domain, srv.password(u), proxy=srv.sip_addr,
                           transport="tcp", local_ip=srv.kamailio.ip)
                uas.append(ua)
                assert ua.register().status == 200, u
            setup_rate(srv, uas, 10)                 # warm-up
            r_setup = median(setup_rate, srv, uas, CONFS)
            r_sip = median(delivery_rate, srv, uas)
            r_relay = median(relay_only_rate, srv)

            shm0 = shm_used(srv.kamailio)
            heap0 = srv.relay.call("stats")["heap_bytes"]
            setup_rate(srv, uas, SOAK)
            shm1 = shm_used(srv.kamailio)
            heap1 = srv.relay.call("stats")["heap_bytes"]
            left = (len(srv.rpc.call("im_cf.list")), len(srv.rpc.call("im_ua.list")),
                    len(srv.relay.call("session.list")))
        finally:
            for ua in uas:
                ua.close()
            srv.stop()

    def fmt(v, unit):
        return "fails" if v is None else f"{v:,.0f} {unit}"
    print("| conference through the IM server (cfg/kamailio.cfg, im_cf, relay) | rate |")
    print("|---|---|")
    print(f"| set-ups, 5 participants (factory INVITE + list, 4 x 200, 5 legs bound, "
          f"1 SEND to 4, BYEs), Python clients | {fmt(r_setup, 'conferences/s')} |")
    print(f"| deliveries, 10 participants set up over SIP, msrp-load on their legs | "
          f"{fmt(r_sip, 'deliveries/s')} |")
    print(f"| deliveries, relay-only conference of 10 legs (control channel) | "
          f"{fmt(r_relay, 'deliveries/s')} |")
    ratio = r_sip / r_relay if r_sip and r_relay else None
    print(f"| through the server / relay-only | {'—' if ratio is None else f'{ratio:.2f}x'} |")
    print()
    print(f"{SOAK:,} more conferences: Kamailio shm used {shm0:,} -> {shm1:,} bytes, relay "
          f"heap {heap0:,} -> {heap1:,} bytes; left: {left[0]} im_cf sessions, {left[1]} "
          f"calls, {left[2]} relay sessions")


if __name__ == "__main__":
    main()
