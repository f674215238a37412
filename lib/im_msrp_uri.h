/*
 * MSRP URIs and paths (RFC 4975 section 9), the one parser the SDP
 * reading (im_sdp.c, a=path) and the relay (To-Path, From-Path, the
 * paths of its control commands) share, so that a path the SDP parse
 * passes is a path the relay takes.
 *
 *   MSRP-URI = msrp-scheme "://" authority ["/" session-id] ";" transport
 *              *( ";" URI-parameter )
 *   authority = [ userinfo "@" ] host [ ":" port ]
 *
 * Pure C, no allocation: the parsed fields are views into the caller's
 * buffer, which is read only within the length given.
 */
#ifndef IM_MSRP_URI_H
#define IM_MSRP_URI_H

#include "im_span.h"

/* MSRP URIs without a port (RFC 4975 section 6) */
#define IM_MSRP_DEFAULT_PORT 2855

typedef struct im_msrp_uri {
	int secure;			  /* msrps */
	im_span_t user;		  /* userinfo, empty when absent */
	im_span_t host;		  /* an IPv6 address without its brackets */
	int ipv6;			  /* host was in brackets */
	unsigned port;		  /* 1..65535, IM_MSRP_DEFAULT_PORT when absent */
	im_span_t session_id; /* empty when absent */
	im_span_t transport;  /* "tcp" or another alphanumeric token */
	im_span_t params;	  /* "a=1;b" after the transport, empty if none */
} im_msrp_uri_t;

/*
 * Parses exactly n bytes as one MSRP URI. Scheme and transport in any
 * case; userinfo is what precedes an '@' before the first '/' or ';';
 * an IPv6 host is hex digits, ':' and '.' in brackets; a port has 1 to 5
 * digits and is not 0; a session-id is 1*(unreserved / "+" / "=" / "/");
 * each parameter is non-empty and holds no ';'; userinfo and parameters
 * hold no SP, HTAB or other control character. Returns 0, or -1 (then
 * *u is zeroed).
 */
int im_msrp_uri_parse(const char *p, size_t n, im_msrp_uri_t *u);

/* The same URI for session matching (RFC 4975 section 6.1): scheme, host
 * and transport without case, port and session-id exactly; userinfo and
 * parameters do not count. */
int im_msrp_uri_equal(const im_msrp_uri_t *a, const im_msrp_uri_t *b);

/* How URIs of a path list are separated. */
typedef enum im_msrp_path_sep {
	/* To-Path, From-Path (RFC 4975 section 9): exactly one SP between
	 * URIs, none before the first or after the last */
	IM_MSRP_PATH_SP = 0,
	/* an SDP a=path value as the SDP parse reads it: runs of SP and HTAB
	 * between URIs and around the list */
	IM_MSRP_PATH_BLANKS,
} im_msrp_path_sep_t;

typedef struct im_msrp_path_iter {
	im_span_t rest;
	im_msrp_path_sep_t sep;
	int want_more; /* a separator was taken: a URI must follow */
} im_msrp_path_iter_t;

void im_msrp_path_init(im_msrp_path_iter_t *it, const char *p, size_t n,
		im_msrp_path_sep_t sep);

/* The next URI of the list: 1 with *u filled, 0 at the end, -1 when the
 * list is malformed there. An empty list ends at once (0). */
int im_msrp_path_next(im_msrp_path_iter_t *it, im_msrp_uri_t *u);

/* A whole To-Path or From-Path (IM_MSRP_PATH_SP): the number of URIs put
 * in out (1..max), or -1 when malformed, empty or longer than max. */
int im_msrp_path_parse(const char *p, size_t n, im_msrp_uri_t *out, int max);

/* The text of the first and of the last URI of an SP-separated path,
 * unparsed, for a reader that needs only those two (the relay matching a
 * frame): the first ends at the first SP, the last starts after the last
 * one; both are the whole value when it has no SP. Either may be NULL. */
void im_msrp_path_ends(im_span_t v, im_span_t *first, im_span_t *last);

#endif
