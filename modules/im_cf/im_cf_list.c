/*
 * The one place im_cf meets lib/im_rlist: the XML is parsed there with
 * libxml2 (RFC 4826, RFC 5364 copy control, entry URIs with a method and
 * Replaces split by im_uri_target), and copied here into the fixed-size
 * entries the conference state takes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem/mem.h"

#include "im_rlist.h"

#include "im_cf_list.h"

static int copy_text(char *dst, size_t dstlen, const char *src)
{
	size_t n = src ? strlen(src) : 0;

	if(n >= dstlen)
		return -1;
	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
	return 0;
}

static imcf_copy_t copy_of(im_copy_control_t c)
{
	switch(c) {
		case IM_COPY_CC:
			return IMCF_COPY_CC;
		case IM_COPY_BCC:
			return IMCF_COPY_BCC;
		default:
			return IMCF_COPY_TO;
	}
}

/* The entry as the conference state holds it; -1 when it does not fit or
 * asks for a method other than INVITE (a factory list invites). */
static int take_entry(const im_rlist_entry_t *in, imcf_list_entry_t *e,
		char *err, int errlen)
{
	const char *m = in->to.method;

	if(m && strcasecmp(m, "INVITE") != 0) {
		snprintf(err, errlen, "entry %.64s: method %.16s", in->uri, m);
		return -1;
	}
	if(copy_text(e->uri, sizeof(e->uri), in->to.target) < 0
			|| copy_text(e->replaces, sizeof(e->replaces), in->to.replaces)
					   < 0) {
		snprintf(err, errlen, "entry %.64s: too long", in->uri);
		return -1;
	}
	/* a display name longer than we keep is shortened, not refused */
	snprintf(e->display, sizeof(e->display), "%s",
			in->display_name ? in->display_name : "");
	e->copy = copy_of(in->copy);
	e->anonymize = in->anonymize;
	return 0;
}

static int take_history(const im_rlist_t *rl, imcf_list_t *out)
{
	char *doc = NULL;
	size_t len = 0;

	if(im_rlist_write_history(rl, &doc, &len) < 0)
		return -1;
	out->history.s = pkg_malloc(len + 1);
	if(!out->history.s) {
		free(doc);
		PKG_MEM_ERROR;
		return -1;
	}
	memcpy(out->history.s, doc, len + 1);
	out->history.len = (int)len;
	free(doc);
	return 0;
}

imcf_list_status_t imcf_list_parse(
		const char *xml, int len, imcf_list_t *out, char *err, int errlen)
{
	im_rlist_t rl = {0};
	char why[IM_RLIST_ERR_LEN] = "";
	im_rlist_status_t st;
	imcf_list_status_t ret = IMCF_LIST_OK;

	out->n = 0;
	out->history.s = NULL;
	out->history.len = 0;
	if(len < 0)
		len = 0;
	st = im_rlist_parse(xml, (size_t)len, IMCF_MAX_PARTICIPANTS, &rl, why,
			sizeof(why));
	switch(st) {
		case IM_RLIST_OK:
			break;
		case IM_RLIST_ERR_EMPTY:
			snprintf(err, errlen, "%s", why);
			return IMCF_LIST_EMPTY;
		case IM_RLIST_ERR_TOO_MANY:
			snprintf(err, errlen, "%s", why);
			return IMCF_LIST_TOO_MANY;
		default:
			snprintf(err, errlen, "%s", why);
			return IMCF_LIST_MALFORMED;
	}
	for(size_t i = 0; i < rl.count && ret == IMCF_LIST_OK; i++) {
		if(take_entry(&rl.entries[i], &out->e[out->n], err, errlen) < 0)
			ret = IMCF_LIST_MALFORMED;
		else
			out->n++;
	}
	if(ret == IMCF_LIST_OK && take_history(&rl, out) < 0) {
		snprintf(err, errlen, "cannot write the recipient-list-history");
		ret = IMCF_LIST_MALFORMED;
	}
	im_rlist_free(&rl);
	if(ret != IMCF_LIST_OK) {
		imcf_list_release(out);
		out->n = 0;
	}
	return ret;
}

void imcf_list_release(imcf_list_t *out)
{
	if(out->history.s)
		pkg_free(out->history.s);
	out->history.s = NULL;
	out->history.len = 0;
}
