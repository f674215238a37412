/*
 * Parallel forking of leg B's INVITE (issue 11): a callee registered at
 * several contacts rings on all of them at once, as tm forks a MESSAGE.
 *
 * Each target gets its own INVITE transaction in leg B's dialog (same
 * Call-ID and From tag, its own CSeq): a branch. Provisional responses of
 * any branch go to leg A. The first 2xx wins: its target becomes leg B's
 * dialog and every other branch is CANCELled (tm's CANCEL: one without a
 * response yet gets it once the first comes, RFC 3261 9.1). A 2xx of
 * another branch after that (crossing the CANCEL) is ACKed by tm and gets
 * a BYE. A 6xx ends the fork (the others are CANCELled); other failures
 * wait for every branch, and leg A gets the most telling of them: the
 * callee's own answer (486, 488, 603, ...) before "not reachable there"
 * (404, 408, 410, 480, 5xx), with its reason phrase and the headers that
 * say why and what next (RFC 3261 16.7 step 6). A 422 invites that target
 * once more with the Min-SE it asked, or the larger interval another
 * branch's 422 raised leg B's to (RFC 4028 7.3).
 *
 * A branch without any response for contact_timeout (a client that
 * crashed and left its registration) is not waited for once another
 * branch has failed: when every other branch has, leg A gets the best
 * failure then, not after tm's fr_timer. (When no branch answered at all,
 * tm's timers decide, as for serial forking's last contact.) It cannot be CANCELled before a response (RFC 3261 9.1): it
 * stays in tm, and should it answer 2xx after all, it still wins while
 * the fork is undecided, else gets ACK and BYE.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/dprint.h"

#include "im_ua.h"
#include "im_ua_flow.h"

static void silence(imua_call_t *c, unsigned int now);
static void cancel_one(imua_call_t *c, int i);

/* The branch whose INVITE tx is, under the call lock; -1 none. */
static int branch_of(imua_call_t *c, const imua_tx_t *tx)
{
	for(int i = 0; i < c->n_branches; i++)
		if(c->branch[i].attempt == tx->attempt)
			return i;
	return -1;
}

/* How telling a failure is for leg A: the callee's own answer over "not
 * reachable at that contact", a timeout last. */
static int failure_rank(int code, int real)
{
	if(!real || code == 408)
		return 1;
	if(code >= 600)
		return 4;
	if(code == 404 || code == 410 || code == 480 || code >= 500)
		return 2;
	return 3;
}

/*
 * The headers of a failure that cross to leg A with it (RFC 3261 16.7
 * step 6 relays the best response): those that tell the caller why it
 * failed and what to do next. A whitelist, not im_ua_sip.c's list of a
 * leg's own headers, because the chosen failure is kept in shm until the
 * last branch answers (bounded by FAILURE_HDRS_MAX), and because a
 * branch's other headers describe that branch alone: its dialog and path
 * (To tag, Contact, Record-Route), its own session timer and options
 * (Min-SE, Session-Expires, Allow, Supported: leg A negotiates its own
 * with us; leg B's interval does not follow the caller's, so a Min-SE
 * would make the caller retry for nothing), its credentials challenge
 * (leg B is ours to authenticate), or nothing we know.
 */
static const char *const failure_headers[] = {
		"Warning",		   /* RFC 3261 20.43: why, for the user */
		"Retry-After",	   /* 20.33: 486, 480, 503, 600, 603: when again */
		"Error-Info",	   /* 20.18: more about the error */
		"Reason",		   /* RFC 3326: the cause (e.g. Q.850) */
		"Unsupported",	   /* 20.40: what a 420 refused */
		"Accept",		   /* 20.1: what a 415 takes */
		"Accept-Encoding", /* 20.2: likewise */
		"Accept-Language", /* 20.3: likewise */
		"Min-Expires",	   /* 20.23: the least a 423 takes */
};
#define FAILURE_HDRS_MAX 1024

