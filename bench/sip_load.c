/*
 * sip-load: IM session setup load generator for bench/run.py.
 *
 * It plays both users of N sessions through a SIP server (UDP): alice
 * calls bob, with an MSRP offer; bob answers (passive: he listens); alice
 * ACKs, connects to the path of the answer and sends one MSRP SEND; once
 * alice has her 200 and bob has the message, alice sends BYE. A session
 * counts when the BYE is answered. `concurrency` sessions run at a time.
 *
 * The same tool runs against the IM server (two B2BUAs and their relay
 * bridges in the path) and against a plain stateful proxy (SDP and MSRP end
 * to end), so run.py can report the ratio. Digest authentication (REGISTER
 * of bob, INVITEs of alice) is answered, the nonce reused while valid.
 *
 * Output: one line of key=value pairs.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "sip_util.h"

#define MAX_CALLS 200000
#define BUF 65536

typedef struct opts {
	const char *proxy;	/* ip:port of the SIP server */
	const char *domain;
	const char *ip;		/* our address */
	const char *alice_pw, *bob_pw;
	long calls;
	int concurrency;
	int timeout_s;
} opts_t;

static opts_t o = {NULL, "home1.net", "127.0.0.1", "alice-pw", "bob-pw",
		1000, 20, 120};

typedef enum state {
	ST_IDLE = 0,
	ST_INVITING,
	ST_MEDIA,	/* ACKed, MSRP in progress */
	ST_BYE,
	ST_DONE,
} state_t;

typedef struct call {
	state_t st;
	int gen;	   /* attempt number: tells stale responses apart */
	int cseq;
	char to_tag[128];
	char target[256];
	char routes[1024]; /* Route header values, in sending order */
	char path[256];	   /* the MSRP path alice was given */
	int msrp_fd;
	char rbuf[2048];
	size_t rlen;
	int a_ok, b_got;
	double started;
	double last_tx; /* when our INVITE or BYE was last sent (UDP: resent) */
} call_t;

static call_t *calls;
static int ep, sip_a, sip_b, msrp_b;
static int port_a, port_b, port_msrp;
static struct sockaddr_in proxy_sa;
static long next_call, completed, failed, in_flight;
static sip_auth_t cred;
static long challenges, resent;
/* in every Call-ID, tag and branch: runs never share a transaction */
static unsigned int run_id;

enum { TAG_SIP_A = 1, TAG_SIP_B, TAG_MSRP_LISTEN };

/* epoll data: small integers for the sockets, pointers for connections */
typedef struct bconn {
	int fd;
	char buf[8192];
	size_t len;
} bconn_t;

static void send_invite(long i, int with_auth, int again)
{
	call_t *c = &calls[i];
	char sdp[512], msg[4096], auth[1024], uri[256];
	int slen, n;

	snprintf(uri, sizeof(uri), "sip:bob@%s", o.domain);
	slen = snprintf(sdp, sizeof(sdp),
			"v=0\r\no=- %ld 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
			"m=message %d TCP/MSRP *\r\na=accept-types:text/plain\r\n"
			"a=setup:active\r\na=path:msrp://%s:%d/a%ld;tcp\r\n",
			i, o.ip, o.ip, port_a, o.ip, port_a, i);
	auth[0] = '\0';
	if(with_auth)
		sip_auth_header(&cred, "Proxy-Authorization", "alice", o.alice_pw,
				"INVITE", uri, auth, sizeof(auth));
	if(!again)
		c->cseq++;
	c->last_tx = now();
	n = snprintf(msg, sizeof(msg),
			"INVITE %s SIP/2.0\r\nVia: SIP/2.0/UDP %s:%d;branch=z9hG4bKi%x.%ld.%d.%d;"
			"rport\r\nMax-Forwards: 70\r\nFrom: <sip:alice@%s>;tag=a%ld.%d\r\n"
			"To: <%s>\r\nCall-ID: c%ld.%d.%x@bench\r\nCSeq: %d INVITE\r\n"
			"Contact: <sip:alice@%s:%d>\r\nAccept-Contact: *;+g.oma.sip-im\r\n"
			"User-Agent: IM-client/OMA1.0\r\n%sContent-Type: application/sdp\r\n"
			"Content-Length: %d\r\n\r\n%s",
			uri, o.ip, port_a, run_id, i, c->gen, c->cseq, o.domain, i, c->gen, uri,
			i, c->gen, run_id, c->cseq, o.ip, port_a, auth, slen, sdp);
	sip_send(sip_a, &proxy_sa, msg, (size_t)n);
}

