/*
 * The asserted identity of pager-mode MESSAGEs (OP-10, TP-7, RFC 3325).
 *
 * Originating: a MESSAGE leaves our originating function with
 * P-Asserted-Identity set to its Authenticated Originator, as a session
 * leg does (C-1): the peer's terminating function needs it to apply its
 * access rules to a sender who asked for anonymity (Privacy: id), and the
 * deferred store keeps it (DM-2 drops it when the sender is anonymous).
 * Whatever PAI the request had is replaced: a user's own asserts nothing.
 *
 * Terminating: the user's device is outside the trust domain (RFC 3325
 * section 5): with Privacy: id the PAI is removed before the MESSAGE is
 * delivered to it, otherwise it is kept.
 */
#include <string.h>

#include "core/data_lump.h"
#include "core/dprint.h"
#include "core/mem/mem.h"
#include "core/parser/parse_privacy.h"

#include "im_hdr_removed.h"

#include "im_pf_pai.h"

void impf_pai_add(im_kbuf_t *h, const str *uri, const str *display)
{
	im_kbuf_addf(h, "P-Asserted-Identity: %.*s%s<%.*s>\r\n", display->len,
			display->s, display->len ? " " : "", uri->len, uri->s);
}

int impf_privacy_id(struct sip_msg *msg)
{
	return parse_privacy(msg) == 0 && (get_privacy_values(msg) & PRIVACY_ID);
}

/* Removes every PAI of msg the script has not removed yet. 0 or -1. */
static int remove_pai(struct sip_msg *msg)
{
	if(parse_headers(msg, HDR_EOH_F, 0) < 0)
		return -1;
	for(struct hdr_field *h = msg->headers; h; h = h->next) {
		if(h->type != HDR_PAI_T || im_hdr_removed(msg, h))
			continue;
		if(!del_lump(msg, h->name.s - msg->buf, h->len, HDR_PAI_T))
			return -1;
	}
	return 0;
}

int impf_pager_assert(
		struct sip_msg *msg, const str *uri, const str *display, int for_us)
{
	im_kbuf_t h = {0};
	struct lump *anchor;

	if(remove_pai(msg) < 0)
		return -1;
	/* for one of our users our terminating function takes the request
	 * next, in this process: it would have to remove the PAI again */
	if(for_us && impf_privacy_id(msg))
		return 0;
	impf_pai_add(&h, uri, display);
	anchor = anchor_lump(msg, msg->unparsed - msg->buf, 0, 0);
	if(h.failed || !anchor
			|| !insert_new_lump_before(anchor, h.s, h.len, HDR_PAI_T)) {
		LM_ERR("cannot assert the originator of a MESSAGE\n");
		im_kbuf_free(&h);
		return -1;
	}
	/* the lump owns the buffer now */
	return 0;
}

int impf_pager_privacy(struct sip_msg *msg)
{
	if(!impf_privacy_id(msg))
		return 0;
	return remove_pai(msg);
}
