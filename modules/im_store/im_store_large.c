#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/dprint.h"
#include "core/locking.h"
#include "core/mem/mem.h"
#include "core/mem/shm_mem.h"
#include "core/parser/parse_cseq.h"
#include "core/parser/parse_from.h"
#include "core/parser/parse_to.h"

#include "im_kbuf.h"
#include "im_random.h"

#include "im_store.h"
#include "im_store_db.h"
#include "im_store_defer.h"
#include "im_store_event.h"
#include "im_store_imdn.h"
#include "im_store_large.h"
#include "im_store_push.h"
#include "im_store_stats.h"
#include "im_store_sip.h"

#define LARGE_PREFIX "iml-"
#define LARGE_LEG "sender"
#define LARGE_TAG "+g.oma.sip-im.large-message"
#define LARGE_KEY_MAX 64
#define LARGE_SENDS 8 /* whole messages kept per session */
/* s a session that ended waits for the relay's message_received event
 * of a message that was complete before its BYE (the event and the BYE
 * travel apart) */
#define LARGE_GRACE 5

typedef enum large_state {
	LARGE_FREE = 0,
	LARGE_RECEIVING, /* answered, taking the SENDs */
	LARGE_STORING,	 /* over: one process frees it */
} large_state_t;

typedef struct large_send {
	char message_id[64];
	char tid[13]; /* of its SEND in the row: the same in each write */
	long long size, at;
	int refused; /* over the quota: left out of the row */
} large_send_t;

/* One Large Message being received, in shm. */
typedef struct large {
	large_state_t state;
	int ended;			 /* the dialog is over */
	long long ended_at;	 /* when */
	long long received;	 /* when the INVITE came */
	char key[LARGE_KEY_MAX];
	char rcpt[IMST_URI_MAX], sender[IMST_URI_MAX];
	char token[IMST_TOKEN_LEN + 1];
	char call_id[IMST_URI_MAX];
	char from_path[IMR_PATH_MAX]; /* the sender's a=path */
	imr_session_t relay;
	imr_leg_t leg;
	str invite; /* shm: the INVITE as stored, Date added */
	str ok;		/* shm: our 200 (12.2.2.3 item 3 headers, the SDP) */
	str bye;	/* shm: the BYE's headers up to its Date */
	int nsends;
	large_send_t sends[LARGE_SENDS];
	/* its row (DM-2: written as soon as a message is whole, so that a
	 * restart loses nothing the sender had its 200s for) */
	int writing;  /* one process writes it, the others leave it be */
	int stored;	  /* it is in the table */
	int written;  /* sends it was written with (refused ones too) */
	int row_size; /* its bytes */
} large_t;

static large_t *larges = NULL;
static gen_lock_t *larges_lock = NULL;

int imst_large_init(void)
{
	larges = shm_malloc(sizeof(large_t) * IMST_LARGE_MAX);
	larges_lock = lock_alloc();
	if(!larges || !larges_lock || !lock_init(larges_lock)) {
		SHM_MEM_ERROR;
		return -1;
	}
	memset(larges, 0, sizeof(large_t) * IMST_LARGE_MAX);
	return 0;
}

void imst_large_destroy(void)
{
	if(larges_lock) {
		lock_destroy(larges_lock);
		lock_dealloc(larges_lock);
		larges_lock = NULL;
	}
	if(larges) {
		shm_free(larges);
		larges = NULL;
	}
}

int imst_large_active(void)
{
	int n = 0;

	lock_get(larges_lock);
	for(int i = 0; i < IMST_LARGE_MAX; i++)
		n += larges[i].state != LARGE_FREE;
	lock_release(larges_lock);
	return n;
}

static str cstr(const char *s)
{
	return (str){(char *)s, (int)strlen(s)};
}

static int shm_dup(str *dst, const char *s, int len)
{
	dst->s = shm_malloc(len + 1);
	if(!dst->s) {
		SHM_MEM_ERROR;
		dst->len = 0;
		return -1;
	}
	memcpy(dst->s, s, len);
	dst->s[len] = '\0';
	dst->len = len;
	return 0;
}

static large_t *reserve(void)
{
	large_t *l = NULL;

	lock_get(larges_lock);
	for(int i = 0; i < IMST_LARGE_MAX && !l; i++)
		if(larges[i].state == LARGE_FREE)
			l = &larges[i];
	if(l) {
		memset(l, 0, sizeof(*l));
		l->state = LARGE_RECEIVING;
		l->relay.relay = -1;
	}
	lock_release(larges_lock);
	return l;
}

