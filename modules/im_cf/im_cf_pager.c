/*
 * The group MESSAGE to the exploder (OMA TS 8.3.1.1, PM-1) and the
 * fan-out MESSAGEs (8.3.2.1, PM-2, RFC 5365 section 7): each recipient
 * gets the message part unmodified, from the sender (PAI, its Privacy),
 * with Accept-Contact: *;+g.oma.sip-im and, when the list shows anyone to
 * it, the list as recipient-list-history (RFC 5364 copy control: bcc
 * entries never appear). They leave through our own terminating function
 * signed as our own hop (im_pf), so that TP-1 and the recipients'
 * registrations apply as to any MESSAGE.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/dprint.h"
#include "core/mem/mem.h"
#include "core/mem/shm_mem.h"
#include "core/parser/parse_content.h"
#include "core/parser/parse_uri.h"
#include "core/forward.h"
#include "core/trim.h"

#include "im_kbuf.h"
#include "im_imdn.h"

#include "im_cf.h"
#include "im_cf_body.h"
#include "im_cf_factory.h"
#include "im_cf_list.h"
#include "im_cf_pager.h"
#include "im_cf_pager_agg.h"
#include "im_cf_pager_send.h"
#include "im_cf_pager_check.h"
#include "im_cpim.h"
#include "im_cf_reply.h"
#include "im_cf_table.h"

#define CT_CPIM "message/cpim"
#define CT_TEXT "text/plain"
#define OPTION_TAG "recipient-list-message"

int imcf_pager_enabled = 1;
int imcf_pager_max_size = 4096;

/* Require: recipient-list-message asked (1); the other option tags
 * required (none is known for a MESSAGE to us) into unknown, comma
 * separated, for the 420's Unsupported. */
static int service_asked(struct sip_msg *msg, char *unknown, int len)
{
	int asked = 0, n = 0;

	unknown[0] = '\0';
	for(struct hdr_field *h = msg->headers; h; h = h->next) {
		const char *p = h->body.s, *end = h->body.s + h->body.len;

		if(h->type != HDR_REQUIRE_T)
			continue;
		while(p < end) {
			const char *q = memchr(p, ',', end - p);
			str tag;

			tag.s = (char *)p;
			tag.len = (int)((q ? q : end) - p);
			trim(&tag);
			if(tag.len == (int)strlen(OPTION_TAG)
					&& strncasecmp(tag.s, OPTION_TAG, tag.len) == 0)
				asked = 1;
			else if(tag.len && n + tag.len + 2 < len)
				n += snprintf(unknown + n, len - n, "%s%.*s", n ? ", " : "",
						tag.len, tag.s);
			p = q ? q + 1 : end;
		}
	}
	return asked;
}

/* The headers of part (the lines between the delimiter before it and the
 * part itself, the blank line included), or an empty str. */
static str part_headers(const str *body, const str *part)
{
	str h = STR_NULL;
	const char *p = part->s;

	/* back to the "--" that starts the delimiter line before the part */
	while(p >= body->s + 2
			&& !(p[-1] == '-' && p[-2] == '-'
					&& (p - 2 == body->s || p[-3] == '\n')))
		p--;
	if(p < body->s + 2)
		return h;
	while(p < part->s && *p != '\n')
		p++;
	if(p < part->s)
		p++;
	h.s = (char *)p;
	h.len = (int)(part->s - p);
	return h;
}

/* The value of Content-Type in part headers, trimmed. */
static str part_type(const str *hdrs)
{
	str v = STR_NULL;
	const char *p = hdrs->s, *end = hdrs->s + hdrs->len;

	while(p < end) {
		const char *eol = memchr(p, '\n', end - p);

		if(!eol)
			break;
		if(eol - p > 13 && strncasecmp(p, "Content-Type:", 13) == 0) {
			v.s = (char *)p + 13;
			v.len = (int)(eol - v.s);
			while(v.len && (*v.s == ' ' || *v.s == '\t')) {
				v.s++;
				v.len--;
			}
			while(v.len && (v.s[v.len - 1] == '\r' || v.s[v.len - 1] == ' '))
				v.len--;
			return v;
		}
		p = eol + 1;
	}
	return v;
}

static int whole_body(struct sip_msg *msg, str *body)
{
	body->s = get_body(msg);
	if(!body->s)
		return -1;
	body->len = (int)(msg->buf + msg->len - body->s);
	if(msg->content_length && get_content_length(msg) < body->len)
		body->len = get_content_length(msg);
	return 0;
}

/* What every recipient gets (RFC 5365 7.3): the message part unmodified
 * and, when the list shows anyone, the list as recipient-list-history. */
