#include <string.h>
#include <strings.h>

#include "im_replaces.h"

/* RFC 3261 token characters */
static int is_token(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		   || (c >= '0' && c <= '9') || (c != '\0' && strchr("-.!%*_+`'~", c));
}

/* RFC 3261 word characters (callid = word [ "@" word ]) */
static int is_word(char c)
{
	return is_token(c) || (c != '\0' && strchr("()<>:\\\"/[]?{}", c));
}

static int is_ws(char c)
{
	return c == ' ' || c == '\t';
}

static void skip_ws(const char **p, const char *end)
{
	while(*p < end && is_ws(**p))
		(*p)++;
}

/* One parameter "name[=value]" at *p up to the next ';' or the end;
 * *p left after it. 0, or -1 for a bad one. */
static int param_at(
		const char **p, const char *end, im_span_t *name, im_span_t *value)
{
	const char *q = *p;

	skip_ws(&q, end);
	name->p = q;
	while(q < end && is_token(*q))
		q++;
	name->len = (size_t)(q - name->p);
	if(!name->len)
		return -1;
	skip_ws(&q, end);
	value->p = NULL;
	value->len = 0;
	if(q < end && *q == '=') {
		q++;
		skip_ws(&q, end);
		value->p = q;
		if(q < end && *q == '"') {
			for(q++; q < end && *q != '"'; q++) {
				if(*q == '\\' && q + 1 < end)
					q++;
			}
			if(q >= end)
				return -1;
			q++;
		} else {
			/* token, or a host: IPv6 references bring [ ] : */
			while(q < end && (is_token(*q) || *q == '[' || *q == ']' || *q == ':'))
				q++;
		}
		value->len = (size_t)(q - value->p);
		if(!value->len)
			return -1;
		skip_ws(&q, end);
	}
	if(q < end && *q != ';')
		return -1;
	*p = q;
	return 0;
}

static int name_is(im_span_t n, const char *what)
{
	return n.len == strlen(what) && strncasecmp(n.p, what, n.len) == 0;
}

/* Calls fn for every parameter after the Call-ID; -1 on a bad value. */
static int parse(const char *s, size_t len, im_replaces_t *r,
		int (*fn)(void *arg, im_span_t whole, im_span_t name, im_span_t value),
		void *arg)
{
	const char *p = s, *end = s + len;
	int at = 0;

	memset(r, 0, sizeof(*r));
	skip_ws(&p, end);
	r->call_id.p = p;
	while(p < end && (is_word(*p) || (*p == '@' && !at++)))
		p++;
	r->call_id.len = (size_t)(p - r->call_id.p);
	if(!r->call_id.len || r->call_id.p[0] == '@'
			|| r->call_id.p[r->call_id.len - 1] == '@')
		return -1;
	skip_ws(&p, end);
	while(p < end) {
		im_span_t name, value, whole;

		if(*p != ';')
			return -1;
		p++;
		whole.p = p;
		if(param_at(&p, end, &name, &value) < 0)
			return -1;
		whole.len = (size_t)(p - whole.p);
		if(name_is(name, "to-tag") || name_is(name, "from-tag")) {
			im_span_t *t = name.p[0] == 't' || name.p[0] == 'T' ? &r->to_tag
																: &r->from_tag;

			if(t->p || !value.len || value.p[0] == '"')
				return -1;
			*t = value;
		} else if(name_is(name, "early-only")) {
			if(value.len)
				return -1;
			r->early_only = 1;
		}
		if(fn && fn(arg, whole, name, value) < 0)
			return -1;
	}
	return r->to_tag.p && r->from_tag.p ? 0 : -1;
}

int im_replaces_parse(const char *s, size_t len, im_replaces_t *r)
{
	return parse(s, len, r, NULL, NULL);
}

typedef struct writer {
	char *out;
	size_t len, at;
	im_span_t to_tag, from_tag;
	int failed;
} writer_t;

static void put(writer_t *w, const char *s, size_t n)
{
	if(w->failed || w->at + n >= w->len) {
		w->failed = 1;
		return;
	}
	memcpy(w->out + w->at, s, n);
	w->at += n;
	w->out[w->at] = '\0';
}

static int put_param(void *arg, im_span_t whole, im_span_t name, im_span_t value)
{
	writer_t *w = arg;
	int to = name_is(name, "to-tag");

	(void)value;
	put(w, ";", 1);
	if(to || name_is(name, "from-tag")) {
		im_span_t v = to ? w->to_tag : w->from_tag;

		put(w, to ? "to-tag=" : "from-tag=", to ? 7 : 9);
		put(w, v.p, v.len);
	} else {
		put(w, whole.p, whole.len);
	}
	return w->failed ? -1 : 0;
}

int im_replaces_rewrite(const char *s, size_t len, im_span_t call_id,
		im_span_t to_tag, im_span_t from_tag, char *out, size_t outlen)
{
	writer_t w = {out, outlen, 0, to_tag, from_tag, 0};
	im_replaces_t r;

	if(!outlen)
		return -1;
	out[0] = '\0';
	put(&w, call_id.p, call_id.len);
	if(parse(s, len, &r, put_param, &w) < 0 || w.failed)
		return -1;
	return (int)w.at;
}
