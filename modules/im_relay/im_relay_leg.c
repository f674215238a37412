#include <stdio.h>
#include <string.h>

#include "core/dprint.h"
#include "core/mem/mem.h"

#include "im_relay_conn.h"
#include "im_relay_leg.h"
#include "im_relay_set.h"
#include "im_random.h"

void imr_fail(imr_err_t *e, int code, const char *fmt, const char *arg)
{
	e->code = code;
	snprintf(e->text, sizeof(e->text), fmt, arg ? arg : "");
}

int imr_sdp_parse(const str *sdp, im_sdp_msrp_t *m, imr_err_t *e)
{
	const char *why = NULL;
	int no_msrp = 0;

	if(!sdp || !sdp->len) {
		imr_fail(e, 488, "304 no SDP offer", NULL);
		return -1;
	}
	/* RFC 3264 section 6: an SDP we cannot take is answered 488 with a
	 * Warning (RFC 3261 warn-codes in the text, D-34), whether it is
	 * malformed or only without MSRP; never passed on (issue 8) */
	if(im_sdp_parse_msrp(sdp->s, (size_t)sdp->len, m, &no_msrp, &why) < 0) {
		if(no_msrp)
			imr_fail(e, 488, "304 no MSRP media (m=message ... TCP/MSRP)",
					NULL);
		else
			imr_fail(e, 488, "307 malformed SDP: %s", why);
		return -1;
	}
	return 0;
}

void imr_side_init(imr_side_t *sd)
{
	memset(sd, 0, sizeof(*sd));
	sd->sess_id = ((unsigned long long)im_random32() << 20) ^ im_random32();
}

static json_t *span_json(im_span_t s)
{
	return json_stringn(s.p ? s.p : "", s.len);
}

static void add_party(json_t *p, const imr_party_t *who)
{
	if(!who)
		return;
	if(who->uri.len)
		json_object_set_new(
				p, "identity", json_stringn(who->uri.s, who->uri.len));
	if(who->display.len)
		json_object_set_new(
				p, "display", json_stringn(who->display.s, who->display.len));
	if(who->version.len)
		json_object_set_new(
				p, "version", json_stringn(who->version.s, who->version.len));
}

/* RFC 6714: an active relay connects to the c= / m= address when both
 * ends use CEMA. */
static void add_cema(json_t *p, const im_sdp_msrp_t *m, int use)
{
	char addr[96];

	if(use) {
		snprintf(addr, sizeof(addr), "tcp:%s%.*s%s:%u", m->ipv6 ? "[" : "",
				(int)m->conn_ip.len, m->conn_ip.p, m->ipv6 ? "]" : "",
				m->port);
		json_object_set_new(p, "cema_addr", json_string(addr));
	} else {
		json_object_set_new(p, "cema_addr", json_string(""));
	}
}

/* What every leg learns from the party's SDP, offer or answer: its path,
 * who connects, what it takes, and over TLS (RFC 4572) the only
 * certificate the relay takes ("" clears an earlier one). */
static json_t *leg_params(const imr_side_t *sd, const im_sdp_msrp_t *m,
		int cema, const imr_party_t *party)
{
	json_t *p = json_pack("{s:o, s:s, s:o}", "remote_path", span_json(m->path),
			"setup", sd->relay_active ? "active" : "passive", "accept_types",
			span_json(m->accept_types));

	if(m->max_size >= 0)
		json_object_set_new(p, "max_size", json_integer(m->max_size));
	add_cema(p, m, cema);
	if(m->tls)
		json_object_set_new(p, "fingerprint", span_json(m->fingerprint));
	add_party(p, party);
	return p;
}

json_t *imr_leg_offered(imr_side_t *sd, const im_sdp_msrp_t *m,
		const imr_party_t *party)
{
	json_t *p;

	sd->uses_setup = m->setup != IM_SETUP_NONE;
	sd->cema = m->cema;
	sd->tls = m->tls;
	sd->ipv6 = m->ipv6;
	/* we answer the party: it connects unless it asked us to */
	sd->relay_active = m->setup == IM_SETUP_PASSIVE;
	p = leg_params(sd, m, sd->relay_active && m->cema, party);
	json_object_set_new(p, "tls", json_boolean(m->tls));
	json_object_set_new(p, "ipv6", json_boolean(m->ipv6));
	return p;
}

json_t *imr_leg_waiting(
		imr_side_t *sd, int tls, int ipv6, const imr_party_t *party)
{
	json_t *p = json_pack("{s:s, s:b, s:b}", "setup", "passive", "tls", tls,
			"ipv6", ipv6);

	sd->tls = tls;
	sd->ipv6 = ipv6;
	add_party(p, party);
	return p;
}

