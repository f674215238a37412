"""Starts and stops the real Kamailio and the real relay for end-to-end tests.

Each server gets a private working directory, free loopback ports and
generated settings (Kamailio through -A defines on cfg/kamailio.cfg, the
relay through a generated config file). Readiness is awaited by RPC, never
by sleeping. stop() sends TERM, then KILL after a grace period, and reports
a crash: a process that died before it was asked to, a non-zero exit, or a
sanitizer report in its log.
"""

import os
import random
import re
import secrets
import signal
import socket
import subprocess
import time

from .db import SqliteDb
from .rpc import KamailioRpc, RelayControl, RpcError
from .tls import make_cert

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
KAMAILIO = "/usr/sbin/kamailio"
DEBIAN_MODULES = "/usr/lib/x86_64-linux-gnu/kamailio/modules/"


def relay_binary():
    return os.environ.get("IM_RELAY_BIN") or os.path.join(TOP, "build", "bin", "im-relay")


_used_ports = set()


def _ephemeral_low():
    """The first port the kernel hands out to outgoing connections."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port(ip="127.0.0.1"):
    """A port free for both UDP and TCP on ip, not handed out before in
    this test run, below the kernel's ephemeral range: a port chosen there
    could be taken by an outgoing connection (Kamailio's to PostgreSQL)
    before our server binds it."""
    top = max(_ephemeral_low() - 1, 11000)
    for _ in range(200):
        port = random.randint(10000, top)
        if port in _used_ports:
            continue
        try:
            for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                s = socket.socket(socket.AF_INET6 if ":" in ip else socket.AF_INET, kind)
                try:
                    s.bind((ip, port))
                finally:
                    s.close()
        except OSError:
            continue
        _used_ports.add(port)
        return port
    raise RuntimeError("no free port")


CRASH_PATTERNS = re.compile(
    r"AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:|"
    r"exited by a signal|Segmentation fault|core dumped|(?<!DE)BUG:")


class Process:
    def __init__(self, name, argv, log_path, env=None):
        self.name = name
        self.argv = argv
        self.log_path = log_path
        self.env = env
        self.proc = None
        self.died_early = False
        self.killed = False

    def start(self):
        """Starts the process, or starts it again after a kill()."""
        self.killed = self.died_early = False
        if getattr(self, "log", None) is not None:
            self.log.close()
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.argv, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=self.env,
                                     start_new_session=True)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill(self):
        """SIGKILL the whole process group, on purpose (a crash the test
        provokes): stop() then has nothing to report."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self.killed = True

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, grace=15.0):
        """TERM, then KILL the whole process group. Returns the exit code."""
        if self.proc is None:
            return 0
        if self.killed:
            self.log.close()
            return 0
        if self.proc.poll() is not None:
            self.died_early = True
        else:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                # slow: note what it is doing while it still is
                self._record_hang()
                try:
                    self.proc.wait(grace)
                except subprocess.TimeoutExpired:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                    self.proc.wait()
        # children that outlived their parent are killed too
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.log.close()
        return self.proc.returncode

    def _record_hang(self):
        """What every process of the group was doing when it would not
        stop, appended to the log for whoever reads the failure."""
        lines = [f"=== {self.name} did not stop after SIGTERM: process states ==="]
        ps = subprocess.run(["ps", "-o", "pid,stat,wchan:32,cmd", "-g", str(self.proc.pid)],
                            capture_output=True, text=True).stdout
        lines.append(ps)
        for row in ps.splitlines()[1:]:
            pid = row.split()[0]
            for what in ("syscall", "stack"):
                try:
                    with open(f"/proc/{pid}/{what}") as f:
                        lines.append(f"{pid} {what}: {f.read().strip()}")
                except OSError:
                    pass
        self.log.write(("\n".join(lines) + "\n").encode())
        self.log.flush()

    def log_text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def crash_report(self, rc):
        """None when the process ended cleanly, else what went wrong."""
        problems = []
        if self.died_early:
            problems.append(f"{self.name} died before the test stopped it (rc {rc})")
        elif rc != 0:
            problems.append(f"{self.name} exited with {rc}")
        found = [l for l in self.log_text().splitlines() if CRASH_PATTERNS.search(l)]
        if found:
            problems.append(f"{self.name} log shows: " + " | ".join(found[:5]))
        return "; ".join(problems) or None


