/*
 * The checks of a group MESSAGE to the exploder (OMA TS 8.3.1.1, PM-1)
 * as pure functions for the golden cases of test/unit/cf_cases/pager_*.txt.
 */
#ifndef IM_CF_PAGER_CHECK_H
#define IM_CF_PAGER_CHECK_H

#include <stddef.h>

#include "im_cf_policy.h"

typedef struct imcf_pager_req
{
	int service_asked; /* Require: recipient-list-message (RFC 5365) */
	int unknown_required; /* Require carries another option tag */
	int authorised;		  /* the sender may use the exploder */
	int anonymous;		  /* it asked for privacy */
	imcf_list_status_t list;
	int n_entries;
	int has_payload; /* a text/plain or message/cpim part */
	size_t payload_len;
} imcf_pager_req_t;

typedef struct imcf_pager_limits
{
	int enabled; /* the MESSAGE URI-list service is offered */
	int allow_anonymity;
	int max_participants; /* recipients + the sender (D-36) */
	size_t max_size;	  /* of the message part; 0: no limit */
} imcf_pager_limits_t;

/* PM-1 steps 1, 4/8 (D-36), 5, 7 with the list and the payload: 0 go
 * on, -1 refuse by v. Order: 420 + 122 (service not offered or not asked
 * for), 420 (an unknown Require tag), 413 (payload too large), 400 (no
 * or a bad list), 486 + 102, 403 + 127, 403 + 119, 415 (no payload of a
 * type we fan out). */
int imcf_check_pager(const imcf_pager_req_t *r, const imcf_pager_limits_t *l,
		imcf_verdict_t *v);

#endif
