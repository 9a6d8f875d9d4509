/*
 * engine_sla.c — the response-time rule inside the engine step: every
 * case operation the step produced moves the case's clocks (sla.h) and
 * re-plans its timer fires in the same commit, and a fire that comes due
 * becomes an alert to the right people. Pure, like the rest of the step.
 *
 * Fires live in the "timers" sorted set as "<fire id>|<case version>";
 * the commit that re-plans a case removes the fires of the plan it
 * replaces, and one planned for an older version that is still found is
 * stale and does nothing. A fire that goes out is marked done under its
 * id on the case (case:{no}:fired, kept as long as the case), so each
 * (case, clock, kind, level, occurrence) alert goes out once however many
 * daemons sweep and however often the case is re-planned.
 */
#include "engine_sla.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"
#include "sla.h"
#include "text.h"
#include "wl.h"

/* The case number of a case opened in this commit, replaced by the
 * commit once the number is known. */
#define ENGINE_SLA_NEWCASE "NEWCASE"

static const struct {
	const char *what;
	enum sla_event ev;
} engine_sla_events[] = {
    {"claimed", SLA_EV_CLAIMED},
    {"reply", SLA_EV_CONTACTED},
    {"resolved", SLA_EV_RESOLVED},
    {"feedback", SLA_EV_FEEDBACK},
    {"cancelled", SLA_EV_CANCELLED},
    {"reopened", SLA_EV_REOPENED},
    {"transferred", SLA_EV_TRANSFERRED},
    {"released", SLA_EV_RELEASED},
    {"waiting", SLA_EV_WAITING_RESIDENT},
    {"resident_message", SLA_EV_RESIDENT_REPLIED},
};

static int engine_sla_event(const char *what, enum sla_event *ev)
{
	for (size_t i = 0; what && i < WL_ARRAY_LEN(engine_sla_events); i++)
		if (strcmp(what, engine_sla_events[i].what) == 0) {
			*ev = engine_sla_events[i].ev;
			return WL_OK;
		}
	return WL_ENOTFOUND;
}

static const json_t *engine_sla_find(const struct engine_in *in, const char *no)
{
	size_t i;
	const json_t *c;

	if (in->kase && case_get(in->kase, "no") &&
	    strcmp(case_get(in->kase, "no"), no) == 0)
		return in->kase;
	json_array_foreach(in->open_cases, i,
			   c) if (case_get(c, "no") &&
				  strcmp(case_get(c, "no"), no) == 0) return c;
	return NULL;
}

/* What the clocks need from a case: its urgency and a 12345 deadline. */
static void engine_sla_info(const json_t *c, const json_t *fields,
			    struct sla_case *info)
{
	const char *u = json_string_value(json_object_get(fields, "urgency"));
	const char *dl =
	    json_string_value(json_object_get(fields, "ext_deadline_ms"));

	memset(info, 0, sizeof(*info));
	if (!u && c)
		u = case_get(c, "urgency");
	if (!dl && c)
		dl = case_get(c, "ext_deadline_ms");
	info->urgent = u && strcmp(u, "urgent") == 0;
	if (dl) {
		/* A work order's deadline is for handling it. */
		info->due_ms[SLA_HANDLE] = strtoll(dl, NULL, 10);
	}
}

/* A count for /metrics, recorded by inbound.c once the commit landed. */
static void engine_sla_metric(struct engine_out *out, const char *clock,
			      const char *result, int level, int64_t late_ms)
{
	json_t *m =
	    json_pack("{s:s, s:s, s:i, s:I}", "clock", clock, "result", result,
		      "level", level, "late_ms", (json_int_t)late_ms);

	if (m)
		json_array_append_new(out->metrics, m);
}

/* Clocks that stopped with this event: met or missed. */
static void engine_sla_stopped(const struct engine_in *in,
			       struct engine_out *out,
			       const struct sla_state *before,
			       const struct sla_state *after)
{
	for (int k = 0; k < SLA_N_CLOCKS; k++) {
		enum sla_run b = before->clock[k].run, a = after->clock[k].run;

		if ((b == SLA_RUNNING || b == SLA_PAUSED) &&
		    (a == SLA_MET || a == SLA_MISSED))
			engine_sla_metric(
			    out, sla_clock_name((enum sla_clock)k),
			    a == SLA_MET ? "met" : "missed", 0,
			    sla_late_ms(in->sla, after, (enum sla_clock)k,
					in->now_ms));
	}
}

