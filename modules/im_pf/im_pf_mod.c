/*
 * im_pf: the participating function of the OMA SIMPLE IM server (OMA TS
 * section 6), originating and terminating, for the routing script.
 *
 * Exports and wiring only: what each script function does is
 * im_pf_flow.c, the checks im_pf_checks.c, the B2BUA
 * im_pf_session.c, peers, trust and aliases im_pf_route.c, the signed
 * hop to ourselves im_pf_hop.c, TLS peer identity im_pf_tls.c, the
 * tables im_pf_db.c, the users' service settings im_pf_publish.c
 * (PUBLISH) and im_pf_settings.c (what is kept), RPC im_pf_rpc.c.
 */
#include <stdio.h>
#include <string.h>

#include "core/dprint.h"
#include "core/kemi.h"
#include "core/mod_fix.h"
#include "core/sr_module.h"
#include "core/timer_proc.h"

#include "im_kemi.h"
#include "im_pf.h"
#include "im_pf_cache.h"
#include "im_pf_db.h"
#include "im_pf_flow.h"
#include "im_pf_hop.h"
#include "im_pf_load.h"
#include "im_pf_pager.h"
#include "im_pf_checks.h"
#include "im_pf_publish.h"
#include "im_pf_route.h"
#include "im_pf_rpc.h"
#include "im_pf_sysdoc.h"
#include "im_pf_sysmsg.h"
#include "im_pf_ts1.h"
#include "im_pf_session.h"
#include "im_pf_settings.h"
#include "im_pf_tls.h"
#include "im_pf_validity.h"

MODULE_VERSION

imua_api_t impf_ua;
imr_api_t impf_relay;
rr_api_t impf_rr;

str impf_db_url = STR_NULL;
int impf_proxy_mode = 0;
str impf_warn_agent = STR_NULL;
int impf_session_expires = 1800;
int impf_anonymity = 1;
static str impf_mode = str_init("b2bua");

static int mod_init(void);
static int child_init(int rank);
static void mod_destroy(void);

static int ki_im_pf_originating(struct sip_msg *msg)
{
	return impf_originating(msg);
}

static int w_im_pf_originating(struct sip_msg *msg, char *p1, char *p2)
{
	return ki_im_pf_originating(msg);
}

static int ki_im_pf_terminating(struct sip_msg *msg)
{
	return impf_terminating(msg);
}

static int w_im_pf_terminating(struct sip_msg *msg, char *p1, char *p2)
{
	return ki_im_pf_terminating(msg);
}

static int ki_im_pf_deliver(struct sip_msg *msg)
{
	return impf_deliver(msg);
}

static int w_im_pf_deliver(struct sip_msg *msg, char *p1, char *p2)
{
	return ki_im_pf_deliver(msg);
}

/* MSG-04 in event_route[tm:local-request]: a MESSAGE we made, too big
 * for UDP, to a peer's UDP address leaves over TCP (im_pf_pager.c). */
static int ki_im_pf_local_pager(struct sip_msg *msg)
{
	return impf_pager_local(msg);
}

static int w_im_pf_local_pager(struct sip_msg *msg, char *p1, char *p2)
{
	return ki_im_pf_local_pager(msg);
}

/* 1: our own B2BUA (signed marker) or an interconnected IM server (by
 * its peer trust mode) sent msg. */
static int ki_im_pf_trusted(struct sip_msg *msg)
{
	return impf_trusted_source(msg) ? 1 : -1;
}

static int w_im_pf_trusted(struct sip_msg *msg, char *p1, char *p2)
{
	return ki_im_pf_trusted(msg);
}

/* 1: our own B2BUA or focus sent msg (a valid X-IM-Hop marker), not a
 * peer: only such a request may leave for another domain unauthenticated
 * (the controlling function's invitations, TR-1029 6.2.1). */
static int ki_im_pf_own_hop(struct sip_msg *msg)
{
	return impf_hop_signed(msg) ? 1 : -1;
}

