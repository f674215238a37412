/*
 * Writers for the frames the relay sends: request heads, end-lines,
 * responses and REPORTs (RFC 4975 section 7). Pure: they fill a caller
 * buffer and return the length, or 0 when it does not fit.
 */
#ifndef RELAY_MSRP_WRITE_H
#define RELAY_MSRP_WRITE_H

#include <stddef.h>
#include <stdint.h>

typedef struct msrp_send_head {
	const char *tid;
	const char *to_path;
	const char *from_path;
	const char *message_id;
	uint64_t start, end, total; /* end/total unknown: set the flags */
	int end_unknown, total_unknown;
	int success_report; /* 1: "yes" */
	int failure_report; /* -1: omit, else msrp_report_t */
	const char *mime_headers; /* complete "Name: value\r\n" lines, or NULL */
	size_t mime_len;
	const char *content_type; /* NULL: no body */
} msrp_send_head_t;

size_t msrp_write_send_head(char *out, size_t cap, const msrp_send_head_t *h);

/* "\r\n-------tid$\r\n" after a body, "-------tid$\r\n" without. */
size_t msrp_write_end_line(
		char *out, size_t cap, const char *tid, char flag, int after_body);

size_t msrp_write_response(char *out, size_t cap, const char *tid, int code,
		const char *comment, const char *to_uri, const char *from_uri);

size_t msrp_write_report(char *out, size_t cap, const char *tid,
		const char *to_path, const char *from_path, const char *message_id,
		uint64_t start, uint64_t end, uint64_t total, int total_unknown,
		int code, const char *comment);

/* A REPORT that carries a body: OMA IM's final delivery report when the
 * sender asked for MSRP REPORTs (C-8, TS 5.7.3), or such a REPORT passed
 * on by a bridge. comment NULL: the code's own. */
typedef struct msrp_report_body {
	const char *tid, *to_path, *from_path, *message_id;
	uint64_t start, end, total;
	int total_unknown;
	int code;
	const char *comment;
} msrp_report_body_t;

size_t msrp_write_report_body(char *out, size_t cap,
		const msrp_report_body_t *r, const char *content_type,
		const void *body, size_t len);

/* A fresh transaction id: 16 characters of [0-9a-zA-Z]. */
void msrp_new_tid(char out[17]);
/* A fresh Message-ID. */
void msrp_new_message_id(char out[25]);

const char *msrp_status_comment(int code);

#endif
