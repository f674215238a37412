/*
 * Conference state transitions (see im_cf_conf.h): which participant is
 * where, and what the module must do about it. The release policy of
 * CF-19 for 1-1 and ad-hoc sessions lives in release_check().
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "im_cf_alias.h"
#include "im_cf_conf.h"

static void copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

static void act(
		imcf_actions_t *out, imcf_action_type_t t, int idx, int code, int warn)
{
	if(out->n >= IMCF_MAX_ACTIONS)
		return;
	out->a[out->n].type = t;
	out->a[out->n].idx = idx;
	out->a[out->n].code = code;
	out->a[out->n].warn = warn;
	out->n++;
}

/* CF-7 step 10: the referrer of i learns how its invitation ended, once. */
static void referral_done(imcf_conf_t *c, int i, int code, imcf_actions_t *out)
{
	if(!c->p[i].notify_referrer)
		return;
	c->p[i].notify_referrer = 0;
	act(out, IMCF_A_NOTIFY_REFERRER, i, code, 0);
}

/* Every state change is one a conference subscriber sees (CF-21). */
static void set_state(imcf_conf_t *c, int i, imcf_pstate_t s)
{
	if(c->p[i].state != s) {
		c->p[i].state = s;
		c->version++;
	}
}

static int pending(const imcf_participant_t *p)
{
	return p->state == IMCF_P_INVITING || p->state == IMCF_P_RINGING;
}

static int has_dialog(const imcf_participant_t *p)
{
	return p->state != IMCF_P_GONE;
}

size_t imcf_conf_size(int cap)
{
	if(cap <= 0 || cap > IMCF_MAX_PARTICIPANTS)
		cap = IMCF_MAX_PARTICIPANTS;
	return sizeof(imcf_conf_t) + (size_t)cap * sizeof(imcf_participant_t);
}

void imcf_conf_init(imcf_conf_t *c, int cap, const char *id,
		const char *identity, imcf_type_t type, int max_participants,
		int min_remaining, int max_duration, time_t now)
{
	if(cap <= 0 || cap > IMCF_MAX_PARTICIPANTS)
		cap = IMCF_MAX_PARTICIPANTS;
	memset(c, 0, imcf_conf_size(cap));
	c->cap = cap;
	copy(c->id, sizeof(c->id), id);
	copy(c->identity, sizeof(c->identity), identity);
	c->type = type;
	if(max_participants <= 0 || max_participants > cap)
		max_participants = cap;
	c->max_participants = max_participants;
	c->min_remaining = min_remaining;
	c->max_duration = max_duration;
	c->start = now;
}

int imcf_conf_find(const imcf_conf_t *c, const char *uri)
{
	for(int i = 0; i < c->n; i++) {
		if(strcasecmp(c->p[i].uri, uri) == 0
				|| (c->p[i].alias_uri[0]
						&& strcasecmp(c->p[i].alias_uri, uri) == 0))
			return i;
	}
	return -1;
}

int imcf_conf_find_key(const imcf_conf_t *c, const char *key)
{
	for(int i = 0; i < c->n; i++) {
		if(c->p[i].leg_key[0] && strcmp(c->p[i].leg_key, key) == 0)
			return i;
	}
	return -1;
}

int imcf_conf_active(const imcf_conf_t *c)
{
	int n = 0;

	for(int i = 0; i < c->n; i++) {
		if(has_dialog(&c->p[i]) && c->p[i].state != IMCF_P_LEAVING)
			n++;
	}
	return n;
}

static int originator(const imcf_conf_t *c)
{
	for(int i = 0; i < c->n; i++) {
		if(c->p[i].originator)
			return i;
	}
	return -1;
}

/* A slot for uri: its old one when it was here before, else a new one.
 * -1 when the session is full (CF-2 step 8, CF-7 step 4). */
