/*
 * TLS transport (msrps) on raw events with OpenSSL, the same shape as the
 * TCP one. (libevent 2.1's OpenSSL bufferevent misses application data
 * that arrives with the last TLS 1.3 handshake flight: a client's first
 * SEND could sit unread.) After the handshake, and on every readable
 * event, SSL_read drains everything OpenSSL holds.
 */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/x509_vfy.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tls.h"
#include "transport.h"

#define READ_SIZE (256 * 1024)

typedef struct tls_conn {
	transport_t t;
	int fd;
	SSL *ssl;
	int tcp_connecting; /* active: TCP connect before the handshake */
	int handshaking;
	int is_client;
	int paused;
	int dead;
	int read_wants_write; /* SSL_read or the handshake asked for writability */
	int write_wants_read; /* SSL_write asked for readability */
	struct evbuffer *in, *out;
	struct event *rev, *wev;
} tls_conn_t;

static void tls_dead(tls_conn_t *c, const char *why, int tls_failure)
{
	if(c->dead)
		return;
	c->dead = 1;
	event_del(c->rev);
	event_del(c->wev);
	c->t.ev->closed(c->t.owner, why, tls_failure);
}

/* Maps an OpenSSL result to: 0 go on, 1 wait for reading, 2 wait for
 * writing, -1 dead (already reported). */
static int ssl_result(tls_conn_t *c, int r)
{
	static char why[200];
	unsigned long e;

	switch(SSL_get_error(c->ssl, r)) {
		case SSL_ERROR_NONE:
			return 0;
		case SSL_ERROR_WANT_READ:
			return 1;
		case SSL_ERROR_WANT_WRITE:
			return 2;
		case SSL_ERROR_ZERO_RETURN:
			tls_dead(c, "closed by peer", 0);
			return -1;
		case SSL_ERROR_SYSCALL:
			e = ERR_get_error();
			if(e) {
				ERR_error_string_n(e, why, sizeof(why));
				tls_dead(c, why, 1);
			} else {
				tls_dead(c, errno ? strerror(errno) : "closed by peer",
						c->handshaking);
			}
			return -1;
		default:
			e = ERR_get_error();
			ERR_error_string_n(e, why, sizeof(why));
			tls_dead(c, why, 1);
			return -1;
	}
}

static void update_events(tls_conn_t *c)
{
	int want_read, want_write;

	if(c->dead)
		return;
	if(c->tcp_connecting) {
		event_add(c->wev, NULL);
		return;
	}
	want_read = c->write_wants_read || c->handshaking
				|| (!c->paused && evbuffer_get_length(c->in) < c->t.read_max);
	want_write = c->read_wants_write
				 || (!c->handshaking && evbuffer_get_length(c->out) > 0);
	if(want_read)
		event_add(c->rev, NULL);
	else
		event_del(c->rev);
	if(want_write)
		event_add(c->wev, NULL);
	else
		event_del(c->wev);
}

static void do_read(tls_conn_t *c)
{
	int got_any = 0;

	c->read_wants_write = 0;
	while(!c->paused && evbuffer_get_length(c->in) < c->t.read_max) {
		struct evbuffer_iovec v;
		int r;
		if(evbuffer_reserve_space(c->in, READ_SIZE, &v, 1) < 1)
			break;
		r = SSL_read(c->ssl, v.iov_base, (int)v.iov_len);
		if(r > 0) {
			v.iov_len = (size_t)r;
			evbuffer_commit_space(c->in, &v, 1);
			got_any = 1;
			continue;
		}
		evbuffer_commit_space(c->in, &v, 0);
		r = ssl_result(c, r);
		if(r < 0)
			return;
		if(r == 2)
			c->read_wants_write = 1;
		break;
	}
	if(got_any)
		c->t.ev->readable(c->t.owner);
}

static void do_write(tls_conn_t *c)
{
	c->write_wants_read = 0;
	while(evbuffer_get_length(c->out)) {
		struct evbuffer_iovec v;
		int r;
		if(evbuffer_peek(c->out, -1, NULL, &v, 1) < 1)
			break;
		r = SSL_write(c->ssl, v.iov_base, (int)v.iov_len);
		if(r > 0) {
			evbuffer_drain(c->out, (size_t)r);
			continue;
		}
		r = ssl_result(c, r);
		if(r < 0)
			return;
		if(r == 1)
			c->write_wants_read = 1;
		break;
	}
	if(evbuffer_get_length(c->out) <= c->t.low_water)
		c->t.ev->drained(c->t.owner);
}

static void do_handshake(tls_conn_t *c)
{
	int r = SSL_do_handshake(c->ssl);

	if(r == 1) {
		c->handshaking = 0;
		if(c->is_client)
			c->t.ev->connected(c->t.owner);
		if(c->dead)
			return;
		do_read(c); /* data may have come with the last flight */
		if(!c->dead)
			do_write(c);
		return;
	}
	/* the handshake needs the socket writable to go on */
	c->read_wants_write = ssl_result(c, r) == 2;
}

