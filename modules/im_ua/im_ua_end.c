/*
 * How a call ends, whatever started it (a BYE on either leg, a CANCEL, a
 * failure of leg B, no ACK, a session timer, the owner or an operator):
 * an unanswered leg A gets its final response and leg B its CANCEL; an
 * established leg that did not send the BYE gets one (OP-8, OP-9, TP-6).
 * The owner hears of it once (ended hook); the call leaves the table
 * when no BYE or INVITE of ours is waiting for an answer any more.
 */
#include <string.h>

#include "core/dprint.h"
#include "core/mem/mem.h"
#include "core/timer.h"

#include "im_ua.h"
#include "im_ua_flow.h"

static str method_bye = str_init("BYE");

int imua_end_code(const imua_call_t *c)
{
	switch(c->mode) {
		case IMUA_MODE_UAS:
			return 480;
		case IMUA_MODE_UAC:
			return 487;
		default:
			return 503;
	}
}

void imua_report_failed(imua_call_t *c, int code, struct sip_msg *rpl)
{
	int report;

	lock_get(&c->lock);
	report = c->mode == IMUA_MODE_UAC && !c->failed_reported
			 && !c->ended_reported && c->dlg_hooks && c->dlg_hooks->failed;
	c->failed_reported = 1;
	if(report)
		c->hooks_running++;
	lock_release(&c->lock);
	if(report) {
		c->dlg_hooks->failed(c, c->app, code, rpl);
		imua_hook_leave(c);
	}
}

typedef void (*ended_hook_t)(imua_call_t *c, void *app, const char *reason);

/* Under the call's lock. */
static ended_hook_t ended_hook(imua_call_t *c)
{
	if(c->mode == IMUA_MODE_B2B)
		return c->hooks ? c->hooks->ended : NULL;
	return c->dlg_hooks ? c->dlg_hooks->ended : NULL;
}

int imua_hook_enter(imua_call_t *c)
{
	int ok;

	lock_get(&c->lock);
	ok = !c->ended_reported;
	if(ok)
		c->hooks_running++;
	lock_release(&c->lock);
	return ok;
}

void imua_hook_leave(imua_call_t *c)
{
	ended_hook_t ended = NULL;

	lock_get(&c->lock);
	if(--c->hooks_running == 0 && c->ended_deferred) {
		c->ended_deferred = 0;
		ended = ended_hook(c);
	}
	lock_release(&c->lock);
	if(ended)
		ended(c, c->app, c->end_reason);
}

void imua_report_ended(imua_call_t *c)
{
	ended_hook_t ended = NULL;

	lock_get(&c->lock);
	if(!c->ended_reported)
		ended = ended_hook(c);
	c->ended_reported = 1;
	if(!c->end_reason[0])
		snprintf(c->end_reason, sizeof(c->end_reason), "ended");
	if(ended && c->hooks_running) {
		c->ended_deferred = 1; /* the last hook to leave reports it */
		ended = NULL;
	}
	lock_release(&c->lock);
	if(ended)
		ended(c, c->app, c->end_reason);
}

void imua_maybe_finish(imua_call_t *c)
{
	int done = 0;

	lock_get(&c->lock);
	if(c->state == IMUA_TERMINATING) {
		done = !c->leg[IMUA_LEG_B].uac_pending;
		for(int i = 0; i < 2; i++) {
			if(c->leg[i].bye_sent && !c->leg[i].bye_answered)
				done = 0;
		}
		if(done)
			c->state = IMUA_ENDED;
	}
	lock_release(&c->lock);
	if(!done)
		return;
	LM_INFO("call %s: ended (%s)\n", c->key, c->end_reason);
	imua_report_ended(c);
	imua_call_unlink(c);
}

static void bye_response(imua_tx_t *tx, int type, struct tmcb_params *ps)
{
	imua_call_t *c = tx->call;

	LM_DBG("call %s: BYE on leg %c answered %d\n", c->key, 'a' + tx->leg,
			ps->code);
	lock_get(&c->lock);
	c->leg[tx->leg].bye_answered = 1;
	lock_release(&c->lock);
	imua_maybe_finish(c);
}

static void send_bye(imua_call_t *c, int leg)
{
	imua_tx_t *tx = imua_tx_new(c, IMUA_TX_BYE, leg, bye_response);

	if(tx)
		tx->method = METHOD_BYE;
	if(tx && imua_leg_send(c, leg, &method_bye, NULL, NULL, tx) == 0)
		return;
	if(tx)
		imua_tx_free(tx);
	lock_get(&c->lock);
	c->leg[leg].bye_answered = 1;
	lock_release(&c->lock);
}

