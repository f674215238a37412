/*
 * Resource lists (lib/im_rlist.c; CF-2, CF-7, PM-1, NNI-16, NNI-17) as
 * golden cases: every xml_cases/rlist/NAME.xml is parsed and its dump
 * must equal NAME.expect; where NAME.history exists, the
 * recipient-list-history written from the parse must equal it byte for
 * byte and parse back. Every case is also parsed at every truncation
 * length from an exactly sized heap copy, so ASan sees a read past the
 * end. NAME.expect may start with "max-entries N" (default 10).
 *
 * Dump: one "entry <target>" block per kept entry, then "duplicates N"
 * and "refs N"; or "error <status> <reason>".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "im_rlist.h"
#include "test_buf.h"
#include "test_files.h"

#define CASES "xml_cases/rlist"

static const char *status_name(im_rlist_status_t st)
{
	switch(st) {
		case IM_RLIST_OK:
			return "ok";
		case IM_RLIST_ERR_SIZE:
			return "size";
		case IM_RLIST_ERR_XML:
			return "xml";
		case IM_RLIST_ERR_DOCTYPE:
			return "doctype";
		case IM_RLIST_ERR_STRUCTURE:
			return "structure";
		case IM_RLIST_ERR_ENTRY:
			return "entry";
		case IM_RLIST_ERR_TOO_MANY:
			return "too-many";
		case IM_RLIST_ERR_EMPTY:
			return "empty";
		case IM_RLIST_ERR_NOMEM:
			return "nomem";
	}
	return "?";
}

static void sb_fmt(strbuf_t *b, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	sb_str(b, line);
}

static char *dump(im_rlist_status_t st, const im_rlist_t *rl, const char *err)
{
	strbuf_t b = {0};

	if(st != IM_RLIST_OK) {
		sb_fmt(&b, "error %s %s\n", status_name(st), err);
		return b.p;
	}
	for(size_t i = 0; i < rl->count; i++) {
		const im_rlist_entry_t *e = &rl->entries[i];
		sb_fmt(&b, "entry %s\n", e->to.target);
		if(strcmp(e->uri, e->to.target) != 0)
			sb_fmt(&b, "  uri %s\n", e->uri);
		if(e->display_name)
			sb_fmt(&b, "  name %s\n", e->display_name);
		sb_fmt(&b, "  copy %s%s\n", im_copy_control_name(e->copy),
				e->anonymize ? " anonymize" : "");
		if(e->to.method)
			sb_fmt(&b, "  method %s\n", e->to.method);
		if(e->to.replaces)
			sb_fmt(&b, "  replaces %s\n", e->to.replaces);
		for(size_t h = 0; h < e->to.n_headers; h++)
			sb_fmt(&b, "  header %s: %s\n", e->to.headers[h].name,
					e->to.headers[h].value);
	}
	sb_fmt(&b, "duplicates %zu\nrefs %zu\n", rl->duplicates, rl->refs);
	return b.p;
}

/* Every prefix parses or fails with a reason; nothing reads past it. */
static void every_cut(const char *doc, size_t len, size_t max_entries)
{
	for(size_t n = 0; n < len; n++) {
		char *copy = malloc(n ? n : 1);
		char err[IM_RLIST_ERR_LEN];
		im_rlist_t rl;
		memcpy(copy, doc, n);
		if(im_rlist_parse(copy, n, max_entries, &rl, err, sizeof(err))
				!= IM_RLIST_OK)
			assert_true(strlen(err) > 0);
		im_rlist_free(&rl);
		free(copy);
	}
}

static void check_history(const char *name, const im_rlist_t *rl)
{
	char path[512], err[IM_RLIST_ERR_LEN];
	strbuf_t want = {0};
	im_rlist_t back;
	char *out;
	size_t len;

	snprintf(path, sizeof(path), CASES "/%s.history", name);
	if(read_file(path, &want) < 0)
		return;
	assert_int_equal(im_rlist_write_history(rl, &out, &len), 0);
	assert_int_equal(len, strlen(out));
	if(strcmp(out, want.p) != 0)
		fail_msg("%s history:\n--- got\n%s--- want\n%s", name, out, want.p);
	/* what went out is a resource list again, without bcc entries */
	assert_int_equal(im_rlist_parse(out, len, 100, &back, err, sizeof(err)),
			IM_RLIST_OK);
	for(size_t i = 0; i < back.count; i++)
		assert_int_not_equal(back.entries[i].copy, IM_COPY_BCC);
	im_rlist_free(&back);
	free(out);
	free(want.p);
}

static void check_case(const char *name)
{
	char path[512], err[IM_RLIST_ERR_LEN];
	strbuf_t doc = {0}, want = {0};
	size_t max_entries = 10;
	const char *expect;
	im_rlist_status_t st;
	im_rlist_t rl;
	char *got;

	snprintf(path, sizeof(path), CASES "/%s.xml", name);
	assert_int_equal(read_file(path, &doc), 0);
	snprintf(path, sizeof(path), CASES "/%s.expect", name);
	assert_int_equal(read_file(path, &want), 0);
	expect = want.p;
	if(sscanf(expect, "max-entries %zu\n", &max_entries) == 1)
		expect = strchr(expect, '\n') + 1;
	st = im_rlist_parse(doc.p, doc.len, max_entries, &rl, err, sizeof(err));
	got = dump(st, &rl, err);
	if(strcmp(got, expect) != 0)
		fail_msg("%s:\n--- got\n%s--- want\n%s", name, got, expect);
	if(st == IM_RLIST_OK)
		check_history(name, &rl);
	im_rlist_free(&rl);
	every_cut(doc.p, doc.len, max_entries);
	free(got);
	free(doc.p);
	free(want.p);
}

static void golden_cases(void **state)
{
	(void)state;
	assert_true(for_each_case(CASES, ".xml", check_case) >= 15);
}

static void oversized_document_is_refused_unread(void **state)
{
	size_t len = IM_RLIST_MAX_DOC + 1;
	char *doc = malloc(len), err[IM_RLIST_ERR_LEN];
	im_rlist_t rl;

	(void)state;
	memset(doc, ' ', len);
	assert_int_equal(im_rlist_parse(doc, len, 10, &rl, err, sizeof(err)),
			IM_RLIST_ERR_SIZE);
	assert_string_equal(err, "xml document larger than 65536 bytes");
	assert_int_equal(rl.count, 0);
	free(doc);
}

/* A long reason is cut to the caller's buffer, not past it. */
static void reason_fits_a_small_buffer(void **state)
{
	static const char doc[] = "<resource-lists xmlns='" IM_RLIST_NS "'/>";
	char err[8];
	im_rlist_t rl;

	(void)state;
	assert_int_equal(im_rlist_parse(doc, sizeof(doc) - 1, 10, &rl, err,
							 sizeof(err)),
			IM_RLIST_ERR_EMPTY);
	assert_string_equal(err, "resourc");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test(golden_cases),
			cmocka_unit_test(oversized_document_is_refused_unread),
			cmocka_unit_test(reason_fits_a_small_buffer),
	};
	return cmocka_run_group_tests_name("im_rlist", tests, NULL, NULL);
}
