/*
 * test_calendar.c — working-time arithmetic (src/calendar.c): deadlines
 * against fixed dates in Asia/Shanghai with the 2026 public holidays,
 * round the clock and in office hours (across lunch, nights, weekends,
 * 元旦, 春节, 清明, 劳动节, 端午, 中秋 and 国庆, make-up workdays); the
 * inverse sum; a minute-by-minute reference model on many starts; civil
 * dates against timegm(); the time zone table; the calendar's JSON
 * reader with the exact "FILE: WHERE: WHAT" lines it prints.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "calendar.h"
#include "config.h"
#include "wl.h"

#define MIN_MS	    60000LL
#define HOUR_MS	    3600000LL
#define SH_OFFSET_S (8 * 3600)

/*
 * The 2026 public holidays and make-up workdays, from 国务院办公厅关于
 * 2026年部分节假日安排的通知 (published 2025-11-04 by Xinhua):
 * 元旦 1/1–1/3, 1/4 (Sun) works; 春节 2/15–2/23, 2/14 (Sat) and 2/28
 * (Sat) work; 清明 4/4–4/6; 劳动节 5/1–5/5, 5/9 (Sat) works; 端午
 * 6/19–6/21; 中秋 9/25–9/27; 国庆 10/1–10/7, 9/20 (Sun) and 10/10
 * (Sat) work.
 */
static const char *const holidays_2026[] = {
    "2026-01-01", "2026-01-02", "2026-01-03", "2026-02-15", "2026-02-16",
    "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20", "2026-02-21",
    "2026-02-22", "2026-02-23", "2026-04-04", "2026-04-05", "2026-04-06",
    "2026-05-01", "2026-05-02", "2026-05-03", "2026-05-04", "2026-05-05",
    "2026-06-19", "2026-06-20", "2026-06-21", "2026-09-25", "2026-09-26",
    "2026-09-27", "2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04",
    "2026-10-05", "2026-10-06", "2026-10-07",
};
static const char *const workdays_2026[] = {
    "2026-01-04", "2026-02-14", "2026-02-28",
    "2026-05-09", "2026-09-20", "2026-10-10",
};

static const char office_json[] =
    "{\"timezone\": \"Asia/Shanghai\","
    " \"hours\": [[\"08:30\", \"12:00\"], [\"14:00\", \"17:30\"]],"
    " \"weekdays\": [1, 2, 3, 4, 5],"
    " \"holidays\": [\"2026-01-01\", \"2026-01-02\", \"2026-01-03\","
    "  \"2026-02-15\", \"2026-02-16\", \"2026-02-17\", \"2026-02-18\","
    "  \"2026-02-19\", \"2026-02-20\", \"2026-02-21\", \"2026-02-22\","
    "  \"2026-02-23\", \"2026-04-04\", \"2026-04-05\", \"2026-04-06\","
    "  \"2026-05-01\", \"2026-05-02\", \"2026-05-03\", \"2026-05-04\","
    "  \"2026-05-05\", \"2026-06-19\", \"2026-06-20\", \"2026-06-21\","
    "  \"2026-09-25\", \"2026-09-26\", \"2026-09-27\", \"2026-10-01\","
    "  \"2026-10-02\", \"2026-10-03\", \"2026-10-04\", \"2026-10-05\","
    "  \"2026-10-06\", \"2026-10-07\"],"
    " \"workdays\": [\"2026-01-04\", \"2026-02-14\", \"2026-02-28\","
    "  \"2026-05-09\", \"2026-09-20\", \"2026-10-10\"]}";

/* "YYYY-MM-DD HH:MM[:SS]" Beijing time → ms since the epoch, through
 * timegm(), which knows nothing of calendar.c. */
