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
#include "im_ua_leg.h"
#include "im_ua_reply.h"

static const imua_fork_ops_t b2b_ops;

/* Leg B's INVITE as the owner describes it. */
static void leg_b_spec(const imua_invite_t *inv, imua_leg_b_spec_t *b)
{
	memset(b, 0, sizeof(*b));
	b->ruri = inv->ruri;
	b->dst_uri = inv->dst_uri;
	b->from_uri = inv->from_uri;
	b->from_dname = inv->from_dname;
	b->to_uri = inv->to_uri;
	b->to_dname = inv->to_dname;
	b->hdrs = inv->hdrs;
	b->body = inv->body;
	b->ctype = inv->ctype;
	b->contact_user = inv->contact_user_b;
	b->contact_params = inv->contact_params_b;
	b->se = inv->se_b;
	b->refresher_uas = inv->refresher_b_uas;
	b->next_targets = inv->next_targets;
	b->n_next_targets = inv->n_next_targets;
}

int imua_b2b_invite(struct sip_msg *msg, const imua_invite_t *inv, char *key,
		int keylen, imua_out_t *rej)
{
	imua_leg_a_spec_t a = {.contact_params = inv->contact_params_a,
			.refresher = inv->refresher_a};
	imua_leg_b_spec_t b;
	imua_call_t *c = NULL;
	char user[256];
	int ret;

	ret = imua_uas_call(msg, &inv->key, &a, &c, rej);
	if(ret <= 0)
		return ret;
	c->hooks = inv->hooks;
	c->app = inv->app;
	c->parallel = imua_parallel;
	c->parallel_fork = &imua_parallel_fork;
	leg_b_spec(inv, &b);
	if(imua_leg_b_make(c, &b, user, sizeof(user)) < 0
			|| imua_fork_init(c, &b, user, &b2b_ops) < 0) {
		imua_reject(rej, 500, "Server Internal Error");
		goto fail;
	}
	imua_uas_publish(c, msg);
	if(!imua_fork_start(c)) {
		imua_reject(rej, 500, "Server Internal Error");
		goto fail;
	}
	LM_INFO("call %s: %.*s -> %.*s\n", c->key, c->leg[IMUA_LEG_A].call_id.len,
			c->leg[IMUA_LEG_A].call_id.s, c->leg[IMUA_LEG_B].call_id.len,
			c->leg[IMUA_LEG_B].call_id.s);
	snprintf(key, keylen, "%s", c->key);
	imua_call_unref(c);
	return 1;
fail:
	imua_call_abandon(c);
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
	int go;

	lock_get(&c->lock);
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
		if(imua_contact(&cb, user, NULL, a->sock, a->sock ? a->sock->proto : PROTO_UDP,
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
	if(!imua_fork_answered(c, rpl))
		return;
	ret = 0;
	if(c->hooks && c->hooks->answered) {
		ret = -1; /* ended meanwhile: refused, leg b gets its BYE */
		if(imua_hook_enter(c)) {
			ret = c->hooks->answered(c, c->app, rpl, &out);
			imua_hook_leave(c);
		}
	}
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
	char why[64], best[64];

	if(imua_fork_retry(c, ps))
		return;
	if(imua_parallel_failure(c, best, sizeof(best), &h)) {
		/* RFC 3261 16.7 step 6: whichever branch answered last */
		reason.s = best;
		reason.len = strlen(best);
	} else if(rpl && rpl != FAKED_REPLY) {
		reason = rpl->first_line.u.reply.reason;
		imua_copy_headers(rpl, &h);
	} else {
		/* tm's timeout */
		reason.s = (char *)imua_reason_of(ps->code);
		reason.len = strlen(reason.s);
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

static const imua_fork_ops_t b2b_ops = {relay_provisional, answered, failed};

int imua_cancel(struct sip_msg *msg)
{
	imua_call_t *c;
	str reason200 = str_init("OK");
	str callid;
	unsigned int cseq;
	int leg = -1, ours;

	if(msg->first_line.type != SIP_REQUEST || msg->REQ_METHOD != METHOD_CANCEL)
		return -1;
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
