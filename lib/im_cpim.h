/*
 * The message headers of a message/cpim body (RFC 3862): what the MSRP
 * switch needs before relaying (From, To) without touching the body.
 */
#ifndef IM_CPIM_H
#define IM_CPIM_H

#include "im_span.h"

#define IM_CPIM_MAX_TO 32

typedef struct im_cpim_head {
	im_span_t from; /* header values */
	im_span_t to[IM_CPIM_MAX_TO];
	int nto;
	/* C-8: "NS: <p> <urn:oma:xml:poc:final-report>" and then
	 * "<p>.Final-Report: yes" ask for a final delivery report */
	int final_report;
	size_t head_len; /* through the blank line ending the headers */
} im_cpim_head_t;

/* 1: complete, 0: the blank line is not in p[0..n) yet, -1: malformed
 * (no From, a line without ':', more To headers than IM_CPIM_MAX_TO). */
int im_cpim_parse_head(const char *p, size_t n, im_cpim_head_t *h);

#endif
