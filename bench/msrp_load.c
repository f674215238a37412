/*
 * msrp-load: MSRP load generator for bench/run.py.
 *
 * It plays both ends of N sessions through a relay: senders (A) pipeline
 * SENDs, receivers (B) answer 200 and count complete messages. Targets:
 *
 *   ours      our relay: sessions and legs created over its control channel
 *   kamailio  Kamailio's msrp module as an RFC 4976 relay: B sends AUTH,
 *             A sends to [relay/sessid, B]
 *   plain     a byte forwarder (socat): A's bytes reach B unchanged
 *   legs      legs that exist already (a conference set up over SIP through
 *             the IM server): --leg TO_PATH,FROM_PATH once per leg, the
 *             first one sends; the others receive (fanout mode)
 *
 * Modes: bridge (N sessions A->B), fanout (one conference of N legs, one
 * sender), idle (N bridge sessions held connected, heap per leg reported).
 * Output: one line of key=value pairs for run.py.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "msrp_parser.h"

typedef struct opts {
	const char *target;
	const char *mode;
	const char *ctl; /* ours: control socket path, or host:port */
	const char *msrp; /* host:port of the relay's (or forwarder's) MSRP port */
	int b_port;	  /* plain: where the forwarder connects (our B listener) */
	int sessions;
	long messages; /* per session (bridge) or in all (fanout) */
	size_t size;   /* message size */
	size_t chunk;  /* chunk size for large messages */
	int window;	   /* messages in flight per session */
	int timeout_s; /* give up (exit 1) after this long */
	const char *cpim_from; /* the sender's identity in the CPIM From */
	const char *cpim_to;
} opts_t;

static opts_t o = {"ours", "bridge", NULL, NULL, 0, 1, 1000, 200, 0, 32, 120,
		"sip:sender@bench", "sip:conf@bench"};

/* target legs: "to_path,from_path" of each leg, as given */
#define MAX_LEGS 256
static const char *leg_paths[MAX_LEGS];
static int nleg_paths;

typedef struct conn conn_t;
typedef struct session {
	conn_t *a;			/* sender */
	conn_t **b;			/* receivers */
	int nb;
	char to_path[512];	/* A's To-Path */
	char from_path[256];
	long sent;			/* messages started */
	long delivered;		/* messages completed at (any) receiver */
	uint64_t next_byte; /* large messages: offset of the next chunk */
} session_t;

struct conn {
	int fd;
	int is_receiver;
	session_t *s;
	char *w;
	size_t wlen, woff, wcap;
	char *r;
	size_t rlen, rcap;
	int in_body;
	char tid[MSRP_TID_MAX + 1];
	char from_first[256];
	char to_first[256];
	int is_send, has_flag_end;
};

static int ep;
static long total_delivered, total_target;
static uint64_t bytes_delivered;
static char *payload;

