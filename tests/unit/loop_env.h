/*
 * loop_env.h — for unit tests on a real libre loop: run the loop of this
 * thread for a while (include after cmocka.h).
 */
#ifndef HOTLINE_TEST_LOOP_ENV_H
#define HOTLINE_TEST_LOOP_ENV_H

static void loop_env_stop(void *arg)
{
	(void)arg;
	re_cancel();
}

/* Runs this thread's libre loop for ms milliseconds. */
static inline void run_loop(unsigned ms)
{
	struct tmr t;

	tmr_init(&t);
	tmr_start(&t, ms, loop_env_stop, NULL);
	assert_int_equal(re_main(NULL), 0);
	tmr_cancel(&t);
}

#endif
