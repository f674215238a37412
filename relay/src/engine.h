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

#include "base64.h"
#include "engine_io.h"
#include "msrp_hdr.h"
#include "msrp_parser.h"
#include "session.h"

struct mconn;

/* The relay's settings for its engine, defaults until main.c applies its
 * configuration; engine_init takes a copy. */
extern engine_config_t engine_config;

/* Sets up the relay's one engine context (the event loop's), with a copy
 * of config and the I/O it does through io, which must outlive it. */
void engine_init(const engine_config_t *config, const engine_io_t *io);

typedef struct rxstate rxstate_t;
rxstate_t *rx_new(void);
void rx_free(rxstate_t *rx);

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
/* The control channel gave a connected leg another remote path (a
 * re-INVITE that moved the party's MSRP media, RFC 4975 5.4): the leg
 * leaves its connection and binds again as a new leg would. */
void engine_leg_moved(leg_t *leg);
/* The leg is leaving connection rx belongs to: forget its frame. */
void engine_rx_forget_leg(rxstate_t *rx, leg_t *leg);
/* Once a second: transaction timeouts, idle sessions. */
void engine_tick(void);

/* Relay-originated message on a leg (push, system message). */
/* A REPORT with a body about the whole message message_id, on leg
 * (OMA IM final delivery report, C-8): 0, or -1 with err (no connected
 * peer). REPORTs have no response. */
int engine_report_body(leg_t *leg, const char *message_id, uint64_t total,
		int total_unknown, int code, const char *content_type, const void *body,
		size_t len, char *err, size_t errlen);
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
json_t *engine_leg_json(const leg_t *leg);

#endif
