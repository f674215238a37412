#include "msrp_parser.h"

#include <string.h>
#include <strings.h>

static const struct {
	const char *name;
	size_t len;
} header_names[MSRP_H_OTHER] = {
#define X(id, name) {name, sizeof(name) - 1},
		MSRP_HEADER_IDS(X)
#undef X
};

static int is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		   || (c >= '0' && c <= '9');
}

static int is_ident_char(char c)
{
	return is_alnum(c) || c == '.' || c == '-' || c == '+' || c == '%'
		   || c == '=';
}

/* RFC 4975 token characters, for header names */
static int is_token_char(char c)
{
	return is_alnum(c) || strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

const char *msrp_method_name(msrp_method_t m)
{
	switch(m) {
		case MSRP_SEND:
			return "SEND";
		case MSRP_REPORT:
			return "REPORT";
		case MSRP_AUTH:
			return "AUTH";
		case MSRP_UNKNOWN_METHOD:
			return "unknown";
		case MSRP_RESPONSE:
			break;
	}
	return "response";
}

/* Finds the next CRLF at or after pos; returns its offset or -1. A bare
 * LF or CR inside a line is an error reported through *bad. */
static long find_crlf(const char *buf, size_t len, size_t pos, int *bad)
{
	const char *cr = memchr(buf + pos, '\r', len - pos);
	const char *lf = memchr(buf + pos, '\n', len - pos);

	if(lf && (!cr || lf < cr)) {
		*bad = 1;
		return -1;
	}
	if(!cr)
		return -1;
	if((size_t)(cr - buf) + 1 >= len)
		return -1; /* need the byte after CR */
	if(cr[1] != '\n') {
		*bad = 1;
		return -1;
	}
	return cr - buf;
}

static int parse_start_line(
		const char *p, size_t n, msrp_frame_t *f, const char **err)
{
	size_t i = 5, start;

	if(n < 5 || memcmp(p, "MSRP ", 5) != 0) {
		*err = "start line does not begin with \"MSRP \"";
		return -1;
	}
	start = i;
	while(i < n && p[i] != ' ')
		i++;
	f->tid.p = p + start;
	f->tid.len = i - start;
	if(f->tid.len < MSRP_TID_MIN || f->tid.len > MSRP_TID_MAX
			|| !is_alnum(f->tid.p[0])) {
		*err = "bad transaction id";
		return -1;
	}
	for(size_t k = 0; k < f->tid.len; k++) {
		if(!is_ident_char(f->tid.p[k])) {
			*err = "bad transaction id";
			return -1;
		}
	}
	if(i >= n) {
		*err = "start line has no method or status";
		return -1;
	}
	i++; /* SP */
	start = i;
	if(i + 3 <= n && p[i] >= '0' && p[i] <= '9') {
		for(int k = 0; k < 3; k++) {
			if(p[i + k] < '0' || p[i + k] > '9') {
				*err = "bad status code";
				return -1;
			}
		}
		f->method = MSRP_RESPONSE;
		f->status = (p[i] - '0') * 100 + (p[i + 1] - '0') * 10 + (p[i + 2] - '0');
		if(f->status < 100) {
			*err = "bad status code";
			return -1;
		}
		i += 3;
		if(i < n) {
			if(p[i] != ' ') {
				*err = "bad status code";
				return -1;
			}
			f->comment.p = p + i + 1;
			f->comment.len = n - i - 1;
		}
		return 0;
	}
	while(i < n && p[i] >= 'A' && p[i] <= 'Z')
		i++;
	if(i == start || i != n) {
		*err = "bad method";
		return -1;
	}
	f->method_name.p = p + start;
	f->method_name.len = i - start;
	if(f->method_name.len == 4 && memcmp(p + start, "SEND", 4) == 0)
		f->method = MSRP_SEND;
	else if(f->method_name.len == 6 && memcmp(p + start, "REPORT", 6) == 0)
		f->method = MSRP_REPORT;
	else if(f->method_name.len == 4 && memcmp(p + start, "AUTH", 4) == 0)
		f->method = MSRP_AUTH;
	else
		f->method = MSRP_UNKNOWN_METHOD;
	return 0;
}

static int is_end_line(const char *p, size_t n, const msrp_frame_t *f)
{
	return n == MSRP_END_DASHES + f->tid.len + 1
		   && memcmp(p, "-------", MSRP_END_DASHES) == 0
		   && memcmp(p + MSRP_END_DASHES, f->tid.p, f->tid.len) == 0
		   && (p[n - 1] == '$' || p[n - 1] == '+' || p[n - 1] == '#');
}

static int parse_header(
		const char *p, size_t n, msrp_frame_t *f, const char **err)
{
	size_t i = 0;
	msrp_header_t *h;

	while(i < n && is_token_char(p[i]))
		i++;
	if(i == 0 || i >= n || p[i] != ':') {
		*err = "bad header line";
		return -1;
	}
	if(f->nheaders == MSRP_MAX_HEADERS) {
		*err = "too many headers";
		return -1;
	}
	h = &f->headers[f->nheaders];
	h->name.p = p;
	h->name.len = i;
	i++;
	while(i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	h->value.p = p + i;
	h->value.len = n - i;
	while(h->value.len
			&& (h->value.p[h->value.len - 1] == ' '
					|| h->value.p[h->value.len - 1] == '\t'))
		h->value.len--;
	h->id = MSRP_H_OTHER;
	for(int k = 0; k < MSRP_H_OTHER; k++) {
		if(header_names[k].len == h->name.len
				&& strncasecmp(header_names[k].name, p, h->name.len) == 0) {
			h->id = (msrp_header_id_t)k;
			break;
		}
	}
	if(h->id != MSRP_H_OTHER) {
		if(f->index[h->id] >= 0) {
			*err = "header repeated";
			return -1;
		}
		f->index[h->id] = f->nheaders;
	}
	f->nheaders++;
	return 0;
}

int msrp_parse_head(const char *buf, size_t len, const msrp_limits_t *lim,
		msrp_frame_t *f, const char **err)
{
	size_t pos = 0;
	int bad = 0, first = 1;
	size_t scan_len = len > lim->max_head ? lim->max_head : len;

	memset(f, 0, sizeof(*f));
	for(int k = 0; k < MSRP_H_OTHER; k++)
		f->index[k] = -1;
	*err = NULL;

	for(;;) {
		long eol = find_crlf(buf, scan_len, pos, &bad);
		size_t n;

		if(bad) {
			*err = "bare CR or LF";
			return MSRP_ERROR;
		}
		if(eol < 0) {
			if(scan_len - pos > lim->max_line) {
				*err = "line too long";
				return MSRP_ERROR;
			}
			if(scan_len == lim->max_head) {
				*err = "header block too long";
				return MSRP_ERROR;
			}
			return MSRP_NEED_MORE;
		}
		n = (size_t)eol - pos;
		if(n > lim->max_line) {
			*err = "line too long";
			return MSRP_ERROR;
		}
		if(first) {
			if(parse_start_line(buf + pos, n, f, err) < 0)
				return MSRP_ERROR;
			first = 0;
		} else if(n == 0) {
			f->has_body = 1;
			return (int)(eol + 2);
		} else if(is_end_line(buf + pos, n, f)) {
			f->flag = buf[pos + n - 1];
			return (int)(eol + 2);
		} else if(parse_header(buf + pos, n, f, err) < 0) {
			return MSRP_ERROR;
		}
		pos = (size_t)eol + 2;
	}
}

const msrp_span_t *msrp_frame_header(const msrp_frame_t *f, msrp_header_id_t id)
{
	if(id >= MSRP_H_OTHER || f->index[id] < 0)
		return NULL;
	return &f->headers[f->index[id]].value;
}

/* How many bytes of the end-line pattern the text at p (n bytes) matches:
 * returns the full length when it is a whole end-line, a shorter count when
 * the text is a proper prefix of one, -1 on a mismatch. */
static long match_end_line(msrp_span_t tid, const char *p, size_t n)
{
	size_t want = 2 + MSRP_END_DASHES + tid.len + 1 + 2;
	size_t k;

	for(k = 0; k < n && k < want; k++) {
		char c = p[k];
		size_t i = k;
		if(i < 2) {
			if(c != (i == 0 ? '\r' : '\n'))
				return -1;
			continue;
		}
		i -= 2;
		if(i < MSRP_END_DASHES) {
			if(c != '-')
				return -1;
			continue;
		}
		i -= MSRP_END_DASHES;
		if(i < tid.len) {
			if(c != tid.p[i])
				return -1;
			continue;
		}
		i -= tid.len;
		if(i == 0) {
			if(c != '$' && c != '+' && c != '#')
				return -1;
		} else if(c != (i == 1 ? '\r' : '\n')) {
			return -1;
		}
	}
	return (long)k;
}

int msrp_body_scan(msrp_span_t tid, const char *buf, size_t len,
		size_t *body_len, size_t *used, char *flag)
{
	size_t want = 2 + MSRP_END_DASHES + tid.len + 1 + 2;
	size_t pos = 0;

	for(;;) {
		const char *cr = pos < len ? memchr(buf + pos, '\r', len - pos) : NULL;
		size_t at;
		long m;

		if(cr == NULL) {
			*body_len = len;
			*used = len;
			return 0;
		}
		at = (size_t)(cr - buf);
		m = match_end_line(tid, cr, len - at);
		if(m == (long)want) {
			*body_len = at;
			*used = at + want;
			*flag = cr[2 + MSRP_END_DASHES + tid.len];
			return 1;
		}
		if(m >= 0 && at + (size_t)m == len) {
			/* the data ends inside what may be the end-line */
			*body_len = at;
			*used = at;
			return 0;
		}
		pos = at + 1;
	}
}
