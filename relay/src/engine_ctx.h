/*
 * The engine context: everything the engine's files share, passed to them
 * as a parameter instead of living in globals. Its files are layered, each
 * calling only downwards:
 *
 *   engine.c            frame input and dispatch, the public API
 *   forward.c endpoint.c  bridge/conference routing | store and push
 *   txn.c inmsg.c       our outgoing transactions | messages arriving
 *   engine_ctx.c        events and REPORTs about a leg
 *   session.c           sessions and legs (data only)
 *
 * Not for the rest of the relay: it uses engine.h.
 */
#ifndef RELAY_ENGINE_CTX_H
#define RELAY_ENGINE_CTX_H

#include "msrp_write.h"
#include <jansson.h>
#include <stdint.h>

#include "engine_io.h"
#include "session.h"

#define MID_MAX 256
#define CT_MAX 256
#define MIME_MAX 4096
#define URI_TEXT_MAX 512
#define COMMENT_MAX 128

#define ENGINE_SCRATCH_LEN (64 * 1024)

struct txn;
struct inmsg;

typedef struct engine {
	engine_config_t cfg;
	const engine_io_t *io;
	/* our requests awaiting a response, oldest first (txn.c) */
	struct {
		struct txn *oldest, *newest;
		size_t count;
		struct txn *pool; /* freed ones kept for reuse: one per piece */
		unsigned pooled;
	} txns;
	/* freed inmsgs kept for reuse: one per message otherwise (inmsg.c) */
	struct {
		struct inmsg *pool;
		unsigned pooled;
	} inmsgs;
	uint64_t stored_bytes; /* endpoint: received messages and partial ones */
	char scratch[ENGINE_SCRATCH_LEN]; /* one outgoing head at a time */
} engine_t;

/* An event to Kamailio about a leg; extra (may be NULL) is taken over. */
void ctx_leg_event(engine_t *e, const char *type, leg_t *leg, json_t *extra);

/* A REPORT the relay sends on leg `to` (RFC 4975 7.1.2). */
/* A REPORT with a body on leg to (its paths and tid filled in here):
 * 0, or -1 when out of memory. */
int ctx_leg_report_body(engine_t *e, leg_t *to, const msrp_report_body_t *r,
		const char *content_type, const void *body, size_t len);
void ctx_leg_report(engine_t *e, leg_t *to, const char *message_id,
		uint64_t start, uint64_t end, uint64_t total, int total_unknown,
		int code, const char *comment);

#endif
