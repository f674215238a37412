/*
 * im_pf: the participating function of the OMA SIMPLE IM server (OMA TS
 * section 6), originating and terminating, for the routing script.
 *
 * Exports and wiring only: the checks are im_pf_checks.c, the B2BUA
 * im_pf_session.c, peers, trust and aliases im_pf_route.c, the signed
 * hop to ourselves im_pf_hop.c, TLS peer identity im_pf_tls.c, the
 * tables im_pf_db.c, RPC im_pf_rpc.c.
 */
#include <string.h>

#include "core/dprint.h"
#include "core/dset.h"
#include "core/kemi.h"
#include "core/mod_fix.h"
#include "core/parser/parse_to.h"
#include "core/parser/parse_uri.h"
#include "core/sr_module.h"
#include "core/forward.h"
#include "core/socket_info.h"

#include "im_kemi.h"
#include "im_pf.h"
#include "im_pf_cache.h"
#include "im_pf_checks.h"
#include "im_pf_db.h"
#include "im_pf_hop.h"
#include "im_pf_route.h"
#include "im_pf_rpc.h"
#include "im_pf_session.h"
#include "im_pf_tls.h"

MODULE_VERSION

imua_api_t impf_ua;
imr_api_t impf_relay;
rr_api_t impf_rr;

str impf_db_url = STR_NULL;
int impf_proxy_mode = 0;
str impf_warn_agent = STR_NULL;
int impf_session_expires = 1800;
static str impf_mode = str_init("b2bua");

static int mod_init(void);
static int child_init(int rank);
static void mod_destroy(void);

static void refuse(struct sip_msg *msg, int code, const char *reason,
		int warn, const char *text)
{
	impf_refusal_t r;

	impf_refuse(&r, code, reason, warn, text);
	impf_send_refusal(msg, &r);
}

/* The next hop of a request for another domain: its peer (TR-1029 NNI),
 * refused when the peer lacks the feature the request needs (D-3). */
static int route_to_peer(struct sip_msg *msg, impf_kind_t kind, str *hop,
		char *buf, int buflen)
{
	impf_peer_t peer;
	unsigned int need = 0;

	if(parse_sip_msg_uri(msg) < 0) {
		refuse(msg, 400, "Bad Request-URI", 0, NULL);
		return -1;
	}
	if(impf_peer_for_domain(&msg->parsed_uri.host, &peer) < 0) {
		refuse(msg, 404, "Not Found: no route to this domain", 0, NULL);
		return -1;
	}
	if(kind == IMPF_KIND_PAGER)
		need = IMPF_FEAT_PAGER;
	else if(kind == IMPF_KIND_LARGE)
		need = IMPF_FEAT_LARGE;
	if(need && !(peer.features & need)) {
		refuse(msg, 403, "Forbidden", 122, "Function not allowed");
		return -1;
	}
	snprintf(buf, buflen, "%s", peer.address);
	hop->s = buf;
	hop->len = strlen(buf);
	return 0;
}

static int uri_is_ours(struct sip_msg *msg)
{
	if(parse_sip_msg_uri(msg) < 0)
		return 0;
	return check_self(&msg->parsed_uri.host, 0, 0) == 1;
}

/* OP-1 for every request of a served user; an INVITE then becomes a B2BUA
 * call towards its Request-URI (OP-2, OP-3, OP-11): 0, the script stops.
 * 1: other requests passed and go on; negative: refused and answered. */
static int ki_im_pf_originating(struct sip_msg *msg)
{
	impf_refusal_t r;
	str sdp = STR_NULL, orig, dname, hop = STR_NULL;
	char hopbuf[256];
	impf_kind_t kind;
	int to_self = 0;

	if(msg->first_line.type != SIP_REQUEST)
		return -1;
	kind = impf_classify(msg, &sdp);
	if(impf_originator(msg, &orig, &dname) < 0) {
		refuse(msg, 400, "Bad Request", 0, NULL);
		return -1;
	}
	if(impf_check_originating(msg, kind, &sdp, &orig, &r) < 0) {
		LM_INFO("%.*s from %.*s refused: %d %s\n",
				msg->first_line.u.request.method.len,
				msg->first_line.u.request.method.s, orig.len, orig.s, r.code,
				r.reason);
		impf_send_refusal(msg, &r);
		return -1;
	}
	if(msg->REQ_METHOD != METHOD_INVITE)
		return 1;
	if(uri_is_ours(msg)) {
		if(impf_proxy_mode) {
			/* D-2 proxy mode, local network only: stay on the path */
			impf_rr.record_route(msg, NULL);
			return 1;
		}
		if(impf_self_uri(hopbuf, sizeof(hopbuf)) < 0) {
			refuse(msg, 500, "Server Internal Error", 0, NULL);
			return -1;
		}
		hop.s = hopbuf;
		hop.len = strlen(hopbuf);
		to_self = 1;
	} else if(route_to_peer(msg, kind, &hop, hopbuf, sizeof(hopbuf)) < 0) {
		return -1;
	}
	return impf_b2bua(msg, 0, to_self, kind, &hop) == 1 ? 0 : -1;
}

static int w_im_pf_originating(struct sip_msg *msg, char *p1, char *p2)
{
	return ki_im_pf_originating(msg);
}

