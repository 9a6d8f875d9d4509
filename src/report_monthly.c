/*
 * report_monthly.c — the monthly progress summary for chat: the street
 * office's plan has every community report "救助进展、整改情况" before the
 * 20th of each month, so on the 19th the duty chats get the month so far
 * in words: cases received and handled by need category, the help given
 * (the 附件2 numbers, counted exactly as the weekly table counts them),
 * visits, the problem ledger, how the response-time rule was kept, and
 * what is overdue now.
 *
 * report_monthly_compute() and report_monthly_format() are pure (the
 * query carries "now"); report_monthly_text() reads Redis through
 * report_load(). docs/REPORTS.md §11 defines every number.
 */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "case.h"
#include "sla.h"
#include "text.h"
#include "wl.h"

#define RM_OTHER_CAT "其他"
#define RM_NO_CAT    "未分类"

/* A non-empty string field, or NULL. */
static const char *rm_str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s && *s ? s : NULL;
}

/* An integer stored as a string of digits (a Redis hash) or a number. */
static bool rm_ll(const json_t *o, const char *k, long long *out)
{
	const json_t *v = json_object_get(o, k);
	const char *s;
	char *end;

	if (json_is_integer(v)) {
		*out = (long long)json_integer_value(v);
		return true;
	}
	s = json_string_value(v);
	if (!s || !*s)
		return false;
	*out = strtoll(s, &end, 10);
	return *end == '\0';
}

/* Copies src into dst, cut on a character boundary. */
static void rm_copy(char *dst, size_t size, const char *src)
{
	size_t len = strlen(src), i = 0;

	while (i < len) {
		uint32_t cp;
		size_t n = text_utf8_decode(src + i, len - i, &cp);

		if (n == 0)
			n = 1;
		if (i + n >= size)
			break;
		i += n;
	}
	memcpy(dst, src, i);
	dst[i] = '\0';
}

static bool rm_in(long long t, const struct report_query *q)
{
	return t >= q->from_ms && t < q->to_ms;
}

static bool rm_status(const json_t *c, const char *st)
{
	const char *s = rm_str(c, "status");

	return s && strcmp(s, st) == 0;
}

static bool rm_done(const json_t *c)
{
	return rm_status(c, "resolved") || rm_status(c, "closed");
}

void report_month_query(const struct wl_config *cfg, int64_t now_ms,
			struct report_query *q)
{
	int32_t off = 8 * 3600, day;
	int y, m, d;

	memset(q, 0, sizeof(*q));
	if (cfg->timezone && sla_tz_offset(cfg->timezone, &off) != WL_OK)
		off = 8 * 3600;
	day = sla_local_day(now_ms, off, NULL);
	sla_civil_from_day(day, &y, &m, &d);
	q->kind = REPORT_WEEKLY; /* report_load reads what the table needs */
	q->bounded = true;
	q->from_day = day - (d - 1);
	q->to_day = day;
	q->from_ms = sla_local_to_utc(q->from_day, 0, off);
	q->to_ms = now_ms + 1; /* up to now, inclusive */
	q->utc_offset_s = off;
	q->area = -1;
	q->now_ms = now_ms;
}

/* The row of the monthly table an area's records fall in, as the weekly
 * table places them: the nearest community, else the nearest street's
 * own row; an area the config no longer has goes to the first street's
 * own row. -1 when there is no such row. */
static int rm_row(const struct wl_config *cfg, const struct report_weekly *w,
		  int area)
{
	int unit = -1;

	for (int a = area; a >= 0 && unit < 0; a = cfg->areas[a].parent)
		if (cfg->areas[a].level == LEVEL_COMMUNITY)
			unit = a;
	for (int a = area; a >= 0 && unit < 0; a = cfg->areas[a].parent)
		if (cfg->areas[a].level == LEVEL_STREET)
			unit = a;
	for (size_t i = 0; i + 1 < w->n_rows; i++)
		if (unit < 0 ? w->rows[i].street_own : w->rows[i].area == unit)
			return (int)i;
	return -1;
}

static int rm_area(const struct wl_config *cfg, const json_t *c)
{
	const char *a = rm_str(c, "area");

	return a ? config_area_index(cfg, a) : -1;
}

/* The category's counters; past REPORT_MONTHLY_CATS - 1 names, the rest
 * fold into 其他 (the last slot is kept for it). */
