#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/dprint.h"
#include "core/mem/mem.h"
#include "core/parser/msg_parser.h"
#include "core/parser/parse_privacy.h"
#include "core/parser/parse_refer_to.h"
#include "core/parser/parse_to.h"
#include "core/parser/parse_uri.h"

#include "im_kbuf.h"

#include "im_cf.h"
#include "im_cf_actions.h"
#include "im_cf_body.h"
#include "im_cf_dialog.h"
#include "im_cf_list.h"
#include "im_cf_policy.h"
#include "im_cf_refer.h"
#include "im_cf_reply.h"

/* A header of msg named name whose value contains value, any case. */
static int has_header(struct sip_msg *msg, const char *name, const char *value)
{
	int nlen = strlen(name), vlen = strlen(value);

	/* msg->headers lists only what was parsed so far */
	if(parse_headers(msg, HDR_EOH_F, 0) < 0)
		return 0;
	for(struct hdr_field *h = msg->headers; h; h = h->next) {
		if(h->name.len != nlen || strncasecmp(h->name.s, name, nlen))
			continue;
		for(int i = 0; i + vlen <= h->body.len; i++) {
			if(strncasecmp(h->body.s + i, value, vlen) == 0)
				return 1;
		}
	}
	return 0;
}

/* RFC 4488, D-14: the referrer wants no implicit subscription. */
static int no_subscription(struct sip_msg *msg)
{
	return has_header(msg, "Refer-Sub", "false")
		   || has_header(msg, "Require", "norefersub");
}

/* MS-2, CF-7 step 2: the referrer stays anonymous to whom it invites. */
static int asks_privacy(struct sip_msg *msg)
{
	return parse_headers(msg, HDR_EOH_F, 0) == 0 && msg->privacy
		   && parse_privacy(msg) >= 0
		   && (get_privacy_values(msg) & PRIVACY_ID);
}

typedef struct refer_result
{
	int code, warn;
	/* the outcome is known at once (a removal, a user already here): the
	 * final NOTIFY carries it; 0: the invitation's NOTIFY follows later */
	int final;
} refer_result_t;

static refer_result_t result(int code, int warn)
{
	refer_result_t r = {code, warn, 0};
	return r;
}

/* Runs ev; the refusal it may call for becomes the result. */
static refer_result_t run(imcf_session_t *s, imcf_event_t *ev)
{
	imcf_exec_t x = {.req = NULL, .self = -1};

	if(imcf_session_event(s, ev, &x) < 0)
		return result(
				x.refused ? x.refused : 403, x.refused ? x.refused_warn : 122);
	return result(202, 0);
}

/* CF-7 step 4: room for n more? */
static refer_result_t room_for(imcf_session_t *s, int n)
{
	imcf_limits_t lim = {imcf_allow_anonymity, imcf_max_participants};
	imcf_verdict_t v;
	int active;

	imcf_session_lock(s);
	active = imcf_conf_active(&s->conf);
	imcf_session_unlock(s);
	if(imcf_check_add(active, n, &lim, &v) < 0)
		return result(v.code, v.warn);
	return result(0, 0);
}

static refer_result_t add_one(imcf_session_t *s, int referrer,
		const char *uri, int notify, unsigned int refer_id, int hidden)
{
	imcf_event_t ev = {.type = IMCF_EV_INVITE,
			.idx = referrer,
			.uri = uri,
			.display = "",
			.notify = notify,
			.refer_id = refer_id,
			.hide_inviter = hidden};
	refer_result_t r;
	int i;

	imcf_session_lock(s);
	i = imcf_conf_find(&s->conf, uri);
	i = i >= 0 && s->conf.p[i].state != IMCF_P_GONE;
	imcf_session_unlock(s);
	if(i) {
		r = result(202, 0);
		r.final = 200; /* here or on its way already */
		return r;
	}
	r = room_for(s, 1);
	if(r.code)
		return r;
	r = run(s, &ev);
	if(r.code == 202)
		imcf_stats_inc(IMCF_STAT_INVITATIONS);
	return r;
}

/* multiple-refer: the resource list the cid: Refer-To points at (the
 * body's resource-lists part); no NOTIFYs (RFC 5368 norefersub). */
static refer_result_t add_list(imcf_session_t *s, int referrer,
		struct sip_msg *req, const str *cid, int hidden)
{
	imcf_list_t *list;
	refer_result_t r;
	char err[128];
	str xml;

	if(imcf_body_part_by_cid(req, cid, IMCF_CT_RLIST, &xml) != 0) {
		LM_INFO("REFER: Refer-To %.*s names no resource-lists body part "
				"(Content-ID)\n",
				cid->len, cid->s);
		return result(400, 0);
	}
	list = pkg_malloc(sizeof(*list));
	if(!list) {
		PKG_MEM_ERROR;
		return result(500, 0);
	}
	if(imcf_list_parse(xml.s, xml.len, list, err, sizeof(err)) != IMCF_LIST_OK
			|| list->n <= 0) {
		LM_INFO("REFER with an unusable list: %s\n", err);
		imcf_list_release(list);
		pkg_free(list);
		return result(400, 0);
	}
	r = room_for(s, list->n);
	for(int i = 0; !r.code && i < list->n; i++) {
		/* multiple-refer goes with norefersub: no NOTIFYs */
		imcf_event_t ev = {.type = IMCF_EV_INVITE,
				.idx = referrer,
				.uri = list->e[i].uri,
				.display = list->e[i].display,
				.hide_inviter = hidden};

		if(run(s, &ev).code == 202)
			imcf_stats_inc(IMCF_STAT_INVITATIONS);
	}
	imcf_list_release(list);
	pkg_free(list);
	if(r.code)
		return r;
	/* a referrer that asked for NOTIFYs anyway learns only that the
	 * invitations are out: one final NOTIFY, no per-user progress */
	r = result(202, 0);
	r.final = 200;
	return r;
}

