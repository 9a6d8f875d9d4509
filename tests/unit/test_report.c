/*
 * test_report.c — the weekly table (附件2) and the ledgers from a
 * scenario built in code: two communities and the street over two
 * reporting weeks, with the same person reached twice, a cancelled case,
 * a case resolved the next week, one resolved after a reopen, a
 * street-level case and one whose area left the config. Every cell of
 * the weekly table is checked against sums worked out by hand (in the
 * comments), and the week's edges to the millisecond: Tuesday 23:59:59.999
 * (+08:00) is in, Wednesday 00:00 is the next week. Then the CSV (BOM,
 * header, quoting, formula guard), the JSON, and an XLSX file's
 * container (its cells are read back by tests/integration/t_reports.py).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "report.h"
#include "wl.h"

static const char test_cfg[] =
    "{\"timezone\": \"Asia/Shanghai\","
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

/* "YYYY-MM-DD HH:MM:SS.mmm" Beijing time → ms since the epoch, through
 * timegm() (not through the code under test). */
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

/* The same as the decimal string a Redis hash holds. */
static const char *bjs(const char *s)
{
	static char ring[32][24];
	static int next;
	char *out = ring[next++ % 32];

	snprintf(out, 24, "%lld", (long long)bj(s));
	return out;
}

struct world {
	struct wl_config *cfg;
	struct report_data d;
};

/* A case hash: key/value strings, NULL-terminated. */
static void add_case(struct world *w, ...)
{
	json_t *c = json_object();
	va_list ap;
	const char *k;

	va_start(ap, w);
	while ((k = va_arg(ap, const char *)) != NULL) {
		const char *v = va_arg(ap, const char *);

		/* Redis holds bytes: keep them as they are. */
		json_object_set_new(c, k, json_string_nocheck(v));
	}
	va_end(ap);
	json_array_append_new(w->d.cases, c);
}

static void add_visit(struct world *w, const char *id, const char *at,
		      const char *data)
{
	json_error_t err;
	json_t *d = json_loads(data, 0, &err);

	if (!d)
		print_message("bad visit JSON: %s\n", err.text);
	assert_non_null(d);
	json_array_append_new(
	    w->d.visits,
	    json_pack("{s:s, s:s, s:o}", "id", id, "at", bjs(at), "data", d));
}

