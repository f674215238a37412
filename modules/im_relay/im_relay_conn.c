#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/dprint.h"
#include "core/mem/mem.h"

#include "im_relay_conn.h"
#include "im_secret.h"

int imr_timeout_ms = 300;
int imr_max_reply_size = 1024 * 1024;
str imr_control_secret = STR_NULL;
str imr_control_secret_file = STR_NULL;

/* the secret as sent, set once in mod_init (every process inherits it) */
static char *imr_secret = NULL;

/* replies to posted requests a connection may leave unread */
#define IMR_POST_UNREAD_MAX 64

typedef struct imr_conn {
	int fd;
	int unread; /* replies to requests sent without waiting (imr_post) */
	json_int_t next_id;
	char *buf;
	size_t len;
	size_t cap;
} imr_conn_t;

/* per process, indexed like imr_relays; allocated on first use */
static imr_conn_t *imr_conns = NULL;

enum { IO_OK = 0, IO_ERROR = -1, IO_TIMEOUT = -2, IO_CLOSED = -3 };

static long long now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static int wait_fd(int fd, short events, long long deadline_us)
{
	struct pollfd pfd = {.fd = fd, .events = events};
	for(;;) {
		long long left = deadline_us - now_us();
		int n;
		if(left <= 0)
			return IO_TIMEOUT;
		n = poll(&pfd, 1, (int)((left + 999) / 1000));
		if(n > 0)
			return IO_OK;
		if(n == 0)
			return IO_TIMEOUT;
		if(errno != EINTR)
			return IO_ERROR;
	}
}

static void conn_close(imr_conn_t *c)
{
	if(c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->len = 0;
	c->unread = 0;
}

static imr_conn_t *conn_get(imr_relay_t *r)
{
	if(imr_conns == NULL) {
		imr_conns = pkg_malloc(sizeof(imr_conn_t) * imr_relay_count);
		if(imr_conns == NULL) {
			PKG_MEM_ERROR;
			return NULL;
		}
		memset(imr_conns, 0, sizeof(imr_conn_t) * imr_relay_count);
		for(int i = 0; i < imr_relay_count; i++)
			imr_conns[i].fd = -1;
	}
	return &imr_conns[r->index];
}

void imr_conn_close_all(void)
{
	if(imr_conns == NULL)
		return;
	for(int i = 0; i < imr_relay_count; i++) {
		conn_close(&imr_conns[i]);
		if(imr_conns[i].buf)
			pkg_free(imr_conns[i].buf);
	}
	pkg_free(imr_conns);
	imr_conns = NULL;
}

static int conn_open(imr_relay_t *r, imr_conn_t *c, long long deadline,
		char *err, size_t errlen)
{
	int fd, rc, soerr = 0, one = 1;
	socklen_t slen = sizeof(soerr);

	fd = socket(r->addr.sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			0);
	if(fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return IO_ERROR;
	}
	if(r->addr.proto == IM_ADDR_TCP)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if(connect(fd, (struct sockaddr *)&r->addr.sa, r->addr.salen) < 0) {
		if(errno != EINPROGRESS && errno != EAGAIN) {
			snprintf(err, errlen, "connect: %s", strerror(errno));
			close(fd);
			return IO_ERROR;
		}
		rc = wait_fd(fd, POLLOUT, deadline);
		if(rc != IO_OK) {
			snprintf(err, errlen, "connect: %s",
					rc == IO_TIMEOUT ? "timeout" : strerror(errno));
			close(fd);
			return rc;
		}
		if(getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &slen) < 0 || soerr) {
			snprintf(err, errlen, "connect: %s", strerror(soerr ? soerr : errno));
			close(fd);
			return IO_ERROR;
		}
	}
	c->fd = fd;
	c->len = 0;
	return IO_OK;
}

