/*
 * conf-load: conference load generator for bench/conference.py.
 *
 * It plays the inviter and the N-1 invitees of `confs` conferences through
 * the IM server (UDP SIP), `concurrency` conferences at a time. Each slot
 * of concurrency has its own N users (uNN: slot s, participant k is user
 * s*N+k), so that an invitation names its conference by its Request-URI.
 *
 * One conference: the inviter's factory INVITE (multipart/mixed of an
 * MSRP offer and a resource list, Require: recipient-list-invite, CF-2);
 * each invitee answers its invitation 200 with an MSRP answer (it
 * connects: the relay's offer lets it be active) and, on the ACK, binds
 * its leg (connect + empty SEND, RFC 4975 5.4); the inviter ACKs its 200
 * and binds too. Then one CPIM SEND from the inviter (From its AOR, To the
 * session identity, which the focus's Contact carries through the
 * participating function's alias, D-9) is delivered to all the others;
 * the inviter says BYE and the focus BYEs every invitee (CF-19 a). The
 * conference counts when the inviter's BYE is answered and every invitee
 * had its BYE.
 *
 * Digest authentication (REGISTER, the inviter's INVITEs) is answered, the
 * nonce reused while valid. A SEND that some invitee did not get (its
 * leg was not joined yet: the focus learns an invitee's path from a 200
 * that may still be on its way) is sent again after a while, counted.
 *
 * Output: one line of key=value pairs.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench_util.h"
#include "sip_util.h"

#define MAX_PARTIES 128
#define MAX_USERS 10000
#define BUF 65536
#define BOUNDARY "conf-load-boundary"

typedef struct opts {
	const char *proxy; /* ip:port of the SIP server */
	const char *domain;
	const char *ip; /* our address */
	long confs;
	int participants;
	int concurrency;
	int timeout_s;
} opts_t;

static opts_t o = {NULL, "home1.net", "127.0.0.1", 100, 5, 10, 300};

typedef enum pstate {
	P_WAIT = 0, /* invitee: no invitation yet; inviter: not invited yet */
	P_INVITING, /* inviter: factory INVITE sent */
	P_ANSWERED, /* invitee: 200 sent, no ACK yet */
	P_MEDIA,	/* in the dialog, leg bound or binding */
	P_BYE,		/* inviter: BYE sent */
	P_GONE,		/* BYE answered (inviter) or received (invitee) */
} pstate_t;

typedef struct party {
	pstate_t st;
	char call_id[200];
	char to_tag[128];
	char target[512]; /* inviter: remote target of its dialog */
	char routes[2048];
	char peer_path[512]; /* the path our leg connects to */
	char path[256];		 /* our a=path */
	char *reply;		 /* invitee: its 200, sent again until the ACK */
	int reply_len;
	struct sockaddr_in reply_to;
	int cseq;
	int msrp_fd;
	char rbuf[8192];
	size_t rlen;
	int bound, got;
	double last_tx;
} party_t;

typedef struct slot {
	int gen;  /* conference number on this slot: tells stale messages apart */
	int live; /* a conference is under way */
	int dead; /* a conference failed: its users are left alone */
	party_t *p;
	char identity[256];
	int sends; /* CPIM SENDs the inviter sent */
	double sent_at;
} slot_t;

static slot_t *slots;
static int ep, sip_a, sip_b, port_a, port_b;
static struct sockaddr_in proxy_sa;
static sip_auth_t cred;
static long next_conf, completed, failed;
static long challenges, resent, sent_again;
static unsigned int run_id;

enum { TAG_SIP_A = 1, TAG_SIP_B };
#define TAG_MSRP ((uint64_t)1 << 40)

static void user_of(int s, int k, char *out, size_t outlen)
{
	snprintf(out, outlen, "u%02d", s * o.participants + k);
}

/* An answer to a request: its Vias, From, To (with tag when it had none),
 * Call-ID and CSeq; Record-Route and extra (Contact, body) for a 2xx to an
 * INVITE. Returns the length written to out. */
