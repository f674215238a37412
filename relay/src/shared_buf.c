#include "shared_buf.h"

#include <stdlib.h>

shared_buf_t *shared_buf_new(size_t cap)
{
	shared_buf_t *b = malloc(sizeof(*b) + cap);
	if(b) {
		b->refs = 1;
		b->len = 0;
		b->cap = cap;
	}
	return b;
}

void shared_buf_ref(shared_buf_t *b)
{
	b->refs++;
}

void shared_buf_unref(shared_buf_t *b)
{
	if(--b->refs == 0)
		free(b);
}
