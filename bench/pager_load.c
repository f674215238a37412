/*
 * pager-load: pager-mode MESSAGE load generator for bench/pager.py.
 *
 * alice sends MESSAGEs (UDP, digest answered with a cached nonce) to the
 * users u000.. (--recipients of them, in turn), `concurrency` at a time;
 * a MESSAGE counts when its final 2xx comes back. With --mode deliver the
 * tool registers the recipients at its own socket and answers every
 * MESSAGE it is given 200; with --mode store it clears their bindings
 * first, so that an IM server defers each MESSAGE (202, OMA TS 12). The
 * same tool runs against the IM server and against a plain stateful
 * proxy with authentication, so pager.py can report the ratio.
 *
 * A MESSAGE without a final response after 1 s is sent again (UDP), with
 * the same branch: the server's transaction absorbs the copy.
 *
 * Output: one line of key=value pairs.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench_util.h"
#include "sip_util.h"

#define MAX_MSGS 2000000
#define MAX_RECIPIENTS 1000
#define BUF 65536

typedef struct opts {
	const char *proxy;
	const char *domain;
	const char *ip;
	const char *alice_pw;
	const char *user_pw_suffix; /* recipient u007's password: u007<suffix> */
	const char *mode;
	long messages;
	int recipients;
	int concurrency;
	int size;
	int timeout_s;
} opts_t;

static opts_t o = {NULL, "home1.net", "127.0.0.1", "alice-pw", "-pw",
		"deliver", 10000, 1, 20, 100, 120};

typedef struct msg {
	int active;
	int cseq;
	int authed;
	double last_tx;
} msg_t;

static msg_t *msgs;
static int ep, sip_a, sip_b, port_a, port_b;
static struct sockaddr_in proxy_sa;
static long next_msg, completed, failed, in_flight, resent, challenges;
static long status_2xx[3]; /* 200, 202, other 2xx */
static sip_auth_t cred;
static unsigned run_id;
static char *payload;

enum { TAG_A = 1, TAG_B };

static void send_message(long i)
{
	msg_t *m = &msgs[i];
	char uri[256], auth[1024] = "", out[BUF];
	int n;

	snprintf(uri, sizeof(uri), "sip:u%03d@%s", (int)(i % o.recipients),
			o.domain);
	if(m->authed)
		sip_auth_header(&cred, "Proxy-Authorization", "alice", o.alice_pw,
				"MESSAGE", uri, auth, sizeof(auth));
	m->last_tx = now();
	n = snprintf(out, sizeof(out),
			"MESSAGE %s SIP/2.0\r\nVia: SIP/2.0/UDP %s:%d;branch=z9hG4bKm%x.%ld.%d;"
			"rport\r\nMax-Forwards: 70\r\nFrom: <sip:alice@%s>;tag=a%ld\r\n"
			"To: <%s>\r\nCall-ID: m%ld.%x@bench\r\nCSeq: %d MESSAGE\r\n"
			"Accept-Contact: *;+g.oma.sip-im\r\nUser-Agent: IM-client/OMA1.0\r\n"
			"%sContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s",
			uri, o.ip, port_a, run_id, i, m->cseq, o.domain, i, uri, i, run_id,
			m->cseq, auth, o.size, payload);
	sip_send(sip_a, &proxy_sa, out, (size_t)n);
}

static void start_msg(long i)
{
	msg_t *m = &msgs[i];

	memset(m, 0, sizeof(*m));
	m->active = 1;
	m->cseq = 1;
	m->authed = cred.have_nonce;
	in_flight++;
	send_message(i);
}

static void finish(long i, int ok)
{
	msgs[i].active = 0;
	in_flight--;
	if(ok)
		completed++;
	else
		failed++;
	if(next_msg < o.messages)
		start_msg(next_msg++);
}

