/*
 * Serial forking of leg B's INVITE: a callee registered at several
 * contacts is tried at one after the other, so that a contact that does
 * not answer (a client that crashed and left its registration behind)
 * does not hide the others.
 *
 * Each attempt is a new INVITE transaction in leg B's dialog (same
 * Call-ID and From tag, next CSeq) towards the next target. A target is
 * given up when its INVITE gets 404, 408, 410, 480 or 5xx, cannot be sent,
 * times out in tm, or has had no response at all for contact_timeout
 * seconds while others are left (it is then CANCELled, or stopped if it
 * never answered). A target that answered anything, even 100 Trying,
 * keeps tm's fr_inv_timer. Other failures (486, 488, 603, ...) are the
 * callee's answer and go to leg A, as does the failure of the last
 * target. Responses of a given-up attempt are ignored; a late 2xx of one
 * gets a BYE.
 */
#include <string.h>

#include "core/dprint.h"
#include "core/mem/shm_mem.h"
#include "core/parser/parse_rr.h"
#include "core/parser/parse_to.h"
#include "core/timer.h"

#include "im_ua.h"
#include "im_ua_flow.h"

/* per target: Request-URI, next hop, our Contact on leg B */
#define TARGET_STRS 3

static str method_invite = str_init("INVITE");
static str method_bye = str_init("BYE");

static void invite_response(imua_tx_t *tx, int type, struct tmcb_params *ps);

int imua_fork_init(imua_call_t *c, const imua_leg_b_spec_t *inv,
		const char *user, const imua_fork_ops_t *ops)
{
	im_kbuf_t contacts[IMUA_MAX_TARGETS];
	imua_target_t all[IMUA_MAX_TARGETS];
	size_t size;
	char *p;
	int n = 0, ret = -1;

	c->refresher_b_uas = inv->refresher_uas;
	c->invite_b_ops = ops;
	c->winner = -1;
	if(imua_str_set(&c->invite_hdrs, inv->hdrs.s, inv->hdrs.len) < 0)
		return -1;
	if(inv->n_next_targets <= 0 || !inv->next_targets) {
		c->parallel = 0; /* one target: nothing to fork */
		return 0;
	}
	/* in parallel every target is a branch, leg B's Request-URI the first */
	if(c->parallel)
		all[n++] = (imua_target_t){inv->ruri, inv->dst_uri};
	for(int i = 0; i < inv->n_next_targets && n < IMUA_MAX_TARGETS - !c->parallel;
			i++)
		all[n++] = inv->next_targets[i];
	memset(contacts, 0, sizeof(contacts));
	size = (size_t)n * TARGET_STRS * sizeof(str);
	for(int i = 0; i < n; i++) {
		const imua_target_t *t = &all[i];
		/* our Contact's transport follows the target's */
		if(imua_contact(&contacts[i], user, &inv->contact_host, NULL,
				   imua_uri_proto(&t->ruri, &t->dst_uri),
				   &inv->contact_params)
				< 0)
			goto done;
		size += t->ruri.len + t->dst_uri.len + contacts[i].len;
	}
	c->targets = shm_malloc(size);
	if(!c->targets) {
		SHM_MEM_ERROR;
		goto done;
	}
	p = (char *)(c->targets + n * TARGET_STRS);
	for(int i = 0; i < n; i++) {
		const str src[TARGET_STRS] = {
				all[i].ruri, all[i].dst_uri, {contacts[i].s, contacts[i].len}};
		for(int k = 0; k < TARGET_STRS; k++) {
			str *dst = &c->targets[i * TARGET_STRS + k];
			dst->s = p;
			dst->len = src[k].len;
			if(src[k].len)
				memcpy(p, src[k].s, src[k].len);
			p += src[k].len;
		}
	}
	c->n_targets = n;
	c->next_target = 0;
	ret = 0;
done:
	for(int i = 0; i < n; i++)
		im_kbuf_free(&contacts[i]);
	return ret;
}

/* The next target becomes leg B's (under the call lock): 1, or 0 when
 * none is left or leg A (of a B2BUA call) is answered already. */
static int advance_locked(imua_call_t *c)
{
	if(c->state != IMUA_INVITING
			|| (imua_leg_used(c, IMUA_LEG_A) && !c->leg[IMUA_LEG_A].uas_pending)
			|| c->next_target >= c->n_targets)
		return 0;
	return imua_fork_target_locked(c, c->next_target++) == 0;
}

