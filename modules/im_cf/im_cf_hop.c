#include <stdio.h>
#include <string.h>

#include "core/dprint.h"
#include "core/ip_addr.h"
#include "core/socket_info.h"
#include "core/sr_module.h"

#include "im_cf.h"
#include "im_cf_hop.h"

typedef int (*hop_header_f)(const imua_leg_id_t *id, str *hdrs);

static hop_header_f hop_header;

void imcf_hop_init(void)
{
	hop_header = (hop_header_f)find_export("impf_hop_header", NO_SCRIPT, 0);
	if(imcf_outbound_proxy.len && !hop_header)
		LM_WARN("outbound_proxy without im_pf: our invitations carry no "
				"X-IM-Hop marker\n");
}

int imcf_hop_headers(void *app, const imua_leg_id_t *id, str *hdrs)
{
	(void)app;
	hdrs->s = NULL;
	hdrs->len = 0;
	/* only towards our own server: a marker must never reach a client */
	if(!imcf_outbound_proxy.len || !hop_header)
		return 0;
	return hop_header(id, hdrs);
}

str imcf_next_hop(void)
{
	static char self[128];
	struct socket_info **list;
	struct socket_info *si;

	if(imcf_outbound_proxy.len != 6
			|| strncmp(imcf_outbound_proxy.s, "myself", 6) != 0)
		return imcf_outbound_proxy;
	if(!self[0]) {
		list = get_sock_info_list(PROTO_UDP);
		si = list ? *list : NULL;
		if(si)
			snprintf(self, sizeof(self), "sip:%.*s:%.*s", si->address_str.len,
					si->address_str.s, si->port_no_str.len,
					si->port_no_str.s);
		else
			LM_ERR("outbound_proxy myself: no UDP listener\n");
	}
	return (str){self, (int)strlen(self)};
}
