/*
 * calendar.c — working-time arithmetic for the response-time clocks (see
 * calendar.h): civil dates without the C library's time zone machinery,
 * a fixed-offset time zone table, the calendar's JSON reader and the two
 * sums, sla_deadline() and sla_elapsed().
 *
 * Both sums walk day by day over the days that may hold listed dates and
 * jump whole weeks elsewhere (a week without listed dates always holds the
 * same working time), so a year-long duration costs a few hundred steps.
 */
#include "calendar.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wl.h"

#define CAL_PATH_MAX  256
#define CAL_QUOTE_MAX SLA_QUOTE_MAX
/* The last day number SLA_TIME_MAX falls on, for any offset. */
#define CAL_DAY_MAX ((int32_t)(SLA_TIME_MAX / SLA_DAY_MS) + 2)

/* ------------------------------------------------------------------ */
/* civil dates */

static bool is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days before the first of each month in a common year. */
/* Columns of twelve months. */
/* clang-format off */
static const int month_start[12] = { 0,	  31,  59,  90,	 120, 151,
				     181, 212, 243, 273, 304, 334 };
/* clang-format on */

static int month_days(int y, int m)
{
	static const int len[12] = {31, 28, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31};

	return m == 2 && is_leap(y) ? 29 : len[m - 1];
}

/* Leap years in [1, y]. */
static int64_t leaps_through(int64_t y)
{
	return y / 4 - y / 100 + y / 400;
}

static int64_t days_before_year(int64_t y)
{
	return 365 * (y - 1970) + leaps_through(y - 1) - leaps_through(1969);
}

int32_t sla_day_from_civil(int year, int month, int mday)
{
	int64_t d = days_before_year(year) + month_start[month - 1] + mday - 1;

	if (month > 2 && is_leap(year))
		d++;
	return (int32_t)d;
}

void sla_civil_from_day(int32_t day, int *year, int *month, int *mday)
{
	/* 365.2425 days a year on average: the guess is at most one year
	 * off, and the loops put it right. */
	int64_t y = 1970 + (int64_t)day * 400 / 146097;
	int64_t doy;
	int m = 1;

	while (days_before_year(y) > day)
		y--;
	while (days_before_year(y + 1) <= day)
		y++;
	doy = day - days_before_year(y);
	while (m < 12 && doy >= month_days((int)y, m)) {
		doy -= month_days((int)y, m);
		m++;
	}
	*year = (int)y;
	*month = m;
	*mday = (int)doy + 1;
}

int sla_weekday(int32_t day)
{
	/* Day 0, 1970-01-01, was a Thursday (4). */
	int r = (int)(((int64_t)day % 7 + 7) % 7);

	return (r + 3) % 7 + 1;
}

static int two_digits(const char *s)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return -1;
	return (s[0] - '0') * 10 + (s[1] - '0');
}

int sla_date_parse(const char *s, int32_t *day)
{
	int y = 0, m, d;

	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return WL_EBADREQ;
	for (int i = 0; i < 4; i++) {
		if (s[i] < '0' || s[i] > '9')
			return WL_EBADREQ;
		y = y * 10 + (s[i] - '0');
	}
	m = two_digits(s + 5);
	d = two_digits(s + 8);
	if (y < SLA_CAL_YEAR_MIN || y > SLA_CAL_YEAR_MAX || m < 1 || m > 12 ||
	    d < 1 || d > month_days(y, m))
		return WL_EBADREQ;
	*day = sla_day_from_civil(y, m, d);
	return WL_OK;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if (a % b != 0 && (a < 0) != (b < 0))
		q--;
	return q;
}

static int64_t clamp_time(int64_t t)
{
	if (t < 0)
		return 0;
	if (t > SLA_TIME_MAX)
		return SLA_TIME_MAX;
	return t;
}

int32_t sla_local_day(int64_t t_ms, int32_t utc_offset_s, int32_t *tod_ms)
{
	int64_t local = clamp_time(t_ms) + (int64_t)utc_offset_s * 1000;
	int64_t day = floor_div(local, SLA_DAY_MS);

	if (tod_ms)
		*tod_ms = (int32_t)(local - day * SLA_DAY_MS);
	return (int32_t)day;
}

int64_t sla_local_to_utc(int32_t day, int64_t tod_ms, int32_t utc_offset_s)
{
	return (int64_t)day * SLA_DAY_MS + tod_ms -
	       (int64_t)utc_offset_s * 1000;
}