/* Frees what l holds; the relay session is destroyed. */
static void release(large_t *l)
{
	imr_err_t e;

	for(int i = 0; i < l->nsends; i++)
		imst_relay.message_release(
				&l->relay, l->leg.id, l->sends[i].message_id, &e);
	if(l->relay.relay >= 0)
		imst_relay.session_close(&l->relay);
	shm_free(l->invite.s);
	shm_free(l->ok.s);
	shm_free(l->bye.s);
	lock_get(larges_lock);
	l->invite = l->ok = l->bye = (str)STR_NULL;
	l->state = LARGE_FREE;
	lock_release(larges_lock);
}

/* The Large Message tag in an Accept-Contact (im_pf's classification). */
static int is_large(struct sip_msg *msg)
{
	for(struct hdr_field *h = msg->headers; h; h = h->next)
		if(h->type == HDR_ACCEPTCONTACT_T
				&& memmem(h->body.s, h->body.len, LARGE_TAG,
						   sizeof(LARGE_TAG) - 1))
			return 1;
	return 0;
}

/* The value of the SDP's a=path line, into out. */
static void sdp_path(const str *sdp, char *out, int outlen)
{
	const char *p = sdp->s, *end = sdp->s + sdp->len, *eol;

	out[0] = '\0';
	for(; p < end; p = eol + 1) {
		eol = memchr(p, '\n', end - p);
		if(!eol)
			eol = end;
		if(eol - p > 7 && memcmp(p, "a=path:", 7) == 0) {
			int n = (int)(eol - p - 7);

			if(n > 0 && p[6 + n] == '\r')
				n--;
			snprintf(out, outlen, "%.*s", n, p + 7);
			return;
		}
	}
}

/* One multipart part (RFC 2046): delimiter, Content-Type, content. */
static void add_part(im_kbuf_t *b, const char *token, const char *ctype,
		const char *s, int len)
{
	im_kbuf_addf(b, "--" IMST_BOUNDARY_PREFIX "%s\r\nContent-Type: %s\r\n\r\n",
			token, ctype);
	im_kbuf_add(b, s, len);
	im_kbuf_add(b, "\r\n", 2);
}

/* A SIP message (its Date added) as a message/sip part. */
static int add_sip_part(
		im_kbuf_t *b, const char *token, const str *sip, long long when)
{
	im_kbuf_t m = {0};
	int ret = imst_with_date(sip, when, &m);

	if(ret == 0)
		add_part(b, token, "message/sip", m.s, m.len);
	im_kbuf_free(&m);
	return ret;
}

/* A received message as the SEND that carried it whole (message/msrp,
 * D-30), with a Date of when it was complete. The first message asking
 * for a failure IMDN (its CPIM wrapper's imdn.Disposition-Notification)
 * fills row's imdn_* (DM-7), in imdn. */
static int add_msrp_part(im_kbuf_t *b, large_t *l, const large_send_t *s,
		imst_row_t *row, char *imdn)
{
	char ctype[128], date[64];
	str body, ct;
	im_kbuf_t m = {0};
	imr_err_t e;

	if(imst_relay.message_get(&l->relay, l->leg.id, s->message_id, &body, ctype,
			   sizeof(ctype), &e)
			< 0) {
		LM_WARN("large message for %s: %s not fetched: %s\n", l->rcpt,
				s->message_id, e.text);
		return -1;
	}
	ct = cstr(ctype);
	if(!row->imdn_id.len)
		imst_imdn_fields_of(&ct, &body, row, imdn);
	imst_http_date(s->at, date, sizeof(date));
	im_kbuf_addf(&m,
			"MSRP %s SEND\r\nTo-Path: %s\r\nFrom-Path: %s\r\n"
			"Message-ID: %s\r\nByte-Range: 1-%d/%d\r\nDate: %s\r\n"
			"Content-Type: %s\r\n\r\n",
			s->tid, l->leg.side.local_path, l->from_path, s->message_id,
			body.len, body.len, date, ctype);
	im_kbuf_adds(&m, &body);
	pkg_free(body.s);
	im_kbuf_addf(&m, "\r\n-------%s$\r\n", s->tid);
	add_part(b, l->token, "message/msrp", m.s, m.len);
	im_kbuf_free(&m);
	return 0;
}

