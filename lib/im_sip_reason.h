/*
 * The reason phrases of the SIP status codes our modules answer with
 * (RFC 3261 21, RFC 3265, RFC 4028, RFC 6665): one table, so that the
 * B2BUA (im_ua) and the controlling function (im_cf) say the same thing
 * for the same code.
 */
#ifndef IM_SIP_REASON_H
#define IM_SIP_REASON_H

/* The phrase of code, or NULL for a code not in the table (the caller
 * picks its own fallback). Static text. */
const char *im_sip_reason(int code);

#endif
