#include "control.h"

#include <errno.h>
#include <grp.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control_auth.h"
#include "im_addr.h"
#include "jsonrpc.h"
#include "log.h"

#define CONTROL_LISTENERS_MAX 8
/* an unauthenticated connection must say who it is within this time */

typedef struct control_conn {
	LIST_ENTRY(control_conn) link;
	control_t *owner;
	struct bufferevent *bev;
	int closing; /* close once the reply is flushed */
	int trusted; /* UNIX socket, insecure TCP, or authenticated */
	char peer[64];
} control_conn_t;

struct control {
	struct event_base *base;
	int max_line;
	control_dispatch_fn dispatch;
	char *secret;
	int insecure;
	int auth_timeout_s;
	char *unix_group;
	struct evconnlistener *listeners[CONTROL_LISTENERS_MAX];
	char *unix_paths[CONTROL_LISTENERS_MAX];
	int nlisteners;
	LIST_HEAD(, control_conn) conns;
	unsigned long accepted, open, oversized, auth_failures;
};

static void conn_free(control_conn_t *cc)
{
	LIST_REMOVE(cc, link);
	cc->owner->open--;
	bufferevent_free(cc->bev);
	free(cc);
}

static void conn_reply(control_conn_t *cc, char *reply, size_t len)
{
	size_t sent = 0;

	if(reply == NULL)
		return;
	/* straight to the socket when nothing waits before it: an answer
	 * costs one send instead of arming and disarming a write event */
	if(evbuffer_get_length(bufferevent_get_output(cc->bev)) == 0) {
		ssize_t n = send(bufferevent_getfd(cc->bev), reply, len,
				MSG_NOSIGNAL | MSG_DONTWAIT);
		if(n > 0)
			sent = (size_t)n;
	}
	if(sent < len)
		bufferevent_write(cc->bev, reply + sent, len - sent);
	free(reply);
}

static void conn_reply_error(control_conn_t *cc, int code, const char *msg)
{
	size_t len = 0;
	char *reply = jsonrpc_reply_error(NULL, code, msg, &len);
	conn_reply(cc, reply, len);
}

static void on_write(struct bufferevent *bev, void *arg)
{
	control_conn_t *cc = arg;
	(void)bev;
	if(cc->closing)
		conn_free(cc);
}

/* Sends the last answer and closes once it is out. */
static void conn_close_after(control_conn_t *cc)
{
	cc->closing = 1;
	bufferevent_disable(cc->bev, EV_READ);
	/* the answer went out directly: nothing left to wait for */
	if(evbuffer_get_length(bufferevent_get_output(cc->bev)) == 0)
		conn_free(cc);
}

/* The first line of a TCP connection: the auth call, or the end. Nothing
 * in it reaches the command dispatcher. Returns 0 when the connection was
 * closed (or is closing). */
static int conn_authenticate(control_conn_t *cc, const char *line, size_t len)
{
	char *reply = NULL;
	size_t reply_len = 0;
	const char *why = NULL;

	if(control_auth_line(
			   cc->owner->secret, line, len, &reply, &reply_len, &why)) {
		cc->trusted = 1;
		bufferevent_set_timeouts(cc->bev, NULL, NULL);
		ilog(control, LOG_INFO, "%s authenticated", cc->peer);
		conn_reply(cc, reply, reply_len);
		return 1;
	}
	cc->owner->auth_failures++;
	ilog(control, LOG_WARN, "%s refused: %s", cc->peer, why);
	conn_reply(cc, reply, reply_len);
	conn_close_after(cc);
	return 0;
}

