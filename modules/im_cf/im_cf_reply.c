#include <stdio.h>
#include <string.h>

#include "core/dprint.h"

#include "im_cf.h"
#include "im_cf_policy.h"
#include "im_cf_reply.h"

str imcf_warn_agent = STR_NULL;

void imcf_warning(int warn, char *buf, int len)
{
	imcf_verdict_t v;

	buf[0] = '\0';
	imcf_verdict_of(400, warn, &v);
	if(v.warn)
		snprintf(buf, len, "Warning: 399 %.*s \"%03d %s\"\r\n",
				imcf_warn_agent.len, imcf_warn_agent.s, v.warn, v.warn_text);
}

void imcf_refuse(struct sip_msg *req, int code, int warn)
{
	imcf_verdict_t v;
	char w[256];
	str reason, hdrs;

	imcf_verdict_of(code, warn, &v);
	imcf_warning(warn, w, sizeof(w));
	reason.s = (char *)v.reason;
	reason.len = strlen(v.reason);
	hdrs.s = w;
	hdrs.len = strlen(w);
	if(imcf_ua.reply(req, code, &reason, hdrs.len ? &hdrs : NULL, NULL, NULL)
			< 0)
		LM_ERR("cannot send %d\n", code);
}
