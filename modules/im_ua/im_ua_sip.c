#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/data_lump.h"
#include "core/dprint.h"
#include "core/mem/mem.h"
#include "core/mem/shm_mem.h"
#include "core/parser/contact/parse_contact.h"
#include "core/parser/parse_content.h"
#include "core/parser/parse_from.h"
#include "core/parser/parse_require.h"
#include "core/parser/parse_rr.h"
#include "core/parser/parse_supported.h"
#include "core/parser/parse_uri.h"
#include "core/socket_info.h"
#include "core/sr_module.h"
#include "core/trim.h"
#include "core/ut.h"

#include "im_ua.h"
#include "im_ua_replaces.h"
#include "im_ua_sip.h"
#include "im_hdr_removed.h"
#include "im_random.h"
#include "im_uri.h"

void imua_new_tag(char *out, int n)
{
	im_random_hex(out, (size_t)n);
}

int imua_uri_proto(const str *ruri, const str *dst_uri)
{
	struct sip_uri u;
	const str *target = (dst_uri && dst_uri->len) ? dst_uri : ruri;

	if(!target || !target->len || parse_uri(target->s, target->len, &u) < 0)
		return PROTO_UDP;
	if(u.proto != PROTO_NONE)
		return u.proto;
	return u.type == SIPS_URI_T ? PROTO_TLS : PROTO_UDP;
}

int imua_contact(im_kbuf_t *b, const char *user, const str *host,
		struct socket_info *sock, int proto, const str *params)
{
	struct socket_info **list;

	if(!host || !host->len)
		host = &imua_contact_host;
	if(sock && sock->proto != proto)
		sock = NULL;
	if(!sock) {
		list = get_sock_info_list(proto);
		sock = list ? *list : NULL;
	}
	if(!sock && !host->len) {
		LM_ERR("no %s listener for our Contact\n", proto2a(proto));
		return -1;
	}
	im_kbuf_addf(b, "<sip:%s@", user);
	if(host->len)
		im_kbuf_adds(b, host);
	else if(sock->useinfo.name.len)
		im_kbuf_addf(b, "%.*s:%.*s", sock->useinfo.name.len,
				sock->useinfo.name.s, sock->useinfo.port_no_str.len,
				sock->useinfo.port_no_str.s);
	else
		im_kbuf_addf(b, "%.*s:%.*s", sock->address_str.len,
				sock->address_str.s, sock->port_no_str.len,
				sock->port_no_str.s);
	if(proto == PROTO_TCP)
		im_kbuf_addf(b, ";transport=tcp");
	else if(proto == PROTO_TLS)
		im_kbuf_addf(b, ";transport=tls");
	im_kbuf_addf(b, ">");
	im_kbuf_adds(b, params);
	return b->failed ? -1 : 0;
}

/* Headers that belong to one dialog or one hop, or that im_ua writes
 * itself for each leg. */
static int is_leg_own_header(const struct hdr_field *h)
{
	switch(h->type) {
		case HDR_VIA_T:
		case HDR_TO_T:
		case HDR_FROM_T:
		case HDR_CSEQ_T:
		case HDR_CALLID_T:
		case HDR_CONTACT_T:
		case HDR_MAXFORWARDS_T:
		case HDR_ROUTE_T:
		case HDR_RECORDROUTE_T:
		case HDR_CONTENTTYPE_T:
		case HDR_CONTENTLENGTH_T:
		case HDR_AUTHORIZATION_T:
		case HDR_PROXYAUTH_T:
		case HDR_WWW_AUTHENTICATE_T:
		case HDR_PROXY_AUTHENTICATE_T:
		case HDR_SUPPORTED_T:
		case HDR_REQUIRE_T:
		case HDR_PROXYREQUIRE_T:
		case HDR_ALLOW_T:
		case HDR_USERAGENT_T:
		case HDR_SERVER_T:
		case HDR_SESSIONEXPIRES_T:
		case HDR_MIN_SE_T:
		case HDR_PATH_T:
			return 1;
		default:
			break;
	}
	/* reliable provisionals (RFC 3262) are hop by hop here */
	if((h->name.len == 4 && strncasecmp(h->name.s, "RSeq", 4) == 0)
			|| (h->name.len == 4 && strncasecmp(h->name.s, "RAck", 4) == 0))
		return 1;
	return 0;
}

/* The next option tag of a Require/Supported body at *p, or an empty
 * tag at the end. */
