#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/dprint.h"
#include "core/dset.h"
#include "core/forward.h"
#include "core/locking.h"
#include "core/mem/shm_mem.h"
#include "core/parser/parse_from.h"
#include "core/parser/parse_ppi_pai.h"
#include "core/parser/parse_uri.h"
#include "core/resolve.h"
#include "core/socket_info.h"

#include "im_pf.h"
#include "im_span.h"
#include "im_pf_db.h"
#include "im_pf_hop.h"
#include "im_pf_route.h"
#include "im_pf_tls.h"

#define IMPF_MAX_PEERS 256
#define IMPF_FOCUS_PREFIX "imf-"

typedef struct impf_peer_table {
	gen_lock_t lock;
	int n;
	impf_peer_t peers[IMPF_MAX_PEERS];
} impf_peer_table_t;

static impf_peer_table_t *ptab = NULL;

static const struct {
	const char *name;
	unsigned int bit;
} feature_names[] = {{"pager", IMPF_FEAT_PAGER},
		{"large_message", IMPF_FEAT_LARGE}, {"deferred", IMPF_FEAT_DEFERRED},
		{"history", IMPF_FEAT_HISTORY}, {"predefined", IMPF_FEAT_PREDEFINED}};

int impf_features_add(
		const char *text, int len, unsigned int *f, char *err, int errlen)
{
	const char *p = text, *end = text + len;
	int bad = 0;

	while(p < end) {
		const char *e;
		size_t i, n = sizeof(feature_names) / sizeof(feature_names[0]);

		while(p < end && (*p == ',' || *p == ' ' || *p == '\t'))
			p++;
		for(e = p; e < end && *e != ',' && *e != ' ' && *e != '\t'; e++)
			;
		if(e == p)
			break;
		if(e - p == 1 && *p == '*') {
			*f |= IMPF_FEAT_ALL;
		} else if(e - p == 4 && strncasecmp(p, "none", 4) == 0) {
			/* no feature: sessions only, the strict TR-1029 profile */
		} else {
			for(i = 0; i < n; i++) {
				if(strlen(feature_names[i].name) == (size_t)(e - p)
						&& strncasecmp(p, feature_names[i].name, e - p) == 0)
					break;
			}
			if(i < n) {
				*f |= feature_names[i].bit;
			} else if(!bad) {
				/* the first unknown word is reported; the others still
				 * parse, for a lenient caller */
				snprintf(err, errlen,
						"unknown feature '%.*s' (known: *, none, pager, "
						"large_message, deferred, history, predefined)",
						(int)(e - p > 64 ? 64 : e - p), p);
				bad = 1;
			}
		}
		p = e;
	}
	return bad ? -1 : 0;
}

unsigned int impf_features_parse(const char *text)
{
	unsigned int f = 0;
	char err[160];

	/* an empty column is the default of D-3: every feature */
	if(!text[0])
		return IMPF_FEAT_ALL;
	if(impf_features_add(text, strlen(text), &f, err, sizeof(err)) < 0)
		LM_WARN("im_peer features '%s': %s, ignored\n", text, err);
	return f;
}

void impf_features_print(unsigned int f, char *out, int outlen)
{
	int l = 0;

	out[0] = '\0';
	if(f == IMPF_FEAT_ALL) {
		snprintf(out, outlen, "*");
		return;
	}
	if(f == 0) {
		/* not "", which the table reads as every feature */
		snprintf(out, outlen, "none");
		return;
	}
	for(size_t i = 0; i < sizeof(feature_names) / sizeof(feature_names[0]);
			i++) {
		if((f & feature_names[i].bit) && l < outlen)
			l += snprintf(out + l, outlen - l, "%s%s", l ? "," : "",
					feature_names[i].name);
	}
}

int impf_trust_parse(const str *text, impf_trust_t *out)
{
	if(text->len == 3 && strncasecmp(text->s, "tls", 3) == 0)
		*out = IMPF_TRUST_TLS;
	else if(text->len == 7 && strncasecmp(text->s, "address", 7) == 0)
		*out = IMPF_TRUST_ADDRESS;
	else
		return -1;
	return 0;
}

const char *impf_trust_name(impf_trust_t t)
{
	return t == IMPF_TRUST_ADDRESS ? "address" : "tls";
}

int impf_peers_init(void)
{
	ptab = shm_malloc(sizeof(*ptab));
	if(!ptab) {
		SHM_MEM_ERROR;
		return -1;
	}
	memset(ptab, 0, sizeof(*ptab));
	lock_init(&ptab->lock);
	return 0;
}

void impf_peers_destroy(void)
{
	if(ptab) {
		lock_destroy(&ptab->lock);
		shm_free(ptab);
		ptab = NULL;
	}
}

typedef struct load_ctx {
	impf_peer_t *peers;
	int n;
	char *err;
	int errlen;
	int bad;
} load_ctx_t;

