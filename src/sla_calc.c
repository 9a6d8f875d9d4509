/*
 * sla_calc.c — the pure half of the response-time rule (sla.h): the
 * clock table, the "sla" configuration section, the clock state machine,
 * the plan of timer fires, fire identities, alert texts and the stored
 * state. No clock reads, no I/O, no globals; the sweeper in sla.c does
 * the Redis side.
 */
#include "sla.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wl.h"

#define SLA_PATH_MAX 256

/* ------------------------------------------------------------------ */
/* names */

/* The name tables read best as columns. */
/* clang-format off */
static const char *const clock_names[SLA_N_CLOCKS] = { "respond", "handle",
						       "feedback" };
static const char *const clock_labels[SLA_N_CLOCKS] = { "响应", "处置",
							"反馈" };
static const char *const event_names[SLA_N_EVENTS] = {
	"created",  "claimed",	   "contacted",	  "resolved",
	"feedback", "closed",	   "cancelled",	  "reopened",
	"transferred", "waiting_resident", "resident_replied", "released",
};
static const char *const run_names[SLA_N_RUNS] = {
	"idle", "running", "paused", "met", "missed", "cancelled",
};
static const char *const kind_names[SLA_N_KINDS] = { "warn", "breach",
						     "escalate" };
/* In bit order of enum sla_notify. */
static const char *const notify_names[] = {
	"assignee",    "community_director", "community_duty",
	"street_duty", "street_staff",	     "supervisor",
};
/* clang-format on */

const char *sla_clock_name(enum sla_clock c)
{
	return (unsigned)c < SLA_N_CLOCKS ? clock_names[c] : NULL;
}

const char *sla_clock_label(enum sla_clock c)
{
	return (unsigned)c < SLA_N_CLOCKS ? clock_labels[c] : NULL;
}

const char *sla_event_name(enum sla_event e)
{
	return (unsigned)e < SLA_N_EVENTS ? event_names[e] : NULL;
}

const char *sla_run_name(enum sla_run r)
{
	return (unsigned)r < SLA_N_RUNS ? run_names[r] : NULL;
}

const char *sla_kind_name(enum sla_kind k)
{
	return (unsigned)k < SLA_N_KINDS ? kind_names[k] : NULL;
}

const char *sla_notify_name(unsigned one_bit)
{
	for (size_t i = 0; i < WL_ARRAY_LEN(notify_names); i++)
		if (one_bit == 1u << i)
			return notify_names[i];
	return NULL;
}

