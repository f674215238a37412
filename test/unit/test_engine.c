/*
 * The MSRP engine without sockets: frames are fed as bytes to fake
 * connections, and what the engine writes to each leg, answers on each
 * connection and tells Kamailio is read back and checked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "im_cpim.h"
#include "msrp_hdr.h"
#include "msrp_parser.h"
#include "session.h"
#include "test_buf.h"

/* ---- fake transport ---- */

struct mconn {
	strbuf_t out;
	rxstate_t *rx;
};

#define MAX_LEGS 8
static struct {
	leg_t *leg;
	strbuf_t out;
} outs[MAX_LEGS];
static int nouts;
static size_t fake_queued; /* what leg_queued reports for every leg */
static uint64_t fake_now = 1000;
static json_t *events;	   /* [[type, data], ...] */
static int connects;

static strbuf_t *leg_out(leg_t *leg)
{
	for(int i = 0; i < nouts; i++)
		if(outs[i].leg == leg)
			return &outs[i].out;
	assert_true(nouts < MAX_LEGS);
	outs[nouts].leg = leg;
	memset(&outs[nouts].out, 0, sizeof(strbuf_t));
	return &outs[nouts++].out;
}

static void f_leg_write(leg_t *leg, const void *d, size_t n)
{
	sb_add(leg_out(leg), d, n);
}
static void f_leg_write_shared(leg_t *leg, shared_buf_t *b)
{
	sb_add(leg_out(leg), b->data, b->len);
}
static size_t f_leg_queued(leg_t *leg)
{
	(void)leg;
	return fake_queued;
}
static void f_conn_write(struct mconn *c, const void *d, size_t n)
{
	sb_add(&c->out, d, n);
}
static size_t f_conn_queued(struct mconn *c)
{
	(void)c;
	return 0;
}
static void f_bind(struct mconn *c, leg_t *leg)
{
	leg->conn = c;
}
static void f_unbind(leg_t *leg)
{
	leg->conn = NULL;
}
static void f_connect(leg_t *leg)
{
	(void)leg;
	connects++;
}
static void f_event(const char *type, json_t *data)
{
	json_array_append_new(events, json_pack("[s, o]", type, data));
}
static uint64_t f_now(void)
{
	return fake_now;
}

static const char *fake_fingerprint; /* the peer certificate's, NULL: none */
static int f_conn_fingerprint(
		struct mconn *c, const char *alg, char *out, size_t outlen)
{
	(void)c;
	(void)alg;
	if(!fake_fingerprint)
		return -1;
	snprintf(out, outlen, "%s", fake_fingerprint);
	return 0;
}

/* conference leg splice_from's in-process peer is bridge leg splice_to */
static leg_t *splice_from, *splice_to;
static int splice_idle;
static leg_t *f_leg_local_peer(leg_t *leg, int *idle)
{
	*idle = splice_idle;
	return leg == splice_from ? splice_to : NULL;
}

static const engine_io_t fake_io = {.leg_write = f_leg_write,
		.leg_write_shared = f_leg_write_shared,
		.leg_queued = f_leg_queued,
		.leg_local_peer = f_leg_local_peer,
		.conn_write = f_conn_write,
		.conn_queued = f_conn_queued,
		.conn_fingerprint = f_conn_fingerprint,
		.bind = f_bind,
		.unbind = f_unbind,
		.connect = f_connect,
		.event = f_event,
		.now_ms = f_now};

/* ---- parsing what came out ---- */

typedef struct pframe {
	char start[256];
	char tid[40];
	int status; /* 0 for requests */
	char method[16];
	char to[512], from[512], mid[128], range[64], status_hdr[64], ct[128],
			success[8];
	char *body;
	size_t body_len;
	char flag;
} pframe_t;

