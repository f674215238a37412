#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/dprint.h"
#include "core/parser/contact/parse_contact.h"
#include "core/parser/parse_event.h"
#include "core/parser/parse_expires.h"
#include "core/parser/parse_from.h"
#include "core/parser/parse_to.h"
#include "core/trim.h"

#include "im_cf.h"
#include "im_cf_ci.h"
#include "im_cf_factory.h"
#include "im_cf_notify.h"
#include "im_cf_reply.h"
#include "im_cf_subs.h"
#include "im_cf_subscribe.h"
#include "im_cf_table.h"

static int answer(struct sip_msg *msg, int code, const char *reason,
		const char *hdrs)
{
	str r = {(char *)reason, (int)strlen(reason)};
	str h = {(char *)hdrs, hdrs ? (int)strlen(hdrs) : 0};

	if(imcf_ua.reply(msg, code, &r, h.len ? &h : NULL, NULL, NULL) < 0)
		LM_ERR("cannot answer SUBSCRIBE with %d\n", code);
	return code < 300 ? IMCF_HANDLED : IMCF_REFUSED;
}

/* The 200 to a SUBSCRIBE (CF-11 steps 5-7): its Expires, our Contact. */
static int accept_sub(struct sip_msg *msg, int expires, const char *contact)
{
	char hdrs[IMCF_URI_MAX + 64];

	snprintf(hdrs, sizeof(hdrs), "Expires: %d\r\nContact: <%s>\r\n", expires,
			contact);
	return answer(msg, 200, "OK", hdrs);
}

/* Refused with a log line saying why (the caller's words). */
static int refuse(struct sip_msg *msg, int code, int warn, const char *why)
{
	LM_INFO("SUBSCRIBE to %.*s refused with %d: %s\n",
			msg->first_line.u.request.uri.len,
			msg->first_line.u.request.uri.s, code, why);
	imcf_refuse(msg, code, warn);
	return IMCF_REFUSED;
}

/* 1: Event: conference; 0: another package or none. */
static int conference_event(struct sip_msg *msg)
{
	event_t *e;

	if(!msg->event || parse_event(msg->event) < 0)
		return 0;
	e = (event_t *)msg->event->parsed;
	return e && e->name.len == 10 && strncasecmp(e->name.s, "conference", 10) == 0;
}

/* The Expires asked, within imcf_subscribe_expires; -1 unreadable. */
static int expires_of(struct sip_msg *msg)
{
	exp_body_t *e;

	if(!msg->expires)
		return imcf_subscribe_expires;
	if(parse_expires(msg->expires) < 0)
		return -1;
	e = (exp_body_t *)msg->expires->parsed;
	if(!e || !e->valid)
		return -1;
	return e->val > (unsigned int)imcf_subscribe_expires
				   ? imcf_subscribe_expires
				   : (int)e->val;
}

static int body_len(struct sip_msg *msg)
{
	str b;

	if(get_body(msg) == NULL)
		return 0;
	b.s = get_body(msg);
	b.len = msg->len - (int)(b.s - msg->buf);
	return b.len;
}

/* Copies s into dst (len bytes); -1 when it does not fit. */
static int put(char *dst, int len, const str *s)
{
	if(s->len >= len)
		return -1;
	memcpy(dst, s->s, s->len);
	dst[s->len] = '\0';
	return 0;
}

/* The Record-Route set of msg, in order, comma-separated. */
static int route_set(struct sip_msg *msg, char *dst, int len)
{
	int off = 0, n;

	dst[0] = '\0';
	for(struct hdr_field *h = msg->headers; h; h = h->next) {
		if(h->type != HDR_RECORDROUTE_T)
			continue;
		n = snprintf(dst + off, len - off, "%s%.*s", off ? "," : "",
				h->body.len, h->body.s);
		if(n < 0 || n >= len - off)
			return -1;
		off += n;
	}
	return 0;
}

/* CF-11 step 6: our Contact is the session identity's user at this
 * server's address (contact_host, else the socket msg came in on), so
 * that the subscriber's in-dialog requests reach us. */
static int our_contact(
		struct sip_msg *msg, const char *identity, char *out, int len)
{
	struct socket_info *si = msg->rcv.bind_address;
	const char *user = strchr(identity, ':'), *at = strchr(identity, '@');
	int n;

	if(!user || !at || at < user || (!si && !imcf_contact_host.len))
		return -1;
	user++;
	if(imcf_contact_host.len)
		n = snprintf(out, len, "sip:%.*s@%.*s", (int)(at - user), user,
				imcf_contact_host.len, imcf_contact_host.s);
	else
		n = snprintf(out, len, "sip:%.*s@%.*s:%.*s%s", (int)(at - user), user,
				si->address_str.len, si->address_str.s, si->port_no_str.len,
				si->port_no_str.s,
				si->proto == PROTO_TCP	 ? ";transport=tcp"
				: si->proto == PROTO_TLS ? ";transport=tls"
										 : "");
	return n > 0 && n < len ? 0 : -1;
}