def start_launcher(tmp_path, **extra_env):
    """scripts/run.sh (`make run`) under tmp_path/var, every listener on a
    free port (extra_env overrides); returns the process and its output
    up to the banner's last line."""
    env = dict(os.environ, VAR_DIR=str(tmp_path / "var"), TLS_PORT=str(free_port()),
               RELAY_MSRP=f"tcp:127.0.0.1:{free_port()}",
               RELAY_MSRPS=f"tcp:127.0.0.1:{free_port()}")
    env.pop("TLS_CERT", None)
    env.pop("TLS_KEY", None)
    env.update(extra_env)
    p = subprocess.Popen([os.path.join(TOP, "scripts", "run.sh")], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         start_new_session=True)
    output = []
    for line in p.stdout:
        output.append(line)
        if line.startswith("  stop ") or line.startswith("run: ") and "exited" in line:
            break
    return p, output


def interrupt_launcher(p, output):
    """Ends a launcher script (make run / run-nni) started in a session of
    its own as a terminal's Ctrl-C does, SIGINT to its process group;
    returns its exit code and its whole output."""
    if p.poll() is None:
        os.killpg(p.pid, signal.SIGINT)
    rest = p.stdout.read()
    rc = p.wait(60)
    return rc, "".join(output) + rest


def processes_under(workdir):
    """Command lines of the processes still running from workdir."""
    r = subprocess.run(["pgrep", "-af", str(workdir)], capture_output=True, text=True)
    return r.stdout.strip()


