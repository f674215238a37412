#include "msrp_hdr.h"

#include <string.h>
#include <strings.h>

int msrp_span_eq(msrp_span_t s, const char *lit)
{
	size_t n = strlen(lit);
	return s.len == n && memcmp(s.p, lit, n) == 0;
}

static int is_unreserved(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		   || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
		   || c == '~';
}

static int is_host_char(char c)
{
	return is_unreserved(c) || c == '%' || c == '!' || c == '$' || c == '&'
		   || c == '\'' || c == '(' || c == ')' || c == '*' || c == '+'
		   || c == ',' || c == ';' || c == '=';
}

int msrp_uri_parse(const char *p, size_t n, msrp_uri_t *u)
{
	size_t i, start;
	const char *at;

	memset(u, 0, sizeof(*u));
	if(n >= 7 && strncasecmp(p, "msrp://", 7) == 0) {
		i = 7;
	} else if(n >= 8 && strncasecmp(p, "msrps://", 8) == 0) {
		u->secure = 1;
		i = 8;
	} else {
		return -1;
	}
	/* userinfo ends at '@' before the first '/' or ';' */
	at = NULL;
	for(size_t k = i; k < n && p[k] != '/' && p[k] != ';'; k++) {
		if(p[k] == '@') {
			at = p + k;
			break;
		}
	}
	if(at) {
		u->user.p = p + i;
		u->user.len = (size_t)(at - (p + i));
		i = (size_t)(at - p) + 1;
	}
	if(i < n && p[i] == '[') {
		start = ++i;
		while(i < n && p[i] != ']') {
			char c = p[i];
			if(!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')
					   || (c >= 'A' && c <= 'F') || c == ':' || c == '.'))
				return -1;
			i++;
		}
		if(i >= n || i == start)
			return -1;
		u->host.p = p + start;
		u->host.len = i - start;
		u->ipv6 = 1;
		i++;
	} else {
		start = i;
		while(i < n && is_host_char(p[i]) && p[i] != ';')
			i++;
		if(i == start)
			return -1;
		u->host.p = p + start;
		u->host.len = i - start;
	}
	u->port = MSRP_DEFAULT_PORT;
	if(i < n && p[i] == ':') {
		unsigned port = 0;
		start = ++i;
		while(i < n && p[i] >= '0' && p[i] <= '9' && i - start < 6)
			port = port * 10 + (unsigned)(p[i++] - '0');
		if(i == start || port == 0 || port > 65535)
			return -1;
		u->port = port;
	}
	if(i < n && p[i] == '/') {
		start = ++i;
		while(i < n
				&& (is_unreserved(p[i]) || p[i] == '+' || p[i] == '='
						|| p[i] == '/'))
			i++;
		if(i == start)
			return -1;
		u->session_id.p = p + start;
		u->session_id.len = i - start;
	}
	if(i >= n || p[i] != ';')
		return -1; /* the transport is mandatory */
	start = ++i;
	while(i < n
			&& ((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z')
					|| (p[i] >= '0' && p[i] <= '9')))
		i++;
	if(i == start)
		return -1;
	u->transport.p = p + start;
	u->transport.len = i - start;
	/* URI parameters: ";name[=value]" */
	while(i < n) {
		if(p[i] != ';')
			return -1;
		start = ++i;
		while(i < n && p[i] != ';' && p[i] != ' ')
			i++;
		if(i == start)
			return -1;
	}
	return 0;
}

static int span_case_eq(msrp_span_t a, msrp_span_t b)
{
	return a.len == b.len && strncasecmp(a.p, b.p, a.len) == 0;
}

int msrp_uri_equal(const msrp_uri_t *a, const msrp_uri_t *b)
{
	return a->secure == b->secure && a->port == b->port
		   && span_case_eq(a->host, b->host)
		   && a->session_id.len == b->session_id.len
		   && memcmp(a->session_id.p, b->session_id.p, a->session_id.len) == 0
		   && span_case_eq(a->transport, b->transport);
}

int msrp_path_parse(msrp_span_t v, msrp_uri_t *out, int max)
{
	size_t i = 0;
	int count = 0;

	while(i < v.len) {
		size_t start = i;
		while(i < v.len && v.p[i] != ' ')
			i++;
		if(count == max || msrp_uri_parse(v.p + start, i - start, &out[count]) < 0)
			return -1;
		count++;
		if(i < v.len) {
			i++; /* one SP between URIs */
			if(i == v.len)
				return -1;
		}
	}
	return count > 0 ? count : -1;
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