static int conn_send(imr_conn_t *c, const char *data, size_t len,
		long long deadline, char *err, size_t errlen)
{
	while(len > 0) {
		ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL);
		if(n > 0) {
			data += n;
			len -= (size_t)n;
			continue;
		}
		if(n < 0 && (errno == EAGAIN || errno == EINTR)) {
			int rc = wait_fd(c->fd, POLLOUT, deadline);
			if(rc == IO_TIMEOUT) {
				snprintf(err, errlen, "send: timeout");
				return IO_TIMEOUT;
			}
			if(rc != IO_OK) {
				snprintf(err, errlen, "send: %s", strerror(errno));
				return IO_ERROR;
			}
			continue;
		}
		snprintf(err, errlen, "send: %s", strerror(errno));
		return (errno == EPIPE || errno == ECONNRESET) ? IO_CLOSED : IO_ERROR;
	}
	return IO_OK;
}

/* Reads until a full line is buffered; *linelen excludes the '\n'. */
static int conn_read_line(imr_conn_t *c, long long deadline, size_t *linelen,
		char *err, size_t errlen)
{
	for(;;) {
		char *nl = c->len ? memchr(c->buf, '\n', c->len) : NULL;
		ssize_t n;
		if(nl) {
			*linelen = (size_t)(nl - c->buf);
			return IO_OK;
		}
		if(c->len == c->cap) {
			size_t ncap = c->cap ? c->cap * 2 : 4096;
			char *nbuf;
			if(c->cap >= (size_t)imr_max_reply_size) {
				snprintf(err, errlen, "reply longer than %d bytes",
						imr_max_reply_size);
				return IO_ERROR;
			}
			if(ncap > (size_t)imr_max_reply_size)
				ncap = (size_t)imr_max_reply_size;
			nbuf = pkg_realloc(c->buf, ncap);
			if(nbuf == NULL) {
				PKG_MEM_ERROR;
				snprintf(err, errlen, "out of pkg memory");
				return IO_ERROR;
			}
			c->buf = nbuf;
			c->cap = ncap;
		}
		/* a reply is never there the instant the request left: wait first
		 * (one recv that would fail less per call) */
		if(!c->len) {
			int rc = wait_fd(c->fd, POLLIN, deadline);
			if(rc == IO_TIMEOUT) {
				snprintf(err, errlen, "no reply within %d ms", imr_timeout_ms);
				return IO_TIMEOUT;
			}
		}
		n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
		if(n > 0) {
			c->len += (size_t)n;
			continue;
		}
		if(n == 0) {
			snprintf(err, errlen, "relay closed the connection");
			return IO_CLOSED;
		}
		if(errno == EAGAIN || errno == EINTR) {
			int rc = wait_fd(c->fd, POLLIN, deadline);
			if(rc == IO_TIMEOUT) {
				snprintf(err, errlen, "no reply within %d ms", imr_timeout_ms);
				return IO_TIMEOUT;
			}
			if(rc != IO_OK) {
				snprintf(err, errlen, "recv: %s", strerror(errno));
				return IO_ERROR;
			}
			continue;
		}
		snprintf(err, errlen, "recv: %s", strerror(errno));
		return errno == ECONNRESET ? IO_CLOSED : IO_ERROR;
	}
}

static void consume_line(imr_conn_t *c, size_t linelen)
{
	size_t used = linelen + 1;
	memmove(c->buf, c->buf + used, c->len - used);
	c->len -= used;
}

/* Interprets one reply line. */
static imr_call_status_t parse_reply(const char *line, size_t len,
		json_int_t id, json_t **result, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *reply, *rid, *res, *error;
	imr_call_status_t status = IMR_CALL_FAILED;

	reply = json_loadb(line, len, 0, &jerr);
	if(reply == NULL || !json_is_object(reply)) {
		snprintf(err, errlen, "relay sent a reply that is not a JSON object");
		goto done;
	}
	rid = json_object_get(reply, "id");
	if(!json_is_integer(rid) || json_integer_value(rid) != id) {
		snprintf(err, errlen, "reply id does not match request %lld",
				(long long)id);
		goto done;
	}
	error = json_object_get(reply, "error");
	if(error) {
		const char *msg = json_string_value(json_object_get(error, "message"));
		snprintf(err, errlen, "relay error %lld: %s",
				(long long)json_integer_value(json_object_get(error, "code")),
				msg ? msg : "(no message)");
		status = IMR_CALL_RPC_ERROR;
		goto done;
	}
	res = json_object_get(reply, "result");
	if(res == NULL) {
		snprintf(err, errlen, "reply has neither result nor error");
		goto done;
	}
	*result = json_incref(res);
	status = IMR_CALL_OK;
done:
	if(reply)
		json_decref(reply);
	return status;
}

