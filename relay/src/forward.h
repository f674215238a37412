/*
 * Bridge and conference forwarding (UP-1, UP-2, MS-1..MS-4): engine.c
 * hands it the SENDs and REPORTs of bridge and conference legs.
 */
#ifndef RELAY_FORWARD_H
#define RELAY_FORWARD_H

#include <stddef.h>

#include "engine_ctx.h"
#include "rxframe.h"
#include "txn.h"

/* A SEND head: picks the message's destinations, or rejects it. */
int forward_send_head(engine_t *e, rxframe_t *f);
/* Conference: the CPIM headers decide the recipients (MS-3, MS-4). */
rx_result_t conference_cpim(engine_t *e, rxframe_t *f, const char *body,
		size_t len, int at_end, size_t *want);
rx_result_t forward_body(engine_t *e, rxframe_t *f, const char *data,
		size_t body_len, int at_end, char flag, size_t *consumed);
void forward_frame_done(engine_t *e, rxframe_t *f, char flag);
/* The sender's connection ended mid-frame. */
void forward_abort(engine_t *e, rxframe_t *f);
void forward_drop_stage(rxframe_t *f);
void forward_report(engine_t *e, rxframe_t *f);
/* The answer to a forwarded piece (TXN_FORWARD). */
void forward_txn_done(engine_t *e, txn_t *t, int code, const char *comment);
void forward_forget_leg(engine_t *e, leg_t *leg);

#endif
