#include "im_mime.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#define NOT_FOUND ((size_t)-1)

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Folded header values carry CR and LF too. */
static int is_lws(char c)
{
	return is_blank(c) || c == '\r' || c == '\n';
}

/* The type/subtype of a Content-Type value; *params: what follows it. */
static im_span_t media_type(im_span_t v, im_span_t *params)
{
	size_t i = 0, start;
	im_span_t t;

	while(i < v.len && is_lws(v.p[i]))
		i++;
	start = i;
	while(i < v.len && v.p[i] != ';' && !is_lws(v.p[i]))
		i++;
	t.p = v.p + start;
	t.len = i - start;
	params->p = v.p + i;
	params->len = v.len - i;
	return t;
}

static int type_is(im_span_t type, const char *want)
{
	size_t n = strlen(want);
	return type.len == n && strncasecmp(type.p, want, n) == 0;
}

static int is_multipart(im_span_t type)
{
	return type.len > 10 && strncasecmp(type.p, "multipart/", 10) == 0;
}

/* RFC 2046 bchars; a space may not end the boundary. */
static int valid_boundary(im_span_t b)
{
	if(b.len == 0 || b.len > IM_MIME_MAX_BOUNDARY || b.p[b.len - 1] == ' ')
		return 0;
	for(size_t i = 0; i < b.len; i++) {
		char c = b.p[i];
		if(!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')
				   || (c >= 'A' && c <= 'Z')
				   || (c != '\0' && strchr("'()+_,-./:=? ", c))))
			return 0;
	}
	return 1;
}

/* The boundary parameter among "; name=value" or "; name="value"". */
static int find_boundary(im_span_t params, im_span_t *b)
{
	const char *p = params.p;
	size_t n = params.len, i = 0, start;
	im_span_t name, value;
	int found = 0;

	for(;;) {
		while(i < n && is_lws(p[i]))
			i++;
		if(i >= n)
			break;
		if(p[i++] != ';')
			return -1;
		while(i < n && is_lws(p[i]))
			i++;
		start = i;
		while(i < n && p[i] != '=' && p[i] != ';' && !is_lws(p[i]))
			i++;
		name.p = p + start;
		name.len = i - start;
		if(name.len == 0 && i >= n)
			break; /* a trailing ';' */
		while(i < n && is_lws(p[i]))
			i++;
		if(name.len == 0 || i >= n || p[i] != '=')
			return -1;
		i++;
		while(i < n && is_lws(p[i]))
			i++;
		if(i < n && p[i] == '"') {
			start = ++i;
			while(i < n && p[i] != '"')
				i += p[i] == '\\' ? 2 : 1;
			if(i >= n)
				return -1;
			value.p = p + start;
			value.len = i++ - start;
		} else {
			start = i;
			while(i < n && p[i] != ';' && !is_lws(p[i]))
				i++;
			value.p = p + start;
			value.len = i - start;
		}
		if(!found && type_is(name, "boundary")) {
			*b = value;
			found = 1;
		}
	}
	return found ? 0 : -1;
}

/*
 * Whether a line starting at d is "--boundary" (1) or "--boundary--" (2)
 * followed by optional blanks and the line end; *next: where the next
 * line starts.
 */
static int delimiter_at(im_span_t body, size_t d, im_span_t b, size_t *next)
{
	const char *p = body.p;
	size_t n = body.len, i;
	int kind = 1;

	if(n - d < 2 + b.len || p[d] != '-' || p[d + 1] != '-'
			|| memcmp(p + d + 2, b.p, b.len) != 0)
		return 0;
	i = d + 2 + b.len;
	if(n - i >= 2 && p[i] == '-' && p[i + 1] == '-') {
		kind = 2;
		i += 2;
	}
	while(i < n && is_blank(p[i]))
		i++;
	if(i < n && p[i] == '\r' && n - i >= 2 && p[i + 1] == '\n')
		i += 2;
	else if(i < n && p[i] == '\n')
		i++;
	else if(i < n)
		return 0; /* "--boundaryX": only a line that looks alike */
	*next = i;
	return kind;
}

/* The first delimiter line at or after from, which starts a line. */
static size_t find_delimiter(
		im_span_t body, size_t from, im_span_t b, int *kind, size_t *next)
{
	size_t d = from;

	while(d < body.len) {
		const char *nl;
		if((*kind = delimiter_at(body, d, b, next)) != 0)
			return d;
		nl = memchr(body.p + d, '\n', body.len - d);
		if(!nl)
			break;
		d = (size_t)(nl - body.p) + 1;
	}
	return NOT_FOUND;
}