static int crosses(const struct hdr_field *h)
{
	for(size_t i = 0; i < sizeof(failure_headers) / sizeof(failure_headers[0]);
			i++)
		if(h->name.len == (int)strlen(failure_headers[i])
				&& strncasecmp(h->name.s, failure_headers[i], h->name.len) == 0)
			return 1;
	return 0;
}

/* The headers of rpl that cross, whole lines, FAILURE_HDRS_MAX at most. */
static void failure_headers_of(struct sip_msg *rpl, im_kbuf_t *b)
{
	if(parse_headers(rpl, HDR_EOH_F, 0) < 0)
		return;
	for(struct hdr_field *h = rpl->headers; h; h = h->next)
		if(crosses(h) && b->len + h->len <= FAILURE_HDRS_MAX)
			im_kbuf_add(b, h->name.s, h->len);
}

/* Keeps what leg A gets of the new best failure; under the call lock. */
static void keep_best_locked(
		imua_call_t *c, int code, struct sip_msg *rpl, const im_kbuf_t *hdrs)
{
	str reason = rpl ? rpl->first_line.u.reply.reason : (str)STR_NULL;

	if(!reason.len) {
		reason.s = (char *)imua_reason_of(code);
		reason.len = strlen(reason.s);
	}
	if(reason.len >= (int)sizeof(c->best_reason))
		reason.len = sizeof(c->best_reason) - 1;
	memcpy(c->best_reason, reason.s, reason.len);
	c->best_reason[reason.len] = '\0';
	c->best_code = code;
	if(imua_str_set(&c->best_hdrs, hdrs->s, hdrs->failed ? 0 : hdrs->len) < 0)
		c->best_hdrs.len = 0;
}

int imua_parallel_failure(imua_call_t *c, char *reason, int len, im_kbuf_t *h)
{
	int ret;

	lock_get(&c->lock);
	ret = c->parallel && c->best_code;
	if(ret) {
		snprintf(reason, len, "%s", c->best_reason);
		im_kbuf_adds(h, &c->best_hdrs);
	}
	lock_release(&c->lock);
	return ret;
}

/* Points leg B at target i for branch i: its attempt, or 0 when the
 * fork is decided or over. */
static unsigned int aim_branch(imua_call_t *c, int i)
{
	imua_branch_t *br = &c->branch[i];
	unsigned int attempt = 0;

	lock_get(&c->lock);
	if(c->state == IMUA_INVITING && c->winner < 0
			&& imua_fork_target_locked(c, i) == 0) {
		attempt = br->attempt = c->attempt;
		br->live = 1;
		br->early = br->cancel = br->silent = br->ids = 0;
		br->deadline =
				imua_contact_timeout ? get_ticks() + imua_contact_timeout : 0;
	}
	lock_release(&c->lock);
	return attempt;
}

/* Sends branch i's INVITE (again, for a 422). 0 sent, -1 not. Leg B's
 * target is shared by the branches: another branch aimed (a 422 retry in
 * another process) or won meanwhile makes the send stop before it reads
 * the target (-2), and this branch is aimed again. */
static int send_branch(imua_call_t *c, int i)
{
	imua_branch_t *br = &c->branch[i];
	unsigned int attempt, hash = 0, label = 0;
	int ret = -1, late;

	for(int tries = 0; tries < 4; tries++) {
		if(!(attempt = aim_branch(c, i)))
			return -1;
		ret = imua_send_invite_b_of(c, attempt, &hash, &label);
		if(ret != -2)
			break;
	}
	lock_get(&c->lock);
	if(ret < 0) {
		br->live = 0;
	} else {
		br->hash = hash;
		br->label = label;
		br->ids = 1;
	}
	/* the fork was decided while this one left: it goes too */
	late = ret == 0 && (c->winner >= 0 || c->state != IMUA_INVITING);
	if(late)
		br->cancel = 1;
	lock_release(&c->lock);
	if(ret < 0)
		LM_NOTICE("call %s: leg b cannot be sent to target %d\n", c->key, i);
	else
		cancel_one(c, i); /* a CANCEL decided before its ids were known */
	return ret < 0 ? -1 : 0;
}

