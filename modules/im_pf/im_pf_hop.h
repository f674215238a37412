/*
 * The hop from our own B2BUA to our own terminating function (issue 8):
 * leg B of a same-domain session carries a marker signed with the
 * installation's secret (lib/im_hop.h), and only a request whose marker
 * checks out is taken for ours. The source address proves nothing: any
 * local process can send from the server's own IP:port.
 *
 * Every incoming request loses its X-IM-Hop headers before the script
 * runs (a pre-script callback), whatever it carries, so that a marker
 * never reaches a client or a peer; the verdict is kept for
 * im_pf_trusted() of the same request.
 */
#ifndef IM_PF_HOP_H
#define IM_PF_HOP_H

#include "core/parser/msg_parser.h"
#include "core/str.h"

#include "im_ua_load.h"

extern str impf_hop_secret_file; /* modparam; empty: a secret per start */

/* Loads (or makes) the secret and hooks the edge; mod_init. 0 or -1. */
int impf_hop_init(void);

/* The marker header for leg B of a call to ourselves, "X-IM-Hop: ...\r\n"
 * in pkg. 0 or -1. */
int impf_hop_header(const imua_leg_id_t *id, str *hdrs);

/* 1: msg carried one valid, fresh marker. */
int impf_hop_signed(struct sip_msg *msg);

#endif
