/*
 * MSRP frame parser (RFC 4975 section 7.1), zero-copy and incremental in
 * the picohttpparser manner: the frame holds (pointer, length) views into
 * the caller's buffer, nothing is allocated, and a call on a longer buffer
 * after MSRP_NEED_MORE simply parses again.
 *
 * A frame is read in two steps so that bodies can be forwarded as they
 * arrive (cut-through):
 *   1. msrp_parse_head() reads the start line and the headers. The frame
 *      either ends right there (no body: the end-line follows the headers)
 *      or a body follows the blank line.
 *   2. msrp_body_scan() then tells, for each piece of body bytes, how many
 *      are certainly body and whether the end-line with this frame's own
 *      transaction id has been reached. A body line that merely looks like
 *      an end-line (another id, no flag, no CRLF) stays body.
 */
#ifndef RELAY_MSRP_PARSER_H
#define RELAY_MSRP_PARSER_H

#include <stddef.h>

#include "im_span.h"

#define MSRP_NEED_MORE (-2)
#define MSRP_ERROR (-1)

#define MSRP_TID_MIN 4		/* ident = ALPHANUM 3*31ident-char */
#define MSRP_TID_MAX 32
#define MSRP_MAX_HEADERS 32
#define MSRP_END_DASHES 7
/* CRLF "-------" tid flag CRLF */
#define MSRP_END_LINE_MAX (2 + MSRP_END_DASHES + MSRP_TID_MAX + 1 + 2)

/* the relay's name for lib's view type, so header values go to lib's
 * parsers (im_msrp_uri.h) as they are */
typedef im_span_t msrp_span_t;

typedef enum msrp_method {
	MSRP_RESPONSE = 0,
	MSRP_SEND,
	MSRP_REPORT,
	MSRP_AUTH,
	MSRP_UNKNOWN_METHOD,
} msrp_method_t;

#define MSRP_HEADER_IDS(X)              \
	X(TO_PATH, "To-Path")               \
	X(FROM_PATH, "From-Path")           \
	X(MESSAGE_ID, "Message-ID")         \
	X(BYTE_RANGE, "Byte-Range")         \
	X(CONTENT_TYPE, "Content-Type")     \
	X(SUCCESS_REPORT, "Success-Report") \
	X(FAILURE_REPORT, "Failure-Report") \
	X(STATUS, "Status")                 \
	X(USE_PATH, "Use-Path")             \
	X(EXPIRES, "Expires")

typedef enum msrp_header_id {
#define X(id, name) MSRP_H_##id,
	MSRP_HEADER_IDS(X)
#undef X
	MSRP_H_OTHER,
} msrp_header_id_t;

typedef struct msrp_header {
	msrp_header_id_t id;
	msrp_span_t name;
	msrp_span_t value;
} msrp_header_t;

typedef struct msrp_frame {
	msrp_span_t tid;
	msrp_method_t method;
	msrp_span_t method_name; /* requests */
	int status;				 /* responses: 100..999 */
	msrp_span_t comment;	 /* responses, may be empty */
	msrp_header_t headers[MSRP_MAX_HEADERS];
	int nheaders;
	int index[MSRP_H_OTHER]; /* first header of each known kind, or -1 */
	int has_body;
	char flag; /* '$', '+' or '#' when the head ended the frame */
} msrp_frame_t;

typedef struct msrp_limits {
	size_t max_head; /* start line + headers + blank line */
	size_t max_line;
} msrp_limits_t;

/*
 * Returns the number of bytes of the head (with the blank line when a body
 * follows, with the end-line otherwise), MSRP_NEED_MORE, or MSRP_ERROR with
 * a static reason in *err.
 */
int msrp_parse_head(const char *buf, size_t len, const msrp_limits_t *lim,
		msrp_frame_t *f, const char **err);

/* The value of the first header of that kind, or NULL. */
const msrp_span_t *msrp_frame_header(
		const msrp_frame_t *f, msrp_header_id_t id);

/*
 * Scans body bytes of a frame whose transaction id is tid. Returns 1 when
 * the end-line was found: *body_len bytes of body precede it, *used bytes
 * (body and end-line) are consumed and *flag is set. Returns 0 otherwise:
 * the first *body_len bytes are certainly body; the rest (at most
 * MSRP_END_LINE_MAX - 1 bytes) may start the end-line and must be scanned
 * again with more data.
 */
int msrp_body_scan(msrp_span_t tid, const char *buf, size_t len,
		size_t *body_len, size_t *used, char *flag);

const char *msrp_method_name(msrp_method_t m);

#endif
