/*
 * schedule.c — jobs at a time of day (see schedule.h).
 */
#include "schedule.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "calendar.h"
#include "case.h"
#include "case_index.h"
#include "clock.h"
#include "engine.h"
#include "engine_sla.h"
#include "log.h"
#include "report.h"
#include "sla.h"
#include "store.h"
#include "text.h"
#include "wl.h"

#define SCHED_DONE_TTL_S (8 * 86400)
/* The digest reads every open case, 1000 a page, up to 200 pages. */
#define SCHED_PAGE	1000
#define SCHED_MAX_PAGES 200
#define SCHED_DAY_MS	86400000LL

struct sched_job {
	const char *name;
	const char *def; /* the default "HH:MM" or "三 HH:MM" */
	int (*run)(const struct wl_config *cfg, const struct sla_conf *sla,
		   int64_t now, struct buf *text);
	/* Filled by schedule_load. */
	bool on;
	int weekday; /* -1 daily, 1..7; 100 + N: monthly on day N */
	int32_t tod_ms;
};

static int sched_digest(const struct wl_config *cfg, const struct sla_conf *sla,
			int64_t now, struct buf *text);
static int sched_weekly(const struct wl_config *cfg, const struct sla_conf *sla,
			int64_t now, struct buf *text);
static int sched_monthly(const struct wl_config *cfg,
			 const struct sla_conf *sla, int64_t now,
			 struct buf *text);

/* The one table of jobs. */
static struct sched_job sched_jobs[] = {
    {"overdue_digest", "08:00", sched_digest, false, -1, 0},
    {"weekly_report", "三 09:00", sched_weekly, false, -1, 0},
    /* "每月20日前向街道报送救助进展、整改情况" */
    {"monthly_summary", "19日 09:00", sched_monthly, false, -1, 0},
};

static int32_t sched_offset_s = 8 * 3600;

static const char *const sched_weekdays[] = {"一", "二", "三", "四",
					     "五", "六", "日"};

/* "08:00", "三 09:00", "3 09:00", "19日 09:00", "off" -> job fields;
 * false if bad. */
static bool sched_parse(const char *s, struct sched_job *j)
{
	const char *t = s;
	char *end;
	long h, m;

	j->on = true;
	j->weekday = -1;
	if (strcmp(s, "off") == 0) {
		j->on = false;
		return true;
	}
	for (int i = 0; i < 7; i++) {
		size_t n = strlen(sched_weekdays[i]);

		if (strncmp(s, sched_weekdays[i], n) == 0 && s[n] == ' ') {
			j->weekday = i + 1;
			t = s + n + 1;
		}
	}
	if (j->weekday < 0 && s[0] >= '1' && s[0] <= '7' && s[1] == ' ') {
		j->weekday = s[0] - '0';
		t = s + 2;
	}
	if (j->weekday < 0) {
		/* "19日 09:00": a day of the month (1..28, so every month
		 * has it). */
		long day = strtol(s, &end, 10);

		if (end != s && strncmp(end, "日 ", 4) == 0) {
			if (day < 1 || day > 28)
				return false;
			j->weekday = 100 + (int)day;
			t = end + 4;
		}
	}
	h = strtol(t, &end, 10);
	if (end == t || *end != ':' || h < 0 || h > 23)
		return false;
	t = end + 1;
	m = strtol(t, &end, 10);
	if (end != t + 2 || *end || m < 0 || m > 59)
		return false;
	j->tod_ms = (int32_t)((h * 60 + m) * 60000);
	return true;
}

int schedule_load(const struct wl_config *cfg, struct wl_diag *d)
{
	json_t *o = json_object_get(cfg->root, "schedules");
	const char *k;
	json_t *v;
	int rc = WL_OK;

	if (sla_tz_offset(cfg->timezone, &sched_offset_s) != WL_OK)
		sched_offset_s = 8 * 3600;
	if (o && !json_is_object(o)) {
		diag_add(d, cfg->path, "schedules", "expected object, got %s",
			 sla_json_type(o));
		return WL_EBADREQ;
	}
	for (size_t i = 0; i < WL_ARRAY_LEN(sched_jobs); i++)
		sched_parse(sched_jobs[i].def, &sched_jobs[i]);
	json_object_foreach(o, k, v)
	{
		struct sched_job *j = NULL;
		char where[160];

		if (k[0] == '#')
			continue;
		sla_path_key(where, sizeof(where), "schedules", k);
		for (size_t i = 0; i < WL_ARRAY_LEN(sched_jobs); i++)
			if (strcmp(sched_jobs[i].name, k) == 0)
				j = &sched_jobs[i];
		if (!j) {
			diag_add(d, cfg->path, where,
				 "unknown job (known: overdue_digest, "
				 "weekly_report, monthly_summary)");
			rc = WL_EBADREQ;
		} else if (!json_is_string(v) ||
			   !sched_parse(json_string_value(v), j)) {
			diag_add(d, cfg->path, where,
				 "expected \"HH:MM\", \"三 HH:MM\", "
				 "\"19日 HH:MM\" or \"off\"");
			sched_parse(j->def, j);
			rc = WL_EBADREQ;
		}
	}
	return rc;
}

