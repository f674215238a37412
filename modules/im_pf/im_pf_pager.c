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
 *
 * Towards an interconnected domain whose im_peer address is UDP, a
 * MESSAGE over 1300 bytes goes over TCP to that same address instead:
 * an IM server of an NNI takes TCP (TR-1029), so there is no timeout to
 * fear. That holds for a MESSAGE we relay (impf_pager_peer_hop(), from
 * im_pf_route_peer()) and for the ones this server makes itself (the
 * group pager, failure IMDNs), which tm builds: the script calls
 * impf_pager_local() in event_route[tm:local-request], where the request
 * as it will be sent is known and its send socket can still change.
 */
#include <stdio.h>
#include <string.h>

#include "core/data_lump.h"
#include "core/dprint.h"
#include "core/dset.h"
#include "core/forward.h"
#include "core/ip_addr.h"
#include "core/onsend.h"
#include "core/parser/parse_to.h"
#include "core/parser/parse_uri.h"
#include "core/resolve.h"
#include "core/tcp_conn.h"
#include "core/ut.h"

#include "im_pf_pager.h"
#include "im_pf_route.h"

/* what our Via adds to the request as received, with room to spare; a
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

/* The length of lumps that add text (a header, our PAI): an upper bound
 * of what msg grows by before it is sent, but for our Via. */
static int added_len(struct sip_msg *msg)
{
	int n = 0;

	for(struct lump *l = msg->add_rm; l; l = l->next) {
		if(l->op == LUMP_ADD)
			n += l->len;
		for(struct lump *a = l->before; a; a = a->before)
			n += a->op == LUMP_ADD ? a->len : 0;
		for(struct lump *a = l->after; a; a = a->after)
			n += a->op == LUMP_ADD ? a->len : 0;
	}
	return n;
}

/* 1: msg is a MESSAGE that may be over IMPF_PAGER_MTU as we relay it. */
static int too_big_for_udp(struct sip_msg *msg)
{
	return msg->first_line.type == SIP_REQUEST
		   && msg->REQ_METHOD == METHOD_MESSAGE
		   && msg->len + added_len(msg) + IMPF_PAGER_ADDED > IMPF_PAGER_MTU;
}

int impf_pager_peer_hop(struct sip_msg *msg, const impf_peer_t *peer, char *buf,
		int buflen, str *hop)
{
	int v6 = peer->ip.af == AF_INET6, n;

	if(peer->proto != PROTO_UDP || !too_big_for_udp(msg))
		return 0;
	n = snprintf(buf, buflen, "sip:%s%s%s:%u;transport=tcp", v6 ? "[" : "",
			ip_addr2a((struct ip_addr *)&peer->ip), v6 ? "]" : "", peer->port);
	if(n <= 0 || n >= buflen)
		return -1;
	*hop = (str){buf, n};
	LM_INFO("MESSAGE of %d bytes to peer %s over TCP, not UDP (RFC 3428 "
			"size rule)\n",
			msg->len, peer->domain);
	return 1;
}

int impf_pager_local(struct sip_msg *msg)
{
	onsend_info_t *snd = get_onsend_info();
	struct socket_info *tcp;
	struct ip_addr ip;

	if(!snd || !snd->send_sock || snd->send_sock->proto != PROTO_UDP
			|| snd->len <= IMPF_PAGER_MTU || msg->first_line.type != SIP_REQUEST
			|| msg->REQ_METHOD != METHOD_MESSAGE)
		return -1;
	/* out of any dialog only: a dialog's own send socket stays as it is */
	if(parse_to_header(msg) < 0 || get_to(msg)->tag_value.len)
		return -1;
	su2ip_addr(&ip, snd->to);
	if(!impf_udp_peer_at(&ip, su_getport(snd->to)))
		return -1;
	tcp = find_si(&snd->send_sock->address, snd->send_sock->port_no, PROTO_TCP);
	if(!tcp)
		tcp = get_send_socket(msg, snd->to, PROTO_TCP);
	if(!tcp) {
		LM_ERR("MESSAGE of %d bytes to a peer: no TCP socket to send it "
			   "over\n",
				snd->len);
		return -1;
	}
	msg->force_send_socket = tcp;
	LM_INFO("MESSAGE of %d bytes we made for a peer at %s:%u over TCP, not "
			"UDP (RFC 3428 size rule)\n",
			snd->len, ip_addr2a(&ip), su_getport(snd->to));
	return 1;
}

int impf_pager_transport(struct sip_msg *msg)
{
	char hop[MAX_URI_SIZE];
	str dst, moved;
	branch_t *b;
	int n = 0;

	if(!too_big_for_udp(msg))
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
