/*
 * test_report_monthly.c — the monthly progress summary (report_monthly.c)
 * from a December built in code: cases opened in November and handled in
 * December, the month's first and last instants, a cancelled case, a case
 * whose area left the config, visits of the same person twice, problems
 * from visits, hazards and 12345, and response-time clocks run through
 * the real clock table (sla_apply_event) so their stored state is what
 * the engine writes. Every number is worked out by hand in the comments;
 * then the chat text, the caps on categories and on the overdue list,
 * and the month's edges.
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

#include "config.h"
#include "report.h"
#include "sla.h"
#include "wl.h"

static const char test_cfg[] =
    "{\"timezone\": \"Asia/Shanghai\", \"flows_dir\": \"flows\","
    " \"channels\": [{\"id\": \"demo\", \"type\": \"generic\","
    "   \"secret\": \"s3cret\","
    "   \"callback_url\": \"http://127.0.0.1:9000/out\"}],"
    " \"areas\": [{\"id\": \"tdj\", \"name\": \"太行东街街道\","
    "   \"level\": \"street\", \"children\": ["
    "   {\"id\": \"c-hd\", \"name\": \"惠丰社区\", \"level\": \"community\","
    "    \"children\": [{\"id\": \"g-hd-1\", \"name\": \"惠丰第一网格\","
    "      \"level\": \"grid\"}]},"
    "   {\"id\": \"c-xh\", \"name\": \"新华社区\", \"level\": \"community\"}"
    " ]}],"
    " \"staff\": [{\"id\": \"wang\", \"name\": \"王芳\","
    "   \"role\": \"grid_worker\", \"area\": \"g-hd-1\","
    "   \"chat\": {\"channel\": \"demo\", \"id\": \"u-wang\"}},"
    "  {\"id\": \"sun\", \"name\": \"孙丽\", \"role\": \"community_staff\","
    "   \"area\": \"c-xh\", \"chat\": {\"channel\": \"demo\", \"id\": "
    "\"u-sun\"}}],"
    " \"sla\": {\"respond_s\": 3600, \"handle_s\": 86400,"
    "   \"feedback_s\": 259200}}";

/* "YYYY-MM-DD HH:MM:SS.mmm" Beijing time → ms, through timegm(). */
static int64_t bj(const char *s)
{
	struct tm tm;
	int ms = 0;

	memset(&tm, 0, sizeof(tm));
	assert_true(sscanf(s, "%d-%d-%d %d:%d:%d.%d", &tm.tm_year, &tm.tm_mon,
			   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec,
			   &ms) >= 5);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return ((int64_t)timegm(&tm) - 8 * 3600) * 1000 + ms;
}

/* The same as a Redis hash holds it. */
static const char *bjs(const char *s)
{
	static char ring[64][24];
	static int next;
	char *out = ring[next++ % 64];

	snprintf(out, 24, "%lld", (long long)bj(s));
	return out;
}

/* A case's stored clocks after the given events (created, claimed,
 * resolved, feedback; NULL for one that did not happen), through the
 * default clock table: 1 h / 24 h / 3 d. */
static const char *sla_of(const char *created, const char *claimed,
			  const char *resolved, const char *feedback)
{
	static char ring[32][SLA_STATE_MAX_BYTES];
	static int next;
	char *out = ring[next++ % 32], *dump = NULL;
	struct sla_conf conf;
	struct sla_case info;
	struct sla_state st;
	size_t len = 0;

	sla_conf_init(&conf);
	memset(&info, 0, sizeof(info));
	sla_state_init(&st);
	assert_int_equal(sla_apply_event(&conf, &info, &st, SLA_EV_CREATED,
					 bj(created), NULL),
			 WL_OK);
	if (claimed)
		assert_int_equal(sla_apply_event(&conf, &info, &st,
						 SLA_EV_CLAIMED, bj(claimed),
						 NULL),
				 WL_OK);
	if (resolved)
		assert_int_equal(sla_apply_event(&conf, &info, &st,
						 SLA_EV_RESOLVED, bj(resolved),
						 NULL),
				 WL_OK);
	if (feedback)
		assert_int_equal(sla_apply_event(&conf, &info, &st,
						 SLA_EV_FEEDBACK, bj(feedback),
						 NULL),
				 WL_OK);
	assert_int_equal(sla_state_dump(&st, &dump, &len), WL_OK);
	assert_true(len < SLA_STATE_MAX_BYTES);
	memcpy(out, dump, len + 1);
	free(dump);
	return out;
}