/* 12.2.2.3 item 3: the INVITE, our 200, each SEND of the first n not
 * refused, the BYE once the dialog is over (D-30), as the row's
 * multipart/mixed body; imdn holds its imdn_* (IMST_IMDN_BUF). */
static int build_row(large_t *l, int n, int ended, imst_row_t *row, char *imdn)
{
	im_kbuf_t b = {0};
	str bye = l->bye;
	int ret = 0;

	if(add_sip_part(&b, l->token, &l->invite, l->received) < 0
			|| add_sip_part(&b, l->token, &l->ok, l->received) < 0)
		ret = -1;
	for(int i = 0; i < n && ret == 0; i++)
		if(!l->sends[i].refused)
			ret = add_msrp_part(&b, l, &l->sends[i], row, imdn);
	if(ret == 0 && ended && add_sip_part(&b, l->token, &bye, l->ended_at) < 0)
		ret = -1;
	im_kbuf_addf(&b, "--" IMST_BOUNDARY_PREFIX "%s--\r\n", l->token);
	if(ret < 0 || b.failed) {
		im_kbuf_free(&b);
		return -1;
	}
	row->request = im_kbuf_str(&b);
	row->size = row->request.len;
	return 0;
}

/* Writes l's row with its first n sends (fresh of them not in the row
 * yet): inserted the first time, updated after (quota checked for new
 * messages only: the BYE's few bytes are always taken). 0, 1 over the
 * quota, -1 error. */
static int write_once(large_t *l, int n, int ended, int fresh)
{
	char mid[IMST_ID_MAX], imdn[IMST_IMDN_BUF];
	imst_row_t row;
	str host;
	int ret;

	memset(&row, 0, sizeof(row));
	row.recipient = cstr(l->rcpt);
	row.received = l->received; /* a DateTime for an IMDN without one */
	if(build_row(l, n, ended, &row, imdn) < 0) {
		LM_ERR("large message for %s from %s not stored\n", l->rcpt, l->sender);
		return -1;
	}
	imst_host_of(&row.recipient, &host);
	snprintf(mid, sizeof(mid), "sip:%s@%.*s", l->token, host.len, host.s);
	row.token = cstr(l->token);
	row.message_id = cstr(mid);
	row.sender = cstr(l->sender);
	row.call_id = cstr(l->call_id);
	row.expires = l->received + imst_expires_default; /* item 6 */
	row.kind = cstr(IMST_KIND_LARGE);
	if(!l->stored)
		ret = imst_store(&row);
	else
		ret = imst_store_more(&row, fresh ? row.size - l->row_size : 0);
	pkg_free(row.request.s);
	if(ret != 0) {
		LM_INFO("large message for %s from %s not stored: %s\n", l->rcpt,
				l->sender, ret > 0 ? "store full" : "database error");
		return ret;
	}
	l->row_size = row.size;
	LM_INFO("large message %s from %s for %s %s as %s (%d messages%s)\n",
			l->call_id, l->sender, l->rcpt, l->stored ? "updated" : "stored",
			mid, n, ended ? ", session over" : "");
	if(l->stored)
		return 0;
	l->stored = 1;
	imst_stats_add(IMST_STAT_STORED, 1);
	row.request = (str)STR_NULL;
	imst_event_run(IMST_RT_STORED, &row);
	return 0;
}

/* The row holds l's first n sends, and the BYE when ended. Sends over
 * the quota are left out and counted as refused (the sender had its MSRP
 * 200s: OMA gives no way to refuse then); after a database error the
 * next write tries them again. */
static void store_large(large_t *l, int n, int ended)
{
	int fresh = 0, ret;

	for(int i = l->written; i < n; i++)
		fresh += !l->sends[i].refused;
	if(!fresh && !(ended && l->stored))
		return;
	ret = write_once(l, n, ended, fresh);
	if(ret > 0) {
		for(int i = l->written; i < n; i++)
			l->sends[i].refused = 1;
		imst_stats_add(IMST_STAT_REFUSED, fresh);
		if(ended && l->stored)
			ret = write_once(l, n, ended, 0);
	}
	if(ret >= 0)
		l->written = n;
}

/* Claims the writing of l's row for the caller: 1 when it is to write
 * (nobody else does), under larges_lock. */
