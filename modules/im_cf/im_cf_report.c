#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dprint.h"
#include "core/locking.h"
#include "core/mem/mem.h"
#include "core/mem/shm_mem.h"

#include "im_clock.h"
#include "im_final_report.h"
#include "im_kbuf.h"

#include "im_cf.h"
#include "im_cf_final.h"
#include "im_cf_ident.h"
#include "im_cf_report.h"
#include "im_cf_table.h"

/* The reports in progress (im_cf_final.c), shared by every process. */
typedef struct fr_store
{
	gen_lock_t lock;
	unsigned long timed_out; /* sent on the timeout, since start */
	imcf_final_table_t t;
} fr_store_t;

static fr_store_t *store;

int imcf_final_report_timeout = 30;

int imcf_report_init(void)
{
	if(imcf_final_report_timeout < 1) {
		LM_ERR("final_report_timeout must be 1 s or more\n");
		return -1;
	}
	store = shm_malloc(sizeof(*store));
	if(!store) {
		SHM_MEM_ERROR;
		return -1;
	}
	memset(store, 0, sizeof(*store));
	imcf_final_init(&store->t);
	lock_init(&store->lock);
	return 0;
}

void imcf_report_destroy(void)
{
	if(store) {
		lock_destroy(&store->lock);
		shm_free(store);
	}
	store = NULL;
}

/* The participant's URI as the others see it (its alias when anonymous,
 * MS-2). */
static const char *shown_uri(const imcf_participant_t *p)
{
	return p->alias_uri[0] ? p->alias_uri : p->uri;
}

/* The final report of x to its sender: in a REPORT when the sender asked
 * for MSRP REPORTs (TS 5.7.3 1), else in a CPIM message from the session
 * identity (5.7.3 2, D-23; conferences carry message/cpim, MS-7). */
static void send_report(const imcf_final_t *x)
{
	imcf_session_t *s = imcf_session_get(x->session);
	im_final_leg_t legs[IMCF_MAX_PARTICIPANTS];
	char uris[IMCF_MAX_PARTICIPANTS][IMCF_URI_MAX];
	char identity[IMCF_URI_MAX], to[IMCF_URI_MAX], err[IM_FINAL_REPORT_ERR_LEN];
	char leg[IMR_LEG_ID_MAX], *xml = NULL;
	str ctype = str_init("message/cpim"), body;
	im_kbuf_t b = {0};
	imr_err_t e;
	size_t len;

	if(!s)
		return;
	imcf_session_lock(s);
	snprintf(identity, sizeof(identity), "%s", s->conf.identity);
	snprintf(to, sizeof(to), "%s", shown_uri(&s->conf.p[x->sender]));
	for(int i = 0; i < x->n; i++) {
		snprintf(uris[i], IMCF_URI_MAX, "%s",
				shown_uri(&s->conf.p[x->r[i].idx]));
		legs[i].uri = uris[i];
		legs[i].status = (unsigned)x->r[i].status;
		legs[i].max_size = x->r[i].max_size;
	}
	imcf_session_unlock(s);
	if(im_final_report_write(
			   x->mid, 1, legs, x->n, &xml, &len, err, sizeof(err))
			< 0) {
		LM_ERR("session %s: final report of %s not written: %s\n", x->session,
				x->mid, err);
		imcf_session_put(s);
		return;
	}
	imcf_leg_name(x->sender, leg, sizeof(leg));
	if(x->in_report) {
		/* TS 5.7.3 1: the sender asked for MSRP REPORTs: one REPORT about
		 * its message, the App O document its body */
		str rtype = str_init(IM_FINAL_REPORT_TYPE), rbody = {xml, (int)len};

		if(imcf_relay.report_send(
				   &s->relay, leg, x->mid, x->total, &rtype, &rbody, &e)
				< 0)
			LM_ERR("session %s: final report of %s not sent: %s\n",
					x->session, x->mid, e.text);
		else
			LM_INFO("session %s: final report of %s sent to %s in a REPORT "
					"(%d recipients)\n",
					x->session, x->mid, to, x->n);
		free(xml);
		imcf_session_put(s);
		return;
	}
	im_kbuf_addf(&b, "From: <%s>\r\nTo: <%s>\r\n\r\n", identity, to);
	im_kbuf_addf(&b,
			"Content-Type: " IM_FINAL_REPORT_TYPE "\r\n"
			"Content-Length: %zu\r\n\r\n",
			len);
	im_kbuf_add(&b, xml, (int)len);
	free(xml);
	body = im_kbuf_str(&b);
	if(!body.len
			|| imcf_relay.inject(&s->relay, leg, &ctype, &body, NULL, 0, &e)
					   < 0)
		LM_ERR("session %s: final report of %s not sent: %s\n", x->session,
				x->mid, body.len ? e.text : "out of memory");
	else
		LM_INFO("session %s: final report of %s sent to %s (%d recipients)\n",
				x->session, x->mid, to, x->n);
	im_kbuf_free(&b);
	imcf_session_put(s);
}

