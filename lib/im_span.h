#ifndef IM_SPAN_H
#define IM_SPAN_H

#include <stddef.h>

/* A (pointer, length) view into someone else's buffer. */
typedef struct im_span {
	const char *p;
	size_t len;
} im_span_t;

#endif
