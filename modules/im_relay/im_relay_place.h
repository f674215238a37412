/*
 * Where relay sessions live: a relay chosen among those up (weighted
 * random choice, failover to the next when one does not answer), and the
 * quiet destruction of a session we end ourselves.
 */
#ifndef IM_RELAY_PLACE_H
#define IM_RELAY_PLACE_H

#include <jansson.h>

#include "im_relay_load.h"

/* session.create with params (borrowed; the owner is added) on a relay
 * that is up. 0: *relay its index, *result the relay's answer (new
 * reference); -1: e says why (488 refused, 503 no relay answered). */
int imr_place_session(json_t *params, int *relay, json_t **result,
		imr_err_t *e);

/* session.destroy, quiet and without waiting for the answer; skipped
 * when the relay is down (it lost the session). *relay becomes -1. */
void imr_destroy_session(int *relay, const char *session);

/* Whether relay index r is configured and not down: a relay that is down
 * lost its sessions or will not hear us, so nothing is worth a control
 * timeout on it. */
int imr_relay_usable(int r);

#endif
