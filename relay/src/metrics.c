#include "metrics.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "im_addr.h"
#include "log.h"
#include "stats.h"

static struct evhttp *http;

static void on_request(struct evhttp_request *req, void *arg)
{
	const char *uri = evhttp_request_get_uri(req);
	struct evbuffer *out;
	char *text;

	(void)arg;
	if(evhttp_request_get_command(req) != EVHTTP_REQ_GET || strcmp(uri, "/metrics") != 0) {
		evhttp_send_error(req, HTTP_NOTFOUND, "only GET /metrics");
		return;
	}
	text = stats_prometheus();
	out = evbuffer_new();
	evbuffer_add(out, text, strlen(text));
	free(text);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
			"text/plain; version=0.0.4");
	evhttp_send_reply(req, HTTP_OK, "OK", out);
	evbuffer_free(out);
}

int metrics_start(struct event_base *base, const char *addr, char *err,
		size_t errlen)
{
	im_addr_t a;
	char host[INET6_ADDRSTRLEN];
	unsigned port;

	if(im_addr_parse(addr, strlen(addr), &a, err, errlen) < 0)
		return -1;
	if(a.proto != IM_ADDR_TCP) {
		snprintf(err, errlen, "metrics_listen: tcp:IP:PORT");
		return -1;
	}
	if(a.sa.ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&a.sa)->sin6_addr, host, sizeof(host));
		port = ntohs(((struct sockaddr_in6 *)&a.sa)->sin6_port);
	} else {
		inet_ntop(AF_INET, &((struct sockaddr_in *)&a.sa)->sin_addr, host, sizeof(host));
		port = ntohs(((struct sockaddr_in *)&a.sa)->sin_port);
	}
	http = evhttp_new(base);
	if(!http || evhttp_bind_socket(http, host, (unsigned short)port) < 0) {
		snprintf(err, errlen, "metrics_listen %s: cannot bind", addr);
		return -1;
	}
	evhttp_set_gencb(http, on_request, NULL);
	ilog(metrics, LOG_INFO, "metrics on http://%s:%u/metrics", host, port);
	return 0;
}

void metrics_stop(void)
{
	if(http)
		evhttp_free(http);
	http = NULL;
}
