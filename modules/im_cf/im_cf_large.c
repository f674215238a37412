#include <string.h>
#include <strings.h>

#include "core/parser/hf.h"

#include "im_cf.h"
#include "im_cf_large.h"

#define ACCEPT_TAGS ";+g.oma.sip-im"

static int contains_nocase(const str *s, const char *tag)
{
	int n = (int)strlen(tag);

	for(int i = 0; i + n <= s->len; i++)
		if(strncasecmp(s->s + i, tag, n) == 0)
			return 1;
	return 0;
}

int imcf_large_requested(struct sip_msg *msg)
{
	if(parse_headers(msg, HDR_EOH_F, 0) < 0)
		return 0;
	for(struct hdr_field *h = msg->headers; h; h = h->next)
		if((h->type == HDR_ACCEPTCONTACT_T || h->type == HDR_CONTACT_T)
				&& contains_nocase(&h->body, IMCF_LARGE_TAG))
			return 1;
	return 0;
}

const char *imcf_large_direction(int large)
{
	return large ? "sendonly" : NULL;
}

str imcf_large_contact_params(int large)
{
	static str plain = str_init(IMCF_FEATURE_TAGS);
	static str lm = str_init(IMCF_FEATURE_TAGS ";" IMCF_LARGE_TAG);

	return large ? lm : plain;
}

const char *imcf_large_accept_tags(int large)
{
	return large ? ACCEPT_TAGS ";" IMCF_LARGE_TAG : ACCEPT_TAGS;
}
