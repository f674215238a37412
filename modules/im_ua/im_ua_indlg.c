/*
 * Requests inside a call's dialogs. Each is checked against its leg
 * (tags, CSeq order), then:
 *   ACK     confirms leg A (it is never relayed: tm ACKs leg B's 2xx);
 *   BYE     is answered at once and ends the call (OP-8, TP-6);
 *   INVITE  and UPDATE with an offer go through the owner's reoffer hook
 *           to the other leg, the answer back through reanswer (OP-4,
 *           TP-4); without a body they only refresh the session timer
 *           and are answered here;
 *   others  (INFO, MESSAGE, REFER, NOTIFY, SUBSCRIBE, OPTIONS) cross to
 *           the other leg unchanged and their final response comes back.
 */
#include <string.h>

#include "core/dprint.h"
#include "core/forward.h"
#include "core/mem/mem.h"
#include "core/parser/parse_from.h"
#include "core/parser/parse_to.h"
#include "core/parser/parse_uri.h"
#include "core/timer.h"
#include "core/trim.h"
#include "core/ut.h"

#include "im_ua.h"
#include "im_ua_flow.h"
#include "im_ua_refer.h"
#include "im_random.h"

static void reply(struct sip_msg *msg, int code, const char *reason,
		const char *hdrs)
{
	str r = {(char *)reason, strlen(reason)};
	str h = {(char *)hdrs, hdrs ? strlen(hdrs) : 0};

	imua_reply(msg, code, &r, hdrs ? &h : NULL, NULL, NULL);
}

static void bridged_response(imua_tx_t *tx, int type, struct tmcb_params *ps);

/* A Request-URI that names one of our Contacts: "<hex key>-<a|b>" at one
 * of our addresses. */