int imua_fork_target_locked(imua_call_t *c, int i)
{
	imua_leg_t *b = &c->leg[IMUA_LEG_B];
	str *t = &c->targets[i * TARGET_STRS];

	if(imua_str_set(&b->remote_target, t[0].s, t[0].len) < 0
			|| imua_str_set(&b->dst_uri, t[1].s, t[1].len) < 0
			|| imua_str_set(&b->contact, t[2].s, t[2].len) < 0)
		return -1;
	c->attempt++;
	b->early = 0;
	/* pending from now on, so that an end of the call meanwhile CANCELs
	 * the INVITE about to leave */
	b->uac_pending = 1;
	return 0;
}

int imua_send_invite_b(imua_call_t *c)
{
	return imua_send_invite_b_of(c, 0, NULL, NULL);
}

int imua_send_invite_b_of(imua_call_t *c, unsigned int expected,
		unsigned int *hash, unsigned int *label)
{
	imua_leg_t *l = &c->leg[IMUA_LEG_B];
	im_kbuf_t h = {0}, body = {0}, id_mem = {0};
	imua_tx_t *tx;
	str extra = STR_NULL;
	/* a B2BUA call's owner, or a single dialog's */
	int (*leg_headers)(void *, const imua_leg_id_t *, str *) =
			c->hooks ? c->hooks->leg_b_headers
					 : (c->dlg_hooks ? c->dlg_hooks->leg_headers : NULL);
	unsigned int attempt;
	int ret = -1, off[4];

	lock_get(&c->lock);
	attempt = c->attempt;
	if(expected && attempt != expected) {
		/* leg B's target is another branch's by now */
		lock_release(&c->lock);
		return -2;
	}
	im_kbuf_adds(&h, &c->invite_hdrs);
	im_kbuf_adds(&body, &l->sdp);
	off[0] = id_mem.len;
	im_kbuf_adds(&id_mem, &l->remote_target);
	off[1] = id_mem.len;
	im_kbuf_adds(&id_mem, &l->call_id);
	off[2] = id_mem.len;
	im_kbuf_adds(&id_mem, &l->local_uri);
	off[3] = id_mem.len;
	im_kbuf_adds(&id_mem, &l->local_tag);
	im_kbuf_addf(&h, "Contact: %.*s\r\n", l->contact.len, l->contact.s);
	im_kbuf_addf(&h, "Allow: %.*s\r\n", imua_allow.len, imua_allow.s);
	im_kbuf_addf(&h, "Supported: timer\r\n");
	if(l->se)
		im_kbuf_addf(&h, "Session-Expires: %u%s\r\nMin-SE: %u\r\n", l->se,
				c->refresher_b_uas ? ";refresher=uas" : "",
				l->min_se ? l->min_se : (unsigned int)imua_min_se);
	if(l->sdp.len)
		im_kbuf_addf(&h, "Content-Type: %.*s\r\n", l->sdp_type.len,
				l->sdp_type.s);
	/* no response within contact_timeout: the next target's turn */
	c->attempt_deadline = c->next_target < c->n_targets && imua_contact_timeout
										 ? get_ticks() + imua_contact_timeout
										 : 0;
	lock_release(&c->lock);
	if(h.failed || body.failed || id_mem.failed)
		goto done;
	if(leg_headers) {
		imua_leg_id_t id = {method_invite,
				{id_mem.s + off[0], off[1] - off[0]},
				{id_mem.s + off[1], off[2] - off[1]},
				{id_mem.s + off[2], off[3] - off[2]},
				{id_mem.s + off[3], id_mem.len - off[3]}};
		if(!imua_hook_enter(c))
			goto done; /* ended meanwhile */
		ret = leg_headers(c->app, &id, &extra);
		imua_hook_leave(c);
		if(ret < 0) {
			ret = -1;
			goto done;
		}
		ret = -1;
		im_kbuf_adds(&h, &extra);
		if(extra.s)
			pkg_free(extra.s);
		if(h.failed)
			goto done;
	}
	tx = imua_tx_new(c, IMUA_TX_INVITE_B, IMUA_LEG_B, invite_response);
	if(!tx)
		goto done;
	tx->method = METHOD_INVITE;
	tx->attempt = attempt;
	ret = imua_leg_send_ex(c, IMUA_LEG_B, &method_invite, &(str){h.s, h.len},
			body.len ? &(str){body.s, body.len} : NULL, tx, expected, hash,
			label);
	if(ret < 0)
		imua_tx_free(tx);
done:
	im_kbuf_free(&h);
	im_kbuf_free(&body);
	im_kbuf_free(&id_mem);
	return ret;
}

/* Sends the current attempt, moving on while a target cannot be sent
 * to. 1: an INVITE is on its way; 0: none could be sent. */
static int send_some(imua_call_t *c)
{
	int more;

	while(imua_send_invite_b(c) < 0) {
		lock_get(&c->lock);
		more = advance_locked(c);
		if(!more)
			c->leg[IMUA_LEG_B].uac_pending = 0;
		lock_release(&c->lock);
		if(!more)
			return 0;
		LM_NOTICE("call %s: leg b cannot be sent, trying its next target\n",
				c->key);
	}
	return 1;
}

