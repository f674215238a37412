#!/usr/bin/env bash
# Creates the SQLite database of the IM server when it does not exist yet:
# Kamailio's tables listed in db/kamailio-tables, then ours (db/sqlite/).
# The file holds the users' digest HA1 hashes, so it is created mode 0600
# (and its directory 0700 when made here) with no moment where others can
# read it; an existing one that others can read is made 0600 (issue 8).
#
#   scripts/db-init.sh var/im.sqlite
set -euo pipefail
# before anything is created: sqlite3 makes the file with 0666 & ~umask,
# and its journals with the file's mode
umask 077

top=$(cd "$(dirname "$0")/.." && pwd)
db=${1:?usage: db-init.sh <sqlite file>}
kschema=/usr/share/kamailio/db_sqlite

schema=$(sed -n "s/.*'im_server', \([0-9]*\)).*/\1/p" "$top/db/sqlite/im_server.sql")
if [ -s "$db" ]; then
	if [ -n "$(find "$db" -perm /077)" ]; then
		chmod 600 "$db"
		echo "db-init: $db was readable by others, now mode 0600" >&2
	fi
	# waits for a running Kamailio's write instead of taking "locked" for
	# "no schema"
	have=$(sqlite3 -cmd ".timeout 5000" "$db" "SELECT table_version FROM version WHERE table_name='im_server'" 2>/dev/null || true)
	if [ "$have" = "$schema" ]; then
		exit 0
	fi
	echo "db-init: $db has IM server schema '${have:-none}', this version needs $schema;" >&2
	echo "db-init: move it away (its users: scripts/im-user.sh $db list) and run again" >&2
	exit 1
fi
mkdir -p "$(dirname "$db")"
tmp="$db.tmp.$$"
rm -f "$tmp"
trap 'rm -f "$tmp"' EXIT
{
	echo "BEGIN;"
	grep -v '^#' "$top/db/kamailio-tables" | while read -r group; do
		[ -n "$group" ] || continue
		cat "$kschema/$group-create.sql"
	done
	cat "$top"/db/sqlite/*.sql
	echo "COMMIT;"
} | sqlite3 -bail "$tmp"
mv "$tmp" "$db"
trap - EXIT
echo "db-init: created $db"
