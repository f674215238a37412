/*
 * State shared by the engine's files (engine.c: input and dispatch,
 * forward.c: bridge and conference routing, txn.c: our outgoing
 * transactions, endpoint.c: store and push). Not for the rest of the relay.
 */
#ifndef RELAY_ENGINE_INTERNAL_H
#define RELAY_ENGINE_INTERNAL_H

#include <uthash.h>

#include "engine.h"
#include "msrp_write.h"

#define MID_MAX 256
#define CT_MAX 256
#define MIME_MAX 4096
#define URI_TEXT_MAX 512
#define COMMENT_MAX 128

extern const engine_io_t *eio;

/* Scratch space for one outgoing head (single-threaded daemon). */
extern char engine_scratch[];
extern const size_t engine_scratch_len;

/* A message arriving on a leg, followed across its chunks. */
#define INLINE_DESTS 4

typedef struct inmsg {
	char message_id[MID_MAX];
	leg_t **dests; /* inline_dests, or malloc'd for big conferences */
	leg_t *inline_dests[INLINE_DESTS];
	int ndests;
	size_t chunk;	   /* piece size towards dests */
	int rejected;	   /* status each chunk gets; 0: accepted */
	char reject_comment[COMMENT_MAX];
	int success_report, failure_report;
	uint64_t total;
	int total_unknown;
	uint64_t forwarded; /* body bytes sent on, all chunks */
	/* endpoint: the message being assembled */
	char *data;
	uint64_t received; /* size of data: the highest byte written */
	uint64_t got;	   /* bytes actually received */
	char content_type[CT_MAX];
	UT_hash_handle hh;
} inmsg_t;

typedef enum txn_kind {
	TXN_FORWARD, /* a piece of a message another leg sent */
	TXN_INJECT,	 /* a piece of a relay-originated message */
	TXN_BIND,	 /* the empty SEND that binds an active connection */
} txn_kind_t;

struct push_msg;

/* One of our requests awaiting its response (RFC 4975 7.1.1). */
typedef struct txn {
	char tid[MSRP_TID_MAX + 1];
	txn_kind_t kind;
	leg_t *leg;	   /* it was sent on */
	leg_t *origin; /* TXN_FORWARD: the sender's leg, NULL once gone */
	char message_id[MID_MAX];
	uint64_t start, end, total;
	int total_unknown;
	int failure_report; /* the sender's wish */
	struct push_msg *push;
	uint64_t deadline;
	struct txn *tprev, *tnext; /* all txns, oldest first */
	UT_hash_handle hh;
} txn_t;

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

typedef enum body_mode {
	BODY_DISCARD = 0, /* read to the end-line, answer, forget */
	BODY_FORWARD,	  /* pieces to f->msg->dests as bytes arrive */
	BODY_CPIM_WAIT,	  /* conference: wait for the CPIM headers first */
	BODY_STORE,		  /* endpoint: assemble the message */
} body_mode_t;

/* The frame being received on a connection, copied out of the input
 * buffer (which moves as it is consumed). */
typedef struct rxframe {
	char tid[MSRP_TID_MAX + 1];
	msrp_method_t method;
	int status;
	leg_t *leg;
	char prev_hop[URI_TEXT_MAX]; /* first From-Path URI: responses go there */
	char our_uri[URI_TEXT_MAX];	 /* first To-Path URI */
	char message_id[MID_MAX];
	msrp_range_t range;
	int success_report, failure_report;
	char content_type[CT_MAX];
	char *mime; /* other MIME headers, copied on; malloc'd, most have none */
	size_t mime_len;
	int report_code; /* REPORT Status */
	char report_comment[COMMENT_MAX];
	uint64_t body_seen;
	int respond; /* status to answer at the end-line, 0: none */
	int binds;	 /* a valid frame binds its unbound leg to the connection */
	char respond_comment[COMMENT_MAX];
	body_mode_t mode;
	inmsg_t *msg;
	shared_buf_t *stage; /* forwarded body gathered for the next piece */
	uint64_t stage_start; /* message offset of stage->data[0] */
} rxframe_t;

struct rxstate {
	int in_body;
	rxframe_t f;
};

/* engine.c */
void engine_respond(struct mconn *c, rxframe_t *f, int code,
		const char *comment);
void engine_event_leg(const char *type, leg_t *leg, json_t *extra);
int leg_usable(const leg_t *leg);

/* forward.c */
int forward_send_head(struct mconn *c, rxframe_t *f);
rx_result_t forward_body(struct mconn *c, rxframe_t *f, const char *data,
		size_t body_len, int at_end, char flag, size_t *consumed);
rx_result_t conference_cpim(rxframe_t *f, const char *body, size_t len,
		int at_end, size_t *want);
void forward_report(rxframe_t *f);
void forward_frame_done(rxframe_t *f, char flag);
void forward_abort(rxframe_t *f);
void forward_drop_stage(rxframe_t *f);
/* Frees what a frame holds (stage, MIME headers). */
void rxframe_release(rxframe_t *f);
void send_report(leg_t *to, const char *message_id, uint64_t start,
		uint64_t end, uint64_t total, int total_unknown, int code,
		const char *comment);
void forward_forget_leg(leg_t *leg);
void inmsg_free(leg_t *leg, inmsg_t *m);
inmsg_t *inmsg_get(leg_t *leg, const char *mid, int *created);
int dests_ready(inmsg_t *m);

/* txn.c */
txn_t *txn_start(leg_t *leg, txn_kind_t kind, const char *tid);
void txn_on_response(rxframe_t *f);
void txn_expire(uint64_t now);
void txn_forget_leg(leg_t *leg);
size_t txn_count(void);

/* endpoint.c */
int store_head(rxframe_t *f);
void store_body(rxframe_t *f, const char *data, size_t len);
void store_frame_done(rxframe_t *f, char flag);
void push_pump(leg_t *leg);
void push_on_txn_done(txn_t *t, int code, const char *comment);
int push_on_report(leg_t *leg, rxframe_t *f);
void endpoint_forget_leg(leg_t *leg);
uint64_t stored_bytes(void);
/* inmsg_free gives back the bytes of a partial stored message */
void store_release(uint64_t bytes);

#endif
