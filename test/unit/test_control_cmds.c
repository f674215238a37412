#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "control_auth.h"
#include "control_cmds.h"
#include "relay.h"

static json_t *dispatch(const char *line)
{
	size_t len = 0;
	char *reply = control_dispatch(line, strlen(line), &len);
	json_t *j;
	json_error_t err;

	if(reply == NULL)
		return NULL;
	assert_int_equal(reply[len - 1], '\n');
	j = json_loadb(reply, len, 0, &err);
	free(reply);
	assert_non_null(j);
	return j;
}

static int setup(void **state)
{
	(void)state;
	strcpy(relay.instance, "unit");
	strcpy(relay.boot_id, "0123456789abcdef0123456789abcdef");
	return 0;
}

static void ping_answers_pong(void **state)
{
	json_t *r = dispatch("{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"method\":\"ping\"}");
	(void)state;
	assert_string_equal(json_string_value(json_object_get(r, "id")), "x");
	json_t *res = json_object_get(r, "result");
	assert_true(json_is_true(json_object_get(res, "pong")));
	assert_string_equal(
			json_string_value(json_object_get(res, "instance")), "unit");
	json_decref(r);
}

static void stats_count_commands(void **state)
{
	json_t *r, *cmds;
	(void)state;
	json_decref(dispatch("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}"));
	json_decref(dispatch("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"nope\"}"));
	json_decref(dispatch("garbage"));
	r = dispatch("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"stats\"}");
	cmds = json_object_get(json_object_get(r, "result"), "commands");
	assert_true(json_integer_value(json_object_get(
						json_object_get(cmds, "ping"), "calls"))
			>= 1);
	assert_true(json_integer_value(json_object_get(cmds, "malformed")) >= 1);
	json_decref(r);
}

static void help_lists_every_command(void **state)
{
	json_t *r = dispatch("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"help\"}");
	json_t *res = json_object_get(r, "result");
	(void)state;
	assert_non_null(json_object_get(res, "ping"));
	assert_non_null(json_object_get(res, "stats"));
	assert_non_null(json_object_get(res, "help"));
	json_decref(r);
}

static void errors_and_notifications(void **state)
{
	json_t *r;
	(void)state;
	r = dispatch("{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"nope\"}");
	assert_int_equal(json_integer_value(json_object_get(
							 json_object_get(r, "error"), "code")),
			-32601);
	json_decref(r);
	/* a notification is executed but never answered, even when unknown */
	assert_null(dispatch("{\"jsonrpc\":\"2.0\",\"method\":\"ping\"}"));
	assert_null(dispatch("{\"jsonrpc\":\"2.0\",\"method\":\"nope\"}"));
	/* an unparsable request is answered with a null id */
	r = dispatch("\x01\x02\xff");
	assert_true(json_is_null(json_object_get(r, "id")));
	json_decref(r);
}

/* The first line of a TCP connection: only the auth call with the right
 * secret opens it; the reply never echoes an unauthenticated request. */
static void first_line_must_authenticate(void **state)
{
	static const struct {
		const char *line;
		int ok;
		const char *why;
	} cases[] = {
			{"{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"auth\","
			 "\"params\":{\"secret\":\"s3cret\"}}",
					1, NULL},
			{"{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"auth\","
			 "\"params\":{\"secret\":\"s3cre\"}}",
					0, "wrong secret"},
			{"{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"auth\","
			 "\"params\":{\"secret\":\"s3cret\\u0000\"}}",
					0, "authentication required"}, /* not JSON to jansson */
			{"{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"auth\","
			 "\"params\":{\"secret\":1}}",
					0, "no secret given"},
			{"{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"auth\","
			 "\"params\":[\"s3cret\"]}",
					0, "no secret given"},
			{"{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"session.list\"}",
					0, "authentication required"},
			{"{not json", 0, "authentication required"},
	};
	(void)state;
	for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *reply = NULL;
		size_t len = 0;
		const char *why = NULL;
		json_t *j;
		json_error_t err;
		int ok = control_auth_line("s3cret", cases[i].line,
				strlen(cases[i].line), &reply, &len, &why);

		assert_int_equal(ok, cases[i].ok);
		assert_non_null(reply);
		j = json_loadb(reply, len, 0, &err);
		free(reply);
		assert_non_null(j);
		if(ok) {
			assert_true(json_is_true(json_object_get(
					json_object_get(j, "result"), "authenticated")));
			assert_int_equal(json_integer_value(json_object_get(j, "id")), 7);
		} else {
			assert_string_equal(why, cases[i].why);
			assert_int_equal(json_integer_value(json_object_get(
									 json_object_get(j, "error"), "code")),
					CONTROL_AUTH_ERROR);
			if(strcmp(why, "authentication required") == 0)
				assert_true(json_is_null(json_object_get(j, "id")));
		}
		json_decref(j);
	}
	assert_int_equal(control_auth_match("s3cret", "s3cret", 6), 1);
	assert_int_equal(control_auth_match("s3cret", "s3cret", 5), 0);
	assert_int_equal(control_auth_match(NULL, "", 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test(ping_answers_pong),
			cmocka_unit_test(stats_count_commands),
			cmocka_unit_test(help_lists_every_command),
			cmocka_unit_test(errors_and_notifications),
			cmocka_unit_test(first_line_must_authenticate),
	};
	return cmocka_run_group_tests_name("control_cmds", tests, setup, NULL);
}
