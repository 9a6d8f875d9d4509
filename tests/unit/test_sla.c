/*
 * test_sla.c — the response-time clocks (src/sla_calc.c): the clock
 * table for every clock and event, met or missed at the edge, the seed's
 * and the urgent durations, the working calendar and 12345 deadlines on
 * the clocks, pause and resume, reopen and transfer, the plan of
 * warnings, breaches and escalations, fire ids and their staleness,
 * alert texts, the "sla" configuration section with its exact
 * "FILE: WHERE: WHAT" lines, and the stored state.
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
#include "sla.h"
#include "wl.h"

#define MIN_MS	60000LL
#define HOUR_MS 3600000LL
#define DAY_MS	86400000LL

/* "YYYY-MM-DD HH:MM" Beijing time → ms, through timegm(). */
static int64_t at(const char *s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	assert_int_equal(sscanf(s, "%d-%d-%d %d:%d", &tm.tm_year, &tm.tm_mon,
				&tm.tm_mday, &tm.tm_hour, &tm.tm_min),
			 5);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return ((int64_t)timegm(&tm) - 8 * 3600) * 1000;
}

static json_t *parse(const char *json)
{
	json_error_t err;
	json_t *j = json_loads(json, JSON_DECODE_ANY, &err);

	if (!j)
		print_message("bad test JSON: %s\n", err.text);
	assert_non_null(j);
	return j;
}

/* A configuration that must load without any line. */
static void conf_load(const char *json, struct sla_conf *conf)
{
	json_t *j = parse(json);
	struct wl_diag d;

	diag_init(&d);
	assert_int_equal(
	    sla_conf_from_json(j, "Asia/Shanghai", conf, &d, "t.json", "sla"),
	    WL_OK);
	for (size_t i = 0; i < d.n; i++)
		print_message("unexpected: %s\n", d.lines[i]);
	assert_int_equal(d.n, 0);
	diag_release(&d);
	json_decref(j);
}

/* Office hours with the 国庆 2026 holiday and make-up days, for the
 * respond and handle clocks. */
static const char cal_conf_json[] =
    "{\"calendar\": {\"timezone\": \"Asia/Shanghai\","
    " \"hours\": [[\"08:30\", \"12:00\"], [\"14:00\", \"17:30\"]],"
    " \"weekdays\": [1, 2, 3, 4, 5],"
    " \"holidays\": [\"2026-10-01\", \"2026-10-02\", \"2026-10-03\","
    "  \"2026-10-04\", \"2026-10-05\", \"2026-10-06\", \"2026-10-07\"],"
    " \"workdays\": [\"2026-09-20\", \"2026-10-10\"],"
    " \"applies_to\": [\"respond\", \"handle\"]}}";

static const struct sla_case normal_case = {.urgent = false};
static const struct sla_case urgent_case = {.urgent = true};

static void ev(const struct sla_conf *conf, const struct sla_case *info,
	       struct sla_state *st, enum sla_event e, int64_t now)
{
	assert_int_equal(sla_apply_event(conf, info, st, e, now, NULL), WL_OK);
}

static const struct sla_fire *find_fire(const struct sla_fire *f, size_t n,
					const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(f[i].id, id) == 0)
			return &f[i];
	return NULL;
}

/* The fire with that id, which must be in the plan. */
static const struct sla_fire *get_fire(const struct sla_fire *f, size_t n,
				       const char *id)
{
	static const struct sla_fire none;
	const struct sla_fire *hit = find_fire(f, n, id);

	if (!hit) {
		print_message("no fire %s in the plan\n", id);
		fail();
		return &none;
	}
	return hit;
}

/* ------------------------------------------------------------------ */
/* the clock table */

struct table_row {
	enum sla_clock clock;
	const char *events; /* space-separated event names, 1 min apart */
	enum sla_run want;
	int occurrence;
};

/* One history to a row. */
/* clang-format off */
static const struct table_row table_rows[] = {
	/* respond: starts at created, stops at the first of claimed or
	 * contacted (or any later stage), restarts at transfer and reopen,
	 * starts again at release only if it had stopped. */
	{ SLA_RESPOND, "", SLA_IDLE, 0 },
	{ SLA_RESPOND, "created", SLA_RUNNING, 1 },
	{ SLA_RESPOND, "created created", SLA_RUNNING, 1 },
	{ SLA_RESPOND, "created claimed", SLA_MET, 1 },
	{ SLA_RESPOND, "created contacted", SLA_MET, 1 },
	{ SLA_RESPOND, "created claimed contacted", SLA_MET, 1 },
	{ SLA_RESPOND, "created resolved", SLA_MET, 1 },
	{ SLA_RESPOND, "created feedback", SLA_MET, 1 },
	{ SLA_RESPOND, "created closed", SLA_MET, 1 },
	{ SLA_RESPOND, "created cancelled", SLA_CANCELLED, 1 },
	{ SLA_RESPOND, "created cancelled claimed", SLA_CANCELLED, 1 },
	{ SLA_RESPOND, "created waiting_resident", SLA_RUNNING, 1 },
	{ SLA_RESPOND, "created resident_replied", SLA_RUNNING, 1 },
	{ SLA_RESPOND, "created transferred", SLA_RUNNING, 2 },
	{ SLA_RESPOND, "created claimed transferred", SLA_RUNNING, 2 },
	{ SLA_RESPOND, "created claimed transferred claimed", SLA_MET, 2 },
	{ SLA_RESPOND, "created claimed transferred transferred", SLA_RUNNING,
	  3 },
	{ SLA_RESPOND, "created claimed resolved reopened", SLA_RUNNING, 2 },
	{ SLA_RESPOND, "created released", SLA_RUNNING, 1 },
	{ SLA_RESPOND, "created claimed released", SLA_RUNNING, 2 },
	/* handle: starts at created, stops at resolved or closed, pauses
	 * while waiting for the resident, restarts at reopen. */
	{ SLA_HANDLE, "created", SLA_RUNNING, 1 },
	{ SLA_HANDLE, "created claimed contacted", SLA_RUNNING, 1 },
	{ SLA_HANDLE, "created claimed resolved", SLA_MET, 1 },
	{ SLA_HANDLE, "created closed", SLA_MET, 1 },
	{ SLA_HANDLE, "created cancelled", SLA_CANCELLED, 1 },
	{ SLA_HANDLE, "created waiting_resident", SLA_PAUSED, 1 },
	{ SLA_HANDLE, "created waiting_resident resident_replied",
	  SLA_RUNNING, 1 },
	{ SLA_HANDLE, "created waiting_resident resolved", SLA_MET, 1 },
	{ SLA_HANDLE, "created waiting_resident cancelled", SLA_CANCELLED, 1 },
	{ SLA_HANDLE, "created resident_replied", SLA_RUNNING, 1 },
	{ SLA_HANDLE, "created transferred", SLA_RUNNING, 1 },
	{ SLA_HANDLE, "created released", SLA_RUNNING, 1 },
	{ SLA_HANDLE, "created feedback", SLA_RUNNING, 1 },
	{ SLA_HANDLE, "created resolved reopened", SLA_RUNNING, 2 },
	{ SLA_HANDLE, "created resolved reopened resolved", SLA_MET, 2 },
	/* feedback: starts at resolved, stops at feedback or closed,
	 * cancelled by reopen. */
	{ SLA_FEEDBACK, "created", SLA_IDLE, 0 },
	{ SLA_FEEDBACK, "created claimed feedback", SLA_IDLE, 0 },
	{ SLA_FEEDBACK, "created resolved", SLA_RUNNING, 1 },
	{ SLA_FEEDBACK, "created resolved resolved", SLA_RUNNING, 1 },
	{ SLA_FEEDBACK, "created resolved feedback", SLA_MET, 1 },
	{ SLA_FEEDBACK, "created resolved closed", SLA_MET, 1 },
	{ SLA_FEEDBACK, "created resolved waiting_resident", SLA_RUNNING, 1 },
	{ SLA_FEEDBACK, "created resolved transferred", SLA_RUNNING, 1 },
	{ SLA_FEEDBACK, "created resolved reopened", SLA_CANCELLED, 1 },
	{ SLA_FEEDBACK, "created resolved reopened resolved", SLA_RUNNING,
	  2 },
	{ SLA_FEEDBACK, "created cancelled", SLA_IDLE, 0 },
	{ SLA_FEEDBACK, "created resolved cancelled", SLA_CANCELLED, 1 },
};
/* clang-format on */

/* Runs a space-separated list of events, one minute apart from t0. */
static void run_events(const struct sla_conf *conf, const struct sla_case *info,
		       struct sla_state *st, const char *events, int64_t t0)
{
	const char *p = events;
	int64_t t = t0;

	while (*p) {
		char name[32];
		size_t len = strcspn(p, " ");
		enum sla_event e;

		assert_true(len > 0 && len < sizeof(name));
		memcpy(name, p, len);
		name[len] = '\0';
		assert_int_equal(sla_event_from_name(name, &e), WL_OK);
		ev(conf, info, st, e, t);
		t += MIN_MS;
		p += len;
		while (*p == ' ')
			p++;
	}
}

