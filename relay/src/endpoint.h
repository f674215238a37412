/*
 * The relay as an MSRP endpoint (OMA 12 deferred messages): the store of
 * received messages and the push queue of messages to send, per leg.
 */
#ifndef RELAY_ENDPOINT_H
#define RELAY_ENDPOINT_H

#include <stddef.h>
#include <uthash.h>

#include "engine_ctx.h"
#include "rxframe.h"
#include "txn.h"

typedef struct stored_msg {
	char message_id[MID_MAX];
	char content_type[CT_MAX];
	char *data;
	size_t len;
	UT_hash_handle hh;
} stored_msg_t;

typedef struct push_msg {
	char message_id[MID_MAX];
	char content_type[CT_MAX];
	char *data;
	size_t len;
	size_t sent;		 /* bytes emitted so far */
	unsigned pieces_out; /* awaiting their response */
	int success_report;
	int failed;			/* a piece got an error: reported */
	int report_pending; /* all pieces answered, awaiting the REPORT */
	struct push_msg *next;
} push_msg_t;

/* store: a SEND head, its body bytes, its end-line */
int store_head(engine_t *e, rxframe_t *f);
void store_body(engine_t *e, rxframe_t *f, const char *data, size_t len);
void store_frame_done(engine_t *e, rxframe_t *f, char flag);
/* a received message by id (message.get), and its release (message.ack) */
const void *store_find(leg_t *leg, const char *message_id, size_t *len,
		const char **content_type);
int store_release_message(engine_t *e, leg_t *leg, const char *message_id);

/* push: queues a relay-originated message (engine_inject) */
int push_inject(engine_t *e, leg_t *leg, const char *content_type,
		const void *body, size_t len, const char *message_id,
		int success_report, char *out_message_id, size_t idlen, char *err,
		size_t errlen);
/* Sends what the queue holds, as far as the leg's output queue allows. */
void push_pump(engine_t *e, leg_t *leg);
/* The answer to a pushed piece (TXN_INJECT). */
void push_on_txn_done(engine_t *e, txn_t *t, int code, const char *comment);
/* A REPORT on leg for a pushed message: 1 when it was one. */
int push_on_report(engine_t *e, leg_t *leg, rxframe_t *f);

void endpoint_forget_leg(engine_t *e, leg_t *leg);

#endif