static void scenario(struct world *w)
{
	/* Visits. V1, V2: the same 刘大娘 twice in week 1; V3 赵大爷; V4 on
	 * the next week's first instant; V5 on week 1's last millisecond,
	 * placed by the village typed on the form. */
	add_visit(w, "1", "2025-11-19 09:00:00",
		  "{\"town\": \"太行东街街道\", \"village\": \"惠丰社区\","
		  " \"visit_time\": \"今天上午\", \"name\": \"刘大娘\","
		  " \"sex\": \"女\", \"age\": 78,"
		  " \"person_category\": \"特殊困难老年人\","
		  " \"person_sub\": \"独居\", \"health\": \"慢性病\","
		  " \"q1_hardship\": true, \"q1_detail\": \"缺棉被，煤不够\","
		  " \"q2_family_support\": false,"
		  " \"q2_detail\": \"子女在外地\","
		  " \"q3_hazard\": true, \"q3_detail\": \"烟囱堵塞\","
		  " \"q4_service_need\": false,"
		  " \"notes\": \"屋里12度\", \"problems\": \"缺棉被、缺煤\","
		  " \"measures\": \"三天内送棉被和煤\","
		  " \"staff\": \"wang\", \"area\": \"g-hd-1\"}");
	add_visit(w, "2", "2025-11-21 10:00:00",
		  "{\"name\": \"刘大娘\", \"age\": 78,"
		  " \"person_category\": \"特殊困难老年人\","
		  " \"staff\": \"wang\", \"area\": \"g-hd-1\"}");
	add_visit(w, "3", "2025-11-22 15:00:00",
		  "{\"name\": \"赵大爷\", \"age\": 80,"
		  " \"person_category\": \"低保\", \"staff\": \"sun\","
		  " \"area\": \"c-xh\"}");
	add_visit(w, "4", "2025-11-26 00:00:00",
		  "{\"name\": \"孙奶奶\", \"age\": 85,"
		  " \"person_category\": \"特困\", \"staff\": \"sun\","
		  " \"area\": \"c-xh\"}");
	add_visit(w, "5", "2025-11-25 23:59:59.999",
		  "{\"name\": \"钱叔\", \"age\": 59,"
		  " \"person_category\": \"其他困难群众\","
		  " \"person_sub\": \"低保边缘户\", \"village\": \"新华社区\","
		  " \"area\": null}");
	/* 赵大爷 again, now written down as 特困: he was 低保 first. */
	add_visit(w, "6", "2025-11-24 10:00:00",
		  "{\"name\": \"赵大爷\", \"age\": 80,"
		  " \"person_category\": \"特困\", \"staff\": \"sun\","
		  " \"area\": \"c-xh\"}");

	/* C1008 was opened the week before and is resolved on week 1's
	 * first instant; it is the same 赵大爷 as V3. */
	add_case(w, "no", "1008", "status", "resolved", "source", "visit",
		 "area", "c-xh", "created", bjs("2025-11-18 23:59:00"),
		 "resolved_at", bjs("2025-11-19 00:00:00"), "name", "赵大爷",
		 "age", "80", "measure", "电热毯", "measure_kind", "3",
		 "person_times", "1", "amount_fen", "8000", "category",
		 "衣食住行医困难", "claimed_by", "sun", NULL);
	add_case(w, "no", "1001", "status", "closed", "source", "visit", "area",
		 "g-hd-1", "created", bjs("2025-11-19 09:05:00"), "resolved_at",
		 bjs("2025-11-20 10:00:00"), "name", "刘大娘", "age", "78",
		 "person_category", "特殊困难老年人", "measure", "棉被",
		 "measure_kind", "3", "person_times", "1", "amount_fen",
		 "20000", "category", "衣食住行医困难", "problem",
		 "缺棉被，煤不够", "measures", "三天内送棉被和煤",
		 "resolve_note", "已送到家", "claimed_by", "wang",
		 "resolved_by", "wang", "feedback_at",
		 bjs("2025-11-21 09:30:00"), "satisfaction", "满意", "solved",
		 "是", NULL);
	add_case(w, "no", "1002", "status", "claimed", "source", "visit",
		 "area", "g-hd-1", "created", bjs("2025-11-19 09:06:00"),
		 "name", "刘大娘", "age", "78", "category", "安全隐患",
		 "problem", "烟囱堵塞", "claimed_by", "wang", NULL);
	add_case(w, "no", "1003", "status", "resolved", "source", "flow:help",
		 "area", "c-hd", "created", bjs("2025-11-20 08:00:00"),
		 "resolved_at", bjs("2025-11-25 23:59:00"), "name", "张大爷",
		 "phone", "13900000001", "person_category", "低保", "age", "72",
		 "measure", "临时救助", "measure_kind", "2", "person_times",
		 "1", "amount_fen", "150000", "category", "取暖", "detail",
		 "=暖气片不热, \"很冷\"\n请快来", "address", "幸福小区3号楼",
		 "claimed_by", "wang", NULL);
	/* The same 张大爷, his phone written with spaces. */
	add_case(w, "no", "1004", "status", "closed", "source", "flow:help",
		 "area", "c-hd", "created", bjs("2025-11-20 09:00:00"),
		 "resolved_at", bjs("2025-11-21 12:00:00"), "name", "张大爷",
		 "phone", "139 0000 0001", "person_category", "低保", "measure",
		 "取暖煤", "measure_kind", "3", "person_times", "2",
		 "amount_fen", "30000", NULL);
	/* Cancelled: never counts, whatever it holds. */
	add_case(w, "no", "1005", "status", "cancelled", "source", "flow:help",
		 "area", "c-xh", "created", bjs("2025-11-21 08:00:00"),
		 "resolved_at", bjs("2025-11-21 09:00:00"), "name", "李奶奶",
		 "phone", "13900000005", "person_category", "特困", "measure",
		 "临时救助", "measure_kind", "2", "person_times", "3",
		 "amount_fen", "99900", NULL);
	/* Resolved on week 2's first instant. */
	add_case(w, "no", "1006", "status", "resolved", "source", "flow:help",
		 "area", "c-xh", "created", bjs("2025-11-24 08:00:00"),
		 "resolved_at", bjs("2025-11-26 00:00:00"), "name", "周爷爷",
		 "phone", "13900000006", "person_category", "特殊困难老年人",
		 "measure", "临时救助", "measure_kind", "2", "person_times",
		 "1", "amount_fen", "50000", NULL);
	/* A 12345 work order at the street itself. */
	add_case(w, "no", "1007", "status", "resolved", "source", "12345",
		 "area", "tdj", "created", bjs("2025-11-22 10:00:00"),
		 "resolved_at", bjs("2025-11-23 10:00:00"), "name", "吴某",
		 "phone", "13900000007", "person_category", "困境儿童",
		 "measure", "纳入特困", "measure_kind", "1", "person_times",
		 "1", "amount_fen", "0", "category", "生活困难",
		 "ext_deadline_ms", bjs("2025-11-24 18:00:00"), "claimed_by",
		 "sun", NULL);
	add_case(w, "no", "1009", "status", "cancelled", "source", "visit",
		 "area", "c-xh", "created", bjs("2025-11-23 08:00:00"), NULL);
	/* A rough sleeper referred on: no name, no category. */
	add_case(w, "no", "1010", "status", "resolved", "source",
		 "flow:rough_sleeper", "area", "c-hd", "created",
		 bjs("2025-11-24 06:00:00"), "resolved_at",
		 bjs("2025-11-24 07:00:00"), "measure", "转介", "measure_kind",
		 "4", "person_times", "1", NULL);
	/* measure_kind missing: known from the measure's name. */
	add_case(w, "no", "1011", "status", "resolved", "source", "flow:help",
		 "area", "g-hd-1", "created", bjs("2025-11-22 08:00:00"),
		 "resolved_at", bjs("2025-11-22 09:00:00"), "name", "郑阿姨",
		 "phone", "13900000011", "person_category", "不清楚", "measure",
		 "棉衣", "person_times", "1", NULL);
	/* Resolved in week 1, then reopened by the resident's feedback. */
	add_case(w, "no", "1012", "status", "claimed", "source", "flow:help",
		 "area", "c-hd", "created", bjs("2025-11-20 08:00:00"),
		 "resolved_at", bjs("2025-11-20 09:00:00"), "name", "陈某",
		 "phone", "13900000012", "person_category", "低保", "measure",
		 "临时救助", "measure_kind", "2", "person_times", "1",
		 "amount_fen", "10000", NULL);
	/* An area the config no longer has: the street's own row. */
	add_case(w, "no", "1013", "status", "resolved", "source", "flow:help",
		 "area", "gone-area", "created", bjs("2025-11-21 08:00:00"),
		 "resolved_at", bjs("2025-11-21 10:00:00"), "name", "冯某",
		 "phone", "13900000013", "person_category", "其他困难群众",
		 "measure", "临时救助", "measure_kind", "2", "person_times",
		 "1", "amount_fen", "20000", NULL);
	/* 韩某 is first helped at 新华 as 特困, then at 惠丰 as 其他: one
	 * person, at 新华, 特困. */
	add_case(w, "no", "1014", "status", "resolved", "source", "flow:help",
		 "area", "c-xh", "created", bjs("2025-11-20 09:30:00"),
		 "resolved_at", bjs("2025-11-20 10:00:00"), "name", "韩某",
		 "phone", "13900000020", "person_category", "特困", "measure",
		 "转介", "measure_kind", "4", NULL);
	add_case(w, "no", "1015", "status", "resolved", "source", "flow:help",
		 "area", "c-hd", "created", bjs("2025-11-23 09:00:00"),
		 "resolved_at", bjs("2025-11-23 10:00:00"), "name", "韩某",
		 "phone", "+86 139-0000-0020", "person_category",
		 "其他困难群众", "measure", "转介", "measure_kind", "4", NULL);
	/* A measure renamed since: the stored kind (临时救助) decides. */
	add_case(w, "no", "1016", "status", "resolved", "source", "flow:help",
		 "area", "c-hd", "created", bjs("2025-11-24 09:00:00"),
		 "resolved_at", bjs("2025-11-24 10:00:00"), "measure",
		 "生活补助", "measure_kind", "2", "person_times", "1", NULL);
}

