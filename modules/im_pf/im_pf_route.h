/*
 * Where requests go and whom we trust:
 *   - peers: the interconnected IM domains of im_peer (TR-1029 NNI), kept
 *     in shared memory and reloaded from the database by RPC; a request
 *     for a peer domain leaves to its address, a request that proves to
 *     come from a peer (by its TLS certificate, or by its address when
 *     the operator opted in: im_peer.trust) is trusted terminating
 *     traffic, and a peer's features say what may cross to it (D-3);
 *   - ourselves: a request our own B2BUA sent to this server (same-domain
 *     sessions loop through the terminating function), recognised by its
 *     signed marker (im_pf_hop.h), never by its source address;
 *   - aliases: our B2BUA Contacts stand for the far end of their call
 *     (OP-5), and a focus Contact is encoded into ours so that it still
 *     resolves after the call has ended (D-9).
 */
#ifndef IM_PF_ROUTE_H
#define IM_PF_ROUTE_H

#include "core/ip_addr.h"
#include "core/parser/msg_parser.h"
#include "core/str.h"

#define IMPF_FEAT_PAGER (1u << 0)
#define IMPF_FEAT_LARGE (1u << 1)
#define IMPF_FEAT_DEFERRED (1u << 2)
#define IMPF_FEAT_HISTORY (1u << 3)
#define IMPF_FEAT_PREDEFINED (1u << 4)
#define IMPF_FEAT_ALL 0x1fu

/* How a peer's requests are recognised (im_peer.trust). */
typedef enum impf_trust {
	IMPF_TRUST_TLS = 0, /* mutual TLS, certificate naming the domain */
	IMPF_TRUST_ADDRESS, /* source IP (and UDP port): opt-in, weaker */
} impf_trust_t;

typedef struct impf_peer {
	char domain[128];
	char address[160]; /* sip:IP:PORT[;transport=x] */
	unsigned int features;
	impf_trust_t trust;
	struct ip_addr ip;
	unsigned short port;
	int proto;
} impf_peer_t;

int impf_peers_init(void);
void impf_peers_destroy(void);
/* Loads im_peer into shared memory; -1 leaves the old table. err says
 * why (bad address of a row). */
int impf_peers_reload(char *err, int errlen);
/* Whether address can be a peer's (a SIP URI with a numeric IP). */
int impf_peer_check(const str *domain, const str *address, char *err,
		int errlen);
/* "tls" or "address" (any case) to a trust mode; -1: neither. */
int impf_trust_parse(const str *text, impf_trust_t *out);
const char *impf_trust_name(impf_trust_t t);
/* A copy of the peer for domain; 0 found, -1 not. */
int impf_peer_for_domain(const str *domain, impf_peer_t *out);
/* 1: ip:port is the UDP address of a peer. */
int impf_udp_peer_at(const struct ip_addr *ip, unsigned short port);
int impf_peer_count(void);
int impf_peer_get(int i, impf_peer_t *out);
/* Features named in text ('*', 'none' or a list of names separated by
 * commas or spaces) added to *f; -1 and err naming the first unknown word
 * (the known ones are still added). */
int impf_features_add(
		const char *text, int len, unsigned int *f, char *err, int errlen);
/* A features column: empty is every feature; unknown words are logged and
 * ignored. */
unsigned int impf_features_parse(const char *text);
void impf_features_print(unsigned int f, char *out, int outlen);

/* 1: msg comes from our own B2BUA (a valid signed marker) or from a peer
 * (by its trust mode). */
int impf_trusted_source(struct sip_msg *msg);
/* Our own address for a request we send to ourselves. */
int impf_self_uri(char *out, int outlen);

/* Rewrites the Request-URI through our aliases; 1 when it did. */
int impf_map_alias(struct sip_msg *msg);
/* "imf-<base64url of uri>" for a focus Contact (D-9). */
int impf_focus_alias(const str *uri, char *out, int outlen);

#endif
