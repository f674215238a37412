#!/usr/bin/env bash
# A private PostgreSQL cluster for the IM server (`DB=postgres make run`, the
# end-to-end tests), from Debian's PostgreSQL binaries; no system service.
# One directory holds all of it:
#
#   <dir>/data               the cluster (initdb at its first start)
#   <dir>/postgres.log       the server's log (initdb's: <dir>/initdb.log)
#   <dir>/.s.PGSQL.<port>    its Unix socket: the directory is 0700, so only
#                            its owner (and root) connect, as role im without
#                            a password (psql -h <dir> -p <port> -U im)
#   <dir>/pgpass             role im's password, a libpq password file for
#                            PGPASSFILE: the server also listens on
#                            127.0.0.1:<port>, where it asks for it (SCRAM)
#
# PostgreSQL refuses to run as root: run as root, the server runs as the
# user postgres, which then owns <dir> and must be able to reach it.
#
#   scripts/pg-cluster.sh start <dir> <port>      (initdb once, then start)
#   scripts/pg-cluster.sh createdb <dir> <port> <name>  (when missing)
#   scripts/pg-cluster.sh stop <dir>
#
# PG_BIN (default /usr/lib/postgresql/15/bin, Debian's postgresql-15) names
# where initdb and pg_ctl are.
set -euo pipefail
umask 077

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_USER=postgres

usage() {
	echo "usage: pg-cluster.sh start <dir> <port> | createdb <dir> <port> <name> | stop <dir>" >&2
	exit 2
}
fail() { echo "pg-cluster: $*" >&2; exit 1; }

cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || usage
dir=$(realpath -m "$dir")
data="$dir/data"
log="$dir/postgres.log"

for b in initdb pg_ctl; do
	[ -x "$PG_BIN/$b" ] ||
		fail "no $PG_BIN/$b: install Debian's postgresql-15 (make deps), or set PG_BIN"
done

# the server's own commands, as the unprivileged user when we are root
as_server() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u "$PG_USER" -- "$@"
	else
		"$@"
	fi
}

# the last lines of a log, for an error that points at it
show_log() {
	echo "pg-cluster: the last lines of $1:" >&2
	tail -n 20 "$1" >&2 || true
}

running() { as_server "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; }

stop_cluster() {
	[ -f "$data/PG_VERSION" ] && running || return 0
	as_server "$PG_BIN/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null ||
		{ show_log "$log"; fail "the cluster in $data did not stop"; }
}

init_cluster() {
	mkdir -p "$dir"
	chmod 700 "$dir"
	if [ "$(id -u)" = 0 ]; then
		getent passwd "$PG_USER" >/dev/null ||
			fail "no user $PG_USER to run the server as (PostgreSQL refuses root)"
		chown "$PG_USER:" "$dir"
		as_server test -w "$dir" ||
			fail "the user $PG_USER cannot reach $dir: give its parent directories search permission (chmod o+x) or put it elsewhere"
	fi
	[ -f "$data/PG_VERSION" ] && return 0
	local password pwfile
	password=$(openssl rand -hex 24)
	pwfile="$dir/initdb.pw"
	as_server sh -c 'umask 077 && cat > "$1"' sh "$pwfile" <<<"$password"
	if ! as_server "$PG_BIN/initdb" -D "$data" -U im --pwfile="$pwfile" \
		--auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C \
		--no-instructions >"$dir/initdb.log" 2>&1; then
		as_server rm -f "$pwfile"
		show_log "$dir/initdb.log"
		fail "initdb failed"
	fi
	as_server rm -f "$pwfile"
	printf '*:*:*:im:%s\n' "$password" >"$dir/pgpass"
	as_server sh -c 'cat >> "$1"' sh "$data/postgresql.conf" <<CONF

# a private cluster of the IM server (scripts/pg-cluster.sh)
listen_addresses = '127.0.0.1'
unix_socket_directories = '${dir//\'/\'\'}'
unix_socket_permissions = 0700
CONF
	echo "pg-cluster: created the cluster $data"
}

case "$cmd" in
	start)
		[ $# -eq 3 ] || usage
		port=$3
		[[ "$port" =~ ^[0-9]+$ ]] || fail "bad port '$port'"
		init_cluster
		# a cluster a killed run left behind: restarted on this port
		stop_cluster
		if ! as_server "$PG_BIN/pg_ctl" -D "$data" -l "$log" -o "-p $port" -w -t 60 \
			start >/dev/null; then
			show_log "$log"
			fail "PostgreSQL did not start on 127.0.0.1:$port (its log: $log)"
		fi
		;;
	createdb)
		[ $# -eq 4 ] || usage
		port=$3 name=$4
		[[ "$name" =~ ^[a-z_][a-z0-9_]*$ ]] || fail "bad database name '$name'"
		psql -X -q -At -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U im -d postgres <<SQL >/dev/null
SELECT 'CREATE DATABASE $name' WHERE NOT EXISTS
	(SELECT 1 FROM pg_database WHERE datname = '$name') \gexec
SQL
		;;
	stop)
		[ $# -eq 2 ] || usage
		stop_cluster
		;;
	*) usage ;;
esac
