/*
 * Control-channel server: TCP and UNIX stream listeners, one JSON-RPC
 * request per line, answered in order. Framing and connection limits only;
 * control_cmds.c interprets the requests.
 */
#ifndef RELAY_CONTROL_H
#define RELAY_CONTROL_H

#include <jansson.h>
#include <stddef.h>

struct event_base;
typedef struct control control_t;

control_t *control_new(struct event_base *base, int max_line);
int control_listen(control_t *c, const char *addr, char *err, size_t errlen);
/* Stops accepting; open connections go on until they close. */
void control_close_listeners(control_t *c);
void control_free(control_t *c);

json_t *control_stats(const control_t *c);

#endif
