#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "log.h"

static session_t *sessions;
static leg_t *legs_by_sid;
static size_t nsessions, nlegs;

#define MAX_LOCAL_ENDPOINTS 8
static local_endpoint_t local_eps[MAX_LOCAL_ENDPOINTS];
static int nlocal_eps;

static leg_hooks_t hooks;

void session_set_leg_hooks(const leg_hooks_t *h)
{
	hooks = *h;
}

int leg_usable(const leg_t *leg)
{
	return leg && leg->state != LEG_CLOSED;
}

int leg_negotiated(const leg_t *leg)
{
	return leg_usable(leg) && leg->nremote > 0;
}

void session_set_local_endpoints(const local_endpoint_t *eps, int n)
{
	if(n > MAX_LOCAL_ENDPOINTS)
		n = MAX_LOCAL_ENDPOINTS;
	memcpy(local_eps, eps, sizeof(*eps) * (size_t)n);
	nlocal_eps = n;
}

const char *session_type_name(session_type_t t)
{
	switch(t) {
		case SESSION_BRIDGE:
			return "bridge";
		case SESSION_CONFERENCE:
			return "conference";
		case SESSION_ENDPOINT:
			return "endpoint";
	}
	return "?";
}

int session_type_parse(const char *name)
{
	for(int t = SESSION_BRIDGE; t <= SESSION_ENDPOINT; t++)
		if(strcmp(name, session_type_name((session_type_t)t)) == 0)
			return t;
	return -1;
}

const char *leg_state_name(leg_state_t s)
{
	switch(s) {
		case LEG_WAITING:
			return "waiting";
		case LEG_CONNECTING:
			return "connecting";
		case LEG_CONNECTED:
			return "connected";
		case LEG_CLOSED:
			return "closed";
	}
	return "?";
}

void leg_params_init(leg_params_t *p)
{
	memset(p, 0, sizeof(*p));
	p->active = -1;
	p->secure = -1;
	p->ipv6 = -1;
	p->max_size = -1;
	p->max_chunk = -1;
}

session_t *session_find(const char *id)
{
	session_t *s;
	HASH_FIND_STR(sessions, id, s);
	return s;
}

session_t *sessions_all(void)
{
	return sessions;
}

size_t session_count(void)
{
	return nsessions;
}

size_t leg_count(void)
{
	return nlegs;
}

static int valid_id(const char *id, size_t max)
{
	size_t n = strlen(id);
	if(n == 0 || n >= max)
		return 0;
	for(size_t i = 0; i < n; i++)
		if((unsigned char)id[i] <= ' ' || id[i] == 0x7f)
			return 0;
	return 1;
}

