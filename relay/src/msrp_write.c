#include "msrp_write.h"

#include <string.h>
#include <sys/random.h>

#include "msrp_hdr.h"

/* The writers append pieces with memcpy and format numbers by hand:
 * snprintf was a sixth of the relay's time on small messages. */
typedef struct wbuf {
	char *p;
	size_t len, cap;
	int overflow;
} wbuf_t;

static void put(wbuf_t *b, const char *s, size_t n)
{
	if(b->overflow || n >= b->cap - b->len) {
		b->overflow = 1;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void puts_(wbuf_t *b, const char *s)
{
	put(b, s, strlen(s));
}

static void put_u64(wbuf_t *b, uint64_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while(v);
	put(b, tmp + i, sizeof(tmp) - i);
}

static size_t done(wbuf_t *b)
{
	return b->overflow ? 0 : b->len;
}

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
	wbuf_t b = {out, 0, cap, 0};

	puts_(&b, "MSRP ");
	puts_(&b, h->tid);
	puts_(&b, " SEND\r\nTo-Path: ");
	puts_(&b, h->to_path);
	puts_(&b, "\r\nFrom-Path: ");
	puts_(&b, h->from_path);
	puts_(&b, "\r\nMessage-ID: ");
	puts_(&b, h->message_id);
	puts_(&b, "\r\nByte-Range: ");
	put_u64(&b, h->start);
	put(&b, "-", 1);
	if(h->end_unknown)
		put(&b, "*", 1);
	else
		put_u64(&b, h->end);
	put(&b, "/", 1);
	if(h->total_unknown)
		put(&b, "*", 1);
	else
		put_u64(&b, h->total);
	put(&b, "\r\n", 2);
	if(h->success_report)
		puts_(&b, "Success-Report: yes\r\n");
	if(h->failure_report >= 0 && h->failure_report != MSRP_REPORT_YES) {
		puts_(&b, "Failure-Report: ");
		puts_(&b, report_value(h->failure_report));
		put(&b, "\r\n", 2);
	}
	if(h->mime_headers && h->mime_len)
		put(&b, h->mime_headers, h->mime_len);
	if(h->content_type) {
		puts_(&b, "Content-Type: ");
		puts_(&b, h->content_type);
		put(&b, "\r\n\r\n", 4);
	}
	return done(&b);
}

size_t msrp_write_end_line(
		char *out, size_t cap, const char *tid, char flag, int after_body)
{
	wbuf_t b = {out, 0, cap, 0};
	if(after_body)
		put(&b, "\r\n", 2);
	puts_(&b, "-------");
	puts_(&b, tid);
	put(&b, &flag, 1);
	put(&b, "\r\n", 2);
	return done(&b);
}

static void put_code(wbuf_t *b, int code)
{
	char c[3] = {(char)('0' + code / 100 % 10), (char)('0' + code / 10 % 10),
			(char)('0' + code % 10)};
	put(b, c, 3);
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
	wbuf_t b = {out, 0, cap, 0};

	puts_(&b, "MSRP ");
	puts_(&b, tid);
	put(&b, " ", 1);
	put_code(&b, code);
	put(&b, " ", 1);
	puts_(&b, comment ? comment : msrp_status_comment(code));
	puts_(&b, "\r\nTo-Path: ");
	puts_(&b, to_uri);
	puts_(&b, "\r\nFrom-Path: ");
	puts_(&b, from_uri);
	puts_(&b, "\r\n-------");
	puts_(&b, tid);
	puts_(&b, "$\r\n");
	return done(&b);
}

/* A REPORT up to its Status line (RFC 4975 7.1.2). */
static void report_head(wbuf_t *b, const char *tid, const char *to_path,
		const char *from_path, const char *message_id, uint64_t start,
		uint64_t end, uint64_t total, int total_unknown, int code,
		const char *comment)
{
	puts_(b, "MSRP ");
	puts_(b, tid);
	puts_(b, " REPORT\r\nTo-Path: ");
	puts_(b, to_path);
	puts_(b, "\r\nFrom-Path: ");
	puts_(b, from_path);
	puts_(b, "\r\nMessage-ID: ");
	puts_(b, message_id);
	puts_(b, "\r\nByte-Range: ");
	put_u64(b, start);
	put(b, "-", 1);
	put_u64(b, end);
	put(b, "/", 1);
	if(total_unknown)
		put(b, "*", 1);
	else
		put_u64(b, total);
	puts_(b, "\r\nStatus: 000 ");
	put_code(b, code);
	put(b, " ", 1);
	puts_(b, comment ? comment : msrp_status_comment(code));
}

size_t msrp_write_report(char *out, size_t cap, const char *tid,
		const char *to_path, const char *from_path, const char *message_id,
		uint64_t start, uint64_t end, uint64_t total, int total_unknown,
		int code, const char *comment)
{
	wbuf_t b = {out, 0, cap, 0};

	report_head(&b, tid, to_path, from_path, message_id, start, end, total,
			total_unknown, code, comment);
	puts_(&b, "\r\n-------");
	puts_(&b, tid);
	puts_(&b, "$\r\n");
	return done(&b);
}

size_t msrp_write_report_body(char *out, size_t cap,
		const msrp_report_body_t *r, const char *content_type,
		const void *body, size_t len)
{
	wbuf_t b = {out, 0, cap, 0};

	report_head(&b, r->tid, r->to_path, r->from_path, r->message_id, r->start,
			r->end, r->total, r->total_unknown, r->code, r->comment);
	puts_(&b, "\r\nContent-Type: ");
	puts_(&b, content_type);
	puts_(&b, "\r\n\r\n");
	put(&b, (const char *)body, len);
	puts_(&b, "\r\n-------");
	puts_(&b, r->tid);
	puts_(&b, "$\r\n");
	return done(&b);
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
