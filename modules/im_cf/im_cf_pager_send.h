/*
 * How the group pager sends a request out of any dialog (im_cf_pager_send.c).
 */
#ifndef IM_CF_PAGER_SEND_H
#define IM_CF_PAGER_SEND_H

#include "core/str.h"

/* mod_init: binds tm, and im_pf unless outbound_proxy is set. 0 or -1. */
int imcf_pager_send_init(void);

/* Sends a MESSAGE out of any dialog through our own terminating function
 * (or outbound_proxy), signed as our own hop. from_uri/from_dname the
 * From; hdrs extra headers (CRLF-terminated), ctype/body the body. cb
 * (may be NULL) gets the final code once; arg is the caller's. 0 or -1
 * (cb not called). */
typedef void (*imcf_pager_cb_f)(int code, void *arg);
int imcf_pager_send(const str *ruri, const str *from_uri,
		const str *from_dname, const str *hdrs, const str *ctype,
		const str *body, imcf_pager_cb_f cb, void *arg);

/* what followed by a token unique on this node (Call-IDs, tags,
 * boundaries) */
void imcf_pager_unique(char *out, int len, const char *what);

#endif
