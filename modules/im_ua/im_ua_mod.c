/*
 * im_ua: a SIP user-agent layer on tm for the IM server's B2BUAs.
 *
 * Exports and wiring only: the call table is im_ua_call.c, B2BUA setup
 * im_ua_invite.c, single dialogs im_ua_dlg.c, in-dialog requests
 * im_ua_indlg.c, the end of a call im_ua_end.c, session timers
 * im_ua_timer.c, forking of leg B im_ua_fork.c (serial) and
 * im_ua_parallel.c, the bind API's
 * other functions im_ua_api.c, RPC im_ua_rpc.c; other modules use the
 * bind API of im_ua_load.h (see im_ua_flow.h for the layering).
 */
#include <string.h>

#include "core/dprint.h"
#include "core/kemi.h"
#include "core/mod_fix.h"
#include "core/sr_module.h"
#include "core/timer_proc.h"

#include "im_kemi.h"
#include "im_ua.h"
#include "im_ua_api.h"
#include "im_ua_flow.h"
#include "im_ua_replaces.h"
#include "im_ua_reply.h"
#include "im_ua_rpc.h"

MODULE_VERSION

struct tm_binds imua_tmb;
sl_api_t imua_slb;

int imua_session_expires = 1800;
int imua_min_se = 90;
int imua_ack_timeout = 32;
int imua_hash_size = 4096;
int imua_contact_timeout = 5;
int imua_parallel = 1;
static char *forking = "parallel";
str imua_contact_host = STR_NULL;
str imua_allow = str_init(
		"INVITE, ACK, CANCEL, BYE, UPDATE, INFO, MESSAGE, REFER, NOTIFY, "
		"SUBSCRIBE, OPTIONS");

static int mod_init(void);
static int child_init(int rank);
static void mod_destroy(void);

static int ki_im_ua_dispatch(struct sip_msg *msg)
{
	return imua_dispatch(msg);
}

static int w_im_ua_dispatch(struct sip_msg *msg, char *p1, char *p2)
{
	return ki_im_ua_dispatch(msg);
}

static int ki_im_ua_cancel(struct sip_msg *msg)
{
	return imua_cancel(msg);
}

static int w_im_ua_cancel(struct sip_msg *msg, char *p1, char *p2)
{
	return ki_im_ua_cancel(msg);
}

static int ki_im_ua_map_ruri(struct sip_msg *msg)
{
	return imua_map_ruri(msg);
}

static int w_im_ua_map_ruri(struct sip_msg *msg, char *p1, char *p2)
{
	return ki_im_ua_map_ruri(msg);
}

int bind_im_ua(imua_api_t *api)
{
	if(!api)
		return -1;
	api->b2b_invite = imua_b2b_invite;
	api->reply = imua_reply;
	api->out_free = imua_out_free;
	api->terminate = imua_terminate;
	api->alias_target = imua_alias_target;
	api->call_info = imua_call_info;
	api->count = imua_calls_count;
	api->new_key = imua_new_key;
	api->copy_headers = imua_copy_headers_api;
	api->map_replaces = imua_replaces_map;
	api->foreach = imua_foreach;
	api->end = imua_end_call;
	api->uas_open = imua_uas_open;
	api->uas_answer = imua_uas_answer;
	api->uac_invite = imua_uac_invite;
	api->dlg_request = imua_dlg_request;
	api->request_targets = imua_request_targets;
	return 0;
}

static cmd_export_t cmds[] = {
		{"im_ua_dispatch", (cmd_function)w_im_ua_dispatch, 0, 0, 0,
				REQUEST_ROUTE},
		{"im_ua_cancel", (cmd_function)w_im_ua_cancel, 0, 0, 0, REQUEST_ROUTE},
		{"im_ua_map_ruri", (cmd_function)w_im_ua_map_ruri, 0, 0, 0,
				REQUEST_ROUTE},
		{"bind_im_ua", (cmd_function)bind_im_ua, NO_SCRIPT, 0, 0, 0},
		{0, 0, 0, 0, 0, 0}};

static param_export_t params[] = {
		{"session_expires", PARAM_INT, &imua_session_expires},
		{"min_se", PARAM_INT, &imua_min_se},
		{"ack_timeout", PARAM_INT, &imua_ack_timeout},
		{"hash_size", PARAM_INT, &imua_hash_size},
		{"contact_timeout", PARAM_INT, &imua_contact_timeout},
		{"forking", PARAM_STRING, &forking},
		{"contact_host", PARAM_STR, &imua_contact_host},
		{"allow", PARAM_STR, &imua_allow}, {0, 0, 0}};

struct module_exports exports = {
		"im_ua",		 /* module name */
		DEFAULT_DLFLAGS, /* dlopen flags */
		cmds,			 /* cmd (cfg function) exports */
		params,			 /* param exports */
		imua_rpc_cmds,	 /* RPC method exports */
		0,				 /* pseudo-variables exports */
		0,				 /* response handling function */
		mod_init,		 /* module init function */
		child_init,		 /* per-child init function */
		mod_destroy		 /* module destroy function */
};

static int mod_init(void)
{
	if(imua_min_se < 1) {
		LM_ERR("min_se must be at least 1 second\n");
		return -1;
	}
	if(imua_session_expires < imua_min_se) {
		LM_ERR("session_expires (%d) must not be below min_se (%d)\n",
				imua_session_expires, imua_min_se);
		return -1;
	}
	if(imua_ack_timeout < 1) {
		LM_ERR("ack_timeout must be at least 1 second\n");
		return -1;
	}
	if(imua_contact_timeout < 0) {
		LM_ERR("contact_timeout must be 0 (tm's timers only) or more\n");
		return -1;
	}
	if(strcmp(forking, "parallel") == 0) {
		imua_parallel = 1;
	} else if(strcmp(forking, "serial") == 0) {
		imua_parallel = 0;
	} else {
		LM_ERR("forking must be parallel or serial, not '%s'\n", forking);
		return -1;
	}
	if(load_tm_api(&imua_tmb) < 0) {
		LM_ERR("cannot bind tm: load it before im_ua\n");
		return -1;
	}
	if(sl_load_api(&imua_slb) < 0) {
		LM_ERR("cannot bind sl: load it before im_ua\n");
		return -1;
	}
	if(imua_calls_init(imua_hash_size) < 0 || imua_reply_init() < 0)
		return -1;
	register_basic_timers(1);
	return 0;
}

static int child_init(int rank)
{
	if(rank == PROC_MAIN
			&& fork_basic_timer(PROC_TIMER, "IM_UA TIMER", 1, imua_timer,
					   NULL, 1)
					   < 0) {
		LM_ERR("cannot start the im_ua timer process\n");
		return -1;
	}
	return 0;
}

static void mod_destroy(void)
{
	imua_calls_destroy();
	imua_reply_destroy();
}

static sr_kemi_t sr_kemi_im_ua_exports[] = {
	IM_KEMI_INT("im_ua", "dispatch", ki_im_ua_dispatch),
	IM_KEMI_INT("im_ua", "cancel", ki_im_ua_cancel),
	IM_KEMI_INT("im_ua", "map_ruri", ki_im_ua_map_ruri),
	IM_KEMI_END
};

int mod_register(char *path, int *dlflags, void *p1, void *p2)
{
	sr_kemi_modules_add(sr_kemi_im_ua_exports);
	return 0;
}
