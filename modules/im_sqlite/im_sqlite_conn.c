#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

#include "core/dprint.h"

#include "im_sqlite_conn.h"

int imsql_busy_timeout = 5000;
str imsql_journal_mode = str_init("wal");
imsql_stats_t *imsql_stats = NULL;

static const char *journal_modes[] = {"wal", "delete", "truncate", "persist"};

/* longer than any journal mode name SQLite answers with */
#define JOURNAL_MODE_LEN 16

int imsql_journal_mode_valid(const str *mode)
{
	if(!mode->len)
		return 0;
	/* "memory" and "off" lose the database on a crash: not for a registrar */
	for(size_t i = 0; i < sizeof(journal_modes) / sizeof(journal_modes[0]);
			i++) {
		if(strlen(journal_modes[i]) == (size_t)mode->len
				&& strncasecmp(journal_modes[i], mode->s, mode->len) == 0)
			return 0;
	}
	return -1;
}

/* counters of all processes; a connection opened before mod_init (none
 * in our cfg) is simply not counted */
#define COUNT(field)                                                       \
	do {                                                                   \
		if(imsql_stats)                                                    \
			__atomic_fetch_add(&imsql_stats->field, 1, __ATOMIC_RELAXED); \
	} while(0)

/* SQLite's own busy-timeout schedule (short sleeps first, then 100 ms),
 * with a count of the waits and a log line when one gives up: an operator
 * sees contention in im_sqlite.show before clients see errors. */
static int busy_wait(void *arg, int attempt)
{
	static const int delays[] = {1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100};
	static const int ndelays = sizeof(delays) / sizeof(delays[0]);
	sqlite3 *db = arg;
	int waited = 0, delay;

	for(int i = 0; i < attempt && i < ndelays; i++)
		waited += delays[i];
	if(attempt >= ndelays)
		waited += delays[ndelays - 1] * (attempt - ndelays);
	delay = attempt < ndelays ? delays[attempt] : delays[ndelays - 1];
	if(attempt == 0)
		COUNT(busy_waits);
	if(waited + delay > imsql_busy_timeout)
		delay = imsql_busy_timeout - waited;
	if(delay <= 0) {
		COUNT(busy_timeouts);
		LM_ERR("database %s still locked by another process after %d ms "
			   "(busy_timeout)\n",
				sqlite3_db_filename(db, "main"), waited);
		return 0;
	}
	sqlite3_sleep(delay);
	return 1;
}

static int journal_mode_row(void *out, int ncols, char **vals, char **names)
{
	(void)names;
	if(ncols > 0 && vals[0])
		snprintf(out, JOURNAL_MODE_LEN, "%s", vals[0]);
	return 0;
}

static void set_journal_mode(sqlite3 *db)
{
	char sql[48], mode[JOURNAL_MODE_LEN] = "";
	char *err = NULL;

	snprintf(sql, sizeof(sql), "PRAGMA journal_mode=%.*s",
			imsql_journal_mode.len, imsql_journal_mode.s);
	if(sqlite3_exec(db, sql, journal_mode_row, mode, &err) != SQLITE_OK) {
		LM_WARN("database %s: journal mode %.*s not set: %s\n",
				sqlite3_db_filename(db, "main"), imsql_journal_mode.len,
				imsql_journal_mode.s, err ? err : "?");
		sqlite3_free(err);
		COUNT(journal_failures);
		return;
	}
	/* a read-only or in-memory database answers with the mode it keeps */
	if(strlen(mode) != (size_t)imsql_journal_mode.len
			|| strncasecmp(mode, imsql_journal_mode.s, imsql_journal_mode.len)
					   != 0) {
		LM_WARN("database %s stays in journal mode %s, not %.*s\n",
				sqlite3_db_filename(db, "main"), mode, imsql_journal_mode.len,
				imsql_journal_mode.s);
		COUNT(journal_failures);
	}
}

/* Runs inside sqlite3_open_v2() of every new connection (auto-extension).
 * The busy handler comes first: changing the journal mode takes a lock
 * that another process's connection may hold. */
static int on_open(sqlite3 *db, const char **err,
		const struct sqlite3_api_routines *api)
{
	(void)err;
	(void)api;
	if(imsql_busy_timeout > 0)
		sqlite3_busy_handler(db, busy_wait, db);
	if(imsql_journal_mode.len)
		set_journal_mode(db);
	COUNT(connections);
	LM_DBG("database %s: busy_timeout %d ms, journal mode %.*s\n",
			sqlite3_db_filename(db, "main"), imsql_busy_timeout,
			imsql_journal_mode.len, imsql_journal_mode.s);
	return SQLITE_OK;
}

int imsql_hook_connections(void)
{
	/* void (*)(void) is the documented type of the entry point argument */
	int rc = sqlite3_auto_extension((void (*)(void))on_open);

	if(rc != SQLITE_OK) {
		LM_ERR("sqlite3_auto_extension failed: %s\n", sqlite3_errstr(rc));
		return -1;
	}
	return 0;
}
