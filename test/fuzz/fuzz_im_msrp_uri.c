#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "im_msrp_uri.h"

static int inside(im_span_t s, const char *p, size_t n)
{
	return s.len == 0 || (s.p >= p && s.p + s.len <= p + n);
}

static int span_same(im_span_t a, im_span_t b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

typedef struct out {
	char text[4096];
	size_t len;
} out_t;

/* Appends n bytes (userinfo may hold any byte, NUL too). */
static void put(out_t *o, const char *s, size_t n)
{
	if(n > sizeof(o->text) - o->len)
		n = sizeof(o->text) - o->len;
	if(n)
		memcpy(o->text + o->len, s, n);
	o->len += n;
}

static void put_str(out_t *o, const char *s)
{
	put(o, s, strlen(s));
}

/* A parsed URI written out again parses to the same fields. */
static void check_uri(const char *p, size_t n, const im_msrp_uri_t *u)
{
	static out_t o;
	char port[16];
	im_msrp_uri_t back;

	if(!inside(u->user, p, n) || !inside(u->host, p, n) || u->host.len == 0
			|| !inside(u->session_id, p, n) || !inside(u->transport, p, n)
			|| u->transport.len == 0 || !inside(u->params, p, n)
			|| u->port == 0 || u->port > 65535)
		abort();
	o.len = 0;
	put_str(&o, u->secure ? "msrps://" : "msrp://");
	put(&o, u->user.p, u->user.len);
	put_str(&o, u->user.len ? "@" : "");
	put_str(&o, u->ipv6 ? "[" : "");
	put(&o, u->host.p, u->host.len);
	snprintf(port, sizeof(port), "%s:%u", u->ipv6 ? "]" : "", u->port);
	put_str(&o, port);
	put_str(&o, u->session_id.len ? "/" : "");
	put(&o, u->session_id.p, u->session_id.len);
	put_str(&o, ";");
	put(&o, u->transport.p, u->transport.len);
	put_str(&o, u->params.len ? ";" : "");
	put(&o, u->params.p, u->params.len);
	if(o.len >= sizeof(o.text))
		return; /* cut short: not the same URI */
	if(im_msrp_uri_parse(o.text, o.len, &back) < 0
			|| !im_msrp_uri_equal(u, &back) || !span_same(u->user, back.user)
			|| !span_same(u->params, back.params) || u->ipv6 != back.ipv6)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	im_msrp_uri_t u, path[8];
	im_msrp_path_iter_t it;
	im_span_t v = {p, size}, first, last;
	int count, r;

	if(im_msrp_uri_parse(p, size, &u) == 0) {
		check_uri(p, size, &u);
		if(!im_msrp_uri_equal(&u, &u))
			abort();
	}
	/* what the relay reads of a path: its ends agree with the full parse */
	count = im_msrp_path_parse(p, size, path, 8);
	if(count > 0) {
		im_msrp_path_ends(v, &first, &last);
		if(im_msrp_uri_parse(first.p, first.len, &u) < 0
				|| !im_msrp_uri_equal(&u, &path[0])
				|| im_msrp_uri_parse(last.p, last.len, &u) < 0
				|| !im_msrp_uri_equal(&u, &path[count - 1]))
			abort();
	}
	/* an SP-separated path is also one the SDP reading takes */
	im_msrp_path_init(&it, p, size, IM_MSRP_PATH_BLANKS);
	for(int i = 0; (r = im_msrp_path_next(&it, &u)) == 1; i++) {
		check_uri(p, size, &u);
		if(i < count && !im_msrp_uri_equal(&u, &path[i]))
			abort();
	}
	if(count > 0 && r < 0)
		abort();
	return 0;
}
