/*
 * The RFC 3428 size rule for pager-mode MESSAGEs (MSG-04), im_pf_pager.c.
 */
#ifndef IM_PF_PAGER_H
#define IM_PF_PAGER_H

#include "core/parser/msg_parser.h"

/* RFC 3428 section 5 / RFC 3261 18.1.1: the largest MESSAGE sent over a
 * transport without congestion control */
#define IMPF_PAGER_MTU 1300

/* A MESSAGE that may be over IMPF_PAGER_MTU once relayed: each of its
 * UDP destinations that has an open TCP/TLS connection with us from the
 * same address goes over it. Returns how many moved, -1 on error. */
int impf_pager_transport(struct sip_msg *msg);

#endif