static int claim(large_t *l)
{
	if(l->writing || l->state != LARGE_RECEIVING || !l->nsends)
		return 0;
	l->writing = 1;
	return 1;
}

/* By the process that claimed l: writes its row until it holds what l
 * has (more messages or the end may come meanwhile); after the end, l
 * is freed. */
static void write_row(large_t *l)
{
	int n, ended, done;

	do {
		lock_get(larges_lock);
		n = l->nsends;
		ended = l->ended;
		lock_release(larges_lock);
		store_large(l, n, ended);
		lock_get(larges_lock);
		done = l->nsends == n && l->ended == ended;
		if(done) {
			l->writing = 0;
			if(ended)
				l->state = LARGE_STORING;
		}
		lock_release(larges_lock);
	} while(!done);
	if(ended)
		release(l);
}

static void on_ended(imua_call_t *c, void *app, const char *reason)
{
	large_t *l = app;
	int go;

	(void)c;
	lock_get(larges_lock);
	l->ended = 1;
	l->ended_at = time(NULL);
	go = claim(l);
	lock_release(larges_lock);
	LM_INFO("large message session %s for %s ended: %s\n", l->key, l->rcpt,
			reason);
	if(go)
		write_row(l);
}

static const imua_dlg_hooks_t large_hooks = {
		.ended = on_ended,
};

/* Answers the INVITE with our endpoint leg's SDP, a=max-size added. */
static int answer(large_t *l, const str *offer, str *ok_sdp)
{
	imr_party_t party = {cstr(l->sender), STR_NULL, STR_NULL};
	im_kbuf_t b = {0};
	str sdp = STR_NULL;
	imr_err_t e;

	if(imst_relay.leg_accept(
			   &l->relay, &l->leg, LARGE_LEG, offer, &party, &sdp, &e)
			< 0) {
		LM_INFO("large message for %s: SDP refused: %s\n", l->rcpt, e.text);
		return e.code ? e.code : 500;
	}
	im_kbuf_adds(&b, &sdp);
	pkg_free(sdp.s);
	if(imst_large_max_size)
		im_kbuf_addf(&b, "a=max-size:%d\r\n", imst_large_max_size);
	if(b.failed) {
		im_kbuf_free(&b);
		return 500;
	}
	*ok_sdp = im_kbuf_str(&b);
	return 0;
}

/* What the push shows of the dialog (12.2.2.3 item 3): the INVITE as
 * stored, and the relevant headers of our 200 and of the BYE. */
static int keep_dialog(large_t *l, struct sip_msg *msg, const str *sdp)
{
	im_kbuf_t inv = {0}, ok = {0}, bye = {0};
	str from = msg->from->body, to = msg->to->body,
		cid = msg->callid->body;
	int ret = -1;

	if(imst_stored_request(msg, &inv) < 0)
		goto done;
	im_kbuf_addf(&ok,
			"SIP/2.0 200 OK\r\nFrom: %.*s\r\nTo: %.*s\r\nCall-ID: %.*s\r\n"
			"CSeq: %.*s INVITE\r\nServer: " IMST_SERVER "\r\n"
			"Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n",
			from.len, from.s, to.len, to.s, cid.len, cid.s,
			get_cseq(msg)->number.len, get_cseq(msg)->number.s, sdp->len);
	im_kbuf_adds(&ok, sdp);
	im_kbuf_addf(&bye,
			"BYE %.*s SIP/2.0\r\nFrom: %.*s\r\nTo: %.*s\r\nCall-ID: %.*s\r\n"
			"Content-Length: 0\r\n\r\n",
			GET_RURI(msg)->len, GET_RURI(msg)->s, from.len, from.s, to.len,
			to.s, cid.len, cid.s);
	if(inv.failed || ok.failed || bye.failed
			|| shm_dup(&l->invite, inv.s, inv.len) < 0
			|| shm_dup(&l->ok, ok.s, ok.len) < 0
			|| shm_dup(&l->bye, bye.s, bye.len) < 0)
		goto done;
	ret = 0;
done:
	im_kbuf_free(&inv);
	im_kbuf_free(&ok);
	im_kbuf_free(&bye);
	return ret;
}

