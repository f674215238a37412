/*
 * The message headers of a message/cpim body (RFC 3862): what the MSRP
 * switch needs before relaying (From, To) without touching the body;
 * the IMDN headers (RFC 5438) the group pager and the deferred store read.
 */
#ifndef IM_CPIM_H
#define IM_CPIM_H

#include <stddef.h>

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

/* The IMDN headers of a message/cpim body (RFC 5438 section 6, D-24):
 * the values of Message-ID, DateTime and Disposition-Notification in
 * the CPIM message headers (the NS prefix of the imdn namespace, any
 * case), of From and of the first To, each NUL-terminated into its
 * buffer (cut to fit), "" when absent. 0, or -1 when the header block is
 * not complete. */
typedef struct im_cpim_imdn {
	char message_id[128];
	char datetime[64];
	char disposition[128];
	char from[256]; /* the CPIM From value */
	char to[256];	/* the first CPIM To value */
} im_cpim_imdn_t;

int im_cpim_imdn(const char *body, size_t len, im_cpim_imdn_t *out);

#endif