static int parse_out(const strbuf_t *b, pframe_t *out, int max)
{
	msrp_limits_t lim = {16384, 4096};
	size_t pos = 0;
	int n = 0;

	while(b->p && pos < b->len) {
		msrp_frame_t f;
		const char *err;
		int r = msrp_parse_head(b->p + pos, b->len - pos, &lim, &f, &err);
		pframe_t *p = &out[n];
		assert_true(r > 0);
		assert_true(n < max);
		memset(p, 0, sizeof(*p));
		snprintf(p->tid, sizeof(p->tid), "%.*s", (int)f.tid.len, f.tid.p);
		p->status = f.method == MSRP_RESPONSE ? f.status : 0;
		snprintf(p->method, sizeof(p->method), "%.*s", (int)f.method_name.len,
				f.method_name.p ? f.method_name.p : "");
#define H(field, id)                                                        \
	if(msrp_frame_header(&f, id))                                           \
		snprintf(p->field, sizeof(p->field), "%.*s",                        \
				(int)msrp_frame_header(&f, id)->len, msrp_frame_header(&f, id)->p);
		H(to, MSRP_H_TO_PATH)
		H(from, MSRP_H_FROM_PATH)
		H(mid, MSRP_H_MESSAGE_ID)
		H(range, MSRP_H_BYTE_RANGE)
		H(status_hdr, MSRP_H_STATUS)
		H(ct, MSRP_H_CONTENT_TYPE)
		H(success, MSRP_H_SUCCESS_REPORT)
#undef H
		pos += (size_t)r;
		if(f.has_body) {
			size_t blen, used;
			char flag;
			assert_int_equal(msrp_body_scan(f.tid, b->p + pos, b->len - pos,
									 &blen, &used, &flag),
					1);
			p->body = b->p + pos;
			p->body_len = blen;
			p->flag = flag;
			pos += used;
		} else {
			p->flag = f.flag;
		}
		n++;
	}
	return n;
}

/* ---- fixtures ---- */

static const char *A_PATH = "msrp://10.0.0.1:7000/aaaa;tcp";
static const char *B_PATH = "msrp://10.0.0.2:7000/bbbb;tcp";
static const char *C_PATH = "msrp://10.0.0.3:7000/cccc;tcp";

static int setup(void **state)
{
	local_endpoint_t ep = {"127.0.0.1", 2855, 0, 0};
	(void)state;
	session_set_local_endpoints(&ep, 1);
	engine_init(&engine_config, &fake_io);
	events = json_array();
	fake_queued = 0;
	fake_now = 1000;
	connects = 0;
	nouts = 0;
	fake_fingerprint = NULL;
	splice_from = splice_to = NULL;
	splice_idle = 1;
	return 0;
}

static int teardown(void **state)
{
	session_t *s;
	(void)state;
	while((s = sessions_all()) != NULL)
		session_destroy(s, "test end");
	for(int i = 0; i < nouts; i++)
		free(outs[i].out.p);
	nouts = 0;
	json_decref(events);
	return 0;
}

static leg_t *add_leg(session_t *s, const char *id, const char *remote,
		const char *identity)
{
	leg_params_t p;
	int created;
	char err[128];
	leg_t *l;

	leg_params_init(&p);
	p.remote_path = remote;
	p.identity = identity;
	p.version = "IM-client/OMA1.0";
	l = leg_add(s, id, &p, &created, err, sizeof(err));
	assert_non_null(l);
	return l;
}

static struct mconn *conn_new(void)
{
	struct mconn *c = calloc(1, sizeof(*c));
	c->rx = rx_new();
	return c;
}

static void conn_free(struct mconn *c)
{
	rx_free(c->rx);
	free(c->out.p);
	free(c);
}

/* Feeds all of data, in steps of `step` bytes (0: at once), as the
 * transport would: keeping what was not consumed. */
static rx_result_t feed(struct mconn *c, const char *data, size_t len, size_t step)
{
	strbuf_t in = {0};
	size_t given = 0;
	rx_result_t r = RX_OK;

	while(given < len || in.len) {
		size_t consumed, want;
		size_t add = step ? step : len - given;
		if(add > len - given)
			add = len - given;
		sb_add(&in, data + given, add);
		given += add;
		r = engine_input(c, c->rx, in.p ? in.p : "", in.len, &consumed, &want);
		memmove(in.p, in.p + consumed, in.len - consumed);
		in.len -= consumed;
		if(r == RX_CLOSE || r == RX_PAUSED)
			break;
		if(given == len && (r == RX_NEED_MORE || in.len == 0))
			break;
	}
	free(in.p);
	return r;
}

static char *send_frame(const char *tid, const char *to, const char *from,
		const char *mid, const char *range, const char *extra, const char *ct,
		const char *body, char flag)
{
	static char f[300000];
	int n = snprintf(f, sizeof(f),
			"MSRP %s SEND\r\nTo-Path: %s\r\nFrom-Path: %s\r\nMessage-ID: "
			"%s\r\nByte-Range: %s\r\n%s",
			tid, to, from, mid, range, extra ? extra : "");
	if(ct)
		n += snprintf(f + n, sizeof(f) - (size_t)n,
				"Content-Type: %s\r\n\r\n%s\r\n-------%s%c\r\n", ct, body, tid,
				flag);
	else
		n += snprintf(f + n, sizeof(f) - (size_t)n, "-------%s%c\r\n", tid, flag);
	return f;
}

