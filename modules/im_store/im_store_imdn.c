#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/dprint.h"
#include "core/forward.h"
#include "core/mem/mem.h"
#include "core/parser/parse_uri.h"

#include "im_cpim.h"
#include "im_imdn.h"
#include "im_kbuf.h"
#include "im_random.h"

#include "im_store.h"
#include "im_store_defer.h"
#include "im_store_imdn.h"
#include "im_store_request.h"
#include "im_store_stats.h"
#include "im_store_sip.h"

#define CT_CPIM "message/cpim"

static void rfc3339(long long t, char *out, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tmv;

	gmtime_r(&tt, &tmv);
	strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tmv);
}

static void keep(str *field, char **buf, const char *v)
{
	int n = strlen(v);

	memcpy(*buf, v, n);
	field->s = *buf;
	field->len = n;
	*buf += n;
}

void imst_imdn_fields(struct sip_msg *msg, imst_row_t *row, char *buf)
{
	str ctype, body;

	if(imst_body(msg, &ctype, &body) == 0)
		imst_imdn_fields_of(&ctype, &body, row, buf);
}

void imst_imdn_fields_of(
		const str *ctype, const str *body, imst_row_t *row, char *buf)
{
	im_cpim_imdn_t c;
	unsigned dn = 0;
	char when[32] = "";

	if(ctype->len < (int)sizeof(CT_CPIM) - 1
			|| strncasecmp(ctype->s, CT_CPIM, sizeof(CT_CPIM) - 1)
			|| im_cpim_imdn(body->s, body->len, &c) < 0 || !c.message_id[0]
			|| im_imdn_disposition_parse(
					   c.disposition, strlen(c.disposition), &dn)
					   < 0
			|| !(dn & IM_DN_NEGATIVE_DELIVERY))
		return;
	/* RFC 5438 requires DateTime with imdn.Message-ID; without one, the
	 * time we received it names the message as well as we can */
	if(!c.datetime[0])
		rfc3339(row->received, when, sizeof(when));
	keep(&row->imdn_id, &buf, c.message_id);
	keep(&row->imdn_datetime, &buf, c.datetime[0] ? c.datetime : when);
	keep(&row->imdn_from, &buf, c.from);
	keep(&row->imdn_to, &buf, c.to);
}

/* The URI of a CPIM address ("Name <uri>" or "<uri>" or "uri") */
static str uri_of(const str *addr)
{
	char *lt = memchr(addr->s, '<', addr->len), *gt;
	str u = *addr;

	if(lt && (gt = memchr(lt, '>', addr->s + addr->len - lt))) {
		u.s = lt + 1;
		u.len = (int)(gt - u.s);
	}
	return u;
}

/* RFC 5438 7.2.1.1: the notification goes to the IM's sender, its CPIM
 * From; a non-SIP URI there (im:, pres:) is reached through the SIP
 * sender. */
static str destination(const imst_row_t *r)
{
	str u = uri_of(&r->imdn_from);

	if((u.len > 4 && strncasecmp(u.s, "sip:", 4) == 0)
			|| (u.len > 5 && strncasecmp(u.s, "sips:", 5) == 0))
		return u;
	return r->sender;
}

/* The message/cpim body: the notification from the recipient to the
 * sender (RFC 5438 7.2.1.1), with its own imdn.Message-ID. */
static int cpim_body(const imst_row_t *r, const char *doc, size_t len,
		im_kbuf_t *b)
{
	char mid[IMST_TOKEN_LEN + 1], now[32];

	im_random_hex(mid, IMST_TOKEN_LEN);
	mid[IMST_TOKEN_LEN] = '\0';
	rfc3339(time(NULL), now, sizeof(now));
	im_kbuf_addf(b,
			"From: %.*s\r\nTo: %.*s\r\nNS: imdn <urn:ietf:params:imdn>\r\n"
			"imdn.Message-ID: %s\r\nDateTime: %s\r\n\r\n"
			"Content-Type: " IM_IMDN_TYPE "\r\n"
			"Content-Disposition: notification\r\n"
			"Content-Length: %d\r\n\r\n",
			r->imdn_to.len ? r->imdn_to.len : r->recipient.len,
			r->imdn_to.len ? r->imdn_to.s : r->recipient.s, r->imdn_from.len,
			r->imdn_from.s, mid, now, (int)len);
	im_kbuf_add(b, doc, (int)len);
	return b->failed ? -1 : 0;
}

/* The MESSAGE's next hop: our own terminating function (signed as our
 * own hop) for a sender of ours, else the peer of the sender's domain. */
static int next_hop(const str *ruri, const imua_leg_id_t *id, char *dst,
		int dstlen, str *hop)
{
	struct sip_uri u;

	if(parse_uri(ruri->s, ruri->len, &u) < 0)
		return -1;
	if(check_self(&u.host, 0, 0) == 1)
		return imst_pf.self_uri(dst, dstlen) < 0
					   || imst_pf.hop_header(id, hop) < 0
					   ? -1
					   : 0;
	return imst_pf.pager_peer(&u.host, dst, dstlen);
}

/* Sends the failure IMDN of r to its sender: a MESSAGE from the
 * recipient without Contact (MSG-02). 0 or -1. */