struct world {
	struct wl_config *cfg;
	struct report_data d;
	struct report_query q;
	struct report_monthly m;
};

/* A case hash: key/value strings, NULL-terminated. */
static void add_case(struct world *w, ...)
{
	json_t *c = json_object();
	va_list ap;
	const char *k;

	va_start(ap, w);
	while ((k = va_arg(ap, const char *)) != NULL)
		json_object_set_new(c, k,
				    json_string(va_arg(ap, const char *)));
	va_end(ap);
	json_array_append_new(w->d.cases, c);
}

static void add_visit(struct world *w, const char *id, const char *at,
		      const char *data)
{
	json_t *d = json_loads(data, 0, NULL);

	assert_non_null(d);
	json_array_append_new(
	    w->d.visits,
	    json_pack("{s:s, s:s, s:o}", "id", id, "at", bjs(at), "data", d));
}

#define NOW "2025-12-19 09:00:00"

/*
 * December 2025, seen on the 19th at 09:00 (the job's time):
 *
 * C1  Nov 28 opened (取暖, grid of 惠丰), claimed Nov 28, resolved Dec 2
 *     (取暖煤 2人次) → handle missed (deadline Nov 29 10:00), counted in
 *     December; feedback running since Dec 2, deadline Dec 5 10:00:
 *     overdue 13天23小时.
 * C2  Dec 3 (取暖, 新华): claimed after 20 min, resolved that evening
 *     (临时救助 1人次 1500元), feedback Dec 5 → closed; met ×3.
 * C3  Dec 10 09:00 (生活物资, 惠丰), nobody claimed it: respond 8天23小时
 *     and handle 8天0小时 overdue.
 * C4  Dec 18 20:00 (取暖, from a visit, grid), claimed 22:00: respond
 *     missed; handle due Dec 19 20:00, not late; an open problem not late.
 * C5  cancelled (a hazard): counts nowhere.
 * C6  opened at exactly now (医疗) in an area the config lost: 街道本级.
 * C7  a visit problem of Nov 20 (安全隐患, 新华), no clocks stored,
 *     resolved Dec 8 (棉被 1人次): solved, fixed this month.
 * C8  12345, Nov 25 (供暖, the street), held by 王芳, its own deadline
 *     Dec 1: handle 22天23小时 overdue; a late open problem.
 * C9  Dec 15 (取暖, 惠丰), resolved the same day (取暖炉具 1人次), no
 *     feedback: 15小时0分 overdue.
 * C10 a hazard of November, closed in November.
 * C11 Dec 1 00:00:00.000 (取暖, 新华): in. C12 Nov 30 23:59:59.999: out.
 */
