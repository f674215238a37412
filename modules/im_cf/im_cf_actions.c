#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/dprint.h"
#include "core/mem/mem.h"
#include "core/mem/shm_mem.h"

#include "im_sdp.h"

#include "im_cf.h"
#include "im_cf_accept.h"
#include "im_cf_actions.h"
#include "im_cf_dialog.h"
#include "im_cf_event.h"
#include "im_cf_policy.h"
#include "im_cf_reply.h"
#include "im_cf_report.h"
#include "im_cf_sysmsg.h"

/* A copy of what an action needs of participant i (taken under the
 * lock: the session may change while the action runs). */
typedef struct snapshot
{
	imcf_participant_t p;
	char id[IMCF_ID_MAX];
	char identity[IMCF_URI_MAX];
	int participants;
} snapshot_t;

static void take(imcf_session_t *s, int i, snapshot_t *sn)
{
	imcf_session_lock(s);
	if(i >= 0 && i < s->conf.n)
		sn->p = s->conf.p[i];
	else
		memset(&sn->p, 0, sizeof(sn->p));
	memcpy(sn->id, s->conf.id, sizeof(sn->id));
	memcpy(sn->identity, s->conf.identity, sizeof(sn->identity));
	sn->participants = imcf_conf_active(&s->conf);
	imcf_session_unlock(s);
}

static void run_route(
		imcf_event_route_t rt, const snapshot_t *sn, const char *reason)
{
	const imcf_participant_t *p = &sn->p;
	/* an anonymous participant is shown by its alias only (MS-2) */
	imcf_event_info_t info = {sn->id, sn->identity,
			p->alias_uri[0] ? p->alias_uri : p->uri,
			p->alias_uri[0] ? p->alias_display : p->display,
			imcf_pstate_name(p->state), reason, sn->participants};

	imcf_event_run(rt, &info);
}

/* CF-2: the inviter's answer (shm) with a=accept-wrapped-types selected
 * from its offer and the invitee's answer; *out pkg. 0, or -1: the answer
 * goes as the relay wrote it. */
static int select_wrapped(
		const str *answer, const str *offered, const str *invitee_sdp, str *out)
{
	im_sdp_msrp_t m;
	const char *err;
	char *sel;
	int no_msrp, n;
	size_t cap;

	if(im_sdp_parse_msrp(
			   invitee_sdp->s, (size_t)invitee_sdp->len, &m, &no_msrp, &err)
			< 0)
		return -1;
	cap = (size_t)offered->len + m.accept_wrapped_types.len + m.accept_types.len
		  + 2;
	sel = pkg_malloc(cap);
	if(!sel) {
		PKG_MEM_ERROR;
		return -1;
	}
	n = imcf_wrapped_select(offered->s, (size_t)offered->len,
			m.accept_wrapped_types.p, m.accept_wrapped_types.len,
			m.accept_types.p, m.accept_types.len, sel, cap);
	if(n >= 0) {
		cap = (size_t)answer->len + (size_t)n + 1;
		out->s = pkg_malloc(cap);
		if(!out->s)
			PKG_MEM_ERROR;
		n = out->s ? imcf_sdp_set_wrapped(
					answer->s, (size_t)answer->len, sel, (size_t)n, out->s, cap)
				   : -1;
		if(n < 0 && out->s)
			pkg_free(out->s);
	}
	pkg_free(sel);
	if(n < 0)
		return -1;
	out->len = n;
	return 0;
}

static void answer_inviter(
		imcf_session_t *s, const snapshot_t *sn, const imcf_exec_t *x)
{
	char hdrs[IMCF_URI_MAX + 64];
	str key = {(char *)sn->p.leg_key, strlen(sn->p.leg_key)};
	str reason = str_init("OK"), ctype = str_init("application/sdp"), body;
	str h = imcf_dialog_answer_hdrs(s, hdrs, sizeof(hdrs)), selected;
	int with_selection = 0;

	imcf_session_lock(s);
	body = s->answer;
	s->answer.s = NULL;
	s->answer.len = 0;
	imcf_session_unlock(s);
	if(!body.s) {
		LM_ERR("session %s: no SDP answer kept for the inviter\n", sn->id);
		return;
	}
	/* offered_wrapped needs no lock: set before any invitation went out,
	 * freed with the session */
	if(x && x->invitee_sdp
			&& select_wrapped(
					   &body, &s->offered_wrapped, x->invitee_sdp, &selected)
					   == 0)
		with_selection = 1;
	else
		LM_WARN("session %s: the inviter's 200 keeps the relay's "
				"accept-wrapped-types\n",
				sn->id);
	if(imcf_ua.uas_answer(&key, 200, &reason, &h, &ctype,
			   with_selection ? &selected : &body)
			< 0)
		LM_ERR("session %s: cannot answer the inviter\n", sn->id);
	if(with_selection)
		pkg_free(selected.s);
	shm_free(body.s);
}

static void refuse_inviter(const snapshot_t *sn, int code)
{
	imcf_verdict_t v;
	str key = {(char *)sn->p.leg_key, strlen(sn->p.leg_key)};
	str reason, empty = STR_NULL;

	if(!key.len)
		return; /* its INVITE never became a dialog */
	imcf_verdict_of(code, 0, &v);
	reason.s = (char *)v.reason;
	reason.len = strlen(v.reason);
	if(imcf_ua.uas_answer(&key, code, &reason, &empty, &empty, &empty) < 0)
		LM_ERR("session %s: cannot refuse the inviter\n", sn->id);
}