static void test_event_table(void **state)
{
	struct sla_conf conf;
	size_t seen[SLA_N_CLOCKS] = {0};

	sla_conf_init(&conf);
	for (size_t i = 0; i < WL_ARRAY_LEN(table_rows); i++) {
		const struct table_row *r = &table_rows[i];
		struct sla_state st;
		const struct sla_clock_state *cs;

		sla_state_init(&st);
		run_events(&conf, &normal_case, &st, r->events,
			   at("2026-01-05 09:00"));
		cs = &st.clock[r->clock];
		if (cs->run != r->want || cs->occurrence != r->occurrence)
			print_message("%s after \"%s\": %s/%d, want %s/%d\n",
				      sla_clock_name(r->clock), r->events,
				      sla_run_name(cs->run), cs->occurrence,
				      sla_run_name(r->want), r->occurrence);
		assert_int_equal(cs->run, r->want);
		assert_int_equal(cs->occurrence, r->occurrence);
		seen[r->clock]++;
	}
	for (int c = 0; c < SLA_N_CLOCKS; c++)
		assert_true(seen[c] >= 10);
}

static void test_changed_mask(void **state)
{
	struct sla_conf conf;
	struct sla_state st;
	unsigned changed = 99;
	int64_t t = at("2026-01-05 09:00");

	sla_conf_init(&conf);
	sla_state_init(&st);
	assert_int_equal(sla_apply_event(&conf, &normal_case, &st,
					 SLA_EV_CREATED, t, &changed),
			 WL_OK);
	assert_int_equal(changed, (1u << SLA_RESPOND) | (1u << SLA_HANDLE));
	assert_int_equal(sla_apply_event(&conf, &normal_case, &st,
					 SLA_EV_CLAIMED, t + MIN_MS, &changed),
			 WL_OK);
	assert_int_equal(changed, 1u << SLA_RESPOND);
	/* A second claim means nothing. */
	assert_int_equal(sla_apply_event(&conf, &normal_case, &st,
					 SLA_EV_CLAIMED, t + 2 * MIN_MS,
					 &changed),
			 WL_OK);
	assert_int_equal(changed, 0);
	assert_int_equal(sla_apply_event(&conf, &normal_case, &st, SLA_N_EVENTS,
					 t, &changed),
			 WL_EBADREQ);
	assert_int_equal(
	    sla_apply_event(&conf, NULL, &st, SLA_EV_CLAIMED, t, &changed),
	    WL_EBADREQ);
}

/* ------------------------------------------------------------------ */
/* durations and deadlines on the clocks */

static void test_met_or_missed(void **state)
{
	static const struct {
		int64_t claim_after_ms;
		enum sla_run want;
	} rows[] = {
	    {59 * MIN_MS, SLA_MET},
	    {HOUR_MS - 1, SLA_MET},
	    {HOUR_MS, SLA_MISSED}, /* the deadline's instant is late */
	    {61 * MIN_MS, SLA_MISSED},
	};
	struct sla_conf conf;
	int64_t t = at("2026-01-05 09:00");

	sla_conf_init(&conf);
	for (size_t i = 0; i < WL_ARRAY_LEN(rows); i++) {
		struct sla_state st;

		sla_state_init(&st);
		ev(&conf, &normal_case, &st, SLA_EV_CREATED, t);
		assert_int_equal(st.clock[SLA_RESPOND].deadline_ms,
				 t + HOUR_MS);
		ev(&conf, &normal_case, &st, SLA_EV_CONTACTED,
		   t + rows[i].claim_after_ms);
		assert_int_equal(st.clock[SLA_RESPOND].run, rows[i].want);
		assert_int_equal(
		    sla_breached(&st, SLA_RESPOND, t + 10 * DAY_MS),
		    rows[i].want == SLA_MISSED);
		assert_int_equal(sla_late_ms(&conf, &st, SLA_RESPOND, 0),
				 rows[i].claim_after_ms - HOUR_MS > 0
				     ? rows[i].claim_after_ms - HOUR_MS
				     : 0);
	}
}

static void test_seed_durations(void **state)
{
	struct sla_conf conf;
	struct sla_state st;
	int64_t t = at("2026-01-05 21:10");

	sla_conf_init(&conf);
	sla_state_init(&st);
	ev(&conf, &normal_case, &st, SLA_EV_CREATED, t);
	assert_int_equal(st.clock[SLA_RESPOND].deadline_ms, t + HOUR_MS);
	assert_int_equal(st.clock[SLA_HANDLE].deadline_ms, t + DAY_MS);
	ev(&conf, &normal_case, &st, SLA_EV_RESOLVED, t + 5 * HOUR_MS);
	assert_int_equal(st.clock[SLA_FEEDBACK].deadline_ms,
			 t + 5 * HOUR_MS + 3 * DAY_MS);

	sla_state_init(&st);
	ev(&conf, &urgent_case, &st, SLA_EV_CREATED, t);
	assert_int_equal(st.clock[SLA_RESPOND].deadline_ms, t + 10 * MIN_MS);
	assert_int_equal(st.clock[SLA_HANDLE].deadline_ms, t + 4 * HOUR_MS);
	assert_true(st.clock[SLA_RESPOND].flags & SLA_F_URGENT);
	ev(&conf, &urgent_case, &st, SLA_EV_RESOLVED, t + HOUR_MS);
	assert_int_equal(st.clock[SLA_FEEDBACK].deadline_ms,
			 t + HOUR_MS + 3 * DAY_MS);
}

static void test_calendar_on_clocks(void **state)
{
	struct sla_conf conf;
	struct sla_state st;
	int64_t t = at("2026-09-30 17:25");

	conf_load(cal_conf_json, &conf);
	assert_true(conf.has_calendar);
	assert_int_equal(conf.calendar_clocks,
			 (1u << SLA_RESPOND) | (1u << SLA_HANDLE));

	/* Normal case the evening before 国庆: 5 minutes on 9/30, the rest
	 * on 10/8. */
	sla_state_init(&st);
	ev(&conf, &normal_case, &st, SLA_EV_CREATED, t);
	assert_int_equal(st.clock[SLA_RESPOND].deadline_ms,
			 at("2026-10-08 09:25"));
	/* 24 working hours: 5 min + 10/8 7 h + 10/9 7 h + 10/10 (make-up
	 * Saturday) 7 h + 10/12 2 h 55 min. */
	assert_int_equal(st.clock[SLA_HANDLE].deadline_ms,
			 at("2026-10-12 11:25"));
	/* Feedback is not in applies_to: round the clock. */
	ev(&conf, &normal_case, &st, SLA_EV_RESOLVED, at("2026-10-02 10:00"));
	assert_int_equal(st.clock[SLA_FEEDBACK].deadline_ms,
			 at("2026-10-05 10:00"));
	assert_false(st.clock[SLA_FEEDBACK].flags & SLA_F_CALENDAR);

	/* Urgent cases ignore the calendar. */
	sla_state_init(&st);
	ev(&conf, &urgent_case, &st, SLA_EV_CREATED, t);
	assert_int_equal(st.clock[SLA_RESPOND].deadline_ms,
			 at("2026-09-30 17:35"));
	assert_int_equal(st.clock[SLA_HANDLE].deadline_ms,
			 at("2026-09-30 21:25"));
	assert_false(st.clock[SLA_RESPOND].flags & SLA_F_CALENDAR);
}

static void test_explicit_deadline(void **state)
{
	struct sla_conf conf;
	struct sla_state st;
	struct sla_case wo = {.urgent = false};
	int64_t t = at("2026-01-05 09:00");

	/* A 12345 work order: respond by 09:30, handle by tomorrow noon. */
	wo.due_ms[SLA_RESPOND] = at("2026-01-05 09:30");
	wo.due_ms[SLA_HANDLE] = at("2026-01-06 12:00");
	conf_load(cal_conf_json, &conf);
	sla_state_init(&st);
	ev(&conf, &wo, &st, SLA_EV_CREATED, t);
	assert_int_equal(st.clock[SLA_RESPOND].deadline_ms,
			 at("2026-01-05 09:30"));
	assert_int_equal(st.clock[SLA_HANDLE].deadline_ms,
			 at("2026-01-06 12:00"));
	assert_true(st.clock[SLA_HANDLE].flags & SLA_F_FIXED);
	ev(&conf, &wo, &st, SLA_EV_CLAIMED, t + 10 * MIN_MS);
	assert_int_equal(st.clock[SLA_RESPOND].run, SLA_MET);
	/* It does not pause. */
	ev(&conf, &wo, &st, SLA_EV_WAITING_RESIDENT, t + HOUR_MS);
	assert_int_equal(st.clock[SLA_HANDLE].run, SLA_RUNNING);
	/* A transfer restarts respond against the same absolute deadline,
	 * already past: breached at once. */
	ev(&conf, &wo, &st, SLA_EV_TRANSFERRED, t + 2 * HOUR_MS);
	assert_int_equal(st.clock[SLA_RESPOND].occurrence, 2);
	assert_int_equal(st.clock[SLA_RESPOND].deadline_ms,
			 at("2026-01-05 09:30"));
	assert_true(sla_breached(&st, SLA_RESPOND, t + 2 * HOUR_MS));
	/* Clocks without an explicit deadline keep the configured one. */
	ev(&conf, &wo, &st, SLA_EV_RESOLVED, t + 3 * HOUR_MS);
	assert_int_equal(st.clock[SLA_FEEDBACK].deadline_ms,
			 t + 3 * HOUR_MS + 3 * DAY_MS);
}

