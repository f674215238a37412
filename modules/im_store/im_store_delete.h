/*
 * Deleting deferred messages by REFER to Delete@host (OMA 12.1.3,
 * 12.2.2.7, DM-8, D-14): one Message-ID, a cid: resource list
 * (multiple-refer, RFC 5368) or Deferred@host (all); 202, then a NOTIFY
 * (RFC 3515) whose message/sipfrag says the outcome.
 */
#ifndef IM_STORE_DELETE_H
#define IM_STORE_DELETE_H

#include "core/parser/msg_parser.h"

/* 1: deleted, answered 202 (the NOTIFY follows unless Refer-Sub:
 * false); -1: not a REFER, nothing done; -2: refused and answered (400,
 * 403 + 127, 500). */
int imst_delete(struct sip_msg *msg);

#endif
