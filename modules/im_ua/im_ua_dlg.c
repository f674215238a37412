/*
 * Single dialogs: a dialog that ends at the owner (the focus of a
 * conference, the deferred-message push) instead of crossing to a second
 * leg. We are its UAS (uas_open, then uas_answer) on leg A, or its UAC
 * (uac_invite, forked like a B2BUA's leg B: serially, or in parallel when
 * the owner asks, as the deferred-message push does) on leg B. Everything
 * after the setup (ACK, BYE, CANCEL, session timers, terminate) is the
 * B2BUA's machinery; in-dialog requests go to the owner's hooks
 * (im_ua_indlg.c), and the owner sends its own with dlg_request.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/dprint.h"
#include "core/mem/mem.h"
#include "core/timer.h"

#include "im_ua.h"
#include "im_ua_flow.h"

/* The leg a single dialog leaves empty: never established, nothing to
 * BYE there. */
static void unused_leg(imua_call_t *c, int leg)
{
	c->leg[leg].bye_sent = c->leg[leg].bye_answered = 1;
}

int imua_uas_open(struct sip_msg *msg, const imua_uas_t *uas, char *key,
		int keylen, imua_out_t *rej)
{
	imua_leg_a_spec_t a = {uas->contact_user, uas->contact_params,
			uas->contact_host, uas->refresher};
	imua_call_t *c = NULL;
	int ret;

	memset(rej, 0, sizeof(*rej));
	if(!uas->hooks || !uas->hooks->ended) {
		LM_ERR("a single dialog needs an ended hook\n");
		imua_reject(rej, 500, "Server Internal Error");
		return -1;
	}
	ret = imua_uas_call(msg, &uas->key, &a, &c, rej);
	if(ret <= 0)
		return ret;
	c->mode = IMUA_MODE_UAS;
	c->dlg_hooks = uas->hooks;
	c->app = uas->app;
	unused_leg(c, IMUA_LEG_B);
	imua_uas_publish(c, msg);
	LM_INFO("dialog %s: uas of %.*s\n", c->key,
			c->leg[IMUA_LEG_A].call_id.len, c->leg[IMUA_LEG_A].call_id.s);
	snprintf(key, keylen, "%s", c->key);
	imua_call_unref(c);
	return 1;
}

/* A 2xx of ours: the answer headers, and the dialog waits for its ACK. */
static void uas_answered_locked(imua_call_t *c, const str *ctype,
		const str *body, im_kbuf_t *h)
{
	imua_leg_t *a = &c->leg[IMUA_LEG_A];
	unsigned int now = get_ticks();

	imua_add_answer_headers(h, a);
	imua_str_set(&a->sdp, body ? body->s : NULL, body ? body->len : 0);
	imua_str_set(&a->sdp_type, ctype ? ctype->s : NULL, ctype ? ctype->len : 0);
	c->state = IMUA_ANSWERED;
	c->answered_at = now;
	c->ack_deadline = now + imua_ack_timeout;
	imua_timer_arm(a, now);
}

/* A final refusal of ours: the dialog never was. */
static void uas_refused(imua_call_t *c, int code)
{
	lock_get(&c->lock);
	unused_leg(c, IMUA_LEG_A);
	if(c->state == IMUA_INVITING)
		c->state = IMUA_TERMINATING;
	if(!c->end_reason[0])
		snprintf(c->end_reason, sizeof(c->end_reason), "refused with %d",
				code);
	lock_release(&c->lock);
	imua_report_ended(c);
	imua_maybe_finish(c);
}

