/*
 * The MSRP media of SDP offers and answers (RFC 4975 section 8, TR-1029,
 * 3GPP TS 24.247 A.5; OP-3, TP-3, D-19). Every parse input is also fed
 * at every truncation length from an exactly sized heap copy, so ASan
 * sees any read past the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "im_sdp.h"

/* RFC 4975 section 8 style: Alice's offer */
static const char rfc4975_offer[] = "v=0\r\n"
									"o=alice 2890844526 2890844527 IN IP4 "
									"alice.example.com\r\n"
									"s= -\r\n"
									"c=IN IP4 alice.example.com\r\n"
									"t=0 0\r\n"
									"m=message 7654 TCP/MSRP *\r\n"
									"a=accept-types:text/plain\r\n"
									"a=path:msrp://alice.example.com:7654/"
									"jshA7weztas;tcp\r\n";

/* RFC 4975 section 8 style: over TLS, through a relay (RFC 4976) */
static const char rfc4975_tls[] =
		"v=0\r\n"
		"o=bob 2890844612 2890844616 IN IP4 bob.example.com\r\n"
		"s= -\r\n"
		"c=IN IP4 bob.example.com\r\n"
		"t=0 0\r\n"
		"m=message 12763 TCP/TLS/MSRP *\r\n"
		"a=accept-types:message/cpim text/plain text/html\r\n"
		"a=accept-wrapped-types:text/plain image/*\r\n"
		"a=max-size:131072\r\n"
		"a=path:msrps://relay.example.net:2855/kjhd37s2s20w2a;tcp "
		"msrps://bob.example.com:12763/9di4eae923wzd;tcp\r\n";

/* TR-1029 section 5 offer from client A */
static const char tr1029_offer[] = "v=0\r\n"
								   "o=- 1710950739 1710950739 IN IP4 "
								   "192.0.2.10\r\n"
								   "s=-\r\n"
								   "c=IN IP4 192.0.2.10\r\n"
								   "t=0 0\r\n"
								   "m=message 2855 TCP/MSRP *\r\n"
								   "a=accept-types:message/cpim\r\n"
								   "a=path:msrp://192.0.2.10:2855/"
								   "1710950739;tcp\r\n"
								   "a=sendrecv\r\n";

/* 3GPP TS 24.247 A.5.2 step 1: the focus offers, active */
static const char gpp_offer[] =
		"v=0\r\n"
		"o=- 2987933615 2987933615 IN IP6 5555::aaa:bbb:ccc:ddd\r\n"
		"s=-\r\n"
		"c=IN IP6 5555::aaa:bbb:ccc:ddd\r\n"
		"t=0 0\r\n"
		"m=message 2855 TCP/MSRP *\r\n"
		"a=accept-types:message/cpim text/plain text/html\r\n"
		"a=path:msrp://[5555::aaa:bbb:ccc:ddd]:2855/s111271;tcp\r\n"
		"a=max-size:131072\r\n"
		"a=msrp-cema\r\n"
		"a=setup:active\r\n";

/* audio refused by us, MSRP media with its own c=, of another family */
static const char audio_and_message[] = "v=0\r\n"
										"o=carol 1 2 IN IP4 10.0.0.1\r\n"
										"s=-\r\n"
										"c=IN IP4 10.0.0.1\r\n"
										"t=0 0\r\n"
										"a=setup:passive\r\n"
										"a=recvonly\r\n"
										"m=audio 49170/2 RTP/AVP 0 8\r\n"
										"c=IN IP4 10.0.0.2\r\n"
										"a=rtpmap:0 PCMU/8000\r\n"
										"a=sendonly\r\n"
										"m=message 9000 TCP/MSRP *\r\n"
										"c=IN IP6 2001:db8::5\r\n"
										"a=accept-types:text/plain\r\n"
										"a=path:msrp://[2001:db8::5]:9000/"
										"x1;tcp\r\n";

/* a refused MSRP stream before the one in use */
static const char refused_then_msrp[] =
		"v=0\r\n"
		"o=- 7 7 IN IP4 203.0.113.9\r\n"
		"s=-\r\n"
		"c=IN IP4 203.0.113.9\r\n"
		"t=0 0\r\n"
		"m=message 0 TCP/MSRP *\r\n"
		"a=path:msrp://203.0.113.9:1111/old;tcp\r\n"
		"a=msrp-cema\r\n"
		"m=message 7777 TCP/TLS/MSRP *\r\n"
		"a=accept-types:message/cpim\r\n"
		"a=file-selector:name:\"a.txt\" type:text/plain size:10\r\n"
		"a=path:msrps://203.0.113.9:7777/new;tcp\r\n"
		"a=setup:actpass\r\n";

static void assert_span(im_span_t s, const char *want)
{
	char got[512];

	assert_true(s.len < sizeof(got));
	memcpy(got, s.p ? s.p : "", s.len);
	got[s.len] = '\0';
	assert_string_equal(got, want);
}

static void lf_only(const char *crlf, char *out)
{
	for(; *crlf; crlf++) {
		if(*crlf != '\r')
			*out++ = *crlf;
	}
	*out = '\0';
}

/* Each prefix parses or fails cleanly, and what parses rewrites into an
 * exactly sized buffer; ASan guards the ends of both copies. (The size
 * bound cases are too big to cut everywhere.) */