int sla_format_local(int64_t t_ms, int32_t utc_offset_s, char *buf, size_t size)
{
	int32_t tod;
	int32_t day = sla_local_day(t_ms, utc_offset_s, &tod);
	int y, m, d;

	sla_civil_from_day(day, &y, &m, &d);
	return snprintf(buf, size, "%04d-%02d-%02d %02d:%02d", y, m, d,
			(int)(tod / 3600000), (int)(tod / 60000 % 60));
}

/* ------------------------------------------------------------------ */
/* time zones */

/*
 * Fixed offsets only. Every zone of China has kept UTC+8 without
 * daylight saving since 1991. Asia/Urumqi is +6 in the tz database (the
 * local "Xinjiang time"), but government offices there keep Beijing time,
 * which is what a duty roster is written in, so it is +8 here.
 */
/* clang-format off */
static const struct {
	const char *name;
	int32_t offset_s;
} tz_table[] = {
	{ "Asia/Shanghai", 8 * 3600 },	{ "Asia/Chongqing", 8 * 3600 },
	{ "Asia/Chungking", 8 * 3600 }, { "Asia/Harbin", 8 * 3600 },
	{ "Asia/Urumqi", 8 * 3600 },	{ "Asia/Kashgar", 8 * 3600 },
	{ "Asia/Hong_Kong", 8 * 3600 }, { "Asia/Macau", 8 * 3600 },
	{ "Asia/Macao", 8 * 3600 },	{ "Asia/Taipei", 8 * 3600 },
	{ "PRC", 8 * 3600 },		{ "Etc/GMT-8", 8 * 3600 },
	{ "UTC", 0 },			{ "Etc/UTC", 0 },
	{ "Etc/GMT", 0 },		{ "GMT", 0 },
};
/* clang-format on */

int sla_tz_offset(const char *name, int32_t *offset_s)
{
	if (!name)
		return WL_ENOTFOUND;
	for (size_t i = 0; i < WL_ARRAY_LEN(tz_table); i++)
		if (strcmp(tz_table[i].name, name) == 0) {
			if (offset_s)
				*offset_s = tz_table[i].offset_s;
			return WL_OK;
		}
	return WL_ENOTFOUND;
}

const char *sla_tz_names(void)
{
	return "Asia/Shanghai, Asia/Chongqing, Asia/Chungking, Asia/Harbin, "
	       "Asia/Urumqi, Asia/Kashgar, Asia/Hong_Kong, Asia/Macau, "
	       "Asia/Macao, Asia/Taipei, PRC, Etc/GMT-8, UTC, Etc/UTC, "
	       "Etc/GMT, GMT";
}

/* ------------------------------------------------------------------ */
/* the calendar */

void sla_calendar_init(struct sla_calendar *cal)
{
	memset(cal, 0, sizeof(*cal));
	cal->utc_offset_s = 8 * 3600;
	cal->weekdays = 0x3e; /* bits 1..5: Monday to Friday */
	cal->n_spans = 2;
	cal->spans[0] = (struct sla_span){30600000, 43200000};
	cal->spans[1] = (struct sla_span){50400000, 63000000};
}