static void start_call(long i)
{
	call_t *c = &calls[i];

	memset(c, 0, sizeof(*c));
	c->st = ST_INVITING;
	c->msrp_fd = -1;
	c->started = now();
	in_flight++;
	send_invite(i, cred.have_nonce, 0);
}

/* ACK or BYE inside alice's dialog, routed as the 2xx said. */
static void send_in_dialog(long i, const char *method, int cseq)
{
	call_t *c = &calls[i];
	char msg[4096], route[1100] = "";
	int n;

	if(c->routes[0])
		snprintf(route, sizeof(route), "Route: %s\r\n", c->routes);
	n = snprintf(msg, sizeof(msg),
			"%s %s SIP/2.0\r\nVia: SIP/2.0/UDP %s:%d;branch=z9hG4bK%c%x.%ld.%d;"
			"rport\r\nMax-Forwards: 70\r\n%sFrom: <sip:alice@%s>;tag=a%ld.%d\r\n"
			"To: <sip:bob@%s>;tag=%s\r\nCall-ID: c%ld.%d.%x@bench\r\n"
			"CSeq: %d %s\r\nContent-Length: 0\r\n\r\n",
			method, c->target, o.ip, port_a, method[0], run_id, i, c->gen, route,
			o.domain, i, c->gen, o.domain, c->to_tag, i, c->gen, run_id, cseq,
			method);
	sip_send(sip_a, &proxy_sa, msg, (size_t)n);
}

static void msrp_connect(long i)
{
	call_t *c = &calls[i];
	char frame[1024];
	int fd = msrp_dial(c->path), n;
	struct epoll_event ev;

	c->msrp_fd = fd;
	ev.events = EPOLLIN;
	ev.data.u64 = ((uint64_t)1 << 32) | (uint64_t)i;
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	n = snprintf(frame, sizeof(frame),
			"MSRP s%07ld SEND\r\nTo-Path: %s\r\nFrom-Path: msrp://%s:%d/a%ld;tcp\r\n"
			"Message-ID: m%ld\r\nByte-Range: 1-12/12\r\nContent-Type: "
			"text/plain\r\n\r\ncall=%07ld\r\n-------s%07ld$\r\n",
			i, c->path, o.ip, port_a, i, i, i % 10000000, i);
	if(write(fd, frame, (size_t)n) != n)
		die("msrp write");
}

static void maybe_bye(long i)
{
	call_t *c = &calls[i];

	if(c->st == ST_MEDIA && c->a_ok && c->b_got) {
		c->st = ST_BYE;
		c->last_tx = now();
		send_in_dialog(i, "BYE", c->cseq + 1);
	}
}

static void finish(long i, int ok)
{
	call_t *c = &calls[i];

	if(c->msrp_fd >= 0) {
		close(c->msrp_fd);
		c->msrp_fd = -1;
	}
	c->st = ST_DONE;
	in_flight--;
	if(ok)
		completed++;
	else
		failed++;
	if(next_call < o.calls)
		start_call(next_call++);
}

/* The call a response belongs to, from its Call-ID c<i>.<gen>@bench. */
static long call_of(const char *msg)
{
	char v[256];
	long i;
	int gen;

	if(!sip_header(msg, "Call-ID", v, sizeof(v)) && !sip_header(msg, "i", v, sizeof(v)))
		return -1;
	if(sscanf(v, "c%ld.%d.", &i, &gen) != 2 || i < 0 || i >= o.calls)
		return -1;
	return calls[i].gen == gen ? i : -1;
}