/* TP-1 for a request to a served user. 1 passed, negative refused. */
static int ki_im_pf_terminating(struct sip_msg *msg)
{
	impf_refusal_t r;
	str sdp = STR_NULL, sender, dname, owner;
	impf_kind_t kind;

	if(msg->first_line.type != SIP_REQUEST)
		return -1;
	kind = impf_classify(msg, &sdp);
	if(impf_originator(msg, &sender, &dname) < 0 || parse_to_header(msg) < 0) {
		refuse(msg, 400, "Bad Request", 0, NULL);
		return -1;
	}
	owner = get_to(msg)->uri;
	if(impf_check_terminating(msg, kind, &sdp, &owner, &sender, &r) < 0) {
		LM_INFO("%.*s for %.*s refused: %d %s\n",
				msg->first_line.u.request.method.len,
				msg->first_line.u.request.method.s, owner.len, owner.s, r.code,
				r.reason);
		impf_send_refusal(msg, &r);
		return -1;
	}
	return 1;
}

static int w_im_pf_terminating(struct sip_msg *msg, char *p1, char *p2)
{
	return ki_im_pf_terminating(msg);
}

/* After the script found the user's contact: an INVITE becomes the
 * terminating B2BUA call (TP-3, TP-8): 0, the script stops. 1: anything
 * else (or proxy mode) goes on to be relayed. */
static int ki_im_pf_deliver(struct sip_msg *msg)
{
	str sdp = STR_NULL, hop = STR_NULL;
	impf_kind_t kind;

	if(msg->first_line.type != SIP_REQUEST || msg->REQ_METHOD != METHOD_INVITE)
		return 1;
	if(impf_proxy_mode) {
		/* the originating side may have recorded the route already */
		if(!(msg->msg_flags & FL_RR_ADDED))
			impf_rr.record_route(msg, NULL);
		return 1;
	}
	kind = impf_classify(msg, &sdp);
	if(msg->dst_uri.len)
		hop = msg->dst_uri;
	return impf_b2bua(msg, 1, 0, kind, &hop) == 1 ? 0 : -1;
}

static int w_im_pf_deliver(struct sip_msg *msg, char *p1, char *p2)
{
	return ki_im_pf_deliver(msg);
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

/* A request for another domain (not an INVITE) leaves to its peer. */
static int ki_im_pf_route_peer(struct sip_msg *msg)
{
	str sdp = STR_NULL, hop;
	char buf[256];
	impf_kind_t kind = impf_classify(msg, &sdp);

	if(route_to_peer(msg, kind, &hop, buf, sizeof(buf)) < 0)
		return -1;
	if(set_dst_uri(msg, &hop) < 0)
		return -1;
	return 1;
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

static cmd_export_t cmds[] = {
		{"im_pf_originating", (cmd_function)w_im_pf_originating, 0, 0, 0,
				REQUEST_ROUTE},
		{"im_pf_terminating", (cmd_function)w_im_pf_terminating, 0, 0, 0,
				REQUEST_ROUTE},
		{"im_pf_deliver", (cmd_function)w_im_pf_deliver, 0, 0, 0,
				REQUEST_ROUTE},
		{"im_pf_trusted", (cmd_function)w_im_pf_trusted, 0, 0, 0,
				REQUEST_ROUTE},
		{"im_pf_route_peer", (cmd_function)w_im_pf_route_peer, 0, 0, 0,
				REQUEST_ROUTE},
		{"im_pf_map_alias", (cmd_function)w_im_pf_map_alias, 0, 0, 0,
				REQUEST_ROUTE},
		{0, 0, 0, 0, 0, 0}};

static param_export_t params[] = {{"db_url", PARAM_STR, &impf_db_url},
		{"mode", PARAM_STR, &impf_mode},
		{"warn_agent", PARAM_STR, &impf_warn_agent},
		{"session_expires", PARAM_INT, &impf_session_expires},
		{"hop_secret_file", PARAM_STR, &impf_hop_secret_file}, {0, 0, 0}};

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
	if(impf_session_expires < 0) {
		LM_ERR("session_expires must be 0 (none) or more seconds\n");
		return -1;
	}
	if(load_im_ua_api(&impf_ua) < 0 || load_im_relay_api(&impf_relay) < 0)
		return -1;
	if(load_rr_api(&impf_rr) < 0) {
		LM_ERR("cannot bind rr: load it before im_pf\n");
		return -1;
	}
	if(impf_hop_init() < 0)
		return -1;
	if(!impf_tls_init())
		LM_INFO("tls module not loaded: no peer is trusted by its "
				"certificate\n");
	if(impf_db_init() < 0 || impf_peers_init() < 0 || impf_cache_init() < 0)
		return -1;
	if(impf_peers_reload(err, sizeof(err)) < 0) {
		LM_ERR("cannot load the IM peers: %s\n", err);
		return -1;
	}
	impf_db_close(); /* each child opens its own on first use */
	if(impf_relay.watch(impf_media_watch) < 0)
		return -1;
	return 0;
}

static int child_init(int rank)
{
	(void)rank;
	return 0;
}

static void mod_destroy(void)
{
	impf_db_close();
	impf_peers_destroy();
	impf_cache_destroy();
}

static sr_kemi_t sr_kemi_im_pf_exports[] = {
	IM_KEMI_INT("im_pf", "originating", ki_im_pf_originating),
	IM_KEMI_INT("im_pf", "terminating", ki_im_pf_terminating),
	IM_KEMI_INT("im_pf", "deliver", ki_im_pf_deliver),
	IM_KEMI_INT("im_pf", "trusted", ki_im_pf_trusted),
	IM_KEMI_INT("im_pf", "route_peer", ki_im_pf_route_peer),
	IM_KEMI_INT("im_pf", "map_alias", ki_im_pf_map_alias),
	IM_KEMI_END
};

int mod_register(char *path, int *dlflags, void *p1, void *p2)
{
	sr_kemi_modules_add(sr_kemi_im_pf_exports);
	return 0;
}
