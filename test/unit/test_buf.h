/* A growable, always NUL-terminated byte buffer for the unit tests:
 * what a fake transport wrote, a decoded case file. */
#ifndef TEST_BUF_H
#define TEST_BUF_H

#include <stdlib.h>
#include <string.h>

typedef struct strbuf {
	char *p;
	size_t len, cap;
} strbuf_t;

static inline void sb_add(strbuf_t *b, const void *d, size_t n)
{
	if(b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, d, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static inline void sb_str(strbuf_t *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

#endif