/*
 * Splits the part body[s..e) into its Content-Type and its body. The
 * headers end at an empty line, or at e when the last header's line end
 * is the one before the delimiter (a part without a body).
 */
static int split_part(im_span_t body, size_t s, size_t e, im_span_t *type,
		im_span_t *content, im_span_t *content_id)
{
	static const char text_plain[] = "text/plain";
	const char *p = body.p;
	im_span_t ctype = {text_plain, sizeof(text_plain) - 1}, params;
	size_t i = s;
	int in_ctype = 0, in_cid = 0;

	content_id->p = NULL;
	content_id->len = 0;
	content->p = p + e;
	content->len = 0;
	while(i < e) {
		const char *eol = memchr(p + i, '\n', e - i);
		size_t len, name_len;
		const char *colon;

		if(!eol)
			return -1; /* the headers run into the delimiter */
		len = (size_t)(eol - (p + i));
		if(len && p[i + len - 1] == '\r')
			len--;
		if(len == 0) {
			content->p = eol + 1;
			content->len = e - (size_t)(eol + 1 - p);
			break;
		}
		if(is_blank(p[i])) {
			if(i == s)
				return -1;
			if(in_ctype)
				ctype.len = (size_t)(p + i + len - ctype.p);
			if(in_cid)
				content_id->len = (size_t)(p + i + len - content_id->p);
		} else {
			colon = memchr(p + i, ':', len);
			if(!colon)
				return -1;
			name_len = (size_t)(colon - (p + i));
			while(name_len && is_blank(p[i + name_len - 1]))
				name_len--;
			in_ctype = name_len == 12
					   && strncasecmp(p + i, "Content-Type", 12) == 0;
			if(in_ctype) {
				ctype.p = colon + 1;
				ctype.len = (size_t)(p + i + len - ctype.p);
			}
			in_cid = name_len == 10 && strncasecmp(p + i, "Content-ID", 10) == 0;
			if(in_cid) {
				content_id->p = colon + 1;
				content_id->len = (size_t)(p + i + len - content_id->p);
			}
		}
		i = (size_t)(eol - p) + 1;
	}
	*type = media_type(ctype, &params);
	return 0;
}

/* Calls fn for every top-level part of a multipart body until it returns
 * non-zero: that value (1 or more), 0 when none did, -1 for a malformed
 * multipart, -2 when the body is no multipart. */
static int each_part(im_span_t content_type, im_span_t body,
		int (*fn)(void *arg, im_span_t type, im_span_t content, im_span_t cid),
		void *arg)
{
	im_span_t params, b, ptype, content, cid;
	im_span_t type = media_type(content_type, &params);
	size_t s, d, e, next;
	int kind, found = 0;

	if(!is_multipart(type))
		return -2;
	if(find_boundary(params, &b) < 0 || !valid_boundary(b))
		return -1;
	/* the preamble before the first delimiter is ignored */
	if(find_delimiter(body, 0, b, &kind, &next) == NOT_FOUND)
		return -1;
	while(kind == 1) {
		s = next;
		d = find_delimiter(body, s, b, &kind, &next);
		if(d == NOT_FOUND)
			return -1; /* no close delimiter */
		/* the line end before a delimiter belongs to the delimiter */
		e = d > s ? d - 1 : s;
		if(e > s && body.p[e - 1] == '\r')
			e--;
		if(split_part(body, s, e, &ptype, &content, &cid) < 0)
			return -1;
		/* the whole body stays checked after a match */
		if(!found)
			found = fn(arg, ptype, content, cid);
	}
	return found;
}

typedef struct find_arg {
	const char *want_type;
	im_span_t id;
	im_span_t *part, *type;
} find_arg_t;

static int by_type(void *arg, im_span_t type, im_span_t content, im_span_t cid)
{
	find_arg_t *a = arg;

	(void)cid;
	if(!type_is(type, a->want_type))
		return 0;
	*a->part = content;
	return 1;
}

int im_mime_find(im_span_t content_type, im_span_t body, const char *want_type,
		im_span_t *part)
{
	find_arg_t a = {want_type, {NULL, 0}, part, NULL};
	im_span_t params;
	int r;

	if(type_is(media_type(content_type, &params), want_type)) {
		*part = body;
		return 0;
	}
	r = each_part(content_type, body, by_type, &a);
	return r == -2 || r == 0 ? 1 : (r < 0 ? -1 : 0);
}