static void test_pause_resume(void **state)
{
	struct sla_conf conf;
	struct sla_state st;
	int64_t t = at("2026-01-05 09:00");

	/* Round the clock: 3 hours of waiting move the deadline 3 hours. */
	sla_conf_init(&conf);
	sla_state_init(&st);
	ev(&conf, &normal_case, &st, SLA_EV_CREATED, t);
	ev(&conf, &normal_case, &st, SLA_EV_WAITING_RESIDENT, t + 2 * HOUR_MS);
	assert_int_equal(st.clock[SLA_HANDLE].run, SLA_PAUSED);
	assert_int_equal(sla_left_ms(&conf, &st, SLA_HANDLE, t + 4 * HOUR_MS),
			 22 * HOUR_MS);
	ev(&conf, &normal_case, &st, SLA_EV_RESIDENT_REPLIED, t + 5 * HOUR_MS);
	assert_int_equal(st.clock[SLA_HANDLE].deadline_ms, t + 27 * HOUR_MS);
	/* Twice. */
	ev(&conf, &normal_case, &st, SLA_EV_WAITING_RESIDENT, t + 6 * HOUR_MS);
	ev(&conf, &normal_case, &st, SLA_EV_RESIDENT_REPLIED, t + 16 * HOUR_MS);
	assert_int_equal(st.clock[SLA_HANDLE].deadline_ms, t + 37 * HOUR_MS);
	assert_int_equal(sla_left_ms(&conf, &st, SLA_HANDLE, t + 16 * HOUR_MS),
			 21 * HOUR_MS);

	/* In working time: one hour used on Monday, resumed on Tuesday
	 * 09:00 with 23 working hours left → Friday 11:00. */
	conf_load(cal_conf_json, &conf);
	sla_state_init(&st);
	ev(&conf, &normal_case, &st, SLA_EV_CREATED, t);
	ev(&conf, &normal_case, &st, SLA_EV_WAITING_RESIDENT,
	   at("2026-01-05 10:00"));
	assert_int_equal(st.clock[SLA_HANDLE].used_ms, HOUR_MS);
	ev(&conf, &normal_case, &st, SLA_EV_RESIDENT_REPLIED,
	   at("2026-01-06 09:00"));
	assert_int_equal(st.clock[SLA_HANDLE].deadline_ms,
			 at("2026-01-09 11:00"));

	/* A late clock does not pause. */
	sla_conf_init(&conf);
	sla_state_init(&st);
	ev(&conf, &normal_case, &st, SLA_EV_CREATED, t);
	ev(&conf, &normal_case, &st, SLA_EV_WAITING_RESIDENT, t + 25 * HOUR_MS);
	assert_int_equal(st.clock[SLA_HANDLE].run, SLA_RUNNING);
	assert_true(sla_breached(&st, SLA_HANDLE, t + 25 * HOUR_MS));
}

static void test_retarget(void **state)
{
	struct sla_conf conf;
	struct sla_state st;
	unsigned changed = 0;
	int64_t t = at("2026-01-05 09:00");

	sla_conf_init(&conf);
	sla_state_init(&st);
	ev(&conf, &normal_case, &st, SLA_EV_CREATED, t);
	ev(&conf, &normal_case, &st, SLA_EV_CLAIMED, t + 5 * MIN_MS);
	/* Found to be urgent after an hour: 4 h handle, one used. */
	assert_int_equal(
	    sla_retarget(&conf, &urgent_case, &st, t + HOUR_MS, &changed),
	    WL_OK);
	assert_int_equal(changed, 1u << SLA_HANDLE);
	assert_int_equal(st.clock[SLA_HANDLE].deadline_ms, t + 4 * HOUR_MS);
	assert_true(st.clock[SLA_HANDLE].flags & SLA_F_URGENT);
	/* respond had stopped: untouched. */
	assert_int_equal(st.clock[SLA_RESPOND].run, SLA_MET);
	assert_false(st.clock[SLA_RESPOND].flags & SLA_F_URGENT);
	/* Nothing new: nothing changes. */
	assert_int_equal(
	    sla_retarget(&conf, &urgent_case, &st, t + HOUR_MS, &changed),
	    WL_OK);
	assert_int_equal(changed, 0);
}

static void test_late_in_working_time(void **state)
{
	struct sla_conf conf;
	struct sla_state st;

	conf_load(cal_conf_json, &conf);
	sla_state_init(&st);
	/* Due Friday 2026-01-09 17:30; Monday 09:30 is one working hour
	 * late though 64 hours have passed. */
	ev(&conf, &normal_case, &st, SLA_EV_CREATED, at("2026-01-09 16:30"));
	assert_int_equal(st.clock[SLA_RESPOND].deadline_ms,
			 at("2026-01-09 17:30"));
	assert_int_equal(
	    sla_late_ms(&conf, &st, SLA_RESPOND, at("2026-01-12 09:30")),
	    HOUR_MS);
	assert_int_equal(
	    sla_left_ms(&conf, &st, SLA_RESPOND, at("2026-01-09 17:00")),
	    30 * MIN_MS);
	assert_int_equal(
	    sla_left_ms(&conf, &st, SLA_RESPOND, at("2026-01-12 09:30")), 0);
	assert_true(sla_breached(&st, SLA_RESPOND, at("2026-01-10 10:00")));
	assert_false(sla_breached(&st, SLA_RESPOND, at("2026-01-09 17:29")));
}

/* ------------------------------------------------------------------ */
/* plans */

struct want_fire {
	const char *id;
	int64_t at_offset_ms; /* from t */
	unsigned notify;
};

static void test_plan_at_creation(void **state)
{
	static const struct want_fire want[] = {
	    {"1042:respond:warn:1:1", 30 * MIN_MS, SLA_TO_ASSIGNEE},
	    {"1042:respond:warn:2:1", 50 * MIN_MS, SLA_TO_ASSIGNEE},
	    {"1042:respond:breach:0:1", HOUR_MS, SLA_TO_ASSIGNEE},
	    {"1042:respond:escalate:1:1", HOUR_MS,
	     SLA_TO_COMMUNITY_DIRECTOR | SLA_TO_COMMUNITY_DUTY},
	    {"1042:respond:escalate:2:1", 2 * HOUR_MS,
	     SLA_TO_STREET_DUTY | SLA_TO_STREET_STAFF},
	    {"1042:respond:escalate:3:1", 3 * HOUR_MS, SLA_TO_SUPERVISOR},
	    {"1042:handle:warn:1:1", DAY_MS - 30 * MIN_MS, SLA_TO_ASSIGNEE},
	    {"1042:handle:warn:2:1", DAY_MS - 10 * MIN_MS, SLA_TO_ASSIGNEE},
	    {"1042:handle:breach:0:1", DAY_MS, SLA_TO_ASSIGNEE},
	    {"1042:handle:escalate:1:1", DAY_MS,
	     SLA_TO_COMMUNITY_DIRECTOR | SLA_TO_COMMUNITY_DUTY},
	    {"1042:handle:escalate:2:1", DAY_MS + HOUR_MS,
	     SLA_TO_STREET_DUTY | SLA_TO_STREET_STAFF},
	    {"1042:handle:escalate:3:1", DAY_MS + 2 * HOUR_MS,
	     SLA_TO_SUPERVISOR},
	};
	struct sla_fire fires[SLA_PLAN_MAX];
	struct sla_conf conf;
	struct sla_state st;
	size_t n = 0;
	int64_t t = at("2026-01-05 09:00");

	sla_conf_init(&conf);
	sla_state_init(&st);
	ev(&conf, &normal_case, &st, SLA_EV_CREATED, t);
	assert_int_equal(
	    sla_plan(&conf, &st, "1042", 7, t, fires, SLA_PLAN_MAX, &n), WL_OK);
	assert_int_equal(n, WL_ARRAY_LEN(want));
	for (size_t i = 0; i < n; i++) {
		/* In time order, and as listed. */
		assert_string_equal(fires[i].id, want[i].id);
		assert_int_equal(fires[i].at_ms, t + want[i].at_offset_ms);
		assert_int_equal(fires[i].notify, want[i].notify);
		assert_int_equal(fires[i].version, 7);
		assert_false(fires[i].release);
		assert_string_equal(fires[i].case_no, "1042");
		if (i > 0)
			assert_true(fires[i].at_ms >= fires[i - 1].at_ms);
	}
}

