#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "msrp_hdr.h"

static msrp_span_t S(const char *s)
{
	msrp_span_t v = {s, strlen(s)};
	return v;
}

static int uri(const char *s, msrp_uri_t *u)
{
	return msrp_uri_parse(s, strlen(s), u);
}

static void uris(void **state)
{
	msrp_uri_t u, v;
	(void)state;
	assert_int_equal(uri("msrp://alice@atlanta.example.com:7654/jshA7we;tcp", &u), 0);
	assert_true(msrp_span_eq(u.user, "alice"));
	assert_true(msrp_span_eq(u.host, "atlanta.example.com"));
	assert_int_equal(u.port, 7654);
	assert_true(msrp_span_eq(u.session_id, "jshA7we"));
	assert_true(msrp_span_eq(u.transport, "tcp"));
	assert_int_equal(uri("msrps://[2001:db8::1]:2856/a+b=c/d;tcp;x=1", &u), 0);
	assert_int_equal(u.secure, 1);
	assert_int_equal(u.ipv6, 1);
	assert_true(msrp_span_eq(u.host, "2001:db8::1"));
	assert_true(msrp_span_eq(u.session_id, "a+b=c/d"));
	assert_int_equal(uri("msrp://relay.example.net;tcp", &u), 0);
	assert_int_equal(u.port, MSRP_DEFAULT_PORT);
	assert_int_equal(u.session_id.len, 0);

	static const char *bad[] = {"", "msrp:/x:1/s;tcp", "http://h:1/s;tcp",
			"msrp://h:1/s", "msrp://h:0/s;tcp", "msrp://h:65536/s;tcp",
			"msrp://h:1/;tcp", "msrp://[::1/s;tcp", "msrp://[zz]:1/s;tcp",
			"msrp://:1/s;tcp", "msrp://h:1/s;", "msrp://h:1/s;tcp;",
			"msrp://h:1/s p;tcp"};
	for(size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if(uri(bad[i], &u) == 0)
			fail_msg("accepted bad URI '%s'", bad[i]);

	/* RFC 4975 6.1: case of scheme, host and transport does not matter,
	 * the session id's does; userinfo and parameters are ignored */
	assert_int_equal(uri("MSRP://Bob@Host.Example:2855/AbC;TCP", &u), 0);
	assert_int_equal(uri("msrp://host.example/AbC;tcp;p=1", &v), 0);
	assert_true(msrp_uri_equal(&u, &v));
	assert_int_equal(uri("msrp://host.example/abc;tcp", &v), 0);
	assert_false(msrp_uri_equal(&u, &v));
	assert_int_equal(uri("msrps://host.example/AbC;tcp", &v), 0);
	assert_false(msrp_uri_equal(&u, &v));
}

static void paths(void **state)
{
	msrp_uri_t p[MSRP_PATH_MAX];
	(void)state;
	assert_int_equal(msrp_path_parse(S("msrp://a:1/x;tcp msrp://b:2/y;tcp"), p, MSRP_PATH_MAX), 2);
	assert_int_equal(p[1].port, 2);
	assert_int_equal(msrp_path_parse(S("msrp://a:1/x;tcp  msrp://b:2/y;tcp"), p, MSRP_PATH_MAX), -1);
	assert_int_equal(msrp_path_parse(S("msrp://a:1/x;tcp "), p, MSRP_PATH_MAX), -1);
	assert_int_equal(msrp_path_parse(S(""), p, MSRP_PATH_MAX), -1);
	assert_int_equal(msrp_path_parse(S("msrp://a:1/x;tcp msrp://b:2/y;tcp"), p, 1), -1);
}

static void ranges(void **state)
{
	msrp_range_t r;
	(void)state;
	assert_int_equal(msrp_range_parse(S("1-25/25"), &r), 0);
	assert_true(r.start == 1 && r.end == 25 && r.total == 25);
	assert_int_equal(msrp_range_parse(S("65537-*/*"), &r), 0);
	assert_true(r.start == 65537 && r.end_unknown && r.total_unknown);
	assert_int_equal(msrp_range_parse(S("1-0/0"), &r), 0);
	assert_int_equal(msrp_range_parse(S("18446744073709551615-*/*"), &r), -1);
	static const char *bad[] = {"", "0-1/1", "2-0/5", "1-5/4", "1-/5", "-1/1",
			"1-2", "a-2/3", "1-2/b", "1-*/", "1--2/3", "9-*/3",
			/* issue 8: values past MSRP_RANGE_MAX, however written */
			"1-18446744073709551615/*", "1-*/18446744073709551615",
			"1-18446744073709551616/*", "1-9223372036854775808/*",
			"9223372036854775808-*/*", "1-99999999999999999999/*",
			"1-9223372036854775807/9223372036854775806",
			"9223372036854775807-9223372036854775805/*"};
	for(size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t len;
		if(msrp_range_parse(S(bad[i]), &r) == 0)
			fail_msg("accepted bad Byte-Range '%s'", bad[i]);
		/* nothing of it is left to size the refused frame's body */
		if(r.start || r.end || r.total || r.end_unknown || r.total_unknown
				|| msrp_range_len(&r, &len))
			fail_msg("'%s' left a partial range", bad[i]);
	}
}

/* Lengths at the bounds: none wraps, an empty chunk is 0 (issue 8). */
static void range_lengths(void **state)
{
	static const struct
	{
		const char *range;
		int known;
		uint64_t len;
	} cases[] = {
			{"1-25/25", 1, 25},
			{"26-25/25", 1, 0},
			{"1-0/0", 1, 0},
			{"11-*/30", 1, 20},
			{"31-*/30", 1, 0},
			{"5-*/*", 0, 0},
			{"1-9223372036854775807/*", 1, INT64_MAX},
			{"1-*/9223372036854775807", 1, INT64_MAX},
			{"9223372036854775807-9223372036854775807/9223372036854775807", 1,
					1},
			{"9223372036854775807-9223372036854775806/*", 1, 0},
			{"9223372036854775807-*/9223372036854775806", 1, 0},
			{"0000000000000000000000001-0000000000000000000000002/*", 1, 2},
	};
	msrp_range_t r;
	uint64_t len;
	(void)state;
	for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if(msrp_range_parse(S(cases[i].range), &r) < 0)
			fail_msg("refused Byte-Range '%s'", cases[i].range);
		len = 12345;
		assert_int_equal(msrp_range_len(&r, &len), cases[i].known);
		if(cases[i].known && len != cases[i].len)
			fail_msg("'%s': length %llu", cases[i].range,
					(unsigned long long)len);
	}
}

