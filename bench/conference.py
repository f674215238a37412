#!/usr/bin/env python3
"""Conference benchmark through the whole IM server (not a test): Kamailio
with cfg/kamailio.cfg and im_cf, and the relay, as `make run` starts them
(CF_MAX_PARTICIPANTS 100).

- set-up rate: conferences of 5 participants per second, driven by the C
  tool conf-load over UDP SIP, BENCH_CONF_CONCURRENCY at a time: each a
  factory INVITE with a resource list (CF-2), the 4 invitations answered
  200, the 5 MSRP legs bound, one CPIM SEND from the inviter delivered to
  the 4 others, then the inviter's BYE and the 4 BYEs of the focus (CF-19
  a). Beside it the same cycle played by the Python test clients, one
  conference at a time (bounded by the Python clients).
- delivery rate: one conference of 10, then one of 100 participants set
  up over SIP by the Python clients; then the C tool msrp-load takes over
  their MSRP legs (it binds them with the paths the SDP negotiated) and
  one participant pipelines SENDs the switch fans out to all the others.
  Beside each, in the same run and against the same relay, msrp-load's
  relay-only fan-out (a conference of as many legs made over the relay's
  control channel, no SIP, no im_cf), reported as a ratio.
- memory: Kamailio's shm (core.shmmem, once no transaction is left) and
  the relay's heap (stats heap_bytes) before and after each of two rounds
  of BENCH_CONF_SOAK conferences driven by conf-load.

    make bench                        # runs this after sessions.py
    BENCH_CONFS=500 BENCH_CONF_SOAK=1000 /usr/bin/python3 bench/conference.py

Prints a Markdown table and whether the targets of the conference issue
are met: deliveries at 100 participants >= 0.5x relay-only, no growth of
shm or relay heap.
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
from sessions import im_server, run_tool, shm_used  # noqa: E402

CONF_LOAD = os.path.join(os.path.dirname(LOAD), "conf-load")
CONFS = int(os.environ.get("BENCH_CONFS", "1000"))
PY_CONFS = int(os.environ.get("BENCH_CONF_PY", "50"))
SOAK = int(os.environ.get("BENCH_CONF_SOAK", "1000"))
CONCURRENCY = int(os.environ.get("BENCH_CONF_CONCURRENCY", "10"))
# as many deliveries as run.py's relay-only fan-out rows
MESSAGES = int(os.environ.get("BENCH_CONF_MESSAGES", "100000"))
FACTORY = "sip:conference-factory@home1.net"
SIZES = (10, 100)
# conf-load's users are u00.. (CONCURRENCY x 5); the Python clients' m00..
# (conf-load clears the bindings of its users, so they share none)
LOAD_USERS = [f"u{i:02d}" for i in range(CONCURRENCY * 5)]
PY_USERS = [f"m{i:02d}" for i in range(max(SIZES))]
DEFINES = {"CF_MAX_PARTICIPANTS": str(max(SIZES))}


def conf_load(srv, n, timeout=120):
    """conf-load: n conferences of 5 through srv; its key=value line."""
    k = srv.kamailio
    return run_tool([CONF_LOAD, "--proxy", f"{k.ip}:{k.sip_port}", "--domain", srv.domain,
                     "--confs", n, "--participants", 5, "--concurrency", CONCURRENCY,
                     "--timeout", timeout], timeout)


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


def py_setup_rate(srv, uas, n):
    t0 = time.monotonic()
    seen = set()
    for _ in range(n):
        one_cycle(srv, uas, seen)
    dt = time.monotonic() - t0
    wait_all_released(srv, 60)
    return n / dt


def setup_rate(srv):
    r = conf_load(srv, CONFS)
    return r and r["rate"]


def delivery_rate(srv, uas, n):
    """n participants over SIP; msrp-load binds and drives their legs."""
    ms = [Member(ua) for ua in uas[:n]]
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
    args = ["--target", "legs", "--mode", "fanout", "--messages", max(200, MESSAGES // (n - 1)),
            "--size", 200, "--window", 64, "--cpim-from", srv.uri(ms[0].ua.user),
            "--cpim-to", ident]
    for leg in legs:
        args += ["--leg", leg]
    r = msrp_load(*args)
    end(ms)
    wait_all_released(srv, 60)
    return r and r["msgs_per_s"]


def relay_only_rate(srv, n):
    r = msrp_load("--target", "ours", "--ctl", srv.relay.unix_control, "--mode", "fanout",
                  "--sessions", n, "--messages", max(200, MESSAGES // (n - 1)), "--size", 200,
                  "--window", 64)
    return r and r["msgs_per_s"]


def median(f, *a):
    values = [f(*a) for _ in range(REPEAT)]
    return None if None in values else statistics.median(values)


def memory(srv):
    return shm_used(srv.kamailio), srv.relay.call("stats")["heap_bytes"]


def main():
    if not os.path.exists(LOAD) or not os.path.exists(CONF_LOAD):
        sys.exit("build first: make -C bench")
    with tempfile.TemporaryDirectory(prefix="bench-conference-") as d:
        srv = im_server(d, DEFINES)
        uas = []
        try:
            for u in LOAD_USERS + PY_USERS:
                srv.kamailio.add_user(u, srv.password(u))
            conf_load(srv, 100)                      # warm-up
            r_setup = median(setup_rate, srv)

            for u in PY_USERS:
                ua = SipUA(u, srv.domain, srv.password(u), proxy=srv.sip_addr,
                           transport="tcp", local_ip=srv.kamailio.ip)
                ua.srv = srv        # start_conference waits for its media
                uas.append(ua)
                assert ua.register().status == 200, u
            py_setup_rate(srv, uas, 10)              # warm-up
            r_py = py_setup_rate(srv, uas, PY_CONFS)
            deliveries = {}
            for n in SIZES:
                deliveries[n] = (median(delivery_rate, srv, uas, n),
                                 median(relay_only_rate, srv, n))
            for ua in uas:
                ua.close()
            uas = []

            # two rounds: what a leak leaves grows with each, allocator
            # slack settles in the first
            mem = [memory(srv)]
            soaks = []
            for _ in range(2):
                soaks.append(conf_load(srv, SOAK))
                mem.append(memory(srv))
            left = (len(srv.rpc.call("im_cf.list")), len(srv.rpc.call("im_ua.list")),
                    len(srv.relay.call("session.list")))
        finally:
            for ua in uas:
                ua.close()
            srv.stop()

    def fmt(v, unit):
        return "fails" if v is None else f"{v:,.0f} {unit}"

    def ratio(a, b):
        return a / b if a and b else None
    print("| conference through the IM server (cfg/kamailio.cfg, im_cf, relay) | rate |")
    print("|---|---|")
    print(f"| set-ups, 5 participants (factory INVITE + list, 4 x 200, 5 legs bound, "
          f"1 SEND to 4, BYEs), conf-load, {CONCURRENCY} at a time | "
          f"{fmt(r_setup, 'conferences/s')} |")
    print(f"| the same, Python test clients, one at a time | {fmt(r_py, 'conferences/s')} |")
    for n in SIZES:
        sip, relay = deliveries[n]
        r = ratio(sip, relay)
        print(f"| deliveries, {n} participants set up over SIP, msrp-load on their legs | "
              f"{fmt(sip, 'deliveries/s')} |")
        print(f"| deliveries, relay-only conference of {n} legs (control channel) | "
              f"{fmt(relay, 'deliveries/s')} |")
        print(f"| {n} participants: through the server / relay-only | "
              f"{'—' if r is None else f'{r:.2f}x'} |")
    print()
    done = all(soaks)
    print(f"two rounds of {SOAK:,} conferences of 5 ({'done' if done else 'FAILED'}): "
          f"Kamailio shm used {mem[0][0]:,} -> {mem[1][0]:,} -> {mem[2][0]:,} bytes, relay "
          f"heap {mem[0][1]:,} -> {mem[1][1]:,} -> {mem[2][1]:,} bytes; left: {left[0]} "
          f"im_cf sessions, {left[1]} calls, {left[2]} relay sessions")
    print()
    r100 = ratio(*deliveries[100])
    checks = [
        ("deliveries at 100 participants >= 0.5x relay-only", r100 is not None and r100 >= 0.5),
        (f"no growth of Kamailio shm over 2 x {SOAK:,} conferences",
         done and mem[2][0] - mem[1][0] <= 4096 and mem[1][0] - mem[0][0] <= 4096),
        # allocator slack settles; a leak of even one byte per conference
        # would not
        (f"no growth of relay heap over 2 x {SOAK:,} conferences (second round: "
         f"< 1 byte per conference)", done and mem[2][1] - mem[1][1] < SOAK),
        ("nothing left allocated", left == (0, 0, 0)),
    ]
    for name, ok in checks:
        print(f"- {'met' if ok else 'NOT met'}: {name}")


if __name__ == "__main__":
    main()
