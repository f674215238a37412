/*
 * Parsers for MSRP header values (RFC 4975 section 9): URIs and paths
 * (from lib), Byte-Range, Status, Success-/Failure-Report. Pure functions on spans,
 * each unit-tested and fuzzed on its own.
 */
#ifndef RELAY_MSRP_HDR_H
#define RELAY_MSRP_HDR_H

#include <stdint.h>

#include "im_msrp_uri.h"
#include "msrp_parser.h"

#define MSRP_DEFAULT_PORT IM_MSRP_DEFAULT_PORT
#define MSRP_PATH_MAX 8

/* MSRP URIs are lib's (im_msrp_uri.h), shared with the SDP reading of
 * the IM modules; these are the relay's names for them. */
typedef im_msrp_uri_t msrp_uri_t;

static inline int msrp_uri_parse(const char *p, size_t n, msrp_uri_t *u)
{
	return im_msrp_uri_parse(p, n, u);
}

/* RFC 4975 section 6.1: scheme, host, port, session-id and transport. */
static inline int msrp_uri_equal(const msrp_uri_t *a, const msrp_uri_t *b)
{
	return im_msrp_uri_equal(a, b);
}

/* URIs separated by one SP; returns how many (1..max) or -1. */
static inline int msrp_path_parse(msrp_span_t v, msrp_uri_t *out, int max)
{
	return im_msrp_path_parse(v.p, v.len, out, max);
}

/* The largest Byte-Range value taken: a position plus any buffer length
 * (below 2^63) then fits in a uint64_t, so no sum of them wraps. */
#define MSRP_RANGE_MAX INT64_MAX

typedef struct msrp_range {
	uint64_t start;
	uint64_t end;	/* meaningful unless end_unknown */
	uint64_t total; /* meaningful unless total_unknown */
	int end_unknown;
	int total_unknown;
} msrp_range_t;

/* "start-end/total" (RFC 4975 section 9), each number 1..MSRP_RANGE_MAX
 * (0 for end and total) or "*" for end and total. Refused: start 0, a
 * number above the bound, end < start - 1 (end = start - 1 is an empty
 * chunk), end > total, start > total + 1; then *r is all zero (no
 * range), never half of one. */
int msrp_range_parse(msrp_span_t v, msrp_range_t *r);

/* The chunk's length when end or total gives it: end - (start - 1), else
 * total - (start - 1), which cannot wrap for a range the parse took
 * (end - start + 1 wraps in between for an empty chunk). Returns 1 with
 * *len, or 0 when neither is known or there is no range (start 0). */
int msrp_range_len(const msrp_range_t *r, uint64_t *len);

/* "000 200 OK": namespace, code, optional comment. */
int msrp_status_parse(msrp_span_t v, int *code, msrp_span_t *comment);

typedef enum msrp_report {
	MSRP_REPORT_NO = 0,
	MSRP_REPORT_YES,
	MSRP_REPORT_PARTIAL,
} msrp_report_t;

/* Failure-Report: yes/no/partial (absent: yes). Success-Report: yes/no
 * (absent: no). Returns -1 for any other value. */
int msrp_failure_report_parse(const msrp_span_t *v);
int msrp_success_report_parse(const msrp_span_t *v);

int msrp_span_eq(msrp_span_t s, const char *lit);

#endif