static int index_of(const char *const *names, size_t n, const char *s)
{
	if (!s)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

int sla_clock_from_name(const char *s, enum sla_clock *out)
{
	int i = index_of(clock_names, SLA_N_CLOCKS, s);

	if (i < 0)
		return WL_ENOTFOUND;
	*out = (enum sla_clock)i;
	return WL_OK;
}

int sla_event_from_name(const char *s, enum sla_event *out)
{
	int i = index_of(event_names, SLA_N_EVENTS, s);

	if (i < 0)
		return WL_ENOTFOUND;
	*out = (enum sla_event)i;
	return WL_OK;
}

/* ------------------------------------------------------------------ */
/* the clock table and the defaults */

/*
 * What starts, stops, pauses and restarts each clock. Decisions:
 *  - respond stops at the first of claimed or contacted: in the 12345
 *    practice 响应 is a person taking the case (签收) or answering the
 *    resident, whichever comes first. Any later stage (resolved,
 *    feedback, closed) also proves a response.
 *  - respond restarts at transferred (the new area must respond) and
 *    reopened; released (a ladder step put a stalled case back in the
 *    pool) starts it only if it had stopped, so releasing a case nobody
 *    claimed does not reset its ladder.
 *  - handle pauses while staff wait for the resident; a transfer does not
 *    restart it (the 24 hours belong to the case, not to an area).
 *  - feedback starts at resolved; reopening cancels it (it starts again
 *    at the next resolve).
 *  - cancelled cancels everything.
 */
/* clang-format off */
static const uint8_t default_table[SLA_N_CLOCKS][SLA_N_EVENTS] = {
	[SLA_RESPOND] = {
		[SLA_EV_CREATED] = SLA_ACT_START,
		[SLA_EV_CLAIMED] = SLA_ACT_STOP,
		[SLA_EV_CONTACTED] = SLA_ACT_STOP,
		[SLA_EV_RESOLVED] = SLA_ACT_STOP,
		[SLA_EV_FEEDBACK] = SLA_ACT_STOP,
		[SLA_EV_CLOSED] = SLA_ACT_STOP,
		[SLA_EV_CANCELLED] = SLA_ACT_CANCEL,
		[SLA_EV_REOPENED] = SLA_ACT_RESTART,
		[SLA_EV_TRANSFERRED] = SLA_ACT_RESTART,
		[SLA_EV_RELEASED] = SLA_ACT_START,
	},
	[SLA_HANDLE] = {
		[SLA_EV_CREATED] = SLA_ACT_START,
		[SLA_EV_RESOLVED] = SLA_ACT_STOP,
		[SLA_EV_CLOSED] = SLA_ACT_STOP,
		[SLA_EV_CANCELLED] = SLA_ACT_CANCEL,
		[SLA_EV_REOPENED] = SLA_ACT_RESTART,
		[SLA_EV_WAITING_RESIDENT] = SLA_ACT_PAUSE,
		[SLA_EV_RESIDENT_REPLIED] = SLA_ACT_RESUME,
	},
	[SLA_FEEDBACK] = {
		[SLA_EV_RESOLVED] = SLA_ACT_START,
		[SLA_EV_FEEDBACK] = SLA_ACT_STOP,
		[SLA_EV_CLOSED] = SLA_ACT_STOP,
		[SLA_EV_CANCELLED] = SLA_ACT_CANCEL,
		[SLA_EV_REOPENED] = SLA_ACT_CANCEL,
	},
};
/* clang-format on */

/* Who the ladder's levels tell when escalate_after_s lists plain
 * numbers: the community, then the street's 民政办, then the leading
 * group. */
static unsigned default_notify(size_t level_index)
{
	if (level_index == 0)
		return SLA_TO_COMMUNITY_DIRECTOR | SLA_TO_COMMUNITY_DUTY;
	if (level_index == 1)
		return SLA_TO_STREET_DUTY | SLA_TO_STREET_STAFF;
	return SLA_TO_SUPERVISOR;
}

static void profile_init(struct sla_profile *p, int64_t respond_s,
			 int64_t handle_s, int64_t feedback_s)
{
	static const int64_t after_s[] = {0, 3600, 7200};

	memset(p, 0, sizeof(*p));
	p->budget_ms[SLA_RESPOND] = respond_s * 1000;
	p->budget_ms[SLA_HANDLE] = handle_s * 1000;
	p->budget_ms[SLA_FEEDBACK] = feedback_s * 1000;
	p->n_warn = 2;
	p->warn_ms[0] = 1800 * 1000;
	p->warn_ms[1] = 600 * 1000;
	p->n_steps = WL_ARRAY_LEN(after_s);
	for (size_t i = 0; i < p->n_steps; i++) {
		p->steps[i].after_ms = after_s[i] * 1000;
		p->steps[i].notify = default_notify(i);
	}
}

void sla_conf_init(struct sla_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	profile_init(&conf->normal, 3600, 86400, 259200);
	profile_init(&conf->urgent, 600, 14400, 259200);
	sla_calendar_init(&conf->cal);
	conf->calendar_clocks = (1u << SLA_N_CLOCKS) - 1;
	conf->display_offset_s = 8 * 3600;
	memcpy(conf->table, default_table, sizeof(conf->table));
}

/* ------------------------------------------------------------------ */
/* reading the "sla" section */

struct reader {
	struct wl_diag *d;
	const char *file;
	bool bad;
};

static void rd_err(struct reader *r, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void rd_err(struct reader *r, const char *where, const char *fmt, ...)
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

/* An integer number of seconds in [min, max] → *out_ms. */
static bool read_secs(struct reader *r, json_t *v, const char *path,
		      long long min, long long max, int64_t *out_ms)
{
	json_int_t x;

	if (!json_is_integer(v)) {
		rd_err(r, path, "expected integer, got %s", sla_json_type(v));
		return false;
	}
	x = json_integer_value(v);
	if (x < min || x > max) {
		rd_err(r, path, "must be between %lld and %lld (got %lld)", min,
		       max, (long long)x);
		return false;
	}
	*out_ms = (int64_t)x * 1000;
	return true;
}

static int cmp_desc(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x < y) - (x > y);
}

static void read_warns(struct reader *r, json_t *v, const char *path,
		       struct sla_profile *p)
{
	int64_t w[SLA_MAX_WARN];
	char sub[SLA_PATH_MAX];
	size_t i, n = 0;
	json_t *e;
	bool ok = true;

	if (!json_is_array(v)) {
		rd_err(r, path, "expected array, got %s", sla_json_type(v));
		return;
	}
	if (json_array_size(v) > SLA_MAX_WARN) {
		rd_err(r, path, "must have at most %d items (got %zu)",
		       SLA_MAX_WARN, json_array_size(v));
		return;
	}
	json_array_foreach(v, i, e)
	{
		sla_pathf(sub, sizeof(sub), "%s[%zu]", path, i);
		if (!read_secs(r, e, sub, 1, SLA_MAX_S, &w[n])) {
			ok = false;
			continue;
		}
		for (size_t k = 0; k < n; k++)
			if (w[k] == w[n]) {
				rd_err(r, sub, "%lld is listed twice",
				       (long long)(w[n] / 1000));
				ok = false;
			}
		n++;
	}
	if (!ok)
		return;
	qsort(w, n, sizeof(w[0]), cmp_desc);
	memcpy(p->warn_ms, w, n * sizeof(w[0]));
	p->n_warn = n;
}

static bool read_notify(struct reader *r, json_t *v, const char *path,
			unsigned *out)
{
	char sub[SLA_PATH_MAX], q[SLA_QUOTE_MAX + 16], list[256];
	unsigned mask = 0;
	json_t *one = NULL;
	size_t i, n;
	bool ok = true;

	if (json_is_string(v)) {
		one = v;
		n = 1;
	} else if (json_is_array(v)) {
		n = json_array_size(v);
		if (n == 0 || n > WL_ARRAY_LEN(notify_names)) {
			rd_err(r, path,
			       "must name 1 to %zu recipients (got %zu)",
			       WL_ARRAY_LEN(notify_names), n);
			return false;
		}
	} else {
		rd_err(r, path, "expected string or array, got %s",
		       sla_json_type(v));
		return false;
	}
	list[0] = '\0';
	for (i = 0; i < WL_ARRAY_LEN(notify_names); i++) {
		size_t len = strlen(list);

		snprintf(list + len, sizeof(list) - len, "%s%s", i ? ", " : "",
			 notify_names[i]);
	}
	for (i = 0; i < n; i++) {
		json_t *e = one ? one : json_array_get(v, i);
		int k;

		if (one)
			sla_pathf(sub, sizeof(sub), "%s", path);
		else
			sla_pathf(sub, sizeof(sub), "%s[%zu]", path, i);
		if (!json_is_string(e)) {
			rd_err(r, sub, "expected string, got %s",
			       sla_json_type(e));
			ok = false;
			continue;
		}
		k = index_of(notify_names, WL_ARRAY_LEN(notify_names),
			     json_string_value(e));
		if (k < 0) {
			sla_quote(q, sizeof(q), json_string_value(e));
			rd_err(r, sub, "must be one of %s (got %s)", list, q);
			ok = false;
			continue;
		}
		mask |= 1u << k;
	}
	if (ok)
		*out = mask;
	return ok;
}

static bool read_step(struct reader *r, json_t *v, const char *path,
		      size_t index, struct sla_step *st)
{
	char sub[SLA_PATH_MAX], q[SLA_QUOTE_MAX + 16];
	const char *key;
	json_t *e;
	bool ok = true, have_after = false;

	st->notify = default_notify(index);
	st->release = false;
	if (json_is_integer(v))
		return read_secs(r, v, path, 0, SLA_MAX_S, &st->after_ms);
	if (!json_is_object(v)) {
		rd_err(r, path,
		       "expected integer (seconds) or object {\"after_s\", "
		       "\"notify\", \"release\"}, got %s",
		       sla_json_type(v));
		return false;
	}
	json_object_foreach(v, key, e)
	{
		sla_path_key(sub, sizeof(sub), path, key);
		if (key[0] == '#')
			continue;
		if (strcmp(key, "after_s") == 0) {
			have_after = true;
			ok &= read_secs(r, e, sub, 0, SLA_MAX_S, &st->after_ms);
		} else if (strcmp(key, "notify") == 0) {
			ok &= read_notify(r, e, sub, &st->notify);
		} else if (strcmp(key, "release") == 0) {
			if (!json_is_boolean(e)) {
				rd_err(r, sub, "expected boolean, got %s",
				       sla_json_type(e));
				ok = false;
			} else {
				st->release = json_is_true(e);
			}
		} else {
			sla_quote(q, sizeof(q), key);
			rd_err(r, sub,
			       "unknown key %s (known: after_s, notify, "
			       "release)",
			       q);
			ok = false;
		}
	}
	if (!have_after) {
		sla_pathf(sub, sizeof(sub), "%s.after_s", path);
		rd_err(r, sub, "required key is missing");
		ok = false;
	}
	return ok;
}

static void read_ladder(struct reader *r, json_t *v, const char *path,
			struct sla_profile *p)
{
	struct sla_step steps[SLA_MAX_STEPS];
	char sub[SLA_PATH_MAX];
	size_t i;
	json_t *e;
	bool ok = true;

	if (!json_is_array(v)) {
		rd_err(r, path, "expected array, got %s", sla_json_type(v));
		return;
	}
	if (json_array_size(v) > SLA_MAX_STEPS) {
		rd_err(r, path, "must have at most %d levels (got %zu)",
		       SLA_MAX_STEPS, json_array_size(v));
		return;
	}
	json_array_foreach(v, i, e)
	{
		sla_pathf(sub, sizeof(sub), "%s[%zu]", path, i);
		if (!read_step(r, e, sub, i, &steps[i])) {
			ok = false;
			continue;
		}
		if (i > 0 && ok && steps[i].after_ms < steps[i - 1].after_ms) {
			rd_err(r, sub,
			       "must not come before the level above it "
			       "(%lld s < %lld s)",
			       (long long)(steps[i].after_ms / 1000),
			       (long long)(steps[i - 1].after_ms / 1000));
			ok = false;
		}
	}
	if (!ok)
		return;
	memcpy(p->steps, steps, json_array_size(v) * sizeof(steps[0]));
	p->n_steps = json_array_size(v);
}

static const char *const budget_keys[SLA_N_CLOCKS] = {"respond_s", "handle_s",
						      "feedback_s"};

static int budget_key(const char *key)
{
	return index_of(budget_keys, SLA_N_CLOCKS, key);
}

/* The keys "urgent" may hold: durations, warnings and a ladder. */
static void read_urgent(struct reader *r, json_t *v, const char *path,
			struct sla_conf *conf, bool *budget_given,
			bool *warn_given, bool *ladder_given)
{
	char sub[SLA_PATH_MAX], q[SLA_QUOTE_MAX + 16];
	const char *key;
	json_t *e;

	if (!json_is_object(v)) {
		rd_err(r, path, "expected object, got %s", sla_json_type(v));
		return;
	}
	json_object_foreach(v, key, e)
	{
		int c = budget_key(key);

		sla_path_key(sub, sizeof(sub), path, key);
		if (key[0] == '#')
			continue;
		if (c >= 0) {
			budget_given[c] = read_secs(r, e, sub, 60, SLA_MAX_S,
						    &conf->urgent.budget_ms[c]);
		} else if (strcmp(key, "warn_before_s") == 0) {
			*warn_given = true;
			read_warns(r, e, sub, &conf->urgent);
		} else if (strcmp(key, "escalate_after_s") == 0) {
			*ladder_given = true;
			read_ladder(r, e, sub, &conf->urgent);
		} else {
			sla_quote(q, sizeof(q), key);
			rd_err(r, sub,
			       "unknown key %s (known: respond_s, handle_s, "
			       "feedback_s, warn_before_s, escalate_after_s)",
			       q);
		}
	}
}

static void read_applies(struct reader *r, json_t *v, const char *path,
			 unsigned *out)
{
	char sub[SLA_PATH_MAX], q[SLA_QUOTE_MAX + 16];
	unsigned mask = 0;
	size_t i;
	json_t *e;
	bool ok = true;

	if (!json_is_array(v)) {
		rd_err(r, path, "expected array, got %s", sla_json_type(v));
		return;
	}
	json_array_foreach(v, i, e)
	{
		int c;

		sla_pathf(sub, sizeof(sub), "%s[%zu]", path, i);
		if (!json_is_string(e)) {
			rd_err(r, sub, "expected string, got %s",
			       sla_json_type(e));
			ok = false;
			continue;
		}
		c = index_of(clock_names, SLA_N_CLOCKS, json_string_value(e));
		if (c < 0) {
			sla_quote(q, sizeof(q), json_string_value(e));
			rd_err(r, sub,
			       "must be one of respond, handle, feedback (got "
			       "%s)",
			       q);
			ok = false;
			continue;
		}
		mask |= 1u << c;
	}
	if (!ok)
		return;
	if (mask == 0)
		rd_err(r, path,
		       "warning: empty: the calendar counts for no "
		       "clock");
	*out = mask;
}

int sla_conf_from_json(json_t *sla, const char *default_tz,
		       struct sla_conf *conf, struct wl_diag *d,
		       const char *file, const char *where)
{
	struct reader r = {.d = d, .file = file, .bad = false};
	char path[SLA_PATH_MAX], q[SLA_QUOTE_MAX + 16];
	bool urgent_warn = false, urgent_ladder = false;
	bool urgent_budget[SLA_N_CLOCKS] = {false};
	json_t *cal = NULL, *v;
	const char *key;

	if (!conf)
		return WL_EBADREQ;
	if (!where)
		where = "sla";
	sla_conf_init(conf);
	if (default_tz &&
	    sla_tz_offset(default_tz, &conf->display_offset_s) != WL_OK) {
		sla_quote(q, sizeof(q), default_tz);
		rd_err(&r, "timezone",
		       "warning: alerts show times in UTC+8: %s is not in the "
		       "time zone table of the response-time rules",
		       q);
	}
	if (!sla)
		return WL_OK;
	if (!json_is_object(sla)) {
		rd_err(&r, where, "expected object, got %s",
		       sla_json_type(sla));
		return WL_EBADREQ;
	}
	json_object_foreach(sla, key, v)
	{
		int c = budget_key(key);

		sla_path_key(path, sizeof(path), where, key);
		if (key[0] == '#')
			continue;
		if (c >= 0) {
			read_secs(&r, v, path, 60, SLA_MAX_S,
				  &conf->normal.budget_ms[c]);
		} else if (strcmp(key, "urgent") == 0) {
			/* Read after the loop: it inherits from the rest. */
		} else if (strcmp(key, "warn_before_s") == 0) {
			read_warns(&r, v, path, &conf->normal);
		} else if (strcmp(key, "escalate_after_s") == 0) {
			read_ladder(&r, v, path, &conf->normal);
		} else if (strcmp(key, "calendar") == 0) {
			cal = v;
		} else if (strcmp(key, "english") == 0) {
			if (json_is_boolean(v))
				conf->english = json_is_true(v);
			else
				rd_err(&r, path,
				       "expected true or false, got %s",
				       sla_json_type(v));
		} else {
			sla_quote(q, sizeof(q), key);
			rd_err(&r, path,
			       "unknown key %s (known: respond_s, handle_s, "
			       "feedback_s, urgent, warn_before_s, "
			       "escalate_after_s, calendar, english)",
			       q);
		}
	}

	v = json_object_get(sla, "urgent");
	if (v) {
		sla_pathf(path, sizeof(path), "%s.urgent", where);
		read_urgent(&r, v, path, conf, urgent_budget, &urgent_warn,
			    &urgent_ladder);
		for (int c = 0; c < SLA_N_CLOCKS; c++) {
			char sub[SLA_PATH_MAX];

			if (!urgent_budget[c] || conf->urgent.budget_ms[c] <=
						     conf->normal.budget_ms[c])
				continue;
			sla_pathf(sub, sizeof(sub), "%s.%s", path,
				  budget_keys[c]);
			rd_err(&r, sub,
			       "warning: longer than %s.%s: urgent cases get "
			       "more time than normal ones",
			       where, budget_keys[c]);
		}
	}
	/* An urgent duration not given never exceeds the normal one. */
	for (int c = 0; c < SLA_N_CLOCKS; c++)
		if (!urgent_budget[c] &&
		    conf->urgent.budget_ms[c] > conf->normal.budget_ms[c])
			conf->urgent.budget_ms[c] = conf->normal.budget_ms[c];
	if (!urgent_warn) {
		conf->urgent.n_warn = conf->normal.n_warn;
		memcpy(conf->urgent.warn_ms, conf->normal.warn_ms,
		       sizeof(conf->urgent.warn_ms));
	}
	if (!urgent_ladder) {
		conf->urgent.n_steps = conf->normal.n_steps;
		memcpy(conf->urgent.steps, conf->normal.steps,
		       sizeof(conf->urgent.steps));
	}

	if (cal && !json_is_null(cal)) {
		sla_pathf(path, sizeof(path), "%s.calendar", where);
		if (sla_calendar_from_json(cal, default_tz, &conf->cal, d, file,
					   path) != WL_OK)
			r.bad = true;
		conf->has_calendar = true;
		conf->display_offset_s = conf->cal.utc_offset_s;
		v = json_is_object(cal) ? json_object_get(cal, "applies_to")
					: NULL;
		if (v) {
			sla_pathf(path, sizeof(path), "%s.calendar.applies_to",
				  where);
			read_applies(&r, v, path, &conf->calendar_clocks);
		}
	}
	return r.bad ? WL_EBADREQ : WL_OK;
}

int sla_conf_from_config(const struct wl_config *cfg, struct sla_conf *conf,
			 struct wl_diag *d)
{
	if (!cfg || !conf)
		return WL_EBADREQ;
	return sla_conf_from_json(cfg->root ? json_object_get(cfg->root, "sla")
					    : NULL,
				  cfg->timezone, conf, d, cfg->path, "sla");
}

/* ------------------------------------------------------------------ */
/* the clocks */

static int64_t clamp_time(int64_t t)
{
	if (t < 0)
		return 0;
	if (t > SLA_TIME_MAX)
		return SLA_TIME_MAX;
	return t;
}

void sla_state_init(struct sla_state *st)
{
	memset(st, 0, sizeof(*st));
}

static const struct sla_calendar *cal_of(const struct sla_conf *conf,
					 const struct sla_clock_state *cs)
{
	return conf->has_calendar && (cs->flags & SLA_F_CALENDAR) ? &conf->cal
								  : NULL;
}

static const struct sla_profile *profile_of(const struct sla_conf *conf,
					    const struct sla_clock_state *cs)
{
	return cs->flags & SLA_F_URGENT ? &conf->urgent : &conf->normal;
}

/* Flags and budget from the case as it is now. */
static void take_target(const struct sla_conf *conf,
			const struct sla_case *info, struct sla_clock_state *cs,
			enum sla_clock c)
{
	cs->flags = 0;
	if (info->urgent)
		cs->flags |= SLA_F_URGENT;
	else if (conf->has_calendar && (conf->calendar_clocks & (1u << c)))
		cs->flags |= SLA_F_CALENDAR;
	if (info->due_ms[c] > 0)
		cs->flags |= SLA_F_FIXED;
	cs->budget_ms = profile_of(conf, cs)->budget_ms[c];
}

/* The deadline of a stretch that runs from `from` with what is left. */
static int64_t deadline_from(const struct sla_conf *conf,
			     const struct sla_case *info,
			     const struct sla_clock_state *cs, enum sla_clock c,
			     int64_t from)
{
	int64_t left = cs->budget_ms - cs->used_ms;

	if (cs->flags & SLA_F_FIXED)
		return clamp_time(info->due_ms[c]);
	return sla_deadline(cal_of(conf, cs), from, left > 0 ? left : 0);
}

/* Budget used in the running stretch up to now; never negative (a
 * daemon's clock may be a little behind another's). */
static int64_t used_since_seg(const struct sla_conf *conf,
			      const struct sla_clock_state *cs, int64_t now)
{
	int64_t e = sla_elapsed(cal_of(conf, cs), cs->seg_ms, now);

	return e > 0 ? e : 0;
}

static void clock_start(const struct sla_conf *conf,
			const struct sla_case *info, struct sla_clock_state *cs,
			enum sla_clock c, int64_t now)
{
	int32_t occ =
	    cs->occurrence < INT32_MAX ? cs->occurrence + 1 : INT32_MAX;

	memset(cs, 0, sizeof(*cs));
	cs->run = SLA_RUNNING;
	cs->occurrence = occ;
	cs->started_ms = now;
	cs->seg_ms = now;
	take_target(conf, info, cs, c);
	cs->deadline_ms = deadline_from(conf, info, cs, c, now);
}

static void clock_stop(const struct sla_conf *conf, struct sla_clock_state *cs,
		       enum sla_run how, int64_t now)
{
	int64_t end = now;

	if (cs->run == SLA_RUNNING)
		cs->used_ms += used_since_seg(conf, cs, now);
	else
		end = cs->paused_ms;
	if (how != SLA_CANCELLED)
		how = end < cs->deadline_ms ? SLA_MET : SLA_MISSED;
	cs->run = how;
	cs->stopped_ms = now;
	cs->paused_ms = 0;
}

static void clock_act(const struct sla_conf *conf, const struct sla_case *info,
		      struct sla_clock_state *cs, enum sla_clock c,
		      enum sla_action act, int64_t now)
{
	bool live = cs->run == SLA_RUNNING || cs->run == SLA_PAUSED;

	switch (act) {
	case SLA_ACT_START:
		if (!live)
			clock_start(conf, info, cs, c, now);
		break;
	case SLA_ACT_RESTART: clock_start(conf, info, cs, c, now); break;
	case SLA_ACT_STOP:
		if (live)
			clock_stop(conf, cs, SLA_MET, now);
		break;
	case SLA_ACT_CANCEL:
		if (live)
			clock_stop(conf, cs, SLA_CANCELLED, now);
		break;
	case SLA_ACT_PAUSE:
		/* A late clock stays late, and a 12345 deadline is the
		 * caller's, not ours to move. */
		if (cs->run != SLA_RUNNING || (cs->flags & SLA_F_FIXED) ||
		    now >= cs->deadline_ms)
			break;
		cs->used_ms += used_since_seg(conf, cs, now);
		cs->paused_ms = now;
		cs->run = SLA_PAUSED;
		break;
	case SLA_ACT_RESUME:
		if (cs->run != SLA_PAUSED)
			break;
		cs->run = SLA_RUNNING;
		cs->seg_ms = now;
		cs->paused_ms = 0;
		cs->deadline_ms = deadline_from(conf, info, cs, c, now);
		break;
	default: break;
	}
}

int sla_apply_event(const struct sla_conf *conf, const struct sla_case *info,
		    struct sla_state *st, enum sla_event ev, int64_t now,
		    unsigned *changed)
{
	unsigned mask = 0;

	if (changed)
		*changed = 0;
	if (!conf || !info || !st || (unsigned)ev >= SLA_N_EVENTS)
		return WL_EBADREQ;
	now = clamp_time(now);
	for (int c = 0; c < SLA_N_CLOCKS; c++) {
		struct sla_clock_state before = st->clock[c];
		unsigned act = conf->table[c][ev];

		if (act == SLA_ACT_NONE || act >= SLA_N_ACTIONS)
			continue;
		clock_act(conf, info, &st->clock[c], (enum sla_clock)c,
			  (enum sla_action)act, now);
		if (memcmp(&before, &st->clock[c], sizeof(before)) != 0)
			mask |= 1u << c;
	}
	if (changed)
		*changed = mask;
	return WL_OK;
}

int sla_retarget(const struct sla_conf *conf, const struct sla_case *info,
		 struct sla_state *st, int64_t now, unsigned *changed)
{
	unsigned mask = 0;

	if (changed)
		*changed = 0;
	if (!conf || !info || !st)
		return WL_EBADREQ;
	now = clamp_time(now);
	for (int c = 0; c < SLA_N_CLOCKS; c++) {
		struct sla_clock_state *cs = &st->clock[c];
		struct sla_clock_state before = *cs;

		if (cs->run != SLA_RUNNING && cs->run != SLA_PAUSED)
			continue;
		/* Close the running stretch in the old measure, then go on
		 * in the new one from now. */
		if (cs->run == SLA_RUNNING) {
			cs->used_ms += used_since_seg(conf, cs, now);
			cs->seg_ms = now;
		}
		take_target(conf, info, cs, (enum sla_clock)c);
		if (cs->run == SLA_PAUSED && (cs->flags & SLA_F_FIXED)) {
			cs->run = SLA_RUNNING; /* fixed deadlines never pause */
			cs->seg_ms = now;
			cs->paused_ms = 0;
		}
		if (cs->run == SLA_RUNNING)
			cs->deadline_ms = deadline_from(conf, info, cs,
							(enum sla_clock)c, now);
		else
			/* Paused: show when it would end if resumed now. */
			cs->deadline_ms = deadline_from(
			    conf, info, cs, (enum sla_clock)c, cs->paused_ms);
		if (memcmp(&before, cs, sizeof(before)) != 0)
			mask |= 1u << c;
	}
	if (changed)
		*changed = mask;
	return WL_OK;
}

bool sla_breached(const struct sla_state *st, enum sla_clock c, int64_t now)
{
	const struct sla_clock_state *cs;

	if (!st || (unsigned)c >= SLA_N_CLOCKS)
		return false;
	cs = &st->clock[c];
	switch (cs->run) {
	case SLA_MISSED: return true;
	case SLA_RUNNING: return now >= cs->deadline_ms;
	case SLA_PAUSED: return cs->paused_ms >= cs->deadline_ms;
	default: return false;
	}
}

int64_t sla_late_ms(const struct sla_conf *conf, const struct sla_state *st,
		    enum sla_clock c, int64_t now)
{
	const struct sla_clock_state *cs;
	int64_t end;

	if (!conf || !st || (unsigned)c >= SLA_N_CLOCKS)
		return 0;
	cs = &st->clock[c];
	switch (cs->run) {
	case SLA_RUNNING: end = now; break;
	case SLA_PAUSED: end = cs->paused_ms; break;
	case SLA_MISSED: end = cs->stopped_ms; break;
	default: return 0;
	}
	if (end < cs->deadline_ms)
		return 0;
	return sla_elapsed(cal_of(conf, cs), cs->deadline_ms, end);
}

int64_t sla_left_ms(const struct sla_conf *conf, const struct sla_state *st,
		    enum sla_clock c, int64_t now)
{
	const struct sla_clock_state *cs;

	if (!conf || !st || (unsigned)c >= SLA_N_CLOCKS)
		return 0;
	cs = &st->clock[c];
	if (cs->run == SLA_PAUSED)
		return cs->budget_ms > cs->used_ms ? cs->budget_ms - cs->used_ms
						   : 0;
	if (cs->run != SLA_RUNNING || now >= cs->deadline_ms)
		return 0;
	return sla_elapsed(cal_of(conf, cs), now, cs->deadline_ms);
}

/* ------------------------------------------------------------------ */
/* planning */

static bool case_no_ok(const char *s)
{
	size_t n = 0;

	if (!s)
		return false;
	for (; s[n]; n++) {
		char c = s[n];

		if (n >= SLA_CASE_NO_MAX)
			return false;
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		      (c >= 'A' && c <= 'Z') || c == '_' || c == '-' ||
		      c == '.'))
			return false;
	}
	return n > 0;
}

