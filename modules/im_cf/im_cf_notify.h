/*
 * Sending a NOTIFY of a conference subscription (CF-11, CF-21, CF-22)
 * with tm's in-dialog UAC, and handing its final response back to its
 * owner (the subscription table).
 */
#ifndef IM_CF_NOTIFY_H
#define IM_CF_NOTIFY_H

#include <stddef.h>

#include "core/ip_addr.h"
#include "core/parser/msg_parser.h"

#include "im_cf_conf.h"

#define IMCF_CALLID_MAX 256
#define IMCF_TAG_MAX 128
#define IMCF_ROUTE_MAX 1024

/* The SUBSCRIBE dialog of a new subscription, as the request set it. */
typedef struct imcf_sub_dlg
{
	char call_id[IMCF_CALLID_MAX];
	char remote_tag[IMCF_TAG_MAX], local_tag[IMCF_TAG_MAX];
	char remote_uri[IMCF_URI_MAX], local_uri[IMCF_URI_MAX];
	char target[IMCF_URI_MAX];		  /* the subscriber's Contact */
	char contact[IMCF_URI_MAX];	  /* ours: the session identity's user
										 at our address (CF-11 step 6) */
	char route_set[IMCF_ROUTE_MAX]; /* its Record-Route, in order */
	struct socket_info *sock;		  /* where the SUBSCRIBE came in */
	unsigned int remote_cseq;
} imcf_sub_dlg_t;

/* How the NOTIFY of subscription id was answered (code >= 300: refused
 * or unanswered, the subscription ends). */
typedef void (*imcf_notify_done_f)(unsigned int id, int code);

typedef struct imcf_notify
{
	imcf_sub_dlg_t dlg;
	unsigned int cseq;
	unsigned int sub_id;
	char state[64];	  /* the Subscription-State value */
	const char *body; /* application/conference-info+xml; NULL: none */
	size_t len;
} imcf_notify_t;

/* mod_init: binds tm; done gets the final response of every NOTIFY. 0 or
 * -1. */
int imcf_notify_init(imcf_notify_done_f done);

/* Sends n. 0, or -1 (done has been told of a 500). */
int imcf_notify_send(const imcf_notify_t *n);

/* The To tag tm put on the reply to msg (the local tag of the dialog a
 * SUBSCRIBE's 2xx created). 0 or -1. */
int imcf_notify_reply_totag(struct sip_msg *msg, char *tag, int len);

#endif