static str next_option_tag(char **p, char *end)
{
	str tag;

	while(*p < end && (**p == ' ' || **p == '\t' || **p == ','))
		(*p)++;
	tag.s = *p;
	while(*p < end && **p != ',' && **p != ' ' && **p != '\t')
		(*p)++;
	tag.len = (int)(*p - tag.s);
	return tag;
}

static int tag_is(const str *tag, const char *name)
{
	return tag->len == (int)strlen(name)
		   && strncasecmp(tag->s, name, tag->len) == 0;
}

/* Extensions that end at the one who serves the Request-URI, not at a
 * B2BUA in its path: an INVITE to a Conference-factory URI asks the focus
 * to handle its list (RFC 5366, CF-2); a REFER in a session asks the focus
 * to take a list (multiple-refer, RFC 5368) or to send no NOTIFY
 * (norefersub, RFC 4488; CF-7); an invitation that replaces a dialog asks
 * the invitee's UA (replaces, RFC 3891; App L, D-13). The participating
 * function's B2BUA passes them on (see copy_headers). */
static const char *end_to_end_tags[] = {
		"recipient-list-invite", "multiple-refer", "norefersub", "replaces"};

static int end_to_end_tag(const str *tag)
{
	for(size_t i = 0; i < sizeof(end_to_end_tags) / sizeof(end_to_end_tags[0]);
			i++)
		if(tag_is(tag, end_to_end_tags[i]))
			return 1;
	return 0;
}

/* Require is the B2BUA's own per leg, except the end-to-end tags. */
static void copy_end_to_end_require(struct hdr_field *h, im_kbuf_t *b)
{
	char *p = h->body.s, *end = h->body.s + h->body.len;

	while(p < end) {
		str tag = next_option_tag(&p, end);

		if(tag.len && end_to_end_tag(&tag))
			im_kbuf_addf(b, "Require: %.*s\r\n", tag.len, tag.s);
	}
}

static int is_replaces(struct hdr_field *h)
{
	return h->name.len == 8 && strncasecmp(h->name.s, "Replaces", 8) == 0;
}

/* App L: the dialog a Replaces names, as the party past our calls knows
 * it (im_ua_replaces.c); a value that does not parse crosses as it is,
 * for the invitee to refuse. */
/* The URI of msg's Referred-By (RFC 3892), or an empty str. */
static str referred_by_uri(struct sip_msg *msg)
{
	str v = STR_NULL;

	for(struct hdr_field *h = msg->headers; h; h = h->next) {
		if(h->type == HDR_REFERREDBY_T) {
			im_span_t u = im_nameaddr_uri(
					(im_span_t){h->body.s, (size_t)h->body.len});
			v.s = (char *)u.p;
			v.len = (int)u.len;
			break;
		}
	}
	return v;
}

static void copy_replaces(
		struct sip_msg *msg, struct hdr_field *h, im_kbuf_t *b)
{
	char mapped[640];
	str *from = NULL;

	str referrer = STR_NULL;

	/* the asker is the request's sender (the inviter, D-4), or the one
	 * its Referred-By names (a transfer, RFC 3892) */
	if(parse_from_header(msg) == 0 && msg->from && msg->from->parsed)
		from = &get_from(msg)->uri;
	referrer = referred_by_uri(msg);
	if(imua_replaces_map_for(&h->body, from, &referrer, mapped, sizeof(mapped))
			< 0)
		im_kbuf_add(b, h->name.s, h->len);
	else
		im_kbuf_addf(b, "Replaces: %s\r\n", mapped);
}

static int copy_headers(struct sip_msg *msg, unsigned long long skip,
		im_kbuf_t *b)
{
	if(parse_headers(msg, HDR_EOH_F, 0) < 0)
		return -1;
	for(struct hdr_field *h = msg->headers; h; h = h->next) {
		if(h->type == HDR_REQUIRE_T && !im_hdr_removed(msg, h))
			copy_end_to_end_require(h, b);
		if(is_leg_own_header(h) || im_hdr_removed(msg, h))
			continue;
		if(h->type > 0 && h->type < 64 && (skip & (1ULL << h->type)))
			continue;
		if(is_replaces(h))
			copy_replaces(msg, h, b);
		else
			im_kbuf_add(b, h->name.s, h->len);
	}
	return b->failed ? -1 : 0;
}

int imua_copy_headers(struct sip_msg *msg, im_kbuf_t *b)
{
	return copy_headers(msg, 0, b);
}

