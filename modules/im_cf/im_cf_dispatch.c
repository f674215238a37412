#include <string.h>

#include "core/dprint.h"
#include "core/parser/parse_to.h"

#include "im_cf.h"
#include "im_cf_conf.h"
#include "im_cf_dispatch.h"
#include "im_cf_factory.h"
#include "im_cf_subscribe.h"

static int to_tagged(struct sip_msg *msg)
{
	return parse_to_header(msg) == 0 && get_to(msg)->tag_value.len > 0;
}

/* The session id and node in msg's Request-URI: 1, or 0 when it is no
 * session identity of our format. */
static int identity_of(
		struct sip_msg *msg, char *id, int idlen, char *node, int nodelen)
{
	str ruri;

	if(msg->new_uri.s && msg->new_uri.len)
		ruri = msg->new_uri;
	else
		ruri = msg->first_line.u.request.uri;
	return imcf_ident_parse(
			&imcf_ident_fmt, ruri.s, ruri.len, id, idlen, node, nodelen);
}

int imcf_handle(struct sip_msg *msg)
{
	char id[IMCF_ID_MAX], node[64];
	str factory;
	int refresh;

	if(msg->first_line.type != SIP_REQUEST || msg->REQ_METHOD == METHOD_ACK
			|| msg->REQ_METHOD == METHOD_CANCEL)
		return IMCF_NOT_OURS;
	/* in a dialog only a SUBSCRIBE to a session identity is ours: the
	 * refresh of a conference subscription (CF-11) */
	refresh = to_tagged(msg);
	if(refresh && msg->REQ_METHOD != METHOD_SUBSCRIBE)
		return IMCF_NOT_OURS;
	if(!refresh && imcf_factory_match(msg, &factory))
		return imcf_factory_invite(msg, &factory);
	if(!identity_of(msg, id, sizeof(id), node, sizeof(node)))
		return IMCF_NOT_OURS;
	if(node[0]
			&& strcmp(node, imcf_ident_fmt.node ? imcf_ident_fmt.node : "")
					   != 0)
		return IMCF_OTHER_NODE;
	if(refresh)
		return imcf_subscribe_refresh(msg);
	if(msg->REQ_METHOD == METHOD_SUBSCRIBE)
		return imcf_subscribe(msg, id); /* CF-11 */
	return imcf_identity_request(msg, id);
}
