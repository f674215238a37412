/*
 * Control-channel server: TCP and UNIX stream listeners, one JSON-RPC
 * request per line, answered in order. Framing, access and connection
 * limits only; the dispatcher given to control_new (control_cmds.c)
 * interprets the requests.
 *
 * The control channel is an administrative interface (issue 8): a UNIX
 * socket is created mode 0600 (0660 with a group); a TCP connection must
 * authenticate first (control_auth.h), and a TCP listener without a secret
 * is refused unless the operator opted into `insecure`.
 */
#ifndef RELAY_CONTROL_H
#define RELAY_CONTROL_H

#include <jansson.h>
#include <stddef.h>

struct event_base;
typedef struct control control_t;

typedef struct control_access {
	const char *secret;		/* TCP connections must `auth` with it */
	int insecure;			/* TCP without a secret: accepted, warned */
	const char *unix_group; /* UNIX sockets 0660 for this group, else 0600 */
	int auth_timeout_s;		/* TCP: to authenticate before being closed */
} control_access_t;

/* What answers one request line: a malloc'd reply, or NULL when none is
 * due (control_dispatch of control_cmds.h). The server is handed it
 * rather than calling the commands itself, since those read the server's
 * state (control_stats, control_secret_ok): the dependency runs one way. */
typedef char *(*control_dispatch_fn)(
		const char *line, size_t len, size_t *reply_len);

control_t *control_new(struct event_base *base, int max_line,
		const control_access_t *access, control_dispatch_fn dispatch);
int control_listen(control_t *c, const char *addr, char *err, size_t errlen);
/* 1 when given is the configured secret, or when there is none. */
int control_secret_ok(const control_t *c, const char *given, size_t len);
/* Stops accepting; open connections go on until they close. */
void control_close_listeners(control_t *c);
void control_free(control_t *c);

json_t *control_stats(const control_t *c);

#endif