static void every_cut(const char *sdp, size_t len)
{
	static const im_sdp_rewrite_t rw = {"msrp://192.0.2.1:1/a;tcp", "192.0.2.1",
			0, 1, IM_SETUP_ACTIVE, 1, 1, 1, NULL};
	size_t biglen = 2 * len + 1024;
	char *big;

	if(len > 16384)
		return;
	big = malloc(biglen);
	for(size_t n = 0; n <= len; n++) {
		char *copy = malloc(n ? n : 1);
		im_sdp_msrp_t m;
		int no_msrp;
		const char *err;
		size_t need;
		char *out;

		memcpy(copy, sdp, n);
		if(im_sdp_parse_msrp(copy, n, &m, &no_msrp, &err) < 0) {
			assert_non_null(err);
			free(copy);
			continue;
		}
		need = im_sdp_rewrite(copy, n, &m, &rw, big, biglen);
		assert_true(need > 0);
		assert_int_equal(im_sdp_rewrite_len(copy, n, &m, &rw), need);
		out = malloc(need);
		assert_int_equal(im_sdp_rewrite(copy, n, &m, &rw, out, need), need);
		assert_memory_equal(out, big, need);
		assert_int_equal(im_sdp_rewrite(copy, n, &m, &rw, out, need - 1), 0);
		free(out);
		free(copy);
	}
	free(big);
}

static im_sdp_msrp_t parse_ok(const char *sdp)
{
	im_sdp_msrp_t m;
	int no_msrp = -1;
	const char *err = NULL;

	every_cut(sdp, strlen(sdp));
	if(im_sdp_parse_msrp(sdp, strlen(sdp), &m, &no_msrp, &err) < 0)
		fail_msg("parse failed: %s", err);
	assert_int_equal(no_msrp, 0);
	return m;
}

static void expect_malformed(const char *sdp, size_t len, const char *reason)
{
	im_sdp_msrp_t m;
	int no_msrp = -1;
	const char *err = NULL;

	every_cut(sdp, len);
	assert_int_equal(im_sdp_parse_msrp(sdp, len, &m, &no_msrp, &err), -1);
	assert_int_equal(no_msrp, 0);
	assert_non_null(err);
	assert_string_equal(err, reason);
}

static void expect_bad(const char *sdp, const char *reason)
{
	expect_malformed(sdp, strlen(sdp), reason);
}

static void expect_no_msrp(const char *sdp)
{
	im_sdp_msrp_t m;
	int no_msrp = -1;
	const char *err = NULL;

	every_cut(sdp, strlen(sdp));
	assert_int_equal(
			im_sdp_parse_msrp(sdp, strlen(sdp), &m, &no_msrp, &err), -1);
	assert_int_equal(no_msrp, 1);
	assert_non_null(err);
}

static void rfc4975_offers(void **state)
{
	im_sdp_msrp_t m;

	(void)state;
	m = parse_ok(rfc4975_offer);
	assert_span(m.conn_ip, "alice.example.com");
	assert_int_equal(m.ipv6, 0);
	assert_int_equal(m.port, 7654);
	assert_int_equal(m.tls, 0);
	assert_span(m.path, "msrp://alice.example.com:7654/jshA7weztas;tcp");
	assert_int_equal(m.setup, IM_SETUP_NONE);
	assert_int_equal(m.cema, 0);
	assert_span(m.accept_types, "text/plain");
	assert_int_equal(m.accept_wrapped_types.len, 0);
	assert_true(m.max_size == -1);
	assert_int_equal(m.direction.len, 0);
	assert_int_equal(m.media_index, 0);
	assert_int_equal(m.has_file_selector, 0);

	m = parse_ok(rfc4975_tls);
	assert_int_equal(m.port, 12763);
	assert_int_equal(m.tls, 1);
	assert_span(m.accept_types, "message/cpim text/plain text/html");
	assert_span(m.accept_wrapped_types, "text/plain image/*");
	assert_true(m.max_size == 131072);
	assert_span(m.path, "msrps://relay.example.net:2855/kjhd37s2s20w2a;tcp "
						"msrps://bob.example.com:12763/9di4eae923wzd;tcp");
}

static void tr1029_offer_parses(void **state)
{
	im_sdp_msrp_t m;
	char lf[1024];

	(void)state;
	m = parse_ok(tr1029_offer);
	assert_span(m.conn_ip, "192.0.2.10");
	assert_int_equal(m.port, 2855);
	assert_span(m.accept_types, "message/cpim");
	assert_span(m.path, "msrp://192.0.2.10:2855/1710950739;tcp");
	assert_span(m.direction, "sendrecv");
	assert_int_equal(m.setup, IM_SETUP_NONE);

	/* the same offer without its final line end */
	snprintf(lf, sizeof(lf), "%.*s", (int)strlen(tr1029_offer) - 2,
			tr1029_offer);
	m = parse_ok(lf);
	assert_span(m.path, "msrp://192.0.2.10:2855/1710950739;tcp");
	assert_span(m.direction, "sendrecv");

	/* with bare LF line ends: refused, not mended (RFC 4566 section 5,
	 * issue 8) */
	lf_only(tr1029_offer, lf);
	expect_bad(lf, "sdp line not ended by CRLF");
	lf[strlen(lf) - 1] = '\0';
	expect_bad(lf, "sdp line not ended by CRLF");
}

static void gpp_offer_parses(void **state)
{
	im_sdp_msrp_t m;

	(void)state;
	m = parse_ok(gpp_offer);
	assert_span(m.conn_ip, "5555::aaa:bbb:ccc:ddd");
	assert_int_equal(m.ipv6, 1);
	assert_int_equal(m.setup, IM_SETUP_ACTIVE);
	assert_int_equal(m.cema, 1);
	assert_true(m.max_size == 131072);
	assert_span(m.path, "msrp://[5555::aaa:bbb:ccc:ddd]:2855/s111271;tcp");
}

