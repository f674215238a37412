/*
 * The MSRP engine: what the relay does with the frames of its legs, with
 * no I/O of its own (nghttp2 style). The transport layer (mconn.c) feeds it
 * the bytes each connection received and gives it an engine_io_t to write
 * with; unit tests give it another.
 *
 * Bridge: each SEND is answered on its hop, then sent on the other leg as
 * a new transaction (new transaction id, paths rewritten, Message-ID and
 * body unchanged); responses stay on their hop; REPORTs cross back to the
 * sender (UP-1, UP-2, D-20).
 * Conference: a SEND's CPIM From must be the sender's identity (else 403);
 * it goes unmodified to every other leg, or to the CPIM To recipients of a
 * private message; recipients whose max-size is too small are skipped and
 * reported (MS-1..MS-4).
 * Endpoint: the relay receives whole messages for Kamailio, and sends the
 * messages Kamailio gives it (deferred store and push).
 *
 * Bodies are forwarded as they arrive, re-chunked to each leg's max_chunk;
 * a destination whose output queue is full pauses the sender.
 */
#ifndef RELAY_ENGINE_H
#define RELAY_ENGINE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "msrp_hdr.h"
#include "msrp_parser.h"
#include "session.h"

struct mconn;

typedef struct engine_config {
	size_t default_max_chunk;	   /* chunk body size sent on a leg */
	size_t max_queue;			   /* output bytes per leg before pausing */
	unsigned txn_timeout_ms;	   /* RFC 4975: 30 s, then 408 */
	size_t max_head;			   /* start line + headers */
	size_t max_line;
	uint64_t max_message;		   /* largest Byte-Range total accepted */
	size_t cpim_head_max;		   /* CPIM header block a switch waits for */
	uint64_t endpoint_max_message; /* largest message an endpoint keeps */
	uint64_t endpoint_store_max;   /* all messages kept, awaiting message.get */
	unsigned max_inflight;		   /* messages arriving at once on one leg */
} engine_config_t;

extern engine_config_t engine_config;

/* Body bytes of a piece, shared by every destination's output queue
 * (zero-copy fan-out); freed with the last reference. */
typedef struct shared_buf {
	unsigned refs;
	size_t len, cap;
	char data[];
} shared_buf_t;

shared_buf_t *shared_buf_new(size_t cap);
void shared_buf_ref(shared_buf_t *b);
void shared_buf_unref(shared_buf_t *b);

typedef struct engine_io {
	/* append to a leg's output: its connection, or held until it has one */
	void (*leg_write)(leg_t *leg, const void *data, size_t len);
	/* the same for a shared buffer, which the output holds a reference to */
	void (*leg_write_shared)(leg_t *leg, shared_buf_t *b);
	size_t (*leg_queued)(leg_t *leg);
	/* answers on the connection a request came from */
	void (*conn_write)(struct mconn *c, const void *data, size_t len);
	size_t (*conn_queued)(struct mconn *c);
	/* msrps: digest of the peer's certificate; -1 (or NULL) when none */
	int (*conn_fingerprint)(
			struct mconn *c, const char *alg, char *out, size_t outlen);
	/* a frame from the peer bound the leg to connection c */
	void (*bind)(struct mconn *c, leg_t *leg);
	/* the leg is going away: drop it from its connection */
	void (*unbind)(leg_t *leg);
	/* the relay must connect the leg (active setup, remote now known) */
	void (*connect)(leg_t *leg);
	void (*event)(const char *type, json_t *data);
	uint64_t (*now_ms)(void);
} engine_io_t;

void engine_init(const engine_io_t *io);

typedef struct rxstate rxstate_t;
rxstate_t *rx_new(void);
void rx_free(rxstate_t *rx);

typedef enum rx_result {
	RX_OK = 0,		/* everything given was consumed */
	RX_NEED_MORE,	/* call again with at least *want contiguous bytes */
	RX_PAUSED,		/* a destination queue is full: wait for it to drain */
	RX_CLOSE,		/* protocol error: close the connection */
} rx_result_t;

/*
 * Bytes received on connection c (data is the start of its unconsumed
 * input). *consumed bytes may be dropped from the input whatever the
 * result. With RX_NEED_MORE the engine needs *want bytes in one piece.
 */
rx_result_t engine_input(struct mconn *c, rxstate_t *rx, const char *data,
		size_t len, size_t *consumed, size_t *want);

/* A connection ended: its legs are closed, Kamailio is told. */
void engine_conn_closed(struct mconn *c, rxstate_t *rx, const char *why);
/* Whether c's peer certificate is the one leg's SDP announced (always
 * when the leg has no fingerprint); a mismatch is logged and counted. */
int engine_conn_matches_fingerprint(struct mconn *c, const leg_t *leg);
/* An active leg's connection is up: bind it with an empty SEND. */
void engine_leg_connected(leg_t *leg);
void engine_leg_connect_failed(leg_t *leg, const char *why);
/* A leg's output drained: queued messages may go on. */
void engine_leg_drained(leg_t *leg);
/* Parameters changed by the control channel (remote path, setup...). */
void engine_leg_updated(leg_t *leg);
/* The leg is leaving connection rx belongs to: forget its frame. */
void engine_rx_forget_leg(rxstate_t *rx, leg_t *leg);
/* Called by session.c before a leg is freed. */
void engine_forget_leg(leg_t *leg, const char *why);
/* Once a second: transaction timeouts, idle sessions. */
void engine_tick(void);

/* Relay-originated message on a leg (push, system message). */
int engine_inject(leg_t *leg, const char *content_type, const void *body,
		size_t len, const char *message_id, int success_report,
		char *out_message_id, size_t idlen, char *err, size_t errlen);

/* Endpoint store: a received message by id, and its release. */
const void *engine_stored_message(leg_t *leg, const char *message_id,
		size_t *len, const char **content_type);
int engine_release_message(leg_t *leg, const char *message_id);

json_t *engine_stats(void);
void engine_event_leg_closed(leg_t *leg, const char *why);
/* The session is about to go on the relay's own initiative (an operator's
 * session.destroy): Kamailio must end its SIP dialogs now, not when a
 * timer finds the media gone. */
void engine_event_session_closed(const session_t *s, const char *why);
/* base64 of data, malloc'd (message bodies in events and replies) */
char *engine_base64(const void *data, size_t len);
json_t *engine_leg_json(const leg_t *leg);

#endif
