/*
 * The SDP of a SIP body: alone, or a part of multipart/mixed with a
 * recipient list (RFC 5366, CF-2). Bodies are also fed at every
 * truncation length from an exactly sized heap copy.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "im_mime.h"

#define SDP                                          \
	"v=0\r\n"                                        \
	"o=- 1 1 IN IP4 192.0.2.10\r\n"                  \
	"s=-\r\n"                                        \
	"c=IN IP4 192.0.2.10\r\n"                        \
	"t=0 0\r\n"                                      \
	"m=message 2855 TCP/MSRP *\r\n"                  \
	"a=accept-types:message/cpim\r\n"                \
	"a=path:msrp://192.0.2.10:2855/17109507;tcp\r\n" \
	"a=sendrecv\r\n"

#define RLS                                                                \
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"                       \
	"<resource-lists xmlns=\"urn:ietf:params:xml:ns:resource-lists\">\r\n" \
	"  <list>\r\n"                                                         \
	"    <entry uri=\"sip:bill@example.com\"/>\r\n"                        \
	"  </list>\r\n"                                                        \
	"</resource-lists>"

/* RFC 5366 section 4 style INVITE body */
static const char rfc5366_body[] =
		"--boundary1\r\n"
		"Content-Type: application/sdp\r\n"
		"\r\n" SDP "\r\n"
		"--boundary1\r\n"
		"Content-Type: application/resource-lists+xml\r\n"
		"Content-Disposition: recipient-list\r\n"
		"\r\n" RLS "\r\n"
		"--boundary1--\r\n";

static im_span_t span(const char *s)
{
	im_span_t v = {s, strlen(s)};
	return v;
}

static void assert_span(im_span_t s, const char *want)
{
	assert_int_equal(s.len, strlen(want));
	assert_memory_equal(s.p ? s.p : "", want, s.len);
}

/* Every prefix of the body gives an answer without reading past it. */
static void every_cut(const char *ct, const char *body, const char *want)
{
	size_t len = strlen(body);

	for(size_t n = 0; n <= len; n++) {
		char *copy = malloc(n ? n : 1);
		im_span_t b = {copy, n}, part;
		int r;

		memcpy(copy, body, n);
		r = im_mime_find(span(ct), b, want, &part);
		assert_true(r >= -1 && r <= 1);
		if(r == 0)
			assert_true(part.p >= copy && part.p + part.len <= copy + n);
		free(copy);
	}
}

static int find(
		const char *ct, const char *body, const char *want, im_span_t *part)
{
	every_cut(ct, body, want);
	return im_mime_find(span(ct), span(body), want, part);
}

static void single_part(void **state)
{
	im_span_t part;

	(void)state;
	assert_int_equal(find("application/sdp", SDP, "application/sdp", &part), 0);
	assert_span(part, SDP);
	assert_int_equal(find(" Application/SDP ; charset=utf-8", SDP,
							 "application/sdp", &part),
			0);
	assert_span(part, SDP);
	assert_int_equal(find("text/plain", "hello", "application/sdp", &part), 1);
	assert_int_equal(find("", "", "application/sdp", &part), 1);
	/* a prefix is another type */
	assert_int_equal(
			find("application/sdpx", SDP, "application/sdp", &part), 1);
}

static void rfc5366_multipart(void **state)
{
	im_span_t part;

	(void)state;
	assert_int_equal(find("multipart/mixed;boundary=\"boundary1\"",
							 rfc5366_body, "application/sdp", &part),
			0);
	assert_span(part, SDP);
	assert_int_equal(
			find("multipart/mixed;boundary=\"boundary1\"", rfc5366_body,
					"application/resource-lists+xml", &part),
			0);
	assert_span(part, RLS);
	assert_int_equal(find("multipart/mixed;boundary=\"boundary1\"",
							 rfc5366_body, "text/plain", &part),
			1);
}

