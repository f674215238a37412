#include "control.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control_cmds.h"
#include "im_addr.h"
#include "jsonrpc.h"
#include "log.h"

#define CONTROL_LISTENERS_MAX 8

typedef struct control_conn {
	LIST_ENTRY(control_conn) link;
	control_t *owner;
	struct bufferevent *bev;
	int closing; /* close once the reply is flushed */
} control_conn_t;

struct control {
	struct event_base *base;
	int max_line;
	struct evconnlistener *listeners[CONTROL_LISTENERS_MAX];
	char *unix_paths[CONTROL_LISTENERS_MAX];
	int nlisteners;
	LIST_HEAD(, control_conn) conns;
	unsigned long accepted, open, oversized;
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

static void on_read(struct bufferevent *bev, void *arg)
{
	control_conn_t *cc = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	while(!cc->closing) {
		size_t eol_len = 0, reply_len = 0;
		struct evbuffer_ptr eol =
				evbuffer_search_eol(in, NULL, &eol_len, EVBUFFER_EOL_LF);
		size_t len;
		char *line;

		if(eol.pos < 0) {
			if(evbuffer_get_length(in) > (size_t)cc->owner->max_line) {
				cc->owner->oversized++;
				ilog(control, LOG_WARN,
						"request longer than %d bytes: closing connection",
						cc->owner->max_line);
				conn_reply_error(cc, JSONRPC_INVALID_REQUEST, "request too long");
				cc->closing = 1;
				bufferevent_disable(bev, EV_READ);
				/* the answer went out directly: nothing left to wait for */
				if(evbuffer_get_length(bufferevent_get_output(bev)) == 0)
					conn_free(cc);
			}
			return;
		}
		len = (size_t)eol.pos;
		if(len > (size_t)cc->owner->max_line) {
			evbuffer_drain(in, len + eol_len);
			cc->owner->oversized++;
			conn_reply_error(cc, JSONRPC_INVALID_REQUEST, "request too long");
			continue;
		}
		line = (char *)evbuffer_pullup(in, (ssize_t)(len + eol_len));
		if(len > 0 && line[len - 1] == '\r')
			len--; /* tolerate CRLF from hand-typed requests */
		if(len > 0) {
			char *reply = control_dispatch(line, len, &reply_len);
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
	if(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		conn_free(cc);
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd,
		struct sockaddr *sa, int salen, void *arg)
{
	control_t *c = arg;
	control_conn_t *cc = calloc(1, sizeof(*cc));

	(void)l;
	(void)salen;
	if(cc == NULL) {
		ilog(control, LOG_ERR, "out of memory: refusing connection");
		evutil_closesocket(fd);
		return;
	}
	cc->owner = c;
	/* answers go out at once: with Nagle, an answer behind one the client
	 * has not acknowledged yet would wait for its delayed ACK */
	if(sa && sa->sa_family != AF_UNIX) {
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
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
	bufferevent_enable(cc->bev, EV_READ | EV_WRITE);
}

control_t *control_new(struct event_base *base, int max_line)
{
	control_t *c = calloc(1, sizeof(*c));
	if(c == NULL)
		return NULL;
	c->base = base;
	c->max_line = max_line;
	LIST_INIT(&c->conns);
	return c;
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
		unlink(path); /* a stale socket from a previous run */
	}
	l = evconnlistener_new_bind(c->base, on_accept, c,
			LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
			64, (struct sockaddr *)&addr.sa, (int)addr.salen);
	if(l == NULL) {
		snprintf(err, errlen, "control %s: %s", text, strerror(errno));
		free(path);
		return -1;
	}
	if(path)
		chmod(path, 0660);
	c->listeners[c->nlisteners] = l;
	c->unix_paths[c->nlisteners] = path;
	c->nlisteners++;
	ilog(control, LOG_INFO, "listening on %s", text);
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
	free(c);
}

json_t *control_stats(const control_t *c)
{
	return json_pack("{s:I, s:I, s:I, s:i}", "accepted",
			(json_int_t)c->accepted, "open", (json_int_t)c->open, "oversized",
			(json_int_t)c->oversized, "listeners", c->nlisteners);
}