static int split_hostport(const char *hp, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(hp, ':');
	if(!colon || colon - hp >= (long)sizeof(host))
		return -1;
	memcpy(host, hp, (size_t)(colon - hp));
	host[colon - hp] = '\0';
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((unsigned short)atoi(colon + 1));
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

static int tcp_connect(const char *hp)
{
	struct sockaddr_in sa;
	int fd, one = 1;
	if(split_hostport(hp, &sa) < 0) {
		fprintf(stderr, "bad address %s\n", hp);
		exit(2);
	}
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if(fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("connect");
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* --- blocking JSON-RPC client for our relay's control channel --- */

static int ctl_fd = -1;

/* The relay's control socket: a path (its default transport, issue 8) or
 * host:port (which then needs no secret: control_insecure). */
static int ctl_connect(const char *where)
{
	struct sockaddr_un su = {.sun_family = AF_UNIX};
	int fd;

	if(where[0] != '/')
		return tcp_connect(where);
	snprintf(su.sun_path, sizeof(su.sun_path), "%s", where);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if(fd < 0 || connect(fd, (struct sockaddr *)&su, sizeof(su)) < 0)
		die("connect control socket");
	return fd;
}

static json_t *ctl_call(const char *method, json_t *params)
{
	static long id;
	char *line;
	json_t *req = json_pack("{s:s, s:I, s:s, s:o}", "jsonrpc", "2.0", "id",
			(json_int_t)++id, "method", method, "params", params);
	static char buf[1 << 20];
	size_t len = 0;
	json_error_t err;
	json_t *reply, *res;

	if(ctl_fd < 0)
		ctl_fd = ctl_connect(o.ctl);
	line = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if(write(ctl_fd, line, strlen(line)) < 0 || write(ctl_fd, "\n", 1) < 0)
		die("control write");
	free(line);
	for(;;) {
		ssize_t n = read(ctl_fd, buf + len, sizeof(buf) - len - 1);
		if(n <= 0)
			die("control read");
		len += (size_t)n;
		if(memchr(buf, '\n', len))
			break;
	}
	reply = json_loadb(buf, len, 0, &err);
	if(!reply || json_object_get(reply, "error")) {
		fprintf(stderr, "%s failed: %.*s\n", method, (int)len, buf);
		exit(1);
	}
	res = json_incref(json_object_get(reply, "result"));
	json_decref(reply);
	return res;
}

/* --- connections --- */

static conn_t *conn_new(int fd, int is_receiver, session_t *s)
{
	conn_t *c = calloc(1, sizeof(*c));
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
	c->fd = fd;
	c->is_receiver = is_receiver;
	c->s = s;
	fcntl(fd, F_SETFL, O_NONBLOCK);
	if(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		die("epoll_ctl");
	return c;
}

static void want_write(conn_t *c, int on)
{
	struct epoll_event ev = {.events = EPOLLIN | (on ? EPOLLOUT : 0), .data.ptr = c};
	epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void out(conn_t *c, const char *d, size_t n)
{
	if(c->wlen + n > c->wcap) {
		c->wcap = (c->wlen + n) * 2;
		c->w = realloc(c->w, c->wcap);
	}
	memcpy(c->w + c->wlen, d, n);
	c->wlen += n;
}

static void flush(conn_t *c)
{
	while(c->woff < c->wlen) {
		ssize_t n = write(c->fd, c->w + c->woff, c->wlen - c->woff);
		if(n < 0) {
			if(errno == EAGAIN) {
				want_write(c, 1);
				return;
			}
			die("write");
		}
		c->woff += (size_t)n;
	}
	c->woff = c->wlen = 0;
	want_write(c, 0);
}

static void send_bind(conn_t *c, const char *to, const char *from)
{
	char f[1024];
	static long n;
	int len = snprintf(f, sizeof(f),
			"MSRP bind%06ld SEND\r\nTo-Path: %s\r\nFrom-Path: %s\r\nMessage-ID: "
			"bind%ld\r\nByte-Range: 1-0/0\r\n-------bind%06ld$\r\n",
			n, to, from, n, n);
	n++;
	out(c, f, (size_t)len);
	flush(c);
}

/* The next frame of session s: a whole small message, or the next chunk
 * of a large one. Returns 0 when the window is full. */
static int queue_next(session_t *s)
{
	char head[1024];
	static unsigned long seq;
	size_t body = o.size, start = 1;
	int last = 1;
	char flag;

	/* in flight: copies not yet received, over all receivers */
	if(s->sent * s->nb - s->delivered >= (long)o.window * s->nb
			|| s->sent >= o.messages)
		return 0;
	if(o.chunk && o.chunk < o.size) {
		start = s->next_byte + 1;
		body = o.size - s->next_byte;
		if(body > o.chunk)
			body = o.chunk;
		last = s->next_byte + body == o.size;
	}
	seq++;
	flag = last ? '$' : '+';
	int n = snprintf(head, sizeof(head),
			"MSRP t%010lx SEND\r\nTo-Path: %s\r\nFrom-Path: %s\r\nMessage-ID: "
			"m%ld.%p\r\nByte-Range: %zu-%zu/%zu\r\nContent-Type: message/cpim\r\n\r\n",
			seq, s->to_path, s->from_path, s->sent, (void *)s, start,
			start + body - 1, o.size);
	out(s->a, head, (size_t)n);
	out(s->a, payload + (start - 1), body);
	n = snprintf(head, sizeof(head), "\r\n-------t%010lx%c\r\n", seq, flag);
	out(s->a, head, (size_t)n);
	if(last) {
		s->sent++;
		s->next_byte = 0;
	} else {
		s->next_byte += body;
	}
	return 1;
}

static void pump(session_t *s)
{
	int any = 0;
	while(queue_next(s))
		any = 1;
	if(any)
		flush(s->a);
}

static void first_uri(const msrp_span_t *v, char *dst, size_t dstlen)
{
	size_t n = 0;
	if(v)
		while(n < v->len && v->p[n] != ' ')
			n++;
	if(n >= dstlen)
		n = dstlen - 1;
	if(n)
		memcpy(dst, v->p, n);
	dst[n] = '\0';
}

/* Receiver: answer every SEND, count whole messages. Sender: drop input. */
static void on_readable(conn_t *c)
{
	msrp_limits_t lim = {65536, 16384};
	for(;;) {
		if(c->rlen == c->rcap) {
			c->rcap = c->rcap ? c->rcap * 2 : 256 * 1024;
			c->r = realloc(c->r, c->rcap);
		}
		ssize_t n = read(c->fd, c->r + c->rlen, c->rcap - c->rlen);
		if(n == 0) {
			fprintf(stderr, "peer closed a connection\n");
			exit(1);
		}
		if(n < 0) {
			if(errno == EAGAIN)
				break;
			die("read");
		}
		if(!c->is_receiver)
			continue;
		c->rlen += (size_t)n;
		size_t pos = 0;
		while(pos < c->rlen) {
			if(!c->in_body) {
				msrp_frame_t f;
				const char *err;
				int r = msrp_parse_head(c->r + pos, c->rlen - pos, &lim, &f, &err);
				if(r == MSRP_NEED_MORE)
					break;
				if(r < 0) {
					fprintf(stderr, "receiver: bad frame: %s\n", err);
					exit(1);
				}
				snprintf(c->tid, sizeof(c->tid), "%.*s", (int)f.tid.len, f.tid.p);
				c->is_send = f.method == MSRP_SEND;
				first_uri(msrp_frame_header(&f, MSRP_H_FROM_PATH), c->from_first,
						sizeof(c->from_first));
				first_uri(msrp_frame_header(&f, MSRP_H_TO_PATH), c->to_first,
						sizeof(c->to_first));
				pos += (size_t)r;
				if(f.has_body) {
					c->in_body = 1;
					continue;
				}
				c->has_flag_end = f.flag;
			} else {
				size_t blen, used;
				char flag;
				msrp_span_t tid = {c->tid, strlen(c->tid)};
				int found = msrp_body_scan(tid, c->r + pos, c->rlen - pos, &blen, &used, &flag);
				bytes_delivered += blen;
				pos += used;
				if(!found)
					break;
				c->in_body = 0;
				c->has_flag_end = flag;
				if(flag == '$' && c->is_send) {
					c->s->delivered++;
					total_delivered++;
				}
			}
			if(c->is_send) {
				char resp[1024];
				int k = snprintf(resp, sizeof(resp),
						"MSRP %s 200 OK\r\nTo-Path: %s\r\nFrom-Path: %s\r\n-------%s$\r\n",
						c->tid, c->from_first, c->to_first, c->tid);
				out(c, resp, (size_t)k);
			}
		}
		memmove(c->r, c->r + pos, c->rlen - pos);
		c->rlen -= pos;
		flush(c);
		if(c->s->a)
			pump(c->s);
	}
}

static void run_loop(double limit_s)
{
	struct epoll_event evs[256];
	double deadline = now() + limit_s;
	while(total_delivered < total_target) {
		int n = epoll_wait(ep, evs, 256, 1000);
		if(now() > deadline) {
			fprintf(stderr, "timeout: %ld of %ld delivered\n", total_delivered, total_target);
			exit(1);
		}
		for(int i = 0; i < n; i++) {
			conn_t *c = evs[i].data.ptr;
			if(evs[i].events & EPOLLOUT)
				flush(c);
			if(evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
				on_readable(c);
		}
	}
}

/* --- session set-up per target --- */

static int listener(int *port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((unsigned short)*port);
	if(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 4096) < 0)
		die("listen");
	getsockname(fd, (struct sockaddr *)&sa, &len);
	*port = ntohs(sa.sin_port);
	return fd;
}

static const char *hostport_of(const char *path)
{
	static char hp[128];
	const char *p = strstr(path, "://") + 3, *slash = strchr(p, '/');
	snprintf(hp, sizeof(hp), "%.*s", (int)(slash - p), p);
	return hp;
}

/* Leg l of s at the relay's path to (ours: from), bound as an active
 * endpoint binds (RFC 4975 5.4): leg 0 sends, the others receive */
static void add_leg(session_t *s, int l, const char *to, const char *from)
{
	conn_t *c = conn_new(tcp_connect(hostport_of(to)), l > 0, s);
	if(l == 0) {
		s->a = c;
		snprintf(s->to_path, sizeof(s->to_path), "%s", to);
		snprintf(s->from_path, sizeof(s->from_path), "%s", from);
	} else {
		s->b[s->nb++] = c;
	}
	send_bind(c, to, from);
}

static void setup_ours(session_t *ss, int nsess, int legs_per_session)
{
	char sid[64], a_remote[128];
	for(int i = 0; i < nsess; i++) {
		session_t *s = &ss[i];
		int fanout = legs_per_session > 2;
		snprintf(sid, sizeof(sid), "bench-%d-%d", (int)getpid(), i);
		json_decref(ctl_call("session.create",
				json_pack("{s:s, s:s, s:s}", "id", sid, "type",
						fanout ? "conference" : "bridge", "identity",
						"sip:conf@bench")));
		for(int l = 0; l < legs_per_session; l++) {
			char leg[32];
			snprintf(leg, sizeof(leg), "l%d", l);
			snprintf(a_remote, sizeof(a_remote), "msrp://127.0.0.1:9/s%d-%d;tcp", i, l);
			json_t *r = ctl_call("leg.add",
					json_pack("{s:s, s:s, s:s, s:s}", "session", sid, "id", leg,
							"remote_path", a_remote, "identity", "sip:sender@bench"));
			const char *local = json_string_value(json_object_get(r, "local_path"));
			add_leg(s, l, local, a_remote);
			json_decref(r);
		}
	}
}

static void setup_kamailio(session_t *ss, int nsess)
{
	/* B authenticates to the relay (RFC 4976) and learns its Use-Path; A
	 * sends to [relay/sessid, B] */
	for(int i = 0; i < nsess; i++) {
		session_t *s = &ss[i];
		char f[1024], b_path[128], a_path[128];
		int fd = tcp_connect(o.msrp);
		snprintf(b_path, sizeof(b_path), "msrp://127.0.0.1:9/b%d;tcp", i);
		snprintf(a_path, sizeof(a_path), "msrp://127.0.0.1:9/a%d;tcp", i);
		int n = snprintf(f, sizeof(f),
				"MSRP auth%04d AUTH\r\nTo-Path: msrp://%s;tcp\r\nFrom-Path: %s\r\n"
				"-------auth%04d$\r\n",
				i, o.msrp, b_path, i);
		if(write(fd, f, (size_t)n) != n)
			die("auth");
		size_t got = 0;
		while(!strstr(f, "-------auth") || !memchr(f, '$', got)) {
			ssize_t k = read(fd, f + got, sizeof(f) - got - 1);
			if(k <= 0)
				die("auth reply");
			got += (size_t)k;
			f[got] = '\0';
		}
		char *up = strstr(f, "Use-Path: ");
		if(!up) {
			fprintf(stderr, "no Use-Path in %s\n", f);
			exit(1);
		}
		up += 10;
		*strstr(up, "\r\n") = '\0';
		s->b[s->nb++] = conn_new(fd, 1, s);
		s->a = conn_new(tcp_connect(o.msrp), 0, s);
		snprintf(s->to_path, sizeof(s->to_path), "%s %s", up, b_path);
		snprintf(s->from_path, sizeof(s->from_path), "%s", a_path);
	}
}

static void setup_plain(session_t *ss, int nsess)
{
	int port = o.b_port;
	int lfd = listener(&port);
	for(int i = 0; i < nsess; i++) {
		session_t *s = &ss[i];
		s->a = conn_new(tcp_connect(o.msrp), 0, s);
		int bfd = accept(lfd, NULL, NULL);
		if(bfd < 0)
			die("accept");
		s->b[s->nb++] = conn_new(bfd, 1, s);
		snprintf(s->to_path, sizeof(s->to_path), "msrp://127.0.0.1:%d/b%d;tcp", port, i);
		snprintf(s->from_path, sizeof(s->from_path), "msrp://127.0.0.1:9/a%d;tcp", i);
	}
	close(lfd);
}

/* Legs the SIP set-up negotiated (--leg TO_PATH,FROM_PATH) */
static void setup_legs(session_t *s)
{
	for(int l = 0; l < nleg_paths; l++) {
		char to[512], *from;
		snprintf(to, sizeof(to), "%s", leg_paths[l]);
		from = strchr(to, ',');
		if(!from) {
			fprintf(stderr, "--leg wants TO_PATH,FROM_PATH: %s\n", leg_paths[l]);
			exit(2);
		}
		*from++ = '\0';
		add_leg(s, l, to, from);
	}
}

static void teardown_ours(int nsess)
{
	char sid[64];
	for(int i = 0; i < nsess; i++) {
		snprintf(sid, sizeof(sid), "bench-%d-%d", (int)getpid(), i);
		json_decref(ctl_call("session.destroy", json_pack("{s:s}", "id", sid)));
	}
}

static long relay_heap(void)
{
	json_t *st = ctl_call("stats", json_object());
	long h = (long)json_integer_value(json_object_get(st, "heap_bytes"));
	json_decref(st);
	return h;
}

int main(int argc, char **argv)
{
	static struct option lo[] = {{"target", 1, 0, 't'}, {"mode", 1, 0, 'm'},
			{"ctl", 1, 0, 'c'}, {"msrp", 1, 0, 'r'}, {"b-port", 1, 0, 'p'},
			{"sessions", 1, 0, 'n'}, {"messages", 1, 0, 'M'}, {"size", 1, 0, 's'},
			{"chunk", 1, 0, 'k'}, {"window", 1, 0, 'w'}, {"timeout", 1, 0, 'T'},
			{"leg", 1, 0, 'L'}, {"cpim-from", 1, 0, 'F'}, {"cpim-to", 1, 0, 'D'},
			{0, 0, 0, 0}};
	int ch, nsess, legs = 2;
	struct rlimit rl;

	while((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch(ch) {
			case 't': o.target = optarg; break;
			case 'm': o.mode = optarg; break;
			case 'c': o.ctl = optarg; break;
			case 'r': o.msrp = optarg; break;
			case 'p': o.b_port = atoi(optarg); break;
			case 'n': o.sessions = atoi(optarg); break;
			case 'M': o.messages = atol(optarg); break;
			case 's': o.size = (size_t)atol(optarg); break;
			case 'k': o.chunk = (size_t)atol(optarg); break;
			case 'w': o.window = atoi(optarg); break;
			case 'T': o.timeout_s = atoi(optarg); break;
			case 'L':
				if(nleg_paths == MAX_LEGS) {
					fprintf(stderr, "at most %d legs\n", MAX_LEGS);
					return 2;
				}
				leg_paths[nleg_paths++] = optarg;
				break;
			case 'F': o.cpim_from = optarg; break;
			case 'D': o.cpim_to = optarg; break;
			default:
				fprintf(stderr, "see bench/run.py for usage\n");
				return 2;
		}
	}
	if(getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);
	ep = epoll_create1(0);
	/* a CPIM message from the sender to the conference, padded to size */
	{
		char cpim[1024];
		size_t clen = (size_t)snprintf(cpim, sizeof(cpim),
				"From: <%s>\r\nTo: <%s>\r\n\r\nContent-Type: text/plain\r\n\r\n",
				o.cpim_from, o.cpim_to);
		if(clen >= sizeof(cpim) || o.size < clen + 1) {
			fprintf(stderr, "--size must be at least %zu\n", clen + 1);
			return 2;
		}
		payload = malloc(o.size + 1);
		memcpy(payload, cpim, clen);
		for(size_t i = clen; i < o.size; i++)
			payload[i] = (char)('a' + i % 23);
	}

	nsess = o.sessions;
	if(strcmp(o.target, "legs") == 0)
		o.sessions = nleg_paths;
	if(strcmp(o.mode, "fanout") == 0) {
		legs = o.sessions; /* one session of N legs */
		nsess = 1;
	}
	session_t *ss = calloc((size_t)nsess, sizeof(*ss));
	for(int i = 0; i < nsess; i++)
		ss[i].b = calloc((size_t)legs, sizeof(conn_t *));

	long heap0 = strcmp(o.target, "ours") == 0 ? relay_heap() : 0;
	if(strcmp(o.target, "ours") == 0)
		setup_ours(ss, nsess, legs);
	else if(strcmp(o.target, "kamailio") == 0)
		setup_kamailio(ss, nsess);
	else if(strcmp(o.target, "legs") == 0)
		setup_legs(&ss[0]);
	else
		setup_plain(ss, nsess);

	if(strcmp(o.mode, "idle") == 0) {
		/* every leg bound: the bind SENDs were answered */
		json_t *list;
		long legs_up = 0;
		struct epoll_event evs[256];
		double deadline = now() + 60;
		do {
			int n = epoll_wait(ep, evs, 256, 100);
			for(int i = 0; i < n; i++)
				on_readable(evs[i].data.ptr);
			list = ctl_call("stats", json_object());
			legs_up = (long)json_integer_value(json_object_get(
					json_object_get(json_object_get(list, "msrp"), "engine"), "legs"));
			json_decref(list);
		} while(legs_up < (long)nsess * 2 && now() < deadline);
		long heap1 = relay_heap();
		printf("legs=%ld heap_per_leg=%ld\n", legs_up, (heap1 - heap0) / (legs_up ? legs_up : 1));
		teardown_ours(nsess);
		return 0;
	}

	total_target = strcmp(o.mode, "fanout") == 0 ? o.messages * (legs - 1)
												  : o.messages * nsess;
	double t0 = now();
	for(int i = 0; i < nsess; i++)
		pump(&ss[i]);
	run_loop(o.timeout_s);
	double dt = now() - t0;
	if(strcmp(o.target, "ours") == 0)
		teardown_ours(nsess);
	printf("delivered=%ld seconds=%.3f msgs_per_s=%.0f mb_per_s=%.1f\n", total_delivered, dt,
			total_delivered / dt, bytes_delivered / dt / 1e6);
	return 0;
}
