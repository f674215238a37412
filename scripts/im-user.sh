#!/usr/bin/env bash
# Provisions IM users in the database: a SQLite file, or a PostgreSQL
# database named by Kamailio's URL (postgres://user@host:port/database, its
# password from PGPASSFILE as libpq reads it). Passwords are stored only as
# digest HA1 values for the realm (= the user's domain).
#
#   scripts/im-user.sh <db> add alice@home1.net secret
#   scripts/im-user.sh <db> del alice@home1.net
#   scripts/im-user.sh <db> list
set -euo pipefail
# the database holds HA1 hashes: whatever sqlite3 creates stays ours
umask 077

usage() { echo "usage: im-user.sh <db> add <user@domain> <password> | del <user@domain> | list" >&2; exit 2; }
db=${1:-}; cmd=${2:-}
[ -n "$db" ] && [ -n "$cmd" ] || usage

sql_quote() { printf "'%s'" "${1//\'/\'\'}"; }

case "$db" in
	postgres://*)
		sql() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }
		;;
	*)
		[ -f "$db" ] || { echo "im-user: no database at $db (make run creates it)" >&2; exit 1; }
		# Kamailio writes the same file from all its processes while it
		# runs: wait for its write to end rather than fail with "database
		# is locked".
		sql() { sqlite3 -cmd ".timeout 5000" "$db" "$1"; }
		;;
esac

split_aor() {
	case "$1" in
		*@*) user=${1%@*}; domain=${1#*@} ;;
		*) echo "im-user: '$1' is not user@domain" >&2; exit 2 ;;
	esac
	[[ "$user" =~ ^[A-Za-z0-9._+-]+$ ]] || { echo "im-user: bad user name '$user'" >&2; exit 2; }
	[[ "$domain" =~ ^[A-Za-z0-9.:-]+$ ]] || { echo "im-user: bad domain '$domain'" >&2; exit 2; }
}

md5() { printf '%s' "$1" | md5sum | cut -d' ' -f1; }

case "$cmd" in
	add)
		[ $# -eq 4 ] || usage
		split_aor "$3"
		pass=$4
		ha1=$(md5 "$user:$domain:$pass")
		ha1b=$(md5 "$user@$domain:$domain:$pass")
		# an upsert both engines take (SQLite since 3.24)
		sql "INSERT INTO subscriber (username, domain, password, ha1, ha1b)
			VALUES ($(sql_quote "$user"), $(sql_quote "$domain"), '', '$ha1', '$ha1b')
			ON CONFLICT (username, domain) DO UPDATE
			SET password = '', ha1 = excluded.ha1, ha1b = excluded.ha1b;"
		;;
	del)
		[ $# -eq 3 ] || usage
		split_aor "$3"
		sql "DELETE FROM subscriber WHERE username=$(sql_quote "$user") AND domain=$(sql_quote "$domain");"
		;;
	list)
		sql "SELECT username || '@' || domain FROM subscriber ORDER BY 1;"
		;;
	*) usage ;;
esac
