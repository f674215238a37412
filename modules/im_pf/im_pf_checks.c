#include <time.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/dprint.h"
#include "core/parser/msg_parser.h"
#include "core/parser/parse_privacy.h"
#include "core/trim.h"

#include "im_pf_cache.h"
#include "im_pf_checks.h"
#include "im_pf_ts1.h"
#include "im_pf_validity.h"
#include "im_pf_db.h"
#include "im_pf_policy.h"
#include "im_pf_settings.h"
#include "im_sdp.h"
#include "im_uri.h"

const char *impf_kind_media(impf_kind_t k)
{
	switch(k) {
		case IMPF_KIND_PAGER:
			return "pager-mode-message";
		case IMPF_KIND_SESSION:
			return "message-session";
		case IMPF_KIND_FILE:
			return "file-transfer";
		case IMPF_KIND_LARGE:
			return "large-message";
		default:
			return "other";
	}
}

int impf_policy_load(const str *user, impf_policy_t *p)
{
	static const char *keys[] = {"scope"};
	static const char *cols[] = {"name", "value"};

	/* the operator's part from memory; the database only for a user who
	 * has rows of his own */
	impf_cache_operator_policy(p);
	if(impf_cache_has_policy(user)
			&& impf_db_select("im_policy", keys, user, 1, cols, 2,
					   impf_policy_apply, p)
					   < 0)
		return -1;
	return 0;
}

/* Is type (e.g. "text/plain") in the comma separated list? A "text/"
 * family wildcard and "*" cover more than one type. */
static int type_allowed(const char *list, const char *type, size_t tlen)
{
	const char *p = list;

	while(*p) {
		const char *e;
		size_t n;

		while(*p == ' ' || *p == ',')
			p++;
		e = p;
		while(*e && *e != ',')
			e++;
		n = (size_t)(e - p);
		while(n && p[n - 1] == ' ')
			n--;
		if(n == 1 && p[0] == '*')
			return 1;
		if(n == tlen && strncasecmp(p, type, n) == 0)
			return 1;
		if(n >= 2 && p[n - 1] == '*' && p[n - 2] == '/'
				&& tlen >= n - 1 && strncasecmp(p, type, n - 1) == 0)
			return 1;
		p = e;
	}
	return 0;
}

static int pager_check(
		struct sip_msg *msg, const impf_policy_t *p, impf_refusal_t *r)
{
	str ct = STR_NULL;
	const char *semi;

	if(!p->pager_types[0])
		return 0;
	if(parse_headers(msg, HDR_CONTENTTYPE_F, 0) == 0 && msg->content_type) {
		ct = msg->content_type->body;
		trim(&ct);
	}
	semi = ct.len ? memchr(ct.s, ';', ct.len) : NULL;
	if(semi)
		ct.len = (int)(semi - ct.s);
	trim(&ct);
	if(ct.len && type_allowed(p->pager_types, ct.s, (size_t)ct.len))
		return 0;
	impf_refuse(r, 415, "Unsupported Media Type", 0, NULL);
	impf_refusal_header(r, "Accept: %s\r\n", p->pager_types);
	return -1;
}

/* The file-selector size (RFC 5547), -1 when not given. */
static long long selector_size(const char *sdp, size_t len)
{
	const char *p = sdp, *end = sdp + len;

	while(p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		if(le - p > 16 && strncmp(p, "a=file-selector:", 16) == 0) {
			for(const char *q = p + 16; q + 5 <= le; q++) {
				if(strncasecmp(q, "size:", 5) == 0)
					return strtoll(q + 5, NULL, 10);
			}
		}
		p = nl ? nl + 1 : end;
	}
	return -1;
}