static int admit(imcf_conf_t *c, const imcf_event_t *ev, imcf_join_t joining,
		imcf_actions_t *out)
{
	int i = imcf_conf_find(c, ev->uri);

	if(imcf_conf_active(c) >= c->max_participants
			|| (i < 0 && c->n >= c->cap)) {
		act(out, IMCF_A_REFUSE, -1, 486, 102);
		return -1;
	}
	if(i < 0) {
		i = c->n++;
		memset(&c->p[i], 0, sizeof(c->p[i]));
		copy(c->p[i].uri, sizeof(c->p[i].uri), ev->uri);
		copy(c->p[i].display, sizeof(c->p[i].display), ev->display);
		c->p[i].state = IMCF_P_GONE;
	}
	/* MS-2, SP-7: privacy asked now (a rejoin too) gets an alias; one
	 * given before stays for the whole session */
	if(ev->anonymous && !c->p[i].alias_uri[0])
		imcf_alias_pick(c, i, ev->display, c->p[i].alias_display,
				sizeof(c->p[i].alias_display), c->p[i].alias_uri,
				sizeof(c->p[i].alias_uri));
	c->p[i].joining = joining;
	c->p[i].invited_by = -1;
	c->p[i].inviter_hidden = 0;
	c->p[i].notify_referrer = 0;
	c->p[i].disconnection = IMCF_DISC_NONE;
	c->p[i].fail_code = 0;
	c->p[i].leg_key[0] = '\0';
	c->p[i].relay_leg[0] = '\0';
	set_state(c, i, IMCF_P_INVITING);
	return i;
}

/* CF-2: the code the originator gets when every invitation failed: the
 * lowest final response received (local policy, OMA TS 7.2.1.2). */
static int refusal_code(const imcf_conf_t *c)
{
	int code = 0;

	for(int i = 0; i < c->n; i++) {
		if(c->p[i].joining == IMCF_DIALED_OUT && c->p[i].fail_code >= 300
				&& (!code || c->p[i].fail_code < code))
			code = c->p[i].fail_code;
	}
	return code ? code : 480;
}

static void destroy_check(imcf_conf_t *c, imcf_actions_t *out)
{
	if(!c->released || c->destroyed)
		return;
	for(int i = 0; i < c->n; i++) {
		if(has_dialog(&c->p[i]))
			return;
	}
	c->destroyed = 1;
	act(out, IMCF_A_DESTROY, -1, 0, 0);
}

/* CF-16: everyone is removed; pending invitations are cancelled (CF-15)
 * and an originator still waiting gets a final error. */
static void release(imcf_conf_t *c, imcf_actions_t *out)
{
	if(c->released)
		return;
	c->released = 1;
	for(int i = 0; i < c->n; i++) {
		imcf_participant_t *p = &c->p[i];

		if(p->state == IMCF_P_CONNECTED) {
			p->disconnection = IMCF_DISC_BOOTED;
			set_state(c, i, IMCF_P_LEAVING);
			act(out, IMCF_A_BYE, i, 0, 0);
			act(out, IMCF_A_REMOVE_LEG, i, 0, 0);
			act(out, IMCF_A_LEFT, i, 0, 0);
		} else if(pending(p) && p->joining == IMCF_DIALED_OUT) {
			p->disconnection = IMCF_DISC_BOOTED;
			set_state(c, i, IMCF_P_LEAVING);
			act(out, IMCF_A_CANCEL, i, 0, 0);
			act(out, IMCF_A_REMOVE_LEG, i, 0, 0);
			referral_done(c, i, 487, out);
		} else if(pending(p)) {
			p->disconnection = IMCF_DISC_BOOTED;
			set_state(c, i, IMCF_P_GONE);
			if(p->originator && !c->inviter_refused) {
				c->inviter_refused = 1;
				act(out, IMCF_A_REFUSE_INVITER, i, 480, 0);
			}
			act(out, IMCF_A_REMOVE_LEG, i, 0, 0);
		}
	}
	act(out, IMCF_A_RELEASE, -1, 0, 0);
	destroy_check(c, out);
}

