/*
 * What the script functions of the participating function do with a
 * request (OMA TS section 6): the originating checks and then routing or
 * a B2BUA call (OP-1 .. OP-3, OP-11), the terminating checks (TP-1) and
 * the terminating B2BUA call (TP-3, TP-8), and requests that leave to an
 * interconnected domain (TR-1029 NNI, D-3). im_pf_mod.c only wires them.
 */
#include <stdio.h>
#include <string.h>

#include "core/dprint.h"
#include "core/dset.h"
#include "core/data_lump.h"
#include "core/forward.h"
#include "core/globals.h"
#include "core/mem/mem.h"
#include "core/parser/parse_to.h"
#include "core/parser/parse_uri.h"
#include "core/socket_info.h"

#include "im_pf.h"
#include "im_pf_checks.h"
#include "im_pf_flow.h"
#include "im_pf_pager.h"
#include "im_pf_pai.h"
#include "im_pf_route.h"
#include "im_pf_session.h"

static void refuse(struct sip_msg *msg, int code, const char *reason,
		int warn, const char *text)
{
	impf_refusal_t r;

	impf_refuse(&r, code, reason, warn, text);
	impf_send_refusal(msg, &r);
}

/* A request the checks refused: logged with whom it was from or for, and
 * answered. */
static void refused(struct sip_msg *msg, const char *rel, const str *user,
		const impf_refusal_t *r)
{
	LM_INFO("%.*s %s %.*s refused: %d %s\n",
			msg->first_line.u.request.method.len,
			msg->first_line.u.request.method.s, rel, user->len, user->s,
			r->code, r->reason);
	impf_send_refusal(msg, r);
}

/* The next hop of a request for another domain: its peer (TR-1029 NNI),
 * refused when the peer lacks the feature the request needs (D-3). */
static int route_to_peer(struct sip_msg *msg, impf_kind_t kind,
		impf_peer_t *peer, str *hop, char *buf, int buflen)
{
	unsigned int need = 0;

	if(parse_sip_msg_uri(msg) < 0) {
		refuse(msg, 400, "Bad Request-URI", 0, NULL);
		return -1;
	}
	if(impf_peer_for_domain(&msg->parsed_uri.host, peer) < 0) {
		refuse(msg, 404, "Not Found: no route to this domain", 0, NULL);
		return -1;
	}
	if(kind == IMPF_KIND_PAGER)
		need = IMPF_FEAT_PAGER;
	else if(kind == IMPF_KIND_LARGE)
		need = IMPF_FEAT_LARGE;
	if(need && !(peer->features & need)) {
		refuse(msg, 403, "Forbidden", 122, "Function not allowed");
		return -1;
	}
	snprintf(buf, buflen, "%s", peer->address);
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
int impf_originating(struct sip_msg *msg)
{
	impf_refusal_t r;
	str sdp = STR_NULL, orig, dname, hop = STR_NULL;
	char hopbuf[256];
	impf_peer_t peer;
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
		refused(msg, "from", &orig, &r);
		return -1;
	}
	if(msg->REQ_METHOD == METHOD_MESSAGE
			&& impf_pager_assert(msg, &orig, &dname, uri_is_ours(msg)) < 0) {
		refuse(msg, 500, "Server Internal Error", 0, NULL);
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
	} else if(route_to_peer(msg, kind, &peer, &hop, hopbuf, sizeof(hopbuf))
			   < 0) {
		return -1;
	}
	return impf_b2bua(msg, 0, to_self, kind, &hop) == 1 ? 0 : -1;
}

/* TP-1 for a request to a served user. 1 passed, negative refused. */
int impf_terminating(struct sip_msg *msg)
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
		refused(msg, "for", &owner, &r);
		return -1;
	}
	return 1;
}

/* TP-7 (OMA TS 6.1.2.3.1): the MESSAGE delivered to a served user
 * carries our Server header (sic; the core's server_header, D-10),
 * unless it has one. 0, or -1. */
static int add_server(struct sip_msg *msg)
{
	struct lump *anchor;
	char *s;
	int len = server_hdr.len + 2;

	if(parse_headers(msg, HDR_EOH_F, 0) < 0)
		return -1;
	for(struct hdr_field *h = msg->headers; h; h = h->next)
		if(h->type == HDR_SERVER_T)
			return 0;
	anchor = anchor_lump(msg, msg->unparsed - msg->buf, 0, 0);
	s = anchor ? pkg_malloc(len) : NULL;
	if(!s) {
		LM_ERR("no memory for the Server header\n");
		return -1;
	}
	memcpy(s, server_hdr.s, server_hdr.len);
	memcpy(s + server_hdr.len, "\r\n", 2);
	if(!insert_new_lump_before(anchor, s, len, 0)) {
		pkg_free(s);
		return -1;
	}
	return 0;
}

/* After the script found the user's contact: an INVITE becomes the
 * terminating B2BUA call (TP-3, TP-8): 0, the script stops. 1: anything
 * else (or proxy mode) goes on to be relayed. */
int impf_deliver(struct sip_msg *msg)
{
	str sdp = STR_NULL, hop = STR_NULL;
	impf_kind_t kind;

	if(msg->first_line.type != SIP_REQUEST)
		return 1;
	if(msg->REQ_METHOD == METHOD_MESSAGE)
		return add_server(msg) < 0 || impf_pager_privacy(msg) < 0
							   || impf_pager_transport(msg) < 0
					   ? -1
					   : 1;
	if(msg->REQ_METHOD != METHOD_INVITE)
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

int impf_is_peer_domain(struct sip_msg *msg)
{
	impf_peer_t peer;

	if(parse_sip_msg_uri(msg) < 0)
		return -1;
	return impf_peer_for_domain(&msg->parsed_uri.host, &peer) < 0 ? -1 : 1;
}

/* A request for another domain (not an INVITE) leaves to its peer; a
 * MESSAGE too big for UDP over TCP to the peer's address (MSG-04). */
int impf_route_peer(struct sip_msg *msg)
{
	str sdp = STR_NULL, hop;
	char buf[256];
	impf_peer_t peer;
	impf_kind_t kind = impf_classify(msg, &sdp);

	if(route_to_peer(msg, kind, &peer, &hop, buf, sizeof(buf)) < 0
			|| impf_pager_peer_hop(msg, &peer, buf, sizeof(buf), &hop) < 0)
		return -1;
	if(set_dst_uri(msg, &hop) < 0)
		return -1;
	return 1;
}
