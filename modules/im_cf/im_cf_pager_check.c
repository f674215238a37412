#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "im_cf_pager_check.h"

static int refuse(imcf_verdict_t *v, int code, int warn)
{
	imcf_verdict_of(code, warn, v);
	return -1;
}

int imcf_check_pager(const imcf_pager_req_t *r, const imcf_pager_limits_t *l,
		imcf_verdict_t *v)
{
	imcf_verdict_of(0, 0, v);
	/* step 1: a URI list we do not serve as asked */
	if(!l->enabled || !r->service_asked)
		return refuse(v, 420, 122);
	if(r->unknown_required)
		return refuse(v, 420, 0);
	if(l->max_size && r->payload_len > l->max_size)
		return refuse(v, 413, 0);
	if(r->list == IMCF_LIST_TOO_MANY)
		return refuse(v, 486, 102);
	if(r->list != IMCF_LIST_OK || r->n_entries <= 0)
		return refuse(v, 400, 0);
	/* steps 4 and 8 are one check (D-36) */
	if(l->max_participants > 0 && r->n_entries + 1 > l->max_participants)
		return refuse(v, 486, 102);
	if(!r->authorised)
		return refuse(v, 403, 127);
	if(r->anonymous && !l->allow_anonymity)
		return refuse(v, 403, 119);
	if(!r->has_payload)
		return refuse(v, 415, 0);
	return 0;
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

int imcf_cpim_imdn(const char *body, size_t len, imcf_cpim_imdn_t *out)
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
		}
		p = eol + 1;
	}
	return -1;
}
