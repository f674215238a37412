#!/usr/bin/env python3
"""MSRP relay benchmarks (not tests): our relay against Kamailio 5.6's msrp
module as a relay and against a plain TCP forwarder (socat), all measured
in the same run on the same machine, reported as ratios.

    make bench                 # or: /usr/bin/python3 bench/run.py
    BENCH_REPEAT=5 make bench  # median of 5 runs per figure (default 3)

Prints a Markdown table for the README and the targets of the relay
issue: small messages >= 3x Kamailio, large messages >= 0.8x socat,
fan-out cost linear in N, < 16 KiB of relay heap per idle leg.
"""

import os
import socket
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "test", "lib"))

from imtest.procs import TOP, Process, Relay, free_port, wait_until  # noqa: E402

LOAD = os.path.join(TOP, "build", "bin", "msrp-load")
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))


def load(*args, timeout=120):
    cmd = [LOAD, "--timeout", str(timeout)] + [str(a) for a in args]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout + 30)
    if p.returncode != 0:
        return None
    return {k: float(v) for k, v in (kv.split("=") for kv in p.stdout.split())}


def median(metric, *args, timeout=120):
    values = []
    for _ in range(REPEAT):
        r = load(*args, timeout=timeout)
        if r is None:
            return None
        values.append(r[metric])
    return statistics.median(values)


def listening(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


class Targets:
    def __init__(self, workdir):
        os.environ.pop("IM_RELAY_BIN", None)       # the optimised build, not ASan
        self.relay = Relay(workdir, instance="bench", extra={"log_level": "warn"})
        self.kport = free_port()
        self.kamailio = Process("kamailio-msrp", [
            "/usr/sbin/kamailio", "-f", os.path.join(HERE, "kamailio-msrp.cfg"), "-DD", "-E",
            "-A", f"MSRP_PORT={self.kport}", "-Y", workdir, "-w", workdir],
            os.path.join(workdir, "kamailio.log"))
        self.sport, self.bport = free_port(), free_port()
        self.socat = Process("socat", [
            "socat", f"TCP-LISTEN:{self.sport},fork,reuseaddr,bind=127.0.0.1",
            f"TCP:127.0.0.1:{self.bport}"], os.path.join(workdir, "socat.log"))

    def __enter__(self):
        self.relay.start()
        self.kamailio.start()
        self.socat.start()
        wait_until(lambda: listening(self.kport), 30, "kamailio msrp")
        wait_until(lambda: listening(self.sport), 30, "socat")
        return self

    def __exit__(self, *a):
        for p in (self.socat, self.kamailio):
            p.stop()
        self.relay.stop()

    def args(self, target):
        if target == "ours":
            return ["--target", "ours", "--ctl", self.relay.unix_control]
        if target == "kamailio":
            return ["--target", "kamailio", "--msrp", f"127.0.0.1:{self.kport}"]
        return ["--target", "plain", "--msrp", f"127.0.0.1:{self.sport}",
                "--b-port", str(self.bport)]


def fmt(v, unit):
    return "fails" if v is None else f"{v:,.0f} {unit}"


def ratio(a, b):
    return "—" if a is None or b is None or b == 0 else f"{a / b:.2f}x"


def main():
    if not os.path.exists(LOAD):
        sys.exit("build first: make -C bench")
    with tempfile.TemporaryDirectory(prefix="bench-") as d, Targets(d) as t:
        rows = []
        small = ["--sessions", 10, "--messages", 20000, "--size", 200, "--window", 64]
        large64 = ["--sessions", 2, "--messages", 50, "--size", 1048576, "--chunk", 65536,
                   "--window", 4]
        large8 = large64[:-4] + ["--chunk", 8192, "--window", 4]
        for name, args, metric, unit in [
                ("small messages (200 B CPIM), 10 sessions", small, "msgs_per_s", "msg/s"),
                ("1 MiB messages in 64 KiB chunks, 2 sessions", large64, "mb_per_s", "MB/s"),
                ("1 MiB messages in 8 KiB chunks, 2 sessions", large8, "mb_per_s", "MB/s")]:
            res = {}
            for target in ("ours", "kamailio", "plain"):
                # Kamailio 5.6's msrp module drops frames over about 10 KiB
                res[target] = median(metric, *t.args(target), *args,
                                     timeout=20 if target == "kamailio" else 120)
            rows.append((name, unit, res))

        fan = []
        for n in (2, 10, 100):
            msgs = max(200, 100000 // (n - 1))
            v = median("msgs_per_s", *t.args("ours"), "--mode", "fanout", "--sessions", n,
                       "--messages", msgs, "--size", 200, "--window", 64)
            fan.append((n, v))

        idle = load(*t.args("ours"), "--mode", "idle", "--sessions", 5000, timeout=300)

    print("| scenario | ours | Kamailio msrp | socat | ours / Kamailio | ours / socat |")
    print("|---|---|---|---|---|---|")
    for name, unit, r in rows:
        print(f"| {name} | {fmt(r['ours'], unit)} | {fmt(r['kamailio'], unit)} | "
              f"{fmt(r['plain'], unit)} | {ratio(r['ours'], r['kamailio'])} | "
              f"{ratio(r['ours'], r['plain'])} |")
    print()
    print("| conference legs N | deliveries/s | µs per delivery |")
    print("|---|---|---|")
    for n, v in fan:
        print(f"| {n} | {fmt(v, '')} | {'—' if not v else f'{1e6 / v:.2f}'} |")
    print()
    if idle:
        print(f"idle legs held: {idle['legs']:,.0f}; relay heap per idle leg: "
              f"{idle['heap_per_leg']:,.0f} bytes")
    else:
        print("idle legs: failed")
    print()
    small_r, l64, l8 = rows[0][2], rows[1][2], rows[2][2]
    checks = [
        ("small messages >= 3x Kamailio msrp",
         small_r["ours"] and small_r["kamailio"] and small_r["ours"] >= 3 * small_r["kamailio"]),
        ("1 MiB / 64 KiB >= 0.8x socat", l64["ours"] and l64["plain"]
         and l64["ours"] >= 0.8 * l64["plain"]),
        ("1 MiB / 8 KiB >= 0.8x socat", l8["ours"] and l8["plain"]
         and l8["ours"] >= 0.8 * l8["plain"]),
        # linear: a message costs a + b*(N-1), so the time per delivery
        # must not grow with N (it shrinks as the fixed part spreads)
        ("fan-out cost linear in N (time per delivery does not grow with N)",
         all(v for _, v in fan) and all(fan[i + 1][1] >= 0.8 * fan[i][1]
                                        for i in range(len(fan) - 1))),
        ("< 16 KiB relay heap per idle leg", idle and idle["heap_per_leg"] < 16384),
        ("10,000 concurrent legs held", idle and idle["legs"] >= 10000),
    ]
    for name, ok in checks:
        print(f"- {'met' if ok else 'NOT met'}: {name}")


if __name__ == "__main__":
    main()
