/*
 * The RFC 3428 size rule for pager-mode MESSAGEs (MSG-04), im_pf_pager.c.
 */
#ifndef IM_PF_PAGER_H
#define IM_PF_PAGER_H

#include "core/parser/msg_parser.h"
#include "core/str.h"

#include "im_pf_route.h"

/* RFC 3428 section 5 / RFC 3261 18.1.1: the largest MESSAGE sent over a
 * transport without congestion control */
#define IMPF_PAGER_MTU 1300

/* A MESSAGE that may be over IMPF_PAGER_MTU once relayed: each of its
 * UDP destinations that has an open TCP/TLS connection with us from the
 * same address goes over it. Returns how many moved, -1 on error. */
int impf_pager_transport(struct sip_msg *msg);
/* A MESSAGE we relay to peer (its im_peer address in *hop): when the
 * address is UDP and the MESSAGE may be over IMPF_PAGER_MTU, *hop becomes
 * that address over TCP (in buf). 1 changed, 0 not, -1 error. */
int impf_pager_peer_hop(struct sip_msg *msg, const impf_peer_t *peer,
		char *buf, int buflen, str *hop);
/* In event_route[tm:local-request]: a MESSAGE this server made, out of
 * any dialog, over IMPF_PAGER_MTU as sent, for the UDP address of a peer,
 * is sent over TCP to that address instead. 1 moved, -1 not. */
int impf_pager_local(struct sip_msg *msg);

#endif