static struct report_monthly_cat *rm_cat(struct report_monthly *m,
					 const char *name)
{
	char key[sizeof(m->cats[0].name)];

	rm_copy(key, sizeof(key), name ? name : RM_NO_CAT);
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < m->n_cats; i++)
			if (strcmp(m->cats[i].name, key) == 0)
				return &m->cats[i];
		if (m->n_cats < REPORT_MONTHLY_CATS - 1 ||
		    (m->n_cats < REPORT_MONTHLY_CATS &&
		     strcmp(key, RM_OTHER_CAT) == 0)) {
			struct report_monthly_cat *c = &m->cats[m->n_cats++];

			memset(c, 0, sizeof(*c));
			memcpy(c->name, key, strlen(key) + 1);
			return c;
		}
		rm_copy(key, sizeof(key), RM_OTHER_CAT);
	}
	return &m->cats[REPORT_MONTHLY_CATS - 1]; /* not reached */
}

/* Most received first; equal ones keep the order they were met in. */
static void rm_sort_cats(struct report_monthly *m)
{
	for (size_t i = 1; i < m->n_cats; i++) {
		struct report_monthly_cat c = m->cats[i];
		size_t j = i;

		for (; j > 0 && m->cats[j - 1].received < c.received; j--)
			m->cats[j] = m->cats[j - 1];
		m->cats[j] = c;
	}
}

static const char *rm_staff_name(const struct wl_config *cfg, const char *id)
{
	for (size_t i = 0; id && i < cfg->n_staff; i++)
		if (strcmp(cfg->staff[i].id, id) == 0)
			return cfg->staff[i].name;
	return id;
}

/* Keeps the REPORT_MONTHLY_LATE most overdue, most overdue first. */
static void rm_late_add(struct report_monthly *m,
			const struct report_monthly_late *l)
{
	size_t i = m->n_late;

	if (i == REPORT_MONTHLY_LATE) {
		if (m->late[i - 1].worst_ms >= l->worst_ms)
			return;
		i--;
	} else {
		m->n_late++;
	}
	for (; i > 0 && m->late[i - 1].worst_ms < l->worst_ms; i--)
		m->late[i] = m->late[i - 1];
	m->late[i] = *l;
}

/* The response-time clocks of one case: the ones that stopped in the
 * month, and the ones past their deadline now if it is open. */
static void rm_clocks(const struct wl_config *cfg, const json_t *c,
		      const struct report_query *q, struct report_monthly *m)
{
	const char *stored = rm_str(c, "sla");
	bool open = rm_status(c, "new") || rm_status(c, "claimed") ||
		    rm_status(c, "resolved");
	struct report_monthly_late l;
	struct sla_state st;

	if (!stored || sla_state_load(stored, strlen(stored), &st) != WL_OK)
		return;
	memset(&l, 0, sizeof(l));
	for (int k = 0; k < SLA_N_CLOCKS; k++) {
		const struct sla_clock_state *cs = &st.clock[k];
		int64_t at;

		if ((cs->run == SLA_MET || cs->run == SLA_MISSED) &&
		    rm_in(cs->stopped_ms, q)) {
			if (cs->run == SLA_MET)
				m->met[k]++;
			else
				m->missed[k]++;
		}
		if (!open ||
		    (cs->run != SLA_RUNNING && cs->run != SLA_PAUSED) ||
		    !sla_breached(&st, (enum sla_clock)k, q->now_ms))
			continue;
		/* Wall time past the deadline (a paused clock stopped
		 * counting when it paused). */
		at = cs->run == SLA_PAUSED ? cs->paused_ms : q->now_ms;
		l.clocks |= 1u << k;
		l.late_ms[k] = at > cs->deadline_ms ? at - cs->deadline_ms : 0;
		if (l.late_ms[k] > l.worst_ms)
			l.worst_ms = l.late_ms[k];
		m->overdue_by[k]++;
	}
	if (!l.clocks)
		return;
	m->overdue++;
	rm_copy(l.no, sizeof(l.no), rm_str(c, "no") ? rm_str(c, "no") : "?");
	l.area = rm_area(cfg, c);
	rm_copy(l.category, sizeof(l.category),
		rm_str(c, "category") ? rm_str(c, "category") : "");
	rm_copy(l.staff, sizeof(l.staff),
		rm_str(c, "claimed_by")
		    ? rm_staff_name(cfg, rm_str(c, "claimed_by"))
		    : "");
	rm_late_add(m, &l);
}

