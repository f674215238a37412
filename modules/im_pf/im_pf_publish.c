/*
 * PUBLISH of the IM service settings (OMA TS 6.1.1.5, OP-12, SS-1): the
 * RFC 3903 life cycle of an RFC 4354 poc-settings publication, answered
 * here; what is kept is im_pf_settings.c's.
 *
 * In the order of 6.1.1.5: the event must be poc-settings (489 +
 * Allow-Events); the authenticated originator must be the user the
 * Request-URI names and be allowed the service (403 + Warning 127);
 * then RFC 3903: an initial publication carries a body, a refresh only
 * SIP-If-Match, a modification both, a removal Expires: 0; an entity tag
 * we do not hold is 412; an Expires below the minimum 423 + Min-Expires;
 * a body that is not application/poc-settings+xml 415 + Accept, one
 * that does not parse 400 + Warning with the reason (what was stored
 * stays). 200 carries SIP-ETag and the granted Expires.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/dprint.h"
#include "core/parser/msg_parser.h"
#include "core/parser/parse_event.h"
#include "core/parser/parse_expires.h"
#include "core/parser/parse_sipifmatch.h"
#include "core/trim.h"

#include "im_pf.h"
#include "im_pf_checks.h"
#include "im_pf_publish.h"
#include "im_pf_session.h"
#include "im_pf_settings.h"

#define SETTINGS_EVENT "poc-settings"

static int answer(struct sip_msg *msg, impf_refusal_t *r)
{
	LM_INFO("PUBLISH %.*s answered %d %s\n", msg->first_line.u.request.uri.len,
			msg->first_line.u.request.uri.s, r->code, r->reason);
	impf_send_refusal(msg, r);
	return r->code < 300 ? 1 : -1;
}

static int refuse(struct sip_msg *msg, int code, const char *reason,
		const char *hdr_fmt, const char *hdr_val)
{
	impf_refusal_t r;

	impf_refuse(&r, code, reason, 0, NULL);
	if(hdr_fmt)
		snprintf(r.hdrs, sizeof(r.hdrs), hdr_fmt, hdr_val);
	return answer(msg, &r);
}

static int is_settings_event(struct sip_msg *msg)
{
	event_t *ev;

	if(!msg->event || parse_event(msg->event) < 0)
		return 0;
	ev = (event_t *)msg->event->parsed;
	return ev && ev->name.len == sizeof(SETTINGS_EVENT) - 1
		   && strncasecmp(ev->name.s, SETTINGS_EVENT, ev->name.len) == 0;
}

/* The Expires asked for, bounded: the seconds, or -1 when below the
 * minimum (and not 0). */
static int granted_expires(struct sip_msg *msg)
{
	int e = impf_settings_default_expires;

	if(msg->expires && parse_expires(msg->expires) == 0
			&& ((exp_body_t *)msg->expires->parsed)->valid)
		e = (int)((exp_body_t *)msg->expires->parsed)->val;
	if(e > 0 && e < impf_settings_min_expires)
		return -1;
	return e > impf_settings_max_expires ? impf_settings_max_expires : e;
}

static int is_settings_type(struct sip_msg *msg)
{
	str ct;
	const char *semi;

	if(!msg->content_type)
		return 0;
	ct = msg->content_type->body;
	semi = memchr(ct.s, ';', ct.len);
	if(semi)
		ct.len = (int)(semi - ct.s);
	trim(&ct);
	return ct.len == sizeof(IM_SETTINGS_CONTENT_TYPE) - 1
		   && strncasecmp(ct.s, IM_SETTINGS_CONTENT_TYPE, ct.len) == 0;
}

/* 6.1.1.5 step 3: only the user himself publishes his settings. */
static int authorised(struct sip_msg *msg, char *key, int keylen)
{
	char okey[IMPF_AOR_MAX];
	str orig, dname;
	impf_policy_t p;

	if(parse_sip_msg_uri(msg) < 0
			|| impf_settings_key(&msg->first_line.u.request.uri, key, keylen)
					   < 0
			|| impf_originator(msg, &orig, &dname) < 0
			|| impf_settings_key(&orig, okey, sizeof(okey)) < 0)
		return 0;
	if(strcmp(key, okey) != 0)
		return 0;
	return impf_policy_load(&orig, &p) == 0 && !p.service_denied;
}

int impf_publish(struct sip_msg *msg)
{
	char key[IMPF_AOR_MAX], etag[IMPF_ETAG_LEN + 1], err[IM_SETTINGS_ERR_LEN];
	im_settings_t s;
	str body, match = STR_NULL;
	impf_refusal_t r;
	int expires;

	if(msg->first_line.type != SIP_REQUEST || msg->REQ_METHOD != METHOD_PUBLISH
			|| parse_headers(msg, HDR_EOH_F, 0) < 0)
		return refuse(msg, 400, "Bad Request", NULL, NULL);
	if(!is_settings_event(msg))
		return refuse(msg, 489, "Bad Event", "Allow-Events: %s\r\n",
				SETTINGS_EVENT);
	if(!authorised(msg, key, sizeof(key))) {
		impf_refuse(&r, 403, "Forbidden", 127, "Service not authorised");
		return answer(msg, &r);
	}
	expires = granted_expires(msg);
	if(expires < 0) {
		char min[16];
		snprintf(min, sizeof(min), "%d", impf_settings_min_expires);
		return refuse(msg, 423, "Interval Too Brief", "Min-Expires: %s\r\n",
				min);
	}
	if(msg->sipifmatch) {
		match = msg->sipifmatch->body;
		trim(&match);
	}
	if(impf_body(msg, &body)) {
		if(!is_settings_type(msg))
			return refuse(msg, 415, "Unsupported Media Type", "Accept: %s\r\n",
					IM_SETTINGS_CONTENT_TYPE);
		if(im_settings_parse(body.s, (size_t)body.len, &s, err, sizeof(err))
				< 0) {
			impf_refuse(&r, 400, "Bad Request", 0, NULL);
			impf_refusal_warning(&r, err);
			return answer(msg, &r);
		}
	} else if(!match.len) {
		return refuse(msg, 400, "Bad Request: no settings document", NULL,
				NULL);
	}
	switch(impf_settings_publish(key, match.len ? &match : NULL,
			body.len ? &s : NULL, expires, etag)) {
		case IMPF_PUB_OK:
			break;
		case IMPF_PUB_NO_MATCH:
			return refuse(msg, 412, "Conditional Request Failed", NULL, NULL);
		default:
			return refuse(msg, 500, "Server Internal Error", NULL, NULL);
	}
	impf_refuse(&r, 200, "OK", 0, NULL);
	if(etag[0])
		snprintf(r.hdrs, sizeof(r.hdrs), "SIP-ETag: %s\r\nExpires: %d\r\n",
				etag, expires);
	else
		snprintf(r.hdrs, sizeof(r.hdrs), "Expires: 0\r\n");
	return answer(msg, &r);
}
