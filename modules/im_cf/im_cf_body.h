/*
 * The parts of SIP bodies the controlling function reads and writes:
 * the SDP and the resource list of a (multipart) request, and the
 * multipart/mixed body of an invitation (CF-13, NNI-17).
 */
#ifndef IM_CF_BODY_H
#define IM_CF_BODY_H

#include "core/parser/msg_parser.h"
#include "core/str.h"

#define IMCF_CT_SDP "application/sdp"
#define IMCF_CT_RLIST "application/resource-lists+xml"

/* The part of msg's body of type want (the whole body when it is of that
 * type). 0 found, 1 none, -1 malformed multipart. */
int imcf_body_part(struct sip_msg *msg, const char *want, str *part);

/* RFC 5368, RFC 2392: the body part a cid: URL names (by its Content-ID;
 * a single body by the message's Content-ID header), which must be of
 * type want. 0: *part set; 1: no such part (or not of that type, or a bad
 * cid: URL); -1: a malformed multipart. */
int imcf_body_part_by_cid(
		struct sip_msg *msg, const str *cid_url, const char *want, str *part);

/* multipart/mixed of sdp and, when list is not empty, the resource list
 * as recipient-list-history (handling=optional): pkg body, its
 * Content-Type into ctype (pkg). A lone SDP is returned as is (not
 * copied) with ctype application/sdp. 0 or -1. */
int imcf_body_invitation(const str *sdp, const str *list, const char *boundary,
		str *body, str *ctype, int *allocated);

#endif