void imcf_report_event(int relay, const imr_delivery_t *d)
{
	size_t plen = strlen(IMCF_RELAY_PREFIX);
	imcf_final_outcome_t o = {.mid = d->message_id,
			.code = d->code,
			.reason = d->reason,
			.sender = -1,
			.sender_reports = d->sender_reports,
			.total = d->total};
	imcf_final_t *done, *evicted;
	imcf_final_result_t res;

	(void)relay;
	o.idx = imcf_leg_index(d->leg, IMCF_MAX_PARTICIPANTS);
	if(!store || strncmp(d->session, IMCF_RELAY_PREFIX, plen) || o.idx < 0)
		return; /* not a participant of ours */
	o.session = d->session + plen;
	if(d->sender_leg)
		o.sender = imcf_leg_index(d->sender_leg, IMCF_MAX_PARTICIPANTS);
	o.now = (unsigned long long)im_now_ms();
	/* two reports of 128 recipients: too much for a worker's stack */
	done = pkg_malloc(2 * sizeof(*done));
	if(!done) {
		PKG_MEM_ERROR;
		return;
	}
	evicted = done + 1;
	lock_get(&store->lock);
	res = imcf_final_event(&store->t, &o, done, evicted);
	lock_release(&store->lock);
	if(evicted->seq) {
		LM_WARN("session %s: final report of %s sent early, %d reports "
				"wait\n",
				evicted->session, evicted->mid, IMCF_FINAL_SLOTS);
		send_report(evicted);
	}
	if(res == IMCF_FINAL_DONE)
		send_report(done);
	pkg_free(done);
}

void imcf_report_tick(unsigned int ticks, void *param)
{
	unsigned long long timeout = 1000ULL * imcf_final_report_timeout;
	imcf_final_t *due;
	int found;

	(void)ticks;
	(void)param;
	if(!store)
		return;
	due = pkg_malloc(sizeof(*due));
	if(!due) {
		PKG_MEM_ERROR;
		return;
	}
	do {
		lock_get(&store->lock);
		found = imcf_final_expire(
				&store->t, (unsigned long long)im_now_ms(), timeout, due);
		if(found)
			store->timed_out++;
		lock_release(&store->lock);
		if(found) {
			LM_INFO("session %s: final report of %s due after %d s\n",
					due->session, due->mid, imcf_final_report_timeout);
			send_report(due);
		}
	} while(found);
	pkg_free(due);
}

void imcf_report_forget(const char *session)
{
	int n;

	if(!store)
		return;
	lock_get(&store->lock);
	n = imcf_final_forget(&store->t, session);
	lock_release(&store->lock);
	if(n)
		LM_INFO("session %s: released with %d final reports unsent\n", session,
				n);
}

void imcf_report_stats_add(rpc_t *rpc, void *th)
{
	int pending = 0, timed_out = 0;

	if(store) {
		lock_get(&store->lock);
		pending = imcf_final_pending(&store->t);
		timed_out = (int)store->timed_out;
		lock_release(&store->lock);
	}
	rpc->struct_add(th, "dd", "final_reports_pending", pending,
			"final_reports_timed_out", timed_out);
}
