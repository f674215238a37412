#define _GNU_SOURCE /* timegm */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/dprint.h"
#include "core/hashes.h"
#include "core/locking.h"
#include "core/mem/mem.h"
#include "core/parser/parse_content.h"
#include "core/parser/parse_from.h"
#include "core/parser/parse_privacy.h"
#include "core/parser/parse_to.h"
#include "core/parser/parse_uri.h"

#include "im_hdr_removed.h"
#include "im_kbuf.h"
#include "im_msg_time.h"
#include "im_random.h"

#include "im_store.h"
#include "im_store_db.h"
#include "im_store_defer.h"
#include "im_store_event.h"
#include "im_store_imdn.h"
#include "im_store_reply.h"
#include "im_store_stats.h"
#include "im_store_sip.h"

/* the quota check and the insert of one user's message go together:
 * parallel MESSAGEs to one user cannot all pass a check made before any
 * of them is stored (on this node; nodes sharing a database may exceed
 * the quota by the messages they store at the same moment) */
#define IMST_LOCKS 64
static gen_lock_set_t *user_locks = NULL;

int imst_defer_init(void)
{
	user_locks = lock_set_alloc(IMST_LOCKS);
	if(!user_locks || !lock_set_init(user_locks)) {
		LM_ERR("cannot make the store's locks\n");
		return -1;
	}
	return 0;
}

void imst_defer_destroy(void)
{
	if(user_locks) {
		lock_set_destroy(user_locks);
		lock_set_dealloc(user_locks);
		user_locks = NULL;
	}
}

/* The sender asked for anonymity (Privacy: id, RFC 3325). */
static int anonymous(struct sip_msg *msg)
{
	return parse_privacy(msg) == 0 && (get_privacy_values(msg) & PRIVACY_ID);
}

/* Headers that are not the message's but our route's or credentials. */
static int dropped(struct sip_msg *msg, struct hdr_field *h, int anon)
{
	switch(h->type) {
		case HDR_AUTHORIZATION_T:
		case HDR_PROXYAUTH_T:
			return 1;
		case HDR_PAI_T:
			return anon; /* 12.2.2.3 item 2 */
		default:
			return im_hdr_removed(msg, h);
	}
}

/*
 * The request as stored (12.2.2.3 item 1: all its headers and bodies): its
 * request line, its headers as received but for those the script removed
 * (a user's own P-Asserted-Identity asserts nothing), credentials, and
 * PAI when the sender asked for anonymity; then its body byte for byte.
 */
int imst_stored_request(struct sip_msg *msg, im_kbuf_t *b)
{
	int anon = anonymous(msg);
	str body = imst_body_of(msg);

	if(!msg->headers)
		return -1;
	im_kbuf_add(b, msg->buf, (int)(msg->headers->name.s - msg->buf));
	for(struct hdr_field *h = msg->headers; h; h = h->next)
		if(!dropped(msg, h, anon))
			im_kbuf_add(b, h->name.s, h->len);
	im_kbuf_add(b, "\r\n", 2);
	im_kbuf_adds(b, &body);
	return b->failed ? -1 : 0;
}

/* 12.2.2.3 item 6: the end of the request's Expires when within the
 * maximum, else the default. The end counts from its Date as im_pf's
 * TP-1 step 4 judged it (im_msg_time.h). */
static long long expiry(struct sip_msg *msg, long long now)
{
	long long end;

	if(im_msg_valid_until(msg, (time_t)now, &end, NULL) == 1
			&& end - now <= imst_expires_max)
		return end;
	return now + imst_expires_default;
}

int imst_refuse_store(struct sip_msg *msg, int code, const char *reason,
		const char *warning)
{
	if(code == 413 || code == 486)
		imst_stats_add(IMST_STAT_REFUSED, 1);
	return imst_refuse(msg, code, reason, warning);
}

int imst_full(const str *recipient, int messages, int size, long long now)
{
	int count;
	long long bytes;

	if(imst_db_usage(recipient, now, &count, &bytes) < 0)
		return -1;
	if((imst_quota_messages && count + messages > imst_quota_messages)
			|| (imst_quota_bytes && bytes + size > imst_quota_bytes)) {
		LM_INFO("store of %.*s is full: %d messages, %lld bytes\n",
				recipient->len, recipient->s, count, bytes);
		return 1;
	}
	return 0;
}

