/*
 * Health of the relays: a ping is the readiness probe; a dedicated timer
 * process pings every relay so that workers can skip a dead one without
 * paying a timeout on a SIP request.
 */
#ifndef IM_RELAY_HEALTH_H
#define IM_RELAY_HEALTH_H

#include "im_relay_set.h"

extern int imr_health_interval;

/* Pings r; returns 0 and the round trip in *rtt_us, or -1 with err. */
int imr_relay_ping(imr_relay_t *r, unsigned int *rtt_us, char *err,
		size_t errlen);

void imr_health_timer(unsigned int ticks, void *param);

#endif
