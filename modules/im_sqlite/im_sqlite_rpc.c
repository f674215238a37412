#include "core/rpc.h"
#include "im_rpc_args.h"

#include "im_sqlite_conn.h"
#include "im_sqlite_rpc.h"

static const char *imsql_rpc_show_doc[] = {
		"The settings every SQLite connection gets, and counters over all "
		"processes: connections, journal_failures (connections left in "
		"another journal mode), busy_waits (statements that found the "
		"database locked and waited), busy_timeouts (of them, those that "
		"gave up after busy_timeout).",
		0};

static int load(int *counter)
{
	return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

static void imsql_rpc_show(rpc_t *rpc, void *ctx)
{
	void *th;

	if(im_rpc_none(rpc, ctx) < 0)
		return;
	if(!imsql_stats) {
		rpc->fault(ctx, 500, "not initialised");
		return;
	}
	if(rpc->add(ctx, "{", &th) < 0)
		return;
	rpc->struct_add(th, "dSdddd", "busy_timeout", imsql_busy_timeout,
			"journal_mode", &imsql_journal_mode, "connections",
			load(&imsql_stats->connections), "journal_failures",
			load(&imsql_stats->journal_failures), "busy_waits",
			load(&imsql_stats->busy_waits), "busy_timeouts",
			load(&imsql_stats->busy_timeouts));
}

rpc_export_t imsql_rpc_cmds[] = {
		{"im_sqlite.show", imsql_rpc_show, imsql_rpc_show_doc, 0},
		{0, 0, 0, 0}};