static session_t *bridge(leg_t **a, leg_t **b)
{
	char err[128];
	session_t *s = session_create("s1", SESSION_BRIDGE, err, sizeof(err));
	assert_non_null(s);
	*a = add_leg(s, "a", A_PATH, NULL);
	*b = add_leg(s, "b", B_PATH, NULL);
	return s;
}

static const char *event_type(int i)
{
	return json_string_value(json_array_get(json_array_get(events, (size_t)i), 0));
}

static json_t *event_data(int i)
{
	return json_array_get(json_array_get(events, (size_t)i), 1);
}

static int find_event(const char *type)
{
	for(size_t i = 0; i < json_array_size(events); i++)
		if(strcmp(event_type((int)i), type) == 0)
			return (int)i;
	return -1;
}

/* ---- tests ---- */

static void bridge_forwards_with_paths_rewritten(void **state)
{
	leg_t *a, *b;
	pframe_t fr[8];
	struct mconn *ca = conn_new();
	(void)state;
	bridge(&a, &b);
	char *f = send_frame("tid00001", a->local_path, A_PATH, "m1", "1-5/5",
			"Success-Report: yes\r\nContent-Disposition: inline\r\n",
			"text/plain", "hello", '$');
	assert_int_equal(feed(ca, f, strlen(f), 0), RX_OK);

	/* the sender's hop: its own 200 */
	assert_int_equal(parse_out(&ca->out, fr, 8), 1);
	assert_int_equal(fr[0].status, 200);
	assert_string_equal(fr[0].tid, "tid00001");
	assert_string_equal(fr[0].to, A_PATH);
	assert_string_equal(fr[0].from, a->local_path);

	/* the other leg: a new transaction, same message */
	assert_int_equal(parse_out(leg_out(b), fr, 8), 1);
	assert_string_equal(fr[0].method, "SEND");
	assert_string_not_equal(fr[0].tid, "tid00001");
	assert_string_equal(fr[0].to, B_PATH);
	assert_string_equal(fr[0].from, b->local_path);
	assert_string_equal(fr[0].mid, "m1");
	assert_string_equal(fr[0].range, "1-5/5");
	assert_string_equal(fr[0].success, "yes");
	assert_int_equal(fr[0].body_len, 5);
	assert_memory_equal(fr[0].body, "hello", 5);
	assert_int_equal(fr[0].flag, '$');
	assert_non_null(strstr(leg_out(b)->p, "Content-Disposition: inline\r\n"));
	assert_ptr_equal(a->conn, ca);
	assert_int_equal(a->state, LEG_CONNECTED);
	assert_true(find_event("leg_connected") >= 0);
	conn_free(ca);
}

/* Pieces are gathered to the leg's max_chunk and go on as soon as they are
 * full (cut-through): their ranges tile the message exactly and only the
 * last carries '$', whatever the input split. */
static void rechunks_to_max_chunk_whatever_the_input_split(void **state)
{
	static char body[150001];
	(void)state;
	for(int i = 0; i < 150000; i++)
		body[i] = (char)('a' + i % 26);
	body[150000] = '\0';
	size_t steps[] = {0, 1, 4096, 7777, 65536};
	for(size_t k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
		leg_t *a, *b;
		static pframe_t fr[200];
		struct mconn *ca = conn_new();
		session_t *s = bridge(&a, &b);
		b->max_chunk = 65536;
		char *f = send_frame("tid00002", a->local_path, A_PATH, "m2",
				"1-150000/150000", NULL, "text/plain", body, '$');
		assert_int_equal(feed(ca, f, strlen(f), steps[k]), RX_OK);
		int n = parse_out(leg_out(b), fr, 200);
		size_t next = 1;
		for(int i = 0; i < n; i++) {
			char want[64];
			assert_true(fr[i].body_len > 0 && fr[i].body_len <= 65536);
			snprintf(want, sizeof(want), "%zu-%zu/150000", next,
					next + fr[i].body_len - 1);
			assert_string_equal(fr[i].range, want);
			assert_memory_equal(fr[i].body, body + next - 1, fr[i].body_len);
			assert_int_equal(fr[i].flag, i == n - 1 ? '$' : '+');
			next += fr[i].body_len;
		}
		assert_int_equal(next, 150001);
		assert_int_equal(n, 3); /* gathered into full chunks */
		session_destroy(s, "next split");
		for(int i = 0; i < nouts; i++)
			free(outs[i].out.p);
		nouts = 0;
		conn_free(ca);
	}
}