int imua_copy_headers_skip(
		struct sip_msg *msg, unsigned long long skip, im_kbuf_t *b)
{
	return copy_headers(msg, skip, b);
}

int imua_copy_headers_api(struct sip_msg *msg, unsigned long long skip,
		str *out)
{
	im_kbuf_t b = {0};

	out->s = NULL;
	out->len = 0;
	if(copy_headers(msg, skip, &b) < 0) {
		im_kbuf_free(&b);
		return -1;
	}
	out->s = b.s;
	out->len = b.len;
	return 0;
}

int imua_get_se(struct sip_msg *msg, imua_se_t *se)
{
	char *p, *end;
	unsigned long v = 0;

	memset(se, 0, sizeof(*se));
	if(parse_headers(msg, HDR_EOH_F, 0) < 0)
		return -1;
	if(!msg->session_expires)
		return 0;
	p = msg->session_expires->body.s;
	end = p + msg->session_expires->body.len;
	while(p < end && (*p == ' ' || *p == '\t'))
		p++;
	if(p >= end || *p < '0' || *p > '9')
		return -1;
	while(p < end && *p >= '0' && *p <= '9') {
		v = v * 10 + (unsigned long)(*p - '0');
		if(v > 0xffffffffUL)
			return -1;
		p++;
	}
	se->value = (unsigned int)v;
	/* ;refresher=uac|uas among the parameters */
	for(; p < end; p++) {
		if(end - p >= 10 && strncasecmp(p, "refresher=", 10) == 0) {
			p += 10;
			if(end - p >= 3 && strncasecmp(p, "uac", 3) == 0)
				se->refresher = 1;
			else if(end - p >= 3 && strncasecmp(p, "uas", 3) == 0)
				se->refresher = 2;
			break;
		}
	}
	return 0;
}

unsigned int imua_get_min_se(struct sip_msg *msg)
{
	unsigned int v = 0;
	str s;

	if(parse_headers(msg, HDR_EOH_F, 0) < 0 || !msg->min_se)
		return 0;
	s = msg->min_se->body;
	trim(&s);
	while(s.len > 0 && *s.s >= '0' && *s.s <= '9' && v < 100000000) {
		v = v * 10 + (unsigned int)(*s.s - '0');
		s.s++;
		s.len--;
	}
	return v;
}

int imua_supports_timer(struct sip_msg *msg)
{
	if(parse_supported(msg) < 0)
		return 0;
	return (get_supported(msg) & F_OPTION_TAG_TIMER) ? 1 : 0;
}

str imua_unsupported_require(struct sip_msg *msg)
{
	str none = STR_NULL;

	if(parse_headers(msg, HDR_EOH_F, 0) < 0)
		return none;
	for(struct hdr_field *h = msg->headers; h; h = h->next) {
		char *p, *end;

		if(h->type != HDR_REQUIRE_T)
			continue;
		p = h->body.s;
		end = p + h->body.len;
		while(p < end) {
			str tag = next_option_tag(&p, end);

			if(tag.len == 0 || tag_is(&tag, "timer") || end_to_end_tag(&tag))
				continue;
			return tag;
		}
	}
	return none;
}

void imua_get_body(struct sip_msg *msg, str *body, str *ctype)
{
	body->s = NULL;
	body->len = 0;
	ctype->s = NULL;
	ctype->len = 0;
	if(parse_headers(msg, HDR_EOH_F, 0) < 0)
		return;
	if(msg->content_type) {
		*ctype = msg->content_type->body;
		trim(ctype);
	}
	body->s = get_body(msg);
	if(!body->s)
		return;
	body->len = (int)(msg->buf + msg->len - body->s);
	if(msg->content_length && msg->content_length->parsed) {
		int cl = get_content_length(msg);
		if(cl < body->len)
			body->len = cl;
	}
	if(body->len <= 0) {
		body->s = NULL;
		body->len = 0;
	}
}

imua_tx_t *imua_tx_new(imua_call_t *c, imua_tx_kind_t kind, int leg,
		imua_tx_handler_f on_response)
{
	imua_tx_t *tx = shm_malloc(sizeof(*tx));

	if(!tx) {
		SHM_MEM_ERROR;
		return NULL;
	}
	memset(tx, 0, sizeof(*tx));
	imua_call_ref(c);
	tx->call = c;
	tx->kind = kind;
	tx->leg = leg;
	tx->on_response = on_response;
	return tx;
}