static void media_and_session_levels(void **state)
{
	im_sdp_msrp_t m;

	(void)state;
	/* the media's c= wins; session a=setup and direction are defaults */
	m = parse_ok(audio_and_message);
	assert_int_equal(m.media_index, 1);
	assert_int_equal(m.port, 9000);
	assert_span(m.conn_ip, "2001:db8::5");
	assert_int_equal(m.ipv6, 1);
	assert_int_equal(m.setup, IM_SETUP_PASSIVE);
	assert_span(m.direction, "recvonly");

	/* media-level attributes override the session's */
	m = parse_ok("v=0\r\n"
				 "o=- 1 1 IN IP4 10.0.0.1\r\n"
				 "a=setup:passive\r\n"
				 "a=recvonly\r\n"
				 "m=message 9 TCP/MSRP *\r\n"
				 "c=IN IP4 10.0.0.3\r\n"
				 "a=path:msrp://10.0.0.3:9/s;tcp\r\n"
				 "a=setup:holdconn\r\n"
				 "a=inactive\r\n");
	assert_span(m.conn_ip, "10.0.0.3");
	assert_int_equal(m.setup, IM_SETUP_HOLDCONN);
	assert_span(m.direction, "inactive");

	/* a multicast-style TTL is not part of the address */
	m = parse_ok("v=0\r\n"
				 "o=- 1 1 IN IP4 10.0.0.1\r\n"
				 "c=IN IP4 224.2.1.1/127\r\n"
				 "m=message 9 TCP/MSRP *\r\n"
				 "a=path:msrp://10.0.0.3:9/s;tcp\r\n");
	assert_span(m.conn_ip, "224.2.1.1");
}

static void several_m_lines(void **state)
{
	im_sdp_msrp_t m;

	(void)state;
	m = parse_ok(refused_then_msrp);
	assert_int_equal(m.media_index, 1);
	assert_int_equal(m.port, 7777);
	assert_int_equal(m.tls, 1);
	assert_span(m.path, "msrps://203.0.113.9:7777/new;tcp");
	assert_int_equal(m.cema, 0); /* that of the refused stream */
	assert_int_equal(m.setup, IM_SETUP_ACTPASS);
	assert_int_equal(m.has_file_selector, 1);

	/* a second MSRP stream in use is refused, not dropped (issue 8),
	 * whichever transport it names */
	expect_bad("v=0\r\n"
			   "o=- 1 1 IN IP4 10.0.0.1\r\n"
			   "c=IN IP4 10.0.0.1\r\n"
			   "m=message 1 TCP/MSRP *\r\n"
			   "a=path:msrp://10.0.0.1:1/a;tcp\r\n"
			   "m=message 2 TCP/MSRP *\r\n"
			   "a=path:msrp://10.0.0.1:2/b;tcp\r\n",
			"more than one m=message line");
	expect_bad("v=0\r\n"
			   "o=- 1 1 IN IP4 10.0.0.1\r\n"
			   "c=IN IP4 10.0.0.1\r\n"
			   "m=message 2 UDP/MSRP *\r\n"
			   "m=message 1 TCP/TLS/MSRP *\r\n"
			   "a=path:msrps://10.0.0.1:1/a;tcp\r\n",
			"more than one m=message line");
	/* a refused one after it is not in use */
	m = parse_ok("v=0\r\n"
				 "o=- 1 1 IN IP4 10.0.0.1\r\n"
				 "c=IN IP4 10.0.0.1\r\n"
				 "m=message 1 TCP/MSRP *\r\n"
				 "a=path:msrp://10.0.0.1:1/a;tcp\r\n"
				 "m=message 0 TCP/MSRP *\r\n"
				 "a=max-size:x\r\n");
	assert_int_equal(m.port, 1);
	assert_true(m.max_size == -1);
}

static void no_msrp_media(void **state)
{
	(void)state;
	expect_no_msrp("v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\n");
	expect_no_msrp("v=0\r\n"
				   "o=- 1 1 IN IP4 10.0.0.1\r\n"
				   "c=IN IP4 10.0.0.1\r\n"
				   "m=audio 49170 RTP/AVP 0\r\n");
	expect_no_msrp("v=0\r\n"
				   "o=- 1 1 IN IP4 10.0.0.1\r\n"
				   "c=IN IP4 10.0.0.1\r\n"
				   "m=message 0 TCP/MSRP *\r\n"
				   "a=path:msrp://10.0.0.1:1/a;tcp\r\n");
	/* another transport is a stream we cannot take: 488 */
	expect_no_msrp("v=0\r\n"
				   "o=- 1 1 IN IP4 10.0.0.1\r\n"
				   "c=IN IP4 10.0.0.1\r\n"
				   "m=message 2855 UDP/MSRP *\r\n"
				   "a=path:msrp://10.0.0.1:1/a;tcp\r\n");
	expect_no_msrp("v=0\r\n"
				   "o=- 1 1 IN IP4 10.0.0.1\r\n"
				   "c=IN IP4 10.0.0.1\r\n"
				   "m=text 2855 TCP/MSRP *\r\n"
				   "a=path:msrp://10.0.0.1:1/a;tcp\r\n");
}

/* A host name of len characters in labels of at most label: "xx..x.xx..x". */
static const char *long_name(size_t len, size_t label)
{
	static char name[300];

	assert_true(len < sizeof(name));
	for(size_t i = 0; i < len; i++)
		name[i] = (i + 1) % (label + 1) == 0 ? '.' : 'x';
	name[len] = '\0';
	assert_true(name[len - 1] != '.');
	return name;
}

#define HEAD "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\nc=IN IP4 10.0.0.1\r\n"
#define MLINE "m=message 2855 TCP/MSRP *\r\n"
#define PATH "a=path:msrp://10.0.0.1:2855/s;tcp\r\n"