static int build_reply(const char *req, int code, const char *reason,
		const char *tag, const char *extra, char *out, size_t outlen)
{
	const char *p = req, *end = strstr(req, "\r\n\r\n");
	char from[512], to[512], cid[256], cseq[64];
	int n, invite = strncmp(req, "INVITE ", 7) == 0;

	if(!end || !sip_header(req, "From", from, sizeof(from))
			|| !sip_header(req, "To", to, sizeof(to))
			|| !sip_header(req, "Call-ID", cid, sizeof(cid))
			|| !sip_header(req, "CSeq", cseq, sizeof(cseq)))
		return -1;
	n = snprintf(out, outlen, "SIP/2.0 %d %s\r\n", code, reason);
	while((p = strstr(p, "\r\n")) && p < end) {
		size_t l;
		p += 2;
		l = strcspn(p, "\r\n");
		if(strncasecmp(p, "Via:", 4) == 0
				|| (invite && code < 300 && strncasecmp(p, "Record-Route:", 13) == 0))
			n += snprintf(out + n, outlen - n, "%.*s\r\n", (int)l, p);
	}
	n += snprintf(out + n, outlen - n,
			"From: %s\r\nTo: %s%s%s\r\nCall-ID: %s\r\nCSeq: %s\r\n%s", from, to,
			strstr(to, "tag=") ? "" : ";tag=", strstr(to, "tag=") ? "" : tag,
			cid, cseq, extra ? extra : "Content-Length: 0\r\n\r\n");
	return n < (int)outlen ? n : -1;
}

static void reply_plain(int fd, const struct sockaddr_in *to, const char *req,
		int code, const char *reason)
{
	char out[8192];
	int n = build_reply(req, code, reason, "cl", NULL, out, sizeof(out));

	if(n > 0)
		sip_send(fd, to, out, (size_t)n);
}

static int msrp_sdp(char *out, size_t outlen, int port, const char *path,
		const char *setup)
{
	return snprintf(out, outlen,
			"v=0\r\no=- %u 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
			"m=message %d TCP/MSRP *\r\na=accept-types:message/cpim text/plain\r\n"
			"a=accept-wrapped-types:text/plain\r\na=setup:%s\r\na=path:%s\r\n",
			run_id, o.ip, o.ip, port, setup, path);
}

static void send_invite(int s, int again)
{
	slot_t *sl = &slots[s];
	party_t *a = &sl->p[0];
	static char body[BUF / 2], msg[BUF];
	char sdp[1024], auth[1200] = "", uri[256], user[32];
	int n, bl;

	snprintf(uri, sizeof(uri), "sip:conference-factory@%s", o.domain);
	user_of(s, 0, user, sizeof(user));
	bl = snprintf(body, sizeof(body),
			"--" BOUNDARY "\r\nContent-Type: application/sdp\r\n\r\n");
	msrp_sdp(sdp, sizeof(sdp), port_a, a->path, "active");
	bl += snprintf(body + bl, sizeof(body) - bl,
			"%s\r\n--" BOUNDARY "\r\nContent-Type: application/resource-lists+xml\r\n"
			"Content-Disposition: recipient-list\r\n\r\n"
			"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			"<resource-lists xmlns=\"urn:ietf:params:xml:ns:resource-lists\"\n"
			"    xmlns:cp=\"urn:ietf:params:xml:ns:copycontrol\">\n  <list>\n",
			sdp);
	for(int k = 1; k < o.participants; k++) {
		char u[32];
		user_of(s, k, u, sizeof(u));
		bl += snprintf(body + bl, sizeof(body) - bl,
				"    <entry uri=\"sip:%s@%s\"/>\n", u, o.domain);
	}
	bl += snprintf(body + bl, sizeof(body) - bl,
			"  </list>\n</resource-lists>\n\r\n--" BOUNDARY "--\r\n");
	if(cred.have_nonce) {
		/* the password is the user's name + "-pw" (bench/sessions.py) */
		char pw[48];
		snprintf(pw, sizeof(pw), "%s-pw", user);
		sip_auth_header(&cred, "Proxy-Authorization", user, pw, "INVITE", uri,
				auth, sizeof(auth));
	}
	if(!again)
		a->cseq++;
	a->last_tx = now();
	n = snprintf(msg, sizeof(msg),
			"INVITE %s SIP/2.0\r\nVia: SIP/2.0/UDP %s:%d;branch=z9hG4bKf%x.%d.%d.%d;"
			"rport\r\nMax-Forwards: 70\r\nFrom: <sip:%s@%s>;tag=f%d.%d\r\n"
			"To: <%s>\r\nCall-ID: %s\r\nCSeq: %d INVITE\r\n"
			"Contact: <sip:%s@%s:%d>\r\nAccept-Contact: *;+g.oma.sip-im\r\n"
			"Require: recipient-list-invite\r\nUser-Agent: IM-client/OMA1.0\r\n"
			"%sContent-Type: multipart/mixed;boundary=\"" BOUNDARY "\"\r\n"
			"Content-Length: %d\r\n\r\n%s",
			uri, o.ip, port_a, run_id, s, sl->gen, a->cseq, user, o.domain, s,
			sl->gen, uri, a->call_id, a->cseq, user, o.ip, port_a, auth, bl,
			body);
	if(n >= (int)sizeof(msg))
		fail("factory INVITE too long");
	sip_send(sip_a, &proxy_sa, msg, (size_t)n);
}