static int fanout_body(const str *payload, const str *phdrs,
		const str *history, const char *boundary, im_kbuf_t *b, im_kbuf_t *t)
{
	str ptype = part_type(phdrs);

	if(!history->len) {
		im_kbuf_adds(b, payload);
		im_kbuf_adds(t, &ptype);
		return b->failed || t->failed ? -1 : 0;
	}
	im_kbuf_addf(b, "--%s\r\n", boundary);
	im_kbuf_adds(b, phdrs);
	im_kbuf_adds(b, payload);
	im_kbuf_addf(b,
			"\r\n--%s\r\nContent-Type: " IMCF_CT_RLIST
			"\r\nContent-Disposition: recipient-list-history; "
			"handling=optional\r\n\r\n",
			boundary);
	im_kbuf_adds(b, history);
	im_kbuf_addf(b, "\r\n--%s--\r\n", boundary);
	im_kbuf_addf(t, "multipart/mixed;boundary=\"%s\"", boundary);
	return b->failed || t->failed ? -1 : 0;
}

typedef struct recipient
{
	imcf_pager_job_t *job;
	char uri[IMCF_URI_MAX];
} recipient_t;

static void on_result(int code, void *arg)
{
	recipient_t *r = arg;

	imcf_pager_job_result(r->job, r->uri, code);
	imcf_pager_job_put(r->job);
	shm_free(r);
}

static int already(const imcf_list_t *l, int i)
{
	for(int k = 0; k < i; k++) {
		if(strcmp(l->e[k].uri, l->e[i].uri) == 0)
			return 1;
	}
	return 0;
}

static int distinct(const imcf_list_t *l)
{
	int n = 0;

	for(int i = 0; i < l->n; i++)
		n += !already(l, i);
	return n;
}

/* PM-2: one MESSAGE per distinct recipient; the number sent. */
static int fan_out(imcf_pager_job_t *job, const imcf_list_t *list,
		const str *sender, const str *sender_dn, int anonymous,
		const str *ctype, const str *body)
{
	static str anon_uri = str_init("sip:anonymous@anonymous.invalid");
	static str anon_dn = str_init("Anonymous");
	im_kbuf_t h = {0};
	str hs;
	int sent = 0;

	/* D-4: PAI and From are the sender, or the anonymous form when it
	 * asked for privacy */
	if(anonymous)
		sender = &anon_uri;
	im_kbuf_addf(&h,
			"P-Asserted-Identity: <%.*s>\r\n%s"
			"Accept-Contact: *;+g.oma.sip-im\r\nUser-Agent: " IMCF_SERVER
			"\r\n",
			sender->len, sender->s, anonymous ? "Privacy: id\r\n" : "");
	hs = im_kbuf_str(&h);
	for(int i = 0; hs.len && i < list->n; i++) {
		recipient_t *r;
		str ruri = {(char *)list->e[i].uri, strlen(list->e[i].uri)};

		if(already(list, i))
			continue;
		r = shm_malloc(sizeof(*r));
		if(!r) {
			SHM_MEM_ERROR;
			break;
		}
		r->job = job;
		snprintf(r->uri, sizeof(r->uri), "%s", list->e[i].uri);
		imcf_pager_job_ref(job);
		if(imcf_pager_send(&ruri, sender, anonymous ? &anon_dn : sender_dn,
				   &hs, ctype, body, on_result, r)
				< 0) {
			imcf_pager_job_result(job, r->uri, 500);
			imcf_pager_job_put(job);
			shm_free(r);
			continue;
		}
		sent++;
	}
	im_kbuf_free(&h);
	return sent;
}

/* the option tags of a 420's Unsupported (RFC 3261 8.2.2.3) */
static char unsupported[128];

static int refused(struct sip_msg *msg, const imcf_verdict_t *v,
		const char *why)
{
	char w[256];
	str reason, hdrs;

	LM_INFO("group MESSAGE refused: %d %s (warning %d)%s%s\n", v->code,
			v->reason, v->warn, why[0] ? ": " : "", why);
	imcf_warning(v->warn, w, sizeof(w));
	if(v->code == 420 && v->warn == 0) {
		snprintf(w + strlen(w), sizeof(w) - strlen(w), "Unsupported: %s\r\n",
				unsupported);
	} else if(v->code == 420) {
		/* the service off, or a list the client did not ask to serve: the
		 * tag we do not offer, or the one to ask with */
		snprintf(w + strlen(w), sizeof(w) - strlen(w), "%s",
				imcf_pager_enabled ? "Supported: " OPTION_TAG "\r\n"
								   : "Unsupported: " OPTION_TAG "\r\n");
	}
	reason.s = (char *)v->reason;
	reason.len = strlen(v->reason);
	hdrs.s = w;
	hdrs.len = strlen(w);
	if(imcf_ua.reply(msg, v->code, &reason, hdrs.len ? &hdrs : NULL, NULL,
			   NULL)
			< 0)
		LM_ERR("cannot send %d\n", v->code);
	imcf_stats_inc(IMCF_STAT_REFUSED);
	return IMCF_REFUSED;
}

/* The sender may use this exploder: a user of a domain served here
 * (local policy, PM-1 step 5). */
