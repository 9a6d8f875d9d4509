/*
 * report.c — from cases and visit records to the weekly table (附件2)
 * and the ledgers: who counts where, once, and in which column. Pure: no
 * I/O and no clock (the query carries "now"). docs/REPORTS.md is the
 * definition this code follows; change both together.
 */
#include "report.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "case.h"
#include "text.h"
#include "wl.h"

/* A cell holds at most this many bytes (Excel allows 32767 characters;
 * a ledger cell longer than this is a paste accident). */
#define RP_CELL_MAX 4000
/* person_times and amount_fen of one case are capped so that sums over
 * REPORT_MAX_RECORDS cases cannot overflow. */
#define RP_TIMES_MAX 1000000LL
#define RP_FEN_MAX   10000000000000LL

static const char *const rp_kind_names[REPORT_KIND_COUNT] = {
    "weekly", "visits", "problems", "needs", "forms"};

int report_kind_parse(const char *s)
{
	for (int i = 0; s && i < REPORT_KIND_COUNT; i++)
		if (strcmp(s, rp_kind_names[i]) == 0)
			return i;
	return -1;
}

const char *report_kind_name(enum report_kind k)
{
	return (unsigned)k < REPORT_KIND_COUNT ? rp_kind_names[k] : "?";
}

int report_format_parse(const char *s)
{
	if (!s)
		return -1;
	if (strcmp(s, "csv") == 0)
		return REPORT_CSV;
	if (strcmp(s, "xlsx") == 0)
		return REPORT_XLSX;
	if (strcmp(s, "json") == 0)
		return REPORT_JSON;
	if (strcmp(s, "html") == 0)
		return REPORT_HTML;
	return -1;
}

const char *report_format_name(enum report_format f)
{
	static const char *const names[] = {[REPORT_CSV] = "csv",
					    [REPORT_XLSX] = "xlsx",
					    [REPORT_JSON] = "json",
					    [REPORT_HTML] = "html"};

	return (unsigned)f < WL_ARRAY_LEN(names) ? names[f] : "?";
}

/* ------------------------------------------------------------------ */
/* the period */

void report_week_of(int32_t day, int32_t *from_day, int32_t *to_day)
{
	int back = (sla_weekday(day) - REPORT_WEEK_START_ISO + 7) % 7;

	*from_day = day - back;
	*to_day = *from_day + 6;
}

int report_query_init(const struct wl_config *cfg, enum report_kind kind,
		      const char *from, const char *to, const char *week,
		      const char *area, int64_t now_ms, struct report_query *q,
		      char *err, size_t err_size)
{
	int32_t off = 8 * 3600, d;

	memset(q, 0, sizeof(*q));
	q->kind = kind;
	q->area = -1;
	q->now_ms = now_ms;
	if (cfg->timezone && sla_tz_offset(cfg->timezone, &off) != WL_OK)
		off = 8 * 3600;
	q->utc_offset_s = off;
	if (from && !*from)
		from = NULL;
	if (to && !*to)
		to = NULL;
	if (week && !*week)
		week = NULL;
	if ((from == NULL) != (to == NULL)) {
		snprintf(err, err_size,
			 "开始日期和结束日期须同时给出"
			 "（--from and --to go together）");
		return WL_EBADREQ;
	}
	if (from && week) {
		snprintf(err, err_size,
			 "按周（--week）与按日期只能选一种"
			 "（--week or --from/--to, not both）");
		return WL_EBADREQ;
	}
	if (from) {
		if (sla_date_parse(from, &q->from_day) != WL_OK ||
		    sla_date_parse(to, &q->to_day) != WL_OK) {
			snprintf(err, err_size,
				 "日期格式应为 YYYY-MM-DD，如 2025-11-19"
				 "（dates are YYYY-MM-DD）");
			return WL_EBADREQ;
		}
		if (q->from_day > q->to_day) {
			snprintf(err, err_size,
				 "开始日期晚于结束日期"
				 "（--from is after --to）");
			return WL_EBADREQ;
		}
		if (q->to_day - q->from_day >= REPORT_MAX_DAYS) {
			snprintf(err, err_size,
				 "统计时段过长，最多 %d 天（at most %d days）",
				 REPORT_MAX_DAYS, REPORT_MAX_DAYS);
			return WL_EBADREQ;
		}
		q->bounded = true;
	} else if (week) {
		if (sla_date_parse(week, &d) != WL_OK) {
			snprintf(err, err_size,
				 "周次日期格式应为 YYYY-MM-DD，可为该周任一天"
				 "（--week takes any day of the week）");
			return WL_EBADREQ;
		}
		report_week_of(d, &q->from_day, &q->to_day);
		q->bounded = true;
	} else if (kind == REPORT_WEEKLY) {
		/* The last complete week: on Wednesday, the one that ended
		 * at midnight. */
		report_week_of(sla_local_day(now_ms, off, NULL), &q->from_day,
			       &q->to_day);
		q->from_day -= 7;
		q->to_day -= 7;
		q->bounded = true;
	}
	if (q->bounded) {
		q->from_ms = sla_local_to_utc(q->from_day, 0, off);
		q->to_ms = sla_local_to_utc(q->to_day + 1, 0, off);
	} else {
		q->from_ms = 0;
		q->to_ms = SLA_TIME_MAX;
	}
	if (area && *area) {
		q->area = config_area_index(cfg, area);
		if (q->area < 0) {
			snprintf(err, err_size,
				 "配置中没有这个区域"
				 "（unknown area）");
			return WL_EBADREQ;
		}
	}
	return WL_OK;
}

/* ------------------------------------------------------------------ */
/* reading records */

void report_data_init(struct report_data *d)
{
	d->cases = NULL;
	d->visits = NULL;
}

void report_data_release(struct report_data *d)
{
	json_decref(d->cases);
	json_decref(d->visits);
	d->cases = NULL;
	d->visits = NULL;
}

/* A non-empty string field, or NULL. */
static const char *rp_str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s && *s ? s : NULL;
}

/* An integer field stored as a string of digits (a Redis hash) or as a
 * JSON integer (a visit's data). */
static bool rp_ll(const json_t *o, const char *k, long long *out)
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

/* Any scalar field as text: strings as they are, numbers in decimal,
 * true/false as 是/否. NULL when absent, null or empty. */
