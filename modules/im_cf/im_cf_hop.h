/*
 * Our invitations to our own terminating function: with an
 * outbound_proxy (this server), an invitation is a request our own
 * B2BUA sends to ourselves, and it carries im_pf's signed X-IM-Hop marker
 * so that the script takes it for terminating traffic (im_pf README
 * "Trust") instead of challenging the inviter's From.
 */
#ifndef IM_CF_HOP_H
#define IM_CF_HOP_H

#include "im_ua_load.h"

/* Finds im_pf's signer when im_pf is loaded; mod_init. */
void imcf_hop_init(void);

/* The next hop of our invitations: outbound_proxy, where "myself" is
 * this server's first UDP listener (the script knows no other way to
 * name its own address in a string). Empty: by the Request-URI. */
str imcf_next_hop(void);

/* im_ua's leg_headers hook of our UAC dialogs. */
int imcf_hop_headers(void *app, const imua_leg_id_t *id, str *hdrs);

#endif
