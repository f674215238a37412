#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/dprint.h"
#include "core/dset.h"
#include "core/mem/mem.h"
#include "core/mem/shm_mem.h"
#include "core/parser/contact/parse_contact.h"
#include "core/parser/parse_content.h"
#include "core/parser/parse_from.h"
#include "core/parser/parse_ppi_pai.h"
#include "core/parser/parse_to.h"
#include "core/trim.h"

#include "im_kbuf.h"
#include "im_mime.h"
#include "im_pf.h"
#include "im_pf_checks.h"
#include "im_pf_hop.h"
#include "im_pf_route.h"
#include "im_pf_pai.h"
#include "im_pf_session.h"

#define IMPF_CALL_MAGIC 0x1f5e551fu
#define IMPF_TAG_IM ";+g.oma.sip-im"
#define IMPF_TAG_LARGE ";+g.oma.sip-im.large-message"

/* What the participating function keeps per call (shm, one block). */
typedef struct impf_call {
	unsigned int magic;
	imr_bridge_t bridge;
	int terminating;
	int to_self; /* leg B goes to our own terminating function */
	impf_kind_t kind;
	int privacy_id; /* the INVITE asked for Privacy: id (TP-3) */
	char party_uri[2][256];
	char party_version[2][128];
	char owner[256]; /* whose policy applies to re-INVITEs */
} impf_call_t;

static void span_copy(char *dst, size_t dstlen, const str *s)
{
	snprintf(dst, dstlen, "%.*s", s ? s->len : 0, s && s->s ? s->s : "");
}

void impf_send_refusal(struct sip_msg *msg, const impf_refusal_t *r)
{
	str reason = {(char *)r->reason, strlen(r->reason)};
	str hdrs = {(char *)r->hdrs, strlen(r->hdrs)};

	if(impf_ua.reply(msg, r->code, &reason, hdrs.len ? &hdrs : NULL, NULL, NULL)
			< 0)
		LM_ERR("cannot send %d\n", r->code);
}

int impf_body(struct sip_msg *msg, str *body)
{
	body->s = get_body(msg);
	body->len = body->s ? (int)(msg->buf + msg->len - body->s) : 0;
	if(msg->content_length && get_content_length(msg) < body->len)
		body->len = get_content_length(msg);
	return body->len;
}

/* C-1: P-Asserted-Identity is an assertion only from whom we trust (our
 * own hop, a trusted peer); a user's own PAI asserts nothing (RFC 3325
 * 5), its identity is the From its credentials were checked against. */
int impf_originator(struct sip_msg *msg, str *uri, str *display)
{
	if(parse_headers(msg, HDR_EOH_F, 0) < 0)
		return -1;
	if(msg->pai && impf_trusted_source(msg) && parse_pai_header(msg) == 0
			&& get_pai(msg)
			&& get_pai(msg)->id) {
		*uri = get_pai(msg)->id->uri;
		*display = get_pai(msg)->id->display;
		return 0;
	}
	if(parse_from_header(msg) < 0)
		return -1;
	*uri = get_from(msg)->uri;
	*display = get_from(msg)->display;
	return 0;
}

static int has_tag(struct hdr_field *h, hdr_types_t type, const char *tag)
{
	for(; h; h = h->next) {
		if(h->type == type && impf_contains_nocase(h->body.s, h->body.len, tag))
			return 1;
	}
	return 0;
}

/* The SDP of a message: the whole body or its application/sdp part.
 * 0 found, 1 none, -1 malformed multipart. */
static int find_sdp(struct sip_msg *msg, str *body, str *ctype, str *sdp)
{
	im_span_t ct, b, part;
	int ret;

	impf_body(msg, body);
	ctype->s = NULL;
	ctype->len = 0;
	if(msg->content_type) {
		*ctype = msg->content_type->body;
		trim(ctype);
	}
	sdp->s = NULL;
	sdp->len = 0;
	if(body->len <= 0)
		return 1;
	if(!ctype->len)
		return 1;
	ct.p = ctype->s;
	ct.len = (size_t)ctype->len;
	b.p = body->s;
	b.len = (size_t)body->len;
	ret = im_mime_find(ct, b, "application/sdp", &part);
	if(ret == 0) {
		sdp->s = (char *)part.p;
		sdp->len = (int)part.len;
	}
	return ret;
}

