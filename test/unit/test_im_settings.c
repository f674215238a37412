/*
 * IM service settings (lib/im_settings.c; SS-1, OMA App E) as golden
 * cases: every xml_cases/settings/NAME.xml is parsed and its dump must
 * equal NAME.expect. Every case is also parsed at every truncation
 * length from an exactly sized heap copy, so ASan sees a read past the
 * end, and a failed parse must leave the defaults.
 *
 * Dump: one "name value" line per setting; or "error <reason>".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "im_settings.h"
#include "test_buf.h"
#include "test_files.h"

#define CASES "xml_cases/settings"

static char *dump(int rc, const im_settings_t *s, const char *err)
{
	char out[512];
	strbuf_t b = {0};

	if(rc < 0)
		snprintf(out, sizeof(out), "error %s\n", err);
	else
		snprintf(out, sizeof(out),
				"isb %d\nipab %d\noffline-delivery %d\nvis-status %d\n"
				"hist-session %d\nhist-pager %d\n",
				s->isb, s->ipab, s->offline_delivery, s->vis_status,
				s->hist_session, s->hist_pager);
	sb_str(&b, out);
	return b.p;
}

static void assert_defaults(const im_settings_t *s)
{
	im_settings_t d;

	im_settings_defaults(&d);
	assert_memory_equal(s, &d, sizeof(d));
}

/* Every prefix parses or fails with a reason and the defaults. */
static void every_cut(const char *doc, size_t len)
{
	for(size_t n = 0; n < len; n++) {
		char *copy = malloc(n ? n : 1);
		char err[IM_SETTINGS_ERR_LEN];
		im_settings_t s;
		memcpy(copy, doc, n);
		if(im_settings_parse(copy, n, &s, err, sizeof(err)) < 0) {
			assert_true(strlen(err) > 0);
			assert_null(strpbrk(err, "\"\r\n"));
			assert_defaults(&s);
		}
		free(copy);
	}
}

static void check_case(const char *name)
{
	char err[IM_SETTINGS_ERR_LEN];
	strbuf_t doc = {0}, want = {0};
	im_settings_t s;
	char *got;
	int rc;

	read_case(CASES, name, &doc, &want);
	rc = im_settings_parse(doc.p, doc.len, &s, err, sizeof(err));
	got = dump(rc, &s, err);
	expect_dump(name, got, want.p);
	if(rc < 0)
		assert_defaults(&s);
	every_cut(doc.p, doc.len);
	free(got);
	free(doc.p);
	free(want.p);
}

static void golden_cases(void **state)
{
	(void)state;
	assert_true(for_each_case(CASES, ".xml", check_case) >= 14);
}

static void defaults_are_app_e(void **state)
{
	im_settings_t s;

	(void)state;
	im_settings_defaults(&s);
	assert_int_equal(s.isb, 0);
	assert_int_equal(s.ipab, 0);
	assert_int_equal(s.offline_delivery, 0);
	assert_int_equal(s.vis_status, 1);
	assert_int_equal(s.hist_session, 0);
	assert_int_equal(s.hist_pager, 0);
}

static void oversized_document_is_refused_unread(void **state)
{
	size_t len = IM_SETTINGS_MAX_DOC + 1;
	char *doc = malloc(len), err[IM_SETTINGS_ERR_LEN];
	im_settings_t s;

	(void)state;
	memset(doc, ' ', len);
	assert_int_equal(im_settings_parse(doc, len, &s, err, sizeof(err)), -1);
	assert_string_equal(err, "xml document larger than 16384 bytes");
	assert_defaults(&s);
	free(doc);
}

/* A long reason is cut to the caller's buffer, not past it. */
static void reason_fits_a_small_buffer(void **state)
{
	static const char doc[] = "<x/>";
	char err[8];
	im_settings_t s;

	(void)state;
	assert_int_equal(
			im_settings_parse(doc, sizeof(doc) - 1, &s, err, sizeof(err)), -1);
	assert_string_equal(err, "root el");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test(golden_cases),
			cmocka_unit_test(defaults_are_app_e),
			cmocka_unit_test(oversized_document_is_refused_unread),
			cmocka_unit_test(reason_fits_a_small_buffer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
