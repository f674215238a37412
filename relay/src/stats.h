/*
 * MSRP counters for `stats` and the Prometheus /metrics page: frames by
 * method, responses by status, errors by kind, bytes, connections, and
 * queue high-water marks.
 */
#ifndef RELAY_STATS_H
#define RELAY_STATS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "msrp_parser.h"

#define STATS_ERROR_KINDS(X)  \
	X(malformed_frame)        \
	X(bad_path)               \
	X(from_path_mismatch)     \
	X(foreign_connection)     \
	X(fingerprint_mismatch)   \
	X(unknown_session)        \
	X(bad_report)             \
	X(unmatched_response)     \
	X(cpim_from_mismatch)     \
	X(transaction_timeout)    \
	X(connect_failed)         \
	X(tls_handshake)          \
	X(queue_full)             \
	X(idle_unbound)           \
	X(linger_timeout)

typedef struct relay_stats {
	uint64_t frames_in[MSRP_UNKNOWN_METHOD + 1];
	uint64_t frames_out;
	/* of frames_out: written past the in-process hop to a bridge
	 * (forward.c splice) */
	uint64_t frames_spliced;
	uint64_t responses_sent[10]; /* by hundreds: [2] = 2xx */
	uint64_t rejected[10];
	uint64_t bytes_in, bytes_out;
	uint64_t conns_accepted, conns_connected, conns_open;
	uint64_t conns_local; /* in-process pairs (transport_pipe.c) */
#define X(k) uint64_t err_##k;
	STATS_ERROR_KINDS(X)
#undef X
	uint64_t queue_high_water; /* largest output queue seen, bytes */
	uint64_t pauses;		   /* senders paused by back-pressure */
} relay_stats_t;

extern relay_stats_t relay_stats;

void stats_frame_in(msrp_method_t m);
void stats_response_sent(int code);
void stats_rejected(int code);
void stats_error(const char *kind);
void stats_queue_seen(size_t queued);

/* The engine's own figures, under "engine" in stats_json: registered by
 * the engine, which stands above this file. */
void stats_set_engine_source(json_t *(*engine_json)(void));
json_t *stats_json(void);
/* Prometheus text exposition format; returns a malloc'd string. */
char *stats_prometheus(void);

#endif
