/*
 * The pieces of SIP requests the store works with (im_store_sip.c).
 */
#ifndef IM_STORE_SIP_H
#define IM_STORE_SIP_H

#include "core/parser/msg_parser.h"
#include "core/str.h"

#include "im_kbuf.h"

/* a stored Large Message's multipart boundary: this and its token */
#define IMST_BOUNDARY_PREFIX "imst-"

/* "sip:user@host" of uri (no port, parameters or headers) into out:
 * 0, or -1 when uri is no SIP URI with a user. */
int imst_aor(const str *uri, char *out, int outlen);

/* The host of our URIs for a user (Message-IDs, Deferred@host): the host
 * parameter, else the host of the user's aor. */
void imst_host_of(const str *aor, str *host);

/* The body as its Content-Length says. */
str imst_body_of(struct sip_msg *msg);

/* The body and Content-Type of msg. 0, or 1 when it has none. */
int imst_body(struct sip_msg *msg, str *ctype, str *body);

/* sip with a Date header of when (unless it has one) into b (D-30). */
int imst_with_date(const str *sip, long long when, im_kbuf_t *b);
/* when as an RFC 3261 SIP-date. */
void imst_http_date(long long when, char *out, int outlen);

#endif