/* The dialog is ours: answer it (the ended hook frees l from now on). */
static int accept_session(large_t *l, struct sip_msg *msg, const str *offer)
{
	str key = cstr(l->key), reason, none = STR_NULL, sdp = STR_NULL;
	str hdrs = str_init("Server: " IMST_SERVER "\r\n");
	str ctype = str_init("application/sdp");
	int code = answer(l, offer, &sdp);

	if(code == 0 && keep_dialog(l, msg, &sdp) < 0)
		code = 500;
	if(code) {
		reason = cstr(code == 488 ? "Not Acceptable Here"
					  : code == 503 ? "Service Unavailable"
									: "Server Internal Error");
		imst_ua.uas_answer(&key, code, &reason, &none, &none, &none);
		pkg_free(sdp.s);
		return -2;
	}
	reason = cstr("OK");
	code = imst_ua.uas_answer(&key, 200, &reason, &hdrs, &ctype, &sdp);
	pkg_free(sdp.s);
	LM_INFO("large message %s from %s for %s: receiving\n", l->call_id,
			l->sender, l->rcpt);
	return code < 0 ? -2 : 1;
}

static int open_session(large_t *l, struct sip_msg *msg)
{
	imr_session_opts_t opts = {.allow_non_cpim = 1};
	char sid[IMR_SESSION_ID_MAX];
	imua_uas_t uas;
	imua_out_t rej;
	imr_err_t e;
	int ret;

	memcpy(sid, LARGE_PREFIX, sizeof(LARGE_PREFIX) - 1);
	im_random_hex(sid + sizeof(LARGE_PREFIX) - 1, 20);
	sid[sizeof(LARGE_PREFIX) - 1 + 20] = '\0';
	if(imst_relay.session_open(&l->relay, IMR_ENDPOINT, sid, &opts, &e) < 0) {
		LM_WARN("large message for %s: no relay session: %s\n", l->rcpt,
				e.text);
		release(l);
		return imst_refuse_store(msg, e.code == 503 ? 503 : 500,
				e.code == 503 ? "Service Unavailable"
							  : "Server Internal Error",
				NULL);
	}
	if(imst_ua.new_key(l->key, sizeof(l->key)) < 0) {
		release(l);
		return imst_refuse_store(msg, 500, "Server Internal Error", NULL);
	}
	memset(&uas, 0, sizeof(uas));
	memset(&rej, 0, sizeof(rej));
	uas.key = cstr(l->key);
	uas.contact_user = cstr("Deferred");
	uas.contact_params = cstr(";+g.oma.sip-im;" LARGE_TAG);
	uas.refresher = IMUA_PREF_UAC;
	uas.hooks = &large_hooks;
	uas.app = l;
	ret = imst_ua.uas_open(msg, &uas, l->key, sizeof(l->key), &rej);
	if(ret != 1) {
		release(l);
		if(ret < 0 && rej.code)
			imst_ua.reply(msg, rej.code, &rej.reason, &rej.hdrs, NULL, NULL);
		imst_ua.out_free(&rej);
		return ret < 0 ? -2 : 1;
	}
	return 0;
}

int imst_large_defer(struct sip_msg *msg)
{
	str offer;
	large_t *l;
	int ret;

	if(msg->first_line.type != SIP_REQUEST
			|| msg->first_line.u.request.method_value != METHOD_INVITE)
		return -1;
	if(parse_headers(msg, HDR_EOH_F, 0) < 0 || !is_large(msg))
		return -1;
	if(parse_from_header(msg) < 0 || !msg->to || !msg->callid || !msg->cseq)
		return imst_refuse_store(msg, 400, "Bad Request", NULL);
	offer = imst_body_of(msg);
	if(!offer.len)
		return imst_refuse_store(msg, 488, "Not Acceptable Here", NULL);
	l = reserve();
	if(!l) {
		LM_WARN("too many large messages being received\n");
		return imst_refuse_store(msg, 503, "Service Unavailable", NULL);
	}
	if(imst_aor(GET_RURI(msg), l->rcpt, sizeof(l->rcpt)) < 0
			|| imst_aor(&get_from(msg)->uri, l->sender, sizeof(l->sender))
					   < 0) {
		release(l);
		return imst_refuse_store(msg, 400, "Bad Request", NULL);
	}
	/* a store that is full already refuses at once, as for a MESSAGE */
	l->received = time(NULL);
	ret = imst_full(&(str){l->rcpt, strlen(l->rcpt)}, 1, 0, l->received);
	if(ret != 0) {
		release(l);
		return ret > 0 ? imst_refuse_store(msg, 486, "Busy Here", IMST_FULL_WARNING)
					   : imst_refuse_store(msg, 500, "Server Internal Error", NULL);
	}
	im_random_hex(l->token, IMST_TOKEN_LEN);
	snprintf(l->call_id, sizeof(l->call_id), "%.*s", msg->callid->body.len,
			msg->callid->body.s);
	sdp_path(&offer, l->from_path, sizeof(l->from_path));
	ret = open_session(l, msg);
	if(ret != 0)
		return ret;
	return accept_session(l, msg, &offer);
}