impf_kind_t impf_classify(struct sip_msg *msg, str *sdp)
{
	str body, ctype;

	if(msg->REQ_METHOD == METHOD_MESSAGE)
		return IMPF_KIND_PAGER;
	if(msg->REQ_METHOD != METHOD_INVITE)
		return IMPF_KIND_OTHER;
	if(parse_headers(msg, HDR_EOH_F, 0) < 0)
		return IMPF_KIND_SESSION;
	find_sdp(msg, &body, &ctype, sdp);
	if(has_tag(msg->headers, HDR_ACCEPTCONTACT_T, "+g.oma.sip-im.large-message")
			|| has_tag(msg->headers, HDR_CONTACT_T,
					"+g.oma.sip-im.large-message"))
		return IMPF_KIND_LARGE;
	if(sdp->len && impf_contains_nocase(sdp->s, sdp->len, "a=file-selector"))
		return IMPF_KIND_FILE;
	return IMPF_KIND_SESSION;
}

/* The first Contact URI of msg and whether it carries isfocus. */
static int contact_of(struct sip_msg *msg, str *uri, int *isfocus)
{
	contact_body_t *cb;

	*isfocus = 0;
	if(!msg->contact || parse_contact(msg->contact) < 0)
		return -1;
	cb = (contact_body_t *)msg->contact->parsed;
	if(!cb || !cb->contacts)
		return -1;
	*uri = cb->contacts->uri;
	for(param_t *p = cb->contacts->params; p; p = p->next) {
		if(p->name.len == 7 && strncasecmp(p->name.s, "isfocus", 7) == 0)
			*isfocus = 1;
	}
	return 0;
}

/* The body with its SDP replaced by sdp_out (pkg in *out). */
static int body_with(const str *body, const str *sdp, const str *sdp_out,
		str *out)
{
	im_span_t b = {body->s, (size_t)body->len};
	im_span_t part = {sdp->s, (size_t)sdp->len};
	size_t cap = (size_t)body->len + (size_t)sdp_out->len + 1, n;

	if(sdp->s == body->s && sdp->len == body->len) {
		*out = *sdp_out;
		return 0;
	}
	out->s = pkg_malloc(cap);
	if(!out->s) {
		PKG_MEM_ERROR;
		return -1;
	}
	n = im_mime_splice(b, part, sdp_out->s, (size_t)sdp_out->len, out->s, cap);
	pkg_free(sdp_out->s);
	if(!n) {
		pkg_free(out->s);
		out->s = NULL;
		return -1;
	}
	out->len = (int)n;
	return 0;
}

/* The SIP answer to a media failure: 488 for SDP we cannot take, 503 when
 * no relay answers, 500 for our own faults. */
static int media_code(const imr_err_t *e)
{
	return e->code == 503 || e->code == 500 ? e->code : 488;
}

static const char *media_reason(int code)
{
	return code == 503   ? "Service Unavailable"
		   : code == 500 ? "Server Internal Error"
						 : "Not Acceptable Here";
}

static void media_refusal(imua_out_t *out, const imr_err_t *e)
{
	char w[300];

	out->code = media_code(e);
	out->reason.s = (char *)media_reason(out->code);
	out->reason.len = strlen(out->reason.s);
	snprintf(w, sizeof(w), "Warning: 399 %.*s \"%s\"\r\n",
			impf_warn_agent.len, impf_warn_agent.s, e->text);
	out->hdrs.s = pkg_malloc(strlen(w) + 1);
	if(out->hdrs.s) {
		strcpy(out->hdrs.s, w);
		out->hdrs.len = strlen(w);
	}
}

static void party_of(impf_call_t *pc, int side, imr_party_t *p)
{
	memset(p, 0, sizeof(*p));
	p->uri.s = pc->party_uri[side];
	p->uri.len = strlen(pc->party_uri[side]);
	p->version.s = pc->party_version[side];
	p->version.len = strlen(pc->party_version[side]);
}

/*
 * An offer (is_offer) from party `from`, or the answer to the offer it
 * made, goes through the relay: out gets the body for the other side, or
 * the refusal.
 */
static int through_relay(impf_call_t *pc, int from, int is_offer,
		struct sip_msg *msg, imua_out_t *out)
{
	str body, ctype, sdp, sdp_out;
	imr_party_t pf, pt;
	imr_err_t e;
	int ret;

