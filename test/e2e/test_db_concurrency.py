"""The embedded SQLite database under concurrent writes (issue 9, item 1).

A crowd of clients registers, refreshes and de-registers at once, over UDP
and TCP, so that every SIP worker of Kamailio writes the location table at
the same moment (usrloc write-through) while the others read credentials:
no request fails, each gets exactly one final response, and every binding
in usrloc's memory (ul.dump) and in the location table is what its client
was told. The same while the participating function's tables are edited by
RPC, users are provisioned with scripts/im-user.sh and IM sessions run.
And save()'s own error reply is the only one, also when the database stays
locked longer than the busy timeout.
"""

import hashlib
import os
import re
import sqlite3
import stat
import subprocess
import threading

import pytest

from conftest import one_server, stop_server
from imtest.im_session import ImSession
from imtest.procs import TOP, ImServer, wait_until
from imtest.sip import SipUA

CROWD = 100
# A crowd of real clients comes from many addresses: five per loopback
# address, 127.0.0.20 to 127.0.0.39, each sending two requests (challenge,
# credentials) per round, stays far below PIKE_DENSITY (200 per 2 s).
PER_ADDRESS = 5
FIRST_ADDRESS = 20
ROUND_TIMEOUT = 30.0
# IM sessions meanwhile, each between clients on one of these addresses
SESSION_FIRST_ADDRESS = 40
SESSION_ADDRESSES = 10
# crowd cycles (register, refresh, de-register) at most while waiting for
# policy edits and sessions to overlap them
MAX_CYCLES = 20
JULIAN_UNIX_EPOCH = 2440587.5


def crowd_user(i):
    return f"crowd{i:03d}"


def ha1(user, realm, password):
    return hashlib.md5(f"{user}:{realm}:{password}".encode()).hexdigest()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = ImServer(str(tmp_path_factory.mktemp("dbconc")))
    s.kamailio.init_db()
    with sqlite3.connect(s.kamailio.db) as db:
        db.executemany("INSERT INTO subscriber (username, domain, password, ha1, ha1b) "
                       "VALUES (?, ?, '', ?, '')",
                       [(u, s.domain, ha1(u, s.domain, s.password(u)))
                        for u in map(crowd_user, range(CROWD))])
    s.start()
    yield s
    stop_server(s)


@pytest.fixture
def crowd(server):
    """CROWD clients, even ones over UDP and odd ones over TCP."""
    uas = []
    for i in range(CROWD):
        u = crowd_user(i)
        uas.append(SipUA(u, server.domain, server.password(u), proxy=server.sip_addr,
                         transport="tcp" if i % 2 else "udp",
                         local_ip=f"127.0.0.{FIRST_ADDRESS + i // PER_ADDRESS}"))
    yield uas
    for ua in uas:
        ua.close()


def register_at_once(uas, expires):
    """Every client sends its REGISTER at the same moment (a barrier);
    returns {ua: final response, or the exception it got}."""
    barrier = threading.Barrier(len(uas))
    results = {}

    def run(ua):
        try:
            barrier.wait(ROUND_TIMEOUT)
            results[ua] = ua.register(expires=expires, timeout=ROUND_TIMEOUT)
        except Exception as e:      # reported with the others below
            results[ua] = e
    threads = [threading.Thread(target=run, args=(ua,)) for ua in uas]
    for t in threads:
        t.start()
    for t in threads:
        t.join(2 * ROUND_TIMEOUT)
    return results


def told_contacts(resp):
    """{contact URI: expires} as a 200 to REGISTER lists them."""
    told = {}
    for value in resp.get_all("contact"):
        for uri, expires in re.findall(r"<([^>]*)>[^,]*?;expires=(\d+)", value):
            told[uri] = int(expires)
    return told


def unix_time(julian_day):
    """db_sqlite stores DATETIME columns as Julian day numbers."""
    return (julian_day - JULIAN_UNIX_EPOCH) * 86400.0


