/*
 * JSON-RPC 2.0 framing for the control channel, without I/O: one request
 * line in, one reply line out (fuzzed by test/fuzz/fuzz_control_json.c).
 */
#ifndef RELAY_JSONRPC_H
#define RELAY_JSONRPC_H

#include <jansson.h>
#include <stddef.h>

enum {
	JSONRPC_PARSE_ERROR = -32700,
	JSONRPC_INVALID_REQUEST = -32600,
	JSONRPC_METHOD_NOT_FOUND = -32601,
	JSONRPC_INVALID_PARAMS = -32602,
	JSONRPC_INTERNAL_ERROR = -32603,
	JSONRPC_APP_ERROR = -32000,
};

typedef struct jsonrpc_request {
	json_t *root;		/* owns everything below */
	json_t *id;			/* NULL for a notification */
	const char *method;
	json_t *params;		/* object, array or NULL */
} jsonrpc_request_t;

/*
 * Parses one request. Returns 0, or a JSON-RPC error code with a message in
 * *errmsg; req->id is still set when the request got that far, so the error
 * reply can carry it. jsonrpc_request_free() is needed in both cases.
 */
int jsonrpc_parse(const char *line, size_t len, jsonrpc_request_t *req,
		const char **errmsg);
void jsonrpc_request_free(jsonrpc_request_t *req);

/* Reply lines, '\n'-terminated, malloc'd; result is stolen. */
char *jsonrpc_reply_result(json_t *id, json_t *result, size_t *len);
char *jsonrpc_reply_error(json_t *id, int code, const char *msg, size_t *len);

#endif
