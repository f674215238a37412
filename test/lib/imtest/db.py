"""The database an IM server under test runs on: a SQLite file in its
working directory (the default), or a fresh database of its own in a
private PostgreSQL cluster that scripts/pg-cluster.sh runs for the test
session. Both are created by scripts/db-init.sh and provisioned by
scripts/im-user.sh, as `make run` does.

A test module that must hold on both engines parametrises the `db_backend`
fixture (conftest.py) with BACKENDS:

    pytestmark = pytest.mark.parametrize("db_backend", BACKENDS, indirect=True,
                                         scope="module")
"""

import itertools
import os
import shutil
import sqlite3
import subprocess
import tempfile

BACKENDS = ("sqlite", "postgres")
SCRIPTS = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "scripts"))
PG_CLUSTER = os.path.join(SCRIPTS, "pg-cluster.sh")


def run_script(argv):
    """A script of scripts/ that must succeed; its output, or its error
    in the failure."""
    out = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise AssertionError(f"{' '.join(argv)}: rc {out.returncode}\n{out.stdout}{out.stderr}")
    return out.stdout


class SqliteDb:
    """A SQLite file; sql() returns rows as SQLite types them."""

    def __init__(self, path):
        self.target = path          # what db-init.sh and im-user.sh take
        self.url = f"sqlite:///{path}"
        self.env = None             # Kamailio's and the scripts' environment
        self.defines = {}

    def sql(self, statement, args=()):
        with sqlite3.connect(self.target) as db:
            return db.execute(statement, args).fetchall()


class PostgresDb:
    """A database in a PgCluster, reached like Kamailio reaches it: over
    loopback TCP as role im, password from PGPASSFILE. sql() takes `?`
    placeholders as SQLite does and returns rows of strings."""

    def __init__(self, cluster, name):
        self.target = self.url = f"postgres://im@127.0.0.1:{cluster.port}/{name}"
        self.env = cluster.env
        self.defines = {"DB_POSTGRES": "1"}

    def sql(self, statement, args=()):
        parts = statement.split("?")
        assert len(parts) == len(args) + 1, (statement, args)
        # psql's variables, quoted by psql, for the placeholders
        text = parts[0] + "".join(f":'p{i}'{rest}" for i, rest in enumerate(parts[1:]))
        argv = ["psql", "-X", "-q", "-At", "-F", "\x1f", "-v", "ON_ERROR_STOP=1", "-d", self.url]
        for i, a in enumerate(args):
            argv += ["-v", f"p{i}={a}"]
        out = subprocess.run(argv, input=text + ";\n", env=self.env, capture_output=True,
                             text=True, timeout=60)
        if out.returncode != 0:
            raise AssertionError(f"psql: {statement}: {out.stderr}")
        return [tuple(line.split("\x1f")) for line in out.stdout.splitlines()]


class PgCluster:
    """A private PostgreSQL cluster on loopback port (a free one), in a
    temporary directory under /tmp rather than pytest's (mode 0700) base
    directory: run as root, the server runs as postgres, which must reach
    it."""

    def __init__(self, port):
        self.top = tempfile.mkdtemp(prefix="imtest-pg-")
        os.chmod(self.top, 0o711)
        self.dir = os.path.join(self.top, "pg")
        self.port = port
        self.env = dict(os.environ, PGPASSFILE=os.path.join(self.dir, "pgpass"))
        self._names = itertools.count(1)

    def start(self):
        try:
            run_script([PG_CLUSTER, "start", self.dir, str(self.port)])
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        """Stops the server (if it runs) and removes the cluster."""
        try:
            run_script([PG_CLUSTER, "stop", self.dir])
        finally:
            shutil.rmtree(self.top, ignore_errors=True)

    def new_database(self):
        name = f"im{next(self._names)}"
        run_script([PG_CLUSTER, "createdb", self.dir, str(self.port), name])
        return PostgresDb(self, name)
