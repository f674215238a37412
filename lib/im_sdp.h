/*
 * The MSRP media of an SDP body (RFC 4975 section 8, RFC 6135, RFC 6714):
 * what the participating function reads from a client's offer or answer,
 * and the rewrite that puts the relay's leg in its place (OP-3, TP-3:
 * c=, the m= port and a=path replaced; a=setup and a=msrp-cema kept only
 * where the peer uses them, D-19).
 *
 * Pure C on caller buffers; the parse holds views into the body.
 */
#ifndef IM_SDP_H
#define IM_SDP_H

#include <stddef.h>

#include "im_msrp_uri.h"
#include "im_span.h"

/* Bounds on what is parsed at all: an SDP is a few hundred bytes. */
#define IM_SDP_MAX_LEN 65536
#define IM_SDP_MAX_LINE 4096

/* A longer host in a path URI is malformed (a DNS name has at most 253
 * characters), so a host buffer of IM_MSRP_MAX_HOST + 1 always fits. */
#define IM_MSRP_MAX_HOST 255

typedef enum im_sdp_setup {
	IM_SETUP_NONE = 0, /* not present: RFC 4975, the offerer connects */
	IM_SETUP_ACTIVE,
	IM_SETUP_PASSIVE,
	IM_SETUP_ACTPASS,
	IM_SETUP_HOLDCONN, /* RFC 4145: no connection yet */
} im_sdp_setup_t;

typedef struct im_sdp_msrp {
	im_span_t conn_ip; /* c= of the media, else of the session */
	int ipv6;
	unsigned port;		  /* of the m= line, never 0 */
	int tls;			  /* TCP/TLS/MSRP */
	im_span_t path;		  /* a=path value: one or more msrp(s) URIs */
	im_sdp_setup_t setup; /* of the media, else of the session */
	int cema;			  /* a=msrp-cema */
	im_span_t accept_types;
	im_span_t accept_wrapped_types;
	long long max_size;	 /* -1: absent */
	im_span_t fingerprint; /* a=fingerprint (RFC 8122): media, else session */
	im_span_t direction; /* sendrecv..inactive or empty; media, else session */
	int media_index;	 /* which m= line (0-based) */
	int has_file_selector;
} im_sdp_msrp_t;

/*
 * Finds the MSRP m= line with a port (a port 0 line is a refused
 * stream). Returns 0, or -1 with a short static lowercase reason in *err:
 * malformed SDP (*no_msrp = 0), or a valid SDP without MSRP media
 * (*no_msrp = 1); both are answered 488 with the reason in a Warning.
 * Strict where a lax reading would pass on something the peer did not
 * mean (issue 8): lines end in CRLF (the last one may lack it), at most
 * one m=message line has a port, a c= address is a literal of its
 * family or a host name, and every URI of a=path is checked as
 * im_msrp_path_addr checks the first one.
 */
int im_sdp_parse_msrp(const char *sdp, size_t len, im_sdp_msrp_t *m,
		int *no_msrp, const char **err);

typedef struct im_sdp_rewrite {
	const char *path; /* relay leg's local path */
	const char *ip;	  /* its address (from the path) */
	int ipv6;
	unsigned port;
	im_sdp_setup_t setup; /* what to write; NONE: drop a=setup */
	int cema;			  /* write a=msrp-cema */
	unsigned long long sess_id, sess_version; /* our o= line */
	/* the relay's a=fingerprint ("sha-256 AB:..."); NULL: none. The
	 * party's own never goes on: the relay, not it, is the TLS peer */
	const char *fingerprint;
} im_sdp_rewrite_t;

/*
 * Writes the SDP parsed into *m again with the relay in the MSRP media's
 * place: o= is ours, the session's and the MSRP media's c=, the m= port
 * and a=path are the relay's; the MSRP media's a=setup and a=msrp-cema
 * are as asked (replaced where they were, else added after a=path), a
 * session-level a=setup is dropped, every a=fingerprint is replaced by
 * the relay's after a=path (or dropped); other m= lines get port 0 (refused)
 * with their lines kept; every other line is kept as it was. Lines end in
 * CRLF; trailing empty lines are dropped. Returns the length (not NUL
 * terminated), or 0 when out is too small.
 */
size_t im_sdp_rewrite(const char *sdp, size_t len, const im_sdp_msrp_t *m,
		const im_sdp_rewrite_t *rw, char *out, size_t outlen);

/* The length im_sdp_rewrite needs: LF line ends and short c= lines grow,
 * so the input length plus a margin is not a bound. */
size_t im_sdp_rewrite_len(const char *sdp, size_t len, const im_sdp_msrp_t *m,
		const im_sdp_rewrite_t *rw);

/*
 * The a= lines of the MSRP media section (m->media_index) that say what
 * the party offers rather than how its own transport runs: every one but
 * a=path, a=setup, a=msrp-cema, a=fingerprint, a=accept-types and the
 * direction, which whoever writes its own leg's SDP decides (OMA TS
 * 9.3.2.1 4 c: a Large Message invitation repeats the sender's a= lines,
 * e.g. a=max-size, a=file-selector, a=accept-wrapped-types). Written in
 * order, CRLF ended, into out when they fit in outlen; returns the length
 * they take (0: none), so that out NULL asks how much room they need.
 */
size_t im_sdp_msrp_attrs(const char *sdp, size_t len, const im_sdp_msrp_t *m,
		char *out, size_t outlen);

/*
 * Splits the first URI of an a=path or To-Path value (im_msrp_uri_parse,
 * blanks before it allowed): host into a NUL
 * terminated buffer (an IPv6 address without brackets, *ipv6 = 1), port
 * (IM_MSRP_DEFAULT_PORT when absent). 0, or -1 when malformed or host
 * does not fit in hostlen (IM_MSRP_MAX_HOST + 1 is always enough).
 */
int im_msrp_path_addr(const char *path, size_t len, char *host, size_t hostlen,
		unsigned *port, int *ipv6);

#endif
