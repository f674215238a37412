/*
 * Storing a MESSAGE for a user who is not registered (OMA 12.2.2.3, DM-2):
 * im_store_defer().
 */
#ifndef IM_STORE_DEFER_H
#define IM_STORE_DEFER_H

#include "core/parser/msg_parser.h"

/* 1: stored and answered 202; -1: not a MESSAGE, nothing done; -2:
 * refused and answered (413 too big, 486 store full, 500). */
int imst_defer(struct sip_msg *msg);

int imst_defer_init(void);
void imst_defer_destroy(void);

/* "sip:user@host" of uri (no port, parameters or headers) into out:
 * 0, or -1 when uri is no SIP URI with a user. */
int imst_aor(const str *uri, char *out, int outlen);

/* The host of our URIs for a user (Message-IDs, Deferred@host): the host
 * parameter, else the host of the user's aor. */
void imst_host_of(const str *aor, str *host);

#endif
