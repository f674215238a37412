/*
 * What a party's MSRP media must take to be in a conference (CF-2 step 7,
 * CF-4 step 7, CF-5, D-18): OMA makes message/cpim mandatory there, the
 * switch checks the CPIM From of every SEND, so an offer or answer whose
 * a=accept-types cannot carry message/cpim is not acceptable (488).
 *
 * Pure C (unit-tested by test/unit/test_cf.c, cf_cases/accept.txt).
 */
#ifndef IM_CF_ACCEPT_H
#define IM_CF_ACCEPT_H

#include <stddef.h>

/* 1: the space-separated accept-types list admits message/cpim (itself,
 * message/ *, or *; any case); 0: not. */
int imcf_types_take_cpim(const char *types, size_t len);

/* 0: the SDP's MSRP media does not admit message/cpim; 1: it does, or
 * the SDP is not one the relay takes (the relay refuses it with its own
 * reason). */
int imcf_sdp_takes_cpim(const char *sdp, size_t len);

/* the Warning text of the 488 (D-34 style) */
#define IMCF_NO_CPIM "304 message/cpim not in a=accept-types"

#endif
