#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/dprint.h"
#include "core/dset.h"
#include "core/locking.h"
#include "core/mem/mem.h"
#include "core/mem/shm_mem.h"
#include "core/parser/msg_parser.h"

#include "im_kbuf.h"
#include "im_random.h"

#include "im_store.h"
#include "im_store_db.h"
#include "im_store_defer.h"
#include "im_store_event.h"
#include "im_store_large.h"
#include "im_store_push.h"
#include "im_store_request.h"
#include "im_store_stats.h"
#include "im_store_sip.h"

#define IMST_PUSH_MAX 256
#define IMST_SESSION_PREFIX "ims-"

typedef enum push_state {
	PUSH_FREE = 0,
	PUSH_INVITING, /* INVITE sent or answered, no SEND yet */
	PUSH_SENDING,  /* injecting the messages */
	PUSH_SENT,	   /* all injected: the BYE follows the last report */
	PUSH_ENDING,   /* BYE asked for */
} push_state_t;

static imst_push_t *pushes = NULL;
static gen_lock_t *pushes_lock = NULL;

int imst_push_init(void)
{
	pushes = shm_malloc(sizeof(imst_push_t) * IMST_PUSH_MAX);
	pushes_lock = lock_alloc();
	if(!pushes || !pushes_lock || !lock_init(pushes_lock)) {
		SHM_MEM_ERROR;
		return -1;
	}
	memset(pushes, 0, sizeof(imst_push_t) * IMST_PUSH_MAX);
	return 0;
}

void imst_push_destroy(void)
{
	if(pushes_lock) {
		lock_destroy(pushes_lock);
		lock_dealloc(pushes_lock);
		pushes_lock = NULL;
	}
	if(pushes) {
		shm_free(pushes);
		pushes = NULL;
	}
}

int imst_push_active(void)
{
	int n = 0;

	lock_get(pushes_lock);
	for(int i = 0; i < IMST_PUSH_MAX; i++)
		n += pushes[i].state != PUSH_FREE;
	lock_release(pushes_lock);
	return n;
}

/* A free slot for user, or NULL (*busy set when user has a push, D-29). */
imst_push_t *imst_push_reserve(const char *user, int *busy)
{
	imst_push_t *p = NULL;

	*busy = 0;
	lock_get(pushes_lock);
	for(int i = 0; i < IMST_PUSH_MAX; i++) {
		if(pushes[i].state == PUSH_FREE) {
			if(!p)
				p = &pushes[i];
		} else if(strcmp(pushes[i].user, user) == 0) {
			*busy = 1;
			p = NULL;
			break;
		}
	}
	if(p) {
		memset(p, 0, sizeof(*p));
		p->state = PUSH_INVITING;
		p->relay.relay = -1;
		snprintf(p->user, sizeof(p->user), "%s", user);
	}
	lock_release(pushes_lock);
	return p;
}

void imst_push_release(imst_push_t *p)
{
	lock_get(pushes_lock);
	p->state = PUSH_FREE;
	lock_release(pushes_lock);
}

static str cstr(const char *s)
{
	return (str){(char *)s, (int)strlen(s)};
}

/* Asks for the BYE once, whoever sees the end first. */
void imst_push_end(imst_push_t *p, const char *why)
{
	char key[IMST_KEY_MAX];
	int go;

	lock_get(pushes_lock);
	go = p->state != PUSH_FREE && p->state != PUSH_ENDING && p->key[0];
	if(go) {
		p->state = PUSH_ENDING;
		snprintf(key, sizeof(key), "%s", p->key);
	}
	lock_release(pushes_lock);
	if(go) {
		LM_INFO("push %s to %s: ending (%s)\n", key, p->user, why);
		str k = cstr(key);
		imst_ua.terminate(&k, why);
	}
}

/* D-30: a MESSAGE goes as message/sip with its Date (built in b); a
 * Large Message as the multipart/mixed body stored for it, its parts
 * dated when stored (a view of the row, not copied: it may be large). */
