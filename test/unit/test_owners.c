/* Owner leases (issue 9 item 2): sessions created with an owner are
 * released when that owner (name and boot id) stops renewing its lease;
 * the sessions of other owners, of another boot of the same name, and of
 * nobody stay. Driven through the control dispatcher, as Kamailio does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control_cmds.h"
#include "owners.h"
#include "relay.h"
#include "session.h"

static json_t *call(const char *method, const char *params)
{
	char line[1024];
	size_t len = 0;
	char *reply;
	json_t *j;
	json_error_t err;

	snprintf(line, sizeof(line),
			"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%s\",\"params\":%s}",
			method, params);
	reply = control_dispatch(line, strlen(line), &len);
	assert_non_null(reply);
	j = json_loadb(reply, len, 0, &err);
	free(reply);
	assert_non_null(j);
	return j;
}

static int error_code(json_t *reply)
{
	return (int)json_integer_value(
			json_object_get(json_object_get(reply, "error"), "code"));
}

static void create(const char *id, const char *owner_json)
{
	char params[512];
	json_t *r;

	snprintf(params, sizeof(params), "{\"id\":\"%s\",\"type\":\"bridge\"%s}",
			id, owner_json);
	r = call("session.create", params);
	assert_non_null(json_object_get(r, "result"));
	json_decref(r);
}

static int teardown(void **state)
{
	session_t *s;
	(void)state;
	while((s = sessions_all()) != NULL)
		session_destroy(s, "test ends");
	owners_clear();
	return 0;
}

static void lease_expires_and_releases_only_its_sessions(void **state)
{
	char err[128];
	(void)state;
	owners_set_timeout(10);
	create("a1", ",\"owner\":\"k1\",\"owner_boot_id\":\"b1\"");
	create("a2", ",\"owner\":\"k1\",\"owner_boot_id\":\"b1\"");
	create("restarted", ",\"owner\":\"k1\",\"owner_boot_id\":\"b2\"");
	create("other", ",\"owner\":\"k2\",\"owner_boot_id\":\"b1\"");
	create("nobody", "");
	/* the creations started the leases at the clock's now; restart them
	 * at a known time, then renew only k1/b2 and k2/b1 */
	assert_int_equal(owners_touch_at("k1", "b1", 1000, err, sizeof(err)), 0);
	assert_int_equal(owners_touch_at("k1", "b2", 1000, err, sizeof(err)), 0);
	assert_int_equal(owners_touch_at("k2", "b1", 1000, err, sizeof(err)), 0);
	assert_int_equal(owners_expire_at(10999), 0);
	assert_int_equal(owners_touch_at("k1", "b2", 9000, err, sizeof(err)), 0);
	assert_int_equal(owners_touch_at("k2", "b1", 9000, err, sizeof(err)), 0);
	assert_int_equal(owners_expire_at(11000), 2);
	assert_null(session_find("a1"));
	assert_null(session_find("a2"));
	assert_non_null(session_find("restarted"));
	assert_non_null(session_find("other"));
	assert_non_null(session_find("nobody"));
	/* an expired lease is forgotten: nothing is released twice */
	assert_int_equal(owners_expire_at(20000), 2);
	assert_null(session_find("restarted"));
	assert_null(session_find("other"));
	assert_non_null(session_find("nobody"));
}

static void timeout_zero_never_expires(void **state)
{
	char err[128];
	(void)state;
	owners_set_timeout(0);
	create("s", ",\"owner\":\"k1\",\"owner_boot_id\":\"b1\"");
	assert_int_equal(owners_touch_at("k1", "b1", 0, err, sizeof(err)), 0);
	assert_int_equal(owners_expire_at(UINT64_C(1) << 40), 0);
	assert_non_null(session_find("s"));
	owners_set_timeout(10);
}

static void list_filters_by_owner_and_ping_renews(void **state)
{
	json_t *r, *list;
	(void)state;
	owners_set_timeout(7);
	create("mine-old", ",\"owner\":\"k1\",\"owner_boot_id\":\"b1\"");
	create("mine-new", ",\"owner\":\"k1\",\"owner_boot_id\":\"b2\"");
	create("theirs", ",\"owner\":\"k2\",\"owner_boot_id\":\"b1\"");
	r = call("session.list", "{\"owner\":\"k1\"}");
	list = json_object_get(r, "result");
	assert_int_equal(json_array_size(list), 2);
	for(size_t i = 0; i < 2; i++)
		assert_string_equal(json_string_value(json_object_get(
									json_array_get(list, i), "owner")),
				"k1");
	json_decref(r);

	r = call("ping", "{\"owner\":\"k9\",\"owner_boot_id\":\"b9\"}");
	assert_int_equal(json_integer_value(json_object_get(
							 json_object_get(r, "result"), "owner_timeout_s")),
			7);
	json_decref(r);
	r = call("stats", "{}");
	assert_int_equal(
			json_array_size(json_object_get(
					json_object_get(json_object_get(r, "result"), "owners"),
					"leases")),
			4); /* k1/b1, k1/b2, k2/b1 and the pinging k9/b9 */
	json_decref(r);
	owners_set_timeout(10);
}

static void bad_owner_params_are_refused(void **state)
{
	static const char *bad[] = {
			"{\"id\":\"x\",\"type\":\"bridge\",\"owner\":\"k1\"}",
			"{\"id\":\"x\",\"type\":\"bridge\",\"owner_boot_id\":\"b1\"}",
			"{\"id\":\"x\",\"type\":\"bridge\",\"owner\":1,"
			"\"owner_boot_id\":\"b1\"}",
			"{\"id\":\"x\",\"type\":\"bridge\",\"owner\":\"\","
			"\"owner_boot_id\":\"b1\"}",
	};
	json_t *r;
	(void)state;
	for(size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = call("session.create", bad[i]);
		assert_int_equal(error_code(r), -32602);
		json_decref(r);
	}
	assert_null(session_find("x"));
	r = call("ping", "{\"owner\":\"k1\"}");
	assert_int_equal(error_code(r), -32602);
	json_decref(r);
	r = call("session.list", "{\"owner\":5}");
	assert_int_equal(error_code(r), -32602);
	json_decref(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test_teardown(
					lease_expires_and_releases_only_its_sessions, teardown),
			cmocka_unit_test_teardown(timeout_zero_never_expires, teardown),
			cmocka_unit_test_teardown(
					list_filters_by_owner_and_ping_renews, teardown),
			cmocka_unit_test_teardown(bad_owner_params_are_refused, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
