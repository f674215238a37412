/*
 * im_pf bind API: what another module needs to send a request through
 * this server's own terminating function as im_pf's B2BUA does (issue 8):
 * the signed hop marker bound to that request, and our own address to
 * send it to; for a recipient of an interconnected domain, that peer's
 * address. im_cf's group pager (PM-2) uses it for its fan-out
 * MESSAGEs, which then meet TP-1 and the recipients' contacts like any
 * other MESSAGE. The users' published service settings (offline
 * delivery, visibility, history) for whoever needs them.
 *
 *   impf_api_t pf;
 *   if(load_im_pf_api(&pf) < 0) ...           (in mod_init)
 */
#ifndef IM_PF_LOAD_H
#define IM_PF_LOAD_H

#include "core/sr_module.h"
#include "core/str.h"

#include "im_settings.h"
#include "im_ua_load.h"

typedef struct impf_api {
	/* "X-IM-Hop: ...\r\n" (pkg, caller frees) for the request id. 0/-1 */
	int (*hop_header)(const imua_leg_id_t *id, str *hdrs);
	/* sip:IP:port of our own UDP listener. 0/-1 */
	int (*self_uri)(char *out, int outlen);
	/* the address (sip:IP:port[;transport=x]) of the interconnected
	 * domain `domain` when it takes pager-mode MESSAGEs (im_peer
	 * features, D-3). 0, or -1: no such peer, or pager not allowed */
	int (*pager_peer)(const str *domain, char *out, int outlen);
	/* the effective service settings of the user uri (any SIP URI of
	 * his; SS-1): 1 what he published, 0 the App E defaults */
	int (*settings)(const str *uri, im_settings_t *s);
	/* the policy lets user uri use the service (im_policy `service`,
	 * OP-1 step 1): 1 yes, 0 denied, -1 policy unavailable */
	int (*service_allowed)(const str *uri);
} impf_api_t;

typedef int (*bind_im_pf_f)(impf_api_t *api);

static inline int load_im_pf_api(impf_api_t *api)
{
	bind_im_pf_f bind;

	bind = (bind_im_pf_f)find_export("bind_im_pf", NO_SCRIPT, 0);
	if(!bind) {
		LM_ERR("cannot find bind_im_pf: is im_pf loaded?\n");
		return -1;
	}
	return bind(api);
}

#endif
