#include <stdio.h>
#include <string.h>

#include "core/dprint.h"
#include "core/mem/mem.h"
#include "core/parser/parse_from.h"
#include "core/parser/parse_to.h"
#include "core/trim.h"
#include "core/ut.h"

#include "im_kbuf.h"
#include "im_ua.h"
#include "im_ua_leg.h"
#include "im_ua_reply.h"
#include "im_ua_sip.h"

int imua_invite_check(struct sip_msg *msg, unsigned int *hash,
		unsigned int *label, imua_out_t *rej)
{
	imua_se_t se;
	str bad;
	int ret;

	memset(rej, 0, sizeof(*rej));
	if(parse_headers(msg, HDR_EOH_F, 0) < 0 || !msg->callid || !msg->cseq
			|| parse_from_header(msg) < 0 || !msg->to
			|| !get_from(msg)->tag_value.len) {
		imua_reject(rej, 400, "Bad Request");
		return -1;
	}
	if(get_to(msg)->tag_value.len) {
		imua_reject(rej, 481, "Call/Transaction Does Not Exist");
		return -1;
	}
	bad = imua_unsupported_require(msg);
	if(bad.len) {
		static char h[128];
		imua_reject(rej, 420, "Bad Extension");
		snprintf(h, sizeof(h), "Unsupported: %.*s\r\n",
				bad.len > 64 ? 64 : bad.len, bad.s);
		rej->hdrs.s = pkg_malloc(strlen(h) + 1);
		if(rej->hdrs.s) {
			strcpy(rej->hdrs.s, h);
			rej->hdrs.len = strlen(h);
		}
		return -1;
	}
	if(imua_get_se(msg, &se) == 0 && se.value
			&& se.value < (unsigned int)imua_min_se) {
		char h[64];
		imua_reject(rej, 422, "Session Interval Too Small");
		snprintf(h, sizeof(h), "Min-SE: %d\r\n", imua_min_se);
		rej->hdrs.s = pkg_malloc(strlen(h) + 1);
		if(rej->hdrs.s) {
			strcpy(rej->hdrs.s, h);
			rej->hdrs.len = strlen(h);
		}
		return -1;
	}
	ret = imua_ensure_transaction(msg);
	if(ret == 0)
		return 0;
	if(ret < 0 || imua_tmb.t_get_trans_ident(msg, hash, label) < 0) {
		imua_reject(rej, 500, "Server Internal Error");
		return -1;
	}
	return 1;
}

imua_call_t *imua_call_new_key(const str *key, imua_out_t *rej)
{
	char k[sizeof(((imua_call_t *)0)->key)];
	imua_call_t *c;

	if(key->len >= (int)sizeof(k)) {
		imua_reject(rej, 500, "Server Internal Error");
		return NULL;
	}
	memcpy(k, key->s, key->len);
	k[key->len] = '\0';
	c = imua_call_new(k);
	if(!c)
		imua_reject(rej, 500, "Server Internal Error");
	return c;
}

static int set_from_msg_strings(imua_leg_t *l, struct sip_msg *msg)
{
	struct to_body *from = get_from(msg), *to = get_to(msg);
	str callid = msg->callid->body;

	trim(&callid);
	return (imua_str_set(&l->call_id, callid.s, callid.len) < 0
				   || imua_str_set(&l->remote_tag, from->tag_value.s,
							  from->tag_value.len)
							  < 0
				   || imua_str_set(&l->remote_uri, from->uri.s, from->uri.len)
							  < 0
				   || imua_str_set(&l->remote_dname, from->display.s,
							  from->display.len)
							  < 0
				   || imua_str_set(&l->local_uri, to->uri.s, to->uri.len) < 0
				   || imua_str_set(
							  &l->local_dname, to->display.s, to->display.len)
							  < 0)
				   ? -1
				   : 0;
}

static int hdr_body(struct hdr_field *h, str *v)
{
	if(!h)
		return -1;
	*v = h->body;
	trim(v);
	return 0;
}