int im_mime_content_id_is(im_span_t value, im_span_t id)
{
	const char *p = value.p, *end = value.p + value.len;

	while(p < end && is_lws(*p))
		p++;
	while(end > p && is_lws(end[-1]))
		end--;
	if(end - p < 2 || *p != '<' || end[-1] != '>')
		return 0;
	p++;
	end--;
	return (size_t)(end - p) == id.len && id.len
		   && memcmp(p, id.p, id.len) == 0;
}

static int by_id(void *arg, im_span_t type, im_span_t content, im_span_t cid)
{
	find_arg_t *a = arg;

	if(!cid.p || !im_mime_content_id_is(cid, a->id))
		return 0;
	*a->part = content;
	*a->type = type;
	return 1;
}

int im_mime_find_id(im_span_t content_type, im_span_t body, im_span_t id,
		im_span_t *part, im_span_t *type)
{
	find_arg_t a = {NULL, id, part, type};
	int r = each_part(content_type, body, by_id, &a);

	return r == -2 || r == 0 ? 1 : (r < 0 ? -1 : 0);
}

int im_mime_cid_id(im_span_t url, char *out, size_t cap)
{
	size_t o = 0;

	if(url.len < 5 || strncasecmp(url.p, "cid:", 4) != 0)
		return -1;
	for(size_t i = 4; i < url.len; i++) {
		char c = url.p[i];

		if(c == '%') {
			int hi, lo;

			if(i + 2 >= url.len || (hi = im_hex_value(url.p[i + 1])) < 0
					|| (lo = im_hex_value(url.p[i + 2])) < 0)
				return -1;
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		/* an addr-spec has no controls, blanks or angle brackets */
		if((unsigned char)c <= ' ' || c == 127 || c == '<' || c == '>')
			return -1;
		if(o + 1 >= cap)
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	return (int)o;
}

static void copy(char *dst, const char *src, size_t n)
{
	if(n)
		memcpy(dst, src, n);
}

size_t im_mime_splice(im_span_t body, im_span_t part, const char *repl,
		size_t repl_len, char *out, size_t outlen)
{
	uintptr_t b = (uintptr_t)body.p, q = (uintptr_t)part.p;
	size_t off, rest;

	if(q < b || part.len > body.len || q - b > body.len - part.len)
		return 0;
	off = (size_t)(q - b);
	rest = body.len - off - part.len;
	if(repl_len > outlen || off + rest > outlen - repl_len)
		return 0;
	copy(out, body.p, off);
	copy(out + off, repl, repl_len);
	copy(out + off + repl_len, part.p + part.len, rest);
	return off + repl_len + rest;
}

/* RFC 2045 token characters: printable US-ASCII but the tspecials */
static int is_mime_token_char(char c)
{
	return c > ' ' && c < 127 && !strchr("()<>@,;:\\\"/[]?=", c);
}

static size_t mime_token_len(const char *v, size_t len, size_t i)
{
	size_t start = i;

	while(i < len && is_mime_token_char(v[i]))
		i++;
	return i - start;
}

/* The length of the quoted-string starting at v[i] (a '"'), 0 if none. */
static size_t quoted_len(const char *v, size_t len, size_t i)
{
	size_t start = i++;

	while(i < len && v[i] != '"') {
		if(v[i] == '\\')
			i++;
		if(i >= len || (v[i] < ' ' && v[i] != '\t') || v[i] == 127)
			return 0;
		i++;
	}
	return i < len ? i + 1 - start : 0;
}

static size_t skip_blanks(const char *v, size_t len, size_t i)
{
	while(i < len && is_blank(v[i]))
		i++;
	return i;
}

int im_mime_type_ok(const char *v, size_t len)
{
	size_t i, n;

	if(!v || len == 0 || len > IM_MIME_MAX_TYPE)
		return 0;
	n = mime_token_len(v, len, 0);
	if(n == 0 || n >= len || v[n] != '/')
		return 0;
	i = n + 1;
	n = mime_token_len(v, len, i);
	if(n == 0)
		return 0;
	for(i += n;;) {
		i = skip_blanks(v, len, i);
		if(i == len)
			return 1;
		if(v[i] != ';')
			return 0;
		i = skip_blanks(v, len, i + 1);
		n = mime_token_len(v, len, i);
		if(n == 0 || i + n >= len || v[i + n] != '=')
			return 0;
		i += n + 1;
		n = i < len && v[i] == '"' ? quoted_len(v, len, i)
								   : mime_token_len(v, len, i);
		if(n == 0)
			return 0;
		i += n;
	}
}