int imua_fork_start(imua_call_t *c)
{
	return c->parallel ? c->parallel_fork->start(c) : send_some(c);
}

/* Failures that say "not this contact" rather than "not this callee". */
static int target_unreachable(int code, int real)
{
	if(!real)
		return 1; /* tm's timeout, or the INVITE could not be sent */
	return code == 404 || code == 408 || code == 410 || code == 480
		   || (code >= 500 && code < 600);
}

/* RFC 4028 section 7.3 (UAC): a 422 names the smallest interval the
 * callee takes; the same target is asked again, once, with it as both
 * Session-Expires and Min-SE. 1: asked again. Under no lock. */
static int retry_422(imua_call_t *c, struct tmcb_params *ps)
{
	imua_leg_t *b = &c->leg[IMUA_LEG_B];
	unsigned int min_se = imua_get_min_se(ps->rpl);
	int again;

	lock_get(&c->lock);
	again = min_se && b->se && min_se > b->se && !c->retried_422
			&& c->state == IMUA_INVITING;
	if(again) {
		c->retried_422 = 1;
		b->se = b->min_se = min_se;
		c->attempt++;
		b->early = 0;
		b->uac_pending = 1;
	}
	lock_release(&c->lock);
	if(!again)
		return 0;
	LM_INFO("call %s: leg b asks a session interval of at least %u s, "
			"inviting it again\n",
			c->key, min_se);
	return send_some(c);
}

int imua_fork_retry(imua_call_t *c, struct tmcb_params *ps)
{
	int real = ps->rpl && ps->rpl != FAKED_REPLY, next;

	if(c->parallel)
		return 0; /* every branch has had its final response */
	if(real && ps->code == 422 && retry_422(c, ps))
		return 1;

	if(!target_unreachable(ps->code, real))
		return 0;
	lock_get(&c->lock);
	next = advance_locked(c);
	lock_release(&c->lock);
	if(!next)
		return 0;
	LM_INFO("call %s: leg b got %d, trying its next target\n", c->key,
			ps->code);
	return send_some(c);
}

void imua_fork_tick(imua_call_t *c, unsigned int now)
{
	int next, cancel;
	unsigned int hash = 0, label = 0;

	if(c->parallel) {
		c->parallel_fork->tick(c, now);
		return;
	}
	lock_get(&c->lock);
	/* a CANCEL that tm refused a moment too early (imua_send_cancel_b) */
	cancel = c->cancel_pending && c->leg[IMUA_LEG_B].early
			 && c->leg[IMUA_LEG_B].uac_pending;
	if(cancel)
		c->cancel_pending = 0;
	lock_release(&c->lock);
	if(cancel)
		imua_send_cancel_b(c);
	lock_get(&c->lock);
	next = c->attempt_deadline && now >= c->attempt_deadline
		   && c->leg[IMUA_LEG_B].uac_pending;
	c->attempt_deadline = next ? 0 : c->attempt_deadline;
	if(next) {
		hash = c->leg[IMUA_LEG_B].uac_hash;
		label = c->leg[IMUA_LEG_B].uac_label;
		next = advance_locked(c);
	}
	lock_release(&c->lock);
	if(!next)
		return;
	LM_NOTICE("call %s: no response on leg b within %d s, trying its next "
			  "target\n",
			c->key, imua_contact_timeout);
	/* the given-up INVITE stops (or is CANCELled once it has an answer);
	 * what it still gets is a stale attempt's */
	imua_cancel_uac(hash, label);
	if(!send_some(c))
		imua_end(c, -1, "no contact of the callee answered", 480);
}

