#!/usr/bin/env python3
"""IM session setup benchmark (not a test): sessions per second (INVITE,
200, ACK, one MSRP SEND delivered, BYE) through the IM server, where both
participating functions are B2BUAs with their relay bridges in the path,
against the same sessions through a plain Kamailio stateful proxy with
digest authentication and no IM module (SDP and MSRP end to end), in the
same run; then the memory of Kamailio (shm) and of the relay before and
after 10,000 more sessions.

    make bench                       # runs this after bench/run.py
    /usr/bin/python3 bench/sessions.py
    BENCH_REPEAT=5 BENCH_SESSIONS=20000 ...

Prints a Markdown table and whether the targets of the session issue are
met: >= 0.3x the plain proxy, no growth of shm or relay heap.
"""

import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "test", "lib"))

from imtest.procs import TOP, ImServer, Kamailio, wait_until  # noqa: E402

LOAD = os.path.join(TOP, "build", "bin", "sip-load")
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
SESSIONS = int(os.environ.get("BENCH_SESSIONS", "3000"))
SOAK = int(os.environ.get("BENCH_SOAK", "10000"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "20"))
SHM_MB = 512
# the fast allocator a production Kamailio runs with (Debian's default,
# qm, is the debugging one), for both servers
MEM = "tlsf"
# the load tool is one source: pike would rightly take it for a flood
QUIET_DEFINES = {"LOG_LEVEL": "1", "SIP_CHILDREN": "4", "PIKE_DENSITY": "0"}


def run_tool(cmd, timeout):
    """A load tool's one line of key=value pairs as a dict, or None (its
    output shown) when it failed."""
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                       timeout=timeout + 60)
    if p.returncode != 0:
        sys.stderr.write(p.stdout + p.stderr[-2000:])
        return None
    return {k: float(v) for k, v in (kv.split("=") for kv in p.stdout.split())}


def load(server, n, timeout=600):
    return run_tool([LOAD, "--proxy", f"{server.ip}:{server.sip_port}", "--domain", "home1.net",
                     "--calls", n, "--concurrency", CONCURRENCY,
                     "--alice-pw", "alice-pw", "--bob-pw", "bob-pw", "--timeout", timeout],
                    timeout)


def rate(server):
    load(server, 1000)          # warm-up: first use of memory, connections
    values = []
    for _ in range(REPEAT):
        r = load(server, SESSIONS)
        if r is None:
            return None
        values.append(r["rate"])
    return statistics.median(values)


def quiet(k):
    """No transaction left, not even waiting: shm shows what stays. The
    longest a finished cycle can leave one is an invitation answered 180
    and never more (cfg/kamailio.cfg's fr_inv_timer, 120 s), then its
    error's retransmissions to an unacknowledging caller (timer H, 32 s):
    a leak is what outlives that. When one does, tm.list says which."""
    def drained():
        st = k.rpc.call("tm.stats")
        return st["current"] == 0 and st["waiting"] == 0
    try:
        wait_until(drained, 200, "tm to drain")
    except AssertionError:
        for t in k.rpc.call("tm.list")[:20]:
            sys.stderr.write(" ".join(str(t.get(f, "")).strip() for f in
                                      ("method", "from", "to", "callid", "cseq",
                                       "uas_request", "outgoings")) + "\n")
        raise


def shm_used(k):
    quiet(k)
    return k.rpc.call("core.shmmem")["used"]


def im_server(workdir, defines=None):
    """The IM server as the benchmarks run it, started (defines: more cfg
    defines, e.g. CF_MAX_PARTICIPANTS)."""
    os.environ.pop("IM_RELAY_BIN", None)       # the optimised relay, not ASan
    return ImServer(workdir, defines={**QUIET_DEFINES, **(defines or {})}, relay_extra={"log_level": "warn"},
                    shm_mb=SHM_MB, mem_manager=MEM).start()


def plain_proxy(workdir, users, shm_mb=SHM_MB):
    """A plain Kamailio stateful proxy and registrar with digest
    authentication (kamailio-proxy.cfg), users' passwords <user>-pw,
    started: the baseline of the SIP benchmarks."""
    os.makedirs(workdir)
    plain = Kamailio(workdir, cfg=os.path.join(HERE, "kamailio-proxy.cfg"),
                     defines=QUIET_DEFINES, children=4, shm_mb=shm_mb, mem_manager=MEM)
    plain.init_db()
    for u in users:
        plain.add_user(u, f"{u}-pw")
    plain.start()
    return plain


def main():
    if not os.path.exists(LOAD):
        sys.exit("build first: make -C bench")
    with tempfile.TemporaryDirectory(prefix="bench-sessions-") as d:
        ours = im_server(os.path.join(d, "ours"))
        plain = plain_proxy(os.path.join(d, "plain"), ImServer.USERS)
        try:
            r_ours = rate(ours.kamailio)
            r_plain = rate(plain)

            # memory: after the runs above, SOAK sessions more, twice; what
            # a leak leaves grows with each round, allocator slack does not
            shm0 = shm_used(ours.kamailio)
            heap0 = ours.relay.call("stats")["heap_bytes"]
            soak = load(ours.kamailio, SOAK, timeout=1200)
            shm_mid = shm_used(ours.kamailio)
            heap_mid = ours.relay.call("stats")["heap_bytes"]
            soak = soak and load(ours.kamailio, SOAK, timeout=1200)
            shm1 = shm_used(ours.kamailio)
            heap1 = ours.relay.call("stats")["heap_bytes"]
            calls_left = ours.rpc.call("im_ua.stats")["calls"]
            relay_left = len(ours.relay.call("session.list"))
        finally:
            plain.stop()
            ours.stop()

    def fmt(v):
        return "fails" if v is None else f"{v:,.0f} sessions/s"
    print("| session setup (INVITE, 200, ACK, 1 MSRP SEND, BYE) | rate |")
    print("|---|---|")
    print(f"| IM server: OPF + TPF B2BUAs, two relay bridges | {fmt(r_ours)} |")
    print(f"| plain Kamailio stateful proxy, media end to end | {fmt(r_plain)} |")
    ratio = r_ours / r_plain if r_ours and r_plain else None
    print(f"| ratio | {'—' if ratio is None else f'{ratio:.2f}x'} |")
    print()
    print(f"two rounds of {SOAK:,} sessions ({'done' if soak else 'FAILED'}): Kamailio shm "
          f"used {shm0:,} -> {shm_mid:,} -> {shm1:,} bytes, relay heap {heap0:,} -> "
          f"{heap_mid:,} -> {heap1:,} bytes; calls left {calls_left}, relay sessions "
          f"left {relay_left}")
    print()
    checks = [
        ("session setups >= 0.3x the plain proxy", ratio is not None and ratio >= 0.3),
        (f"no growth of Kamailio shm over {SOAK:,} sessions",
         soak and shm1 - shm_mid <= 4096 and shm_mid - shm0 <= 4096),
        # allocator slack settles (a few KiB in all); a leak of even one
        # byte per session would not
        (f"no growth of relay heap over {SOAK:,} sessions (second round: "
         f"< 1 byte per session)", soak and heap1 - heap_mid < SOAK),
        ("nothing left allocated", calls_left == 0 and relay_left == 0),
    ]
    for name, ok in checks:
        print(f"- {'met' if ok else 'NOT met'}: {name}")


if __name__ == "__main__":
    main()
