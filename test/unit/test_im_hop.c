#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "im_hop.h"

#define S(x) ((im_span_t){x, sizeof(x) - 1})

static const unsigned char key[] = "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk";
#define KEYLEN 32
#define NOW 1700000000

static im_hop_fields_t fields(void)
{
	im_hop_fields_t f = {S("INVITE"), S("sip:bob@home1.net"), S("abc@1.2.3.4"),
			S("sip:alice@home1.net"), S("f00d")};
	return f;
}

static im_hop_verdict_t check(const im_hop_fields_t *f, const char *v, time_t now)
{
	return im_hop_check(key, KEYLEN, f, (im_span_t){v, strlen(v)}, now, 30);
}

/* The same value as the e2e tests compute with Python's hmac: the format
 * is pinned, not only self-consistent. */
static void known_value(void **state)
{
	im_hop_fields_t f = fields();
	char v[IM_HOP_VALUE_MAX];

	(void)state;
	assert_int_equal(im_hop_sign(key, KEYLEN, &f, NOW, v, sizeof(v)), 75);
	assert_string_equal(v, "1700000000;32128cafb751fb1d940dd8ed7dca14acfb4a7cf14"
						   "8656ce937c8b88ab0b23be9");
	assert_int_equal(check(&f, v, NOW), IM_HOP_OK);
	assert_int_equal(check(&f, v, NOW + 30), IM_HOP_OK);
	assert_int_equal(check(&f, v, NOW - 30), IM_HOP_OK);
}

static void bound_to_every_field(void **state)
{
	im_hop_fields_t f = fields(), g;
	im_span_t *parts[] = {&g.method, &g.ruri, &g.call_id, &g.from_uri, &g.from_tag};
	char v[IM_HOP_VALUE_MAX];

	(void)state;
	assert_true(im_hop_sign(key, KEYLEN, &f, NOW, v, sizeof(v)) > 0);
	for(size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		g = f;
		*parts[i] = S("other");
		assert_int_equal(check(&g, v, NOW), IM_HOP_BAD_MAC);
	}
	/* moving bytes from one field to the next changes the input */
	g = f;
	g.call_id = S("abc@1.2.3.4s");
	g.from_uri = S("ip:alice@home1.net");
	assert_int_equal(check(&g, v, NOW), IM_HOP_BAD_MAC);
	/* another secret */
	assert_int_equal(im_hop_check((const unsigned char *)"x", 1, &f,
							 (im_span_t){v, strlen(v)}, NOW, 30),
			IM_HOP_BAD_MAC);
}

static void time_window(void **state)
{
	im_hop_fields_t f = fields();
	char v[IM_HOP_VALUE_MAX];

	(void)state;
	assert_true(im_hop_sign(key, KEYLEN, &f, NOW, v, sizeof(v)) > 0);
	assert_int_equal(check(&f, v, NOW + 31), IM_HOP_STALE);
	assert_int_equal(check(&f, v, NOW - 31), IM_HOP_STALE);
	/* a rewritten time breaks the signature */
	v[9] = '1';
	assert_int_equal(check(&f, v, NOW), IM_HOP_BAD_MAC);
}

static void malformed(void **state)
{
	im_hop_fields_t f = fields();
	const char *bad[] = {"", ";", "1700000000", "1700000000;",
			"1700000000;32128cafb751fb1d940dd8ed7dca14acfb4a7cf148656ce937c8b88ab0b23be",
			"1700000000;32128cafb751fb1d940dd8ed7dca14acfb4a7cf148656ce937c8b88ab0b23be9a",
			"1700000000;32128cafb751fb1d940dd8ed7dca14acfb4a7cf148656ce937c8b88ab0b23bez",
			"-1;32128cafb751fb1d940dd8ed7dca14acfb4a7cf148656ce937c8b88ab0b23be9",
			";32128cafb751fb1d940dd8ed7dca14acfb4a7cf148656ce937c8b88ab0b23be9",
			"99999999999999999999;32128cafb751fb1d940dd8ed7dca14acfb4a7cf148656ce937c8b88ab0b23be9"};

	(void)state;
	for(size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(check(&f, bad[i], NOW), IM_HOP_MALFORMED);
	/* surrounding blanks of a header value are fine */
	assert_int_equal(check(&f, " 1700000000;32128cafb751fb1d940dd8ed7dca14acfb4a7cf"
							   "148656ce937c8b88ab0b23be9 ",
							 NOW),
			IM_HOP_OK);
}

static void small_buffer(void **state)
{
	im_hop_fields_t f = fields();
	char v[40];

	(void)state;
	assert_int_equal(im_hop_sign(key, KEYLEN, &f, NOW, v, sizeof(v)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test(known_value),
			cmocka_unit_test(bound_to_every_field),
			cmocka_unit_test(time_window),
			cmocka_unit_test(malformed),
			cmocka_unit_test(small_buffer),
	};
	return cmocka_run_group_tests_name("im_hop", tests, NULL, NULL);
}