static large_t *by_session(const char *session)
{
	large_t *l = NULL;

	if(!session || strncmp(session, LARGE_PREFIX, sizeof(LARGE_PREFIX) - 1))
		return NULL;
	lock_get(larges_lock);
	for(int i = 0; i < IMST_LARGE_MAX && !l; i++)
		if(larges[i].state == LARGE_RECEIVING
				&& strcmp(larges[i].relay.id, session) == 0)
			l = &larges[i];
	lock_release(larges_lock);
	return l;
}

static void end_dialog(large_t *l, const char *why)
{
	str key = cstr(l->key);

	imst_ua.terminate(&key, why);
}

/* A message came whole: stored at once (DM-2: a restart must not lose
 * it), unless it is larger than a=max-size said (nothing stored, the
 * session ended). */
void imst_large_received(int relay, const imr_received_t *m)
{
	large_t *l = by_session(m->session);
	int over = 0, go = 0;
	imr_err_t e;

	(void)relay;
	if(!l)
		return;
	lock_get(larges_lock);
	/* freed and taken by another session since by_session() */
	if(l->state != LARGE_RECEIVING || strcmp(l->relay.id, m->session)) {
		lock_release(larges_lock);
		return;
	}
	if((imst_large_max_size && m->size > imst_large_max_size)
			|| l->nsends == LARGE_SENDS)
		over = 1;
	else {
		large_send_t *s = &l->sends[l->nsends++];

		snprintf(s->message_id, sizeof(s->message_id), "%s", m->message_id);
		im_random_hex(s->tid, sizeof(s->tid) - 1);
		s->tid[sizeof(s->tid) - 1] = '\0';
		s->size = m->size;
		s->at = time(NULL);
		go = claim(l);
	}
	lock_release(larges_lock);
	if(over) {
		LM_INFO("large message for %s: %s of %lld bytes is over the limit, "
				"not stored\n",
				l->rcpt, m->message_id, m->size);
		imst_relay.message_release(&l->relay, l->leg.id, m->message_id, &e);
		end_dialog(l, "message too large");
	} else if(go)
		write_row(l);
}

void imst_large_watch(
		int relay, const char *what, const char *session, const char *leg)
{
	large_t *l;

	(void)leg;
	if(strcmp(what, "relay_lost") == 0) {
		for(int i = 0; i < IMST_LARGE_MAX; i++)
			if(larges[i].state == LARGE_RECEIVING
					&& larges[i].relay.relay == relay)
				end_dialog(&larges[i], "relay lost");
		return;
	}
	l = by_session(session);
	if(l)
		end_dialog(l, what);
}

void imst_large_tick(unsigned int ticks, void *param)
{
	long long now = time(NULL);

	(void)ticks;
	(void)param;
	for(int i = 0; i < IMST_LARGE_MAX; i++) {
		large_t *l = &larges[i];
		int write = 0, give_up = 0;

		lock_get(larges_lock);
		if(l->state == LARGE_RECEIVING && l->ended
				&& now - l->ended_at >= LARGE_GRACE) {
			write = claim(l);
			give_up = !l->nsends && !l->writing;
			if(give_up)
				l->state = LARGE_STORING;
		}
		lock_release(larges_lock);
		if(write)
			write_row(l);
		if(give_up) {
			LM_INFO("large message for %s from %s: session over with no "
					"whole message, nothing stored\n",
					l->rcpt, l->sender);
			release(l);
		}
	}
}

int imst_large_receiving(const str *token)
{
	int found = 0;

	if(token->len != IMST_TOKEN_LEN)
		return 0;
	lock_get(larges_lock);
	for(int i = 0; i < IMST_LARGE_MAX && !found; i++)
		found = larges[i].state != LARGE_FREE
				&& memcmp(larges[i].token, token->s, IMST_TOKEN_LEN) == 0;
	lock_release(larges_lock);
	return found;
}
