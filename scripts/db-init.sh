#!/usr/bin/env bash
# Creates the IM server's tables when the database has none yet: Kamailio's
# tables listed in db/kamailio-tables, then ours (db/<engine>/), in one
# transaction; a database that has them is checked for the schema version
# this tree needs. The database is a SQLite file or a PostgreSQL database
# named by Kamailio's URL (its password from PGPASSFILE, as libpq reads it).
#
# A SQLite file holds the users' digest HA1 hashes, so it is created mode
# 0600 (and its directory 0700 when made here) with no moment where others
# can read it; an existing one that others can read is made 0600 (issue 8).
#
#   scripts/db-init.sh var/im.sqlite
#   PGPASSFILE=var/pg/pgpass scripts/db-init.sh postgres://im@127.0.0.1:15432/im
set -euo pipefail
# before anything is created: sqlite3 makes the file with 0666 & ~umask,
# and its journals with the file's mode
umask 077

top=$(cd "$(dirname "$0")/.." && pwd)
db=${1:?usage: db-init.sh <sqlite file | postgres://user@host:port/database>}

case "$db" in
	postgres://*)
		engine=postgres kschema=/usr/share/kamailio/postgres
		# notices ("table does not exist, skipping") are not news
		export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
		query() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }
		psql -X -q -At -d "$db" -c "SELECT 1" >/dev/null ||
			{ echo "db-init: cannot connect to $db" >&2; exit 1; }
		exists=$(query "SELECT to_regclass('version') IS NOT NULL")
		[ "$exists" = t ] || exists=
		;;
	*)
		engine=sqlite kschema=/usr/share/kamailio/db_sqlite
		# waits for a running Kamailio's write instead of taking "locked"
		# for "no schema"
		query() { sqlite3 -cmd ".timeout 5000" "$db" "$1"; }
		exists=
		if [ -s "$db" ]; then
			exists=1
			if [ -n "$(find "$db" -perm /077)" ]; then
				chmod 600 "$db"
				echo "db-init: $db was readable by others, now mode 0600" >&2
			fi
		fi
		;;
esac

# every "INSERT INTO version ... ('<group>', <n>)" of our schema files: the
# groups (im_server, im_store, ...) this tree needs, each at its version
wanted=$(sed -n "s/.*VALUES ('\([a-z_]*\)', \([0-9]*\)).*/\1 \2/p" "$top"/db/$engine/*.sql)
if [ -n "$exists" ]; then
	while read -r group version; do
		have=$(query "SELECT table_version FROM version WHERE table_name='$group'" 2>/dev/null || true)
		[ "$have" = "$version" ] && continue
		echo "db-init: $db has schema '${have:-none}' of $group, this version needs $version;" >&2
		echo "db-init: move it away (its users: scripts/im-user.sh $db list) and run again" >&2
		exit 1
	done <<<"$wanted"
	exit 0
fi

schema_sql() {
	grep -v '^#' "$top/db/kamailio-tables" | while read -r group; do
		[ -n "$group" ] || continue
		cat "$kschema/$group-create.sql"
	done
	cat "$top"/db/$engine/*.sql
}

if [ "$engine" = postgres ]; then
	schema_sql | psql -X -q -v ON_ERROR_STOP=1 --single-transaction -d "$db" >/dev/null
else
	mkdir -p "$(dirname "$db")"
	tmp="$db.tmp.$$"
	rm -f "$tmp"
	trap 'rm -f "$tmp"' EXIT
	{ echo "BEGIN;"; schema_sql; echo "COMMIT;"; } | sqlite3 -bail "$tmp"
	mv "$tmp" "$db"
	trap - EXIT
fi
echo "db-init: created $db"
