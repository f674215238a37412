/*
 * im_sqlite: makes the embedded SQLite database take concurrent writes from
 * every Kamailio process (issue 9). Debian's db_sqlite 5.6.3 opens its
 * connections without a busy timeout, so a REGISTER whose usrloc write
 * meets another process's write fails at once with "database is locked";
 * this module sets a busy handler and the journal mode (WAL: readers and
 * the one writer do not block each other) on every connection db_sqlite
 * opens, through SQLite's auto-extension hook.
 *
 * Exports and wiring only: the connection settings are im_sqlite_conn.c,
 * RPC im_sqlite_rpc.c.
 */
#include <string.h>

#include "core/dprint.h"
#include "core/mem/shm_mem.h"
#include "core/sr_module.h"

#include "im_sqlite_conn.h"
#include "im_sqlite_rpc.h"

MODULE_VERSION

#define IMSQL_MAX_BUSY_TIMEOUT 60000

static int mod_init(void);
static void mod_destroy(void);

/* checked where it is set: the value goes into a PRAGMA */
static int set_journal_mode(modparam_t type, void *val)
{
	str mode;

	mode.s = (char *)val;
	mode.len = strlen(mode.s);

	if(mode.len && imsql_journal_mode_valid(&mode) < 0) {
		LM_ERR("journal_mode must be wal, delete, truncate, persist or "
			   "empty, not '%.*s'\n",
				mode.len, mode.s);
		return -1;
	}
	imsql_journal_mode = mode;
	return 0;
}

static param_export_t params[] = {
		{"busy_timeout", PARAM_INT, &imsql_busy_timeout},
		{"journal_mode", PARAM_STRING | USE_FUNC_PARAM,
				(void *)set_journal_mode},
		{0, 0, 0}};

struct module_exports exports = {
		"im_sqlite",	 /* module name */
		DEFAULT_DLFLAGS, /* dlopen flags */
		0,				 /* cmd (cfg function) exports */
		params,			 /* param exports */
		imsql_rpc_cmds,	 /* RPC method exports */
		0,				 /* pseudo-variables exports */
		0,				 /* response handling function */
		mod_init,		 /* module init function */
		0,				 /* per-child init function */
		mod_destroy		 /* module destroy function */
};

/* At load time, before any module's mod_init can open a connection: the
 * hook then reaches them all whatever the order of loadmodule lines. */
int mod_register(char *path, int *dlflags, void *p1, void *p2)
{
	(void)path;
	(void)dlflags;
	(void)p1;
	(void)p2;
	return imsql_hook_connections();
}

static int mod_init(void)
{
	if(imsql_busy_timeout < 0 || imsql_busy_timeout > IMSQL_MAX_BUSY_TIMEOUT) {
		LM_ERR("busy_timeout must be 0..%d ms, not %d\n",
				IMSQL_MAX_BUSY_TIMEOUT, imsql_busy_timeout);
		return -1;
	}
	if(imsql_busy_timeout == 0)
		LM_WARN("busy_timeout 0: a write that meets another process's "
				"fails at once\n");
	imsql_stats = shm_mallocxz(sizeof(*imsql_stats));
	if(!imsql_stats) {
		SHM_MEM_ERROR;
		return -1;
	}
	return 0;
}

static void mod_destroy(void)
{
	if(imsql_stats) {
		shm_free(imsql_stats);
		imsql_stats = NULL;
	}
}