static size_t plan_ids(const struct sla_conf *conf, const struct sla_state *st,
		       int64_t now, enum sla_clock c, enum sla_kind kind,
		       const char **ids, size_t max)
{
	static struct sla_fire fires[SLA_PLAN_MAX];
	size_t n = 0, k = 0;

	assert_int_equal(
	    sla_plan(conf, st, "7", 1, now, fires, SLA_PLAN_MAX, &n), WL_OK);
	for (size_t i = 0; i < n; i++)
		if (fires[i].clock == c && fires[i].kind == kind && k < max)
			ids[k++] = fires[i].id;
	return k;
}

static void test_plan_passed_warnings(void **state)
{
	struct sla_conf conf;
	struct sla_state st;
	const char *ids[8];
	int64_t t = at("2026-01-05 09:00");

	sla_conf_init(&conf);
	sla_state_init(&st);
	ev(&conf, &normal_case, &st, SLA_EV_CREATED, t);
	/* 35 minutes in: the 30-minute warning is past, the 10-minute one
	 * ahead; only that one. */
	assert_int_equal(plan_ids(&conf, &st, t + 35 * MIN_MS, SLA_RESPOND,
				  SLA_WARN, ids, 8),
			 1);
	assert_string_equal(ids[0], "7:respond:warn:2:1");
	/* 55 minutes in: both past, the deadline ahead: the latest one is
	 * planned again (the id dedupes it if it went out). */
	assert_int_equal(plan_ids(&conf, &st, t + 55 * MIN_MS, SLA_RESPOND,
				  SLA_WARN, ids, 8),
			 1);
	assert_string_equal(ids[0], "7:respond:warn:2:1");
	/* Past the deadline: no warning, but the breach and every level. */
	assert_int_equal(plan_ids(&conf, &st, t + 65 * MIN_MS, SLA_RESPOND,
				  SLA_WARN, ids, 8),
			 0);
	assert_int_equal(plan_ids(&conf, &st, t + 65 * MIN_MS, SLA_RESPOND,
				  SLA_BREACH, ids, 8),
			 1);
	assert_int_equal(plan_ids(&conf, &st, t + 5 * HOUR_MS, SLA_RESPOND,
				  SLA_ESCALATE, ids, 8),
			 3);
	/* Urgent respond (10 minutes): the 30- and 10-minute warnings fall
	 * at or before the start: none. */
	sla_state_init(&st);
	ev(&conf, &urgent_case, &st, SLA_EV_CREATED, t);
	assert_int_equal(plan_ids(&conf, &st, t, SLA_RESPOND, SLA_WARN, ids, 8),
			 0);
	assert_int_equal(plan_ids(&conf, &st, t, SLA_HANDLE, SLA_WARN, ids, 8),
			 2);
}

static void test_plan_after_resolve(void **state)
{
	struct sla_fire fires[SLA_PLAN_MAX];
	struct sla_conf conf;
	struct sla_state st;
	size_t n = 0;
	int64_t t = at("2026-01-05 09:00");

	sla_conf_init(&conf);
	sla_state_init(&st);
	ev(&conf, &normal_case, &st, SLA_EV_CREATED, t);
	ev(&conf, &normal_case, &st, SLA_EV_CLAIMED, t + 20 * MIN_MS);
	ev(&conf, &normal_case, &st, SLA_EV_RESOLVED, t + 3 * HOUR_MS);
	assert_int_equal(sla_plan(&conf, &st, "1042", 3, t + 3 * HOUR_MS, fires,
				  SLA_PLAN_MAX, &n),
			 WL_OK);
	/* Only the feedback clock plans: 2 warnings, breach, 3 levels. */
	assert_int_equal(n, 6);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(fires[i].clock, SLA_FEEDBACK);
	ev(&conf, &normal_case, &st, SLA_EV_FEEDBACK, t + 4 * HOUR_MS);
	assert_int_equal(sla_plan(&conf, &st, "1042", 4, t + 4 * HOUR_MS, fires,
				  SLA_PLAN_MAX, &n),
			 WL_OK);
	assert_int_equal(n, 0);
	/* A paused clock plans nothing either. */
	sla_state_init(&st);
	ev(&conf, &normal_case, &st, SLA_EV_CREATED, t);
	ev(&conf, &normal_case, &st, SLA_EV_CLAIMED, t + MIN_MS);
	ev(&conf, &normal_case, &st, SLA_EV_WAITING_RESIDENT, t + 2 * MIN_MS);
	assert_int_equal(sla_plan(&conf, &st, "1042", 4, t + 2 * MIN_MS, fires,
				  SLA_PLAN_MAX, &n),
			 WL_OK);
	assert_int_equal(n, 0);
}

static void test_reopen_and_transfer(void **state)
{
	struct sla_fire fires[SLA_PLAN_MAX];
	struct sla_conf conf;
	struct sla_state st;
	size_t n = 0;
	int64_t t = at("2026-01-05 09:00");
	const struct sla_fire *f;

	sla_conf_init(&conf);
	sla_state_init(&st);
	ev(&conf, &normal_case, &st, SLA_EV_CREATED, t);
	ev(&conf, &normal_case, &st, SLA_EV_CLAIMED, t + 10 * MIN_MS);
	/* The new area must respond again, within a fresh hour. */
	ev(&conf, &normal_case, &st, SLA_EV_TRANSFERRED, t + 2 * HOUR_MS);
	assert_int_equal(st.clock[SLA_RESPOND].occurrence, 2);
	assert_int_equal(st.clock[SLA_RESPOND].deadline_ms, t + 3 * HOUR_MS);
	assert_int_equal(sla_plan(&conf, &st, "1042", 5, t + 2 * HOUR_MS, fires,
				  SLA_PLAN_MAX, &n),
			 WL_OK);
	f = get_fire(fires, n, "1042:respond:breach:0:2");
	assert_non_null(f);
	assert_int_equal(f->at_ms, t + 3 * HOUR_MS);
	assert_null(find_fire(fires, n, "1042:respond:breach:0:1"));
	/* The handle clock went on. */
	assert_non_null(find_fire(fires, n, "1042:handle:breach:0:1"));

	/* Resolved, then reopened: handle and respond start over as the
	 * next occurrence, feedback is cancelled. */
	ev(&conf, &normal_case, &st, SLA_EV_CLAIMED, t + 2 * HOUR_MS);
	ev(&conf, &normal_case, &st, SLA_EV_RESOLVED, t + 5 * HOUR_MS);
	ev(&conf, &normal_case, &st, SLA_EV_REOPENED, t + 30 * HOUR_MS);
	assert_int_equal(st.clock[SLA_HANDLE].occurrence, 2);
	assert_int_equal(st.clock[SLA_HANDLE].deadline_ms, t + 54 * HOUR_MS);
	assert_int_equal(st.clock[SLA_RESPOND].occurrence, 3);
	assert_int_equal(st.clock[SLA_FEEDBACK].run, SLA_CANCELLED);
	assert_int_equal(sla_plan(&conf, &st, "1042", 9, t + 30 * HOUR_MS,
				  fires, SLA_PLAN_MAX, &n),
			 WL_OK);
	assert_non_null(find_fire(fires, n, "1042:handle:escalate:3:2"));
	assert_non_null(find_fire(fires, n, "1042:respond:warn:1:3"));
	for (size_t i = 0; i < n; i++)
		assert_int_not_equal(fires[i].clock, SLA_FEEDBACK);
}

static void test_plan_with_calendar(void **state)
{
	struct sla_fire fires[SLA_PLAN_MAX];
	struct sla_conf conf;
	struct sla_state st;
	size_t n = 0;
	const struct sla_fire *f;

	conf_load(cal_conf_json, &conf);
	sla_state_init(&st);
	/* Created Friday 16:30: respond due 17:30. */
	ev(&conf, &normal_case, &st, SLA_EV_CREATED, at("2026-01-09 16:30"));
	assert_int_equal(sla_plan(&conf, &st, "88", 1, at("2026-01-09 16:30"),
				  fires, SLA_PLAN_MAX, &n),
			 WL_OK);
	/* Warnings count back on the wall clock. */
	f = get_fire(fires, n, "88:respond:warn:1:1");
	assert_non_null(f);
	assert_int_equal(f->at_ms, at("2026-01-09 17:00"));
	/* Level 1 at the breach, level 2 one working hour later (Monday
	 * 09:30), level 3 two (Monday 10:30). */
	f = get_fire(fires, n, "88:respond:escalate:1:1");
	assert_int_equal(f->at_ms, at("2026-01-09 17:30"));
	f = get_fire(fires, n, "88:respond:escalate:2:1");
	assert_int_equal(f->at_ms, at("2026-01-12 09:30"));
	f = get_fire(fires, n, "88:respond:escalate:3:1");
	assert_int_equal(f->at_ms, at("2026-01-12 10:30"));
	assert_true(f->flags & SLA_F_CALENDAR);
}

