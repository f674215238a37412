#include <stdio.h>
#include <string.h>

#include "core/dprint.h"
#include "core/mem/mem.h"
#include "core/parser/msg_parser.h"

#include "im_kbuf.h"
#include "im_sdp.h"
#include "im_shm_str.h"

#include "im_cf.h"
#include "im_cf_accept.h"
#include "im_cf_alias.h"
#include "im_cf_reply.h"
#include "im_cf_body.h"
#include "im_cf_dialog.h"
#include "im_cf_hop.h"
#include "im_cf_ident.h"
#include "im_cf_large.h"
#include "im_cf_nni.h"
#include "im_cf_policy.h"

/* set by mod_init (im_cf_hooks.c): what becomes of our dialogs */
static const imua_dlg_hooks_t *hooks;

void imcf_dialog_set_hooks(const imua_dlg_hooks_t *h)
{
	hooks = h;
}

str imcf_cstr(const char *s)
{
	str r = {(char *)s, (int)strlen(s)};
	return r;
}

/* Our Contact's user part: the identity's (sip:<user>@...), a view into
 * the session, which outlives the call that uses it. */
static str contact_user(const imcf_session_t *s)
{
	str u = imcf_cstr(s->conf.identity);
	char *at = memchr(u.s, '@', u.len);

	if(u.len > 4 && at) {
		u.s += 4;
		u.len = (int)(at - u.s);
	}
	return u;
}

/* Who the participant is for the relay's CPIM checks (MS-3): its alias
 * when anonymous (MS-2); its version, for private messages (MS-4, UP-3),
 * is the product token of the next hop's msg (Server in a reply, else
 * User-Agent). */
imr_party_t imcf_party_of(const imcf_participant_t *p, struct sip_msg *msg)
{
	imr_party_t party;
	struct hdr_field *h = NULL;

	party.uri = imcf_cstr(p->alias_uri[0] ? p->alias_uri : p->uri);
	party.display = imcf_cstr(p->alias_uri[0] ? p->alias_display : p->display);
	party.version.s = NULL;
	party.version.len = 0;
	if(msg && parse_headers(msg, HDR_EOH_F, 0) == 0)
		h = msg->server ? msg->server : msg->user_agent;
	if(h)
		party.version = h->body;
	return party;
}

static void leg_id(int idx, char *buf, int len)
{
	imcf_leg_name(idx, buf, (size_t)len);
}

/* A fresh im_ua key, recorded as participant idx's before the dialog
 * exists: its hooks may run in another process as soon as it does. */
static int assign_key(imcf_session_t *s, int idx, char *key, int keylen)
{
	if(imcf_ua.new_key(key, keylen) < 0)
		return -1;
	imcf_session_lock(s);
	snprintf(s->conf.p[idx].leg_key, sizeof(s->conf.p[idx].leg_key), "%s", key);
	imcf_session_unlock(s);
	return 0;
}

int imcf_media_code(const imr_err_t *e)
{
	return e->code == 503 || e->code == 500 ? e->code : 488;
}

/* Opens the UAS dialog of msg for participant idx and accepts its SDP on
 * the relay; *answer (pkg) is our SDP answer. 1, 0 (retransmission), -1
 * (refused and answered). */
