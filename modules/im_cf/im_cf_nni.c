#include <string.h>

#include "core/forward.h"
#include "core/parser/parse_uri.h"

#include "im_cf.h"
#include "im_cf_nni.h"

/* 1 when uri is of a domain (or address) of this server */
static int ours(const char *uri)
{
	struct sip_uri u;

	if(parse_uri((char *)uri, strlen(uri), &u) < 0)
		return 1; /* not ours to reroute: as before */
	return check_self(&u.host, u.port_no, u.proto) == 1;
}

/* What follows the user part of the identity "sip:user@host;params":
 * the host and the identity's URI parameters (its node parameter, so
 * that in-dialog requests from another domain can reach the owner). */
static str identity_host(const imcf_session_t *s)
{
	const char *id = s->conf.identity, *at = strchr(id, '@');
	str h = STR_NULL;

	if(!at)
		return h;
	h.s = (char *)at + 1;
	h.len = (int)strcspn(h.s, "?>");
	return h;
}

str imcf_nni_contact_host(const imcf_session_t *s, const char *uri)
{
	str host;

	if(ours(uri))
		return imcf_contact_host;
	host = identity_host(s);
	return host.len ? host : imcf_contact_host;
}