static void test_plan_errors(void **state)
{
	struct sla_fire fires[4];
	struct sla_conf conf;
	struct sla_state st;
	size_t n = 99;
	int64_t t = at("2026-01-05 09:00");
	char long_no[SLA_CASE_NO_MAX + 2];

	sla_conf_init(&conf);
	sla_state_init(&st);
	ev(&conf, &normal_case, &st, SLA_EV_CREATED, t);
	/* Too small: the earliest fires are kept. */
	assert_int_equal(sla_plan(&conf, &st, "1", 1, t, fires, 4, &n),
			 WL_ETOOBIG);
	assert_int_equal(n, 4);
	assert_string_equal(fires[0].id, "1:respond:warn:1:1");
	assert_string_equal(fires[3].id, "1:respond:escalate:1:1");
	/* Case numbers that would break the id. */
	assert_int_equal(sla_plan(&conf, &st, "10:42", 1, t, fires, 4, &n),
			 WL_EBADREQ);
	assert_int_equal(sla_plan(&conf, &st, "", 1, t, fires, 4, &n),
			 WL_EBADREQ);
	assert_int_equal(sla_plan(&conf, &st, "案件1", 1, t, fires, 4, &n),
			 WL_EBADREQ);
	memset(long_no, '9', sizeof(long_no) - 1);
	long_no[sizeof(long_no) - 1] = '\0';
	assert_int_equal(sla_plan(&conf, &st, long_no, 1, t, fires, 4, &n),
			 WL_EBADREQ);
	long_no[SLA_CASE_NO_MAX] = '\0';
	assert_int_equal(sla_plan(&conf, &st, long_no, 1, t, fires, 4, &n),
			 WL_ETOOBIG);
}

/* ------------------------------------------------------------------ */
/* fires */

static void test_fire_member_roundtrip(void **state)
{
	struct sla_fire fires[SLA_PLAN_MAX], back;
	struct sla_conf conf;
	struct sla_state st;
	char m[SLA_MEMBER_MAX];
	size_t n = 0;
	int64_t t = at("2026-01-05 09:00");

	sla_conf_init(&conf);
	sla_state_init(&st);
	ev(&conf, &normal_case, &st, SLA_EV_CREATED, t);
	assert_int_equal(sla_plan(&conf, &st, "2026-000123", INT64_MAX, t,
				  fires, SLA_PLAN_MAX, &n),
			 WL_OK);
	assert_true(n > 0);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(sla_fire_member(&fires[i], m, sizeof(m)),
				 WL_OK);
		assert_int_equal(sla_fire_parse(m, strlen(m), &back), WL_OK);
		assert_string_equal(back.id, fires[i].id);
		assert_string_equal(back.case_no, "2026-000123");
		assert_int_equal(back.clock, fires[i].clock);
		assert_int_equal(back.kind, fires[i].kind);
		assert_int_equal(back.level, fires[i].level);
		assert_int_equal(back.occurrence, fires[i].occurrence);
		assert_int_equal(back.version, INT64_MAX);
		/* Completing it gives back what the plan had. */
		assert_int_equal(sla_fire_complete(&conf, &st, &back), WL_OK);
		assert_int_equal(back.at_ms, fires[i].at_ms);
		assert_int_equal(back.notify, fires[i].notify);
		assert_int_equal(back.deadline_ms, fires[i].deadline_ms);
	}
	assert_int_equal(sla_fire_member(&fires[0], m, 8), WL_ETOOBIG);
}

static void test_fire_parse_bad(void **state)
{
	static const char *const bad[] = {
	    "",
	    "1042:respond:warn:1:1",  /* no version */
	    "1042:respond:warn:1:1|", /* empty version */
	    "1042:respond:warn:1:1|-3",
	    "1042:respond:warn:1:1|07", /* leading zero */
	    "1042:respond:warn:1:1|99999999999999999999",
	    "1042:respond:warn:1:0|1",	 /* occurrence 0 */
	    "1042:reply:warn:1:1|1",	 /* no such clock */
	    "1042:respond:nudge:1:1|1",	 /* no such kind */
	    "1042:respond:breach:1:1|1", /* a breach is level 0 */
	    "1042:respond:warn:0:1|1",	 /* warnings from 1 */
	    "1042:respond:escalate:99:1|1",
	    ":respond:warn:1:1|1", /* no case */
	    "10 42:respond:warn:1:1|1",
	    "respond:warn:1:1|1",
	    "1042:respond:warn:1:1:1|1",
	    "1042:respond:warn:+1:1|1",
	};
	struct sla_fire f;

	for (size_t i = 0; i < WL_ARRAY_LEN(bad); i++) {
		if (sla_fire_parse(bad[i], strlen(bad[i]), &f) != WL_EBADREQ)
			print_message("accepted: %s\n", bad[i]);
		assert_int_equal(sla_fire_parse(bad[i], strlen(bad[i]), &f),
				 WL_EBADREQ);
		assert_string_equal(f.id, "");
	}
	/* A NUL inside is refused, not cut. */
	assert_int_equal(sla_fire_parse("1:respond:warn:1:1|1\0x", 22, &f),
			 WL_EBADREQ);
}

static void test_fire_is_current(void **state)
{
	struct sla_fire fires[SLA_PLAN_MAX];
	struct sla_conf conf;
	struct sla_state st;
	size_t n = 0;
	int64_t t = at("2026-01-05 09:00");
	struct sla_fire respond_breach, handle_breach;

	sla_conf_init(&conf);
	sla_state_init(&st);
	ev(&conf, &normal_case, &st, SLA_EV_CREATED, t);
	assert_int_equal(
	    sla_plan(&conf, &st, "5", 2, t, fires, SLA_PLAN_MAX, &n), WL_OK);
	respond_breach = *get_fire(fires, n, "5:respond:breach:0:1");
	handle_breach = *get_fire(fires, n, "5:handle:breach:0:1");
	assert_true(sla_fire_is_current(&respond_breach, 2, &st));
	/* The case moved on (any change bumps the version). */
	assert_false(sla_fire_is_current(&respond_breach, 3, &st));
	/* Claimed in time: the respond fires are stale, handle's are not. */
	ev(&conf, &normal_case, &st, SLA_EV_CLAIMED, t + 30 * MIN_MS);
	assert_false(sla_fire_is_current(&respond_breach, 2, &st));
	assert_true(sla_fire_is_current(&handle_breach, 2, &st));
	/* Transferred: respond runs again, but as occurrence 2. */
	ev(&conf, &normal_case, &st, SLA_EV_TRANSFERRED, t + 40 * MIN_MS);
	assert_int_equal(st.clock[SLA_RESPOND].run, SLA_RUNNING);
	assert_false(sla_fire_is_current(&respond_breach, 2, &st));
	/* Waiting for the resident: handle's fires are stale. */
	ev(&conf, &normal_case, &st, SLA_EV_WAITING_RESIDENT, t + HOUR_MS);
	assert_false(sla_fire_is_current(&handle_breach, 2, &st));
}

static void test_fire_complete_ladder(void **state)
{
	static const char json[] =
	    "{\"escalate_after_s\": [0,"
	    " {\"after_s\": 1800, \"notify\": \"street_duty\","
	    "  \"release\": true},"
	    " {\"after_s\": 7200, \"notify\": [\"supervisor\","
	    "  \"street_staff\"]}]}";
	struct sla_conf conf;
	struct sla_state st;
	struct sla_fire f;
	const char *m = "77:respond:escalate:2:1|4";
	int64_t t = at("2026-01-05 09:00");

	conf_load(json, &conf);
	sla_state_init(&st);
	ev(&conf, &normal_case, &st, SLA_EV_CREATED, t);
	assert_int_equal(sla_fire_parse(m, strlen(m), &f), WL_OK);
	assert_true(sla_fire_is_current(&f, 4, &st));
	assert_int_equal(sla_fire_complete(&conf, &st, &f), WL_OK);
	assert_int_equal(f.at_ms, t + HOUR_MS + 30 * MIN_MS);
	assert_int_equal(f.notify, SLA_TO_STREET_DUTY);
	assert_true(f.release);
	m = "77:respond:escalate:3:1|4";
	assert_int_equal(sla_fire_parse(m, strlen(m), &f), WL_OK);
	assert_int_equal(sla_fire_complete(&conf, &st, &f), WL_OK);
	assert_int_equal(f.notify, SLA_TO_SUPERVISOR | SLA_TO_STREET_STAFF);
	assert_false(f.release);
	/* The ladder lost a level since the fire was planned. */
	m = "77:respond:escalate:4:1|4";
	assert_int_equal(sla_fire_parse(m, strlen(m), &f), WL_OK);
	assert_int_equal(sla_fire_complete(&conf, &st, &f), WL_ENOTFOUND);
	m = "77:respond:warn:3:1|4";
	assert_int_equal(sla_fire_parse(m, strlen(m), &f), WL_OK);
	assert_int_equal(sla_fire_complete(&conf, &st, &f), WL_ENOTFOUND);
}