static int64_t at_tz(const char *s, int offset_s)
{
	struct tm tm;
	int n;

	memset(&tm, 0, sizeof(tm));
	n = sscanf(s, "%d-%d-%d %d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec);
	assert_true(n == 5 || n == 6);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return ((int64_t)timegm(&tm) - offset_s) * 1000;
}

static int64_t at(const char *s)
{
	return at_tz(s, SH_OFFSET_S);
}

static void load_cal(const char *json, struct sla_calendar *cal)
{
	json_error_t err;
	json_t *j = json_loads(json, 0, &err);
	struct wl_diag d;

	assert_non_null(j);
	diag_init(&d);
	assert_int_equal(
	    sla_calendar_from_json(j, NULL, cal, &d, "t.json", "sla.calendar"),
	    WL_OK);
	for (size_t i = 0; i < d.n; i++)
		print_message("unexpected: %s\n", d.lines[i]);
	assert_int_equal(d.n, 0);
	diag_release(&d);
	json_decref(j);
}

static struct sla_calendar office, office_plain, utc_office, all_day;

static int setup(void **state)
{
	load_cal(office_json, &office);
	/* The same office week without any listed date. */
	load_cal("{\"timezone\": \"Asia/Shanghai\"}", &office_plain);
	load_cal("{\"timezone\": \"UTC\", \"hours\": [[\"09:00\", \"17:00\"]]}",
		 &utc_office);
	load_cal("{\"hours\": [[\"00:00\", \"24:00\"]],"
		 " \"weekdays\": [1, 2, 3, 4, 5, 6, 7]}",
		 &all_day);
	return 0;
}

/* ------------------------------------------------------------------ */
/* the deadline table */

enum which { RTC, OFFICE, PLAIN, UTCO, ALLDAY };

struct dl_case {
	const char *what;
	enum which cal;
	const char *start;
	int64_t minutes;
	const char *want; /* NULL: SLA_TIME_MAX */
};

/* One deadline to a row. */
/* clang-format off */
static const struct dl_case dl_cases[] = {
	/* Round the clock (no calendar). */
	{ "rtc: one hour", RTC, "2026-01-05 09:00", 60, "2026-01-05 10:00" },
	{ "rtc: past midnight", RTC, "2026-01-05 23:30", 60,
	  "2026-01-06 00:30" },
	{ "rtc: holidays do not count", RTC, "2026-10-01 10:00", 1440,
	  "2026-10-02 10:00" },
	{ "rtc: 3 days over a month end", RTC, "2026-02-28 12:00", 4320,
	  "2026-03-03 12:00" },
	{ "rtc: leap day 2028", RTC, "2028-02-28 12:00", 1440,
	  "2028-02-29 12:00" },
	{ "rtc: over the year end", RTC, "2026-12-31 23:00", 120,
	  "2027-01-01 01:00" },
	{ "rtc: zero duration", RTC, "2026-01-05 09:13", 0,
	  "2026-01-05 09:13" },
	{ "rtc: 10 min urgent respond", RTC, "2026-10-03 03:55", 10,
	  "2026-10-03 04:05" },

	/* Office hours 08:30–12:00, 14:00–17:30, Monday–Friday. */
	{ "in hours", OFFICE, "2026-01-05 09:00", 60, "2026-01-05 10:00" },
	{ "across lunch", OFFICE, "2026-01-05 11:30", 60, "2026-01-05 14:30" },
	{ "ends on the stroke of noon", OFFICE, "2026-01-05 11:00", 60,
	  "2026-01-05 12:00" },
	{ "starts in the lunch break", OFFICE, "2026-01-05 12:30", 60,
	  "2026-01-05 15:00" },
	{ "starts before work (Sunday in UTC)", OFFICE, "2026-01-05 07:00",
	  60, "2026-01-05 09:30" },
	{ "across a night", OFFICE, "2026-01-05 17:00", 60,
	  "2026-01-06 09:00" },
	{ "starts after work", OFFICE, "2026-01-05 20:00", 60,
	  "2026-01-06 09:30" },
	{ "starts at closing time", OFFICE, "2026-01-05 17:30", 1,
	  "2026-01-06 08:31" },
	{ "starts at noon", OFFICE, "2026-01-05 12:00", 1,
	  "2026-01-05 14:01" },
	{ "starts at opening, zero", OFFICE, "2026-01-05 08:30", 0,
	  "2026-01-05 08:30" },
	{ "a whole working day ends at 17:30", OFFICE, "2026-01-05 08:30",
	  420, "2026-01-05 17:30" },
	{ "seconds kept", OFFICE, "2026-01-05 11:59:30", 1,
	  "2026-01-05 14:00:30" },
	{ "across a weekend", OFFICE, "2026-01-09 17:00", 60,
	  "2026-01-12 09:00" },
	{ "starts on a Saturday", OFFICE, "2026-01-10 10:00", 60,
	  "2026-01-12 09:30" },
	{ "24 working hours", OFFICE, "2026-01-05 09:00", 1440,
	  "2026-01-08 12:00" },
	{ "72 working hours over two weekends", OFFICE, "2026-03-02 09:00",
	  4320, "2026-03-16 11:00" },
	/* 元旦: 1/1–1/3 off, Sunday 1/4 works. */
	{ "元旦: into the make-up Sunday", OFFICE, "2025-12-31 17:00", 60,
	  "2026-01-04 09:00" },
	{ "元旦: starts on the holiday", OFFICE, "2026-01-02 10:00", 60,
	  "2026-01-04 09:30" },
	/* 春节: 2/15–2/23 off, Saturdays 2/14 and 2/28 work. */
	{ "春节: Friday evening into make-up Saturday", OFFICE,
	  "2026-02-13 17:00", 60, "2026-02-14 09:00" },
	{ "春节: make-up Saturday over the holiday", OFFICE,
	  "2026-02-14 17:00", 60, "2026-02-24 09:00" },
	{ "春节: a working day from the holiday", OFFICE, "2026-02-15 10:00",
	  420, "2026-02-24 17:30" },
	{ "春节: into make-up Saturday 2/28", OFFICE, "2026-02-27 17:00", 60,
	  "2026-02-28 09:00" },
	{ "清明", OFFICE, "2026-04-03 17:00", 60, "2026-04-07 09:00" },
	{ "劳动节", OFFICE, "2026-04-30 17:00", 60, "2026-05-06 09:00" },
	{ "劳动节: make-up Saturday 5/9", OFFICE, "2026-05-08 17:00", 60,
	  "2026-05-09 09:00" },
	{ "端午", OFFICE, "2026-06-18 17:00", 60, "2026-06-22 09:00" },
	{ "make-up Sunday 9/20", OFFICE, "2026-09-19 10:00", 60,
	  "2026-09-20 09:30" },
	{ "中秋", OFFICE, "2026-09-24 17:00", 60, "2026-09-28 09:00" },
	/* 国庆: 10/1–10/7 off, Saturday 10/10 works. */
	{ "国庆: over the whole holiday", OFFICE, "2026-09-30 16:00", 120,
	  "2026-10-08 09:00" },
	{ "国庆: starts on a holiday", OFFICE, "2026-10-03 10:00", 60,
	  "2026-10-08 09:30" },
	{ "国庆: 24 working hours reach make-up Saturday", OFFICE,
	  "2026-09-30 09:00", 1440, "2026-10-10 12:00" },
	{ "国庆: make-up Saturday in hours", OFFICE, "2026-10-10 09:00", 60,
	  "2026-10-10 10:00" },
	{ "国庆: Friday evening into make-up Saturday", OFFICE,
	  "2026-10-09 17:00", 60, "2026-10-10 09:00" },
	{ "国庆: the Saturday after is off again", OFFICE,
	  "2026-10-16 17:00", 60, "2026-10-19 09:00" },
	/* Without the listed dates the same spans are ordinary days. */
	{ "no holidays listed: 10/1 is a Thursday", PLAIN,
	  "2026-09-30 16:00", 120, "2026-10-01 09:00" },
	{ "no make-up listed: 10/10 is a Saturday", PLAIN,
	  "2026-10-09 17:00", 60, "2026-10-12 09:00" },
	/* Other calendars. */
	/* UTCO's times are UTC, every other row's Beijing time. */
	{ "UTC office hours", UTCO, "2026-01-05 16:30", 60,
	  "2026-01-06 09:30" },
	{ "every hour of every day = round the clock", ALLDAY,
	  "2026-10-01 10:00", 1440, "2026-10-02 10:00" },
	{ "exactly one working week from a Sunday", PLAIN,
	  "2026-01-04 10:00", 5 * 420, "2026-01-09 17:30" },
	{ "exactly three working weeks", PLAIN, "2026-01-03 00:00",
	  15 * 420, "2026-01-23 17:30" },
	{ "a year of working time", PLAIN, "2026-01-05 08:30",
	  250 * 420, "2026-12-18 17:30" },
};
/* clang-format on */

static const struct sla_calendar *cal_for(enum which w)
{
	switch (w) {
	case OFFICE: return &office;
	case PLAIN: return &office_plain;
	case UTCO: return &utc_office;
	case ALLDAY: return &all_day;
	default: return NULL;
	}
}

static void test_deadline_table(void **state)
{
	size_t failed = 0;

	assert_true(WL_ARRAY_LEN(dl_cases) >= 40);
	for (size_t i = 0; i < WL_ARRAY_LEN(dl_cases); i++) {
		const struct dl_case *c = &dl_cases[i];
		int off = c->cal == UTCO ? 0 : SH_OFFSET_S;
		const struct sla_calendar *cal = cal_for(c->cal);
		int64_t start = at_tz(c->start, off);
		int64_t want = c->want ? at_tz(c->want, off) : SLA_TIME_MAX;
		int64_t got = sla_deadline(cal, start, c->minutes * MIN_MS);

		if (got != want) {
			char buf[32];

			sla_format_local(got, off, buf, sizeof(buf));
			print_message("%s: got %s, want %s\n", c->what, buf,
				      c->want);
			failed++;
			continue;
		}
		/* The way back gives the duration. */
		if (sla_elapsed(cal, start, got) != c->minutes * MIN_MS) {
			print_message("%s: elapsed %lld\n", c->what,
				      (long long)sla_elapsed(cal, start, got));
			failed++;
		}
	}
	assert_int_equal(failed, 0);
}

static void test_elapsed(void **state)
{
	/* Friday 17:00 → Monday 09:00: 30 + 30 minutes. */
	assert_int_equal(sla_elapsed(&office, at("2026-01-09 17:00"),
				     at("2026-01-12 09:00")),
			 60 * MIN_MS);
	/* Across 国庆: 90 minutes on 9/30 and 30 on 10/8. */
	assert_int_equal(sla_elapsed(&office, at("2026-09-30 16:00"),
				     at("2026-10-08 09:00")),
			 120 * MIN_MS);
	/* Lunch does not count. */
	assert_int_equal(sla_elapsed(&office, at("2026-01-05 11:00"),
				     at("2026-01-05 15:00")),
			 120 * MIN_MS);
	/* Inside one holiday: nothing. */
	assert_int_equal(sla_elapsed(&office, at("2026-10-02 09:00"),
				     at("2026-10-05 17:00")),
			 0);
	/* Backwards is negative. */
	assert_int_equal(sla_elapsed(&office, at("2026-01-05 15:00"),
				     at("2026-01-05 11:00")),
			 -120 * MIN_MS);
	/* Round the clock is plain subtraction. */
	assert_int_equal(
	    sla_elapsed(NULL, at("2026-01-05 15:00"), at("2026-01-07 11:00")),
	    44 * HOUR_MS);
	/* A year of office weeks without listed dates: 52 weeks + 2 days
	 * of 7 h (2026-01-05 is a Monday; 2027-01-05 a Tuesday). */
	assert_int_equal(sla_elapsed(&office_plain, at("2026-01-05 00:00"),
				     at("2027-01-05 00:00")),
			 (52 * 5 + 1) * 7 * HOUR_MS);
}

/* ------------------------------------------------------------------ */
/* a reference model: walk minute by minute */

static bool ref_listed(const char *const *list, size_t n, const char *date)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], date) == 0)
			return true;
	return false;
}