static int setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));
	struct wl_diag diag;

	assert_non_null(w);
	diag_init(&diag);
	w->cfg =
	    config_load_string(test_cfg, strlen(test_cfg), "t.json", &diag);
	for (size_t i = 0; i < diag.n; i++)
		print_message("diag: %s\n", diag.lines[i]);
	diag_release(&diag);
	assert_non_null(w->cfg);
	report_data_init(&w->d);
	w->d.cases = json_array();
	w->d.visits = json_array();
	scenario(w);
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;

	report_data_release(&w->d);
	config_free(w->cfg);
	free(w);
	return 0;
}

static void query(struct world *w, enum report_kind kind, const char *from,
		  const char *to, const char *week, const char *area,
		  struct report_query *q)
{
	char err[256] = "";
	int rc =
	    report_query_init(w->cfg, kind, from, to, week, area,
			      bj("2025-11-26 08:00:00"), q, err, sizeof(err));

	if (rc)
		print_message("query: %s\n", err);
	assert_int_equal(rc, WL_OK);
}

struct want {
	const char *name;
	long persons[REPORT_PERSON_KINDS];
	long relief_times;
	long long relief_fen;
	const char *goods;
	long goods_times, found, solved;
};

static void check_rows(const struct report_weekly *w, const struct want *want,
		       size_t n)
{
	char goods[512];

	assert_int_equal(w->n_rows, n);
	for (size_t i = 0; i < n; i++) {
		const struct report_weekly_row *r = &w->rows[i];

		print_message("row %zu %s\n", i, r->name);
		assert_string_equal(r->name, want[i].name);
		for (int k = 0; k < REPORT_PERSON_KINDS; k++)
			assert_int_equal(r->persons[k], want[i].persons[k]);
		assert_int_equal(r->relief_times, want[i].relief_times);
		assert_int_equal(r->relief_fen, want[i].relief_fen);
		report_goods_text(r, goods, sizeof(goods));
		assert_string_equal(goods, want[i].goods);
		assert_int_equal(r->goods_times, want[i].goods_times);
		assert_int_equal(r->found, want[i].found);
		assert_int_equal(r->solved, want[i].solved);
		assert_int_equal(r->total, i + 1 == n);
	}
}

