/*
 * The relay's events to Kamailio (events.c) against a fake jsonrpcs: a
 * UDP socket of this test. A burst is sent EVENT_WINDOW (32) at a time, in
 * order, the next ones as acknowledgements come back: jsonrpcs reads with
 * one worker, and a burst beyond its socket buffer was dropped by the
 * kernel and trickled in on retransmission backoff.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "events.h"

#define WINDOW 32

static int fake_kamailio(int *port)
{
	struct sockaddr_in a = {0};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

/* The ids of every datagram waiting on fd, in arrival order; the sender's
 * address in from. */
static int received_ids(int fd, long *ids, int max, struct sockaddr_in *from)
{
	char buf[70000];
	int n = 0;

	for(;;) {
		socklen_t len = sizeof(*from);
		ssize_t r = recvfrom(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT,
				(struct sockaddr *)from, &len);
		json_t *req, *id;
		if(r <= 0)
			return n;
		buf[r] = '\0';
		req = json_loads(buf, 0, NULL);
		assert_non_null(req);
		id = json_object_get(req, "id");
		assert_true(json_is_integer(id));
		assert_true(n < max);
		ids[n++] = (long)json_integer_value(id);
		json_decref(req);
	}
}

static void ack(int fd, const struct sockaddr_in *to, long id)
{
	char buf[128];
	int n = snprintf(buf, sizeof(buf),
			"{\"jsonrpc\":\"2.0\",\"result\":\"ok\",\"id\":%ld}", id);
	assert_int_equal(sendto(fd, buf, (size_t)n, 0, (const struct sockaddr *)to,
							 sizeof(*to)),
			n);
}

static long stat_of(events_t *ev, const char *name)
{
	json_t *s = events_stats(ev);
	long v = (long)json_integer_value(json_object_get(s, name));
	json_decref(s);
	return v;
}

static void burst_goes_out_a_window_at_a_time(void **state)
{
	struct event_base *base = event_base_new();
	struct sockaddr_in relay;
	char target[64], err[128];
	long ids[200];
	int port, k = fake_kamailio(&port), n;
	events_t *ev;

	(void)state;
	snprintf(target, sizeof(target), "udp:127.0.0.1:%d", port);
	ev = events_new(base, target, "relay1", "boot", 10000, 5000, "", err,
			sizeof(err));
	assert_non_null(ev);
	for(int i = 0; i < 100; i++)
		events_post(ev, "delivery_report", json_pack("{s:i}", "n", i));

	n = received_ids(k, ids, 200, &relay);
	assert_int_equal(n, WINDOW);
	for(int i = 1; i < n; i++)
		assert_true(ids[i] == ids[0] + i);
	assert_int_equal(stat_of(ev, "inflight"), WINDOW);
	assert_int_equal(stat_of(ev, "pending"), 100);

	/* five acknowledgements (one of them out of order): five more */
	for(int i = 0; i < 4; i++)
		ack(k, &relay, ids[i]);
	ack(k, &relay, ids[10]);
	long first = ids[0];
	while(stat_of(ev, "acked") < 5)
		event_base_loop(base, EVLOOP_ONCE);
	n = received_ids(k, ids, 200, &relay);
	assert_int_equal(n, 5);
	for(int i = 0; i < n; i++)
		assert_int_equal(ids[i], first + WINDOW + i);
	assert_int_equal(stat_of(ev, "inflight"), WINDOW);
	assert_int_equal(stat_of(ev, "pending"), 95);
	assert_int_equal(stat_of(ev, "retransmits"), 0);

	events_free(ev);
	event_base_free(base);
	close(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test(burst_goes_out_a_window_at_a_time),
	};
	return cmocka_run_group_tests_name("events", tests, NULL, NULL);
}
