#include <stdio.h>
#include <string.h>

#include "im_pf.h"
#include "im_pf_refusal.h"

void impf_refusal_warning(impf_refusal_t *r, const char *text)
{
	size_t l = strlen(r->hdrs);

	snprintf(r->hdrs + l, sizeof(r->hdrs) - l, "Warning: 399 %.*s \"%s\"\r\n",
			impf_warn_agent.len, impf_warn_agent.s, text);
}

void impf_refuse(impf_refusal_t *r, int code, const char *reason,
		int warn_code, const char *warn_text)
{
	char w[128];

	r->code = code;
	snprintf(r->reason, sizeof(r->reason), "%s", reason);
	r->hdrs[0] = '\0';
	if(warn_code) {
		snprintf(w, sizeof(w), "%03d %s", warn_code, warn_text);
		impf_refusal_warning(r, w);
	}
}

void impf_refusal_header(impf_refusal_t *r, const char *fmt, const char *v)
{
	size_t l = strlen(r->hdrs);

	snprintf(r->hdrs + l, sizeof(r->hdrs) - l, fmt, v);
}