/* ACK or BYE in the inviter's dialog, routed as its 2xx said. */
static void send_in_dialog(int s, const char *method, int cseq)
{
	party_t *a = &slots[s].p[0];
	char msg[4096], route[2100] = "", user[32];
	int n;

	user_of(s, 0, user, sizeof(user));
	if(a->routes[0])
		snprintf(route, sizeof(route), "Route: %s\r\n", a->routes);
	n = snprintf(msg, sizeof(msg),
			"%s %s SIP/2.0\r\nVia: SIP/2.0/UDP %s:%d;branch=z9hG4bK%c%x.%d.%d;"
			"rport\r\nMax-Forwards: 70\r\n%sFrom: <sip:%s@%s>;tag=f%d.%d\r\n"
			"To: <sip:conference-factory@%s>;tag=%s\r\nCall-ID: %s\r\n"
			"CSeq: %d %s\r\nContent-Length: 0\r\n\r\n",
			method, a->target, o.ip, port_a, method[0], run_id, s, slots[s].gen,
			route, user, o.domain, s, slots[s].gen, o.domain, a->to_tag,
			a->call_id, cseq, method);
	sip_send(sip_a, &proxy_sa, msg, (size_t)n);
}

static void msrp_write(party_t *p, const char *frame, int n)
{
	if(write(p->msrp_fd, frame, (size_t)n) != n)
		die("msrp write");
}

/* Connects the leg to the path it was given and binds it. */
static void msrp_connect(int s, int k)
{
	party_t *p = &slots[s].p[k];
	char frame[1024];
	int n;
	struct epoll_event ev;

	p->msrp_fd = msrp_dial(p->peer_path);
	p->rlen = 0;
	ev.events = EPOLLIN;
	ev.data.u64 = TAG_MSRP | (uint64_t)(s * o.participants + k);
	epoll_ctl(ep, EPOLL_CTL_ADD, p->msrp_fd, &ev);
	n = snprintf(frame, sizeof(frame),
			"MSRP bind%d SEND\r\nTo-Path: %s\r\nFrom-Path: %s\r\nMessage-ID: "
			"b%d\r\nByte-Range: 1-0/0\r\n-------bind%d$\r\n",
			k, p->peer_path, p->path, k, k);
	msrp_write(p, frame, n);
}

static void msrp_close(party_t *p)
{
	if(p->msrp_fd >= 0) {
		epoll_ctl(ep, EPOLL_CTL_DEL, p->msrp_fd, NULL);
		close(p->msrp_fd);
		p->msrp_fd = -1;
	}
}

static void start_conf(int s)
{
	slot_t *sl = &slots[s];

	sl->gen++;
	sl->live = 1;
	sl->sends = 0;
	sl->identity[0] = '\0';
	for(int k = 0; k < o.participants; k++) {
		party_t *p = &sl->p[k];
		free(p->reply);
		memset(p, 0, sizeof(*p));
		p->msrp_fd = -1;
		snprintf(p->path, sizeof(p->path), "msrp://%s:%d/s%dk%dg%d.%x;tcp", o.ip,
				port_a, s, k, sl->gen, run_id);
	}
	snprintf(sl->p[0].call_id, sizeof(sl->p[0].call_id), "f%d.%d.%x@bench", s,
			sl->gen, run_id);
	sl->p[0].st = P_INVITING;
	send_invite(s, 0);
}

