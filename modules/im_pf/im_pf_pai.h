/*
 * The asserted identity of pager-mode MESSAGEs (OP-10, TP-7, RFC 3325),
 * im_pf_pai.c.
 */
#ifndef IM_PF_PAI_H
#define IM_PF_PAI_H

#include "core/parser/msg_parser.h"
#include "core/str.h"

#include "im_kbuf.h"

/* Appends "P-Asserted-Identity: [display ]<uri>" and CRLF to h. */
void impf_pai_add(im_kbuf_t *h, const str *uri, const str *display);
/* 1 when msg asks for anonymity (Privacy: id). */
int impf_privacy_id(struct sip_msg *msg);
/* Originating: msg's PAI becomes the Authenticated Originator uri; for_us
 * when our own terminating function delivers it next (then, with
 * Privacy: id, no PAI). 0 or -1. */
int impf_pager_assert(
		struct sip_msg *msg, const str *uri, const str *display, int for_us);
/* Terminating: with Privacy: id, the PAI is removed before the MESSAGE
 * reaches the user's device. 0 or -1. */
int impf_pager_privacy(struct sip_msg *msg);

#endif
