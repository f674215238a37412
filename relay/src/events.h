/*
 * Events from the relay to Kamailio: JSON-RPC requests
 *   {"method":"im_relay.event","params":[instance, type, data-json],"id":n}
 * sent as datagrams to Kamailio's jsonrpcs socket (UDP or UNIX). Every event
 * is kept and retransmitted with backoff until Kamailio answers for its id;
 * a rejection is logged and counted; overflow of the bounded queue drops
 * the oldest event with an error log. Nothing is lost silently.
 */
#ifndef RELAY_EVENTS_H
#define RELAY_EVENTS_H

#include <jansson.h>
#include <stddef.h>

struct event_base;
typedef struct events events_t;

/* target NULL: events are counted and dropped with a warning at start. */
events_t *events_new(struct event_base *base, const char *target,
		const char *instance, const char *boot_id, int queue_max,
		int retry_max_ms, const char *muted, char *err, size_t errlen);
void events_free(events_t *ev);

/* Queues and sends an event; data (may be NULL) is stolen. */
void events_post(events_t *ev, const char *type, json_t *data);

size_t events_pending(const events_t *ev);

/* Counters as a JSON object for `stats`. */
json_t *events_stats(const events_t *ev);

#endif
