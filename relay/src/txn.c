#include "txn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define TXN_POOL_MAX 4096

txn_t *txn_start(engine_t *e, leg_t *leg, txn_kind_t kind, const char *tid)
{
	txn_t *t = e->txns.pool;

	if(t) {
		e->txns.pool = t->tnext;
		e->txns.pooled--;
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
	t->deadline = e->io->now_ms() + e->cfg.txn_timeout_ms;
	/* deadlines grow with time: the list stays ordered by appending */
	t->tprev = e->txns.newest;
	if(e->txns.newest)
		e->txns.newest->tnext = t;
	else
		e->txns.oldest = t;
	e->txns.newest = t;
	HASH_ADD_STR(leg->txns, tid, t);
	e->txns.count++;
	return t;
}

txn_t *txn_find(leg_t *leg, const char *tid)
{
	txn_t *t;

	HASH_FIND_STR(leg->txns, tid, t);
	return t;
}

txn_t *txn_expired(engine_t *e, uint64_t now)
{
	txn_t *t = e->txns.oldest;

	return t && t->deadline <= now ? t : NULL;
}

void txn_free(engine_t *e, txn_t *t)
{
	if(t->tprev)
		t->tprev->tnext = t->tnext;
	else
		e->txns.oldest = t->tnext;
	if(t->tnext)
		t->tnext->tprev = t->tprev;
	else
		e->txns.newest = t->tprev;
	HASH_DEL(t->leg->txns, t);
	e->txns.count--;
	if(e->txns.pooled < TXN_POOL_MAX) {
		t->tnext = e->txns.pool;
		e->txns.pool = t;
		e->txns.pooled++;
	} else {
		free(t);
	}
}

void txn_forget_leg(engine_t *e, leg_t *leg)
{
	txn_t *t, *tmp;

	HASH_ITER(hh, leg->txns, t, tmp)
		txn_free(e, t);
	for(t = e->txns.oldest; t; t = t->tnext) {
		if(t->origin == leg)
			t->origin = NULL;
		if(t->via == leg)
			t->via = NULL;
	}
}
