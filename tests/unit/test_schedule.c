/*
 * test_schedule.c — when the daily and weekly jobs run next, in
 * Asia/Shanghai (UTC+8), across midnight, the week and the year.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "calendar.h"
#include "schedule.h"

#define CST	 (8 * 3600)
#define HM(h, m) ((int32_t)(((h)*60 + (m)) * 60000))

/* A local time in +08:00 as ms since the epoch. */
static int64_t at(int y, int mo, int d, int h, int mi)
{
	return sla_local_to_utc(sla_day_from_civil(y, mo, d), HM(h, mi), CST);
}

static void test_next(void **state)
{
	/* weekday (-1 daily, 1 Monday .. 7 Sunday), time, now, expected.
	 * 2026-11-22 is a Sunday. */
	static const struct {
		int weekday, h, mi;
		int now[5], want[5];
	} cases[] = {
	    {-1, 8, 0, {2026, 11, 22, 7, 59}, {2026, 11, 22, 8, 0}},
	    {-1, 8, 0, {2026, 11, 22, 8, 0}, {2026, 11, 23, 8, 0}},
	    {-1, 8, 0, {2026, 11, 22, 23, 59}, {2026, 11, 23, 8, 0}},
	    {-1, 8, 0, {2026, 11, 23, 0, 0}, {2026, 11, 23, 8, 0}},
	    {3, 9, 0, {2026, 11, 22, 10, 0}, {2026, 11, 25, 9, 0}},
	    {3, 9, 0, {2026, 11, 25, 8, 59}, {2026, 11, 25, 9, 0}},
	    {3, 9, 0, {2026, 11, 25, 9, 0}, {2026, 12, 2, 9, 0}},
	    /* Over the year's end. */
	    {3, 9, 0, {2026, 12, 31, 12, 0}, {2027, 1, 6, 9, 0}},
	    {7, 23, 30, {2026, 11, 22, 23, 45}, {2026, 11, 29, 23, 30}},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const int *n = cases[i].now, *w = cases[i].want;

		print_message("case %zu\n", i);
		assert_int_equal(
		    schedule_next(cases[i].weekday, HM(cases[i].h, cases[i].mi),
				  CST, at(n[0], n[1], n[2], n[3], n[4])),
		    at(w[0], w[1], w[2], w[3], w[4]));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_next),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