static void malformed(void **state)
{
	char big[IM_SDP_MAX_LEN + 1];
	char line[IM_SDP_MAX_LINE + 64];

	(void)state;
	expect_bad("", "empty sdp");
	expect_bad("\r\n", "empty sdp");
	expect_bad("hello world\r\n", "bad sdp line");
	expect_bad("v=1\r\n", "sdp must start with v=0");
	expect_bad("o=- 1 1 IN IP4 10.0.0.1\r\nv=0\r\n", "sdp must start with v=0");
	expect_bad("v=0\r\n" MLINE PATH, "missing o= line");
	expect_bad(
			HEAD "o=- 2 2 IN IP4 10.0.0.1\r\n" MLINE PATH, "misplaced o= line");
	expect_bad(
			HEAD MLINE "o=- 2 2 IN IP4 10.0.0.1\r\n" PATH, "misplaced o= line");
	expect_bad(HEAD "v=0\r\n" MLINE PATH, "duplicate v= line");
	expect_bad(HEAD MLINE "A=path:x\r\n", "bad sdp line");
	expect_bad(HEAD MLINE "a\r\n", "bad sdp line");
	expect_bad(HEAD "\r\n" MLINE PATH, "empty line in sdp");
	expect_bad(HEAD MLINE "a=sendrecv\rx\r\n" PATH, "bad line end in sdp");
	expect_malformed(HEAD "s=a\0b\r\n" MLINE PATH,
			sizeof(HEAD "s=a\0b\r\n" MLINE PATH) - 1, "nul byte in sdp");

	/* the MSRP media itself */
	expect_bad(HEAD MLINE "a=accept-types:text/plain\r\n", "missing a=path");
	expect_bad(HEAD MLINE, "missing a=path");
	expect_bad(HEAD MLINE PATH PATH, "duplicate a=path");
	expect_bad(
			"v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\n" MLINE PATH, "missing c= line");
	expect_bad("v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\n"
			   "m=audio 1 RTP/AVP 0\r\nc=IN IP4 10.0.0.1\r\n" MLINE PATH,
			"missing c= line");
	expect_bad(HEAD "m=message 70000 TCP/MSRP *\r\n" PATH, "bad m= port");
	expect_bad(HEAD "m=message 12a TCP/MSRP *\r\n" PATH, "bad m= port");
	expect_bad(HEAD "m=message -1 TCP/MSRP *\r\n" PATH, "bad m= port");
	expect_bad(HEAD "m=message 2855/2 TCP/MSRP *\r\n" PATH, "bad m= port");
	expect_bad(HEAD "m=audio 5/x RTP/AVP 0\r\n" MLINE PATH, "bad m= port");
	expect_bad(HEAD "m=message 2855 TCP/MSRP\r\n" PATH, "bad m= line");
	expect_bad(HEAD "m=message\r\n" PATH, "bad m= line");
	expect_bad(HEAD MLINE PATH "a=max-size:12k\r\n", "bad a=max-size");
	expect_bad(HEAD MLINE PATH "a=max-size:\r\n", "bad a=max-size");
	expect_bad(HEAD MLINE PATH "a=max-size:-1\r\n", "bad a=max-size");
	expect_bad(HEAD MLINE PATH "a=max-size:1234567890123456789\r\n",
			"bad a=max-size");
	expect_bad(HEAD MLINE PATH "a=setup:sideways\r\n", "bad a=setup");
	expect_bad(HEAD "a=setup:\r\n" MLINE PATH, "bad a=setup");
	expect_bad(HEAD MLINE "c=IN IP5 10.0.0.1\r\n" PATH, "bad c= line");
	expect_bad(HEAD MLINE "c=IN IP4\r\n" PATH, "bad c= line");
	expect_bad(HEAD MLINE "c=IN IP4 10.0.0.1 x\r\n" PATH, "bad c= line");
	expect_bad(HEAD MLINE "c=IN IP4 10.0.0.1;x\r\n" PATH,
			"bad c= address: not an IPv4 address or host name");
	expect_bad("v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\nc=ATM NSAP x\r\n" MLINE PATH,
			"bad c= line");
	expect_bad(HEAD MLINE "c=IN IP4 224.2.1.1/\r\n" PATH, "bad c= line");
	expect_bad(HEAD MLINE "c=IN IP4 224.2.1.1/x\r\n" PATH, "bad c= line");
	expect_bad(HEAD MLINE "c=IN IP4 224.2.1.1/1//2\r\n" PATH, "bad c= line");

	/* c= addresses: a literal of the family, or a host name (issue 8) */
	{
		static const char *const v4[] = {"999.999.1.1", "256.0.0.1",
				"1.2.3", "1.2.3.4.5", "01.2.3.4", "2001:db8::1", "-host.example",
				"host-.example", "host..example", ".example", "example.",
				"a_b.example", "10.0.0.1.", "12345"};
		static const char *const v6[] = {
				"1.2.3.4", "2001:db8::g", "2001:db8:::1", "::1::2", "[::1]"};
		char sdp[512];
		for(size_t i = 0; i < sizeof(v4) / sizeof(v4[0]); i++) {
			snprintf(sdp, sizeof(sdp), HEAD MLINE "c=IN IP4 %s\r\n" PATH, v4[i]);
			expect_bad(sdp, "bad c= address: not an IPv4 address or host name");
			/* at the session level too */
			snprintf(sdp, sizeof(sdp),
					"v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\nc=IN IP4 %s\r\n" MLINE PATH,
					v4[i]);
			expect_bad(sdp, "bad c= address: not an IPv4 address or host name");
		}
		for(size_t i = 0; i < sizeof(v6) / sizeof(v6[0]); i++) {
			snprintf(sdp, sizeof(sdp), HEAD MLINE "c=IN IP6 %s\r\n" PATH, v6[i]);
			expect_bad(sdp, "bad c= address: not an IPv6 address or host name");
		}
		/* a label of 64 characters, a name of 254 */
		snprintf(sdp, sizeof(sdp), HEAD MLINE "c=IN IP4 %s.example\r\n" PATH,
				long_name(64, 64));
		expect_bad(sdp, "bad c= address: not an IPv4 address or host name");
		snprintf(sdp, sizeof(sdp), HEAD MLINE "c=IN IP4 %s\r\n" PATH,
				long_name(254, 63));
		expect_bad(sdp, "bad c= address: not an IPv4 address or host name");
	}

	/* every URI of the path, not only the first */
	expect_bad(HEAD MLINE "a=path:\r\n", "bad a=path uri");
	expect_bad(HEAD MLINE "a=path:http://10.0.0.1/s\r\n", "bad a=path uri");
	expect_bad(
			HEAD MLINE "a=path:msrp://10.0.0.1:2855/s\r\n", "bad a=path uri");
	expect_bad(HEAD MLINE "a=path:msrp://10.0.0.1:2855/s;tcp msrp://x\r\n",
			"bad a=path uri");
	expect_bad(
			HEAD MLINE "a=path:msrp://10.0.0.1:0/s;tcp\r\n", "bad a=path uri");

	/* a truncated body: what remains lacks the path */
	expect_malformed(tr1029_offer,
			strstr(tr1029_offer, "a=path") - tr1029_offer, "missing a=path");

	/* size bounds */
	memset(big, 'x', sizeof(big));
	memcpy(big, "v=0\r\n", 5);
	expect_malformed(big, sizeof(big), "sdp too large");
	memset(line, 'x', sizeof(line));
	memcpy(line, HEAD "s=", sizeof(HEAD "s=") - 1);
	memcpy(line + sizeof(HEAD) - 1 + IM_SDP_MAX_LINE + 1, "\r\n", 2);
	expect_malformed(
			line, sizeof(HEAD) - 1 + IM_SDP_MAX_LINE + 3, "sdp line too long");
}