/* Week 1, Wednesday 2025-11-19 .. Tuesday 2025-11-25, by hand:
 *
 * 惠丰社区: people 刘大娘 (V1, V2, C1001: one person, 特殊困难老年人),
 *   张大爷 (C1003, C1004: one, 低保); C1010 has no category, C1011 is
 *   不清楚. Relief: C1003 临时救助 1人次 1500元 = 0.15万元, C1016
 *   (a renamed measure stored as 临时救助) 1人次 0元 (C1012 was
 *   reopened). Goods: C1004 取暖煤 2, C1011 棉衣 1, C1001 棉被 1.
 *   Found: C1001, C1002 (visit, opened in the week). Solved: C1001.
 * 新华社区: 赵大爷 (C1008 at 00:00 Wednesday, V3: one, 低保 from V3),
 *   钱叔 (V5 at 23:59:59.999 Tuesday, 其他困难群众), 韩某 (C1014 here
 *   as 特困 before C1015 at 惠丰 as 其他: one person, here, 特困; V6
 *   writes 赵大爷 as 特困 later: he stays 低保). C1005 cancelled,
 *   C1006 resolved next week. Goods: C1008 电热毯 1. Found: none (C1009
 *   cancelled, C1008 opened the week before). Solved: C1008.
 * 街道本级: 吴某 (C1007, 困境儿童), 冯某 (C1013, unknown area,
 *   其他困难群众). Relief: C1007 纳入特困 1人次 0元 + C1013 临时救助
 *   1人次 200元 = 2人次, 0.02万元. */
static void test_weekly_week1_every_cell(void **state)
{
	struct world *w = *state;
	struct report_query q;
	struct report_weekly wk;
	const struct want want[] = {
	    {"惠丰社区",
	     {1, 0, 1, 0, 0},
	     2,
	     150000,
	     "取暖煤、棉衣、棉被",
	     4,
	     2,
	     1},
	    {"新华社区", {1, 1, 0, 0, 1}, 0, 0, "电热毯", 1, 0, 1},
	    {"街道本级", {0, 0, 0, 1, 1}, 2, 20000, "", 0, 0, 0},
	    {"合计",
	     {2, 1, 1, 1, 2},
	     4,
	     170000,
	     "取暖煤、棉衣、棉被、电热毯",
	     5,
	     2,
	     2},
	};

	query(w, REPORT_WEEKLY, NULL, NULL, "2025-11-22", NULL, &q);
	assert_int_equal(report_weekly_compute(w->cfg, &w->d, &q, &wk), WL_OK);
	check_rows(&wk, want, WL_ARRAY_LEN(want));
	assert_int_equal(wk.rows[0].area, 1);
	assert_true(wk.rows[2].street_own);
	report_weekly_release(&wk);
}

/* Week 2: V4 孙奶奶 (特困) at Wednesday 00:00 and C1006 周爷爷
 * (特殊困难老年人, 临时救助 500元) resolved at that same instant. */
static void test_weekly_week2(void **state)
{
	struct world *w = *state;
	struct report_query q;
	struct report_weekly wk;
	const struct want want[] = {
	    {"惠丰社区", {0, 0, 0, 0, 0}, 0, 0, "", 0, 0, 0},
	    {"新华社区", {0, 1, 1, 0, 0}, 1, 50000, "", 0, 0, 0},
	    {"街道本级", {0, 0, 0, 0, 0}, 0, 0, "", 0, 0, 0},
	    {"合计", {0, 1, 1, 0, 0}, 1, 50000, "", 0, 0, 0},
	};

	query(w, REPORT_WEEKLY, "2025-11-26", "2025-12-02", NULL, NULL, &q);
	assert_int_equal(report_weekly_compute(w->cfg, &w->d, &q, &wk), WL_OK);
	check_rows(&wk, want, WL_ARRAY_LEN(want));
	report_weekly_release(&wk);
}

/* Both weeks at once: each person still once (赵大爷, 刘大娘...), the
 * totals the sum of both weeks. */
static void test_weekly_two_weeks(void **state)
{
	struct world *w = *state;
	struct report_query q;
	struct report_weekly wk;
	const struct want want[] = {
	    {"惠丰社区",
	     {1, 0, 1, 0, 0},
	     2,
	     150000,
	     "取暖煤、棉衣、棉被",
	     4,
	     2,
	     1},
	    {"新华社区", {1, 2, 1, 0, 1}, 1, 50000, "电热毯", 1, 0, 1},
	    {"街道本级", {0, 0, 0, 1, 1}, 2, 20000, "", 0, 0, 0},
	    {"合计",
	     {2, 2, 2, 1, 2},
	     5,
	     220000,
	     "取暖煤、棉衣、棉被、电热毯",
	     5,
	     2,
	     2},
	};

	query(w, REPORT_WEEKLY, "2025-11-19", "2025-12-02", NULL, NULL, &q);
	assert_int_equal(report_weekly_compute(w->cfg, &w->d, &q, &wk), WL_OK);
	check_rows(&wk, want, WL_ARRAY_LEN(want));
	report_weekly_release(&wk);
}

