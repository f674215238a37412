/*
 * The checks of the participating function, in the order the OMA TS
 * lists them:
 *   originating (OP-1): service authorisation 403/127, client version
 *     403 + Error-Info, pager content 415 + Accept, session / Large
 *     Message / file transfer SDP 488;
 *   terminating (TP-1): barring (isb, ipab) 403/127, Shared Policy access
 *     rules 403/122, operator content and size policy 415/488.
 * Policy comes from im_policy (operator '*' rows, overridden per user)
 * and im_access_rule; the barring a user published (PUBLISH
 * poc-settings, im_pf_settings.h) takes the place of the isb and ipab
 * provisioned for him there.
 */
#ifndef IM_PF_CHECKS_H
#define IM_PF_CHECKS_H

#include "core/parser/msg_parser.h"
#include "core/str.h"

#include "im_pf.h"
#include "im_pf_policy.h"
#include "im_pf_refusal.h"

/* The policy that applies to user (the operator's, then the user's own
 * rows). 0, or -1 when the database failed. */
int impf_policy_load(const str *user, impf_policy_t *p);

/* 0: the request passes; -1: r says how to refuse it. sdp may be empty. */
int impf_check_originating(struct sip_msg *msg, impf_kind_t kind,
		const str *sdp, const str *originator, impf_refusal_t *r);
int impf_check_terminating(struct sip_msg *msg, impf_kind_t kind,
		const str *sdp, const str *owner, const str *sender,
		impf_refusal_t *r);
/* OP-4 / TP-4: the SDP policy alone, for re-INVITEs. */
int impf_check_sdp(const impf_policy_t *p, impf_kind_t kind, const str *sdp,
		impf_refusal_t *r);

#endif