static int parse_address(impf_peer_t *p, char *err, int errlen)
{
	struct sip_uri u;
	struct ip_addr *ip;

	if(parse_uri(p->address, strlen(p->address), &u) < 0) {
		snprintf(err, errlen, "peer %s: address %s is not a SIP URI",
				p->domain, p->address);
		return -1;
	}
	ip = str2ip(&u.host);
	if(!ip)
		ip = str2ip6(&u.host);
	if(!ip) {
		snprintf(err, errlen,
				"peer %s: address %s must name a numeric IP (no DNS at run "
				"time)",
				p->domain, p->address);
		return -1;
	}
	p->ip = *ip;
	p->port = u.port_no ? u.port_no : SIP_PORT;
	p->proto = u.proto != PROTO_NONE ? u.proto : PROTO_UDP;
	return 0;
}

int impf_peer_check(const str *domain, const str *address, char *err,
		int errlen)
{
	impf_peer_t p;

	memset(&p, 0, sizeof(p));
	snprintf(p.domain, sizeof(p.domain), "%.*s", domain->len, domain->s);
	snprintf(p.address, sizeof(p.address), "%.*s", address->len, address->s);
	return parse_address(&p, err, errlen);
}

static int load_row(char **v, int n, void *arg)
{
	load_ctx_t *l = arg;
	impf_peer_t *p;

	(void)n;
	if(l->n >= IMPF_MAX_PEERS) {
		snprintf(l->err, l->errlen, "more than %d peers", IMPF_MAX_PEERS);
		l->bad = 1;
		return 1;
	}
	p = &l->peers[l->n];
	memset(p, 0, sizeof(*p));
	snprintf(p->domain, sizeof(p->domain), "%s", v[0]);
	snprintf(p->address, sizeof(p->address), "%s", v[1]);
	p->features = impf_features_parse(v[2]);
	if(impf_trust_parse(&(str){v[3], (int)strlen(v[3])}, &p->trust) < 0) {
		snprintf(l->err, l->errlen, "peer %s: trust is tls or address, not '%s'",
				p->domain, v[3]);
		l->bad = 1;
		return 1;
	}
	if(parse_address(p, l->err, l->errlen) < 0) {
		l->bad = 1;
		return 1;
	}
	l->n++;
	return 0;
}