static int push_content(const imst_row_t *r, im_kbuf_t *b, str *body,
		char *ctype, int ctypelen)
{
	if(r->kind.len == sizeof(IMST_KIND_LARGE) - 1
			&& memcmp(r->kind.s, IMST_KIND_LARGE, r->kind.len) == 0) {
		snprintf(ctype, ctypelen, "multipart/mixed; boundary=%s%.*s",
				IMST_BOUNDARY_PREFIX, r->token.len, r->token.s);
		*body = r->request;
		return 0;
	}
	snprintf(ctype, ctypelen, "message/sip");
	if(imst_with_date(&r->request, r->received, b) < 0)
		return -1;
	*body = (str){b->s, b->len};
	return 0;
}

/* Whether a retrieval asked for r (12.2.1.1: its resource list), or
 * the push takes every message. */
static int picked(const imst_push_t *p, const imst_row_t *r)
{
	if(!p->npicked)
		return 1;
	for(int i = 0; i < p->npicked; i++)
		if(r->token.len == IMST_TOKEN_LEN
				&& memcmp(p->picked[i], r->token.s, IMST_TOKEN_LEN) == 0)
			return 1;
	return 0;
}

static int inject_one(const imst_row_t *r, void *arg)
{
	imst_push_t *p = arg;
	char ct[96];
	str ctype, body;
	im_kbuf_t b = {0};
	imr_err_t e;
	int ret;

	p->last_id = r->id;
	/* a Large Message still under way may grow: the next push takes it */
	if(!picked(p, r) || imst_large_receiving(&r->token))
		return 0;
	if(push_content(r, &b, &body, ct, sizeof(ct)) < 0) {
		LM_ERR("push to %s: stored message %.*s is malformed, kept\n",
				p->user, r->message_id.len, r->message_id.s);
		im_kbuf_free(&b);
		return 0;
	}
	ctype = cstr(ct);
	lock_get(pushes_lock);
	p->pending++;
	lock_release(pushes_lock);
	/* the token is the SEND's Message-ID: the relay's report names it */
	ret = imst_relay.inject(&p->relay, p->leg.id, &ctype, &body,
			&r->token, 0, &e);
	im_kbuf_free(&b);
	if(ret < 0) {
		LM_WARN("push to %s: %.*s not sent: %s\n", p->user,
				r->message_id.len, r->message_id.s, e.text);
		lock_get(pushes_lock);
		p->pending--;
		lock_release(pushes_lock);
		p->stopped = 1;
		return 1; /* the relay is gone: the rest stays stored */
	}
	return 0;
}

/* The next batch of the user's messages, after the last one read: 1
 * when it was full (more may follow). Only one process sends batches of
 * a push at a time (state PUSH_SENDING). */
static int send_batch(imst_push_t *p)
{
	str user = cstr(p->user);
	imst_sel_t sel = {.recipient = &user,
			.alive_at = time(NULL),
			.with_request = 1,
			.after_id = p->last_id,
			.limit = IMST_PUSH_BATCH};
	int n = imst_db_select(&sel, inject_one, p);

	imst_stats_add(IMST_STAT_BATCHES, 1);
	if(n < 0) {
		LM_ERR("push to %s: cannot read its messages\n", p->user);
		return 0;
	}
	return n == IMST_PUSH_BATCH && !p->stopped;
}

/* Batches while none of the last one is pending and more may follow
 * (a retrieval's list may pick none of a batch); then the push is SENT.
 * 1 when nothing is left to wait for. */
static int send_more(imst_push_t *p)
{
	int more, again, done;

	do {
		more = send_batch(p);
		lock_get(pushes_lock);
		again = more && p->pending == 0;
		lock_release(pushes_lock);
	} while(again);
	lock_get(pushes_lock);
	p->more = more;
	p->state = PUSH_SENT;
	done = p->pending == 0 && !more;
	lock_release(pushes_lock);
	return done;
}

int imst_push_send(imst_push_t *p)
{
	int done;

	lock_get(pushes_lock);
	p->state = PUSH_SENDING;
	lock_release(pushes_lock);
	done = send_more(p);
	if(done) {
		lock_get(pushes_lock);
		p->state = PUSH_ENDING;
		lock_release(pushes_lock);
		LM_INFO("push to %s: nothing to send, ending\n", p->user);
	}
	return done;
}

/* 12.2.2.2 "on receipt of the 200": the leg completed with the user's
 * answer, then one SEND per message (12.2.2.5). Non-zero: BYE now. */