/* When a ladder step is due: after the deadline in the clock's own
 * measure. */
static int64_t step_at(const struct sla_conf *conf,
		       const struct sla_clock_state *cs, int64_t after_ms)
{
	return sla_deadline(cal_of(conf, cs), cs->deadline_ms, after_ms);
}

static void fire_fill(struct sla_fire *f, const char *case_no,
		      const struct sla_clock_state *cs, enum sla_clock c,
		      enum sla_kind kind, int level, int64_t at,
		      int64_t version)
{
	memset(f, 0, sizeof(*f));
	f->at_ms = at;
	f->deadline_ms = cs->deadline_ms;
	f->version = version;
	f->clock = c;
	f->kind = kind;
	f->level = level;
	f->occurrence = cs->occurrence;
	f->flags = cs->flags;
	f->notify = SLA_TO_ASSIGNEE;
	snprintf(f->case_no, sizeof(f->case_no), "%s", case_no);
	snprintf(f->id, sizeof(f->id), "%s:%s:%s:%d:%d", case_no,
		 clock_names[c], kind_names[kind], level, (int)cs->occurrence);
}

static int fire_order(const struct sla_fire *a, const struct sla_fire *b)
{
	if (a->at_ms != b->at_ms)
		return a->at_ms < b->at_ms ? -1 : 1;
	if (a->clock != b->clock)
		return a->clock < b->clock ? -1 : 1;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	return (a->level > b->level) - (a->level < b->level);
}