/* The dialog the 2xx to msg creates; -1: a part is missing or too long. */
static int dialog_of(struct sip_msg *msg, const char *identity,
		imcf_sub_dlg_t *d, const char **why)
{
	contact_t *c;
	str callid;
	unsigned int cseq = 0;

	memset(d, 0, sizeof(*d));
	*why = "no Contact";
	if(!msg->contact || parse_contact(msg->contact) < 0
			|| !(c = ((contact_body_t *)msg->contact->parsed)->contacts))
		return -1;
	*why = "a header too long";
	callid = msg->callid->body;
	trim(&callid);
	if(put(d->call_id, sizeof(d->call_id), &callid) < 0
			|| put(d->remote_tag, sizeof(d->remote_tag),
					   &get_from(msg)->tag_value)
					   < 0
			|| put(d->remote_uri, sizeof(d->remote_uri), &get_from(msg)->uri)
					   < 0
			|| put(d->local_uri, sizeof(d->local_uri), &get_to(msg)->uri) < 0
			|| put(d->target, sizeof(d->target), &c->uri) < 0
			|| route_set(msg, d->route_set, sizeof(d->route_set)) < 0
			|| imcf_notify_reply_totag(msg, d->local_tag, sizeof(d->local_tag))
					   < 0)
		return -1;
	if(our_contact(msg, identity, d->contact, sizeof(d->contact)) < 0)
		return -1;
	str2int(&get_cseq(msg)->number, &cseq);
	d->remote_cseq = cseq;
	d->sock = msg->rcv.bind_address;
	return 0;
}

/* The headers every SUBSCRIBE request needs, parsed; -1 when one lacks. */
static int parse_dialog_headers(struct sip_msg *msg)
{
	if(parse_headers(msg, HDR_EOH_F, 0) < 0 || !msg->callid || !msg->cseq
			|| parse_from_header(msg) < 0 || parse_to_header(msg) < 0
			|| !get_from(msg)->tag_value.len)
		return -1;
	return 0;
}

/* The subscriber's identity if it is attending session s (connected),
 * else "" (CF-11 step 4); released: -1. */
static int attending(imcf_session_t *s, const str *uri, char *who, int len,
		char *identity, int idlen)
{
	int ok, released;

	snprintf(who, len, "%.*s", uri->len, uri->s);
	imcf_session_lock(s);
	released = s->conf.released;
	ok = imcf_ci_attending(&s->conf, who);
	snprintf(identity, idlen, "%s", s->conf.identity);
	imcf_session_unlock(s);
	if(released)
		return -1;
	return ok;
}

static int subscribe(struct sip_msg *msg, imcf_session_t *s)
{
	imcf_sub_dlg_t *d;
	char who[IMCF_URI_MAX], identity[IMCF_URI_MAX];
	const char *why;
	str ouri, odn;
	int expires, ok, ret;

	if(!s)
		return refuse(msg, 404, 0, "no such session (CF-11)");
	if(parse_dialog_headers(msg) < 0)
		return refuse(msg, 400, 0, "no Call-ID, CSeq, From tag or To");
	if(!conference_event(msg)) {
		LM_INFO("SUBSCRIBE to %.*s: not Event: conference (489)\n",
				msg->first_line.u.request.uri.len,
				msg->first_line.u.request.uri.s);
		return answer(msg, 489, "Bad Event", "Allow-Events: conference\r\n");
	}
	if(body_len(msg) > 0)
		return refuse(msg, 415, 0, "a body, none is defined");
	expires = expires_of(msg);
	if(expires < 0)
		return refuse(msg, 400, 0, "an unreadable Expires");
	if(imcf_originator(msg, &ouri, &odn) < 0)
		return refuse(msg, 400, 0, "no subscriber identity");
	ok = attending(s, &ouri, who, sizeof(who), identity, sizeof(identity));
	if(ok < 0)
		return refuse(msg, 404, 0, "the session is released (CF-22)");
	if(!ok)
		return refuse(msg, 403, 122, "the subscriber is not attending");
	if(imcf_max_subscriptions > 0
			&& imcf_subs_count() >= (unsigned int)imcf_max_subscriptions)
		return refuse(msg, 403, 122, "too many subscriptions");
	d = pkg_malloc(sizeof(*d));
	if(!d) {
		PKG_MEM_ERROR;
		return refuse(msg, 500, 0, "no memory");
	}
	if(dialog_of(msg, identity, d, &why) < 0) {
		pkg_free(d);
		return refuse(msg, 400, 0, why);
	}
	/* the 200, then the NOTIFYs */
	ret = accept_sub(msg, expires, d->contact);
	if(ret == IMCF_HANDLED && imcf_subs_add(s->conf.id, who, d, expires) < 0)
		LM_ERR("session %s: the subscription of %s is lost\n", s->conf.id, who);
	pkg_free(d);
	return ret;
}

int imcf_subscribe(struct sip_msg *msg, const char *id)
{
	imcf_session_t *s = imcf_session_get(id);
	int ret = subscribe(msg, s);

	if(s)
		imcf_session_put(s);
	return ret;
}

int imcf_subscribe_refresh(struct sip_msg *msg)
{
	char callid[IMCF_CALLID_MAX], rtag[IMCF_TAG_MAX], ltag[IMCF_TAG_MAX];
	char contact[IMCF_URI_MAX];
	str c;
	unsigned int cseq = 0;
	int expires, ret;

	if(parse_dialog_headers(msg) < 0)
		return refuse(msg, 400, 0, "no Call-ID, CSeq, From tag or To");
	if(!conference_event(msg))
		return answer(msg, 489, "Bad Event", "Allow-Events: conference\r\n");
	expires = expires_of(msg);
	if(expires < 0)
		return refuse(msg, 400, 0, "an unreadable Expires");
	c = msg->callid->body;
	trim(&c);
	if(put(callid, sizeof(callid), &c) < 0
			|| put(rtag, sizeof(rtag), &get_from(msg)->tag_value) < 0
			|| put(ltag, sizeof(ltag), &get_to(msg)->tag_value) < 0)
		return refuse(msg, 481, 0, "no such subscription");
	str2int(&get_cseq(msg)->number, &cseq);
	ret = imcf_subs_refresh(
			callid, rtag, ltag, cseq, expires, contact, sizeof(contact));
	if(ret == 0)
		return refuse(msg, 481, 0, "no such subscription");
	if(ret < 0)
		return answer(msg, 500, "CSeq Out of Order", NULL);
	return accept_sub(msg, expires, contact);
}
