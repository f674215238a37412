/*
 * The answers im_ua sends on server transactions: to the request being
 * handled (creating its transaction when the script has not), or to one
 * known by its ident from any process; and what an owner's hook returns.
 */
#ifndef IM_UA_REPLY_H
#define IM_UA_REPLY_H

#include "core/parser/msg_parser.h"
#include "core/str.h"

#include "im_ua_load.h"

/* The transaction of msg, created when the script has not. 1 new or
 * existing, 0 retransmission, -1 error. */
int imua_reply_init(void);
void imua_reply_destroy(void);
int imua_ensure_transaction(struct sip_msg *msg);
int imua_reply(struct sip_msg *msg, int code, const str *reason,
		const str *hdrs, const str *ctype, const str *body);
/* Replies on the server transaction hash:label from any context (keeps
 * the current transaction of the caller). */
int imua_reply_trans(unsigned int hash, unsigned int label, int code,
		const str *reason, const str *hdrs, const str *body,
		const str *totag);
void imua_out_free(imua_out_t *out);
/* Sets a refusal in rej (reason static). */
void imua_reject(imua_out_t *rej, int code, const char *reason);
/* The usual reason phrase of a code we send. */
const char *imua_reason_of(int code);

#endif
