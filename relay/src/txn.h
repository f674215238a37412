/*
 * Our outgoing transactions: every request the relay sends waits for its
 * response (RFC 4975 7.1.1) or for its deadline, txn_timeout_ms later.
 * This is the table only; what an answer means is decided above it, by
 * the kind of request (engine.c).
 */
#ifndef RELAY_TXN_H
#define RELAY_TXN_H

#include <stdint.h>
#include <uthash.h>

#include "engine_ctx.h"
#include "msrp_parser.h"

typedef enum txn_kind {
	TXN_FORWARD, /* a piece of a message another leg sent */
	TXN_INJECT,	 /* a piece of a relay-originated message */
	TXN_BIND,	 /* the empty SEND that binds an active connection */
} txn_kind_t;

struct push_msg;

typedef struct txn {
	char tid[MSRP_TID_MAX + 1];
	txn_kind_t kind;
	leg_t *leg;	   /* it was sent on */
	leg_t *origin; /* TXN_FORWARD: the sender's leg, NULL once gone */
	/* TXN_FORWARD spliced (forward.c): sent on the bridge leg beyond the
	 * conference leg `via`, for which the answer counts; NULL once gone */
	int spliced;
	leg_t *via;
	char message_id[MID_MAX];
	uint64_t start, end, total;
	int total_unknown;
	int failure_report; /* the sender's wish */
	struct push_msg *push;
	uint64_t deadline;
	struct txn *tprev, *tnext; /* all txns, oldest first */
	UT_hash_handle hh;
} txn_t;

txn_t *txn_start(engine_t *e, leg_t *leg, txn_kind_t kind, const char *tid);
/* The transaction a response on leg answers, or NULL. */
txn_t *txn_find(leg_t *leg, const char *tid);
/* The oldest transaction whose deadline is past, or NULL. */
txn_t *txn_expired(engine_t *e, uint64_t now);
void txn_free(engine_t *e, txn_t *t);
/* The leg is going: its transactions end unanswered, and those it was
 * the origin (or the spliced via) of forget it. */
void txn_forget_leg(engine_t *e, leg_t *leg);

#endif
