/*
 * The request target in a URI that carries a method and headers, as
 * resource-list entries (OMA App L, RFC 5368; im_rlist.h) and REFER
 * Refer-To values (RFC 3515, CF-7, CF-8) write them:
 *   sip:bob@example.com;method=INVITE?Replaces=abc%3Bto-tag%3D1%3Bfrom-tag%3D2
 *   sip:carol@example.com;method=BYE
 * target is the URI without the method parameter and the headers (the
 * Request-URI to use); the method comes from the uri-parameter or a
 * method= header; Replaces and every other header are percent-decoded.
 * A decoded value with a control character (CR, LF, NUL...) is refused,
 * so the URI cannot inject SIP header lines; so are a URI with a space
 * or non-ASCII byte, one without a scheme or host, two different
 * methods, two Replaces, more than IM_URI_MAX_HEADERS other headers.
 *
 * Memory: the strings are malloc'd, owned by the im_uri_target_t until
 * im_uri_target_clear().
 */
#ifndef IM_URI_TARGET_H
#define IM_URI_TARGET_H

#include <stddef.h>

#define IM_URI_MAX_HEADERS 8

typedef struct im_uri_header {
	char *name;	 /* as written */
	char *value; /* percent-decoded */
} im_uri_header_t;

typedef struct im_uri_target {
	char *target;	/* the uri without method parameter and headers */
	char *method;	/* "INVITE", "BYE"...; NULL when none is given */
	char *replaces; /* decoded Replaces header; NULL when absent */
	im_uri_header_t headers[IM_URI_MAX_HEADERS]; /* the others */
	size_t n_headers;
} im_uri_target_t;

/*
 * Splits the NUL-terminated uri into *t (zeroed first). 0; -1 when the
 * URI is malformed, with a reason in err; -2 when out of memory. On
 * failure *t may hold parts: im_uri_target_clear() it either way.
 */
int im_uri_target_split(const char *uri, im_uri_target_t *t, char *err,
		size_t errlen);

void im_uri_target_clear(im_uri_target_t *t);

#endif