static void scenario(struct world *w)
{
	add_case(
	    w, "no", "1", "status", "resolved", "source", "flow:help", "area",
	    "g-hd-1", "category", "取暖", "created", bjs("2025-11-28 10:00:00"),
	    "claimed_at", bjs("2025-11-28 10:30:00"), "resolved_at",
	    bjs("2025-12-02 10:00:00"), "claimed_by", "wang", "measure",
	    "取暖煤", "measure_kind", "3", "person_times", "2", "name",
	    "刘桂兰", "phone", "13800000001", "person_category", "低保", "sla",
	    sla_of("2025-11-28 10:00:00", "2025-11-28 10:30:00",
		   "2025-12-02 10:00:00", NULL),
	    NULL);
	add_case(w, "no", "2", "status", "closed", "source", "flow:help",
		 "area", "c-xh", "category", "取暖", "created",
		 bjs("2025-12-03 08:00:00"), "claimed_at",
		 bjs("2025-12-03 08:20:00"), "resolved_at",
		 bjs("2025-12-03 20:00:00"), "feedback_at",
		 bjs("2025-12-05 09:00:00"), "claimed_by", "sun", "measure",
		 "临时救助", "measure_kind", "2", "person_times", "1",
		 "amount_fen", "150000", "name", "赵大爷", "phone",
		 "13800000002", "person_category", "特困", "sla",
		 sla_of("2025-12-03 08:00:00", "2025-12-03 08:20:00",
			"2025-12-03 20:00:00", "2025-12-05 09:00:00"),
		 NULL);
	add_case(w, "no", "3", "status", "new", "source", "flow:help", "area",
		 "c-hd", "category", "生活物资", "created",
		 bjs("2025-12-10 09:00:00"), "sla",
		 sla_of("2025-12-10 09:00:00", NULL, NULL, NULL), NULL);
	add_case(
	    w, "no", "4", "status", "claimed", "source", "visit", "area",
	    "g-hd-1", "category", "取暖", "created", bjs("2025-12-18 20:00:00"),
	    "claimed_at", bjs("2025-12-18 22:00:00"), "claimed_by", "wang",
	    "sla",
	    sla_of("2025-12-18 20:00:00", "2025-12-18 22:00:00", NULL, NULL),
	    NULL);
	add_case(
	    w, "no", "5", "status", "cancelled", "source", "flow:hazard",
	    "area", "c-hd", "category", "取暖", "created",
	    bjs("2025-12-05 10:00:00"), "claimed_at",
	    bjs("2025-12-05 12:00:00"), "sla",
	    sla_of("2025-12-05 10:00:00", "2025-12-05 12:00:00", NULL, NULL),
	    NULL);
	add_case(w, "no", "6", "status", "new", "source", "flow:help", "area",
		 "gone", "category", "医疗", "created", bjs(NOW), "sla",
		 sla_of(NOW, NULL, NULL, NULL), NULL);
	add_case(w, "no", "7", "status", "resolved", "source", "visit", "area",
		 "c-xh", "category", "安全隐患", "created",
		 bjs("2025-11-20 10:00:00"), "claimed_at",
		 bjs("2025-11-20 10:10:00"), "resolved_at",
		 bjs("2025-12-08 16:00:00"), "measure", "棉被", "measure_kind",
		 "3", "person_times", "1", "amount_fen", "20000", "name",
		 "王奶奶", "person_category", "特殊困难老年人", NULL);
	add_case(
	    w, "no", "8", "status", "claimed", "source", "12345", "area", "tdj",
	    "category", "供暖", "created", bjs("2025-11-25 10:00:00"),
	    "claimed_at", bjs("2025-11-25 10:20:00"), "claimed_by", "wang",
	    "ext_deadline_ms", bjs("2025-12-01 00:00:00"), "sla",
	    sla_of("2025-11-25 10:00:00", "2025-11-25 10:20:00", NULL, NULL),
	    NULL);
	add_case(w, "no", "9", "status", "resolved", "source", "flow:help",
		 "area", "c-hd", "category", "取暖", "created",
		 bjs("2025-12-15 10:00:00"), "claimed_at",
		 bjs("2025-12-15 10:10:00"), "resolved_at",
		 bjs("2025-12-15 18:00:00"), "claimed_by", "wang", "measure",
		 "取暖炉具", "measure_kind", "3", "person_times", "1", "sla",
		 sla_of("2025-12-15 10:00:00", "2025-12-15 10:10:00",
			"2025-12-15 18:00:00", NULL),
		 NULL);
	add_case(w, "no", "10", "status", "closed", "source", "flow:hazard",
		 "area", "c-hd", "category", "安全隐患", "created",
		 bjs("2025-11-10 10:00:00"), "resolved_at",
		 bjs("2025-11-12 10:00:00"), "feedback_at",
		 bjs("2025-11-13 10:00:00"), "measure", "其他", "measure_kind",
		 "5", NULL);
	add_case(w, "no", "11", "status", "new", "source", "flow:help", "area",
		 "c-xh", "category", "取暖", "created",
		 bjs("2025-12-01 00:00:00.000"), NULL);
	add_case(w, "no", "12", "status", "new", "source", "flow:help", "area",
		 "c-xh", "category", "取暖", "created",
		 bjs("2025-11-30 23:59:59.999"), NULL);

	/* 李大爷 twice (one person), 陈阿姨 placed by the village on the
	 * form; the last one is November's. */
	add_visit(w, "1", "2025-12-04 10:00:00",
		  "{\"name\": \"李大爷\", \"age\": 80, \"person_category\":"
		  " \"特殊困难老年人\", \"staff\": \"wang\", \"area\":"
		  " \"g-hd-1\"}");
	add_visit(w, "2", "2025-12-12 15:00:00",
		  "{\"name\": \"李大爷\", \"age\": 80, \"person_category\":"
		  " \"特殊困难老年人\", \"staff\": \"wang\", \"area\":"
		  " \"g-hd-1\"}");
	add_visit(w, "3", "2025-12-06 09:30:00",
		  "{\"name\": \"陈阿姨\", \"age\": 70, \"person_category\":"
		  " \"低保边缘户\", \"village\": \"新华社区\"}");
	add_visit(w, "4", "2025-11-30 23:59:59.999",
		  "{\"name\": \"周叔\", \"age\": 60, \"person_category\":"
		  " \"低保\", \"area\": \"c-xh\"}");
}