static void end_conf(int s, int ok)
{
	slot_t *sl = &slots[s];

	for(int k = 0; k < o.participants; k++)
		msrp_close(&sl->p[k]);
	sl->live = 0;
	if(ok)
		completed++;
	else {
		failed++;
		/* its dialogs may still be up: its users take no other conference */
		sl->dead = 1;
		return;
	}
	if(next_conf < o.confs) {
		next_conf++;
		start_conf(s);
	}
}

static void maybe_done(int s)
{
	slot_t *sl = &slots[s];

	for(int k = 0; k < o.participants; k++)
		if(sl->p[k].st != P_GONE)
			return;
	end_conf(s, 1);
}

static void send_cpim(int s)
{
	slot_t *sl = &slots[s];
	party_t *a = &sl->p[0];
	char cpim[1024], frame[2048], user[32];
	int cl, n;

	user_of(s, 0, user, sizeof(user));
	cl = snprintf(cpim, sizeof(cpim),
			"From: <sip:%s@%s>\r\nTo: <%s>\r\n\r\nContent-Type: text/plain\r\n"
			"Content-Length: 5\r\n\r\nhello",
			user, o.domain, sl->identity);
	sl->sends++;
	sl->sent_at = now();
	n = snprintf(frame, sizeof(frame),
			"MSRP cpim%d SEND\r\nTo-Path: %s\r\nFrom-Path: %s\r\nMessage-ID: "
			"m%d.%d.%d\r\nByte-Range: 1-%d/%d\r\nContent-Type: message/cpim\r\n\r\n"
			"%s\r\n-------cpim%d$\r\n",
			sl->sends, a->peer_path, a->path, s, sl->gen, sl->sends, cl, cl, cpim,
			sl->sends);
	msrp_write(a, frame, n);
}

/* Every leg bound and the inviter in its dialog: the message goes out;
 * every invitee has it: the inviter leaves. */
static void progress(int s)
{
	slot_t *sl = &slots[s];
	int bound = 0, got = 0;

	if(!sl->live || sl->p[0].st != P_MEDIA)
		return;
	for(int k = 0; k < o.participants; k++) {
		bound += sl->p[k].st == P_MEDIA && sl->p[k].bound;
		got += k > 0 && sl->p[k].got;
	}
	if(sl->sends == 0 && bound == o.participants)
		send_cpim(s);
	if(sl->sends > 0 && got == o.participants - 1) {
		sl->p[0].st = P_BYE;
		sl->p[0].last_tx = now();
		send_in_dialog(s, "BYE", sl->p[0].cseq + 1);
	}
}

/* "imf-<hex>" (the participating function's alias of a focus Contact,
 * D-9) back to the focus's URI; its user part at our domain is the
 * session identity (OMA TS 7: sip:<id>@<factory domain>). */
static int identity_of(const char *contact, char *out, size_t outlen)
{
	const char *u = strstr(contact, "sip:imf-");
	char focus[256];
	size_t n = 0;

	if(!u)
		return -1;
	for(u += 8; isxdigit((unsigned char)u[0]) && isxdigit((unsigned char)u[1])
			&& n + 1 < sizeof(focus);
			u += 2) {
		unsigned int c;
		sscanf(u, "%2x", &c);
		focus[n++] = (char)c;
	}
	focus[n] = '\0';
	if(strncmp(focus, "sip:", 4) != 0 || !strchr(focus, '@'))
		return -1;
	snprintf(out, outlen, "sip:%.*s@%s", (int)(strchr(focus, '@') - focus - 4),
			focus + 4, o.domain);
	return 0;
}

static int slot_of_call_id(const char *msg)
{
	char v[256];
	int s, gen;

	if(!sip_header(msg, "Call-ID", v, sizeof(v))
			&& !sip_header(msg, "i", v, sizeof(v)))
		return -1;
	if(sscanf(v, "f%d.%d.", &s, &gen) != 2 || s < 0 || s >= o.concurrency
			|| slots[s].gen != gen || !slots[s].live)
		return -1;
	return s;
}