void imua_tx_free(imua_tx_t *tx)
{
	if(!tx)
		return;
	imua_call_unref(tx->call);
	shm_free(tx);
}

/* What a request needs of its leg, copied out of shm under the call lock
 * so the send runs unlocked. */
typedef struct leg_snapshot {
	im_kbuf_t mem;
	str call_id, local_tag, remote_tag, local_uri, remote_uri;
	str local_dname, remote_dname, remote_target, route_set, dst_uri;
	struct socket_info *sock;
	unsigned int cseq;
} leg_snapshot_t;

static void snap(leg_snapshot_t *s, str *dst, const str *src, int *off)
{
	*off = s->mem.len;
	im_kbuf_add(&s->mem, src->s ? src->s : "", src->len);
	dst->len = src->len;
	dst->s = NULL;
}

static void snap_fix(leg_snapshot_t *s, str *dst, int off)
{
	dst->s = dst->len ? s->mem.s + off : NULL;
}

static int take_snapshot(imua_call_t *c, int leg, int next_cseq,
		unsigned int expected, leg_snapshot_t *s)
{
	imua_leg_t *l = &c->leg[leg];
	str *dst[] = {&s->call_id, &s->local_tag, &s->remote_tag, &s->local_uri,
			&s->remote_uri, &s->local_dname, &s->remote_dname,
			&s->remote_target, &s->route_set, &s->dst_uri};
	const str *src[] = {&l->call_id, &l->local_tag, &l->remote_tag,
			&l->local_uri, &l->remote_uri, &l->local_dname, &l->remote_dname,
			&l->remote_target, &l->route_set, &l->dst_uri};
	int off[10];
	size_t n = sizeof(dst) / sizeof(dst[0]);

	memset(s, 0, sizeof(*s));
	lock_get(&c->lock);
	if(expected && c->attempt != expected) {
		lock_release(&c->lock);
		return -2;
	}
	for(size_t i = 0; i < n; i++)
		snap(s, dst[i], src[i], &off[i]);
	s->sock = l->sock;
	s->cseq = next_cseq ? ++l->local_cseq : l->local_cseq;
	lock_release(&c->lock);
	if(s->mem.failed) {
		im_kbuf_free(&s->mem);
		return -1;
	}
	for(size_t i = 0; i < n; i++)
		snap_fix(s, dst[i], off[i]);
	return 0;
}

/* tm (5.6) writes From and To of its requests from loc_uri and rem_uri
 * alone and leaves loc_dname and rem_dname out: a display name goes in as
 * a name-addr, which tm writes without adding brackets of its own. *out
 * is uri itself without a display name, else a view into b. */
static void name_addr(im_kbuf_t *b, const str *dname, const str *uri, str *out)
{
	*out = *uri;
	if(!dname->len || !uri->len)
		return;
	if(dname->s[0] == '"') {
		im_kbuf_addf(b, "%.*s <%.*s>", dname->len, dname->s, uri->len, uri->s);
	} else {
		im_kbuf_addf(b, "\"");
		for(int i = 0; i < dname->len; i++)
			im_kbuf_addf(b, "%s%c",
					dname->s[i] == '"' || dname->s[i] == '\\' ? "\\" : "",
					dname->s[i]);
		im_kbuf_addf(b, "\" <%.*s>", uri->len, uri->s);
	}
	if(!b->failed) {
		out->s = b->s;
		out->len = b->len;
	}
}

unsigned int imua_cancel_uac(unsigned int hash, unsigned int label)
{
	/* tm 5.6 writes no Content-Length in the CANCEL it builds: a peer on
	 * TCP or TLS cannot frame it without one (RFC 3261 18.3) */
	static str length = str_init("Content-Length: 0\r\n");
	struct cell *saved = imua_tmb.t_gett();
	int saved_branch = imua_tmb.t_gett_branch();
	unsigned int ret;

	ret = imua_tmb.t_cancel_uac(&length, NULL, hash, label, NULL, NULL);
	imua_tmb.t_sett(saved, saved_branch);
	return ret;
}

int imua_cancel_uac_pending(unsigned int hash, unsigned int label)
{
	struct cell *saved = imua_tmb.t_gett(), *t = NULL;
	int saved_branch = imua_tmb.t_gett_branch(), r = 0;

	if(imua_tmb.t_lookup_ident(&t, hash, label) > 0 && t) {
		/* tm's own CANCEL: sent now when a provisional is recorded, else
		 * when one comes (the branch is marked cancelled) */
		imua_tmb.cancel_all_uacs(t, 0);
		imua_tmb.unref_cell(t);
		r = 1;
	}
	imua_tmb.t_sett(saved, saved_branch);
	return r;
}

