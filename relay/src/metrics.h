/* Prometheus text metrics over HTTP (GET /metrics), with evhttp. */
#ifndef RELAY_METRICS_H
#define RELAY_METRICS_H

#include <stddef.h>

struct event_base;

int metrics_start(struct event_base *base, const char *addr, char *err,
		size_t errlen);
void metrics_stop(void);

#endif
