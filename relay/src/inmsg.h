/*
 * Messages arriving on a leg, followed across their chunks: where a
 * forwarded one goes (forward.c) or how far a stored one got (endpoint.c).
 */
#ifndef RELAY_INMSG_H
#define RELAY_INMSG_H

#include <stdint.h>
#include <uthash.h>

#include "engine_ctx.h"

#define INLINE_DESTS 4

typedef struct inmsg {
	char message_id[MID_MAX];
	leg_t **dests; /* inline_dests, or malloc'd for big conferences */
	leg_t *inline_dests[INLINE_DESTS];
	/* per dest: its pieces skip the in-process hop to its bridge (forward.c
	 * splice); in the same allocation as dests */
	unsigned char *spliced;
	unsigned char inline_spliced[INLINE_DESTS];
	int ndests;
	size_t chunk;	   /* piece size towards dests */
	int rejected;	   /* status each chunk gets; 0: accepted */
	char reject_comment[COMMENT_MAX];
	int success_report, failure_report;
	int final_report; /* C-8: CPIM Final-Report: yes (conference) */
	uint64_t total;
	int total_unknown;
	uint64_t forwarded; /* body bytes sent on, all chunks */
	/* endpoint: the message being assembled */
	char *data;
	uint64_t received; /* size of data: the highest byte written, counted
						  in e->stored_bytes */
	uint64_t got;	   /* bytes actually received */
	char content_type[CT_MAX];
	UT_hash_handle hh;
} inmsg_t;

/* The message of that Message-ID on leg, created (*created = 1) unless
 * max_inflight are in progress there already (NULL). */
inmsg_t *inmsg_get(engine_t *e, leg_t *leg, const char *mid, int *created);
/* Forgets it, giving back the bytes of a partial stored message. */
void inmsg_free(engine_t *e, leg_t *leg, inmsg_t *m);

#endif
