#include <string.h>

#include "core/mem/mem.h"
#include "core/parser/parse_content.h"
#include "core/trim.h"

#include "im_kbuf.h"
#include "im_mime.h"

#include "im_cf_body.h"

int imcf_body_part(struct sip_msg *msg, const char *want, str *part)
{
	im_span_t ct, b, found;
	str ctype, body;
	int ret;

	part->s = NULL;
	part->len = 0;
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
	ct.p = ctype.s;
	ct.len = (size_t)ctype.len;
	b.p = body.s;
	b.len = (size_t)body.len;
	ret = im_mime_find(ct, b, want, &found);
	if(ret == 0) {
		part->s = (char *)found.p;
		part->len = (int)found.len;
	}
	return ret;
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
