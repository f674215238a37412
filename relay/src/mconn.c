#include "mconn.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "im_addr.h"
#include "log.h"
#include "relay.h"
#include "events.h"
#include "stats.h"
#include "tls.h"
#include "transport.h"

#define MAX_LISTENERS 8

struct mconn {
	transport_t *t;
	rxstate_t *rx;
	leg_t **legs;
	int nlegs, caplegs;
	leg_t *connecting; /* active leg whose connect is in progress */
	int secure;
	int accepted;
	int local; /* an in-process connection (transport_pipe.c) */
	struct mconn *pair; /* local: the other end, NULL once it closed */
	int paused;
	int closing;
	/* its sessions ended with output still queued: not read any more,
	 * closed once that is written (or after LINGER_S) */
	int lingering;
	int linger_polls; /* left before giving up on the peer */
	size_t want;
	struct event *timer; /* unbound or connect timeout */
	char peer[80];
	struct mconn *prev, *next;			 /* all */
	struct mconn *paused_next;			 /* paused by back-pressure */
};

typedef struct listener {
	struct evconnlistener *l;
	local_endpoint_t ep;
	struct sockaddr_storage bound;
} listener_t;

static struct event_base *base;
static mconn_config_t cfg;
static listener_t listeners[MAX_LISTENERS];
static int nlisteners;
static struct mconn *conns, *paused;
static struct event *reaper; /* frees closed connections outside callbacks */
static struct mconn *doomed;

static void process_input(struct mconn *c);

/* --- connection lifetime --- */

static void conn_unlink_paused(struct mconn *c)
{
	for(struct mconn **pp = &paused; *pp; pp = &(*pp)->paused_next) {
		if(*pp == c) {
			*pp = c->paused_next;
			break;
		}
	}
	c->paused = 0;
	c->paused_next = NULL;
}

static void conn_detach_leg(struct mconn *c, leg_t *leg)
{
	for(int i = 0; i < c->nlegs; i++) {
		if(c->legs[i] == leg) {
			c->legs[i] = c->legs[--c->nlegs];
			break;
		}
	}
	if(c->connecting == leg)
		c->connecting = NULL;
	if(c->rx)
		engine_rx_forget_leg(c->rx, leg);
	leg->conn = NULL;
}

/* Closing is deferred to the reaper so that no callback up the stack
 * holds a freed connection. */
static void conn_close(struct mconn *c, const char *why)
{
	if(c->closing)
		return;
	c->closing = 1;
	ilog(msrp, LOG_INFO, "connection %s closed: %s", c->peer, why);
	if(c->pair) {
		c->pair->pair = NULL;
		c->pair = NULL;
	}
	engine_conn_closed(c, c->rx, why);
	if(c->connecting) {
		leg_t *leg = c->connecting;
		conn_detach_leg(c, leg);
		engine_leg_connect_failed(leg, why);
	}
	while(c->nlegs) {
		leg_t *leg = c->legs[0];
		int was = leg->state;
		conn_detach_leg(c, leg);
		leg->state = LEG_CLOSED;
		/* the other end of an in-process connection is a leg of ours,
		 * gone because its session was ended on purpose: Kamailio knows */
		if((was == LEG_CONNECTED || was == LEG_CONNECTING)
				&& !(c->local && strcmp(why, "closed by peer") == 0))
			engine_event_leg_closed(leg, why);
	}
	if(c->paused)
		conn_unlink_paused(c);
	if(c->t)
		c->t->ops->pause_reading(c->t, 1);
	if(c->timer)
		event_del(c->timer);
	if(c->prev)
		c->prev->next = c->next;
	else
		conns = c->next;
	if(c->next)
		c->next->prev = c->prev;
	relay_stats.conns_open--;
	c->next = doomed;
	doomed = c;
	event_active(reaper, EV_TIMEOUT, 0);
}

/* What the relay accepted for the peer (and answered its sender 200 for,
 * UP-2) is not dropped because the session ended. Closing a socket whose
 * peer still sends (its 200s to our SENDs) makes the kernel reset it and
 * drop what it had not delivered yet, so the connection lingers: it reads
 * and discards, and closes once its output buffer and the kernel's send
 * queue are empty, or after LINGER_S when the peer does not read.
 * In-process pairs and idle connections close at once. */
