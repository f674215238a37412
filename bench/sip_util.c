#define _GNU_SOURCE
#include "sip_util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench_util.h"

void fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void md5_hex(const char *s, char out[33])
{
	unsigned char d[16];
	unsigned int n = 0;

	EVP_Digest(s, strlen(s), d, &n, EVP_md5(), NULL);
	for(int i = 0; i < 16; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static int param(const char *hdr, const char *name, char *out, size_t outlen)
{
	char key[64];
	const char *p, *e;

	snprintf(key, sizeof(key), "%s=\"", name);
	p = strstr(hdr, key);
	if(!p)
		return -1;
	p += strlen(key);
	e = strchr(p, '"');
	if(!e || (size_t)(e - p) >= outlen)
		return -1;
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = '\0';
	return 0;
}

int sip_challenge(sip_auth_t *a, const char *value)
{
	if(param(value, "realm", a->realm, sizeof(a->realm)) < 0
			|| param(value, "nonce", a->nonce, sizeof(a->nonce)) < 0)
		return -1;
	if(param(value, "opaque", a->opaque, sizeof(a->opaque)) < 0)
		a->opaque[0] = '\0';
	a->have_nonce = 1;
	return 0;
}

void sip_digest(sip_auth_t *a, const char *user, const char *pw,
		const char *method, const char *uri, char *out, size_t outlen)
{
	char a1[512], a2[512], ha1[33], ha2[33], resp[33], buf[1024], cnonce[17];

	snprintf(a1, sizeof(a1), "%s:%s:%s", user, a->realm, pw);
	snprintf(a2, sizeof(a2), "%s:%s", method, uri);
	md5_hex(a1, ha1);
	md5_hex(a2, ha2);
	snprintf(cnonce, sizeof(cnonce), "%08lx", ++a->nc);
	snprintf(buf, sizeof(buf), "%s:%s:%08lx:%s:auth:%s", ha1, a->nonce, a->nc,
			cnonce, ha2);
	md5_hex(buf, resp);
	snprintf(out, outlen,
			"Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", uri=\"%s\", "
			"response=\"%s\", algorithm=MD5, qop=auth, nc=%08lx, "
			"cnonce=\"%s\"%s%s%s",
			user, a->realm, a->nonce, uri, resp, a->nc, cnonce,
			a->opaque[0] ? ", opaque=\"" : "", a->opaque,
			a->opaque[0] ? "\"" : "");
}

void sip_auth_header(sip_auth_t *a, const char *header, const char *user,
		const char *pw, const char *method, const char *uri, char *out,
		size_t outlen)
{
	char v[1024];

	sip_digest(a, user, pw, method, uri, v, sizeof(v));
	snprintf(out, outlen, "%s: %s\r\n", header, v);
}

const char *sip_header(const char *msg, const char *name, char *out,
		size_t outlen)
{
	size_t n = strlen(name);
	const char *p = strstr(msg, "\r\n"), *end = strstr(msg, "\r\n\r\n");

	while(p && p < end) {
		p += 2;
		if(strncasecmp(p, name, n) == 0 && p[n] == ':') {
			const char *v = p + n + 1, *e = strstr(v, "\r\n");
			while(*v == ' ')
				v++;
			if((size_t)(e - v) >= outlen)
				return NULL;
			memcpy(out, v, (size_t)(e - v));
			out[e - v] = '\0';
			return out;
		}
		p = strstr(p, "\r\n");
	}
	return NULL;
}

void sip_route_set(const char *msg, char *out, size_t outlen)
{
	const char *rr[16];
	size_t rl[16];
	int n = 0;
	const char *p = msg, *end = strstr(msg, "\r\n\r\n");

	while((p = strstr(p, "\r\nRecord-Route:")) && p < end && n < 16) {
		const char *v = p + 15, *e;
		while(*v == ' ')
			v++;
		e = strstr(v, "\r\n");
		rr[n] = v;
		rl[n] = (size_t)(e - v);
		n++;
		p = e;
	}
	out[0] = '\0';
	for(int k = n - 1; k >= 0; k--) {
		size_t l = strlen(out);
		snprintf(out + l, outlen - l, "%s%.*s", l ? ", " : "", (int)rl[k],
				rr[k]);
	}
}

void sip_tag(const char *value, char *out, size_t outlen)
{
	const char *t = strstr(value, "tag=");

	out[0] = '\0';
	if(t)
		snprintf(out, outlen, "%.*s", (int)strcspn(t + 4, ";>\r\n "), t + 4);
}

size_t msrp_frame(const char *buf, size_t len, char *tid, size_t tidlen)
{
	const char *sp, *sp2, *p;
	char end[80];

	if(len < 12 || strncmp(buf, "MSRP ", 5) != 0)
		return 0;
	sp = buf + 5;
	sp2 = memchr(sp, ' ', len - 5);
	if(!sp2 || (size_t)(sp2 - sp) >= tidlen)
		return 0;
	snprintf(tid, tidlen, "%.*s", (int)(sp2 - sp), sp);
	snprintf(end, sizeof(end), "\r\n-------%s", tid);
	p = memmem(buf, len, end, strlen(end));
	if(!p || (size_t)(p - buf) + strlen(end) + 3 > len)
		return 0;
	return (size_t)(p - buf) + strlen(end) + 3;
}

int msrp_send_ok(const char *frame, size_t fl, const char *tid, char *out,
		size_t outlen)
{
	const char *tp = memmem(frame, fl, "To-Path: ", 9);
	const char *fp = memmem(frame, fl, "From-Path: ", 11);
	int n;

	if(!tp || !fp)
		return -1;
	n = snprintf(out, outlen,
			"MSRP %s 200 OK\r\nTo-Path: %.*s\r\nFrom-Path: %.*s\r\n-------%s$\r\n",
			tid, (int)strcspn(fp + 11, " \r\n"), fp + 11,
			(int)strcspn(tp + 9, " \r\n"), tp + 9, tid);
	return n < (int)outlen ? n : -1;
}

int msrp_dial(const char *path)
{
	struct sockaddr_in sa;
	char host[64];
	int port, fd, one = 1;

	if(sscanf(path, "msrp://%63[^:]:%d/", host, &port) != 2)
		fail("bad path %s", path);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	inet_pton(AF_INET, host, &sa.sin_addr);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if(fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("msrp connect");
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

int udp_socket(int ep, const char *ip, int *port, uint64_t tag)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_DGRAM, 0), sz = 8 << 20;
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = tag};

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	inet_pton(AF_INET, ip, &sa.sin_addr);
	if(fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("udp bind");
	/* past rmem_max when we may (root): a burst of answers is not lost */
	if(setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	*port = ntohs(sa.sin_port);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	return fd;
}

void sip_send(int fd, const struct sockaddr_in *to, const char *msg,
		size_t len)
{
	if(sendto(fd, msg, len, 0, (const struct sockaddr *)to, sizeof(*to)) < 0)
		die("sendto");
}

int sip_wait_final(int ep, int fd, uint64_t tag, char *buf, size_t len)
{
	for(;;) {
		struct epoll_event ev;
		ssize_t r;
		if(epoll_wait(ep, &ev, 1, 5000) <= 0)
			fail("no answer to a request");
		if(ev.data.u64 != tag)
			continue;
		r = recv(fd, buf, len - 1, 0);
		if(r <= 0)
			continue;
		buf[r] = '\0';
		if(strncmp(buf, "SIP/2.0 ", 8) == 0 && atoi(buf + 8) >= 200)
			return atoi(buf + 8);
	}
}

void sip_read_all(int fd, char *buf, size_t len,
		void (*on)(int fd, char *msg, const struct sockaddr_in *from))
{
	for(;;) {
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t r = recvfrom(
				fd, buf, len - 1, 0, (struct sockaddr *)&from, &fl);
		if(r <= 0)
			break;
		buf[r] = '\0';
		on(fd, buf, &from);
	}
}

void sip_register(const sip_reg_t *r, const char *user, const char *pw,
		int clear, int expires)
{
	static int cseq;
	char msg[4096], auth[1200] = "", uri[128], contact[128], buf[8192];
	int n, code;

	snprintf(uri, sizeof(uri), "sip:%s", r->domain);
	if(clear)
		snprintf(contact, sizeof(contact), "*");
	else
		snprintf(contact, sizeof(contact), "<sip:%s@%s:%d>", user, r->ip,
				r->port);
	for(int attempt = 0; attempt < 3; attempt++) {
		cseq++;
		if(r->cred->have_nonce)
			sip_auth_header(r->cred, "Authorization", user, pw, "REGISTER", uri,
					auth, sizeof(auth));
		n = snprintf(msg, sizeof(msg),
				"REGISTER %s SIP/2.0\r\nVia: SIP/2.0/UDP %s:%d;branch=z9hG4bKr%x.%d.%d;"
				"rport\r\nMax-Forwards: 70\r\nFrom: <sip:%s@%s>;tag=r%x\r\n"
				"To: <sip:%s@%s>\r\nCall-ID: reg.%s.%x@bench\r\nCSeq: %d REGISTER\r\n"
				"Contact: %s\r\nExpires: %d\r\n%sContent-Length: 0\r\n\r\n",
				uri, r->ip, r->port, r->run_id, cseq, attempt, user, r->domain,
				r->run_id, user, r->domain, user, r->run_id, cseq, contact,
				clear ? 0 : expires, auth);
		sip_send(r->fd, r->proxy, msg, (size_t)n);
		code = sip_wait_final(r->ep, r->fd, r->tag, buf, sizeof(buf));
		if(code == 200)
			return;
		if(code != 401)
			fail("REGISTER of %s got %d", user, code);
		if(!sip_header(buf, "WWW-Authenticate", msg, sizeof(msg))
				|| sip_challenge(r->cred, msg) < 0)
			fail("bad REGISTER challenge");
	}
	fail("REGISTER of %s refused", user);
}

void sip_drain(int ep, double seconds, void (*read_sip)(uint64_t tag))
{
	double end = now() + seconds;

	while(now() < end) {
		struct epoll_event evs[64];
		int k = epoll_wait(ep, evs, 64, 50);
		for(int e = 0; e < k; e++)
			if(evs[e].data.u64 == 1 || evs[e].data.u64 == 2)
				read_sip(evs[e].data.u64);
	}
}
