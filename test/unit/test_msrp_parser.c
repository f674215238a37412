/*
 * MSRP parser golden cases (the files in msrp_cases/): every case is parsed whole,
 * byte by byte and at random split points, each time from a buffer that
 * ends at a guard page, and must give the same dump as its "expect:"
 * section.
 *
 * Case file format: "input:" then lines that each end with CRLF unless
 * they end with \c; escapes \r \n \xHH \\. "expect:" then the dump:
 *   frame <METHOD|status> <tid>[ <comment>]
 *   h <name>: <value>
 *   body <escaped bytes>
 *   end <flag>
 *   error <part of the reason>
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
#include <sys/mman.h>
#include <unistd.h>

#include "msrp_parser.h"
#include "test_buf.h"

static void sb_escaped(strbuf_t *b, const char *d, size_t n)
{
	char tmp[8];
	for(size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)d[i];
		if(c == '\r')
			sb_str(b, "\\r");
		else if(c == '\n')
			sb_str(b, "\\n");
		else if(c == '\\')
			sb_str(b, "\\\\");
		else if(c < 0x20 || c >= 0x7f) {
			snprintf(tmp, sizeof(tmp), "\\x%02x", c);
			sb_str(b, tmp);
		} else
			sb_add(b, (const char *)&c, 1);
	}
}

/* decodes one input line of a case file */
static void decode_line(strbuf_t *out, const char *line)
{
	size_t n = strlen(line);
	int crlf = 1;

	if(n >= 2 && strcmp(line + n - 2, "\\c") == 0) {
		crlf = 0;
		n -= 2;
	}
	for(size_t i = 0; i < n; i++) {
		char c = line[i];
		if(c == '\\' && i + 1 < n) {
			char e = line[++i];
			if(e == 'r')
				c = '\r';
			else if(e == 'n')
				c = '\n';
			else if(e == '\\')
				c = '\\';
			else if(e == 'x' && i + 2 < n + 1) {
				char hex[3] = {line[i + 1], line[i + 2], 0};
				c = (char)strtol(hex, NULL, 16);
				i += 2;
			}
		}
		sb_add(out, &c, 1);
	}
	if(crlf)
		sb_add(out, "\r\n", 2);
}

typedef struct golden {
	char name[256];
	strbuf_t input;
	strbuf_t expect;
} golden_t;

static int load_case(const char *path, golden_t *g)
{
	FILE *fp = fopen(path, "r");
	char line[8192];
	int section = 0;

	memset(g, 0, sizeof(*g));
	snprintf(g->name, sizeof(g->name), "%s", path);
	if(!fp)
		return -1;
	sb_str(&g->input, "");
	sb_str(&g->expect, "");
	while(fgets(line, sizeof(line), fp)) {
		line[strcspn(line, "\n")] = '\0';
		if(section != 1 && line[0] == '#')
			continue;
		if(strcmp(line, "input:") == 0) {
			section = 1;
			continue;
		}
		if(strcmp(line, "expect:") == 0) {
			section = 2;
			continue;
		}
		if(section == 1) {
			decode_line(&g->input, line);
		} else if(section == 2) {
			sb_str(&g->expect, line);
			sb_str(&g->expect, "\n");
		}
	}
	fclose(fp);
	return 0;
}

/* A copy of data whose last byte sits just before an inaccessible page. */
static char *guarded_copy(const char *data, size_t n, void **map, size_t *maplen)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t span = (n + page - 1) / page * page + page;
	char *base = mmap(NULL, span, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(base != MAP_FAILED);
	assert_int_equal(mprotect(base + span - page, page, PROT_NONE), 0);
	*map = base;
	*maplen = span;
	memcpy(base + span - page - n, data, n);
	return base + span - page - n;
}

static const msrp_limits_t limits = {.max_head = 16384, .max_line = 4096};

