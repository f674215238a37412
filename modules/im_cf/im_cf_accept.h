/*
 * What a party's MSRP media must take to be in a conference (CF-2 step 7,
 * CF-4 step 7, CF-5, D-18): OMA makes message/cpim mandatory there, the
 * switch checks the CPIM From of every SEND, so an offer or answer whose
 * a=accept-types cannot carry message/cpim is not acceptable (488). And
 * what the inviter's 200 says the wrapper may carry (CF-2).
 *
 * Pure C (unit-tested by test/unit/test_cf.c, cf_cases/accept.txt and
 * cf_cases/wrapped.txt).
 */
#ifndef IM_CF_ACCEPT_H
#define IM_CF_ACCEPT_H

#include <stddef.h>

/* 1: the space-separated accept-types list admits message/cpim (itself,
 * message/ *, or *; any case); 0: not. */
int imcf_types_take_cpim(const char *types, size_t len);

/* D-22: whether accept-types (or an SDP's) take multipart/mixed (it, any
 * multipart subtype, or any type); an SDP that does not parse does not. */
int imcf_types_take_multipart(const char *types, size_t len);
int imcf_sdp_takes_multipart(const char *sdp, size_t len);

/* 0: the SDP's MSRP media does not admit message/cpim; 1: it does, or
 * the SDP is not one the relay takes (the relay refuses it with its own
 * reason). */
int imcf_sdp_takes_cpim(const char *sdp, size_t len);

/*
 * CF-2 "answering the inviter": the a=accept-wrapped-types of the 200 to
 * the inviter, selected from its offer and the answer of the invitee
 * whose 200 made it (accept-types itself stays message/cpim, D-18; the
 * selection is what the CPIM wrapper may carry, RFC 4975 section 8.6,
 * RFC 3862).
 *
 * offered: the inviter's a=accept-wrapped-types (empty: none, taken as
 * "*"); wrapped, types: the invitee's a=accept-wrapped-types and
 * a=accept-types; without the former its list is the latter less
 * message/cpim. Each inviter type, in the inviter's order, gives the
 * narrower of it and each invitee type it matches (case-insensitive, "*"
 * and "type/ *" as wildcards), once; no match at all gives the inviter's
 * list. *out: the space-separated selection, NUL-terminated. Its length,
 * or -1 when cap is too small (olen + wlen + tlen + 2 always suffices).
 */
int imcf_wrapped_select(const char *offered, size_t olen, const char *wrapped,
		size_t wlen, const char *types, size_t tlen, char *out, size_t cap);

/* sdp (len) with the value of its first a=accept-wrapped-types line
 * replaced by types (tlen), into out (NUL-terminated). Its length, or -1
 * when there is no such line or cap is too small (len + tlen + 1
 * suffices). */
int imcf_sdp_set_wrapped(const char *sdp, size_t len, const char *types,
		size_t tlen, char *out, size_t cap);

/* the Warning text of the 488 (D-34 style) */
#define IMCF_NO_CPIM "304 message/cpim not in a=accept-types"

#endif
