/*
 * What the engine is given from outside: its settings and the I/O it may
 * do (engine_io_t: the transport layer's, or a unit test's). Shared by
 * the public API (engine.h) and the engine's own files (engine_ctx.h),
 * so that these need not include the engine's top.
 */
#ifndef RELAY_ENGINE_IO_H
#define RELAY_ENGINE_IO_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "session.h"
#include "shared_buf.h"

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

typedef struct engine_io {
	/* append to a leg's output: its connection, or held until it has one */
	void (*leg_write)(leg_t *leg, const void *data, size_t len);
	/* the same for a shared buffer, which the output holds a reference to */
	void (*leg_write_shared)(leg_t *leg, shared_buf_t *b);
	size_t (*leg_queued)(leg_t *leg);
	/* the leg of ours at the other end of leg's in-process connection
	 * (transport_pipe.c), or NULL (none, or not this op); *idle: no byte
	 * is on its way between the two */
	leg_t *(*leg_local_peer)(leg_t *leg, int *idle);
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

typedef enum rx_result {
	RX_OK = 0,		/* everything given was consumed */
	RX_NEED_MORE,	/* call again with at least *want contiguous bytes */
	RX_PAUSED,		/* a destination queue is full: wait for it to drain */
	RX_CLOSE,		/* protocol error: close the connection */
} rx_result_t;

#endif