/* CF-8: the target must be in the session (403 + 122 otherwise). */
static refer_result_t remove_one(imcf_session_t *s, const char *uri)
{
	imcf_event_t ev = {.type = IMCF_EV_REMOVE};

	imcf_session_lock(s);
	ev.idx = imcf_conf_find(&s->conf, uri);
	imcf_session_unlock(s);
	refer_result_t r;

	if(ev.idx < 0)
		return result(403, 122);
	r = run(s, &ev);
	r.final = 200; /* our BYE is out */
	return r;
}

/* The referred user as "sip:user@host[:port]": the Refer-To's method and
 * headers are instructions, not part of whom to invite. */
static int target_of(const struct sip_uri *u, char *out, int len)
{
	int n = snprintf(out, len, "%s:%.*s%s%.*s%s%.*s",
			u->type == SIPS_URI_T ? "sips" : "sip", u->user.len, u->user.s,
			u->user.len ? "@" : "", u->host.len, u->host.s,
			u->port.len ? ":" : "", u->port.len, u->port.s);

	return n > 0 && n < len ? 0 : -1;
}

/* The Refer-To of req, or NULL. */
static struct to_body *refer_to(struct sip_msg *req)
{
	if(parse_headers(req, HDR_EOH_F, 0) < 0 || !req->refer_to
			|| parse_refer_to_header(req) < 0 || !get_refer_to(req)
			|| !get_refer_to(req)->uri.len)
		return NULL;
	return get_refer_to(req);
}

static int is_bye(const struct sip_uri *u)
{
	return u->method_val.len == 3 && strncasecmp(u->method_val.s, "BYE", 3) == 0;
}

int imcf_refer_is_removal(struct sip_msg *req)
{
	struct to_body *rt = refer_to(req);
	struct sip_uri u;

	return rt && parse_uri(rt->uri.s, rt->uri.len, &u) == 0 && is_bye(&u);
}

static refer_result_t refer(imcf_session_t *s, int referrer,
		struct sip_msg *req, int notify, unsigned int refer_id)
{
	struct to_body *rt = refer_to(req);
	struct sip_uri u;
	char target[IMCF_URI_MAX];
	int hidden = asks_privacy(req);

	if(!rt) {
		LM_INFO("REFER without a usable Refer-To\n");
		return result(400, 0);
	}
	if(hidden && !imcf_allow_anonymity)
		return result(403, 119); /* MS-2 */
	if(rt->uri.len > 4 && strncasecmp(rt->uri.s, "cid:", 4) == 0)
		return add_list(s, referrer, req, &rt->uri, hidden);
	if(parse_uri(rt->uri.s, rt->uri.len, &u) < 0 || !u.host.len
			|| target_of(&u, target, sizeof(target)) < 0)
		return result(400, 0);
	if(is_bye(&u))
		return remove_one(s, target);
	if(u.method_val.len
			&& !(u.method_val.len == 6
					&& strncasecmp(u.method_val.s, "INVITE", 6) == 0))
		return result(400, 0);
	return add_one(s, referrer, target, notify, refer_id, hidden);
}

int imcf_refer(imcf_session_t *s, int referrer, struct sip_msg *req,
		int in_dialog, str *hdrs)
{
	im_kbuf_t h = {0};
	char key[IMCF_KEY_MAX] = "", warning[256];
	int nosub = no_subscription(req), notify;
	unsigned int refer_id = 0;
	refer_result_t r;

	hdrs->s = NULL;
	hdrs->len = 0;
	/* NOTIFYs need a dialog: outside one only a REFER that wants none
	 * (Refer-Sub: false, Require: norefersub as in TR-1029 6.2.2) */
	notify = in_dialog && !nosub;
	/* RFC 3515 2.4.6: the NOTIFYs name this REFER by its CSeq */
	if(parse_headers(req, HDR_CSEQ_F, 0) == 0 && req->cseq)
		str2int(&get_cseq(req)->number, &refer_id);
	if(!in_dialog && !nosub)
		r = result(403, 122);
	else
		r = refer(s, referrer, req, notify, refer_id);
	if(r.code == 202) {
		if(nosub)
			im_kbuf_addf(&h, "Refer-Sub: false\r\n");
		if(!in_dialog)
			im_kbuf_addf(&h, "Supported: norefersub\r\n");
	} else {
		imcf_warning(r.warn, warning, sizeof(warning));
		im_kbuf_addf(&h, "%s", warning);
	}
	*hdrs = im_kbuf_str(&h);
	if(r.code != 202 || !notify)
		return r.code;
	imcf_session_lock(s);
	if(referrer >= 0 && referrer < s->conf.n)
		memcpy(key, s->conf.p[referrer].leg_key, sizeof(key));
	imcf_session_unlock(s);
	if(key[0])
		imcf_dialog_notify_refer(
				key, r.final ? r.final : 100, r.final != 0, refer_id);
	return r.code;
}