/* The members the stored plan (old, planned for version) may have put in
 * the timers set, into op.untimers: the commit that re-plans removes
 * them, so superseded fires do not wait in the set to be found stale.
 * Planned as if at the epoch, so every warning the plan could have held
 * is there; removing one that is not in the set costs nothing. */
static int engine_sla_unplan(const struct sla_conf *conf, json_t *op,
			     const struct sla_state *old, const char *no,
			     long long version)
{
	struct sla_fire fires[SLA_PLAN_MAX];
	char member[SLA_MEMBER_MAX + 1];
	json_t *l;
	size_t n = 0;
	int rc;

	if (sla_plan(conf, old, no, version, 0, fires, SLA_PLAN_MAX, &n) !=
		WL_OK ||
	    n == 0)
		return WL_OK;
	l = json_array();
	if (!l || json_object_set_new(op, "untimers", l))
		return WL_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		rc = sla_fire_member(&fires[i], member, sizeof(member));
		if (rc != WL_OK)
			return rc;
		if (json_array_append_new(l, json_string(member)))
			return WL_ENOMEM;
	}
	return WL_OK;
}

/* Plan the fires of st for version into op.timers and store st. */
static int engine_sla_plan(const struct sla_conf *conf, json_t *op,
			   const struct sla_state *st, const char *no,
			   long long version, int64_t now)
{
	struct sla_fire fires[SLA_PLAN_MAX];
	char member[SLA_MEMBER_MAX + 1];
	json_t *timers = json_array();
	size_t n = 0;
	char *dump = NULL;
	int rc;

	if (!timers)
		return WL_ENOMEM;
	rc = sla_plan(conf, st, no, version, now, fires, SLA_PLAN_MAX, &n);
	for (size_t i = 0; rc == WL_OK && i < n; i++) {
		rc = sla_fire_member(&fires[i], member, sizeof(member));
		if (rc == WL_OK &&
		    json_array_append_new(
			timers, json_pack("{s:s, s:I}", "member", member, "at",
					  (json_int_t)fires[i].at_ms)))
			rc = WL_ENOMEM;
	}
	if (rc == WL_OK)
		rc = sla_state_dump(st, &dump, NULL);
	if (rc == WL_OK) {
		json_t *f = json_object_get(op, "fields");

		if (!json_is_object(f)) {
			f = json_object();
			json_object_set_new(op, "fields", f);
		}
		json_object_set_new(f, "sla", json_string(dump));
		json_object_set_new(op, "timers", timers);
		timers = NULL;
	}
	free(dump);
	json_decref(timers);
	return rc;
}