static void on_read(struct bufferevent *bev, void *arg)
{
	control_conn_t *cc = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	while(!cc->closing) {
		size_t eol_len = 0, reply_len = 0;
		struct evbuffer_ptr eol =
				evbuffer_search_eol(in, NULL, &eol_len, EVBUFFER_EOL_LF);
		size_t len;
		size_t max_line = cc->trusted ? (size_t)cc->owner->max_line
									  : CONTROL_AUTH_MAX_LINE;
		char *line;

		if(eol.pos < 0) {
			if(evbuffer_get_length(in) > max_line) {
				cc->owner->oversized++;
				ilog(control, LOG_WARN,
						"%s: request longer than %zu bytes: closing connection",
						cc->peer, max_line);
				conn_reply_error(cc, JSONRPC_INVALID_REQUEST, "request too long");
				conn_close_after(cc);
			}
			return;
		}
		len = (size_t)eol.pos;
		if(!cc->trusted && len > max_line) {
			cc->owner->oversized++;
			ilog(control, LOG_WARN, "%s: first request too long: closing",
					cc->peer);
			conn_reply_error(cc, JSONRPC_INVALID_REQUEST, "request too long");
			conn_close_after(cc);
			return;
		}
		if(len > max_line) {
			evbuffer_drain(in, len + eol_len);
			cc->owner->oversized++;
			conn_reply_error(cc, JSONRPC_INVALID_REQUEST, "request too long");
			continue;
		}
		line = (char *)evbuffer_pullup(in, (ssize_t)(len + eol_len));
		if(len > 0 && line[len - 1] == '\r')
			len--; /* tolerate CRLF from hand-typed requests */
		if(len > 0 && !cc->trusted) {
			int ok = conn_authenticate(cc, line, len);
			if(!ok)
				return; /* cc may be gone */
		} else if(len > 0) {
			char *reply = cc->owner->dispatch(line, len, &reply_len);
			conn_reply(cc, reply, reply_len);
		}
		evbuffer_drain(in, (size_t)eol.pos + eol_len);
	}
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	control_conn_t *cc = arg;
	(void)bev;
	if(what & BEV_EVENT_ERROR)
		ilog(control, LOG_DEBUG, "connection error: %s",
				strerror(EVUTIL_SOCKET_ERROR()));
	if(what & BEV_EVENT_TIMEOUT) {
		cc->owner->auth_failures++;
		ilog(control, LOG_WARN, "%s refused: no auth within %d s", cc->peer,
				cc->owner->auth_timeout_s);
	}
	if(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
		conn_free(cc);
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd,
		struct sockaddr *sa, int salen, void *arg)
{
	control_t *c = arg;
	control_conn_t *cc = calloc(1, sizeof(*cc));

	(void)l;
	if(cc == NULL) {
		ilog(control, LOG_ERR, "out of memory: refusing connection");
		evutil_closesocket(fd);
		return;
	}
	cc->owner = c;
	/* the file mode of a UNIX socket says who may connect */
	cc->trusted = sa == NULL || sa->sa_family == AF_UNIX
				  || (c->secret == NULL && c->insecure);
	if(sa && sa->sa_family != AF_UNIX) {
		/* answers go out at once: with Nagle, an answer behind one the
		 * client has not acknowledged yet would wait for its delayed ACK */
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		char host[48], port[8];
		if(getnameinfo(sa, (socklen_t)salen, host, sizeof(host), port,
				   sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV)
				== 0)
			snprintf(cc->peer, sizeof(cc->peer), "tcp:%s:%s", host, port);
		else
			snprintf(cc->peer, sizeof(cc->peer), "tcp client");
	} else {
		snprintf(cc->peer, sizeof(cc->peer), "unix client");
	}
	cc->bev = bufferevent_socket_new(c->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if(cc->bev == NULL) {
		evutil_closesocket(fd);
		free(cc);
		return;
	}
	LIST_INSERT_HEAD(&c->conns, cc, link);
	c->accepted++;
	c->open++;
	bufferevent_setcb(cc->bev, on_read, on_write, on_event, cc);
	if(!cc->trusted) {
		struct timeval tv = {c->auth_timeout_s, 0};
		bufferevent_set_timeouts(cc->bev, &tv, NULL);
	}
	bufferevent_enable(cc->bev, EV_READ | EV_WRITE);
}

control_t *control_new(struct event_base *base, int max_line,
		const control_access_t *access, control_dispatch_fn dispatch)
{
	control_t *c = calloc(1, sizeof(*c));
	if(c == NULL)
		return NULL;
	c->base = base;
	c->max_line = max_line;
	c->dispatch = dispatch;
	c->insecure = access->insecure;
	c->auth_timeout_s = access->auth_timeout_s > 0 ? access->auth_timeout_s : 10;
	c->secret = access->secret ? strdup(access->secret) : NULL;
	c->unix_group = access->unix_group ? strdup(access->unix_group) : NULL;
	LIST_INIT(&c->conns);
	return c;
}

int control_secret_ok(const control_t *c, const char *given, size_t len)
{
	if(c == NULL || c->secret == NULL)
		return 1;
	return control_auth_match(c->secret, given, len);
}

/* Binds a UNIX listener readable and writable by the relay's user only (and
 * its group when one is configured): the umask covers the moment between
 * bind() and a chmod(), when a looser mode would let anyone connect. */
static struct evconnlistener *listen_unix(control_t *c, im_addr_t *addr,
		const char *path, const char *text, char *err, size_t errlen)
{
	struct evconnlistener *l;
	gid_t gid = (gid_t)-1;
	mode_t old;

	if(c->unix_group) {
		struct group *g = getgrnam(c->unix_group);
		if(g == NULL) {
			snprintf(err, errlen, "control_group %s: no such group",
					c->unix_group);
			return NULL;
		}
		gid = g->gr_gid;
	}
	unlink(path); /* a stale socket from a previous run */
	old = umask(0177);
	l = evconnlistener_new_bind(c->base, on_accept, c,
			LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
			64, (struct sockaddr *)&addr->sa, (int)addr->salen);
	umask(old);
	if(l == NULL) {
		snprintf(err, errlen, "control %s: %s", text, strerror(errno));
		return NULL;
	}
	if(gid != (gid_t)-1
			&& (chown(path, (uid_t)-1, gid) < 0 || chmod(path, 0660) < 0)) {
		snprintf(err, errlen, "control %s: group %s: %s", text, c->unix_group,
				strerror(errno));
		evconnlistener_free(l);
		unlink(path);
		return NULL;
	}
	return l;
}

int control_listen(control_t *c, const char *text, char *err, size_t errlen)
{
	im_addr_t addr;
	struct evconnlistener *l;
	char *path = NULL;

	if(c->nlisteners == CONTROL_LISTENERS_MAX) {
		snprintf(err, errlen, "too many control listeners");
		return -1;
	}
	if(im_addr_parse(text, strlen(text), &addr, err, errlen) < 0)
		return -1;
	if(addr.proto == IM_ADDR_UDP) {
		snprintf(err, errlen, "control %s: use tcp: or unix:", text);
		return -1;
	}
	if(addr.proto == IM_ADDR_UNIX) {
		path = strdup(((struct sockaddr_un *)&addr.sa)->sun_path);
		if(path == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		l = listen_unix(c, &addr, path, text, err, errlen);
		if(l == NULL) {
			free(path);
			return -1;
		}
	} else {
		if(c->secret == NULL && !c->insecure) {
			snprintf(err, errlen,
					"control %s: a TCP control listener needs "
					"control_secret or control_secret_file (or "
					"control_insecure = yes, which lets anyone who can reach "
					"the port administer the relay); use a unix: socket "
					"otherwise",
					text);
			return -1;
		}
		l = evconnlistener_new_bind(c->base, on_accept, c,
				LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE
						| LEV_OPT_CLOSE_ON_EXEC,
				64, (struct sockaddr *)&addr.sa, (int)addr.salen);
		if(l == NULL) {
			snprintf(err, errlen, "control %s: %s", text, strerror(errno));
			return -1;
		}
		if(c->secret == NULL)
			ilog(control, LOG_WARN,
					"control %s accepts anyone (control_insecure): any local "
					"user can list, create and destroy sessions",
					text);
	}
	c->listeners[c->nlisteners] = l;
	c->unix_paths[c->nlisteners] = path;
	c->nlisteners++;
	ilog(control, LOG_INFO, "listening on %s%s", text,
			path ? (c->unix_group ? " (mode 0660)" : " (mode 0600)")
				 : (c->secret ? " (auth required)" : ""));
	return 0;
}

void control_close_listeners(control_t *c)
{
	for(int i = 0; i < c->nlisteners; i++) {
		evconnlistener_free(c->listeners[i]);
		if(c->unix_paths[i]) {
			unlink(c->unix_paths[i]);
			free(c->unix_paths[i]);
		}
	}
	c->nlisteners = 0;
}

void control_free(control_t *c)
{
	control_conn_t *cc;

	if(c == NULL)
		return;
	control_close_listeners(c);
	while((cc = LIST_FIRST(&c->conns)) != NULL)
		conn_free(cc);
	if(c->secret)
		OPENSSL_cleanse(c->secret, strlen(c->secret));
	free(c->secret);
	free(c->unix_group);
	free(c);
}

json_t *control_stats(const control_t *c)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:i}", "accepted",
			(json_int_t)c->accepted, "open", (json_int_t)c->open, "oversized",
			(json_int_t)c->oversized, "auth_failures",
			(json_int_t)c->auth_failures, "listeners", c->nlisteners);
}