static void inviter_answered(int s, char *msg)
{
	party_t *a = &slots[s].p[0];
	char v[1024], *lt, *gt, *p;

	if(!sip_header(msg, "To", v, sizeof(v)))
		fail("2xx without To");
	sip_tag(v, a->to_tag, sizeof(a->to_tag));
	if(!sip_header(msg, "Contact", v, sizeof(v)) && !sip_header(msg, "m", v, sizeof(v)))
		fail("2xx without Contact");
	lt = strchr(v, '<');
	gt = lt ? strchr(lt, '>') : NULL;
	if(!lt || !gt)
		fail("bad Contact %s", v);
	snprintf(a->target, sizeof(a->target), "%.*s", (int)(gt - lt - 1), lt + 1);
	if(identity_of(a->target, slots[s].identity, sizeof(slots[s].identity)) < 0)
		fail("the inviter's 2xx does not name the focus: %s", a->target);
	sip_route_set(msg, a->routes, sizeof(a->routes));
	p = strstr(msg, "a=path:");
	if(!p)
		fail("the inviter's 2xx has no a=path");
	snprintf(a->peer_path, sizeof(a->peer_path), "%.*s",
			(int)strcspn(p + 7, "\r\n"), p + 7);
	send_in_dialog(s, "ACK", a->cseq);
	a->st = P_MEDIA;
	msrp_connect(s, 0);
}

static void on_response_a(char *msg)
{
	char v[1024], method[32];
	int status = atoi(msg + 8), cseq, s = slot_of_call_id(msg);
	party_t *a;

	if(s < 0 || !sip_header(msg, "CSeq", v, sizeof(v))
			|| sscanf(v, "%d %31s", &cseq, method) != 2)
		return;
	a = &slots[s].p[0];
	if(strcmp(method, "INVITE") == 0) {
		if(status < 200 || cseq != a->cseq)
			return;
		if(a->st != P_INVITING) {
			if(status < 300) /* a 2xx again: our ACK was lost */
				send_in_dialog(s, "ACK", a->cseq);
			return;
		}
		if(status == 407 || status == 401) {
			if(++challenges > 100 + 2 * o.confs)
				fail("challenged again and again: wrong password?");
			if(!sip_header(msg, status == 401 ? "WWW-Authenticate"
											  : "Proxy-Authenticate",
					   v, sizeof(v))
					|| sip_challenge(&cred, v) < 0)
				fail("bad challenge");
			send_invite(s, 0);
		} else if(status >= 300) {
			fprintf(stderr, "conference %d.%d: factory INVITE got %d\n", s,
					slots[s].gen, status);
			end_conf(s, 0);
		} else {
			inviter_answered(s, msg);
			progress(s);
		}
	} else if(strcmp(method, "BYE") == 0 && a->st == P_BYE && status >= 200) {
		if(status != 200) {
			fprintf(stderr, "conference %d.%d: BYE got %d\n", s, slots[s].gen,
					status);
			end_conf(s, 0);
			return;
		}
		a->st = P_GONE;
		maybe_done(s);
	}
}

/* The invitee a request is for, from its Request-URI sip:uNN@...; -1 for
 * no invitee of a live conference. */
static int invitee_of(const char *msg, int *k)
{
	const char *u = strstr(msg, " sip:u");
	int n;

	if(!u || u > strstr(msg, "\r\n") || sscanf(u + 6, "%d@", &n) != 1)
		return -1;
	*k = n % o.participants;
	n /= o.participants;
	if(n >= o.concurrency || *k == 0 || !slots[n].live)
		return -1;
	return n;
}