static int send_failure(const imst_row_t *r)
{
	static str method = str_init("MESSAGE");
	char callid[IMST_TOKEN_LEN + 16], tag[17], dst[IMST_URI_MAX];
	char err[IM_IMDN_ERR_LEN], *doc = NULL;
	size_t len = 0;
	im_imdn_t d;
	im_kbuf_t b = {0}, h = {0};
	str ruri = destination(r), hop = STR_NULL, body, hs;
	imua_leg_id_t id;
	dlg_t dlg;
	uac_req_t uac_r;
	int ret = -1;

	memset(&d, 0, sizeof(d));
	d.message_id = r->imdn_id.s;
	d.datetime = r->imdn_datetime.s;
	d.recipient_uri = r->recipient.s;
	d.kind = IM_IMDN_DELIVERY;
	d.status = IM_IMDN_FAILED;
	if(im_imdn_write(&d, &doc, &len, err, sizeof(err)) < 0) {
		LM_ERR("no failure IMDN for %.*s: %s\n", r->imdn_id.len,
				r->imdn_id.s, err);
		return -1;
	}
	memcpy(callid, "imst-", 5);
	im_random_hex(callid + 5, IMST_TOKEN_LEN);
	callid[5 + IMST_TOKEN_LEN] = '\0';
	im_random_hex(tag, 16);
	tag[16] = '\0';
	memset(&dlg, 0, sizeof(dlg));
	dlg.id.call_id = (str){callid, strlen(callid)};
	dlg.id.loc_tag = (str){tag, 16};
	dlg.loc_seq.value = 1;
	dlg.loc_seq.is_set = 1;
	dlg.loc_uri = r->recipient;
	dlg.rem_uri = ruri;
	dlg.rem_target = ruri;
	dlg.state = DLG_NEW;
	id.method = method;
	id.ruri = ruri;
	id.call_id = dlg.id.call_id;
	id.from_uri = r->recipient;
	id.from_tag = dlg.id.loc_tag;
	if(next_hop(&ruri, &id, dst, sizeof(dst), &hop) < 0) {
		LM_INFO("no way to %.*s for a failure IMDN\n", ruri.len, ruri.s);
		goto out;
	}
	dlg.dst_uri = (str){dst, strlen(dst)};
	if(cpim_body(r, doc, len, &b) < 0)
		goto out;
	im_kbuf_adds(&h, &hop);
	im_kbuf_addf(&h, "Content-Type: " CT_CPIM "\r\n");
	if(h.failed)
		goto out;
	body = im_kbuf_str(&b);
	hs = im_kbuf_str(&h);
	set_uac_req(&uac_r, &method, &hs, &body, &dlg, 0, NULL, NULL);
	ret = imst_tm.t_uac(&uac_r) < 0 ? -1 : 0;
	if(ret < 0)
		LM_ERR("cannot send a failure IMDN to %.*s\n", ruri.len, ruri.s);
out:
	if(hop.s)
		pkg_free(hop.s);
	im_kbuf_free(&b);
	im_kbuf_free(&h);
	free(doc);
	return ret;
}

/* A row to notify about, copied out of the query's result (pkg, one
 * block, NUL-terminated strings) */
typedef struct pending {
	struct pending *next;
	imst_row_t row;
	char data[];
} pending_t;

static void copy_str(str *dst, const str *src, char **p)
{
	memcpy(*p, src->s, src->len);
	(*p)[src->len] = '\0';
	dst->s = *p;
	dst->len = src->len;
	*p += src->len + 1;
}

static int collect(const imst_row_t *r, void *arg)
{
	pending_t **head = arg, *p;
	const str *f[] = {&r->token, &r->recipient, &r->sender, &r->imdn_id,
			&r->imdn_datetime, &r->imdn_from, &r->imdn_to};
	int size = 0, n = sizeof(f) / sizeof(f[0]);
	char *data;

	for(int i = 0; i < n; i++)
		size += f[i]->len + 1;
	p = pkg_malloc(sizeof(*p) + size);
	if(!p) {
		PKG_MEM_ERROR;
		return 1;
	}
	memset(&p->row, 0, sizeof(p->row));
	str *t[] = {&p->row.token, &p->row.recipient, &p->row.sender,
			&p->row.imdn_id, &p->row.imdn_datetime, &p->row.imdn_from,
			&p->row.imdn_to};
	data = p->data;
	for(int i = 0; i < n; i++)
		copy_str(t[i], f[i], &data);
	p->next = *head;
	*head = p;
	return 0;
}

int imst_delete_notify(const imst_sel_t *sel)
{
	imst_sel_t with = *sel, one;
	pending_t *head = NULL, *p;
	int deleted = 0, d, rest;

	with.with_imdn = 1;
	with.with_request = 0;
	if(imst_db_select(&with, collect, &head) < 0)
		return -1;
	while((p = head)) {
		head = p->next;
		memset(&one, 0, sizeof(one));
		one.recipient = &p->row.recipient;
		one.token = &p->row.token;
		d = imst_db_remove(&one);
		/* a row another process deleted first is its to notify about */
		if(d == 1 && send_failure(&p->row) == 0)
			imst_stats_add(IMST_STAT_IMDN_SENT, 1);
		if(d > 0)
			deleted += d;
		pkg_free(p);
	}
	rest = imst_db_remove(sel);
	return rest < 0 ? -1 : deleted + rest;
}
