#!/usr/bin/env python3
"""Pager-mode and deferred-message benchmark (not a test), in one run:

- deliveries: MESSAGEs per second from alice to a registered user through
  the IM server (cfg/kamailio.cfg: originating PF, terminating PF, tm
  forking to the user's contact), beside the same load through a plain
  Kamailio stateful proxy with digest authentication
  (bench/kamailio-proxy.cfg), both driven by the C tool pager-load (UDP,
  BENCH_PAGER_CONCURRENCY at a time, 100-byte bodies);
- store: MESSAGEs per second to users who are not registered, each
  deferred (202, im_store) in the database, with SQLite and with
  PostgreSQL (a private cluster, as `DB=postgres make run` runs);
- push: BENCH_PUSH stored messages of one user pushed when he registers
  with offline delivery active (OMA TS 12.2.2.2): INVITE, one MSRP SEND
  each, answered by a Python test client; messages per second from his
  REGISTER to the last message, with each database.

    make bench                     # runs this after conference.py
    BENCH_PAGER=50000 BENCH_PUSH=10000 /usr/bin/python3 bench/pager.py

Prints a Markdown table and whether the target of issue 11 is met:
deliveries through the IM server >= 0.5x the plain proxy.
"""

import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "test", "lib"))

from imtest.cf import Member  # noqa: E402
from imtest.db import PgCluster  # noqa: E402
from imtest.procs import ImServer, free_port  # noqa: E402
from imtest.settings import publish, settings  # noqa: E402
from imtest.sip import SipUA  # noqa: E402
from run import REPEAT  # noqa: E402
from sessions import MEM, QUIET_DEFINES, plain_proxy, quiet, run_tool  # noqa: E402

LOAD = os.path.join(HERE, "..", "build", "bin", "pager-load")
MESSAGES = int(os.environ.get("BENCH_PAGER", "20000"))
STORE = int(os.environ.get("BENCH_STORE", "5000"))
PUSH = int(os.environ.get("BENCH_PUSH", "10000"))
CONCURRENCY = int(os.environ.get("BENCH_PAGER_CONCURRENCY", "20"))
RECIPIENTS = 20
USERS = [f"u{i:03d}" for i in range(RECIPIENTS)]
# tm keeps each MESSAGE's transaction for wt_timer (5 s) after its answer:
# at about 8,000 MESSAGEs a second both servers used up the 512 MiB of shm
# of the other benchmarks (some 35,000 transactions alive) and answered
# 500 (tm: out of mem)
SHM_MB = 2048
# the store takes the whole push in one user's quota
STORE_DEFINES = {"STORE_QUOTA_MESSAGES": str(PUSH + STORE), "STORE_QUOTA_BYTES": "1000000000"}


def pager_load(k, mode, n, recipients, timeout=600):
    return run_tool([LOAD, "--proxy", f"{k.ip}:{k.sip_port}", "--domain", "home1.net",
                     "--mode", mode, "--messages", n, "--recipients", recipients,
                     "--concurrency", CONCURRENCY, "--alice-pw", "alice-pw",
                     "--timeout", timeout], timeout)


def median_rate(k, mode, n, recipients):
    pager_load(k, mode, min(n, 1000), recipients)      # warm-up
    values = []
    for _ in range(REPEAT):
        # each run starts with tm's table empty: the previous run's
        # transactions, freed in a burst 5 s after their answers, would
        # otherwise slow this one (alternate runs took 5x longer)
        quiet(k)
        r = pager_load(k, mode, n, recipients)
        if r is None:
            return None
        values.append(r["rate"])
    return statistics.median(values)


def im_server(workdir, database=None):
    os.environ.pop("IM_RELAY_BIN", None)       # the optimised relay, not ASan
    s = ImServer(workdir, defines={**QUIET_DEFINES, **STORE_DEFINES}, database=database,
                 relay_extra={"log_level": "warn"}, shm_mb=SHM_MB, mem_manager=MEM)
    s.USERS = ImServer.USERS + tuple(USERS)
    return s.start()


def push_rate(srv, n):
    """n messages stored for u000, then u000 registers with offline
    delivery on and takes the push; messages per second from his REGISTER
    to the last one, or None."""
    srv.rpc.call("im_store.delete", srv.uri("u000"))
    if pager_load(srv.kamailio, "store", n, 1, timeout=1200) is None:
        return None
    ua = SipUA("u000", srv.domain, srv.password("u000"), proxy=srv.sip_addr,
               transport="tcp", local_ip=srv.kamailio.ip)
    try:
        assert publish(ua, settings(offline=True).encode()).status == 200
        m = Member(ua)
        t0 = time.monotonic()
        assert ua.register().status == 200
        m.wait_invitation(timeout=60)
        m.accept(ring=False, accept_types="message/sip", direction="recvonly")
        m.wait_ack()
        m.connect()
        m.ep._wait(lambda: len(m.ep.completed) >= n or None, 1200, f"{n} pushed messages")
        dt = time.monotonic() - t0
        m.ua.wait_request("BYE", timeout=60).reply(200)
        m.close()
        return n / dt
    finally:
        ua.close()


def store_and_push(srv):
    store = median_rate(srv.kamailio, "store", STORE, RECIPIENTS)
    for u in USERS:
        srv.rpc.call("im_store.delete", srv.uri(u))
    return store, push_rate(srv, PUSH)


def main():
    if not os.path.exists(LOAD):
        sys.exit("build first: make -C bench")
    with tempfile.TemporaryDirectory(prefix="bench-pager-") as d:
        ours = im_server(os.path.join(d, "ours"))
        plain = plain_proxy(os.path.join(d, "plain"), ("alice",) + tuple(USERS), SHM_MB)
        try:
            r_ours = median_rate(ours.kamailio, "deliver", MESSAGES, 1)
            r_plain = median_rate(plain, "deliver", MESSAGES, 1)
        finally:
            plain.stop()
        try:
            sqlite = store_and_push(ours)
        finally:
            ours.stop()

        pg = PgCluster(free_port()).start()
        try:
            on_pg = im_server(os.path.join(d, "pg"), database=pg.new_database())
            try:
                postgres = store_and_push(on_pg)
            finally:
                on_pg.stop()
        finally:
            pg.stop()

    def fmt(v, unit="messages/s"):
        return "fails" if v is None else f"{v:,.0f} {unit}"
    ratio = r_ours / r_plain if r_ours and r_plain else None
    print("| pager mode and deferred messages | rate |")
    print("|---|---|")
    print(f"| MESSAGE A -> B through the IM server (OPF, TPF), 200 from B | {fmt(r_ours)} |")
    print(f"| the same through a plain stateful proxy with authentication | {fmt(r_plain)} |")
    print(f"| ratio | {'—' if ratio is None else f'{ratio:.2f}x'} |")
    for name, (store, push) in (("SQLite", sqlite), ("PostgreSQL", postgres)):
        print(f"| MESSAGE to an offline user, stored (202), {name} | {fmt(store)} |")
        print(f"| push of {PUSH:,} stored messages to one user (REGISTER to last SEND), "
              f"{name} | {fmt(push)} |")
    print()
    print(f"- {'met' if ratio is not None and ratio >= 0.5 else 'NOT met'}: "
          f"deliveries through the IM server >= 0.5x the plain proxy")


if __name__ == "__main__":
    main()
