#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/dprint.h"
#include "core/locking.h"
#include "core/mem/mem.h"
#include "core/mem/shm_mem.h"

#include "im_clock.h"
#include "im_confinfo.h"

#include "im_cf_ci.h"
#include "im_cf_notify.h"
#include "im_cf_subs.h"
#include "im_cf_table.h"

int imcf_notify_interval = 500;
int imcf_subscribe_expires = 3600;
int imcf_max_subscriptions = 1000;

typedef struct imcf_sub
{
	struct imcf_sub *next;
	unsigned int id; /* names it to tm callbacks */
	char session[IMCF_ID_MAX];
	char subscriber[IMCF_URI_MAX];
	imcf_sub_dlg_t dlg;
	unsigned int cseq;	  /* of our last NOTIFY */
	unsigned int version; /* of the last document sent */
	unsigned int seen;	  /* conference-state version it showed */
	time_t expires;
	long long last_ms; /* when the last NOTIFY left; 0: none yet */
	/* a full document is due while asked != done (a new subscription, a
	 * refresh); counters, so that a refresh during a NOTIFY is not lost */
	unsigned int full_asked, full_done;
	const char *ending; /* the reason of the terminated NOTIFY to send */
	unsigned char told[IMCF_MAX_PARTICIPANTS]; /* imcf_told_t */
} imcf_sub_t;

typedef struct subs_table
{
	gen_lock_t lock;
	imcf_sub_t *first;
	unsigned int next_id, count;
	unsigned long notifies;
} subs_table_t;

static subs_table_t *subs;

int imcf_subs_init(void)
{
	subs = shm_malloc(sizeof(*subs));
	if(!subs) {
		SHM_MEM_ERROR;
		return -1;
	}
	memset(subs, 0, sizeof(*subs));
	lock_init(&subs->lock);
	return 0;
}

void imcf_subs_destroy(void)
{
	imcf_sub_t *s, *next;

	if(!subs)
		return;
	for(s = subs->first; s; s = next) {
		next = s->next;
		shm_free(s);
	}
	shm_free(subs);
	subs = NULL;
}

/* under the lock */
static imcf_sub_t *by_id(unsigned int id)
{
	imcf_sub_t *s;

	for(s = subs->first; s && s->id != id; s = s->next)
		;
	return s;
}

/* under the lock */
static void unlink_sub(imcf_sub_t *s)
{
	imcf_sub_t **pp;

	for(pp = &subs->first; *pp && *pp != s; pp = &(*pp)->next)
		;
	if(*pp) {
		*pp = s->next;
		subs->count--;
	}
	shm_free(s);
}

int imcf_subs_add(const char *session, const char *subscriber,
		const imcf_sub_dlg_t *dlg, int expires)
{
	imcf_sub_t *s = shm_malloc(sizeof(*s));

	if(!s) {
		SHM_MEM_ERROR;
		return -1;
	}
	memset(s, 0, sizeof(*s));
	snprintf(s->session, sizeof(s->session), "%s", session);
	snprintf(s->subscriber, sizeof(s->subscriber), "%s", subscriber);
	s->dlg = *dlg;
	s->cseq = 1;
	s->expires = time(NULL) + expires;
	s->full_asked = 1;
	/* a fetch (Expires: 0): one full document, then terminated */
	s->ending = expires ? NULL : "timeout";
	lock_get(&subs->lock);
	if(imcf_max_subscriptions > 0
			&& subs->count >= (unsigned int)imcf_max_subscriptions) {
		lock_release(&subs->lock);
		shm_free(s);
		LM_NOTICE("session %s: refused, %d subscriptions already\n", session,
				imcf_max_subscriptions);
		return -1;
	}
	s->id = ++subs->next_id;
	s->next = subs->first;
	subs->first = s;
	subs->count++;
	lock_release(&subs->lock);
	return 0;
}

