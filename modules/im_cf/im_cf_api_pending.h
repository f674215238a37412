/*
 * TEMPORARY: to be replaced by im_ua_load.h / im_relay_load.h once merged.
 *
 * The single-dialog API of im_ua and the conference-session API of
 * im_relay that issue 10 adds (the agreed contract), which other branches
 * implement at the same time. This header declares exactly those names
 * so that im_cf compiles against them now; at the merge it is deleted and
 * every `#include "im_cf_api_pending.h"` becomes
 *   #include "im_ua_load.h"
 *   #include "im_relay_load.h"
 *
 * Until then the landed headers are included with their api structs
 * renamed, the structs are declared again here with the new fields at
 * their end, and the loaders below bind them; mod_init refuses to start
 * when the loaded im_ua / im_relay leave a new field empty.
 */
#ifndef IM_CF_API_PENDING_H
#define IM_CF_API_PENDING_H

#define imua_api imua_api_landed
#define imua_api_t imua_api_landed_t
#define bind_im_ua_f bind_im_ua_landed_f
#define bind_im_ua bind_im_ua_landed
#define load_im_ua_api load_im_ua_api_landed
#include "im_ua_load.h"
#undef imua_api
#undef imua_api_t
#undef bind_im_ua_f
#undef bind_im_ua
#undef load_im_ua_api

#define imr_api imr_api_landed
#define imr_api_t imr_api_landed_t
#define bind_im_relay_f bind_im_relay_landed_f
#define bind_im_relay bind_im_relay_landed
#define load_im_relay_api load_im_relay_api_landed
#include "im_relay_load.h"
#undef imr_api
#undef imr_api_t
#undef bind_im_relay_f
#undef bind_im_relay
#undef load_im_relay_api

/* ---- im_ua: single dialogs beside B2BUA calls ---- */

typedef struct imua_dlg_hooks
{
	int (*answered)(imua_call_t *c, void *app, struct sip_msg *rpl);
	void (*failed)(imua_call_t *c, void *app, int code, struct sip_msg *rpl);
	int (*reoffer)(
			imua_call_t *c, void *app, struct sip_msg *req, imua_out_t *out);
	int (*request)(
			imua_call_t *c, void *app, struct sip_msg *req, imua_out_t *out);
	void (*ended)(imua_call_t *c, void *app, const char *reason);
} imua_dlg_hooks_t;

typedef struct imua_uas
{
	str key;
	str contact_user;
	str contact_params;
	str contact_host;
	imua_refresher_pref_t refresher;
	const imua_dlg_hooks_t *hooks;
	void *app;
} imua_uas_t;

typedef int (*imua_uas_open_f)(struct sip_msg *msg, const imua_uas_t *uas,
		char *key, int keylen, imua_out_t *rej);
typedef int (*imua_uas_answer_f)(const str *key, int code, const str *reason,
		const str *hdrs, const str *ctype, const str *body);

typedef struct imua_uac
{
	str key;
	str ruri, dst_uri;
	str from_uri, from_dname, to_uri, to_dname;
	str hdrs;
	str body, ctype;
	str contact_user, contact_params, contact_host;
	unsigned int se;
	int refresher_uas;
	const imua_target_t *next_targets;
	int n_next_targets;
	const imua_dlg_hooks_t *hooks;
	void *app;
} imua_uac_t;
typedef int (*imua_uac_invite_f)(const imua_uac_t *uac, char *key, int keylen);

typedef void (*imua_req_cb_f)(const str *key, int code, void *arg);
typedef int (*imua_dlg_request_f)(const str *key, const str *method,
		const str *hdrs, const str *ctype, const str *body, imua_req_cb_f cb,
		void *arg);