static int parallel_start(imua_call_t *c)
{
	int sent = 0;

	lock_get(&c->lock);
	c->n_branches = c->n_targets;
	c->next_target = c->n_targets; /* no serial turn, no contact_timeout */
	lock_release(&c->lock);
	for(int i = 0; i < c->n_branches; i++)
		if(send_branch(c, i) == 0)
			sent++;
	LM_INFO("call %s: leg b sent to %d of %d targets at once\n", c->key, sent,
			c->n_branches);
	/* a branch that could not be sent cleared it; the fork is pending
	 * until a 2xx or the last failure */
	lock_get(&c->lock);
	if(sent && c->winner < 0 && !c->failure_reported)
		c->leg[IMUA_LEG_B].uac_pending = 1;
	lock_release(&c->lock);
	return sent > 0;
}

/* CANCELs branch i, marked by the caller (br->cancel), as soon as its tm
 * ids are known (send_branch calls again then). tm holds the CANCEL of a
 * branch without a provisional response until one comes. Under no lock. */
static void cancel_one(imua_call_t *c, int i)
{
	imua_branch_t *br = &c->branch[i];
	unsigned int hash, label;
	int go;

	lock_get(&c->lock);
	go = br->live && br->cancel && br->ids;
	if(go)
		br->cancel = 0;
	hash = br->hash;
	label = br->label;
	lock_release(&c->lock);
	if(go && imua_cancel_uac_pending(hash, label))
		LM_INFO("call %s: leg b's branch %d CANCELled\n", c->key, i);
}

/* Marks every live branch but keep for a CANCEL and sends what can go. */
static void cancel_others(imua_call_t *c, int keep)
{
	lock_get(&c->lock);
	for(int i = 0; i < c->n_branches; i++)
		if(i != keep && c->branch[i].live)
			c->branch[i].cancel = 1;
	lock_release(&c->lock);
	for(int i = 0; i < c->n_branches; i++)
		if(i != keep)
			cancel_one(c, i);
}

static void parallel_cancel(imua_call_t *c)
{
	cancel_others(c, -1);
}

static void parallel_tick(imua_call_t *c, unsigned int now)
{
	for(int i = 0; i < c->n_branches; i++)
		cancel_one(c, i);
	silence(c, now);
}

/* RFC 4028 7.3 for one branch: 1 when its target is invited again. */
static int retry_422(imua_call_t *c, int i, struct tmcb_params *ps)
{
	imua_leg_t *b = &c->leg[IMUA_LEG_B];
	unsigned int min_se = imua_get_min_se(ps->rpl);
	int again;

	lock_get(&c->lock);
	/* a Min-SE at or below leg B's interval (another branch's 422 raised
	 * it since this INVITE left) is met by inviting again with it */
	again = min_se && b->se && !c->branch[i].retried_422 && c->winner < 0;
	if(again) {
		c->branch[i].retried_422 = 1;
		if(min_se > b->se)
			b->se = b->min_se = min_se;
	}
	lock_release(&c->lock);
	if(!again)
		return 0;
	LM_INFO("call %s: branch %d asks a session interval of at least %u s, "
			"inviting it again\n",
			c->key, i, min_se);
	return send_branch(c, i) == 0;
}

/* The first 2xx: its target's dialog becomes leg B's, the others go. */
static void won(imua_call_t *c, int i, struct sip_msg *rpl)
{
	int first;

	lock_get(&c->lock);
	/* a silent branch answering after leg A had its failure is late */
	first = c->winner < 0 && !c->failure_reported;
	if(first) {
		c->winner = i;
		/* leg B's target, next hop and Contact are the winner's */
		imua_fork_target_locked(c, i);
	}
	lock_release(&c->lock);
	if(!first) {
		imua_fork_stray_2xx(c, rpl);
		return;
	}
	LM_INFO("call %s: branch %d answered first\n", c->key, i);
	cancel_others(c, i);
	c->invite_b_ops->answered(c, rpl);
}

/* A failure of branch i: leg A hears of it when it is the last branch or
 * a 6xx, with the most telling failure of all. */