	if(find_sdp(msg, &body, &ctype, &sdp) != 0) {
		imr_err_t none = {488, "no SDP"};
		media_refusal(out, &none);
		return -1;
	}
	party_of(pc, from, &pf);
	party_of(pc, 1 - from, &pt);
	ret = is_offer ? impf_relay.offer(
						  &pc->bridge, from, &sdp, &pf, &pt, &sdp_out, &e)
				   : impf_relay.answer(&pc->bridge, from, &sdp, &pt, &sdp_out, &e);
	if(ret < 0) {
		media_refusal(out, &e);
		return -1;
	}
	if(body_with(&body, &sdp, &sdp_out, &out->body) < 0) {
		out->code = 500;
		return -1;
	}
	out->ctype = ctype;
	return 0;
}

/* Leg B answered: the relay completes its legs, leg A gets the answer. */
static int hook_answered(
		imua_call_t *c, void *app, struct sip_msg *rpl, imua_out_t *out)
{
	impf_call_t *pc = app;
	str uri, v;
	im_kbuf_t h = {0};
	int isfocus;

	(void)c;
	if(parse_headers(rpl, HDR_EOH_F, 0) < 0)
		return -1;
	if(rpl->server) {
		v = rpl->server->body;
		trim(&v);
		span_copy(pc->party_version[1], sizeof(pc->party_version[1]), &v);
	}
	if(through_relay(pc, 0, 0, rpl, out) < 0)
		return 0;
	/* the answerer's asserted identity goes on (TP-3: PAI of the client's
	 * 200 towards the CF), and the privacy it asked for */
	if(rpl->pai)
		im_kbuf_add(&h, rpl->pai->name.s, rpl->pai->len);
	if(pc->terminating && pc->privacy_id)
		im_kbuf_addf(&h, "Privacy: id\r\n");
	out->hdrs = im_kbuf_str(&h);
	/* D-9: a focus is announced by a Contact that still resolves to it
	 * after this call, with isfocus kept */
	if(!pc->terminating && contact_of(rpl, &uri, &isfocus) == 0 && isfocus) {
		char alias[600];
		if(impf_focus_alias(&uri, alias, sizeof(alias)) == 0) {
			out->contact_user.s = pkg_malloc(strlen(alias) + 1);
			out->contact_params.s = pkg_malloc(64);
			if(out->contact_user.s && out->contact_params.s) {
				strcpy(out->contact_user.s, alias);
				out->contact_user.len = strlen(alias);
				out->contact_params.len = snprintf(out->contact_params.s, 64,
						"%s;isfocus",
						pc->kind == IMPF_KIND_LARGE ? IMPF_TAG_LARGE
													: IMPF_TAG_IM);
			}
		}
	}
	return 0;
}

/* OP-4 / TP-4: a new offer inside the call, checked against the policy
 * again, then through the relay. */
static int hook_reoffer(imua_call_t *c, void *app, int from,
		struct sip_msg *req, imua_out_t *out)
{
	impf_call_t *pc = app;
	str body, ctype, sdp, owner;
	impf_policy_t pol;
	impf_refusal_t r;

	(void)c;
	find_sdp(req, &body, &ctype, &sdp);
	owner.s = pc->owner;
	owner.len = strlen(pc->owner);
	if(impf_policy_load(&owner, &pol) == 0
			&& impf_check_sdp(&pol, pc->kind, &sdp, &r) < 0) {
		out->code = r.code;
		out->reason.s = "Not Acceptable Here";
		out->reason.len = strlen(out->reason.s);
		out->hdrs.s = pkg_malloc(strlen(r.hdrs) + 1);
		if(out->hdrs.s) {
			strcpy(out->hdrs.s, r.hdrs);
			out->hdrs.len = strlen(r.hdrs);
		}
		return 0;
	}
	through_relay(pc, from, 1, req, out);
	return 0;
}

static int hook_reanswer(imua_call_t *c, void *app, int from,
		struct sip_msg *rpl, imua_out_t *out)
{
	(void)c;
	through_relay(app, from, 0, rpl, out);
	return 0;
}

static void hook_ended(imua_call_t *c, void *app, const char *reason)
{
	impf_call_t *pc = app;

	(void)c;
	LM_DBG("session %s ended: %s\n", pc->bridge.session, reason);
	impf_relay.bridge_close(&pc->bridge);
	shm_free(pc);
}

/* Leg B to ourselves proves where it comes from with a signed marker;
 * to anyone else it carries none. */
static int hook_leg_b_headers(void *app, const imua_leg_id_t *id, str *hdrs)
{
	impf_call_t *pc = app;

	return pc->to_self ? impf_hop_header(id, hdrs) : 0;
}

static const imua_hooks_t impf_hooks = {hook_answered, hook_reoffer,
		hook_reanswer, hook_ended, hook_leg_b_headers};