/* CF-19 after someone left, for 1-1 and ad-hoc sessions. */
static void release_check(imcf_conf_t *c, imcf_actions_t *out)
{
	int o = originator(c), left, invitees = 0;

	if(c->released)
		return;
	if(!c->inviter_answered) {
		/* setup: the originator gave up, or every invitation failed */
		for(int i = 0; i < c->n; i++) {
			if(c->p[i].joining == IMCF_DIALED_OUT && has_dialog(&c->p[i])
					&& c->p[i].state != IMCF_P_LEAVING)
				invitees++;
		}
		if(o >= 0 && !invitees && pending(&c->p[o]) && !c->inviter_refused) {
			c->inviter_refused = 1;
			c->p[o].disconnection = IMCF_DISC_FAILED;
			set_state(c, o, IMCF_P_GONE);
			act(out, IMCF_A_REFUSE_INVITER, o, refusal_code(c), 0);
			act(out, IMCF_A_REMOVE_LEG, o, 0, 0);
		}
		if(o < 0 || !has_dialog(&c->p[o]) || !invitees)
			release(c, out);
		return;
	}
	left = imcf_conf_active(c);
	if(o >= 0
			&& (c->p[o].state == IMCF_P_GONE
					|| c->p[o].state == IMCF_P_LEAVING)) /* (a) */
		release(c, out);
	else if(c->type == IMCF_ONE_ONE && left <= 1) /* (c) */
		release(c, out);
	else if(left <= c->min_remaining) /* (d); 1: fewer than two left */
		release(c, out);
}

static int valid_idx(const imcf_conf_t *c, int idx)
{
	return idx >= 0 && idx < c->n;
}

static int on_answered(imcf_conf_t *c, int i, imcf_actions_t *out)
{
	int o = originator(c);

	if(c->p[i].joining != IMCF_DIALED_OUT || c->p[i].state == IMCF_P_GONE)
		return -1;
	if(c->p[i].state == IMCF_P_LEAVING || c->released) {
		/* a 200 that crossed our CANCEL */
		set_state(c, i, IMCF_P_LEAVING);
		act(out, IMCF_A_BYE, i, 0, 0);
		return 0;
	}
	if(!pending(&c->p[i]))
		return -1;
	set_state(c, i, IMCF_P_CONNECTED);
	act(out, IMCF_A_COMPLETE_LEG, i, 0, 0);
	if(!c->inviter_answered && !c->inviter_refused && o >= 0
			&& pending(&c->p[o])) {
		c->inviter_answered = 1;
		set_state(c, o, IMCF_P_CONNECTED);
		act(out, IMCF_A_ANSWER_INVITER, o, 200, 0);
		act(out, IMCF_A_JOINED, o, 0, 0);
	}
	act(out, IMCF_A_JOINED, i, 0, 0);
	referral_done(c, i, 200, out);
	return 0;
}

static int on_failed(imcf_conf_t *c, int i, int code, imcf_actions_t *out)
{
	imcf_participant_t *p = &c->p[i];

	if(p->state == IMCF_P_LEAVING)
		return imcf_conf_apply(
				c, &(imcf_event_t){.type = IMCF_EV_ENDED, .idx = i}, out);
	if(!pending(p) || p->joining != IMCF_DIALED_OUT)
		return -1;
	p->fail_code = code;
	p->disconnection =
			(code == 486 || code == 600) ? IMCF_DISC_BUSY : IMCF_DISC_FAILED;
	set_state(c, i, IMCF_P_GONE);
	act(out, IMCF_A_REMOVE_LEG, i, 0, 0);
	referral_done(c, i, code, out);
	release_check(c, out);
	destroy_check(c, out);
	return 0;
}