int imcf_subs_refresh(const char *call_id, const char *remote_tag,
		const char *local_tag, unsigned int cseq, int expires, char *contact,
		int len)
{
	imcf_sub_t *s;
	int ret = 0;

	lock_get(&subs->lock);
	for(s = subs->first; s; s = s->next) {
		if(strcmp(s->dlg.call_id, call_id) == 0
				&& strcmp(s->dlg.remote_tag, remote_tag) == 0
				&& strcmp(s->dlg.local_tag, local_tag) == 0 && !s->ending)
			break;
	}
	if(s && cseq <= s->dlg.remote_cseq) {
		ret = -1; /* RFC 3261 12.2.2 */
	} else if(s) {
		s->dlg.remote_cseq = cseq;
		s->expires = time(NULL) + expires;
		s->full_asked++;
		if(!expires)
			s->ending = "timeout";
		snprintf(contact, len, "%s", s->dlg.contact);
		ret = 1;
	}
	lock_release(&subs->lock);
	return ret;
}

void imcf_subs_notify_result(unsigned int id, int code)
{
	imcf_sub_t *s;

	/* RFC 6665 4.2.2: a NOTIFY refused or unanswered ends the
	 * subscription */
	if(code < 300)
		return;
	lock_get(&subs->lock);
	s = by_id(id);
	if(s) {
		LM_INFO("session %s: subscription of %s ended by a %d to NOTIFY\n",
				s->session, s->subscriber, code);
		unlink_sub(s);
	}
	lock_release(&subs->lock);
}

/* What one round of the timer needs of a subscription, copied. */
typedef struct work
{
	unsigned int id;
	char session[IMCF_ID_MAX];
	char subscriber[IMCF_URI_MAX];
	unsigned int version, seen, full_asked;
	int want_full;
	const char *ending;
	time_t expires;
	long long last_ms;
	unsigned char told[IMCF_MAX_PARTICIPANTS];
} work_t;

static int take_work(unsigned int id, work_t *w)
{
	imcf_sub_t *s;

	lock_get(&subs->lock);
	s = by_id(id);
	if(s) {
		w->id = id;
		memcpy(w->session, s->session, sizeof(w->session));
		memcpy(w->subscriber, s->subscriber, sizeof(w->subscriber));
		w->version = s->version;
		w->seen = s->seen;
		w->full_asked = s->full_asked;
		w->want_full = s->full_asked != s->full_done;
		w->ending = s->ending;
		w->expires = s->expires;
		w->last_ms = s->last_ms;
		memcpy(w->told, s->told, sizeof(w->told));
	}
	lock_release(&subs->lock);
	return s ? 0 : -1;
}

/* 1 while session id is live, with its conference-state version; 0
 * when it is gone or released (CF-22). No copy: a probe each tick. */
static int live(const char *id, unsigned int *version)
{
	imcf_session_t *s = imcf_session_get(id);
	int ret;

	if(!s)
		return 0;
	imcf_session_lock(s);
	ret = !s->conf.released;
	*version = s->conf.version;
	imcf_session_unlock(s);
	imcf_session_put(s);
	return ret;
}

/* A pkg copy of the conference of session id; NULL when the session is
 * gone or released (CF-22). */
static imcf_conf_t *conf_of(const char *id)
{
	imcf_session_t *s = imcf_session_get(id);
	imcf_conf_t *c = NULL;
	size_t len;

	if(!s)
		return NULL;
	imcf_session_lock(s);
	if(!s->conf.released) {
		len = imcf_conf_size(s->conf.cap);
		c = pkg_malloc(len);
		if(c)
			memcpy(c, &s->conf, len);
		else
			PKG_MEM_ERROR;
	}
	imcf_session_unlock(s);
	imcf_session_put(s);
	return c;
}

/* Commits what w sent (or found unchanged) and takes the dialog for the
 * NOTIFY into n; the subscription goes when it ended. 1 send, 0 not. */
static int commit(work_t *w, const imcf_conf_t *c, int sent, long long ms,
		imcf_notify_t *n)
{
	imcf_sub_t *s;
	int send = 0;

	lock_get(&subs->lock);
	s = by_id(w->id);
	if(s) {
		if(c)
			s->seen = c->version;
		if(w->want_full)
			s->full_done = w->full_asked;
		if(sent) {
			memcpy(s->told, w->told, sizeof(s->told));
			s->version = w->version;
			s->last_ms = ms;
			n->dlg = s->dlg;
			n->cseq = ++s->cseq;
			subs->notifies++;
			send = 1;
		}
		if(w->ending) {
			LM_DBG("session %s: subscription of %s terminated (%s)\n",
					s->session, s->subscriber, w->ending);
			unlink_sub(s);
		}
	}
	lock_release(&subs->lock);
	return send;
}