static void on_invitation(int s, int k, char *msg, const struct sockaddr_in *from)
{
	party_t *p = &slots[s].p[k];
	char cid[200], sdp[1024], extra[2048], *path, *setup, user[32];
	const char *mine;
	static char out[8192];
	int n, sl;

	if(!sip_header(msg, "Call-ID", cid, sizeof(cid)))
		return;
	if(p->st != P_WAIT) {
		if(strcmp(cid, p->call_id) == 0 && p->reply) /* sent again */
			sip_send(sip_b, from, p->reply, (size_t)p->reply_len);
		else
			reply_plain(sip_b, from, msg, 486, "Busy Here");
		return;
	}
	path = strstr(msg, "a=path:");
	setup = strstr(msg, "a=setup:");
	if(!path)
		fail("an invitation without a=path");
	/* we connect: the focus's side must be willing to listen */
	mine = !setup || strncmp(setup + 8, "actpass", 7) == 0
						   || strncmp(setup + 8, "passive", 7) == 0
				   ? "active"
				   : NULL;
	if(!mine)
		fail("the focus offers a=setup:active; conf-load only connects");
	snprintf(p->peer_path, sizeof(p->peer_path), "%.*s",
			(int)strcspn(path + 7, "\r\n"), path + 7);
	snprintf(p->call_id, sizeof(p->call_id), "%s", cid);
	snprintf(p->to_tag, sizeof(p->to_tag), "i%d.%d.%d", s, k, slots[s].gen);
	user_of(s, k, user, sizeof(user));
	sl = msrp_sdp(sdp, sizeof(sdp), port_b, p->path, mine);
	snprintf(extra, sizeof(extra),
			"Contact: <sip:%s@%s:%d>\r\nServer: IM-client/OMA1.0\r\n"
			"Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s",
			user, o.ip, port_b, sl, sdp);
	n = build_reply(msg, 200, "OK", p->to_tag, extra, out, sizeof(out));
	if(n < 0)
		fail("cannot answer an invitation");
	p->reply = malloc((size_t)n);
	memcpy(p->reply, out, (size_t)n);
	p->reply_len = n;
	p->reply_to = *from;
	p->st = P_ANSWERED;
	p->last_tx = now();
	sip_send(sip_b, from, out, (size_t)n);
}

/* Requests to the invitees: invitations, ACKs, the focus's BYEs. */
static void on_request_b(char *msg, const struct sockaddr_in *from)
{
	int k, s = invitee_of(msg, &k);
	char cid[200];
	party_t *p;

	if(strncmp(msg, "ACK ", 4) == 0 && s < 0)
		return;
	if(s < 0) {
		/* a late request of a conference that is over */
		reply_plain(sip_b, from, msg, 481, "Call/Transaction Does Not Exist");
		return;
	}
	p = &slots[s].p[k];
	if(strncmp(msg, "INVITE ", 7) == 0) {
		on_invitation(s, k, msg, from);
		return;
	}
	if(!sip_header(msg, "Call-ID", cid, sizeof(cid)) || strcmp(cid, p->call_id) != 0) {
		if(strncmp(msg, "ACK ", 4) != 0)
			reply_plain(sip_b, from, msg, 481, "Call/Transaction Does Not Exist");
		return;
	}
	if(strncmp(msg, "ACK ", 4) == 0) {
		if(p->st == P_ANSWERED) {
			p->st = P_MEDIA;
			msrp_connect(s, k);
		}
		return;
	}
	reply_plain(sip_b, from, msg, 200, "OK");
	if(strncmp(msg, "BYE ", 4) == 0 && p->st != P_GONE) {
		if(!p->got)
			fprintf(stderr, "conference %d.%d: u%02d had its BYE before the "
							"message\n",
					s, slots[s].gen, s * o.participants + k);
		p->st = P_GONE;
		msrp_close(p);
		maybe_done(s);
	}
}

static void on_sip(int fd, char *msg, const struct sockaddr_in *from)
{
	if(strncmp(msg, "SIP/2.0 ", 8) == 0) {
		if(fd == sip_a)
			on_response_a(msg);
	} else if(fd == sip_b) {
		on_request_b(msg, from);
	} else if(strncmp(msg, "ACK ", 4) != 0) {
		/* to the inviter in its dialog (a refresh): nothing to do */
		reply_plain(fd, from, msg, 200, "OK");
	}
}

static void read_sip(int fd)
{
	static char buf[BUF];

	sip_read_all(fd, buf, sizeof(buf), on_sip);
}