/* One community: only its row and the total; the street's own row and
 * the unknown area are out. A grid: only records inside it. */
static void test_weekly_area_filter(void **state)
{
	struct world *w = *state;
	struct report_query q;
	struct report_weekly wk;
	const struct want xh[] = {
	    {"新华社区", {1, 1, 0, 0, 1}, 0, 0, "电热毯", 1, 0, 1},
	    {"合计", {1, 1, 0, 0, 1}, 0, 0, "电热毯", 1, 0, 1},
	};
	/* g-hd-1: V1, V2, C1001, C1002, C1011 (C1003/C1004 are at c-hd). */
	const struct want grid[] = {
	    {"惠丰社区", {0, 0, 1, 0, 0}, 0, 0, "棉衣、棉被", 2, 2, 1},
	    {"合计", {0, 0, 1, 0, 0}, 0, 0, "棉衣、棉被", 2, 2, 1},
	};

	query(w, REPORT_WEEKLY, NULL, NULL, "2025-11-19", "c-xh", &q);
	assert_int_equal(report_weekly_compute(w->cfg, &w->d, &q, &wk), WL_OK);
	check_rows(&wk, xh, WL_ARRAY_LEN(xh));
	report_weekly_release(&wk);
	/* By name as well as by id. */
	query(w, REPORT_WEEKLY, NULL, NULL, "2025-11-25", "惠丰第一网格", &q);
	assert_int_equal(report_weekly_compute(w->cfg, &w->d, &q, &wk), WL_OK);
	check_rows(&wk, grid, WL_ARRAY_LEN(grid));
	report_weekly_release(&wk);
}

static void test_week_boundaries(void **state)
{
	struct world *w = *state;
	struct report_query q;
	int32_t f, t;
	char err[256];

	/* Wednesday, Sunday and Tuesday are in the same week. */
	query(w, REPORT_WEEKLY, NULL, NULL, "2025-11-19", NULL, &q);
	assert_int_equal(q.from_ms, bj("2025-11-19 00:00:00"));
	assert_int_equal(q.to_ms, bj("2025-11-26 00:00:00"));
	query(w, REPORT_WEEKLY, NULL, NULL, "2025-11-23", NULL, &q);
	assert_int_equal(q.from_ms, bj("2025-11-19 00:00:00"));
	query(w, REPORT_WEEKLY, NULL, NULL, "2025-11-25", NULL, &q);
	assert_int_equal(q.to_ms, bj("2025-11-26 00:00:00"));
	/* Wednesday starts the next one. */
	query(w, REPORT_WEEKLY, NULL, NULL, "2025-11-26", NULL, &q);
	assert_int_equal(q.from_ms, bj("2025-11-26 00:00:00"));
	assert_int_equal(q.to_ms, bj("2025-12-03 00:00:00"));
	/* Across a year's end. */
	query(w, REPORT_WEEKLY, NULL, NULL, "2026-01-01", NULL, &q);
	assert_int_equal(q.from_ms, bj("2025-12-31 00:00:00"));
	report_week_of(q.from_day, &f, &t);
	assert_int_equal(f, q.from_day);
	assert_int_equal(t, q.from_day + 6);
	/* No dates: on Wednesday 08:00 the week that ended at midnight; on
	 * Tuesday 23:00 the week before (this one is not over). */
	assert_int_equal(
	    report_query_init(w->cfg, REPORT_WEEKLY, NULL, NULL, NULL, NULL,
			      bj("2025-11-26 08:00:00"), &q, err, sizeof(err)),
	    WL_OK);
	assert_int_equal(q.from_ms, bj("2025-11-19 00:00:00"));
	assert_int_equal(q.to_ms, bj("2025-11-26 00:00:00"));
	assert_int_equal(
	    report_query_init(w->cfg, REPORT_WEEKLY, NULL, NULL, NULL, NULL,
			      bj("2025-11-25 23:00:00"), &q, err, sizeof(err)),
	    WL_OK);
	assert_int_equal(q.from_ms, bj("2025-11-12 00:00:00"));
	/* A ledger without dates covers everything. */
	query(w, REPORT_NEEDS, NULL, NULL, NULL, NULL, &q);
	assert_false(q.bounded);
	/* --from/--to are whole local days. */
	query(w, REPORT_WEEKLY, "2025-11-20", "2025-11-20", NULL, NULL, &q);
	assert_int_equal(q.from_ms, bj("2025-11-20 00:00:00"));
	assert_int_equal(q.to_ms, bj("2025-11-21 00:00:00"));
}