static void boundary_forms(void **state)
{
	static const char body[] = "--simple boundary\r\n"
							   "content-type:application/resource-lists+xml\r\n"
							   "content-disposition:recipient-list\r\n"
							   "\r\n" RLS "\r\n"
							   "--simple boundary \t\r\n"
							   "CONTENT-TYPE : Application/Sdp\r\n"
							   "\r\n" SDP "\r\n"
							   "--simple boundary--\r\n";
	static const char token_body[] = "--b-1_x\r\n"
									 "Content-Type: application/sdp\r\n"
									 "\r\n" SDP "\r\n"
									 "--b-1_x--";
	im_span_t part;

	(void)state;
	/* quoted, with a space, SDP second, header names without case */
	assert_int_equal(find("multipart/mixed; boundary=\"simple boundary\"", body,
							 "application/sdp", &part),
			0);
	assert_span(part, SDP);
	/* a token, other parameters around it, no line end after the close */
	assert_int_equal(find("MULTIPART/RELATED ; type=application/sdp ;\r\n "
						  "BOUNDARY = b-1_x ; start=x;",
							 token_body, "application/sdp", &part),
			0);
	assert_span(part, SDP);
	assert_int_equal(find("multipart/alternative;boundary=b-1_x", token_body,
							 "application/sdp", &part),
			0);
	assert_span(part, SDP);
}

static void preamble_and_epilogue(void **state)
{
	static const char body[] = "This is the preamble.\r\n"
							   "--b1 is not a delimiter here\r\n"
							   "--b1\r\n"
							   "Content-Type: text/plain\r\n"
							   "\r\n"
							   "--b10 looks alike\r\n"
							   "--b1-- and so does this\r\n"
							   "--b1\r\n"
							   "Content-Type: application/sdp\r\n"
							   "\r\n" SDP "\r\n"
							   "--b1--\r\n"
							   "This is the epilogue.\r\n"
							   "--b1\r\n";
	im_span_t part;

	(void)state;
	assert_int_equal(
			find("multipart/mixed;boundary=b1", body, "application/sdp", &part),
			0);
	assert_span(part, SDP);
	assert_int_equal(
			find("multipart/mixed;boundary=b1", body, "text/plain", &part), 0);
	assert_span(part, "--b10 looks alike\r\n--b1-- and so does this");
}

static void lf_only_and_empty_parts(void **state)
{
	static const char body[] = "--b\n"
							   "\n"
							   "just text\n"
							   "--b\n"
							   "--b\n"
							   "Content-Type: application/sdp\n"
							   "\n"
							   "v=0\n"
							   "--b--\n";
	static const char no_body[] = "--b\r\n"
								  "Content-Type: application/sdp\r\n"
								  "\r\n"
								  "--b--\r\n";
	im_span_t part;

	(void)state;
	assert_int_equal(
			find("multipart/mixed;boundary=b", body, "application/sdp", &part),
			0);
	assert_span(part, "v=0");
	/* no Content-Type: text/plain */
	assert_int_equal(
			find("multipart/mixed;boundary=b", body, "text/plain", &part), 0);
	assert_span(part, "just text");
	/* the line end before the delimiter ends the headers too */
	assert_int_equal(find("multipart/mixed;boundary=b", no_body,
							 "application/sdp", &part),
			0);
	assert_span(part, "");
	/* only a close delimiter: no parts at all */
	assert_int_equal(find("multipart/mixed;boundary=b", "--b--\r\n",
							 "application/sdp", &part),
			1);
}

static void no_sdp_part(void **state)
{
	static const char nested[] = "--outer\r\n"
								 "Content-Type: multipart/mixed; "
								 "boundary=inner\r\n"
								 "\r\n"
								 "--inner\r\n"
								 "Content-Type: application/sdp\r\n"
								 "\r\n" SDP "\r\n"
								 "--inner--\r\n"
								 "\r\n"
								 "--outer--\r\n";
	im_span_t part;

	(void)state;
	assert_int_equal(find("multipart/mixed;boundary=\"boundary1\"",
							 rfc5366_body, "application/pidf+xml", &part),
			1);
	/* nested multiparts are not searched */
	assert_int_equal(find("multipart/mixed;boundary=outer", nested,
							 "application/sdp", &part),
			1);
}

