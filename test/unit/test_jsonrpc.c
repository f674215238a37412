#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "jsonrpc.h"

static int parse(const char *line, jsonrpc_request_t *req, const char **msg)
{
	return jsonrpc_parse(line, strlen(line), req, msg);
}

static void valid_request(void **state)
{
	jsonrpc_request_t req;
	const char *msg = NULL;
	(void)state;
	assert_int_equal(parse("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"ping\","
						   "\"params\":{\"a\":1}}",
							 &req, &msg),
			0);
	assert_string_equal(req.method, "ping");
	assert_int_equal(json_integer_value(req.id), 7);
	assert_true(json_is_object(req.params));
	jsonrpc_request_free(&req);

	assert_int_equal(parse("{\"jsonrpc\":\"2.0\",\"method\":\"x\"}", &req, &msg), 0);
	assert_null(req.id); /* a notification */
	jsonrpc_request_free(&req);
}

static void invalid_requests(void **state)
{
	static const struct {
		const char *line;
		int code;
	} cases[] = {
			{"", JSONRPC_PARSE_ERROR},
			{"{", JSONRPC_PARSE_ERROR},
			{"{\"jsonrpc\":\"2.0\",\"id\":1,\"id\":1,\"method\":\"p\"}",
					JSONRPC_PARSE_ERROR},
			{"[]", JSONRPC_INVALID_REQUEST},
			{"\"str\"", JSONRPC_INVALID_REQUEST},
			{"{\"id\":1,\"method\":\"p\"}", JSONRPC_INVALID_REQUEST},
			{"{\"jsonrpc\":2,\"id\":1,\"method\":\"p\"}", JSONRPC_INVALID_REQUEST},
			{"{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"p\"}",
					JSONRPC_INVALID_REQUEST},
			{"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\"}",
					JSONRPC_INVALID_REQUEST},
			{"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":3}",
					JSONRPC_INVALID_REQUEST},
			{"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"p\",\"params\":1}",
					JSONRPC_INVALID_REQUEST},
	};
	(void)state;
	for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		jsonrpc_request_t req;
		const char *msg = NULL;
		assert_int_equal(parse(cases[i].line, &req, &msg), cases[i].code);
		assert_non_null(msg);
		jsonrpc_request_free(&req);
	}
}

static void replies_are_lines(void **state)
{
	size_t len = 0;
	json_t *id = json_string("abc");
	char *r;
	(void)state;

	r = jsonrpc_reply_result(id, json_pack("{s:b}", "pong", 1), &len);
	assert_string_equal(r, "{\"jsonrpc\":\"2.0\",\"id\":\"abc\",\"result\":{\"pong\":"
						   "true}}\n");
	assert_int_equal(len, strlen(r));
	free(r);
	r = jsonrpc_reply_error(NULL, JSONRPC_METHOD_NOT_FOUND, "line\nbreak", &len);
	/* a newline inside a message stays escaped: one reply, one line */
	assert_non_null(strstr(r, "line\\nbreak"));
	assert_ptr_equal(strchr(r, '\n'), r + len - 1);
	free(r);
	json_decref(id);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test(valid_request),
			cmocka_unit_test(invalid_requests),
			cmocka_unit_test(replies_are_lines),
	};
	return cmocka_run_group_tests_name("jsonrpc", tests, NULL, NULL);
}
