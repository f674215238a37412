/*
 * Our outgoing transactions: every request the relay sends waits for its
 * response (RFC 4975 7.1.1) and times out after txn_timeout_ms as a 408.
 * A failed forwarded piece becomes a failure REPORT to the sender when it
 * asked for one (bridge) or a delivery report to Kamailio (conference).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"
#include "log.h"
#include "stats.h"

static txn_t *oldest, *newest;
static size_t ntxns;

/* Freed transactions are kept for reuse: one per piece otherwise. */
#define TXN_POOL_MAX 4096
static txn_t *pool;
static unsigned pooled;

size_t txn_count(void)
{
	return ntxns;
}

txn_t *txn_start(leg_t *leg, txn_kind_t kind, const char *tid)
{
	txn_t *t = pool;

	if(t) {
		pool = t->tnext;
		pooled--;
		memset(t, 0, sizeof(*t));
	} else {
		t = calloc(1, sizeof(*t));
	}
	if(!t) {
		ilog(msrp, LOG_ERR, "out of memory: transaction %s not tracked", tid);
		return NULL;
	}
	snprintf(t->tid, sizeof(t->tid), "%s", tid);
	t->kind = kind;
	t->leg = leg;
	t->deadline = eio->now_ms() + engine_config.txn_timeout_ms;
	/* deadlines grow with time: the list stays ordered by appending */
	t->tprev = newest;
	if(newest)
		newest->tnext = t;
	else
		oldest = t;
	newest = t;
	HASH_ADD_STR(leg->txns, tid, t);
	ntxns++;
	return t;
}

static void txn_free(txn_t *t)
{
	if(t->tprev)
		t->tprev->tnext = t->tnext;
	else
		oldest = t->tnext;
	if(t->tnext)
		t->tnext->tprev = t->tprev;
	else
		newest = t->tprev;
	HASH_DEL(t->leg->txns, t);
	ntxns--;
	if(pooled < TXN_POOL_MAX) {
		t->tnext = pool;
		pool = t;
		pooled++;
	} else {
		free(t);
	}
}

static void txn_done(txn_t *t, int code, const char *comment)
{
	leg_t *leg = t->leg;

	switch(t->kind) {
		case TXN_FORWARD:
			if(code == 200)
				break;
			ilog(msrp, LOG_INFO, "session %s leg %s: %s %llu-%llu answered %d",
					leg->session->id, leg->id, t->message_id,
					(unsigned long long)t->start, (unsigned long long)t->end,
					code);
			if(leg->session->type == SESSION_CONFERENCE) {
				json_t *d = json_pack("{s:s, s:i, s:s}", "message_id",
						t->message_id, "code", code, "reason",
						comment && comment[0] ? comment : msrp_status_comment(code));
				if(t->origin)
					json_object_set_new(d, "sender", json_string(t->origin->id));
				engine_event_leg("delivery_report", leg, d);
			} else if(leg_usable(t->origin)
					&& t->failure_report != MSRP_REPORT_NO) {
				send_report(t->origin, t->message_id, t->start, t->end,
						t->total, t->total_unknown, code, comment);
			}
			break;
		case TXN_INJECT:
			push_on_txn_done(t, code, comment);
			break;
		case TXN_BIND:
			if(code != 200) {
				ilog(msrp, LOG_WARN,
						"session %s leg %s: peer answered %d to the binding "
						"SEND",
						leg->session->id, leg->id, code);
				engine_event_leg("connect_failed", leg,
						json_pack("{s:s, s:i}", "error",
								"binding SEND refused", "code", code));
			}
			break;
	}
	txn_free(t);
}

void txn_on_response(rxframe_t *f)
{
	txn_t *t;

	HASH_FIND_STR(f->leg->txns, f->tid, t);
	if(!t) {
		stats_error("unmatched_response");
		return;
	}
	txn_done(t, f->status, f->report_comment);
}

void txn_expire(uint64_t now)
{
	while(oldest && oldest->deadline <= now) {
		stats_error("transaction_timeout");
		txn_done(oldest, 408, "Request Timeout");
	}
}

void txn_forget_leg(leg_t *leg)
{
	txn_t *t, *tmp;

	HASH_ITER(hh, leg->txns, t, tmp)
		txn_free(t);
	for(t = oldest; t; t = t->tnext)
		if(t->origin == leg)
			t->origin = NULL;
}