#define LINGER_S 30
#define LINGER_POLL_MS 100

static void on_timer(evutil_socket_t fd, short what, void *arg);

static int all_written(struct mconn *c)
{
	return evbuffer_get_length(c->t->ops->output(c->t)) == 0
		   && (!c->t->ops->unsent || c->t->ops->unsent(c->t) == 0);
}

static void linger_poll(struct mconn *c)
{
	struct timeval tv = {0, LINGER_POLL_MS * 1000};

	evtimer_add(c->timer, &tv);
}

static void conn_close_gracefully(struct mconn *c)
{
	if(c->closing || c->lingering)
		return;
	if(c->local || !c->t || !c->timer || all_written(c)) {
		conn_close(c, "its sessions ended");
		return;
	}
	c->lingering = 1;
	c->linger_polls = LINGER_S * 1000 / LINGER_POLL_MS;
	linger_poll(c);
	ilog(msrp, LOG_INFO,
			"connection %s: its sessions ended; what was accepted for it is "
			"written out before it closes (%zu bytes queued here)",
			c->peer, evbuffer_get_length(c->t->ops->output(c->t)));
}

static void reap(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	while(doomed) {
		struct mconn *c = doomed;
		doomed = c->next;
		if(c->timer)
			event_free(c->timer);
		if(c->t)
			c->t->ops->free(c->t);
		rx_free(c->rx);
		free(c->legs);
		free(c);
	}
}

static void resume_paused(void)
{
	struct mconn *list = paused;

	paused = NULL;
	while(list) {
		struct mconn *c = list;
		list = c->paused_next;
		c->paused = 0;
		c->paused_next = NULL;
		if(c->closing)
			continue;
		c->t->ops->pause_reading(c->t, 0);
		process_input(c);
	}
}

static void pause_conn(struct mconn *c)
{
	if(c->paused)
		return;
	/* counted here, whichever queue made the engine stop reading */
	relay_stats.pauses++;
	c->paused = 1;
	c->paused_next = paused;
	paused = c;
	c->t->ops->pause_reading(c->t, 1);
}

/* --- input --- */

static void process_input(struct mconn *c)
{
	struct evbuffer *in = c->t->ops->input(c->t);

	while(!c->closing && !c->paused) {
		size_t len = evbuffer_get_length(in), dlen, consumed = 0, want = 0;
		const char *data;
		struct evbuffer_iovec v;
		rx_result_t r;

		if(len == 0 || (c->want && len < c->want))
			return;
		if(evbuffer_peek(in, -1, NULL, &v, 1) < 1)
			return;
		data = v.iov_base;
		dlen = v.iov_len;
		if(c->want > dlen) {
			/* everything there is, not just what was asked for: the
			 * engine consumes as far as it can each time */
			data = (const char *)evbuffer_pullup(in, -1);
			dlen = len;
		}
		r = engine_input(c, c->rx, data, dlen, &consumed, &want);
		if(consumed) {
			evbuffer_drain(in, consumed);
			relay_stats.bytes_in += consumed;
		}
		c->want = 0;
		switch(r) {
			case RX_OK:
				break;
			case RX_NEED_MORE:
				/* more than this piece of the buffer holds, or more than
				 * has arrived */
				c->want = want;
				if(want > evbuffer_get_length(in))
					return;
				if(want > cfg.read_high_water) {
					ilog(msrp, LOG_WARN, "connection %s: frame needs %zu "
										 "contiguous bytes",
							c->peer, want);
					conn_close(c, "frame too large to handle");
					return;
				}
				break;
			case RX_PAUSED:
				pause_conn(c);
				return;
			case RX_CLOSE:
				conn_close(c, "protocol error");
				return;
		}
	}
}

static void on_readable(void *arg)
{
	struct mconn *c = arg;
	if(c->lingering) {
		/* no session is left to take it: read only to keep the socket
		 * from being reset while our output goes out */
		struct evbuffer *in = c->t->ops->input(c->t);
		evbuffer_drain(in, evbuffer_get_length(in));
		c->t->ops->pause_reading(c->t, 0);
		return;
	}
	process_input(c);
	/* the input has room again: reading goes on unless paused */
	if(!c->closing)
		c->t->ops->pause_reading(c->t, c->paused);
}