/* Is the Beijing-time minute that starts at t a working minute of the
 * office calendar? Decided with gmtime_r and the lists above. */
static bool ref_working_minute(int64_t t)
{
	time_t secs = (time_t)(t / 1000 + SH_OFFSET_S);
	struct tm tm;
	char date[40];
	int mod;

	gmtime_r(&secs, &tm);
	snprintf(date, sizeof(date), "%04d-%02d-%02d", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday);
	if (ref_listed(holidays_2026, WL_ARRAY_LEN(holidays_2026), date))
		return false;
	if (!ref_listed(workdays_2026, WL_ARRAY_LEN(workdays_2026), date) &&
	    (tm.tm_wday == 0 || tm.tm_wday == 6))
		return false;
	mod = tm.tm_hour * 60 + tm.tm_min;
	return (mod >= 8 * 60 + 30 && mod < 12 * 60) ||
	       (mod >= 14 * 60 && mod < 17 * 60 + 30);
}

static int64_t ref_deadline(int64_t start, int64_t minutes)
{
	int64_t t = start;

	while (minutes > 0) {
		if (ref_working_minute(t))
			minutes--;
		t += MIN_MS;
	}
	/* The end of the last working minute, not the next opening. */
	return t;
}

static void test_reference_model(void **state)
{
	uint32_t seed = 12345;
	int64_t base = at("2025-12-20 00:00");
	size_t checked = 0;

	/* Starts on minute boundaries between late December and the end of
	 * October (every holiday of 2026 but the end of the year). */
	for (int i = 0; i < 600; i++) {
		int64_t start, minutes, want, got;

		seed = seed * 1103515245u + 12345u;
		start = base + (int64_t)(seed % (316u * 1440u)) * MIN_MS;
		seed = seed * 1103515245u + 12345u;
		minutes = 1 + seed % (3 * 420);
		want = ref_deadline(start, minutes);
		got = sla_deadline(&office, start, minutes * MIN_MS);
		if (got != want) {
			char a[32], b[32], s[32];

			sla_format_local(start, SH_OFFSET_S, s, sizeof(s));
			sla_format_local(got, SH_OFFSET_S, a, sizeof(a));
			sla_format_local(want, SH_OFFSET_S, b, sizeof(b));
			print_message("start %s + %lld min: got %s want %s\n",
				      s, (long long)minutes, a, b);
			fail();
		}
		assert_int_equal(sla_elapsed(&office, start, got),
				 minutes * MIN_MS);
		checked++;
	}
	assert_int_equal(checked, 600);
}

