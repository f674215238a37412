#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dprint.h"
#include "core/locking.h"
#include "core/mem/shm_mem.h"

#include "im_final_report.h"
#include "im_kbuf.h"

#include "im_cf.h"
#include "im_cf_media.h"
#include "im_cf_report.h"
#include "im_cf_table.h"

/* Reports in progress: a message whose recipients never all answer is
 * forgotten when its slot is needed for a newer one. */
#define FR_SLOTS 64
#define FR_MID_MAX 128

typedef struct fr_recipient
{
	int idx;	/* participant */
	int status; /* 0: not known yet; an MSRP code or 9999 */
	unsigned long long max_size;
} fr_recipient_t;

typedef struct fr_entry
{
	unsigned long seq; /* 0: free; else its age, for reuse */
	char session[IMCF_ID_MAX];
	char mid[FR_MID_MAX];
	int sender;
	int n;
	fr_recipient_t r[IMCF_MAX_PARTICIPANTS];
} fr_entry_t;

typedef struct fr_store
{
	gen_lock_t lock;
	unsigned long seq;
	fr_entry_t e[FR_SLOTS];
} fr_store_t;

static fr_store_t *store;

int imcf_report_init(void)
{
	store = shm_malloc(sizeof(*store));
	if(!store) {
		SHM_MEM_ERROR;
		return -1;
	}
	memset(store, 0, sizeof(*store));
	lock_init(&store->lock);
	return 0;
}

void imcf_report_destroy(void)
{
	if(store)
		shm_free(store);
	store = NULL;
}

static fr_entry_t *find(const char *session, const char *mid, int create)
{
	fr_entry_t *oldest = &store->e[0];

	for(int i = 0; i < FR_SLOTS; i++) {
		fr_entry_t *x = &store->e[i];
		if(x->seq && !strcmp(x->session, session) && !strcmp(x->mid, mid))
			return x;
		if(x->seq < oldest->seq)
			oldest = x;
	}
	if(!create)
		return NULL;
	if(oldest->seq)
		LM_WARN("session %s: final report of %s dropped, not all recipients "
				"answered\n",
				oldest->session, oldest->mid);
	memset(oldest, 0, sizeof(*oldest));
	oldest->seq = ++store->seq;
	snprintf(oldest->session, sizeof(oldest->session), "%s", session);
	snprintf(oldest->mid, sizeof(oldest->mid), "%s", mid);
	oldest->sender = -1;
	return oldest;
}

static fr_recipient_t *recipient(fr_entry_t *x, int idx)
{
	for(int i = 0; i < x->n; i++)
		if(x->r[i].idx == idx)
			return &x->r[i];
	if(x->n == IMCF_MAX_PARTICIPANTS)
		return NULL;
	x->r[x->n].idx = idx;
	return &x->r[x->n++];
}

/* A recipient's outcome: a 413 skip for its max-size ("max-size <n>") is
 * App O's 9999; a success never hides an earlier failure (a REPORT per
 * chunk may follow a failed one). */
static void record(fr_recipient_t *r, int code, const char *reason)
{
	if(code == 413 && strncmp(reason, "max-size ", 9) == 0) {
		r->status = IM_FINAL_STATUS_TOO_LARGE;
		r->max_size = strtoull(reason + 9, NULL, 10);
		if(!r->max_size)
			r->status = 413;
	} else if(code >= 200 && code <= 999 && (code != 200 || !r->status)) {
		r->status = code;
	}
}

static int complete(const fr_entry_t *x)
{
	if(x->sender < 0 || !x->n)
		return 0;
	for(int i = 0; i < x->n; i++)
		if(!x->r[i].status)
			return 0;
	return 1;
}

/* The participant's URI as the others see it (its alias when anonymous,
 * MS-2). */
static const char *shown_uri(const imcf_participant_t *p)
{
	return p->alias_uri[0] ? p->alias_uri : p->uri;
}

/* The final report of x to its sender, in a CPIM message from the session
 * identity (conferences carry message/cpim, MS-7). */
static void send_report(const fr_entry_t *x)
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
	if(im_final_report_write(x->mid, 1, legs, x->n, &xml, &len, err,
			   sizeof(err))
			< 0) {
		LM_ERR("session %s: final report of %s not written: %s\n",
				x->session, x->mid, err);
		imcf_session_put(s);
		return;
	}
	im_kbuf_addf(&b, "From: <%s>\r\nTo: <%s>\r\n\r\n", identity, to);
	im_kbuf_addf(&b, "Content-Type: " IM_FINAL_REPORT_TYPE "\r\n"
					 "Content-Length: %zu\r\n\r\n",
			len);
	im_kbuf_add(&b, xml, (int)len);
	free(xml);
	body = im_kbuf_str(&b);
	snprintf(leg, sizeof(leg), "p%d", x->sender);
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

void imcf_report_event(int relay, const char *session, const char *leg,
		const char *message_id, int code, const char *reason,
		const char *sender_leg)
{
	size_t plen = strlen(IMCF_RELAY_PREFIX);
	int idx = imcf_media_leg_index(leg), sender = -1;
	fr_entry_t *x, done;
	fr_recipient_t *r;

	(void)relay;
	if(!store || strncmp(session, IMCF_RELAY_PREFIX, plen) || idx < 0)
		return; /* not a participant of ours */
	session += plen;
	if(sender_leg)
		sender = imcf_media_leg_index(sender_leg);
	lock_get(&store->lock);
	x = find(session, message_id, code == 100 && sender >= 0);
	if(!x) {
		lock_release(&store->lock);
		return; /* no final report asked for this message */
	}
	if(code == 100)
		x->sender = sender;
	r = recipient(x, idx);
	if(r && code != 100)
		record(r, code, reason);
	if(!complete(x)) {
		lock_release(&store->lock);
		return;
	}
	done = *x;
	x->seq = 0;
	lock_release(&store->lock);
	send_report(&done);
}
