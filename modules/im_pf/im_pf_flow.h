/*
 * The participating function's script entry points (im_pf_flow.c).
 * Return values are the script's: 1 go on, 0 stop (a B2BUA call took the
 * request), negative refused and answered.
 */
#ifndef IM_PF_FLOW_H
#define IM_PF_FLOW_H

#include "core/parser/msg_parser.h"

/* 1 when the Request-URI's domain is one of our peers (im_peer), else -1;
 * answers nothing. */
int impf_is_peer_domain(struct sip_msg *msg);

/* OP-1 for every request of a served user; an INVITE becomes a B2BUA
 * call towards its Request-URI (OP-2, OP-3, OP-11). */
int impf_originating(struct sip_msg *msg);
/* TP-1 for a request to a served user. */
int impf_terminating(struct sip_msg *msg);
/* After the script found the user's contact: an INVITE becomes the
 * terminating B2BUA call (TP-3, TP-8); anything else goes on. */
int impf_deliver(struct sip_msg *msg);
/* A request for another domain (not an INVITE) leaves to its peer. */
int impf_route_peer(struct sip_msg *msg);

#endif