static void rm_problem(const struct wl_config *cfg, const json_t *c,
		       const struct report_query *q, struct report_monthly *m)
{
	long long created, at;
	int64_t dl;

	if (!report_is_problem(c))
		return;
	m->problems++;
	if (rm_ll(c, "created", &created) && rm_in(created, q))
		m->problems_new++;
	if (rm_done(c)) {
		m->problems_done++;
		if (rm_ll(c, "resolved_at", &at) && rm_in(at, q))
			m->problems_fixed++;
		return;
	}
	m->problems_open++;
	dl = report_problem_deadline(cfg, c);
	if (dl > 0 && q->now_ms >= dl)
		m->problems_late++;
}

static int rm_cases(const struct wl_config *cfg, const struct report_data *d,
		    const struct report_query *q, struct report_monthly *m)
{
	struct report_monthly_unit *tot = &m->units[m->help.n_rows - 1];
	size_t i;
	json_t *c;

	json_array_foreach(d->cases, i, c)
	{
		struct report_monthly_cat *cat = NULL;
		const char *cat_s = rm_str(c, "category");
		long long t;
		bool in_created, in_claimed, in_resolved, in_closed;
		int row;

		if (rm_status(c, "cancelled"))
			continue;
		in_created = rm_ll(c, "created", &t) && rm_in(t, q);
		in_claimed = rm_ll(c, "claimed_at", &t) && rm_in(t, q);
		/* As the weekly table: resolved (or since closed) with the
		 * resolve in the period. */
		in_resolved =
		    rm_done(c) && rm_ll(c, "resolved_at", &t) && rm_in(t, q);
		in_closed =
		    rm_status(c, "closed") &&
		    (rm_ll(c, "feedback_at", &t) || rm_ll(c, "updated", &t)) &&
		    rm_in(t, q);
		if (in_created || in_claimed || in_resolved || in_closed)
			cat = rm_cat(m, cat_s);
		row = rm_row(cfg, &m->help, rm_area(cfg, c));
		if (in_created) {
			m->received++;
			cat->received++;
			tot->received++;
			if (row >= 0)
				m->units[row].received++;
		}
		if (in_claimed) {
			m->claimed++;
			cat->claimed++;
		}
		if (in_resolved) {
			m->resolved++;
			cat->resolved++;
			tot->resolved++;
			if (row >= 0)
				m->units[row].resolved++;
		}
		if (in_closed) {
			m->closed++;
			cat->closed++;
		}
		rm_clocks(cfg, c, q, m);
		rm_problem(cfg, c, q, m);
	}
	rm_sort_cats(m);
	return WL_OK;
}

