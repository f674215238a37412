/*
 * Sending a NOTIFY of a conference subscription (CF-11, CF-21, CF-22)
 * with tm's in-dialog UAC, and handing its final response back to the
 * subscription table.
 */
#ifndef IM_CF_NOTIFY_H
#define IM_CF_NOTIFY_H

#include <stddef.h>

#include "core/parser/msg_parser.h"

#include "im_cf_subs.h"

typedef struct imcf_notify
{
	imcf_sub_dlg_t dlg;
	unsigned int cseq;
	unsigned int sub_id;
	char state[64];	  /* the Subscription-State value */
	const char *body; /* application/conference-info+xml; NULL: none */
	size_t len;
} imcf_notify_t;

/* mod_init: binds tm. 0 or -1. */
int imcf_notify_init(void);

/* Sends n. 0, or -1 (then the subscription is dropped as if refused). */
int imcf_notify_send(const imcf_notify_t *n);

/* The To tag tm put on the reply to msg (the local tag of the dialog a
 * SUBSCRIBE's 2xx created). 0 or -1. */
int imcf_notify_reply_totag(struct sip_msg *msg, char *tag, int len);

#endif
