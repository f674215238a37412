/*
 * REFER to a session (CF-7, CF-8, D-14): a participant adds one user
 * (Refer-To with no method or method=INVITE), several (a cid: Refer-To
 * naming a resource list in the body, multiple-refer), or removes one
 * (method=BYE). Accepted REFERs get 202; Refer-Sub: false (or Require:
 * norefersub) is echoed and then no NOTIFY follows; otherwise, in the
 * referrer's dialog, NOTIFYs with message/sipfrag report the progress.
 */
#ifndef IM_CF_REFER_H
#define IM_CF_REFER_H

#include "core/parser/msg_parser.h"
#include "core/str.h"

#include "im_cf_table.h"

/* The REFER req of participant `referrer` of s, received in its dialog
 * with us (in_dialog 1) or outside any (0). Returns the code to answer
 * (202 when accepted) and in *hdrs (pkg or empty) the headers that go
 * with it. */
int imcf_refer(imcf_session_t *s, int referrer, struct sip_msg *req,
		int in_dialog, str *hdrs);

/* The Refer-To of req asks for a removal (method=BYE): a REFER to an
 * unknown session is then CF-8's 403 + 122, otherwise 404 (OMA TS 11.2). */
int imcf_refer_is_removal(struct sip_msg *req);

#endif
