#include <string.h>
#include <strings.h>

#include "core/mem/mem.h"
#include "core/parser/parse_content.h"
#include "core/trim.h"

#include "im_kbuf.h"
#include "im_mime.h"

#include "im_cf_body.h"

/* msg's Content-Type value and body: 0, or 1 when it has no body. */
static int body_of(struct sip_msg *msg, im_span_t *ct, im_span_t *b)
{
	str ctype, body;

	if(parse_headers(msg, HDR_EOH_F, 0) < 0 || !msg->content_type)
		return 1;
	body.s = get_body(msg);
	if(!body.s)
		return 1;
	body.len = (int)(msg->buf + msg->len - body.s);
	if(msg->content_length && get_content_length(msg) < body.len)
		body.len = get_content_length(msg);
	if(body.len <= 0)
		return 1;
	ctype = msg->content_type->body;
	trim(&ctype);
	ct->p = ctype.s;
	ct->len = (size_t)ctype.len;
	b->p = body.s;
	b->len = (size_t)body.len;
	return 0;
}

int imcf_body_part(struct sip_msg *msg, const char *want, str *part)
{
	im_span_t ct, b, found;
	int ret;

	part->s = NULL;
	part->len = 0;
	if(body_of(msg, &ct, &b))
		return 1;
	ret = im_mime_find(ct, b, want, &found);
	if(ret == 0) {
		part->s = (char *)found.p;
		part->len = (int)found.len;
	}
	return ret;
}

/* The message's own Content-ID header value, or an empty span. */
static im_span_t message_content_id(struct sip_msg *msg)
{
	im_span_t v = {NULL, 0};

	for(struct hdr_field *h = msg->headers; h; h = h->next) {
		if(h->name.len == 10 && strncasecmp(h->name.s, "Content-ID", 10) == 0) {
			v.p = h->body.s;
			v.len = (size_t)h->body.len;
			break;
		}
	}
	return v;
}

int imcf_body_part_by_cid(
		struct sip_msg *msg, const str *cid_url, const char *want, str *part)
{
	char id[256];
	im_span_t ct, b, found, type, params;
	int n, ret;

	part->s = NULL;
	part->len = 0;
	n = im_mime_cid_id((im_span_t){cid_url->s, (size_t)cid_url->len}, id,
			sizeof(id));
	if(n < 0 || body_of(msg, &ct, &b))
		return 1;
	ret = im_mime_find_id(ct, b, (im_span_t){id, (size_t)n}, &found, &type);
	if(ret < 0)
		return -1;
	if(ret == 1) {
		/* a single body: named by the message's own Content-ID */
		if(!im_mime_content_id_is(message_content_id(msg),
				   (im_span_t){id, (size_t)n}))
			return 1;
		found = b;
		type = ct;
	}
	/* the part named must be of the type wanted */
	if(im_mime_find(type, found, want, &params) != 0)
		return 1;
	part->s = (char *)found.p;
	part->len = (int)found.len;
	return 0;
}

int imcf_body_invitation(const str *sdp, const str *list, const char *boundary,
		str *body, str *ctype, int *allocated)
{
	im_kbuf_t b = {0}, t = {0};

	*allocated = 0;
	if(!list || list->len <= 0) {
		*body = *sdp;
		ctype->s = IMCF_CT_SDP;
		ctype->len = strlen(IMCF_CT_SDP);
		return 0;
	}
	im_kbuf_addf(&b, "--%s\r\nContent-Type: " IMCF_CT_SDP "\r\n\r\n", boundary);
	im_kbuf_adds(&b, sdp);
	im_kbuf_addf(&b,
			"\r\n--%s\r\nContent-Type: " IMCF_CT_RLIST
			"\r\nContent-Disposition: recipient-list-history; "
			"handling=optional\r\n\r\n",
			boundary);
	im_kbuf_adds(&b, list);
	im_kbuf_addf(&b, "\r\n--%s--\r\n", boundary);
	im_kbuf_addf(&t, "multipart/mixed;boundary=\"%s\"", boundary);
	if(b.failed || t.failed) {
		im_kbuf_free(&b);
		im_kbuf_free(&t);
		return -1;
	}
	*body = im_kbuf_str(&b);
	*ctype = im_kbuf_str(&t);
	*allocated = 1;
	return 0;
}