int imua_uas_answer(const str *key, int code, const str *reason,
		const str *hdrs, const str *ctype, const str *body)
{
	imua_call_t *c = imua_call_by_key(key);
	im_kbuf_t h = {0};
	str text;
	int pending, ret = -1;

	if(!c)
		return -1;
	if(c->mode != IMUA_MODE_UAS || code < 101 || code > 699)
		goto done;
	text.s = (char *)(reason && reason->len ? reason->s : imua_reason_of(code));
	text.len = reason && reason->len ? reason->len : (int)strlen(text.s);
	lock_get(&c->lock);
	pending = c->state == IMUA_INVITING && c->leg[IMUA_LEG_A].uas_pending;
	if(pending && code < 200)
		im_kbuf_addf(&h, "Contact: %.*s\r\n", c->leg[IMUA_LEG_A].contact.len,
				c->leg[IMUA_LEG_A].contact.s);
	else if(pending && code < 300)
		uas_answered_locked(c, ctype, body, &h);
	lock_release(&c->lock);
	if(!pending)
		goto done;
	if(hdrs)
		im_kbuf_adds(&h, hdrs);
	if(body && body->len && ctype && ctype->len)
		im_kbuf_addf(&h, "Content-Type: %.*s\r\n", ctype->len, ctype->s);
	ret = h.failed ? -1
				   : imua_leg_a_answer(c, code, &text, &(str){h.s, h.len},
							 body && body->len ? body : NULL, code >= 200);
	if(code >= 300)
		uas_refused(c, code);
	else if(code >= 200 && ret < 0)
		imua_end(c, -1, "cannot answer", 500);
	if(ret == 0)
		LM_INFO("dialog %s: answered %d\n", c->key, code);
done:
	im_kbuf_free(&h);
	imua_call_unref(c);
	return ret < 0 ? -1 : 1;
}

/* The callee answered our INVITE (tm ACKed it): the dialog is up unless
 * it ended meanwhile or the owner does not want it. */
static void uac_answered(imua_call_t *c, struct sip_msg *rpl)
{
	unsigned int now = get_ticks();
	int still, refused;

	if(!imua_fork_answered(c, rpl))
		return;
	lock_get(&c->lock);
	still = c->state == IMUA_INVITING;
	/* confirmed even when it ended just now: so that the end BYEs it */
	c->state = IMUA_CONFIRMED;
	c->answered_at = c->confirmed_at = now;
	imua_timer_arm(&c->leg[IMUA_LEG_B], now);
	lock_release(&c->lock);
	if(!still) {
		imua_end(c, -1, c->end_reason, 487);
		return;
	}
	LM_INFO("dialog %s: answered\n", c->key);
	if(!c->dlg_hooks->answered)
		return;
	if(!imua_hook_enter(c)) {
		/* ended by the owner meanwhile: the answered dialog gets its BYE */
		imua_end(c, -1, c->end_reason, 487);
		return;
	}
	refused = c->dlg_hooks->answered(c, c->app, rpl) != 0;
	imua_hook_leave(c);
	if(refused)
		imua_end(c, -1, "answer refused by its owner", 500);
}

static void uac_failed(imua_call_t *c, struct tmcb_params *ps)
{
	struct sip_msg *rpl = ps->rpl && ps->rpl != FAKED_REPLY ? ps->rpl : NULL;

	if(imua_fork_retry(c, ps))
		return;
	lock_get(&c->lock);
	c->leg[IMUA_LEG_B].uac_pending = 0;
	unused_leg(c, IMUA_LEG_B);
	if(c->state == IMUA_INVITING)
		c->state = IMUA_TERMINATING;
	if(!c->end_reason[0])
		snprintf(c->end_reason, sizeof(c->end_reason), "invite failed: %d",
				ps->code);
	lock_release(&c->lock);
	LM_INFO("dialog %s: %s\n", c->key, c->end_reason);
	imua_report_failed(c, ps->code, rpl);
	imua_report_ended(c);
	imua_maybe_finish(c);
}

static const imua_fork_ops_t uac_ops = {NULL, uac_answered, uac_failed};