static void rejections_and_failure_report_modes(void **state)
{
	leg_t *a, *b;
	pframe_t fr[8];
	struct mconn *ca = conn_new();
	(void)state;
	bridge(&a, &b);
	const char *unknown = "msrp://127.0.0.1:2855/nosuchsession;tcp";
	char *f = send_frame("t0000001", unknown, A_PATH, "m", "1-1/1", NULL,
			"text/plain", "x", '$');
	feed(ca, f, strlen(f), 0);
	f = send_frame("t0000002", a->local_path, "msrp://10.9.9.9:1/evil;tcp", "m",
			"1-1/1", NULL, "text/plain", "x", '$');
	feed(ca, f, strlen(f), 0);
	assert_null(a->conn); /* a spoofed From-Path binds nothing */
	f = send_frame("t0000003", a->local_path, A_PATH, "m", "1-1/1",
			"Failure-Report: no\r\n", "text/plain", "x", '$');
	feed(ca, f, strlen(f), 0);
	f = send_frame("t0000004", a->local_path, A_PATH, "m4", "1-1/1",
			"Failure-Report: partial\r\n", "text/plain", "x", '$');
	feed(ca, f, strlen(f), 0);
	f = send_frame("t0000005", a->local_path, A_PATH, "m5", "x-1/1", NULL,
			"text/plain", "x", '$');
	feed(ca, f, strlen(f), 0);
	const char *other = "MSRP t0000006 FETCH\r\nTo-Path: msrp://127.0.0.1:2855/x;tcp\r\n"
						"From-Path: msrp://10.0.0.1:7000/aaaa;tcp\r\n-------t0000006$\r\n";
	feed(ca, other, strlen(other), 0);

	int n = parse_out(&ca->out, fr, 8);
	assert_int_equal(n, 4);
	assert_int_equal(fr[0].status, 481);
	assert_int_equal(fr[1].status, 403);
	/* t0000003 (no) and t0000004 (partial, success) got nothing */
	assert_string_equal(fr[2].tid, "t0000005");
	assert_int_equal(fr[2].status, 400);
	assert_int_equal(fr[3].status, 501);
	conn_free(ca);
}

static void reports_cross_back_and_failures_become_reports(void **state)
{
	leg_t *a, *b;
	pframe_t fr[8];
	struct mconn *ca = conn_new(), *cb = conn_new();
	char buf[1024];
	(void)state;
	bridge(&a, &b);
	char *f = send_frame("tid00010", a->local_path, A_PATH, "m10", "1-3/3",
			NULL, "text/plain", "abc", '$');
	feed(ca, f, strlen(f), 0);
	assert_int_equal(parse_out(leg_out(b), fr, 8), 1);

	/* b answers our piece with 403: a hears a failure REPORT */
	snprintf(buf, sizeof(buf), "MSRP %s 403 Nope\r\nTo-Path: %s\r\nFrom-Path: %s\r\n-------%s$\r\n",
			fr[0].tid, b->local_path, B_PATH, fr[0].tid);
	feed(cb, buf, strlen(buf), 0);
	/* b's success REPORT for another message crosses back as a REPORT */
	snprintf(buf, sizeof(buf), "MSRP rep00001 REPORT\r\nTo-Path: %s\r\nFrom-Path: %s\r\n"
			"Message-ID: m9\r\nByte-Range: 1-7/7\r\nStatus: 000 200 OK\r\n-------rep00001$\r\n",
			b->local_path, B_PATH);
	feed(cb, buf, strlen(buf), 0);
	assert_int_equal(cb->out.len, 0); /* no answer to a REPORT, nor to a response */

	int n = parse_out(leg_out(a), fr, 8);
	assert_int_equal(n, 2);
	assert_string_equal(fr[0].method, "REPORT");
	assert_string_equal(fr[0].mid, "m10");
	assert_string_equal(fr[0].status_hdr, "000 403 Nope");
	assert_string_equal(fr[0].to, A_PATH);
	assert_string_equal(fr[0].from, a->local_path);
	assert_string_equal(fr[1].mid, "m9");
	assert_string_equal(fr[1].range, "1-7/7");
	assert_string_equal(fr[1].status_hdr, "000 200 OK");
	conn_free(ca);
	conn_free(cb);
}