/* A warning that comes due too late, or after a later one, is dropped. */
static void test_fire_superseded(void **state)
{
	struct sla_conf conf;
	struct sla_state st;
	struct sla_fire w1, w2, br;
	const char *m1 = "9:respond:warn:1:1|1", *m2 = "9:respond:warn:2:1|1";
	const char *mb = "9:respond:breach:0:1|1";
	int64_t t = at("2026-01-05 09:00");

	sla_conf_init(&conf);
	sla_state_init(&st);
	ev(&conf, &normal_case, &st, SLA_EV_CREATED, t);
	assert_int_equal(sla_fire_parse(m1, strlen(m1), &w1), WL_OK);
	assert_int_equal(sla_fire_parse(m2, strlen(m2), &w2), WL_OK);
	assert_int_equal(sla_fire_parse(mb, strlen(mb), &br), WL_OK);
	assert_int_equal(sla_fire_complete(&conf, &st, &w1), WL_OK);
	assert_int_equal(sla_fire_complete(&conf, &st, &w2), WL_OK);
	assert_int_equal(sla_fire_complete(&conf, &st, &br), WL_OK);
	/* 09:30, 09:50: each on time. */
	assert_false(sla_fire_superseded(&conf, &st, &w1, t + 30 * MIN_MS));
	assert_false(sla_fire_superseded(&conf, &st, &w2, t + 50 * MIN_MS));
	/* 09:55, after downtime: the 30-minute warning is superseded by the
	 * 10-minute one, which still goes. */
	assert_true(sla_fire_superseded(&conf, &st, &w1, t + 55 * MIN_MS));
	assert_false(sla_fire_superseded(&conf, &st, &w2, t + 55 * MIN_MS));
	/* At or past the deadline: no warning at all; the breach is no
	 * warning and is never dropped here. */
	assert_true(sla_fire_superseded(&conf, &st, &w2, t + HOUR_MS));
	assert_true(sla_fire_superseded(&conf, &st, &w1, t + 2 * HOUR_MS));
	assert_false(sla_fire_superseded(&conf, &st, &br, t + 2 * HOUR_MS));
}

static void test_release_does_not_reset_ladder(void **state)
{
	struct sla_conf conf;
	struct sla_state st;
	int64_t t = at("2026-01-05 09:00");

	sla_conf_init(&conf);
	sla_state_init(&st);
	/* Nobody claimed it; a ladder step releases it to the pool: the
	 * respond clock keeps its deadline, so level 3 still comes. */
	ev(&conf, &normal_case, &st, SLA_EV_CREATED, t);
	ev(&conf, &normal_case, &st, SLA_EV_RELEASED, t + 2 * HOUR_MS);
	assert_int_equal(st.clock[SLA_RESPOND].occurrence, 1);
	assert_int_equal(st.clock[SLA_RESPOND].deadline_ms, t + HOUR_MS);
	/* Claimed but stalled: released, the pool must respond anew. */
	ev(&conf, &normal_case, &st, SLA_EV_CLAIMED, t + 3 * HOUR_MS);
	ev(&conf, &normal_case, &st, SLA_EV_RELEASED, t + 26 * HOUR_MS);
	assert_int_equal(st.clock[SLA_RESPOND].occurrence, 2);
	assert_int_equal(st.clock[SLA_RESPOND].deadline_ms, t + 27 * HOUR_MS);
}

static void test_fire_text(void **state)
{
	struct sla_fire fires[SLA_PLAN_MAX];
	struct sla_conf conf;
	struct sla_state st;
	char text[1024];
	size_t n = 0;
	int64_t t = at("2026-01-05 09:00");
	const struct sla_fire *f;
	int len;

	sla_conf_init(&conf);
	sla_state_init(&st);
	ev(&conf, &normal_case, &st, SLA_EV_CREATED, t);
	assert_int_equal(
	    sla_plan(&conf, &st, "1042", 1, t, fires, SLA_PLAN_MAX, &n), WL_OK);

	f = get_fire(fires, n, "1042:respond:warn:1:1");
	len = sla_fire_text(&conf, f, f->at_ms, text, sizeof(text));
	assert_int_equal(len, (int)strlen(text));
	assert_string_equal(text,
			    "【时限预警】工单 1042 的响应时限 2026-01-05 10:00 "
			    "到期，还剩30分钟，请尽快处理。");
	/* English only where the configuration asks for it. */
	conf.english = true;
	len = sla_fire_text(&conf, f, f->at_ms, text, sizeof(text));
	assert_int_equal(len, (int)strlen(text));
	assert_string_equal(text,
			    "【时限预警】工单 1042 的响应时限 2026-01-05 10:00 "
			    "到期，还剩30分钟，请尽快处理。\n"
			    "Case 1042: respond deadline 2026-01-05 10:00, "
			    "30 min left.");

	f = get_fire(fires, n, "1042:respond:breach:0:1");
	sla_fire_text(&conf, f, f->at_ms, text, sizeof(text));
	assert_string_equal(text, "【已超时】工单 1042 未在时限内响应（时限 "
				  "2026-01-05 10:00）。\n"
				  "Case 1042 missed its respond deadline "
				  "(2026-01-05 10:00).");

	f = get_fire(fires, n, "1042:handle:escalate:2:1");
	sla_fire_text(&conf, f, f->at_ms + 5 * MIN_MS, text, sizeof(text));
	assert_string_equal(text,
			    "【超时督办·二级】工单 1042 处置已超时1小时5分钟（"
			    "时限 2026-01-06 09:00），请督促处理。\n"
			    "Escalation level 2: case 1042 is 1 h 5 min "
			    "overdue on handle (deadline 2026-01-06 09:00).");

	/* Level 1 comes with the breach: no lateness to name yet. */
	f = get_fire(fires, n, "1042:respond:escalate:1:1");
	sla_fire_text(&conf, f, f->at_ms, text, sizeof(text));
	assert_string_equal(text, "【超时督办·一级】工单 1042 响应已超时（时限 "
				  "2026-01-05 10:00），请督促处理。\n"
				  "Escalation level 1: case 1042 is overdue on "
				  "respond (deadline 2026-01-05 10:00).");
	f = get_fire(fires, n, "1042:handle:escalate:2:1");

	/* Too small a buffer: cut on a whole character, and the length
	 * needed returned. "【超时督办" is 15 bytes; room for 16 would end
	 * on the first half of "·", room for 14 inside "办". */
	assert_true(sla_fire_text(&conf, f, f->at_ms, text, 17) > 17);
	assert_string_equal(text, "【超时督办");
	assert_true(sla_fire_text(&conf, f, f->at_ms, text, 15) > 15);
	assert_string_equal(text, "【超时督");
}

static void test_fire_text_release_calendar_urgent(void **state)
{
	static const char json[] =
	    "{\"escalate_after_s\": [{\"after_s\": 0, \"release\": true}],"
	    " \"calendar\": {\"applies_to\": [\"respond\"]}, \"english\": "
	    "true}";
	struct sla_conf conf;
	struct sla_state st;
	struct sla_fire f;
	char text[1024];
	const char *m = "9:respond:escalate:1:1|1";

	conf_load(json, &conf);
	sla_state_init(&st);
	ev(&conf, &normal_case, &st, SLA_EV_CREATED, at("2026-01-09 17:00"));
	assert_int_equal(sla_fire_parse(m, strlen(m), &f), WL_OK);
	assert_int_equal(sla_fire_complete(&conf, &st, &f), WL_OK);
	sla_fire_text(&conf, &f, at("2026-01-12 10:00"), text, sizeof(text));
	/* Due Monday 09:00 (30 min on Friday, 30 on Monday); an hour of
	 * working time late at Monday 10:00. */
	assert_string_equal(
	    text, "【超时督办·一级】工单 9 响应已超时1小时（按工作时间"
		  "计）（时限 2026-01-12 09:00），请督促处理。工单已"
		  "退回待认领，请重新认领。\n"
		  "Escalation level 1: case 9 is 1 h overdue on "
		  "respond (working time) (deadline 2026-01-12 "
		  "09:00). Released back to the pool.");

	sla_state_init(&st);
	ev(&conf, &urgent_case, &st, SLA_EV_CREATED, at("2026-01-09 16:00"));
	m = "9:respond:breach:0:1|1";
	assert_int_equal(sla_fire_parse(m, strlen(m), &f), WL_OK);
	assert_int_equal(sla_fire_complete(&conf, &st, &f), WL_OK);
	sla_fire_text(&conf, &f, f.at_ms, text, sizeof(text));
	assert_non_null(strstr(text,
			       "【紧急·已超时】工单 9 未在时限内响应（时限 "
			       "2026-01-09 16:10）"));
}

/* ------------------------------------------------------------------ */
/* the configuration */

static void test_conf_defaults(void **state)
{
	struct sla_conf conf;
	struct wl_diag d;

	diag_init(&d);
	assert_int_equal(sla_conf_from_json(NULL, "Asia/Shanghai", &conf, &d,
					    "t.json", "sla"),
			 WL_OK);
	assert_int_equal(d.n, 0);
	assert_int_equal(conf.normal.budget_ms[SLA_RESPOND], HOUR_MS);
	assert_int_equal(conf.normal.budget_ms[SLA_HANDLE], DAY_MS);
	assert_int_equal(conf.normal.budget_ms[SLA_FEEDBACK], 3 * DAY_MS);
	assert_int_equal(conf.urgent.budget_ms[SLA_RESPOND], 10 * MIN_MS);
	assert_int_equal(conf.urgent.budget_ms[SLA_HANDLE], 4 * HOUR_MS);
	assert_int_equal(conf.urgent.budget_ms[SLA_FEEDBACK], 3 * DAY_MS);
	assert_int_equal(conf.normal.n_warn, 2);
	assert_int_equal(conf.normal.n_steps, 3);
	assert_false(conf.has_calendar);
	assert_int_equal(conf.display_offset_s, 8 * 3600);
	diag_release(&d);
}

