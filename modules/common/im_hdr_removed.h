/*
 * Whether the script or a module removed a header of a request (remove_hf,
 * del_lump): it stays in the parsed list, but must not be passed on (a
 * B2BUA's other leg) or kept (a stored deferred message), or a header
 * stripped at the edge (im_pf's X-IM-Hop, a user's own PAI) comes back.
 */
#ifndef IM_HDR_REMOVED_H
#define IM_HDR_REMOVED_H

#include "core/data_lump.h"
#include "core/parser/msg_parser.h"

static inline int im_hdr_removed(struct sip_msg *msg, struct hdr_field *h)
{
	int off = (int)(h->name.s - msg->buf);

	for(struct lump *l = msg->add_rm; l; l = l->next) {
		if(l->op == LUMP_DEL && (int)l->u.offset <= off
				&& (int)(l->u.offset + l->len) >= off + h->len)
			return 1;
	}
	return 0;
}

#endif
