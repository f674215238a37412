/* SIP and MSRP text helpers the SIP-driven load tools (sip-load,
 * conf-load) share: digest answers with a cached nonce, header lookup,
 * route sets, MSRP frame boundaries. */
#ifndef BENCH_SIP_UTIL_H
#define BENCH_SIP_UTIL_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

/* The last challenge seen, reused while the server takes it: one nonce
 * for every user and request (nc counts up), as a loaded client would. */
typedef struct sip_auth {
	char realm[128], nonce[256], opaque[256];
	int have_nonce;
	unsigned long nc;
} sip_auth_t;

/* Exits with the message (a load tool cannot go on). */
void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Takes realm, nonce and opaque from a WWW- or Proxy-Authenticate value;
 * -1 when it lacks realm or nonce. */
int sip_challenge(sip_auth_t *a, const char *value);

/* The Authorization / Proxy-Authorization value for method and uri. */
void sip_digest(sip_auth_t *a, const char *user, const char *pw,
		const char *method, const char *uri, char *out, size_t outlen);

/* "<header>: <digest>\r\n" (header Authorization or
 * Proxy-Authorization) for method and uri, into out. */
void sip_auth_header(sip_auth_t *a, const char *header, const char *user,
		const char *pw, const char *method, const char *uri, char *out,
		size_t outlen);

/* The value of header name in msg (first occurrence), or NULL. */
const char *sip_header(const char *msg, const char *name, char *out,
		size_t outlen);

/* The route set of a UAC from the Record-Route headers of a 2xx
 * (reversed), comma-separated; empty when there are none. */
void sip_route_set(const char *msg, char *out, size_t outlen);

/* The value of tag= in a From or To value, or "" (copied to out). */
void sip_tag(const char *value, char *out, size_t outlen);

/* The first whole MSRP frame in buf: its length, 0 when incomplete;
 * its transaction id in tid. */
size_t msrp_frame(const char *buf, size_t len, char *tid, size_t tidlen);

/* The 200 answering the SEND frame (fl bytes, transaction tid) in out:
 * its length, or -1 when the SEND lacks its paths. */
int msrp_send_ok(const char *frame, size_t fl, const char *tid, char *out,
		size_t outlen);

/* A TCP connection (no delay, non-blocking) to the host:port of an MSRP
 * path; exits when it cannot be made. */
int msrp_dial(const char *path);

/* A non-blocking UDP socket at ip (its port in *port), in epoll set ep
 * with tag as its data. */
int udp_socket(int ep, const char *ip, int *port, uint64_t tag);

/* One datagram to; exits when it cannot be sent. */
void sip_send(int fd, const struct sockaddr_in *to, const char *msg,
		size_t len);

/* Waits (5 s at most) for a final response on fd, whose epoll data in ep
 * is tag; other events are dropped (nothing else runs yet). Its status
 * code; the response in buf. */
int sip_wait_final(int ep, int fd, uint64_t tag, char *buf, size_t len);

/* Every datagram waiting on fd, NUL-terminated in buf (len bytes), to
 * on(fd, msg, from). */
void sip_read_all(int fd, char *buf, size_t len,
		void (*on)(int fd, char *msg, const struct sockaddr_in *from));

/* Where and as whom a tool registers its users. */
typedef struct sip_reg {
	int ep, fd;	  /* fd's epoll data in ep is tag */
	uint64_t tag;
	const struct sockaddr_in *proxy;
	sip_auth_t *cred;
	const char *domain, *ip; /* the Contact is sip:<user>@ip:port */
	int port;
	unsigned run_id;
} sip_reg_t;

/* REGISTERs user (password pw) for expires seconds, or with clear removes
 * every binding earlier runs left (Contact: *, Expires: 0), answering a
 * 401 with digest; exits when the server refuses. */
void sip_register(const sip_reg_t *r, const char *user, const char *pw,
		int clear, int expires);

/* For seconds, reads what comes on the SIP sockets (epoll data 1 and 2)
 * with read_sip: the tools still answer the server's late requests. */
void sip_drain(int ep, double seconds, void (*read_sip)(uint64_t tag));

#endif
