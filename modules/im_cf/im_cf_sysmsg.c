#include <ctype.h>
#include <string.h>
#include <time.h>

#include "core/dprint.h"
#include "core/mem/mem.h"

#include "im_kbuf.h"

#include "im_cf.h"
#include "im_cf_sysmsg.h"

#define CPIM_TYPE "message/cpim"
/* D-22's wrapper: its one part is a CPIM message, whose text never
 * starts a line with this */
#define ALIAS_BOUNDARY "imcf-alias-notice"

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

int imcf_alias_notice = 1;

/* The CPIM message (RFC 3862) for one recipient, in pkg memory: from is
 * the From header's value, to the To's, ctype the type of text. */
static str cpim_for(const char *from, const char *to, const str *ctype,
		const str *text, im_kbuf_t *b)
{
	char when[32];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	im_kbuf_addf(
			b, "From: %s\r\nTo: %s\r\nDateTime: %s\r\n\r\n", from, to, when);
	im_kbuf_addf(b, "Content-Type: %.*s\r\nContent-Length: %d\r\n\r\n",
			ctype->len, ctype->s, text->len);
	im_kbuf_adds(b, text);
	return im_kbuf_str(b);
}

/* Queues body (of type ctype, message/cpim when NULL) on leg: 0, or -1
 * logged. */
static int inject(imcf_session_t *s, const char *leg, const char *to,
		const str *body, const str *type)
{
	str ctype = str_init(CPIM_TYPE);
	imr_err_t e;

	if(body->len == 0) {
		LM_WARN("session %s: no system message for %s: out of memory\n",
				s->conf.id, to);
		return -1;
	}
	if(type)
		ctype = *type;
	if(imcf_relay.inject(&s->relay, leg, &ctype, body, NULL, 0, &e) < 0) {
		LM_WARN("session %s: no system message for %s: %s\n", s->conf.id, to,
				e.text);
		return -1;
	}
	return 0;
}

int imcf_sysmsg_send(imcf_session_t *s, const str *service, const str *ctype,
		const str *text)
{
	str text_type = str_init(IMCF_SYSMSG_TEXT_TYPE);
	char from[IMCF_SYSMSG_SERVICE_MAX + IMCF_URI_MAX + 4];
	int n, sent = 0;

	if(!ctype || ctype->len <= 0)
		ctype = &text_type;
	imcf_session_lock(s);
	n = s->conf.released || s->relay.relay < 0 ? -1 : s->conf.n;
	snprintf(from, sizeof(from), "%.*s <%s>", service->len, service->s,
			s->conf.identity);
	imcf_session_unlock(s);
	for(int i = 0; i < n; i++) {
		imcf_participant_t p;
		imr_leg_t leg;
		im_kbuf_t b = {0};
		char to[IMCF_URI_MAX + 2];
		str body;

		imcf_session_lock(s);
		p = s->conf.p[i];
		leg = s->legs[i];
		imcf_session_unlock(s);
		if(p.state != IMCF_P_CONNECTED || !leg.side.created)
			continue;
		/* MS-5: To is the recipient's authenticated address */
		snprintf(to, sizeof(to), "<%s>", p.uri);
		body = cpim_for(from, to, ctype, text, &b);
		if(inject(s, leg.id, p.uri, &body, NULL) == 0)
			sent++;
		im_kbuf_free(&b);
	}
	if(n >= 0)
		LM_INFO("session %s: %.*s message to %d participants\n", s->conf.id,
				service->len, service->s, sent);
	return n < 0 ? -1 : sent;
}

int imcf_sysmsg_alias(imcf_session_t *s, int idx)
{
	str ctype = str_init(IMCF_SYSMSG_TEXT_TYPE), text, body;
	char from[IMCF_URI_MAX + 2], to[IMCF_DISPLAY_MAX + IMCF_URI_MAX + 8];
	char says[sizeof(to) + 16];
	imcf_participant_t p;
	imr_leg_t leg;
	im_kbuf_t b = {0};
	int ret;

	if(!imcf_alias_notice)
		return 0;
	imcf_session_lock(s);
	if(idx < 0 || idx >= s->conf.n || s->conf.released) {
		imcf_session_unlock(s);
		return 0;
	}
	p = s->conf.p[idx];
	leg = s->legs[idx];
	snprintf(from, sizeof(from), "<%s>", s->conf.identity);
	imcf_session_unlock(s);
	if(!p.alias_uri[0] || !leg.side.created)
		return 0;
	/* D-22: To is the alias (never the private address, SP-7), From the
	 * conference identity */
	snprintf(to, sizeof(to), "\"%s\" <%s>", p.alias_display, p.alias_uri);
	text.len = snprintf(says, sizeof(says), "You appear as %s", to);
	text.s = says;
	body = cpim_for(from, to, &ctype, &text, &b);
	if(p.takes_multipart && body.len) {
		/* D-22: the message/cpim as the one part of a multipart/mixed, to
		 * a participant whose accept-types take it (its participating
		 * function passes on only those); else the bare message/cpim */
		im_kbuf_t m = {0};
		str mtype = str_init("multipart/mixed;boundary=\"" ALIAS_BOUNDARY "\"");
		im_kbuf_addf(&m,
				"--" ALIAS_BOUNDARY "\r\nContent-Type: " CPIM_TYPE "\r\n\r\n");
		im_kbuf_adds(&m, &body);
		im_kbuf_addf(&m, "\r\n--" ALIAS_BOUNDARY "--\r\n");
		body = im_kbuf_str(&m);
		ret = inject(s, leg.id, p.alias_uri, &body, &mtype);
		im_kbuf_free(&m);
	} else {
		ret = inject(s, leg.id, p.alias_uri, &body, NULL);
	}
	im_kbuf_free(&b);
	if(ret == 0)
		LM_INFO("session %s: participant %d told its alias %s\n", s->conf.id,
				idx, p.alias_uri);
	return ret < 0 ? -1 : 1;
}
