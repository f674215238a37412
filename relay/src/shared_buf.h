/*
 * Body bytes of a piece, shared by every destination's output queue
 * (zero-copy fan-out); freed with the last reference.
 */
#ifndef RELAY_SHARED_BUF_H
#define RELAY_SHARED_BUF_H

#include <stddef.h>

typedef struct shared_buf {
	unsigned refs;
	size_t len, cap;
	char data[];
} shared_buf_t;

shared_buf_t *shared_buf_new(size_t cap);
void shared_buf_ref(shared_buf_t *b);
void shared_buf_unref(shared_buf_t *b);

#endif