static int on_answered(imua_call_t *c, void *app, struct sip_msg *rpl)
{
	imst_push_t *p = app;
	str sdp = STR_NULL, user = cstr(p->user);
	imr_party_t party = {user, STR_NULL, STR_NULL};
	imr_err_t e;

	(void)c;
	sdp.s = get_body(rpl);
	sdp.len = sdp.s ? (int)(rpl->buf + rpl->len - sdp.s) : 0;
	if(!sdp.len
			|| imst_relay.leg_complete(&p->relay, &p->leg, &sdp, &party, &e)
					   < 0) {
		LM_INFO("push to %s: unusable SDP answer\n", p->user);
		return 1;
	}
	return imst_push_send(p);
}

void imst_push_ended(imua_call_t *c, void *app, const char *reason)
{
	imst_push_t *p = app;

	(void)c;
	LM_INFO("push to %s ended: %s\n", p->user, reason);
	imst_relay.session_close(&p->relay);
	imst_push_release(p);
}

static const imua_dlg_hooks_t push_hooks = {
		.answered = on_answered,
		.ended = imst_push_ended,
};

int imst_push_open(imst_push_t *p, imr_err_t *e)
{
	imr_session_opts_t opts = {.allow_non_cpim = 1};
	char sid[IMR_SESSION_ID_MAX];

	memcpy(sid, IMST_SESSION_PREFIX, sizeof(IMST_SESSION_PREFIX) - 1);
	im_random_hex(sid + sizeof(IMST_SESSION_PREFIX) - 1, 20);
	return imst_relay.session_open(&p->relay, IMR_ENDPOINT, sid, &opts, e);
}

static int start(imst_push_t *p, struct sip_msg *msg)
{
	str user = cstr(p->user), offer = STR_NULL, host;
	imr_party_t party = {user, STR_NULL, STR_NULL};
	char from[IMST_URI_MAX + 16];
	imua_target_t targets[IMST_PUSH_CONTACTS];
	imua_uac_t uac;
	imr_err_t e;
	int ret = -1, ntargets;

	if(imst_push_open(p, &e) < 0
			|| imst_relay.leg_offer(&p->relay, &p->leg, IMST_PUSH_LEG, &party, 0,
					   "sendonly", NULL, &offer, &e)
					   < 0) {
		LM_WARN("push to %s: no relay session: %s\n", p->user, e.text);
		return -1;
	}
	/* D-32: the Deferred Messaging Function's URI, App F.2 spelling */
	imst_host_of(&user, &host);
	snprintf(from, sizeof(from), "sip:Deferred@%.*s", host.len, host.s);
	memset(&uac, 0, sizeof(uac));
	/* DM-3: every contact of the user at once (two devices both ring);
	 * the first 2xx gets the messages, the others are CANCELled or, when
	 * they answered too, ACKed and BYEd: only the winner's MSRP 200s
	 * delete anything (im_ua's parallel forking, RFC 3261 16.7) */
	ntargets = imst_ua.request_targets(
			msg, &msg->dst_uri, targets, IMST_PUSH_CONTACTS);
	uac.ruri = targets[0].ruri;
	uac.dst_uri = targets[0].dst_uri;
	uac.next_targets = targets + 1;
	uac.n_next_targets = ntargets - 1;
	uac.parallel = 1;
	uac.from_uri = cstr(from);
	uac.to_uri = user;
	uac.hdrs = cstr("Accept-Contact: *;+g.oma.sip-im\r\n"
					"User-Agent: " IMST_SERVER "\r\n");
	uac.body = offer;
	uac.ctype = cstr("application/sdp");
	uac.contact_user = cstr("Deferred");
	uac.contact_params = cstr(";+g.oma.sip-im;automata");
	uac.se = imst_session_expires;
	uac.hooks = &push_hooks;
	uac.app = p;
	/* the key is ours before the INVITE leaves: an answer may come first */
	if(imst_ua.new_key(p->key, sizeof(p->key)) < 0)
		goto done;
	uac.key = cstr(p->key);
	if(imst_ua.uac_invite(&uac, p->key, sizeof(p->key)) < 0) {
		LM_WARN("push to %s: INVITE not sent\n", p->user);
		goto done;
	}
	ret = 1;
done:
	pkg_free(offer.s);
	if(ret < 0)
		imst_relay.session_close(&p->relay);
	return ret;
}