session_t *session_create(const char *id, session_type_t type, char *err,
		size_t errlen)
{
	session_t *s;

	if(!valid_id(id, SESSION_ID_MAX)) {
		snprintf(err, errlen, "session id must be 1..%d printable characters",
				SESSION_ID_MAX - 1);
		return NULL;
	}
	s = session_find(id);
	if(s) {
		if(s->type != type) {
			snprintf(err, errlen, "session %s exists as a %s", id,
					session_type_name(s->type));
			return NULL;
		}
		return s;
	}
	s = calloc(1, sizeof(*s));
	if(!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(s->id, sizeof(s->id), "%s", id);
	s->type = type;
	s->private_messages = 1;
	s->created = s->last_activity = time(NULL);
	HASH_ADD_STR(sessions, id, s);
	nsessions++;
	ilog(session, LOG_INFO, "session %s created (%s)", s->id,
			session_type_name(type));
	return s;
}

void session_destroy(session_t *s, const char *why)
{
	while(s->legs)
		leg_remove(s->legs, why);
	HASH_DEL(sessions, s);
	nsessions--;
	ilog(session, LOG_INFO, "session %s destroyed (%s)", s->id, why);
	free(s);
}

leg_t *leg_find(session_t *s, const char *id)
{
	for(leg_t *l = s->legs; l; l = l->next)
		if(strcmp(l->id, id) == 0)
			return l;
	return NULL;
}

leg_t *leg_by_sid(const char *sid, size_t len)
{
	leg_t *l;
	HASH_FIND(hh_sid, legs_by_sid, sid, len, l);
	return l;
}

/* 24 characters of [a-z0-9]: about 124 bits, unguessable. */
static int new_sid(char *out)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char raw[SID_LEN];

	do {
		if(getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
			return -1;
		for(int i = 0; i < SID_LEN; i++)
			out[i] = alphabet[raw[i] % 36];
		out[SID_LEN] = '\0';
	} while(leg_by_sid(out, SID_LEN) != NULL);
	return 0;
}

static const local_endpoint_t *pick_endpoint(int secure, int ipv6)
{
	for(int i = 0; i < nlocal_eps; i++)
		if(local_eps[i].secure == secure && local_eps[i].ipv6 == ipv6)
			return &local_eps[i];
	return NULL;
}

static int set_remote_path(leg_t *l, const char *path, char *err, size_t errlen)
{
	size_t n = strlen(path);
	msrp_span_t v;
	int count;

	if(n >= sizeof(l->remote_path)) {
		snprintf(err, errlen, "remote_path longer than %zu bytes",
				sizeof(l->remote_path) - 1);
		return -1;
	}
	memcpy(l->remote_path, path, n + 1);
	v.p = l->remote_path;
	v.len = n;
	count = msrp_path_parse(v, l->remote, MSRP_PATH_MAX);
	if(count < 0) {
		l->remote_path[0] = '\0';
		l->nremote = 0;
		snprintf(err, errlen, "remote_path is not a list of MSRP URIs");
		return -1;
	}
	l->nremote = count;
	return 0;
}

static int copy_param(char *dst, size_t dstlen, const char *v, const char *name,
		char *err, size_t errlen)
{
	if(!v)
		return 0;
	if(strlen(v) >= dstlen) {
		snprintf(err, errlen, "%s longer than %zu bytes", name, dstlen - 1);
		return -1;
	}
	snprintf(dst, dstlen, "%s", v);
	return 0;
}

int leg_update(leg_t *l, const leg_params_t *p, char *err, size_t errlen)
{
	leg_t saved = *l;

	if(p->remote_path && set_remote_path(l, p->remote_path, err, errlen) < 0)
		goto fail;
	if(p->active >= 0)
		l->active = p->active;
	if(p->cema_addr) {
		if(p->cema_addr[0] == '\0') {
			l->cema = 0;
		} else if(im_addr_parse(p->cema_addr, strlen(p->cema_addr),
						  &l->cema_addr, err, errlen)
				< 0) {
			goto fail;
		} else {
			l->cema = 1;
		}
	}
	if(copy_param(l->accept_types, sizeof(l->accept_types), p->accept_types,
			   "accept_types", err, errlen)
					< 0
			|| copy_param(l->identity, sizeof(l->identity), p->identity,
					   "identity", err, errlen)
					   < 0
			|| copy_param(l->display, sizeof(l->display), p->display,
					   "display", err, errlen)
					   < 0
			|| copy_param(l->version, sizeof(l->version), p->version, "version",
					   err, errlen)
					   < 0)
		goto fail;
	if(p->fingerprint && p->fingerprint[0] == '\0') {
		l->fp_alg[0] = l->fp_hex[0] = '\0';
	} else if(p->fingerprint
			  && fingerprint_parse(p->fingerprint, l->fp_alg,
						 sizeof(l->fp_alg), l->fp_hex, sizeof(l->fp_hex), err,
						 errlen)
						 < 0) {
		goto fail;
	}
	if(p->max_size >= 0)
		l->max_size = (uint64_t)p->max_size;
	if(p->max_chunk >= 0) {
		if(p->max_chunk < 64) {
			snprintf(err, errlen, "max_chunk must be at least 64 bytes");
			goto fail;
		}
		l->max_chunk = (size_t)p->max_chunk;
	}
	return 0;
fail:
	/* all or nothing; the saved views point into l's own buffers */
	*l = saved;
	return -1;
}

leg_t *leg_add(session_t *s, const char *id, const leg_params_t *p,
		int *created, char *err, size_t errlen)
{
	leg_t *l = leg_find(s, id);
	const local_endpoint_t *ep;
	msrp_span_t v;

	*created = 0;
	if(l)
		return leg_update(l, p, err, errlen) < 0 ? NULL : l;
	if(!valid_id(id, LEG_ID_MAX)) {
		snprintf(err, errlen, "leg id must be 1..%d printable characters",
				LEG_ID_MAX - 1);
		return NULL;
	}
	if(s->type == SESSION_BRIDGE && s->nlegs >= 2) {
		snprintf(err, errlen, "a bridge has two legs");
		return NULL;
	}
	ep = pick_endpoint(p->secure > 0, p->ipv6 > 0);
	if(!ep) {
		snprintf(err, errlen, "no %s%s MSRP listener configured",
				p->secure > 0 ? "msrps" : "msrp", p->ipv6 > 0 ? " IPv6" : "");
		return NULL;
	}
	l = calloc(1, sizeof(*l));
	if(!l) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(l->id, sizeof(l->id), "%s", id);
	l->session = s;
	l->secure = ep->secure;
	l->ipv6 = ep->ipv6;
	l->max_chunk = hooks.default_max_chunk;
	l->created = time(NULL);
	if(new_sid(l->sid) < 0) {
		snprintf(err, errlen, "no randomness for a session id");
		free(l);
		return NULL;
	}
	snprintf(l->local_path, sizeof(l->local_path), "%s://%s%s%s:%u/%s;tcp",
			ep->secure ? "msrps" : "msrp", ep->ipv6 ? "[" : "", ep->host,
			ep->ipv6 ? "]" : "", ep->port, l->sid);
	v.p = l->local_path;
	v.len = strlen(l->local_path);
	if(msrp_path_parse(v, &l->local_uri, 1) != 1) {
		snprintf(err, errlen, "bad local path %s", l->local_path);
		free(l);
		return NULL;
	}
	if(leg_update(l, p, err, errlen) < 0) {
		free(l);
		return NULL;
	}
	/* append: fan-out follows the order legs joined */
	leg_t **tail = &s->legs;
	while(*tail)
		tail = &(*tail)->next;
	*tail = l;
	s->nlegs++;
	HASH_ADD(hh_sid, legs_by_sid, sid, SID_LEN, l);
	nlegs++;
	*created = 1;
	ilog(session, LOG_INFO, "session %s: leg %s added, local path %s", s->id,
			l->id, l->local_path);
	return l;
}

void leg_remove(leg_t *l, const char *why)
{
	session_t *s = l->session;

	if(hooks.removing)
		hooks.removing(l, why, hooks.arg);
	for(leg_t **pp = &s->legs; *pp; pp = &(*pp)->next) {
		if(*pp == l) {
			*pp = l->next;
			break;
		}
	}
	s->nlegs--;
	HASH_DELETE(hh_sid, legs_by_sid, l);
	nlegs--;
	ilog(session, LOG_INFO, "session %s: leg %s removed (%s)", s->id, l->id,
			why);
	free(l);
}
