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
