/*
 * MSRP connection transports (Redis's ConnectionType model): plain TCP
 * and TLS are two implementations of one interface, so the connection
 * code above never tests which one it has.
 *
 * A transport owns an input and an output evbuffer. The owner reads the
 * input when told it grew, appends to the output (writing starts by
 * itself), and hears when the output drained below its low watermark,
 * when an outgoing connection is up, and when the connection ended.
 */
#ifndef RELAY_TRANSPORT_H
#define RELAY_TRANSPORT_H

#include <stddef.h>
#include <sys/socket.h>

struct event_base;
struct evbuffer;

typedef struct transport_events {
	void (*readable)(void *owner);
	void (*drained)(void *owner);
	void (*connected)(void *owner);
	void (*closed)(void *owner, const char *why, int tls_failure);
} transport_events_t;

typedef struct transport transport_t;

typedef struct transport_ops {
	const char *name;
	struct evbuffer *(*input)(transport_t *t);
	struct evbuffer *(*output)(transport_t *t);
	void (*pause_reading)(transport_t *t, int paused);
	void (*free)(transport_t *t);
	/* TLS: the peer certificate's digest ("AB:CD:..."); NULL or -1: none */
	int (*peer_fingerprint)(
			transport_t *t, const char *alg, char *out, size_t outlen);
	/* bytes written to the socket that the peer has not taken yet (the
	 * kernel's send queue); NULL: nothing lies beyond the output buffer */
	size_t (*unsent)(transport_t *t);
} transport_ops_t;

/* The kernel send queue of a socket (SIOCOUTQ), 0 when unknown. */
size_t transport_socket_unsent(int fd);

struct transport {
	const transport_ops_t *ops;
	const transport_events_t *ev;
	void *owner;
	size_t low_water; /* output below this: drained */
	size_t read_max;  /* input above this: stop reading */
};

typedef struct transport_params {
	struct event_base *base;
	const transport_events_t *ev;
	void *owner;
	size_t low_water;
	size_t read_max;
	unsigned keepalive_s; /* TCP keep-alive idle time, 0: off */
} transport_params_t;

/* TCP_NODELAY and keep-alive on a connection's socket. */
void transport_socket_options(int fd, unsigned keepalive_s);

/* The fields every transport takes from its params. */
void transport_init(transport_t *t, const transport_ops_t *ops,
		const transport_params_t *p);

/* A non-blocking socket connecting to sa (the connection completes
 * later); -1 with errno on failure. */
int transport_connect_socket(const struct sockaddr *sa, socklen_t salen);

/* fd >= 0: an accepted socket; otherwise connect to sa. NULL on failure. */
transport_t *transport_tcp_new(const transport_params_t *p, int fd,
		const struct sockaddr *sa, socklen_t salen);
/* TLS; when connecting, the peer's certificate must also name host (an
 * IP address or a DNS name: the host of the MSRP URI connected to, RFC
 * 4975 section 14.2), unless peers are not verified at all (tls_verify).
 * host NULL: nothing is verified in the handshake, the caller compares
 * the certificate with a fingerprint (RFC 4572). */
transport_t *transport_tls_new(const transport_params_t *p, int fd,
		const struct sockaddr *sa, socklen_t salen, const char *host);
/* Two ends connected in memory (transport_pipe.c): *a the connecting
 * side (it hears connected), *b the accepting one. 0 or -1. */
int transport_pipe_pair(const transport_params_t *active,
		const transport_params_t *passive, transport_t **a, transport_t **b);

#endif