static void on_response_a(char *msg)
{
	char v[1024], cseq_m[32];
	int status = atoi(msg + 8), cseq;
	long i = call_of(msg);
	call_t *c;

	if(i < 0 || !sip_header(msg, "CSeq", v, sizeof(v))
			|| sscanf(v, "%d %31s", &cseq, cseq_m) != 2)
		return;
	c = &calls[i];
	if(strcmp(cseq_m, "INVITE") == 0 && status >= 200 && status < 300
			&& c->st != ST_INVITING && cseq == c->cseq) {
		/* a 2xx again: our ACK was lost */
		send_in_dialog(i, "ACK", c->cseq);
		return;
	}
	if(strcmp(cseq_m, "INVITE") == 0 && c->st == ST_INVITING) {
		if(status < 200)
			return;
		if(status == 401 || status == 407) {
			const char *h = sip_header(msg,
					status == 401 ? "WWW-Authenticate" : "Proxy-Authenticate", v,
					sizeof(v));
			if(!h || sip_challenge(&cred, h) < 0)
				fail("bad challenge");
			challenges++;
			send_invite(i, 1, 0);
			return;
		}
		if(status >= 300) {
			fprintf(stderr, "call %ld: INVITE got %d\n", i, status);
			finish(i, 0);
			return;
		}
		if(!sip_header(msg, "To", v, sizeof(v)) || !strstr(v, "tag="))
			fail("2xx without To tag");
		snprintf(c->to_tag, sizeof(c->to_tag), "%.*s",
				(int)strcspn(strstr(v, "tag=") + 4, ";>\r\n"),
				strstr(v, "tag=") + 4);
		if(!sip_header(msg, "Contact", v, sizeof(v)) && !sip_header(msg, "m", v, sizeof(v)))
			fail("2xx without Contact");
		{
			char *lt = strchr(v, '<'), *gt = lt ? strchr(lt, '>') : NULL;
			if(!lt || !gt)
				fail("bad Contact");
			snprintf(c->target, sizeof(c->target), "%.*s", (int)(gt - lt - 1),
					lt + 1);
		}
		sip_route_set(msg, c->routes, sizeof(c->routes));
		{
			char *p = strstr(msg, "a=path:");
			if(!p)
				fail("answer without a=path");
			snprintf(c->path, sizeof(c->path), "%.*s",
					(int)strcspn(p + 7, " \r\n"), p + 7);
		}
		send_in_dialog(i, "ACK", c->cseq);
		c->st = ST_MEDIA;
		msrp_connect(i);
	} else if(strcmp(cseq_m, "BYE") == 0 && c->st == ST_BYE && status >= 200) {
		finish(i, status == 200);
	}
}

