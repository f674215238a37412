/*
 * The SIP side of the media plane (im_relay_load.h): choosing a relay,
 * its bridge session and legs over the control channel, and the SDP each
 * party sees (lib/im_sdp.c does the text).
 *
 * TCP direction (RFC 4975 section 8.2, RFC 6135, D-19): without a=setup
 * the offerer connects; with it, the answerer's a=setup says who does.
 * The relay answers the offerer passive unless it asked us to connect;
 * towards the answerer it offers actpass when the offerer used a=setup
 * (and nothing otherwise), and takes whatever role the answer leaves it.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "core/dprint.h"
#include "core/mem/mem.h"
#include "core/rand/cryptorand.h"

#include "im_relay_conn.h"
#include "im_relay_load.h"
#include "im_relay_media.h"
#include "im_relay_owner.h"
#include "im_relay_set.h"
#include "im_sdp.h"

static const char *leg_name(int side)
{
	return side == 0 ? "a" : "b";
}

static void fail(imr_err_t *e, int code, const char *fmt, const char *arg)
{
	e->code = code;
	snprintf(e->text, sizeof(e->text), fmt, arg ? arg : "");
}

/* Relays in the order to try: up (or not yet probed) ones by weighted
 * random choice, down ones never. Returns how many. */
static int candidates(int *order)
{
	int n = 0, total = 0, w[64];

	for(int i = 0; i < imr_relay_count && n < 64; i++) {
		imr_relay_t *r = &imr_relays[i];
		imr_state_t st;

		lock_get(&r->lock);
		st = r->state;
		lock_release(&r->lock);
		if(st == IMR_STATE_DOWN)
			continue;
		order[n] = i;
		w[n] = r->weight > 0 ? r->weight : 1;
		total += w[n];
		n++;
	}
	/* weighted shuffle: pick, remove, repeat */
	for(int k = 0; k < n - 1; k++) {
		int pick = (int)(cryptorand() % (unsigned int)total), j = k;
		while(pick >= w[j]) {
			pick -= w[j];
			j++;
		}
		total -= w[j];
		int oi = order[k], ow = w[k];
		order[k] = order[j];
		w[k] = w[j];
		order[j] = oi;
		w[j] = ow;
	}
	return n;
}

static int bridge_open(imr_bridge_t *b, const char *session_id, imr_err_t *e)
{
	memset(b, 0, sizeof(*b));
	b->relay = -1;
	if(strlen(session_id) >= sizeof(b->session)) {
		fail(e, 500, "session id too long", NULL);
		return -1;
	}
	snprintf(b->session, sizeof(b->session), "%s", session_id);
	for(int s = 0; s < 2; s++)
		b->side[s].sess_id =
				((unsigned long long)cryptorand() << 20) ^ cryptorand();
	return 0;
}

