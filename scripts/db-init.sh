#!/usr/bin/env bash
# Creates the SQLite database of the IM server when it does not exist yet:
# Kamailio's tables listed in db/kamailio-tables, then ours (db/sqlite/).
#
#   scripts/db-init.sh var/im.sqlite
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
db=${1:?usage: db-init.sh <sqlite file>}
kschema=/usr/share/kamailio/db_sqlite

schema=$(sed -n "s/.*'im_server', \([0-9]*\)).*/\1/p" "$top/db/sqlite/im_server.sql")
if [ -s "$db" ]; then
	have=$(sqlite3 "$db" "SELECT table_version FROM version WHERE table_name='im_server'" 2>/dev/null || true)
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
