#include <stdio.h>
#include <string.h>

#include "core/dprint.h"
#include "core/mem/mem.h"

#include "im_mime.h"
#include "im_rlist.h"
#include "im_sdp.h"

#include "im_store.h"
#include "im_store_push.h"
#include "im_store_reply.h"
#include "im_store_request.h"
#include "im_store_retrieve.h"
#include "im_store_sip.h"

#define CT_SDP "application/sdp"
#define CT_RLIST "application/resource-lists+xml"

/* The part of body (of type ctype) of type want. 0, 1 none, -1 a
 * malformed multipart. */
static int part_of(const str *ctype, const str *body, const char *want,
		str *part)
{
	im_span_t ct = {ctype->s, (size_t)ctype->len};
	im_span_t b = {body->s, (size_t)body->len}, p;
	int ret = im_mime_find(ct, b, want, &p);

	if(ret == 0) {
		part->s = (char *)p.p;
		part->len = (int)p.len;
	}
	return ret;
}

/* 12.2.1 step 2: an MSRP stream the user only receives on. NULL, or why
 * not (for the 488's Warning). */
static const char *unusable_sdp(const str *sdp)
{
	im_sdp_msrp_t m;
	const char *err = NULL;
	int no_msrp = 0;

	if(!sdp->len)
		return "304 no SDP offer";
	if(im_sdp_parse_msrp(sdp->s, sdp->len, &m, &no_msrp, &err) < 0)
		return no_msrp ? "304 no MSRP media" : "307 malformed SDP";
	if(m.direction.len != 8 || memcmp(m.direction.p, "recvonly", 8) != 0)
		return "306 a=recvonly required";
	return NULL;
}

/* The messages asked for into p: the resource list's (tokens), or every
 * one (n < 0). 0 some; 1 none (488 + 125); -1 error. */
static int pick(imst_push_t *p, char tokens[][IMST_TOKEN_LEN + 1], int n)
{
	str owner = {p->user, strlen(p->user)};
	int has;

	p->npicked = 0;
	if(n < 0) {
		has = imst_has_message(&owner, NULL);
		return has < 0 ? -1 : !has;
	}
	for(int i = 0; i < n; i++) {
		has = imst_has_message(&owner, tokens[i]);
		if(has < 0)
			return -1;
		if(has)
			memcpy(p->picked[p->npicked++], tokens[i], IMST_TOKEN_LEN + 1);
	}
	return p->npicked == 0;
}

static const imua_dlg_hooks_t retrieve_hooks = {
		.ended = imst_push_ended,
};

/* The relay leg from the user's offer, our dialog, the 200 (12.2.1 "when
 * sending a SIP 200 OK": Server, Allow by im_ua, Contact with automata,
 * the SDP answer); then the SENDs. */
static int answer(struct sip_msg *msg, imst_push_t *p, const str *sdp)
{
	str user = {p->user, strlen(p->user)}, ans = STR_NULL;
	imr_party_t party = {user, STR_NULL, STR_NULL};
	imua_uas_t uas;
	imua_out_t rej;
	imr_err_t e;
	str key, ok = str_init("OK"), ct = str_init(CT_SDP);
	str hdrs = str_init("Server: " IMST_SERVER "\r\n");
	char warn[200];
	int ret;

	if(imst_push_open(p, &e) < 0
			|| imst_relay.leg_accept(
					   &p->relay, &p->leg, IMST_PUSH_LEG, sdp, &party, &ans, &e)
					   < 0) {
		if(p->relay.relay >= 0)
			imst_relay.session_close(&p->relay);
		imst_push_release(p);
		snprintf(warn, sizeof(warn), "%d %s", e.code == 488 ? 307 : 399,
				e.text);
		return imst_refuse(msg, e.code, e.code == 488 ? "Not Acceptable Here"
							: "Service Unavailable", warn);
	}
	memset(&uas, 0, sizeof(uas));
	memset(&rej, 0, sizeof(rej));
	uas.contact_user = (str)str_init("Deferred");
	uas.contact_params = (str)str_init(";+g.oma.sip-im;automata");
	uas.refresher = IMUA_PREF_UAC;
	uas.hooks = &retrieve_hooks;
	uas.app = p;
	ret = imst_ua.new_key(p->key, sizeof(p->key));
	if(ret >= 0) {
		uas.key = (str){p->key, strlen(p->key)};
		ret = imst_ua.uas_open(msg, &uas, p->key, sizeof(p->key), &rej);
	}
	if(ret < 1) {
		pkg_free(ans.s);
		imst_relay.session_close(&p->relay);
		imst_push_release(p);
		if(rej.code) {
			imst_ua.reply(msg, rej.code, &rej.reason, NULL, NULL, NULL);
			imst_ua.out_free(&rej);
			return -2;
		}
		return imst_refuse(msg, 500, "Server Internal Error", NULL);
	}
	key = (str){p->key, strlen(p->key)};
	imst_ua.uas_answer(&key, 200, &ok, &hdrs, &ct, &ans);
	pkg_free(ans.s);
	LM_INFO("retrieval %s by %s: %d picked (0: all)\n", p->key, p->user,
			p->npicked);
	if(imst_push_send(p))
		imst_push_end(p, "nothing to send");
	return 1;
}