int imua_leg_send(imua_call_t *c, int leg, const str *method,
		const str *hdrs, const str *body, imua_tx_t *tx)
{
	return imua_leg_send_ex(c, leg, method, hdrs, body, tx, 0, NULL, NULL);
}

int imua_leg_send_ex(imua_call_t *c, int leg, const str *method,
		const str *hdrs, const str *body, imua_tx_t *tx,
		unsigned int expected, unsigned int *hash_out,
		unsigned int *label_out)
{
	leg_snapshot_t s;
	im_kbuf_t from = {0}, to = {0};
	dlg_t dlg;
	uac_req_t uac_r;
	unsigned int hash = 0, label = 0;
	int ret, is_invite;

	is_invite = method->len == 6 && memcmp(method->s, "INVITE", 6) == 0;
	ret = take_snapshot(c, leg, 1, expected, &s);
	if(ret < 0)
		return ret;
	memset(&dlg, 0, sizeof(dlg));
	dlg.id.call_id = s.call_id;
	dlg.id.loc_tag = s.local_tag;
	dlg.id.rem_tag = s.remote_tag;
	dlg.loc_seq.value = s.cseq;
	dlg.loc_seq.is_set = 1;
	name_addr(&from, &s.local_dname, &s.local_uri, &dlg.loc_uri);
	name_addr(&to, &s.remote_dname, &s.remote_uri, &dlg.rem_uri);
	dlg.rem_target = s.remote_target;
	dlg.dst_uri = s.dst_uri;
	dlg.state = s.remote_tag.len ? DLG_CONFIRMED : DLG_NEW;
	dlg.send_sock = s.sock;
	if(s.route_set.len
			&& parse_rr_body(s.route_set.s, s.route_set.len, &dlg.route_set)
					   < 0) {
		LM_ERR("call %s: bad route set of leg %c\n", c->key, 'a' + leg);
		im_kbuf_free(&s.mem);
		im_kbuf_free(&from);
		im_kbuf_free(&to);
		return -1;
	}
	if(is_invite) {
		lock_get(&c->lock);
		c->leg[leg].uac_pending = 1;
		lock_release(&c->lock);
	}
	set_uac_req(&uac_r, (str *)method, (str *)hdrs, (str *)body, &dlg,
			TMCB_LOCAL_COMPLETED | TMCB_LOCAL_RESPONSE_IN | TMCB_DESTROY,
			imua_tx_callback, tx);
	ret = imua_tmb.t_uac_with_ids(&uac_r, &hash, &label);
	if(dlg.route_set)
		free_rr(&dlg.route_set);
	im_kbuf_free(&s.mem);
	im_kbuf_free(&from);
	im_kbuf_free(&to);
	if(ret < 0) {
		LM_ERR("call %s: cannot send %.*s on leg %c\n", c->key, method->len,
				method->s, 'a' + leg);
		if(is_invite) {
			lock_get(&c->lock);
			c->leg[leg].uac_pending = 0;
			lock_release(&c->lock);
		}
		return -1;
	}
	if(is_invite) {
		lock_get(&c->lock);
		c->leg[leg].uac_hash = hash;
		c->leg[leg].uac_label = label;
		lock_release(&c->lock);
	}
	if(hash_out)
		*hash_out = hash;
	if(label_out)
		*label_out = label;
	return 0;
}

void imua_add_answer_headers(im_kbuf_t *b, const imua_leg_t *l)
{
	im_kbuf_addf(b, "Contact: %.*s\r\nAllow: %.*s\r\nSupported: timer\r\n",
			l->contact.len, l->contact.s, imua_allow.len, imua_allow.s);
	imua_add_se_headers(b, l, 0, l->peer_timer);
}

void imua_add_out(im_kbuf_t *b, const imua_out_t *out)
{
	im_kbuf_adds(b, &out->hdrs);
	if(out->body.len)
		im_kbuf_addf(b, "Content-Type: %.*s\r\n", out->ctype.len, out->ctype.s);
}