int64_t schedule_next(int weekday, int32_t tod_ms, int32_t offset_s,
		      int64_t now_ms)
{
	int32_t tod;
	int32_t day = sla_local_day(now_ms, offset_s, &tod);

	for (int i = 0; i < 62; i++, day++) {
		int64_t at = sla_local_to_utc(day, tod_ms, offset_s);
		int y, m, d;

		if (at <= now_ms)
			continue;
		if (weekday > 100) {
			sla_civil_from_day(day, &y, &m, &d);
			if (d != weekday - 100)
				continue;
		} else if (weekday > 0 && sla_weekday(day) != weekday) {
			continue;
		}
		return at;
	}
	return now_ms + SCHED_DAY_MS;
}

static void sched_member(const struct sched_job *j, int64_t at, char *buf,
			 size_t size)
{
	int32_t tod;
	int32_t day = sla_local_day(at, sched_offset_s, &tod);
	int y, m, dd;

	sla_civil_from_day(day, &y, &m, &dd);
	snprintf(buf, size, "sched:%s:%04d-%02d-%02d", j->name, y, m, dd);
}

int schedule_ensure(const struct wl_config *cfg)
{
	int64_t now = clock_now_ms();
	int rc = WL_OK;

	for (size_t i = 0; i < WL_ARRAY_LEN(sched_jobs); i++) {
		const struct sched_job *j = &sched_jobs[i];
		char key[160], member[96], at[32];
		const char *argv[] = {"ZADD", key, "NX", at, member};
		redisReply *r = NULL;
		int64_t next;

		if (!j->on)
			continue;
		next =
		    schedule_next(j->weekday, j->tod_ms, sched_offset_s, now);
		sched_member(j, next, member, sizeof(member));
		snprintf(key, sizeof(key), "%stimers", store_prefix());
		snprintf(at, sizeof(at), "%lld", (long long)next);
		if (store_command(&r, 5, argv, NULL) != WL_OK)
			rc = WL_EREDIS;
		if (r)
			freeReplyObject(r);
	}
	return rc;
}

/* Every staff member of a role, and the street duty chats. */
static void sched_recipients(const struct wl_config *cfg, json_t *out,
			     const char *text)
{
	for (size_t i = 0; i < cfg->n_staff; i++)
		if (cfg->staff[i].role == ROLE_SUPERVISOR)
			engine_say(cfg, out, cfg->staff[i].chat.channel,
				   cfg->staff[i].chat.to, text);
	for (size_t i = 0; i < cfg->n_areas; i++)
		if (cfg->areas[i].parent < 0 && cfg->areas[i].duty.channel)
			engine_say(cfg, out, cfg->areas[i].duty.channel,
				   cfg->areas[i].duty.to, text);
}

/* Every open case (new, claimed, resolved), oldest first, read whole
 * from the indexes a page at a time. NULL on a Redis error. */
static json_t *sched_open_cases(void)
{
	json_t *all = json_array(), *q, *counts = NULL, *page = NULL;
	int rc = WL_ENOMEM;

	q = json_pack("{s:[s,s,s], s:n, s:n, s:n, s:i}", "statuses", "new",
		      "claimed", "resolved", "areas", "holder", "after",
		      "limit", SCHED_PAGE);
	if (!all || !q)
		goto out;
	for (int n = 0; n < SCHED_MAX_PAGES; n++) {
		const json_t *last;

		rc = case_index_query(q, &counts, &page);
		if (rc != WL_OK)
			goto out;
		json_array_extend(all, page);
		last = json_array_get(page, json_array_size(page) - 1);
		if (json_array_size(page) < SCHED_PAGE || !last)
			break;
		json_object_set_new(
		    q, "after",
		    json_pack(
			"[s,s]",
			case_get(last, "created") ? case_get(last, "created")
						  : "0",
			case_get(last, "no") ? case_get(last, "no") : "0"));
		json_decref(counts);
		json_decref(page);
		counts = page = NULL;
	}
	rc = WL_OK;
out:
	json_decref(counts);
	json_decref(page);
	json_decref(q);
	if (rc != WL_OK) {
		json_decref(all);
		all = NULL;
	}
	return all;
}

static int sched_digest(const struct wl_config *cfg, const struct sla_conf *sla,
			int64_t now, struct buf *text)
{
	json_t *cases = sched_open_cases();
	struct engine_in in;
	size_t total;
	char day[32];

	if (!cases)
		return WL_EREDIS;
	memset(&in, 0, sizeof(in));
	in.cfg = cfg;
	in.sla = sla;
	in.now_ms = now;
	sla_format_local(now, sched_offset_s, day, sizeof(day));
	day[10] = '\0';
	buf_addf(text, "【逾期工单日报】%s", day);
	total = engine_sla_overdue(&in, cases, NULL, text);
	if (!total)
		buf_adds(text, "\n今日没有逾期工单。");
	else
		buf_addf(text, "\n共 %zu 件。发送“逾期”可随时查看。", total);
	json_decref(cases);
	return text->oom ? WL_ENOMEM : WL_OK;
}