/* First index whose date is >= day. */
static size_t lower_bound(const int32_t *a, size_t n, int32_t day)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (a[mid] < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool has_date(const int32_t *a, size_t n, int32_t day)
{
	size_t i = lower_bound(a, n, day);

	return i < n && a[i] == day;
}

bool sla_calendar_is_workday(const struct sla_calendar *cal, int32_t day)
{
	if (has_date(cal->holidays, cal->n_holidays, day))
		return false;
	if (has_date(cal->workdays, cal->n_workdays, day))
		return true;
	return (cal->weekdays >> sla_weekday(day)) & 1;
}

/* Days from `day` to the next listed date on or after it; INT64_MAX when
 * there is none. */
static int64_t days_to_listed(const struct sla_calendar *cal, int32_t day)
{
	int64_t best = INT64_MAX;
	size_t i = lower_bound(cal->holidays, cal->n_holidays, day);

	if (i < cal->n_holidays)
		best = cal->holidays[i] - day;
	i = lower_bound(cal->workdays, cal->n_workdays, day);
	if (i < cal->n_workdays && cal->workdays[i] - day < best)
		best = cal->workdays[i] - day;
	return best;
}

static int64_t day_ms(const struct sla_calendar *cal)
{
	int64_t sum = 0;

	for (size_t i = 0; i < cal->n_spans; i++)
		sum += cal->spans[i].to_ms - cal->spans[i].from_ms;
	return sum;
}

/* Working time in a week without listed dates. */
static int64_t week_ms(const struct sla_calendar *cal)
{
	int days = 0;

	for (int d = 1; d <= 7; d++)
		days += (cal->weekdays >> d) & 1;
	return days * day_ms(cal);
}

static int32_t last_listed(const struct sla_calendar *cal)
{
	int32_t last = INT32_MIN;

	if (cal->n_holidays)
		last = cal->holidays[cal->n_holidays - 1];
	if (cal->n_workdays && cal->workdays[cal->n_workdays - 1] > last)
		last = cal->workdays[cal->n_workdays - 1];
	return last;
}

int64_t sla_deadline(const struct sla_calendar *cal, int64_t start_ms,
		     int64_t duration_ms)
{
	int64_t rem = duration_ms, week, off;
	int32_t day, tod;

	start_ms = clamp_time(start_ms);
	if (duration_ms <= 0)
		return start_ms;
	if (!cal) {
		if (duration_ms > SLA_TIME_MAX - start_ms)
			return SLA_TIME_MAX;
		return start_ms + duration_ms;
	}
	off = cal->utc_offset_s;
	week = week_ms(cal);
	day = sla_local_day(start_ms, cal->utc_offset_s, &tod);
	for (; day <= CAL_DAY_MAX; day++, tod = 0) {
		/* Past every listed date with no working weekday: never. */
		if (week == 0 && day > last_listed(cal))
			break;
		if (tod == 0 && week > 0 && rem > week) {
			int64_t free_weeks = days_to_listed(cal, day) / 7;
			int64_t k = (rem - 1) / week;

			if (k > free_weeks)
				k = free_weeks;
			if (k > (CAL_DAY_MAX - day) / 7)
				break;
			if (k > 0) {
				day += (int32_t)(k * 7);
				rem -= k * week;
			}
		}
		if (!sla_calendar_is_workday(cal, day))
			continue;
		for (size_t i = 0; i < cal->n_spans; i++) {
			const struct sla_span *sp = &cal->spans[i];
			int32_t from = sp->from_ms > tod ? sp->from_ms : tod;

			if (from >= sp->to_ms)
				continue;
			if (rem <= sp->to_ms - from) {
				int64_t t = sla_local_to_utc(day, from + rem,
							     (int32_t)off);

				return clamp_time(t);
			}
			rem -= sp->to_ms - from;
		}
	}
	return SLA_TIME_MAX;
}

/* Working time of local day `day` between tod a and b (a <= b). */
static int64_t day_overlap(const struct sla_calendar *cal, int32_t day,
			   int64_t a, int64_t b)
{
	int64_t sum = 0;

	if (!sla_calendar_is_workday(cal, day))
		return 0;
	for (size_t i = 0; i < cal->n_spans; i++) {
		int64_t lo =
		    cal->spans[i].from_ms > a ? cal->spans[i].from_ms : a;
		int64_t hi = cal->spans[i].to_ms < b ? cal->spans[i].to_ms : b;

		if (hi > lo)
			sum += hi - lo;
	}
	return sum;
}

int64_t sla_elapsed(const struct sla_calendar *cal, int64_t from_ms,
		    int64_t to_ms)
{
	int32_t d0, d1, t0, t1;
	int64_t sum = 0, week;

	from_ms = clamp_time(from_ms);
	to_ms = clamp_time(to_ms);
	if (to_ms < from_ms)
		return -sla_elapsed(cal, to_ms, from_ms);
	if (!cal)
		return to_ms - from_ms;
	d0 = sla_local_day(from_ms, cal->utc_offset_s, &t0);
	d1 = sla_local_day(to_ms, cal->utc_offset_s, &t1);
	if (d0 == d1)
		return day_overlap(cal, d0, t0, t1);
	sum = day_overlap(cal, d0, t0, SLA_DAY_MS);
	week = week_ms(cal);
	for (int32_t day = d0 + 1; day < d1; day++) {
		int64_t k = (d1 - day) / 7;
		int64_t free_weeks = days_to_listed(cal, day) / 7;

		if (k > free_weeks)
			k = free_weeks;
		if (k > 0) {
			sum += k * week;
			day += (int32_t)(k * 7) - 1;
			continue;
		}
		sum += day_overlap(cal, day, 0, SLA_DAY_MS);
	}
	return sum + day_overlap(cal, d1, 0, t1);
}

/* ------------------------------------------------------------------ */
/* reading a calendar from the configuration */

struct cal_reader {
	struct wl_diag *d;
	const char *file;
	bool bad;
};

static void cal_err(struct cal_reader *r, const char *where, const char *fmt,
		    ...) __attribute__((format(printf, 3, 4)));

static void cal_err(struct cal_reader *r, const char *where, const char *fmt,
		    ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (strncmp(what, "warning:", 8) != 0)
		r->bad = true;
	if (r->d)
		diag_add(r->d, r->file, where, "%s", what);
}

/* s shown safely: at most CAL_QUOTE_MAX bytes of it, cut on a UTF-8
 * boundary, control characters escaped (and quotes, when quoted). */
static void quote_into(char *out, size_t size, const char *s, bool quotes)
{
	size_t o = 0, len = strlen(s), cut = len;

	if (size < 8) {
		if (size)
			out[0] = '\0';
		return;
	}
	if (cut > CAL_QUOTE_MAX) {
		cut = CAL_QUOTE_MAX;
		while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
			cut--;
	}
	if (quotes)
		out[o++] = '"';
	for (size_t i = 0; i < cut && o + 6 < size; i++) {
		unsigned char c = (unsigned char)s[i];
		int n = 0;

		if (c == '\n')
			n = snprintf(out + o, size - o, "\\n");
		else if (c == '\t')
			n = snprintf(out + o, size - o, "\\t");
		else if (c < 0x20 || c == 0x7f)
			n = snprintf(out + o, size - o, "\\x%02x", c);
		else if (quotes && (c == '"' || c == '\\'))
			n = snprintf(out + o, size - o, "\\%c", c);
		else
			out[o++] = (char)c;
		if (n > 0)
			o += (size_t)n;
	}
	if (cut < len && o + 4 < size) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	if (quotes)
		out[o++] = '"';
	out[o] = '\0';
}

void sla_quote(char *out, size_t size, const char *s)
{
	quote_into(out, size, s, true);
}

void sla_pathf(char *out, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out, size, fmt, ap);
	va_end(ap);
}

