/*
 * The pieces of SIP requests the store works with, for every file of it:
 * a user's address of record, a body as its Content-Length says, the
 * Date we add to what we push (D-30).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/parser/msg_parser.h"
#include "core/parser/parse_content.h"
#include "core/parser/parse_uri.h"
#include "core/trim.h"

#include "im_store.h"
#include "im_store_sip.h"

int imst_aor(const str *uri, char *out, int outlen)
{
	struct sip_uri u;
	int n;

	if(parse_uri(uri->s, uri->len, &u) < 0 || !u.user.len || !u.host.len)
		return -1;
	n = snprintf(out, outlen, "%s:%.*s@%.*s",
			u.type == SIPS_URI_T ? "sips" : "sip", u.user.len, u.user.s,
			u.host.len, u.host.s);
	return n > 0 && n < outlen ? 0 : -1;
}

void imst_host_of(const str *aor, str *host)
{
	char *at;

	if(imst_host.len) {
		*host = imst_host;
		return;
	}
	at = memchr(aor->s, '@', aor->len);
	host->s = at ? at + 1 : aor->s;
	host->len = (int)(aor->s + aor->len - host->s);
}

/* The body as its Content-Length says (UDP: what follows is not its). */
str imst_body_of(struct sip_msg *msg)
{
	str b = STR_NULL;
	int avail;

	b.s = get_body(msg);
	if(!b.s)
		return (str)STR_NULL;
	avail = (int)(msg->buf + msg->len - b.s);
	b.len = msg->content_length ? get_content_length(msg) : avail;
	if(b.len > avail || b.len < 0)
		b.len = avail;
	return b;
}


int imst_body(struct sip_msg *msg, str *ctype, str *body)
{
	if(parse_headers(msg, HDR_EOH_F, 0) < 0 || !msg->content_type)
		return 1;
	*body = imst_body_of(msg);
	if(body->len <= 0)
		return 1;
	*ctype = msg->content_type->body;
	trim(ctype);
	return 0;
}

/*
 * D-30: a SIP message as a message/sip body, with a Date header saying
 * when we received it (12.2.2.5) unless the sender's own Date is there
 * (kept unaltered, as every original header).
 */
int imst_with_date(const str *sip, long long when, im_kbuf_t *b)
{
	const char *s = sip->s, *end = s + sip->len, *eoh = NULL;
	int has_date = 0;

	/* the header lines, after the request line, up to the blank line */
	for(const char *l = memchr(s, '\n', end - s); l && l + 1 < end;) {
		const char *line = l + 1;

		if(line + 1 < end && line[0] == '\r' && line[1] == '\n') {
			eoh = line;
			break;
		}
		if(end - line >= 5 && strncasecmp(line, "Date:", 5) == 0)
			has_date = 1;
		l = memchr(line, '\n', end - line);
	}
	if(!eoh)
		return -1;
	im_kbuf_add(b, s, (int)(eoh - s));
	if(!has_date) {
		char date[64];

		imst_http_date(when, date, sizeof(date));
		im_kbuf_addf(b, "Date: %s\r\n", date);
	}
	im_kbuf_add(b, eoh, (int)(end - eoh));
	return b->failed ? -1 : 0;
}

void imst_http_date(long long when, char *out, int outlen)
{
	time_t t = (time_t)when;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, outlen, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}
