#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/dprint.h"
#include "core/parser/contact/parse_contact.h"
#include "core/parser/parse_from.h"
#include "core/parser/parse_refer_to.h"
#include "core/parser/parse_to.h"
#include "core/parser/parse_uri.h"

#include "im_mime.h"
#include "im_rlist.h"

#include "im_store.h"
#include "im_store_db.h"
#include "im_store_defer.h"
#include "im_store_delete.h"
#include "im_store_imdn.h"
#include "im_store_reply.h"
#include "im_store_request.h"
#include "im_store_sip.h"

#define CT_RLIST "application/resource-lists+xml"

/* A header of msg named name whose value contains value, any case. */
static int has_header(struct sip_msg *msg, const char *name, const char *value)
{
	int nlen = strlen(name), vlen = strlen(value);

	for(struct hdr_field *h = msg->headers; h; h = h->next) {
		if(h->name.len != nlen || strncasecmp(h->name.s, name, nlen))
			continue;
		for(int i = 0; i + vlen <= h->body.len; i++)
			if(strncasecmp(h->body.s + i, value, vlen) == 0)
				return 1;
	}
	return 0;
}

/* RFC 5368: the resource list the cid: URL names, a part of the body. */
static int list_by_cid(struct sip_msg *msg, const str *cid, str *xml)
{
	char id[256];
	str ctype, body;
	im_span_t found, type, params;
	int n = im_mime_cid_id((im_span_t){cid->s, (size_t)cid->len}, id,
			sizeof(id));

	if(n < 0 || imst_body(msg, &ctype, &body)
			|| im_mime_find_id((im_span_t){ctype.s, (size_t)ctype.len},
					   (im_span_t){body.s, (size_t)body.len},
					   (im_span_t){id, (size_t)n}, &found, &type)
					   != 0
			|| im_mime_find(type, found, CT_RLIST, &params) != 0)
		return -1;
	xml->s = (char *)found.p;
	xml->len = (int)found.len;
	return 0;
}

/* D-32: Refer-To <sip:Deferred@host> (any case) means every message
 * (12.1.3.4). */
static int names_all(const struct sip_uri *u)
{
	return u->user.len == 8 && strncasecmp(u->user.s, "Deferred", 8) == 0;
}

/* The NOTIFY of the REFER's implicit subscription (RFC 3515 2.4.4): its
 * final state, the outcome as message/sipfrag. */
static void notify(struct sip_msg *msg, const char *aor, int code,
		const char *reason)
{
	static str method = str_init("NOTIFY");
	char hdrs[512], frag[64];
	str totag = STR_NULL, h, body;
	struct to_body *to = get_to(msg);
	contact_t *c;
	dlg_t dlg;
	uac_req_t uac_r;
	str host;

	if(imst_tm.t_get_reply_totag(msg, &totag) < 0 || !totag.len
			|| parse_contact(msg->contact) < 0
			|| !(c = ((contact_body_t *)msg->contact->parsed)->contacts)) {
		LM_WARN("delete by %s: no dialog for the NOTIFY\n", aor);
		return;
	}
	imst_host_of(&(str){(char *)aor, strlen(aor)}, &host);
	h.len = snprintf(hdrs, sizeof(hdrs),
			"Event: refer\r\nSubscription-State: terminated;reason=noresource"
			"\r\nContact: <sip:Delete@%.*s>\r\n"
			"Content-Type: message/sipfrag;version=2.0\r\n",
			host.len, host.s);
	h.s = hdrs;
	body.len = snprintf(frag, sizeof(frag), "SIP/2.0 %d %s\r\n", code, reason);
	body.s = frag;
	memset(&dlg, 0, sizeof(dlg));
	dlg.id.call_id = msg->callid->body;
	dlg.id.loc_tag = totag;
	dlg.id.rem_tag = get_from(msg)->tag_value;
	dlg.loc_seq.value = 1;
	dlg.loc_seq.is_set = 1;
	dlg.loc_uri = to->uri;
	dlg.rem_uri = get_from(msg)->uri;
	dlg.rem_target = c->uri;
	dlg.state = DLG_CONFIRMED;
	dlg.send_sock = msg->rcv.bind_address;
	set_uac_req(&uac_r, &method, &h, &body, &dlg, 0, NULL, NULL);
	if(imst_tm.t_request_within(&uac_r) < 0)
		LM_WARN("delete by %s: NOTIFY not sent\n", aor);
}

