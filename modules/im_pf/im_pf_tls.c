#include <string.h>
#include <strings.h>

#include "core/dprint.h"
#include "core/ip_addr.h"
#include "core/mem/mem.h"
#include "core/pvar.h"

#include "im_pf_tls.h"

static pv_spec_t *pv_verified, *pv_cn, *pv_san;

/* Parsed once in mod_init, kept for the life of the process. */
static pv_spec_t *lookup(const char *name)
{
	str n = {(char *)name, (int)strlen(name)};
	pv_spec_t *sp = pkg_malloc(sizeof(*sp));

	if(!sp) {
		PKG_MEM_ERROR;
		return NULL;
	}
	memset(sp, 0, sizeof(*sp));
	/* silently: a pseudo-variable of a module that is not loaded is not
	 * an error here */
	if(!pv_parse_spec2(&n, sp, 1)) {
		pkg_free(sp);
		return NULL;
	}
	return sp;
}

int impf_tls_init(void)
{
	pv_verified = lookup("$tls_peer_verified");
	pv_cn = lookup("$tls_peer_subject_cn");
	pv_san = lookup("$tls_peer_san_hostname");
	if(!pv_verified || !pv_cn || !pv_san) {
		pv_verified = pv_cn = pv_san = NULL;
		return 0;
	}
	return 1;
}

static void value_of(struct sip_msg *msg, pv_spec_t *pv, char *out, int outlen)
{
	pv_value_t v;

	memset(&v, 0, sizeof(v));
	out[0] = '\0';
	if(pv_get_spec_value(msg, pv, &v) < 0 || !(v.flags & PV_VAL_STR)
			|| (v.flags & PV_VAL_NULL) || v.rs.len >= outlen)
		return;
	memcpy(out, v.rs.s, v.rs.len);
	out[v.rs.len] = '\0';
}

int impf_tls_identity(struct sip_msg *msg, impf_tls_id_t *id)
{
	pv_value_t v;

	if(!pv_verified || msg->rcv.proto != PROTO_TLS)
		return 0;
	memset(&v, 0, sizeof(v));
	if(pv_get_spec_value(msg, pv_verified, &v) < 0 || !(v.flags & PV_VAL_INT)
			|| v.ri != 1)
		return 0;
	value_of(msg, pv_cn, id->cn, sizeof(id->cn));
	value_of(msg, pv_san, id->san, sizeof(id->san));
	return 1;
}

int impf_tls_names(const impf_tls_id_t *id, const char *domain)
{
	return (id->cn[0] && strcasecmp(id->cn, domain) == 0)
		   || (id->san[0] && strcasecmp(id->san, domain) == 0);
}
