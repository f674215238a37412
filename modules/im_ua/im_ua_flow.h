/*
 * The call flows, one file each: B2BUA setup (im_ua_invite.c), single
 * dialogs (im_ua_dlg.c), in-dialog requests (im_ua_indlg.c), the end of a
 * call (im_ua_end.c), forking (im_ua_fork.c, im_ua_parallel.c) and the session
 * timers (im_ua_timer.c). Who calls whom, top down: timer, dlg and invite
 * use fork, indlg and end; fork uses end; end and the lower files
 * (im_ua_leg.c, im_ua_sip.c, im_ua_reply.c, im_ua_call.c) call nothing
 * above them: the responses to our requests reach their flow through the
 * handler each request carries (imua_tx_t.on_response).
 */
#ifndef IM_UA_FLOW_H
#define IM_UA_FLOW_H

#include "core/parser/msg_parser.h"
#include "modules/tm/t_hooks.h"

#include "im_ua_call.h"
#include "im_ua_leg.h"
#include "im_ua_load.h"
#include "im_ua_reply.h"
#include "im_ua_sip.h"

/* im_ua_invite.c */
int imua_b2b_invite(struct sip_msg *msg, const imua_invite_t *inv, char *key,
		int keylen, imua_out_t *rej);
/* A CANCEL of leg A's INVITE (of a call or a UAS dialog): 1 answered. */
int imua_cancel(struct sip_msg *msg);

/* im_ua_dlg.c: single dialogs */
int imua_uas_open(struct sip_msg *msg, const imua_uas_t *uas, char *key,
		int keylen, imua_out_t *rej);
int imua_uas_answer(const str *key, int code, const str *reason,
		const str *hdrs, const str *ctype, const str *body);
int imua_uac_invite(const imua_uac_t *uac, char *key, int keylen);
int imua_dlg_request(const str *key, const str *method, const str *hdrs,
		const str *ctype, const str *body, imua_req_cb_f cb, void *arg);

/* im_ua_fork.c: leg B's INVITE to each target in turn */
/* What the owner of leg B's INVITE (a B2BUA call, a UAC dialog) does with
 * the responses of its current attempt; provisional may be NULL. */
typedef struct imua_fork_ops {
	void (*provisional)(imua_call_t *c, struct tmcb_params *ps);
	void (*answered)(imua_call_t *c, struct sip_msg *rpl);
	void (*failed)(imua_call_t *c, struct tmcb_params *ps);
} imua_fork_ops_t;
int imua_fork_init(imua_call_t *c, const imua_leg_b_spec_t *inv,
		const char *user, const imua_fork_ops_t *ops);
int imua_send_invite_b(imua_call_t *c);
/* The same only while leg B's target is still the one of attempt
 * expected (0: any): -2 when another took its place meanwhile (nothing
 * sent); the transaction's tm ids in *hash, *label (may be NULL). */
int imua_send_invite_b_of(imua_call_t *c, unsigned int expected,
		unsigned int *hash, unsigned int *label);
/* The first INVITE of leg B (or of the first target it can be sent to):
 * 1 sent, 0 none could be. */
int imua_fork_start(imua_call_t *c);
/* Leg B's INVITE failed (ps): 1 when it went on to the next target. */
int imua_fork_retry(imua_call_t *c, struct tmcb_params *ps);
/* From the timer: a target silent for contact_timeout is given up. */
void imua_fork_tick(imua_call_t *c, unsigned int now);
/* Leg B's INVITE got its 2xx (tm ACKed it): its dialog is kept. 1: the
 * call goes on; 0: it ended meanwhile or the 2xx is unusable, and the call
 * is ending (leg B gets its BYE). */
int imua_fork_answered(imua_call_t *c, struct sip_msg *rpl);
/* A given-up target answered 2xx (tm ACKed it): it gets a BYE. */
void imua_fork_stray_2xx(imua_call_t *c, struct sip_msg *rpl);
/* Target i (of c->targets) becomes leg B's, as a new attempt pending;
 * under the call lock. 0, or -1 out of memory. */
int imua_fork_target_locked(imua_call_t *c, int i);

/* im_ua_parallel.c: leg B's INVITE to every target at once (a B2BUA
 * call with more than one target, im_ua's forking "parallel"; a single
 * UAC dialog whose owner asks for it); c->parallel_fork of such a call */
extern const imua_fork_strategy_t imua_parallel_fork;
/* The failure a parallel fork reports (RFC 3261 16.7 step 6): its reason
 * phrase (into reason, NUL-terminated) and the headers of it that cross
 * (into h). 1 filled; 0 c did not fork in parallel. */
int imua_parallel_failure(imua_call_t *c, char *reason, int len, im_kbuf_t *h);

/* im_ua_indlg.c */
int imua_dispatch(struct sip_msg *msg);

/* im_ua_end.c: code_a answers leg A when the call ends before its answer */
void imua_end(imua_call_t *c, int by_leg, const char *reason, int code_a);
/* The code an unanswered INVITE gets when the owner or an operator ends
 * the call (its mode's). */
int imua_end_code(const imua_call_t *c);
/* UAC dialog: its failed hook, once and before ended (rpl may be NULL). */
void imua_report_failed(imua_call_t *c, int code, struct sip_msg *rpl);
void imua_report_ended(imua_call_t *c);
/* Around every call of an owner's hook other than ended: 0 when the end
 * was reported already (the hook must not run: what its app pointer
 * names may be gone). The ended hook never runs while another hook does,
 * nor another one after it: two processes may work on one call at once
 * (a BYE in one, a 200 or a re-INVITE in the other), and ended is where
 * the owner gives back what its other hooks use. */
int imua_hook_enter(imua_call_t *c);
void imua_hook_leave(imua_call_t *c);
void imua_send_cancel_b(imua_call_t *c);
void imua_maybe_finish(imua_call_t *c);
int imua_terminate(const str *key, const char *reason);

/* im_ua_timer.c */
void imua_timer(unsigned int ticks, void *param);

#endif