static int open_uas(imcf_session_t *s, int idx, struct sip_msg *msg,
		const str *sdp, str *answer)
{
	imcf_participant_t p;
	imua_uas_t uas;
	imua_out_t rej;
	imr_party_t party;
	imr_err_t e;
	char key[IMCF_KEY_MAX], leg[IMR_LEG_ID_MAX];
	int ret;

	if(assign_key(s, idx, key, sizeof(key)) < 0) {
		imcf_refuse(msg, 500, 0);
		return -1;
	}
	imcf_session_lock(s);
	p = s->conf.p[idx];
	imcf_session_unlock(s);
	memset(&uas, 0, sizeof(uas));
	memset(&rej, 0, sizeof(rej));
	uas.key = imcf_cstr(key);
	uas.contact_user = contact_user(s);
	uas.contact_params = imcf_cstr(IMCF_FEATURE_TAGS);
	uas.contact_host = imcf_nni_contact_host(s, p.uri);
	uas.refresher = IMUA_PREF_UAC; /* CF-1, CF-10: refresher=uac */
	uas.hooks = hooks;
	uas.app = s;
	imcf_session_ref(s); /* the dialog's, dropped by on_ended */
	ret = imcf_ua.uas_open(msg, &uas, key, sizeof(key), &rej);
	if(ret != 1) {
		imcf_session_lock(s);
		s->conf.p[idx].leg_key[0] = '\0'; /* no dialog: no ended hook */
		imcf_session_unlock(s);
		imcf_session_put(s);
		if(ret < 0 && rej.code)
			imcf_ua.reply(msg, rej.code, &rej.reason, &rej.hdrs, NULL, NULL);
		imcf_ua.out_free(&rej);
		return ret < 0 ? -1 : 0;
	}
	party = imcf_party_of(&p, msg);
	leg_id(idx, leg, sizeof(leg));
	if(imcf_relay.leg_accept(
			   &s->relay, &s->legs[idx], leg, sdp, &party, answer, &e)
			< 0) {
		int code = imcf_media_code(&e);
		imcf_verdict_t v;
		char w[256];
		str reason, warning, none = STR_NULL;

		LM_INFO("session %s: %s's SDP refused: %s\n", s->conf.id, p.uri,
				e.text);
		imcf_verdict_of(code, 0, &v);
		reason = imcf_cstr(v.reason);
		imcf_warning_text(e.text, w, sizeof(w));
		warning = imcf_cstr(w);
		imcf_ua.uas_answer(&uas.key, code, &reason, &warning, &none, &none);
		return -1;
	}
	imcf_session_lock(s);
	s->conf.p[idx].takes_multipart = imcf_sdp_takes_multipart(sdp->s, sdp->len);
	imcf_session_unlock(s);
	return 1;
}

int imcf_dialog_originator(
		imcf_session_t *s, struct sip_msg *msg, const str *sdp)
{
	str answer = STR_NULL;
	im_sdp_msrp_t m;
	const char *err;
	int no_msrp, ret = open_uas(s, 0, msg, sdp, &answer);

	if(ret != 1)
		return ret;
	/* the relay took the SDP: it parses */
	if(im_sdp_parse_msrp(sdp->s, (size_t)sdp->len, &m, &no_msrp, &err) < 0)
		m.accept_wrapped_types.len = 0;
	imcf_session_lock(s);
	ret = im_shm_str_set(&s->answer, answer.s, answer.len);
	if(ret == 0)
		ret = im_shm_str_set(&s->offered_wrapped, m.accept_wrapped_types.p,
				(int)m.accept_wrapped_types.len);
	imcf_session_unlock(s);
	pkg_free(answer.s);
	return ret < 0 ? -1 : 1;
}

str imcf_dialog_answer_hdrs(const imcf_session_t *s, char *buf, size_t n)
{
	snprintf(buf, n, "P-Asserted-Identity: <%s>\r\nServer: " IMCF_SERVER "\r\n",
			s->factory);
	return imcf_cstr(buf);
}

void imcf_answer_wrapped_from_offer(str *answer, const str *offer)
{
	im_sdp_msrp_t m;
	const char *err;
	char *out;
	size_t cap;
	int no_msrp, n;

	if(!answer->s
			|| im_sdp_parse_msrp(offer->s, (size_t)offer->len, &m, &no_msrp, &err)
					   < 0
			|| !m.accept_wrapped_types.len)
		return;
	cap = (size_t)answer->len + m.accept_wrapped_types.len + 1;
	out = pkg_malloc(cap);
	if(!out) {
		PKG_MEM_ERROR;
		return;
	}
	n = imcf_sdp_set_wrapped(answer->s, (size_t)answer->len,
			m.accept_wrapped_types.p, m.accept_wrapped_types.len, out, cap);
	if(n < 0) {
		pkg_free(out);
		return;
	}
	pkg_free(answer->s);
	answer->s = out;
	answer->len = n;
}

