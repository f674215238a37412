/*
 * Runs an event through a session: the conference state changes under
 * the session's lock (im_cf_conf.c) and the actions it yields are then
 * carried out with im_ua and im_relay, with no lock held.
 */
#ifndef IM_CF_ACTIONS_H
#define IM_CF_ACTIONS_H

#include "core/parser/msg_parser.h"

#include "im_cf_table.h"

/* What the event came with. */
typedef struct imcf_exec
{
	/* the request to refuse (REFUSE) or answer (ACCEPT, a rejoin INVITE
	 * whose SDP offer is accepted); NULL when none */
	struct sip_msg *req;
	/* the participant whose im_ua hook delivered the event: a BYE for it
	 * is left to im_ua (the hook's return value), -1 none */
	int self;
	int bye_self; /* out: that BYE was asked for */
	/* CF-2: the SDP answer of the invitee whose 200 this event is
	 * (ANSWERED), which the inviter's 200 selects from; NULL: none */
	const str *invitee_sdp;
	/* App L, D-13: the Replaces header value for the INVITE this event
	 * sends (a list entry ...;method=INVITE?Replaces=...), NULL: none */
	const char *replaces;
	/* out, when req is NULL: the refusal the event called for (the caller
	 * answers it, e.g. as the code of an im_ua request hook) */
	int refused, refused_warn;
} imcf_exec_t;

/* Applies ev to s and carries out the actions. The result of
 * imcf_conf_apply (0, or -1 when the event was refused). */
int imcf_session_event(
		imcf_session_t *s, const imcf_event_t *ev, imcf_exec_t *x);

/* Kamailio timer, each second: CF-19 (e), the maximum duration. */
void imcf_tick(unsigned int ticks, void *param);

#endif
