#include <ctype.h>
#include <string.h>
#include <time.h>

#include "core/dprint.h"
#include "core/mem/mem.h"

#include "im_kbuf.h"

#include "im_cf.h"
#include "im_cf_sysmsg.h"

#define CPIM_TYPE "message/cpim"

int imcf_sysmsg_service_ok(const str *service)
{
	if(service->len <= 0 || service->len > IMCF_SYSMSG_SERVICE_MAX)
		return 0;
	for(int i = 0; i < service->len; i++) {
		unsigned char c = (unsigned char)service->s[i];
		if(!isalnum(c) && c != '-' && c != '_')
			return 0;
	}
	return 1;
}

/* The CPIM message (RFC 3862) for one recipient, in pkg memory. */
static str cpim_for(const char *identity, const str *service, const char *to,
		const str *text, im_kbuf_t *b)
{
	char when[32];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	im_kbuf_addf(b, "From: %.*s <%s>\r\nTo: <%s>\r\nDateTime: %s\r\n\r\n",
			service->len, service->s, identity, to, when);
	im_kbuf_addf(b,
			"Content-Type: text/plain;charset=UTF-8\r\n"
			"Content-Length: %d\r\n\r\n",
			text->len);
	im_kbuf_adds(b, text);
	return im_kbuf_str(b);
}

int imcf_sysmsg_send(imcf_session_t *s, const str *service, const str *text)
{
	str ctype = str_init(CPIM_TYPE);
	char identity[IMCF_URI_MAX];
	int n, sent = 0;

	imcf_session_lock(s);
	n = s->conf.released || s->relay.relay < 0 ? -1 : s->conf.n;
	snprintf(identity, sizeof(identity), "%s", s->conf.identity);
	imcf_session_unlock(s);
	for(int i = 0; i < n; i++) {
		imcf_participant_t p;
		imr_leg_t leg;
		imr_err_t e;
		im_kbuf_t b = {0};
		str body;

		imcf_session_lock(s);
		p = s->conf.p[i];
		leg = s->legs[i];
		imcf_session_unlock(s);
		if(p.state != IMCF_P_CONNECTED || !leg.side.created)
			continue;
		/* MS-5: To is the recipient's authenticated address */
		body = cpim_for(identity, service, p.uri, text, &b);
		if(body.len == 0
				|| imcf_relay.inject(&s->relay, leg.id, &ctype, &body, NULL, 0,
						   &e)
						   < 0)
			LM_WARN("session %s: no system message for %s: %s\n", s->conf.id,
					p.uri, body.len ? e.text : "out of memory");
		else
			sent++;
		im_kbuf_free(&b);
	}
	if(n >= 0)
		LM_INFO("session %s: %.*s message to %d participants\n", s->conf.id,
				service->len, service->s, sent);
	return n < 0 ? -1 : sent;
}