struct plan {
	struct sla_fire *out;
	size_t cap, n;
	bool full;
};

/* Adds in order (a plan holds at most SLA_PLAN_MAX: insertion is fine). */
static void plan_add(struct plan *p, const struct sla_fire *f)
{
	size_t i;

	if (p->n == p->cap) {
		p->full = true;
		/* Keep the earliest cap fires. */
		if (p->cap == 0 || fire_order(f, &p->out[p->cap - 1]) >= 0)
			return;
		p->n--;
	}
	i = p->n;
	while (i > 0 && fire_order(f, &p->out[i - 1]) < 0) {
		p->out[i] = p->out[i - 1];
		i--;
	}
	p->out[i] = *f;
	p->n++;
}

static void plan_clock(const struct sla_conf *conf,
		       const struct sla_clock_state *cs, enum sla_clock c,
		       const char *case_no, int64_t version, int64_t now,
		       struct plan *p)
{
	const struct sla_profile *prof = profile_of(conf, cs);
	int64_t dl = cs->deadline_ms;
	struct sla_fire f;
	int latest_past = -1;
	bool ahead = false;

	if (cs->run != SLA_RUNNING || dl >= SLA_TIME_MAX)
		return;
	/* Warnings, earliest first. */
	for (size_t i = 0; i < prof->n_warn; i++) {
		int64_t at = dl - prof->warn_ms[i];

		if (at <= cs->started_ms)
			continue;
		if (at < now) {
			latest_past = (int)i;
			continue;
		}
		fire_fill(&f, case_no, cs, c, SLA_WARN, (int)i + 1, at,
			  version);
		plan_add(p, &f);
		ahead = true;
	}
	/* A warning missed by a re-plan still goes out once, unless a later
	 * one will say more. */
	if (latest_past >= 0 && !ahead && dl > now) {
		fire_fill(&f, case_no, cs, c, SLA_WARN, latest_past + 1,
			  dl - prof->warn_ms[latest_past], version);
		plan_add(p, &f);
	}
	fire_fill(&f, case_no, cs, c, SLA_BREACH, 0, dl, version);
	plan_add(p, &f);
	for (size_t i = 0; i < prof->n_steps; i++) {
		int64_t at = step_at(conf, cs, prof->steps[i].after_ms);

		if (at >= SLA_TIME_MAX)
			break;
		fire_fill(&f, case_no, cs, c, SLA_ESCALATE, (int)i + 1, at,
			  version);
		f.notify = prof->steps[i].notify;
		f.release = prof->steps[i].release;
		plan_add(p, &f);
	}
}

