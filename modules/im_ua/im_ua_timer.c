/*
 * Per-leg session timers (RFC 4028) and the other clocks of a call, run
 * once a second by the module's timer process:
 *   - we refresh a leg we are the refresher of at half its interval, with
 *     UPDATE where the peer allows it, else a re-INVITE carrying our last
 *     SDP unchanged;
 *   - a leg the peer refreshes that sees no refresh until
 *     interval - min(32, interval / 3) (+ one tick) ends the call: BYE
 *     both (OP-9);
 *   - a 2xx to leg A never ACKed ends the call after ack_timeout;
 *   - a call whose BYEs are never answered is dropped after tm's timers
 *     could have answered them;
 *   - a target of leg B's INVITE silent for contact_timeout is given up
 *     for the next one (im_ua_fork.c).
 */
#include <string.h>
#include <strings.h>

#include "core/dprint.h"
#include "core/timer.h"

#include "im_ua.h"
#include "im_ua_flow.h"

#define IMUA_STALE_ENDING_S 96

static int peer_allows_update(const imua_leg_t *l)
{
	const char *p = l->allow.s;
	int n = l->allow.len;

	for(int i = 0; i + 6 <= n; i++) {
		if(strncasecmp(p + i, "UPDATE", 6) == 0)
			return 1;
	}
	return 0;
}

static void refresh_response(imua_tx_t *tx, int type, struct tmcb_params *ps)
{
	imua_call_t *c = tx->call;
	imua_leg_t *l = &c->leg[tx->leg];
	struct sip_msg *rpl = ps->rpl;
	int real = rpl && rpl != FAKED_REPLY, gone = 0;
	unsigned int now = get_ticks(), min_se;

	if(!imua_tx_claim(tx))
		return;
	lock_get(&c->lock);
	l->refresh_pending = 0;
	if(ps->code >= 200 && ps->code < 300) {
		imua_leg_from_2xx(l, rpl, now);
	} else if(ps->code == 481 || (ps->code == 408 && !real)) {
		gone = 1;
	} else if(ps->code == 422 && real && (min_se = imua_get_min_se(rpl))) {
		if(min_se > l->se)
			l->se = min_se;
		l->refresh_at = now;
	} else {
		l->refresh_at = now + 2;
	}
	lock_release(&c->lock);
	if(gone) {
		char why[48];
		snprintf(why, sizeof(why), "leg %c: refresh got %d", 'a' + tx->leg,
				ps->code);
		imua_end(c, -1, why, 500);
	}
}

static void send_refresh(imua_call_t *c, int leg)
{
	static str update = str_init("UPDATE"), invite = str_init("INVITE");
	imua_leg_t *l = &c->leg[leg];
	im_kbuf_t h = {0}, body = {0};
	imua_tx_t *tx;
	int use_update, ok;

	lock_get(&c->lock);
	use_update = peer_allows_update(l) || !l->sdp.len;
	im_kbuf_addf(&h, "Contact: %.*s\r\nAllow: %.*s\r\nSupported: timer\r\n",
			l->contact.len, l->contact.s, imua_allow.len, imua_allow.s);
	imua_add_se_headers(&h, l, 1, l->peer_timer);
	if(!use_update) {
		im_kbuf_addf(&h, "Content-Type: %.*s\r\n", l->sdp_type.len,
				l->sdp_type.s);
		im_kbuf_adds(&body, &l->sdp);
	}
	lock_release(&c->lock);
	tx = (h.failed || body.failed) ? NULL
								   : imua_tx_new(c, IMUA_TX_REFRESH, leg,
										   refresh_response);
	if(tx)
		tx->method = use_update ? METHOD_UPDATE : METHOD_INVITE;
	ok = tx
		 && imua_leg_send(c, leg, use_update ? &update : &invite,
					&(str){h.s, h.len},
					use_update ? NULL : &(str){body.s, body.len}, tx)
					== 0;
	if(tx && !ok)
		imua_tx_free(tx);
	if(!ok) {
		lock_get(&c->lock);
		l->refresh_pending = 0;
		l->refresh_at = get_ticks() + 2;
		lock_release(&c->lock);
	} else {
		LM_DBG("call %s: refreshing leg %c with %s\n", c->key, 'a' + leg,
				use_update ? "UPDATE" : "re-INVITE");
	}
	im_kbuf_free(&h);
	im_kbuf_free(&body);
}

static int tick_call(imua_call_t *c, void *arg)
{
	unsigned int now = *(unsigned int *)arg;
	int refresh[2] = {0, 0}, expired = -1, no_ack = 0, stale = 0;

	imua_fork_tick(c, now);
	lock_get(&c->lock);
	if(c->state == IMUA_ANSWERED && c->ack_deadline && now >= c->ack_deadline)
		no_ack = 1;
	if(c->state == IMUA_ANSWERED || c->state == IMUA_CONFIRMED) {
		for(int i = 0; i < 2; i++) {
			imua_leg_t *l = &c->leg[i];
			if(l->refresher == IMUA_REFRESH_US && l->refresh_at
					&& now >= l->refresh_at && !l->refresh_pending
					&& !l->uac_pending && !l->uas_pending) {
				l->refresh_pending = 1;
				refresh[i] = 1;
			}
			if(l->refresher == IMUA_REFRESH_PEER && l->expire_at
					&& now >= l->expire_at)
				expired = i;
		}
	}
	if(c->state == IMUA_TERMINATING && c->ending_since
			&& now - c->ending_since > IMUA_STALE_ENDING_S) {
		c->state = IMUA_ENDED;
		stale = 1;
	}
	lock_release(&c->lock);
	if(stale) {
		LM_WARN("call %s: its BYEs were never answered, dropped\n", c->key);
		imua_report_ended(c);
		imua_call_unlink(c);
	} else if(no_ack) {
		imua_end(c, -1, "no ACK for the 2xx of leg a", 500);
	} else if(expired >= 0) {
		char why[48];
		snprintf(why, sizeof(why), "session timer of leg %c expired",
				'a' + expired);
		imua_end(c, -1, why, 500);
	} else {
		for(int i = 0; i < 2; i++) {
			if(refresh[i])
				send_refresh(c, i);
		}
	}
	return 0;
}

void imua_timer(unsigned int ticks, void *param)
{
	unsigned int now = get_ticks();

	(void)ticks;
	(void)param;
	imua_calls_foreach(tick_call, &now);
}