int imua_leg_a_make(imua_call_t *c, struct sip_msg *msg,
		const imua_leg_a_spec_t *spec, imua_out_t *rej)
{
	imua_leg_t *l = &c->leg[IMUA_LEG_A];
	char tag[17], user[128];
	str uri, v;
	im_kbuf_t b = {0};
	imua_se_t se;
	unsigned int cseq;
	int proto = msg->rcv.proto;

	if(imua_contact_uri(msg, &uri) < 0) {
		imua_reject(rej, 400, "Bad Request: missing or bad Contact");
		return -1;
	}
	if(str2int(&get_cseq(msg)->number, &cseq) < 0) {
		imua_reject(rej, 400, "Bad Request: bad CSeq");
		return -1;
	}
	if(imua_get_se(msg, &se) < 0) {
		imua_reject(rej, 400, "Bad Request: bad Session-Expires");
		return -1;
	}
	imua_new_tag(tag, 16);
	if(spec->contact_user.len)
		snprintf(user, sizeof(user), "%.*s", spec->contact_user.len,
				spec->contact_user.s);
	else
		snprintf(user, sizeof(user), "%s-a", c->key);
	if(set_from_msg_strings(l, msg) < 0
			|| imua_str_set(&l->local_tag, tag, 16) < 0
			|| imua_str_set(&l->remote_target, uri.s, uri.len) < 0
			|| imua_store_route_set(l, msg, 0) < 0
			|| imua_contact(&b, user, &spec->contact_host,
					   msg->rcv.bind_address, proto, &spec->contact_params)
					   < 0
			|| imua_str_set(&l->contact, b.s, b.len) < 0)
		goto oom;
	im_kbuf_free(&b);
	if(hdr_body(msg->allow, &v) == 0 && imua_str_set(&l->allow, v.s, v.len) < 0)
		goto oom;
	if(hdr_body(msg->user_agent, &v) == 0
			&& imua_str_set(&l->version, v.s, v.len) < 0)
		goto oom;
	/* a client on a connection is reached back over that connection */
	if(!l->route_set.len && (proto == PROTO_TCP || proto == PROTO_TLS)) {
		im_kbuf_addf(&b, "sip:%s:%u;transport=%s",
				ip_addr2a(&msg->rcv.src_ip), msg->rcv.src_port,
				proto == PROTO_TLS ? "tls" : "tcp");
		if(b.failed || imua_str_set(&l->dst_uri, b.s, b.len) < 0)
			goto oom;
		im_kbuf_free(&b);
	}
	l->sock = msg->rcv.bind_address;
	l->remote_cseq = cseq;
	l->remote_cseq_set = 1;
	l->uas_cseq = cseq;
	l->peer_timer = imua_supports_timer(msg);

	/* RFC 4028 section 9: the interval asked (never below our Min-SE, a
	 * 422 was sent for that), and who refreshes */
	l->se = se.value ? se.value : (unsigned int)imua_session_expires;
	if(se.refresher == 1)
		l->refresher = IMUA_REFRESH_PEER;
	else if(se.refresher == 2)
		l->refresher = IMUA_REFRESH_US;
	else if(l->peer_timer && spec->refresher == IMUA_PREF_UAC)
		l->refresher = IMUA_REFRESH_PEER;
	else
		l->refresher = IMUA_REFRESH_US;
	if(!l->peer_timer && !se.value)
		l->refresher = IMUA_REFRESH_US;
	return 0;
oom:
	im_kbuf_free(&b);
	imua_reject(rej, 500, "Server Internal Error");
	return -1;
}

int imua_leg_b_make(imua_call_t *c, const imua_leg_b_spec_t *inv,
		char *user, int usersize)
{
	imua_leg_t *l = &c->leg[IMUA_LEG_B];
	/* the leg's dialog as leg A's INVITE describes it */
	const struct
	{
		str *to;
		const str *from;
	} copy[] = {{&l->local_uri, &inv->from_uri},
			{&l->local_dname, &inv->from_dname}, {&l->remote_uri, &inv->to_uri},
			{&l->remote_dname, &inv->to_dname},
			{&l->remote_target, &inv->ruri}, {&l->dst_uri, &inv->dst_uri},
			{&l->sdp, &inv->body}, {&l->sdp_type, &inv->ctype}};
	char tag[17];
	str callid;
	im_kbuf_t b = {0};
	int ret = 0;

	imua_tmb.generate_callid(&callid);
	imua_new_tag(tag, 16);
	if(inv->contact_user.len)
		snprintf(user, usersize, "%.*s", inv->contact_user.len,
				inv->contact_user.s);
	else
		snprintf(user, usersize, "%s-b", c->key);
	if(imua_str_set(&l->call_id, callid.s, callid.len) < 0
			|| imua_str_set(&l->local_tag, tag, 16) < 0)
		ret = -1;
	for(size_t i = 0; ret == 0 && i < sizeof(copy) / sizeof(copy[0]); i++)
		if(imua_str_set(copy[i].to, copy[i].from->s, copy[i].from->len) < 0)
			ret = -1;
	if(ret == 0
			&& (imua_contact(&b, user, &inv->contact_host, NULL,
						imua_uri_proto(&inv->ruri, &inv->dst_uri),
						&inv->contact_params)
							< 0
					|| imua_str_set(&l->contact, b.s, b.len) < 0))
		ret = -1;
	im_kbuf_free(&b);
	l->se = inv->se;
	return ret;
}