static void on_response_a(int fd, char *msg, const struct sockaddr_in *from)
{
	char v[1024];
	int status = atoi(msg + 8);
	long i;
	unsigned rid;

	(void)fd;
	(void)from;
	if(!sip_header(msg, "Call-ID", v, sizeof(v)) && !sip_header(msg, "i", v, sizeof(v)))
		return;
	if(sscanf(v, "m%ld.%x@", &i, &rid) != 2 || rid != run_id || i < 0
			|| i >= o.messages || !msgs[i].active || status < 200)
		return;
	if(!sip_header(msg, "CSeq", v, sizeof(v)) || atoi(v) != msgs[i].cseq)
		return; /* the answer to a copy we replaced */
	if(status == 401 || status == 407) {
		const char *h = sip_header(msg,
				status == 401 ? "WWW-Authenticate" : "Proxy-Authenticate", v,
				sizeof(v));
		if(!h || sip_challenge(&cred, h) < 0 || msgs[i].cseq > 2)
			fail("message %ld: challenged again (%d)", i, status);
		challenges++;
		msgs[i].cseq++;
		msgs[i].authed = 1;
		send_message(i);
		return;
	}
	if(status >= 300) {
		if(failed < 5) {
			char w[512] = "";
			sip_header(msg, "Warning", w, sizeof(w));
			fprintf(stderr, "message %ld: %.*s %s\n", i,
					(int)strcspn(msg + 8, "\r\n"), msg + 8, w);
		}
		finish(i, 0);
		return;
	}
	status_2xx[status == 200 ? 0 : status == 202 ? 1 : 2]++;
	finish(i, 1);
}

/* the recipients' side: 200 to every MESSAGE */
static void on_request_b(int fd, char *msg, const struct sockaddr_in *from)
{
	char reply[4096], via[8][512], h[3][512], cseq[64];
	char *p = msg, *end = strstr(msg, "\r\n\r\n");
	int nvia = 0, n = 0;

	if(strncmp(msg, "MESSAGE ", 8) != 0 || !end)
		return;
	while((p = strstr(p, "\r\n")) && p < end) {
		p += 2;
		if((strncasecmp(p, "Via:", 4) == 0 || strncasecmp(p, "v:", 2) == 0)
				&& nvia < 8)
			snprintf(via[nvia++], 512, "%.*s", (int)strcspn(p, "\r\n"), p);
	}
	if(!sip_header(msg, "From", h[0], 512) || !sip_header(msg, "To", h[1], 512)
			|| !sip_header(msg, "Call-ID", h[2], 512)
			|| !sip_header(msg, "CSeq", cseq, sizeof(cseq)))
		return;
	n += snprintf(reply + n, sizeof(reply) - n, "SIP/2.0 200 OK\r\n");
	for(int k = 0; k < nvia; k++)
		n += snprintf(reply + n, sizeof(reply) - n, "%s\r\n", via[k]);
	n += snprintf(reply + n, sizeof(reply) - n,
			"From: %s\r\nTo: %s%s\r\nCall-ID: %s\r\nCSeq: %s\r\n"
			"Content-Length: 0\r\n\r\n",
			h[0], h[1], strstr(h[1], "tag=") ? "" : ";tag=r", h[2], cseq);
	sip_send(fd, from, reply, (size_t)n);
}

static void read_sip(uint64_t tag)
{
	static char buf[BUF];

	if(tag == TAG_A)
		sip_read_all(sip_a, buf, sizeof(buf), on_response_a);
	else
		sip_read_all(sip_b, buf, sizeof(buf), on_request_b);
}

/* The recipients' bindings cleared, and with `bind` registered at our
 * socket for an hour. */
static void recipients_register(int bind)
{
	sip_reg_t r = {ep, sip_b, TAG_B, &proxy_sa, &cred, o.domain, o.ip, port_b,
			run_id};

	for(int k = 0; k < o.recipients; k++) {
		char user[16], pw[64];
		snprintf(user, sizeof(user), "u%03d", k);
		snprintf(pw, sizeof(pw), "%s%s", user, o.user_pw_suffix);
		sip_register(&r, user, pw, 1, 0);
		if(bind)
			sip_register(&r, user, pw, 0, 3600);
	}
}