void sla_path_key(char *out, size_t size, const char *base, const char *key)
{
	char k[CAL_QUOTE_MAX + 16];

	quote_into(k, sizeof(k), key, false);
	sla_pathf(out, size, "%s.%s", base, k);
}

const char *sla_json_type(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "object";
	case JSON_ARRAY: return "array";
	case JSON_STRING: return "string";
	case JSON_INTEGER: return "integer";
	case JSON_REAL: return "real";
	case JSON_TRUE:
	case JSON_FALSE: return "boolean";
	case JSON_NULL: return "null";
	}
	return "unknown";
}

/* "H:MM" or "HH:MM" → milliseconds since midnight; -1 when malformed.
 * 24:00 is the end of the day. */
static int32_t parse_hhmm(const char *s)
{
	size_t len = strlen(s);
	int h, m;

	if (len == 4 && s[1] == ':') {
		if (s[0] < '0' || s[0] > '9')
			return -1;
		h = s[0] - '0';
		m = two_digits(s + 2);
	} else if (len == 5 && s[2] == ':') {
		h = two_digits(s);
		m = two_digits(s + 3);
	} else {
		return -1;
	}
	if (h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0))
		return -1;
	return (h * 60 + m) * 60000;
}

static void read_hours(struct cal_reader *r, json_t *v, const char *where,
		       struct sla_calendar *cal)
{
	char path[CAL_PATH_MAX], q[CAL_QUOTE_MAX + 16];
	struct sla_span spans[SLA_CAL_MAX_SPANS];
	size_t n = 0, i;
	json_t *pair;
	bool ok = true;