static void unanswered_piece_times_out_as_408(void **state)
{
	leg_t *a, *b;
	pframe_t fr[8];
	struct mconn *ca = conn_new();
	(void)state;
	bridge(&a, &b);
	char *f = send_frame("tid00020", a->local_path, A_PATH, "m20", "1-3/3",
			NULL, "text/plain", "abc", '$');
	feed(ca, f, strlen(f), 0);
	fake_now += engine_config.txn_timeout_ms - 1;
	engine_tick();
	assert_int_equal(leg_out(a)->len, 0);
	fake_now += 2;
	engine_tick();
	assert_int_equal(parse_out(leg_out(a), fr, 8), 1);
	assert_string_equal(fr[0].status_hdr, "000 408 Request Timeout");
	conn_free(ca);
}

static void full_destination_pauses_the_sender(void **state)
{
	leg_t *a, *b;
	pframe_t fr[8];
	struct mconn *ca = conn_new();
	static char body[200001];
	size_t consumed, want;
	(void)state;
	memset(body, 'z', 200000);
	bridge(&a, &b);
	b->max_chunk = 65536;
	char *f = send_frame("tid00030", a->local_path, A_PATH, "m30",
			"1-200000/200000", NULL, "text/plain", body, '$');
	size_t len = strlen(f);

	fake_queued = engine_config.max_queue; /* b's queue is full */
	rx_result_t r = engine_input(ca, ca->rx, f, len, &consumed, &want);
	assert_int_equal(r, RX_PAUSED);
	assert_true(consumed < len);
	assert_int_equal(leg_out(b)->len, 0);
	fake_queued = 0; /* drained */
	r = engine_input(ca, ca->rx, f + consumed, len - consumed, &consumed, &want);
	assert_int_equal(r, RX_OK);
	assert_int_equal(parse_out(leg_out(b), fr, 8), 4);
	conn_free(ca);
}

static char *cpim_send(const char *tid, leg_t *to, const char *from_path,
		const char *cpim_from, const char *cpim_to, const char *text)
{
	static char body[4096];
	char range[64];
	snprintf(body, sizeof(body),
			"From: %s\r\nTo: %s\r\nDateTime: 2026-11-21T10:00:00Z\r\n\r\n"
			"Content-Type: text/plain\r\n\r\n%s",
			cpim_from, cpim_to, text);
	snprintf(range, sizeof(range), "1-%zu/%zu", strlen(body), strlen(body));
	return send_frame(tid, to->local_path, from_path, tid, range, NULL,
			"message/cpim", body, '$');
}

static void conference_checks_cpim_from_and_fans_out(void **state)
{
	char err[128];
	pframe_t fr[8];
	struct mconn *ca = conn_new();
	(void)state;
	session_t *s = session_create("c1", SESSION_CONFERENCE, err, sizeof(err));
	snprintf(s->identity, sizeof(s->identity), "sip:conf@home1.net");
	leg_t *a = add_leg(s, "a", A_PATH, "sip:alice@home1.net");
	leg_t *b = add_leg(s, "b", B_PATH, "sip:bob@home1.net");
	leg_t *c = add_leg(s, "c", C_PATH, "sip:carol@home1.net");
	c->max_size = 150; /* the broadcast is longer, the private message shorter */

	char *f = cpim_send("cpim0001", a, A_PATH, "<sip:mallory@home1.net>",
			"<sip:conf@home1.net>", "forged");
	feed(ca, f, strlen(f), 0);
	f = cpim_send("cpim0002", a, A_PATH, "\"Alice\" <sip:alice@HOME1.net>",
			"<sip:conf@home1.net>", "to everyone, long enough for carol's limit");
	feed(ca, f, strlen(f), 3);
	f = cpim_send("cpim0003", a, A_PATH, "<sip:alice@home1.net>",
			"<sip:carol@home1.net>", "psst");
	feed(ca, f, strlen(f), 0);
	f = cpim_send("cpim0004", a, A_PATH, "<sip:alice@home1.net>",
			"<sip:nobody@home1.net>", "psst");
	feed(ca, f, strlen(f), 0);

	int n = parse_out(&ca->out, fr, 8);
	assert_int_equal(n, 4);
	assert_int_equal(fr[0].status, 403);
	assert_int_equal(fr[1].status, 200);
	assert_int_equal(fr[2].status, 200);
	assert_int_equal(fr[3].status, 403);
	/* b gets the broadcast, unmodified; c was skipped (max-size) but gets
	 * the private message */
	assert_int_equal(parse_out(leg_out(b), fr, 8), 1);
	assert_non_null(memmem(fr[0].body, fr[0].body_len, "to everyone", 11));
	assert_string_equal(fr[0].mid, "cpim0002");
	assert_int_equal(parse_out(leg_out(c), fr, 8), 1);
	assert_non_null(memmem(fr[0].body, fr[0].body_len, "psst", 4));
	int e = find_event("delivery_report");
	assert_true(e >= 0);
	assert_string_equal(json_string_value(json_object_get(event_data(e), "leg")), "c");
	assert_int_equal(json_integer_value(json_object_get(event_data(e), "code")), 413);
	conn_free(ca);
}