static void test_query_errors(void **state)
{
	struct world *w = *state;
	struct report_query q;
	char err[256];
	static const char *const bad[][4] = {
	    /* from, to, week, area */
	    {"2025-11-19", NULL, NULL, NULL},
	    {NULL, "2025-11-19", NULL, NULL},
	    {"2025-11-19", "2025-11-25", "2025-11-19", NULL},
	    {"2025-11-31", "2025-12-01", NULL, NULL},
	    {"2025/11/19", "2025-11-25", NULL, NULL},
	    {"2025-11-25", "2025-11-19", NULL, NULL},
	    {"2015-01-01", "2025-12-31", NULL, NULL},
	    {NULL, NULL, "11-19", NULL},
	    {NULL, NULL, NULL, "火星"},
	};

	for (size_t i = 0; i < WL_ARRAY_LEN(bad); i++) {
		err[0] = '\0';
		assert_int_equal(report_query_init(w->cfg, REPORT_WEEKLY,
						   bad[i][0], bad[i][1],
						   bad[i][2], bad[i][3], 0, &q,
						   err, sizeof(err)),
				 WL_EBADREQ);
		/* Chinese first. */
		assert_true((unsigned char)err[0] >= 0xE0);
	}
	assert_int_equal(report_kind_parse("weekly"), REPORT_WEEKLY);
	assert_int_equal(report_kind_parse("needs"), REPORT_NEEDS);
	assert_int_equal(report_kind_parse("monthly"), -1);
	assert_int_equal(report_format_parse("xlsx"), REPORT_XLSX);
	assert_int_equal(report_format_parse("pdf"), -1);
}

static void test_helpers(void **state)
{
	char b[32];

	assert_int_equal(report_person_kind("低保"), REPORT_DIBAO);
	assert_int_equal(report_person_kind("特困人员"), REPORT_TEKUN);
	assert_int_equal(report_person_kind("低保边缘户"), REPORT_OTHERS);
	assert_int_equal(report_person_kind("困境儿童"), REPORT_CHILD);
	assert_int_equal(report_person_kind("不清楚"), -1);
	assert_int_equal(report_person_kind(NULL), -1);
	report_wan_text(150000, b, sizeof(b));
	assert_string_equal(b, "0.15");
	report_wan_text(4999, b, sizeof(b));
	assert_string_equal(b, "0.00");
	report_wan_text(5000, b, sizeof(b));
	assert_string_equal(b, "0.01");
	report_wan_text(123456789, b, sizeof(b));
	assert_string_equal(b, "123.46");
	report_wan_text(0, b, sizeof(b));
	assert_string_equal(b, "0.00");
}

static void build(struct world *w, enum report_kind kind, const char *week,
		  struct report_table *t)
{
	struct report_query q;

	query(w, kind, NULL, NULL, week, NULL, &q);
	assert_int_equal(report_build(w->cfg, &w->d, &q, t), WL_OK);
}

static size_t col(const struct report_table *t, const char *key)
{
	for (size_t c = 0; c < t->n_cols; c++)
		if (strcmp(t->cols[c].key, key) == 0)
			return c;
	fail_msg("no column %s", key);
	return 0;
}

static void test_csv_weekly(void **state)
{
	struct world *w = *state;
	struct report_table t;
	struct buf b = BUF_INIT;
	const char *rows[] = {
	    "惠丰社区,1,0,1,0,0,2,0.15,取暖煤、棉衣、棉被,4,2,1\r\n",
	    "新华社区,1,1,0,0,1,0,0.00,电热毯,1,0,1\r\n",
	    "街道本级,0,0,0,1,1,2,0.02,,0,0,0\r\n",
	    "合计,2,1,1,1,2,4,0.17,取暖煤、棉衣、棉被、电热毯,5,2,2\r\n",
	};
	const char *p;

	build(w, REPORT_WEEKLY, "2025-11-19", &t);
	assert_string_equal(t.period, "2025年11月19日至2025年11月25日");
	assert_string_equal(t.unit, "太行东街街道");
	assert_string_equal(t.title, "保障困难群众温暖过冬情况统计表");
	assert_int_equal(report_csv(&t, &b), WL_OK);
	assert_memory_equal(b.s, "\xEF\xBB\xBF", 3);
	p = b.s + 3;
	{
		const char *head =
		    "单位,低保（人）,特困对象（人）,特殊困难老年人（人）,"
		    "困境儿童（人）,其他困难群众（人）,救助人次（人次）,"
		    "支出金额（万元）,其他救助方式-救助方式,"
		    "其他救助方式-救助人次,走访排查发现急难愁盼问题数,"
		    "走访排查解决急难愁盼问题数\r\n";

		assert_memory_equal(p, head, strlen(head));
		p += strlen(head);
	}
	for (size_t i = 0; i < WL_ARRAY_LEN(rows); i++) {
		assert_memory_equal(p, rows[i], strlen(rows[i]));
		p += strlen(rows[i]);
	}
	assert_int_equal(*p, '\0');
	buf_release(&b);
	report_table_release(&t);
}

/* The needs ledger: rows of week 1's cases, the cancelled ones left out;
 * a cell with a comma, quotes and a newline is quoted, and one starting
 * with "=" cannot become a formula. */