	if (!json_is_array(v)) {
		cal_err(r, where, "expected array, got %s", sla_json_type(v));
		return;
	}
	if (json_array_size(v) == 0 || json_array_size(v) > SLA_CAL_MAX_SPANS) {
		cal_err(r, where,
			"must have 1 to %d periods like [\"08:30\", \"12:00\"]"
			" (got %zu)",
			SLA_CAL_MAX_SPANS, json_array_size(v));
		return;
	}
	json_array_foreach(v, i, pair)
	{
		int32_t t[2] = {-1, -1};

		sla_pathf(path, sizeof(path), "%s[%zu]", where, i);
		if (!json_is_array(pair) || json_array_size(pair) != 2) {
			cal_err(r, path,
				"expected a period [\"HH:MM\", \"HH:MM\"], got "
				"%s",
				sla_json_type(pair));
			ok = false;
			continue;
		}
		for (size_t k = 0; k < 2; k++) {
			json_t *e = json_array_get(pair, k);
			char sub[CAL_PATH_MAX];

			sla_pathf(sub, sizeof(sub), "%s[%zu]", path, k);
			if (!json_is_string(e)) {
				cal_err(r, sub,
					"expected string \"HH:MM\", got %s",
					sla_json_type(e));
				continue;
			}
			t[k] = parse_hhmm(json_string_value(e));
			if (t[k] < 0 || (k == 0 && t[k] == SLA_DAY_MS)) {
				sla_quote(q, sizeof(q), json_string_value(e));
				cal_err(r, sub,
					"not a time of day HH:MM (got %s)", q);
				t[k] = -1;
			}
		}
		if (t[0] < 0 || t[1] < 0) {
			ok = false;
			continue;
		}
		if (t[1] <= t[0]) {
			cal_err(r, path, "the end must be after the start");
			ok = false;
			continue;
		}
		if (n > 0 && t[0] < spans[n - 1].to_ms) {
			cal_err(r, path,
				"must start after the period before ends "
				"(periods in order, not overlapping)");
			ok = false;
			continue;
		}
		if (n > 0 && t[0] == spans[n - 1].to_ms) {
			spans[n - 1].to_ms = t[1]; /* adjacent: one period */
			continue;
		}
		spans[n].from_ms = t[0];
		spans[n].to_ms = t[1];
		n++;
	}
	if (ok) {
		memcpy(cal->spans, spans, n * sizeof(spans[0]));
		cal->n_spans = n;
	}
}

static void read_weekdays(struct cal_reader *r, json_t *v, const char *where,
			  struct sla_calendar *cal)
{
	char path[CAL_PATH_MAX];
	uint8_t mask = 0;
	size_t i;
	json_t *e;
	bool ok = true;

	if (!json_is_array(v)) {
		cal_err(r, where, "expected array, got %s", sla_json_type(v));
		return;
	}
	if (json_array_size(v) == 0 || json_array_size(v) > 7) {
		cal_err(r, where,
			"must list 1 to 7 working weekdays, 1 Monday .. 7 "
			"Sunday (got %zu)",
			json_array_size(v));
		return;
	}
	json_array_foreach(v, i, e)
	{
		json_int_t w;

		sla_pathf(path, sizeof(path), "%s[%zu]", where, i);
		if (!json_is_integer(e)) {
			cal_err(r, path, "expected integer, got %s",
				sla_json_type(e));
			ok = false;
			continue;
		}
		w = json_integer_value(e);
		if (w < 1 || w > 7) {
			cal_err(r, path,
				"must be between 1 (Monday) and 7 (Sunday) "
				"(got %lld)",
				(long long)w);
			ok = false;
			continue;
		}
		if ((mask >> w) & 1)
			cal_err(r, path, "warning: weekday %lld listed twice",
				(long long)w);
		mask |= (uint8_t)(1u << w);
	}
	if (ok)
		cal->weekdays = mask;
}

