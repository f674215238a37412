#include "msrp_hdr.h"

#include <string.h>

int msrp_span_eq(msrp_span_t s, const char *lit)
{
	size_t n = strlen(lit);
	return s.len == n && memcmp(s.p, lit, n) == 0;
}

/* Digits up to MSRP_RANGE_MAX, checked before each step rather than by
 * counting digits, so no value wraps (issue 8). */
static int parse_u64(const char *p, size_t n, uint64_t *v)
{
	uint64_t x = 0;
	if(n == 0)
		return -1;
	for(size_t i = 0; i < n; i++) {
		uint64_t d;
		if(p[i] < '0' || p[i] > '9')
			return -1;
		d = (uint64_t)(p[i] - '0');
		if(x > (MSRP_RANGE_MAX - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	*v = x;
	return 0;
}

static int range_parse(msrp_span_t v, msrp_range_t *r)
{
	const char *dash = memchr(v.p, '-', v.len);
	const char *slash = memchr(v.p, '/', v.len);
	const char *end = v.p + v.len;

	memset(r, 0, sizeof(*r));
	if(!dash || !slash || slash < dash)
		return -1;
	if(parse_u64(v.p, (size_t)(dash - v.p), &r->start) < 0 || r->start == 0)
		return -1;
	if(slash - dash == 2 && dash[1] == '*')
		r->end_unknown = 1;
	else if(parse_u64(dash + 1, (size_t)(slash - dash - 1), &r->end) < 0)
		return -1;
	if(end - slash == 2 && slash[1] == '*')
		r->total_unknown = 1;
	else if(parse_u64(slash + 1, (size_t)(end - slash - 1), &r->total) < 0)
		return -1;
	/* an empty chunk is start-1 (e.g. 1-0/0); start >= 1, so start - 1
	 * never wraps where end + 1 could */
	if(!r->end_unknown && r->end < r->start - 1)
		return -1;
	if(!r->total_unknown && !r->end_unknown && r->end > r->total)
		return -1;
	if(!r->total_unknown && r->start - 1 > r->total)
		return -1;
	return 0;
}

int msrp_range_parse(msrp_span_t v, msrp_range_t *r)
{
	if(range_parse(v, r) == 0)
		return 0;
	/* half a range must not size the body of the refused frame */
	memset(r, 0, sizeof(*r));
	return -1;
}

int msrp_range_len(const msrp_range_t *r, uint64_t *len)
{
	if(r->start == 0)
		return 0;
	if(!r->end_unknown) {
		*len = r->end - (r->start - 1);
		return 1;
	}
	if(!r->total_unknown) {
		*len = r->total - (r->start - 1);
		return 1;
	}
	return 0;
}

int msrp_status_parse(msrp_span_t v, int *code, msrp_span_t *comment)
{
	size_t i;

	if(v.len < 7 || v.p[3] != ' ')
		return -1;
	for(i = 0; i < 3; i++)
		if(v.p[i] < '0' || v.p[i] > '9')
			return -1;
	for(i = 4; i < 7; i++)
		if(v.p[i] < '0' || v.p[i] > '9')
			return -1;
	*code = (v.p[4] - '0') * 100 + (v.p[5] - '0') * 10 + (v.p[6] - '0');
	if(*code < 100)
		return -1;
	comment->p = NULL;
	comment->len = 0;
	if(v.len > 7) {
		if(v.p[7] != ' ')
			return -1;
		comment->p = v.p + 8;
		comment->len = v.len - 8;
	}
	return 0;
}

int msrp_failure_report_parse(const msrp_span_t *v)
{
	if(v == NULL || msrp_span_eq(*v, "yes"))
		return MSRP_REPORT_YES;
	if(msrp_span_eq(*v, "no"))
		return MSRP_REPORT_NO;
	if(msrp_span_eq(*v, "partial"))
		return MSRP_REPORT_PARTIAL;
	return -1;
}

int msrp_success_report_parse(const msrp_span_t *v)
{
	if(v == NULL || msrp_span_eq(*v, "no"))
		return MSRP_REPORT_NO;
	if(msrp_span_eq(*v, "yes"))
		return MSRP_REPORT_YES;
	return -1;
}