static int setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));
	struct wl_diag diag;

	diag_init(&diag);
	w->cfg =
	    config_load_string(test_cfg, strlen(test_cfg), "t.json", &diag);
	for (size_t i = 0; !w->cfg && i < diag.n; i++)
		print_message("%s\n", diag.lines[i]);
	diag_release(&diag);
	if (!w->cfg)
		return -1;
	report_data_init(&w->d);
	w->d.cases = json_array();
	w->d.visits = json_array();
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;

	report_monthly_release(&w->m);
	report_data_release(&w->d);
	config_free(w->cfg);
	free(w);
	return 0;
}

static void compute(struct world *w, const char *now)
{
	report_month_query(w->cfg, bj(now), &w->q);
	assert_int_equal(report_monthly_compute(w->cfg, &w->d, &w->q, &w->m),
			 WL_OK);
}

static void test_month_query(void **state)
{
	struct world *w = *state;
	struct report_query q;

	report_month_query(w->cfg, bj(NOW), &q);
	assert_true(q.bounded);
	assert_int_equal(q.from_ms, bj("2025-12-01 00:00:00"));
	assert_int_equal(q.to_ms, bj(NOW) + 1);
	assert_int_equal(q.to_day - q.from_day, 18);
	assert_int_equal(q.area, -1);
	assert_int_equal(q.utc_offset_s, 8 * 3600);
	/* The last instant of a month, and the first of the next. */
	report_month_query(w->cfg, bj("2025-12-31 23:59:59.999"), &q);
	assert_int_equal(q.from_ms, bj("2025-12-01 00:00:00"));
	report_month_query(w->cfg, bj("2026-01-01 00:00:00"), &q);
	assert_int_equal(q.from_ms, bj("2026-01-01 00:00:00"));
	assert_int_equal(q.to_ms, q.from_ms + 1);
	/* UTC 2025-11-30 16:00 is already December 1st in Beijing. */
	report_month_query(w->cfg, bj("2025-12-01 00:00:00") + 1000, &q);
	assert_int_equal(q.from_ms, bj("2025-12-01 00:00:00"));
}

