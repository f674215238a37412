/*
 * Conference event subscriptions (CF-11, CF-21, CF-22): a small shm
 * table of the SUBSCRIBE dialogs to our session identities, apart from
 * the session table so that a session never waits on its subscribers.
 *
 * Every NOTIFY leaves from one timer process (imcf_subs_timer), which
 * keeps each subscription's NOTIFYs in CSeq and version order and
 * applies the rate limit: a subscription gets at most one NOTIFY per
 * `notify_interval` ms, the changes of that time coalesced into the next
 * partial document. The timer also notices the changes themselves, by
 * the conference-state version of the session, and the end of the
 * session (terminated;reason=noresource), so the session code has no
 * hook to call.
 */
#ifndef IM_CF_SUBS_H
#define IM_CF_SUBS_H

#include "core/ip_addr.h"
#include "core/rpc.h"

#include "im_cf_conf.h"
#include "im_cf_notify.h"

extern int imcf_notify_interval;	 /* ms between two NOTIFYs of one
										subscription (CF-21) */
extern int imcf_subscribe_expires;	 /* the longest subscription, s */
extern int imcf_max_subscriptions;	 /* on this node (CF-11 local policy) */

int imcf_subs_init(void);
void imcf_subs_destroy(void);

/* A new subscription of subscriber (its identity in the session) to
 * session, for expires seconds (0: one NOTIFY, then terminated). 0, or -1
 * (no memory, too many subscriptions). */
int imcf_subs_add(const char *session, const char *subscriber,
		const imcf_sub_dlg_t *dlg, int expires);

/* A refresh of the subscription of that dialog: new expiry (0: ends it
 * with a last NOTIFY), a full document next; our Contact copied into
 * contact. 1 done, 0 no such subscription, -1 a CSeq not above the last
 * one. */
int imcf_subs_refresh(const char *call_id, const char *remote_tag,
		const char *local_tag, unsigned int cseq, int expires, char *contact,
		int len);

/* How a NOTIFY of subscription id was answered (tm callback). */
void imcf_subs_notify_result(unsigned int id, int code);

/* Timer process, every few ms: due NOTIFYs, expiry, released sessions. */
void imcf_subs_timer(unsigned int ticks, void *param);

unsigned int imcf_subs_count(void);
unsigned long imcf_subs_notifies(void);
/* The subscriptions to session as an RPC array named "subscriptions"
 * of the struct th. */
void imcf_subs_rpc(rpc_t *rpc, void *th, const char *session);

#endif