static int rm_key_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Visit records in the month, and how many people they are about (the
 * weekly table's rule for telling people apart). */
static int rm_visits(const struct wl_config *cfg, const struct report_data *d,
		     const struct report_query *q, struct report_monthly *m)
{
	size_t n = json_array_size(d->visits), k = 0, i;
	char **keys = n ? calloc(n, sizeof(*keys)) : NULL;
	json_t *v;
	int rc = WL_OK;

	if (n && !keys)
		return WL_ENOMEM;
	json_array_foreach(d->visits, i, v)
	{
		const json_t *data = json_object_get(v, "data");
		const char *a = rm_str(data, "area");
		int area = a ? config_area_index(cfg, a) : -1;
		long long at;

		if (!rm_ll(v, "at", &at) || !rm_in(at, q))
			continue;
		if (area < 0 && rm_str(data, "village"))
			area = config_area_index(cfg, rm_str(data, "village"));
		keys[k] = report_person_key(data, "visit", rm_str(v, "id"),
					    rm_row(cfg, &m->help, area));
		if (!keys[k]) {
			rc = WL_ENOMEM;
			goto out;
		}
		k++;
	}
	m->visit_records = (long)k;
	if (k)
		qsort(keys, k, sizeof(*keys), rm_key_cmp);
	for (i = 0; i < k; i++)
		if (i == 0 || strcmp(keys[i], keys[i - 1]))
			m->visit_people++;
out:
	for (i = 0; i < k; i++)
		free(keys[i]);
	free(keys);
	return rc;
}

int report_monthly_compute(const struct wl_config *cfg,
			   const struct report_data *d,
			   const struct report_query *q,
			   struct report_monthly *m)
{
	int rc;

	memset(m, 0, sizeof(*m));
	m->q = *q;
	rc = report_weekly_compute(cfg, d, q, &m->help);
	if (rc != WL_OK)
		return rc;
	m->units = calloc(m->help.n_rows, sizeof(*m->units));
	if (!m->units)
		return WL_ENOMEM;
	rc = rm_cases(cfg, d, q, m);
	if (rc == WL_OK)
		rc = rm_visits(cfg, d, q, m);
	return rc;
}

void report_monthly_release(struct report_monthly *m)
{
	report_weekly_release(&m->help);
	free(m->units);
	m->units = NULL;
}

/* ------------------------------------------------------------------ */
/* the text */

/* "3天2小时", "5小时20分", "45分". */
static void rm_dur(int64_t ms, char *buf, size_t size)
{
	long long min = (long long)(ms / 60000);
	long long days = min / 1440, h = min % 1440 / 60, mi = min % 60;

	if (days)
		snprintf(buf, size, "%lld天%lld小时", days, h);
	else if (h)
		snprintf(buf, size, "%lld小时%lld分", h, mi);
	else
		snprintf(buf, size, "%lld分", mi);
}

/* "87.5%", rounded half up; "—" when nothing stopped. */
static void rm_rate(long met, long missed, char *buf, size_t size)
{
	long long total = (long long)met + missed, pm;

	if (total <= 0) {
		snprintf(buf, size, "—");
		return;
	}
	pm = ((long long)met * 1000 + total / 2) / total;
	snprintf(buf, size, "%lld.%lld%%", pm / 10, pm % 10);
}

static void rm_head(const struct report_monthly *m, struct buf *out)
{
	const struct report_query *q = &m->q;
	char made[32];
	int y1, m1, d1, y2, m2, d2;

	sla_civil_from_day(q->from_day, &y1, &m1, &d1);
	sla_civil_from_day(q->to_day, &y2, &m2, &d2);
	if (sla_format_local(q->now_ms, q->utc_offset_s, made, sizeof(made)) <
	    0)
		made[0] = '\0';
	buf_addf(out,
		 "【救助进展和整改情况月度小结】%d年%d月%d日至%d月%d日"
		 "（截至%s）",
		 y1, m1, d1, m2, d2, made);
}

static void rm_cases_text(const struct report_monthly *m, struct buf *out)
{
	buf_addf(out,
		 "\n一、群众诉求：本月收到%ld件，认领%ld件，办结%ld件，"
		 "回访完成%ld件。",
		 m->received, m->claimed, m->resolved, m->closed);
	if (m->n_cats)
		buf_adds(out, "按需求类别：");
	for (size_t i = 0; i < m->n_cats; i++) {
		const struct report_monthly_cat *c = &m->cats[i];

		buf_addf(out, "\n· %s：收到%ld，认领%ld，办结%ld，回访%ld",
			 c->name, c->received, c->claimed, c->resolved,
			 c->closed);
	}
}

static void rm_help_text(const struct report_monthly *m, struct buf *out)
{
	const struct report_weekly_row *t = &m->help.rows[m->help.n_rows - 1];
	char wan[32];

	report_wan_text(t->relief_fen, wan, sizeof(wan));
	buf_addf(out, "\n二、救助情况：救助%ld人次，支出金额%s万元；",
		 t->relief_times, wan);
	if (!t->n_goods) {
		buf_adds(out, "其他救助方式无。");
	} else {
		buf_adds(out, "其他救助方式");
		for (size_t g = 0; g < t->n_goods; g++)
			buf_addf(out, "%s%s%ld人次", g ? "、" : "",
				 t->goods[g].name, t->goods[g].times);
		buf_addf(out, "，共%ld人次。", t->goods_times);
	}
	buf_addf(out,
		 "\n惠及困难群众：低保%ld人，特困对象%ld人，特殊困难老年人"
		 "%ld人，困境儿童%ld人，其他困难群众%ld人。",
		 t->persons[REPORT_DIBAO], t->persons[REPORT_TEKUN],
		 t->persons[REPORT_ELDERLY], t->persons[REPORT_CHILD],
		 t->persons[REPORT_OTHERS]);
	buf_addf(out,
		 "\n三、走访排查：走访%ld户（%ld份记录），发现急难愁盼问题"
		 "%ld个，解决%ld个。",
		 m->visit_people, m->visit_records, t->found, t->solved);
	buf_addf(out,
		 "\n四、整改情况：本月新增问题%ld个，整改完成%ld个；问题台账"
		 "累计%ld个，已整改%ld个，未整改%ld个",
		 m->problems_new, m->problems_fixed, m->problems,
		 m->problems_done, m->problems_open);
	if (m->problems_late)
		buf_addf(out, "（其中超过整改时限%ld个）", m->problems_late);
	buf_adds(out, "。");
}

static void rm_sla_text(const struct wl_config *cfg,
			const struct report_monthly *m, struct buf *out)
{
	buf_adds(out, "\n五、时限落实（本月结束计时的）：");
	for (int k = 0; k < SLA_N_CLOCKS; k++) {
		char rate[32];

		rm_rate(m->met[k], m->missed[k], rate, sizeof(rate));
		buf_addf(out, "\n· %s：按时%ld件，超时%ld件，按时率%s",
			 sla_clock_label((enum sla_clock)k), m->met[k],
			 m->missed[k], rate);
	}
	if (!m->overdue) {
		buf_adds(out, "\n六、当前逾期：无。");
		return;
	}
	buf_addf(out, "\n六、当前逾期：%ld件（", m->overdue);
	for (int k = 0; k < SLA_N_CLOCKS; k++)
		buf_addf(out, "%s%s%ld", k ? "，" : "",
			 sla_clock_label((enum sla_clock)k), m->overdue_by[k]);
	buf_adds(out, "）");
	for (size_t i = 0; i < m->n_late; i++) {
		const struct report_monthly_late *l = &m->late[i];
		char *path = l->area >= 0 ? case_area_path(cfg, l->area) : NULL;
		bool first = true;

		buf_addf(out, "\n· 工单%s（%s", l->no,
			 path ? path : "区域不明");
		free(path);
		if (*l->category)
			buf_addf(out, "，%s", l->category);
		buf_addf(out, "，%s）：", *l->staff ? l->staff : "未认领");
		for (int k = 0; k < SLA_N_CLOCKS; k++) {
			char dur[48];

			if (!(l->clocks & (1u << k)))
				continue;
			rm_dur(l->late_ms[k], dur, sizeof(dur));
			buf_addf(out, "%s%s已过时限%s", first ? "" : "，",
				 sla_clock_label((enum sla_clock)k), dur);
			first = false;
		}
	}
	if ((size_t)m->overdue > m->n_late)
		buf_addf(out, "\n……另有%ld件，发送“逾期”查看全部。",
			 m->overdue - (long)m->n_late);
}

static void rm_units_text(const struct report_monthly *m, struct buf *out)
{
	if (m->help.n_rows < 2)
		return;
	buf_adds(out, "\n七、各单位：");
	for (size_t i = 0; i + 1 < m->help.n_rows; i++) {
		const struct report_weekly_row *r = &m->help.rows[i];
		char wan[32];

		report_wan_text(r->relief_fen, wan, sizeof(wan));
		buf_addf(out,
			 "\n· %s：收到%ld件，办结%ld件；救助%ld人次%s万元，"
			 "其他救助%ld人次；发现问题%ld个，解决%ld个",
			 r->name, m->units[i].received, m->units[i].resolved,
			 r->relief_times, wan, r->goods_times, r->found,
			 r->solved);
	}
}

int report_monthly_format(const struct wl_config *cfg,
			  const struct report_monthly *m, struct buf *out)
{
	if (!m->help.n_rows || !m->units)
		return WL_EBADREQ;
	rm_head(m, out);
	rm_cases_text(m, out);
	rm_help_text(m, out);
	rm_sla_text(cfg, m, out);
	rm_units_text(m, out);
	return out->oom ? WL_ENOMEM : WL_OK;
}

int report_monthly_text(const struct wl_config *cfg, int64_t now_ms,
			struct buf *out)
{
	struct report_query q;
	struct report_data d;
	struct report_monthly m;
	int rc;

	memset(&m, 0, sizeof(m));
	report_month_query(cfg, now_ms, &q);
	report_data_init(&d);
	rc = report_load(cfg, &q, &d);
	if (rc == WL_OK)
		rc = report_monthly_compute(cfg, &d, &q, &m);
	if (rc == WL_OK)
		rc = report_monthly_format(cfg, &m, out);
	report_monthly_release(&m);
	report_data_release(&d);
	return rc;
}