int impf_check_sdp(const impf_policy_t *p, impf_kind_t kind, const str *sdp,
		impf_refusal_t *r)
{
	im_sdp_msrp_t m;
	const char *why = NULL;
	int no_msrp = 0, ok = 0;
	char text[300];

	if(!sdp || !sdp->len)
		return 0;
	if(im_sdp_parse_msrp(sdp->s, (size_t)sdp->len, &m, &no_msrp, &why) < 0)
		return 0; /* the media layer answers malformed SDP itself */
	if(p->session_types[0]) {
		const char *t = m.accept_types.p, *end = t + m.accept_types.len;
		while(t < end && !ok) {
			const char *e = t;
			while(e < end && *e != ' ')
				e++;
			if(e > t && type_allowed(p->session_types, t, (size_t)(e - t)))
				ok = 1;
			t = e < end ? e + 1 : end;
		}
		if(!ok) {
			impf_refuse(r, 488, "Not Acceptable Here", 0, NULL);
			snprintf(text, sizeof(text), "305 content not allowed; supported: %s",
					p->session_types);
			impf_refusal_warning(r, text);
			return -1;
		}
	}
	if(p->max_size >= 0) {
		long long size = kind == IMPF_KIND_FILE
								 ? selector_size(sdp->s, (size_t)sdp->len)
								 : m.max_size;
		if((kind == IMPF_KIND_FILE || kind == IMPF_KIND_LARGE)
				&& size > p->max_size) {
			impf_refuse(r, 488, "Not Acceptable Here", 0, NULL);
			snprintf(text, sizeof(text), "306 size not allowed; max-size %lld",
					p->max_size);
			impf_refusal_warning(r, text);
			return -1;
		}
	}
	return 0;
}

/* OP-1 step 4, TP-1 step 3: what the content and size policy says. */
static int content_check(struct sip_msg *msg, const impf_policy_t *p,
		impf_kind_t kind, const str *sdp, impf_refusal_t *r)
{
	if(kind == IMPF_KIND_PAGER)
		return pager_check(msg, p, r);
	if(kind == IMPF_KIND_SESSION || kind == IMPF_KIND_FILE
			|| kind == IMPF_KIND_LARGE)
		return impf_check_sdp(p, kind, sdp, r);
	return 0;
}

/* Content first (OP-1 step 4, TP-1 step 3), then a MESSAGE's validity
 * (OP-10 step 3, TP-1 step 4, MSG-05). */
static int content_and_validity(struct sip_msg *msg, const impf_policy_t *p,
		impf_kind_t kind, const str *sdp, int terminating, impf_refusal_t *r)
{
	if(content_check(msg, p, kind, sdp, r) < 0)
		return -1;
	if(kind != IMPF_KIND_PAGER)
		return 0;
	return impf_check_validity(msg, terminating, time(NULL), r);
}

static int policy_failed(impf_refusal_t *r)
{
	impf_refuse(r, 500, "Server Internal Error", 0, NULL);
	impf_refusal_warning(r, "policy database unavailable");
	return -1;
}

int impf_check_originating(struct sip_msg *msg, impf_kind_t kind,
		const str *sdp, const str *originator, impf_refusal_t *r)
{
	impf_policy_t p;
	str ua = STR_NULL;
	char info[300];

	if(impf_policy_load(originator, &p) < 0)
		return policy_failed(r);
	if(p.service_denied) {
		impf_refuse(r, 403, "Forbidden", 127, "Service not authorised");
		return -1;
	}
	/* OP-10 (OMA TS 6.1.1.3.1), and the same for sessions: anonymity
	 * that the service provider does not allow */
	if(!impf_anonymity && parse_privacy(msg) == 0
			&& (get_privacy_values(msg) & PRIVACY_ID)) {
		impf_refuse(r, 403, "Forbidden", 119, "Anonymity not allowed");
		return -1;
	}
	/* OP-1 step 2: a system message's required response is overdue */
	if(impf_ts1_blocked(originator, time(NULL), info, sizeof(info))) {
		impf_refuse(r, 403,
				"Forbidden: a system message awaits your response", 0, NULL);
		impf_refusal_header(r, "Error-Info: <%s>\r\n", info);
		return -1;
	}
	if(p.client_version[0]) {
		if(parse_headers(msg, HDR_USERAGENT_F, 0) == 0 && msg->user_agent)
			ua = msg->user_agent->body;
		if(!impf_contains_nocase(ua.s, ua.len, p.client_version)) {
			impf_refuse(r, 403, "Forbidden: client version not supported", 0,
					NULL);
			impf_refusal_header(r, "Error-Info: <%s>\r\n",
					p.client_upgrade_url[0] ? p.client_upgrade_url
											: "sip:upgrade-required");
			return -1;
		}
	}
	return content_and_validity(msg, &p, kind, sdp, 0, r);
}

