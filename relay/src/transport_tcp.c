/*
 * Plain TCP transport on raw events: reads of up to 256 KiB in one readv
 * (libevent 2.1's evbuffer_read stops at 4 KiB after an ioctl, three
 * syscalls per 4 KiB), writes with writev of the whole output queue.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>

#include "transport.h"

#define READ_SIZE (256 * 1024)

typedef struct tcp {
	transport_t t;
	int fd;
	int connecting;
	int paused;
	int dead;
	int reading; /* rev is added */
	int writing; /* wev is added: the socket was full */
	struct evbuffer *in, *out;
	struct event *rev, *wev;
	struct event *flush; /* deferred write at the end of the loop pass */
} tcp_t;

/* Reads while the owner wants them and the input has room. */
static void update_reading(tcp_t *c)
{
	int want = !c->dead && !c->connecting && !c->paused
			   && evbuffer_get_length(c->in) < c->t.read_max;
	if(want == c->reading)
		return;
	if(want)
		event_add(c->rev, NULL);
	else
		event_del(c->rev);
	c->reading = want;
}

void transport_socket_options(int fd, unsigned keepalive_s)
{
	int one = 1, idle = (int)keepalive_s;

	/* chat messages go out at once; writes are batched per loop pass */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if(!keepalive_s)
		return;
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &idle, sizeof(idle));
}

void transport_init(transport_t *t, const transport_ops_t *ops,
		const transport_params_t *p)
{
	t->ops = ops;
	t->ev = p->ev;
	t->owner = p->owner;
	t->low_water = p->low_water;
	t->read_max = p->read_max;
}

int transport_connect_socket(const struct sockaddr *sa, socklen_t salen)
{
	int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if(fd >= 0 && connect(fd, sa, salen) < 0 && errno != EINPROGRESS) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static void tcp_dead(tcp_t *c, const char *why)
{
	if(c->dead)
		return;
	c->dead = 1;
	update_reading(c);
	event_del(c->wev);
	c->writing = 0;
	c->t.ev->closed(c->t.owner, why, 0);
}

static void on_out_added(struct evbuffer *buf, const struct evbuffer_cb_info *info,
		void *arg)
{
	tcp_t *c = arg;
	(void)buf;
	/* writes made in this loop pass go out together, without asking
	 * epoll first: only a full socket waits for EV_WRITE */
	if(info->n_added && !c->dead && !c->connecting && !c->writing)
		event_active(c->flush, EV_WRITE, 0);
}

static void write_out(tcp_t *c)
{
	size_t before = evbuffer_get_length(c->out);

	if(before) {
		int n = evbuffer_write(c->out, c->fd);
		if(n < 0 && errno != EAGAIN && errno != EINTR) {
			tcp_dead(c, strerror(errno));
			return;
		}
	}
	if(evbuffer_get_length(c->out) == 0) {
		if(c->writing) {
			event_del(c->wev);
			c->writing = 0;
		}
	} else if(!c->writing) {
		event_add(c->wev, NULL);
		c->writing = 1;
	}
	/* told after every write that leaves the queue under its mark, not
	 * only when one crosses it: senders paused by another queue are
	 * resumed from here too, and waiting for a crossing delayed them
	 * (a third less throughput on 1 MiB messages) */
	if(evbuffer_get_length(c->out) <= c->t.low_water)
		c->t.ev->drained(c->t.owner);
}

static void on_flush(evutil_socket_t fd, short what, void *arg)
{
	tcp_t *c = arg;
	(void)fd;
	(void)what;
	if(!c->dead && !c->connecting)
		write_out(c);
}

static void on_read(evutil_socket_t fd, short what, void *arg)
{
	tcp_t *c = arg;
	struct evbuffer_iovec v[2];
	struct iovec iov[2];
	int n = evbuffer_reserve_space(c->in, READ_SIZE, v, 2);
	ssize_t got;

	(void)what;
	for(int i = 0; i < n; i++) {
		iov[i].iov_base = v[i].iov_base;
		iov[i].iov_len = v[i].iov_len;
	}
	got = readv(fd, iov, n);
	if(got <= 0) {
		evbuffer_commit_space(c->in, v, 0);
		if(got < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		tcp_dead(c, got == 0 ? "closed by peer" : strerror(errno));
		return;
	}
	for(int i = 0; i < n; i++) {
		size_t take = (size_t)got < v[i].iov_len ? (size_t)got : v[i].iov_len;
		v[i].iov_len = take;
		got -= (ssize_t)take;
	}
	evbuffer_commit_space(c->in, v, n);
	update_reading(c); /* a full input waits for the owner to consume */
	c->t.ev->readable(c->t.owner);
}

static void on_write(evutil_socket_t fd, short what, void *arg)
{
	tcp_t *c = arg;
	int err = 0;
	socklen_t len = sizeof(err);

	(void)what;
	if(c->connecting) {
		if(getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) {
			tcp_dead(c, strerror(err ? err : errno));
			return;
		}
		c->connecting = 0;
		update_reading(c);
		c->t.ev->connected(c->t.owner);
		if(c->dead)
			return;
	}
	(void)fd;
	write_out(c);
}

static struct evbuffer *tcp_input(transport_t *t)
{
	return ((tcp_t *)t)->in;
}

static struct evbuffer *tcp_output(transport_t *t)
{
	return ((tcp_t *)t)->out;
}

static void tcp_pause(transport_t *t, int paused)
{
	tcp_t *c = (tcp_t *)t;
	c->paused = paused;
	update_reading(c);
}

static void tcp_free(transport_t *t)
{
	tcp_t *c = (tcp_t *)t;
	event_free(c->rev);
	event_free(c->wev);
	event_free(c->flush);
	evbuffer_free(c->in);
	evbuffer_free(c->out);
	close(c->fd);
	free(c);
}

size_t transport_socket_unsent(int fd)
{
	int n = 0;

	if(fd < 0 || ioctl(fd, SIOCOUTQ, &n) < 0 || n < 0)
		return 0;
	return (size_t)n;
}

static size_t tcp_unsent(transport_t *t)
{
	return transport_socket_unsent(((tcp_t *)t)->fd);
}

static const transport_ops_t tcp_ops = {
		"tcp", tcp_input, tcp_output, tcp_pause, tcp_free, NULL, tcp_unsent};

transport_t *transport_tcp_new(const transport_params_t *p, int fd,
		const struct sockaddr *sa, socklen_t salen)
{
	tcp_t *c = calloc(1, sizeof(*c));

	if(!c)
		return NULL;
	if(fd < 0) {
		if((fd = transport_connect_socket(sa, salen)) < 0) {
			free(c);
			return NULL;
		}
		c->connecting = 1;
	} else {
		evutil_make_socket_nonblocking(fd);
	}
	transport_socket_options(fd, p->keepalive_s);
	c->fd = fd;
	transport_init(&c->t, &tcp_ops, p);
	c->in = evbuffer_new();
	c->out = evbuffer_new();
	c->rev = event_new(p->base, fd, EV_READ | EV_PERSIST, on_read, c);
	c->wev = event_new(p->base, fd, EV_WRITE | EV_PERSIST, on_write, c);
	c->flush = event_new(p->base, -1, 0, on_flush, c);
	evbuffer_add_cb(c->out, on_out_added, c);
	if(c->connecting) {
		event_add(c->wev, NULL);
		c->writing = 1;
	}
	update_reading(c);
	return &c->t;
}
