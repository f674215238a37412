/*
 * Pushing a user's deferred messages (OMA 12.2.2.2, 12.2.2.5; DM-3, DM-4,
 * D-29, D-30): an INVITE to the user (Contact with automata, SDP sendonly
 * from a relay endpoint leg), one MSRP SEND per stored message as
 * message/sip, each deleted after its MSRP 200, then BYE.
 */
#ifndef IM_STORE_PUSH_H
#define IM_STORE_PUSH_H

#include "core/parser/msg_parser.h"

#include "im_kbuf.h"

#include "im_store.h"

/* a stored Large Message's multipart boundary: this and its token */
#define IMST_BOUNDARY_PREFIX "imst-"

int imst_push_init(void);
void imst_push_destroy(void);

/* Pushes user's messages to the contact the script found for msg ($ru,
 * $du: lookup("location")). 1: the INVITE left; -1: error; -2: nothing
 * stored; -3: a push to user is under way already (D-29); -4: no
 * contact. */
int imst_push(struct sip_msg *msg, const str *user);

/* The relay's events about our endpoint sessions. */
void imst_push_watch(
		int relay, const char *what, const char *session, const char *leg);
void imst_push_report(int relay, const imr_delivery_t *d);

/* sip with a Date header of when (unless it has one) into b (D-30). */
int imst_with_date(const str *sip, long long when, im_kbuf_t *b);
/* when as an RFC 3261 SIP-date. */
void imst_http_date(long long when, char *out, int outlen);

/* Pushes under way (im_store.stats). */
int imst_push_active(void);

#endif