static int take_local_path(imr_side_t *sd, json_t *leg, imr_err_t *e)
{
	const char *path = json_string_value(json_object_get(leg, "local_path"));
	const char *fp =
			json_string_value(json_object_get(leg, "local_fingerprint"));

	if(!path || strlen(path) >= sizeof(sd->local_path)) {
		fail(e, 500, "relay gave no local path", NULL);
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

/*
 * The bridge with both its legs in one exchange, on a relay that is up
 * (weighted choice); a relay that does not answer is passed over for the
 * next. legs (borrowed) are the leg.add parameters of sides 0 and 1.
 */
static int create_bridge(imr_bridge_t *b, json_t *legs, imr_err_t *e)
{
	int order[64], n = candidates(order);
	char err[IMR_ERROR_MAX] = "";

	for(int i = 0; i < n; i++) {
		imr_relay_t *r = &imr_relays[order[i]];
		json_t *params, *result = NULL, *made;
		imr_call_status_t st;

		params = json_pack("{s:s, s:s, s:O}", "id", b->session, "type", "bridge",
				"legs", legs);
		imr_owner_tag(params);
		st = imr_call(r, "session.create", params, &result, err, sizeof(err));
		json_decref(params);
		if(st == IMR_CALL_OK) {
			made = json_object_get(result, "legs");
			b->relay = order[i];
			if(json_array_size(made) != 2
					|| take_local_path(&b->side[0], json_array_get(made, 0), e) < 0
					|| take_local_path(&b->side[1], json_array_get(made, 1), e)
							   < 0) {
				json_decref(result);
				fail(e, 500, "relay answered session.create without its legs",
						NULL);
				return -1;
			}
			json_decref(result);
			return 0;
		}
		if(result)
			json_decref(result);
		LM_WARN("relay %s refused or failed session %s: %s\n", r->name,
				b->session, err);
		if(st == IMR_CALL_RPC_ERROR) {
			/* the relay answered: another would say the same */
			fail(e, 488, "media not acceptable to the relay: %s", err);
			return -1;
		}
	}
	if(err[0])
		fail(e, 503, "no MSRP relay available: %s", err);
	else
		fail(e, 503, "no MSRP relay available%s", n ? "" : " (all down)");
	return -1;
}

static void bridge_close(imr_bridge_t *b)
{
	json_t *params;
	char err[IMR_ERROR_MAX];

	if(b->relay < 0 || b->relay >= imr_relay_count)
		return;
	/* a relay that is down has lost the session or will not hear us: do
	 * not spend a control timeout per call on it */
	lock_get(&imr_relays[b->relay].lock);
	if(imr_relays[b->relay].state == IMR_STATE_DOWN) {
		lock_release(&imr_relays[b->relay].lock);
		b->relay = -1;
		return;
	}
	lock_release(&imr_relays[b->relay].lock);
	/* nothing to do with the answer: the SIP side has ended already, so
	 * quiet: no session_closed event about what we did ourselves */
	params = json_pack("{s:s, s:b}", "id", b->session, "quiet", 1);
	if(imr_post(&imr_relays[b->relay], "session.destroy", params, err,
			   sizeof(err))
			< 0)
		LM_WARN("relay %s: session %s not destroyed: %s\n",
				imr_relays[b->relay].name, b->session, err);
	json_decref(params);
	b->relay = -1;
}

static json_t *span_json(im_span_t s)
{
	return json_stringn(s.p ? s.p : "", s.len);
}

/* leg.add or leg.update; the relay's local path lands in side->local_path */
static int set_leg(imr_bridge_t *b, int side, json_t *params, imr_err_t *e)
{
	json_t *result = NULL;
	int ret;
	char err[IMR_ERROR_MAX];
	imr_side_t *sd = &b->side[side];
	imr_call_status_t st;

	if(b->relay < 0) {
		fail(e, 500, "no relay session", NULL);
		json_decref(params);
		return -1;
	}
	json_object_set_new(params, "session", json_string(b->session));
	json_object_set_new(params, "id", json_string(leg_name(side)));
	st = imr_call(&imr_relays[b->relay], sd->created ? "leg.update" : "leg.add",
			params, &result, err, sizeof(err));
	json_decref(params);
	if(st != IMR_CALL_OK) {
		LM_WARN("relay %s session %s leg %s: %s\n",
				imr_relays[b->relay].name, b->session, leg_name(side), err);
		if(st == IMR_CALL_RPC_ERROR)
			fail(e, 488, "media not acceptable to the relay: %s", err);
		else
			fail(e, 503, "MSRP relay unavailable: %s", err);
		return -1;
	}
	ret = take_local_path(sd, result, e);
	json_decref(result);
	return ret;
}

static void add_party(json_t *p, const imr_party_t *who)
{
	if(!who)
		return;
	if(who->uri.len)
		json_object_set_new(p, "identity", json_stringn(who->uri.s, who->uri.len));
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

/* RFC 4572: over TLS the relay takes only the certificate the party's
 * SDP announced; "" clears an earlier one on a new offer or answer. */
static void add_fingerprint(json_t *p, const im_sdp_msrp_t *m)
{
	if(m->tls)
		json_object_set_new(p, "fingerprint", span_json(m->fingerprint));
}

static int parse(const str *sdp, im_sdp_msrp_t *m, imr_err_t *e)
{
	const char *why = NULL;
	int no_msrp = 0;

	if(!sdp || !sdp->len) {
		fail(e, 488, "304 no SDP offer", NULL);
		return -1;
	}
	/* RFC 3264 section 6: an SDP we cannot take is answered 488 with a
	 * Warning (RFC 3261 warn-codes in the text, D-34), whether it is
	 * malformed or only without MSRP; never passed on (issue 8) */
	if(im_sdp_parse_msrp(sdp->s, (size_t)sdp->len, m, &no_msrp, &why) < 0) {
		if(no_msrp)
			fail(e, 488, "304 no MSRP media (m=message ... TCP/MSRP)", NULL);
		else
			fail(e, 488, "307 malformed SDP: %s", why);
		return -1;
	}
	return 0;
}

/* Writes sdp again for party `to`, the relay in the MSRP media's place. */
static int rewrite(imr_bridge_t *b, int to, const str *sdp,
		const im_sdp_msrp_t *m, im_sdp_setup_t setup, int cema, str *out,
		imr_err_t *e)
{
	imr_side_t *sd = &b->side[to];
	im_sdp_rewrite_t rw;
	char host[64];
	unsigned port;
	int v6;
	size_t cap, n;

	if(im_msrp_path_addr(sd->local_path, strlen(sd->local_path), host,
			   sizeof(host), &port, &v6)
			< 0) {
		fail(e, 500, "bad relay path %s", sd->local_path);
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
		fail(e, 500, "out of memory", NULL);
		return -1;
	}
	n = im_sdp_rewrite(sdp->s, (size_t)sdp->len, m, &rw, out->s, cap);
	if(n == 0) {
		pkg_free(out->s);
		out->s = NULL;
		fail(e, 500, "SDP rewrite failed", NULL);
		return -1;
	}
	out->len = (int)n;
	return 0;
}

static im_sdp_setup_t role(int relay_active)
{
	return relay_active ? IM_SETUP_ACTIVE : IM_SETUP_PASSIVE;
}

static int offer(imr_bridge_t *b, int from, const str *sdp,
		const imr_party_t *from_party, const imr_party_t *to_party, str *out,
		imr_err_t *e)
{
	int to = 1 - from, first = !b->side[to].created;
	imr_side_t *sf = &b->side[from], *st = &b->side[to];
	im_sdp_msrp_t m;
	json_t *p;
	im_sdp_setup_t setup_out;

	if(parse(sdp, &m, e) < 0)
		return -1;
	sf->uses_setup = m.setup != IM_SETUP_NONE;
	sf->cema = m.cema;
	sf->tls = m.tls;
	sf->ipv6 = m.ipv6;
	/* we answer `from`: it connects unless it asked us to */
	sf->relay_active = m.setup == IM_SETUP_PASSIVE;
	p = json_pack("{s:o, s:s, s:b, s:b, s:o}", "remote_path",
			span_json(m.path), "setup", sf->relay_active ? "active" : "passive",
			"tls", m.tls, "ipv6", m.ipv6, "accept_types",
			span_json(m.accept_types));
	if(m.max_size >= 0)
		json_object_set_new(p, "max_size", json_integer(m.max_size));
	add_cema(p, &m, sf->relay_active && m.cema);
	add_fingerprint(p, &m);
	add_party(p, from_party);
	if(first) {
		/* the other leg waits for the answer to learn its peer */
		json_t *q = json_pack("{s:s, s:s, s:b, s:b}", "id", leg_name(to),
				"setup", "passive", "tls", m.tls, "ipv6", m.ipv6);
		json_t *legs = json_array();
		int ret;

		add_party(q, to_party);
		json_object_set_new(p, "id", json_string(leg_name(from)));
		json_array_append_new(legs, from == 0 ? p : q);
		json_array_append_new(legs, from == 0 ? q : p);
		ret = create_bridge(b, legs, e);
		json_decref(legs);
		if(ret < 0)
			return -1;
		st->tls = m.tls;
		st->ipv6 = m.ipv6;
	} else if(set_leg(b, from, p, e) < 0) {
		return -1;
	}
	st->uses_setup = sf->uses_setup;
	st->cema = m.cema;
	if(!sf->uses_setup)
		setup_out = IM_SETUP_NONE;
	else if(first)
		setup_out = IM_SETUP_ACTPASS;
	else
		setup_out = role(st->relay_active);
	return rewrite(b, to, sdp, &m, setup_out, m.cema, out, e);
}

static int answer(imr_bridge_t *b, int from, const str *sdp,
		const imr_party_t *to_party, str *out, imr_err_t *e)
{
	int to = 1 - from;
	imr_side_t *sf = &b->side[from], *st = &b->side[to];
	im_sdp_msrp_t m;
	json_t *p;

	if(parse(sdp, &m, e) < 0)
		return -1;
	if(m.tls != st->tls) {
		fail(e, 488, "the answer changed the MSRP transport", NULL);
		return -1;
	}
	/* we offered `to`: we connect unless its answer says it does */
	st->relay_active = m.setup != IM_SETUP_ACTIVE;
	p = json_pack("{s:o, s:s, s:o}", "remote_path", span_json(m.path), "setup",
			st->relay_active ? "active" : "passive", "accept_types",
			span_json(m.accept_types));
	if(m.max_size >= 0)
		json_object_set_new(p, "max_size", json_integer(m.max_size));
	add_cema(p, &m, st->relay_active && st->cema && m.cema);
	add_fingerprint(p, &m);
	add_party(p, to_party);
	if(set_leg(b, to, p, e) < 0)
		return -1;
	return rewrite(b, from, sdp, &m,
			sf->uses_setup ? role(sf->relay_active) : IM_SETUP_NONE, sf->cema,
			out, e);
}

int bind_im_relay(imr_api_t *api)
{
	if(!api)
		return -1;
	api->bridge_open = bridge_open;
	api->bridge_close = bridge_close;
	api->offer = offer;
	api->answer = answer;
	api->watch = imr_watch_register;
	return 0;
}
