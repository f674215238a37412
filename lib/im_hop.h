/*
 * The internal hop marker (issue 8): a request our own B2BUA sends to our
 * own terminating function carries
 *
 *   X-IM-Hop: <unix time>;<hex HMAC-SHA256>
 *
 * keyed with the installation's secret, over the request's method,
 * Request-URI, Call-ID, From URI, From tag and the time. Only the holder of
 * the secret can make one, and one made for a request is worth nothing on
 * another, or after max_age seconds. It replaces trusting the server's own
 * IP:port, which any local process can send from.
 *
 * Pure C over OpenSSL's HMAC; no allocation, errors as return codes.
 */
#ifndef IM_HOP_H
#define IM_HOP_H

#include <stddef.h>
#include <time.h>

#include "im_span.h"

#define IM_HOP_HEADER "X-IM-Hop"
#define IM_HOP_SECRET_MIN 32 /* bytes of key material at least */
/* "<ts>;" + 64 hex digits + NUL, with room for any time_t */
#define IM_HOP_VALUE_MAX 96

/* What the marker is bound to. */
typedef struct im_hop_fields {
	im_span_t method, ruri, call_id, from_uri, from_tag;
} im_hop_fields_t;

typedef enum im_hop_verdict {
	IM_HOP_OK = 0,
	IM_HOP_MALFORMED, /* not "<digits>;<64 hex>" */
	IM_HOP_STALE,	  /* time further than max_age from now */
	IM_HOP_BAD_MAC,	  /* another request's, another secret's, or forged */
} im_hop_verdict_t;

/* Writes the header value for f at time ts into out (IM_HOP_VALUE_MAX).
 * Returns its length, or -1. */
int im_hop_sign(const unsigned char *key, size_t keylen,
		const im_hop_fields_t *f, time_t ts, char *out, size_t outlen);

/* Checks a received value against f; the MAC comparison is constant
 * time. */
im_hop_verdict_t im_hop_check(const unsigned char *key, size_t keylen,
		const im_hop_fields_t *f, im_span_t value, time_t now, int max_age);

const char *im_hop_verdict_text(im_hop_verdict_t v);

#endif