/* Longer durations and odd starts (not on a minute), checked as the
 * inverse and for monotony. */
static void test_deadline_properties(void **state)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;
	int64_t base = at("2025-06-01 00:00");

	for (int i = 0; i < 3000; i++) {
		int64_t start, d, dl, dl2;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		start = base + (int64_t)(x % (600ull * 86400000ull));
		d = (int64_t)((x >> 20) % (400ull * 3600000ull));
		dl = sla_deadline(&office, start, d);
		assert_true(dl >= start);
		assert_int_equal(sla_elapsed(&office, start, dl), d);
		dl2 = sla_deadline(&office, start, d + 1);
		assert_true(dl2 > dl);
		/* Adding in two steps is adding once. */
		assert_int_equal(
		    sla_deadline(&office, sla_deadline(&office, start, d / 3),
				 d - d / 3),
		    dl);
	}
}

static void test_never(void **state)
{
	struct sla_calendar cal;

	/* Working weekdays gone: only a listed make-up day works. */
	sla_calendar_init(&cal);
	cal.weekdays = 0;
	cal.n_workdays = 1;
	assert_int_equal(sla_date_parse("2026-10-10", &cal.workdays[0]), WL_OK);
	assert_int_equal(sla_deadline(&cal, at("2026-10-01 00:00"), HOUR_MS),
			 at("2026-10-10 09:30"));
	assert_int_equal(
	    sla_deadline(&cal, at("2026-10-01 00:00"), 8 * HOUR_MS),
	    SLA_TIME_MAX);
	/* Beyond the end of time. */
	assert_int_equal(sla_deadline(NULL, SLA_TIME_MAX - 5, 10),
			 SLA_TIME_MAX);
	assert_int_equal(sla_deadline(NULL, -100, 10), 10);
}