/* Feeds the input as it grows by the given steps; returns the dump. */
static char *run(const char *data, size_t n, const size_t *steps, size_t nsteps)
{
	strbuf_t dump = {0}, body = {0};
	size_t avail = 0, pos = 0, si = 0;
	int in_body = 0;
	msrp_frame_t f;
	char tmp[64];
	void *map;
	size_t maplen;
	char *buf = guarded_copy(data, n, &map, &maplen);

	sb_str(&dump, "");
	while(pos < n) {
		int progressed = 0;
		for(;;) {
			const char *err;
			if(!in_body) {
				int r = msrp_parse_head(buf + pos, avail - pos, &limits, &f, &err);
				if(r == MSRP_ERROR) {
					sb_str(&dump, "error ");
					sb_str(&dump, err);
					sb_str(&dump, "\n");
					goto done;
				}
				if(r == MSRP_NEED_MORE)
					break;
				if(f.method == MSRP_RESPONSE) {
					snprintf(tmp, sizeof(tmp), "frame %d ", f.status);
					sb_str(&dump, tmp);
				} else {
					sb_str(&dump, "frame ");
					sb_add(&dump, f.method_name.p, f.method_name.len);
					sb_str(&dump, " ");
				}
				sb_add(&dump, f.tid.p, f.tid.len);
				if(f.comment.len) {
					sb_str(&dump, " ");
					sb_add(&dump, f.comment.p, f.comment.len);
				}
				sb_str(&dump, "\n");
				for(int i = 0; i < f.nheaders; i++) {
					sb_str(&dump, "h ");
					sb_add(&dump, f.headers[i].name.p, f.headers[i].name.len);
					sb_str(&dump, ": ");
					sb_add(&dump, f.headers[i].value.p, f.headers[i].value.len);
					sb_str(&dump, "\n");
				}
				pos += (size_t)r;
				progressed = 1;
				if(f.has_body) {
					in_body = 1;
					body.len = 0;
				} else {
					snprintf(tmp, sizeof(tmp), "end %c\n", f.flag);
					sb_str(&dump, tmp);
				}
			} else {
				size_t blen, used;
				char flag;
				int found = msrp_body_scan(
						f.tid, buf + pos, avail - pos, &blen, &used, &flag);
				assert_true(used >= blen);
				assert_true(found || avail - pos - used < MSRP_END_LINE_MAX);
				sb_add(&body, buf + pos, blen);
				pos += used;
				if(used)
					progressed = 1;
				if(!found)
					break;
				sb_str(&dump, "body ");
				sb_escaped(&dump, body.p ? body.p : "", body.len);
				snprintf(tmp, sizeof(tmp), "\nend %c\n", flag);
				sb_str(&dump, tmp);
				in_body = 0;
			}
			if(pos == avail)
				break;
		}
		(void)progressed;
		if(avail == n)
			break;
		avail += nsteps ? steps[si++ % nsteps] : n;
		if(avail > n)
			avail = n;
	}
	if(in_body || pos < n)
		sb_str(&dump, "incomplete\n");
done:
	munmap(map, maplen);
	free(body.p);
	return dump.p;
}

/* Equal dumps, except that an expected "error X" line only needs X to be
 * part of the reason. */
static int dump_matches(const char *got, const char *want)
{
	while(*want) {
		const char *wl = strchr(want, '\n'), *gl = strchr(got, '\n');
		size_t wn = wl ? (size_t)(wl - want) : strlen(want);
		size_t gn = gl ? (size_t)(gl - got) : strlen(got);
		if(wn > 6 && strncmp(want, "error ", 6) == 0) {
			char part[256];
			snprintf(part, sizeof(part), "%.*s", (int)(wn - 6), want + 6);
			if(gn < 6 || strncmp(got, "error ", 6) != 0
					|| !memmem(got + 6, gn - 6, part, strlen(part)))
				return 0;
		} else if(wn != gn || strncmp(want, got, wn) != 0) {
			return 0;
		}
		want += wn + (wl ? 1 : 0);
		got += gn + (gl ? 1 : 0);
	}
	return *got == '\0';
}

