/*
 * SUBSCRIBE Event: conference to a session identity (CF-11, OMA TS
 * 7.2.1.12): the checks, the 200 that creates the subscription dialog,
 * and refreshes and unsubscriptions within that dialog. The NOTIFYs are
 * the subscription table's (im_cf_subs.c).
 */
#ifndef IM_CF_SUBSCRIBE_H
#define IM_CF_SUBSCRIBE_H

#include "core/parser/msg_parser.h"


/* A SUBSCRIBE out of any dialog to the identity of session id (404 when
 * there is no such session here). IMCF_HANDLED or IMCF_REFUSED. */
int imcf_subscribe(struct sip_msg *msg, const char *id);

/* A SUBSCRIBE within a subscription dialog (a To tag, the Request-URI
 * a session identity): refresh or unsubscribe (Expires: 0), 481 when the
 * subscription is unknown. IMCF_HANDLED or IMCF_REFUSED. */
int imcf_subscribe_refresh(struct sip_msg *msg);

#endif