static void tolerated(void **state)
{
	im_sdp_msrp_t m;

	(void)state;
	/* trailing empty lines, unknown lines and attributes */
	m = parse_ok(HEAD MLINE PATH "a=x-custom\r\nb=AS:64\r\n\r\n\r\n");
	assert_span(m.path, "msrp://10.0.0.1:2855/s;tcp");
	/* names without case, blanks around words */
	m = parse_ok(HEAD "m=Message  2855  tcp/tls/msrp  *\r\n"
					  "a=path: msrp://10.0.0.1:2855/s;tcp  \r\n"
					  "a=Setup:Passive\r\n");
	assert_int_equal(m.tls, 1);
	assert_int_equal(m.setup, IM_SETUP_PASSIVE);
	assert_span(m.path, "msrp://10.0.0.1:2855/s;tcp");
	/* c= names and literals at their bounds (RFC 4566 section 5.7) */
	{
		static const char *const addrs[] = {"IP4 0.0.0.0",
				"IP4 255.255.255.255", "IP4 a", "IP4 localhost",
				"IP4 3com.example", "IP4 xn--bcher-kva.example", "IP6 ::1",
				"IP6 ::ffff:192.0.2.1", "IP6 host6.example",
				"IP4 192.0.2.1/127/3"};
		char sdp[512];
		for(size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
			snprintf(sdp, sizeof(sdp), HEAD MLINE "c=IN %s\r\n" PATH, addrs[i]);
			m = parse_ok(sdp);
			assert_int_equal(m.ipv6, addrs[i][2] == '6');
		}
		snprintf(sdp, sizeof(sdp), HEAD MLINE "c=IN IP4 %s\r\n" PATH,
				long_name(253, 63));
		m = parse_ok(sdp);
		assert_int_equal(m.conn_ip.len, 253);
	}
	/* the line length bound is inclusive */
	{
		char line[IM_SDP_MAX_LINE + 256];
		size_t n = sizeof(HEAD MLINE PATH) - 1;
		memcpy(line, HEAD MLINE PATH, n);
		memcpy(line + n, "i=", 2);
		memset(line + n + 2, 'y', IM_SDP_MAX_LINE - 2);
		memcpy(line + n + IM_SDP_MAX_LINE, "\r\n", 3);
		m = parse_ok(line);
		assert_int_equal(m.port, 2855);
	}
}

static void path_addr(void **state)
{
	static const struct
	{
		const char *path, *host;
		unsigned port;
		int ipv6;
	} good[] = {
			{"msrp://alice.example.com:7654/jshA7weztas;tcp",
					"alice.example.com", 7654, 0},
			{" msrps://[2001:db8::1]:12763/abc;tcp msrp://10.0.0.1:1/y;tcp",
					"2001:db8::1", 12763, 1},
			{"MSRP://user@192.0.2.7:9/s;tcp;foo=bar", "192.0.2.7", 9, 0},
			/* no port: the MSRP default; no session id */
			{"msrp://relay.example.net;tcp", "relay.example.net",
					IM_MSRP_DEFAULT_PORT, -1},
	};
	char host[64];
	unsigned port = 0;
	int ipv6 = -1;
	const char *p;

	(void)state;
	for(size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		p = good[i].path;
		assert_int_equal(im_msrp_path_addr(p, strlen(p), host, sizeof(host),
								 &port, &ipv6),
				0);
		assert_string_equal(host, good[i].host);
		assert_int_equal(port, good[i].port);
		if(good[i].ipv6 >= 0)
			assert_int_equal(ipv6, good[i].ipv6);
	}

	/* the host must fit with its NUL */
	p = "msrp://abcd:1/s;tcp";
	assert_int_equal(
			im_msrp_path_addr(p, strlen(p), host, 4, &port, &ipv6), -1);
	assert_int_equal(im_msrp_path_addr(p, strlen(p), host, 5, &port, &ipv6), 0);
	assert_string_equal(host, "abcd");

	/* only len bytes are read */
	p = "msrp://10.0.0.1:2855/s;tcpXXXX";
	assert_int_equal(im_msrp_path_addr(p, strlen(p) - 4, host, sizeof(host),
							 &port, &ipv6),
			0);
}

/* a host buffer of IM_MSRP_MAX_HOST + 1 always fits: the parse of a=path
 * refuses what im_msrp_path_addr could not return */