static int authorised(const str *sender)
{
	struct sip_uri u;

	return parse_uri(sender->s, sender->len, &u) == 0
		   && check_self(&u.host, 0, 0) == 1;
}

static int payload_of(struct sip_msg *msg, str *payload, int *is_cpim)
{
	*is_cpim = 1;
	if(imcf_body_part(msg, CT_CPIM, payload) == 0)
		return 0;
	*is_cpim = 0;
	return imcf_body_part(msg, CT_TEXT, payload) == 0 ? 0 : -1;
}

static int serve(struct sip_msg *msg, const str *factory, imcf_list_t *list,
		char *err, int errlen)
{
	imcf_pager_req_t req;
	imcf_pager_limits_t lim = {imcf_pager_enabled, imcf_allow_anonymity,
			imcf_max_participants, (size_t)imcf_pager_max_size};
	imcf_verdict_t v;
	im_cpim_imdn_t cpim;
	imcf_pager_job_t *job;
	unsigned dn = 0;
	str body, xml, payload = STR_NULL, phdrs = STR_NULL, sender, dname;
	im_kbuf_t b = {0}, t = {0};
	char boundary[48];
	int is_cpim = 0, sent;

	memset(&req, 0, sizeof(req));
	req.list = IMCF_LIST_MISSING;
	if(imcf_originator(msg, &sender, &dname) < 0 || whole_body(msg, &body) < 0)
		return refused(msg, &(imcf_verdict_t){400, "Bad Request", 0, 0}, "");
	req.service_asked =
			service_asked(msg, unsupported, (int)sizeof(unsupported));
	req.unknown_required = unsupported[0] != '\0';
	req.has_payload = payload_of(msg, &payload, &is_cpim) == 0;
	req.payload_len = req.has_payload ? (size_t)payload.len : 0;
	if(imcf_body_part(msg, IMCF_CT_RLIST, &xml) == 0)
		req.list = imcf_list_parse(xml.s, xml.len, list, err, errlen);
	req.n_entries = list->n;
	req.authorised = authorised(&sender);
	req.anonymous = imcf_asks_anonymity(msg);
	if(imcf_check_pager(&req, &lim, &v) < 0)
		return refused(msg, &v, err);
	phdrs = part_headers(&body, &payload);
	if(is_cpim && im_cpim_imdn(payload.s, payload.len, &cpim) == 0
			&& cpim.disposition[0]
			&& im_imdn_disposition_parse(
					   cpim.disposition, strlen(cpim.disposition), &dn)
					   < 0)
		dn = 0;
	if(!is_cpim || !cpim.message_id[0])
		dn = 0; /* nothing to notify about without a Message-ID */
	job = imcf_pager_job_new(&sender, factory, dn ? cpim.message_id : "",
			dn ? cpim.datetime : "", dn, distinct(list));
	if(!job)
		return refused(msg, &(imcf_verdict_t){500, "Server Internal Error", 0, 0},
				"no shm");
	imcf_pager_unique(boundary, sizeof(boundary), "imcf-pager-");
	if(fanout_body(&payload, &phdrs, &list->history, boundary, &b, &t) < 0) {
		imcf_pager_job_put(job);
		im_kbuf_free(&b);
		im_kbuf_free(&t);
		return refused(msg, &(imcf_verdict_t){500, "Server Internal Error", 0, 0},
				"no body");
	}
	body = im_kbuf_str(&b);
	xml = im_kbuf_str(&t);
	sent = fan_out(job, list, &sender, &dname, req.anonymous, &xml, &body);
	imcf_pager_job_put(job);
	im_kbuf_free(&b);
	im_kbuf_free(&t);
	imcf_pager_count_accepted(sent);
	/* step 12, RFC 5365: 202, whatever each recipient will answer */
	if(imcf_ua.reply(msg, 202, &(str)str_init("Accepted"), NULL, NULL, NULL)
			< 0)
		LM_ERR("cannot send 202\n");
	LM_INFO("group MESSAGE of %.*s sent to %d recipients\n", sender.len,
			sender.s, sent);
	return IMCF_HANDLED;
}

int imcf_pager_message(struct sip_msg *msg, const str *factory)
{
	imcf_list_t *list;
	char err[128] = "";
	int ret;

	list = pkg_malloc(sizeof(*list));
	if(!list) {
		PKG_MEM_ERROR;
		return IMCF_REFUSED;
	}
	list->n = 0;
	list->history.s = NULL;
	list->history.len = 0;
	ret = serve(msg, factory, list, err, sizeof(err));
	imcf_list_release(list);
	pkg_free(list);
	return ret;
}

int imcf_pager_init(void)
{
	if(imcf_pager_ts2 < 1 || imcf_pager_max_size < 0) {
		LM_ERR("pager_ts2 must be 1 or more, pager_max_size 0 or more\n");
		return -1;
	}
	return imcf_pager_send_init() < 0 || imcf_pager_agg_init() < 0 ? -1 : 0;
}