static int is_our_contact(struct sip_msg *msg)
{
	struct sip_uri *u;

	if(parse_sip_msg_uri(msg) < 0)
		return 0;
	u = &msg->parsed_uri;
	if(u->user.len < 3 || u->user.s[u->user.len - 2] != '-')
		return 0;
	if(u->user.s[u->user.len - 1] != 'a' && u->user.s[u->user.len - 1] != 'b')
		return 0;
	for(int i = 0; i < u->user.len - 2; i++) {
		char ch = u->user.s[i];
		if(!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
			return 0;
	}
	return check_self(&u->host, u->port_no, u->proto) == 1;
}

static void handle_ack(imua_call_t *c, int leg, struct sip_msg *msg)
{
	unsigned int cseq = 0;

	str2int(&get_cseq(msg)->number, &cseq);
	lock_get(&c->lock);
	if(leg == IMUA_LEG_A && c->state == IMUA_ANSWERED
			&& cseq == c->leg[IMUA_LEG_A].uas_cseq) {
		c->state = IMUA_CONFIRMED;
		c->confirmed_at = get_ticks();
		c->ack_deadline = 0;
		LM_DBG("call %s: confirmed\n", c->key);
	}
	lock_release(&c->lock);
	/* stops tm retransmitting the 2xx it acknowledges */
	imua_tmb.t_newtran(msg);
}

static void handle_bye(imua_call_t *c, int leg, struct sip_msg *msg)
{
	char why[32];

	/* before the 200: an end on another path (the relay's leg_closed as
	 * the client closes its MSRP connection right after this 200) must
	 * not BYE the side that hung up; nobody would answer that BYE */
	lock_get(&c->lock);
	c->leg[leg].bye_sent = c->leg[leg].bye_answered = 1;
	lock_release(&c->lock);
	reply(msg, 200, "OK", NULL);
	snprintf(why, sizeof(why), "BYE on leg %c", 'a' + leg);
	imua_end(c, leg, why, 487);
}

/* Headers of a request we send on leg `leg`: ours, then what crossed. */
static void request_headers(imua_call_t *c, int leg, int target_refresh,
		int offer, const str *copied, const imua_out_t *out, im_kbuf_t *h)
{
	imua_leg_t *l = &c->leg[leg];

	im_kbuf_adds(h, copied);
	if(target_refresh)
		im_kbuf_addf(h, "Contact: %.*s\r\n", l->contact.len, l->contact.s);
	if(offer) {
		im_kbuf_addf(h, "Allow: %.*s\r\nSupported: timer\r\n",
				imua_allow.len, imua_allow.s);
		imua_add_se_headers(h, l, 1, l->peer_timer);
	}
	if(out)
		imua_add_out(h, out);
}

/* The session timer a re-INVITE or UPDATE from the peer asks for on leg
 * (RFC 4028 section 9). -1 when too small (422). */
static int take_peer_se(imua_leg_t *l, struct sip_msg *msg)
{
	imua_se_t se;

	if(imua_get_se(msg, &se) < 0)
		return 0;
	l->peer_timer = imua_supports_timer(msg);
	if(!se.value) {
		if(!l->se)
			return 0;
		/* no Session-Expires: the timer goes on as negotiated, refreshed
		 * by this request */
		return 0;
	}
	if(se.value < (unsigned int)imua_min_se)
		return -1;
	l->se = se.value;
	if(se.refresher == 1)
		l->refresher = IMUA_REFRESH_PEER;
	else if(se.refresher == 2 || !l->peer_timer)
		l->refresher = IMUA_REFRESH_US;
	else if(l->refresher == IMUA_REFRESH_NONE)
		l->refresher = IMUA_REFRESH_PEER;
	return 0;
}

/* A refresh without an offer: answered here, the other leg is not
 * involved. A re-INVITE without SDP gets our last offer again. */
static void answer_refresh(imua_call_t *c, int leg, struct sip_msg *msg)
{
	im_kbuf_t h = {0};
	str body = STR_NULL, ctype = STR_NULL, ok = str_init("OK");
	imua_leg_t *l = &c->leg[leg];

	lock_get(&c->lock);
	imua_add_answer_headers(&h, l);
	imua_timer_arm(l, get_ticks());
	if(msg->REQ_METHOD == METHOD_INVITE && l->sdp.len) {
		body.s = pkg_malloc(l->sdp.len + l->sdp_type.len + 1);
		if(body.s) {
			memcpy(body.s, l->sdp.s, l->sdp.len);
			body.len = l->sdp.len;
			ctype.s = body.s + body.len;
			memcpy(ctype.s, l->sdp_type.s, l->sdp_type.len);
			ctype.len = l->sdp_type.len;
		}
	}
	lock_release(&c->lock);
	if(!h.failed)
		imua_reply(msg, 200, &ok, &(str){h.s, h.len}, &ctype, &body);
	if(body.s)
		pkg_free(body.s);
	im_kbuf_free(&h);
}

/* The server transaction of msg and the callback parameter of the request
 * that crosses to leg `to` with it. NULL: a retransmission or a failure
 * (answered). */
static imua_tx_t *open_bridge(imua_call_t *c, int to, struct sip_msg *msg)
{
	unsigned int hash, label;
	imua_tx_t *tx;

	if(imua_tmb.t_newtran(msg) <= 0
			|| imua_tmb.t_get_trans_ident(msg, &hash, &label) < 0)
		return NULL;
	tx = imua_tx_new(c, IMUA_TX_BRIDGED, to, bridged_response);
	if(!tx) {
		reply(msg, 500, "Server Internal Error", NULL);
		return NULL;
	}
	tx->src_hash = hash;
	tx->src_label = label;
	tx->method = msg->REQ_METHOD;
	return tx;
}

/* Sends what open_bridge prepared; on failure answers msg with a 500. */
static int cross(imua_call_t *c, int to, struct sip_msg *msg, im_kbuf_t *h,
		const str *body, imua_tx_t *tx)
{
	if(h->failed
			|| imua_leg_send(c, to, &msg->first_line.u.request.method,
					   &(str){h->s, h->len}, body && body->len ? body : NULL,
					   tx)
					   < 0) {
		imua_tx_free(tx);
		reply(msg, 500, "Server Internal Error", NULL);
		return -1;
	}
	return 0;
}

/* An offer on a single dialog: its owner answers it. */
static void answer_offer_here(imua_call_t *c, int leg, struct sip_msg *msg)
{
	imua_out_t out;
	im_kbuf_t h = {0};
	str ok = str_init("OK");
	int ret;

	memset(&out, 0, sizeof(out));
	ret = -1;
	if(c->dlg_hooks && c->dlg_hooks->reoffer && imua_hook_enter(c)) {
		ret = c->dlg_hooks->reoffer(c, c->app, msg, &out);
		imua_hook_leave(c);
	}
	if(ret < 0 || out.code) {
		str r = out.reason.len ? out.reason
							   : (str)str_init("Not Acceptable Here");
		imua_reply(msg, out.code ? out.code : 488, &r, &out.hdrs, NULL, NULL);
		goto done;
	}
	lock_get(&c->lock);
	imua_add_answer_headers(&h, &c->leg[leg]);
	imua_timer_arm(&c->leg[leg], get_ticks());
	imua_str_set(&c->leg[leg].sdp, out.body.s, out.body.len);
	imua_str_set(&c->leg[leg].sdp_type, out.ctype.s, out.ctype.len);
	lock_release(&c->lock);
	im_kbuf_adds(&h, &out.hdrs);
	if(!h.failed)
		imua_reply(msg, 200, &ok, &(str){h.s, h.len}, &out.ctype, &out.body);
done:
	im_kbuf_free(&h);
	imua_out_free(&out);
}

static void handle_offer(imua_call_t *c, int leg, struct sip_msg *msg)
{
	int other = IMUA_OTHER(leg), glare, busy, too_small, has_body, ret;
	imua_out_t out;
	im_kbuf_t copied = {0}, h = {0};
	unsigned int cseq = 0;
	str body, ctype;
	imua_tx_t *tx;

	memset(&out, 0, sizeof(out));
	imua_get_body(msg, &body, &ctype);
	has_body = body.len > 0;
	str2int(&get_cseq(msg)->number, &cseq);
	lock_get(&c->lock);
	busy = c->leg[leg].uas_pending;
	glare = c->leg[leg].uac_pending
			|| (imua_leg_used(c, other)
					&& (c->leg[other].uac_pending
							|| c->leg[other].uas_pending));
	too_small = take_peer_se(&c->leg[leg], msg) < 0;
	lock_release(&c->lock);
	if(busy) {
		/* RFC 3261 14.2: an INVITE while the previous one is unanswered */
		char hdr[32];
		snprintf(hdr, sizeof(hdr), "Retry-After: %u\r\n", im_random32() % 10);
		reply(msg, 500, "Server Internal Error", hdr);
		return;
	}
	if(too_small) {
		char hdr[32];
		snprintf(hdr, sizeof(hdr), "Min-SE: %d\r\n", imua_min_se);
		reply(msg, 422, "Session Interval Too Small", hdr);
		return;
	}
	if(!has_body) {
		answer_refresh(c, leg, msg);
		return;
	}
	if(glare) {
		reply(msg, 491, "Request Pending", NULL);
		return;
	}
	if(c->mode != IMUA_MODE_B2B) {
		answer_offer_here(c, leg, msg);
		return;
	}
	tx = open_bridge(c, other, msg);
	if(!tx)
		return;
	if(msg->REQ_METHOD == METHOD_INVITE)
		imua_tmb.t_reply(msg, 100, "Trying");
	ret = -1;
	if(c->hooks && c->hooks->reoffer && imua_hook_enter(c)) {
		ret = c->hooks->reoffer(c, c->app, leg, msg, &out);
		imua_hook_leave(c);
	}
	if(ret < 0 || out.code) {
		str r = out.reason.len ? out.reason
							   : (str)str_init("Not Acceptable Here");
		imua_tx_free(tx);
		imua_reply(msg, out.code ? out.code : 488, &r, &out.hdrs, NULL, NULL);
		goto done;
	}
	tx->offer = 1;
	imua_copy_headers(msg, &copied);
	lock_get(&c->lock);
	c->leg[leg].uas_pending = 1;
	c->leg[leg].uas_hash = tx->src_hash;
	c->leg[leg].uas_label = tx->src_label;
	c->leg[leg].uas_cseq = cseq;
	request_headers(c, other, 1, 1, &(str){copied.s, copied.len}, &out, &h);
	imua_str_set(&c->leg[other].sdp, out.body.s, out.body.len);
	imua_str_set(&c->leg[other].sdp_type, out.ctype.s, out.ctype.len);
	lock_release(&c->lock);
	if(cross(c, other, msg, &h, &out.body, tx) < 0) {
		lock_get(&c->lock);
		c->leg[leg].uas_pending = 0;
		lock_release(&c->lock);
	}
done:
	im_kbuf_free(&copied);
	im_kbuf_free(&h);
	imua_out_free(&out);
}

static void handle_other(imua_call_t *c, int leg, struct sip_msg *msg)
{
	int other = IMUA_OTHER(leg), method = msg->REQ_METHOD;
	im_kbuf_t copied = {0}, h = {0};
	str body, ctype;
	imua_tx_t *tx;
	int refresh = method == METHOD_SUBSCRIBE || method == METHOD_NOTIFY
				  || method == METHOD_REFER;

	tx = open_bridge(c, other, msg);
	if(!tx)
		return;
	imua_get_body(msg, &body, &ctype);
	/* a NOTIFY of a REFER we relayed names it as the referrer sent it */
	if(method == METHOD_NOTIFY && imua_refer_notify_event(c, leg, msg, &copied))
		imua_copy_headers_skip(msg, 1ULL << HDR_EVENT_T, &copied);
	else
		imua_copy_headers(msg, &copied);
	lock_get(&c->lock);
	request_headers(c, other, refresh, 0, &(str){copied.s, copied.len}, NULL,
			&h);
	lock_release(&c->lock);
	if(body.len)
		im_kbuf_addf(&h, "Content-Type: %.*s\r\n", ctype.len, ctype.s);
	if(cross(c, other, msg, &h, &body, tx) == 0 && method == METHOD_REFER) {
		unsigned int cseq = 0;

		str2int(&get_cseq(msg)->number, &cseq);
		imua_refer_relayed(c, other, cseq);
	}
	im_kbuf_free(&copied);
	im_kbuf_free(&h);
}

/* Another request on a single dialog: its owner answers it. */
static void answer_request_here(imua_call_t *c, struct sip_msg *msg)
{
	imua_out_t out;
	im_kbuf_t h = {0};
	str r;
	int code, method = msg->REQ_METHOD;

	if(!c->dlg_hooks || !c->dlg_hooks->request) {
		char allow[256];
		snprintf(allow, sizeof(allow), "Allow: %.*s\r\n", imua_allow.len,
				imua_allow.s);
		if(method == METHOD_OTHER)
			reply(msg, 501, "Not Implemented", NULL);
		else
			reply(msg, 405, "Method Not Allowed", allow);
		return;
	}
	/* the owner may keep the transaction to answer it later */
	if(imua_ensure_transaction(msg) <= 0)
		return;
	memset(&out, 0, sizeof(out));
	if(imua_hook_enter(c)) {
		code = c->dlg_hooks->request(c, c->app, msg, &out);
		imua_hook_leave(c);
	} else {
		code = 481; /* its owner has ended it */
	}
	if(code == 0)
		goto done;
	if(code < 200 || code > 699) {
		LM_ERR("dialog %s: its owner answered %d\n", c->key, code);
		code = 500;
	}
	if(code < 300 && (method == METHOD_SUBSCRIBE || method == METHOD_REFER)) {
		lock_get(&c->lock);
		im_kbuf_addf(&h, "Contact: %.*s\r\n", c->leg[imua_dlg_leg(c)].contact.len,
				c->leg[imua_dlg_leg(c)].contact.s);
		lock_release(&c->lock);
	}
	im_kbuf_adds(&h, &out.hdrs);
	r = out.reason.len ? out.reason : (str){(char *)imua_reason_of(code), 0};
	if(!r.len)
		r.len = strlen(r.s);
	if(!h.failed)
		imua_reply(msg, code, &r, &(str){h.s, h.len}, &out.ctype, &out.body);
done:
	im_kbuf_free(&h);
	imua_out_free(&out);
}

/* 1: the request belonged to a call (or to a call that is gone) and was
 * answered; -1: not ours. */
int imua_dispatch(struct sip_msg *msg)
{
	imua_call_t *c;
	str callid;
	unsigned int cseq = 0;
	int leg = -1, tags_ok, order_ok = 1, live, method;

	if(msg->first_line.type != SIP_REQUEST)
		return -1;
	if(parse_headers(msg, HDR_EOH_F, 0) < 0 || !msg->callid || !msg->cseq
			|| !msg->to || parse_from_header(msg) < 0)
		return -1;
	if(!get_to(msg)->tag_value.len)
		return -1;
	method = msg->REQ_METHOD;
	callid = msg->callid->body;
	trim(&callid);
	c = imua_call_by_dialog(&callid, &get_from(msg)->tag_value,
			&get_to(msg)->tag_value, &leg);
	tags_ok = c != NULL;
	if(!c)
		c = imua_call_by_callid(&callid, &leg);
	if(!c) {
		if(!is_our_contact(msg))
			return -1;
		/* a dialog of ours that has ended, or never was */
		if(method != METHOD_ACK)
			reply(msg, 481, "Call/Transaction Does Not Exist", NULL);
		return 1;
	}
	str2int(&get_cseq(msg)->number, &cseq);
	lock_get(&c->lock);
	live = c->state == IMUA_ANSWERED || c->state == IMUA_CONFIRMED;
	if(tags_ok && method != METHOD_ACK && method != METHOD_CANCEL) {
		/* RFC 3261 12.2.2: a CSeq lower than the last one is refused */
		if(c->leg[leg].remote_cseq_set && cseq <= c->leg[leg].remote_cseq)
			order_ok = 0;
		else {
			c->leg[leg].remote_cseq = cseq;
			c->leg[leg].remote_cseq_set = 1;
		}
	}
	lock_release(&c->lock);

	if(!tags_ok) {
		LM_NOTICE("call %s: %.*s with tags of no dialog of ours\n", c->key,
				msg->first_line.u.request.method.len,
				msg->first_line.u.request.method.s);
		if(method != METHOD_ACK)
			reply(msg, 481, "Call/Transaction Does Not Exist", NULL);
	} else if(method == METHOD_ACK) {
		handle_ack(c, leg, msg);
	} else if(!order_ok) {
		LM_NOTICE("call %s: %.*s with CSeq %u, not above the last one\n",
				c->key, msg->first_line.u.request.method.len,
				msg->first_line.u.request.method.s, cseq);
		reply(msg, 500, "Server Internal Error: CSeq out of order", NULL);
	} else if(method == METHOD_BYE) {
		handle_bye(c, leg, msg);
	} else if(!live) {
		reply(msg, 481, "Call/Transaction Does Not Exist", NULL);
	} else if(method == METHOD_INVITE || method == METHOD_UPDATE) {
		handle_offer(c, leg, msg);
	} else if(c->mode != IMUA_MODE_B2B) {
		answer_request_here(c, msg);
	} else {
		handle_other(c, leg, msg);
	}
	imua_call_unref(c);
	return 1;
}

static void relay_response(imua_call_t *c, imua_tx_t *tx,
		struct tmcb_params *ps)
{
	struct sip_msg *rpl = ps->rpl;
	int from = IMUA_OTHER(tx->leg), code = ps->code, ret = 0;
	int real = rpl && rpl != FAKED_REPLY;
	imua_out_t out;
	im_kbuf_t h = {0};
	str reason, body = STR_NULL, ctype = STR_NULL;

	memset(&out, 0, sizeof(out));
	reason = real ? rpl->first_line.u.reply.reason
				  : (str)str_init("Request Timeout");
	if(code >= 200 && code < 300 && tx->offer && real) {
		ret = -1;
		if(c->hooks && c->hooks->reanswer && imua_hook_enter(c)) {
			ret = c->hooks->reanswer(c, c->app, from, rpl, &out);
			imua_hook_leave(c);
		}
		lock_get(&c->lock);
		/* the answering leg's own timer and target (RFC 4028, 3261) */
		imua_leg_from_2xx(&c->leg[tx->leg], rpl, get_ticks());
		if(ret == 0 && !out.code) {
			imua_leg_t *l = &c->leg[from];
			imua_add_answer_headers(&h, l);
			imua_timer_arm(l, get_ticks());
			imua_add_out(&h, &out);
			imua_str_set(&l->sdp, out.body.s, out.body.len);
			imua_str_set(&l->sdp_type, out.ctype.s, out.ctype.len);
		}
		lock_release(&c->lock);
		if(ret < 0 || out.code) {
			code = out.code ? out.code : 500;
			reason = out.reason.len ? out.reason
									: (str)str_init("Server Internal Error");
			im_kbuf_free(&h);
			im_kbuf_adds(&h, &out.hdrs);
		} else {
			body = out.body;
		}
	} else if(real) {
		imua_copy_headers(rpl, &h);
		if(code >= 200 && code < 300
				&& (tx->method == METHOD_SUBSCRIBE
						|| tx->method == METHOD_REFER)) {
			lock_get(&c->lock);
			im_kbuf_addf(&h, "Contact: %.*s\r\n", c->leg[from].contact.len,
					c->leg[from].contact.s);
			lock_release(&c->lock);
		}
		/* RFC 3428 section 7 (MSG-03): a 2xx to MESSAGE carries no body
		 * (nor a Contact, which is never copied) */
		if(tx->method != METHOD_MESSAGE || code < 200 || code >= 300)
			imua_get_body(rpl, &body, &ctype);
		if(body.len)
			im_kbuf_addf(&h, "Content-Type: %.*s\r\n", ctype.len, ctype.s);
	}
	if(!h.failed)
		imua_reply_trans(tx->src_hash, tx->src_label, code, &reason,
				h.len ? &(str){h.s, h.len} : NULL, body.len ? &body : NULL,
				NULL);
	im_kbuf_free(&h);
	imua_out_free(&out);
}

static void bridged_response(imua_tx_t *tx, int type, struct tmcb_params *ps)
{
	imua_call_t *c = tx->call;
	int from = IMUA_OTHER(tx->leg), code = ps->code, dialog_gone;

	if(!imua_tx_claim(tx))
		return;
	if(tx->offer) {
		lock_get(&c->lock);
		c->leg[from].uas_pending = 0;
		lock_release(&c->lock);
	}
	relay_response(c, tx, ps);
	/* RFC 5057: 481, or no answer at all to a request of the INVITE
	 * usage, means the other side's dialog is gone */
	dialog_gone = code == 481
				  || (code == 408 && (!ps->rpl || ps->rpl == FAKED_REPLY)
						  && (tx->method == METHOD_INVITE
								  || tx->method == METHOD_UPDATE));
	if(dialog_gone) {
		char why[48];
		snprintf(why, sizeof(why), "leg %c: %d to a request", 'a' + tx->leg,
				code);
		imua_end(c, -1, why, 500);
	}
}