void imua_fork_stray_2xx(imua_call_t *c, struct sip_msg *rpl)
{
	im_kbuf_t mem = {0};
	dlg_t dlg;
	uac_req_t uac_r;
	str target, rs = STR_NULL;
	unsigned int cseq;
	int off[4];

	memset(&dlg, 0, sizeof(dlg));
	if(parse_headers(rpl, HDR_EOH_F, 0) < 0 || !rpl->to
			|| imua_contact_uri(rpl, &target) < 0) {
		LM_WARN("call %s: a given-up target answered 2xx that cannot be "
				"BYEd\n",
				c->key);
		return;
	}
	lock_get(&c->lock);
	off[0] = mem.len;
	im_kbuf_adds(&mem, &c->leg[IMUA_LEG_B].call_id);
	off[1] = mem.len;
	im_kbuf_adds(&mem, &c->leg[IMUA_LEG_B].local_tag);
	off[2] = mem.len;
	im_kbuf_adds(&mem, &c->leg[IMUA_LEG_B].local_uri);
	off[3] = mem.len;
	im_kbuf_adds(&mem, &c->leg[IMUA_LEG_B].remote_uri);
	cseq = ++c->leg[IMUA_LEG_B].local_cseq;
	lock_release(&c->lock);
	if(mem.failed)
		goto done;
	dlg.id.call_id = (str){mem.s + off[0], off[1] - off[0]};
	dlg.id.loc_tag = (str){mem.s + off[1], off[2] - off[1]};
	dlg.loc_uri = (str){mem.s + off[2], off[3] - off[2]};
	dlg.rem_uri = (str){mem.s + off[3], mem.len - off[3]};
	dlg.id.rem_tag = get_to(rpl)->tag_value;
	dlg.rem_target = target;
	dlg.loc_seq.value = cseq;
	dlg.loc_seq.is_set = 1;
	dlg.state = DLG_CONFIRMED;
	if(rpl->record_route
			&& (print_rr_body(rpl->record_route, &rs, 1, NULL) < 0
					|| parse_rr_body(rs.s, rs.len, &dlg.route_set) < 0))
		goto done;
	set_uac_req(&uac_r, &method_bye, NULL, NULL, &dlg, 0, NULL, NULL);
	if(imua_tmb.t_uac(&uac_r) < 0)
		LM_WARN("call %s: cannot BYE a given-up target's late 2xx\n", c->key);
	else
		LM_NOTICE("call %s: a given-up target answered late, BYE sent\n",
				c->key);
done:
	if(dlg.route_set)
		free_rr(&dlg.route_set);
	if(rs.s)
		pkg_free(rs.s);
	im_kbuf_free(&mem);
}

static int fork_current(imua_call_t *c, imua_tx_t *tx, int code)
{
	int current;

	lock_get(&c->lock);
	current = tx->attempt == c->attempt;
	/* the target answers: it has tm's timers, not contact_timeout */
	if(current && code >= 100)
		c->attempt_deadline = 0;
	lock_release(&c->lock);
	return current;
}

/* A response of leg B's INVITE: a stale attempt's (a late 2xx gets its
 * BYE here) or a duplicate is ignored; a provisional marks leg B early
 * (and lets a waiting CANCEL go); a final one is claimed once; the owner's
 * ops do the rest. */
static void invite_response(imua_tx_t *tx, int type, struct tmcb_params *ps)
{
	imua_call_t *c = tx->call;
	const imua_fork_ops_t *ops = c->invite_b_ops;
	int real = ps->rpl && ps->rpl != FAKED_REPLY, cancel;

	if(c->parallel) {
		c->parallel_fork->response(tx, type, ps);
		return;
	}
	if(!fork_current(c, tx, real ? ps->code : 0)) {
		/* a target given up for the next one */
		if(!(type & TMCB_LOCAL_RESPONSE_IN) && ps->code >= 200
				&& ps->code < 300 && real && imua_tx_claim(tx))
			imua_fork_stray_2xx(c, ps->rpl);
		return;
	}
	if(type & TMCB_LOCAL_RESPONSE_IN) {
		if(ps->code < 100 || ps->code >= 200 || !real)
			return;
		/* early: a CANCEL that waited for this may leave now; a 100
		 * Trying is enough (RFC 3261 9.1), and a focus that answers
		 * nothing before its 200 sends nothing else */
		lock_get(&c->lock);
		c->leg[IMUA_LEG_B].early = 1;
		cancel = c->cancel_pending;
		c->cancel_pending = 0;
		lock_release(&c->lock);
		if(cancel)
			imua_send_cancel_b(c);
		if(ops->provisional && ps->code > 100)
			ops->provisional(c, ps);
		return;
	}
	if(!imua_tx_claim(tx))
		return;
	if(ps->code >= 200 && ps->code < 300 && real)
		ops->answered(c, ps->rpl);
	else
		ops->failed(c, ps);
}

int imua_fork_answered(imua_call_t *c, struct sip_msg *rpl)
{
	int ret, still;

	lock_get(&c->lock);
	ret = imua_leg_b_from_2xx(c, rpl);
	c->leg[IMUA_LEG_B].uac_pending = 0;
	still = c->state == IMUA_INVITING;
	/* ended (CANCEL, terminate) while leg B was being answered: it only
	 * needs its BYE now */
	if(!still)
		c->state = IMUA_CONFIRMED;
	lock_release(&c->lock);
	if(ret < 0) {
		LM_ERR("call %s: cannot keep leg b's dialog\n", c->key);
		imua_end(c, -1, "leg b: bad 2xx", 500);
		return 0;
	}
	if(!still) {
		imua_end(c, -1, c->end_reason[0] ? c->end_reason : "cancelled", 487);
		return 0;
	}
	return 1;
}
