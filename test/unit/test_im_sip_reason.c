/* lib/im_sip_reason: the phrases our modules answer with. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "im_sip_reason.h"

static void known_codes(void **state)
{
	(void)state;
	assert_string_equal(im_sip_reason(200), "OK");
	assert_string_equal(im_sip_reason(403), "Forbidden");
	assert_string_equal(im_sip_reason(481), "Call/Transaction Does Not Exist");
	assert_string_equal(im_sip_reason(489), "Bad Event");
	assert_string_equal(im_sip_reason(603), "Decline");
}

static void unknown_codes_are_left_to_the_caller(void **state)
{
	(void)state;
	assert_null(im_sip_reason(0));
	assert_null(im_sip_reason(299));
	assert_null(im_sip_reason(499));
	assert_null(im_sip_reason(-1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test(known_codes),
			cmocka_unit_test(unknown_codes_are_left_to_the_caller),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