/* Leg B's headers: what crosses unchanged, plus the identity and the
 * feature tags the OMA procedures ask for (OP-3, TP-3). */
static int leg_b_headers(struct sip_msg *msg, impf_kind_t kind,
		const str *orig_uri, const str *orig_display, im_kbuf_t *h)
{
	str copied = STR_NULL;
	const char *tag = kind == IMPF_KIND_LARGE ? "+g.oma.sip-im.large-message"
											  : "+g.oma.sip-im";

	if(impf_ua.copy_headers(msg,
			   (1ULL << HDR_PAI_T) | (1ULL << HDR_PPI_T)
					   | (1ULL << HDR_ACCEPTCONTACT_T),
			   &copied)
			< 0)
		return -1;
	im_kbuf_adds(h, &copied);
	if(copied.s)
		pkg_free(copied.s);
	/* C-1: the originator as asserted (by the core, or by our own
	 * authentication of a served user) */
	if(orig_uri->len)
		impf_pai_add(h, orig_uri, orig_display);
	if(has_tag(msg->headers, HDR_ACCEPTCONTACT_T, tag)) {
		for(struct hdr_field *a = msg->headers; a; a = a->next) {
			if(a->type == HDR_ACCEPTCONTACT_T)
				im_kbuf_add(h, a->name.s, a->len);
		}
	} else {
		im_kbuf_addf(h, "Accept-Contact: *;%s\r\n", tag);
	}
	return h->failed ? -1 : 0;
}

