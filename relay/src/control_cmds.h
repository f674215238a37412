/*
 * The control command table (X-macro: enum, dispatch, help and counters
 * come from one list) and the dispatcher from a request line to a reply
 * line. No I/O here, which is what lets the fuzzer drive it.
 */
#ifndef RELAY_CONTROL_CMDS_H
#define RELAY_CONTROL_CMDS_H

#include <jansson.h>
#include <stddef.h>

/* Returns a malloc'd reply line, or NULL when the request was a
 * notification (no id) that needs no answer. */
char *control_dispatch(const char *line, size_t len, size_t *reply_len);

json_t *control_cmds_stats(void);

#endif
