#include "control_cmds.h"

#include <malloc.h>
#include <string.h>
#include <time.h>

#include "control.h"
#include "control_auth.h"
#include "events.h"
#include "mconn.h"
#include "stats.h"
#include "jsonrpc.h"
#include "log.h"
#include "owners.h"
#include "relay.h"
#include "version.h"

/* Handlers return NULL on success or an error message. */
typedef const char *(*cmd_handler_t)(cmd_call_t *call);

static struct command {
	const char *name;
	const char *doc;
	cmd_handler_t handler;
	unsigned long calls;
	unsigned long errors;
} commands[] = {
#define X(fn, name, doc) {name, doc, cmd_##fn, 0, 0},
		CONTROL_COMMANDS(X)
#undef X
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static unsigned long requests_total, requests_malformed;

/* A ping naming its owner renews that owner's lease (owners.h): the
 * health check of a live Kamailio keeps its sessions. */
const char *cmd_ping(cmd_call_t *call)
{
	static char err[256];
	const char *owner, *owner_boot_id;
	int has_owner = owners_param(
			call->params, &owner, &owner_boot_id, err, sizeof(err));

	if(has_owner > 0
			&& owners_touch(owner, owner_boot_id, err, sizeof(err)) < 0)
		has_owner = -1;
	if(has_owner < 0) {
		call->code = JSONRPC_INVALID_PARAMS;
		return err;
	}
	call->result = json_pack("{s:b, s:s, s:s, s:i}", "pong", 1, "instance",
			relay.instance, "boot_id", relay.boot_id, "owner_timeout_s",
			(int)owners_timeout());
	return NULL;
}

const char *cmd_stats(cmd_call_t *call)
{
	json_t *s = json_pack("{s:s, s:s, s:s, s:I}", "instance", relay.instance,
			"boot_id", relay.boot_id, "version", RELAY_VERSION, "uptime_s",
			(json_int_t)(time(NULL) - relay.started));
	if(relay.control)
		json_object_set_new(s, "control", control_stats(relay.control));
	json_object_set_new(s, "commands", control_cmds_stats());
	if(relay.events)
		json_object_set_new(s, "events", events_stats(relay.events));
	json_object_set_new(s, "msrp", stats_json());
	json_object_set_new(s, "owners", owners_stats());
	json_object_set_new(s, "connections", mconn_stats());
	/* heap in use, for the per-leg memory cost (bench/) */
	json_object_set_new(s, "heap_bytes",
			json_integer((json_int_t)mallinfo2().uordblks));
	call->result = s;
	return NULL;
}

const char *cmd_help(cmd_call_t *call)
{
	json_t *list = json_object();
	for(size_t i = 0; i < NCOMMANDS; i++)
		json_object_set_new(list, commands[i].name,
				json_string(commands[i].doc));
	call->result = list;
	return NULL;
}

/* Reached on connections that are trusted already: the first auth of a TCP
 * connection is answered by control.c before any dispatch. */
const char *cmd_auth(cmd_call_t *call)
{
	json_t *given = json_object_get(call->params, "secret");

	if(!json_is_string(given)) {
		call->code = JSONRPC_INVALID_PARAMS;
		return "secret: a string is required";
	}
	if(!control_secret_ok(relay.control, json_string_value(given),
			   json_string_length(given))) {
		call->code = CONTROL_AUTH_ERROR;
		return "authentication failed";
	}
	call->result = json_pack("{s:b}", "authenticated", 1);
	return NULL;
}

json_t *control_cmds_stats(void)
{
	json_t *o = json_object();
	json_object_set_new(o, "requests", json_integer((json_int_t)requests_total));
	json_object_set_new(
			o, "malformed", json_integer((json_int_t)requests_malformed));
	for(size_t i = 0; i < NCOMMANDS; i++)
		json_object_set_new(o, commands[i].name,
				json_pack("{s:I, s:I}", "calls", (json_int_t)commands[i].calls,
						"errors", (json_int_t)commands[i].errors));
	return o;
}

char *control_dispatch(const char *line, size_t len, size_t *reply_len)
{
	jsonrpc_request_t req;
	const char *errmsg = NULL;
	cmd_call_t call = {0};
	char *reply = NULL;
	int code;

	requests_total++;
	code = jsonrpc_parse(line, len, &req, &errmsg);
	if(code != 0) {
		requests_malformed++;
		ilog(control, LOG_WARN, "malformed request: %s", errmsg);
		reply = jsonrpc_reply_error(req.id, code, errmsg, reply_len);
		jsonrpc_request_free(&req);
		return reply;
	}
	for(size_t i = 0; i < NCOMMANDS; i++) {
		if(strcmp(commands[i].name, req.method) != 0)
			continue;
		commands[i].calls++;
		if(req.params && !json_is_object(req.params)) {
			commands[i].errors++;
			reply = req.id ? jsonrpc_reply_error(req.id,
									 JSONRPC_INVALID_PARAMS,
									 "params must be an object", reply_len)
						   : NULL;
			jsonrpc_request_free(&req);
			return reply;
		}
		call.params = req.params ? req.params : json_object();
		if(!req.params)
			json_object_set_new(req.root, "params", call.params);
		call.code = JSONRPC_APP_ERROR;
		errmsg = commands[i].handler(&call);
		if(errmsg) {
			commands[i].errors++;
			ilog(control, LOG_INFO, "%s failed: %s", req.method, errmsg);
			if(call.result)
				json_decref(call.result);
			reply = req.id ? jsonrpc_reply_error(
								  req.id, call.code, errmsg, reply_len)
						   : NULL;
		} else if(req.id) {
			reply = jsonrpc_reply_result(req.id, call.result, reply_len);
		} else if(call.result) {
			json_decref(call.result);
		}
		jsonrpc_request_free(&req);
		return reply;
	}
	ilog(control, LOG_INFO, "unknown method '%.64s'", req.method);
	reply = req.id ? jsonrpc_reply_error(req.id, JSONRPC_METHOD_NOT_FOUND,
							 "method not found", reply_len)
				   : NULL;
	jsonrpc_request_free(&req);
	return reply;
}