static void on_event(evutil_socket_t fd, short what, void *arg)
{
	tls_conn_t *c = arg;

	if(c->tcp_connecting) {
		int err = 0;
		socklen_t len = sizeof(err);
		if(getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) {
			tls_dead(c, strerror(err ? err : errno), 0);
			return;
		}
		c->tcp_connecting = 0;
		do_handshake(c);
	} else if(c->handshaking) {
		do_handshake(c);
	} else {
		if((what & EV_READ) || c->read_wants_write)
			do_read(c);
		if(!c->dead && ((what & EV_WRITE) || c->write_wants_read))
			do_write(c);
	}
	update_events(c);
}

static void on_out_added(struct evbuffer *buf, const struct evbuffer_cb_info *info,
		void *arg)
{
	tls_conn_t *c = arg;
	(void)buf;
	if(info->n_added && !c->dead && !c->handshaking && !c->tcp_connecting)
		event_add(c->wev, NULL);
}

static struct evbuffer *tls_input(transport_t *t)
{
	return ((tls_conn_t *)t)->in;
}

static struct evbuffer *tls_output(transport_t *t)
{
	return ((tls_conn_t *)t)->out;
}

static void tls_pause(transport_t *t, int paused)
{
	tls_conn_t *c = (tls_conn_t *)t;
	int was = c->paused;

	c->paused = paused;
	if(was && !paused && !c->dead && !c->handshaking && !c->tcp_connecting)
		do_read(c); /* OpenSSL may hold records already read */
	update_events(c);
}

static void tls_conn_free(transport_t *t)
{
	tls_conn_t *c = (tls_conn_t *)t;
	event_free(c->rev);
	event_free(c->wev);
	evbuffer_free(c->in);
	evbuffer_free(c->out);
	SSL_free(c->ssl);
	close(c->fd);
	free(c);
}

static int tls_fingerprint(
		transport_t *t, const char *alg, char *out, size_t outlen)
{
	tls_conn_t *c = (tls_conn_t *)t;
	return c->handshaking ? -1 : tls_peer_fingerprint(c->ssl, alg, out, outlen);
}

static size_t tls_unsent(transport_t *t)
{
	return transport_socket_unsent(((tls_conn_t *)t)->fd);
}

static const transport_ops_t tls_ops = {"tls", tls_input, tls_output,
		tls_pause, tls_conn_free, tls_fingerprint, tls_unsent};

/* A chain that verifies is not enough: any CA-signed certificate would
 * do. An address must be among the certificate's iPAddress names, a name
 * among its DNS ones. */
static int expect_host(SSL *ssl, const char *host)
{
	if(X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) == 1)
		return 0;
	return SSL_set1_host(ssl, host) == 1 ? 0 : -1;
}

transport_t *transport_tls_new(const transport_params_t *p, int fd,
		const struct sockaddr *sa, socklen_t salen, const char *host)
{
	tls_conn_t *c = calloc(1, sizeof(*c));
	int is_client = fd < 0;

	if(!c)
		return NULL;
	c->ssl = is_client ? tls_new_client() : tls_new_server();
	if(!c->ssl) {
		free(c);
		return NULL;
	}
	if(is_client) {
		/* no host: the SDP's a=fingerprint pins the certificate, which
		 * the engine compares once connected (RFC 4572 5), CA or not */
		if(!host)
			SSL_set_verify(c->ssl, SSL_VERIFY_NONE, NULL);
		if((host && expect_host(c->ssl, host) < 0)
				|| (fd = transport_connect_socket(sa, salen)) < 0) {
			SSL_free(c->ssl);
			free(c);
			return NULL;
		}
		c->tcp_connecting = 1;
		SSL_set_connect_state(c->ssl);
	} else {
		evutil_make_socket_nonblocking(fd);
		SSL_set_accept_state(c->ssl);
	}
	SSL_set_fd(c->ssl, fd);
	SSL_set_mode(c->ssl, SSL_MODE_ENABLE_PARTIAL_WRITE
								 | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	transport_socket_options(fd, p->keepalive_s);
	c->fd = fd;
	c->is_client = is_client;
	c->handshaking = 1;
	transport_init(&c->t, &tls_ops, p);
	c->in = evbuffer_new();
	c->out = evbuffer_new();
	c->rev = event_new(p->base, fd, EV_READ | EV_PERSIST, on_event, c);
	c->wev = event_new(p->base, fd, EV_WRITE | EV_PERSIST, on_event, c);
	evbuffer_add_cb(c->out, on_out_added, c);
	update_events(c);
	return &c->t;
}