static int established(const imua_call_t *c, int leg)
{
	if(!imua_leg_used(c, leg))
		return 0;
	if(leg == IMUA_LEG_A)
		return c->state >= IMUA_ANSWERED;
	return c->leg[IMUA_LEG_B].remote_tag.len > 0;
}

void imua_end(imua_call_t *c, int by_leg, const char *reason, int code_a)
{
	int bye[2] = {0, 0}, reply_a = 0, cancel_b = 0, fail_uac = 0;
	unsigned int hash = 0, label = 0;
	char tag[64];
	str totag = {tag, 0};
	str text;

	lock_get(&c->lock);
	if(c->state == IMUA_TERMINATING || c->state == IMUA_ENDED) {
		lock_release(&c->lock);
		imua_maybe_finish(c);
		return;
	}
	if(!c->end_reason[0])
		snprintf(c->end_reason, sizeof(c->end_reason), "%s", reason);
	if(c->state == IMUA_INVITING) {
		imua_leg_t *a = &c->leg[IMUA_LEG_A], *b = &c->leg[IMUA_LEG_B];

		fail_uac = c->mode == IMUA_MODE_UAC;
		if(a->uas_pending && a->local_tag.len < (int)sizeof(tag)) {
			reply_a = 1;
			a->uas_pending = 0;
			hash = a->uas_hash;
			label = a->uas_label;
			memcpy(tag, a->local_tag.s, a->local_tag.len);
			totag.len = a->local_tag.len;
		}
		a->bye_sent = a->bye_answered = 1; /* never established */
		/* a 2xx of leg B still to come is answered with a BYE (see
		 * answered()); before any provisional a CANCEL must wait */
		if(b->uac_pending) {
			/* a parallel fork waits branch by branch */
			if(b->early || c->parallel)
				cancel_b = 1;
			else
				c->cancel_pending = 1;
		}
	} else {
		for(int i = 0; i < 2; i++) {
			if(i == by_leg) {
				c->leg[i].bye_sent = c->leg[i].bye_answered = 1;
				continue;
			}
			if(established(c, i) && !c->leg[i].bye_sent) {
				c->leg[i].bye_sent = 1;
				bye[i] = 1;
			}
		}
	}
	c->state = IMUA_TERMINATING;
	c->ending_since = get_ticks();
	lock_release(&c->lock);

	LM_INFO("call %s: ending (%s)\n", c->key, reason);
	if(reply_a) {
		text.s = (char *)imua_reason_of(code_a);
		text.len = strlen(text.s);
		imua_reply_trans(hash, label, code_a, &text, NULL, NULL, &totag);
	}
	if(cancel_b)
		imua_send_cancel_b(c);
	if(fail_uac)
		imua_report_failed(c, code_a, NULL);
	for(int i = 0; i < 2; i++) {
		if(bye[i])
			send_bye(c, i);
	}
	/* the owner releases the media last: our BYE reaches the other side
	 * before the relay closes the connections it would notice first */
	imua_report_ended(c);
	imua_maybe_finish(c);
}

int imua_terminate(const str *key, const char *reason)
{
	imua_call_t *c = imua_call_by_key(key);

	if(!c)
		return -1;
	imua_end(c, -1, reason, imua_end_code(c));
	imua_call_unref(c);
	return 1;
}

void imua_send_cancel_b(imua_call_t *c)
{
	unsigned int hash, label;
	int pending;

	if(c->parallel) {
		c->parallel_fork->cancel(c);
		return;
	}
	lock_get(&c->lock);
	pending = c->leg[IMUA_LEG_B].uac_pending;
	hash = c->leg[IMUA_LEG_B].uac_hash;
	label = c->leg[IMUA_LEG_B].uac_label;
	lock_release(&c->lock);
	if(!pending)
		return;
	if(imua_cancel_uac(hash, label) == 0) {
		/* tm runs our provisional callback before it records the
		 * provisional on the branch: a CANCEL decided on it (in this or
		 * another process) may find the branch not yet proceeding. The
		 * next tick tries again (imua_fork_tick). */
		LM_INFO("call %s: leg b not proceeding yet, CANCEL retried\n",
				c->key);
		lock_get(&c->lock);
		c->cancel_pending = c->leg[IMUA_LEG_B].uac_pending;
		lock_release(&c->lock);
	}
}