static void path_host_bound(void **state)
{
	char uri[IM_MSRP_MAX_HOST + 64], sdp[IM_MSRP_MAX_HOST + 256];
	char host[IM_MSRP_MAX_HOST + 1];
	unsigned port;
	int ipv6, no_msrp;
	im_sdp_msrp_t m;
	const char *err;

	(void)state;
	for(size_t n = IM_MSRP_MAX_HOST; n <= IM_MSRP_MAX_HOST + 1; n++) {
		int ok = n == IM_MSRP_MAX_HOST ? 0 : -1;
		memcpy(uri, "msrp://", 7);
		memset(uri + 7, 'h', n);
		strcpy(uri + 7 + n, ":1/s;tcp");
		assert_int_equal(im_msrp_path_addr(uri, strlen(uri), host, sizeof(host),
								 &port, &ipv6),
				ok);
		snprintf(sdp, sizeof(sdp), HEAD MLINE "a=path:%s\r\n", uri);
		assert_int_equal(
				im_sdp_parse_msrp(sdp, strlen(sdp), &m, &no_msrp, &err), ok);
	}
}

static void path_addr_malformed(void **state)
{
	static const char *const bad[] = {
			"",
			"   ",
			"msrp://",
			"sip:bob@example.com",
			"msrp://:2855/s;tcp",
			"msrp://host:0/s;tcp",
			"msrp://host:65536/s;tcp",
			"msrp://host:123456/s;tcp",
			"msrp://host:12x/s;tcp",
			"msrp://host:/s;tcp",
			"msrp://host:2855/s",
			"msrp://host:2855/;tcp",
			"msrp://host:2855/s;",
			"msrp://host:2855/s;tcp;",
			"msrp://[::1/s;tcp",
			"msrp://[]:1/s;tcp",
			"msrp://[::1]x/s;tcp",
			"msrp://ho st:1/s;tcp",
	};
	char host[64];
	unsigned port;
	int ipv6;

	(void)state;
	for(size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t n = strlen(bad[i]);
		char *copy = malloc(n ? n : 1);
		memcpy(copy, bad[i], n);
		if(im_msrp_path_addr(copy, n, host, sizeof(host), &port, &ipv6) != -1)
			fail_msg("accepted: %s", bad[i]);
		free(copy);
	}
}

static const im_sdp_rewrite_t relay4 = {"msrp://198.51.100.7:40001/r1a2b3;tcp",
		"198.51.100.7", 0, 40001, IM_SETUP_NONE, 0, 42, 1, NULL};

/* The rewrite gives want, the same at every buffer size from the length
 * needed on, and 0 below it. */
static void expect_rewrite(
		const char *sdp, const im_sdp_rewrite_t *rw, const char *want)
{
	im_sdp_msrp_t m = parse_ok(sdp);
	size_t need = strlen(want), n;
	char out[4096];

	n = im_sdp_rewrite(sdp, strlen(sdp), &m, rw, out, sizeof(out));
	assert_true(n < sizeof(out));
	out[n] = '\0';
	assert_string_equal(out, want);
	assert_int_equal(im_sdp_rewrite_len(sdp, strlen(sdp), &m, rw), need);
	for(size_t cap = 0; cap <= need + 16; cap++) {
		char *buf = malloc(cap ? cap : 1);
		n = im_sdp_rewrite(sdp, strlen(sdp), &m, rw, cap ? buf : NULL, cap);
		if(cap < need) {
			assert_int_equal(n, 0);
		} else {
			assert_int_equal(n, need);
			assert_memory_equal(buf, want, need);
		}
		free(buf);
	}
}

static void rewrite_tr1029(void **state)
{
	im_sdp_rewrite_t rw = relay4;

	(void)state;
	expect_rewrite(tr1029_offer, &relay4,
			"v=0\r\n"
			"o=- 42 1 IN IP4 198.51.100.7\r\n"
			"s=-\r\n"
			"c=IN IP4 198.51.100.7\r\n"
			"t=0 0\r\n"
			"m=message 40001 TCP/MSRP *\r\n"
			"a=accept-types:message/cpim\r\n"
			"a=path:msrp://198.51.100.7:40001/r1a2b3;tcp\r\n"
			"a=sendrecv\r\n");

	/* towards a peer that uses them: added after a=path */
	rw.setup = IM_SETUP_ACTIVE;
	rw.cema = 1;
	expect_rewrite(tr1029_offer, &rw,
			"v=0\r\n"
			"o=- 42 1 IN IP4 198.51.100.7\r\n"
			"s=-\r\n"
			"c=IN IP4 198.51.100.7\r\n"
			"t=0 0\r\n"
			"m=message 40001 TCP/MSRP *\r\n"
			"a=accept-types:message/cpim\r\n"
			"a=path:msrp://198.51.100.7:40001/r1a2b3;tcp\r\n"
			"a=setup:active\r\n"
			"a=msrp-cema\r\n"
			"a=sendrecv\r\n");
}

static void rewrite_gpp(void **state)
{
	im_sdp_rewrite_t rw = {"msrp://[2001:db8::7]:2855/s2;tcp", "2001:db8::7", 1,
			2855, IM_SETUP_PASSIVE, 1, 18446744073709551615ULL, 0, NULL};

	(void)state;
	/* replaced where they were */
	expect_rewrite(gpp_offer, &rw,
			"v=0\r\n"
			"o=- 18446744073709551615 0 IN IP6 2001:db8::7\r\n"
			"s=-\r\n"
			"c=IN IP6 2001:db8::7\r\n"
			"t=0 0\r\n"
			"m=message 2855 TCP/MSRP *\r\n"
			"a=accept-types:message/cpim text/plain text/html\r\n"
			"a=path:msrp://[2001:db8::7]:2855/s2;tcp\r\n"
			"a=max-size:131072\r\n"
			"a=msrp-cema\r\n"
			"a=setup:passive\r\n");

	/* towards a TR-1029 peer: neither */
	expect_rewrite(gpp_offer, &relay4,
			"v=0\r\n"
			"o=- 42 1 IN IP4 198.51.100.7\r\n"
			"s=-\r\n"
			"c=IN IP4 198.51.100.7\r\n"
			"t=0 0\r\n"
			"m=message 40001 TCP/MSRP *\r\n"
			"a=accept-types:message/cpim text/plain text/html\r\n"
			"a=path:msrp://198.51.100.7:40001/r1a2b3;tcp\r\n"
			"a=max-size:131072\r\n");
}