/* Deletes what Refer-To names: rows deleted, how many were named (-1:
 * all), or -1 / -2 (malformed, answered by the caller with 400). */
static int delete_named(
		struct sip_msg *msg, const str *owner, const str *target, int *named)
{
	char tokens[IMST_PICK_MAX][IMST_TOKEN_LEN + 1], err[IM_RLIST_ERR_LEN];
	struct sip_uri u;
	str xml, t;
	int n = 0, deleted = 0, d;

	if(target->len > 4 && strncasecmp(target->s, "cid:", 4) == 0) {
		if(list_by_cid(msg, target, &xml) < 0
				|| imst_list_tokens(&xml, tokens, &n, err, sizeof(err)) < 0)
			return -2;
	} else if(parse_uri(target->s, target->len, &u) < 0) {
		return -2;
	} else if(names_all(&u)) {
		*named = -1;
		return imst_delete_notify(&(imst_sel_t){.recipient = owner});
	} else if(imst_message_token(target, tokens[0]) == 0) {
		n = 1;
	}
	*named = n;
	for(int i = 0; i < n; i++) {
		t = (str){tokens[i], IMST_TOKEN_LEN};
		d = imst_delete_notify(
				&(imst_sel_t){.recipient = owner, .token = &t});
		if(d < 0)
			return -1;
		deleted += d;
	}
	return deleted;
}

int imst_delete(struct sip_msg *msg)
{
	char aor[IMST_URI_MAX];
	str owner, ok = str_init("Accepted");
	struct to_body *rt;
	int ret, named = 0, nosub;

	if(msg->first_line.type != SIP_REQUEST || msg->REQ_METHOD != METHOD_REFER)
		return -1;
	ret = imst_originator(msg, aor, sizeof(aor));
	if(ret < 0 || parse_to_header(msg) < 0 || !msg->callid || !msg->contact)
		return imst_refuse(msg, 400, "Bad Request", NULL);
	owner = (str){aor, strlen(aor)};
	if(ret > 0 || imst_pf.service_allowed(&owner) != 1) {
		LM_INFO("delete by %s refused: not authorised\n", aor);
		return imst_refuse(
				msg, 403, "Forbidden", "127 Service not authorised");
	}
	if(!msg->refer_to || parse_refer_to_header(msg) < 0
			|| !(rt = get_refer_to(msg)) || !rt->uri.len)
		return imst_refuse(msg, 400, "Bad Request: no usable Refer-To", NULL);
	ret = delete_named(msg, &owner, &rt->uri, &named);
	if(ret == -2)
		return imst_refuse(msg, 400,
				"Bad Request: Refer-To names no Message-ID, resource list or "
				"Deferred URI",
				NULL);
	if(ret < 0)
		return imst_refuse(msg, 500, "Server Internal Error", NULL);
	nosub = has_header(msg, "Refer-Sub", "false");
	imst_ua.reply(msg, 202, &ok,
			nosub ? &(str)str_init("Refer-Sub: false\r\n") : NULL, NULL,
			NULL);
	LM_INFO("delete by %s: %d of %d named deleted\n", aor, ret, named);
	/* 12.2.2.7 step 5; an id that names nothing stored: 404 (a list:
	 * when none of its ids does) */
	if(!nosub)
		notify(msg, aor, ret > 0 || named < 0 ? 200 : 404,
				ret > 0 || named < 0 ? "OK" : "Not Found");
	return 1;
}
