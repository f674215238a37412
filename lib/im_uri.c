#include "im_uri.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

im_span_t im_nameaddr_uri(im_span_t v)
{
	const char *lt = memchr(v.p, '<', v.len);
	im_span_t out = v;

	if(lt) {
		const char *gt = memchr(lt, '>', v.len - (size_t)(lt - v.p));
		if(gt) {
			out.p = lt + 1;
			out.len = (size_t)(gt - lt - 1);
			return out;
		}
	}
	while(out.len && isspace((unsigned char)out.p[0])) {
		out.p++;
		out.len--;
	}
	while(out.len && isspace((unsigned char)out.p[out.len - 1]))
		out.len--;
	return out;
}

typedef struct uri_parts {
	im_span_t scheme, user, hostport;
} uri_parts_t;

static int split(im_span_t u, uri_parts_t *parts)
{
	const char *colon = memchr(u.p, ':', u.len);
	const char *rest, *end, *at;

	if(!colon || colon == u.p)
		return -1;
	parts->scheme.p = u.p;
	parts->scheme.len = (size_t)(colon - u.p);
	rest = colon + 1;
	end = u.p + u.len;
	/* parameters (;...) and headers (?...) end the host part; a ';' in
	 * the user part (sip:alice;x@h) comes before the '@' */
	at = memchr(rest, '@', (size_t)(end - rest));
	if(at) {
		parts->user.p = rest;
		parts->user.len = (size_t)(at - rest);
		rest = at + 1;
	} else {
		parts->user.p = rest;
		parts->user.len = 0;
	}
	parts->hostport.p = rest;
	while(rest < end && *rest != ';' && *rest != '?')
		rest++;
	parts->hostport.len = (size_t)(rest - parts->hostport.p);
	return parts->hostport.len ? 0 : -1;
}

int im_uri_same(im_span_t a, im_span_t b)
{
	uri_parts_t pa, pb;

	if(split(a, &pa) < 0 || split(b, &pb) < 0)
		return 0;
	return pa.scheme.len == pb.scheme.len
		   && strncasecmp(pa.scheme.p, pb.scheme.p, pa.scheme.len) == 0
		   && pa.user.len == pb.user.len
		   && memcmp(pa.user.p, pb.user.p, pa.user.len) == 0
		   && pa.hostport.len == pb.hostport.len
		   && strncasecmp(pa.hostport.p, pb.hostport.p, pa.hostport.len) == 0;
}

int im_has_oma_im_token(const char *s)
{
	for(const char *p = s; (p = strcasestr(p, "IM-")) != NULL; p++) {
		const char *q = p + 3;
		if(p > s && !isspace((unsigned char)p[-1]) && p[-1] != ',')
			continue; /* inside another token */
		while(*q && *q != '/' && !isspace((unsigned char)*q))
			q++;
		if(q == p + 3)
			continue;
		while(isspace((unsigned char)*q))
			q++;
		if(*q != '/')
			continue;
		q++;
		while(isspace((unsigned char)*q))
			q++;
		if(strncasecmp(q, "OMA1.0", 6) == 0)
			return 1;
	}
	return 0;
}