/* bob's answers: 200 to INVITE (with his MSRP listener) and to BYE. */
static void on_request_b(char *msg, const struct sockaddr_in *from)
{
	char reply[4096], via[8][512], v[512], sdp[512], rr[16][512];
	char *p = msg;
	int nvia = 0, nrr = 0, n, slen = 0;
	char hdrs[3][512];
	static long bseq;
	int is_invite = strncmp(msg, "INVITE ", 7) == 0;

	if(strncmp(msg, "ACK ", 4) == 0)
		return;
	while((p = strstr(p, "\r\n")) && p < strstr(msg, "\r\n\r\n")) {
		p += 2;
		if(strncasecmp(p, "Via:", 4) == 0 && nvia < 8) {
			snprintf(via[nvia++], 512, "%.*s", (int)strcspn(p, "\r\n"), p);
		} else if(strncasecmp(p, "Record-Route:", 13) == 0 && nrr < 16) {
			snprintf(rr[nrr++], 512, "%.*s", (int)strcspn(p, "\r\n"), p);
		}
	}
	if(!sip_header(msg, "From", hdrs[0], 512) || !sip_header(msg, "To", hdrs[1], 512)
			|| !sip_header(msg, "Call-ID", hdrs[2], 512) || !sip_header(msg, "CSeq", v, 512))
		return;
	n = 0;
	n += snprintf(reply + n, sizeof(reply) - n, "SIP/2.0 200 OK\r\n");
	for(int k = 0; k < nvia; k++)
		n += snprintf(reply + n, sizeof(reply) - n, "%s\r\n", via[k]);
	for(int k = 0; k < nrr && is_invite; k++)
		n += snprintf(reply + n, sizeof(reply) - n, "%s\r\n", rr[k]);
	n += snprintf(reply + n, sizeof(reply) - n,
			"From: %s\r\nTo: %s%s\r\nCall-ID: %s\r\nCSeq: %s\r\n", hdrs[0],
			hdrs[1], strstr(hdrs[1], "tag=") ? "" : ";tag=b", hdrs[2], v);
	if(is_invite) {
		bseq++;
		slen = snprintf(sdp, sizeof(sdp),
				"v=0\r\no=- %ld 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
				"m=message %d TCP/MSRP *\r\na=accept-types:text/plain\r\n"
				"a=setup:passive\r\na=path:msrp://%s:%d/b%ld;tcp\r\n",
				bseq, o.ip, o.ip, port_msrp, o.ip, port_msrp, bseq);
		n += snprintf(reply + n, sizeof(reply) - n,
				"Contact: <sip:bob@%s:%d>\r\nContent-Type: application/sdp\r\n"
				"Content-Length: %d\r\n\r\n%s",
				o.ip, port_b, slen, sdp);
	} else {
		n += snprintf(reply + n, sizeof(reply) - n, "Content-Length: 0\r\n\r\n");
	}
	sip_send(sip_b, from, reply, (size_t)n);
}

static void on_msrp_a(long i)
{
	call_t *c = &calls[i];
	ssize_t n = read(c->msrp_fd, c->rbuf + c->rlen, sizeof(c->rbuf) - c->rlen);
	char tid[64];
	size_t fl;

	if(n <= 0) {
		if(n < 0 && errno == EAGAIN)
			return;
		if(c->st != ST_MEDIA) {
			/* the BYE ended the session: the relay closes its legs */
			epoll_ctl(ep, EPOLL_CTL_DEL, c->msrp_fd, NULL);
			close(c->msrp_fd);
			c->msrp_fd = -1;
			return;
		}
		fail("call %ld: MSRP connection closed early", i);
	}
	c->rlen += (size_t)n;
	while((fl = msrp_frame(c->rbuf, c->rlen, tid, sizeof(tid))) > 0) {
		/* MSRP <tid> 200 OK answers alice's SEND */
		if(strncmp(c->rbuf + 6 + strlen(tid), "200", 3) == 0)
			c->a_ok = 1;
		memmove(c->rbuf, c->rbuf + fl, c->rlen - fl);
		c->rlen -= fl;
	}
	maybe_bye(i);
}

/* bob's MSRP connections: every SEND is answered 200; the message names
 * the call it belongs to. */
static void on_msrp_b(bconn_t *b)
{
	ssize_t n = read(b->fd, b->buf + b->len, sizeof(b->buf) - b->len);
	char tid[64], reply[1024];
	size_t fl;

	if(n <= 0) {
		if(n < 0 && errno == EAGAIN)
			return;
		epoll_ctl(ep, EPOLL_CTL_DEL, b->fd, NULL);
		close(b->fd);
		free(b);
		return;
	}
	b->len += (size_t)n;
	while((fl = msrp_frame(b->buf, b->len, tid, sizeof(tid))) > 0) {
		char *f = b->buf, *body;
		if(strncmp(f + 6 + strlen(tid), "SEND", 4) == 0) {
			int rn = msrp_send_ok(f, fl, tid, reply, sizeof(reply));
			if(rn < 0)
				fail("bob: SEND without paths");
			if(write(b->fd, reply, (size_t)rn) != rn)
				die("bob msrp write");
			body = memmem(f, fl, "call=", 5);
			if(body) {
				long i = atol(body + 5);
				/* the index wraps at 10^7: find the live call */
				for(long k = i; k < o.calls; k += 10000000) {
					if(calls[k].st == ST_MEDIA) {
						calls[k].b_got = 1;
						maybe_bye(k);
						break;
					}
				}
			}
		}
		memmove(b->buf, b->buf + fl, b->len - fl);
		b->len -= fl;
	}
}

