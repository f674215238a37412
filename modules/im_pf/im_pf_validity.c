#define _GNU_SOURCE /* memmem, timegm */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/dprint.h"
#include "core/parser/msg_parser.h"
#include "core/parser/parse_content.h"

#include "im_msg_time.h"
#include "im_pf_validity.h"

int impf_pager_expired = 1;
int impf_date_tolerance = 300;

static int has_prefix(const str *s, const char *p)
{
	size_t n = strlen(p);

	return (size_t)s->len >= n && strncasecmp(s->s, p, n) == 0;
}

/* An S/MIME signature over the request's body (RFC 3261 23, RFC 8551):
 * multipart/signed, or application/pkcs7-mime with signed data
 * (enveloped, encrypted data is no signature). */
static int is_signed(struct sip_msg *msg)
{
	str ct;

	if(parse_headers(msg, HDR_CONTENTTYPE_F, 0) < 0 || !msg->content_type)
		return 0;
	ct = msg->content_type->body;
	if(has_prefix(&ct, "multipart/signed"))
		return 1;
	if(has_prefix(&ct, "application/pkcs7-mime")
			|| has_prefix(&ct, "application/x-pkcs7-mime"))
		return memmem(ct.s, ct.len, "signed-data", 11) != NULL;
	return 0;
}

static int date_check(struct sip_msg *msg, time_t now, impf_refusal_t *r)
{
	time_t date;
	int d;

	if(!impf_date_tolerance || !is_signed(msg))
		return 0;
	d = im_msg_date(msg, &date);
	if(d == 1 && llabs((long long)date - (long long)now) <= impf_date_tolerance)
		return 0;
	LM_INFO("signed MESSAGE %s: 400 (MSG-05)\n",
			d == 1 ? "with a Date too far from our clock"
				   : (d == 0 ? "without Date" : "with a malformed Date"));
	impf_refuse(r, 400, "Incorrect Date or Time", 0, NULL);
	impf_refusal_warning(
			r, d == 1 ? "Date too far from the server's clock for a signed "
						"message"
					  : "a signed message needs a valid Date (RFC 3428)");
	return -1;
}

static int expires_check(
		struct sip_msg *msg, int terminating, time_t now, impf_refusal_t *r)
{
	long long end;
	unsigned int delta = 0;
	int v = im_msg_valid_until(msg, now, &end, &delta);

	if(v < 0) {
		impf_refuse(r, 400, "Bad Request", 0, NULL);
		impf_refusal_warning(r, "malformed Expires");
		return -1;
	}
	/* Expires: 0 has expired on arrival; any other is valid through the
	 * second it ends in (whole seconds: Expires: 1 must not expire
	 * between our originating and our terminating check) */
	if(v == 0 || (delta > 0 && (long long)now <= end))
		return 0;
	if(terminating && !impf_pager_expired) {
		LM_INFO("expired MESSAGE delivered (pager_expired 0)\n");
		return 0;
	}
	LM_INFO("MESSAGE expired %lld s ago: refused (%s)\n", (long long)now - end,
			terminating ? "TP-1 step 4" : "OP-10");
	impf_refuse(r, 400, "Message Expired", 0, NULL);
	impf_refusal_warning(r, "the message's Expires ended before it could "
							"be delivered");
	return -1;
}

int impf_check_validity(
		struct sip_msg *msg, int terminating, time_t now, impf_refusal_t *r)
{
	if(date_check(msg, now, r) < 0)
		return -1;
	return expires_check(msg, terminating, now, r);
}
