#include "jsonrpc.h"

#include <stdlib.h>
#include <string.h>

int jsonrpc_parse(const char *line, size_t len, jsonrpc_request_t *req,
		const char **errmsg)
{
	json_error_t jerr;
	json_t *v, *method;

	memset(req, 0, sizeof(*req));
	/* JSON_REJECT_DUPLICATES: an ambiguous request is not a request */
	req->root = json_loadb(
			line, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if(req->root == NULL) {
		*errmsg = "parse error: not valid JSON";
		return JSONRPC_PARSE_ERROR;
	}
	if(!json_is_object(req->root)) {
		*errmsg = "invalid request: not a JSON object";
		return JSONRPC_INVALID_REQUEST;
	}
	v = json_object_get(req->root, "id");
	if(v) {
		if(!json_is_string(v) && !json_is_integer(v) && !json_is_null(v)) {
			*errmsg = "invalid request: id must be a string or an integer";
			return JSONRPC_INVALID_REQUEST;
		}
		req->id = v;
	}
	v = json_object_get(req->root, "jsonrpc");
	if(!json_is_string(v) || strcmp(json_string_value(v), "2.0") != 0) {
		*errmsg = "invalid request: jsonrpc must be \"2.0\"";
		return JSONRPC_INVALID_REQUEST;
	}
	method = json_object_get(req->root, "method");
	if(!json_is_string(method) || json_string_length(method) == 0) {
		*errmsg = "invalid request: method must be a non-empty string";
		return JSONRPC_INVALID_REQUEST;
	}
	req->method = json_string_value(method);
	v = json_object_get(req->root, "params");
	if(v && !json_is_object(v) && !json_is_array(v)) {
		*errmsg = "invalid request: params must be an object or an array";
		return JSONRPC_INVALID_REQUEST;
	}
	req->params = v;
	return 0;
}

void jsonrpc_request_free(jsonrpc_request_t *req)
{
	if(req->root)
		json_decref(req->root);
	memset(req, 0, sizeof(*req));
}

static char *finish(json_t *reply, size_t *len)
{
	char *text = json_dumps(reply, JSON_COMPACT);
	size_t n;
	char *line;

	json_decref(reply);
	if(text == NULL)
		return NULL;
	n = strlen(text);
	line = realloc(text, n + 2);
	if(line == NULL) {
		free(text);
		return NULL;
	}
	line[n] = '\n';
	line[n + 1] = '\0';
	*len = n + 1;
	return line;
}

char *jsonrpc_reply_result(json_t *id, json_t *result, size_t *len)
{
	json_t *reply = json_object();
	json_object_set_new(reply, "jsonrpc", json_string("2.0"));
	json_object_set(reply, "id", id ? id : json_null());
	json_object_set_new(reply, "result", result ? result : json_null());
	return finish(reply, len);
}

char *jsonrpc_reply_error(json_t *id, int code, const char *msg, size_t *len)
{
	json_t *reply = json_object();
	json_object_set_new(reply, "jsonrpc", json_string("2.0"));
	json_object_set(reply, "id", id ? id : json_null());
	json_object_set_new(reply, "error",
			json_pack("{s:i, s:s}", "code", code, "message", msg));
	return finish(reply, len);
}
