#include "events.h"

#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "im_addr.h"
#include "log.h"

#define EVENT_RETRY_FIRST_MS 250
/* Events sent and not acknowledged yet, at most: jsonrpcs reads its
 * datagrams with one worker, whose socket buffer a burst (a push's
 * delivery reports, a conference's leg_closed) would overflow; the kernel
 * would drop the rest and each would wait out its backoff. Later events
 * leave as acknowledgements come back, in order. */
#define EVENT_WINDOW 32
#define EVENT_TICK_MS 100
#define EVENT_DATAGRAM_MAX 65000 /* what jsonrpcs reads in one datagram */

typedef struct pending_event {
	TAILQ_ENTRY(pending_event) link;
	json_int_t id;
	char *payload;
	size_t len;
	char type[32];
	int attempts;
	long long next_send_ms;
	int backoff_ms;
} pending_event_t;

struct events {
	struct event_base *base;
	im_addr_t target;
	int have_target;
	int fd;
	int connected;
	struct event *read_ev;
	struct event *tick_ev;
	char instance[128];
	char boot_id[64];
	int queue_max;
	int retry_max_ms;
	json_int_t next_id;
	size_t pending;
	int inflight; /* sent at least once, not acknowledged (EVENT_WINDOW) */
	TAILQ_HEAD(, pending_event) queue;
	unsigned long posted, acked, rejected, retransmits, dropped, send_errors;
	unsigned long muted_count;
	char muted[512];
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void pending_free(pending_event_t *p)
{
	free(p->payload);
	free(p);
}

static void remove_pending(events_t *ev, pending_event_t *p)
{
	TAILQ_REMOVE(&ev->queue, p, link);
	ev->pending--;
	if(p->attempts > 0)
		ev->inflight--;
	pending_free(p);
}

static void on_readable(evutil_socket_t fd, short what, void *arg);

/* (Re)creates the socket and connects it to Kamailio. */
static int ensure_connected(events_t *ev)
{
	if(ev->connected)
		return 0;
	if(ev->fd < 0) {
		ev->fd = socket(ev->target.sa.ss_family,
				SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if(ev->fd < 0) {
			ilog(events, LOG_ERR, "socket: %s", strerror(errno));
			return -1;
		}
		if(ev->target.proto == IM_ADDR_UNIX) {
			/* autobind an abstract address: jsonrpcs replies to it */
			sa_family_t fam = AF_UNIX;
			if(bind(ev->fd, (struct sockaddr *)&fam, sizeof(fam)) < 0) {
				ilog(events, LOG_ERR, "bind reply socket: %s",
						strerror(errno));
				close(ev->fd);
				ev->fd = -1;
				return -1;
			}
		}
		event_assign(ev->read_ev, ev->base, ev->fd, EV_READ | EV_PERSIST,
				on_readable, ev);
		event_add(ev->read_ev, NULL);
	}
	if(connect(ev->fd, (struct sockaddr *)&ev->target.sa, ev->target.salen)
			< 0) {
		ilog(events, LOG_DEBUG, "connect to kamailio: %s", strerror(errno));
		return -1;
	}
	ev->connected = 1;
	return 0;
}

static void reset_socket(events_t *ev)
{
	if(ev->fd >= 0) {
		event_del(ev->read_ev);
		close(ev->fd);
	}
	ev->fd = -1;
	ev->connected = 0;
}

static void send_one(events_t *ev, pending_event_t *p)
{
	long long now = now_ms();

	p->attempts++;
	if(p->attempts > 1)
		ev->retransmits++;
	else
		ev->inflight++;
	p->next_send_ms = now + p->backoff_ms;
	p->backoff_ms *= 2;
	if(p->backoff_ms > ev->retry_max_ms)
		p->backoff_ms = ev->retry_max_ms;
	if(ensure_connected(ev) < 0)
		return;
	if(send(ev->fd, p->payload, p->len, 0) < 0) {
		ev->send_errors++;
		/* Kamailio not (yet) listening: keep the event and retry later */
		ilog(events, p->attempts == 1 ? LOG_WARN : LOG_DEBUG,
				"event %s #%lld not delivered yet: %s", p->type,
				(long long)p->id, strerror(errno));
		if(errno != EAGAIN && errno != ENOBUFS)
			reset_socket(ev);
	}
}

/* Events never sent yet, while the window has room. */
static void send_waiting(events_t *ev)
{
	pending_event_t *p;

	TAILQ_FOREACH(p, &ev->queue, link)
	{
		if(ev->inflight >= EVENT_WINDOW)
			return;
		if(p->attempts == 0)
			send_one(ev, p);
	}
}

static void handle_reply(events_t *ev, const char *buf, size_t len)
{
	json_error_t jerr;
	json_t *reply = json_loadb(buf, len, 0, &jerr);
	json_t *jid, *error;
	pending_event_t *p;

	if(reply == NULL || !json_is_object(reply)) {
		ilog(events, LOG_WARN, "kamailio sent a reply that is not JSON");
		goto done;
	}
	jid = json_object_get(reply, "id");
	if(!json_is_integer(jid))
		goto done;
	TAILQ_FOREACH(p, &ev->queue, link)
	{
		if(p->id == json_integer_value(jid))
			break;
	}
	if(p == NULL)
		goto done; /* a duplicate answer to a retransmission */
	error = json_object_get(reply, "error");
	if(error) {
		const char *msg = json_string_value(json_object_get(error, "message"));
		ev->rejected++;
		ilog(events, LOG_ERR, "kamailio rejected event %s #%lld: %s", p->type,
				(long long)p->id, msg ? msg : "(no message)");
	} else {
		ev->acked++;
		ilog(events, LOG_DEBUG, "event %s #%lld acknowledged", p->type,
				(long long)p->id);
	}
	remove_pending(ev, p);
	send_waiting(ev);
done:
	if(reply)
		json_decref(reply);
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	events_t *ev = arg;
	char buf[EVENT_DATAGRAM_MAX + 1];

	(void)what;
	for(;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if(n > 0) {
			handle_reply(ev, buf, (size_t)n);
			continue;
		}
		if(n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		/* ECONNREFUSED after an ICMP unreachable: Kamailio is not there */
		if(n < 0)
			ilog(events, LOG_DEBUG, "recv: %s", strerror(errno));
		if(n < 0 && errno != ECONNREFUSED)
			reset_socket(ev);
		return;
	}
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	events_t *ev = arg;
	pending_event_t *p;
	long long now = now_ms();

	(void)fd;
	(void)what;
	TAILQ_FOREACH(p, &ev->queue, link)
	{
		if(p->attempts == 0 && ev->inflight >= EVENT_WINDOW)
			break; /* the rest waits for acknowledgements, in order */
		if(p->attempts == 0 || p->next_send_ms <= now)
			send_one(ev, p);
	}
}

events_t *events_new(struct event_base *base, const char *target,
		const char *instance, const char *boot_id, int queue_max,
		int retry_max_ms, const char *muted, char *err, size_t errlen)
{
	events_t *ev = calloc(1, sizeof(*ev));
	struct timeval tick = {0, EVENT_TICK_MS * 1000};

	if(ev == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	TAILQ_INIT(&ev->queue);
	ev->base = base;
	ev->fd = -1;
	ev->queue_max = queue_max > 0 ? queue_max : 1;
	ev->retry_max_ms =
			retry_max_ms >= EVENT_RETRY_FIRST_MS ? retry_max_ms
												 : EVENT_RETRY_FIRST_MS;
	snprintf(ev->instance, sizeof(ev->instance), "%s", instance);
	snprintf(ev->boot_id, sizeof(ev->boot_id), "%s", boot_id);
	/* ",type,type," so a lookup is one strstr of ",type," */
	snprintf(ev->muted, sizeof(ev->muted), ",%s,", muted ? muted : "");
	for(char *c = ev->muted; *c; c++)
		if(*c == ' ')
			*c = ',';
	if(target) {
		if(im_addr_parse(target, strlen(target), &ev->target, err, errlen)
				< 0) {
			free(ev);
			return NULL;
		}
		if(ev->target.proto == IM_ADDR_TCP) {
			snprintf(err, errlen,
					"kamailio_rpc: jsonrpcs takes datagrams, use udp: or "
					"unix:");
			free(ev);
			return NULL;
		}
		ev->have_target = 1;
	}
	ev->read_ev = event_new(base, -1, 0, on_readable, ev);
	ev->tick_ev = event_new(base, -1, EV_PERSIST, on_tick, ev);
	if(ev->read_ev == NULL || ev->tick_ev == NULL) {
		snprintf(err, errlen, "out of memory");
		events_free(ev);
		return NULL;
	}
	event_add(ev->tick_ev, &tick);
	return ev;
}

void events_free(events_t *ev)
{
	pending_event_t *p;

	if(ev == NULL)
		return;
	while((p = TAILQ_FIRST(&ev->queue)) != NULL)
		remove_pending(ev, p);
	reset_socket(ev);
	if(ev->read_ev)
		event_free(ev->read_ev);
	if(ev->tick_ev)
		event_free(ev->tick_ev);
	free(ev);
}

static int is_muted(const events_t *ev, const char *type)
{
	char key[40];

	snprintf(key, sizeof(key), ",%s,", type);
	return strstr(ev->muted, key) != NULL;
}

void events_post(events_t *ev, const char *type, json_t *data)
{
	pending_event_t *p;
	json_t *req;
	char *data_text;

	if(is_muted(ev, type)) {
		ev->muted_count++;
		if(data)
			json_decref(data);
		return;
	}
	ev->posted++;
	if(data == NULL)
		data = json_object();
	json_object_set_new(data, "boot_id", json_string(ev->boot_id));
	if(!ev->have_target) {
		ev->dropped++;
		ilog(events, LOG_DEBUG, "event %s dropped: no kamailio_rpc configured",
				type);
		json_decref(data);
		return;
	}
	data_text = json_dumps(data, JSON_COMPACT);
	json_decref(data);
	p = calloc(1, sizeof(*p));
	if(p == NULL || data_text == NULL) {
		ev->dropped++;
		ilog(events, LOG_ERR, "event %s dropped: out of memory", type);
		free(p);
		free(data_text);
		return;
	}
	p->id = ++ev->next_id;
	snprintf(p->type, sizeof(p->type), "%s", type);
	req = json_pack("{s:s, s:s, s:[s, s, s], s:I}", "jsonrpc", "2.0", "method",
			"im_relay.event", "params", ev->instance, type, data_text, "id",
			p->id);
	free(data_text);
	p->payload = req ? json_dumps(req, JSON_COMPACT) : NULL;
	if(req)
		json_decref(req);
	if(p->payload == NULL) {
		ev->dropped++;
		ilog(events, LOG_ERR, "event %s dropped: cannot encode", type);
		free(p);
		return;
	}
	p->len = strlen(p->payload);
	if(p->len > EVENT_DATAGRAM_MAX) {
		ev->dropped++;
		ilog(events, LOG_ERR, "event %s dropped: %zu bytes exceed a datagram",
				type, p->len);
		pending_free(p);
		return;
	}
	while(ev->pending >= (size_t)ev->queue_max) {
		pending_event_t *old = TAILQ_FIRST(&ev->queue);
		ev->dropped++;
		ilog(events, LOG_ERR,
				"event queue full (%d): dropping unacknowledged event %s #%lld",
				ev->queue_max, old->type, (long long)old->id);
		remove_pending(ev, old);
	}
	p->backoff_ms = EVENT_RETRY_FIRST_MS;
	TAILQ_INSERT_TAIL(&ev->queue, p, link);
	ev->pending++;
	if(ev->inflight < EVENT_WINDOW)
		send_one(ev, p);
}

size_t events_pending(const events_t *ev)
{
	return ev->pending;
}

json_t *events_stats(const events_t *ev)
{
	return json_pack("{s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:i}",
			"enabled", ev->have_target, "posted", (json_int_t)ev->posted,
			"muted", (json_int_t)ev->muted_count, "acked",
			(json_int_t)ev->acked, "rejected", (json_int_t)ev->rejected,
			"retransmits", (json_int_t)ev->retransmits, "dropped",
			(json_int_t)ev->dropped, "send_errors",
			(json_int_t)ev->send_errors, "pending", (json_int_t)ev->pending,
			"inflight", ev->inflight);
}
