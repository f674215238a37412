/*
 * im_store: deferred messages of the OMA SIMPLE IM server (OMA TS 12,
 * REQUIREMENTS DM-1..DM-9): a MESSAGE for a user who is not registered is
 * stored and answered 202 (im_store_defer, im_store_defer.c), a Large
 * Message received as its terminating UAS and stored (im_store_large.c),
 * pushed to the user over MSRP when he comes back (im_store_push,
 * im_store_push.c) or asks for them (im_store_retrieve,
 * im_store_retrieve.c), deleted when he asks (im_store_delete,
 * im_store_delete.c) or when they expire (the timer below), their senders
 * getting the failure IMDN they asked for (im_store_imdn.c).
 *
 * Exports and wiring only: the table is im_store_db.c, event routes
 * im_store_event.c, counters im_store_stats.c, RPC im_store_rpc.c.
 */
#include <string.h>
#include <time.h>

#include "core/dprint.h"
#include "core/kemi.h"
#include "core/mod_fix.h"
#include "core/socket_info.h"
#include "core/sr_module.h"
#include "core/timer.h"

#include "im_kemi.h"

#include "im_store.h"
#include "im_store_db.h"
#include "im_store_defer.h"
#include "im_store_delete.h"
#include "im_store_event.h"
#include "im_store_imdn.h"
#include "im_store_large.h"
#include "im_store_push.h"
#include "im_store_retrieve.h"
#include "im_store_rpc.h"
#include "im_store_stats.h"

MODULE_VERSION

imua_api_t imst_ua;
imr_api_t imst_relay;
impf_api_t imst_pf;
struct tm_binds imst_tm;

str imst_db_url = STR_NULL;
str imst_host = STR_NULL;
str imst_warn_agent = STR_NULL;
int imst_expires_default = 7 * 24 * 3600;
int imst_expires_max = 30 * 24 * 3600;
int imst_max_size = 16384;
int imst_large_max_size = 1024 * 1024;
int imst_quota_messages = 100;
int imst_quota_bytes = 1024 * 1024;
int imst_session_expires = 1800;
int imst_expire_interval = 60;

static int mod_init(void);
static void mod_destroy(void);

/* A MESSAGE, or a Large Message's INVITE (im_store_large.c). */
static int ki_im_store_defer(struct sip_msg *msg)
{
	int ret = imst_large_defer(msg);

	return ret == -1 ? imst_defer(msg) : ret;
}

static int w_im_store_defer(struct sip_msg *msg, char *p1, char *p2)
{
	return ki_im_store_defer(msg);
}

static int ki_im_store_push(struct sip_msg *msg, str *user)
{
	return imst_push(msg, user);
}

static int w_im_store_push(struct sip_msg *msg, char *user, char *p2)
{
	str u;

	if(fixup_get_svalue(msg, (gparam_t *)user, &u) < 0 || !u.len) {
		LM_ERR("im_store_push: no user\n");
		return -1;
	}
	return ki_im_store_push(msg, &u);
}

static int ki_im_store_retrieve(struct sip_msg *msg)
{
	return imst_retrieve(msg);
}

static int w_im_store_retrieve(struct sip_msg *msg, char *p1, char *p2)
{
	return ki_im_store_retrieve(msg);
}

static int ki_im_store_delete(struct sip_msg *msg)
{
	return imst_delete(msg);
}

static int w_im_store_delete(struct sip_msg *msg, char *p1, char *p2)
{
	return ki_im_store_delete(msg);
}

static cmd_export_t cmds[] = {
		{"im_store_defer", (cmd_function)w_im_store_defer, 0, 0, 0,
				REQUEST_ROUTE},
		{"im_store_push", (cmd_function)w_im_store_push, 1, fixup_spve_null,
				fixup_free_spve_null, REQUEST_ROUTE},
		{"im_store_retrieve", (cmd_function)w_im_store_retrieve, 0, 0, 0,
				REQUEST_ROUTE},
		{"im_store_delete", (cmd_function)w_im_store_delete, 0, 0, 0,
				REQUEST_ROUTE},
		{0, 0, 0, 0, 0, 0}};

static param_export_t params[] = {{"db_url", PARAM_STR, &imst_db_url},
		{"host", PARAM_STR, &imst_host},
		{"warn_agent", PARAM_STR, &imst_warn_agent},
		{"expires_default", PARAM_INT, &imst_expires_default},
		{"expires_max", PARAM_INT, &imst_expires_max},
		{"max_size", PARAM_INT, &imst_max_size},
		{"large_max_size", PARAM_INT, &imst_large_max_size},
		{"quota_messages", PARAM_INT, &imst_quota_messages},
		{"quota_bytes", PARAM_INT, &imst_quota_bytes},
		{"session_expires", PARAM_INT, &imst_session_expires},
		{"expire_interval", PARAM_INT, &imst_expire_interval},
		{"event_callback", PARAM_STR, &imst_event_callback}, {0, 0, 0}};