static void statuses_and_reports(void **state)
{
	int code;
	msrp_span_t comment, v;
	(void)state;
	assert_int_equal(msrp_status_parse(S("000 200 OK"), &code, &comment), 0);
	assert_int_equal(code, 200);
	assert_true(msrp_span_eq(comment, "OK"));
	assert_int_equal(msrp_status_parse(S("000 408"), &code, &comment), 0);
	assert_int_equal(comment.len, 0);
	assert_int_equal(msrp_status_parse(S("000 20x OK"), &code, &comment), -1);
	assert_int_equal(msrp_status_parse(S("000 200OK"), &code, &comment), -1);
	assert_int_equal(msrp_status_parse(S("0 200"), &code, &comment), -1);

	assert_int_equal(msrp_failure_report_parse(NULL), MSRP_REPORT_YES);
	v = S("partial");
	assert_int_equal(msrp_failure_report_parse(&v), MSRP_REPORT_PARTIAL);
	v = S("maybe");
	assert_int_equal(msrp_failure_report_parse(&v), -1);
	assert_int_equal(msrp_success_report_parse(NULL), MSRP_REPORT_NO);
	v = S("partial");
	assert_int_equal(msrp_success_report_parse(&v), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test(uris),
			cmocka_unit_test(paths),
			cmocka_unit_test(ranges),
			cmocka_unit_test(range_lengths),
			cmocka_unit_test(statuses_and_reports),
	};
	return cmocka_run_group_tests_name("msrp_hdr", tests, NULL, NULL);
}
