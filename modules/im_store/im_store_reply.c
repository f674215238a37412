#include <stdio.h>
#include <string.h>

#include "im_store.h"
#include "im_store_reply.h"

int imst_refuse(struct sip_msg *msg, int code, const char *reason,
		const char *warning)
{
	char hdrs[256];
	str r = {(char *)reason, strlen(reason)}, h = STR_NULL;

	if(warning) {
		h.len = snprintf(hdrs, sizeof(hdrs), "Warning: 399 %.*s \"%s\"\r\n",
				imst_warn_agent.len, imst_warn_agent.s, warning);
		h.s = hdrs;
	}
	imst_ua.reply(msg, code, &r, h.len ? &h : NULL, NULL, NULL);
	return -2;
}