/* Leg B's dialog from its 2xx (RFC 3261 12.1.2). */
int imua_leg_b_from_2xx(imua_call_t *c, struct sip_msg *rpl)
{
	imua_leg_t *l = &c->leg[IMUA_LEG_B];
	struct to_body *to;
	imua_se_t se;
	str uri, v;

	if(parse_headers(rpl, HDR_EOH_F, 0) < 0 || !rpl->to)
		return -1;
	to = get_to(rpl);
	if(imua_str_set(&l->remote_tag, to->tag_value.s, to->tag_value.len) < 0)
		return -1;
	if(imua_contact_uri(rpl, &uri) == 0
			&& imua_str_set(&l->remote_target, uri.s, uri.len) < 0)
		return -1;
	if(imua_store_route_set(l, rpl, 1) < 0)
		return -1;
	if(hdr_body(rpl->allow, &v) == 0 && imua_str_set(&l->allow, v.s, v.len) < 0)
		return -1;
	if((hdr_body(rpl->server, &v) == 0 || hdr_body(rpl->user_agent, &v) == 0)
			&& imua_str_set(&l->version, v.s, v.len) < 0)
		return -1;
	l->peer_timer = imua_supports_timer(rpl);
	if(imua_get_se(rpl, &se) == 0 && se.value) {
		l->se = se.value;
		l->refresher = se.refresher == 2 ? IMUA_REFRESH_PEER : IMUA_REFRESH_US;
	} else {
		/* RFC 4028 section 7.2: no Session-Expires in the 2xx, no timer */
		l->se = 0;
		l->refresher = IMUA_REFRESH_NONE;
	}
	return 0;
}

int imua_uas_call(struct sip_msg *msg, const str *key,
		const imua_leg_a_spec_t *a, imua_call_t **cp, imua_out_t *rej)
{
	imua_call_t *c;
	unsigned int hash, label;
	int ret;

	ret = imua_invite_check(msg, &hash, &label, rej);
	if(ret <= 0)
		return ret;
	c = imua_call_new_key(key, rej);
	if(!c)
		return -1;
	if(imua_leg_a_make(c, msg, a, rej) < 0) {
		imua_call_abandon(c);
		return -1;
	}
	c->leg[IMUA_LEG_A].uas_pending = 1;
	c->leg[IMUA_LEG_A].uas_hash = hash;
	c->leg[IMUA_LEG_A].uas_label = label;
	c->state = IMUA_INVITING;
	*cp = c;
	return 1;
}

void imua_uas_publish(imua_call_t *c, struct sip_msg *msg)
{
	imua_call_index(c);
	imua_tmb.t_reply(msg, 100, "Trying");
}

int imua_leg_a_answer(imua_call_t *c, int code, const str *reason,
		const str *hdrs, const str *body, int final)
{
	imua_leg_t *a = &c->leg[IMUA_LEG_A];
	unsigned int hash, label;
	char tag[64];
	str totag = {tag, 0};
	int go;

	lock_get(&c->lock);
	go = a->uas_pending && a->local_tag.len < (int)sizeof(tag);
	hash = a->uas_hash;
	label = a->uas_label;
	if(go) {
		memcpy(tag, a->local_tag.s, a->local_tag.len);
		totag.len = a->local_tag.len;
		if(final)
			a->uas_pending = 0;
	}
	lock_release(&c->lock);
	if(!go)
		return -1;
	return imua_reply_trans(hash, label, code, reason, hdrs, body, &totag);
}
