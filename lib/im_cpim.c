#include "im_cpim.h"

#include <strings.h>
#include <string.h>

#define FINAL_REPORT_URN "<urn:oma:xml:poc:final-report>"
#define FINAL_REPORT_HDR ".Final-Report"

/* "NS: <prefix> <urn>" naming the final-report namespace: its prefix. */
static im_span_t final_report_prefix(const char *v, size_t len)
{
	im_span_t none = {NULL, 0}, pfx;
	const char *sp = memchr(v, ' ', len);
	size_t ulen = sizeof(FINAL_REPORT_URN) - 1;

	if(!sp || sp == v)
		return none;
	pfx.p = v;
	pfx.len = (size_t)(sp - v);
	while(sp < v + len && *sp == ' ')
		sp++;
	if((size_t)(v + len - sp) != ulen || memcmp(sp, FINAL_REPORT_URN, ulen))
		return none;
	return pfx;
}

/* "<prefix>.Final-Report: yes" */
static int asks_final_report(im_span_t pfx, const char *name, size_t name_len,
		const char *v, size_t vlen)
{
	size_t hl = sizeof(FINAL_REPORT_HDR) - 1;

	return pfx.p && name_len == pfx.len + hl
		   && memcmp(name, pfx.p, pfx.len) == 0
		   && memcmp(name + pfx.len, FINAL_REPORT_HDR, hl) == 0 && vlen == 3
		   && strncasecmp(v, "yes", 3) == 0;
}

int im_cpim_parse_head(const char *p, size_t n, im_cpim_head_t *h)
{
	size_t pos = 0;
	im_span_t fr_prefix = {NULL, 0};

	memset(h, 0, sizeof(*h));
	for(;;) {
		const char *eol = pos < n ? memchr(p + pos, '\n', n - pos) : NULL;
		size_t len, name_len, v;
		const char *colon;

		if(!eol)
			return 0;
		len = (size_t)(eol - (p + pos));
		if(len == 0 || p[pos + len - 1] != '\r')
			return -1; /* lines end with CRLF */
		len--;
		if(len == 0) {
			h->head_len = (size_t)(eol - p) + 1;
			return h->from.p ? 1 : -1;
		}
		colon = memchr(p + pos, ':', len);
		if(!colon || colon == p + pos)
			return -1;
		name_len = (size_t)(colon - (p + pos));
		v = name_len + 1;
		while(v < len && (p[pos + v] == ' ' || p[pos + v] == '\t'))
			v++;
		if(name_len == 4 && memcmp(p + pos, "From", 4) == 0) {
			if(h->from.p)
				return -1;
			h->from.p = p + pos + v;
			h->from.len = len - v;
		} else if(name_len == 2 && memcmp(p + pos, "To", 2) == 0) {
			if(h->nto == IM_CPIM_MAX_TO)
				return -1;
			h->to[h->nto].p = p + pos + v;
			h->to[h->nto].len = len - v;
			h->nto++;
		} else if(name_len == 2 && memcmp(p + pos, "NS", 2) == 0) {
			im_span_t pfx = final_report_prefix(p + pos + v, len - v);
			if(pfx.p)
				fr_prefix = pfx;
		} else if(asks_final_report(fr_prefix, p + pos, name_len,
						  p + pos + v, len - v)) {
			h->final_report = 1;
		}
		pos = (size_t)(eol - p) + 1;
	}
}

static void take(char *dst, size_t dstlen, const char *v, size_t n)
{
	while(n && (*v == ' ' || *v == '\t')) {
		v++;
		n--;
	}
	while(n && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r'))
		n--;
	if(n >= dstlen)
		n = dstlen - 1;
	memcpy(dst, v, n);
	dst[n] = '\0';
}

/* name is "<prefix>.<want>" or "<want>" */
static int named(const char *name, size_t n, const char *want)
{
	size_t w = strlen(want);

	if(n < w || strncasecmp(name + n - w, want, w) != 0)
		return 0;
	return n == w || name[n - w - 1] == '.';
}

int im_cpim_imdn(const char *body, size_t len, im_cpim_imdn_t *out)
{
	const char *p = body, *end = body + len;

	memset(out, 0, sizeof(*out));
	while(p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *colon;
		size_t n;

		if(!eol)
			return -1;
		n = (size_t)(eol - p);
		if(n && p[n - 1] == '\r')
			n--;
		if(n == 0)
			return 0; /* the blank line ending the message headers */
		colon = memchr(p, ':', n);
		if(colon) {
			size_t nl = (size_t)(colon - p), vl = n - nl - 1;

			if(named(p, nl, "Message-ID"))
				take(out->message_id, sizeof(out->message_id), colon + 1, vl);
			else if(named(p, nl, "DateTime") && nl == 8)
				take(out->datetime, sizeof(out->datetime), colon + 1, vl);
			else if(named(p, nl, "Disposition-Notification"))
				take(out->disposition, sizeof(out->disposition), colon + 1,
						vl);
			else if(nl == 4 && strncasecmp(p, "From", 4) == 0)
				take(out->from, sizeof(out->from), colon + 1, vl);
			else if(nl == 2 && strncasecmp(p, "To", 2) == 0 && !out->to[0])
				take(out->to, sizeof(out->to), colon + 1, vl);
		}
		p = eol + 1;
	}
	return -1;
}