int impf_peers_reload(char *err, int errlen)
{
	static const char *cols[] = {"domain", "address", "features", "trust"};
	impf_peer_t *fresh = pkg_malloc(sizeof(impf_peer_t) * IMPF_MAX_PEERS);
	load_ctx_t l = {fresh, 0, err, errlen, 0};

	if(!fresh) {
		PKG_MEM_ERROR;
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if(impf_db_select("im_peer", NULL, NULL, 0, cols, 4, load_row, &l) < 0) {
		snprintf(err, errlen, "cannot read im_peer");
		pkg_free(fresh);
		return -1;
	}
	if(l.bad) {
		LM_ERR("%s\n", err);
		pkg_free(fresh);
		return -1;
	}
	lock_get(&ptab->lock);
	memcpy(ptab->peers, fresh, sizeof(impf_peer_t) * l.n);
	ptab->n = l.n;
	lock_release(&ptab->lock);
	pkg_free(fresh);
	LM_INFO("%d IM peer domain(s) loaded\n", l.n);
	return l.n;
}

int impf_peer_for_domain(const str *domain, impf_peer_t *out)
{
	int found = -1;

	lock_get(&ptab->lock);
	for(int i = 0; i < ptab->n; i++) {
		if(strlen(ptab->peers[i].domain) == (size_t)domain->len
				&& strncasecmp(ptab->peers[i].domain, domain->s, domain->len)
						   == 0) {
			*out = ptab->peers[i];
			found = 0;
			break;
		}
	}
	lock_release(&ptab->lock);
	return found;
}

int impf_udp_peer_at(const struct ip_addr *ip, unsigned short port)
{
	int found = 0;

	lock_get(&ptab->lock);
	for(int i = 0; i < ptab->n && !found; i++) {
		impf_peer_t *p = &ptab->peers[i];
		found = p->proto == PROTO_UDP && p->port == port
				&& ip_addr_cmp(&p->ip, (struct ip_addr *)ip);
	}
	lock_release(&ptab->lock);
	return found;
}

int impf_peer_count(void)
{
	int n;

	lock_get(&ptab->lock);
	n = ptab->n;
	lock_release(&ptab->lock);
	return n;
}

int impf_peer_get(int i, impf_peer_t *out)
{
	int ret = -1;

	lock_get(&ptab->lock);
	if(i >= 0 && i < ptab->n) {
		*out = ptab->peers[i];
		ret = 0;
	}
	lock_release(&ptab->lock);
	return ret;
}

/* Whether the identity a peer's request asserts (P-Asserted-Identity,
 * else From) is of that peer's domain: a peer speaks for its own users,
 * never for ours or a third domain's. An anonymous From
 * (anonymous.invalid, RFC 3323) passes; its PAI, when any, is checked. */
static int speaks_for_own_domain(struct sip_msg *msg, const char *domain)
{
	struct sip_uri u;
	str uri = STR_NULL;
	size_t dlen = strlen(domain);

	if(parse_headers(msg, HDR_EOH_F, 0) < 0)
		return 0;
	if(msg->pai && parse_pai_header(msg) == 0 && get_pai(msg)
			&& get_pai(msg)->id) {
		uri = get_pai(msg)->id->uri;
	} else if(parse_from_header(msg) == 0) {
		uri = get_from(msg)->uri;
	}
	if(uri.len == 0 || parse_uri(uri.s, uri.len, &u) < 0)
		return 0;
	if(u.host.len == (int)strlen("anonymous.invalid")
			&& strncasecmp(u.host.s, "anonymous.invalid", u.host.len) == 0)
		return !msg->pai;
	return (size_t)u.host.len == dlen
		   && strncasecmp(u.host.s, domain, dlen) == 0;
}

int impf_trusted_source(struct sip_msg *msg)
{
	struct receive_info *rcv = &msg->rcv;
	impf_tls_id_t tls;
	char domain[sizeof(ptab->peers[0].domain)];
	int trusted = 0, over_tls;

	if(impf_hop_signed(msg))
		return 1;
	/* read before taking our lock: it asks the TCP layer */
	over_tls = impf_tls_identity(msg, &tls);
	lock_get(&ptab->lock);
	for(int i = 0; i < ptab->n && !trusted; i++) {
		impf_peer_t *p = &ptab->peers[i];
		if(p->trust == IMPF_TRUST_TLS) {
			trusted = over_tls && impf_tls_names(&tls, p->domain);
		} else if(ip_addr_cmp(&p->ip, &rcv->src_ip)) {
			/* over UDP a server sends from its listening port;
			 * connections come from any port */
			trusted = rcv->proto != PROTO_UDP || rcv->src_port == p->port;
		}
		if(trusted) {
			snprintf(domain, sizeof(domain), "%s", p->domain);
			break;
		}
	}
	lock_release(&ptab->lock);
	if(trusted && !speaks_for_own_domain(msg, domain)) {
		LM_WARN("%.*s from peer %s at %s:%d asserts an identity outside "
				"its domain: not trusted\n",
				msg->first_line.u.request.method.len,
				msg->first_line.u.request.method.s, domain,
				ip_addr2a(&rcv->src_ip), rcv->src_port);
		return 0;
	}
	return trusted;
}

int impf_self_uri(char *out, int outlen)
{
	struct socket_info **list = get_sock_info_list(PROTO_UDP);
	struct socket_info *si = list ? *list : NULL;

	if(!si) {
		LM_ERR("no UDP listener to send to ourselves\n");
		return -1;
	}
	return snprintf(out, outlen, "sip:%.*s:%.*s", si->address_str.len,
				   si->address_str.s, si->port_no_str.len, si->port_no_str.s)
						   < outlen
				   ? 0
				   : -1;
}

int impf_focus_alias(const str *uri, char *out, int outlen)
{
	static const char hex[] = "0123456789abcdef";
	int n = (int)strlen(IMPF_FOCUS_PREFIX);

	if(n + 2 * uri->len + 1 > outlen)
		return -1;
	memcpy(out, IMPF_FOCUS_PREFIX, n);
	for(int i = 0; i < uri->len; i++) {
		out[n++] = hex[((unsigned char)uri->s[i]) >> 4];
		out[n++] = hex[((unsigned char)uri->s[i]) & 0xf];
	}
	out[n] = '\0';
	return 0;
}

/* "imf-<hex>" back to the focus URI; -1 when it is not one. */
static int focus_decode(const str *user, char *out, int outlen)
{
	int n = (int)strlen(IMPF_FOCUS_PREFIX), len = 0;

	if(user->len <= n || strncasecmp(user->s, IMPF_FOCUS_PREFIX, n) != 0
			|| (user->len - n) % 2 != 0 || (user->len - n) / 2 >= outlen)
		return -1;
	for(int i = n; i < user->len; i += 2) {
		int hi = im_hex_value(user->s[i]), lo = im_hex_value(user->s[i + 1]);
		if(hi < 0 || lo < 0)
			return -1;
		out[len++] = (char)(hi << 4 | lo);
	}
	out[len] = '\0';
	return len > 4 && strncasecmp(out, "sip", 3) == 0 ? 0 : -1;
}

int impf_map_alias(struct sip_msg *msg)
{
	char target[1024];
	int mapped = 0;

	/* same-domain sessions chain two of our calls: follow each alias */
	for(int hop = 0; hop < 4; hop++) {
		struct sip_uri *u;
		str t;

		if(parse_sip_msg_uri(msg) < 0)
			break;
		u = &msg->parsed_uri;
		if(!u->user.len || check_self(&u->host, u->port_no, u->proto) != 1)
			break;
		if(focus_decode(&u->user, target, sizeof(target)) < 0
				&& impf_ua.alias_target(&u->user, target, sizeof(target)) < 0)
			break;
		t.s = target;
		t.len = strlen(target);
		if(rewrite_uri(msg, &t) < 0)
			break;
		LM_DBG("alias %.*s -> %s\n", u->user.len, u->user.s, target);
		mapped = 1;
	}
	return mapped;
}