static int w_im_pf_own_hop(struct sip_msg *msg, char *p1, char *p2)
{
	return ki_im_pf_own_hop(msg);
}

static int ki_im_pf_peer_domain(struct sip_msg *msg)
{
	return impf_is_peer_domain(msg);
}

static int w_im_pf_peer_domain(struct sip_msg *msg, char *p1, char *p2)
{
	return ki_im_pf_peer_domain(msg);
}

static int ki_im_pf_route_peer(struct sip_msg *msg)
{
	return impf_route_peer(msg);
}

static int w_im_pf_route_peer(struct sip_msg *msg, char *p1, char *p2)
{
	return ki_im_pf_route_peer(msg);
}

static int ki_im_pf_map_alias(struct sip_msg *msg)
{
	return impf_map_alias(msg) ? 1 : -1;
}

static int w_im_pf_map_alias(struct sip_msg *msg, char *p1, char *p2)
{
	return ki_im_pf_map_alias(msg);
}

/* D-29, DM-3: whether user's effective settings have offline delivery
 * active (a push of his deferred messages is wanted). 1 or -1. */
static int ki_im_pf_offline_delivery(struct sip_msg *msg, str *user)
{
	im_settings_t s;

	(void)msg;
	return impf_settings_get(user, &s) >= 0 && s.offline_delivery ? 1 : -1;
}

static int w_im_pf_offline_delivery(struct sip_msg *msg, char *user, char *p2)
{
	str u;

	if(fixup_get_svalue(msg, (gparam_t *)user, &u) < 0 || !u.len) {
		LM_ERR("im_pf_offline_delivery: no user\n");
		return -1;
	}
	return ki_im_pf_offline_delivery(msg, &u);
}

static int ki_im_pf_publish(struct sip_msg *msg)
{
	return impf_publish(msg);
}

static int w_im_pf_publish(struct sip_msg *msg, char *p1, char *p2)
{
	return ki_im_pf_publish(msg);
}

static int ki_im_pf_system_document(struct sip_msg *msg)
{
	return impf_sysdoc_http(msg);
}

static int w_im_pf_system_document(struct sip_msg *msg, char *p1, char *p2)
{
	return ki_im_pf_system_document(msg);
}

static int pager_peer(const str *domain, char *out, int outlen)
{
	impf_peer_t p;

	if(impf_peer_for_domain(domain, &p) < 0 || !(p.features & IMPF_FEAT_PAGER))
		return -1;
	return snprintf(out, outlen, "%s", p.address) < outlen ? 0 : -1;
}

/* OP-1 step 1 for a request the originating function does not route
 * (the Deferred Messaging Function's, OMA TS 12.2.1 step 1). */
static int service_allowed(const str *uri)
{
	impf_policy_t p;

	if(impf_policy_load(uri, &p) < 0)
		return -1;
	return !p.service_denied;
}

static int bind_im_pf(impf_api_t *api)
{
	if(!api)
		return -1;
	api->hop_header = impf_hop_header;
	api->self_uri = impf_self_uri;
	api->pager_peer = pager_peer;
	api->settings = impf_settings_get;
	api->service_allowed = service_allowed;
	return 0;
}

