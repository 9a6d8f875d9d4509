/*
 * calendar.h — working time for the response-time clocks: a working
 * calendar (hours of a working day, working weekdays, public holidays and
 * make-up workdays 调休) in one fixed UTC offset, and the two sums the
 * clocks need:
 *
 *   sla_deadline(cal, start, d)  the instant at which d of working time
 *                                has passed since start;
 *   sla_elapsed(cal, from, to)   the working time between two instants.
 *
 * With cal == NULL both count round the clock (plain addition and
 * subtraction).
 *
 * Everything here is pure: no clock reads, no I/O, no globals, and no
 * localtime()/tzset() (they read the TZ environment and a process-wide
 * cache). A time zone is a fixed UTC offset taken from a small table
 * (sla_tz_offset); the zones warmline serves have had no daylight saving
 * since 1991.
 *
 * Times are int64 milliseconds since 1970-01-01T00:00:00Z. Inputs are
 * clamped to [0, SLA_TIME_MAX]; SLA_TIME_MAX also means "never" (a
 * calendar with no working time left).
 *
 * Ownership: struct sla_calendar is a plain value without pointers; the
 * owner declares it (on the stack, inside struct sla_conf), fills it with
 * sla_calendar_init() or sla_calendar_from_json() and may copy it freely.
 * There is nothing to release. It is read-only while clocks use it, so
 * any number of threads may share one.
 */
#ifndef WL_CALENDAR_H
#define WL_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "config.h"

#define SLA_DAY_MS 86400000LL
/* 9999-12-31T23:59:59.999Z: the last instant; also "never". */
#define SLA_TIME_MAX 253402300799999LL
/* Working periods in one day (08:30–12:00 and 14:00–17:30 is two). */
#define SLA_CAL_MAX_SPANS 8
/* Listed dates of each kind: three decades of public holidays. */
#define SLA_CAL_MAX_DATES 1024
/* Dates accepted in a calendar. */
#define SLA_CAL_YEAR_MIN 1970
#define SLA_CAL_YEAR_MAX 9999

/* One working period of a day, in milliseconds since local midnight:
 * [from_ms, to_ms), 0 <= from_ms < to_ms <= SLA_DAY_MS. */
struct sla_span {
	int32_t from_ms, to_ms;
};

struct sla_calendar {
	int32_t utc_offset_s; /* local time = UTC + this */
	/* Bit d set: ISO weekday d works (1 Monday .. 7 Sunday). */
	uint8_t weekdays;
	/* The working periods of every working day, sorted, disjoint. */
	size_t n_spans;
	struct sla_span spans[SLA_CAL_MAX_SPANS];
	/* Local dates as day numbers (days since 1970-01-01), sorted, no
	 * duplicates. A holiday never works; a make-up workday (调休, a
	 * weekend date that is a working day) always works. */
	size_t n_holidays;
	int32_t holidays[SLA_CAL_MAX_DATES];
	size_t n_workdays;
	int32_t workdays[SLA_CAL_MAX_DATES];
};

/* Fills cal with the usual office week: Monday to Friday, 08:30–12:00
 * and 14:00–17:30, Beijing time (UTC+8), no listed dates. */
void sla_calendar_init(struct sla_calendar *cal);

/*
 * Reads a calendar object:
 *   {"timezone": "Asia/Shanghai",
 *    "hours": [["08:30","12:00"], ["14:00","17:30"]],
 *    "weekdays": [1,2,3,4,5],
 *    "holidays": ["2026-10-01", ...],
 *    "workdays": ["2026-10-10", ...]}
 * Every key is optional (the defaults are sla_calendar_init()'s; the time
 * zone defaults to default_tz, and to UTC+8 when that is NULL too).
 * "applies_to" and keys that start with "#" are skipped: the first belongs to
 * the SLA configuration (sla_conf_from_json), the others are comments.
 *
 * Every problem is added to d as "FILE: WHERE: WHAT" with WHERE below
 * `where` (for example "sla.calendar.hours[1][0]"); the walk does not stop
 * at the first one. Returns WL_OK, or WL_EBADREQ when it added an error
 * (warnings alone return WL_OK). cal is always left usable.
 */
int sla_calendar_from_json(json_t *obj, const char *default_tz,
			   struct sla_calendar *cal, struct wl_diag *d,
			   const char *file, const char *where);

/* Working day? Holidays first, then make-up workdays, then weekdays. */
bool sla_calendar_is_workday(const struct sla_calendar *cal, int32_t day);

/* The instant at which duration_ms of working time has passed since
 * start_ms. A start outside working time counts from the next working
 * period; a deadline that falls exactly on the end of a period is that
 * end (12:00, not 14:00). duration_ms <= 0 gives start_ms.
 * SLA_TIME_MAX when the calendar has no more working time. */
int64_t sla_deadline(const struct sla_calendar *cal, int64_t start_ms,
		     int64_t duration_ms);

/* The working time in [from_ms, to_ms); negative when to_ms < from_ms.
 * sla_elapsed(cal, s, sla_deadline(cal, s, d)) == d for d >= 0. */
int64_t sla_elapsed(const struct sla_calendar *cal, int64_t from_ms,
		    int64_t to_ms);

/* The fixed UTC offset of a time zone name from the table in calendar.c
 * (Asia/Shanghai and the other zones of China at +8, UTC at 0). WL_OK, or
 * WL_ENOTFOUND for a name not in the table. */
int sla_tz_offset(const char *name, int32_t *offset_s);
/* The names of the table, ", "-separated, for messages. Static. */
const char *sla_tz_names(void);

/* Dates. Day numbers count days since 1970-01-01 (day 0, a Thursday). */
int32_t sla_day_from_civil(int year, int month, int mday);
void sla_civil_from_day(int32_t day, int *year, int *month, int *mday);
/* ISO weekday: 1 Monday .. 7 Sunday. */
int sla_weekday(int32_t day);
/* "YYYY-MM-DD" (exactly ten characters, a real date between
 * SLA_CAL_YEAR_MIN and SLA_CAL_YEAR_MAX) → WL_OK and *day, or
 * WL_EBADREQ. */
int sla_date_parse(const char *s, int32_t *day);

/* The local day number and the milliseconds since local midnight of an
 * instant, at a UTC offset. */
int32_t sla_local_day(int64_t t_ms, int32_t utc_offset_s, int32_t *tod_ms);
/* The instant of local day `day` at tod_ms past midnight. */
int64_t sla_local_to_utc(int32_t day, int64_t tod_ms, int32_t utc_offset_s);

/* "YYYY-MM-DD HH:MM" local time, NUL-terminated; size >= 17. Returns the
 * length written (snprintf's contract). */
int sla_format_local(int64_t t_ms, int32_t utc_offset_s, char *buf,
		     size_t size);

/* For the configuration readers here and in sla_calc.c: a JSON type's
 * name ("integer"; static), and a value quoted for a diag line (at most
 * SLA_QUOTE_MAX bytes of it, cut on a UTF-8 boundary, control characters
 * and quotes escaped; size >= SLA_QUOTE_MAX + 16 always suffices). */
#define SLA_QUOTE_MAX 48
const char *sla_json_type(const json_t *v);
void sla_quote(char *out, size_t size, const char *s);
/* "base.key" with the key escaped the same way (without the quotes), so
 * a strange key cannot break a diag line. */
void sla_path_key(char *out, size_t size, const char *base, const char *key);
/* A diag path by format, e.g. ("%s[%zu]", path, i); cut when too long. */
void sla_pathf(char *out, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
