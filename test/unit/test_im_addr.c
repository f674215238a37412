#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <string.h>
#include <sys/un.h>

#include "im_addr.h"

static void round_trip(const char *text, im_addr_proto_t proto, int family)
{
	im_addr_t a;
	char err[128], out[256];

	assert_int_equal(im_addr_parse(text, strlen(text), &a, err, sizeof(err)), 0);
	assert_int_equal(a.proto, proto);
	assert_int_equal(a.sa.ss_family, family);
	im_addr_format(&a, out, sizeof(out));
	assert_string_equal(out, text);
}

static void valid_addresses(void **state)
{
	(void)state;
	round_trip("tcp:127.0.0.1:9070", IM_ADDR_TCP, AF_INET);
	round_trip("udp:10.1.2.3:1", IM_ADDR_UDP, AF_INET);
	round_trip("tcp:[::1]:65535", IM_ADDR_TCP, AF_INET6);
	round_trip("unix:/run/im/relay.sock", IM_ADDR_UNIX, AF_UNIX);
}

static void expect_error(const char *text, const char *reason)
{
	im_addr_t a;
	char err[128] = "";

	assert_int_equal(im_addr_parse(text, strlen(text), &a, err, sizeof(err)), -1);
	assert_non_null(strstr(err, reason));
}

static void invalid_addresses(void **state)
{
	(void)state;
	expect_error("", "must start with");
	expect_error("http://x", "must start with");
	expect_error("tcp:", "missing port");
	expect_error("tcp:127.0.0.1", "missing port");
	expect_error("tcp:127.0.0.1:", "bad port");
	expect_error("tcp:127.0.0.1:0", "bad port");
	expect_error("tcp:127.0.0.1:65536", "bad port");
	expect_error("tcp:127.0.0.1:12a", "bad port");
	expect_error("tcp:localhost:9070", "not a numeric IPv4");
	expect_error("tcp:::1:9070", "not a numeric IPv4");
	expect_error("tcp:[::1]9070", "missing port");
	expect_error("tcp:[::1:9070", "missing ']'");
	expect_error("tcp:[zz]:1", "not a numeric IPv6");
	expect_error("unix:", "empty unix socket path");
}

static void unix_path_limits(void **state)
{
	char text[200];
	im_addr_t a;
	char err[128];
	struct sockaddr_un un;

	(void)state;
	memset(text, 'p', sizeof(text));
	memcpy(text, "unix:", 5);
	/* the longest path that fits, then one byte more */
	size_t max = sizeof(un.sun_path) - 1;
	assert_int_equal(im_addr_parse(text, 5 + max, &a, err, sizeof(err)), 0);
	assert_int_equal(im_addr_parse(text, 5 + max + 1, &a, err, sizeof(err)), -1);
	assert_int_equal(im_addr_parse("unix:/a\0b", 9, &a, err, sizeof(err)), -1);
}

/* only len bytes are read: the text need not be NUL-terminated */
static void length_bounded(void **state)
{
	im_addr_t a;
	char err[64];
	(void)state;
	assert_int_equal(im_addr_parse("tcp:127.0.0.1:90701234", 18, &a, err,
							 sizeof(err)),
			0);
	assert_int_equal(ntohs(((struct sockaddr_in *)&a.sa)->sin_port), 9070);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test(valid_addresses),
			cmocka_unit_test(invalid_addresses),
			cmocka_unit_test(unix_path_limits),
			cmocka_unit_test(length_bounded),
	};
	return cmocka_run_group_tests_name("im_addr", tests, NULL, NULL);
}