/* ------------------------------------------------------------------ */
/* dates and zones */

static void test_civil_against_timegm(void **state)
{
	for (int y = 1970; y <= 2400; y += (y < 2100 ? 1 : 7)) {
		for (int m = 1; m <= 12; m++) {
			struct tm tm;
			int32_t day;
			int yy, mm, dd;

			memset(&tm, 0, sizeof(tm));
			tm.tm_year = y - 1900;
			tm.tm_mon = m - 1;
			tm.tm_mday = m == 2 ? 28 : 15;
			day = sla_day_from_civil(y, m, tm.tm_mday);
			assert_int_equal((int64_t)day * 86400,
					 (int64_t)timegm(&tm));
			sla_civil_from_day(day, &yy, &mm, &dd);
			assert_int_equal(yy, y);
			assert_int_equal(mm, m);
			assert_int_equal(dd, tm.tm_mday);
			/* timegm fills tm_wday: 0 Sunday. */
			assert_int_equal(sla_weekday(day) % 7, tm.tm_wday);
		}
	}
	/* The last day of 9999 round-trips. */
	{
		int32_t day = sla_day_from_civil(9999, 12, 31);
		int y, m, d;

		sla_civil_from_day(day, &y, &m, &d);
		assert_int_equal(y * 10000 + m * 100 + d, 99991231);
	}
}

