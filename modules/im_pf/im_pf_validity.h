/*
 * Whether a pager-mode MESSAGE is still valid to pass on:
 *   - its Expires (OP-10, OMA TS 6.1.1.3.1 step 3, and TP-1 step 4,
 *     6.1.2.1 step 4): a MESSAGE whose validity ended before we could
 *     forward it is refused 400 at the originating side; at the
 *     terminating side local policy decides (parameter pager_expired);
 *   - the Date of a signed MESSAGE (MSG-05, RFC 3428 security): an
 *     S/MIME signature covers the Date, so a signed message whose Date is
 *     missing or further than date_tolerance seconds from our clock may be
 *     a replay: 400 (Incorrect Date or Time).
 */
#ifndef IM_PF_VALIDITY_H
#define IM_PF_VALIDITY_H

#include <time.h>

#include "core/parser/msg_parser.h"

#include "im_pf_refusal.h"

/* TP-1 step 4 local policy: 1 an expired MESSAGE is refused as at the
 * originating side, 0 it is delivered all the same */
extern int impf_pager_expired;
/* MSG-05: how far (s) a signed MESSAGE's Date may be from our clock;
 * 0: not checked */
extern int impf_date_tolerance;

/* 0: the MESSAGE may go on; -1: r says how to refuse it. terminating
 * selects the TP-1 policy. */
int impf_check_validity(
		struct sip_msg *msg, int terminating, time_t now, impf_refusal_t *r);

#endif
