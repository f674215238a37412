/*
 * lib/im_msrp_uri.c against the golden cases of msrp_uri_cases.txt (the
 * format is described at the top of that file). Every input is parsed
 * from a heap copy of exactly its length, so that a read past the end is
 * an ASan report.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "im_msrp_uri.h"
#include "test_buf.h"

#define CASES "msrp_uri_cases.txt"
/* the relay's bound (MSRP_PATH_MAX), which the 9-URI case exceeds */
#define PATH_MAX_URIS 8

/* The input text with \t, \xHH and \\ decoded. */
static void decode(strbuf_t *out, const char *s, size_t n)
{
	for(size_t i = 0; i < n; i++) {
		char c = s[i];
		if(c == '\\' && i + 1 < n) {
			char e = s[++i];
			if(e == 't')
				c = '\t';
			else if(e == 'x' && i + 2 < n) {
				c = (char)(im_hex_value(s[i + 1]) * 16 + im_hex_value(s[i + 2]));
				i += 2;
			} else
				c = e;
		}
		sb_add(out, &c, 1);
	}
}

static void sb_span(strbuf_t *b, const char *key, im_span_t s)
{
	sb_str(b, key);
	if(s.len) /* an empty field has no pointer */
		sb_add(b, s.p, s.len);
}

/* An IPv6 host in brackets, as in the URI. */
static void sb_host(strbuf_t *b, const im_msrp_uri_t *u)
{
	sb_str(b, u->ipv6 ? "[" : "");
	sb_add(b, u->host.p, u->host.len);
	sb_str(b, u->ipv6 ? "]" : "");
}

static void sb_port(strbuf_t *b, const char *key, unsigned port)
{
	char num[16];

	snprintf(num, sizeof(num), "%u", port);
	sb_str(b, key);
	sb_str(b, num);
}

static void uri_result(strbuf_t *got, const char *p, size_t n)
{
	im_msrp_uri_t u;

	if(im_msrp_uri_parse(p, n, &u) < 0) {
		sb_str(got, "invalid");
		return;
	}
	sb_str(got, u.secure ? "msrps" : "msrp");
	sb_span(got, " user=", u.user);
	sb_str(got, " host=");
	sb_host(got, &u);
	sb_port(got, " port=", u.port);
	sb_span(got, " sid=", u.session_id);
	sb_span(got, " transport=", u.transport);
	sb_span(got, " params=", u.params);
}

static void path_result(
		strbuf_t *got, const char *p, size_t n, im_msrp_path_sep_t sep)
{
	im_msrp_uri_t u[PATH_MAX_URIS + 1];
	im_msrp_path_iter_t it;
	int count = 0, r;

	if(sep == IM_MSRP_PATH_SP) {
		count = im_msrp_path_parse(p, n, u, PATH_MAX_URIS);
		r = count < 0 ? -1 : 0;
	} else {
		im_msrp_path_init(&it, p, n, sep);
		while(count <= PATH_MAX_URIS
				&& (r = im_msrp_path_next(&it, &u[count])) == 1)
			count++;
	}
	if(r < 0 || count <= 0 || count > PATH_MAX_URIS) {
		sb_str(got, "invalid");
		return;
	}
	for(int i = 0; i < count; i++) {
		sb_str(got, i ? " " : "");
		sb_host(got, &u[i]);
		sb_port(got, ":", u[i].port);
	}
}

static void ends_result(strbuf_t *got, const char *p, size_t n)
{
	im_span_t v = {p, n}, first, last;

	im_msrp_path_ends(v, &first, &last);
	sb_add(got, first.p, first.len);
	sb_str(got, "|");
	sb_add(got, last.p, last.len);
}

static void equal_result(strbuf_t *got, const char *p, size_t n)
{
	const char *sep = memmem(p, n, " == ", 4);
	im_msrp_uri_t a, b;

	assert_non_null(sep);
	assert_int_equal(im_msrp_uri_parse(p, (size_t)(sep - p), &a), 0);
	assert_int_equal(
			im_msrp_uri_parse(sep + 4, (size_t)(p + n - sep - 4), &b), 0);
	/* the relation is symmetric whichever side the peer's URI is on */
	assert_int_equal(im_msrp_uri_equal(&a, &b), im_msrp_uri_equal(&b, &a));
	sb_str(got, im_msrp_uri_equal(&a, &b) ? "yes" : "no");
}

/* What the case's kind gives for input, as the file writes it. */
static void result(strbuf_t *got, const char *kind, const char *p, size_t n)
{
	if(strcmp(kind, "uri") == 0)
		uri_result(got, p, n);
	else if(strcmp(kind, "path") == 0)
		path_result(got, p, n, IM_MSRP_PATH_SP);
	else if(strcmp(kind, "blanks") == 0)
		path_result(got, p, n, IM_MSRP_PATH_BLANKS);
	else if(strcmp(kind, "ends") == 0)
		ends_result(got, p, n);
	else if(strcmp(kind, "equal") == 0)
		equal_result(got, p, n);
	else
		fail_msg("unknown case kind '%s'", kind);
}

/* The last " => " of line: input before it, expected after it. */
static const char *last_arrow(const char *line)
{
	const char *a = NULL, *s = line;

	while((s = strstr(s, " => ")) != NULL)
		a = s++;
	return a;
}

static void golden_cases(void **state)
{
	FILE *fp = fopen(CASES, "r");
	char line[4096];
	int lineno = 0, count = 0;

	(void)state;
	assert_non_null(fp);
	while(fgets(line, sizeof(line), fp)) {
		strbuf_t input = {0}, got = {0};
		const char *arrow, *space;
		char kind[16], *copy;

		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if(line[0] == '#' || line[0] == '\0')
			continue;
		space = strchr(line, ' ');
		arrow = last_arrow(line);
		if(!space || !arrow || arrow < space
				|| (size_t)(space - line) >= sizeof(kind))
			fail_msg(CASES ":%d: malformed case", lineno);
		memcpy(kind, line, (size_t)(space - line));
		kind[space - line] = '\0';
		decode(&input, space + 1, (size_t)(arrow - space - 1));
		sb_str(&input, "");
		copy = malloc(input.len ? input.len : 1);
		memcpy(copy, input.p, input.len);
		result(&got, kind, copy, input.len);
		sb_str(&got, "");
		if(strcmp(got.p, arrow + 4) != 0)
			fail_msg(CASES ":%d: %s\n  expected %s\n  got      %s", lineno,
					kind, arrow + 4, got.p);
		free(copy);
		free(input.p);
		free(got.p);
		count++;
	}
	fclose(fp);
	assert_true(count >= 50);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test(golden_cases),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