typedef struct imua_api
{
	imua_b2b_invite_f b2b_invite;
	imua_reply_f reply;
	imua_out_free_f out_free;
	imua_terminate_f terminate;
	imua_alias_target_f alias_target;
	imua_call_info_f call_info;
	imua_count_f count;
	imua_new_key_f new_key;
	imua_copy_headers_f copy_headers;
	imua_foreach_f foreach;
	imua_end_f end;
	imua_uas_open_f uas_open;
	imua_uas_answer_f uas_answer;
	imua_uac_invite_f uac_invite;
	imua_dlg_request_f dlg_request;
} imua_api_t;

typedef int (*bind_im_ua_f)(imua_api_t *api);

static inline int load_im_ua_api(imua_api_t *api)
{
	bind_im_ua_f bind;

	bind = (bind_im_ua_f)find_export("bind_im_ua", NO_SCRIPT, 0);
	if(!bind) {
		LM_ERR("cannot find bind_im_ua: is im_ua loaded before?\n");
		return -1;
	}
	return bind(api);
}

/* ---- im_relay: conference and endpoint sessions beside bridges ---- */

#define IMR_LEG_ID_MAX 32
typedef struct imr_session
{
	int relay;
	char id[IMR_SESSION_ID_MAX];
	int type;
} imr_session_t;
#define IMR_CONFERENCE 1
#define IMR_ENDPOINT 2
typedef struct imr_leg
{
	char id[IMR_LEG_ID_MAX];
	imr_side_t side;
} imr_leg_t;
typedef struct imr_session_opts
{
	str identity;
	int private_messages;
	int allow_non_cpim;
	int idle_timeout_s;
} imr_session_opts_t;

typedef int (*imr_session_open_f)(imr_session_t *s, int type, const char *id,
		const imr_session_opts_t *o, imr_err_t *e);
typedef void (*imr_session_close_f)(imr_session_t *s);
typedef int (*imr_leg_accept_f)(imr_session_t *s, imr_leg_t *l,
		const char *leg_id, const str *offer, const imr_party_t *party,
		str *answer, imr_err_t *e);
typedef int (*imr_leg_offer_f)(imr_session_t *s, imr_leg_t *l,
		const char *leg_id, const imr_party_t *party, int tls,
		const char *direction, str *offer, imr_err_t *e);
typedef int (*imr_leg_complete_f)(
		imr_session_t *s, imr_leg_t *l, const str *answer, imr_err_t *e);
typedef int (*imr_leg_reaccept_f)(imr_session_t *s, imr_leg_t *l,
		const str *offer, const imr_party_t *party, str *answer, imr_err_t *e);
typedef void (*imr_leg_remove_f)(imr_session_t *s, imr_leg_t *l);
typedef int (*imr_inject_f)(imr_session_t *s, const char *leg_id,
		const str *ctype, const str *body, const str *message_id,
		int success_report, imr_err_t *e);
typedef void (*imr_report_f)(int relay, const char *session, const char *leg,
		const char *message_id, int code, const char *reason,
		const char *sender_leg);
typedef int (*imr_report_register_f)(imr_report_f fn);

typedef struct imr_api
{
	imr_bridge_open_f bridge_open;
	imr_bridge_close_f bridge_close;
	imr_offer_f offer;
	imr_answer_f answer;
	imr_watch_register_f watch;
	imr_session_open_f session_open;
	imr_session_close_f session_close;
	imr_leg_accept_f leg_accept;
	imr_leg_offer_f leg_offer;
	imr_leg_complete_f leg_complete;
	imr_leg_reaccept_f leg_reaccept;
	imr_leg_remove_f leg_remove;
	imr_inject_f inject;
	imr_report_register_f report;
} imr_api_t;

typedef int (*bind_im_relay_f)(imr_api_t *api);

static inline int load_im_relay_api(imr_api_t *api)
{
	bind_im_relay_f bind;

	bind = (bind_im_relay_f)find_export("bind_im_relay", NO_SCRIPT, 0);
	if(!bind) {
		LM_ERR("cannot find bind_im_relay: is im_relay loaded before?\n");
		return -1;
	}
	return bind(api);
}

#endif
