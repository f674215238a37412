/*
 * The control command table (X-macro: the prototypes, the dispatch table,
 * `help` and the per-command counters come from this one list) and the
 * dispatcher from a request line to a reply line. No I/O here, which is
 * what lets the fuzzer drive it. Parameters are JSON objects (named).
 */
#ifndef RELAY_CONTROL_CMDS_H
#define RELAY_CONTROL_CMDS_H

#include <jansson.h>
#include <stddef.h>

typedef struct cmd_call {
	json_t *params; /* an object (absent params: an empty one) */
	json_t *result; /* set by the handler on success */
	int code;		/* JSON-RPC error code when the handler fails */
} cmd_call_t;

#define CONTROL_COMMANDS(X)                                                         \
	X(ping, "ping",                                                                 \
			"{owner?, owner_boot_id?}: liveness and readiness probe: pong, "        \
			"instance, boot id, owner_timeout_s; renews that owner's lease")        \
	X(stats, "stats", "counters of every subsystem")                                \
	X(help, "help", "the command list")                                             \
	X(auth, "auth",                                                                 \
			"{secret}: the first request on a TCP connection (issue 8); "           \
			"afterwards, or on a UNIX socket, checks the secret again")             \
	X(session_create, "session.create",                                             \
			"{id, type: bridge|conference|endpoint, identity?, private_messages?, " \
			"allow_non_cpim?, idle_timeout_s?, owner?, owner_boot_id?, legs?: "     \
			"[leg.add params]}: create, or update the options of the session "      \
			"with that id (and its legs)")                                          \
	X(session_destroy, "session.destroy",                                           \
			"{id, quiet?}: remove the session, its legs and their connections; "   \
			"unless quiet, tell Kamailio (session_closed) so it ends the calls")   \
	X(session_get, "session.get", "{id}: the session and its legs")                 \
	X(session_list, "session.list",                                                 \
			"{owner?}: all sessions (or that owner's), in brief")                  \
	X(leg_add, "leg.add",                                                           \
			"{session, id, remote_path?, setup?: active|passive, tls?, ipv6?, "     \
			"cema_addr?, accept_types?, max_size?, max_chunk?, identity?, "         \
			"display?, version?}: allocate the leg's local path (same id: update)") \
	X(leg_update, "leg.update", "{session, id, ...as leg.add}: change a leg")       \
	X(leg_remove, "leg.remove",                                                     \
			"{session, id, quiet?}: remove a leg; unless quiet, leg_closed")        \
	X(message_inject, "message.inject",                                             \
			"{session, leg, content_type, body | body_base64, message_id?, "        \
			"success_report?}: send a message from the relay on a leg")             \
	X(message_report, "message.report",                                             \
			"{session, leg, message_id, content_type, body, total?, code?}: a "    \
			"REPORT with a body about the leg's party's message (C-8)")            \
	X(message_get, "message.get",                                                   \
			"{session, leg, message_id, offset?, length?}: a received message "     \
			"(endpoint), base64")                                                   \
	X(message_ack, "message.ack",                                                   \
			"{session, leg, message_id}: release a received message")

#define X(fn, name, doc) const char *cmd_##fn(cmd_call_t *call);
CONTROL_COMMANDS(X)
#undef X

/* Returns a malloc'd reply line, or NULL when the request was a
 * notification (no id) that needs no answer. */
char *control_dispatch(const char *line, size_t len, size_t *reply_len);

json_t *control_cmds_stats(void);

#endif