static void test_cases_and_categories(void **state)
{
	struct world *w = *state;
	const struct report_monthly *m = &w->m;

	scenario(w);
	compute(w, NOW);
	/* Received: C2 C3 C4 C6 C9 C11. Claimed: C2 C4 C9. Resolved: C1 C2
	 * C7 C9. Closed: C2 (C10 closed in November). */
	assert_int_equal(m->received, 6);
	assert_int_equal(m->claimed, 3);
	assert_int_equal(m->resolved, 4);
	assert_int_equal(m->closed, 1);
	/* 取暖: received C2 C4 C9 C11, claimed C2 C4 C9, resolved C1 C2 C9,
	 * closed C2; then in the order met: 生活物资 (C3), 医疗 (C6),
	 * 安全隐患 (C7 resolved). 供暖 (C8) had nothing this month. */
	assert_int_equal(m->n_cats, 4);
	assert_string_equal(m->cats[0].name, "取暖");
	assert_int_equal(m->cats[0].received, 4);
	assert_int_equal(m->cats[0].claimed, 3);
	assert_int_equal(m->cats[0].resolved, 3);
	assert_int_equal(m->cats[0].closed, 1);
	assert_string_equal(m->cats[1].name, "生活物资");
	assert_int_equal(m->cats[1].received, 1);
	assert_string_equal(m->cats[2].name, "医疗");
	assert_int_equal(m->cats[2].received, 1);
	assert_string_equal(m->cats[3].name, "安全隐患");
	assert_int_equal(m->cats[3].received, 0);
	assert_int_equal(m->cats[3].resolved, 1);
}

static void test_help_visits_problems(void **state)
{
	struct world *w = *state;
	const struct report_monthly *m = &w->m;
	const struct report_weekly_row *t, *hd, *xh, *st;

	scenario(w);
	compute(w, NOW);
	/* Rows: 惠丰社区, 新华社区, 街道本级, 合计. */
	assert_int_equal(m->help.n_rows, 4);
	hd = &m->help.rows[0];
	xh = &m->help.rows[1];
	st = &m->help.rows[2];
	t = &m->help.rows[3];
	assert_string_equal(hd->name, "惠丰社区");
	assert_true(st->street_own);
	assert_true(t->total);
	/* Money: C2's 临时救助. Goods: C9 炉具 1, C1 煤 2, C7 棉被 1. */
	assert_int_equal(t->relief_times, 1);
	assert_int_equal(t->relief_fen, 150000);
	assert_int_equal(t->n_goods, 3);
	assert_string_equal(t->goods[0].name, "取暖炉具");
	assert_string_equal(t->goods[1].name, "取暖煤");
	assert_int_equal(t->goods[1].times, 2);
	assert_string_equal(t->goods[2].name, "棉被");
	assert_int_equal(t->goods_times, 4);
	/* Found: C4 (a visit case opened this month); solved: C7. */
	assert_int_equal(t->found, 1);
	assert_int_equal(t->solved, 1);
	assert_int_equal(hd->found, 1);
	assert_int_equal(xh->solved, 1);
	/* People: 刘桂兰 低保 (C1), 赵大爷 特困 (C2), 王奶奶 (C7) and 李大爷
	 * 特殊困难老年人, 陈阿姨 其他; C9 has nobody named. */
	assert_int_equal(t->persons[REPORT_DIBAO], 1);
	assert_int_equal(t->persons[REPORT_TEKUN], 1);
	assert_int_equal(t->persons[REPORT_ELDERLY], 2);
	assert_int_equal(t->persons[REPORT_CHILD], 0);
	assert_int_equal(t->persons[REPORT_OTHERS], 1);
	/* Received per unit: 惠丰 C3 C4 C9; 新华 C2 C11; 街道本级 C6. Resolved:
	 * 惠丰 C1 C9; 新华 C2 C7. */
	assert_int_equal(m->units[0].received, 3);
	assert_int_equal(m->units[1].received, 2);
	assert_int_equal(m->units[2].received, 1);
	assert_int_equal(m->units[3].received, 6);
	assert_int_equal(m->units[0].resolved, 2);
	assert_int_equal(m->units[1].resolved, 2);
	assert_int_equal(m->units[2].resolved, 0);
	assert_int_equal(m->units[3].resolved, 4);
	/* Visits: three records this month, two people. */
	assert_int_equal(m->visit_records, 3);
	assert_int_equal(m->visit_people, 2);
	/* Problems: C4 C7 C8 C10 (C5 is cancelled); done C7 C10; open C4
	 * C8, C8 past its own deadline; new C4; fixed C7. */
	assert_int_equal(m->problems, 4);
	assert_int_equal(m->problems_done, 2);
	assert_int_equal(m->problems_open, 2);
	assert_int_equal(m->problems_late, 1);
	assert_int_equal(m->problems_new, 1);
	assert_int_equal(m->problems_fixed, 1);
}

