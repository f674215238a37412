/*
 * The RFC 3428 size rule for pager-mode MESSAGEs (MSG-04): a MESSAGE of
 * more than 1300 bytes never leaves over UDP. Before the request is
 * relayed, each of its destinations (the Request-URI's and every branch
 * lookup() appended) that would be reached over UDP is moved onto the TCP
 * or TLS connection the contact already has with us from the same
 * address and port, if any (a client registered over TCP whose Contact
 * names no transport). What is still UDP then is dropped by the script's
 * onsend_route when the request as sent is over 1300 bytes, and a
 * MESSAGE left with no destination at all is answered 513 (see README).
 *
 * No new connection is opened towards a contact registered over UDP: a
 * client that does not listen on TCP would only show it when tm's
 * fr_timer expires, and the sender would wait that long for the refusal.
 */
#include <stdio.h>
#include <string.h>

#include "core/dprint.h"
#include "core/dset.h"
#include "core/ip_addr.h"
#include "core/parser/parse_uri.h"
#include "core/resolve.h"
#include "core/tcp_conn.h"
#include "core/ut.h"

#include "im_pf_pager.h"

/* what our Via and Server headers add to the request as received; a
 * MESSAGE that may come near the limit is moved to TCP where it can be */
#define IMPF_PAGER_ADDED 160

/* The connection-oriented transport of an open connection with the
 * UDP destination dst (a "sip:" URI), as "tcp" or "tls"; NULL when the
 * destination is not UDP, is not an IP address, or has no connection. */
static const char *open_connection(const str *dst, str *hostport)
{
	struct sip_uri u;
	struct ip_addr *ip;
	struct tcp_connection *c;
	const char *proto = NULL;

	if(parse_uri(dst->s, dst->len, &u) < 0)
		return NULL;
	if(u.type != SIP_URI_T
			|| (u.proto != PROTO_NONE && u.proto != PROTO_UDP))
		return NULL;
	ip = str2ip(&u.host);
	if(!ip)
		ip = str2ip6(&u.host);
	if(!ip)
		return NULL;
	c = tcpconn_get(0, ip, u.port_no ? u.port_no : SIP_PORT, NULL, 0);
	if(!c)
		return NULL;
	if(c->rcv.proto == PROTO_TCP)
		proto = "tcp";
	else if(c->rcv.proto == PROTO_TLS)
		proto = "tls";
	tcpconn_put(c);
	*hostport = (str){u.host.s, (int)(u.port.s ? u.port.s + u.port.len - u.host.s
										   : u.host.len)};
	return proto;
}

/* The next hop of one destination over its open connection; 1 moved. */
static int move_to_connection(const str *dst, char *out, int outlen, str *res)
{
	str hostport;
	const char *proto = open_connection(dst, &hostport);
	int n;

	if(!proto)
		return 0;
	n = snprintf(out, outlen, "sip:%.*s;transport=%s", hostport.len,
			hostport.s, proto);
	if(n <= 0 || n >= outlen)
		return 0;
	*res = (str){out, n};
	return 1;
}

int impf_pager_transport(struct sip_msg *msg)
{
	char hop[MAX_URI_SIZE];
	str dst, moved;
	branch_t *b;
	int n = 0;

	if(msg->first_line.type != SIP_REQUEST
			|| msg->REQ_METHOD != METHOD_MESSAGE
			|| msg->len + IMPF_PAGER_ADDED <= IMPF_PAGER_MTU)
		return 0;
	dst = msg->dst_uri.len ? msg->dst_uri : *GET_RURI(msg);
	if(move_to_connection(&dst, hop, sizeof(hop), &moved)) {
		if(set_dst_uri(msg, &moved) < 0)
			return -1;
		n++;
	}
	for(unsigned int i = 0; (b = get_sip_branch(i)) != NULL; i++) {
		dst = b->dst_uri_len ? (str){b->dst_uri, (int)b->dst_uri_len}
							 : (str){b->uri, (int)b->len};
		if(!move_to_connection(&dst, hop, sizeof(hop), &moved))
			continue;
		memcpy(b->dst_uri, moved.s, moved.len);
		b->dst_uri_len = moved.len;
		n++;
	}
	if(n)
		LM_INFO("MESSAGE of %d bytes: %d UDP contact(s) reached over their "
				"open connection (RFC 3428 size rule)\n",
				msg->len, n);
	return n;
}