int imst_retrieve(struct sip_msg *msg)
{
	char aor[IMST_URI_MAX], err[IM_RLIST_ERR_LEN + 32];
	char tokens[IMST_PICK_MAX][IMST_TOKEN_LEN + 1];
	str ctype = STR_NULL, body = STR_NULL, sdp = STR_NULL, list = STR_NULL;
	const char *why;
	imst_push_t *p;
	int n = -1, busy, ret;

	if(msg->first_line.type != SIP_REQUEST
			|| msg->REQ_METHOD != METHOD_INVITE)
		return -1;
	ret = imst_originator(msg, aor, sizeof(aor));
	if(ret < 0)
		return imst_refuse(msg, 400, "Bad Request", NULL);
	if(ret > 0) {
		LM_INFO("retrieval by %s refused: not a user of ours\n", aor);
		return imst_refuse(
				msg, 403, "Forbidden", "127 Service not authorised");
	}
	ret = imst_pf.service_allowed(&(str){aor, strlen(aor)});
	if(ret <= 0) {
		LM_INFO("retrieval by %s refused: %s\n", aor,
				ret < 0 ? "no policy" : "service denied");
		return ret < 0 ? imst_refuse(msg, 500, "Server Internal Error", NULL)
					   : imst_refuse(msg, 403, "Forbidden",
							   "127 Service not authorised");
	}
	if(imst_body(msg, &ctype, &body) == 0
			&& (part_of(&ctype, &body, CT_SDP, &sdp) < 0
					|| part_of(&ctype, &body, CT_RLIST, &list) < 0))
		return imst_refuse(msg, 400, "Bad Request: malformed multipart body",
				NULL);
	why = unusable_sdp(&sdp);
	if(why) {
		LM_INFO("retrieval by %s refused: %s\n", aor, why);
		return imst_refuse(msg, 488, "Not Acceptable Here", why);
	}
	if(list.len
			&& imst_list_tokens(&list, tokens, &n, err, sizeof(err)) < 0) {
		LM_INFO("retrieval by %s: bad resource list: %s\n", aor, err);
		return imst_refuse(msg, 400, "Bad Request: malformed resource list",
				NULL);
	}
	p = imst_push_reserve(aor, &busy);
	if(!p)
		return busy ? imst_refuse(msg, 486, "Busy Here: a delivery to this "
												"user is under way",
							  NULL)
					: imst_refuse(msg, 503, "Service Unavailable", NULL);
	ret = pick(p, tokens, n);
	if(ret != 0) {
		imst_push_release(p);
		/* 12.2.1.1.2 step 1 (for a list too: nothing it names is here) */
		return ret < 0 ? imst_refuse(msg, 500, "Server Internal Error", NULL)
					   : imst_refuse(msg, 488, "Not Acceptable Here",
							   "125 No messages");
	}
	return answer(msg, p, &sdp);
}
