/*
 * What the requests a served user sends to the Deferred Messaging
 * Function carry (OMA 12.2.1 retrieval, 12.2.2.7 delete): who sends them
 * (the Authenticated Originator, whose store they act on), their body
 * parts, and the Message-IDs a resource list names.
 */
#ifndef IM_STORE_REQUEST_H
#define IM_STORE_REQUEST_H

#include "core/parser/msg_parser.h"

#include "im_store.h"
#include "im_store_push.h"

/* The Authenticated Originator of msg as "sip:user@host" into aor: its
 * P-Asserted-Identity unless the script removed it (one a client wrote
 * itself: the header stays parsed under its removal), else its From.
 * 0: a user of one of our domains; 1: someone else (12.2.1 step 1:
 * 403 + 127); -1: malformed. */
int imst_originator(struct sip_msg *msg, char *aor, int len);


/* The tokens of the Message-IDs ("sip:<token>@<host>", 12.2.2.3 item 4)
 * an RFC 4826 resource list names, into tokens (IMST_PICK_MAX at most);
 * an entry that is no Message-ID of ours names no stored message and is
 * left out. 0 and *n; -1 a malformed list, err says why (errlen). */
int imst_list_tokens(const str *xml, char tokens[][IMST_TOKEN_LEN + 1],
		int *n, char *err, int errlen);

/* The token of one Message-ID URI into token. 0, or -1 when uri is no
 * Message-ID of ours. */
int imst_message_token(const str *uri, char *token);

/* Whether owner has the message of token (NULL: any message), alive and
 * not a Large Message still being received. 1, 0, -1 error. */
int imst_has_message(const str *owner, const char *token);

#endif
