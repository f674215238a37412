#include "inmsg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INMSG_POOL_MAX 1024

static unsigned inflight_count(leg_t *leg)
{
	return HASH_COUNT(leg->inmsgs);
}

inmsg_t *inmsg_get(engine_t *e, leg_t *leg, const char *mid, int *created)
{
	inmsg_t *m;

	*created = 0;
	HASH_FIND_STR(leg->inmsgs, mid, m);
	if(m)
		return m;
	if(inflight_count(leg) >= e->cfg.max_inflight)
		return NULL;
	if(e->inmsgs.pool) {
		m = e->inmsgs.pool;
		e->inmsgs.pool = *(inmsg_t **)m;
		e->inmsgs.pooled--;
		memset(m, 0, sizeof(*m));
	} else if((m = calloc(1, sizeof(*m))) == NULL) {
		return NULL;
	}
	snprintf(m->message_id, sizeof(m->message_id), "%s", mid);
	HASH_ADD_STR(leg->inmsgs, message_id, m);
	*created = 1;
	return m;
}

void inmsg_free(engine_t *e, leg_t *leg, inmsg_t *m)
{
	HASH_DEL(leg->inmsgs, m);
	if(m->data)
		e->stored_bytes -= m->received;
	if(m->dests != m->inline_dests)
		free(m->dests);
	free(m->data);
	if(e->inmsgs.pooled < INMSG_POOL_MAX) {
		*(inmsg_t **)m = e->inmsgs.pool;
		e->inmsgs.pool = m;
		e->inmsgs.pooled++;
	} else {
		free(m);
	}
}