int engine_sla_post(const struct engine_in *in, struct engine_out *out)
{
	/* Cases touched earlier in this step: no -> version after them. */
	json_t *seen = json_object();
	size_t i;
	json_t *op;
	int rc = WL_OK;

	if (!in->sla)
		goto out;
	if (!seen)
		return WL_ENOMEM;
	json_array_foreach(out->cases, i, op)
	{
		const char *kind = json_string_value(json_object_get(op, "op"));
		const char *what =
		    json_string_value(json_object_get(op, "what"));
		const char *no = json_string_value(json_object_get(op, "no"));
		json_t *fields = json_object_get(op, "fields");
		struct sla_state st, before;
		struct sla_case info;
		enum sla_event ev;
		const json_t *c;
		long long v;

		if (kind && strcmp(kind, "open") == 0) {
			engine_sla_info(NULL, op, &info);
			if (json_object_get(fields, "ext_deadline_ms"))
				info.due_ms[SLA_HANDLE] =
				    strtoll(json_string_value(json_object_get(
						fields, "ext_deadline_ms")),
					    NULL, 10);
			sla_state_init(&st);
			sla_apply_event(in->sla, &info, &st, SLA_EV_CREATED,
					in->now_ms, NULL);
			rc = engine_sla_plan(in->sla, op, &st,
					     ENGINE_SLA_NEWCASE, 1, in->now_ms);
		} else if (kind && strcmp(kind, "set") == 0 && no &&
			   (c = engine_sla_find(in, no))) {
			json_t *prev = json_object_get(seen, no);
			const char *stored = case_get(c, "sla");

			/* Every write moves the version, so every write
			 * re-plans; only the first write of this step can
			 * check the version it read. */
			v = prev ? json_integer_value(prev)
				 : strtoll(case_get(c, "v") ? case_get(c, "v")
							    : "0",
					   NULL, 10);
			if (!prev)
				json_object_set_new(op, "expect",
						    json_integer(v));
			else
				json_object_del(op, "expect");
			json_object_set_new(seen, no, json_integer(v + 1));
			if (!stored || sla_state_load(stored, strlen(stored),
						      &st) != WL_OK)
				sla_state_init(&st);
			/* The stored plan is the one made for the version
			 * loaded; a later write in this step replaces the
			 * plan this one makes, in the same commit. */
			if (!prev)
				rc = engine_sla_unplan(in->sla, op, &st, no, v);
			if (rc != WL_OK)
				break;
			engine_sla_info(c, fields, &info);
			before = st;
			if (engine_sla_event(what, &ev) == WL_OK)
				sla_apply_event(in->sla, &info, &st, ev,
						in->now_ms, NULL);
			engine_sla_stopped(in, out, &before, &st);
			if (json_object_get(fields, "urgency"))
				sla_retarget(in->sla, &info, &st, in->now_ms,
					     NULL);
			rc = engine_sla_plan(in->sla, op, &st, no, v + 1,
					     in->now_ms);
		}
		if (rc != WL_OK)
			break;
	}
out:
	json_decref(seen);
	return rc;
}

/* ---- a fire comes due ---- */

static void engine_sla_add(const struct wl_addr **to, size_t *n, size_t max,
			   const struct wl_addr *a)
{
	if (!a || !a->channel || !a->to || *n >= max)
		return;
	for (size_t i = 0; i < *n; i++)
		if (strcmp(to[i]->channel, a->channel) == 0 &&
		    strcmp(to[i]->to, a->to) == 0)
			return;
	to[(*n)++] = a;
}

/* The area of the given level above (or at) area, or -1. */
static int engine_sla_level(const struct wl_config *cfg, int area,
			    enum wl_level level)
{
	for (int a = area; a >= 0; a = cfg->areas[a].parent)
		if (cfg->areas[a].level == level)
			return a;
	return -1;
}

/* Who an alert goes to: the SLA_TO_* bits against the case's area. */
static size_t engine_sla_recipients(const struct wl_config *cfg,
				    const json_t *c, unsigned notify,
				    const struct wl_addr **to, size_t max)
{
	int area = config_area_index(
	    cfg, case_get(c, "area") ? case_get(c, "area") : "");
	int comm =
	    area >= 0 ? engine_sla_level(cfg, area, LEVEL_COMMUNITY) : -1;
	int street = area >= 0 ? engine_sla_level(cfg, area, LEVEL_STREET) : -1;
	const char *by = case_get(c, "claimed_by");
	size_t n = 0;

	if (notify & SLA_TO_ASSIGNEE) {
		const struct wl_addr *duty[1];
		bool held = false;

		for (size_t i = 0; by && *by && i < cfg->n_staff; i++)
			if (strcmp(cfg->staff[i].id, by) == 0) {
				engine_sla_add(to, &n, max,
					       &cfg->staff[i].chat);
				held = true;
			}
		if (!held && area >= 0 &&
		    case_duty_chain(cfg, area, false, duty, 1) == 1)
			engine_sla_add(to, &n, max, duty[0]);
	}
	if ((notify & SLA_TO_COMMUNITY_DUTY) && comm >= 0)
		engine_sla_add(to, &n, max, &cfg->areas[comm].duty);
	if ((notify & SLA_TO_STREET_DUTY) && street >= 0)
		engine_sla_add(to, &n, max, &cfg->areas[street].duty);
	for (size_t i = 0; i < cfg->n_staff; i++) {
		const struct wl_staff *s = &cfg->staff[i];

		if (((notify & SLA_TO_COMMUNITY_DIRECTOR) &&
		     s->role == ROLE_COMMUNITY_DIRECTOR && comm >= 0 &&
		     s->area_idx == comm) ||
		    ((notify & SLA_TO_STREET_STAFF) &&
		     s->role == ROLE_STREET_STAFF && street >= 0 &&
		     case_area_within(cfg, s->area_idx, street)) ||
		    ((notify & SLA_TO_SUPERVISOR) &&
		     s->role == ROLE_SUPERVISOR))
			engine_sla_add(to, &n, max, &s->chat);
	}
	/* A community with no director or duty chat: its street hears. */
	if (n == 0 && street >= 0)
		engine_sla_add(to, &n, max, &cfg->areas[street].duty);
	return n;
}