static void test_date_parse(void **state)
{
	int32_t day = -1;
	static const char *const bad[] = {
	    "2026-02-29",     "2026-13-01", "2026-00-10",  "2026-1-01",
	    "1969-12-31",     "2026/10/01", "2026-10-01 ", "",
	    "２０２６-10-01", "2026-04-31", "+026-10-01",  "2026-10-0a",
	};

	assert_int_equal(sla_date_parse("2028-02-29", &day), WL_OK);
	assert_int_equal(day, sla_day_from_civil(2028, 2, 29));
	assert_int_equal(sla_date_parse("1970-01-01", &day), WL_OK);
	assert_int_equal(day, 0);
	assert_int_equal(sla_date_parse("2026-10-01", &day), WL_OK);
	assert_int_equal(sla_weekday(day), 4); /* 周四, as the notice says */
	assert_int_equal(sla_date_parse("2026-10-10", &day), WL_OK);
	assert_int_equal(sla_weekday(day), 6);
	for (size_t i = 0; i < WL_ARRAY_LEN(bad); i++)
		assert_int_equal(sla_date_parse(bad[i], &day), WL_EBADREQ);
}

static void test_tz_table(void **state)
{
	int32_t off = -1;

	assert_int_equal(sla_tz_offset("Asia/Shanghai", &off), WL_OK);
	assert_int_equal(off, 8 * 3600);
	assert_int_equal(sla_tz_offset("Asia/Urumqi", &off), WL_OK);
	assert_int_equal(off, 8 * 3600);
	assert_int_equal(sla_tz_offset("Asia/Hong_Kong", &off), WL_OK);
	assert_int_equal(off, 8 * 3600);
	assert_int_equal(sla_tz_offset("UTC", &off), WL_OK);
	assert_int_equal(off, 0);
	assert_int_equal(sla_tz_offset("Europe/Berlin", &off), WL_ENOTFOUND);
	assert_int_equal(sla_tz_offset("asia/shanghai", &off), WL_ENOTFOUND);
	assert_int_equal(sla_tz_offset(NULL, &off), WL_ENOTFOUND);
	assert_non_null(strstr(sla_tz_names(), "Asia/Shanghai"));
}

static void test_local_time(void **state)
{
	char buf[32];
	int32_t tod = -1;
	int64_t t = at("2026-10-08 09:05");

	assert_int_equal(sla_format_local(t, SH_OFFSET_S, buf, sizeof(buf)),
			 16);
	assert_string_equal(buf, "2026-10-08 09:05");
	sla_format_local(t, 0, buf, sizeof(buf));
	assert_string_equal(buf, "2026-10-08 01:05");
	/* 07:00 Beijing time on a Monday is still Sunday in UTC. */
	t = at("2026-01-05 07:00");
	assert_int_equal(sla_weekday(sla_local_day(t, SH_OFFSET_S, &tod)), 1);
	assert_int_equal(tod, 7 * HOUR_MS);
	assert_int_equal(sla_weekday(sla_local_day(t, 0, NULL)), 7);
	assert_int_equal(sla_local_to_utc(sla_local_day(t, SH_OFFSET_S, NULL),
					  tod, SH_OFFSET_S),
			 t);
}

static void test_is_workday(void **state)
{
	int32_t day;

	assert_int_equal(sla_date_parse("2026-10-10", &day), WL_OK);
	assert_true(sla_calendar_is_workday(&office, day));
	assert_false(sla_calendar_is_workday(&office_plain, day));
	assert_int_equal(sla_date_parse("2026-10-01", &day), WL_OK);
	assert_false(sla_calendar_is_workday(&office, day));
	assert_true(sla_calendar_is_workday(&office_plain, day));
	assert_int_equal(sla_date_parse("2026-10-11", &day), WL_OK);
	assert_false(sla_calendar_is_workday(&office, day));
}

/* ------------------------------------------------------------------ */
/* the JSON reader */