static void on_msrp(int s, int k)
{
	party_t *p = &slots[s].p[k];
	ssize_t n;
	char tid[64];
	size_t fl;

	if(p->msrp_fd < 0)
		return;
	n = read(p->msrp_fd, p->rbuf + p->rlen, sizeof(p->rbuf) - p->rlen);
	if(n <= 0) {
		if(n < 0 && errno == EAGAIN)
			return;
		/* the relay closes the legs of a conference that ends */
		msrp_close(p);
		return;
	}
	p->rlen += (size_t)n;
	while((fl = msrp_frame(p->rbuf, p->rlen, tid, sizeof(tid))) > 0) {
		char *f = p->rbuf, *after = f + 6 + strlen(tid);
		if(strncmp(after, "200", 3) == 0 && strncmp(tid, "bind", 4) == 0) {
			p->bound = 1;
		} else if(strncmp(after, "SEND", 4) == 0) {
			char reply[1024];
			int rn = msrp_send_ok(f, fl, tid, reply, sizeof(reply));
			if(rn < 0)
				fail("a SEND without paths");
			msrp_write(p, reply, rn);
			if(k > 0 && memmem(f, fl, "hello", 5))
				p->got = 1;
		} else if(strncmp(after, "200", 3) != 0 && strncmp(after, "REPORT", 6) != 0) {
			fprintf(stderr, "conference %d.%d: leg %d got %.*s\n", s, slots[s].gen,
					k, (int)strcspn(f, "\r\n"), f);
		}
		memmove(p->rbuf, p->rbuf + fl, p->rlen - fl);
		p->rlen -= fl;
	}
	progress(s);
}

/* REGISTER of one user (digest answered), before any conference:
 * clear first removes the bindings earlier runs left (Contact: *), so no
 * invitation goes to a dead socket; the last run clears its own. */
static void register_user(const char *user, int clear)
{
	sip_reg_t r = {ep, sip_b, TAG_SIP_B, &proxy_sa, &cred, o.domain, o.ip,
			port_b, run_id};
	char pw[48];

	snprintf(pw, sizeof(pw), "%s-pw", user);
	sip_register(&r, user, pw, clear, 3600);
}

static void register_all(int clear)
{
	char user[32];

	for(int s = 0; s < o.concurrency; s++)
		for(int k = 0; k < o.participants; k++) {
			user_of(s, k, user, sizeof(user));
			register_user(user, clear);
		}
}

/* UDP: requests without an answer are sent again (RFC 3261 17.1.1.2,
 * coarsely), a 200 without its ACK too; a SEND some invitee did not get
 * goes again (its leg had not joined the conference yet). */
static void tick(double t)
{
	for(int s = 0; s < o.concurrency; s++) {
		slot_t *sl = &slots[s];
		if(!sl->live)
			continue;
		if(t - sl->p[0].last_tx >= 1.0 && sl->p[0].st == P_INVITING) {
			resent++;
			send_invite(s, 1);
		} else if(t - sl->p[0].last_tx >= 1.0 && sl->p[0].st == P_BYE) {
			resent++;
			sl->p[0].last_tx = t;
			send_in_dialog(s, "BYE", sl->p[0].cseq + 1);
		}
		for(int k = 1; k < o.participants; k++) {
			party_t *p = &sl->p[k];
			if(p->st == P_ANSWERED && t - p->last_tx >= 1.0) {
				resent++;
				p->last_tx = t;
				sip_send(sip_b, &p->reply_to, p->reply, (size_t)p->reply_len);
			}
		}
		if(sl->sends > 0 && sl->p[0].st == P_MEDIA && t - sl->sent_at >= 0.2) {
			sent_again++;
			send_cpim(s);
		}
	}
}

/* epoll data of a SIP socket: read what waits there */
static void read_tag(uint64_t tag)
{
	read_sip(tag == TAG_SIP_A ? sip_a : sip_b);
}


