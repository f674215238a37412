#include <stddef.h>

#include "im_sip_reason.h"

#include "im_cf_policy.h"

static const char *reason_of(int code)
{
	const char *r = im_sip_reason(code);

	if(r)
		return r;
	if(code >= 500)
		return "Server Internal Error";
	return code ? "Refused" : NULL;
}

/* OMA TS 5.5 warning texts */
static const char *warn_text_of(int warn)
{
	switch(warn) {
		case 102:
			return "Too many participants";
		case 119:
			return "Anonymity not allowed";
		case 122:
			return "Function not allowed";
		case 123:
			return "Session does not exist";
		case 127:
			return "Service not authorised";
		default:
			return NULL;
	}
}

void imcf_verdict_of(int code, int warn, imcf_verdict_t *v)
{
	v->code = code;
	v->reason = reason_of(code);
	v->warn = warn_text_of(warn) ? warn : 0;
	v->warn_text = warn_text_of(warn);
}

static int refuse(imcf_verdict_t *v, int code, int warn)
{
	imcf_verdict_of(code, warn, v);
	return -1;
}

int imcf_check_factory(
		const imcf_factory_req_t *r, const imcf_limits_t *l, imcf_verdict_t *v)
{
	imcf_verdict_of(0, 0, v);
	if(!r->authorised)
		return refuse(v, 403, 127);
	if(r->anonymous && !l->allow_anonymity)
		return refuse(v, 403, 119);
	if(r->list == IMCF_LIST_TOO_MANY)
		return refuse(v, 486, 102);
	if(r->list != IMCF_LIST_OK || r->n_entries <= 0)
		return refuse(v, 400, 0);
	return imcf_check_add(1, r->n_entries, l, v);
}

int imcf_check_add(
		int active, int n_new, const imcf_limits_t *l, imcf_verdict_t *v)
{
	imcf_verdict_of(0, 0, v);
	if(l->max_participants > 0 && active + n_new > l->max_participants)
		return refuse(v, 486, 102);
	return 0;
}
