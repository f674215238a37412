#include "msrp_write.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "msrp_hdr.h"

/* snprintf that reports "did not fit" as 0 */
#define APPEND(...)                                         \
	do {                                                    \
		int n_ = snprintf(out + len, cap - len, __VA_ARGS__); \
		if(n_ < 0 || (size_t)n_ >= cap - len)               \
			return 0;                                       \
		len += (size_t)n_;                                  \
	} while(0)

static const char *report_value(int v)
{
	switch(v) {
		case MSRP_REPORT_NO:
			return "no";
		case MSRP_REPORT_PARTIAL:
			return "partial";
	}
	return "yes";
}

size_t msrp_write_send_head(char *out, size_t cap, const msrp_send_head_t *h)
{
	size_t len = 0;

	APPEND("MSRP %s SEND\r\nTo-Path: %s\r\nFrom-Path: %s\r\nMessage-ID: %s\r\n",
			h->tid, h->to_path, h->from_path, h->message_id);
	APPEND("Byte-Range: %llu-", (unsigned long long)h->start);
	if(h->end_unknown)
		APPEND("*/");
	else
		APPEND("%llu/", (unsigned long long)h->end);
	if(h->total_unknown)
		APPEND("*\r\n");
	else
		APPEND("%llu\r\n", (unsigned long long)h->total);
	if(h->success_report)
		APPEND("Success-Report: yes\r\n");
	if(h->failure_report >= 0 && h->failure_report != MSRP_REPORT_YES)
		APPEND("Failure-Report: %s\r\n", report_value(h->failure_report));
	if(h->mime_headers && h->mime_len) {
		if(h->mime_len >= cap - len)
			return 0;
		memcpy(out + len, h->mime_headers, h->mime_len);
		len += h->mime_len;
	}
	if(h->content_type)
		APPEND("Content-Type: %s\r\n\r\n", h->content_type);
	return len;
}

size_t msrp_write_end_line(
		char *out, size_t cap, const char *tid, char flag, int after_body)
{
	size_t len = 0;
	APPEND("%s-------%s%c\r\n", after_body ? "\r\n" : "", tid, flag);
	return len;
}

const char *msrp_status_comment(int code)
{
	switch(code) {
		case 200:
			return "OK";
		case 400:
			return "Bad Request";
		case 403:
			return "Forbidden";
		case 408:
			return "Request Timeout";
		case 413:
			return "Message Too Large";
		case 415:
			return "Unsupported Media Type";
		case 423:
			return "Interval Out-of-Bounds";
		case 481:
			return "Session Does Not Exist";
		case 501:
			return "Not Implemented";
		case 506:
			return "Wrong Connection";
	}
	return "Error";
}

size_t msrp_write_response(char *out, size_t cap, const char *tid, int code,
		const char *comment, const char *to_uri, const char *from_uri)
{
	size_t len = 0;
	APPEND("MSRP %s %03d %s\r\nTo-Path: %s\r\nFrom-Path: %s\r\n-------%s$\r\n",
			tid, code, comment ? comment : msrp_status_comment(code), to_uri,
			from_uri, tid);
	return len;
}

size_t msrp_write_report(char *out, size_t cap, const char *tid,
		const char *to_path, const char *from_path, const char *message_id,
		uint64_t start, uint64_t end, uint64_t total, int total_unknown,
		int code, const char *comment)
{
	size_t len = 0;
	APPEND("MSRP %s REPORT\r\nTo-Path: %s\r\nFrom-Path: %s\r\nMessage-ID: "
		   "%s\r\n",
			tid, to_path, from_path, message_id);
	if(total_unknown)
		APPEND("Byte-Range: %llu-%llu/*\r\n", (unsigned long long)start,
				(unsigned long long)end);
	else
		APPEND("Byte-Range: %llu-%llu/%llu\r\n", (unsigned long long)start,
				(unsigned long long)end, (unsigned long long)total);
	APPEND("Status: 000 %03d %s\r\n-------%s$\r\n", code,
			comment ? comment : msrp_status_comment(code), tid);
	return len;
}

/* Transaction ids and Message-IDs need to be unique, not secret: a
 * xorshift generator seeded once from the kernel, no syscall per frame. */
static uint64_t next_random(void)
{
	static uint64_t state;
	if(state == 0) {
		if(getrandom(&state, sizeof(state), 0) != (ssize_t)sizeof(state)
				|| state == 0)
			state = 0x9e3779b97f4a7c15ULL ^ (uint64_t)(uintptr_t)&state;
	}
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

static void random_ident(char *out, size_t n)
{
	static const char alphabet[] =
			"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
	uint64_t r = 0;

	for(size_t i = 0; i < n; i++) {
		if(i % 10 == 0)
			r = next_random();
		out[i] = alphabet[r % 62];
		r /= 62;
	}
	out[n] = '\0';
}

void msrp_new_tid(char out[17])
{
	random_ident(out, 16);
}

void msrp_new_message_id(char out[25])
{
	random_ident(out, 24);
}