int sla_plan(const struct sla_conf *conf, const struct sla_state *st,
	     const char *case_no, int64_t version, int64_t now,
	     struct sla_fire *out, size_t cap, size_t *n)
{
	struct plan p = {.out = out, .cap = cap, .n = 0, .full = false};

	if (n)
		*n = 0;
	if (!conf || !st || !n || (!out && cap) || !case_no_ok(case_no))
		return WL_EBADREQ;
	now = clamp_time(now);
	for (int c = 0; c < SLA_N_CLOCKS; c++)
		plan_clock(conf, &st->clock[c], (enum sla_clock)c, case_no,
			   version, now, &p);
	*n = p.n;
	return p.full ? WL_ETOOBIG : WL_OK;
}

/* ------------------------------------------------------------------ */
/* fires */

int sla_fire_member(const struct sla_fire *f, char *buf, size_t size)
{
	int len;

	if (!f || !buf)
		return WL_EBADREQ;
	len = snprintf(buf, size, "%s|%lld", f->id, (long long)f->version);
	if (len < 0 || (size_t)len >= size)
		return WL_ETOOBIG;
	return WL_OK;
}

/* A decimal without sign or leading zeros (except "0") into *out. */
static bool parse_uint(const char *s, size_t len, long long max, long long *out)
{
	long long v = 0;

	if (len == 0 || len > 19 || (len > 1 && s[0] == '0'))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		if (v > (max - (s[i] - '0')) / 10)
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/* The last field of s[0..*len) after its last `sep`; shortens *len to
 * what is before the separator. */
static bool last_field(const char *s, size_t *len, char sep, const char **field,
		       size_t *flen)
{
	size_t i = *len;

	while (i > 0 && s[i - 1] != sep)
		i--;
	if (i == 0)
		return false;
	*field = s + i;
	*flen = *len - i;
	*len = i - 1;
	return true;
}

static int name_index(const char *const *names, size_t n, const char *s,
		      size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0)
			return (int)i;
	return -1;
}

