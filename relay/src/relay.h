/*
 * The daemon's process-wide state (Redis's `server` model): one instance,
 * owned by main.c, read by the command handlers.
 */
#ifndef RELAY_RELAY_H
#define RELAY_RELAY_H

#include <time.h>

#include "config.h"

struct event_base;
struct control;
struct events;

typedef struct relay {
	relay_config_t cfg;
	struct event_base *base;
	char instance[128];
	char boot_id[33]; /* random per start: tells Kamailio we restarted */
	time_t started;
	struct control *control;
	struct events *events;
	int stopping;
} relay_t;

extern relay_t relay;

/* Begins the graceful stop (SIGTERM, or the `shutdown` command). */
void relay_begin_shutdown(const char *why);

#endif