static int cmp_day(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

/* A list of dates into out[] (sorted, duplicates dropped with a
 * warning); false when it had an error. */
static bool read_dates(struct cal_reader *r, json_t *v, const char *where,
		       int32_t *out, size_t *n_out)
{
	char path[CAL_PATH_MAX], q[CAL_QUOTE_MAX + 16];
	size_t i, n = 0;
	json_t *e;
	bool ok = true;

	if (!json_is_array(v)) {
		cal_err(r, where, "expected array, got %s", sla_json_type(v));
		return false;
	}
	if (json_array_size(v) > SLA_CAL_MAX_DATES) {
		cal_err(r, where, "must have at most %d dates (got %zu)",
			SLA_CAL_MAX_DATES, json_array_size(v));
		return false;
	}
	json_array_foreach(v, i, e)
	{
		int32_t day;

		sla_pathf(path, sizeof(path), "%s[%zu]", where, i);
		if (!json_is_string(e)) {
			cal_err(r, path,
				"expected string \"YYYY-MM-DD\", got %s",
				sla_json_type(e));
			ok = false;
			continue;
		}
		if (sla_date_parse(json_string_value(e), &day) != WL_OK) {
			sla_quote(q, sizeof(q), json_string_value(e));
			cal_err(r, path, "not a date YYYY-MM-DD (got %s)", q);
			ok = false;
			continue;
		}
		out[n++] = day;
	}
	qsort(out, n, sizeof(out[0]), cmp_day);
	/* Drop duplicates, naming each once. */
	size_t w = 0;

	for (size_t k = 0; k < n; k++) {
		if (w > 0 && out[w - 1] == out[k]) {
			char date[16];
			int y, m, dd;

			sla_civil_from_day(out[k], &y, &m, &dd);
			snprintf(date, sizeof(date), "%04d-%02d-%02d", y, m,
				 dd);
			cal_err(r, where, "warning: %s is listed twice", date);
			continue;
		}
		out[w++] = out[k];
	}
	*n_out = w;
	return ok;
}

static bool key_is(const char *key, const char *name)
{
	return strcmp(key, name) == 0;
}

int sla_calendar_from_json(json_t *obj, const char *default_tz,
			   struct sla_calendar *cal, struct wl_diag *d,
			   const char *file, const char *where)
{
	struct cal_reader r = {.d = d, .file = file, .bad = false};
	char path[CAL_PATH_MAX], q[CAL_QUOTE_MAX + 16];
	const char *key, *tz = default_tz;
	bool tz_given = false;
	json_t *v;

	if (!where)
		where = "calendar";
	sla_calendar_init(cal);
	if (!json_is_object(obj)) {
		cal_err(&r, where, "expected object, got %s",
			obj ? sla_json_type(obj) : "nothing");
		return WL_EBADREQ;
	}
	json_object_foreach(obj, key, v)
	{
		sla_path_key(path, sizeof(path), where, key);
		if (key[0] == '#' || key_is(key, "applies_to"))
			continue;
		if (key_is(key, "timezone")) {
			if (!json_is_string(v)) {
				cal_err(&r, path, "expected string, got %s",
					sla_json_type(v));
				tz = NULL;
			} else {
				tz = json_string_value(v);
			}
			tz_given = true;
		} else if (key_is(key, "hours")) {
			read_hours(&r, v, path, cal);
		} else if (key_is(key, "weekdays")) {
			read_weekdays(&r, v, path, cal);
		} else if (key_is(key, "holidays")) {
			if (!read_dates(&r, v, path, cal->holidays,
					&cal->n_holidays))
				cal->n_holidays = 0;
		} else if (key_is(key, "workdays")) {
			if (!read_dates(&r, v, path, cal->workdays,
					&cal->n_workdays))
				cal->n_workdays = 0;
		} else {
			sla_quote(q, sizeof(q), key);
			cal_err(&r, path,
				"unknown key %s (known: timezone, hours, "
				"weekdays, holidays, workdays, applies_to)",
				q);
		}
	}

	if (tz && sla_tz_offset(tz, &cal->utc_offset_s) != WL_OK) {
		sla_quote(q, sizeof(q), tz);
		sla_pathf(path, sizeof(path), "%s%s", where,
			  tz_given ? ".timezone" : "");
		cal_err(&r, path,
			"%stime zone %s is not one the working calendar knows "
			"(known: %s)",
			tz_given ? "" : "needs \"timezone\": the ", q,
			sla_tz_names());
	}

	/* A date both off and on is a typo in one of the lists. */
	for (size_t i = 0; i < cal->n_workdays; i++) {
		char date[16];
		int y, m, dd;

		sla_civil_from_day(cal->workdays[i], &y, &m, &dd);
		snprintf(date, sizeof(date), "%04d-%02d-%02d", y, m, dd);
		sla_pathf(path, sizeof(path), "%s.workdays", where);
		if (has_date(cal->holidays, cal->n_holidays, cal->workdays[i]))
			cal_err(&r, path, "%s is also listed in holidays",
				date);
		else if ((cal->weekdays >> sla_weekday(cal->workdays[i])) & 1)
			cal_err(&r, path,
				"warning: %s is a working weekday anyway "
				"(make-up workdays are days off made "
				"working)",
				date);
	}
	return r.bad ? WL_EBADREQ : WL_OK;
}