/* bob registers (digest answered) before any call: first his earlier
 * bindings are removed (Contact: *), so no call goes to a dead socket. */
static void register_bob(int clear)
{
	sip_reg_t r = {ep, sip_b, TAG_SIP_B, &proxy_sa, &cred, o.domain, o.ip,
			port_b, run_id};

	sip_register(&r, "bob", o.bob_pw, clear, 600);
}

/* Everything waiting on a SIP socket: responses to alice's requests, and
 * requests to bob (or the in-dialog ones the server sends alice), which
 * the same code answers. */
static void on_sip(int fd, char *msg, const struct sockaddr_in *from)
{
	if(strncmp(msg, "SIP/2.0 ", 8) == 0) {
		if(fd == sip_a)
			on_response_a(msg);
	} else if(fd == sip_b || strncmp(msg, "BYE ", 4) == 0
			  || strncmp(msg, "OPTIONS ", 8) == 0
			  || strncmp(msg, "UPDATE ", 7) == 0) {
		on_request_b(msg, from);
	}
}

static void read_sip(int fd)
{
	char buf[BUF];

	sip_read_all(fd, buf, sizeof(buf), on_sip);
}

/* epoll data of a SIP socket: read what waits there */
static void read_tag(uint64_t tag)
{
	read_sip(tag == TAG_SIP_A ? sip_a : sip_b);
}


