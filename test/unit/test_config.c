#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

static char *write_file(const char *text)
{
	static char path[] = "/tmp/relay-conf-XXXXXX";
	strcpy(path, "/tmp/relay-conf-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void defaults(void **state)
{
	relay_config_t cfg;
	(void)state;
	config_init(&cfg);
	assert_int_equal(cfg.control.count, 1);
	/* the control channel is administrative: a UNIX socket by default,
	 * no secret, no unauthenticated TCP (issue 8) */
	assert_string_equal(
			cfg.control.items[0], "unix:/run/im-server/relay_ctl.sock");
	assert_null(cfg.control_secret);
	assert_int_equal(cfg.control_insecure, 0);
	assert_int_equal(cfg.control_max_line, 4194304);
	assert_null(cfg.kamailio_rpc);
	/* a dead Kamailio's sessions go after 10 s without its pings */
	assert_int_equal(cfg.owner_timeout_s, 10);
	config_free(&cfg);
}

static void file_then_flags(void **state)
{
	relay_config_t cfg;
	char err[256];
	char *path = write_file("# comment\n\ninstance = r9\n"
							"control = unix:/tmp/a.sock\n"
							"control = tcp:127.0.0.1:1\n"
							"log_level.msrp = debug\n");
	char *argv[] = {"im-relay", "--control=tcp:127.0.0.1:2", "-c", path,
			"--drain-timeout-ms", "5", "-d", NULL};
	(void)state;
	config_init(&cfg);
	assert_int_equal(config_parse_args(&cfg, 7, argv, err, sizeof(err)), 0);
	assert_string_equal(cfg.instance, "r9");
	/* the command line list replaces the file's list */
	assert_int_equal(cfg.control.count, 1);
	assert_string_equal(cfg.control.items[0], "tcp:127.0.0.1:2");
	assert_int_equal(cfg.drain_timeout_ms, 5);
	assert_int_equal(cfg.daemonize, 1);
	assert_int_equal(log_levels[LOG_SUB_msrp], LOG_DEBUG);
	log_set_all(LOG_INFO);
	config_free(&cfg);
	unlink(path);
}

static void file_list_replaces_default(void **state)
{
	relay_config_t cfg;
	char err[256];
	char *path = write_file("control = unix:/tmp/a.sock\ncontrol = tcp:[::1]:5\n");
	(void)state;
	config_init(&cfg);
	assert_int_equal(config_load_file(&cfg, path, err, sizeof(err)), 0);
	assert_int_equal(cfg.control.count, 2);
	assert_string_equal(cfg.control.items[1], "tcp:[::1]:5");
	config_free(&cfg);
	unlink(path);
}

static void errors_name_the_line(void **state)
{
	static const struct {
		const char *text;
		const char *expect;
	} cases[] = {
			{"instance = a\nbogus = 1\n", ":2: unknown setting 'bogus'"},
			{"no equals sign\n", ":1: expected key = value"},
			{"drain_timeout_ms = -1\n", "not a non-negative integer"},
			{"drain_timeout_ms = 12x\n", "not a non-negative integer"},
			{"daemonize = maybe\n", "not yes or no"},
			{"log_level = loud\n", "not one of error"},
			{"log_level.nope = info\n", "unknown log subsystem"},
	};
	(void)state;
	for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		relay_config_t cfg;
		char err[256] = "";
		char *path = write_file(cases[i].text);
		config_init(&cfg);
		assert_int_equal(config_load_file(&cfg, path, err, sizeof(err)), -1);
		if(!strstr(err, cases[i].expect))
			fail_msg("'%s' does not contain '%s'", err, cases[i].expect);
		config_free(&cfg);
		unlink(path);
	}
}

static void bad_flags(void **state)
{
	relay_config_t cfg;
	char err[256];
	char *a1[] = {"im-relay", "stray", NULL};
	char *a2[] = {"im-relay", "--instance", NULL};
	char *a3[] = {"im-relay", "-c", "/nonexistent/relay.conf", NULL};
	(void)state;
	config_init(&cfg);
	assert_int_equal(config_parse_args(&cfg, 2, a1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unexpected argument"));
	assert_int_equal(config_parse_args(&cfg, 2, a2, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "needs a value"));
	assert_int_equal(config_parse_args(&cfg, 3, a3, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file"));
	config_free(&cfg);
}

static void list_capacity(void **state)
{
	relay_config_t cfg;
	char err[256];
	(void)state;
	config_init(&cfg);
	for(int i = 0; i < CONFIG_LIST_MAX; i++)
		assert_int_equal(config_set(&cfg, "control", "tcp:127.0.0.1:1", 1, err,
								 sizeof(err)),
				0);
	assert_int_equal(config_set(&cfg, "control", "tcp:127.0.0.1:1", 1, err,
							 sizeof(err)),
			-1);
	config_free(&cfg);
}

static void secret_file(void **state)
{
	static const struct {
		const char *text;
		mode_t mode;
		const char *expect; /* NULL: loads "s3cret" */
	} cases[] = {
			{"s3cret\n", 0600, NULL},
			{"s3cret\r\nsecond line\n", 0640, NULL},
			{"s3cret", 0600, NULL},
			{"s3cret\n", 0604, "accessible to others"},
			{"s3cret\n", 0602, "accessible to others"},
			{"\nlater\n", 0600, "empty first line"},
			{"", 0600, "empty first line"},
	};
	(void)state;
	for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		relay_config_t cfg;
		char err[256] = "";
		char *path = write_file(cases[i].text);
		assert_int_equal(chmod(path, cases[i].mode), 0);
		config_init(&cfg);
		assert_int_equal(config_set(&cfg, "control_secret_file", path,
								 CONFIG_FILE, err, sizeof(err)),
				0);
		if(cases[i].expect == NULL) {
			assert_int_equal(config_load_secret(&cfg, err, sizeof(err)), 0);
			assert_string_equal(cfg.control_secret, "s3cret");
		} else {
			assert_int_equal(config_load_secret(&cfg, err, sizeof(err)), -1);
			if(!strstr(err, cases[i].expect))
				fail_msg("case %zu: '%s' does not contain '%s'", i, err,
						cases[i].expect);
		}
		config_free(&cfg);
		unlink(path);
	}
}

static void secret_twice_or_missing(void **state)
{
	relay_config_t cfg;
	char err[256];
	(void)state;
	config_init(&cfg);
	assert_int_equal(config_load_secret(&cfg, err, sizeof(err)), 0);
	assert_null(cfg.control_secret);
	config_set(&cfg, "control_secret", "a", CONFIG_FILE, err, sizeof(err));
	config_set(&cfg, "control_secret_file", "/nonexistent", CONFIG_FILE, err,
			sizeof(err));
	assert_int_equal(config_load_secret(&cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "both set"));
	config_set(&cfg, "control_secret", "", CONFIG_CLI, err, sizeof(err));
	assert_int_equal(config_load_secret(&cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file"));
	config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test(defaults),
			cmocka_unit_test(file_then_flags),
			cmocka_unit_test(file_list_replaces_default),
			cmocka_unit_test(errors_name_the_line),
			cmocka_unit_test(bad_flags),
			cmocka_unit_test(list_capacity),
			cmocka_unit_test(secret_file),
			cmocka_unit_test(secret_twice_or_missing),
	};
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