static void rewrite_other_media(void **state)
{
	im_sdp_rewrite_t rw = relay4;

	(void)state;
	/* audio refused with its lines kept; the session a=setup gives way
	 * to the media's */
	rw.setup = IM_SETUP_ACTIVE;
	expect_rewrite(audio_and_message, &rw,
			"v=0\r\n"
			"o=- 42 1 IN IP4 198.51.100.7\r\n"
			"s=-\r\n"
			"c=IN IP4 198.51.100.7\r\n"
			"t=0 0\r\n"
			"a=recvonly\r\n"
			"m=audio 0 RTP/AVP 0 8\r\n"
			"c=IN IP4 10.0.0.2\r\n"
			"a=rtpmap:0 PCMU/8000\r\n"
			"a=sendonly\r\n"
			"m=message 40001 TCP/MSRP *\r\n"
			"c=IN IP4 198.51.100.7\r\n"
			"a=accept-types:text/plain\r\n"
			"a=path:msrp://198.51.100.7:40001/r1a2b3;tcp\r\n"
			"a=setup:active\r\n");

	expect_rewrite(refused_then_msrp, &relay4,
			"v=0\r\n"
			"o=- 42 1 IN IP4 198.51.100.7\r\n"
			"s=-\r\n"
			"c=IN IP4 198.51.100.7\r\n"
			"t=0 0\r\n"
			"m=message 0 TCP/MSRP *\r\n"
			"a=path:msrp://203.0.113.9:1111/old;tcp\r\n"
			"a=msrp-cema\r\n"
			"m=message 40001 TCP/TLS/MSRP *\r\n"
			"a=accept-types:message/cpim\r\n"
			"a=file-selector:name:\"a.txt\" type:text/plain size:10\r\n"
			"a=path:msrp://198.51.100.7:40001/r1a2b3;tcp\r\n");

	/* trailing empty lines dropped, a missing last line end added */
	expect_rewrite(HEAD MLINE "a=path:msrp://10.0.0.1:2855/s;tcp\r\n\r\n",
			&relay4,
			"v=0\r\n"
			"o=- 42 1 IN IP4 198.51.100.7\r\n"
			"c=IN IP4 198.51.100.7\r\n"
			"m=message 40001 TCP/MSRP *\r\n"
			"a=path:msrp://198.51.100.7:40001/r1a2b3;tcp\r\n");
	expect_rewrite(HEAD MLINE "a=path:msrp://10.0.0.1:2855/s;tcp", &relay4,
			"v=0\r\n"
			"o=- 42 1 IN IP4 198.51.100.7\r\n"
			"c=IN IP4 198.51.100.7\r\n"
			"m=message 40001 TCP/MSRP *\r\n"
			"a=path:msrp://198.51.100.7:40001/r1a2b3;tcp\r\n");
}

/* the output can be much longer than the input: size it with
 * im_sdp_rewrite_len, not with a margin */
static void rewrite_grows(void **state)
{
	static const char head[] = "v=0\r\no=- 1 1 IN IP4 a\r\n"
							   "m=message 1 TCP/MSRP *\r\n"
							   "a=path:msrp://a:1/s;tcp\r\n";
	char sdp[sizeof(head) + 600 * 12];
	size_t len = sizeof(head) - 1, need;
	im_sdp_msrp_t m;
	int no_msrp;
	const char *err;
	char *out;

	(void)state;
	memcpy(sdp, head, len);
	for(int i = 0; i < 600; i++, len += 12)
		memcpy(sdp + len, "c=IN IP4 a\r\n", 12);
	assert_int_equal(im_sdp_parse_msrp(sdp, len, &m, &no_msrp, &err), 0);
	need = im_sdp_rewrite_len(sdp, len, &m, &relay4);
	assert_true(need > len + 600 * 10);
	out = malloc(need);
	assert_int_equal(im_sdp_rewrite(sdp, len, &m, &relay4, out, need), need);
	assert_int_equal(im_sdp_rewrite(sdp, len, &m, &relay4, out, need - 1), 0);
	free(out);
}

/* what the rewrite writes parses back to what was asked */
static void rewrite_round_trip(void **state)
{
	static const char *const offers[] = {rfc4975_offer, rfc4975_tls,
			tr1029_offer, gpp_offer, audio_and_message, refused_then_msrp};
	im_sdp_rewrite_t rw = {"msrps://[2001:db8::9]:5/z;tcp", "2001:db8::9", 1, 5,
			IM_SETUP_HOLDCONN, 1, 3, 4, NULL};
	char out[4096];

	(void)state;
	for(size_t i = 0; i < sizeof(offers) / sizeof(offers[0]); i++) {
		im_sdp_msrp_t m = parse_ok(offers[i]), back;
		int no_msrp;
		const char *err;
		size_t n = im_sdp_rewrite(
				offers[i], strlen(offers[i]), &m, &rw, out, sizeof(out));

		assert_true(n > 0);
		assert_int_equal(im_sdp_parse_msrp(out, n, &back, &no_msrp, &err), 0);
		assert_span(back.conn_ip, "2001:db8::9");
		assert_int_equal(back.ipv6, 1);
		assert_int_equal(back.port, 5);
		assert_span(back.path, "msrps://[2001:db8::9]:5/z;tcp");
		assert_int_equal(back.setup, IM_SETUP_HOLDCONN);
		assert_int_equal(back.cema, 1);
		assert_int_equal(back.media_index, m.media_index);
		assert_int_equal(back.tls, m.tls);
		assert_true(back.max_size == m.max_size);
	}
}

