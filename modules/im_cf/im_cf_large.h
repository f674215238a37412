/*
 * Large Message mode at the controlling function (LM-1..LM-4, OMA TS
 * 9.3, D-28): a factory INVITE carrying +g.oma.sip-im.large-message (in
 * Accept-Contact or Contact) makes a Large Message session. Its relay
 * conference takes no private messages (MS-6: a SEND whose CPIM To is not
 * the session identity gets 403); its invitations carry the tag in
 * Accept-Contact and Contact and offer a=sendonly (LM-4); the sender's
 * CANCEL and BYE end it as any originator's do (LM-2, LM-3).
 */
#ifndef IM_CF_LARGE_H
#define IM_CF_LARGE_H

#include "core/parser/msg_parser.h"
#include "core/str.h"

#define IMCF_LARGE_TAG "+g.oma.sip-im.large-message"

/* 1 when msg asks for a Large Message session (LM-1). */
int imcf_large_requested(struct sip_msg *msg);

/* What our invitation offers (LM-4): "sendonly", or NULL (sendrecv). */
const char *imcf_large_direction(int large);

/* Our Contact's parameters on an invitation (D-28). */
str imcf_large_contact_params(int large);

/* The feature tags of an invitation's Accept-Contact after "*" (D-28). */
const char *imcf_large_accept_tags(int large);

#endif