int sla_fire_parse(const char *member, size_t len, struct sla_fire *f)
{
	const char *field;
	size_t flen, rest = len;
	long long version, level, occ;
	int clock, kind;

	if (!member || !f)
		return WL_EBADREQ;
	memset(f, 0, sizeof(*f));
	if (len >= SLA_MEMBER_MAX || memchr(member, '\0', len))
		goto bad;
	if (!last_field(member, &rest, '|', &field, &flen) ||
	    !parse_uint(field, flen, INT64_MAX, &version))
		goto bad;
	if (rest >= SLA_FIRE_ID_MAX)
		goto bad;
	memcpy(f->id, member, rest);
	f->id[rest] = '\0';
	if (!last_field(member, &rest, ':', &field, &flen) ||
	    !parse_uint(field, flen, INT32_MAX, &occ) || occ < 1)
		goto bad;
	if (!last_field(member, &rest, ':', &field, &flen) ||
	    !parse_uint(field, flen, INT32_MAX, &level))
		goto bad;
	if (!last_field(member, &rest, ':', &field, &flen) ||
	    (kind = name_index(kind_names, SLA_N_KINDS, field, flen)) < 0)
		goto bad;
	if (!last_field(member, &rest, ':', &field, &flen) ||
	    (clock = name_index(clock_names, SLA_N_CLOCKS, field, flen)) < 0)
		goto bad;
	if (rest == 0 || rest > SLA_CASE_NO_MAX)
		goto bad;
	memcpy(f->case_no, member, rest);
	f->case_no[rest] = '\0';
	if (!case_no_ok(f->case_no))
		goto bad;
	if ((kind == SLA_BREACH) != (level == 0) || level > SLA_MAX_STEPS)
		goto bad;
	f->version = version;
	f->clock = (enum sla_clock)clock;
	f->kind = (enum sla_kind)kind;
	f->level = (int)level;
	f->occurrence = (int32_t)occ;
	return WL_OK;
bad:
	memset(f, 0, sizeof(*f));
	return WL_EBADREQ;
}