static void parse_expect(const char *json, const char *default_tz, int want_rc,
			 const char *const *lines)
{
	json_error_t err;
	json_t *j = json_loads(json, JSON_DECODE_ANY, &err);
	struct sla_calendar cal;
	struct wl_diag d;
	size_t n = 0;

	if (!j)
		print_message("bad test JSON: %s\n", err.text);
	assert_non_null(j);
	diag_init(&d);
	assert_int_equal(sla_calendar_from_json(j, default_tz, &cal, &d,
						"t.json", "sla.calendar"),
			 want_rc);
	while (lines && lines[n])
		n++;
	for (size_t i = 0; i < d.n; i++)
		if (i >= n || strcmp(d.lines[i], lines[i]) != 0)
			print_message("line %zu: %s\n", i, d.lines[i]);
	assert_int_equal(d.n, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(d.lines[i], lines[i]);
	/* Always usable: at least one span, spans in order. */
	assert_true(cal.n_spans >= 1);
	for (size_t i = 1; i < cal.n_spans; i++)
		assert_true(cal.spans[i].from_ms > cal.spans[i - 1].to_ms);
	diag_release(&d);
	json_decref(j);
}

static void test_parse_good(void **state)
{
	struct sla_calendar cal;

	/* The office calendar read above. */
	assert_int_equal(office.utc_offset_s, 8 * 3600);
	assert_int_equal(office.weekdays, 0x3e);
	assert_int_equal(office.n_spans, 2);
	assert_int_equal(office.spans[0].from_ms, 510 * MIN_MS);
	assert_int_equal(office.spans[1].to_ms, 1050 * MIN_MS);
	assert_int_equal(office.n_holidays, WL_ARRAY_LEN(holidays_2026));
	assert_int_equal(office.n_workdays, WL_ARRAY_LEN(workdays_2026));
	for (size_t i = 1; i < office.n_holidays; i++)
		assert_true(office.holidays[i] > office.holidays[i - 1]);

	/* Adjacent periods join; one-digit hours; comments skipped; the
	 * default time zone used; applies_to left to the SLA reader. */
	load_cal("{\"#\": \"x\", \"hours\": [[\"8:00\", \"12:00\"],"
		 " [\"12:00\", \"13:00\"], [\"20:00\", \"24:00\"]],"
		 " \"applies_to\": [\"respond\"]}",
		 &cal);
	assert_int_equal(cal.n_spans, 2);
	assert_int_equal(cal.spans[0].from_ms, 8 * HOUR_MS);
	assert_int_equal(cal.spans[0].to_ms, 13 * HOUR_MS);
	assert_int_equal(cal.spans[1].to_ms, SLA_DAY_MS);
	parse_expect("{\"weekdays\": [6, 7]}", "UTC", WL_OK, NULL);
}

static void test_parse_errors(void **state)
{
	static const char *const hours_bad[] = {
	    "t.json: sla.calendar.hours[0][1]: not a time of day HH:MM "
	    "(got \"25:00\")",
	    "t.json: sla.calendar.hours[1]: the end must be after the start",
	    "t.json: sla.calendar.hours[2][0]: not a time of day HH:MM (got "
	    "\"24:00\")",
	    "t.json: sla.calendar.hours[3]: expected a period [\"HH:MM\", "
	    "\"HH:MM\"], got string",
	    NULL};
	static const char *const overlap[] = {
	    "t.json: sla.calendar.hours[1]: must start after the period "
	    "before ends (periods in order, not overlapping)",
	    NULL};
	static const char *const days_bad[] = {
	    "t.json: sla.calendar.weekdays[0]: must be between 1 (Monday) "
	    "and 7 (Sunday) (got 0)",
	    "t.json: sla.calendar.weekdays[2]: warning: weekday 2 listed "
	    "twice",
	    "t.json: sla.calendar.weekdays[3]: expected integer, got string",
	    NULL};
	static const char *const empty_days[] = {
	    "t.json: sla.calendar.weekdays: must list 1 to 7 working "
	    "weekdays, 1 Monday .. 7 Sunday (got 0)",
	    NULL};
	static const char *const dates_bad[] = {
	    "t.json: sla.calendar.holidays[1]: not a date YYYY-MM-DD (got "
	    "\"2026-02-30\")",
	    "t.json: sla.calendar.holidays[2]: expected string "
	    "\"YYYY-MM-DD\", got integer",
	    "t.json: sla.calendar.holidays: warning: 2026-10-01 is listed "
	    "twice",
	    NULL};
	static const char *const both[] = {
	    "t.json: sla.calendar.workdays: 2026-10-01 is also listed in "
	    "holidays",
	    "t.json: sla.calendar.workdays: warning: 2026-10-09 is a "
	    "working weekday anyway (make-up workdays are days off made "
	    "working)",
	    NULL};
	static const char *const unknown[] = {
	    "t.json: sla.calendar.hollidays: unknown key \"hollidays\" "
	    "(known: timezone, hours, weekdays, holidays, workdays, "
	    "applies_to)",
	    /* A control character in a key cannot break the line. */
	    "t.json: sla.calendar.hours\\n\\x01: unknown key "
	    "\"hours\\n\\x01\" (known: timezone, hours, weekdays, "
	    "holidays, workdays, applies_to)",
	    NULL};
	char tz_line[512], tz_default[512];
	const char *tz_lines[] = {tz_line, NULL};
	const char *tz_default_lines[] = {tz_default, NULL};
	static const char *const not_obj[] = {
	    "t.json: sla.calendar: expected object, got array", NULL};
	static const char *const long_value[] = {
	    "t.json: sla.calendar.holidays[0]: not a date YYYY-MM-DD (got "
	    "\"国庆节国庆节国庆节国庆节国庆节国...\")",
	    NULL};

	parse_expect("{\"hours\": [[\"08:00\", \"25:00\"], [\"13:00\", "
		     "\"12:00\"], [\"24:00\", \"24:00\"], \"x\"]}",
		     NULL, WL_EBADREQ, hours_bad);
	parse_expect("{\"hours\": [[\"08:00\", \"12:00\"], [\"11:00\", "
		     "\"13:00\"]]}",
		     NULL, WL_EBADREQ, overlap);
	parse_expect("{\"weekdays\": [0, 2, 2, \"3\"]}", NULL, WL_EBADREQ,
		     days_bad);
	parse_expect("{\"weekdays\": []}", NULL, WL_EBADREQ, empty_days);
	parse_expect("{\"holidays\": [\"2026-10-01\", \"2026-02-30\", 20261001,"
		     " \"2026-10-01\"]}",
		     NULL, WL_EBADREQ, dates_bad);
	parse_expect("{\"holidays\": [\"2026-10-01\"], \"workdays\": "
		     "[\"2026-10-01\", \"2026-10-09\"]}",
		     NULL, WL_EBADREQ, both);
	parse_expect("{\"hollidays\": [], \"hours\\n\\u0001\": 1}", NULL,
		     WL_EBADREQ, unknown);
	parse_expect("[]", NULL, WL_EBADREQ, not_obj);
	parse_expect(
	    "{\"holidays\": [\"国庆节国庆节国庆节国庆节国庆节国庆节国庆节\"]}",
	    NULL, WL_EBADREQ, long_value);

	snprintf(tz_line, sizeof(tz_line),
		 "t.json: sla.calendar.timezone: time zone \"Europe/Berlin\" "
		 "is not one the working calendar knows (known: %s)",
		 sla_tz_names());
	parse_expect("{\"timezone\": \"Europe/Berlin\"}", "Asia/Shanghai",
		     WL_EBADREQ, tz_lines);
	snprintf(tz_default, sizeof(tz_default),
		 "t.json: sla.calendar: needs \"timezone\": the time zone "
		 "\"America/New_York\" is not one the working calendar knows "
		 "(known: %s)",
		 sla_tz_names());
	parse_expect("{}", "America/New_York", WL_EBADREQ, tz_default_lines);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_deadline_table),
	    cmocka_unit_test(test_elapsed),
	    cmocka_unit_test(test_reference_model),
	    cmocka_unit_test(test_deadline_properties),
	    cmocka_unit_test(test_never),
	    cmocka_unit_test(test_civil_against_timegm),
	    cmocka_unit_test(test_date_parse),
	    cmocka_unit_test(test_tz_table),
	    cmocka_unit_test(test_local_time),
	    cmocka_unit_test(test_is_workday),
	    cmocka_unit_test(test_parse_good),
	    cmocka_unit_test(test_parse_errors),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
