/*
 * im_relay: the Kamailio side of the MSRP relay control channel.
 *
 * Exports and wiring only; see im_relay_conn.c (client), im_relay_set.c
 * (relays and their state), im_relay_health.c (probing), im_relay_event.c
 * (events from the relay), im_relay_owner.c (this Kamailio as the owner of
 * its relay sessions), im_relay_rpc.c (kamcmd / jsonrpcs commands), and the
 * media API: im_relay_media.c (bridges), im_relay_session.c (conference
 * and endpoint sessions), im_relay_leg.c (their legs), im_relay_watch.c
 * (callbacks).
 */
#include <string.h>

#include "core/dprint.h"
#include "core/mod_fix.h"
#include "core/pvar.h"
#include "core/sr_module.h"
#include "core/timer_proc.h"

#include "im_relay_conn.h"
#include "im_relay_event.h"
#include "im_relay_health.h"
#include "im_relay_load.h"
#include "im_relay_media.h"
#include "im_relay_owner.h"
#include "im_relay_rpc.h"
#include "im_relay_set.h"

MODULE_VERSION

static int mod_init(void);
static int child_init(int rank);
static void mod_destroy(void);

static param_export_t params[] = {
		{"relay", PARAM_STRING | USE_FUNC_PARAM, (void *)imr_relay_param},
		{"timeout", PARAM_INT, &imr_timeout_ms},
		{"health_interval", PARAM_INT, &imr_health_interval},
		{"max_reply_size", PARAM_INT, &imr_max_reply_size},
		{"event_callback", PARAM_STR, &imr_event_callback},
		{"control_secret", PARAM_STR, &imr_control_secret},
		{"control_secret_file", PARAM_STR, &imr_control_secret_file},
		{"owner", PARAM_STR, &imr_owner_param},
		{0, 0, 0}};

static cmd_export_t cmds[] = {
		{"bind_im_relay", (cmd_function)bind_im_relay, NO_SCRIPT, 0, 0, 0},
		{0, 0, 0, 0, 0, 0}};

static pv_export_t mod_pvs[] = {
		{{"imrelay", sizeof("imrelay") - 1}, PVT_OTHER, imr_pv_get, 0,
				imr_pv_parse_name, 0, 0, 0},
		{{0, 0}, 0, 0, 0, 0, 0, 0, 0}};

struct module_exports exports = {
		"im_relay",		 /* module name */
		DEFAULT_DLFLAGS, /* dlopen flags */
		cmds,			 /* cmd (cfg function) exports */
		params,			 /* param exports */
		imr_rpc_cmds,	 /* RPC method exports */
		mod_pvs,		 /* pseudo-variables exports */
		0,				 /* response handling function */
		mod_init,		 /* module init function */
		child_init,		 /* per-child init function */
		mod_destroy		 /* module destroy function */
};

static int mod_init(void)
{
	if(imr_timeout_ms < 10 || imr_timeout_ms > 10000) {
		LM_ERR("timeout must be 10..10000 ms, not %d\n", imr_timeout_ms);
		return -1;
	}
	if(imr_health_interval < 0) {
		LM_ERR("health_interval must be >= 0 seconds (0 disables)\n");
		return -1;
	}
	if(imr_max_reply_size < 4096) {
		LM_ERR("max_reply_size must be at least 4096 bytes\n");
		return -1;
	}
	if(imr_relays_init() < 0)
		return -1;
	if(imr_conn_init() < 0)
		return -1;
	for(int i = 0; i < imr_relay_count; i++)
		if(imr_relays[i].addr.proto == IM_ADDR_TCP && imr_control_secret.len <= 0
				&& imr_control_secret_file.len <= 0)
			LM_WARN("relay %s: tcp control without control_secret: the relay "
					"refuses it unless it runs with control_insecure\n",
					imr_relays[i].name);
	if(imr_relay_count == 0)
		LM_WARN("no relay configured: MSRP sessions cannot be relayed\n");
	if(imr_event_init() < 0)
		return -1;
	if(imr_owner_init() < 0)
		return -1;
	if(imr_health_interval == 0 && imr_relay_count > 0)
		LM_WARN("health_interval 0: sessions are created without an owner, "
				"so a relay keeps them if this Kamailio dies\n");
	if(imr_health_interval > 0 && imr_relay_count > 0)
		register_basic_timers(1);
	return 0;
}

static int child_init(int rank)
{
	if(rank == PROC_MAIN && imr_health_interval > 0 && imr_relay_count > 0) {
		if(fork_basic_timer(PROC_TIMER, "IM_RELAY HEALTH", 1,
				   imr_health_timer, NULL, imr_health_interval)
				< 0) {
			LM_ERR("cannot start the relay health timer process\n");
			return -1;
		}
	}
	return 0;
}

/* The media API (im_relay_load.h): bridges, conference and endpoint
 * sessions, and the callbacks other modules register. */
int bind_im_relay(imr_api_t *api)
{
	if(!api)
		return -1;
	memset(api, 0, sizeof(*api));
	imr_bridge_bind(api);
	imr_session_bind(api);
	api->watch = imr_watch_register;
	api->report = imr_report_register;
	api->received = imr_received_register;
	return 0;
}

static void mod_destroy(void)
{
	imr_conn_close_all();
	imr_relays_destroy();
}