static const char *Y_PATH = "msrp://10.0.0.9:7000/yyyy;tcp";

static void clear_out(leg_t *leg)
{
	free(leg_out(leg)->p);
	memset(leg_out(leg), 0, sizeof(strbuf_t));
}

/* The switch writes past the in-process hop to a participant's bridge:
 * pieces for conference leg b go on bridge leg y (y's paths), y's answers
 * count for b; not while something is on its way to the bridge, nor when
 * y does not take the type; a spliced message whose bridge leg went is
 * reported 481 for b. */
static void conference_splices_to_the_bridge_beyond(void **state)
{
	char err[128], resp[512];
	pframe_t fr[8];
	struct mconn *ca = conn_new(), *cy = conn_new();
	(void)state;
	session_t *s = session_create("c1", SESSION_CONFERENCE, err, sizeof(err));
	snprintf(s->identity, sizeof(s->identity), "sip:conf@home1.net");
	leg_t *a = add_leg(s, "a", A_PATH, "sip:alice@home1.net");
	leg_t *b = add_leg(s, "b", B_PATH, "sip:bob@home1.net");
	session_t *br = session_create("s1", SESSION_BRIDGE, err, sizeof(err));
	leg_t *x = add_leg(br, "x", b->local_path, NULL);
	leg_t *y = add_leg(br, "y", Y_PATH, NULL);
	b->state = x->state = y->state = LEG_CONNECTED;
	y->conn = cy;
	splice_from = b;
	splice_to = x;

	char *f = cpim_send("spl00001", a, A_PATH, "<sip:alice@home1.net>",
			"<sip:conf@home1.net>", "to everyone");
	feed(ca, f, strlen(f), 0);
	assert_int_equal(leg_out(b)->len, 0);
	assert_int_equal(parse_out(leg_out(y), fr, 8), 1);
	assert_string_equal(fr[0].to, Y_PATH);
	assert_string_equal(fr[0].from, y->local_path);
	assert_string_equal(fr[0].mid, "spl00001");
	assert_non_null(memmem(fr[0].body, fr[0].body_len, "to everyone", 11));
	assert_int_equal(b->frames_out, 1);
	assert_int_equal(y->frames_out, 1);

	/* bob's client refuses it: the conference hears it about leg b */
	snprintf(resp, sizeof(resp),
			"MSRP %s 415 Unsupported\r\nTo-Path: %s\r\nFrom-Path: %s\r\n"
			"-------%s$\r\n",
			fr[0].tid, y->local_path, Y_PATH, fr[0].tid);
	feed(cy, resp, strlen(resp), 0);
	int e = find_event("delivery_report");
	assert_true(e >= 0);
	assert_string_equal(json_string_value(json_object_get(event_data(e), "leg")), "b");
	assert_int_equal(json_integer_value(json_object_get(event_data(e), "code")), 415);
	assert_string_equal(json_string_value(json_object_get(event_data(e), "sender")), "a");
	json_array_clear(events);

	/* something still on its way to the bridge: the message goes through it */
	clear_out(y);
	splice_idle = 0;
	f = cpim_send("spl00002", a, A_PATH, "<sip:alice@home1.net>",
			"<sip:conf@home1.net>", "through the bridge");
	feed(ca, f, strlen(f), 0);
	assert_int_equal(leg_out(y)->len, 0);
	assert_int_equal(parse_out(leg_out(b), fr, 8), 1);
	assert_string_equal(fr[0].to, b->remote_path);
	splice_idle = 1;

	/* y does not take CPIM: its bridge would refuse it, so it is asked */
	clear_out(b);
	snprintf(y->accept_types, sizeof(y->accept_types), "text/plain");
	f = cpim_send("spl00003", a, A_PATH, "<sip:alice@home1.net>",
			"<sip:conf@home1.net>", "not for y");
	feed(ca, f, strlen(f), 0);
	assert_int_equal(leg_out(y)->len, 0);
	assert_int_equal(parse_out(leg_out(b), fr, 8), 1);
	y->accept_types[0] = '\0';

	/* a message spliced from its first piece whose bridge leg goes */
	clear_out(b);
	f = send_frame("spl00004", a->local_path, A_PATH, "spl00004", "1-60/60",
			NULL, "message/cpim",
			"From: <sip:alice@home1.net>\r\nTo: <sip:conf@home1.net>\r\n\r\n",
			'+');
	feed(ca, f, strlen(f), 0);
	assert_int_equal(parse_out(leg_out(y), fr, 8), 1);
	leg_remove(y, "test");
	f = send_frame("spl00005", a->local_path, A_PATH, "spl00004", "47-60/60",
			NULL, "message/cpim", "the rest: 14b", '$');
	feed(ca, f, strlen(f), 0);
	assert_int_equal(leg_out(b)->len, 0);
	e = find_event("delivery_report");
	assert_true(e >= 0);
	assert_string_equal(json_string_value(json_object_get(event_data(e), "leg")), "b");
	assert_int_equal(json_integer_value(json_object_get(event_data(e), "code")), 481);
	conn_free(ca);
	conn_free(cy);
}