static int on_bye(imcf_conf_t *c, int i, imcf_actions_t *out)
{
	imcf_participant_t *p = &c->p[i];
	int was_connected = p->state == IMCF_P_CONNECTED;

	if(p->state == IMCF_P_LEAVING)
		return imcf_conf_apply(
				c, &(imcf_event_t){.type = IMCF_EV_ENDED, .idx = i}, out);
	if(p->state == IMCF_P_GONE)
		return -1;
	if(pending(p) && p->joining == IMCF_DIALED_OUT)
		return on_failed(c, i, 487, out);
	p->disconnection = IMCF_DISC_DEPARTED;
	set_state(c, i, IMCF_P_GONE);
	act(out, IMCF_A_REMOVE_LEG, i, 0, 0);
	if(was_connected)
		act(out, IMCF_A_LEFT, i, 0, 0);
	release_check(c, out);
	destroy_check(c, out);
	return 0;
}

static int on_remove(imcf_conf_t *c, int i, imcf_actions_t *out)
{
	imcf_participant_t *p = &c->p[i];

	if(p->state == IMCF_P_GONE || p->state == IMCF_P_LEAVING) {
		act(out, IMCF_A_REFUSE, i, 403, 122); /* CF-8: not in the session */
		return -1;
	}
	p->disconnection = IMCF_DISC_BOOTED;
	if(p->state == IMCF_P_CONNECTED) {
		set_state(c, i, IMCF_P_LEAVING);
		act(out, IMCF_A_BYE, i, 0, 0);
		act(out, IMCF_A_REMOVE_LEG, i, 0, 0);
		act(out, IMCF_A_LEFT, i, 0, 0);
	} else if(p->joining == IMCF_DIALED_OUT) {
		set_state(c, i, IMCF_P_LEAVING);
		act(out, IMCF_A_CANCEL, i, 0, 0);
		act(out, IMCF_A_REMOVE_LEG, i, 0, 0);
		referral_done(c, i, 487, out);
	} else {
		set_state(c, i, IMCF_P_GONE);
		if(p->originator)
			c->inviter_refused = 1;
		act(out, IMCF_A_REFUSE_INVITER, i, 480, 0);
		act(out, IMCF_A_REMOVE_LEG, i, 0, 0);
	}
	release_check(c, out);
	destroy_check(c, out);
	return 0;
}

/* The dialog is over, whatever the path (im_ua's ended hook): after our
 * BYE or CANCEL it is simply gone; otherwise it is the participant's own
 * leaving (a BYE, a session-timer expiry) or a failed invitation. */
static int on_ended(imcf_conf_t *c, int i, imcf_actions_t *out)
{
	imcf_participant_t *p = &c->p[i];

	if(p->state == IMCF_P_GONE)
		return 0;
	if(p->state != IMCF_P_LEAVING)
		return pending(p) && p->joining == IMCF_DIALED_OUT
					   ? on_failed(c, i, 408, out)
					   : on_bye(c, i, out);
	set_state(c, i, IMCF_P_GONE);
	destroy_check(c, out);
	return 0;
}

/* CF-5: nobody joins a released session (403 + 123). */
static int refused_released(const imcf_conf_t *c, imcf_actions_t *out)
{
	if(!c->released)
		return 0;
	act(out, IMCF_A_REFUSE, -1, 403, 123);
	return 1;
}

/* CF-5, CF-20: only someone invited before may come back. */
static int on_rejoin(
		imcf_conf_t *c, const imcf_event_t *ev, imcf_actions_t *out)
{
	int i;

	if(refused_released(c, out))
		return -1;
	i = imcf_conf_find(c, ev->uri);
	if(i < 0 || has_dialog(&c->p[i])) {
		act(out, IMCF_A_REFUSE, i, 403, 122);
		return -1;
	}
	i = admit(c, ev, IMCF_DIALED_IN, out);
	if(i < 0)
		return -1;
	set_state(c, i, IMCF_P_CONNECTED);
	act(out, IMCF_A_ACCEPT, i, 200, 0);
	act(out, IMCF_A_JOINED, i, 0, 0);
	return 0;
}