/* RFC 8122: the party's a=fingerprint is read (media, else session level)
 * and never passed on; the relay's own takes its place after a=path. */
static const char fp_offer[] = "v=0\r\n"
							   "o=- 1 1 IN IP4 192.0.2.10\r\n"
							   "s=-\r\n"
							   "c=IN IP4 192.0.2.10\r\n"
							   "t=0 0\r\n"
							   "a=fingerprint:sha-256 AA:BB\r\n"
							   "m=message 2856 TCP/TLS/MSRP *\r\n"
							   "a=accept-types:message/cpim\r\n"
							   "a=path:msrps://192.0.2.10:2856/s1;tcp\r\n"
							   "a=fingerprint:sha-1 CC:DD\r\n";

#define FP_REWRITTEN \
	"v=0\r\n" \
	"o=- 42 1 IN IP4 198.51.100.7\r\n" \
	"s=-\r\n" \
	"c=IN IP4 198.51.100.7\r\n" \
	"t=0 0\r\n" \
	"m=message 40001 TCP/TLS/MSRP *\r\n" \
	"a=accept-types:message/cpim\r\n" \
	"a=path:msrp://198.51.100.7:40001/r1a2b3;tcp\r\n"

/* LM-4 (OMA TS 9.3.2.1 4 c): the sender's own a= lines of its MSRP
 * media, without those every leg writes for itself; other media's and the
 * session's lines are not the MSRP media's. */
static void expect_attrs(const char *sdp, const char *want)
{
	im_sdp_msrp_t m;
	int no_msrp;
	const char *err;
	char out[512];
	size_t n;

	assert_int_equal(im_sdp_parse_msrp(sdp, strlen(sdp), &m, &no_msrp, &err), 0);
	n = im_sdp_msrp_attrs(sdp, strlen(sdp), &m, NULL, 0);
	assert_int_equal(n, strlen(want));
	/* too small: nothing written, the room needed told */
	memset(out, '#', sizeof(out));
	if(n)
		assert_int_equal(im_sdp_msrp_attrs(sdp, strlen(sdp), &m, out, n - 1), n);
	assert_int_equal(out[0], '#');
	assert_int_equal(im_sdp_msrp_attrs(sdp, strlen(sdp), &m, out, n), n);
	assert_memory_equal(out, want, n);
}

static void msrp_attrs(void **state)
{
	(void)state;
	expect_attrs(rfc4975_tls, "a=accept-wrapped-types:text/plain image/*\r\n"
							  "a=max-size:131072\r\n");
	expect_attrs(tr1029_offer, "");
	/* the audio a=sendonly and the session a=setup are not the MSRP
	 * media's; its own a=path and accept-types stay behind */
	expect_attrs(audio_and_message, "");
	expect_attrs(refused_then_msrp,
			"a=file-selector:name:\"a.txt\" type:text/plain size:10\r\n");
	expect_attrs("v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\n"
				 "c=IN IP4 10.0.0.1\r\nt=0 0\r\na=tool:x\r\n"
				 "m=message 9 TCP/MSRP *\r\n"
				 "a=accept-types:message/cpim\r\na=sendonly\r\n"
				 "a=setup:active\r\na=msrp-cema\r\n"
				 "a=fingerprint:sha-256 AB:CD\r\n"
				 "a=max-size:4096\r\n"
				 "a=file-transfer-id:vBnG916bdberum2fFEABR1FR3ExZMUrd\r\n"
				 "a=path:msrp://10.0.0.1:9/s;tcp\r\n"
				 "a=file-disposition:attachment\r\n",
			"a=max-size:4096\r\n"
			"a=file-transfer-id:vBnG916bdberum2fFEABR1FR3ExZMUrd\r\n"
			"a=file-disposition:attachment\r\n");
}

static void fingerprints(void **state)
{
	im_sdp_msrp_t m = parse_ok(fp_offer);
	im_sdp_rewrite_t rw = relay4;
	char session_only[sizeof(fp_offer)];

	(void)state;
	assert_int_equal(m.fingerprint.len, strlen("sha-1 CC:DD"));
	assert_memory_equal(m.fingerprint.p, "sha-1 CC:DD", m.fingerprint.len);
	snprintf(session_only, sizeof(session_only), "%.*s",
			(int)(strstr(fp_offer, "a=fingerprint:sha-1") - fp_offer), fp_offer);
	m = parse_ok(session_only);
	assert_memory_equal(m.fingerprint.p, "sha-256 AA:BB", m.fingerprint.len);
	m = parse_ok(tr1029_offer);
	assert_null(m.fingerprint.p);

	rw.fingerprint = "sha-256 01:02";
	expect_rewrite(fp_offer, &rw, FP_REWRITTEN "a=fingerprint:sha-256 01:02\r\n");
	rw.fingerprint = NULL;
	expect_rewrite(fp_offer, &rw, FP_REWRITTEN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test(rfc4975_offers),
			cmocka_unit_test(tr1029_offer_parses),
			cmocka_unit_test(gpp_offer_parses),
			cmocka_unit_test(media_and_session_levels),
			cmocka_unit_test(several_m_lines),
			cmocka_unit_test(no_msrp_media),
			cmocka_unit_test(malformed),
			cmocka_unit_test(tolerated),
			cmocka_unit_test(path_addr),
			cmocka_unit_test(path_host_bound),
			cmocka_unit_test(path_addr_malformed),
			cmocka_unit_test(rewrite_tr1029),
			cmocka_unit_test(rewrite_gpp),
			cmocka_unit_test(rewrite_other_media),
			cmocka_unit_test(rewrite_grows),
			cmocka_unit_test(rewrite_round_trip),
			cmocka_unit_test(fingerprints),
			cmocka_unit_test(msrp_attrs),
	};
	return cmocka_run_group_tests_name("im_sdp", tests, NULL, NULL);
}