static char *request_line(json_int_t id, const char *method, json_t *params,
		char *err, size_t errlen);

/* A TCP relay checks who we are before it reads anything else (issue 8):
 * the auth exchange opens every new connection, inside the same deadline
 * as the request that needed the connection. */
static int conn_auth(imr_conn_t *c, long long deadline, char *err,
		size_t errlen)
{
	json_t *params, *result = NULL;
	json_int_t id = ++c->next_id;
	char *req;
	size_t linelen;
	int rc;

	params = json_pack("{s:s}", "secret", imr_secret);
	req = params ? request_line(id, "auth", params, err, errlen) : NULL;
	if(params)
		json_decref(params);
	if(req == NULL)
		return IO_ERROR;
	rc = conn_send(c, req, strlen(req), deadline, err, errlen);
	/* the secret does not linger in freed memory */
	memset(req, 0, strlen(req));
	free(req);
	if(rc == IO_OK)
		rc = conn_read_line(c, deadline, &linelen, err, errlen);
	if(rc != IO_OK)
		return rc;
	if(parse_reply(c->buf, linelen, id, &result, err, errlen) != IMR_CALL_OK) {
		char why[IMR_ERROR_MAX];
		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errlen, "auth: %s", why);
		return IO_ERROR;
	}
	json_decref(result);
	consume_line(c, linelen);
	return IO_OK;
}

/* A fresh connection, authenticated where the relay wants it. */
static int conn_connect(imr_relay_t *r, imr_conn_t *c, long long deadline,
		char *err, size_t errlen)
{
	int rc = conn_open(r, c, deadline, err, errlen);

	if(rc == IO_OK && imr_secret && r->addr.proto == IM_ADDR_TCP) {
		rc = conn_auth(c, deadline, err, errlen);
		if(rc != IO_OK)
			conn_close(c);
	}
	return rc;
}

/* Reads and drops the replies to posted requests until at most keep are
 * left unread. */
static int skip_unread(imr_conn_t *c, int keep, long long deadline, char *err,
		size_t errlen)
{
	size_t linelen;
	int rc = IO_OK;

	while(rc == IO_OK && c->unread > keep) {
		rc = conn_read_line(c, deadline, &linelen, err, errlen);
		if(rc == IO_OK) {
			consume_line(c, linelen);
			c->unread--;
		}
	}
	return rc;
}