static pv_export_t pvs[] = {
		{{"imstore", sizeof("imstore") - 1}, PVT_OTHER, imst_pv_get, 0,
				imst_pv_parse_name, 0, 0, 0},
		{{0, 0}, 0, 0, 0, 0, 0, 0, 0}};

struct module_exports exports = {
		"im_store",		 /* module name */
		DEFAULT_DLFLAGS, /* dlopen flags */
		cmds,			 /* cmd (cfg function) exports */
		params,			 /* param exports */
		imst_rpc_cmds,	 /* RPC method exports */
		pvs,			 /* pseudo-variables exports */
		0,				 /* response handling function */
		mod_init,		 /* module init function */
		0,				 /* per-child init function */
		mod_destroy		 /* module destroy function */
};

/* DM-6: what has expired is deleted undelivered (local policy,
 * 12.2.2.4), its sender notified when he asked (12.2.2.6, DM-7). */
static void expire_tick(unsigned int ticks, void *param)
{
	imst_sel_t sel = {.expired_at = time(NULL)};
	int n = imst_delete_notify(&sel);

	(void)ticks;
	(void)param;
	if(n > 0) {
		imst_stats_add(IMST_STAT_EXPIRED, n);
		LM_INFO("%d expired messages deleted\n", n);
	}
}

/* Our first SIP address, when no warn-agent is configured. */
static void default_to_address(str *param)
{
	static char addr[128];
	struct socket_info **l = get_sock_info_list(PROTO_UDP);

	if(param->len)
		return;
	if(l && *l)
		snprintf(addr, sizeof(addr), "%.*s", (*l)->address_str.len,
				(*l)->address_str.s);
	else
		snprintf(addr, sizeof(addr), "im-server");
	param->s = addr;
	param->len = strlen(addr);
}

static int mod_init(void)
{
	if(imst_expires_default < 1 || imst_expires_max < imst_expires_default) {
		LM_ERR("expires_default must be 1 or more and expires_max at least "
			   "expires_default\n");
		return -1;
	}
	if(imst_max_size < 0 || imst_large_max_size < 0 || imst_quota_messages < 0 || imst_quota_bytes < 0
			|| imst_session_expires < 0 || imst_expire_interval < 1) {
		LM_ERR("max_size, quotas and session_expires must be 0 or more, "
			   "expire_interval 1 or more\n");
		return -1;
	}
	default_to_address(&imst_warn_agent);
	memset(&imst_ua, 0, sizeof(imst_ua));
	memset(&imst_relay, 0, sizeof(imst_relay));
	memset(&imst_pf, 0, sizeof(imst_pf));
	if(load_tm_api(&imst_tm) < 0) {
		LM_ERR("cannot bind tm: load it before im_store\n");
		return -1;
	}
	if(load_im_ua_api(&imst_ua) < 0 || load_im_relay_api(&imst_relay) < 0
			|| load_im_pf_api(&imst_pf) < 0)
		return -1;
	if(!imst_ua.uac_invite || !imst_ua.reply || !imst_relay.session_open
			|| !imst_relay.inject || !imst_relay.report
			|| !imst_relay.received || !imst_relay.message_get
			|| !imst_pf.service_allowed || !imst_pf.hop_header
			|| !imst_pf.self_uri || !imst_pf.pager_peer) {
		LM_ERR("im_ua, im_relay or im_pf lack the single-dialog, endpoint "
			   "or policy API\n");
		return -1;
	}
	if(imst_db_init() < 0 || imst_event_init() < 0 || imst_stats_init() < 0
			|| imst_defer_init() < 0 || imst_push_init() < 0
			|| imst_large_init() < 0)
		return -1;
	if(imst_relay.watch(imst_push_watch) < 0
			|| imst_relay.report(imst_push_report) < 0
			|| imst_relay.watch(imst_large_watch) < 0
			|| imst_relay.received(imst_large_received) < 0)
		return -1;
	if(register_timer(expire_tick, 0, imst_expire_interval) < 0
			|| register_timer(imst_large_tick, 0, 1) < 0) {
		LM_ERR("cannot register the expiry timer\n");
		return -1;
	}
	return 0;
}

static void mod_destroy(void)
{
	imst_db_close();
	imst_push_destroy();
	imst_large_destroy();
	imst_defer_destroy();
	imst_stats_destroy();
}

/* clang-format off */
static sr_kemi_t sr_kemi_im_store_exports[] = {
	IM_KEMI_INT("im_store", "defer", ki_im_store_defer),
	IM_KEMI_INT_STR("im_store", "push", ki_im_store_push),
	IM_KEMI_INT("im_store", "retrieve", ki_im_store_retrieve),
	IM_KEMI_INT("im_store", "delete", ki_im_store_delete),
	IM_KEMI_END
};
/* clang-format on */

int mod_register(char *path, int *dlflags, void *p1, void *p2)
{
	sr_kemi_modules_add(sr_kemi_im_store_exports);
	return 0;
}