int imcf_dialog_accept(imcf_session_t *s, int idx, struct sip_msg *msg)
{
	str sdp, answer = STR_NULL, key, reason = str_init("OK");
	char h[IMCF_URI_MAX + 64];
	str hdrs = imcf_dialog_answer_hdrs(s, h, sizeof(h));
	str ctype = str_init(IMCF_CT_SDP);
	char k[IMCF_KEY_MAX];
	int ret;

	if(imcf_body_part(msg, IMCF_CT_SDP, &sdp) != 0) {
		imcf_refuse(msg, 488, 0);
		return -1;
	}
	if(open_uas(s, idx, msg, &sdp, &answer) != 1)
		return -1;
	imcf_session_lock(s);
	snprintf(k, sizeof(k), "%s", s->conf.p[idx].leg_key);
	imcf_session_unlock(s);
	key = imcf_cstr(k);
	imcf_answer_wrapped_from_offer(&answer, &sdp);
	ret = imcf_ua.uas_answer(&key, 200, &reason, &hdrs, &ctype, &answer);
	pkg_free(answer.s);
	return ret < 0 ? -1 : 0;
}

int imcf_dialog_notify_refer(
		const char *key, int code, int final, unsigned int refer_id)
{
	imcf_verdict_t v;
	char frag[64], h[128];
	str k = imcf_cstr(key), method = str_init("NOTIFY"), hdrs;
	str ctype = str_init("message/sipfrag"), body;

	/* RFC 3515 2.4.6: id= tells a referrer with several REFERs in the
	 * dialog which one this NOTIFY is about */
	snprintf(h, sizeof(h), "Event: refer;id=%u\r\nSubscription-State: %s\r\n",
			refer_id,
			final ? "terminated;reason=noresource" : "active;expires=60");
	hdrs = imcf_cstr(h);

	imcf_verdict_of(code, 0, &v);
	snprintf(frag, sizeof(frag), "SIP/2.0 %d %s\r\n", code,
			v.reason ? v.reason : "");
	body = imcf_cstr(frag);
	if(imcf_ua.dlg_request(&k, &method, &hdrs, &ctype, &body, NULL, NULL) < 0) {
		LM_WARN("cannot NOTIFY the referrer in dialog %s\n", key);
		return -1;
	}
	return 0;
}

/* CF-12, NNI-14, D-4: who invites, and how to reach the focus. */
static int invitation_headers(
		const imcf_participant_t *inviter, int large, im_kbuf_t *h)
{
	const char *uri = inviter->alias_uri[0] ? inviter->alias_uri : inviter->uri;
	const char *dn =
			inviter->alias_uri[0] ? inviter->alias_display : inviter->display;

	if(dn[0])
		im_kbuf_addf(h, "P-Asserted-Identity: \"%s\" <%s>\r\n", dn, uri);
	else
		im_kbuf_addf(h, "P-Asserted-Identity: <%s>\r\n", uri);
	im_kbuf_addf(h, "Referred-By: <%s>\r\n", uri);
	if(inviter->alias_uri[0])
		im_kbuf_addf(h, "Privacy: id\r\n");
	im_kbuf_addf(h,
			"Accept-Contact: *%s\r\n"
			"User-Agent: " IMCF_SERVER "\r\n",
			imcf_large_accept_tags(large));
	return h->failed ? -1 : 0;
}