int imua_tx_claim(imua_tx_t *tx)
{
	imua_call_t *c = tx->call;
	int first;

	lock_get(&c->lock);
	first = !tx->done;
	tx->done = 1;
	/* a stale attempt of leg B's INVITE leaves the current one pending */
	if(first && tx->method == METHOD_INVITE
			&& (tx->kind != IMUA_TX_INVITE_B
					|| (!c->parallel && tx->attempt == c->attempt)))
		c->leg[tx->leg].uac_pending = 0;
	lock_release(&c->lock);
	return first;
}

void imua_leg_from_2xx(imua_leg_t *l, struct sip_msg *rpl, unsigned int now)
{
	imua_se_t se;
	str uri;

	if(rpl && rpl != FAKED_REPLY) {
		if(imua_get_se(rpl, &se) == 0 && se.value) {
			l->se = se.value;
			l->refresher =
					se.refresher == 2 ? IMUA_REFRESH_PEER : IMUA_REFRESH_US;
		}
		if(imua_contact_uri(rpl, &uri) == 0)
			imua_str_set(&l->remote_target, uri.s, uri.len);
	}
	imua_timer_arm(l, now);
}

void imua_timer_arm(imua_leg_t *l, unsigned int now)
{
	unsigned int guard;

	l->refresh_at = l->expire_at = 0;
	if(!l->se || l->refresher == IMUA_REFRESH_NONE)
		return;
	if(l->refresher == IMUA_REFRESH_US) {
		l->refresh_at = now + (l->se / 2 ? l->se / 2 : 1);
	} else {
		guard = l->se / 3 < 32 ? l->se / 3 : 32;
		/* plus one tick: times are whole seconds and the peer's timer
		 * may run up to a second late, which with short intervals would
		 * end a session its refresh was on the way to */
		l->expire_at = now + l->se - guard + 1;
	}
}

void imua_add_se_headers(im_kbuf_t *b, const imua_leg_t *l, int as_uac,
		int peer_supports)
{
	const char *who;

	if(!l->se || l->refresher == IMUA_REFRESH_NONE)
		return;
	if(as_uac)
		who = l->refresher == IMUA_REFRESH_US ? "uac" : "uas";
	else
		who = l->refresher == IMUA_REFRESH_US ? "uas" : "uac";
	im_kbuf_addf(b, "Session-Expires: %u;refresher=%s\r\n", l->se, who);
	if(!as_uac && peer_supports)
		im_kbuf_addf(b, "Require: timer\r\n");
}

void imua_tx_callback(struct cell *t, int type, struct tmcb_params *ps)
{
	imua_tx_t *tx = ps->param ? (imua_tx_t *)*ps->param : NULL;

	if(!tx)
		return;
	if(type & TMCB_DESTROY) {
		*ps->param = NULL;
		/* tm frees its table at shutdown: a call lock may be held by a
		 * child that died, and shm goes away with us anyway */
		if(ksr_shutdown_phase())
			return;
		/* an owner's request never answered still gets its code once */
		if(tx->kind == IMUA_TX_DLG_REQ && tx->on_response && !tx->done)
			tx->on_response(tx, TMCB_LOCAL_COMPLETED, &(struct tmcb_params){
					.code = 408});
		imua_tx_free(tx);
		return;
	}
	/* in-dialog requests: only their final response matters */
	if(tx->kind != IMUA_TX_INVITE_B
			&& (!(type & TMCB_LOCAL_COMPLETED) || ps->code < 200))
		return;
	if(tx->on_response)
		tx->on_response(tx, type, ps);
}

/* The route set of a dialog from msg's Record-Route (RFC 3261 12.1):
 * as listed for the UAS, reversed for the UAC. */
int imua_store_route_set(imua_leg_t *l, struct sip_msg *msg, int reverse)
{
	str rs = STR_NULL;
	int ret;

	if(!msg->record_route)
		return imua_str_set(&l->route_set, NULL, 0);
	if(print_rr_body(msg->record_route, &rs, reverse, NULL) < 0)
		return -1;
	ret = imua_str_set(&l->route_set, rs.s, rs.len);
	pkg_free(rs.s);
	return ret;
}

/* The first Contact URI of msg. */
int imua_contact_uri(struct sip_msg *msg, str *uri)
{
	contact_body_t *cb;

	if(!msg->contact || parse_contact(msg->contact) < 0)
		return -1;
	cb = (contact_body_t *)msg->contact->parsed;
	if(!cb || cb->star || !cb->contacts)
		return -1;
	*uri = cb->contacts->uri;
	return 0;
}