def bindings_in_memory(server):
    """{AoR: {contact: (remaining s, last modified, Call-ID, CSeq)}} from
    ul.dump, for the AoRs that have contacts (usrloc may keep an empty
    record a moment)."""
    found = {}
    for dom in server.rpc.call("ul.dump")["Domains"]:
        for aor in dom["Domain"].get("AoRs", []):
            info = aor["Info"]
            if not info.get("Contacts"):
                continue
            found[info["AoR"]] = {
                c["Contact"]["Address"]: (c["Contact"]["Expires"], c["Contact"]["Last-Modified"],
                                          c["Contact"]["Call-ID"], c["Contact"]["CSeq"])
                for c in info["Contacts"]}
    return found


def bindings_in_table(server):
    """{AoR: {contact: (expires, last modified, Call-ID, CSeq)}} from the
    location table."""
    found = {}
    for user, contact, expires, modified, callid, cseq in server.kamailio.sql(
            "SELECT username, contact, expires, last_modified, callid, cseq FROM location"):
        found.setdefault(user, {})[contact] = (unix_time(expires), unix_time(modified),
                                               callid, cseq)
    return found


def problems_of_round(server, uas, results):
    """What went wrong in a round, as (kind, detail): errors, duplicate or
    missing final responses, bindings (in memory or in the table) other
    than what each client was told."""
    problems = [("no answer", f"{ua.user}: its thread did not finish")
                for ua in uas if ua not in results]
    for ua, resp in results.items():
        if isinstance(resp, Exception):
            problems.append(("no answer", f"{ua.user}: {type(resp).__name__}: {resp}"))
        elif resp.status != 200:
            problems.append(("error", f"{ua.user}: {resp.status} {resp.reason}"))
    for ua in results:
        for tx in ua.transactions():
            finals = tx.finals()
            if len(finals) > tx.copies_sent or len({r.status for r in finals}) > 1:
                problems.append(("duplicate final response",
                                 f"{ua.user}: {len(finals)} final responses to {tx.copies_sent} "
                                 f"{tx.method} sent: {[r.status for r in finals]}"))
    memory, table = bindings_in_memory(server), bindings_in_table(server)
    for ua, resp in results.items():
        if isinstance(resp, Exception) or resp.status != 200:
            continue
        told = told_contacts(resp)
        in_memory, in_table = memory.pop(ua.user, {}), table.pop(ua.user, {})
        if set(in_memory) != set(told) or set(in_table) != set(told):
            problems.append(("binding not as told",
                             f"{ua.user}: told {sorted(told)}, memory has {sorted(in_memory)}, "
                             f"table has {sorted(in_table)}"))
            continue
        for contact, expires in told.items():
            remaining, mem_modified, mem_callid, mem_cseq = in_memory[contact]
            db_expires, db_modified, db_callid, db_cseq = in_table[contact]
            if not 0 < remaining <= expires:
                problems.append(("binding not as told",
                                 f"{ua.user}: told expires {expires}, memory {remaining}"))
            if abs(db_expires - db_modified - expires) > 1 or abs(db_modified - mem_modified) > 1:
                problems.append(("binding not as told",
                                 f"{ua.user}: told expires {expires}, table expires "
                                 f"{db_expires - db_modified:.0f} s after its change at "
                                 f"{db_modified:.0f}, memory changed at {mem_modified}"))
            latest = (resp.call_id, resp.cseq[0])
            if (mem_callid, mem_cseq) != latest or (db_callid, db_cseq) != latest:
                problems.append(("binding not as told",
                                 f"{ua.user}: last REGISTER {latest}, memory has "
                                 f"{(mem_callid, mem_cseq)}, table {(db_callid, db_cseq)}"))
    crowd_left = lambda found: sorted(u for u in found if u.startswith("crowd"))
    if crowd_left(memory) or crowd_left(table):
        problems.append(("binding nobody was told of",
                         f"memory {crowd_left(memory)}, table {crowd_left(table)}"))
    return problems


def summary(problems):
    """How many problems of each kind, with the first few of each."""
    kinds = {}
    for kind, detail in problems:
        kinds.setdefault(kind, []).append(detail)
    return "\n".join(f"{len(details)} x {kind}:\n  " + "\n  ".join(details[:5])
                     for kind, details in kinds.items())