int imua_uac_invite(const imua_uac_t *uac, char *key, int keylen)
{
	imua_leg_b_spec_t b = {uac->ruri, uac->dst_uri, uac->from_uri,
			uac->from_dname, uac->to_uri, uac->to_dname, uac->hdrs, uac->body,
			uac->ctype, uac->contact_user, uac->contact_params,
			uac->contact_host, uac->se, uac->refresher_uas, uac->next_targets,
			uac->n_next_targets};
	imua_out_t rej;
	imua_call_t *c;
	char user[256];

	memset(&rej, 0, sizeof(rej));
	if(!uac->hooks || !uac->hooks->ended || !uac->ruri.len) {
		LM_ERR("a single dialog needs a Request-URI and an ended hook\n");
		return -1;
	}
	c = imua_call_new_key(&uac->key, &rej);
	if(!c)
		return -1;
	c->mode = IMUA_MODE_UAC;
	c->dlg_hooks = uac->hooks;
	c->app = uac->app;
	c->parallel = uac->parallel;
	c->parallel_fork = &imua_parallel_fork;
	unused_leg(c, IMUA_LEG_A);
	if(imua_leg_b_make(c, &b, user, sizeof(user)) < 0
			|| imua_fork_init(c, &b, user, &uac_ops) < 0) {
		imua_call_abandon(c);
		return -1;
	}
	c->state = IMUA_INVITING;
	imua_call_index(c);
	if(!imua_fork_start(c)) {
		imua_call_abandon(c);
		return -1;
	}
	LM_INFO("dialog %s: uac of %.*s\n", c->key,
			c->leg[IMUA_LEG_B].call_id.len, c->leg[IMUA_LEG_B].call_id.s);
	snprintf(key, keylen, "%s", c->key);
	imua_call_unref(c);
	return 1;
}

static void dlg_request_response(
		imua_tx_t *tx, int type, struct tmcb_params *ps)
{
	imua_call_t *c = tx->call;

	if(!imua_tx_claim(tx) || !tx->cb)
		return;
	tx->cb(&(str){c->key, strlen(c->key)}, ps->code, tx->cb_arg);
}

/* Methods with a usage or a transaction of their own (RFC 5057) are not
 * the owner's to send here. */
static int method_allowed(const str *m)
{
	static const char *no[] = {"INVITE", "ACK", "CANCEL", "BYE", "PRACK"};

	for(size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if(m->len == (int)strlen(no[i]) && strncasecmp(m->s, no[i], m->len) == 0)
			return 0;
	return m->len > 0;
}

/* Methods whose request carries our Contact (target refresh, RFC 6665). */
static int needs_contact(const str *m)
{
	return (m->len == 6 && strncasecmp(m->s, "NOTIFY", 6) == 0)
		   || (m->len == 9 && strncasecmp(m->s, "SUBSCRIBE", 9) == 0)
		   || (m->len == 5 && strncasecmp(m->s, "REFER", 5) == 0);
}

int imua_dlg_request(const str *key, const str *method, const str *hdrs,
		const str *ctype, const str *body, imua_req_cb_f cb, void *arg)
{
	imua_call_t *c;
	imua_tx_t *tx = NULL;
	im_kbuf_t h = {0};
	int leg, live = 0, ret = -1;

	if(!method || !method_allowed(method))
		return -1;
	c = imua_call_by_key(key);
	if(!c)
		return -1;
	leg = imua_dlg_leg(c);
	if(leg < 0)
		goto done;
	lock_get(&c->lock);
	live = c->state == IMUA_ANSWERED || c->state == IMUA_CONFIRMED;
	if(live && needs_contact(method))
		im_kbuf_addf(&h, "Contact: %.*s\r\n", c->leg[leg].contact.len,
				c->leg[leg].contact.s);
	lock_release(&c->lock);
	if(!live)
		goto done;
	if(hdrs)
		im_kbuf_adds(&h, hdrs);
	if(body && body->len && ctype && ctype->len)
		im_kbuf_addf(&h, "Content-Type: %.*s\r\n", ctype->len, ctype->s);
	tx = h.failed ? NULL
				  : imua_tx_new(c, IMUA_TX_DLG_REQ, leg, dlg_request_response);
	if(!tx)
		goto done;
	tx->cb = cb;
	tx->cb_arg = arg;
	ret = imua_leg_send(c, leg, method, h.len ? &(str){h.s, h.len} : NULL,
			body && body->len ? body : NULL, tx);
	if(ret < 0)
		imua_tx_free(tx);
done:
	im_kbuf_free(&h);
	imua_call_unref(c);
	return ret < 0 ? -1 : 1;
}