static void test_clocks_and_overdue(void **state)
{
	struct world *w = *state;
	const struct report_monthly *m = &w->m;

	scenario(w);
	compute(w, NOW);
	/* Respond: met C2 C9, missed C4 (C1, C8 stopped in November).
	 * Handle: met C2 C9, missed C1. Feedback: met C2. */
	assert_int_equal(m->met[SLA_RESPOND], 2);
	assert_int_equal(m->missed[SLA_RESPOND], 1);
	assert_int_equal(m->met[SLA_HANDLE], 2);
	assert_int_equal(m->missed[SLA_HANDLE], 1);
	assert_int_equal(m->met[SLA_FEEDBACK], 1);
	assert_int_equal(m->missed[SLA_FEEDBACK], 0);
	/* Overdue now: C8 (handle), C1 (feedback), C3 (respond, handle),
	 * C9 (feedback); most overdue first. */
	assert_int_equal(m->overdue, 4);
	assert_int_equal(m->overdue_by[SLA_RESPOND], 1);
	assert_int_equal(m->overdue_by[SLA_HANDLE], 2);
	assert_int_equal(m->overdue_by[SLA_FEEDBACK], 2);
	assert_int_equal(m->n_late, 4);
	assert_string_equal(m->late[0].no, "8");
	assert_int_equal(m->late[0].worst_ms, bj(NOW) - bj("2025-11-26 10:00"));
	assert_string_equal(m->late[0].staff, "王芳");
	assert_string_equal(m->late[1].no, "1");
	assert_int_equal(m->late[1].clocks, 1u << SLA_FEEDBACK);
	assert_string_equal(m->late[2].no, "3");
	assert_int_equal(m->late[2].clocks,
			 (1u << SLA_RESPOND) | (1u << SLA_HANDLE));
	assert_int_equal(m->late[2].late_ms[SLA_HANDLE], 8LL * 86400000);
	assert_string_equal(m->late[2].staff, "");
	assert_string_equal(m->late[3].no, "9");
	assert_int_equal(m->late[3].worst_ms, 15LL * 3600000);
}

static const char *has(const char *text, const char *want)
{
	const char *p = strstr(text, want);

	if (!p)
		fprintf(stderr, "missing: %s\nin:\n%s\n", want, text);
	assert_non_null(p);
	return p;
}