static int on_invite(
		imcf_conf_t *c, const imcf_event_t *ev, imcf_actions_t *out)
{
	int i;

	if(refused_released(c, out))
		return -1;
	/* CF-7 step 1: only a connected participant adds others */
	if(ev->idx >= 0
			&& (ev->idx >= c->n || c->p[ev->idx].state != IMCF_P_CONNECTED)) {
		act(out, IMCF_A_REFUSE, -1, 403, 122);
		return -1;
	}
	i = imcf_conf_find(c, ev->uri);
	if(i >= 0 && has_dialog(&c->p[i]))
		return 0; /* already here or on its way */
	i = admit(c, ev, IMCF_DIALED_OUT, out);
	if(i < 0)
		return -1;
	c->p[i].invited_by = ev->idx;
	c->p[i].notify_referrer = ev->idx >= 0 && ev->notify;
	c->p[i].refer_id = ev->refer_id;
	c->p[i].inviter_hidden = ev->idx >= 0 && ev->hide_inviter;
	act(out, IMCF_A_INVITE, i, 0, 0);
	return 0;
}

int imcf_conf_apply(imcf_conf_t *c, const imcf_event_t *ev, imcf_actions_t *out)
{
	int i = ev->idx;

	switch(ev->type) {
		case IMCF_EV_CREATE:
			if(c->n || c->released)
				return -1;
			i = admit(c, ev, IMCF_DIALED_IN, out);
			if(i < 0)
				return -1;
			c->p[i].originator = 1;
			return 0;
		case IMCF_EV_INVITE:
			return on_invite(c, ev, out);
		case IMCF_EV_REJOIN:
			return on_rejoin(c, ev, out);
		case IMCF_EV_TICK:
			if(c->max_duration > 0 && ev->now - c->start >= c->max_duration)
				release(c, out);
			return 0;
		case IMCF_EV_TERMINATE:
			release(c, out);
			return 0;
		default:
			break;
	}
	if(!valid_idx(c, i))
		return -1;
	switch(ev->type) {
		case IMCF_EV_PROVISIONAL:
			if(c->p[i].state == IMCF_P_INVITING
					&& c->p[i].joining == IMCF_DIALED_OUT)
				set_state(c, i, IMCF_P_RINGING);
			return 0;
		case IMCF_EV_ANSWERED:
			return on_answered(c, i, out);
		case IMCF_EV_FAILED:
			return on_failed(c, i, ev->code, out);
		case IMCF_EV_BYE:
			return on_bye(c, i, out);
		case IMCF_EV_REMOVE:
			return on_remove(c, i, out);
		case IMCF_EV_ENDED:
			return on_ended(c, i, out);
		default:
			return -1;
	}
}

const char *imcf_pstate_name(imcf_pstate_t s)
{
	static const char *names[] = {
			"inviting", "ringing", "connected", "leaving", "gone"};
	return (unsigned)s < 5 ? names[s] : "?";
}

const char *imcf_join_name(imcf_join_t j)
{
	return j == IMCF_DIALED_IN ? "dialed-in" : "dialed-out";
}

const char *imcf_disc_name(imcf_disc_t d)
{
	static const char *names[] = {
			"none", "departed", "booted", "failed", "busy"};
	return (unsigned)d < 5 ? names[d] : "?";
}

const char *imcf_action_name(imcf_action_type_t a)
{
	static const char *names[] = {"invite", "complete-leg", "accept",
			"answer-inviter", "refuse-inviter", "refuse", "cancel", "bye",
			"remove-leg", "joined", "left", "release", "destroy",
			"notify-referrer"};
	return (unsigned)a < sizeof(names) / sizeof(names[0]) ? names[a] : "?";
}

const char *imcf_type_name(imcf_type_t t)
{
	return t == IMCF_ONE_ONE ? "1-1" : "ad-hoc";
}
