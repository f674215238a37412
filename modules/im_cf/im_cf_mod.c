/*
 * im_cf: the controlling function of the OMA SIMPLE IM server (OMA TS
 * section 7): ad-hoc and 1-1 sessions through a Conference-factory URI,
 * each participant an im_ua dialog paired with a leg of one im_relay
 * conference.
 *
 * Exports and wiring only: the conference state is im_cf_conf.c, the
 * checks im_cf_policy.c, identities im_cf_ident.c, aliases
 * im_cf_alias.c (pure C, unit-tested); the session table im_cf_table.c,
 * the script entry im_cf_dispatch.c, the factory and identity requests
 * im_cf_factory.c, the dialogs im_cf_dialog.c and their im_ua hooks
 * im_cf_hooks.c, the actions im_cf_actions.c, refusals im_cf_reply.c,
 * the relay's events im_cf_media.c, event routes im_cf_event.c, RPC
 * im_cf_rpc.c; the group pager im_cf_pager.c (its checks
 * im_cf_pager_check.c, pure), its requests im_cf_pager_send.c and its
 * IMDN aggregation im_cf_pager_agg.c; final delivery reports
 * im_cf_report.c (their bookkeeping im_cf_final.c, pure).
 */
#include <string.h>

#include "core/dprint.h"
#include "core/kemi.h"
#include "core/mod_fix.h"
#include "core/pvar.h"
#include "core/sr_module.h"
#include "core/timer.h"
#include "core/timer_proc.h"

#include "im_kemi.h"

#include "im_cf.h"
#include "im_cf_actions.h"
#include "im_cf_reply.h"
#include "im_cf_dialog.h"
#include "im_cf_dispatch.h"
#include "im_cf_event.h"
#include "im_cf_factory.h"
#include "im_cf_hooks.h"
#include "im_cf_hop.h"
#include "im_cf_media.h"
#include "im_cf_pager.h"
#include "im_cf_pager_agg.h"
#include "im_cf_notify.h"
#include "im_cf_report.h"
#include "im_cf_rpc.h"
#include "im_cf_subs.h"
#include "im_cf_sysmsg.h"
#include "im_cf_table.h"

MODULE_VERSION

imua_api_t imcf_ua;
imr_api_t imcf_relay;

int imcf_max_participants = 10;
int imcf_max_duration = 0;
int imcf_min_remaining = 1;
int imcf_allow_anonymity = 1;
int imcf_private_messages = 1;
int imcf_session_expires = 1800;
str imcf_outbound_proxy = STR_NULL;
str imcf_contact_host = STR_NULL;
imcf_ident_fmt_t imcf_ident_fmt;

static str identity_prefix = str_init("conf-");
static str node_param = str_init("imcf-node");
static str node_id = STR_NULL;
static int hash_size = 256;

static int mod_init(void);
static int child_init(int rank);
static void mod_destroy(void);

static int ki_im_cf_handle(struct sip_msg *msg)
{
	return imcf_handle(msg);
}

static int w_im_cf_handle(struct sip_msg *msg, char *p1, char *p2)
{
	return ki_im_cf_handle(msg);
}

static cmd_export_t cmds[] = {
		{"im_cf_handle", (cmd_function)w_im_cf_handle, 0, 0, 0, REQUEST_ROUTE},
		{0, 0, 0, 0, 0, 0}};

static param_export_t params[] = {
		{"factory", PARAM_STRING | PARAM_USE_FUNC, (void *)imcf_factory_param},
		{"max_participants", PARAM_INT, &imcf_max_participants},
		{"max_duration", PARAM_INT, &imcf_max_duration},
		{"min_remaining", PARAM_INT, &imcf_min_remaining},
		{"allow_anonymity", PARAM_INT, &imcf_allow_anonymity},
		{"private_messages", PARAM_INT, &imcf_private_messages},
		{"alias_notice", PARAM_INT, &imcf_alias_notice},
		{"session_expires", PARAM_INT, &imcf_session_expires},
		{"outbound_proxy", PARAM_STR, &imcf_outbound_proxy},
		{"contact_host", PARAM_STR, &imcf_contact_host},
		{"identity_prefix", PARAM_STR, &identity_prefix},
		{"node_param", PARAM_STR, &node_param},
		{"node_id", PARAM_STR, &node_id},
		{"warn_agent", PARAM_STR, &imcf_warn_agent},
		{"hash_size", PARAM_INT, &hash_size},
		{"event_callback", PARAM_STR, &imcf_event_callback},
		{"pager", PARAM_INT, &imcf_pager_enabled},
		{"pager_ts2", PARAM_INT, &imcf_pager_ts2},
		{"pager_max_size", PARAM_INT, &imcf_pager_max_size},
		{"notify_interval", PARAM_INT, &imcf_notify_interval},
		{"subscribe_expires", PARAM_INT, &imcf_subscribe_expires},
		{"max_subscriptions", PARAM_INT, &imcf_max_subscriptions},
		{"final_report_timeout", PARAM_INT, &imcf_final_report_timeout},
		{0, 0, 0}};

static pv_export_t pvs[] = {
		{{"imcf", sizeof("imcf") - 1}, PVT_OTHER, imcf_pv_get, 0,
				imcf_pv_parse_name, 0, 0, 0},
		{{0, 0}, 0, 0, 0, 0, 0, 0, 0}};

