/*
 * Call setup: leg A's INVITE is answered by us (UAS, on its tm
 * transaction), leg B's INVITE is ours (UAC). Provisional responses of
 * leg B pass to leg A, its final response decides leg A's; CANCEL of leg
 * A is answered at once and CANCELs leg B (OP-7, TP-5).
 */
#include <string.h>

#include "core/dprint.h"
#include "core/data_lump_rpl.h"
#include "core/mem/mem.h"
#include "core/parser/contact/parse_contact.h"
#include "core/parser/parse_from.h"
#include "core/parser/parse_rr.h"
#include "core/parser/parse_to.h"
#include "core/timer.h"
#include "core/trim.h"
#include "core/ut.h"

#include "im_ua.h"
#include "im_ua_flow.h"

void imua_out_free(imua_out_t *out)
{
	if(out->hdrs.s)
		pkg_free(out->hdrs.s);
	if(out->body.s)
		pkg_free(out->body.s);
	if(out->contact_user.s)
		pkg_free(out->contact_user.s);
	if(out->contact_params.s)
		pkg_free(out->contact_params.s);
	memset(out, 0, sizeof(*out));
}

static void reject(imua_out_t *rej, int code, const char *reason)
{
	rej->code = code;
	rej->reason.s = (char *)reason;
	rej->reason.len = strlen(reason);
}

/* The transaction of msg, created when the script has not. 1 new or
 * existing, 0 retransmission, -1 error. */
static int ensure_transaction(struct sip_msg *msg)
{
	struct cell *t = imua_tmb.t_gett();
	int ret;

	if(t && t != T_UNDEFINED)
		return 1;
	ret = imua_tmb.t_newtran(msg);
	if(ret == 0)
		return 0;
	if(ret < 0) {
		LM_ERR("cannot create a transaction for %.*s\n",
				msg->first_line.u.request.method.len,
				msg->first_line.u.request.method.s);
		return -1;
	}
	return 1;
}