static void end_dialog(const snapshot_t *sn, const char *why)
{
	str key = {(char *)sn->p.leg_key, strlen(sn->p.leg_key)};

	if(key.len && imcf_ua.terminate(&key, why) < 0)
		LM_WARN("session %s: cannot end %s's dialog\n", sn->id, sn->p.uri);
}

static void remove_leg(imcf_session_t *s, int i)
{
	if(i < 0 || i >= s->conf.cap || !s->legs[i].id[0])
		return;
	imcf_relay.leg_remove(&s->relay, &s->legs[i]);
	s->legs[i].id[0] = '\0';
}

/* CF-7 step 10: the final NOTIFY of the REFER that added sn's user. */
static void notify_referrer(imcf_session_t *s, const snapshot_t *sn, int code)
{
	char key[IMCF_KEY_MAX] = "";

	imcf_session_lock(s);
	if(sn->p.invited_by >= 0 && sn->p.invited_by < s->conf.n)
		memcpy(key, s->conf.p[sn->p.invited_by].leg_key, sizeof(key));
	imcf_session_unlock(s);
	if(key[0])
		imcf_dialog_notify_refer(key, code, 1, sn->p.refer_id);
}

static void run_one(imcf_session_t *s, const imcf_action_t *a, imcf_exec_t *x)
{
	snapshot_t sn;

	take(s, a->idx, &sn);
	switch(a->type) {
		case IMCF_A_INVITE:
			if(imcf_dialog_invite(s, a->idx, x ? x->replaces : NULL) < 0)
				imcf_session_event(s,
						&(imcf_event_t){.type = IMCF_EV_FAILED,
								.idx = a->idx,
								.code = 500},
						NULL);
			break;
		case IMCF_A_COMPLETE_LEG:
			/* done by the answered hook, which has the answer */
			break;
		case IMCF_A_ACCEPT:
			if(!x || !x->req || imcf_dialog_accept(s, a->idx, x->req) < 0)
				imcf_session_event(s,
						&(imcf_event_t){.type = IMCF_EV_BYE, .idx = a->idx},
						NULL);
			break;
		case IMCF_A_ANSWER_INVITER:
			answer_inviter(s, &sn, x);
			break;
		case IMCF_A_REFUSE_INVITER:
			refuse_inviter(&sn, a->code);
			break;
		case IMCF_A_REFUSE:
			if(x && x->req)
				imcf_refuse(x->req, a->code, a->warn);
			else if(x) {
				x->refused = a->code;
				x->refused_warn = a->warn;
			}
			break;
		case IMCF_A_CANCEL:
			end_dialog(&sn, "cancelled");
			break;
		case IMCF_A_BYE:
			if(x && a->idx == x->self)
				x->bye_self = 1;
			else
				end_dialog(&sn, "removed");
			break;
		case IMCF_A_REMOVE_LEG:
			remove_leg(s, a->idx);
			break;
		case IMCF_A_JOINED:
			run_route(IMCF_RT_JOINED, &sn, NULL);
			/* D-22: its relay leg exists by now (accepted with its INVITE
			 * or completed with its 200); the relay holds the notice until
			 * the MSRP connection is up */
			imcf_sysmsg_alias(s, a->idx);
			break;
		case IMCF_A_LEFT:
			run_route(IMCF_RT_LEFT, &sn, imcf_disc_name(sn.p.disconnection));
			break;
		case IMCF_A_RELEASE:
			/* LM-3, OMA TS 9.4.2: the sender's BYE after its last chunk
			 * is what ends a Large Message session, not the delivery */
			if(s->large_message)
				LM_INFO("large message session %s released: BYE to every "
						"recipient (LM-3)\n",
						sn.id);
			run_route(IMCF_RT_RELEASED, &sn, NULL);
			imcf_relay.session_close(&s->relay);
			imcf_report_forget(s->conf.id);
			break;
		case IMCF_A_DESTROY:
			imcf_session_unlink(s);
			break;
		case IMCF_A_NOTIFY_REFERRER:
			notify_referrer(s, &sn, a->code);
			break;
	}
}

int imcf_session_event(
		imcf_session_t *s, const imcf_event_t *ev, imcf_exec_t *x)
{
	imcf_actions_t *acts;
	int ret;

	/* 3 x 128 participants of actions: too much for a worker's stack */
	acts = pkg_malloc(sizeof(*acts));
	if(!acts) {
		PKG_MEM_ERROR;
		return -1;
	}
	acts->n = 0;
	imcf_session_lock(s);
	ret = imcf_conf_apply(&s->conf, ev, acts);
	imcf_session_unlock(s);
	for(int i = 0; i < acts->n; i++)
		run_one(s, &acts->a[i], x);
	pkg_free(acts);
	return ret;
}

static int tick_one(imcf_session_t *s, void *arg)
{
	imcf_event_t ev = {.type = IMCF_EV_TICK, .now = *(time_t *)arg};

	imcf_session_event(s, &ev, NULL);
	return 0;
}

void imcf_tick(unsigned int ticks, void *param)
{
	time_t now = time(NULL);

	(void)ticks;
	(void)param;
	if(imcf_max_duration > 0)
		imcf_table_foreach(tick_one, &now);
}
