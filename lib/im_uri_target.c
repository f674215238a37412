#include "im_uri_target.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "im_span.h"

/* RFC 3261 token characters: what a method or a header name is made of */
static int is_token_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		   || (c >= '0' && c <= '9')
		   || (c != '\0' && strchr("-.!%*_+`'~", c) != NULL);
}

static int is_token(const char *p, size_t n)
{
	if(n == 0)
		return 0;
	for(size_t i = 0; i < n; i++) {
		if(!is_token_char(p[i]))
			return 0;
	}
	return 1;
}

static int span_is(const char *p, size_t n, const char *lit)
{
	return n == strlen(lit) && strncasecmp(p, lit, n) == 0;
}

/* The percent-decoded copy of p[0..n), NULL (with *bad set) when an
 * escape is broken or decodes to a control character: a header value
 * with CR or LF in it would become a second header line. */
static char *percent_decode(const char *p, size_t n, int *bad)
{
	char *out = malloc(n + 1);
	size_t o = 0;

	*bad = 0;
	if(!out)
		return NULL;
	for(size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if(c == '%') {
			int hi = i + 2 < n ? im_hex_value(p[i + 1]) : -1;
			int lo = i + 2 < n ? im_hex_value(p[i + 2]) : -1;
			if(hi < 0 || lo < 0) {
				*bad = 1;
				break;
			}
			c = (unsigned char)(hi * 16 + lo);
			i += 2;
		}
		if(c < 0x20 || c == 0x7f) {
			*bad = 1;
			break;
		}
		out[o++] = (char)c;
	}
	if(*bad) {
		free(out);
		return NULL;
	}
	out[o] = '\0';
	return out;
}

static char *dup_n(const char *p, size_t n)
{
	char *s = malloc(n + 1);

	if(s) {
		memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

/* A method given twice must name the same one. */
static int set_method(im_uri_target_t *e, const char *uri, const char *p,
		size_t n, char *err, size_t errlen)
{
	if(!is_token(p, n)) {
		snprintf(err, errlen, "%.60s: bad method", uri);
		return -1;
	}
	if(e->method) {
		if(strlen(e->method) == n && memcmp(e->method, p, n) == 0)
			return 0;
		snprintf(err, errlen, "%.60s: two different methods", uri);
		return -1;
	}
	e->method = dup_n(p, n);
	return e->method ? 0 : -2;
}

static int add_header(im_uri_target_t *e, const char *uri, const char *p,
		size_t n, char *err, size_t errlen)
{
	const char *eq = memchr(p, '=', n);
	size_t nlen = eq ? (size_t)(eq - p) : n;
	const char *v = eq ? eq + 1 : p + n;
	size_t vlen = eq ? n - nlen - 1 : 0;
	char *value;
	int bad;

	if(!is_token(p, nlen)) {
		snprintf(err, errlen, "%.60s: bad header name", uri);
		return -1;
	}
	if(span_is(p, nlen, "method"))
		return set_method(e, uri, v, vlen, err, errlen);
	value = percent_decode(v, vlen, &bad);
	if(!value) {
		if(!bad)
			return -2;
		snprintf(err, errlen,
				"%.60s: bad escape or control character in header %.*s", uri,
				(int)nlen, p);
		return -1;
	}
	if(span_is(p, nlen, "Replaces")) {
		if(e->replaces) {
			free(value);
			snprintf(err, errlen, "%.60s: two Replaces headers", uri);
			return -1;
		}
		e->replaces = value;
		return 0;
	}
	if(e->n_headers == IM_URI_MAX_HEADERS) {
		free(value);
		snprintf(err, errlen, "%.60s: more than %d headers", uri,
				IM_URI_MAX_HEADERS);
		return -1;
	}
	e->headers[e->n_headers].name = dup_n(p, nlen);
	e->headers[e->n_headers].value = value;
	e->n_headers++;
	return e->headers[e->n_headers - 1].name ? 0 : -2;
}

/* scheme ":" as RFC 3986 has it; the length up to and with the colon */
static size_t scheme_len(const char *u)
{
	size_t i = 0;

	if(!((u[0] >= 'a' && u[0] <= 'z') || (u[0] >= 'A' && u[0] <= 'Z')))
		return 0;
	while(u[i] && u[i] != ':') {
		char c = u[i];
		if(!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
				   || (c >= '0' && c <= '9') || c == '+' || c == '-'
				   || c == '.'))
			return 0;
		i++;
	}
	return u[i] == ':' ? i + 1 : 0;
}

int im_uri_target_split(const char *uri, im_uri_target_t *e, char *err,
		size_t errlen)
{
	const char *u = uri, *end = u + strlen(u);
	const char *host, *query, *p, *at;
	size_t tlen = 0;
	int rc;

	memset(e, 0, sizeof(*e));
	for(p = u; p < end; p++) {
		unsigned char c = (unsigned char)*p;
		if(c <= 0x20 || c >= 0x7f) {
			snprintf(err, errlen, "uri with a space or non-ASCII byte");
			return -1;
		}
	}
	host = u + scheme_len(u);
	if(host == u || host == end) {
		snprintf(err, errlen, "%.60s: not an absolute uri", u);
		return -1;
	}
	/* '@' may not appear unescaped after the user part, so the first
	 * one ends it; ';' and '?' before it belong to the user part */
	at = strchr(host, '@');
	if(at)
		host = at + 1;
	query = strchr(host, '?');
	if(!query)
		query = end;
	e->target = malloc((size_t)(end - u) + 1);
	if(!e->target)
		return -2;
	p = host;
	while(p < query && *p != ';')
		p++;
	if(p == host) {
		snprintf(err, errlen, "%.60s: no host", u);
		return -1;
	}
	memcpy(e->target, u, (size_t)(p - u));
	tlen = (size_t)(p - u);
	/* uri parameters: method= moves to e->method, the rest stay */
	while(p < query) {
		const char *name = p + 1, *pe = name;
		while(pe < query && *pe != ';')
			pe++;
		if((size_t)(pe - name) > 7 && strncasecmp(name, "method=", 7) == 0) {
			rc = set_method(e, uri, name + 7, (size_t)(pe - name - 7), err, errlen);
			if(rc < 0)
				return rc;
		} else {
			memcpy(e->target + tlen, p, (size_t)(pe - p));
			tlen += (size_t)(pe - p);
		}
		p = pe;
	}
	e->target[tlen] = '\0';
	/* headers: name=value joined by '&' */
	for(p = query; p < end;) {
		const char *h = p + 1, *he = h;
		while(he < end && *he != '&')
			he++;
		if(he > h) {
			rc = add_header(e, uri, h, (size_t)(he - h), err, errlen);
			if(rc < 0)
				return rc;
		}
		p = he;
	}
	return 0;
}

void im_uri_target_clear(im_uri_target_t *e)
{
	free(e->target);
	free(e->method);
	free(e->replaces);
	for(size_t i = 0; i < e->n_headers; i++) {
		free(e->headers[i].name);
		free(e->headers[i].value);
	}
	memset(e, 0, sizeof(*e));
}