static void on_drained(void *arg)
{
	struct mconn *c = arg;
	if(c->closing)
		return;
	if(c->lingering) {
		if(all_written(c))
			conn_close(c, "its sessions ended, their data written");
		return;
	}
	/* below the low watermark: queued messages and paused senders go on */
	for(int i = 0; i < c->nlegs; i++)
		engine_leg_drained(c->legs[i]);
	resume_paused();
}

static void on_connected(void *arg)
{
	struct mconn *c = arg;
	leg_t *leg = c->connecting;

	relay_stats.conns_connected++;
	if(c->timer)
		event_del(c->timer);
	if(leg && !engine_conn_matches_fingerprint(c, leg)) {
		conn_close(c, "certificate does not match a=fingerprint");
		return;
	}
	c->connecting = NULL;
	if(leg)
		engine_leg_connected(leg);
}

static void on_closed(void *arg, const char *why, int tls_failure)
{
	struct mconn *c = arg;
	if(tls_failure)
		stats_error("tls_handshake");
	if(c->connecting)
		stats_error("connect_failed");
	conn_close(c, why);
}

static const transport_events_t conn_events = {
		on_readable, on_drained, on_connected, on_closed};

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct mconn *c = arg;
	(void)fd;
	(void)what;
	if(c->lingering) {
		if(all_written(c)) {
			conn_close(c, "its sessions ended, their data written");
		} else if(--c->linger_polls <= 0) {
			stats_error("linger_timeout");
			conn_close(c, "its sessions ended; the peer did not read the rest");
		} else {
			linger_poll(c);
		}
	} else if(c->connecting) {
		stats_error("connect_failed");
		conn_close(c, "connect timeout");
	} else if(c->nlegs == 0) {
		stats_error("idle_unbound");
		conn_close(c, "no session bound in time");
	}
}

static transport_params_t params_for(struct mconn *c)
{
	transport_params_t p = {base, &conn_events, c, engine_config.max_queue / 2,
			cfg.read_high_water, cfg.keepalive_s};
	return p;
}

static struct mconn *conn_alloc(void)
{
	struct mconn *c = calloc(1, sizeof(*c));

	if(!c)
		return NULL;
	c->rx = rx_new();
	if(!c->rx) {
		free(c);
		return NULL;
	}
	return c;
}

static void conn_discard(struct mconn *c)
{
	rx_free(c->rx);
	free(c);
}

/* The connection, its transport attached, joins the list. */
static struct mconn *conn_link(struct mconn *c, int secure)
{
	c->secure = secure;
	c->timer = evtimer_new(base, on_timer, c);
	c->next = conns;
	if(conns)
		conns->prev = c;
	conns = c;
	relay_stats.conns_open++;
	return c;
}

/* A connection on an accepted socket (fd >= 0) or to sa, where a TLS
 * peer must hold a certificate for host. */
static struct mconn *conn_new(int secure, int fd, const struct sockaddr *sa,
		socklen_t salen, const char *host)
{
	struct mconn *c = conn_alloc();
	transport_params_t p;

	if(!c)
		return NULL;
	p = params_for(c);
	c->t = secure ? transport_tls_new(&p, fd, sa, salen, host)
				  : transport_tcp_new(&p, fd, sa, salen);
	if(!c->t) {
		conn_discard(c);
		return NULL;
	}
	return conn_link(c, secure);
}

static void start_unbound_timer(struct mconn *c)
{
	struct timeval tv = {(time_t)cfg.unbound_timeout_s, 0};
	evtimer_add(c->timer, &tv);
}

/*
 * A connection to one of our own plain listeners: two connections joined
 * in memory, the accepted end waiting for its binding SEND like any other.
 * NULL when they cannot be made.
 */
static struct mconn *conn_new_local(leg_t *leg)
{
	struct mconn *a = conn_alloc(), *b = a ? conn_alloc() : NULL;
	transport_params_t pa, pb;