/* One JSON-RPC request as the line the relay reads (malloc'ed). */
static char *request_line(json_int_t id, const char *method, json_t *params,
		char *err, size_t errlen)
{
	json_t *jreq = json_pack(
			"{s:s, s:I, s:s}", "jsonrpc", "2.0", "id", id, "method", method);
	char *req, *line;
	size_t l;

	if(jreq && params)
		json_object_set(jreq, "params", params);
	req = jreq ? json_dumps(jreq, JSON_COMPACT) : NULL;
	if(jreq)
		json_decref(jreq);
	if(req == NULL) {
		snprintf(err, errlen, "cannot encode request");
		return NULL;
	}
	/* one object per line; jansson escapes newlines inside */
	l = strlen(req);
	line = realloc(req, l + 2);
	if(line == NULL) {
		free(req);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	line[l] = '\n';
	line[l + 1] = '\0';
	return line;
}

imr_call_status_t imr_call(imr_relay_t *r, const char *method, json_t *params,
		json_t **result, char *err, size_t errlen)
{
	long long start = now_us();
	long long deadline = start + (long long)imr_timeout_ms * 1000;
	imr_conn_t *c = conn_get(r);
	imr_call_status_t status = IMR_CALL_FAILED;
	char *req = NULL;
	json_int_t id;
	int rc = IO_ERROR, attempt;
	size_t linelen;

	*result = NULL;
	if(c == NULL) {
		snprintf(err, errlen, "out of pkg memory");
		return IMR_CALL_FAILED;
	}
	id = ++c->next_id;
	req = request_line(id, method, params, err, errlen);
	if(req == NULL)
		goto out;

	/* A kept-alive connection may have died since the last call (relay
	 * restarted): then retry once on a fresh one. Commands are idempotent
	 * on their ids, so a retry is safe. */
	for(attempt = 0; attempt < 2; attempt++) {
		int fresh = c->fd < 0;
		if(fresh) {
			rc = conn_connect(r, c, deadline, err, errlen);
			if(rc != IO_OK)
				break;
		}
		rc = conn_send(c, req, strlen(req), deadline, err, errlen);
		/* the answers to what was posted come first */
		if(rc == IO_OK)
			rc = skip_unread(c, 0, deadline, err, errlen);
		if(rc == IO_OK)
			rc = conn_read_line(c, deadline, &linelen, err, errlen);
		if(rc == IO_OK)
			break;
		conn_close(c);
		if(rc != IO_CLOSED || fresh)
			break;
	}
	if(rc != IO_OK) {
		imr_relay_record_failure(r, rc == IO_TIMEOUT, err);
		goto out;
	}

	status = parse_reply(c->buf, linelen, id, result, err, errlen);
	if(status == IMR_CALL_FAILED) {
		conn_close(c);
		imr_relay_record_failure(r, 0, err);
	} else {
		consume_line(c, linelen);
		imr_relay_record_ok(r, (unsigned int)(now_us() - start));
	}
out:
	if(req)
		free(req);
	return status;
}

int imr_post(imr_relay_t *r, const char *method, json_t *params, char *err,
		size_t errlen)
{
	long long deadline = now_us() + (long long)imr_timeout_ms * 1000;
	imr_conn_t *c = conn_get(r);
	char *req;
	int rc;

	if(c == NULL) {
		snprintf(err, errlen, "out of pkg memory");
		return -1;
	}
	req = request_line(++c->next_id, method, params, err, errlen);
	if(req == NULL)
		return -1;
	/* as imr_call: a kept-alive connection to a relay that restarted
	 * since (EPIPE, EOF) is replaced once; otherwise this process would
	 * mark a live relay down and leave its leg or session behind */
	for(int attempt = 0; attempt < 2; attempt++) {
		int fresh = c->fd < 0;

		rc = fresh ? conn_connect(r, c, deadline, err, errlen) : IO_OK;
		/* a process that only posts must still read its answers some
		 * time, or they fill the socket and then the relay's queue */
		if(rc == IO_OK)
			rc = skip_unread(c, IMR_POST_UNREAD_MAX, deadline, err, errlen);
		if(rc == IO_OK)
			rc = conn_send(c, req, strlen(req), deadline, err, errlen);
		if(rc == IO_OK || rc != IO_CLOSED || fresh)
			break;
		conn_close(c);
	}
	free(req);
	if(rc != IO_OK) {
		conn_close(c);
		imr_relay_record_failure(r, rc == IO_TIMEOUT, err);
		return -1;
	}
	c->unread++;
	return 0;
}

int imr_conn_init(void)
{
	char line[1024], why[1200];
	int n;

	if(imr_control_secret.len > 0 && imr_control_secret_file.len > 0) {
		LM_ERR("control_secret and control_secret_file are both set\n");
		return -1;
	}
	if(imr_control_secret.len > 0) {
		imr_secret = imr_control_secret.s;
		return 0;
	}
	if(imr_control_secret_file.len <= 0)
		return 0;
	n = im_secret_file_read(imr_control_secret_file.s, S_IRWXO, line,
			sizeof(line), why, sizeof(why));
	if(n < 0) {
		LM_ERR("control_secret_file %s\n", why);
		return -1;
	}
	imr_secret = pkg_malloc(n + 1);
	if(imr_secret == NULL) {
		PKG_MEM_ERROR;
		return -1;
	}
	memcpy(imr_secret, line, n + 1);
	memset(line, 0, sizeof(line));
	return 0;
}
