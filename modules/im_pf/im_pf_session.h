/*
 * The participating function as a B2BUA (OP-3, OP-11, TP-3, TP-8; D-2):
 * every session INVITE becomes an im_ua call whose media cross an
 * im_relay bridge, with the headers the OMA procedures put on each leg.
 */
#ifndef IM_PF_SESSION_H
#define IM_PF_SESSION_H

#include "core/parser/msg_parser.h"
#include "core/str.h"

#include "im_pf.h"

/* Contacts of one callee a terminating INVITE tries at most. */
#define IMPF_MAX_CONTACTS 16

/*
 * Starts the B2BUA for the INVITE msg: leg B to the Request-URI through
 * next_hop (may be empty); on the terminating side, after the script's
 * lookup(), to each of the callee's contacts in turn (the Request-URI and
 * the branches lookup appended, by q then recency) until one answers;
 * to_self: next_hop is this server's own terminating function,
 * and leg B carries the signed hop marker. Answers msg itself when it
 * fails. Returns 1 when the call runs, -1 when it was refused (answered),
 * 0 for a retransmission.
 */
int impf_b2bua(struct sip_msg *msg, int terminating, int to_self,
		impf_kind_t kind, const str *next_hop);

/* The media plane lost sessions: end their calls (im_relay watcher). */
void impf_media_watch(
		int relay, const char *what, const char *session, const char *leg);

/* Replies msg with a refusal of im_pf_checks.h (on its transaction). */
struct impf_refusal;
void impf_send_refusal(struct sip_msg *msg, const struct impf_refusal *r);

/* The identity of a request's originator (C-1): P-Asserted-Identity, else
 * the From URI. */
int impf_originator(struct sip_msg *msg, str *uri, str *display);

/* The body of msg (as long as Content-Length says); its length. */
int impf_body(struct sip_msg *msg, str *body);

/* OP-2 / TP-2: session, file transfer or Large Message. */
impf_kind_t impf_classify(struct sip_msg *msg, str *sdp);

#endif
