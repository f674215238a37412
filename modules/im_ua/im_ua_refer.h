/*
 * The implicit subscription of a REFER across the B2BUA (RFC 3515): each
 * leg has its own CSeq space, so the NOTIFYs a REFER target sends back
 * name (Event: refer;id=<CSeq>) the REFER as we sent it; the referrer
 * must see the CSeq of the REFER it sent.
 */
#ifndef IM_UA_REFER_H
#define IM_UA_REFER_H

#include "core/parser/msg_parser.h"

#include "im_kbuf.h"
#include "im_ua_call.h"

/* We relayed a REFER received with CSeq in_cseq out on leg out_leg (its
 * CSeq there: the leg's last local CSeq). Takes the call's lock. */
void imua_refer_relayed(imua_call_t *c, int out_leg, unsigned int in_cseq);

/* A NOTIFY received on leg `leg`: when it is about a REFER we relayed out
 * on that leg, its Event header as the referrer must see it, into ev
 * ("Event: refer;id=N\r\n"), and 1; 0 when the NOTIFY goes as it came.
 * Takes the call's lock. */
int imua_refer_notify_event(
		imua_call_t *c, int leg, struct sip_msg *notify, im_kbuf_t *ev);

#endif
