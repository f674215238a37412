/*
 * The call flows, one file each: setup (im_ua_invite.c), in-dialog
 * requests (im_ua_indlg.c), the end of a call (im_ua_end.c) and the
 * session timers (im_ua_timer.c).
 */
#ifndef IM_UA_FLOW_H
#define IM_UA_FLOW_H

#include "core/parser/msg_parser.h"
#include "modules/tm/t_hooks.h"

#include "im_ua_call.h"
#include "im_ua_load.h"
#include "im_ua_sip.h"

/* im_ua_invite.c */
int imua_b2b_invite(struct sip_msg *msg, const imua_invite_t *inv, char *key,
		int keylen, imua_out_t *rej);
int imua_reply(struct sip_msg *msg, int code, const str *reason,
		const str *hdrs, const str *ctype, const str *body);
void imua_out_free(imua_out_t *out);
void imua_invite_b_response(imua_tx_t *tx, int type, struct tmcb_params *ps);
int imua_cancel(struct sip_msg *msg);
void imua_send_cancel_b(imua_call_t *c);
int imua_store_route_set(imua_leg_t *l, struct sip_msg *msg, int reverse);
int imua_contact_uri(struct sip_msg *msg, str *uri);

/* im_ua_fork.c: leg B's INVITE to each target in turn */
int imua_fork_init(imua_call_t *c, const imua_invite_t *inv, const char *user);
int imua_send_invite_b(imua_call_t *c);
/* The first INVITE of leg B (or of the first target it can be sent to):
 * 1 sent, 0 none could be. */
int imua_fork_start(imua_call_t *c);
/* Leg B's INVITE failed (ps): 1 when it went on to the next target. */
int imua_fork_retry(imua_call_t *c, struct tmcb_params *ps);
/* From the timer: a target silent for contact_timeout is given up. */
void imua_fork_tick(imua_call_t *c, unsigned int now);
/* 1: tx is leg B's current INVITE (code: a response it got). */
int imua_fork_current(imua_call_t *c, imua_tx_t *tx, int code);
/* A given-up target answered 2xx (tm ACKed it): it gets a BYE. */
void imua_fork_stray_2xx(imua_call_t *c, struct sip_msg *rpl);

/* im_ua_indlg.c */
int imua_dispatch(struct sip_msg *msg);
void imua_bridged_response(imua_tx_t *tx, struct tmcb_params *ps);

/* im_ua_end.c: code_a answers leg A when the call ends before its answer */
void imua_end(imua_call_t *c, int by_leg, const char *reason, int code_a);
void imua_bye_response(imua_tx_t *tx, struct tmcb_params *ps);
void imua_report_ended(imua_call_t *c);
void imua_maybe_finish(imua_call_t *c);
int imua_terminate(const str *key, const char *reason);

/* im_ua_timer.c */
void imua_timer_arm(imua_leg_t *l, unsigned int now);
void imua_timer(unsigned int ticks, void *param);
void imua_refresh_response(imua_tx_t *tx, struct tmcb_params *ps);

#endif
