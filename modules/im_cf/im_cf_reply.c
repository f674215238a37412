#include <stdio.h>
#include <string.h>

#include "core/dprint.h"

#include "im_cf.h"
#include "im_cf_policy.h"
#include "im_cf_reply.h"

str imcf_warn_agent = STR_NULL;

void imcf_warning_text(const char *text, char *buf, int len)
{
	buf[0] = '\0';
	if(text && text[0])
		snprintf(buf, len, "Warning: 399 %.*s \"%s\"\r\n", imcf_warn_agent.len,
				imcf_warn_agent.s, text);
}

void imcf_warning(int warn, char *buf, int len)
{
	imcf_verdict_t v;
	char text[128];

	buf[0] = '\0';
	imcf_verdict_of(400, warn, &v);
	if(!v.warn)
		return;
	snprintf(text, sizeof(text), "%03d %s", v.warn, v.warn_text);
	imcf_warning_text(text, buf, len);
}

static void send_refusal(struct sip_msg *req, int code, const char *warning)
{
	imcf_verdict_t v;
	str reason, hdrs;

	imcf_verdict_of(code, 0, &v);
	reason.s = (char *)(v.reason ? v.reason : "Refused");
	reason.len = strlen(reason.s);
	hdrs.s = (char *)warning;
	hdrs.len = strlen(warning);
	if(imcf_ua.reply(req, code, &reason, hdrs.len ? &hdrs : NULL, NULL, NULL)
			< 0)
		LM_ERR("cannot send %d\n", code);
}

void imcf_refuse(struct sip_msg *req, int code, int warn)
{
	char w[256];

	imcf_warning(warn, w, sizeof(w));
	send_refusal(req, code, w);
}

void imcf_refuse_text(struct sip_msg *req, int code, const char *text)
{
	char w[256];

	imcf_warning_text(text, w, sizeof(w));
	send_refusal(req, code, w);
}