	if(!b) {
		if(a)
			conn_discard(a);
		return NULL;
	}
	pa = params_for(a);
	pb = params_for(b);
	if(transport_pipe_pair(&pa, &pb, &a->t, &b->t) < 0) {
		conn_discard(a);
		conn_discard(b);
		return NULL;
	}
	conn_link(a, 0);
	conn_link(b, 0);
	a->local = b->local = 1;
	a->pair = b;
	b->pair = a;
	b->accepted = 1;
	relay_stats.conns_local++;
	snprintf(b->peer, sizeof(b->peer), "local:%.*s", (int)sizeof(b->peer) - 7,
			leg->local_path);
	relay_stats.conns_accepted++;
	start_unbound_timer(b);
	ilog(msrp, LOG_DEBUG, "session %s leg %s: in-process connection",
			leg->session->id, leg->id);
	return a;
}

/* Whether ss is the address one of our plain listeners is bound to. */
static int is_own_listener(const struct sockaddr_storage *ss)
{
	for(int i = 0; i < nlisteners; i++) {
		const listener_t *li = &listeners[i];
		if(li->ep.secure || li->bound.ss_family != ss->ss_family)
			continue;
		if(ss->ss_family == AF_INET) {
			const struct sockaddr_in *x = (const void *)&li->bound,
									 *y = (const void *)ss;
			if(x->sin_port == y->sin_port
					&& x->sin_addr.s_addr == y->sin_addr.s_addr)
				return 1;
		} else if(ss->ss_family == AF_INET6) {
			const struct sockaddr_in6 *x = (const void *)&li->bound,
									  *y = (const void *)ss;
			if(x->sin6_port == y->sin6_port
					&& memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0)
				return 1;
		}
	}
	return 0;
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd,
		struct sockaddr *sa, int salen, void *arg)
{
	listener_t *li = arg;
	struct mconn *c;
	im_addr_t a;

	(void)l;
	c = conn_new(li->ep.secure, fd, NULL, 0, NULL);
	if(!c) {
		evutil_closesocket(fd);
		return;
	}
	c->accepted = 1;
	a.proto = IM_ADDR_TCP;
	memcpy(&a.sa, sa, (size_t)salen);
	a.salen = (socklen_t)salen;
	im_addr_format(&a, c->peer, sizeof(c->peer));
	relay_stats.conns_accepted++;
	start_unbound_timer(c);
	ilog(msrp, LOG_DEBUG, "accepted %s", c->peer);
}

/* --- engine I/O --- */

static struct evbuffer *pending(leg_t *leg)
{
	if(!leg->pending)
		leg->pending = evbuffer_new();
	return leg->pending;
}

static void io_leg_write(leg_t *leg, const void *data, size_t len)
{
	struct mconn *c = leg->conn;

	relay_stats.bytes_out += len;
	if(c && !c->closing)
		evbuffer_add(c->t->ops->output(c->t), data, len);
	else
		evbuffer_add(pending(leg), data, len);
}

static void unref_shared(const void *data, size_t len, void *arg)
{
	(void)data;
	(void)len;
	shared_buf_unref(arg);
}

static void io_leg_write_shared(leg_t *leg, shared_buf_t *b)
{
	struct mconn *c = leg->conn;
	struct evbuffer *out = c && !c->closing ? c->t->ops->output(c->t)
											: pending(leg);

	relay_stats.bytes_out += b->len;
	shared_buf_ref(b);
	if(evbuffer_add_reference(out, b->data, b->len, unref_shared, b) < 0)
		shared_buf_unref(b);
}

static size_t io_leg_queued(leg_t *leg)
{
	struct mconn *c = leg->conn;
	if(c && !c->closing)
		return evbuffer_get_length(c->t->ops->output(c->t));
	return leg->pending ? evbuffer_get_length(leg->pending) : 0;
}

static leg_t *io_leg_local_peer(leg_t *leg, int *idle)
{
	struct mconn *c = leg->conn, *p = c ? c->pair : NULL;

	*idle = 0;
	if(!p || c->closing || p->closing || p->nlegs != 1)
		return NULL;
	*idle = evbuffer_get_length(c->t->ops->output(c->t)) == 0
			&& evbuffer_get_length(p->t->ops->input(p->t)) == 0;
	return p->legs[0];
}