static void test_conf_full(void **state)
{
	static const char json[] =
	    "{\"#\": \"comment\", \"respond_s\": 1800, \"handle_s\": 43200,"
	    " \"feedback_s\": 172800,"
	    " \"urgent\": {\"respond_s\": 300, \"warn_before_s\": [60]},"
	    " \"warn_before_s\": [600, 1800, 300],"
	    " \"escalate_after_s\": [{\"after_s\": 0, \"notify\":"
	    "  [\"community_director\", \"community_duty\"]},"
	    "  {\"after_s\": 3600, \"notify\": \"street_duty\","
	    "   \"release\": true}],"
	    " \"calendar\": {\"timezone\": \"UTC\"}}";
	struct sla_conf conf;

	conf_load(json, &conf);
	assert_int_equal(conf.normal.budget_ms[SLA_RESPOND], 30 * MIN_MS);
	assert_int_equal(conf.normal.budget_ms[SLA_HANDLE], 12 * HOUR_MS);
	assert_int_equal(conf.normal.budget_ms[SLA_FEEDBACK], 2 * DAY_MS);
	/* Urgent: its own respond and warnings, the default handle, the
	 * normal ladder. */
	assert_int_equal(conf.urgent.budget_ms[SLA_RESPOND], 5 * MIN_MS);
	assert_int_equal(conf.urgent.budget_ms[SLA_HANDLE], 4 * HOUR_MS);
	/* Not given, and never more than the normal two days. */
	assert_int_equal(conf.urgent.budget_ms[SLA_FEEDBACK], 2 * DAY_MS);
	assert_int_equal(conf.urgent.n_warn, 1);
	assert_int_equal(conf.urgent.warn_ms[0], MIN_MS);
	assert_int_equal(conf.urgent.n_steps, 2);
	assert_true(conf.urgent.steps[1].release);
	/* Warnings sorted, earliest (largest) first. */
	assert_int_equal(conf.normal.n_warn, 3);
	assert_int_equal(conf.normal.warn_ms[0], 30 * MIN_MS);
	assert_int_equal(conf.normal.warn_ms[1], 10 * MIN_MS);
	assert_int_equal(conf.normal.warn_ms[2], 5 * MIN_MS);
	assert_int_equal(conf.normal.n_steps, 2);
	assert_int_equal(conf.normal.steps[0].notify,
			 SLA_TO_COMMUNITY_DIRECTOR | SLA_TO_COMMUNITY_DUTY);
	assert_int_equal(conf.normal.steps[1].after_ms, HOUR_MS);
	assert_int_equal(conf.normal.steps[1].notify, SLA_TO_STREET_DUTY);
	/* A calendar without applies_to counts for every clock; alerts show
	 * its zone. */
	assert_true(conf.has_calendar);
	assert_int_equal(conf.calendar_clocks, 7);
	assert_int_equal(conf.cal.utc_offset_s, 0);
	assert_int_equal(conf.display_offset_s, 0);
}