static void malformed(void **state)
{
	im_span_t part;

	(void)state;
	/* the boundary parameter */
	assert_int_equal(
			find("multipart/mixed", rfc5366_body, "application/sdp", &part),
			-1);
	assert_int_equal(
			find("multipart/mixed;", rfc5366_body, "application/sdp", &part),
			-1);
	assert_int_equal(find("multipart/mixed;boundary=", rfc5366_body,
							 "application/sdp", &part),
			-1);
	assert_int_equal(find("multipart/mixed;boundary=\"boundary1", rfc5366_body,
							 "application/sdp", &part),
			-1);
	assert_int_equal(find("multipart/mixed;boundary=\"b\\\"1\"", rfc5366_body,
							 "application/sdp", &part),
			-1);
	assert_int_equal(find("multipart/mixed boundary=boundary1", rfc5366_body,
							 "application/sdp", &part),
			-1);
	assert_int_equal(find("multipart/mixed;charset;boundary=boundary1",
							 rfc5366_body, "application/sdp", &part),
			-1);
	assert_int_equal(find("multipart/mixed;boundary=\"boundary1 \"",
							 rfc5366_body, "application/sdp", &part),
			-1);
	assert_int_equal(find("multipart/mixed;boundary=" /* 71 characters */
						  "12345678901234567890123456789012345678901234567890"
						  "123456789012345678901",
							 rfc5366_body, "application/sdp", &part),
			-1);

	/* the parts */
	assert_int_equal(find("multipart/mixed;boundary=other", rfc5366_body,
							 "application/sdp", &part),
			-1);
	assert_int_equal(
			find("multipart/mixed;boundary=b", "", "application/sdp", &part),
			-1);
	assert_int_equal(find("multipart/mixed;boundary=b",
							 "--b\r\n"
							 "Content-Type: application/sdp\r\n"
							 "\r\n" SDP,
							 "application/sdp", &part),
			-1); /* no close delimiter */
	assert_int_equal(find("multipart/mixed;boundary=b",
							 "--b\r\n"
							 "Content-Type: application/sdp\r\n"
							 "\r\n" SDP "\r\n"
							 "--b\r\n",
							 "application/sdp", &part),
			-1);
	assert_int_equal(find("multipart/mixed;boundary=b",
							 "--b\r\n"
							 "Content-Type: application/sdp\r\n"
							 "--b--\r\n",
							 "application/sdp", &part),
			-1); /* headers cut by the delimiter */
	assert_int_equal(find("multipart/mixed;boundary=b",
							 "--b\r\n"
							 "Content-Type: application/sdp\r\n"
							 "no colon here\r\n"
							 "\r\n" SDP "\r\n"
							 "--b--\r\n",
							 "application/sdp", &part),
			-1);
	assert_int_equal(find("multipart/mixed;boundary=b",
							 "--b\r\n"
							 " folded onto nothing\r\n"
							 "\r\n"
							 "--b--\r\n",
							 "application/sdp", &part),
			-1);
	/* a later broken part spoils the whole body */
	assert_int_equal(find("multipart/mixed;boundary=b",
							 "--b\r\n"
							 "Content-Type: application/sdp\r\n"
							 "\r\n" SDP "\r\n"
							 "--b\r\n"
							 "Content-Type: text/plain",
							 "application/sdp", &part),
			-1);
}

static void folded_content_type(void **state)
{
	static const char body[] = "--b\r\n"
							   "Content-Type:\r\n"
							   "\tapplication/sdp;\r\n"
							   " charset=utf-8\r\n"
							   "\r\n" SDP "\r\n"
							   "--b--\r\n";
	im_span_t part;

	(void)state;
	assert_int_equal(
			find("multipart/mixed;boundary=b", body, "application/sdp", &part),
			0);
	assert_span(part, SDP);
}