static void io_conn_write(struct mconn *c, const void *data, size_t len)
{
	relay_stats.bytes_out += len;
	if(!c->closing)
		evbuffer_add(c->t->ops->output(c->t), data, len);
}

static size_t io_conn_queued(struct mconn *c)
{
	return evbuffer_get_length(c->t->ops->output(c->t));
}

static int io_conn_fingerprint(
		struct mconn *c, const char *alg, char *out, size_t outlen)
{
	if(!c->t->ops->peer_fingerprint)
		return -1;
	return c->t->ops->peer_fingerprint(c->t, alg, out, outlen);
}

static void io_bind(struct mconn *c, leg_t *leg)
{
	if(c->nlegs == c->caplegs) {
		int cap = c->caplegs ? c->caplegs * 2 : 2;
		leg_t **p = realloc(c->legs, sizeof(*p) * (size_t)cap);
		if(!p)
			return;
		c->legs = p;
		c->caplegs = cap;
	}
	c->legs[c->nlegs++] = leg;
	leg->conn = c;
	if(c->timer && c->accepted)
		event_del(c->timer);
	if(leg->pending && evbuffer_get_length(leg->pending))
		evbuffer_add_buffer(c->t->ops->output(c->t), leg->pending);
}

static void io_unbind(leg_t *leg)
{
	struct mconn *c = leg->conn;

	if(leg->pending) {
		evbuffer_free(leg->pending);
		leg->pending = NULL;
	}
	if(!c)
		return;
	conn_detach_leg(c, leg);
	/* a connection that carries no session any more has no purpose */
	if(c->nlegs == 0 && !c->connecting)
		conn_close_gracefully(c);
	resume_paused();
}

static int target_of(leg_t *leg, struct sockaddr_storage *ss, int *sslen)
{
	char hp[160];
	const msrp_uri_t *u = &leg->remote[0];

	if(leg->cema) {
		memcpy(ss, &leg->cema_addr.sa, leg->cema_addr.salen);
		*sslen = (int)leg->cema_addr.salen;
		return 0;
	}
	snprintf(hp, sizeof(hp), "%s%.*s%s:%u", u->ipv6 ? "[" : "", (int)u->host.len,
			u->host.p, u->ipv6 ? "]" : "", u->port);
	*sslen = (int)sizeof(*ss);
	return evutil_parse_sockaddr_port(hp, (struct sockaddr *)ss, sslen);
}

static void io_connect(leg_t *leg)
{
	struct sockaddr_storage ss;
	char host[INET6_ADDRSTRLEN + 256];
	int sslen;
	struct mconn *c;
	struct timeval tv = {(time_t)cfg.connect_timeout_s, 0};

	if(target_of(leg, &ss, &sslen) < 0) {
		/* no DNS on the media path: SDP carries addresses */
		engine_leg_connect_failed(leg, "remote path host is not a numeric address");
		return;
	}
	/* with CEMA too, the certificate is the path host's (RFC 6714) */
	snprintf(host, sizeof(host), "%.*s", (int)leg->remote[0].host.len,
			leg->remote[0].host.p);
	if(!leg->remote[0].secure && !leg->cema && is_own_listener(&ss))
		c = conn_new_local(leg);
	else
		c = conn_new(leg->remote[0].secure, -1, (struct sockaddr *)&ss,
				(socklen_t)sslen, leg->fp_alg[0] ? NULL : host);
	if(!c) {
		engine_leg_connect_failed(leg, strerror(errno));
		return;
	}
	snprintf(c->peer, sizeof(c->peer), "%.*s", (int)sizeof(c->peer) - 1,
			leg->remote_path);
	/* writes made while connecting wait in the output buffer */
	io_bind(c, leg);
	c->connecting = leg;
	evtimer_add(c->timer, &tv);
}

static void io_event(const char *type, json_t *data)
{
	if(relay.events)
		events_post(relay.events, type, data);
	else
		json_decref(data);
}