typedef struct access_ctx {
	const str *sender;
	const char *media;
	int best;	/* how specific the deciding rule is: 3 user, 2 domain, 1 * */
	int reject;
} access_ctx_t;

/* "*" anyone, "*@domain" anyone of that domain, else one identity. */
static int sender_match(const char *pattern, const str *sender)
{
	im_span_t a = {pattern, strlen(pattern)};
	im_span_t b = {sender->s, (size_t)sender->len};
	const char *at, *host, *end = sender->s + sender->len;
	size_t hlen;

	if(strcmp(pattern, "*") == 0)
		return 1;
	if(pattern[0] == '*' && pattern[1] == '@') {
		at = memchr(sender->s, '@', sender->len);
		if(!at)
			return 0;
		host = at + 1;
		hlen = 0;
		while(host + hlen < end && host[hlen] != ';' && host[hlen] != ':'
				&& host[hlen] != '>')
			hlen++;
		return hlen == strlen(pattern + 2)
			   && strncasecmp(host, pattern + 2, hlen) == 0;
	}
	return im_uri_same(a, b);
}

static int access_row(char **v, int n, void *arg)
{
	access_ctx_t *a = arg;
	const char *sender = v[0], *media = v[1], *action = v[2];
	int level;

	(void)n;
	if(strcmp(media, "*") != 0 && strcasecmp(media, a->media) != 0)
		return 0;
	if(!sender_match(sender, a->sender))
		return 0;
	level = strcmp(sender, "*") == 0 ? 1 : (sender[0] == '*' ? 2 : 3);
	if(level > a->best) {
		a->best = level;
		a->reject = strcasecmp(action, "allow") != 0;
	}
	return 0;
}

int impf_check_terminating(struct sip_msg *msg, impf_kind_t kind,
		const str *sdp, const str *owner, const str *sender,
		impf_refusal_t *r)
{
	static const char *keys[] = {"owner"};
	static const char *cols[] = {"sender", "media", "action"};
	impf_policy_t p;
	access_ctx_t a = {sender, impf_kind_media(kind), 0, 0};
	im_settings_t s;

	if(impf_policy_load(owner, &p) < 0)
		return policy_failed(r);
	/* TP-1 step 1: barring, as the user published it (SS-1), else as
	 * provisioned in im_policy */
	if(impf_settings_get(owner, &s)) {
		p.isb = s.isb;
		p.ipab = s.ipab;
	}
	if(((kind == IMPF_KIND_SESSION || kind == IMPF_KIND_FILE) && p.isb)
			|| ((kind == IMPF_KIND_PAGER || kind == IMPF_KIND_LARGE)
					&& p.ipab)) {
		impf_refuse(r, 403, "Forbidden", 127, "Service not authorised");
		return -1;
	}
	/* step 2: the owner's access rules, the most specific match decides */
	if(kind != IMPF_KIND_OTHER && impf_cache_has_rules(owner)
			&& impf_db_select("im_access_rule", keys, owner, 1, cols, 3,
					   access_row, &a)
					   < 0)
		return policy_failed(r);
	if(a.reject) {
		impf_refuse(r, 403, "Forbidden", 122, "Function not allowed");
		return -1;
	}
	/* step 3: operator policy on content and size; step 4 */
	return content_and_validity(msg, &p, kind, sdp, 1, r);
}