int imst_push(struct sip_msg *msg, const str *user)
{
	char aor[IMST_URI_MAX];
	str a;
	imst_push_t *p;
	int busy, n;

	if(imst_aor(user, aor, sizeof(aor)) < 0) {
		LM_ERR("no user in %.*s\n", user->len, user->s);
		return -1;
	}
	a = cstr(aor);
	if(!msg->new_uri.len) {
		LM_WARN("push to %s: no contact (lookup() first)\n", aor);
		return -4;
	}
	n = imst_has_message(&a, NULL);
	if(n <= 0)
		return n < 0 ? -1 : -2;
	p = imst_push_reserve(aor, &busy);
	if(!p) {
		if(!busy)
			LM_WARN("push to %s: too many pushes under way\n", aor);
		return busy ? -3 : -1;
	}
	if(start(p, msg) < 0) {
		imst_push_release(p);
		return -1;
	}
	imst_stats_add(IMST_STAT_PUSHES, 1);
	LM_INFO("push %s to %s: inviting %.*s and %u more contacts\n", p->key,
			aor, GET_RURI(msg)->len, GET_RURI(msg)->s, nr_branches);
	return 1;
}

static imst_push_t *by_session(const char *session)
{
	imst_push_t *p = NULL;

	if(!session
			|| strncmp(session, IMST_SESSION_PREFIX,
					   sizeof(IMST_SESSION_PREFIX) - 1))
		return NULL;
	lock_get(pushes_lock);
	for(int i = 0; i < IMST_PUSH_MAX && !p; i++)
		if(pushes[i].state != PUSH_FREE
				&& strcmp(pushes[i].relay.id, session) == 0)
			p = &pushes[i];
	lock_release(pushes_lock);
	return p;
}

void imst_push_watch(
		int relay, const char *what, const char *session, const char *leg)
{
	imst_push_t *p;

	(void)leg;
	if(strcmp(what, "relay_lost") == 0) {
		for(int i = 0; i < IMST_PUSH_MAX; i++)
			if(pushes[i].state != PUSH_FREE && pushes[i].relay.relay == relay)
				imst_push_end(&pushes[i], "relay lost");
		return;
	}
	p = by_session(session);
	if(p)
		imst_push_end(p, what);
}

static int delivered_event(const imst_row_t *r, void *arg)
{
	int *found = arg;

	if(imst_db_remove(&(imst_sel_t){.recipient = &r->recipient,
			   .token = &r->token})
			< 0)
		return 1;
	*found = 1;
	imst_stats_add(IMST_STAT_DELIVERED, 1);
	LM_INFO("%.*s delivered to %.*s\n", r->message_id.len, r->message_id.s,
			r->recipient.len, r->recipient.s);
	imst_event_run(IMST_RT_DELIVERED, r);
	return 1;
}

/* DM-4: a message is delivered, and deleted, only on its MSRP 200. */
void imst_push_report(int relay, const imr_delivery_t *d)
{
	imst_push_t *p = by_session(d->session);
	str user, token = cstr(d->message_id);
	imst_sel_t sel = {&user, &token, 0, 0};
	int found = 0, last, refill;

	(void)relay;
	if(!p || d->code == 100)
		return;
	user = cstr(p->user);
	if(d->code == 200)
		imst_db_select(&sel, delivered_event, &found);
	else
		LM_INFO("push to %s: %s refused (%d %s), kept\n", p->user,
				d->message_id, d->code, d->reason);
	lock_get(pushes_lock);
	if(p->pending > 0)
		p->pending--;
	/* half of the batch reported: this process reads the next one */
	refill = p->state == PUSH_SENT && p->more
			 && p->pending <= IMST_PUSH_BATCH / 2;
	if(refill)
		p->state = PUSH_SENDING;
	last = p->state == PUSH_SENT && p->pending == 0 && !p->more;
	lock_release(pushes_lock);
	if(refill)
		last = send_more(p);
	if(last)
		imst_push_end(p, "all sent");
}
