#include <stdio.h>

#include "im_cf_pager_check.h"

static int refuse(imcf_verdict_t *v, int code, int warn)
{
	imcf_verdict_of(code, warn, v);
	return -1;
}

int imcf_check_pager(const imcf_pager_req_t *r, const imcf_pager_limits_t *l,
		imcf_verdict_t *v)
{
	imcf_verdict_of(0, 0, v);
	/* step 1: a URI list we do not serve as asked */
	if(!l->enabled || !r->service_asked)
		return refuse(v, 420, 122);
	if(r->unknown_required)
		return refuse(v, 420, 0);
	if(l->max_size && r->payload_len > l->max_size)
		return refuse(v, 413, 0);
	if(r->list == IMCF_LIST_TOO_MANY)
		return refuse(v, 486, 102);
	if(r->list != IMCF_LIST_OK || r->n_entries <= 0)
		return refuse(v, 400, 0);
	/* steps 4 and 8 are one check (D-36) */
	if(l->max_participants > 0 && r->n_entries + 1 > l->max_participants)
		return refuse(v, 486, 102);
	if(!r->authorised)
		return refuse(v, 403, 127);
	if(r->anonymous && !l->allow_anonymity)
		return refuse(v, 403, 119);
	if(!r->has_payload)
		return refuse(v, 415, 0);
	return 0;
}
