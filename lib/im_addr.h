/*
 * Transport addresses as operators write them in configuration:
 *
 *   tcp:127.0.0.1:9070   tcp:[::1]:9070   udp:127.0.0.1:5061   unix:/run/x.sock
 *
 * Shared by the Kamailio modules and the relay daemon. Pure C, no
 * allocation, no name resolution (numeric hosts only, so a lookup can never
 * stall a SIP worker); errors are reported through an err buffer and the
 * caller decides what to log.
 */
#ifndef IM_ADDR_H
#define IM_ADDR_H

#include <stddef.h>
#include <sys/socket.h>

typedef enum im_addr_proto {
	IM_ADDR_TCP = 1,
	IM_ADDR_UDP,
	IM_ADDR_UNIX,
} im_addr_proto_t;

typedef struct im_addr {
	im_addr_proto_t proto;
	struct sockaddr_storage sa;
	socklen_t salen;
} im_addr_t;

/* Parses len bytes of text. Returns 0, or -1 with a reason in err. */
int im_addr_parse(const char *text, size_t len, im_addr_t *addr, char *err,
		size_t errlen);

/* Writes the canonical text form ("tcp:[::1]:9070"); returns its length. */
int im_addr_format(const im_addr_t *addr, char *buf, size_t buflen);

/* SOCK_STREAM for tcp and unix, SOCK_DGRAM for udp. */
int im_addr_socktype(const im_addr_t *addr);

const char *im_addr_proto_name(im_addr_proto_t proto);

#endif