static uint64_t io_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static const engine_io_t io = {
		.leg_write = io_leg_write,
		.leg_write_shared = io_leg_write_shared,
		.leg_queued = io_leg_queued,
		.leg_local_peer = io_leg_local_peer,
		.conn_write = io_conn_write,
		.conn_fingerprint = io_conn_fingerprint,
		.conn_queued = io_conn_queued,
		.bind = io_bind,
		.unbind = io_unbind,
		.connect = io_connect,
		.event = io_event,
		.now_ms = io_now_ms,
};

const engine_io_t *mconn_engine_io(void)
{
	return &io;
}

/* --- listeners --- */

void mconn_init(struct event_base *b, const mconn_config_t *c)
{
	base = b;
	cfg = *c;
	reaper = event_new(base, -1, 0, reap, NULL);
}

int mconn_listen(const char *spec, int secure, char *err, size_t errlen)
{
	const char *semi = strchr(spec, ';');
	size_t alen = semi ? (size_t)(semi - spec) : strlen(spec);
	im_addr_t a;
	listener_t *li;
	char host[INET6_ADDRSTRLEN + 8];

	if(nlisteners == MAX_LISTENERS) {
		snprintf(err, errlen, "too many MSRP listeners");
		return -1;
	}
	if(im_addr_parse(spec, alen, &a, err, errlen) < 0)
		return -1;
	if(a.proto != IM_ADDR_TCP) {
		snprintf(err, errlen, "%s: MSRP listens on tcp:", spec);
		return -1;
	}
	li = &listeners[nlisteners];
	memset(li, 0, sizeof(*li));
	memcpy(&li->bound, &a.sa, a.salen);
	li->ep.secure = secure;
	li->ep.ipv6 = a.sa.ss_family == AF_INET6;
	li->ep.port = ntohs(li->ep.ipv6 ? ((struct sockaddr_in6 *)&a.sa)->sin6_port
									: ((struct sockaddr_in *)&a.sa)->sin_port);
	if(semi && strncmp(semi, ";advertise=", 11) == 0) {
		snprintf(li->ep.host, sizeof(li->ep.host), "%s", semi + 11);
	} else if(semi) {
		snprintf(err, errlen, "%s: unknown listener option", spec);
		return -1;
	} else {
		evutil_inet_ntop(a.sa.ss_family,
				li->ep.ipv6 ? (void *)&((struct sockaddr_in6 *)&a.sa)->sin6_addr
							: (void *)&((struct sockaddr_in *)&a.sa)->sin_addr,
				host, sizeof(host));
		snprintf(li->ep.host, sizeof(li->ep.host), "%s", host);
	}
	li->l = evconnlistener_new_bind(base, on_accept, li,
			LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
			512, (struct sockaddr *)&a.sa, (int)a.salen);
	if(!li->l) {
		snprintf(err, errlen, "%s: %s", spec, strerror(errno));
		return -1;
	}
	nlisteners++;
	ilog(msrp, LOG_INFO, "%s listening on %.*s, paths use %s",
			secure ? "msrps" : "msrp", (int)alen, spec, li->ep.host);
	return 0;
}

void mconn_publish_endpoints(void)
{
	local_endpoint_t eps[MAX_LISTENERS];
	for(int i = 0; i < nlisteners; i++)
		eps[i] = listeners[i].ep;
	session_set_local_endpoints(eps, nlisteners);
}

void mconn_close_listeners(void)
{
	for(int i = 0; i < nlisteners; i++)
		evconnlistener_free(listeners[i].l);
	nlisteners = 0;
}

void mconn_close_all(void)
{
	while(conns)
		conn_close(conns, "relay shutting down");
	reap(-1, 0, NULL);
	if(reaper)
		event_free(reaper);
	reaper = NULL;
}

json_t *mconn_stats(void)
{
	size_t n = 0, npaused = 0;
	for(struct mconn *c = conns; c; c = c->next)
		n++;
	for(struct mconn *c = paused; c; c = c->paused_next)
		npaused++;
	return json_pack("{s:I, s:I, s:i}", "open", (json_int_t)n, "paused",
			(json_int_t)npaused, "listeners", nlisteners);
}