static void endpoint_keeps_messages_and_pushes(void **state)
{
	char err[128], mid[64];
	pframe_t fr[8];
	struct mconn *ca = conn_new();
	size_t len;
	const char *ct;
	(void)state;
	session_t *s = session_create("e1", SESSION_ENDPOINT, err, sizeof(err));
	leg_t *a = add_leg(s, "a", A_PATH, NULL);

	char *f = send_frame("st000001", a->local_path, A_PATH, "m1", "1-4/9",
			"Success-Report: yes\r\n", "text/plain", "hell", '+');
	feed(ca, f, strlen(f), 0);
	f = send_frame("st000002", a->local_path, A_PATH, "m1", "5-9/9", NULL,
			"text/plain", "o you", '$');
	feed(ca, f, strlen(f), 0);
	int e = find_event("message_received");
	assert_true(e >= 0);
	assert_string_equal(json_string_value(json_object_get(event_data(e), "body_base64")),
			"aGVsbG8geW91");
	const char *data = engine_stored_message(a, "m1", &len, &ct);
	assert_int_equal(len, 9);
	assert_memory_equal(data, "hello you", 9);
	assert_string_equal(ct, "text/plain");
	assert_int_equal(parse_out(leg_out(a), fr, 8), 1);
	assert_string_equal(fr[0].method, "REPORT");
	assert_string_equal(fr[0].range, "1-9/9");
	assert_int_equal(engine_release_message(a, "m1"), 0);
	assert_null(engine_stored_message(a, "m1", &len, &ct));

	/* push: sent in order once connected, reported when answered */
	free(leg_out(a)->p);
	memset(leg_out(a), 0, sizeof(strbuf_t));
	assert_int_equal(engine_inject(a, "text/plain", "stored one", 10, "p1", 0,
							 mid, sizeof(mid), err, sizeof(err)),
			0);
	assert_int_equal(parse_out(leg_out(a), fr, 8), 1);
	assert_string_equal(fr[0].mid, "p1");
	char resp[512];
	snprintf(resp, sizeof(resp), "MSRP %s 200 OK\r\nTo-Path: %s\r\nFrom-Path: %s\r\n-------%s$\r\n",
			fr[0].tid, a->local_path, A_PATH, fr[0].tid);
	feed(ca, resp, strlen(resp), 0);
	int last = (int)json_array_size(events) - 1;
	assert_string_equal(event_type(last), "delivery_report");
	assert_int_equal(json_integer_value(json_object_get(event_data(last), "code")), 200);
	conn_free(ca);
}

static void leg_removed_mid_frame_is_forgotten(void **state)
{
	leg_t *a, *b;
	struct mconn *ca = conn_new();
	(void)state;
	session_t *s = bridge(&a, &b);
	char *f = send_frame("tid00040", a->local_path, A_PATH, "m40", "1-10/10",
			NULL, "text/plain", "0123456789", '$');
	size_t len = strlen(f), consumed, want;
	/* half a frame, then the session goes */
	engine_input(ca, ca->rx, f, len - 20, &consumed, &want);
	engine_rx_forget_leg(ca->rx, a);
	session_destroy(s, "mid-frame");
	engine_input(ca, ca->rx, f + consumed, len - consumed, &consumed, &want);
	conn_free(ca);
}

/* A leg is bound by the first valid frame on a connection and never taken
 * over by another one (RFC 4975 5.4, 14.2; issue 8). */