static cmd_export_t cmds[] = {
		{"bind_im_pf", (cmd_function)bind_im_pf, NO_SCRIPT, 0, 0, 0},
		{"im_pf_originating", (cmd_function)w_im_pf_originating, 0, 0, 0,
				REQUEST_ROUTE},
		{"im_pf_terminating", (cmd_function)w_im_pf_terminating, 0, 0, 0,
				REQUEST_ROUTE},
		{"im_pf_deliver", (cmd_function)w_im_pf_deliver, 0, 0, 0,
				REQUEST_ROUTE},
		{"im_pf_trusted", (cmd_function)w_im_pf_trusted, 0, 0, 0,
				REQUEST_ROUTE},
		/* event_route[tm:local-request] is an EVENT_ROUTE to the
		 * parser and a LOCAL_ROUTE when it runs */
		{"im_pf_local_pager", (cmd_function)w_im_pf_local_pager, 0, 0, 0,
				EVENT_ROUTE | LOCAL_ROUTE},
		{"im_pf_own_hop", (cmd_function)w_im_pf_own_hop, 0, 0, 0,
				REQUEST_ROUTE},
		{"im_pf_peer_domain", (cmd_function)w_im_pf_peer_domain, 0, 0, 0,
				REQUEST_ROUTE},
		{"im_pf_route_peer", (cmd_function)w_im_pf_route_peer, 0, 0, 0,
				REQUEST_ROUTE},
		{"im_pf_map_alias", (cmd_function)w_im_pf_map_alias, 0, 0, 0,
				REQUEST_ROUTE},
		{"im_pf_publish", (cmd_function)w_im_pf_publish, 0, 0, 0,
				REQUEST_ROUTE},
		{"im_pf_offline_delivery", (cmd_function)w_im_pf_offline_delivery, 1,
				fixup_spve_null, fixup_free_spve_null, ANY_ROUTE},
		{"im_pf_system_document", (cmd_function)w_im_pf_system_document, 0,
				0, 0, EVENT_ROUTE},
		{0, 0, 0, 0, 0, 0}};

static param_export_t params[] = {{"db_url", PARAM_STR, &impf_db_url},
		{"mode", PARAM_STR, &impf_mode},
		{"warn_agent", PARAM_STR, &impf_warn_agent},
		{"session_expires", PARAM_INT, &impf_session_expires},
		{"anonymity", PARAM_INT, &impf_anonymity},
		{"pager_expired", PARAM_INT, &impf_pager_expired},
		{"date_tolerance", PARAM_INT, &impf_date_tolerance},
		{"ts1", PARAM_INT, &impf_ts1},
		{"ts1_error_info", PARAM_STR, &impf_ts1_error_info},
		{"hop_secret_file", PARAM_STR, &impf_hop_secret_file},
		{"settings_min_expires", PARAM_INT, &impf_settings_min_expires},
		{"settings_max_expires", PARAM_INT, &impf_settings_max_expires},
		{"settings_default_expires", PARAM_INT,
				&impf_settings_default_expires},
		{"settings_timer", PARAM_INT, &impf_settings_timer},
		{"sysdoc_url", PARAM_STR, &impf_sysdoc_url},
		{"sysdoc_expires", PARAM_INT, &impf_sysdoc_expires},
		{"sysdoc_max_size", PARAM_INT, &impf_sysdoc_max_size}, {0, 0, 0}};

struct module_exports exports = {
		"im_pf",		 /* module name */
		DEFAULT_DLFLAGS, /* dlopen flags */
		cmds,			 /* cmd (cfg function) exports */
		params,			 /* param exports */
		impf_rpc_cmds,	 /* RPC method exports */
		0,				 /* pseudo-variables exports */
		0,				 /* response handling function */
		mod_init,		 /* module init function */
		child_init,		 /* per-child init function */
		mod_destroy		 /* module destroy function */
};