static void splice_round_trip(void **state)
{
	static const char new_sdp[] = "v=0\r\n"
								  "o=- 42 1 IN IP4 198.51.100.7\r\n"
								  "c=IN IP4 198.51.100.7\r\n"
								  "m=message 40001 TCP/MSRP *\r\n"
								  "a=path:msrp://198.51.100.7:40001/r;tcp\r\n";
	const char *ct = "multipart/mixed;boundary=\"boundary1\"";
	im_span_t body = span(rfc5366_body), part, again, rls;
	size_t want = body.len - strlen(SDP) + strlen(new_sdp), n;
	char out[2048];

	(void)state;
	assert_int_equal(im_mime_find(span(ct), body, "application/sdp", &part), 0);
	n = im_mime_splice(body, part, new_sdp, strlen(new_sdp), out, sizeof(out));
	assert_int_equal(n, want);
	/* what was around the part is untouched */
	assert_memory_equal(out, body.p, (size_t)(part.p - body.p));
	assert_memory_equal(
			out + n - (body.len - (size_t)(part.p - body.p) - part.len),
			part.p + part.len, body.len - (size_t)(part.p - body.p) - part.len);
	/* and it is still the same multipart */
	again.p = out;
	again.len = n;
	assert_int_equal(
			im_mime_find(span(ct), again, "application/sdp", &part), 0);
	assert_span(part, new_sdp);
	assert_int_equal(im_mime_find(span(ct), again,
							 "application/resource-lists+xml", &rls),
			0);
	assert_span(rls, RLS);

	/* back again gives the original */
	{
		char back[2048];
		size_t m = im_mime_splice(
				again, part, SDP, strlen(SDP), back, sizeof(back));
		assert_int_equal(m, body.len);
		assert_memory_equal(back, body.p, body.len);
	}

	/* every buffer size: 0 below the length needed */
	for(size_t cap = 0; cap <= want + 4; cap++) {
		char *buf = malloc(cap ? cap : 1);
		assert_int_equal(
				im_mime_find(span(ct), body, "application/sdp", &part), 0);
		n = im_mime_splice(
				body, part, new_sdp, strlen(new_sdp), cap ? buf : NULL, cap);
		assert_int_equal(n, cap < want ? 0 : want);
		free(buf);
	}

	/* a single-part body is replaced as a whole */
	assert_int_equal(im_mime_find(span("application/sdp"), span(SDP),
							 "application/sdp", &part),
			0);
	n = im_mime_splice(
			span(SDP), part, new_sdp, strlen(new_sdp), out, sizeof(out));
	assert_int_equal(n, strlen(new_sdp));
	assert_memory_equal(out, new_sdp, n);
}

static void splice_part_outside(void **state)
{
	const char *text = "0123456789";
	im_span_t body = {text + 2, 6}, part;
	char out[64];

	(void)state;
	part.p = text;
	part.len = 3;
	assert_int_equal(im_mime_splice(body, part, "x", 1, out, sizeof(out)), 0);
	part.p = text + 5;
	part.len = 4;
	assert_int_equal(im_mime_splice(body, part, "x", 1, out, sizeof(out)), 0);
	part.p = text + 8;
	part.len = 0;
	assert_int_equal(im_mime_splice(body, part, "x", 1, out, sizeof(out)), 7);
	assert_memory_equal(out, "234567x", 7);
}

static int type_ok(const char *v)
{
	return im_mime_type_ok(v, strlen(v));
}