/* The last complete reporting week's table (附件2), as chat text. */
static int sched_weekly(const struct wl_config *cfg, const struct sla_conf *sla,
			int64_t now, struct buf *text)
{
	struct report_query q;
	struct report_data data;
	struct report_weekly w = {0};
	char err[256], from[16], to[16], link[REPORT_LINK_MAX];
	int y, m, d, rc;

	rc = report_query_init(cfg, REPORT_WEEKLY, NULL, NULL, NULL, NULL, now,
			       &q, err, sizeof(err));
	if (rc != WL_OK)
		return rc;
	report_data_init(&data);
	rc = report_load(cfg, &q, &data);
	if (rc == WL_OK)
		rc = report_weekly_compute(cfg, &data, &q, &w);
	if (rc != WL_OK)
		goto out;
	sla_civil_from_day(q.from_day, &y, &m, &d);
	snprintf(from, sizeof(from), "%04d-%02d-%02d", y, m, d);
	sla_civil_from_day(q.to_day, &y, &m, &d);
	snprintf(to, sizeof(to), "%04d-%02d-%02d", y, m, d);
	buf_addf(text, "【保障困难群众温暖过冬周报】%s 至 %s", from, to);
	for (size_t i = 0; i < w.n_rows; i++) {
		const struct report_weekly_row *r = &w.rows[i];
		char goods[256], wan[32];

		report_goods_text(r, goods, sizeof(goods));
		report_wan_text(r->relief_fen, wan, sizeof(wan));
		buf_addf(
		    text,
		    "\n%s：低保%ld人 特困%ld人 特殊困难老年人%ld人 困境儿童"
		    "%ld人 其他%ld人；救助%ld人次 %s万元；其他救助%s%ld人次"
		    "；发现问题%ld 解决%ld",
		    r->name, r->persons[REPORT_DIBAO], r->persons[REPORT_TEKUN],
		    r->persons[REPORT_ELDERLY], r->persons[REPORT_CHILD],
		    r->persons[REPORT_OTHERS], r->relief_times, wan,
		    goods[0] ? goods : "", r->goods_times, r->found, r->solved);
	}
	/* A link that works for a week without the admin token. */
	if (report_link(cfg, REPORT_WEEKLY, to, NULL, REPORT_XLSX, now,
			7 * SCHED_DAY_MS, link, sizeof(link)) == WL_OK)
		buf_addf(text, "\n完整表格（XLSX，7天内有效）：%s", link);
	else
		buf_addf(text,
			 "\n完整表格：warmline report weekly --week %s "
			 "--format xlsx",
			 to);
out:
	report_weekly_release(&w);
	report_data_release(&data);
	return rc != WL_OK ? rc : text->oom ? WL_ENOMEM : WL_OK;
}

static int sched_monthly(const struct wl_config *cfg,
			 const struct sla_conf *sla, int64_t now,
			 struct buf *text)
{
	return report_monthly_text(cfg, now, text);
}

int schedule_fire(const struct wl_config *cfg, const struct sla_conf *sla,
		  const char *member)
{
	const struct sched_job *j = NULL;
	struct buf text = BUF_INIT;
	json_t *out = json_array(), *doc = NULL;
	char next_member[96], *s = NULL;
	const char *argv[2];
	redisReply *r = NULL;
	int64_t now = clock_now_ms(), next;
	int rc = WL_OK;

	for (size_t i = 0; i < WL_ARRAY_LEN(sched_jobs); i++) {
		size_t n = strlen(sched_jobs[i].name);

		if (strncmp(member + 6, sched_jobs[i].name, n) == 0 &&
		    member[6 + n] == ':')
			j = &sched_jobs[i];
	}
	if (!j || !j->on || !out) {
		log_warn("schedule", "dropping job entry=%s", member);
		goto out;
	}
	rc = j->run(cfg, sla, now, &text);
	if (rc != WL_OK)
		goto out;
	sched_recipients(cfg, out, text.s);
	next = schedule_next(j->weekday, j->tod_ms, sched_offset_s, now);
	sched_member(j, next, next_member, sizeof(next_member));
	doc =
	    json_pack("{s:s, s:I, s:I, s:O, s:s, s:I}", "done", member, "ttl",
		      (json_int_t)SCHED_DONE_TTL_S, "now", (json_int_t)now,
		      "out", out, "next", next_member, "at", (json_int_t)next);
	s = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	if (!s) {
		rc = WL_ENOMEM;
		goto out;
	}
	argv[0] = store_prefix();
	argv[1] = s;
	rc = store_eval(STORE_SCHED_RUN, 2, argv, NULL, &r);
	if (rc == WL_OK)
		log_info("schedule", "job ran entry=%s messages=%zu first=%s",
			 member, json_array_size(out),
			 r->type == REDIS_REPLY_INTEGER && r->integer ? "yes"
								      : "no");
out:
	if (r)
		freeReplyObject(r);
	free(s);
	json_decref(doc);
	json_decref(out);
	buf_release(&text);
	return rc;
}
