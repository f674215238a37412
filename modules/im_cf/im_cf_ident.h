/*
 * IM Session Identities (OMA TS 7.2.1.2 step 6, RFC 4579):
 *   sip:<prefix><id>@<domain>;<node param>=<node>
 * The node parameter names the Kamailio node that owns the session, so
 * that a multi-node deployment can route any request for a session (a
 * rejoin, a REFER, a SUBSCRIBE) to its owner. Pure C.
 */
#ifndef IM_CF_IDENT_H
#define IM_CF_IDENT_H

#include <stddef.h>

typedef struct imcf_ident_fmt
{
	const char *prefix;		/* user part before the id, e.g. "conf-" */
	const char *node_param; /* URI parameter name, e.g. "imcf-node" */
	const char *node;		/* this node's id; empty: no parameter */
} imcf_ident_fmt_t;

/* A session id from a sequence number and a random value: hex digits, so
 * that an identity is neither guessable nor reused. Length or -1. */
int imcf_id_make(
		unsigned long long seq, unsigned int rnd, char *out, size_t outlen);

/* The identity of session id in domain. Length or -1 (too small). */
int imcf_ident_make(const imcf_ident_fmt_t *f, const char *id,
		const char *domain, char *out, size_t outlen);

/*
 * Reads a Request-URI (sip: or sips:, any other parameters and headers
 * allowed) back into the session id and its node (empty when the URI has
 * no node parameter). 1: a session identity of this format; 0: another
 * URI (no prefix, empty or bad id, id or node longer than the buffers).
 */
int imcf_ident_parse(const imcf_ident_fmt_t *f, const char *uri, size_t len,
		char *id, size_t idlen, char *node, size_t nodelen);

/* The relay leg of participant idx in its session's conference: "p<idx>".
 * imcf_leg_index reads one back: idx, or -1 for another name or an index
 * outside 0..max-1. */
void imcf_leg_name(int idx, char *out, size_t len);
int imcf_leg_index(const char *leg, int max);

#endif
