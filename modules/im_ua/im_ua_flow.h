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