bool sla_fire_is_current(const struct sla_fire *f, int64_t case_version,
			 const struct sla_state *st)
{
	const struct sla_clock_state *cs;

	if (!f || !st || (unsigned)f->clock >= SLA_N_CLOCKS)
		return false;
	cs = &st->clock[f->clock];
	return f->version == case_version && cs->run == SLA_RUNNING &&
	       cs->occurrence == f->occurrence;
}

int sla_fire_complete(const struct sla_conf *conf, const struct sla_state *st,
		      struct sla_fire *f)
{
	const struct sla_clock_state *cs;
	const struct sla_profile *prof;

	if (!conf || !st || !f || (unsigned)f->clock >= SLA_N_CLOCKS)
		return WL_EBADREQ;
	cs = &st->clock[f->clock];
	prof = profile_of(conf, cs);
	f->deadline_ms = cs->deadline_ms;
	f->flags = cs->flags;
	f->notify = SLA_TO_ASSIGNEE;
	f->release = false;
	switch (f->kind) {
	case SLA_WARN:
		if (f->level < 1 || (size_t)f->level > prof->n_warn)
			return WL_ENOTFOUND;
		f->at_ms = cs->deadline_ms - prof->warn_ms[f->level - 1];
		return WL_OK;
	case SLA_BREACH:
		if (f->level != 0)
			return WL_ENOTFOUND;
		f->at_ms = cs->deadline_ms;
		return WL_OK;
	case SLA_ESCALATE:
		if (f->level < 1 || (size_t)f->level > prof->n_steps)
			return WL_ENOTFOUND;
		f->at_ms =
		    step_at(conf, cs, prof->steps[f->level - 1].after_ms);
		f->notify = prof->steps[f->level - 1].notify;
		f->release = prof->steps[f->level - 1].release;
		return WL_OK;
	default: return WL_EBADREQ;
	}
}

bool sla_fire_superseded(const struct sla_conf *conf,
			 const struct sla_state *st, const struct sla_fire *f,
			 int64_t now)
{
	const struct sla_clock_state *cs;
	const struct sla_profile *prof;

	if (!conf || !st || !f || f->kind != SLA_WARN ||
	    (unsigned)f->clock >= SLA_N_CLOCKS)
		return false;
	cs = &st->clock[f->clock];
	prof = profile_of(conf, cs);
	if (now >= cs->deadline_ms)
		return true;
	for (size_t i = (size_t)f->level; i < prof->n_warn; i++)
		if (cs->deadline_ms - prof->warn_ms[i] <= now &&
		    cs->deadline_ms - prof->warn_ms[i] > cs->started_ms)
			return true;
	return false;
}

/* ------------------------------------------------------------------ */
/* alert texts */

/* "1天2小时5分钟" and "1 d 2 h 5 min", to the nearest minute. */
static void format_span(int64_t ms, char *zh, size_t zn, char *en, size_t en_n)
{
	int64_t min = (ms + 30000) / 60000;
	int64_t d = min / 1440, h = min / 60 % 24, m = min % 60;
	size_t zl = 0, el = 0;

	zh[0] = '\0';
	en[0] = '\0';
	if (min <= 0) {
		snprintf(zh, zn, "不到1分钟");
		snprintf(en, en_n, "under 1 min");
		return;
	}
	if (d) {
		zl +=
		    (size_t)snprintf(zh + zl, zn - zl, "%lld天", (long long)d);
		el += (size_t)snprintf(en + el, en_n - el, "%lld d",
				       (long long)d);
	}
	if (h && zl < zn && el < en_n) {
		zl += (size_t)snprintf(zh + zl, zn - zl, "%lld小时",
				       (long long)h);
		el += (size_t)snprintf(en + el, en_n - el, "%s%lld h",
				       el ? " " : "", (long long)h);
	}
	if (m && zl < zn && el < en_n) {
		snprintf(zh + zl, zn - zl, "%lld分钟", (long long)m);
		snprintf(en + el, en_n - el, "%s%lld min", el ? " " : "",
			 (long long)m);
	}
}

static const char *const zh_levels[] = {"一", "二", "三", "四",
					"五", "六", "七", "八"};

int sla_fire_text(const struct sla_conf *conf, const struct sla_fire *f,
		  int64_t now, char *buf, size_t size)
{
	char due[32], zspan[64], espan[64], elate[72], en[256];
	const char *label, *name, *urgent, *wt_zh, *wt_en;
	const struct sla_calendar *cal;
	int64_t late;
	int len;

	if (!conf || !f || !buf || (unsigned)f->clock >= SLA_N_CLOCKS)
		return WL_EBADREQ;
	label = clock_labels[f->clock];
	name = clock_names[f->clock];
	urgent = (f->flags & SLA_F_URGENT) ? "紧急·" : "";
	cal = conf->has_calendar && (f->flags & SLA_F_CALENDAR) ? &conf->cal
								: NULL;
	wt_zh = cal ? "（按工作时间计）" : "";
	wt_en = cal ? " (working time)" : "";
	sla_format_local(f->deadline_ms, conf->display_offset_s, due,
			 sizeof(due));
	switch (f->kind) {
	case SLA_WARN:
		format_span(f->deadline_ms > now ? f->deadline_ms - now : 0,
			    zspan, sizeof(zspan), espan, sizeof(espan));
		len = snprintf(buf, size,
			       "【%s时限预警】工单 %s 的%s时限 %s 到期，还剩"
			       "%s，请尽快处理。",
			       urgent, f->case_no, label, due, zspan);
		snprintf(en, sizeof(en), "Case %s: %s deadline %s, %s left.",
			 f->case_no, name, due, espan);
		break;
	case SLA_BREACH:
		len = snprintf(buf, size,
			       "【%s已超时】工单 %s 未在时限内%s（时限 %s）。",
			       urgent, f->case_no, label, due);
		snprintf(en, sizeof(en), "Case %s missed its %s deadline (%s).",
			 f->case_no, name, due);
		break;
	case SLA_ESCALATE:
		if (f->level < 1 || f->level > (int)WL_ARRAY_LEN(zh_levels))
			return WL_EBADREQ;
		late = now > f->deadline_ms
			   ? sla_elapsed(cal, f->deadline_ms, now)
			   : 0;
		/* At the breach itself there is no lateness worth naming. */
		zspan[0] = elate[0] = '\0';
		if (late < 30000) {
			wt_zh = wt_en = "";
		} else {
			format_span(late, zspan, sizeof(zspan), espan,
				    sizeof(espan));
			snprintf(elate, sizeof(elate), "%s ", espan);
		}
		len = snprintf(buf, size,
			       "【%s超时督办·%s级】工单 %s %s已超时%s%s（时限 "
			       "%s），请督促处理。%s",
			       urgent, zh_levels[f->level - 1], f->case_no,
			       label, zspan, wt_zh, due,
			       f->release ? "工单已退回待认领，请重新认领。"
					  : "");
		snprintf(en, sizeof(en),
			 "Escalation level %d: case %s is %soverdue on %s%s "
			 "(deadline %s).%s",
			 f->level, f->case_no, elate, name, wt_en, due,
			 f->release ? " Released back to the pool." : "");
		break;
	default: return WL_EBADREQ;
	}
	/* English only where the configuration asks for it. */
	if (conf->english && len >= 0) {
		if ((size_t)len + 1 < size)
			snprintf(buf + len, size - (size_t)len, "\n%s", en);
		len += 1 + (int)strlen(en);
	}
	/* Cut short: end on a whole character. */
	if (len > 0 && (size_t)len >= size && size > 1) {
		size_t end = size - 1, lead = end - 1;
		unsigned char c;
		size_t need;

		while (lead > 0 && ((unsigned char)buf[lead] & 0xc0) == 0x80)
			lead--;
		c = (unsigned char)buf[lead];
		need = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
		if (end - lead < need)
			buf[lead] = '\0';
	}
	return len;
}