int imua_reply(struct sip_msg *msg, int code, const str *reason,
		const str *hdrs, const str *ctype, const str *body)
{
	char text[128];
	im_kbuf_t h = {0};
	int ret;

	if(ensure_transaction(msg) <= 0)
		return -1;
	im_kbuf_adds(&h, hdrs);
	if(body && body->len && ctype && ctype->len)
		im_kbuf_addf(&h, "Content-Type: %.*s\r\n", ctype->len, ctype->s);
	if(h.failed)
		goto fail;
	/* tm builds the reply (and its To tag) from the request's lumps */
	if(h.len && !add_lump_rpl(msg, h.s, h.len, LUMP_RPL_HDR))
		goto fail;
	if(body && body->len && !add_lump_rpl(msg, body->s, body->len, LUMP_RPL_BODY))
		goto fail;
	snprintf(text, sizeof(text), "%.*s", reason->len, reason->s);
	ret = imua_tmb.t_reply(msg, code, text);
	im_kbuf_free(&h);
	return ret < 0 ? -1 : 1;
fail:
	im_kbuf_free(&h);
	return -1;
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

/* The route set of a dialog from msg's Record-Route (RFC 3261 12.1):
 * as listed for the UAS, reversed for the UAC. */
int imua_store_route_set(imua_leg_t *l, struct sip_msg *msg, int reverse)
{
	str rs = STR_NULL;
	int ret;

	if(!msg->record_route)
		return imua_str_set(&l->route_set, NULL, 0);
	if(print_rr_body(msg->record_route, &rs, reverse, NULL) < 0)
		return -1;
	ret = imua_str_set(&l->route_set, rs.s, rs.len);
	pkg_free(rs.s);
	return ret;
}

/* The first Contact URI of msg. */
int imua_contact_uri(struct sip_msg *msg, str *uri)
{
	contact_body_t *cb;

	if(!msg->contact || parse_contact(msg->contact) < 0)
		return -1;
	cb = (contact_body_t *)msg->contact->parsed;
	if(!cb || cb->star || !cb->contacts)
		return -1;
	*uri = cb->contacts->uri;
	return 0;
}

static int hdr_body(struct hdr_field *h, str *v)
{
	if(!h)
		return -1;
	*v = h->body;
	trim(v);
	return 0;
}

static int make_leg_a(imua_call_t *c, struct sip_msg *msg,
		const imua_invite_t *inv, imua_out_t *rej)
{
	imua_leg_t *l = &c->leg[IMUA_LEG_A];
	char tag[17], user[32];
	str uri, v;
	im_kbuf_t b = {0};
	imua_se_t se;
	unsigned int cseq;
	int proto = msg->rcv.proto;

	if(imua_contact_uri(msg, &uri) < 0) {
		reject(rej, 400, "Bad Request: missing or bad Contact");
		return -1;
	}
	if(str2int(&get_cseq(msg)->number, &cseq) < 0) {
		reject(rej, 400, "Bad Request: bad CSeq");
		return -1;
	}
	if(imua_get_se(msg, &se) < 0) {
		reject(rej, 400, "Bad Request: bad Session-Expires");
		return -1;
	}
	imua_new_tag(tag, 16);
	snprintf(user, sizeof(user), "%s-a", c->key);
	if(set_from_msg_strings(l, msg) < 0
			|| imua_str_set(&l->local_tag, tag, 16) < 0
			|| imua_str_set(&l->remote_target, uri.s, uri.len) < 0
			|| imua_store_route_set(l, msg, 0) < 0
			|| imua_contact(&b, user, msg->rcv.bind_address, proto,
					   &inv->contact_params_a)
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
	else if(l->peer_timer && inv->refresher_a == IMUA_PREF_UAC)
		l->refresher = IMUA_REFRESH_PEER;
	else
		l->refresher = IMUA_REFRESH_US;
	if(!l->peer_timer && !se.value)
		l->refresher = IMUA_REFRESH_US;
	return 0;
oom:
	im_kbuf_free(&b);
	reject(rej, 500, "Server Internal Error");
	return -1;
}

/* Our Contact's user part on leg B. */
static void leg_b_user(imua_call_t *c, const imua_invite_t *inv, char *user,
		size_t size)
{
	if(inv->contact_user_b.len)
		snprintf(user, size, "%.*s", inv->contact_user_b.len,
				inv->contact_user_b.s);
	else
		snprintf(user, size, "%s-b", c->key);
}

static int make_leg_b(imua_call_t *c, const imua_invite_t *inv)
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
	char tag[17], user[256];
	str callid;
	im_kbuf_t b = {0};
	int ret = 0;

	imua_tmb.generate_callid(&callid);
	imua_new_tag(tag, 16);
	leg_b_user(c, inv, user, sizeof(user));
	if(imua_str_set(&l->call_id, callid.s, callid.len) < 0
			|| imua_str_set(&l->local_tag, tag, 16) < 0)
		ret = -1;
	for(size_t i = 0; ret == 0 && i < sizeof(copy) / sizeof(copy[0]); i++)
		if(imua_str_set(copy[i].to, copy[i].from->s, copy[i].from->len) < 0)
			ret = -1;
	if(ret == 0
			&& (imua_contact(&b, user, NULL,
						imua_uri_proto(&inv->ruri, &inv->dst_uri),
						&inv->contact_params_b)
							< 0
					|| imua_str_set(&l->contact, b.s, b.len) < 0))
		ret = -1;
	im_kbuf_free(&b);
	l->se = inv->se_b;
	if(ret == 0 && imua_fork_init(c, inv, user) < 0)
		ret = -1;
	return ret;
}

int imua_b2b_invite(struct sip_msg *msg, const imua_invite_t *inv, char *key,
		int keylen, imua_out_t *rej)
{
	imua_call_t *c;
	imua_se_t se;
	unsigned int hash, label;
	str bad;
	int ret;

	memset(rej, 0, sizeof(*rej));
	if(parse_headers(msg, HDR_EOH_F, 0) < 0 || !msg->callid || !msg->cseq
			|| parse_from_header(msg) < 0 || !msg->to
			|| !get_from(msg)->tag_value.len) {
		reject(rej, 400, "Bad Request");
		return -1;
	}
	if(get_to(msg)->tag_value.len) {
		reject(rej, 481, "Call/Transaction Does Not Exist");
		return -1;
	}
	bad = imua_unsupported_require(msg);
	if(bad.len) {
		static char h[128];
		reject(rej, 420, "Bad Extension");
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
		reject(rej, 422, "Session Interval Too Small");
		snprintf(h, sizeof(h), "Min-SE: %d\r\n", imua_min_se);
		rej->hdrs.s = pkg_malloc(strlen(h) + 1);
		if(rej->hdrs.s) {
			strcpy(rej->hdrs.s, h);
			rej->hdrs.len = strlen(h);
		}
		return -1;
	}
	ret = ensure_transaction(msg);
	if(ret == 0)
		return 0;
	if(ret < 0 || imua_tmb.t_get_trans_ident(msg, &hash, &label) < 0) {
		reject(rej, 500, "Server Internal Error");
		return -1;
	}
	if(inv->key.len >= (int)sizeof(c->key)) {
		reject(rej, 500, "Server Internal Error");
		return -1;
	}
	if(inv->key.len) {
		char k[sizeof(c->key)];
		memcpy(k, inv->key.s, inv->key.len);
		k[inv->key.len] = '\0';
		c = imua_call_new(k);
	} else {
		c = imua_call_new(NULL);
	}
	if(!c) {
		reject(rej, 500, "Server Internal Error");
		return -1;
	}
	c->hooks = inv->hooks;
	c->app = inv->app;
	if(make_leg_a(c, msg, inv, rej) < 0)
		goto fail;
	if(make_leg_b(c, inv) < 0) {
		reject(rej, 500, "Server Internal Error");
		goto fail;
	}
	c->leg[IMUA_LEG_A].uas_pending = 1;
	c->leg[IMUA_LEG_A].uas_hash = hash;
	c->leg[IMUA_LEG_A].uas_label = label;
	c->state = IMUA_INVITING;
	imua_call_index(c);
	imua_tmb.t_reply(msg, 100, "Trying");
	if(!imua_fork_start(c)) {
		reject(rej, 500, "Server Internal Error");
		goto fail;
	}
	LM_INFO("call %s: %.*s -> %.*s\n", c->key, c->leg[IMUA_LEG_A].call_id.len,
			c->leg[IMUA_LEG_A].call_id.s, c->leg[IMUA_LEG_B].call_id.len,
			c->leg[IMUA_LEG_B].call_id.s);
	snprintf(key, keylen, "%s", c->key);
	imua_call_unref(c);
	return 1;
fail:
	/* nothing was answered or sent: the owner keeps its resources */
	c->hooks = NULL;
	c->state = IMUA_ENDED;
	imua_call_unlink(c);
	imua_call_unref(c);
	return -1;
}

/* A provisional response of leg B goes to leg A with our tag and
 * Contact, without a body: the media are answered in the 2xx only. */
static void relay_provisional(imua_call_t *c, struct tmcb_params *ps)
{
	struct sip_msg *rpl = ps->rpl;
	im_kbuf_t h = {0};
	unsigned int hash, label;
	str totag = STR_NULL, reason = rpl->first_line.u.reply.reason;
	int go, cancel;

	lock_get(&c->lock);
	c->leg[IMUA_LEG_B].early = 1;
	cancel = c->cancel_pending;
	c->cancel_pending = 0;
	go = c->state == IMUA_INVITING && c->leg[IMUA_LEG_A].uas_pending;
	hash = c->leg[IMUA_LEG_A].uas_hash;
	label = c->leg[IMUA_LEG_A].uas_label;
	if(go) {
		im_kbuf_addf(&h, "Contact: %.*s\r\n", c->leg[IMUA_LEG_A].contact.len,
				c->leg[IMUA_LEG_A].contact.s);
		totag.s = pkg_malloc(c->leg[IMUA_LEG_A].local_tag.len + 1);
		if(totag.s) {
			memcpy(totag.s, c->leg[IMUA_LEG_A].local_tag.s,
					c->leg[IMUA_LEG_A].local_tag.len);
			totag.len = c->leg[IMUA_LEG_A].local_tag.len;
		}
	}
	lock_release(&c->lock);
	if(cancel)
		imua_send_cancel_b(c);
	if(!go || !totag.s)
		goto done;
	imua_copy_headers(rpl, &h);
	if(!h.failed)
		imua_reply_trans(hash, label, ps->code, &reason, &(str){h.s, h.len},
				NULL, &totag);
done:
	if(totag.s)
		pkg_free(totag.s);
	im_kbuf_free(&h);
}

/* Leg B's dialog from its 2xx (RFC 3261 12.1.2). */
static int store_leg_b_dialog(imua_call_t *c, struct sip_msg *rpl)
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

/* Leg A's 2xx: our Contact (or the owner's), Allow, the session timer and
 * what the owner added. */
static void build_answer_headers(imua_call_t *c, imua_out_t *out,
		im_kbuf_t *h)
{
	imua_leg_t *a = &c->leg[IMUA_LEG_A];

	if(out->contact_user.len) {
		im_kbuf_t cb = {0};
		char user[128];

		snprintf(user, sizeof(user), "%.*s", out->contact_user.len,
				out->contact_user.s);
		if(imua_contact(&cb, user, a->sock, a->sock ? a->sock->proto : PROTO_UDP,
				   &out->contact_params)
				== 0)
			imua_str_set(&a->contact, cb.s, cb.len);
		im_kbuf_free(&cb);
	}
	imua_add_answer_headers(h, a);
	imua_add_out(h, out);
}

static void answered(imua_call_t *c, struct sip_msg *rpl)
{
	imua_out_t out;
	im_kbuf_t h = {0};
	unsigned int hash, label, now;
	str totag = STR_NULL;
	str ok = str_init("OK");
	int still, ret;

	memset(&out, 0, sizeof(out));
	lock_get(&c->lock);
	ret = store_leg_b_dialog(c, rpl);
	c->leg[IMUA_LEG_B].uac_pending = 0;
	still = c->state == IMUA_INVITING;
	lock_release(&c->lock);
	if(ret < 0) {
		LM_ERR("call %s: cannot keep leg b's dialog\n", c->key);
		imua_end(c, -1, "leg b: bad 2xx", 500);
		return;
	}
	if(!still) {
		/* ended (CANCEL, terminate) while leg B was being answered: it
		 * only needs its BYE now */
		lock_get(&c->lock);
		c->state = IMUA_CONFIRMED;
		lock_release(&c->lock);
		imua_end(c, -1, c->end_reason[0] ? c->end_reason : "cancelled", 487);
		return;
	}
	ret = c->hooks && c->hooks->answered
				  ? c->hooks->answered(c, c->app, rpl, &out)
				  : 0;
	if(ret < 0 || out.code) {
		LM_NOTICE("call %s: answer of leg b refused (%d)\n", c->key, out.code);
		lock_get(&c->lock);
		still = c->state == IMUA_INVITING;
		lock_release(&c->lock);
		if(still) {
			str reason = out.reason.len ? out.reason
										: (str)str_init("Not Acceptable Here");
			im_kbuf_adds(&h, &out.hdrs);
			lock_get(&c->lock);
			hash = c->leg[IMUA_LEG_A].uas_hash;
			label = c->leg[IMUA_LEG_A].uas_label;
			c->leg[IMUA_LEG_A].uas_pending = 0;
			totag.s = pkg_malloc(c->leg[IMUA_LEG_A].local_tag.len);
			if(totag.s) {
				totag.len = c->leg[IMUA_LEG_A].local_tag.len;
				memcpy(totag.s, c->leg[IMUA_LEG_A].local_tag.s, totag.len);
			}
			/* leg B is up (tm ACKed it): BYE it, leg A is answered here */
			c->state = IMUA_CONFIRMED;
			lock_release(&c->lock);
			imua_reply_trans(hash, label, out.code ? out.code : 500, &reason,
					h.len ? &(str){h.s, h.len} : NULL, NULL, &totag);
			lock_get(&c->lock);
			c->leg[IMUA_LEG_A].bye_answered = 1; /* nothing to BYE on A */
			c->leg[IMUA_LEG_A].bye_sent = 1;
			lock_release(&c->lock);
		}
		imua_end(c, -1, "answer refused", 500);
		goto done;
	}
	lock_get(&c->lock);
	if(c->state != IMUA_INVITING) {
		c->state = IMUA_CONFIRMED;
		lock_release(&c->lock);
		imua_end(c, -1, c->end_reason[0] ? c->end_reason : "cancelled", 487);
		goto done;
	}
	build_answer_headers(c, &out, &h);
	imua_str_set(&c->leg[IMUA_LEG_A].sdp, out.body.s, out.body.len);
	imua_str_set(&c->leg[IMUA_LEG_A].sdp_type, out.ctype.s, out.ctype.len);
	hash = c->leg[IMUA_LEG_A].uas_hash;
	label = c->leg[IMUA_LEG_A].uas_label;
	c->leg[IMUA_LEG_A].uas_pending = 0;
	totag.s = pkg_malloc(c->leg[IMUA_LEG_A].local_tag.len);
	if(totag.s) {
		totag.len = c->leg[IMUA_LEG_A].local_tag.len;
		memcpy(totag.s, c->leg[IMUA_LEG_A].local_tag.s, totag.len);
	}
	now = get_ticks();
	c->state = IMUA_ANSWERED;
	c->answered_at = now;
	c->ack_deadline = now + imua_ack_timeout;
	imua_timer_arm(&c->leg[IMUA_LEG_A], now);
	imua_timer_arm(&c->leg[IMUA_LEG_B], now);
	lock_release(&c->lock);
	if(h.failed || !totag.s
			|| imua_reply_trans(hash, label, 200, &ok, &(str){h.s, h.len},
					   out.body.len ? &out.body : NULL, &totag)
					   < 0) {
		LM_ERR("call %s: cannot answer leg a\n", c->key);
		imua_end(c, -1, "cannot answer leg a", 500);
		goto done;
	}
	LM_INFO("call %s: answered\n", c->key);
done:
	if(totag.s)
		pkg_free(totag.s);
	im_kbuf_free(&h);
	imua_out_free(&out);
}

/* Leg B refused (or timed out): leg A gets the same final response
 * (OP-3: any other final response is forwarded). */
static void failed(imua_call_t *c, struct tmcb_params *ps)
{
	struct sip_msg *rpl = ps->rpl;
	im_kbuf_t h = {0};
	unsigned int hash, label;
	str reason, totag = STR_NULL;
	int answer;
	char why[64];

	if(imua_fork_retry(c, ps))
		return;
	if(rpl && rpl != FAKED_REPLY) {
		reason = rpl->first_line.u.reply.reason;
		imua_copy_headers(rpl, &h);
	} else {
		reason = (str)str_init("Request Timeout");
	}
	lock_get(&c->lock);
	c->leg[IMUA_LEG_B].uac_pending = 0;
	c->leg[IMUA_LEG_B].bye_sent = c->leg[IMUA_LEG_B].bye_answered = 1;
	answer = c->state == IMUA_INVITING && c->leg[IMUA_LEG_A].uas_pending;
	hash = c->leg[IMUA_LEG_A].uas_hash;
	label = c->leg[IMUA_LEG_A].uas_label;
	if(answer) {
		c->leg[IMUA_LEG_A].uas_pending = 0;
		/* nothing was established on leg A: no BYE for it either */
		c->leg[IMUA_LEG_A].bye_sent = c->leg[IMUA_LEG_A].bye_answered = 1;
		totag.s = pkg_malloc(c->leg[IMUA_LEG_A].local_tag.len);
		if(totag.s) {
			totag.len = c->leg[IMUA_LEG_A].local_tag.len;
			memcpy(totag.s, c->leg[IMUA_LEG_A].local_tag.s, totag.len);
		}
	}
	lock_release(&c->lock);
	snprintf(why, sizeof(why), "leg b: %d %.*s", ps->code,
			reason.len > 40 ? 40 : reason.len, reason.s);
	if(answer && totag.s)
		imua_reply_trans(hash, label, ps->code >= 300 ? ps->code : 500,
				&reason, h.len ? &(str){h.s, h.len} : NULL, NULL, &totag);
	lock_get(&c->lock);
	if(c->state == IMUA_INVITING)
		c->state = IMUA_TERMINATING;
	if(!c->end_reason[0])
		snprintf(c->end_reason, sizeof(c->end_reason), "%s", why);
	lock_release(&c->lock);
	LM_INFO("call %s: %s\n", c->key, why);
	imua_report_ended(c);
	imua_maybe_finish(c);
	if(totag.s)
		pkg_free(totag.s);
	im_kbuf_free(&h);
}

void imua_invite_b_response(imua_tx_t *tx, int type, struct tmcb_params *ps)
{
	imua_call_t *c = tx->call;
	int real = ps->rpl && ps->rpl != FAKED_REPLY;

	if(!imua_fork_current(c, tx, real ? ps->code : 0)) {
		/* a target given up for the next one */
		if(!(type & TMCB_LOCAL_RESPONSE_IN) && ps->code >= 200
				&& ps->code < 300 && real && imua_tx_claim(tx))
			imua_fork_stray_2xx(c, ps->rpl);
		return;
	}
	if(type & TMCB_LOCAL_RESPONSE_IN) {
		if(ps->code > 100 && ps->code < 200 && ps->rpl
				&& ps->rpl != FAKED_REPLY)
			relay_provisional(c, ps);
		return;
	}
	if(!imua_tx_claim(tx))
		return;
	if(ps->code >= 200 && ps->code < 300 && ps->rpl && ps->rpl != FAKED_REPLY)
		answered(c, ps->rpl);
	else
		failed(c, ps);
}

void imua_send_cancel_b(imua_call_t *c)
{
	struct cell *saved = imua_tmb.t_gett();
	int saved_branch = imua_tmb.t_gett_branch();
	unsigned int hash, label;
	int pending;

	lock_get(&c->lock);
	pending = c->leg[IMUA_LEG_B].uac_pending;
	hash = c->leg[IMUA_LEG_B].uac_hash;
	label = c->leg[IMUA_LEG_B].uac_label;
	lock_release(&c->lock);
	if(!pending)
		return;
	if(imua_tmb.t_cancel_uac(NULL, NULL, hash, label, NULL, NULL) == 0)
		LM_WARN("call %s: could not CANCEL leg b\n", c->key);
	imua_tmb.t_sett(saved, saved_branch);
}

int imua_cancel(struct sip_msg *msg)
{
	imua_call_t *c;
	str reason200 = str_init("OK");
	str callid;
	unsigned int cseq;
	int leg = -1, ours;

	if(parse_headers(msg, HDR_EOH_F, 0) < 0 || !msg->callid || !msg->cseq
			|| parse_from_header(msg) < 0)
		return -1;
	callid = msg->callid->body;
	trim(&callid);
	c = imua_call_by_dialog(&callid, &get_from(msg)->tag_value, NULL, &leg);
	if(!c)
		return -1;
	if(str2int(&get_cseq(msg)->number, &cseq) < 0)
		cseq = 0;
	lock_get(&c->lock);
	ours = cseq == c->leg[IMUA_LEG_A].uas_cseq;
	lock_release(&c->lock);
	if(!ours) {
		imua_call_unref(c);
		return -1;
	}
	/* RFC 3261 9.2: 200 to the CANCEL, 487 to the INVITE */
	imua_slb.freply(msg, 200, &reason200);
	imua_end(c, -1, "cancelled", 487);
	imua_call_unref(c);
	return 1;
}