struct module_exports exports = {
		"im_cf",		 /* module name */
		DEFAULT_DLFLAGS, /* dlopen flags */
		cmds,			 /* cmd (cfg function) exports */
		params,			 /* param exports */
		imcf_rpc_cmds,	 /* RPC method exports */
		pvs,			 /* pseudo-variables exports */
		0,				 /* response handling function */
		mod_init,		 /* module init function */
		child_init,		 /* per-child init function */
		mod_destroy		 /* module destroy function */
};

/* The fields issue 10 adds to the im_ua and im_relay APIs: a build whose
 * im_ua or im_relay lacks them cannot run im_cf. */
static int apis_complete(void)
{
	if(!imcf_ua.uas_open || !imcf_ua.uas_answer || !imcf_ua.uac_invite
			|| !imcf_ua.dlg_request) {
		LM_ERR("im_ua has no single-dialog API (uas_open, uac_invite ...)\n");
		return 0;
	}
	if(!imcf_relay.session_open || !imcf_relay.session_close
			|| !imcf_relay.leg_accept || !imcf_relay.leg_offer
			|| !imcf_relay.leg_complete || !imcf_relay.leg_reaccept
			|| !imcf_relay.leg_remove) {
		LM_ERR("im_relay has no conference sessions (session_open ...)\n");
		return 0;
	}
	return 1;
}

/* A str parameter as a C string for the pure code (params stay put). */
static const char *cstring(str *s)
{
	char *p;

	if(!s->s || !s->len)
		return "";
	p = pkg_malloc(s->len + 1);
	if(!p)
		return NULL;
	memcpy(p, s->s, s->len);
	p[s->len] = '\0';
	return p;
}

static int mod_init(void)
{
	if(imcf_max_participants < 0 || imcf_max_duration < 0
			|| imcf_session_expires < 0) {
		LM_ERR("max_participants, max_duration and session_expires must be "
			   "0 or more\n");
		return -1;
	}
	if(imcf_notify_interval < 0 || imcf_subscribe_expires < 1
			|| imcf_max_subscriptions < 0) {
		LM_ERR("notify_interval and max_subscriptions must be 0 or more, "
			   "subscribe_expires 1 or more\n");
		return -1;
	}
	if(imcf_min_remaining < 0 || imcf_min_remaining > 1) {
		LM_ERR("min_remaining must be 0 or 1 (CF-19)\n");
		return -1;
	}
	if(!imcf_factory_count())
		LM_WARN("no factory URI: no session can be created\n");
	if(!imcf_warn_agent.len)
		imcf_warn_agent = (str)str_init("im-cf");
	imcf_ident_fmt.prefix = cstring(&identity_prefix);
	imcf_ident_fmt.node_param = cstring(&node_param);
	imcf_ident_fmt.node = cstring(&node_id);
	if(!imcf_ident_fmt.prefix || !imcf_ident_fmt.node_param
			|| !imcf_ident_fmt.node) {
		PKG_MEM_ERROR;
		return -1;
	}
	memset(&imcf_ua, 0, sizeof(imcf_ua));
	memset(&imcf_relay, 0, sizeof(imcf_relay));
	if(load_im_ua_api(&imcf_ua) < 0 || load_im_relay_api(&imcf_relay) < 0
			|| !apis_complete())
		return -1;
	if(imcf_event_init() < 0 || imcf_table_init(hash_size) < 0
			|| imcf_subs_init() < 0
			|| imcf_notify_init(imcf_subs_notify_result) < 0)
		return -1;
	imcf_dialog_set_hooks(&imcf_hooks);
	imcf_hop_init();
	if(imcf_relay.watch(imcf_media_watch) < 0)
		return -1;
	if(imcf_pager_init() < 0 || register_timer(imcf_pager_tick, 0, 1) < 0)
		return -1;
	/* C-8: final delivery reports */
	if(imcf_report_init() < 0 || imcf_relay.report(imcf_report_event) < 0
			|| register_timer(imcf_report_tick, 0, 1) < 0)
		return -1;
	if(register_timer(imcf_tick, 0, 1) < 0) {
		LM_ERR("cannot register the max-duration timer\n");
		return -1;
	}
	/* the process that sends every conference NOTIFY (im_cf_subs.h) */
	register_basic_timers(1); /* counts utimer processes too */
	return 0;
}

/* How often the NOTIFY process looks for due NOTIFYs, ms. */
#define IMCF_SUBS_TICK_MS 20

static int child_init(int rank)
{
	if(rank != PROC_MAIN)
		return 0;
	if(fork_basic_utimer(PROC_TIMER, "IM_CF NOTIFY", 1, imcf_subs_timer, NULL,
			   IMCF_SUBS_TICK_MS)
			< 0) {
		LM_ERR("cannot start the NOTIFY process\n");
		return -1;
	}
	return 0;
}

static void mod_destroy(void)
{
	imcf_subs_destroy();
	imcf_table_destroy();
	imcf_pager_destroy();
	imcf_report_destroy();
}

/* clang-format off */
static sr_kemi_t sr_kemi_im_cf_exports[] = {
	IM_KEMI_INT("im_cf", "handle", ki_im_cf_handle),
	IM_KEMI_END
};
/* clang-format on */

int mod_register(char *path, int *dlflags, void *p1, void *p2)
{
	sr_kemi_modules_add(sr_kemi_im_cf_exports);
	return 0;
}
