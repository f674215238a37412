#include "im_addr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if(err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

const char *im_addr_proto_name(im_addr_proto_t proto)
{
	switch(proto) {
		case IM_ADDR_TCP:
			return "tcp";
		case IM_ADDR_UDP:
			return "udp";
		case IM_ADDR_UNIX:
			return "unix";
	}
	return "?";
}

int im_addr_socktype(const im_addr_t *addr)
{
	return addr->proto == IM_ADDR_UDP ? SOCK_DGRAM : SOCK_STREAM;
}

static int parse_port(const char *s, size_t len, unsigned *port)
{
	unsigned v = 0;
	size_t i;

	if(len == 0 || len > 5)
		return -1;
	for(i = 0; i < len; i++) {
		if(s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if(v == 0 || v > 65535)
		return -1;
	*port = v;
	return 0;
}

static int parse_inet(const char *s, size_t len, im_addr_t *addr, char *err,
		size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon, *hs;
	size_t hlen;
	unsigned port;

	if(len > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', len);
		if(!close)
			return fail(err, errlen, "missing ']' after IPv6 address");
		hs = s + 1;
		hlen = (size_t)(close - hs);
		if((size_t)(close - s) + 1 >= len || close[1] != ':')
			return fail(err, errlen, "missing port after IPv6 address");
		colon = close + 1;
	} else {
		colon = NULL;
		for(size_t i = len; i > 0; i--) {
			if(s[i - 1] == ':') {
				colon = s + i - 1;
				break;
			}
		}
		if(!colon)
			return fail(err, errlen, "missing port");
		hs = s;
		hlen = (size_t)(colon - s);
	}
	if(hlen == 0 || hlen >= sizeof(host))
		return fail(err, errlen, "bad host");
	if(parse_port(colon + 1, len - (size_t)(colon + 1 - s), &port) < 0)
		return fail(err, errlen, "bad port '%.*s'",
				(int)(len - (size_t)(colon + 1 - s)), colon + 1);
	memcpy(host, hs, hlen);
	host[hlen] = '\0';

	memset(&addr->sa, 0, sizeof(addr->sa));
	if(s[0] != '[') {
		struct sockaddr_in *in4 = (struct sockaddr_in *)&addr->sa;
		if(inet_pton(AF_INET, host, &in4->sin_addr) != 1)
			return fail(err, errlen,
					"'%s' is not a numeric IPv4 address (use [..] for IPv6)",
					host);
		in4->sin_family = AF_INET;
		in4->sin_port = htons((unsigned short)port);
		addr->salen = sizeof(*in4);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&addr->sa;
		if(inet_pton(AF_INET6, host, &in6->sin6_addr) != 1)
			return fail(err, errlen, "'%s' is not a numeric IPv6 address",
					host);
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((unsigned short)port);
		addr->salen = sizeof(*in6);
	}
	return 0;
}

int im_addr_parse(const char *text, size_t len, im_addr_t *addr, char *err,
		size_t errlen)
{
	static const struct {
		const char *prefix;
		size_t plen;
		im_addr_proto_t proto;
	} protos[] = {
			{"tcp:", 4, IM_ADDR_TCP},
			{"udp:", 4, IM_ADDR_UDP},
			{"unix:", 5, IM_ADDR_UNIX},
	};
	size_t i;

	if(!text || !addr)
		return fail(err, errlen, "no address");
	for(i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		if(len >= protos[i].plen
				&& memcmp(text, protos[i].prefix, protos[i].plen) == 0)
			break;
	}
	if(i == sizeof(protos) / sizeof(protos[0]))
		return fail(err, errlen,
				"address '%.*s' must start with tcp:, udp: or unix:",
				(int)(len > 64 ? 64 : len), text);
	addr->proto = protos[i].proto;
	text += protos[i].plen;
	len -= protos[i].plen;

	if(addr->proto != IM_ADDR_UNIX)
		return parse_inet(text, len, addr, err, errlen);

	struct sockaddr_un *un = (struct sockaddr_un *)&addr->sa;
	if(len == 0)
		return fail(err, errlen, "empty unix socket path");
	if(len >= sizeof(un->sun_path))
		return fail(err, errlen, "unix socket path longer than %zu bytes",
				sizeof(un->sun_path) - 1);
	if(memchr(text, '\0', len))
		return fail(err, errlen, "NUL in unix socket path");
	memset(un, 0, sizeof(*un));
	un->sun_family = AF_UNIX;
	memcpy(un->sun_path, text, len);
	addr->salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
	return 0;
}

int im_addr_format(const im_addr_t *addr, char *buf, size_t buflen)
{
	char host[INET6_ADDRSTRLEN];
	const char *proto = im_addr_proto_name(addr->proto);

	switch(addr->sa.ss_family) {
		case AF_INET: {
			const struct sockaddr_in *in4 =
					(const struct sockaddr_in *)&addr->sa;
			inet_ntop(AF_INET, &in4->sin_addr, host, sizeof(host));
			return snprintf(buf, buflen, "%s:%s:%u", proto, host,
					ntohs(in4->sin_port));
		}
		case AF_INET6: {
			const struct sockaddr_in6 *in6 =
					(const struct sockaddr_in6 *)&addr->sa;
			inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
			return snprintf(buf, buflen, "%s:[%s]:%u", proto, host,
					ntohs(in6->sin6_port));
		}
		case AF_UNIX:
			return snprintf(buf, buflen, "unix:%s",
					((const struct sockaddr_un *)&addr->sa)->sun_path);
	}
	return snprintf(buf, buflen, "?");
}