/* One subscription's turn: its NOTIFY when one is due. */
static void serve(unsigned int id, time_t now, long long ms)
{
	work_t w;
	imcf_conf_t *c;
	imcf_notify_t n;
	char err[IM_CONFINFO_ERR_LEN];
	char *doc = NULL;
	size_t len = 0;
	int ret = 0;
	unsigned int version = 0;

	if(take_work(id, &w) < 0)
		return;
	if(!w.ending && now >= w.expires)
		w.ending = "timeout";
	if(!w.ending && !live(w.session, &version))
		w.ending = "noresource"; /* CF-22 */
	if(!w.ending && !w.want_full && version == w.seen)
		return; /* nothing new */
	/* the rate limit (CF-21): changes wait, a termination does not */
	if(!w.ending && w.last_ms && ms - w.last_ms < imcf_notify_interval)
		return;
	c = conf_of(w.session);
	if(!c)
		w.ending = "noresource";
	else if(!w.ending && !imcf_ci_attending(c, w.subscriber))
		w.ending = "rejected"; /* CF-22: the subscriber left */
	if(c) {
		ret = imcf_ci_write(c, w.subscriber, w.want_full || w.ending,
				w.told, w.version + 1, &doc, &len, err, sizeof(err));
		if(ret < 0)
			LM_ERR("session %s: no conference-info for %s: %s\n", w.session,
					w.subscriber, err);
	}
	if(ret > 0)
		w.version++;
	memset(&n, 0, sizeof(n));
	n.sub_id = id;
	n.body = doc;
	n.len = len;
	if(w.ending)
		snprintf(n.state, sizeof(n.state), "terminated;reason=%s", w.ending);
	else
		snprintf(n.state, sizeof(n.state), "active;expires=%ld",
				(long)(w.expires - now));
	/* a termination is always told, with or without a document */
	if(commit(&w, c, ret > 0 || w.ending, ms, &n))
		imcf_notify_send(&n);
	free(doc);
	if(c)
		pkg_free(c);
}

void imcf_subs_timer(unsigned int ticks, void *param)
{
	unsigned int *ids, n = 0;
	time_t now = time(NULL);
	long long ms = im_now_ms();
	imcf_sub_t *s;

	(void)ticks;
	(void)param;
	lock_get(&subs->lock);
	if(!subs->count) {
		lock_release(&subs->lock);
		return;
	}
	ids = pkg_malloc(subs->count * sizeof(*ids));
	for(s = subs->first; ids && s; s = s->next)
		ids[n++] = s->id;
	lock_release(&subs->lock);
	if(!ids) {
		PKG_MEM_ERROR;
		return;
	}
	/* oldest first: NOTIFYs leave in the order the subscriptions came */
	while(n > 0)
		serve(ids[--n], now, ms);
	pkg_free(ids);
}

unsigned int imcf_subs_count(void)
{
	unsigned int n;

	lock_get(&subs->lock);
	n = subs->count;
	lock_release(&subs->lock);
	return n;
}

unsigned long imcf_subs_notifies(void)
{
	unsigned long n;

	lock_get(&subs->lock);
	n = subs->notifies;
	lock_release(&subs->lock);
	return n;
}

void imcf_subs_rpc(rpc_t *rpc, void *th, const char *session)
{
	void *ah, *sh;
	imcf_sub_t *s;
	time_t now = time(NULL);

	if(rpc->struct_add(th, "[", "subscriptions", &ah) < 0)
		return;
	/* rpc output is pkg memory of this process: safe under the lock */
	lock_get(&subs->lock);
	for(s = subs->first; s; s = s->next) {
		if(strcmp(s->session, session) != 0
				|| rpc->array_add(ah, "{", &sh) < 0)
			continue;
		rpc->struct_add(sh, "sssdd", "subscriber", s->subscriber, "call_id",
				s->dlg.call_id, "contact", s->dlg.target, "version",
				(int)s->version, "expires", (int)(s->expires - now));
	}
	lock_release(&subs->lock);
}
