/*
 * IMDN (lib/im_imdn.c; D-24, PM-3, PM-5, DM-7) as golden cases: every
 * xml_cases/imdn/NAME.xml is parsed and its dump must equal NAME.expect;
 * what parsed is written again and must parse back to the same dump, and
 * where NAME.out exists the written document must equal it byte for byte.
 * Every case is also parsed at every truncation length from an exactly
 * sized heap copy. xml_cases/imdn/disposition.txt holds
 * Disposition-Notification values, one "value|expected" per line, where
 * expected is the token mask in hex or "error".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "im_imdn.h"
#include "test_buf.h"
#include "test_files.h"

#define CASES "xml_cases/imdn"

static char *dump(int rc, const im_imdn_t *m, const char *err)
{
	char text[1024];

	if(rc < 0)
		snprintf(text, sizeof(text), "error %s\n", err);
	else
		snprintf(text, sizeof(text),
				"message-id %s\ndatetime %s\nrecipient %s\noriginal %s\n"
				"subject %s\n%s %s\n",
				m->message_id, m->datetime,
				m->recipient_uri ? m->recipient_uri : "-",
				m->original_recipient_uri ? m->original_recipient_uri : "-",
				m->subject ? m->subject : "-", im_imdn_kind_name(m->kind),
				im_imdn_status_name(m->status));
	return strdup(text);
}

static void every_cut(const char *doc, size_t len)
{
	for(size_t n = 0; n < len; n++) {
		char *copy = malloc(n ? n : 1), err[IM_IMDN_ERR_LEN];
		im_imdn_t m;
		memcpy(copy, doc, n);
		if(im_imdn_parse(copy, n, &m, err, sizeof(err)) < 0)
			assert_true(strlen(err) > 0);
		im_imdn_free(&m);
		free(copy);
	}
}

static void check_written(const char *name, const im_imdn_t *m,
		const char *want_dump)
{
	char path[512], err[IM_IMDN_ERR_LEN], *out, *again;
	strbuf_t want = {0};
	im_imdn_t back;
	size_t len;
	int rc;

	assert_int_equal(im_imdn_write(m, &out, &len, err, sizeof(err)), 0);
	rc = im_imdn_parse(out, len, &back, err, sizeof(err));
	again = dump(rc, &back, err);
	if(strcmp(again, want_dump) != 0)
		fail_msg("%s written and read back:\n%s--- from\n%s", name, again, out);
	snprintf(path, sizeof(path), CASES "/%s.out", name);
	if(read_file(path, &want) == 0 && strcmp(out, want.p) != 0)
		fail_msg("%s written:\n--- got\n%s--- want\n%s", name, out, want.p);
	im_imdn_free(&back);
	free(again);
	free(out);
	free(want.p);
}

static void check_case(const char *name)
{
	char err[IM_IMDN_ERR_LEN], *got;
	strbuf_t doc = {0}, want = {0};
	im_imdn_t m;
	int rc;

	read_case(CASES, name, &doc, &want);
	rc = im_imdn_parse(doc.p, doc.len, &m, err, sizeof(err));
	got = dump(rc, &m, err);
	expect_dump(name, got, want.p);
	if(rc == 0)
		check_written(name, &m, got);
	im_imdn_free(&m);
	every_cut(doc.p, doc.len);
	free(got);
	free(doc.p);
	free(want.p);
}

static void golden_cases(void **state)
{
	(void)state;
	assert_true(for_each_case(CASES, ".xml", check_case) >= 8);
}

/* a NUL byte is no token character (strchr finds the terminator) */
static void disposition_with_a_nul(void **state)
{
	static const char v[] = "positive-delivery\0, display";
	unsigned mask;

	(void)state;
	assert_int_equal(im_imdn_disposition_parse(v, sizeof(v) - 1, &mask), -1);
}

static void disposition_values(void **state)
{
	strbuf_t text = {0};
	int count = 0;

	(void)state;
	assert_int_equal(read_file(CASES "/disposition.txt", &text), 0);
	for(char *line = strtok(text.p, "\n"); line; line = strtok(NULL, "\n")) {
		char *bar = strrchr(line, '|');
		unsigned mask;
		int rc;
		if(line[0] == '#' || !bar)
			continue;
		*bar = '\0';
		rc = im_imdn_disposition_parse(line, strlen(line), &mask);
		if(strcmp(bar + 1, "error") == 0) {
			if(rc != -1)
				fail_msg("'%s' parsed, want error", line);
		} else if(rc != 0 || mask != strtoul(bar + 1, NULL, 16))
			fail_msg("'%s': rc %d mask %x, want %s", line, rc, mask, bar + 1);
		count++;
	}
	free(text.p);
	assert_true(count >= 8);
}

/* what the server writes itself must be complete and consistent */
static void writer_refuses_inconsistent_input(void **state)
{
	im_imdn_t m = {"34jk324j", "2008-04-04T12:16:49-05:00", NULL, NULL, NULL,
			IM_IMDN_DISPLAY, IM_IMDN_DELIVERED};
	char err[IM_IMDN_ERR_LEN], *out = NULL;
	size_t len;

	(void)state;
	assert_int_equal(im_imdn_write(&m, &out, &len, err, sizeof(err)), -1);
	assert_string_equal(err, "status does not fit the notification");
	m.kind = IM_IMDN_DELIVERY;
	m.message_id = "";
	assert_int_equal(im_imdn_write(&m, &out, &len, err, sizeof(err)), -1);
	assert_string_equal(err, "imdn without message-id or datetime");
	m.message_id = "34jk324j";
	m.subject = "bad\r\nsubject";
	assert_int_equal(im_imdn_write(&m, &out, &len, err, sizeof(err)), -1);
	assert_string_equal(err, "<subject> with a control character or bad UTF-8");
	assert_null(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test(golden_cases),
			cmocka_unit_test(disposition_values),
			cmocka_unit_test(disposition_with_a_nul),
			cmocka_unit_test(writer_refuses_inconsistent_input),
	};
	return cmocka_run_group_tests_name("im_imdn", tests, NULL, NULL);
}