int engine_sla_fire(const struct engine_in *in, struct engine_out *out,
		    const char *member)
{
	const json_t *c = in->kase;
	const char *stored = c ? case_get(c, "sla") : NULL;
	const struct wl_addr *to[16];
	struct sla_fire f;
	struct sla_state st;
	char text[1024], summary[1800];
	char *line = NULL, *words, *masked;
	size_t cut;
	const char *holder;
	json_t *op;
	long long v;
	size_t n;

	if (!in->sla || !c || !stored ||
	    sla_fire_parse(member, strlen(member), &f) != WL_OK ||
	    sla_state_load(stored, strlen(stored), &st) != WL_OK) {
		out->noop = true; /* a fire for nothing */
		return WL_OK;
	}
	v = strtoll(case_get(c, "v") ? case_get(c, "v") : "0", NULL, 10);
	if (!sla_fire_is_current(&f, v, &st) ||
	    sla_fire_complete(in->sla, &st, &f) != WL_OK ||
	    sla_fire_superseded(in->sla, &st, &f, in->now_ms)) {
		/* Stale (the case moved on), or a warning that is too late
		 * or that a later one supersedes: committing nothing keeps the
		 * fire id free for the current plan's fire of the same
		 * alert. */
		out->noop = true;
		return WL_OK;
	}
	if (sla_fire_text(in->sla, &f, in->now_ms, text, sizeof(text)) < 0)
		return WL_EINTERNAL;
	line = case_line(in->cfg, c);
	holder = NULL;
	for (size_t i = 0; case_get(c, "claimed_by") && i < in->cfg->n_staff;
	     i++)
		if (strcmp(in->cfg->staff[i].id, case_get(c, "claimed_by")) ==
		    0)
			holder = in->cfg->staff[i].name;
	/* What the resident said, so the alert can be acted on as read;
	 * numbers masked, as alerts go to duty groups too. */
	words = case_words(c);
	masked = words ? text_mask_numbers(words) : NULL;
	cut = masked ? text_utf8_prefix(masked, strlen(masked), 60) : 0;
	snprintf(summary, sizeof(summary), "%s\n%s%s%.*s%s%s%s", text,
		 line ? line : "", masked ? "\n居民说：" : "", (int)cut,
		 masked ? masked : "",
		 masked && cut < strlen(masked) ? "…" : "",
		 holder ? "\n办理人：" : "\n尚无人认领", holder ? holder : "");
	free(line);
	free(words);
	free(masked);
	/* The alert goes on the timeline without moving the version, so the
	 * rest of the plan stays current; it commits only if the case is
	 * still at the version it was found current for (a claim that lands
	 * meanwhile makes the commit conflict, and the fire, loaded again, is
	 * stale). */
	op = json_pack("{s:s, s:s, s:s, s:s, s:s, s:[], s:I}", "op", "log",
		       "no", case_get(c, "no"), "who", "sla", "what",
		       f.kind == SLA_WARN     ? "sla_warning"
		       : f.kind == SLA_BREACH ? "sla_breach"
					      : "sla_escalation",
		       "detail", f.id, "notify", "expect", (json_int_t)v);
	if (!op || json_array_append_new(out->cases, op))
		return WL_ENOMEM;
	n = engine_sla_recipients(in->cfg, c, f.notify, to, WL_ARRAY_LEN(to));
	for (size_t i = 0; i < n; i++)
		engine_op_notify(op, to[i]->channel, to[i]->to, summary);
	if (f.release && case_get(c, "status") &&
	    (strcmp(case_get(c, "status"), "new") == 0 ||
	     strcmp(case_get(c, "status"), "claimed") == 0)) {
		json_t *fields =
		    json_pack("{s:s, s:n}", "status", "new", "claimed_by");

		if (!engine_case_set(out->cases, case_get(c, "no"), -1, fields,
				     "sla", "released", f.id)) {
			json_decref(fields);
			return WL_ENOMEM;
		}
		json_decref(fields);
	}
	engine_sla_metric(out, sla_clock_name(f.clock), sla_kind_name(f.kind),
			  f.level,
			  sla_late_ms(in->sla, &st, f.clock, in->now_ms));
	return WL_OK;
}