static void usage(void)
{
	fprintf(stderr,
			"usage: pager-load --proxy IP:PORT [--domain D] [--ip IP]\n"
			"  [--mode deliver|store] [--messages N] [--recipients K]\n"
			"  [--concurrency C] [--size BYTES] [--alice-pw PW]\n"
			"  [--user-pw-suffix S] [--timeout S]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static struct option opts[] = {{"proxy", 1, 0, 'p'}, {"domain", 1, 0, 'd'},
			{"ip", 1, 0, 'i'}, {"mode", 1, 0, 'm'}, {"messages", 1, 0, 'n'},
			{"recipients", 1, 0, 'r'}, {"concurrency", 1, 0, 'c'},
			{"size", 1, 0, 's'}, {"alice-pw", 1, 0, 'a'},
			{"user-pw-suffix", 1, 0, 'u'}, {"timeout", 1, 0, 't'}, {0, 0, 0, 0}};
	int c, deliver;
	char host[64];
	int port;
	double t0, deadline;
	long oldest = 0;

	while((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch(c) {
			case 'p': o.proxy = optarg; break;
			case 'd': o.domain = optarg; break;
			case 'i': o.ip = optarg; break;
			case 'm': o.mode = optarg; break;
			case 'n': o.messages = atol(optarg); break;
			case 'r': o.recipients = atoi(optarg); break;
			case 'c': o.concurrency = atoi(optarg); break;
			case 's': o.size = atoi(optarg); break;
			case 'a': o.alice_pw = optarg; break;
			case 'u': o.user_pw_suffix = optarg; break;
			case 't': o.timeout_s = atoi(optarg); break;
			default: usage();
		}
	}
	deliver = strcmp(o.mode, "deliver") == 0;
	if(!o.proxy || sscanf(o.proxy, "%63[^:]:%d", host, &port) != 2
			|| o.messages < 1 || o.messages > MAX_MSGS || o.recipients < 1
			|| o.recipients > MAX_RECIPIENTS || o.concurrency < 1
			|| o.size < 1 || o.size > 16000
			|| (!deliver && strcmp(o.mode, "store") != 0))
		usage();
	memset(&proxy_sa, 0, sizeof(proxy_sa));
	proxy_sa.sin_family = AF_INET;
	proxy_sa.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, host, &proxy_sa.sin_addr);
	run_id = (unsigned)getpid() ^ (unsigned)(now() * 1000);
	payload = malloc((size_t)o.size + 1);
	msgs = calloc((size_t)o.messages, sizeof(*msgs));
	if(!payload || !msgs)
		die("malloc");
	for(int k = 0; k < o.size; k++)
		payload[k] = (char)('a' + k % 26);
	payload[o.size] = '\0';

	ep = epoll_create1(0);
	sip_a = udp_socket(ep, o.ip, &port_a, TAG_A);
	sip_b = udp_socket(ep, o.ip, &port_b, TAG_B);
	recipients_register(deliver);

	t0 = now();
	deadline = t0 + o.timeout_s;
	while(next_msg < o.messages && next_msg < o.concurrency)
		start_msg(next_msg++);
	while(in_flight > 0 && now() < deadline) {
		struct epoll_event evs[16];
		int n = epoll_wait(ep, evs, 16, 100);
		for(int k = 0; k < n; k++)
			read_sip(evs[k].data.u64);
		/* UDP: a MESSAGE with no answer after 1 s goes again; those
		 * still open lie between the oldest open one and the newest */
		double t = now();
		while(oldest < next_msg && !msgs[oldest].active)
			oldest++;
		for(long i = oldest; i < next_msg; i++) {
			if(msgs[i].active && t - msgs[i].last_tx > 1.0) {
				resent++;
				send_message(i);
			}
		}
	}
	double dt = now() - t0;
	if(deliver)
		recipients_register(0);
	printf("messages=%ld failures=%ld unfinished=%ld seconds=%.3f rate=%.1f "
		   "ok200=%ld ok202=%ld challenges=%ld resent=%ld\n",
			completed, failed, in_flight, dt, completed / dt, status_2xx[0],
			status_2xx[1], challenges, resent);
	return failed || in_flight ? 1 : 0;
}