static void usage(void)
{
	fprintf(stderr,
			"usage: conf-load --proxy IP:PORT [--domain D] [--ip IP] [--confs N]\n"
			"       [--participants P] [--concurrency C] [--timeout S]\n"
			"users u00.. (C x P of them), each with the password <user>-pw\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static struct option lo[] = {{"proxy", 1, 0, 'p'}, {"domain", 1, 0, 'd'},
			{"ip", 1, 0, 'i'}, {"confs", 1, 0, 'n'}, {"participants", 1, 0, 'P'},
			{"concurrency", 1, 0, 'c'}, {"timeout", 1, 0, 't'}, {0, 0, 0, 0}};
	int opt, port;
	char host[64];
	double t0, t1, last_tick = 0;

	while((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch(opt) {
			case 'p': o.proxy = optarg; break;
			case 'd': o.domain = optarg; break;
			case 'i': o.ip = optarg; break;
			case 'n': o.confs = atol(optarg); break;
			case 'P': o.participants = atoi(optarg); break;
			case 'c': o.concurrency = atoi(optarg); break;
			case 't': o.timeout_s = atoi(optarg); break;
			default: usage();
		}
	}
	if(!o.proxy || o.confs < 1 || o.participants < 2
			|| o.participants > MAX_PARTIES || o.concurrency < 1
			|| o.concurrency * o.participants > MAX_USERS
			|| sscanf(o.proxy, "%63[^:]:%d", host, &port) != 2)
		usage();
	if(o.concurrency > o.confs)
		o.concurrency = (int)o.confs;
	memset(&proxy_sa, 0, sizeof(proxy_sa));
	proxy_sa.sin_family = AF_INET;
	proxy_sa.sin_port = htons((unsigned short)port);
	inet_pton(AF_INET, host, &proxy_sa.sin_addr);

	run_id = (unsigned int)getpid() ^ (unsigned int)time(NULL) << 12;
	slots = calloc((size_t)o.concurrency, sizeof(slot_t));
	for(int s = 0; s < o.concurrency; s++)
		slots[s].p = calloc((size_t)o.participants, sizeof(party_t));
	ep = epoll_create1(0);
	sip_a = udp_socket(ep, o.ip, &port_a, TAG_SIP_A);
	sip_b = udp_socket(ep, o.ip, &port_b, TAG_SIP_B);

	register_all(1);
	register_all(0);
	t0 = now();
	for(int s = 0; s < o.concurrency; s++) {
		next_conf++;
		start_conf(s);
	}
	while(completed + failed < next_conf) {
		struct epoll_event evs[256];
		int k = epoll_wait(ep, evs, 256, 50), live = 0;
		double t = now();

		if(t - t0 > o.timeout_s) {
			for(int s = 0; s < o.concurrency; s++) {
				if(!slots[s].live)
					continue;
				fprintf(stderr, "conference %d.%d stuck: inviter %d, sends %d;", s,
						slots[s].gen, slots[s].p[0].st, slots[s].sends);
				for(int j = 1; j < o.participants; j++)
					fprintf(stderr, " %d%s%s", slots[s].p[j].st,
							slots[s].p[j].bound ? "b" : "", slots[s].p[j].got ? "g" : "");
				fputc('\n', stderr);
			}
			fail("timeout: %ld of %ld conferences done", completed + failed, o.confs);
		}
		if(t - last_tick >= 0.1) {
			last_tick = t;
			tick(t);
		}
		for(int e = 0; e < k; e++) {
			uint64_t d = evs[e].data.u64;
			if(d == TAG_SIP_A || d == TAG_SIP_B)
				read_sip(d == TAG_SIP_A ? sip_a : sip_b);
			else if(d & TAG_MSRP) {
				int g = (int)(d & 0xffffffffu);
				on_msrp(g / o.participants, g % o.participants);
			}
		}
		for(int s = 0; s < o.concurrency; s++)
			live += slots[s].live;
		if(!live)
			break; /* every slot failed */
	}
	t1 = now();
	sip_drain(ep, 0.5, read_tag);
	register_all(1);
	printf("confs=%ld failures=%ld seconds=%.3f rate=%.1f participants=%d "
		   "challenges=%ld resent=%ld sent_again=%ld\n",
			completed, failed + (o.confs - completed - failed), t1 - t0,
			completed / (t1 - t0), o.participants, challenges, resent, sent_again);
	return completed == o.confs ? 0 : 1;
}
