#include <stddef.h>

#include "im_cf_policy.h"

static const char *reason_of(int code)
{
	switch(code) {
		case 100:
			return "Trying";
		case 200:
			return "OK";
		case 202:
			return "Accepted";
		case 400:
			return "Bad Request";
		case 403:
			return "Forbidden";
		case 404:
			return "Not Found";
		case 408:
			return "Request Timeout";
		case 415:
			return "Unsupported Media Type";
		case 480:
			return "Temporarily Unavailable";
		case 481:
			return "Call/Transaction Does Not Exist";
		case 486:
			return "Busy Here";
		case 487:
			return "Request Terminated";
		case 488:
			return "Not Acceptable Here";
		case 489:
			return "Bad Event";
		case 501:
			return "Not Implemented";
		case 503:
			return "Service Unavailable";
		case 603:
			return "Decline";
		default:
			if(code >= 500)
				return "Server Internal Error";
			return code ? "Refused" : NULL;
	}
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
