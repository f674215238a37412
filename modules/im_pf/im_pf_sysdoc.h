/*
 * The documents of system messages (OMA TS 5.4 step 3, C-3): a system
 * message whose payload is over 1300 bytes, or that needs the user's
 * interaction, is a message/external-body (RFC 4483) pointing at a
 * document this server hosts. The document lives in table im_sysdoc
 * (it must outlast a restart: the message may wait days in the deferred
 * store) under an unguessable token, and is served over HTTP by
 * Kamailio's xhttp on our SIP TCP/TLS listeners:
 *   GET  <sysdoc_url><token>  the document (200), or 404;
 *   POST <sysdoc_url><token>  the user's response, for a document that
 *                             needs one (an HTML form without action
 *                             posts to its own URL): recorded, Ts1 ends.
 * The URL is a capability: whoever has it may read and answer. It is
 * sent only to the recipient, and ends with the document's expiry.
 */
#ifndef IM_PF_SYSDOC_H
#define IM_PF_SYSDOC_H

#include "core/parser/msg_parser.h"
#include "core/rpc.h"
#include "core/str.h"

#define IMPF_SYSDOC_TOKEN_LEN 32

extern str impf_sysdoc_url;		 /* base URL, ends in '/' */
extern int impf_sysdoc_expires;	 /* seconds a document is served */
extern int impf_sysdoc_max_size; /* largest document */

/* mod_init: the base URL (default http://<first TCP listener>/im/sysdoc/)
 * and the xhttp binding when xhttp is loaded. 0, -1 on a bad parameter. */
int impf_sysdoc_init(void);

/* Keeps a document for user: 0 and token (IMPF_SYSDOC_TOKEN_LEN + 1
 * bytes) and *expires, -1 when it cannot (no xhttp, database). */
int impf_sysdoc_put(const str *user, const str *ctype, const str *body,
		int need_response, char *token, long long *expires);

void impf_sysdoc_del(const char *token);

/* The external-body pointing at token: the Content-Type header value
 * and the body (phantom headers of the document), into out (pkg, the
 * caller frees both .s). 0, -1. */
int impf_sysdoc_external_body(const char *token, long long expires,
		const str *ctype, int size, str *ct_out, str *body_out);

/* The message of token got its 2xx: the response is owed from now. */
void impf_sysdoc_delivered(const char *token);
/* user's responses were recorded another way (RPC im_pf.system_response):
 * none of his documents is owed one any more. 0, -1. */
int impf_sysdoc_answer_all(const str *user);
/* mod_init: Ts1 again for each user a delivered, unexpired document still
 * waits for (a restart keeps what he owes). 0, -1. */
int impf_sysdoc_restore_ts1(void);

/* event_route[xhttp:request]: 1 when the request was for a document
 * and is answered, -1 when its path is not ours (nothing sent). */
int impf_sysdoc_http(struct sip_msg *msg);

/* timer: documents past their expiry are deleted */
void impf_sysdoc_purge(void);

extern const char *impf_rpc_system_docs_doc[];
void impf_rpc_system_docs(rpc_t *rpc, void *ctx);

#endif
