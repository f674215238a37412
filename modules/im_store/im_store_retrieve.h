/*
 * Retrieval of deferred messages (OMA 12.2.1, DM-5): the served user's
 * INVITE to Deferred@host with SDP recvonly, for all his messages or the
 * Message-IDs of a resource list; answered as its UAS and delivered as a
 * push delivers (12.2.2.5).
 */
#ifndef IM_STORE_RETRIEVE_H
#define IM_STORE_RETRIEVE_H

#include "core/parser/msg_parser.h"

/* 1: answered 200, the messages follow; -1: not an INVITE, nothing done;
 * -2: refused and answered (400, 403 + 127, 486, 488, 488 + 125, 500). */
int imst_retrieve(struct sip_msg *msg);

#endif