int imst_store(imst_row_t *row)
{
	unsigned int slot = core_hash(&row->recipient, NULL, IMST_LOCKS);
	int ret;

	lock_set_get(user_locks, slot);
	ret = imst_full(&row->recipient, 1, row->size, row->received);
	if(ret == 0)
		ret = imst_db_insert(row) < 0 ? -1 : 0;
	lock_set_release(user_locks, slot);
	return ret;
}

int imst_store_more(imst_row_t *row, int grown)
{
	unsigned int slot = core_hash(&row->recipient, NULL, IMST_LOCKS);
	int ret = 0;

	lock_set_get(user_locks, slot);
	if(grown > 0)
		ret = imst_full(&row->recipient, 0, grown, time(NULL));
	if(ret == 0)
		ret = imst_db_update(row) < 0 ? -1 : 0;
	lock_set_release(user_locks, slot);
	return ret;
}

int imst_defer(struct sip_msg *msg)
{
	char rcpt[IMST_URI_MAX], sender[IMST_URI_MAX], token[IMST_TOKEN_LEN + 1];
	char mid[IMST_ID_MAX], imdn[IMST_IMDN_BUF];
	imst_row_t row;
	im_kbuf_t b = {0};
	str body, host;
	int ret;

	if(msg->first_line.type != SIP_REQUEST
			|| msg->first_line.u.request.method_value != METHOD_MESSAGE)
		return -1;
	if(parse_headers(msg, HDR_EOH_F, 0) < 0 || parse_from_header(msg) < 0
			|| !msg->callid) {
		LM_INFO("MESSAGE not stored: malformed\n");
		return imst_refuse_store(msg, 400, "Bad Request", NULL);
	}
	if(imst_aor(GET_RURI(msg), rcpt, sizeof(rcpt)) < 0
			|| imst_aor(&get_from(msg)->uri, sender, sizeof(sender)) < 0) {
		LM_INFO("MESSAGE not stored: no user in its Request-URI or From\n");
		return imst_refuse_store(msg, 400, "Bad Request", NULL);
	}
	body = imst_body_of(msg);
	if(body.len > imst_max_size) {
		LM_INFO("MESSAGE to %s not stored: %d bytes of body\n", rcpt,
				body.len);
		return imst_refuse_store(
				msg, 413, "Request Entity Too Large", NULL);
	}
	if(imst_stored_request(msg, &b) < 0) {
		im_kbuf_free(&b);
		return imst_refuse_store(msg, 500, "Server Internal Error", NULL);
	}
	memset(&row, 0, sizeof(row));
	row.recipient = (str){rcpt, strlen(rcpt)};
	im_random_hex(token, IMST_TOKEN_LEN);
	imst_host_of(&row.recipient, &host);
	snprintf(mid, sizeof(mid), "sip:%s@%.*s", token, host.len, host.s);
	row.token = (str){token, IMST_TOKEN_LEN};
	row.message_id = (str){mid, strlen(mid)};
	row.sender = (str){sender, strlen(sender)};
	row.call_id = msg->callid->body;
	row.received = time(NULL);
	row.expires = expiry(msg, row.received);
	imst_imdn_fields(msg, &row, imdn);
	row.request = im_kbuf_str(&b);
	row.size = row.request.len;
	ret = imst_store(&row);
	im_kbuf_free(&b);
	if(ret < 0)
		return imst_refuse_store(msg, 500, "Server Internal Error", NULL);
	if(ret > 0)
		return imst_refuse_store(msg, 486, "Busy Here", IMST_FULL_WARNING);
	LM_INFO("MESSAGE %.*s from %s stored for %s as %s\n",
			msg->callid->body.len, msg->callid->body.s, sender, rcpt, mid);
	imst_ua.reply(msg, 202, &(str)str_init("Accepted"), NULL, NULL, NULL);
	imst_stats_add(IMST_STAT_STORED, 1);
	row.request = (str)STR_NULL;
	imst_event_run(IMST_RT_STORED, &row);
	return 1;
}