static void leg_belongs_to_one_connection(void **state)
{
	leg_t *a, *b;
	pframe_t fr[8];
	struct mconn *bad = conn_new(), *owner = conn_new(), *intruder = conn_new();
	(void)state;
	bridge(&a, &b);

	/* a malformed first frame binds nothing */
	char *f = send_frame("tid00001", a->local_path, A_PATH, "m0", "1-2/2", NULL,
			"text/plain", "longer than two", '$');
	assert_int_equal(feed(bad, f, strlen(f), 0), RX_CLOSE);
	assert_null(a->conn);
	assert_int_equal(a->state, LEG_WAITING);

	f = send_frame("tid00002", a->local_path, A_PATH, "m1", "1-5/5", NULL,
			"text/plain", "hello", '$');
	assert_int_equal(feed(owner, f, strlen(f), 0), RX_OK);
	assert_ptr_equal(a->conn, owner);

	/* the same paths on another connection: 403, nothing forwarded */
	size_t b_before = leg_out(b)->len;
	f = send_frame("tid00003", a->local_path, A_PATH, "m2", "1-5/5", NULL,
			"text/plain", "fake!", '$');
	assert_int_equal(feed(intruder, f, strlen(f), 0), RX_OK);
	assert_int_equal(parse_out(&intruder->out, fr, 8), 1);
	assert_int_equal(fr[0].status, 403);
	assert_int_equal(leg_out(b)->len, b_before);
	assert_ptr_equal(a->conn, owner);
	assert_int_equal(a->state, LEG_CONNECTED);
	assert_true(find_event("leg_closed") < 0);
	conn_free(bad);
	conn_free(owner);
	conn_free(intruder);
}

static void fingerprint_decides_who_binds(void **state)
{
	char err[128];
	leg_t *a, *b;
	pframe_t fr[8];
	leg_params_t p;
	struct mconn *wrong = conn_new(), *right = conn_new();
	(void)state;
	bridge(&a, &b);
	leg_params_init(&p);
	p.fingerprint = "SHA-256 ab:CD:ef";
	assert_int_equal(leg_update(a, &p, err, sizeof(err)), 0);
	assert_string_equal(a->fp_alg, "sha-256");
	assert_string_equal(a->fp_hex, "AB:CD:EF");

	fake_fingerprint = "AB:CD:00";
	char *f = send_frame("tid00001", a->local_path, A_PATH, "m1", "1-5/5",
			NULL, "text/plain", "hello", '$');
	assert_int_equal(feed(wrong, f, strlen(f), 0), RX_OK);
	assert_int_equal(parse_out(&wrong->out, fr, 8), 1);
	assert_int_equal(fr[0].status, 403);
	assert_null(a->conn);

	fake_fingerprint = "AB:CD:EF";
	assert_int_equal(feed(right, f, strlen(f), 0), RX_OK);
	assert_int_equal(parse_out(&right->out, fr, 8), 1);
	assert_int_equal(fr[0].status, 200);
	assert_ptr_equal(a->conn, right);

	p.fingerprint = "md5 AB:CD";
	assert_int_equal(leg_update(a, &p, err, sizeof(err)), -1);
	p.fingerprint = "sha-256 ABC:D";
	assert_int_equal(leg_update(a, &p, err, sizeof(err)), -1);
	p.fingerprint = "sha-256 AB:";
	assert_int_equal(leg_update(a, &p, err, sizeof(err)), -1);
	assert_string_equal(a->fp_hex, "AB:CD:EF"); /* all or nothing */
	conn_free(wrong);
	conn_free(right);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test_setup_teardown(bridge_forwards_with_paths_rewritten, setup, teardown),
			cmocka_unit_test_setup_teardown(leg_belongs_to_one_connection, setup, teardown),
			cmocka_unit_test_setup_teardown(fingerprint_decides_who_binds, setup, teardown),
			cmocka_unit_test_setup_teardown(rechunks_to_max_chunk_whatever_the_input_split, setup, teardown),
			cmocka_unit_test_setup_teardown(rejections_and_failure_report_modes, setup, teardown),
			cmocka_unit_test_setup_teardown(reports_cross_back_and_failures_become_reports, setup, teardown),
			cmocka_unit_test_setup_teardown(unanswered_piece_times_out_as_408, setup, teardown),
			cmocka_unit_test_setup_teardown(full_destination_pauses_the_sender, setup, teardown),
			cmocka_unit_test_setup_teardown(conference_checks_cpim_from_and_fans_out, setup, teardown),
			cmocka_unit_test_setup_teardown(conference_splices_to_the_bridge_beyond, setup, teardown),
			cmocka_unit_test_setup_teardown(endpoint_keeps_messages_and_pushes, setup, teardown),
			cmocka_unit_test_setup_teardown(leg_removed_mid_frame_is_forgotten, setup, teardown),
	};
	return cmocka_run_group_tests_name("engine", tests, NULL, NULL);
}
