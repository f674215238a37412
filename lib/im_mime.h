/*
 * The SDP of a SIP body that may be multipart (RFC 2046 section 5.1): an
 * ad-hoc group INVITE carries multipart/mixed with the SDP and a
 * recipient-list resource list (RFC 5366, CF-2), and the SDP alone is
 * what gets rewritten and put back in its place.
 *
 * Also the check of a Content-Type value an operator gives (MS-5 system
 * messages) before it is written into a header.
 *
 * Pure C on caller buffers; the part is a view into the body.
 */
#ifndef IM_MIME_H
#define IM_MIME_H

#include <stddef.h>

#include "im_span.h"

/* Longest boundary RFC 2046 allows */
#define IM_MIME_MAX_BOUNDARY 70

/*
 * Finds the body of want_type ("application/sdp") in a body of type
 * content_type (a Content-Type header value). Media types compare without
 * case, parameters ignored. A body of want_type is the part itself; in a
 * multipart/<any> body the first top-level part of want_type (nested
 * multiparts are not searched; a part without Content-Type is text/plain).
 * The part starts after the empty line ending its headers and ends before
 * the CRLF (or LF) of the next delimiter; a part whose headers end at the
 * delimiter (RFC 2046 allows it) is empty, and splicing text there would
 * make it a header: such a part can only be refused.
 *
 * 0: *part set; 1: no such part (another type, or no part of that type);
 * -1: a malformed multipart (no or bad boundary parameter, no delimiter,
 * no close delimiter, part headers not ended by an empty line).
 */
int im_mime_find(im_span_t content_type, im_span_t body, const char *want_type,
		im_span_t *part);

/*
 * RFC 2392 and RFC 5368 (multiple-refer): the top-level part of a
 * multipart body whose Content-ID is <id>. 0: *part (its body) and *type
 * (its media type) set; 1: no such part, or the body is no multipart (a
 * single body's Content-ID is a header of the message itself: see
 * im_mime_content_id_is); -1: a malformed multipart.
 */
int im_mime_find_id(im_span_t content_type, im_span_t body, im_span_t id,
		im_span_t *part, im_span_t *type);

/* 1 when a Content-ID header value is "<id>" (blanks around allowed). */
int im_mime_content_id_is(im_span_t value, im_span_t id);

/* The id a cid: URL (RFC 2392) names, percent-decoded, into out
 * (NUL-terminated): its length, or -1 when url is no cid: URL, an escape
 * is broken, it decodes to a control, blank or angle bracket, or out is
 * too small. */
int im_mime_cid_id(im_span_t url, char *out, size_t cap);

/*
 * Writes body with part (a view into body, as im_mime_find gives) replaced
 * by repl[0..repl_len). Returns the length (not NUL terminated), or 0 when
 * out is too small or part is not inside body.
 */
size_t im_mime_splice(im_span_t body, im_span_t part, const char *repl,
		size_t repl_len, char *out, size_t outlen);

/* Longest Content-Type value im_mime_type_ok takes */
#define IM_MIME_MAX_TYPE 512

/*
 * 1 when v[0..len) is a Content-Type value of RFC 2045 section 5.1:
 * type "/" subtype (tokens), then any number of ";" attribute "=" value
 * (a token or a quoted-string), blanks allowed around the ";" only; no
 * CR, LF or other control character, at most IM_MIME_MAX_TYPE bytes.
 * What a value given by an operator must be before it goes into a header
 * (MS-5 system messages).
 */
int im_mime_type_ok(const char *v, size_t len);

#endif
