/*
 * test_config.c — hotlined's flags, environment variables and defaults.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/config.h"
#include "core/log.h"

static enum config_result load(struct config *cfg, int argc, char **argv)
{
	FILE *null = fopen("/dev/null", "w");
	enum config_result r = config_load(cfg, argc, argv, null, null);

	fclose(null);
	return r;
}

static void test_defaults(void **state)
{
	struct config cfg;
	char *argv[] = {"hotlined", NULL};

	(void)state;
	unsetenv("HOTLINE_HTTP");
	unsetenv("HOTLINE_DB");
	assert_int_equal(load(&cfg, 1, argv), CONFIG_OK);
	assert_string_equal(cfg.data_dir, "./var");
	assert_string_equal(cfg.http_addr, "127.0.0.1:8080");
	assert_string_equal(cfg.db, "sqlite");
	assert_int_equal(cfg.session_hours, 12);
	assert_true(cfg.demo);
	assert_false(cfg.log_json);
}

static void test_env_and_flags(void **state)
{
	struct config cfg;
	char *argv[] = {"hotlined", "--http=127.0.0.1:9000", "--log-json",
			"--db", "postgres://u:p@127.0.0.1/x", "--demo=0", NULL};

	(void)state;
	setenv("HOTLINE_HTTP", "127.0.0.1:7000", 1);
	setenv("HOTLINE_DATA", "/tmp/hl-env", 1);
	assert_int_equal(load(&cfg, 6, argv), CONFIG_OK);
	assert_string_equal(cfg.http_addr, "127.0.0.1:9000"); /* flag wins */
	assert_string_equal(cfg.data_dir, "/tmp/hl-env");     /* env used */
	assert_string_equal(cfg.db, "postgres://u:p@127.0.0.1/x");
	assert_true(cfg.log_json);
	assert_false(cfg.demo);
	unsetenv("HOTLINE_HTTP");
	unsetenv("HOTLINE_DATA");
}

static void test_errors(void **state)
{
	struct config cfg;
	char *unknown[] = {"hotlined", "--nope", NULL};
	char *missing[] = {"hotlined", "--data", NULL};
	char *range[] = {"hotlined", "--session-hours", "0", NULL};
	char *word[] = {"hotlined", "--db-readers=many", NULL};
	char *stray[] = {"hotlined", "data", NULL};
	char *help[] = {"hotlined", "--help", NULL};

	(void)state;
	assert_int_equal(load(&cfg, 2, unknown), CONFIG_ERROR);
	assert_int_equal(load(&cfg, 2, missing), CONFIG_ERROR);
	assert_int_equal(load(&cfg, 3, range), CONFIG_ERROR);
	assert_int_equal(load(&cfg, 2, word), CONFIG_ERROR);
	assert_int_equal(load(&cfg, 2, stray), CONFIG_ERROR);
	assert_int_equal(load(&cfg, 2, help), CONFIG_EXIT_OK);
	setenv("HOTLINE_SESSION_HOURS", "-5", 1);
	assert_int_equal(load(&cfg, 1, help), CONFIG_ERROR);
	unsetenv("HOTLINE_SESSION_HOURS");
}

static void test_log_levels(void **state)
{
	enum log_level l;

	(void)state;
	assert_int_equal(log_level_parse("debug", &l), 0);
	assert_int_equal(l, LOG_DEBUG);
	assert_int_equal(log_level_parse("WARN", &l), 0);
	assert_int_equal(l, LOG_WARN);
	assert_int_equal(log_level_parse("loud", &l), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_env_and_flags),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_log_levels),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
