/*
 * In-process transport: a leg that would connect to a path of this very
 * relay (the two bridges of a same-domain session, OPF then TPF, on one
 * relay) gets a pair of connected ends in memory instead of a TCP
 * connection to itself. What one end writes, the other reads; MSRP above
 * is unchanged (binding SEND, responses, REPORTs), only the kernel and its
 * wake-ups are left out.
 *
 * Everything is deferred through one event per end, never a callback
 * from inside another: an end pulls what its peer wrote when it may read
 * (not paused, input below read_max), then tells its owner; the writer
 * hears "drained" when its output fell below the low watermark.
 */
#include <event2/buffer.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "transport.h"

typedef struct pipe_end {
	transport_t t;
	struct pipe_end *peer; /* NULL once the other end is gone */
	struct evbuffer *in, *out;
	struct event *ev;
	int paused;
	int dead;
	int tell_connected, tell_drained, tell_closed;
} pipe_end_t;

static void kick(pipe_end_t *e)
{
	if(e && !e->dead)
		event_active(e->ev, EV_WRITE, 0);
}

/* Moves what the peer wrote into e's input, as far as e has room. */
static size_t pull(pipe_end_t *e)
{
	pipe_end_t *p = e->peer;
	size_t have, room, len, before;

	if(!p || e->paused)
		return 0;
	len = evbuffer_get_length(p->out);
	have = evbuffer_get_length(e->in);
	if(len == 0 || (e->t.read_max && have >= e->t.read_max))
		return 0;
	room = e->t.read_max ? e->t.read_max - have : len;
	before = len;
	if(len > room)
		len = room;
	evbuffer_remove_buffer(p->out, e->in, len);
	/* the writer hears when its queue went back under its mark */
	if(before > p->t.low_water
			&& evbuffer_get_length(p->out) <= p->t.low_water) {
		p->tell_drained = 1;
		kick(p);
	}
	return len;
}

static void on_event(evutil_socket_t fd, short what, void *arg)
{
	pipe_end_t *e = arg;

	(void)fd;
	(void)what;
	if(e->dead)
		return;
	if(e->tell_connected) {
		e->tell_connected = 0;
		e->t.ev->connected(e->t.owner);
		if(e->dead)
			return;
	}
	if(pull(e) > 0) {
		e->t.ev->readable(e->t.owner);
		if(e->dead)
			return;
	}
	if(e->tell_drained) {
		e->tell_drained = 0;
		e->t.ev->drained(e->t.owner);
		if(e->dead)
			return;
	}
	if(e->tell_closed && evbuffer_get_length(e->in) == 0) {
		e->dead = 1;
		e->t.ev->closed(e->t.owner, "closed by peer", 0);
	}
}

static void on_out_added(struct evbuffer *buf,
		const struct evbuffer_cb_info *info, void *arg)
{
	pipe_end_t *e = arg;

	(void)buf;
	if(info->n_added)
		kick(e->peer);
}

static struct evbuffer *pipe_input(transport_t *t)
{
	return ((pipe_end_t *)t)->in;
}

static struct evbuffer *pipe_output(transport_t *t)
{
	return ((pipe_end_t *)t)->out;
}

static void pipe_pause_reading(transport_t *t, int paused)
{
	pipe_end_t *e = (pipe_end_t *)t;

	e->paused = paused;
	if(!paused)
		kick(e);
}

static void pipe_free(transport_t *t)
{
	pipe_end_t *e = (pipe_end_t *)t;

	if(e->peer) {
		/* the other end reads what is left, then hears the close */
		e->peer->tell_closed = 1;
		if(evbuffer_get_length(e->out))
			evbuffer_remove_buffer(e->out, e->peer->in,
					evbuffer_get_length(e->out));
		kick(e->peer);
		e->peer->peer = NULL;
	}
	event_free(e->ev);
	evbuffer_free(e->in);
	evbuffer_free(e->out);
	free(e);
}

static const transport_ops_t pipe_ops = {
		"pipe", pipe_input, pipe_output, pipe_pause_reading, pipe_free, NULL,
		NULL};

static pipe_end_t *end_new(const transport_params_t *p)
{
	pipe_end_t *e = calloc(1, sizeof(*e));

	if(!e)
		return NULL;
	transport_init(&e->t, &pipe_ops, p);
	e->in = evbuffer_new();
	e->out = evbuffer_new();
	e->ev = event_new(p->base, -1, 0, on_event, e);
	if(!e->in || !e->out || !e->ev) {
		if(e->in)
			evbuffer_free(e->in);
		if(e->out)
			evbuffer_free(e->out);
		if(e->ev)
			event_free(e->ev);
		free(e);
		return NULL;
	}
	evbuffer_add_cb(e->out, on_out_added, e);
	return e;
}

int transport_pipe_pair(const transport_params_t *active,
		const transport_params_t *passive, transport_t **a, transport_t **b)
{
	pipe_end_t *x = end_new(active), *y = x ? end_new(passive) : NULL;

	if(!y) {
		if(x)
			pipe_free(&x->t);
		return -1;
	}
	x->peer = y;
	y->peer = x;
	/* like a TCP connect: the active side hears it is up, later */
	x->tell_connected = 1;
	kick(x);
	*a = &x->t;
	*b = &y->t;
	return 0;
}
