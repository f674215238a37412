/*
 * What the im_pf files share: the APIs it binds and its parameters.
 */
#ifndef IM_PF_H
#define IM_PF_H

#include <string.h>
#include <strings.h>

#include "core/str.h"
#include "modules/rr/api.h"
#include "modules/tm/tm_load.h"

#include "im_relay_load.h"
#include "im_ua_load.h"

extern imua_api_t impf_ua;
extern imr_api_t impf_relay;
extern rr_api_t impf_rr;

extern str impf_db_url;
extern int impf_proxy_mode;	  /* D-2: Record-Route instead of B2BUA */
extern str impf_warn_agent;	  /* host in Warning headers (D-34) */
extern int impf_session_expires; /* asked on our INVITEs, 0: none */
/* the service provider allows anonymity (Privacy: id) to its users'
 * requests (OP-10, OMA TS 6.1.1.3.1); 0: 403 + Warning 119 */
extern int impf_anonymity;

/* What a request is, for the checks and the dispatch (OP-2, TP-2). */
typedef enum impf_kind {
	IMPF_KIND_OTHER = 0,
	IMPF_KIND_PAGER,	/* MESSAGE */
	IMPF_KIND_SESSION,	/* INVITE, IM session */
	IMPF_KIND_FILE,		/* INVITE whose SDP has a=file-selector */
	IMPF_KIND_LARGE,	/* INVITE with +g.oma.sip-im.large-message */
} impf_kind_t;

const char *impf_kind_media(impf_kind_t k);

/* needle (NUL-terminated) inside the len bytes at hay, any case. */
static inline int impf_contains_nocase(const char *hay, int len,
		const char *needle)
{
	int n = (int)strlen(needle);

	for(int i = 0; i + n <= len; i++) {
		if(strncasecmp(hay + i, needle, n) == 0)
			return 1;
	}
	return 0;
}

#endif
