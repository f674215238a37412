/*
 * The checks of a factory INVITE (CF-2) and of an addition (CF-7) as
 * pure functions: what the module learnt from the request goes in, the
 * SIP refusal (code, reason, Warning) comes out.
 */
#ifndef IM_CF_POLICY_H
#define IM_CF_POLICY_H

typedef enum imcf_list_status
{
	IMCF_LIST_OK = 0,
	IMCF_LIST_MISSING,	 /* no recipient-list body part */
	IMCF_LIST_MALFORMED, /* not a usable RFC 4826 list */
	IMCF_LIST_EMPTY,	 /* no entry */
	IMCF_LIST_TOO_MANY, /* more entries than a session can hold (486 + 102) */
} imcf_list_status_t;

typedef struct imcf_factory_req
{
	int authorised; /* the originator may start sessions */
	int anonymous;	/* it asked for privacy */
	imcf_list_status_t list;
	int n_entries; /* invitees in the list */
} imcf_factory_req_t;

typedef struct imcf_limits
{
	int allow_anonymity;
	int max_participants; /* the ad-hoc maximum, the originator included */
} imcf_limits_t;

typedef struct imcf_verdict
{
	int code; /* 0: go on */
	const char *reason;
	int warn; /* Warning code, 0: none (OMA TS 5.5) */
	const char *warn_text;
} imcf_verdict_t;

/* CF-2 steps 2, 3 and 8 and the list itself: 0 go on, -1 refuse by v. */
int imcf_check_factory(
		const imcf_factory_req_t *r, const imcf_limits_t *l, imcf_verdict_t *v);

/* CF-7 step 4: n_new more beside `active` participants. 0 or -1. */
int imcf_check_add(
		int active, int n_new, const imcf_limits_t *l, imcf_verdict_t *v);

/* The reason phrase and Warning text of a refusal the conference state
 * asks for (code, warn from imcf_action_t). */
void imcf_verdict_of(int code, int warn, imcf_verdict_t *v);

#endif
