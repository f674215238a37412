/*
 * The Replaces header (RFC 3891) as a B2BUA rewrites it for the other
 * side of a dialog (App L, OMA TS 6.1.1.2.6 a): what parses, what does
 * not, and a rewrite that keeps every other parameter.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "im_replaces.h"

static im_span_t span(const char *s)
{
	im_span_t v = {s, strlen(s)};
	return v;
}

static void assert_span(im_span_t got, const char *want)
{
	assert_int_equal(got.len, strlen(want));
	assert_memory_equal(got.p, want, got.len);
}

static void rfc3891_example(void **state)
{
	const char *s = "425928@bobster.example.org;to-tag=7743;from-tag=6472";
	im_replaces_t r;

	(void)state;
	assert_int_equal(im_replaces_parse(s, strlen(s), &r), 0);
	assert_span(r.call_id, "425928@bobster.example.org");
	assert_span(r.to_tag, "7743");
	assert_span(r.from_tag, "6472");
	assert_int_equal(r.early_only, 0);
}

static void spaces_case_and_other_params(void **state)
{
	const char *s = " 98732@sip.example.com ; FROM-TAG = r33th4x0r ;"
					"early-only;x=\"a;b\";To-Tag=ABC.1";
	im_replaces_t r;

	(void)state;
	assert_int_equal(im_replaces_parse(s, strlen(s), &r), 0);
	assert_span(r.call_id, "98732@sip.example.com");
	assert_span(r.to_tag, "ABC.1");
	assert_span(r.from_tag, "r33th4x0r");
	assert_int_equal(r.early_only, 1);
}

static void refused(void **state)
{
	static const char *bad[] = {
			"",
			";to-tag=1;from-tag=2",				/* no Call-ID */
			"abc;to-tag=1",						/* no from-tag */
			"abc;from-tag=2",					/* no to-tag */
			"abc;to-tag=1;to-tag=3;from-tag=2", /* twice */
			"abc;to-tag=;from-tag=2",			/* empty */
			"abc;to-tag=\"1\";from-tag=2",		/* a tag is a token */
			"abc;to-tag=1;from-tag=2;early-only=yes",
			"abc;to-tag=1;from-tag=2;x=\"open",
			"abc;to-tag=1;from-tag=2;",
			"abc;to-tag=1;from-tag=2 junk",
			"a@b@c;to-tag=1;from-tag=2",
			"@b;to-tag=1;from-tag=2",
			"abc;to-tag=1\r\nX: y;from-tag=2",
			"abc,def;to-tag=1;from-tag=2",
	};
	im_replaces_t r;

	(void)state;
	for(size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if(im_replaces_parse(bad[i], strlen(bad[i]), &r) == 0)
			fail_msg("parsed: %s", bad[i]);
	}
}

/* every prefix of a good value, from an exactly sized heap copy (ASan
 * sees a read past it) */
static void truncations(void **state)
{
	const char *s = "cid@h;to-tag=t;from-tag=f;early-only";
	im_replaces_t r;

	(void)state;
	for(size_t n = 0; n <= strlen(s); n++) {
		char *copy = malloc(n ? n : 1);
		int ret;

		memcpy(copy, s, n);
		ret = im_replaces_parse(copy, n, &r);
		/* "...;from-tag=f" and longer parse, shorter ones do not */
		assert_int_equal(ret, n >= 25 && n != 26 ? 0 : -1);
		free(copy);
	}
}

static void rewrite_keeps_the_rest(void **state)
{
	const char *s = "old@a; early-only ;from-tag=F1;x=\"q;r\";to-tag=T1";
	char out[128];
	int n;

	(void)state;
	n = im_replaces_rewrite(s, strlen(s), span("new@b"), span("T2"),
			span("F2"), out, sizeof(out));
	assert_int_equal(n, (int)strlen(out));
	assert_string_equal(out, "new@b; early-only ;from-tag=F2;x=\"q;r\";to-tag=T2");
}

static void rewrite_needs_room_and_a_good_value(void **state)
{
	const char *s = "c;to-tag=t;from-tag=f";
	char out[64];

	(void)state;
	/* "n;to-tag=T;from-tag=F" is 21 characters and a NUL */
	assert_int_equal(im_replaces_rewrite(s, strlen(s), span("n"), span("T"),
							 span("F"), out, 21),
			-1);
	assert_int_equal(im_replaces_rewrite(s, strlen(s), span("n"), span("T"),
							 span("F"), out, 22),
			21);
	assert_int_equal(im_replaces_rewrite("c;to-tag=t", 10, span("n"),
							 span("T"), span("F"), out, sizeof(out)),
			-1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test(rfc3891_example),
			cmocka_unit_test(spaces_case_and_other_params),
			cmocka_unit_test(refused),
			cmocka_unit_test(truncations),
			cmocka_unit_test(rewrite_keeps_the_rest),
			cmocka_unit_test(rewrite_needs_room_and_a_good_value),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
