/* TLS transport (msrps): libevent's OpenSSL bufferevent behind the
 * transport interface. */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls.h"
#include "transport.h"

typedef struct tls_conn {
	transport_t t;
	struct bufferevent *bev;
	int paused;
} tls_conn_t;

static void on_read(struct bufferevent *bev, void *arg)
{
	tls_conn_t *c = arg;
	(void)bev;
	c->t.ev->readable(c->t.owner);
}

static void on_write(struct bufferevent *bev, void *arg)
{
	tls_conn_t *c = arg;
	(void)bev;
	c->t.ev->drained(c->t.owner);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	tls_conn_t *c = arg;
	static char why[200];
	unsigned long e;

	(void)bev;
	if(what & BEV_EVENT_CONNECTED) {
		c->t.ev->connected(c->t.owner);
		return;
	}
	if(what & BEV_EVENT_ERROR) {
		e = bufferevent_get_openssl_error(c->bev);
		if(e) {
			ERR_error_string_n(e, why, sizeof(why));
			c->t.ev->closed(c->t.owner, why, 1);
		} else {
			snprintf(why, sizeof(why), "%s", strerror(EVUTIL_SOCKET_ERROR()));
			c->t.ev->closed(c->t.owner, why, 0);
		}
		return;
	}
	if(what & BEV_EVENT_EOF)
		c->t.ev->closed(c->t.owner, "closed by peer", 0);
}

static struct evbuffer *tls_input(transport_t *t)
{
	return bufferevent_get_input(((tls_conn_t *)t)->bev);
}

static struct evbuffer *tls_output(transport_t *t)
{
	return bufferevent_get_output(((tls_conn_t *)t)->bev);
}

static void tls_pause(transport_t *t, int paused)
{
	tls_conn_t *c = (tls_conn_t *)t;
	if(paused == c->paused)
		return;
	c->paused = paused;
	if(paused)
		bufferevent_disable(c->bev, EV_READ);
	else
		bufferevent_enable(c->bev, EV_READ);
}

static void tls_conn_free(transport_t *t)
{
	tls_conn_t *c = (tls_conn_t *)t;
	bufferevent_free(c->bev);
	free(c);
}

static const transport_ops_t tls_ops = {
		"tls", tls_input, tls_output, tls_pause, tls_conn_free};

transport_t *transport_tls_new(const transport_params_t *p, int fd,
		const struct sockaddr *sa, socklen_t salen)
{
	tls_conn_t *c = calloc(1, sizeof(*c));
	SSL *ssl = fd >= 0 ? tls_new_server() : tls_new_client();

	if(!c || !ssl) {
		free(c);
		if(ssl)
			SSL_free(ssl);
		return NULL;
	}
	c->bev = bufferevent_openssl_socket_new(p->base, fd, ssl,
			fd >= 0 ? BUFFEREVENT_SSL_ACCEPTING : BUFFEREVENT_SSL_CONNECTING,
			BEV_OPT_CLOSE_ON_FREE);
	if(!c->bev) {
		SSL_free(ssl);
		free(c);
		return NULL;
	}
	c->t.ops = &tls_ops;
	c->t.ev = p->ev;
	c->t.owner = p->owner;
	c->t.low_water = p->low_water;
	c->t.read_max = p->read_max;
	bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, p->read_max);
	bufferevent_setwatermark(c->bev, EV_WRITE, p->low_water, 0);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	if(fd < 0 && bufferevent_socket_connect(c->bev, (struct sockaddr *)sa, (int)salen) < 0) {
		bufferevent_free(c->bev);
		free(c);
		return NULL;
	}
	transport_socket_options(bufferevent_getfd(c->bev), p->keepalive_s);
	return &c->t;
}