static int mod_init(void)
{
	char err[256];

	if(impf_mode.len == 5 && strncmp(impf_mode.s, "proxy", 5) == 0)
		impf_proxy_mode = 1;
	else if(!(impf_mode.len == 5 && strncmp(impf_mode.s, "b2bua", 5) == 0)) {
		LM_ERR("mode must be b2bua or proxy, not %.*s\n", impf_mode.len,
				impf_mode.s);
		return -1;
	}
	if(!impf_warn_agent.len) {
		/* D-34 needs a warn-agent: our SIP address will do */
		static char agent[128];
		struct socket_info **l = get_sock_info_list(PROTO_UDP);
		if(l && *l)
			snprintf(agent, sizeof(agent), "%.*s:%.*s",
					(*l)->address_str.len, (*l)->address_str.s,
					(*l)->port_no_str.len, (*l)->port_no_str.s);
		else
			snprintf(agent, sizeof(agent), "im-server");
		impf_warn_agent.s = agent;
		impf_warn_agent.len = strlen(agent);
	}
	if(impf_date_tolerance < 0) {
		LM_ERR("date_tolerance must be 0 (not checked) or more seconds\n");
		return -1;
	}
	if(impf_session_expires < 0) {
		LM_ERR("session_expires must be 0 (none) or more seconds\n");
		return -1;
	}
	if(impf_settings_min_expires < 1
			|| impf_settings_max_expires < impf_settings_min_expires
			|| impf_settings_default_expires < impf_settings_min_expires
			|| impf_settings_default_expires > impf_settings_max_expires
			|| impf_settings_timer < 1) {
		LM_ERR("settings_*: 1 <= min_expires <= default_expires <= "
			   "max_expires, timer >= 1 s\n");
		return -1;
	}
	if(load_im_ua_api(&impf_ua) < 0 || load_im_relay_api(&impf_relay) < 0)
		return -1;
	if(load_rr_api(&impf_rr) < 0) {
		LM_ERR("cannot bind rr: load it before im_pf\n");
		return -1;
	}
	if(impf_hop_init() < 0 || impf_sysmsg_init() < 0 || impf_ts1_init() < 0)
		return -1;
	if(!impf_tls_init())
		LM_INFO("tls module not loaded: no peer is trusted by its "
				"certificate\n");
	if(impf_db_init() < 0 || impf_peers_init() < 0 || impf_cache_init() < 0
			|| impf_settings_init() < 0 || impf_sysdoc_init() < 0
			|| impf_sysdoc_restore_ts1() < 0)
		return -1;
	if(impf_peers_reload(err, sizeof(err)) < 0) {
		LM_ERR("cannot load the IM peers: %s\n", err);
		return -1;
	}
	impf_db_close(); /* each child opens its own on first use */
	if(impf_relay.watch(impf_media_watch) < 0)
		return -1;
	register_basic_timers(1); /* the settings and documents expiry timer */
	return 0;
}

/* expired settings and system documents go */
static void timer_tick(unsigned int ticks, void *param)
{
	impf_settings_timer_tick(ticks, param);
	impf_sysdoc_purge();
}

static int child_init(int rank)
{
	if(rank == PROC_MAIN
			&& fork_basic_timer(PROC_TIMER, "IM_PF SETTINGS", 1,
					   timer_tick, NULL, impf_settings_timer)
					   < 0) {
		LM_ERR("cannot start the settings timer process\n");
		return -1;
	}
	return 0;
}

static void mod_destroy(void)
{
	impf_db_close();
	impf_peers_destroy();
	impf_cache_destroy();
	impf_settings_destroy();
	impf_ts1_destroy();
}

static sr_kemi_t sr_kemi_im_pf_exports[] = {
	IM_KEMI_INT("im_pf", "originating", ki_im_pf_originating),
	IM_KEMI_INT("im_pf", "terminating", ki_im_pf_terminating),
	IM_KEMI_INT("im_pf", "deliver", ki_im_pf_deliver),
	IM_KEMI_INT("im_pf", "trusted", ki_im_pf_trusted),
	IM_KEMI_INT("im_pf", "local_pager", ki_im_pf_local_pager),
	IM_KEMI_INT("im_pf", "own_hop", ki_im_pf_own_hop),
	IM_KEMI_INT("im_pf", "peer_domain", ki_im_pf_peer_domain),
	IM_KEMI_INT("im_pf", "route_peer", ki_im_pf_route_peer),
	IM_KEMI_INT("im_pf", "map_alias", ki_im_pf_map_alias),
	IM_KEMI_INT("im_pf", "publish", ki_im_pf_publish),
	IM_KEMI_INT_STR("im_pf", "offline_delivery", ki_im_pf_offline_delivery),
	IM_KEMI_INT("im_pf", "system_document", ki_im_pf_system_document),
	IM_KEMI_END
};

int mod_register(char *path, int *dlflags, void *p1, void *p2)
{
	sr_kemi_modules_add(sr_kemi_im_pf_exports);
	return 0;
}
