/*
 * The Replaces header (RFC 3891): the dialog an INVITE replaces, as its
 * recipient knows it:
 *   Replaces: <call-id>;to-tag=<recipient's local tag>;from-tag=<its remote tag>[;early-only]
 * A B2BUA in that dialog's path knows it by other identifiers on each
 * side, so it rewrites the three values (OMA IM TS 6.1.1.2.6 a, App L)
 * and keeps every other parameter as it came.
 */
#ifndef IM_REPLACES_H
#define IM_REPLACES_H

#include <stddef.h>

#include "im_span.h"

typedef struct im_replaces {
	im_span_t call_id;
	im_span_t to_tag, from_tag;
	int early_only;
} im_replaces_t;

/* Parses a Replaces value (without the header name). 0, or -1 when it is
 * not one: no Call-ID, no to-tag or from-tag (or one of them twice or
 * empty), a character outside the grammar (RFC 3261 callid: word [@
 * word]; tags and other parameters: token, a generic value token, host
 * or quoted-string). */
int im_replaces_parse(const char *s, size_t len, im_replaces_t *r);

/* Writes s (a value im_replaces_parse took) with its Call-ID, to-tag and
 * from-tag set to the ones given, every other parameter kept in place;
 * NUL-terminated. The length written, or -1 when out is too small or s
 * does not parse. */
int im_replaces_rewrite(const char *s, size_t len, im_span_t call_id,
		im_span_t to_tag, im_span_t from_tag, char *out, size_t outlen);

#endif
