/* lib/im_random: identifiers that differ between forked processes (the
 * looped-dialog tag collision of two Kamailio workers). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "im_random.h"

static void hex_of_any_length(void **state)
{
	char buf[301];

	(void)state;
	for(size_t n = 0; n < sizeof(buf); n += 7) {
		memset(buf, 'x', sizeof(buf));
		im_random_hex(buf, n);
		assert_int_equal(strlen(buf), n);
		assert_int_equal(strspn(buf, "0123456789abcdef"), n);
	}
}

static void successive_draws_differ(void **state)
{
	char a[17], b[17];

	(void)state;
	im_random_hex(a, 16);
	im_random_hex(b, 16);
	assert_string_not_equal(a, b);
	assert_int_not_equal(im_random32() ^ im_random32(), 0);
}

/* Children forked from one parent draw different tags: what Kamailio's
 * workers need, and what its cryptorand() did not give. */
static void forked_children_differ(void **state)
{
	char tags[2][17];
	int fds[2][2];

	(void)state;
	for(int i = 0; i < 2; i++) {
		pid_t pid;

		assert_int_equal(pipe(fds[i]), 0);
		pid = fork();
		assert_true(pid >= 0);
		if(pid == 0) {
			char t[17];

			im_random_hex(t, 16);
			_exit(write(fds[i][1], t, 16) == 16 ? 0 : 1);
		}
		close(fds[i][1]);
		assert_int_equal(read(fds[i][0], tags[i], 16), 16);
		tags[i][16] = '\0';
		close(fds[i][0]);
		assert_int_equal(waitpid(pid, NULL, 0), pid);
	}
	assert_string_not_equal(tags[0], tags[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test(hex_of_any_length),
			cmocka_unit_test(successive_draws_differ),
			cmocka_unit_test(forked_children_differ),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