/* ------------------------------------------------------------------ */
/* the stored state */

static const char *const time_keys[] = {"budget", "start", "seg", "used",
					"due",	  "pause", "stop"};

static int64_t *time_slot(struct sla_clock_state *cs, size_t i)
{
	int64_t *slots[] = {&cs->budget_ms, &cs->started_ms,  &cs->seg_ms,
			    &cs->used_ms,   &cs->deadline_ms, &cs->paused_ms,
			    &cs->stopped_ms};

	return slots[i];
}

json_t *sla_state_to_json(const struct sla_state *st)
{
	json_t *root = json_object(), *o = NULL;

	if (!root || !st)
		goto fail;
	if (json_object_set_new(root, "v", json_integer(1)) != 0)
		goto fail;
	for (int c = 0; c < SLA_N_CLOCKS; c++) {
		struct sla_clock_state cs = st->clock[c];

		if (cs.run == SLA_IDLE || (unsigned)cs.run >= SLA_N_RUNS)
			continue;
		o = json_object();
		if (!o ||
		    json_object_set_new(o, "run",
					json_string(run_names[cs.run])) ||
		    json_object_set_new(o, "n", json_integer(cs.occurrence)) ||
		    (cs.flags &&
		     json_object_set_new(o, "fl", json_integer(cs.flags))))
			goto fail;
		for (size_t i = 0; i < WL_ARRAY_LEN(time_keys); i++) {
			int64_t v = *time_slot(&cs, i);

			if (v && json_object_set_new(o, time_keys[i],
						     json_integer(v)) != 0)
				goto fail;
		}
		if (json_object_set_new(root, clock_names[c], o) != 0) {
			o = NULL; /* set_new consumed it */
			goto fail;
		}
		o = NULL;
	}
	return root;
fail:
	json_decref(o);
	json_decref(root);
	return NULL;
}

int sla_state_dump(const struct sla_state *st, char **out, size_t *len)
{
	json_t *j;
	char *s;

	if (!out)
		return WL_EBADREQ;
	*out = NULL;
	j = sla_state_to_json(st);
	if (!j)
		return st ? WL_ENOMEM : WL_EBADREQ;
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (!s)
		return WL_ENOMEM;
	*out = s;
	if (len)
		*len = strlen(s);
	return WL_OK;
}

static bool load_clock(json_t *o, struct sla_clock_state *cs)
{
	const char *key;
	json_t *v;
	bool have_run = false, have_n = false;

	if (!json_is_object(o))
		return false;
	json_object_foreach(o, key, v)
	{
		int k;

		if (strcmp(key, "run") == 0) {
			k = index_of(run_names, SLA_N_RUNS,
				     json_string_value(v));
			if (k <= SLA_IDLE)
				return false;
			cs->run = (enum sla_run)k;
			have_run = true;
			continue;
		}
		if (!json_is_integer(v))
			return false;
		if (strcmp(key, "n") == 0) {
			if (json_integer_value(v) < 1 ||
			    json_integer_value(v) > INT32_MAX)
				return false;
			cs->occurrence = (int32_t)json_integer_value(v);
			have_n = true;
			continue;
		}
		if (strcmp(key, "fl") == 0) {
			if (json_integer_value(v) < 0 ||
			    json_integer_value(v) > SLA_F_ALL)
				return false;
			cs->flags = (unsigned)json_integer_value(v);
			continue;
		}
		k = index_of(time_keys, WL_ARRAY_LEN(time_keys), key);
		if (k < 0 || json_integer_value(v) < 0 ||
		    json_integer_value(v) > SLA_TIME_MAX)
			return false;
		*time_slot(cs, (size_t)k) = json_integer_value(v);
	}
	return have_run && have_n;
}

int sla_state_from_json(json_t *obj, struct sla_state *st)
{
	const char *key;
	json_t *v;

	if (!st)
		return WL_EBADREQ;
	sla_state_init(st);
	if (!json_is_object(obj))
		return WL_EBADREQ;
	json_object_foreach(obj, key, v)
	{
		int c;

		if (strcmp(key, "v") == 0) {
			if (!json_is_integer(v) || json_integer_value(v) != 1)
				goto bad;
			continue;
		}
		c = index_of(clock_names, SLA_N_CLOCKS, key);
		if (c < 0 || !load_clock(v, &st->clock[c]))
			goto bad;
	}
	return WL_OK;
bad:
	sla_state_init(st);
	return WL_EBADREQ;
}

int sla_state_load(const char *s, size_t len, struct sla_state *st)
{
	json_error_t err;
	json_t *j;
	int rc;

	if (!st)
		return WL_EBADREQ;
	sla_state_init(st);
	if (!s || len > SLA_STATE_MAX_BYTES)
		return WL_EBADREQ;
	j = json_loadb(s, len, JSON_REJECT_DUPLICATES, &err);
	if (!j)
		return WL_EBADREQ;
	rc = sla_state_from_json(j, st);
	json_decref(j);
	return rc;
}