static void test_needs_ledger(void **state)
{
	struct world *w = *state;
	struct report_table t;
	struct buf b = BUF_INIT;
	const char *nos[] = {"1001", "1002", "1003", "1004", "1006",
			     "1007", "1010", "1011", "1012", "1013",
			     "1014", "1015", "1016"};
	size_t r3;

	build(w, REPORT_NEEDS, "2025-11-19", &t);
	assert_int_equal(t.n_rows, WL_ARRAY_LEN(nos));
	for (size_t i = 0; i < t.n_rows; i++)
		assert_string_equal(report_cell(&t, i, col(&t, "no")), nos[i]);
	r3 = 2; /* 1003 */
	assert_string_equal(report_cell(&t, r3, col(&t, "seq")), "3");
	assert_string_equal(report_cell(&t, r3, col(&t, "created")),
			    "2025-11-20 08:00");
	assert_string_equal(report_cell(&t, r3, col(&t, "area")), "惠丰社区");
	assert_string_equal(report_cell(&t, r3, col(&t, "phone")),
			    "13900000001");
	assert_string_equal(report_cell(&t, r3, col(&t, "person_category")),
			    "低保");
	assert_string_equal(report_cell(&t, r3, col(&t, "measure")),
			    "临时救助");
	assert_string_equal(report_cell(&t, r3, col(&t, "amount_yuan")),
			    "1500.00");
	assert_string_equal(report_cell(&t, r3, col(&t, "status")), "已办结");
	assert_string_equal(report_cell(&t, r3, col(&t, "staff")), "王芳");
	assert_string_equal(report_cell(&t, r3, col(&t, "source")), "居民求助");
	assert_string_equal(report_cell(&t, 0, col(&t, "area")),
			    "惠丰社区 惠丰第一网格");
	/* Not resolved (reopened): no measure shown. */
	assert_string_equal(report_cell(&t, 8, col(&t, "measure")), "");
	assert_string_equal(report_cell(&t, 8, col(&t, "status")), "处理中");
	/* Unknown area: its id as stored. */
	assert_string_equal(report_cell(&t, 9, col(&t, "area")), "gone-area");
	assert_string_equal(report_cell(&t, 6, col(&t, "staff")), "未认领");
	assert_int_equal(report_csv(&t, &b), WL_OK);
	assert_non_null(
	    strstr(b.s, ",\"'=暖气片不热, \"\"很冷\"\"\n请快来\","));
	buf_release(&b);
	report_table_release(&t);
}

static void test_problem_ledger(void **state)
{
	struct world *w = *state;
	struct report_table t;

	build(w, REPORT_PROBLEMS, "2025-11-19", &t);
	/* visit 1001, 1002 and the 12345 order 1007; not 1009 (cancelled)
	 * nor 1008 (opened the week before). */
	assert_int_equal(t.n_rows, 3);
	assert_string_equal(report_cell(&t, 0, col(&t, "no")), "1001");
	assert_string_equal(report_cell(&t, 0, col(&t, "source")), "走访排查");
	assert_string_equal(report_cell(&t, 0, col(&t, "problem")),
			    "缺棉被，煤不够");
	assert_string_equal(report_cell(&t, 0, col(&t, "measure")),
			    "棉被：已送到家");
	assert_string_equal(report_cell(&t, 0, col(&t, "deadline")),
			    "2025-11-20 09:05");
	assert_string_equal(report_cell(&t, 0, col(&t, "status")), "已回访");
	assert_string_equal(report_cell(&t, 0, col(&t, "feedback_at")),
			    "2025-11-21 09:30");
	assert_string_equal(report_cell(&t, 0, col(&t, "solved")), "是");
	assert_string_equal(report_cell(&t, 0, col(&t, "satisfaction")),
			    "满意");
	/* Open and past its 24 hours at the report's time (11-26 08:00). */
	assert_string_equal(report_cell(&t, 1, col(&t, "no")), "1002");
	assert_string_equal(report_cell(&t, 1, col(&t, "status")),
			    "处理中（已超期）");
	assert_string_equal(report_cell(&t, 1, col(&t, "staff")), "王芳");
	assert_string_equal(report_cell(&t, 1, col(&t, "resolved")), "");
	/* A 12345 order keeps its own deadline. */
	assert_string_equal(report_cell(&t, 2, col(&t, "no")), "1007");
	assert_string_equal(report_cell(&t, 2, col(&t, "deadline")),
			    "2025-11-24 18:00");
	assert_string_equal(report_cell(&t, 2, col(&t, "staff")), "孙丽");
	assert_string_equal(report_cell(&t, 2, col(&t, "area")),
			    "太行东街街道");
	report_table_release(&t);
}