/* For /overdue: "respond 超时 25 分钟" for each late clock of the case. */
int engine_sla_late(const struct engine_in *in, const json_t *c, char *buf,
		    size_t size)
{
	const char *stored = case_get(c, "sla");
	struct sla_state st;
	size_t used = 0;
	int late = 0;

	buf[0] = '\0';
	if (!in->sla || !stored ||
	    sla_state_load(stored, strlen(stored), &st) != WL_OK)
		return 0;
	for (int k = 0; k < SLA_N_CLOCKS; k++) {
		int64_t ms;
		int w;

		if (st.clock[k].run != SLA_RUNNING &&
		    st.clock[k].run != SLA_PAUSED)
			continue;
		if (!sla_breached(&st, (enum sla_clock)k, in->now_ms))
			continue;
		ms = sla_late_ms(in->sla, &st, (enum sla_clock)k, in->now_ms);
		w = snprintf(buf + used, size - used, "%s%s超时%lld分钟",
			     late ? "，" : "",
			     sla_clock_label((enum sla_clock)k),
			     (long long)(ms / 60000));
		if (w > 0 && (size_t)w < size - used)
			used += (size_t)w;
		late++;
	}
	return late;
}

int64_t engine_sla_max_late(const struct sla_conf *sla, const json_t *c,
			    int64_t now)
{
	const char *stored = case_get(c, "sla");
	struct sla_state st;
	int64_t worst = -1;

	if (!sla || !stored ||
	    sla_state_load(stored, strlen(stored), &st) != WL_OK)
		return -1;
	for (int k = 0; k < SLA_N_CLOCKS; k++) {
		int64_t ms;

		if (st.clock[k].run != SLA_RUNNING &&
		    st.clock[k].run != SLA_PAUSED)
			continue;
		if (!sla_breached(&st, (enum sla_clock)k, now))
			continue;
		ms = sla_late_ms(sla, &st, (enum sla_clock)k, now);
		if (ms > worst)
			worst = ms;
	}
	return worst;
}

size_t engine_sla_overdue(const struct engine_in *in, const json_t *cases,
			  const struct wl_staff *st, struct buf *out)
{
	const struct wl_config *cfg = in->cfg;
	size_t total = 0, i;
	const json_t *c;

	for (size_t a = 0; a < cfg->n_areas; a++) {
		bool head = false;

		if (st && !case_staff_may_act(cfg, st, (int)a))
			continue;
		json_array_foreach(cases, i, c)
		{
			char late[256], *line;

			/* A closed or cancelled case has no running clock,
			 * so engine_sla_late() passes it over. */
			if (!case_get(c, "area") ||
			    strcmp(case_get(c, "area"), cfg->areas[a].id) ||
			    engine_sla_late(in, c, late, sizeof(late)) == 0)
				continue;
			if (!head) {
				char *path = case_area_path(cfg, (int)a);

				buf_addf(out, "\n【%s】", path ? path : "");
				free(path);
				head = true;
			}
			line = case_line(cfg, c);
			buf_addf(out, "\n%s：%s", line ? line : "", late);
			free(line);
			total++;
		}
	}
	return total;
}
