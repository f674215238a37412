/* lib/im_cpim: the CPIM head the MSRP switch reads, here its C-8 part:
 * which heads ask for a final delivery report. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "im_cpim.h"

#define FROM "From: <sip:a@home1.net>\r\nTo: <sip:conf-1@home1.net>\r\n"

static int asks(const char *head)
{
	im_cpim_head_t h;

	assert_int_equal(im_cpim_parse_head(head, strlen(head), &h), 1);
	return h.final_report;
}

static void final_report_request(void **state)
{
	(void)state;
	assert_int_equal(asks(FROM "NS: fr <urn:oma:xml:poc:final-report>\r\n"
							   "fr.Final-Report: yes\r\n\r\n"),
			1);
	/* any prefix, the value in any case, extra spaces after NS's name */
	assert_int_equal(asks(FROM "NS: x  <urn:oma:xml:poc:final-report>\r\n"
							   "x.Final-Report: YES\r\n\r\n"),
			1);
}

static void no_final_report_request(void **state)
{
	(void)state;
	assert_int_equal(asks(FROM "\r\n"), 0);
	/* "no", another namespace's prefix, the header before its NS, a
	 * prefix that only starts the same */
	assert_int_equal(asks(FROM "NS: fr <urn:oma:xml:poc:final-report>\r\n"
							   "fr.Final-Report: no\r\n\r\n"),
			0);
	assert_int_equal(asks(FROM "NS: fr <urn:example:other>\r\n"
							   "fr.Final-Report: yes\r\n\r\n"),
			0);
	assert_int_equal(asks(FROM "fr.Final-Report: yes\r\n"
							   "NS: fr <urn:oma:xml:poc:final-report>\r\n\r\n"),
			0);
	assert_int_equal(asks(FROM "NS: fr <urn:oma:xml:poc:final-report>\r\n"
							   "frx.Final-Report: yes\r\n\r\n"),
			0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test(final_report_request),
			cmocka_unit_test(no_final_report_request),
	};
	return cmocka_run_group_tests_name("im_cpim", tests, NULL, NULL);
}