static void test_visit_ledger(void **state)
{
	struct world *w = *state;
	struct report_table t;

	build(w, REPORT_VISITS, "2025-11-25", &t);
	/* V1, V2, V3, V5 (the last millisecond) and V6; not V4. */
	assert_int_equal(t.n_rows, 5);
	assert_string_equal(report_cell(&t, 0, col(&t, "recorded")),
			    "2025-11-19 09:00");
	assert_string_equal(report_cell(&t, 0, col(&t, "town")),
			    "太行东街街道");
	assert_string_equal(report_cell(&t, 0, col(&t, "age")), "78");
	assert_string_equal(report_cell(&t, 0, col(&t, "person_category")),
			    "特殊困难老年人（独居）");
	assert_string_equal(report_cell(&t, 0, col(&t, "q1")),
			    "是：缺棉被，煤不够");
	assert_string_equal(report_cell(&t, 0, col(&t, "q2")),
			    "否：子女在外地");
	assert_string_equal(report_cell(&t, 0, col(&t, "q3")), "是：烟囱堵塞");
	assert_string_equal(report_cell(&t, 0, col(&t, "q4")), "否");
	assert_string_equal(report_cell(&t, 0, col(&t, "measures")),
			    "三天内送棉被和煤");
	assert_string_equal(report_cell(&t, 0, col(&t, "staff")), "王芳");
	assert_string_equal(report_cell(&t, 3, col(&t, "name")), "钱叔");
	assert_string_equal(report_cell(&t, 3, col(&t, "recorded")),
			    "2025-11-25 23:59");
	assert_string_equal(report_cell(&t, 3, col(&t, "person_category")),
			    "其他困难群众（低保边缘户）");
	report_table_release(&t);
}

/* Cells are printable: control characters become spaces and invalid
 * UTF-8 the replacement character, so the XLSX stays valid XML. */
static void test_cells_cleaned(void **state)
{
	struct world *w = *state;
	struct report_table t;

	add_case(w, "no", "2001", "status", "new", "source", "flow:help",
		 "area", "c-hd", "created", bjs("2025-12-10 08:00:00"), "name",
		 "bad\x01name\xff", NULL);
	build(w, REPORT_NEEDS, "2025-12-10", &t);
	assert_int_equal(t.n_rows, 1);
	assert_string_equal(report_cell(&t, 0, col(&t, "name")),
			    "bad name\xEF\xBF\xBD");
	report_table_release(&t);
}

static void test_json_weekly(void **state)
{
	struct world *w = *state;
	struct report_table t;
	struct buf b = BUF_INIT;
	json_t *o, *rows, *last;
	json_error_t err;

	build(w, REPORT_WEEKLY, "2025-11-19", &t);
	assert_int_equal(report_json(&t, &b), WL_OK);
	o = json_loads(b.s, 0, &err);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "report")),
			    "weekly");
	assert_string_equal(json_string_value(json_object_get(o, "from")),
			    "2025-11-19");
	assert_string_equal(json_string_value(json_object_get(o, "to")),
			    "2025-11-25");
	rows = json_object_get(o, "rows");
	assert_int_equal(json_array_size(rows), 4);
	assert_int_equal(json_integer_value(
			     json_object_get(json_array_get(rows, 0), "dibao")),
			 1);
	assert_true(json_real_value(json_object_get(json_array_get(rows, 0),
						    "amount_wan")) == 0.15);
	last = json_array_get(rows, 3);
	assert_true(json_is_true(json_object_get(last, "total")));
	assert_string_equal(json_string_value(json_object_get(last, "goods")),
			    "取暖煤、棉衣、棉被、电热毯");
	assert_null(json_object_get(json_array_get(rows, 0), "total"));
	json_decref(o);
	buf_release(&b);
	report_table_release(&t);
}

static bool has_bytes(const struct buf *b, const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i + n <= b->len; i++)
		if (memcmp(b->s + i, s, n) == 0)
			return true;
	return false;
}

static void test_xlsx_container(void **state)
{
	struct world *w = *state;
	struct report_table t;
	struct buf b = BUF_INIT;
	int rc;

	build(w, REPORT_WEEKLY, "2025-11-19", &t);
	rc = report_xlsx_buf(&t, &b);
#ifdef WL_HAVE_XLSX
	assert_int_equal(rc, WL_OK);
	/* A ZIP (local file header) holding the workbook's parts. */
	assert_true(b.len > 1000);
	assert_memory_equal(b.s, "PK\x03\x04", 4);
	assert_true(has_bytes(&b, "xl/worksheets/sheet1.xml"));
	assert_true(has_bytes(&b, "xl/sharedStrings.xml"));
	assert_true(has_bytes(&b, "PK\x05\x06")); /* end of central dir */
#else
	assert_int_equal(rc, WL_EINTERNAL);
#endif
	buf_release(&b);
	report_table_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_weekly_week1_every_cell, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_weekly_week2, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_weekly_two_weeks, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_weekly_area_filter, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_week_boundaries, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_query_errors, setup, teardown),
	    cmocka_unit_test(test_helpers),
	    cmocka_unit_test_setup_teardown(test_csv_weekly, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_needs_ledger, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_problem_ledger, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_visit_ledger, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cells_cleaned, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_json_weekly, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_xlsx_container, setup,
					    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
