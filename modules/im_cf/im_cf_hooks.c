/*
 * im_ua's hooks of our dialogs: what becomes of an invitation (answered,
 * failed), a participant's new offer (CF-6) and the end of a dialog on
 * any path, each turned into an event of the session (im_cf_actions.c).
 */
#include <string.h>

#include "core/dprint.h"

#include "im_cf.h"
#include "im_cf_accept.h"
#include "im_cf_actions.h"
#include "im_cf_body.h"
#include "im_cf_dialog.h"
#include "im_cf_hooks.h"
#include "im_cf_hop.h"
#include "im_cf_policy.h"
#include "im_cf_refer.h"

static int idx_of(imcf_session_t *s, imua_call_t *c)
{
	imua_call_info_t info;
	int i;

	if(imcf_ua.call_info(c, &info) < 0 || !info.key)
		return -1;
	imcf_session_lock(s);
	i = imcf_conf_find_key(&s->conf, info.key);
	imcf_session_unlock(s);
	return i;
}

static void event(imcf_session_t *s, imcf_event_type_t type, int idx, int code,
		imcf_exec_t *x)
{
	imcf_event_t ev = {.type = type, .idx = idx, .code = code};

	imcf_session_event(s, &ev, x);
}

static int on_answered(imua_call_t *c, void *app, struct sip_msg *rpl)
{
	imcf_session_t *s = app;
	imcf_exec_t x = {.self = -1};
	imcf_participant_t p;
	imr_party_t party;
	imr_err_t e;
	str sdp;
	int i = idx_of(s, c);

	if(i < 0)
		return 1;
	x.self = i;
	imcf_session_lock(s);
	p = s->conf.p[i];
	imcf_session_unlock(s);
	party = imcf_party_of(&p, rpl);
	if(imcf_body_part(rpl, IMCF_CT_SDP, &sdp) != 0
			|| !imcf_sdp_takes_cpim(sdp.s, sdp.len) /* D-18 */
			|| imcf_relay.leg_complete(
					   &s->relay, &s->legs[i], &sdp, &party, &e)
					   < 0) {
		LM_INFO("session %s: unusable SDP answer of participant %d\n",
				s->conf.id, i);
		event(s, IMCF_EV_FAILED, i, 488, &x);
		return 1;
	}
	imcf_session_lock(s);
	s->conf.p[i].takes_multipart = imcf_sdp_takes_multipart(sdp.s, sdp.len);
	imcf_session_unlock(s);
	x.invitee_sdp = &sdp;
	event(s, IMCF_EV_ANSWERED, i, 0, &x);
	return x.bye_self ? 1 : 0;
}

static void on_failed(imua_call_t *c, void *app, int code, struct sip_msg *rpl)
{
	imcf_session_t *s = app;
	imcf_exec_t x = {.self = -1};
	int i = idx_of(s, c);

	(void)rpl;
	if(i >= 0) {
		x.self = i;
		event(s, IMCF_EV_FAILED, i, code, &x);
	}
}

/* CF-6: a participant's new offer updates its relay leg. */
static int on_reoffer(
		imua_call_t *c, void *app, struct sip_msg *req, imua_out_t *out)
{
	imcf_session_t *s = app;
	imcf_participant_t p;
	imr_party_t party;
	imr_err_t e;
	str sdp, answer = STR_NULL;
	int i = idx_of(s, c);

	if(i < 0 || imcf_body_part(req, IMCF_CT_SDP, &sdp) != 0) {
		out->code = 488;
		out->reason = imcf_cstr("Not Acceptable Here");
		return 0;
	}
	imcf_session_lock(s);
	p = s->conf.p[i];
	imcf_session_unlock(s);
	party = imcf_party_of(&p, req);
	if(imcf_relay.leg_reaccept(
			   &s->relay, &s->legs[i], &sdp, &party, &answer, &e)
			< 0) {
		out->code = imcf_media_code(&e);
		out->reason = imcf_cstr(out->code == 488 ? "Not Acceptable Here"
												 : "Server Internal Error");
		return 0;
	}
	imcf_answer_wrapped_from_offer(&answer, &sdp);
	imcf_session_lock(s);
	s->conf.p[i].takes_multipart = imcf_sdp_takes_multipart(sdp.s, sdp.len);
	imcf_session_unlock(s);
	out->body = answer;
	out->ctype = imcf_cstr(IMCF_CT_SDP);
	return 0;
}

static void on_ended(imua_call_t *c, void *app, const char *reason)
{
	imcf_session_t *s = app;
	int i = idx_of(s, c);

	LM_DBG("session %s: participant %d's dialog ended (%s)\n", s->conf.id, i,
			reason ? reason : "");
	if(i >= 0)
		event(s, IMCF_EV_ENDED, i, 0, NULL);
	imcf_session_put(s);
}

/* In-dialog requests other than BYE and re-INVITE/UPDATE: a REFER adds
 * or removes users (CF-7, CF-8); SUBSCRIBE Event: conference (CF-11) is
 * not served yet (489), the rest is not allowed here (405). */
static int on_request(
		imua_call_t *c, void *app, struct sip_msg *req, imua_out_t *out)
{
	imcf_session_t *s = app;
	imcf_verdict_t v;
	int code, i;

	if(req->REQ_METHOD == METHOD_SUBSCRIBE) {
		code = 489;
		out->reason = imcf_cstr("Bad Event");
		return code;
	}
	if(req->REQ_METHOD != METHOD_REFER) {
		out->reason = imcf_cstr("Method Not Allowed");
		out->hdrs.s = NULL;
		return 405;
	}
	i = idx_of(s, c);
	code = imcf_refer(s, i, req, 1, &out->hdrs);
	imcf_verdict_of(code, 0, &v);
	out->reason = imcf_cstr(v.reason ? v.reason : "Refused");
	return code;
}

const imua_dlg_hooks_t imcf_hooks = {on_answered, on_failed, on_reoffer,
		on_request, on_ended, imcf_hop_headers};
