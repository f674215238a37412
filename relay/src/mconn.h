/*
 * MSRP transport: listeners and connections (TCP, or TLS for msrps) as
 * libevent bufferevents, which are the transport interface: the engine
 * never sees which one it talks through. Implements the engine's I/O
 * (engine_io_t), back-pressure (a paused sender resumes when the queue it
 * waits on drains) and the connection rules: an accepted connection must
 * bind to a session within unbound_timeout_s; a closed connection closes
 * its legs and Kamailio hears of it.
 */
#ifndef RELAY_MCONN_H
#define RELAY_MCONN_H

#include <jansson.h>
#include <stddef.h>

#include "engine.h"

struct event_base;

typedef struct mconn_config {
	unsigned unbound_timeout_s;
	unsigned connect_timeout_s;
	unsigned keepalive_s; /* TCP keep-alive idle time, 0: off */
	size_t read_high_water;
} mconn_config_t;

void mconn_init(struct event_base *base, const mconn_config_t *cfg);

/* "tcp:IP:PORT[;advertise=HOST]"; the local paths of legs use HOST (or
 * the IP). */
int mconn_listen(const char *spec, int secure, char *err, size_t errlen);
/* Publishes the listeners to session.c for building local paths. */
void mconn_publish_endpoints(void);
void mconn_close_listeners(void);
/* Closes every connection (shutdown). */
void mconn_close_all(void);

const engine_io_t *mconn_engine_io(void);
json_t *mconn_stats(void);

#endif