static void conf_expect(const char *json, const char *tz, int want_rc,
			const char *const *lines)
{
	json_t *j = parse(json);
	struct sla_conf conf;
	struct wl_diag d;
	size_t n = 0;

	diag_init(&d);
	assert_int_equal(sla_conf_from_json(j, tz, &conf, &d, "t.json", "sla"),
			 want_rc);
	while (lines[n])
		n++;
	for (size_t i = 0; i < d.n; i++)
		if (i >= n || strcmp(d.lines[i], lines[i]) != 0)
			print_message("line %zu: %s\n", i, d.lines[i]);
	assert_int_equal(d.n, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(d.lines[i], lines[i]);
	/* Usable anyway: positive budgets, ordered ladder. */
	for (int c = 0; c < SLA_N_CLOCKS; c++)
		assert_true(conf.normal.budget_ms[c] >= MIN_MS);
	for (size_t i = 1; i < conf.normal.n_steps; i++)
		assert_true(conf.normal.steps[i].after_ms >=
			    conf.normal.steps[i - 1].after_ms);
	diag_release(&d);
	json_decref(j);
}

static void test_conf_errors(void **state)
{
	static const char *const budgets[] = {
	    "t.json: sla.respond_s: must be between 60 and 31536000 (got 59)",
	    "t.json: sla.handle_s: expected integer, got real",
	    "t.json: sla.respnd_s: unknown key \"respnd_s\" (known: "
	    "respond_s, handle_s, feedback_s, urgent, warn_before_s, "
	    "escalate_after_s, calendar, english)",
	    NULL};
	static const char *const warns[] = {
	    "t.json: sla.warn_before_s[1]: 600 is listed twice",
	    "t.json: sla.warn_before_s[2]: must be between 1 and 31536000 "
	    "(got 0)",
	    NULL};
	static const char *const ladder[] = {
	    "t.json: sla.escalate_after_s[1]: must not come before the "
	    "level above it (0 s < 3600 s)",
	    NULL};
	static const char *const steps[] = {
	    "t.json: sla.escalate_after_s[0].notify: must be one of "
	    "assignee, community_director, community_duty, street_duty, "
	    "street_staff, supervisor (got \"mayor\")",
	    "t.json: sla.escalate_after_s[0].release: expected boolean, "
	    "got string",
	    "t.json: sla.escalate_after_s[1].after: unknown key \"after\" "
	    "(known: after_s, notify, release)",
	    "t.json: sla.escalate_after_s[1].after_s: required key is "
	    "missing",
	    "t.json: sla.escalate_after_s[2]: expected integer (seconds) "
	    "or object {\"after_s\", \"notify\", \"release\"}, got string",
	    "t.json: sla.escalate_after_s[3].notify: must name 1 to 6 "
	    "recipients (got 0)",
	    NULL};
	static const char *const urgent[] = {
	    "t.json: sla.urgent.respond: unknown key \"respond\" (known: "
	    "respond_s, handle_s, feedback_s, warn_before_s, "
	    "escalate_after_s)",
	    "t.json: sla.urgent.handle_s: warning: longer than "
	    "sla.handle_s: urgent cases get more time than normal ones",
	    NULL};
	static const char *const applies[] = {
	    "t.json: sla.calendar.hours[0][0]: not a time of day HH:MM "
	    "(got \"8h\")",
	    "t.json: sla.calendar.applies_to[1]: must be one of respond, "
	    "handle, feedback (got \"reply\")",
	    NULL};
	static const char *const empty_applies[] = {
	    "t.json: sla.calendar.applies_to: warning: empty: the calendar "
	    "counts for no clock",
	    NULL};
	static const char *const not_obj[] = {
	    "t.json: sla: expected object, got integer", NULL};
	static const char *const unknown_tz[] = {
	    "t.json: timezone: warning: alerts show times in UTC+8: "
	    "\"Europe/Berlin\" is not in the time zone table of the "
	    "response-time rules",
	    NULL};

	conf_expect(
	    "{\"respond_s\": 59, \"handle_s\": 3600.0, \"respnd_s\": 1}", NULL,
	    WL_EBADREQ, budgets);
	conf_expect("{\"warn_before_s\": [600, 600, 0]}", NULL, WL_EBADREQ,
		    warns);
	conf_expect("{\"escalate_after_s\": [3600, 0]}", NULL, WL_EBADREQ,
		    ladder);
	conf_expect("{\"escalate_after_s\": [{\"after_s\": 0, \"notify\":"
		    " \"mayor\", \"release\": \"yes\"}, {\"after\": 60},"
		    " \"1h\", {\"after_s\": 60, \"notify\": []}]}",
		    NULL, WL_EBADREQ, steps);
	conf_expect("{\"urgent\": {\"respond\": 60, \"handle_s\": 90000}}",
		    NULL, WL_EBADREQ, urgent);
	conf_expect("{\"calendar\": {\"hours\": [[\"8h\", \"12:00\"]],"
		    " \"applies_to\": [\"respond\", \"reply\"]}}",
		    "Asia/Shanghai", WL_EBADREQ, applies);
	conf_expect("{\"calendar\": {\"applies_to\": []}}", "Asia/Shanghai",
		    WL_OK, empty_applies);
	conf_expect("3600", NULL, WL_EBADREQ, not_obj);
	conf_expect("{}", "Europe/Berlin", WL_OK, unknown_tz);
}

/* ------------------------------------------------------------------ */
/* the stored state */

static void test_state_roundtrip(void **state)
{
	struct sla_conf conf;
	struct sla_state st, back;
	char *s = NULL;
	size_t len = 0;
	int64_t t = at("2026-01-05 09:00");

	conf_load(cal_conf_json, &conf);
	sla_state_init(&st);
	/* Empty: just the format version. */
	assert_int_equal(sla_state_dump(&st, &s, &len), WL_OK);
	assert_string_equal(s, "{\"v\":1}");
	free(s);

	ev(&conf, &normal_case, &st, SLA_EV_CREATED, t);
	ev(&conf, &normal_case, &st, SLA_EV_CLAIMED, t + 5 * MIN_MS);
	ev(&conf, &normal_case, &st, SLA_EV_WAITING_RESIDENT, t + HOUR_MS);
	assert_int_equal(sla_state_dump(&st, &s, &len), WL_OK);
	assert_int_equal(len, strlen(s));
	assert_non_null(strstr(s, "\"respond\":{\"run\":\"met\",\"n\":1,"));
	assert_non_null(strstr(s, "\"handle\":{\"run\":\"paused\""));
	assert_null(strstr(s, "feedback"));
	assert_int_equal(sla_state_load(s, len, &back), WL_OK);
	assert_memory_equal(&st, &back, sizeof(st));
	free(s);
}

static void test_state_load_bad(void **state)
{
	static const char *const bad[] = {
	    "",
	    "[]",
	    "{\"v\":2}",
	    "{\"reply\":{\"run\":\"met\",\"n\":1}}",
	    "{\"respond\":{\"run\":\"idle\",\"n\":1}}",
	    "{\"respond\":{\"run\":\"late\",\"n\":1}}",
	    "{\"respond\":{\"n\":1}}",
	    "{\"respond\":{\"run\":\"met\"}}",
	    "{\"respond\":{\"run\":\"met\",\"n\":0}}",
	    "{\"respond\":{\"run\":\"met\",\"n\":1,\"due\":-5}}",
	    "{\"respond\":{\"run\":\"met\",\"n\":1,\"due\":\"5\"}}",
	    "{\"respond\":{\"run\":\"met\",\"n\":1,\"fl\":8}}",
	    "{\"respond\":{\"run\":\"met\",\"n\":1,\"color\":1}}",
	    "{\"respond\":{\"run\":\"met\",\"n\":1},"
	    "\"respond\":{\"run\":\"met\",\"n\":2}}",
	    "{\"respond\":{\"run\":\"met\",\"n\":1,"
	    "\"due\":253402300800000}}",
	    "{\"respond\":[]}",
	};
	struct sla_state st;
	char big[SLA_STATE_MAX_BYTES + 16];

	for (size_t i = 0; i < WL_ARRAY_LEN(bad); i++) {
		memset(&st, 0x5a, sizeof(st));
		if (sla_state_load(bad[i], strlen(bad[i]), &st) != WL_EBADREQ)
			print_message("accepted: %s\n", bad[i]);
		assert_int_equal(sla_state_load(bad[i], strlen(bad[i]), &st),
				 WL_EBADREQ);
		/* Left all idle. */
		for (int c = 0; c < SLA_N_CLOCKS; c++)
			assert_int_equal(st.clock[c].run, SLA_IDLE);
	}
	/* Over the cap, even if it were valid JSON. */
	memset(big, ' ', sizeof(big));
	memcpy(big, "{\"v\":1}", 7);
	assert_int_equal(sla_state_load(big, sizeof(big), &st), WL_EBADREQ);
	assert_int_equal(sla_state_load(big, 7, &st), WL_OK);
}

/* ------------------------------------------------------------------ */
/* random case histories */

static void test_random_histories(void **state)
{
	struct sla_conf conf;
	uint64_t x = 88172645463325252ull;

	conf_load(cal_conf_json, &conf);
	for (int run = 0; run < 300; run++) {
		struct sla_state st;
		struct sla_case info = {.urgent = (run % 5) == 0};
		int64_t now = at("2026-09-15 08:00");
		int32_t last_occ[SLA_N_CLOCKS] = {0};

		if (run % 7 == 0)
			info.due_ms[SLA_HANDLE] = now + 30 * HOUR_MS;
		sla_state_init(&st);
		ev(&conf, &info, &st, SLA_EV_CREATED, now);
		for (int step = 0; step < 40; step++) {
			struct sla_fire fires[SLA_PLAN_MAX], back;
			struct sla_state loaded;
			char m[SLA_MEMBER_MAX];
			char *s = NULL;
			size_t n = 0, len = 0;

			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			now += (int64_t)(x % (6 * HOUR_MS));
			ev(&conf, &info, &st,
			   (enum sla_event)((x >> 32) % SLA_N_EVENTS), now);
			assert_int_equal(sla_plan(&conf, &st, "R-1", step, now,
						  fires, SLA_PLAN_MAX, &n),
					 WL_OK);
			for (size_t i = 0; i < n; i++) {
				/* Sorted, ids unique, each parses back and is
				 * current for this version. */
				if (i > 0)
					assert_true(fires[i].at_ms >=
						    fires[i - 1].at_ms);
				for (size_t k = 0; k < i; k++)
					assert_string_not_equal(fires[i].id,
								fires[k].id);
				assert_int_equal(
				    sla_fire_member(&fires[i], m, sizeof(m)),
				    WL_OK);
				assert_int_equal(
				    sla_fire_parse(m, strlen(m), &back), WL_OK);
				assert_true(
				    sla_fire_is_current(&back, step, &st));
				if (fires[i].kind == SLA_WARN)
					assert_true(fires[i].at_ms <
						    fires[i].deadline_ms);
				else
					assert_true(fires[i].at_ms >=
						    fires[i].deadline_ms);
			}
			for (int c = 0; c < SLA_N_CLOCKS; c++) {
				const struct sla_clock_state *cs = &st.clock[c];

				assert_true(cs->occurrence >= last_occ[c]);
				last_occ[c] = cs->occurrence;
				assert_true(cs->used_ms >= 0);
				if (cs->run == SLA_RUNNING &&
				    !(cs->flags & SLA_F_FIXED))
					assert_true(cs->deadline_ms >=
						    cs->seg_ms);
			}
			assert_int_equal(sla_state_dump(&st, &s, &len), WL_OK);
			assert_int_equal(sla_state_load(s, len, &loaded),
					 WL_OK);
			assert_memory_equal(&st, &loaded, sizeof(st));
			free(s);
		}
	}
}

static void test_names(void **state)
{
	enum sla_clock c;
	enum sla_event e;

	for (int i = 0; i < SLA_N_EVENTS; i++) {
		assert_int_equal(sla_event_from_name(sla_event_name(i), &e),
				 WL_OK);
		assert_int_equal(e, i);
	}
	for (int i = 0; i < SLA_N_CLOCKS; i++) {
		assert_int_equal(sla_clock_from_name(sla_clock_name(i), &c),
				 WL_OK);
		assert_int_equal(c, i);
	}
	assert_string_equal(sla_clock_label(SLA_HANDLE), "处置");
	assert_string_equal(sla_kind_name(SLA_ESCALATE), "escalate");
	assert_string_equal(sla_notify_name(SLA_TO_STREET_DUTY), "street_duty");
	assert_null(sla_notify_name(SLA_TO_STREET_DUTY | SLA_TO_SUPERVISOR));
	assert_null(sla_event_name(SLA_N_EVENTS));
	assert_int_equal(sla_event_from_name("paused", &e), WL_ENOTFOUND);
	assert_int_equal(sla_clock_from_name(NULL, &c), WL_ENOTFOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_event_table),
	    cmocka_unit_test(test_changed_mask),
	    cmocka_unit_test(test_met_or_missed),
	    cmocka_unit_test(test_seed_durations),
	    cmocka_unit_test(test_calendar_on_clocks),
	    cmocka_unit_test(test_explicit_deadline),
	    cmocka_unit_test(test_pause_resume),
	    cmocka_unit_test(test_retarget),
	    cmocka_unit_test(test_late_in_working_time),
	    cmocka_unit_test(test_plan_at_creation),
	    cmocka_unit_test(test_plan_passed_warnings),
	    cmocka_unit_test(test_plan_after_resolve),
	    cmocka_unit_test(test_reopen_and_transfer),
	    cmocka_unit_test(test_plan_with_calendar),
	    cmocka_unit_test(test_plan_errors),
	    cmocka_unit_test(test_fire_member_roundtrip),
	    cmocka_unit_test(test_fire_parse_bad),
	    cmocka_unit_test(test_fire_is_current),
	    cmocka_unit_test(test_fire_complete_ladder),
	    cmocka_unit_test(test_fire_superseded),
	    cmocka_unit_test(test_release_does_not_reset_ladder),
	    cmocka_unit_test(test_fire_text),
	    cmocka_unit_test(test_fire_text_release_calendar_urgent),
	    cmocka_unit_test(test_conf_defaults),
	    cmocka_unit_test(test_conf_full),
	    cmocka_unit_test(test_conf_errors),
	    cmocka_unit_test(test_state_roundtrip),
	    cmocka_unit_test(test_state_load_bad),
	    cmocka_unit_test(test_random_histories),
	    cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