/* MS-5: a system message's content type, as an operator gives it */
static void content_type_values(void **state)
{
	static const char *good[] = {"text/plain", "text/html",
			"message/external-body", "text/plain;charset=UTF-8",
			"text/plain ; charset=UTF-8",
			"message/external-body; access-type=URL; "
			"URL=\"http://example.com/a?b=c\"",
			"application/vnd.oma.poc.final-report+xml",
			"text/plain; x=\"a \\\" quote\"", "a/b;c=d "};
	static const char *bad[] = {"", "text", "text/", "/plain", "text/plain/x",
			"text /plain", "text/ plain", "text/plain;", "text/plain; charset",
			"text/plain; charset=", "text/plain; charset = UTF-8",
			"text/plain charset=UTF-8", "text/plain\r\nX-Evil: 1",
			"text/pl\tain", "text/plain; a=\"open", "text/plain; a=\"x\ry\"",
			"te(x)t/plain", "text/plain; a=b c", "text/plain; a=\"x\\"};
	char big[IM_MIME_MAX_TYPE + 2];

	(void)state;
	for(size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(type_ok(good[i]));
	for(size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if(type_ok(bad[i]))
			fail_msg("accepted: %s", bad[i]);
	}
	/* a NUL inside the given length is no token character */
	assert_false(im_mime_type_ok("text/pl\0in", 11));
	memset(big, 'a', sizeof(big));
	big[1] = '/';
	assert_true(im_mime_type_ok(big, IM_MIME_MAX_TYPE));
	assert_false(im_mime_type_ok(big, IM_MIME_MAX_TYPE + 1));
	assert_false(im_mime_type_ok(NULL, 0));
}

/* RFC 5368: the part a multiple-refer's cid: Refer-To names */
static void part_by_content_id(void **state)
{
	static const char body[] =
			"--b1\r\n"
			"Content-Type: text/plain\r\n"
			"Content-ID: <other@home1.net>\r\n"
			"\r\n"
			"not it\r\n"
			"--b1\r\n"
			"Content-Type: application/resource-lists+xml\r\n"
			"Content-ID:\r\n"
			"  <list%1@home1.net> \r\n"
			"\r\n" RLS "\r\n"
			"--b1--\r\n";
	im_span_t ct = span("multipart/mixed; boundary=b1"), part, type;
	char id[64];

	(void)state;
	/* a cid: URL is percent-decoded (RFC 2392) */
	assert_int_equal(im_mime_cid_id(span("cid:list%251@home1.net"), id,
							 sizeof(id)),
			16);
	assert_string_equal(id, "list%1@home1.net");
	assert_int_equal(
			im_mime_find_id(ct, span(body), span(id), &part, &type), 0);
	assert_span(part, RLS);
	assert_span(type, "application/resource-lists+xml");
	assert_int_equal(im_mime_find_id(ct, span(body), span("other@home1.net"),
							 &part, &type),
			0);
	assert_span(part, "not it");
	assert_int_equal(im_mime_find_id(ct, span(body), span("list1@home1.net"),
							 &part, &type),
			1);
	/* a single body: its Content-ID is the message's header */
	assert_int_equal(im_mime_find_id(span("application/resource-lists+xml"),
							 span(RLS), span(id), &part, &type),
			1);
	assert_int_equal(im_mime_find_id(span("multipart/mixed; boundary=b1"),
							 span("--b1\r\nno end"), span(id), &part, &type),
			-1);
	assert_true(im_mime_content_id_is(span(" <a@b> "), span("a@b")));
	assert_false(im_mime_content_id_is(span("a@b"), span("a@b")));
	assert_false(im_mime_content_id_is(span("<a@bc>"), span("a@b")));
	assert_false(im_mime_content_id_is(span("<>"), span("")));
	assert_int_equal(im_mime_cid_id(span("cid:"), id, sizeof(id)), -1);
	assert_int_equal(im_mime_cid_id(span("sip:a@b"), id, sizeof(id)), -1);
	assert_int_equal(im_mime_cid_id(span("cid:a%2"), id, sizeof(id)), -1);
	assert_int_equal(im_mime_cid_id(span("cid:a%3Eb"), id, sizeof(id)), -1);
	assert_int_equal(im_mime_cid_id(span("cid:a%00b"), id, sizeof(id)), -1);
	assert_int_equal(im_mime_cid_id(span("cid:abcdef"), id, 6), -1);
	assert_int_equal(im_mime_cid_id(span("CID:abcde"), id, 6), 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test(single_part),
			cmocka_unit_test(rfc5366_multipart),
			cmocka_unit_test(boundary_forms),
			cmocka_unit_test(preamble_and_epilogue),
			cmocka_unit_test(lf_only_and_empty_parts),
			cmocka_unit_test(no_sdp_part),
			cmocka_unit_test(malformed),
			cmocka_unit_test(folded_content_type),
			cmocka_unit_test(splice_round_trip),
			cmocka_unit_test(splice_part_outside),
			cmocka_unit_test(content_type_values),
			cmocka_unit_test(part_by_content_id),
	};
	return cmocka_run_group_tests_name("im_mime", tests, NULL, NULL);
}
