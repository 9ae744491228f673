/*
 * test_bus.c — the event bus: subscribers called in order with the event,
 * the payload's reference kept only by who takes one, unsubscribing from
 * inside a handler, a full table, and a NULL bus that publishes nothing.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "core/bus.h"

struct seen {
	char log[256];
	json_t *kept;
	struct bus *bus;
	bool leave;             /* unsubscribes itself when called */
};

static void record(struct seen *s, const char *who, const char *tenant,
		   const char *type, json_t *data)
{
	size_t n = strlen(s->log);

	snprintf(s->log + n, sizeof(s->log) - n, "%s:%s:%s:%lld;", who, tenant,
		 type, (long long)json_integer_value(json_object_get(data,
								     "n")));
}

static void first(const char *tenant, const char *type, int64_t at,
		  json_t *data, void *arg)
{
	struct seen *s = arg;

	assert_true(at > 0);
	record(s, "1", tenant, type, data);
	if (s->leave)
		bus_unsubscribe(s->bus, first, arg);
}

static void second(const char *tenant, const char *type, int64_t at,
		   json_t *data, void *arg)
{
	struct seen *s = arg;

	(void)at;
	record(s, "2", tenant, type, data);
	json_decref(s->kept);
	s->kept = json_incref(data);
}

static void test_in_order_and_kept_by_reference(void **state)
{
	struct bus *b;
	struct seen s = {0};

	(void)state;
	assert_int_equal(bus_alloc(&b), 0);
	s.bus = b;
	assert_int_equal(bus_subscribe(b, first, &s), 0);
	assert_int_equal(bus_subscribe(b, second, &s), 0);
	bus_publish(b, "t1", "agent.state", json_pack("{s:i}", "n", 1));
	assert_string_equal(s.log, "1:t1:agent.state:1;2:t1:agent.state:1;");
	assert_int_equal(json_integer_value(json_object_get(s.kept, "n")), 1);
	assert_int_equal(s.kept->refcount, 1);     /* the bus let its go */
	bus_publish(b, "t1", "x", NULL);            /* nothing to publish */
	assert_string_equal(s.log, "1:t1:agent.state:1;2:t1:agent.state:1;");
	json_decref(s.kept);
	bus_free(b);
}

static void test_unsubscribe_inside_a_handler(void **state)
{
	struct bus *b;
	struct seen s = {0};

	(void)state;
	assert_int_equal(bus_alloc(&b), 0);
	s.bus = b;
	s.leave = true;
	assert_int_equal(bus_subscribe(b, first, &s), 0);
	assert_int_equal(bus_subscribe(b, second, &s), 0);
	bus_publish(b, "t", "a", json_pack("{s:i}", "n", 1));
	bus_publish(b, "t", "b", json_pack("{s:i}", "n", 2));
	assert_string_equal(s.log, "1:t:a:1;2:t:a:1;2:t:b:2;");
	json_decref(s.kept);
	bus_free(b);
}

static void test_full_table_and_no_bus(void **state)
{
	struct bus *b;
	struct seen s[17] = {0};
	int err = 0;
	size_t n = 0;

	(void)state;
	assert_int_equal(bus_alloc(&b), 0);
	while (n < 17 && !(err = bus_subscribe(b, first, &s[n])))
		n++;
	assert_int_equal(err, ENOSPC);
	assert_int_equal(n, 16);
	bus_unsubscribe(b, first, &s[3]);
	assert_int_equal(bus_subscribe(b, first, &s[16]), 0);  /* its slot */
	bus_free(b);
	/* a module without a bus: publish drops the event (ASan: no leak) */
	bus_publish(NULL, "t", "a", json_pack("{s:i}", "n", 1));
	bus_unsubscribe(NULL, first, &s[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order_and_kept_by_reference),
		cmocka_unit_test(test_unsubscribe_inside_a_handler),
		cmocka_unit_test(test_full_table_and_no_bus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