def register_refresh_deregister(server, uas):
    """Three rounds, all at once each: register for 600 s, refresh for
    300 s, de-register. Returns the problems of every round."""
    problems = []
    for expires in (600, 300, 0):
        results = register_at_once(uas, expires)
        problems += [(kind, f"round expires={expires}: {detail}")
                     for kind, detail in problems_of_round(server, uas, results)]
    return problems


def test_crowd_registers_refreshes_and_deregisters_at_once(server, crowd):
    problems = register_refresh_deregister(server, crowd)
    assert not problems, summary(problems)
    # the database the server runs on is in WAL mode, which is what lets
    # readers (auth_db) and the writer go on at once
    assert server.kamailio.sql("PRAGMA journal_mode") == [("wal",)]
    show = server.rpc.call("im_sqlite.show")
    assert show["journal_mode"] == "wal" and show["busy_timeout"] == 5000
    assert show["connections"] > 0 and show["journal_failures"] == 0
    assert show["busy_timeouts"] == 0
    # the write-ahead log holds HA1 hashes too: as private as the database
    db = server.kamailio.db
    for name in os.listdir(os.path.dirname(db)):
        if name.startswith(os.path.basename(db)):
            path = os.path.join(os.path.dirname(db), name)
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, name


class Repeat(threading.Thread):
    """Runs step(n) for n = 0, 1, ... until stopped; the first exception
    ends it and is kept for the test to report."""

    def __init__(self, step):
        super().__init__(daemon=True)
        self.step = step
        self.done = 0
        self.error = None
        self.stopping = threading.Event()

    def run(self):
        try:
            while not self.stopping.is_set():
                self.step(self.done)
                self.done += 1
        except Exception as e:
            self.error = e

    def stop(self):
        self.stopping.set()
        self.join(2 * ROUND_TIMEOUT)

    def check(self, what):
        assert not self.is_alive(), f"{what} still running"
        if self.error:
            raise AssertionError(f"{what}: {type(self.error).__name__}: "
                                 f"{self.error}") from self.error


def test_crowd_while_policy_is_edited_and_sessions_run(server, crowd):
    rpc = server.rpc

    def edit_policy(n):
        # values that change nothing for the sessions below, written to
        # every table the RPC edits
        assert rpc.call("im_pf.policy_set", "*", "max_size", str(1000000 + n)) == "ok"
        assert rpc.call("im_pf.access_set", server.uri("bob"), server.uri("alice"),
                        "message-session", "allow") == "ok"
        assert rpc.call("im_pf.policy_set", server.uri("carol"), "isb", "true") == "ok"
        assert rpc.call("im_pf.access_del", server.uri("bob"), server.uri("alice"),
                        "message-session") == "ok"

    def session(n):
        # each time a new pair of clients, registered for it, from an
        # address of their own: sessions in a loop from one address would
        # be a flood to pike
        ip = f"127.0.0.{SESSION_FIRST_ADDRESS + n % SESSION_ADDRESSES}"
        alice, bob = (SipUA(u, server.domain, server.password(u), proxy=server.sip_addr,
                            local_ip=ip) for u in ("alice", "bob"))
        try:
            assert alice.register().status == 200 and bob.register().status == 200
            s = ImSession(alice, bob, server.uri("bob")).start()
            try:
                text = f"message {n} during the crowd"
                s.send_a(text)
                assert s.b_ep.wait_message().body == text.encode()
                s.bye_from_a()
            finally:
                s.close()
        finally:
            for ua in (alice, bob):
                if ua.registered:
                    ua.register(expires=0)
                ua.close()

    def provision(n):
        # an operator adds and removes a user meanwhile
        user = f"new{n % 10}@{server.domain}"
        for args in (["add", user, "pw"], ["del", user]):
            out = subprocess.run([os.path.join(TOP, "scripts", "im-user.sh"),
                                  server.kamailio.db, *args],
                                 capture_output=True, text=True, timeout=60)
            assert out.returncode == 0, f"im-user.sh {args[0]}: {out.stderr}"

    loops = {"policy edits": Repeat(edit_policy), "sessions": Repeat(session),
             "provisioning": Repeat(provision)}
    for loop in loops.values():
        loop.start()
    problems = []
    try:
        # all are under way before the crowd comes, and the crowd goes on
        # until each of them has gone through two more rounds meanwhile
        for what, loop in loops.items():
            wait_until(lambda: loop.done or loop.error, 20, f"first of the {what}")
        before = {what: loop.done for what, loop in loops.items()}
        for _ in range(MAX_CYCLES):
            problems += register_refresh_deregister(server, crowd)
            if problems or any(loop.error for loop in loops.values()):
                break
            if all(loop.done >= before[what] + 2 for what, loop in loops.items()):
                break
        else:
            pytest.fail(f"{MAX_CYCLES} crowd cycles went by with only " + ", ".join(
                f"{loop.done - before[what]} {what}" for what, loop in loops.items()))
    finally:
        for loop in loops.values():
            loop.stop()
    assert not problems, summary(problems)
    for what, loop in loops.items():
        loop.check(what)
    editor = loops["policy edits"]
    # the last value set is the one in the table, once, and in the cache
    last = str(1000000 + editor.done - 1)
    assert server.kamailio.sql("SELECT value FROM im_policy WHERE scope='*' AND name='max_size'") \
        == [(last,)]
    assert {"scope": "*", "name": "max_size", "value": last} in rpc.call("im_pf.policy_list", "*")
    server.wait_released()