json_t *imr_leg_answered(imr_side_t *sd, const im_sdp_msrp_t *m,
		const imr_party_t *party, imr_err_t *e)
{
	if(m->tls != sd->tls) {
		imr_fail(e, 488, "the answer changed the MSRP transport", NULL);
		return NULL;
	}
	/* we offered: we connect unless the answer says it does */
	sd->relay_active = m->setup != IM_SETUP_ACTIVE;
	return leg_params(sd, m, sd->relay_active && sd->cema && m->cema, party);
}

int imr_leg_take(imr_side_t *sd, json_t *leg, imr_err_t *e)
{
	const char *path = json_string_value(json_object_get(leg, "local_path"));
	const char *fp =
			json_string_value(json_object_get(leg, "local_fingerprint"));

	if(!path || strlen(path) >= sizeof(sd->local_path)) {
		imr_fail(e, 500, "relay gave no local path", NULL);
		return -1;
	}
	snprintf(sd->local_path, sizeof(sd->local_path), "%s", path);
	/* a fingerprint that does not fit is left out, never cut short */
	if(fp && strlen(fp) < sizeof(sd->local_fingerprint))
		snprintf(sd->local_fingerprint, sizeof(sd->local_fingerprint), "%s",
				fp);
	else
		sd->local_fingerprint[0] = '\0';
	sd->created = 1;
	return 0;
}

int imr_leg_set(int relay, const char *session, const char *leg,
		imr_side_t *sd, json_t *params, imr_err_t *e)
{
	json_t *result = NULL;
	int ret;
	char err[IMR_ERROR_MAX];
	imr_call_status_t st;

	if(!params) {
		/* jansson refused a value: text of the SDP that is not UTF-8 */
		imr_fail(e, 488, "307 malformed SDP: not UTF-8 text", NULL);
		return -1;
	}
	if(relay < 0 || relay >= imr_relay_count) {
		imr_fail(e, 500, "no relay session", NULL);
		json_decref(params);
		return -1;
	}
	json_object_set_new(params, "session", json_string(session));
	json_object_set_new(params, "id", json_string(leg));
	st = imr_call(&imr_relays[relay], sd->created ? "leg.update" : "leg.add",
			params, &result, err, sizeof(err));
	json_decref(params);
	if(st != IMR_CALL_OK) {
		LM_WARN("relay %s session %s leg %s: %s\n", imr_relays[relay].name,
				session, leg, err);
		if(st == IMR_CALL_RPC_ERROR)
			imr_fail(e, 488, "media not acceptable to the relay: %s", err);
		else
			imr_fail(e, 503, "MSRP relay unavailable: %s", err);
		return -1;
	}
	ret = imr_leg_take(sd, result, e);
	json_decref(result);
	return ret;
}

im_sdp_setup_t imr_side_setup(const imr_side_t *sd)
{
	if(!sd->uses_setup)
		return IM_SETUP_NONE;
	return sd->relay_active ? IM_SETUP_ACTIVE : IM_SETUP_PASSIVE;
}

int imr_sdp_for_side(imr_side_t *sd, const str *sdp, const im_sdp_msrp_t *m,
		im_sdp_setup_t setup, int cema, str *out, imr_err_t *e)
{
	im_sdp_rewrite_t rw;
	char host[64];
	unsigned port;
	int v6;
	size_t cap, n;

	if(im_msrp_path_addr(sd->local_path, strlen(sd->local_path), host,
			   sizeof(host), &port, &v6)
			< 0) {
		imr_fail(e, 500, "bad relay path %s", sd->local_path);
		return -1;
	}
	memset(&rw, 0, sizeof(rw));
	rw.path = sd->local_path;
	rw.ip = host;
	rw.ipv6 = v6;
	rw.port = port;
	rw.setup = setup;
	rw.cema = cema;
	rw.sess_id = sd->sess_id;
	rw.sess_version = ++sd->sess_version;
	rw.fingerprint = sd->local_fingerprint[0] ? sd->local_fingerprint : NULL;
	cap = im_sdp_rewrite_len(sdp->s, (size_t)sdp->len, m, &rw);
	out->s = cap ? pkg_malloc(cap) : NULL;
	if(!out->s) {
		PKG_MEM_ERROR;
		imr_fail(e, 500, "out of memory", NULL);
		return -1;
	}
	n = im_sdp_rewrite(sdp->s, (size_t)sdp->len, m, &rw, out->s, cap);
	if(n == 0) {
		pkg_free(out->s);
		out->s = NULL;
		imr_fail(e, 500, "SDP rewrite failed", NULL);
		return -1;
	}
	out->len = (int)n;
	return 0;
}