int imcf_dialog_invite(imcf_session_t *s, int idx, const char *replaces)
{
	imcf_participant_t p, inviter;
	imua_uac_t uac;
	imr_party_t party;
	imr_err_t e;
	im_kbuf_t h = {0};
	str offer = STR_NULL, list = STR_NULL, sender_offer, body, ctype;
	char key[IMCF_KEY_MAX], leg[IMR_LEG_ID_MAX], boundary[64];
	int allocated = 0, ret = -1, o = 0, large;

	imcf_session_lock(s);
	p = s->conf.p[idx];
	/* D-4: the inviter is the referrer of a REFER, else the originator */
	if(p.invited_by >= 0 && p.invited_by < s->conf.n)
		o = p.invited_by;
	else
		while(o < s->conf.n && !s->conf.p[o].originator)
			o++;
	inviter = s->conf.p[o < s->conf.n ? o : 0];
	list = s->list;
	large = s->large_message;
	sender_offer = s->sender_offer;
	imcf_session_unlock(s);
	/* CF-7 step 2: a referrer that asked for privacy and has no alias is
	 * named to this invitee only as the RFC 3323 anonymous identity */
	if(p.inviter_hidden && !inviter.alias_uri[0]) {
		snprintf(inviter.alias_uri, sizeof(inviter.alias_uri),
				"sip:anonymous@" IMCF_ALIAS_DOMAIN);
		snprintf(inviter.alias_display, sizeof(inviter.alias_display),
				"Anonymous");
	}

	party = imcf_party_of(&p, NULL);
	leg_id(idx, leg, sizeof(leg));
	if(imcf_relay.leg_offer(
			   &s->relay, &s->legs[idx], leg, &party, 0,
			   imcf_large_direction(large),
			   sender_offer.s ? &sender_offer : NULL, &offer, &e)
			< 0) {
		LM_ERR("session %s: no relay leg for %s: %s\n", s->conf.id, p.uri,
				e.text);
		return -1;
	}
	snprintf(boundary, sizeof(boundary), "imcf-%s-%d", s->conf.id, idx);
	if(replaces && replaces[0]) {
		/* App L: the inviter named its dialog as its own side knows it;
		 * im_ua follows it through the participating functions' B2BUA
		 * calls on this node to the invitee's side (a next domain maps
		 * the rest on arrival) */
		char mapped[640];
		str r = {(char *)replaces, (int)strlen(replaces)};
		str asker = {inviter.uri, (int)strlen(inviter.uri)};

		if(imcf_ua.map_replaces(&r, &asker, mapped, sizeof(mapped)) < 0)
			snprintf(mapped, sizeof(mapped), "%s", replaces);
		im_kbuf_addf(&h, "Replaces: %s\r\nRequire: replaces\r\n", mapped);
	}
	if(invitation_headers(&inviter, large, &h) < 0
			|| imcf_body_invitation(
					   &offer, &list, boundary, &body, &ctype, &allocated)
					   < 0
			|| assign_key(s, idx, key, sizeof(key)) < 0)
		goto done;

	memset(&uac, 0, sizeof(uac));
	uac.key = imcf_cstr(key);
	uac.ruri = imcf_cstr(p.uri);
	uac.dst_uri = imcf_next_hop();
	/* D-4: From is the inviter, or its alias when anonymous */
	uac.from_uri =
			imcf_cstr(inviter.alias_uri[0] ? inviter.alias_uri : inviter.uri);
	uac.from_dname = imcf_cstr(
			inviter.alias_uri[0] ? inviter.alias_display : inviter.display);
	uac.to_uri = imcf_cstr(p.uri);
	uac.to_dname = imcf_cstr(p.display);
	uac.hdrs = im_kbuf_str(&h);
	uac.body = body;
	uac.ctype = ctype;
	uac.contact_user = contact_user(s);
	uac.contact_params = imcf_large_contact_params(large); /* D-28 */
	uac.contact_host = imcf_nni_contact_host(s, p.uri);
	uac.se = imcf_session_expires;
	uac.refresher_uas = 1; /* CF-12 */
	uac.hooks = hooks;
	uac.app = s;
	imcf_session_ref(s); /* the dialog's, dropped by on_ended */
	if(imcf_ua.uac_invite(&uac, key, sizeof(key)) < 0) {
		imcf_session_put(s);
		LM_ERR("session %s: cannot invite %s\n", s->conf.id, p.uri);
		goto done;
	}
	ret = 0;
done:
	if(allocated) {
		pkg_free(body.s);
		pkg_free(ctype.s);
	}
	im_kbuf_free(&h);
	pkg_free(offer.s);
	return ret;
}
