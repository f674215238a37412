#ifndef IM_SPAN_H
#define IM_SPAN_H

#include <stddef.h>

/* A (pointer, length) view into someone else's buffer. */
typedef struct im_span {
	const char *p;
	size_t len;
} im_span_t;

/* The value of one hex digit, -1 for another character. */
static inline int im_hex_value(char c)
{
	if(c >= '0' && c <= '9')
		return c - '0';
	if(c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if(c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
