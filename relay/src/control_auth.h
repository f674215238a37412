/*
 * Who may use the control channel. A UNIX socket is guarded by its file
 * mode; a TCP connection proves itself with a shared secret: its first
 * request must be {"method":"auth","params":{"secret":...}}, and nothing
 * else is dispatched before that succeeds (issue 8). No I/O here.
 */
#ifndef RELAY_CONTROL_AUTH_H
#define RELAY_CONTROL_AUTH_H

#include <stddef.h>

/* JSON-RPC error code of a refused or missing authentication */
#define CONTROL_AUTH_ERROR (-32001)

/* An unauthenticated line may not be longer than this: the auth call is
 * small, and a stranger must not make the relay buffer a megabyte. */
#define CONTROL_AUTH_MAX_LINE 1024

/* 1 when given equals secret. Both are hashed first, and the digests
 * compared in constant time: neither the content nor the length of the
 * secret leaks through timing. */
int control_auth_match(const char *secret, const char *given, size_t given_len);

/*
 * Judges the first line of an unauthenticated connection. Returns 1 when it
 * is an `auth` call carrying the secret, else 0 with *why set. Either way
 * *reply is the malloc'd line to send (the result, or the error); after 0
 * the caller sends it and closes the connection.
 */
int control_auth_line(const char *secret, const char *line, size_t len,
		char **reply, size_t *reply_len, const char **why);

#endif