def wait_until(probe, timeout, what):
    """Retries probe() until it returns a true value; the probe itself
    blocks on a socket, so this is a readiness poll, not a timed sleep."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            v = probe()
            if v:
                return v
        except (OSError, RpcError, ValueError) as e:
            last = e
        time.sleep(0.05)
    raise AssertionError(f"{what} not ready within {timeout}s (last error: {last})")


class Relay:
    """The relay with a generated config: control on its UNIX socket (what
    Kamailio and control() use) and on TCP with a shared secret
    (tcp_control()), MSRP on a free port of ip; with tls=(cert, key) also
    msrps on another one, trusting that certificate only when it connects
    over TLS; `extra` adds settings (a list value repeats the key)."""

    def __init__(self, workdir, instance="relay1", control_port=None, kamailio_rpc=None,
                 extra=None, ip="127.0.0.1", msrp_port=None, tls=None):
        self.workdir = workdir
        self.instance = instance
        self.ip = ip
        self.control_port = control_port or free_port(ip)
        self.tcp_control_addr = f"tcp:{ip}:{self.control_port}"
        self.unix_control = os.path.join(workdir, f"{instance}-ctl.sock")
        self.control_addr = f"unix:{self.unix_control}"
        self.secret_file = os.path.join(workdir, f"{instance}-ctl.secret")
        self.secret = secrets.token_hex(16)
        fd = os.open(self.secret_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(self.secret + "\n")
        self.conf = os.path.join(workdir, f"{instance}.conf")
        self.msrp_port = msrp_port or free_port(ip)
        lines = [f"instance = {instance}",
                 f"control = unix:{self.unix_control}",
                 f"control = {self.tcp_control_addr}",
                 f"control_secret_file = {self.secret_file}",
                 f"msrp_listen = tcp:{ip}:{self.msrp_port}",
                 f"log_level = {os.environ.get('IMTEST_RELAY_LOG', 'info')}"]
        if kamailio_rpc:
            lines.append(f"kamailio_rpc = unix:{kamailio_rpc}")
        self.msrps_port = None
        if tls:
            self.msrps_port = free_port(ip)
            lines += [f"msrps_listen = tcp:{ip}:{self.msrps_port}",
                      f"tls_cert = {tls[0]}", f"tls_key = {tls[1]}", f"tls_ca = {tls[0]}"]
        for k, v in (extra or {}).items():
            for item in (v if isinstance(v, (list, tuple)) else [v]):
                lines.append(f"{k} = {item}")
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.proc = Process(instance, [relay_binary(), "-c", self.conf, "-f"],
                            os.path.join(workdir, f"{instance}.log"))

    def start(self, timeout=20):
        self.proc.start()
        wait_until(lambda: self.alive_or_fail() and self.ping(), timeout, f"relay {self.instance}")

    def alive_or_fail(self):
        if not self.proc.alive():
            raise AssertionError(f"relay exited:\n{self.proc.log_text()[-3000:]}")
        return True

    def ping(self):
        with RelayControl(self.control_addr, timeout=2) as c:
            return c.call("ping")

    def control(self):
        return RelayControl(self.control_addr)

    def tcp_control(self, secret=None):
        """A TCP control connection, authenticated with the relay's secret
        (or the one given)."""
        return RelayControl(self.tcp_control_addr,
                            secret=self.secret if secret is None else secret)

    def call(self, method, params=None):
        with self.control() as c:
            return c.call(method, params)

    def stop(self):
        rc = self.proc.stop()
        return self.proc.crash_report(rc)

    def rss_kib(self):
        """Resident memory of the relay process now."""
        with open(f"/proc/{self.proc.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise AssertionError("no VmRSS")


class Kamailio:
    """Kamailio on cfg/kamailio.cfg: SIP on UDP and TCP at sip_port and
    over TLS at tls_port, with the certificate tls=(cert, key), by default
    one made for ip and domain in workdir/tls; on database (imtest.db), by
    default the SQLite file workdir/im.sqlite."""

    def __init__(self, workdir, domain="home1.net", ip="127.0.0.1", sip_port=None,
                 relay_control=None, relay_timeout_ms=300, defines=None,
                 cfg=None, children=2, shm_mb=64, mem_manager=None, tls=None, pkg_mb=8,
                 database=None):
        self.workdir = workdir
        self.domain = domain
        self.ip = ip
        self.sip_port = sip_port or free_port(ip)
        self.tls_port = free_port(ip)
        self.tls_cert, self.tls_key = tls or make_cert(os.path.join(workdir, "tls"), ip, domain)
        self.database = database or SqliteDb(os.path.join(workdir, "im.sqlite"))
        # the SQLite file, or the postgres:// URL, db-init.sh and im-user.sh take
        self.db = self.database.target
        self.rpc_sock = os.path.join(workdir, "kamailio_rpc.sock")
        self.ctl_sock = os.path.join(workdir, "kamailio_ctl")
        self.cfg = cfg or os.path.join(TOP, "cfg", "kamailio.cfg")
        # the secret that signs our B2BUA's hop to ourselves (X-IM-Hop);
        # tests read it to forge markers that are valid, stale or misplaced
        self.hop_secret_file = os.path.join(workdir, "hop.secret")
        if not os.path.exists(self.hop_secret_file):
            fd = os.open(self.hop_secret_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(os.urandom(32).hex() + "\n")
        d = {
            "SIP_IP": ip,
            "SIP_PORT": str(self.sip_port),
            "TLS_PORT": str(self.tls_port),
            "TLS_CERT": f'"{self.tls_cert}"',
            "TLS_KEY": f'"{self.tls_key}"',
            "IM_DOMAIN": domain,
            "DB_URL": f'"{self.database.url}"',
            "MPATH": f'"{DEBIAN_MODULES}:{TOP}/modules/"',
            "CTL_SOCKET": f'"unix:{self.ctl_sock}"',
            "RPC_DGRAM": f'"{self.rpc_sock}"',
            "RELAY_TIMEOUT_MS": str(relay_timeout_ms),
            "SIP_CHILDREN": str(children),
            "WARN_AGENT": f'"{domain}"',
            "HOP_SECRET_FILE": f'"{self.hop_secret_file}"',
            # in the IM domain: the script serves only URIs that are "myself"
            "CF_FACTORY": f'"sip:conference-factory@{domain}"',
        }
        if relay_control:
            d["RELAY_CONTROL"] = f'"{relay_control}"'
        d.update(self.database.defines)
        d.update(defines or {})
        argv = [KAMAILIO, "-f", self.cfg, "-DD", "-E", "-m", str(shm_mb), "-M", str(pkg_mb),
                *(["-x", mem_manager] if mem_manager else []),
                "-Y", workdir, "-w", workdir]
        # IMTEST_KAMAILIO_DEBUG=3: Kamailio's debug log, to chase a failure
        if os.environ.get("IMTEST_KAMAILIO_DEBUG"):
            argv += [f"--debug={os.environ['IMTEST_KAMAILIO_DEBUG']}"]
        for k, v in d.items():
            argv += ["-A", f"{k}={v}"]
        self.proc = Process("kamailio", argv, os.path.join(workdir, "kamailio.log"),
                            env=self.database.env)
        self.rpc = KamailioRpc(self.rpc_sock)

    @property
    def sip_addr(self):
        return (self.ip, self.sip_port)

    @property
    def sip_tls_addr(self):
        return (self.ip, self.tls_port)

    def init_db(self):
        subprocess.run([os.path.join(TOP, "scripts", "db-init.sh"), self.db], check=True,
                       stdout=subprocess.DEVNULL, env=self.database.env)

    def sql(self, statement, args=()):
        """Runs one statement on the server's database (before it starts,
        or for tables it reads at each request)."""
        return self.database.sql(statement, args)

    def add_user(self, user, password):
        subprocess.run([os.path.join(TOP, "scripts", "im-user.sh"), self.db, "add",
                        f"{user}@{self.domain}", password], check=True, env=self.database.env)

    def start(self, timeout=30):
        self.proc.start()

        def ready():
            if not self.proc.alive():
                raise AssertionError(f"kamailio exited:\n{self.proc.log_text()[-4000:]}")
            return self.rpc.call("core.version", timeout=2)
        wait_until(ready, timeout, "kamailio")

    def stop(self):
        rc = self.proc.stop()
        return self.proc.crash_report(rc)


class ImServer:
    """One IM server domain: Kamailio with our modules plus its relay, both
    also serving TLS (SIP over TLS, msrps) with one certificate, tls_cert
    (made for ip and domain in workdir/tls), which clients trust."""

    USERS = ("alice", "bob", "carol", "dave")

    def __init__(self, workdir, domain="home1.net", ip="127.0.0.1", with_relay=True,
                 relay_timeout_ms=300, defines=None, relay_extra=None, shm_mb=64, pkg_mb=8,
                 mem_manager=None, database=None):
        os.makedirs(workdir, exist_ok=True)
        self.workdir = workdir
        self.relay = None
        relay_control = None
        rpc_sock = os.path.join(workdir, "kamailio_rpc.sock")
        tls = make_cert(os.path.join(workdir, "tls"), ip, domain)
        self.tls_cert, self.tls_key = tls
        if with_relay:
            self.relay = Relay(workdir, kamailio_rpc=rpc_sock, ip=ip, extra=relay_extra, tls=tls)
            relay_control = f"{self.relay.control_addr};name={self.relay.instance}"
        else:
            relay_control = f"tcp:{ip}:{free_port(ip)};name=relay1"
        self.kamailio = Kamailio(workdir, domain=domain, ip=ip, relay_control=relay_control,
                                 relay_timeout_ms=relay_timeout_ms, defines=defines,
                                 shm_mb=shm_mb, pkg_mb=pkg_mb, mem_manager=mem_manager, tls=tls,
                                 database=database)
        self.domain = domain
        self.peers = []

    def password(self, user):
        return f"{user}-pw"

    def add_peer(self, domain, address, features="*", trust="tls"):
        """An interconnected IM domain (im_peer): its requests go to
        address (sip:IP:PORT). Its requests are trusted terminating traffic
        when they come over TLS with a certificate naming domain (trust
        "tls", the server's default) or, with trust "address" (an opt-in),
        from the address's IP and port. Before start()."""
        self.peers.append((domain, address, features, trust))

    def start(self):
        self.kamailio.init_db()
        for u in self.USERS:
            self.kamailio.add_user(u, self.password(u))
        for peer in self.peers:
            self.kamailio.sql("INSERT INTO im_peer (domain, address, features, trust) "
                              "VALUES (?, ?, ?, ?)", peer)
        self.kamailio.start()
        if self.relay:
            try:
                self.relay.start()
            except BaseException:
                # nobody will call stop() on a server that never started
                self.kamailio.stop()
                raise
        return self

    def stop(self):
        # the relay first, so that Kamailio still hears its shutdown event
        problems = [self.relay.stop()] if self.relay else []
        problems.append(self.kamailio.stop())
        return "; ".join(p for p in problems if p) or None

    @property
    def sip_addr(self):
        return self.kamailio.sip_addr

    @property
    def sip_tls_addr(self):
        return self.kamailio.sip_tls_addr

    @property
    def rpc(self):
        return self.kamailio.rpc

    def uri(self, user):
        return f"sip:{user}@{self.domain}"

    def released(self):
        """No B2BUA call left in Kamailio (im_ua) and no relay session."""
        return self.rpc.call("im_ua.list") == [] and (
            self.relay is None or self.relay.call("session.list") == [])

    def wait_released(self, timeout=15):
        wait_until(self.released, timeout, f"release of calls and relay sessions at {self.domain}")