int impf_b2bua(struct sip_msg *msg, int terminating, int to_self,
		impf_kind_t kind, const str *next_hop)
{
	imua_target_t targets[IMPF_MAX_CONTACTS];
	int ntargets = 0;
	impf_call_t *pc = NULL;
	str body, ctype, sdp, sdp_out = STR_NULL, body_out = STR_NULL;
	str orig_uri, orig_dname, ruri, contact_uri;
	struct to_body *from, *to;
	imr_party_t pa, pb;
	imr_err_t e;
	imua_invite_t inv;
	imua_out_t rej;
	im_kbuf_t h = {0};
	char key[32], focus_user[600];
	int ret, isfocus = 0;
	impf_refusal_t r;

	memset(&rej, 0, sizeof(rej));
	if(parse_headers(msg, HDR_EOH_F, 0) < 0 || parse_from_header(msg) < 0
			|| !msg->to || impf_originator(msg, &orig_uri, &orig_dname) < 0) {
		impf_refuse(&r, 400, "Bad Request", 0, NULL);
		impf_send_refusal(msg, &r);
		return -1;
	}
	ret = find_sdp(msg, &body, &ctype, &sdp);
	if(ret != 0) {
		impf_refuse(&r, ret < 0 ? 400 : 488,
				ret < 0 ? "Bad Request" : "Not Acceptable Here", 0, NULL);
		impf_refusal_warning(&r, ret < 0 ? "malformed multipart body"
										 : "an MSRP SDP offer is required");
		impf_send_refusal(msg, &r);
		return -1;
	}
	from = get_from(msg);
	to = get_to(msg);
	pc = shm_malloc(sizeof(*pc));
	if(!pc || impf_ua.new_key(key, sizeof(key)) < 0) {
		SHM_MEM_ERROR;
		impf_refuse(&r, 500, "Server Internal Error", 0, NULL);
		impf_send_refusal(msg, &r);
		if(pc)
			shm_free(pc);
		return -1;
	}
	memset(pc, 0, sizeof(*pc));
	pc->magic = IMPF_CALL_MAGIC;
	pc->terminating = terminating;
	pc->to_self = to_self;
	pc->kind = kind;
	pc->privacy_id = msg->privacy
					 && impf_contains_nocase(msg->privacy->body.s,
							 msg->privacy->body.len, "id");
	span_copy(pc->party_uri[0], sizeof(pc->party_uri[0]), &orig_uri);
	span_copy(pc->party_uri[1], sizeof(pc->party_uri[1]), &to->uri);
	if(msg->user_agent) {
		str v = msg->user_agent->body;
		trim(&v);
		span_copy(pc->party_version[0], sizeof(pc->party_version[0]), &v);
	}
	span_copy(pc->owner, sizeof(pc->owner),
			terminating ? &to->uri : &orig_uri);

	if(impf_relay.bridge_open(&pc->bridge, key, &e) < 0)
		goto media_failed;
	party_of(pc, 0, &pa);
	party_of(pc, 1, &pb);
	if(impf_relay.offer(&pc->bridge, 0, &sdp, &pa, &pb, &sdp_out, &e) < 0)
		goto media_failed;
	if(body_with(&body, &sdp, &sdp_out, &body_out) < 0) {
		impf_refuse(&r, 500, "Server Internal Error", 0, NULL);
		goto refused;
	}
	if(leg_b_headers(msg, kind, &orig_uri, &orig_dname, &h) < 0) {
		impf_refuse(&r, 500, "Server Internal Error", 0, NULL);
		goto refused;
	}

	memset(&inv, 0, sizeof(inv));
	inv.key.s = key;
	inv.key.len = strlen(key);
	ruri = *GET_RURI(msg);
	inv.ruri = ruri;
	if(next_hop)
		inv.dst_uri = *next_hop;
	/* TP-3 towards every registered contact, one after the other while
	 * they do not answer (serial forking, im_ua) */
	if(terminating) {
		ntargets = impf_ua.request_targets(
				msg, next_hop, targets, IMPF_MAX_CONTACTS);
		inv.ruri = targets[0].ruri;
		inv.dst_uri = targets[0].dst_uri;
		inv.next_targets = targets + 1;
		inv.n_next_targets = ntargets - 1;
	}
	inv.from_uri = from->uri;
	inv.from_dname = from->display;
	inv.to_uri = to->uri;
	inv.to_dname = to->display;
	inv.hdrs = im_kbuf_str(&h);
	inv.body = body_out;
	inv.ctype = ctype;
	inv.contact_params_a.s =
			kind == IMPF_KIND_LARGE ? IMPF_TAG_LARGE : IMPF_TAG_IM;
	inv.contact_params_a.len = strlen(inv.contact_params_a.s);
	/* TP-3: isfocus is carried when the inviting side is a focus (D-9) */
	if(terminating && contact_of(msg, &contact_uri, &isfocus) == 0 && isfocus
			&& impf_focus_alias(&contact_uri, focus_user, sizeof(focus_user))
					   == 0) {
		inv.contact_user_b.s = focus_user;
		inv.contact_user_b.len = strlen(focus_user);
		inv.contact_params_b.s = kind == IMPF_KIND_LARGE
										 ? IMPF_TAG_LARGE ";isfocus"
										 : IMPF_TAG_IM ";isfocus";
	} else {
		inv.contact_params_b.s = (char *)inv.contact_params_a.s;
	}
	inv.contact_params_b.len = strlen(inv.contact_params_b.s);
	inv.se_b = (unsigned int)impf_session_expires;
	inv.refresher_b_uas = terminating;
	inv.refresher_a = terminating ? IMUA_PREF_UAS : IMUA_PREF_UAC;
	inv.hooks = &impf_hooks;
	inv.app = pc;

	ret = impf_ua.b2b_invite(msg, &inv, key, sizeof(key), &rej);
	im_kbuf_free(&h);
	if(body_out.s)
		pkg_free(body_out.s);
	if(ret == 1)
		return 1;
	impf_relay.bridge_close(&pc->bridge);
	shm_free(pc);
	if(ret == 0)
		return 0;
	impf_ua.reply(msg, rej.code ? rej.code : 500,
			rej.reason.len ? &rej.reason
						   : &(str)str_init("Server Internal Error"),
			rej.hdrs.len ? &rej.hdrs : NULL, NULL, NULL);
	impf_ua.out_free(&rej);
	return -1;

media_failed:
	impf_refuse(&r, media_code(&e), media_reason(media_code(&e)), 0, NULL);
	impf_refusal_warning(&r, e.text);
refused:
	im_kbuf_free(&h);
	if(body_out.s)
		pkg_free(body_out.s);
	impf_relay.bridge_close(&pc->bridge);
	shm_free(pc);
	impf_send_refusal(msg, &r);
	return -1;
}

static int end_on_relay(imua_call_t *c, void *app, void *arg)
{
	impf_call_t *pc = app;

	if(pc && pc->magic == IMPF_CALL_MAGIC && pc->bridge.relay == *(int *)arg)
		impf_ua.end(c, "MSRP relay lost");
	return 0;
}

void impf_media_watch(
		int relay, const char *what, const char *session, const char *leg)
{
	str key;

	if(strcmp(what, "relay_lost") == 0) {
		impf_ua.foreach(end_on_relay, &relay);
		return;
	}
	if(!session)
		return;
	key.s = (char *)session;
	key.len = strlen(session);
	LM_INFO("session %s: %s on leg %s, ending its call\n", session, what,
			leg ? leg : "?");
	impf_ua.terminate(&key, what);
}