static void check_case(const golden_t *g)
{
	size_t one = 1;
	size_t steps[64];
	char *whole = run(g->input.p, g->input.len, NULL, 0);
	if(!dump_matches(whole, g->expect.p))
		fail_msg("%s whole:\n--- got\n%s--- want\n%s", g->name, whole, g->expect.p);
	char *bytes = run(g->input.p, g->input.len, &one, 1);
	if(strcmp(bytes, whole) != 0)
		fail_msg("%s byte by byte:\n%s", g->name, bytes);
	for(unsigned seed = 1; seed <= 20; seed++) {
		srand(seed);
		for(int i = 0; i < 64; i++)
			steps[i] = 1 + (size_t)(rand() % 97);
		char *split = run(g->input.p, g->input.len, steps, 64);
		if(strcmp(split, whole) != 0)
			fail_msg("%s split seed %u:\n%s", g->name, seed, split);
		free(split);
	}
	free(whole);
	free(bytes);
}

static void golden_cases(void **state)
{
	DIR *d = opendir("msrp_cases");
	struct dirent *e;
	int count = 0;
	(void)state;
	assert_non_null(d);
	while((e = readdir(d)) != NULL) {
		golden_t g;
		char path[512];
		if(!strstr(e->d_name, ".txt"))
			continue;
		snprintf(path, sizeof(path), "msrp_cases/%s", e->d_name);
		assert_int_equal(load_case(path, &g), 0);
		assert_true(g.expect.len > 0);
		check_case(&g);
		free(g.input.p);
		free(g.expect.p);
		count++;
	}
	closedir(d);
	assert_true(count >= 10);
}

static void limits_are_errors_not_buffering(void **state)
{
	char big[20000];
	msrp_frame_t f;
	const char *err;
	(void)state;

	/* a start line longer than max_line, even without its CRLF yet */
	memset(big, 'A', sizeof(big));
	memcpy(big, "MSRP abcd ", 10);
	assert_int_equal(msrp_parse_head(big, 5000, &limits, &f, &err), MSRP_ERROR);
	assert_string_equal(err, "line too long");
	/* many short header lines past max_head */
	size_t n = (size_t)snprintf(big, sizeof(big), "MSRP abcd SEND\r\n");
	while(n + 20 < sizeof(big))
		n += (size_t)snprintf(big + n, sizeof(big) - n, "X-H: 0123456789\r\n");
	assert_int_equal(msrp_parse_head(big, n, &limits, &f, &err), MSRP_ERROR);
	assert_true(strcmp(err, "header block too long") == 0
				|| strcmp(err, "too many headers") == 0);
}

static void body_scan_holds_back_only_an_end_line_prefix(void **state)
{
	msrp_span_t tid = {"abcd", 4};
	size_t blen, used;
	char flag;
	(void)state;
	assert_int_equal(msrp_body_scan(tid, "hello\r\n-----", 12, &blen, &used, &flag), 0);
	assert_int_equal(blen, 5);
	assert_int_equal(used, 5);
	assert_int_equal(msrp_body_scan(tid, "hello\r\n-x", 9, &blen, &used, &flag), 0);
	assert_int_equal(blen, 9);
	assert_int_equal(msrp_body_scan(tid, "\r\n-------abcd$\r\n", 16, &blen, &used, &flag), 1);
	assert_int_equal(blen, 0);
	assert_int_equal(used, 16);
	assert_int_equal(flag, '$');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test(golden_cases),
			cmocka_unit_test(limits_are_errors_not_buffering),
			cmocka_unit_test(body_scan_holds_back_only_an_end_line_prefix),
	};
	return cmocka_run_group_tests_name("msrp_parser", tests, NULL, NULL);
}
