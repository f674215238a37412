#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "im_final_report.h"

#include "im_cf_final.h"

void imcf_final_init(imcf_final_table_t *t)
{
	memset(t, 0, sizeof(*t));
}

static imcf_final_t *find(imcf_final_table_t *t, const char *session,
		const char *mid, imcf_final_t **oldest)
{
	*oldest = &t->e[0];
	for(int i = 0; i < IMCF_FINAL_SLOTS; i++) {
		imcf_final_t *x = &t->e[i];
		if(x->seq && !strcmp(x->session, session) && !strcmp(x->mid, mid))
			return x;
		if(x->seq < (*oldest)->seq)
			*oldest = x;
	}
	return NULL;
}

/* Recipients without an outcome get IMCF_FINAL_NO_OUTCOME: App O has no
 * leg without a status that means anything. */
static void settle(imcf_final_t *x)
{
	for(int i = 0; i < x->n; i++)
		if(!x->r[i].status)
			x->r[i].status = IMCF_FINAL_NO_OUTCOME;
}

/* x leaves the table: copied out, its slot free. */
static void take(imcf_final_t *x, imcf_final_t *out)
{
	*out = *x;
	x->seq = 0;
}

static imcf_final_t *start(imcf_final_table_t *t, imcf_final_t *slot,
		const imcf_final_outcome_t *o, imcf_final_t *evicted)
{
	if(slot->seq) {
		settle(slot);
		take(slot, evicted);
	}
	memset(slot, 0, sizeof(*slot));
	slot->seq = ++t->seq;
	slot->started = o->now;
	snprintf(slot->session, sizeof(slot->session), "%s", o->session);
	snprintf(slot->mid, sizeof(slot->mid), "%s", o->mid);
	slot->sender = o->sender;
	slot->in_report = o->sender_reports;
	slot->total = o->total;
	return slot;
}

static imcf_final_recipient_t *recipient(imcf_final_t *x, int idx)
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
static void record(imcf_final_recipient_t *r, int code, const char *reason)
{
	if(code == 413 && reason && strncmp(reason, "max-size ", 9) == 0) {
		r->status = IM_FINAL_STATUS_TOO_LARGE;
		r->max_size = strtoull(reason + 9, NULL, 10);
		if(!r->max_size)
			r->status = 413;
	} else if(code >= 200 && code <= 999 && (code != 200 || !r->status)) {
		r->status = code;
	}
}

static int complete(const imcf_final_t *x)
{
	if(!x->n)
		return 0;
	for(int i = 0; i < x->n; i++)
		if(!x->r[i].status)
			return 0;
	return 1;
}

imcf_final_result_t imcf_final_event(imcf_final_table_t *t,
		const imcf_final_outcome_t *o, imcf_final_t *done,
		imcf_final_t *evicted)
{
	imcf_final_t *oldest, *x = find(t, o->session, o->mid, &oldest);
	imcf_final_recipient_t *r;

	evicted->seq = 0;
	/* only the relay's naming of a recipient (100) starts a report: an
	 * outcome of a message without one is no business of ours */
	if(!x && o->code == 100 && o->sender >= 0)
		x = start(t, oldest, o, evicted);
	if(!x)
		return IMCF_FINAL_IGNORED;
	r = recipient(x, o->idx);
	if(r && o->code != 100)
		record(r, o->code, o->reason);
	if(!complete(x))
		return IMCF_FINAL_WAITING;
	take(x, done);
	return IMCF_FINAL_DONE;
}

int imcf_final_expire(imcf_final_table_t *t, unsigned long long now,
		unsigned long long timeout, imcf_final_t *due)
{
	for(int i = 0; i < IMCF_FINAL_SLOTS; i++) {
		imcf_final_t *x = &t->e[i];
		if(x->seq && now >= x->started && now - x->started >= timeout) {
			settle(x);
			take(x, due);
			return 1;
		}
	}
	return 0;
}

int imcf_final_forget(imcf_final_table_t *t, const char *session)
{
	int n = 0;

	for(int i = 0; i < IMCF_FINAL_SLOTS; i++) {
		if(t->e[i].seq && !strcmp(t->e[i].session, session)) {
			t->e[i].seq = 0;
			n++;
		}
	}
	return n;
}

int imcf_final_pending(const imcf_final_table_t *t)
{
	int n = 0;

	for(int i = 0; i < IMCF_FINAL_SLOTS; i++)
		n += t->e[i].seq != 0;
	return n;
}