static const char *rp_text(const json_t *o, const char *k, char *buf,
			   size_t size)
{
	const json_t *v = json_object_get(o, k);

	if (json_is_string(v))
		return json_string_length(v) ? json_string_value(v) : NULL;
	if (json_is_integer(v)) {
		snprintf(buf, size, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	if (json_is_real(v)) {
		snprintf(buf, size, "%g", json_real_value(v));
		return buf;
	}
	if (json_is_boolean(v))
		return json_is_true(v) ? "是" : "否";
	if (json_is_array(v) && json_array_size(v)) {
		/* several ticks: 残疾、慢性病 */
		size_t i, used = 0;
		const json_t *x;

		buf[0] = '\0';
		json_array_foreach(v, i, x)
		{
			const char *e = json_string_value(x);
			int n;

			if (!e)
				continue;
			n = snprintf(buf + used, size - used, "%s%s",
				     used ? "、" : "", e);
			if (n < 0 || (size_t)n >= size - used) {
				buf[used] = '\0';
				break;
			}
			used += (size_t)n;
		}
		return used ? buf : NULL;
	}
	return NULL;
}

/* Copies src into dst (size bytes), cut on a character boundary. */
static void rp_copy(char *dst, size_t size, const char *src)
{
	size_t len = src ? strlen(src) : 0, i = 0;

	while (i < len) {
		uint32_t cp;
		size_t n = text_utf8_decode(src + i, len - i, &cp);

		if (n == 0)
			n = 1;
		if (i + n >= size)
			break;
		i += n;
	}
	if (size) {
		memcpy(dst, src ? src : "", i);
		dst[i] = '\0';
	}
}

static bool rp_in(int64_t t, const struct report_query *q)
{
	return t >= q->from_ms && t < q->to_ms;
}

static bool rp_cancelled(const json_t *c)
{
	const char *st = rp_str(c, "status");

	return st && strcmp(st, "cancelled") == 0;
}

/* Resolved (or resolved and then closed by the feedback) within the
 * period. A case reopened after its resolve is not resolved until it is
 * resolved again, which writes a new resolved_at. */
static bool rp_resolved_in(const json_t *c, const struct report_query *q,
			   int64_t *at)
{
	const char *st = rp_str(c, "status");
	long long t;

	if (!st || (strcmp(st, "resolved") && strcmp(st, "closed")))
		return false;
	if (!rp_ll(c, "resolved_at", &t) || !rp_in(t, q))
		return false;
	*at = t;
	return true;
}

/* Resolved or closed now, whenever that was. */
static bool rp_done(const json_t *c)
{
	const char *st = rp_str(c, "status");

	return st && (strcmp(st, "resolved") == 0 || strcmp(st, "closed") == 0);
}

static int rp_case_area(const struct wl_config *cfg, const json_t *c)
{
	const char *a = rp_str(c, "area");

	return a ? config_area_index(cfg, a) : -1;
}

/* A visit's area: the worker's area the flow recorded, else the
 * village/community typed on the form when it names a configured one. */
static int rp_visit_area(const struct wl_config *cfg, const json_t *data)
{
	const char *a = rp_str(data, "area");
	int i = a ? config_area_index(cfg, a) : -1;

	if (i < 0 && rp_str(data, "village"))
		i = config_area_index(cfg, rp_str(data, "village"));
	return i;
}

static bool rp_area_in(const struct wl_config *cfg,
		       const struct report_query *q, int area)
{
	if (q->area < 0)
		return true;
	return area >= 0 && case_area_within(cfg, area, q->area);
}

/* ------------------------------------------------------------------ */
/* people */

int report_person_kind(const char *category)
{
	static const struct {
		const char *word;
		enum report_person kind;
	} words[] = {
	    {"低保", REPORT_DIBAO},
	    {"低保户", REPORT_DIBAO},
	    {"低保对象", REPORT_DIBAO},
	    {"城乡低保", REPORT_DIBAO},
	    {"特困", REPORT_TEKUN},
	    {"特困人员", REPORT_TEKUN},
	    {"特困对象", REPORT_TEKUN},
	    {"特困供养", REPORT_TEKUN},
	    {"特困供养人员", REPORT_TEKUN},
	    {"特殊困难老年人", REPORT_ELDERLY},
	    {"特殊困难老人", REPORT_ELDERLY},
	    {"困境儿童", REPORT_CHILD},
	    {"其他困难群众", REPORT_OTHERS},
	    {"低保边缘户", REPORT_OTHERS},
	    {"刚性支出家庭", REPORT_OTHERS},
	    {"防返贫监测户", REPORT_OTHERS},
	};

	const char *sep = category ? strstr(category, "、") : NULL;

	/* several ticks (低保、特殊困难老年人): the first one known counts,
	 * in the form's order */
	if (sep) {
		char first[64];
		int k;

		snprintf(first, sizeof(first), "%.*s", (int)(sep - category),
			 category);
		k = report_person_kind(first);
		return k >= 0 ? k : report_person_kind(sep + strlen("、"));
	}
	for (size_t i = 0; category && i < WL_ARRAY_LEN(words); i++)
		if (strcmp(category, words[i].word) == 0)
			return (int)words[i].kind;
	return -1;
}

/* Who a record is about, so a person reached twice in a period counts
 * once: the resident ID; else name and phone; else name, age and unit
 * (visit records carry no phone); else the record itself. */
static char *rp_person_key(const json_t *o, const char *what, const char *id,
			   int row)
{
	const char *rid = rp_str(o, "resident_id");
	const char *name = rp_str(o, "name");
	const char *phone = rp_str(o, "phone");
	char norm[32], ph[32], agebuf[32];
	const char *age = rp_text(o, "age", agebuf, sizeof(agebuf));
	struct buf b = BUF_INIT;

	if (rid && text_parse_resident_id(rid, norm, sizeof(norm)))
		buf_addf(&b, "id:%s", norm);
	else if (name && phone)
		buf_addf(&b, "np:%s\x1f%s", name,
			 text_parse_phone(phone, ph, sizeof(ph)) ? ph : phone);
	else if (name)
		buf_addf(&b, "na:%s\x1f%s\x1f%d", name, age ? age : "", row);
	else
		buf_addf(&b, "%s:%s", what, id ? id : "");
	return buf_detach(&b, NULL);
}

char *report_person_key(const json_t *o, const char *what, const char *id,
			int unit)
{
	return rp_person_key(o, what, id, unit);
}

struct rp_event {
	char *key;
	int64_t at;
	int row;
	int kind; /* enum report_person, or -1 */
	size_t seq;
};

struct rp_events {
	struct rp_event *v;
	size_t n, cap;
};

static int rp_event_add(struct rp_events *e, char *key, int64_t at, int row,
			int kind)
{
	if (!key)
		return WL_ENOMEM;
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 64;
		struct rp_event *v = realloc(e->v, cap * sizeof(*v));

		if (!v) {
			free(key);
			return WL_ENOMEM;
		}
		e->v = v;
		e->cap = cap;
	}
	e->v[e->n] = (struct rp_event){key, at, row, kind, e->n};
	e->n++;
	return WL_OK;
}

static int rp_event_cmp(const void *a, const void *b)
{
	const struct rp_event *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c)
		return c;
	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* ------------------------------------------------------------------ */
/* the weekly table */

/* The in-kind measures in the order the table lists them. */
static const char *const rp_goods_order[] = {
    "取暖炉具", "取暖煤", "棉衣", "棉被", "电热毯", "其他物资",
};

static size_t rp_goods_rank(const char *name)
{
	for (size_t i = 0; i < WL_ARRAY_LEN(rp_goods_order); i++)
		if (strcmp(name, rp_goods_order[i]) == 0)
			return i;
	return WL_ARRAY_LEN(rp_goods_order);
}

static void rp_goods_add(struct report_weekly_row *r, const char *name,
			 long times)
{
	size_t i, rank = rp_goods_rank(name);

	for (i = 0; i < r->n_goods; i++)
		if (strcmp(r->goods[i].name, name) == 0) {
			r->goods[i].times += times;
			return;
		}
	if (r->n_goods == REPORT_GOODS_MAX)
		name = "其他物资"; /* a full list folds into 其他物资 */
	for (i = 0; i < r->n_goods; i++)
		if (strcmp(r->goods[i].name, name) == 0) {
			r->goods[i].times += times;
			return;
		}
	if (r->n_goods == REPORT_GOODS_MAX)
		return;
	/* Keep the table's order: canonical names first, others as met. */
	for (i = r->n_goods;
	     i > 0 && rp_goods_rank(r->goods[i - 1].name) > rank; i--)
		r->goods[i] = r->goods[i - 1];
	snprintf(r->goods[i].name, sizeof(r->goods[i].name), "%s", name);
	r->goods[i].times = times;
	r->n_goods++;
}

int report_goods_text(const struct report_weekly_row *r, char *buf, size_t size)
{
	struct buf b = BUF_INIT;
	int n;

	for (size_t i = 0; i < r->n_goods; i++) {
		if (i)
			buf_adds(&b, "、");
		buf_adds(&b, r->goods[i].name);
	}
	n = snprintf(buf, size, "%s", b.s && !b.oom ? b.s : "");
	buf_release(&b);
	return n;
}

int report_wan_text(long long fen, char *buf, size_t size)
{
	/* 1 万元 = 1 000 000 fen; hundredths of 万元 = 10 000 fen. */
	long long h = (fen + 5000) / 10000;

	return snprintf(buf, size, "%lld.%02lld", h / 100, h % 100);
}

static long long rp_clamp(long long v, long long lo, long long hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* The units of the table and which row each area's records go to. */
struct rp_units {
	int *row_of_area; /* n_areas; -1: not in this table */
	int fallback;	  /* the row of records whose area is unknown */
	size_t n_streets;
};

static bool rp_row_shown(const struct wl_config *cfg,
			 const struct report_query *q, int u)
{
	if (q->area < 0)
		return true;
	if (cfg->areas[u].level == LEVEL_STREET)
		return case_area_within(cfg, u, q->area);
	return case_area_within(cfg, u, q->area) ||
	       case_area_within(cfg, q->area, u);
}

static int rp_rows_init(const struct wl_config *cfg,
			const struct report_query *q, struct report_weekly *w,
			struct rp_units *u)
{
	size_t n = 0, i;
	int *row_of_unit = NULL;

	memset(u, 0, sizeof(*u));
	u->fallback = -1;
	w->rows = calloc(cfg->n_areas + 1, sizeof(*w->rows));
	u->row_of_area = malloc((cfg->n_areas + 1) * sizeof(int));
	row_of_unit = malloc((cfg->n_areas + 1) * sizeof(int));
	if (!w->rows || !u->row_of_area || !row_of_unit) {
		free(row_of_unit);
		return WL_ENOMEM;
	}
	for (i = 0; i < cfg->n_areas; i++) {
		row_of_unit[i] = -1;
		if (cfg->areas[i].level == LEVEL_STREET)
			u->n_streets++;
	}
	/* Communities and villages in the config's order, then each street's
	 * own row, then the total. */
	for (int pass = 0; pass < 2; pass++)
		for (i = 0; i < cfg->n_areas; i++) {
			const struct wl_area *a = &cfg->areas[i];
			struct report_weekly_row *r = &w->rows[n];

			if (a->level !=
				(pass ? LEVEL_STREET : LEVEL_COMMUNITY) ||
			    !rp_row_shown(cfg, q, (int)i))
				continue;
			r->area = (int)i;
			r->street_own = pass == 1;
			if (pass == 1 && u->n_streets > 1) {
				char own[REPORT_NAME_MAX + 16];

				snprintf(own, sizeof(own), "%s本级", a->name);
				rp_copy(r->name, sizeof(r->name), own);
			} else {
				rp_copy(r->name, sizeof(r->name),
					pass ? "街道本级" : a->name);
			}
			row_of_unit[i] = (int)n++;
		}
	/* An area's unit: its nearest community (a grid's parent), else its
	 * nearest street (the street's own row). */
	for (i = 0; i < cfg->n_areas; i++) {
		int a, street = -1, comm = -1;

		for (a = (int)i; a >= 0; a = cfg->areas[a].parent) {
			if (comm < 0 && cfg->areas[a].level == LEVEL_COMMUNITY)
				comm = a;
			if (street < 0 && cfg->areas[a].level == LEVEL_STREET)
				street = a;
		}
		a = comm >= 0 ? comm : street;
		u->row_of_area[i] = a >= 0 ? row_of_unit[a] : -1;
	}
	/* Records of an area the config no longer has go to the first
	 * street's own row, when the whole table is asked for. */
	for (i = 0; q->area < 0 && i < cfg->n_areas; i++)
		if (cfg->areas[i].level == LEVEL_STREET) {
			u->fallback = row_of_unit[i];
			break;
		}
	w->rows[n].area = -1;
	w->rows[n].total = true;
	snprintf(w->rows[n].name, sizeof(w->rows[n].name), "合计");
	w->n_rows = n + 1;
	free(row_of_unit);
	return WL_OK;
}

static int rp_row_of(const struct wl_config *cfg, const struct report_query *q,
		     const struct rp_units *u, int area)
{
	if (area < 0)
		return q->area < 0 ? u->fallback : -1;
	if (!rp_area_in(cfg, q, area))
		return -1;
	return u->row_of_area[area];
}

static int rp_visit_events(const struct wl_config *cfg,
			   const struct report_data *d,
			   const struct report_query *q,
			   const struct rp_units *u, struct rp_events *ev)
{
	size_t i;
	json_t *v;

	json_array_foreach(d->visits, i, v)
	{
		const json_t *data = json_object_get(v, "data");
		long long at;
		int row;

		if (!rp_ll(v, "at", &at) || !rp_in(at, q))
			continue;
		row = rp_row_of(cfg, q, u, rp_visit_area(cfg, data));
		if (row < 0)
			continue;
		char cat[128];

		if (rp_event_add(
			ev, rp_person_key(data, "visit", rp_str(v, "id"), row),
			at, row,
			report_person_kind(rp_text(data, "person_category", cat,
						   sizeof(cat)))))
			return WL_ENOMEM;
	}
	return WL_OK;
}

static int rp_case_sums(const struct wl_config *cfg,
			const struct report_data *d,
			const struct report_query *q, const struct rp_units *u,
			struct report_weekly *w, struct rp_events *ev)
{
	size_t i;
	json_t *c;

	json_array_foreach(d->cases, i, c)
	{
		const char *src = rp_str(c, "source");
		bool visit = src && strcmp(src, "visit") == 0;
		struct report_weekly_row *r;
		long long created;
		int64_t at = 0;
		bool resolved;
		json_t *given, *g;
		size_t k;
		int row;

		if (rp_cancelled(c))
			continue;
		row = rp_row_of(cfg, q, u, rp_case_area(cfg, c));
		if (row < 0)
			continue;
		r = &w->rows[row];
		if (visit && rp_ll(c, "created", &created) && rp_in(created, q))
			r->found++;
		resolved = rp_resolved_in(c, q, &at);
		if (resolved && visit)
			r->solved++;
		/* Each measure counts in the period it was recorded in (办结,
		 * or 补录 later), while the case stands resolved. */
		if (!rp_done(c))
			continue;
		given = case_help_given(c);
		if (!given)
			return WL_ENOMEM;
		json_array_foreach(given, k, g)
		{
			int64_t gat =
			    json_integer_value(json_object_get(g, "at"));
			const char *m =
			    json_string_value(json_object_get(g, "m"));
			const struct case_measure *cm =
			    m ? case_measure_find(m) : NULL;
			long long times, fen;
			int mk;

			if (!rp_in(gat, q))
				continue;
			if (!resolved) {
				resolved = true;
				at = gat;
			}
			times = rp_clamp(
			    json_integer_value(json_object_get(g, "t")), 0,
			    RP_TIMES_MAX);
			fen = rp_clamp(
			    json_integer_value(json_object_get(g, "f")), 0,
			    RP_FEN_MAX);
			mk = cm ? (int)cm->kind
				: (int)json_integer_value(
				      json_object_get(g, "k"));
			if (mk == MEASURE_DIBAO || mk == MEASURE_TEKUN ||
			    mk == MEASURE_RELIEF) {
				r->relief_times += (long)times;
				r->relief_fen += fen;
			} else if (mk == MEASURE_GOODS) {
				rp_goods_add(r,
					     cm	 ? cm->name
					     : m ? m
						 : "其他物资",
					     (long)times);
				r->goods_times += (long)times;
			}
		}
		json_decref(given);
		if (!resolved)
			continue;
		if (rp_event_add(
			ev, rp_person_key(c, "case", rp_str(c, "no"), row), at,
			row, report_person_kind(rp_str(c, "person_category"))))
			return WL_ENOMEM;
	}
	return WL_OK;
}

/* Each person once: in the unit of their first record in the period,
 * under the first category known for them. */
static void rp_count_people(struct report_weekly *w, struct rp_events *ev)
{
	size_t i = 0, j;

	if (ev->n)
		qsort(ev->v, ev->n, sizeof(*ev->v), rp_event_cmp);
	while (i < ev->n) {
		int kind = -1;

		for (j = i;
		     j < ev->n && strcmp(ev->v[j].key, ev->v[i].key) == 0; j++)
			if (kind < 0)
				kind = ev->v[j].kind;
		if (kind >= 0)
			w->rows[ev->v[i].row].persons[kind]++;
		i = j;
	}
}

int report_weekly_compute(const struct wl_config *cfg,
			  const struct report_data *d,
			  const struct report_query *q,
			  struct report_weekly *out)
{
	struct rp_units u;
	struct rp_events ev = {NULL, 0, 0};
	struct report_weekly_row *tot;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = rp_rows_init(cfg, q, out, &u);
	if (rc)
		goto out;
	rc = rp_visit_events(cfg, d, q, &u, &ev);
	if (rc)
		goto out;
	rc = rp_case_sums(cfg, d, q, &u, out, &ev);
	if (rc)
		goto out;
	rp_count_people(out, &ev);
	tot = &out->rows[out->n_rows - 1];
	for (size_t i = 0; i + 1 < out->n_rows; i++) {
		const struct report_weekly_row *r = &out->rows[i];

		for (int k = 0; k < REPORT_PERSON_KINDS; k++)
			tot->persons[k] += r->persons[k];
		tot->relief_times += r->relief_times;
		tot->relief_fen += r->relief_fen;
		for (size_t g = 0; g < r->n_goods; g++)
			rp_goods_add(tot, r->goods[g].name, r->goods[g].times);
		tot->goods_times += r->goods_times;
		tot->found += r->found;
		tot->solved += r->solved;
	}
out:
	for (size_t i = 0; i < ev.n; i++)
		free(ev.v[i].key);
	free(ev.v);
	free(u.row_of_area);
	if (rc)
		report_weekly_release(out);
	return rc;
}

void report_weekly_release(struct report_weekly *w)
{
	free(w->rows);
	w->rows = NULL;
	w->n_rows = 0;
}

/* ------------------------------------------------------------------ */
/* tables */

static const struct report_col rp_weekly_cols[] = {
    {"unit", NULL, "单位", REPORT_TEXT, 16},
    {"dibao", NULL, "低保（人）", REPORT_INT, 8},
    {"tekun", NULL, "特困对象（人）", REPORT_INT, 8},
    {"elderly", NULL, "特殊困难老年人（人）", REPORT_INT, 10},
    {"children", NULL, "困境儿童（人）", REPORT_INT, 8},
    {"others", NULL, "其他困难群众（人）", REPORT_INT, 9},
    {"relief_times", NULL, "救助人次（人次）", REPORT_INT, 9},
    {"amount_wan", NULL, "支出金额（万元）", REPORT_DEC2, 10},
    {"goods", "其他救助方式", "救助方式", REPORT_TEXT, 20},
    {"goods_times", "其他救助方式", "救助人次", REPORT_INT, 9},
    {"found", NULL, "走访排查发现急难愁盼问题数", REPORT_INT, 12},
    {"solved", NULL, "走访排查解决急难愁盼问题数", REPORT_INT, 12},
};

static const struct report_col rp_visit_cols[] = {
    {"seq", NULL, "序号", REPORT_INT, 6},
    {"recorded", NULL, "登记时间", REPORT_TEXT, 17},
    {"town", NULL, "乡镇（街道）", REPORT_TEXT, 14},
    {"village", NULL, "村（社区）", REPORT_TEXT, 12},
    {"visit_time", NULL, "走访时间", REPORT_TEXT, 12},
    {"name", NULL, "姓名", REPORT_TEXT, 10},
    {"sex", NULL, "性别", REPORT_TEXT, 5},
    {"age", NULL, "年龄", REPORT_INT, 5},
    {"person_category", NULL, "人员类别", REPORT_TEXT, 16},
    {"health", NULL, "身体健康状况", REPORT_TEXT, 8},
    {"q1", "走访排查情况", "衣食住行医是否存在困难", REPORT_TEXT, 18},
    {"q2", "走访排查情况", "分开居住的家庭成员是否履行赡养扶养义务",
     REPORT_TEXT, 18},
    {"q3", "走访排查情况", "房屋和水电气暖设施是否存在安全隐患", REPORT_TEXT,
     18},
    {"q4", "走访排查情况", "是否有生活照料等服务需求", REPORT_TEXT, 18},
    {"notes", NULL, "探访记录", REPORT_TEXT, 24},
    {"problems", NULL, "存在问题", REPORT_TEXT, 24},
    {"measures", NULL, "解决措施及时限", REPORT_TEXT, 24},
    {"staff", NULL, "走访排查人", REPORT_TEXT, 10},
    {"deadline", NULL, "整改时限", REPORT_TEXT, 12},
};

static const struct report_col rp_need_cols[] = {
    {"seq", NULL, "序号", REPORT_INT, 6},
    {"no", NULL, "工单号", REPORT_TEXT, 8},
    {"created", NULL, "登记时间", REPORT_TEXT, 17},
    {"area", NULL, "所属区域", REPORT_TEXT, 16},
    {"name", NULL, "姓名", REPORT_TEXT, 10},
    {"age", NULL, "年龄", REPORT_INT, 5},
    {"person_category", NULL, "人员类别", REPORT_TEXT, 16},
    {"address", NULL, "住址", REPORT_TEXT, 22},
    {"phone", NULL, "联系电话", REPORT_TEXT, 14},
    {"need", NULL, "需求类别", REPORT_TEXT, 12},
    {"detail", NULL, "需求描述", REPORT_TEXT, 26},
    {"source", NULL, "来源", REPORT_TEXT, 10},
    {"urgency", NULL, "紧急程度", REPORT_TEXT, 6},
    {"measure", NULL, "救助措施", REPORT_TEXT, 10},
    {"person_times", NULL, "救助人次", REPORT_INT, 6},
    {"amount_yuan", NULL, "金额（元）", REPORT_DEC2, 10},
    {"status", NULL, "办理状态", REPORT_TEXT, 8},
    {"resolved", NULL, "办结时间", REPORT_TEXT, 17},
    {"staff", NULL, "责任人", REPORT_TEXT, 10},
    {"feedback", NULL, "回访意见", REPORT_TEXT, 20},
};

static const struct report_col rp_problem_cols[] = {
    {"seq", NULL, "序号", REPORT_INT, 6},
    {"no", NULL, "工单号", REPORT_TEXT, 8},
    {"found", NULL, "发现时间", REPORT_TEXT, 17},
    {"source", NULL, "问题来源", REPORT_TEXT, 10},
    {"area", NULL, "所属区域", REPORT_TEXT, 16},
    {"name", NULL, "涉及对象", REPORT_TEXT, 10},
    {"category", NULL, "问题类别", REPORT_TEXT, 14},
    {"problem", NULL, "问题描述", REPORT_TEXT, 26},
    {"measure", NULL, "整改措施", REPORT_TEXT, 24},
    {"deadline", NULL, "整改时限", REPORT_TEXT, 17},
    {"staff", NULL, "责任人", REPORT_TEXT, 10},
    {"status", NULL, "整改状态", REPORT_TEXT, 12},
    {"resolved", NULL, "办结时间", REPORT_TEXT, 17},
    {"feedback_at", "回头看", "回访时间", REPORT_TEXT, 17},
    {"solved", "回头看", "问题是否解决", REPORT_TEXT, 8},
    {"satisfaction", "回头看", "满意度", REPORT_TEXT, 8},
    {"feedback_note", "回头看", "回访情况", REPORT_TEXT, 22},
};

static const char *const rp_weekly_notes[] = {
    "填报人：　　　　　　　　　联系电话：", "备注：1、此表每周三报回。",
    "2、其他救助方式包括：采取发放取暖炉具、取暖煤和棉衣、棉被、电热毯等"
    "御寒取暖物资等方式。",
    "3、发现和解决问题情况（可附件简要说明）。", NULL};
static const char *const rp_visit_notes[] = {
    "走访排查人、困难群众签字见纸质记录表。", NULL};
static const char *const rp_need_notes[] = {"填报人：　　　　　　　　　"
					    "联系电话：",
					    NULL};
static const char *const rp_problem_notes[] = {
    "整改时限：12345 工单按其自带时限，其余按“24小时处置”规则计算。",
    "填报人：　　　　　　　　　联系电话：", NULL};

const char *report_cell(const struct report_table *t, size_t row, size_t col)
{
	const char *s;

	if (row >= t->n_rows || col >= t->n_cols)
		return "";
	s = t->cells[row * t->n_cols + col];
	return s ? s : "";
}

int report_col_header(const struct report_col *c, char *buf, size_t size)
{
	return c->group ? snprintf(buf, size, "%s-%s", c->group, c->name)
			: snprintf(buf, size, "%s", c->name);
}

void report_table_release(struct report_table *t)
{
	for (size_t i = 0; t->cells && i < t->n_rows * t->n_cols; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->n_rows = t->cap_rows = 0;
}

static int rp_add_row(struct report_table *t)
{
	if (t->n_rows == t->cap_rows) {
		size_t cap = t->cap_rows ? t->cap_rows * 2 : 32;
		char **c = realloc(t->cells, cap * t->n_cols * sizeof(*c));

		if (!c)
			return WL_ENOMEM;
		t->cells = c;
		t->cap_rows = cap;
	}
	memset(&t->cells[t->n_rows * t->n_cols], 0,
	       t->n_cols * sizeof(*t->cells));
	t->n_rows++;
	return WL_OK;
}

/* A printable copy: control characters (but newlines) become spaces,
 * invalid UTF-8 becomes U+FFFD, cut at RP_CELL_MAX bytes on a character
 * boundary. */
static char *rp_clean(const char *s)
{
	size_t len = strlen(s), i = 0;
	struct buf b = BUF_INIT;

	while (i < len && b.len < RP_CELL_MAX) {
		uint32_t cp;
		size_t n = text_utf8_decode(s + i, len - i, &cp);

		if (n == 0) {
			buf_adds(&b, "\xEF\xBF\xBD");
			i++;
			continue;
		}
		if ((cp < 0x20 && cp != '\n') || cp == 0x7F)
			buf_adds(&b, " ");
		else
			buf_add(&b, s + i, n);
		i += n;
	}
	if (!b.len)
		buf_adds(&b, "");
	return buf_detach(&b, NULL);
}

/* Sets a cell of the last row; NULL or "" leaves it empty. */
static int rp_set(struct report_table *t, size_t col, const char *s)
{
	char **cell = &t->cells[(t->n_rows - 1) * t->n_cols + col];

	if (!s || !*s)
		return WL_OK;
	free(*cell);
	*cell = rp_clean(s);
	return *cell ? WL_OK : WL_ENOMEM;
}

__attribute__((format(printf, 3, 4))) static int
rp_setf(struct report_table *t, size_t col, const char *fmt, ...)
{
	va_list ap;
	char tmp[256], *big;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return WL_EINTERNAL;
	if ((size_t)n < sizeof(tmp))
		return rp_set(t, col, tmp);
	/* Longer than the scratch buffer: format again, to the heap. */
	big = malloc((size_t)n + 1);
	if (!big)
		return WL_ENOMEM;
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	rc = rp_set(t, col, big);
	free(big);
	return rc;
}

static void rp_date_text(int32_t day, char *buf, size_t size, bool chinese)
{
	int y, m, d;

	sla_civil_from_day(day, &y, &m, &d);
	if (chinese)
		snprintf(buf, size, "%d年%d月%d日", y, m, d);
	else
		snprintf(buf, size, "%04d-%02d-%02d", y, m, d);
}

static void rp_time_text(int64_t ms, const struct report_query *q, char *buf,
			 size_t size)
{
	if (size < 17 || sla_format_local(ms, q->utc_offset_s, buf, size) < 0)
		snprintf(buf, size, "?");
}

/* 填报人 and 联系电话: the street's civil-affairs staff member (the one
 * with a phone first) of the street the report is for. */
static void rp_signer(const struct wl_config *cfg, const struct report_query *q,
		      struct report_table *t)
{
	int street = q->area;
	const struct wl_staff *best = NULL;

	while (street >= 0 && cfg->areas[street].parent >= 0)
		street = cfg->areas[street].parent;
	for (size_t i = 0; i < cfg->n_staff; i++) {
		const struct wl_staff *s = &cfg->staff[i];
		int a = s->area_idx;

		if (s->role != ROLE_STREET_STAFF || a < 0 ||
		    (street >= 0 && a != street) || cfg->areas[a].parent >= 0)
			continue;
		if (!best || (!best->phone && s->phone))
			best = s;
	}
	rp_copy(t->signer, sizeof(t->signer), best ? best->name : "");
	rp_copy(t->signer_phone, sizeof(t->signer_phone),
		best && best->phone ? best->phone : "");
}

static void rp_table_head(const struct wl_config *cfg,
			  const struct report_query *q, struct report_table *t)
{
	char a[64], b[64];
	size_t n = 0;

	t->kind = q->kind;
	if (q->area >= 0) {
		rp_copy(t->unit, sizeof(t->unit), cfg->areas[q->area].name);
	} else {
		struct buf u = BUF_INIT;

		for (size_t i = 0; i < cfg->n_areas; i++)
			if (cfg->areas[i].parent < 0) {
				if (n++)
					buf_adds(&u, "、");
				buf_adds(&u, cfg->areas[i].name);
			}
		rp_copy(t->unit, sizeof(t->unit), u.oom ? "" : u.s);
		buf_release(&u);
	}
	rp_time_text(q->now_ms, q, t->made, sizeof(t->made));
	rp_signer(cfg, q, t);
	if (q->bounded) {
		rp_date_text(q->from_day, t->from, sizeof(t->from), false);
		rp_date_text(q->to_day, t->to, sizeof(t->to), false);
		rp_date_text(q->from_day, a, sizeof(a), true);
		rp_date_text(q->to_day, b, sizeof(b), true);
		snprintf(t->period, sizeof(t->period), "%s至%s", a, b);
	} else {
		snprintf(t->period, sizeof(t->period), "全部（截至%.10s）",
			 t->made);
	}
}

static int rp_weekly_table(const struct wl_config *cfg,
			   const struct report_data *d,
			   const struct report_query *q, struct report_table *t)
{
	struct report_weekly w;
	char buf[1024];
	int rc = report_weekly_compute(cfg, d, q, &w);

	if (rc)
		return rc;
	t->title = "保障困难群众温暖过冬情况统计表";
	t->sheet = "周报表";
	t->cols = rp_weekly_cols;
	t->n_cols = WL_ARRAY_LEN(rp_weekly_cols);
	t->notes = rp_weekly_notes;
	t->total_row = true;
	for (size_t i = 0; i < w.n_rows && rc == WL_OK; i++) {
		const struct report_weekly_row *r = &w.rows[i];

		rc = rp_add_row(t);
		if (rc)
			break;
		rc |= rp_set(t, 0, r->name);
		for (int k = 0; k < REPORT_PERSON_KINDS; k++)
			rc |= rp_setf(t, 1 + (size_t)k, "%ld", r->persons[k]);
		rc |= rp_setf(t, 6, "%ld", r->relief_times);
		report_wan_text(r->relief_fen, buf, sizeof(buf));
		rc |= rp_set(t, 7, buf);
		report_goods_text(r, buf, sizeof(buf));
		rc |= rp_set(t, 8, buf);
		rc |= rp_setf(t, 9, "%ld", r->goods_times);
		rc |= rp_setf(t, 10, "%ld", r->found);
		rc |= rp_setf(t, 11, "%ld", r->solved);
	}
	report_weekly_release(&w);
	return rc ? WL_ENOMEM : WL_OK;
}

static const char *rp_staff_name(const struct wl_config *cfg, const char *id)
{
	for (size_t i = 0; id && i < cfg->n_staff; i++)
		if (strcmp(cfg->staff[i].id, id) == 0)
			return cfg->staff[i].name;
	return id;
}

/* 特殊困难老年人（独居） */
static int rp_set_category(struct report_table *t, size_t col, const json_t *o)
{
	char buf[160];
	const char *cat = rp_text(o, "person_category", buf, sizeof(buf));
	const char *sub = rp_str(o, "person_sub");

	if (cat && sub && strcmp(sub, "其他"))
		return rp_setf(t, col, "%s（%s）", cat, sub);
	return rp_set(t, col, cat);
}

/* A yes/no answer with its detail: "是：缺棉被，煤不够". */
static int rp_set_answer(struct report_table *t, size_t col, const json_t *data,
			 const char *q, const char *detail)
{
	char tmp[32];
	const char *a = rp_text(data, q, tmp, sizeof(tmp));
	const char *d = rp_str(data, detail);

	if (a && d)
		return rp_setf(t, col, "%s：%s", a, d);
	return rp_set(t, col, a);
}

static int rp_visit_table(const struct wl_config *cfg,
			  const struct report_data *d,
			  const struct report_query *q, struct report_table *t)
{
	static const char *const direct[][2] = {
	    {"town", "town"},
	    {"village", "village"},
	    {"visit_time", "visit_time"},
	    {"name", "name"},
	    {"sex", "sex"},
	    {"health", "health"},
	    {"notes", "notes"},
	    {"problems", "problems"},
	    {"measures", "measures"},
	};
	size_t i, seq = 0;
	json_t *v;
	int rc = WL_OK;

	t->title = "困难群众走访排查台账";
	t->sheet = "走访排查台账";
	t->cols = rp_visit_cols;
	t->n_cols = WL_ARRAY_LEN(rp_visit_cols);
	t->notes = rp_visit_notes;
	json_array_foreach(d->visits, i, v)
	{
		const json_t *data = json_object_get(v, "data");
		char tmp[128];
		long long at;

		if (!rp_ll(v, "at", &at) || !rp_in(at, q) ||
		    !rp_area_in(cfg, q, rp_visit_area(cfg, data)))
			continue;
		if (rp_add_row(t))
			return WL_ENOMEM;
		rc |= rp_setf(t, 0, "%zu", ++seq);
		rp_time_text(at, q, tmp, sizeof(tmp));
		rc |= rp_set(t, 1, tmp);
		for (size_t k = 0; k < WL_ARRAY_LEN(direct); k++) {
			size_t col = 0;

			while (strcmp(rp_visit_cols[col].key, direct[k][0]))
				col++;
			rc |= rp_set(
			    t, col,
			    rp_text(data, direct[k][1], tmp, sizeof(tmp)));
		}
		rc |= rp_set(t, 7, rp_text(data, "age", tmp, sizeof(tmp)));
		rc |= rp_set_category(t, 8, data);
		rc |= rp_set_answer(t, 10, data, "q1_hardship", "q1_detail");
		rc |= rp_set_answer(t, 11, data, "q2_family_support",
				    "q2_detail");
		rc |= rp_set_answer(t, 12, data, "q3_hazard", "q3_detail");
		rc |=
		    rp_set_answer(t, 13, data, "q4_service_need", "q4_detail");
		rc |= rp_set(t, 17, rp_staff_name(cfg, rp_str(data, "staff")));
		rc |= rp_set(t, 18, rp_str(data, "deadline"));
		if (rc)
			return WL_ENOMEM;
	}
	return WL_OK;
}

static const char *rp_status_label(const json_t *c)
{
	int s = case_status_parse(rp_str(c, "status"));

	return s >= 0 ? case_status_label((enum case_status)s)
		      : rp_str(c, "status");
}

/* The person in charge: who holds or resolved the case. */
static const char *rp_case_staff(const struct wl_config *cfg, const json_t *c)
{
	const char *by = rp_str(c, "claimed_by");

	if (!by)
		by = rp_str(c, "resolved_by");
	return by ? rp_staff_name(cfg, by) : "未认领";
}

static int rp_set_time(struct report_table *t, size_t col, const json_t *o,
		       const char *k, const struct report_query *q)
{
	char tmp[32];
	long long ms;

	if (!rp_ll(o, k, &ms) || ms <= 0)
		return WL_OK;
	rp_time_text(ms, q, tmp, sizeof(tmp));
	return rp_set(t, col, tmp);
}

static int rp_set_area(const struct wl_config *cfg, struct report_table *t,
		       size_t col, int area, const json_t *c)
{
	char *p;
	int rc;

	if (area < 0)
		return rp_set(t, col, rp_str(c, "area"));
	p = case_area_path(cfg, area);
	if (!p)
		return WL_ENOMEM;
	rc = rp_set(t, col, p);
	free(p);
	return rc;
}

/* Ledger rows: cases opened in the period, never the cancelled ones. */
static bool rp_ledger_case(const struct wl_config *cfg, const json_t *c,
			   const struct report_query *q, int *area)
{
	long long created;

	if (rp_cancelled(c) || !rp_ll(c, "created", &created) ||
	    !rp_in(created, q))
		return false;
	*area = rp_case_area(cfg, c);
	return rp_area_in(cfg, q, *area);
}

static bool rp_was_resolved(const json_t *c)
{
	const char *st = rp_str(c, "status");

	return st && (strcmp(st, "resolved") == 0 || strcmp(st, "closed") == 0);
}

/* The follow-up in the resident's words: "未解决，不满意：屋里还是冷". */
static int rp_set_feedback(struct report_table *t, size_t col, const json_t *c)
{
	const char *solved = rp_str(c, "solved");
	const char *sat = rp_str(c, "satisfaction");
	const char *said = rp_str(c, "comments");
	const char *note = rp_str(c, "feedback_note");
	struct buf b = BUF_INIT;
	int rc;

	if (solved && *solved)
		buf_adds(&b, strcmp(solved, "否") == 0 ? "未解决" : "已解决");
	if (sat && *sat)
		buf_addf(&b, "%s%s", b.len ? "，" : "", sat);
	if (said && *said && strcmp(said, "没有") && strcmp(said, "无"))
		buf_addf(&b, "%s%s", b.len ? "：" : "", said);
	if (note && *note)
		buf_addf(&b, "%s%s", b.len ? "；" : "", note);
	if (b.oom) {
		buf_release(&b);
		return WL_ENOMEM;
	}
	rc = b.len ? rp_set(t, col, b.s) : 0;
	buf_release(&b);
	return rc;
}

static int rp_need_table(const struct wl_config *cfg,
			 const struct report_data *d,
			 const struct report_query *q, struct report_table *t)
{
	size_t i, seq = 0;
	json_t *c;
	int rc = WL_OK;

	t->title = "困难群众过冬需求台账";
	t->sheet = "过冬需求台账";
	t->cols = rp_need_cols;
	t->n_cols = WL_ARRAY_LEN(rp_need_cols);
	t->notes = rp_need_notes;
	json_array_foreach(d->cases, i, c)
	{
		const char *urg = rp_str(c, "urgency");
		char tmp[32], *words;
		long long v;
		int area;

		if (!rp_ledger_case(cfg, c, q, &area))
			continue;
		if (rp_add_row(t))
			return WL_ENOMEM;
		rc |= rp_setf(t, 0, "%zu", ++seq);
		rc |= rp_set(t, 1, rp_str(c, "no"));
		rc |= rp_set_time(t, 2, c, "created", q);
		rc |= rp_set_area(cfg, t, 3, area, c);
		rc |= rp_set(t, 4, rp_str(c, "name"));
		rc |= rp_set(t, 5, rp_text(c, "age", tmp, sizeof(tmp)));
		rc |= rp_set_category(t, 6, c);
		rc |= rp_set(t, 7, rp_str(c, "address"));
		rc |= rp_set(t, 8, rp_str(c, "phone"));
		rc |= rp_set(t, 9, rp_str(c, "category"));
		words = case_words(c);
		rc |= rp_set(t, 10, words ? words : rp_str(c, "problem"));
		free(words);
		rc |= rp_set(t, 11, case_source_label(rp_str(c, "source")));
		rc |= rp_set(
		    t, 12, urg && strcmp(urg, "urgent") == 0 ? "紧急" : "一般");
		if (rp_was_resolved(c)) {
			json_t *given = case_help_given(c);
			/* Several measures: each with its person-times and
			 * amount; the two columns after hold the sums. */
			char *help = json_array_size(given) > 1
					 ? case_help_text(given)
					 : NULL;

			json_decref(given);
			rc |= rp_set(t, 13, help ? help : rp_str(c, "measure"));
			free(help);
			if (rp_ll(c, "person_times", &v))
				rc |= rp_setf(t, 14, "%lld", v);
			if (rp_ll(c, "amount_fen", &v) && v > 0)
				rc |= rp_setf(t, 15, "%lld.%02lld", v / 100,
					      v % 100);
			rc |= rp_set_time(t, 17, c, "resolved_at", q);
		}
		rc |= rp_set(t, 16, rp_status_label(c));
		rc |= rp_set(t, 18, rp_case_staff(cfg, c));
		rc |= rp_set_feedback(t, 19, c);
		if (rc)
			return WL_ENOMEM;
	}
	return WL_OK;
}

/* Problems: what visits found, hazards reported, and work orders handed
 * down by 12345. */
static bool rp_is_problem(const json_t *c)
{
	const char *src = rp_str(c, "source");

	return src &&
	       (strcmp(src, "visit") == 0 || strcmp(src, "flow:hazard") == 0 ||
		strcmp(src, "12345") == 0);
}

static int64_t rp_deadline(const struct wl_config *cfg, const json_t *c)
{
	long long dl, created;

	const char *own = rp_str(c, "deadline");
	int32_t day, off = 8 * 3600;

	if (rp_ll(c, "ext_deadline_ms", &dl) && dl > 0)
		return dl;
	/* the worker's own deadline on the visit form (12月5日前): the end
	 * of that day */
	if (own && sla_date_parse(own, &day) == 0) {
		if (cfg->timezone)
			(void)sla_tz_offset(cfg->timezone, &off);
		return sla_local_to_utc(day + 1, 0, off) - 1;
	}
	if (!rp_ll(c, "created", &created))
		return 0;
	return created + (int64_t)cfg->sla.handle_s * 1000;
}

bool report_is_problem(const json_t *c)
{
	return rp_is_problem(c);
}

int64_t report_problem_deadline(const struct wl_config *cfg, const json_t *c)
{
	return rp_deadline(cfg, c);
}

static int rp_problem_table(const struct wl_config *cfg,
			    const struct report_data *d,
			    const struct report_query *q,
			    struct report_table *t)
{
	size_t i, seq = 0;
	json_t *c;
	int rc = WL_OK;

	t->title = "问题整改台账";
	t->sheet = "问题整改台账";
	t->cols = rp_problem_cols;
	t->n_cols = WL_ARRAY_LEN(rp_problem_cols);
	t->notes = rp_problem_notes;
	json_array_foreach(d->cases, i, c)
	{
		bool done = rp_was_resolved(c);
		int64_t dl = rp_deadline(cfg, c);
		char tmp[32], *words;
		const char *m, *note;
		int area;

		if (!rp_is_problem(c) || !rp_ledger_case(cfg, c, q, &area))
			continue;
		if (rp_add_row(t))
			return WL_ENOMEM;
		rc |= rp_setf(t, 0, "%zu", ++seq);
		rc |= rp_set(t, 1, rp_str(c, "no"));
		rc |= rp_set_time(t, 2, c, "created", q);
		rc |= rp_set(t, 3, case_source_label(rp_str(c, "source")));
		rc |= rp_set_area(cfg, t, 4, area, c);
		rc |= rp_set(t, 5, rp_str(c, "name"));
		rc |= rp_set(t, 6, rp_str(c, "category"));
		words = rp_str(c, "problem") ? NULL : case_words(c);
		rc |= rp_set(
		    t, 7, rp_str(c, "problem") ? rp_str(c, "problem") : words);
		free(words);
		/* What was done; before that, the measure planned on the
		 * visit form. */
		m = done ? rp_str(c, "measure") : NULL;
		note = rp_str(c, "resolve_note");
		if (m && note && *note)
			rc |= rp_setf(t, 8, "%s：%s", m, note);
		else
			rc |= rp_set(t, 8, m ? m : rp_str(c, "measures"));
		if (dl > 0) {
			rp_time_text(dl, q, tmp, sizeof(tmp));
			rc |= rp_set(t, 9, tmp);
		}
		rc |= rp_set(t, 10, rp_case_staff(cfg, c));
		if (!done && dl > 0 && q->now_ms >= dl)
			rc |=
			    rp_setf(t, 11, "%s（已超期）", rp_status_label(c));
		else
			rc |= rp_set(t, 11, rp_status_label(c));
		if (done)
			rc |= rp_set_time(t, 12, c, "resolved_at", q);
		rc |= rp_set_time(t, 13, c, "feedback_at", q);
		rc |= rp_set(t, 14, rp_str(c, "solved"));
		rc |= rp_set(t, 15, rp_str(c, "satisfaction"));
		rc |= rp_set(t, 16,
			     rp_str(c, "feedback_note")
				 ? rp_str(c, "feedback_note")
				 : rp_str(c, "comments"));
		if (rc)
			return WL_ENOMEM;
	}
	return WL_OK;
}

int report_build(const struct wl_config *cfg, const struct report_data *d,
		 const struct report_query *q, struct report_table *t)
{
	int rc;

	memset(t, 0, sizeof(*t));
	rp_table_head(cfg, q, t);
	switch (q->kind) {
	case REPORT_WEEKLY: rc = rp_weekly_table(cfg, d, q, t); break;
	case REPORT_VISITS: rc = rp_visit_table(cfg, d, q, t); break;
	case REPORT_FORMS:
		rc = rp_visit_table(cfg, d, q, t);
		t->title = "困难群众走访排查记录表";
		t->sheet = "走访排查记录表";
		break;
	case REPORT_NEEDS: rc = rp_need_table(cfg, d, q, t); break;
	case REPORT_PROBLEMS: rc = rp_problem_table(cfg, d, q, t); break;
	default: rc = WL_EINTERNAL; break;
	}
	if (rc)
		report_table_release(t);
	return rc;
}
