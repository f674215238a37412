/*
 * Settings applied to every SQLite connection a Kamailio process opens
 * (db_sqlite's, whichever module asked for it): how long a statement waits
 * for another process's lock, and the journal mode. Debian's db_sqlite
 * 5.6.3 sets neither, so concurrent writers get "database is locked" at
 * once; SQLite's auto-extension hook reaches its connections unchanged.
 */
#ifndef IM_SQLITE_CONN_H
#define IM_SQLITE_CONN_H

#include "core/str.h"

/* what every process counts, in shm (NULL before mod_init) */
typedef struct imsql_stats {
	int connections;	  /* connections the settings were applied to */
	int journal_failures; /* of them, where the journal mode did not take */
	int busy_waits;		  /* statements that found the database locked */
	int busy_timeouts;	  /* of them, still locked after busy_timeout */
} imsql_stats_t;

extern int imsql_busy_timeout;
extern str imsql_journal_mode;
extern imsql_stats_t *imsql_stats;

/* Makes every connection opened from now on in this process (and its
 * children) take the settings. Returns 0, or -1 when SQLite refuses. */
int imsql_hook_connections(void);

/* 0 when journal_mode is one the server may run with ("" keeps the
 * database file's own). */
int imsql_journal_mode_valid(const str *mode);

#endif
