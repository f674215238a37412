#include <string.h>
#include <strings.h>

#include "im_sdp.h"

#include "im_cf_accept.h"

static int token_is(const char *t, size_t n, const char *want)
{
	return n == strlen(want) && strncasecmp(t, want, n) == 0;
}

/* The next space- or tab-separated word of s[0..len) from *i: 1 with
 * *w, *n, or 0 at the end. */
static int next_word(
		const char *s, size_t len, size_t *i, const char **w, size_t *n)
{
	size_t start;

	while(*i < len && (s[*i] == ' ' || s[*i] == '\t'))
		(*i)++;
	start = *i;
	while(*i < len && s[*i] != ' ' && s[*i] != '\t')
		(*i)++;
	*w = s + start;
	*n = *i - start;
	return *n > 0;
}

/* Whether a word of types is one of the NULL-ended list any. */
static int types_take(const char *types, size_t len, const char *const *any)
{
	size_t i = 0, n;
	const char *t;

	while(next_word(types, len, &i, &t, &n)) {
		for(const char *const *a = any; *a; a++)
			if(token_is(t, n, *a))
				return 1;
	}
	return 0;
}

static const char *const cpim_types[] = {
		"message/cpim", "message/*", "*", NULL};
static const char *const multipart_types[] = {
		"multipart/mixed", "multipart/*", "*", NULL};

int imcf_types_take_cpim(const char *types, size_t len)
{
	return types_take(types, len, cpim_types);
}

int imcf_types_take_multipart(const char *types, size_t len)
{
	return types_take(types, len, multipart_types);
}

/* The accept-types of sdp taken by the list any; bad: what an SDP that
 * does not parse gets. */
static int sdp_takes(
		const char *sdp, size_t len, const char *const *any, int bad)
{
	im_sdp_msrp_t m;
	const char *err = NULL;
	int no_msrp = 0;

	if(im_sdp_parse_msrp(sdp, len, &m, &no_msrp, &err) < 0)
		return bad;
	return types_take(m.accept_types.p, m.accept_types.len, any);
}

int imcf_sdp_takes_multipart(const char *sdp, size_t len)
{
	return sdp_takes(sdp, len, multipart_types, 0);
}

int imcf_sdp_takes_cpim(const char *sdp, size_t len)
{
	/* a body the relay refuses gets the relay's own 488 and reason */
	return sdp_takes(sdp, len, cpim_types, 1);
}

/* The length of a media range without its parameters ("text/plain;x=1"
 * compares as "text/plain"). */
static size_t range_len(const char *r, size_t n)
{
	const char *semi = memchr(r, ';', n);

	return semi ? (size_t)(semi - r) : n;
}

/* 1: media range a includes range b (RFC 4975 section 8.6: "*" any type,
 * "type/ *" any subtype of type); case-insensitive. */
static int range_covers(const char *a, size_t an, const char *b, size_t bn)
{
	const char *slash;

	an = range_len(a, an);
	bn = range_len(b, bn);
	if(an == 1 && a[0] == '*')
		return 1;
	if(an >= 2 && a[an - 2] == '/' && a[an - 1] == '*') {
		slash = memchr(b, '/', bn);
		return slash && (size_t)(slash - b) == an - 2
			   && strncasecmp(a, b, an - 2) == 0;
	}
	return an == bn && strncasecmp(a, b, an) == 0;
}

typedef struct sel_out
{
	char *p;
	size_t len, cap;
	int overflow;
} sel_out_t;

/* Appends word w unless the selection has it already (any case). */
static void add_word(sel_out_t *o, const char *w, size_t n)
{
	size_t i = 0, hn;
	const char *h;

	while(next_word(o->p, o->len, &i, &h, &hn)) {
		if(hn == n && strncasecmp(h, w, n) == 0)
			return;
	}
	if(o->len + (o->len ? 1 : 0) + n + 1 > o->cap) {
		o->overflow = 1;
		return;
	}
	if(o->len)
		o->p[o->len++] = ' ';
	memcpy(o->p + o->len, w, n);
	o->len += n;
	o->p[o->len] = '\0';
}

/* Whether the invitee's word w belongs to its wrapped list: every word
 * of a=accept-wrapped-types, or, without one, of a=accept-types except
 * the wrapper itself. */
static int invitee_wraps(int from_types, const char *w, size_t n)
{
	return !from_types || !token_is(w, n, "message/cpim");
}

int imcf_wrapped_select(const char *offered, size_t olen, const char *wrapped,
		size_t wlen, const char *types, size_t tlen, char *out, size_t cap)
{
	sel_out_t o = {out, 0, cap, 0};
	const char *inv = wrapped, *t, *u;
	size_t ilen = wlen, i = 0, j = 0, tn, un;
	int from_types = 0;

	if(!cap)
		return -1;
	out[0] = '\0';
	if(!next_word(wrapped, wlen, &i, &t, &tn)) {
		inv = types;
		ilen = tlen;
		from_types = 1;
	}
	/* no a=accept-wrapped-types in the offer: the inviter takes anything
	 * inside CPIM, so the invitee's list is the selection */
	if(!next_word(offered, olen, &j, &t, &tn)) {
		offered = "*";
		olen = 1;
	}
	i = 0;
	while(next_word(offered, olen, &i, &t, &tn)) {
		j = 0;
		while(next_word(inv, ilen, &j, &u, &un)) {
			if(!invitee_wraps(from_types, u, un))
				continue;
			/* the narrower of the two; the inviter's spelling when equal */
			if(range_covers(u, un, t, tn))
				add_word(&o, t, tn);
			else if(range_covers(t, tn, u, un))
				add_word(&o, u, un);
		}
	}
	/* Nothing in common: the 200 must not advertise nothing. An empty
	 * attribute breaks RFC 4975's grammar (at least one type), and no
	 * attribute would let the inviter wrap only its accept-types, i.e.
	 * nothing but CPIM inside the CPIM every SEND must be (D-18), so it
	 * could send no message at all. Its own list is the widest answer it
	 * offered to take; a type an invitee cannot take is refused by that
	 * invitee's MSRP response, as in any session. */
	if(!o.len && !o.overflow) {
		i = 0;
		while(next_word(offered, olen, &i, &t, &tn))
			add_word(&o, t, tn);
	}
	return o.overflow ? -1 : (int)o.len;
}

#define WRAPPED_ATTR "a=accept-wrapped-types:"

int imcf_sdp_set_wrapped(const char *sdp, size_t len, const char *types,
		size_t tlen, char *out, size_t cap)
{
	size_t alen = strlen(WRAPPED_ATTR), at = 0, end, n;

	while(at < len) {
		const char *nl = memchr(sdp + at, '\n', len - at);

		end = nl ? (size_t)(nl - sdp) : len;
		if(end - at >= alen && memcmp(sdp + at, WRAPPED_ATTR, alen) == 0)
			break;
		at = nl ? end + 1 : len;
	}
	if(at >= len)
		return -1;
	if(end > at && sdp[end - 1] == '\r')
		end--;
	at += alen;
	n = at + tlen + (len - end);
	if(n + 1 > cap)
		return -1;
	memcpy(out, sdp, at);
	memcpy(out + at, types, tlen);
	memcpy(out + at + tlen, sdp + end, len - end);
	out[n] = '\0';
	return (int)n;
}