static void usage(void)
{
	fprintf(stderr,
			"usage: sip-load --proxy IP:PORT [--domain D] [--ip IP] [--calls N]\n"
			"       [--concurrency C] [--alice-pw P] [--bob-pw P] [--timeout S]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static struct option lo[] = {{"proxy", 1, 0, 'p'}, {"domain", 1, 0, 'd'},
			{"ip", 1, 0, 'i'}, {"calls", 1, 0, 'n'}, {"concurrency", 1, 0, 'c'},
			{"alice-pw", 1, 0, 'a'}, {"bob-pw", 1, 0, 'b'}, {"timeout", 1, 0, 't'},
			{0, 0, 0, 0}};
	int opt, one = 1;
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	char host[64];
	double t0, t1, last_tick = 0;
	long first_live = 0;
	struct epoll_event lev;

	while((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch(opt) {
			case 'p': o.proxy = optarg; break;
			case 'd': o.domain = optarg; break;
			case 'i': o.ip = optarg; break;
			case 'n': o.calls = atol(optarg); break;
			case 'c': o.concurrency = atoi(optarg); break;
			case 'a': o.alice_pw = optarg; break;
			case 'b': o.bob_pw = optarg; break;
			case 't': o.timeout_s = atoi(optarg); break;
			default: usage();
		}
	}
	if(!o.proxy || o.calls < 1 || o.calls > MAX_CALLS || o.concurrency < 1)
		usage();
	if(sscanf(o.proxy, "%63[^:]:%d", host, &opt) != 2)
		usage();
	memset(&proxy_sa, 0, sizeof(proxy_sa));
	proxy_sa.sin_family = AF_INET;
	proxy_sa.sin_port = htons((unsigned short)opt);
	inet_pton(AF_INET, host, &proxy_sa.sin_addr);

	calls = calloc((size_t)o.calls, sizeof(call_t));
	run_id = (unsigned int)getpid() ^ (unsigned int)time(NULL) << 12;
	ep = epoll_create1(0);
	sip_a = udp_socket(ep, o.ip, &port_a, TAG_SIP_A);
	sip_b = udp_socket(ep, o.ip, &port_b, TAG_SIP_B);
	msrp_b = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(msrp_b, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	inet_pton(AF_INET, o.ip, &sa.sin_addr);
	if(bind(msrp_b, (struct sockaddr *)&sa, sizeof(sa)) < 0
			|| listen(msrp_b, 1024) < 0)
		die("msrp listen");
	getsockname(msrp_b, (struct sockaddr *)&sa, &sl);
	port_msrp = ntohs(sa.sin_port);
	fcntl(msrp_b, F_SETFL, O_NONBLOCK);
	lev.events = EPOLLIN;
	lev.data.u64 = TAG_MSRP_LISTEN;
	epoll_ctl(ep, EPOLL_CTL_ADD, msrp_b, &lev);

	register_bob(1);
	register_bob(0);
	t0 = now();
	while(next_call < o.calls && in_flight < o.concurrency)
		start_call(next_call++);
	while(completed + failed < o.calls) {
		struct epoll_event evs[256];
		int k = epoll_wait(ep, evs, 256, 200);

		if(now() - t0 > o.timeout_s) {
			long st[5] = {0};
			for(long i = 0; i < next_call; i++) {
				st[calls[i].st]++;
				if(calls[i].st == ST_MEDIA)
					fprintf(stderr, "call %ld stuck in media: a_ok %d b_got %d\n",
							i, calls[i].a_ok, calls[i].b_got);
			}
			fail("timeout: %ld of %ld sessions done (inviting %ld, media %ld, "
				 "bye %ld)",
					completed + failed, o.calls, st[ST_INVITING], st[ST_MEDIA],
					st[ST_BYE]);
		}
		if(now() - last_tick >= 0.5) {
			/* UDP: requests without an answer are sent again (RFC 3261
			 * 17.1.1.2, coarsely) */
			double t = last_tick = now();
			for(long i = first_live; i < next_call; i++) {
				call_t *c = &calls[i];
				if(c->st == ST_DONE && i == first_live)
					first_live++;
				if(t - c->last_tx < 1.0)
					continue;
				if(c->st == ST_INVITING || c->st == ST_BYE) {
					resent++;
					if(getenv("SIPLOAD_DEBUG"))
						fprintf(stderr, "resend call %ld state %d cseq %d\n", i,
								c->st, c->cseq);
				}
				if(c->st == ST_INVITING)
					send_invite(i, cred.have_nonce, 1);
				else if(c->st == ST_BYE) {
					c->last_tx = t;
					send_in_dialog(i, "BYE", c->cseq + 1);
				}
			}
		}
		for(int e = 0; e < k; e++) {
			uint64_t d = evs[e].data.u64;
			if(d == TAG_SIP_A || d == TAG_SIP_B) {
				read_sip(d == TAG_SIP_A ? sip_a : sip_b);
			} else if(d == TAG_MSRP_LISTEN) {
				int fd;
				while((fd = accept(msrp_b, NULL, NULL)) >= 0) {
					bconn_t *b = calloc(1, sizeof(*b));
					struct epoll_event ev = {.events = EPOLLIN, .data.ptr = b};
					b->fd = fd;
					fcntl(fd, F_SETFL, O_NONBLOCK);
					setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
					epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
				}
			} else if((d >> 32) == 1) {
				on_msrp_a((long)(d & 0xffffffffu));
			} else {
				on_msrp_b((bconn_t *)evs[e].data.ptr);
			}
		}
	}
	t1 = now();
	sip_drain(ep, 1.0, read_tag);
	register_bob(1);
	printf("sessions=%ld failed=%ld seconds=%.3f rate=%.1f challenges=%ld "
		   "resent=%ld\n",
			completed, failed, t1 - t0, completed / (t1 - t0), challenges, resent);
	return failed ? 1 : 0;
}