static void lost(imua_call_t *c, int i, struct tmcb_params *ps, int real)
{
	struct tmcb_params best;
	im_kbuf_t hdrs = {0};
	int live = 0, report, rank = failure_rank(ps->code, real), last_best;
	int code = real ? ps->code : 408;

	if(real && ps->code == 422 && retry_422(c, i, ps))
		return;
	if(real)
		failure_headers_of(ps->rpl, &hdrs);
	lock_get(&c->lock);
	/* the first of the most telling rank stays: its headers with it */
	last_best = !c->best_code
				|| rank > failure_rank(c->best_code, c->best_code != 408);
	if(last_best)
		keep_best_locked(c, code, real ? ps->rpl : NULL, &hdrs);
	for(int k = 0; k < c->n_branches; k++)
		live += c->branch[k].live && !c->branch[k].silent;
	report = c->winner < 0 && !c->failure_reported && (!live || rank == 4);
	if(report) {
		c->failure_reported = 1;
		c->leg[IMUA_LEG_B].uac_pending = 0;
	}
	best = *ps;
	if(!last_best) {
		best.code = c->best_code;
		best.rpl = FAKED_REPLY;
	}
	lock_release(&c->lock);
	im_kbuf_free(&hdrs);
	if(!report)
		return;
	if(live)
		cancel_others(c, -1);
	c->invite_b_ops->failed(c, &best);
}

/* Branches silent past their deadline; when only silent ones are left
 * and another failed, leg A gets the best failure now. */
static void silence(imua_call_t *c, unsigned int now)
{
	struct tmcb_params best;
	int waiting = 0, newly = 0, report;

	lock_get(&c->lock);
	for(int i = 0; i < c->n_branches; i++) {
		imua_branch_t *br = &c->branch[i];
		if(br->live && !br->early && !br->silent && br->deadline
				&& now >= br->deadline) {
			br->silent = 1;
			newly++;
			LM_NOTICE("call %s: no response from branch %d within %d s, "
					  "not waited for\n",
					c->key, i, imua_contact_timeout);
		}
		waiting += br->live && !br->silent;
	}
	report = newly && !waiting && c->best_code && c->winner < 0
			 && !c->failure_reported;
	if(report) {
		c->failure_reported = 1;
		c->leg[IMUA_LEG_B].uac_pending = 0;
	}
	memset(&best, 0, sizeof(best));
	best.code = c->best_code;
	best.rpl = FAKED_REPLY;
	lock_release(&c->lock);
	if(report)
		c->invite_b_ops->failed(c, &best);
}

static void parallel_response(imua_tx_t *tx, int type, struct tmcb_params *ps)
{
	imua_call_t *c = tx->call;
	int real = ps->rpl && ps->rpl != FAKED_REPLY, i, go, cancel;

	lock_get(&c->lock);
	i = branch_of(c, tx);
	if(i >= 0 && (type & TMCB_LOCAL_RESPONSE_IN)) {
		if(ps->code < 100 || ps->code >= 200 || !real) {
			lock_release(&c->lock);
			return;
		}
		c->branch[i].early = 1;
		c->leg[IMUA_LEG_B].early = 1;
		cancel = c->branch[i].cancel;
		go = c->winner < 0 && c->state == IMUA_INVITING;
		lock_release(&c->lock);
		if(cancel)
			cancel_one(c, i);
		else if(go && ps->code > 100 && c->invite_b_ops->provisional)
			c->invite_b_ops->provisional(c, ps);
		return;
	}
	lock_release(&c->lock);
	if((type & TMCB_LOCAL_RESPONSE_IN) || !imua_tx_claim(tx))
		return;
	if(i < 0) {
		/* a branch invited again after its 422: the first INVITE's 2xx
		 * cannot come any more; anything else is that 422 */
		return;
	}
	lock_get(&c->lock);
	c->branch[i].live = 0;
	lock_release(&c->lock);
	if(real && ps->code >= 200 && ps->code < 300)
		won(c, i, ps->rpl);
	else
		lost(c, i, ps, real);
}

const imua_fork_strategy_t imua_parallel_fork = {
		parallel_start, parallel_response, parallel_tick, parallel_cancel};
