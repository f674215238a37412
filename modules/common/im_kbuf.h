/*
 * A growing string in Kamailio's pkg memory, for building SIP headers and
 * bodies: shared by our modules, header-only.
 */
#ifndef IM_KBUF_H
#define IM_KBUF_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/dprint.h"
#include "core/mem/mem.h"
#include "core/str.h"

typedef struct im_kbuf {
	char *s;
	int len, cap;
	int failed; /* an allocation failed: the content is incomplete */
} im_kbuf_t;

static inline void im_kbuf_add(im_kbuf_t *b, const char *s, int len)
{
	if(b->failed || len <= 0)
		return;
	if(b->len + len + 1 > b->cap) {
		int cap = b->cap ? b->cap : 256;
		char *p;

		while(cap < b->len + len + 1)
			cap *= 2;
		p = pkg_realloc(b->s, cap);
		if(!p) {
			PKG_MEM_ERROR;
			b->failed = 1;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, len);
	b->len += len;
	b->s[b->len] = '\0';
}

static inline void im_kbuf_adds(im_kbuf_t *b, const str *s)
{
	if(s && s->len > 0)
		im_kbuf_add(b, s->s, s->len);
}

static inline __attribute__((format(printf, 2, 3))) void im_kbuf_addf(
		im_kbuf_t *b, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if(n < 0 || n >= (int)sizeof(tmp)) {
		LM_ERR("text too long for the builder\n");
		b->failed = 1;
		return;
	}
	im_kbuf_add(b, tmp, n);
}

static inline void im_kbuf_free(im_kbuf_t *b)
{
	if(b->s)
		pkg_free(b->s);
	memset(b, 0, sizeof(*b));
}

/* The content as a str (empty when nothing was added or it failed). */
static inline str im_kbuf_str(const im_kbuf_t *b)
{
	str s = {b->s, b->failed ? 0 : b->len};
	return s;
}

#endif