def test_register_refused_by_save_gets_one_final_response(server, make_ua):
    """save() answers a REGISTER it refuses (here 400 for q=5) itself; the
    script must not reply a second time."""
    ua = make_ua("alice", transport="tcp", register=False)
    msg = ua.build_request("REGISTER", f"sip:{server.domain}", to=f"<{ua.aor}>",
                           headers=[("Expires", "600")])
    msg.set("Contact", f"<{ua.contact_uri}>;q=5")
    challenge = ua.send_request(msg).wait_final()
    assert challenge.status == 401
    tx = ua.send_request(ua.with_credentials(msg, challenge))
    assert tx.wait_final().status == 400
    # a second reply would come over the same TCP connection before the
    # answer to the next request sent there
    ua.request("OPTIONS", f"sip:{server.domain}", auth=False)
    assert [r.status for r in tx.finals()] == [400]
    assert "alice" not in bindings_in_memory(server)
    assert "alice" not in bindings_in_table(server)



@pytest.fixture
def impatient_server(tmp_path):
    """A server whose database statements wait 300 ms for a lock."""
    yield from one_server(tmp_path, defines={"DB_BUSY_TIMEOUT_MS": "300"})


def test_register_while_database_stays_locked(impatient_server, make_ua):
    """A write still locked after DB_BUSY_TIMEOUT_MS fails cleanly: one 500,
    counted in im_sqlite.show, no binding left behind; once the lock is
    gone the same client registers."""
    srv = impatient_server
    alice = make_ua("alice", transport="tcp", srv=srv)
    bob = make_ua("bob", transport="tcp", register=False, srv=srv)
    holder = sqlite3.connect(srv.kamailio.db, isolation_level=None)
    try:
        # another writer that does not let go (WAL readers still read)
        holder.execute("BEGIN EXCLUSIVE")
        assert bob.register().status == 500
        # a second reply would come over the same TCP connection before
        # the answer to the next request sent there
        bob.request("OPTIONS", f"sip:{srv.domain}", auth=False)
        refused = [tx for tx in bob.transactions() if tx.finals()[0].status == 500]
        assert [r.status for r in refused[0].finals()] == [500]
        assert srv.rpc.call("im_sqlite.show")["busy_timeouts"] >= 1
        assert "bob" not in bindings_in_memory(srv)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "bob" not in bindings_in_table(srv)
    resp = bob.register()
    assert resp.status == 200
    assert summary(problems_of_round(srv, [bob], {bob: resp})) == ""
    assert "alice" in bindings_in_memory(srv) and "alice" in bindings_in_table(srv)
