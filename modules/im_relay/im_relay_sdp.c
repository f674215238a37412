#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/mem/mem.h"

#include "im_relay_leg.h"
#include "im_relay_sdp.h"

typedef struct out_buf {
	char *p;
	size_t len, cap;
	int overflow;
} out_buf_t;

static void put(out_buf_t *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if(o->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if(n < 0 || (size_t)n >= o->cap - o->len)
		o->overflow = 1;
	else
		o->len += (size_t)n;
}

static const char *setup_name(im_sdp_setup_t s)
{
	switch(s) {
		case IM_SETUP_ACTIVE:
			return "active";
		case IM_SETUP_PASSIVE:
			return "passive";
		case IM_SETUP_ACTPASS:
			return "actpass";
		case IM_SETUP_HOLDCONN:
			return "holdconn";
		default:
			return NULL;
	}
}

static int span_is(im_span_t s, const char *v)
{
	return s.len == strlen(v) && memcmp(s.p, v, s.len) == 0;
}

const char *imr_sdp_answer_direction(im_span_t offered)
{
	if(span_is(offered, "sendonly"))
		return "recvonly";
	if(span_is(offered, "recvonly"))
		return "sendonly";
	if(span_is(offered, "inactive"))
		return "inactive";
	return NULL;
}

/* The carried a= lines, written in place (the room was counted in). */
static void put_carried(out_buf_t *o, const imr_sdp_build_t *b)
{
	size_t n;

	if(o->overflow)
		return;
	n = im_sdp_msrp_attrs(b->carry->s, (size_t)b->carry->len, b->carried,
			o->p + o->len, o->cap - o->len - 1);
	if(n >= o->cap - o->len)
		o->overflow = 1;
	else
		o->len += n;
}

static void put_msrp_media(
		out_buf_t *o, const imr_sdp_build_t *b, unsigned port)
{
	const char *setup = setup_name(b->setup);

	put(o, "m=message %u %s *\r\n", port,
			b->sd->tls ? "TCP/TLS/MSRP" : "TCP/MSRP");
	put(o, "a=accept-types:%s\r\n", b->accept_types);
	/* what a message/cpim wrapper may carry: the relay does not look, so
	 * anything, unless the carried lines say what the sender wraps */
	if(!b->carried || !b->carried->accept_wrapped_types.p)
		put(o, "a=accept-wrapped-types:*\r\n");
	if(b->direction)
		put(o, "a=%s\r\n", b->direction);
	if(setup)
		put(o, "a=setup:%s\r\n", setup);
	if(b->cema)
		put(o, "a=msrp-cema\r\n");
	if(b->sd->local_fingerprint[0])
		put(o, "a=fingerprint:%s\r\n", b->sd->local_fingerprint);
	if(b->carry && b->carried)
		put_carried(o, b);
	put(o, "a=path:%s\r\n", b->sd->local_path);
}

/* The offer's m= line at p (len n) refused: its port 0, the rest kept. */
static void put_refused(out_buf_t *o, const char *p, size_t n)
{
	const char *sp1 = memchr(p, ' ', n), *sp2;

	if(!sp1)
		return;
	sp2 = memchr(sp1 + 1, ' ', n - (size_t)(sp1 + 1 - p));
	if(!sp2)
		return;
	put(o, "%.*s 0%.*s\r\n", (int)(sp1 - p), p, (int)(n - (size_t)(sp2 - p)),
			sp2);
}

/* Every m= line of the offer in order: ours where the MSRP media was. */
static void put_answered_media(
		out_buf_t *o, const imr_sdp_build_t *b, unsigned port)
{
	const char *p = b->offer->s, *end = b->offer->s + b->offer->len;
	int index = 0;

	while(p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);

		if(n && p[n - 1] == '\r')
			n--;
		if(n > 2 && p[0] == 'm' && p[1] == '=') {
			if(index == b->offered->media_index)
				put_msrp_media(o, b, port);
			else
				put_refused(o, p, n);
			index++;
		}
		p = nl ? nl + 1 : end;
	}
}

int imr_sdp_build(const imr_sdp_build_t *b, str *out, imr_err_t *e)
{
	char ip[IM_MSRP_MAX_HOST + 1];
	unsigned port;
	int v6;
	out_buf_t o;

	if(im_msrp_path_addr(b->sd->local_path, strlen(b->sd->local_path), ip,
			   sizeof(ip), &port, &v6)
			< 0) {
		imr_fail(e, 500, "bad relay path %s", b->sd->local_path);
		return -1;
	}
	memset(&o, 0, sizeof(o));
	o.cap = 1024 + strlen(b->accept_types) + (b->offer ? b->offer->len : 0)
			+ (b->carry ? b->carry->len : 0);
	o.p = pkg_malloc(o.cap);
	if(!o.p) {
		PKG_MEM_ERROR;
		imr_fail(e, 500, "out of memory", NULL);
		return -1;
	}
	/* c= at the session level: it covers refused m= lines too (RFC 4566
	 * section 5.7) */
	put(&o, "v=0\r\no=- %llu %llu IN %s %s\r\ns=-\r\nc=IN %s %s\r\nt=0 0\r\n",
			b->sd->sess_id, ++b->sd->sess_version, v6 ? "IP6" : "IP4", ip,
			v6 ? "IP6" : "IP4", ip);
	if(b->offer && b->offered)
		put_answered_media(&o, b, port);
	else
		put_msrp_media(&o, b, port);
	if(o.overflow) {
		pkg_free(o.p);
		imr_fail(e, 500, "SDP too long", NULL);
		return -1;
	}
	out->s = o.p;
	out->len = (int)o.len;
	return 0;
}