static void test_text(void **state)
{
	struct world *w = *state;
	struct buf out = BUF_INIT;
	const char *p8, *p1, *p3, *p9;

	scenario(w);
	compute(w, NOW);
	assert_int_equal(report_monthly_format(w->cfg, &w->m, &out), WL_OK);
	assert_non_null(out.s);
	assert_ptr_equal(has(out.s, "【救助进展和整改情况月度小结】2025年12月"
				    "1日至12月19日（截至2025-12-19 09:00）"),
			 out.s);
	has(out.s, "本月收到6件，认领3件，办结4件，回访完成1件。");
	has(out.s, "\n· 取暖：收到4，认领3，办结3，回访1");
	has(out.s, "\n· 安全隐患：收到0，认领0，办结1，回访0");
	has(out.s, "救助1人次，支出金额0.15万元；其他救助方式取暖炉具1人次、"
		   "取暖煤2人次、棉被1人次，共4人次。");
	has(out.s, "低保1人，特困对象1人，特殊困难老年人2人，困境儿童0人，"
		   "其他困难群众1人。");
	has(out.s, "走访2户（3份记录），发现急难愁盼问题1个，解决1个。");
	has(out.s, "本月新增问题1个，整改完成1个；问题台账累计4个，已整改2个，"
		   "未整改2个（其中超过整改时限1个）。");
	has(out.s, "\n· 响应：按时2件，超时1件，按时率66.7%");
	has(out.s, "\n· 反馈：按时1件，超时0件，按时率100.0%");
	has(out.s, "当前逾期：4件（响应1，处置2，反馈2）");
	p8 = has(out.s, "\n· 工单8（太行东街街道，供暖，王芳）：处置已过时限"
			"22天23小时");
	p1 = has(out.s, "\n· 工单1（惠丰社区 惠丰第一网格，取暖，"
			"王芳）：反馈已过时限13天23小时");
	p3 = has(out.s, "\n· 工单3（惠丰社区，生活物资，未认领）："
			"响应已过时限8天23小时，处置已过时限8天0小时");
	p9 = has(out.s, "反馈已过时限15小时0分");
	assert_true(p8 < p1 && p1 < p3 && p3 < p9);
	has(out.s, "\n· 惠丰社区：收到3件，办结2件；救助0人次0.00万元，"
		   "其他救助3人次；发现问题1个，解决0个");
	has(out.s, "\n· 街道本级：收到1件，办结0件");
	assert_null(strstr(out.s, "另有"));
	assert_null(strstr(out.s, "合计："));
	buf_release(&out);
}

static void test_empty_month(void **state)
{
	struct world *w = *state;
	struct buf out = BUF_INIT;

	compute(w, NOW);
	assert_int_equal(report_monthly_format(w->cfg, &w->m, &out), WL_OK);
	has(out.s, "本月收到0件，认领0件，办结0件，回访完成0件。");
	has(out.s, "其他救助方式无。");
	has(out.s, "\n· 处置：按时0件，超时0件，按时率—");
	has(out.s, "当前逾期：无。");
	assert_null(strstr(out.s, "按需求类别"));
	buf_release(&out);
}

/* 30 categories keep 23 and fold 7 into 其他; 12 overdue cases list 10,
 * most overdue first. */
static void test_caps(void **state)
{
	struct world *w = *state;
	struct buf out = BUF_INIT;
	const struct report_monthly *m = &w->m;

	for (int i = 0; i < 30; i++) {
		char no[8], cat[16], created[32];

		snprintf(no, sizeof(no), "%d", 100 + i);
		snprintf(cat, sizeof(cat), "类别%02d", i);
		/* Case 100 is the oldest, so the most overdue. */
		snprintf(created, sizeof(created), "2025-12-%02d 08:00:00",
			 1 + i % 12);
		add_case(w, "no", no, "status", "new", "area", "c-hd",
			 "category", cat, "created", bjs(created), "sla",
			 i < 12 ? sla_of(created, NULL, NULL, NULL) : "", NULL);
	}
	compute(w, NOW);
	assert_int_equal(m->received, 30);
	assert_int_equal(m->n_cats, REPORT_MONTHLY_CATS);
	assert_string_equal(m->cats[0].name, "其他");
	assert_int_equal(m->cats[0].received, 7);
	assert_string_equal(m->cats[1].name, "类别00");
	assert_string_equal(m->cats[REPORT_MONTHLY_CATS - 1].name, "类别22");
	assert_int_equal(m->overdue, 12);
	assert_int_equal(m->n_late, REPORT_MONTHLY_LATE);
	assert_string_equal(m->late[0].no, "100");
	assert_string_equal(m->late[9].no, "109");
	assert_int_equal(report_monthly_format(w->cfg, m, &out), WL_OK);
	has(out.s, "……另有2件，发送“逾期”查看全部。");
	assert_null(strstr(out.s, "工单110"));
	buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_month_query, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cases_and_categories, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_help_visits_problems, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_clocks_and_overdue, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_text, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_empty_month, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_caps, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
