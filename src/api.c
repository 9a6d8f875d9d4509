/*
 * api.c — the admin API (DESIGN §5): one table of endpoints, each behind
 * the admin token or an area-scoped token, except the signed, expiring
 * report download links (their signature is the authority). POST
 * /api/v1/debug/clock exists only in a daemon started with --fake-clock.
 */
#include "api.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api_int.h"
#include "calendar.h"
#include "case.h"
#include "case_index.h"
#include "console.h"
#include "engine.h"
#include "engine_sla.h"
#include "channel.h"
#include "clock.h"
#include "inbound.h"
#include "log.h"
#include "outbox.h"
#include "report.h"
#include "store.h"
#include "text.h"
#include "wl.h"

#define API_LIMIT_DEFAULT 50
#define API_LIMIT_MAX	  500

static int api_clock(struct http_ctx *h);
static int api_cases_list(struct http_ctx *h);
static int api_case_create(struct http_ctx *h);
static int api_case_route(struct http_ctx *h);
static int api_board(struct http_ctx *h);
static int api_session(struct http_ctx *h);
static int api_openapi(struct http_ctx *h);
static int api_monthly(struct http_ctx *h);

struct api_route {
	const char *method;
	const char *path;
	bool prefix;
	int (*fn)(struct http_ctx *h);
	bool fake_clock_only;
	bool public; /* no admin token: the handler checks its own proof */
};

/* The one table of admin endpoints. */
static const struct api_route api_routes[] = {
    {"POST", "/api/v1/debug/clock", false, api_clock, true, false},
    {"GET", "/api/v1/cases", false, api_cases_list, false, false},
    {"POST", "/api/v1/cases", false, api_case_create, false, false},
    {"GET", "/api/v1/cases/", true, api_case_route, false, false},
    {"POST", "/api/v1/cases/", true, api_case_route, false, false},
    {"GET", "/api/v1/board", false, api_board, false, false},
    {"GET", "/api/v1/session", false, api_session, false, false},
    {"GET", "/api/v1/summary/monthly", false, api_monthly, false, false},
    {"GET", "/api/v1/openapi.json", false, api_openapi, false, true},
    /* A signed, expiring report link (report_link.c); before the
     * reports prefix, which would take it for a report kind. */
    {"GET", REPORT_LINK_PATH, false, report_download, false, true},
    {"GET", "/api/v1/reports/", true, report_api, false, false},
};

#define API_SCOPED_MAX 256

/* Area-scoped tokens: read-only after api_load(). */
static struct {
	char *token;
	int area;
} api_scoped[API_SCOPED_MAX];
static size_t api_n_scoped;

void api_release(void)
{
	for (size_t i = 0; i < api_n_scoped; i++)
		free(api_scoped[i].token);
	api_n_scoped = 0;
}

int api_load(const struct wl_config *cfg, struct wl_diag *d)
{
	json_t *list =
	    json_object_get(json_object_get(cfg->root, "admin"), "scoped");
	size_t i;
	json_t *e;
	int rc = WL_OK;

	api_release();
	if (!list)
		return WL_OK;
	if (!json_is_array(list)) {
		diag_add(d, cfg->path, "admin.scoped", "expected array");
		return WL_EBADREQ;
	}
	json_array_foreach(list, i, e)
	{
		char where[64];
		const char *area =
		    json_string_value(json_object_get(e, "area"));
		const char *tok =
		    json_string_value(json_object_get(e, "token"));
		const char *env =
		    json_string_value(json_object_get(e, "token_env"));
		const char *k;
		json_t *v;
		int a;

		snprintf(where, sizeof(where), "admin.scoped[%zu]", i);
		json_object_foreach(
		    e, k, v) if (strcmp(k, "area") && strcmp(k, "token") &&
				 strcmp(k, "token_env") && k[0] != '#')
		{
			diag_add(d, cfg->path, where, "unknown key \"%.64s\"",
				 k);
			rc = WL_EBADREQ;
		}
		if (!json_is_object(e) || !area) {
			diag_add(d, cfg->path, where,
				 "needs \"area\" and \"token\" or "
				 "\"token_env\"");
			rc = WL_EBADREQ;
			continue;
		}
		a = config_area_index(cfg, area);
		if (a < 0) {
			diag_add(d, cfg->path, where, "unknown area \"%.64s\"",
				 area);
			rc = WL_EBADREQ;
			continue;
		}
		if (env && !tok) {
			tok = getenv(env);
			if (!tok || !*tok) {
				diag_add(
				    d, cfg->path, where,
				    "environment variable %.64s is not set",
				    env);
				rc = WL_EBADREQ;
				continue;
			}
		}
		if (!tok || strlen(tok) < 16 ||
		    (env && json_object_get(e, "token"))) {
			diag_add(d, cfg->path, where,
				 "one token (16 characters or more) is needed");
			rc = WL_EBADREQ;
			continue;
		}
		if (api_n_scoped < API_SCOPED_MAX) {
			api_scoped[api_n_scoped].token = strdup(tok);
			api_scoped[api_n_scoped].area = a;
			if (api_scoped[api_n_scoped].token)
				api_n_scoped++;
		}
	}
	return rc;
}

/* -2: not authorized; -1: the full admin token; else the area index of
 * a scoped token. */
static int api_authorized(const struct http_ctx *h)
{
	const char *auth = http_ctx_header(h, "Authorization");

	if (!auth || strncmp(auth, "Bearer ", 7) != 0)
		return -2;
	if (h->cfg->admin_token &&
	    chan_secure_equal(auth + 7, h->cfg->admin_token))
		return -1;
	for (size_t i = 0; i < api_n_scoped; i++)
		if (chan_secure_equal(auth + 7, api_scoped[i].token))
			return api_scoped[i].area;
	return -2;
}

static json_t *api_body_json(const struct http_ctx *h)
{
	json_error_t err;
	json_t *o =
	    json_loadb(h->body, h->body_len, JSON_REJECT_DUPLICATES, &err);

	if (!json_is_object(o)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int api_clock(struct http_ctx *h)
{
	json_t *o = api_body_json(h);
	json_t *adv = o ? json_object_get(o, "advance_s") : NULL;
	json_int_t s;
	int64_t now;

	if (!json_is_integer(adv) || (s = json_integer_value(adv)) < 0 ||
	    s > 10LL * 365 * 86400) {
		api_error(h, 400, "bad_request", "advance_s 应为秒数",
			  "advance_s must be an integer of seconds");
		json_decref(o);
		return WL_OK;
	}
	now = clock_advance((int64_t)s * 1000);
	log_info("api", "fake clock advanced seconds=%lld now_ms=%lld",
		 (long long)s, (long long)now);
	api_json(h, 200,
		 json_pack("{s:I, s:o}", "now_ms", (json_int_t)now, "now",
			   api_iso_json(now, api_zone_offset(h->cfg))));
	json_decref(o);
	return WL_OK;
}

static void api_reader_for(const struct http_ctx *h, const json_t *raw,
			   struct api_reader *rd)
{
	rd->staff = h->staff;
	rd->full = api_reader_full(h->cfg, h->staff, raw);
}

/* The case in the API's shape for this reader; NULL when outside the
 * reader's area (or gone). */
static json_t *api_case_for(const struct http_ctx *h, const redisReply *r,
			    int64_t now)
{
	json_t *raw;
	struct api_reader rd;
	const char *area;
	int a;

	if (!r || r->type != REDIS_REPLY_ARRAY || r->elements == 0)
		return NULL;
	raw = store_hash_object(r);
	if (!raw)
		return NULL;
	area = case_get(raw, "area");
	a = area ? config_area_index(h->cfg, area) : -1;
	if (h->scope >= 0 &&
	    (a < 0 || !case_area_within(h->cfg, a, h->scope))) {
		json_decref(raw);
		return NULL;
	}
	api_reader_for(h, raw, &rd);
	json_decref(raw);
	return api_case_v1(h->cfg, r, &rd, now);
}

/* The latest clock lateness of a v1 case in seconds, -1 when none. */
static long long api_late_s(const json_t *c)
{
	const char *k;
	json_t *v;
	long long worst = -1;

	json_object_foreach(json_object_get(c, "sla"), k, v)
	{
		json_t *l = json_object_get(v, "late_s");
		const char *st = json_string_value(json_object_get(v, "state"));

		if (json_is_integer(l) && st &&
		    (strcmp(st, "running") == 0 || strcmp(st, "paused") == 0) &&
		    json_integer_value(l) > worst)
			worst = json_integer_value(l);
	}
	return worst;
}

/* The ids of area a and every area below it, or null for every area
 * (a < 0): the index keeps cases by their own area. */
static json_t *api_area_ids(const struct wl_config *cfg, int a)
{
	json_t *ids;

	if (a < 0)
		return json_null();
	ids = json_array();
	for (size_t i = 0; ids && i < cfg->n_areas; i++)
		if (case_area_within(cfg, (int)i, a))
			json_array_append_new(ids,
					      json_string(cfg->areas[i].id));
	return ids;
}

/* Pages of the index the walk reads at most per request when a filter
 * the index does not hold (urgency, lateness) must look at each case. */
#define API_WALK_PAGES 20
#define API_WALK_BATCH 1000

/* The cases of q in scope, oldest first, into page (up to limit, after
 * the filter keep()), walking the index from q's cursor. *total: every
 * match in scope (-1 when the walk stopped before the end); *next: the
 * cursor after the page ("" when nothing follows). */
struct api_walk {
	bool counted; /* the index's own filters only: it counts */
	const char *urgency;
	bool overdue;
	long long min_late_s;
	int64_t to_ms;
	long long limit;
};

static int api_walk(struct http_ctx *h, json_t *q, const struct api_walk *w,
		    json_t *page, long long *total, char *next,
		    size_t next_size)
{
	bool counted = w->counted;
	int64_t now = clock_now_ms();
	long long n = 0, last_ms = -1, last_no = -1;
	bool done = false, more = false;
	int rc = WL_OK;

	*total = 0;
	next[0] = '\0';
	json_object_set_new(
	    q, "limit", json_integer(counted ? w->limit + 1 : API_WALK_BATCH));
	for (int pass = 0; pass < API_WALK_PAGES && !done; pass++) {
		json_t *counts = NULL, *cases = NULL;
		size_t i;
		json_t *raw;

		rc = case_index_query(q, &counts, &cases);
		if (rc != WL_OK)
			return rc;
		if (pass == 0 && counted) {
			json_t *st = json_object_get(q, "statuses");
			size_t j;
			json_t *sv;

			json_array_foreach(st, j, sv)
			{
				int k =
				    case_status_parse(json_string_value(sv));

				if (k >= 0)
					*total += json_integer_value(
					    json_array_get(counts, (size_t)k));
			}
		}
		json_array_foreach(cases, i, raw)
		{
			long long ms = strtoll(case_get(raw, "created")
						   ? case_get(raw, "created")
						   : "0",
					       NULL, 10);
			long long no = strtoll(
			    case_get(raw, "no") ? case_get(raw, "no") : "0",
			    NULL, 10);
			struct api_reader rd;
			const char *u = case_get(raw, "urgency");
			json_t *c;

			if (ms > w->to_ms) {
				done = true;
				break;
			}
			last_ms = ms;
			last_no = no;
			if (w->urgency &&
			    strcmp(u ? u : "normal", w->urgency) != 0)
				continue;
			rd.staff = h->staff;
			rd.full = api_reader_full(h->cfg, h->staff, raw);
			c = api_case_v1_obj(h->cfg, raw, &rd, now);
			if (!c) {
				rc = WL_ENOMEM;
				break;
			}
			if (w->overdue) {
				long long late = api_late_s(c);

				if (late < 0 || late < w->min_late_s) {
					json_decref(c);
					continue;
				}
				json_object_set_new(c, "late_s",
						    json_integer(late));
			}
			if (!counted)
				(*total)++;
			if (n < w->limit) {
				json_array_append_new(page, c);
				n++;
				snprintf(next, next_size, "%lld-%lld", ms, no);
			} else {
				more = true;
				json_decref(c);
				if (counted)
					done = true;
			}
		}
		if (json_array_size(cases) <
		    (size_t)json_integer_value(json_object_get(q, "limit")))
			done = true;
		json_decref(counts);
		json_decref(cases);
		if (rc != WL_OK)
			return rc;
		if (!done)
			json_object_set_new(q, "after",
					    json_pack("[I, I]",
						      (json_int_t)last_ms,
						      (json_int_t)last_no));
	}
	if (!done) {
		/* The walk stopped early: no total; go on from where it
		 * stopped when the page is not full. */
		*total = -1;
		if (n < w->limit)
			snprintf(next, next_size, "%lld-%lld", last_ms,
				 last_no);
		return WL_OK;
	}
	if (!more)
		next[0] = '\0';
	return WL_OK;
}

static int api_cases_list(struct http_ctx *h)
{
	static const char *const all[] = {"new", "claimed", "resolved",
					  "closed", "cancelled"};
	const char *status = http_ctx_arg(h, "status");
	const char *urgency = http_ctx_arg(h, "urgency");
	const char *area = http_ctx_arg(h, "area");
	const char *holder = http_ctx_arg(h, "claimed_by");
	const char *from = http_ctx_arg(h, "created_from");
	const char *to = http_ctx_arg(h, "created_to");
	const char *lim = http_ctx_arg(h, "limit");
	const char *cur = http_ctx_arg(h, "cursor");
	const char *overdue = http_ctx_arg(h, "overdue");
	const char *late_min = http_ctx_arg(h, "overdue_min_s");
	int32_t off = api_zone_offset(h->cfg);
	int64_t from_ms = 0, to_ms = SLA_TIME_MAX;
	long long cms = -1, cno = -1, total = 0;
	struct api_walk w = {0};
	char next[64];
	json_t *q = NULL, *cases = NULL, *sts;
	char *end;
	int a;

	w.limit = API_LIMIT_DEFAULT;
	if (status && case_status_parse(status) < 0) {
		api_error(h, 400, "bad_request",
			  "status 应为 new、claimed、resolved、closed 或 "
			  "cancelled",
			  "status must be new, claimed, resolved, closed or "
			  "cancelled");
		goto out;
	}
	if (urgency && strcmp(urgency, "normal") && strcmp(urgency, "urgent")) {
		api_error(h, 400, "bad_request",
			  "urgency 应为 normal 或 urgent",
			  "urgency must be normal or urgent");
		goto out;
	}
	if ((from && !api_time_parse(from, off, false, &from_ms)) ||
	    (to && !api_time_parse(to, off, true, &to_ms))) {
		api_error(
		    h, 400, "bad_request",
		    "created_from、created_to 应为日期 YYYY-MM-DD（含当天）"
		    "或 ISO 8601 时间",
		    "created_from and created_to take YYYY-MM-DD "
		    "(inclusive) or an ISO 8601 time");
		goto out;
	}
	if (lim) {
		w.limit = strtoll(lim, &end, 10);
		if (*end || w.limit < 1 || w.limit > API_LIMIT_MAX) {
			api_error(h, 400, "bad_request", "limit 应为 1 到 500",
				  "limit is 1..500");
			goto out;
		}
	}
	if (cur && !api_cursor_parse(cur, &cms, &cno)) {
		api_error(h, 400, "bad_request",
			  "cursor 无效，请使用上一页返回的 next_cursor",
			  "cursor is not one this API returned");
		goto out;
	}
	if (overdue && strcmp(overdue, "1") && strcmp(overdue, "true")) {
		api_error(h, 400, "bad_request", "overdue 应为 1",
			  "overdue must be 1");
		goto out;
	}
	if (late_min) {
		w.min_late_s = strtoll(late_min, &end, 10);
		if (*end || w.min_late_s < 0) {
			api_error(h, 400, "bad_request",
				  "overdue_min_s 应为秒数",
				  "overdue_min_s must be seconds");
			goto out;
		}
		overdue = "1";
	}
	if (holder && (strlen(holder) > 64 || !*holder)) {
		api_error(h, 400, "bad_request", "claimed_by 应为工作人员编号",
			  "claimed_by is a staff id");
		goto out;
	}
	a = area ? config_area_index(h->cfg, area) : h->scope;
	if (area && a < 0) {
		api_error(h, 400, "bad_request", "没有这个区域",
			  "unknown area");
		goto out;
	}
	if (h->scope >= 0 && !case_area_within(h->cfg, a, h->scope)) {
		api_error(h, 403, "forbidden", "只能查看本辖区的工单",
			  "this sign-in is limited to its own area");
		goto out;
	}
	w.urgency = urgency;
	w.overdue = overdue != NULL;
	w.to_ms = to_ms;
	/* Late cases are open ones. */
	sts = json_array();
	if (status)
		json_array_append_new(sts, json_string(status));
	for (size_t i = 0; !status && i < (overdue ? 3 : 5); i++)
		json_array_append_new(sts, json_string(all[i]));
	q = json_pack("{s:o, s:o, s:o}", "statuses", sts, "areas",
		      api_area_ids(h->cfg, a), "holder",
		      holder ? json_string(holder) : json_null());
	/* Strictly after the cursor, and from the first day asked for. */
	if (cms >= 0 && cms >= from_ms)
		json_object_set_new(q, "after", json_pack("[I, I]", cms, cno));
	else if (from_ms > 0)
		json_object_set_new(q, "after",
				    json_pack("[I, I]", (json_int_t)from_ms - 1,
					      (json_int_t)1 << 53));
	cases = json_array();
	if (!q || !cases) {
		api_error(h, 500, "internal", "服务器内存不足",
			  "out of memory");
		goto out;
	}
	/* Only the index's own filters (status, area, holder): it counts
	 * and one page is read; else the walk looks at each case. */
	w.counted = !urgency && !overdue && !from && !to;
	if (api_walk(h, q, &w, cases, &total, next, sizeof(next)) != WL_OK) {
		api_error(h, 503, "unavailable", "数据库暂不可用",
			  "redis unavailable");
		goto out;
	}
	/* A walk from a cursor counts only what follows it: then the total
	 * is the first page's to know. */
	api_json(h, 200,
		 json_pack("{s:O, s:o, s:I, s:o}", "cases", cases, "total",
			   total < 0 || (cur && !w.counted)
			       ? json_null()
			       : json_integer(total),
			   "limit", (json_int_t)w.limit, "next_cursor",
			   next[0] ? json_string(next) : json_null()));
out:
	json_decref(q);
	json_decref(cases);
	return WL_OK;
}

static bool api_no_ok(const char *no)
{
	size_t n = strlen(no);

	return n > 0 && n <= 12 && strspn(no, "0123456789") == n;
}

/* The case, then its timeline (the case_timeline script reads both the
 * list and the older stream form). */
static int api_case_get(struct http_ctx *h)
{
	const char *no = h->path + strlen("/api/v1/cases/");
	char key[160];
	const char *hget[] = {"HGETALL", key};
	const char *tlv[] = {store_prefix(), no, "1000"};
	redisReply *r = NULL, *t = NULL;
	json_t *o, *tl;

	if (!api_no_ok(no)) {
		api_error(h, 404, "not_found", "没有这个工单", "no such case");
		return WL_OK;
	}
	snprintf(key, sizeof(key), "%scase:%s", store_prefix(), no);
	if (store_command(&r, 2, hget, NULL) != WL_OK) {
		api_error(h, 503, "unavailable", "数据库暂不可用",
			  "redis unavailable");
		return WL_OK;
	}
	/* Outside the reader's area: as if there were no such case. */
	o = api_case_for(h, r, clock_now_ms());
	if (!o) {
		api_error(h, 404, "not_found", "没有这个工单", "no such case");
		goto out;
	}
	if (store_eval(STORE_CASE_TIMELINE, 3, tlv, NULL, &t) != WL_OK) {
		json_decref(o);
		api_error(h, 503, "unavailable", "数据库暂不可用",
			  "redis unavailable");
		goto out;
	}
	tl = json_array();
	for (size_t i = 0; t->type == REDIS_REPLY_ARRAY && i < t->elements;
	     i++) {
		const redisReply *e = t->element[i];

		if (e->type == REDIS_REPLY_ARRAY && e->elements == 2)
			json_array_append_new(
			    tl, api_event_v1(h->cfg, e->element[1]));
	}
	json_object_set_new(o, "timeline", tl);
	api_json(h, 200, o);
out:
	if (r)
		freeReplyObject(r);
	if (t)
		freeReplyObject(t);
	return WL_OK;
}

/* The board: every open case (new, claimed, resolved awaiting feedback)
 * in the reader's area with its clocks, and the area tree to lay them
 * out on; from the indexes the commit keeps, a page of 1000 per round
 * trip. */
static int api_board(struct http_ctx *h)
{
	struct api_walk w = {0};
	int64_t now = clock_now_ms();
	int32_t off = api_zone_offset(h->cfg);
	json_t *cases = json_array(), *areas = json_array(), *q;
	long long total;
	char next[64];

	/* Only the fields a card shows are read. */
	q = json_pack("{s:[s, s, s], s:o, s:n, s:[s, s, s, s, s, s, s, s, s]}",
		      "statuses", "new", "claimed", "resolved", "areas",
		      api_area_ids(h->cfg, h->scope), "holder", "fields", "no",
		      "status", "urgency", "area", "category", "name",
		      "claimed_by", "created", "sla");
	w.counted = false;
	w.to_ms = SLA_TIME_MAX;
	w.limit = API_WALK_PAGES * API_WALK_BATCH;
	if (!q || !cases || !areas) {
		api_error(h, 500, "internal", "服务器内存不足",
			  "out of memory");
		goto out;
	}
	if (api_walk(h, q, &w, cases, &total, next, sizeof(next)) != WL_OK) {
		api_error(h, 503, "unavailable", "数据库暂不可用",
			  "redis unavailable");
		goto out;
	}
	/* A board is polled every second: each card carries what it shows
	 * and nothing else (the case page reads the rest). */
	for (size_t i = 0; i < json_array_size(cases); i++) {
		static const char *const keep[] = {
		    "no",	  "status",	     "status_label", "urgency",
		    "area",	  "area_path",	     "category",     "name",
		    "claimed_by", "claimed_by_name", "created",	     "may_act",
		    "sla"};
		json_t *c = json_array_get(cases, i), *slim = json_object();

		for (size_t k = 0; slim && k < WL_ARRAY_LEN(keep); k++)
			if (json_object_get(c, keep[k]))
				json_object_set(slim, keep[k],
						json_object_get(c, keep[k]));
		if (!slim)
			continue;
		/* Only the clocks that count now: running or paused. */
		{
			json_t *sla = json_object_get(slim, "sla"), *live;
			const char *k;
			json_t *v;

			live = json_object();
			json_object_foreach(sla, k, v)
			{
				const char *st = json_string_value(
				    json_object_get(v, "state"));

				if (live && st &&
				    (!strcmp(st, "running") ||
				     !strcmp(st, "paused")))
					json_object_set(live, k, v);
			}
			if (live)
				json_object_set_new(slim, "sla", live);
		}
		json_array_set_new(cases, i, slim);
	}
	for (size_t i = 0; i < h->cfg->n_areas; i++) {
		const struct wl_area *ar = &h->cfg->areas[i];

		if (h->scope >= 0 &&
		    !case_area_within(h->cfg, (int)i, h->scope))
			continue;
		json_array_append_new(
		    areas,
		    json_pack(
			"{s:s, s:s, s:s, s:o}", "id", ar->id, "name", ar->name,
			"level", config_level_name(ar->level), "parent",
			ar->parent >= 0 &&
				(h->scope < 0 ||
				 case_area_within(h->cfg, ar->parent, h->scope))
			    ? json_string(h->cfg->areas[ar->parent].id)
			    : json_null()));
	}
	api_json(h, 200,
		 json_pack("{s:o, s:O, s:O, s:b}", "now",
			   api_iso_json(now, off), "areas", areas, "cases",
			   cases, "complete", total >= 0));
out:
	json_decref(q);
	json_decref(cases);
	json_decref(areas);
	return WL_OK;
}

/* Who is asking: the signed-in staff member with their CSRF token, or
 * the token's scope. */
static int api_session(struct http_ctx *h)
{
	char csrf[65];
	const struct wl_staff *st = h->staff;

	if (!st) {
		api_json(h, 200,
			 json_pack("{s:n, s:o}", "staff", "area",
				   h->scope >= 0
				       ? json_string(h->cfg->areas[h->scope].id)
				       : json_null()));
		return WL_OK;
	}
	console_csrf(h, csrf);
	api_json(h, 200,
		 json_pack("{s:{s:s, s:s, s:s, s:s, s:s}, s:s, s:s}", "staff",
			   "id", st->id, "name", st->name, "role",
			   config_role_name(st->role), "area", st->area,
			   "area_name", h->cfg->areas[st->area_idx].name,
			   "area", st->area, "csrf", csrf));
	return WL_OK;
}

static const char *api_jstr(json_t *o, const char *k, size_t max)
{
	json_t *v = json_object_get(o, k);

	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) > max ||
	    strpbrk(json_string_value(v), "\r\n"))
		return NULL;
	return json_string_value(v);
}

/* POST /api/v1/cases/{no}/actions: a staff action from the console, run
 * as the chat command it stands for, from the staff member's own chat
 * address, through the inbound path (the same engine step and commit).
 * The command's answer comes back here and goes to their chat too. */
static int api_case_action(struct http_ctx *h, const char *no)
{
	json_t *in = api_body_json(h), *said = json_array();
	const char *act = in ? api_jstr(in, "action", 16) : NULL;
	const char *text = in ? api_jstr(in, "text", 1000) : NULL;
	const struct wl_staff *st = h->staff;
	char cmd[1400], id[64];
	struct chan_msg msg;
	enum inbound_result res;
	int ch, rc;

	if (!st) {
		api_error(h, 403, "forbidden",
			  "操作需要以工作人员身份登录（在聊天中发送“登录”）",
			  "actions need a staff sign-in");
		goto out;
	}
	if (!act) {
		api_error(h, 400, "bad_request",
			  "action 应为 claim、transfer、note、reply 或 resolve",
			  "action is claim, transfer, note, reply or resolve");
		goto out;
	}
	if (strcmp(act, "claim") == 0)
		snprintf(cmd, sizeof(cmd), "认领 %s", no);
	else if (strcmp(act, "note") == 0 && text)
		snprintf(cmd, sizeof(cmd), "备注 %s %s", no, text);
	else if (strcmp(act, "reply") == 0 && text)
		snprintf(cmd, sizeof(cmd), "回复 %s %s", no, text);
	else if (strcmp(act, "transfer") == 0 && api_jstr(in, "area", 128))
		snprintf(cmd, sizeof(cmd), "转派 %s %s", no,
			 api_jstr(in, "area", 128));
	else if (strcmp(act, "resolve") == 0 && api_jstr(in, "measure", 32)) {
		json_t *pt = json_object_get(in, "person_times");
		json_t *yuan = json_object_get(in, "amount_yuan");
		char extra[64] = "";

		if ((pt &&
		     (!json_is_integer(pt) || json_integer_value(pt) < 1 ||
		      json_integer_value(pt) > 10000)) ||
		    (yuan &&
		     (!json_is_number(yuan) || json_number_value(yuan) < 0 ||
		      json_number_value(yuan) > 1e7))) {
			api_error(h, 400, "bad_request",
				  "人次应为 1 到 10000，金额应为元",
				  "person_times 1..10000, amount_yuan in yuan");
			goto out;
		}
		snprintf(extra, sizeof(extra), " %lld人次",
			 pt ? (long long)json_integer_value(pt) : 1LL);
		if (yuan && json_number_value(yuan) > 0) {
			size_t l = strlen(extra);

			snprintf(extra + l, sizeof(extra) - l, " %.2f元",
				 json_number_value(yuan));
		}
		snprintf(cmd, sizeof(cmd), "办结 %s %s%s%s%s", no,
			 api_jstr(in, "measure", 32), extra, text ? " " : "",
			 text ? text : "");
	} else {
		api_error(h, 400, "bad_request",
			  "操作或内容不完整：claim；note、reply 需要 text；"
			  "transfer 需要 area；resolve 需要 measure",
			  "claim; note and reply need text; transfer needs "
			  "area; resolve needs measure");
		goto out;
	}
	/* Outside the sign-in's area: as if there were no such case. */
	{
		char key[96];
		const char *hg[] = {"HGET", key, "area"};
		redisReply *r = NULL;
		int ca;

		snprintf(key, sizeof(key), "%scase:%s", store_prefix(), no);
		if (store_command(&r, 3, hg, NULL) != WL_OK) {
			api_error(h, 503, "unavailable", "数据库暂不可用",
				  "redis unavailable");
			goto out;
		}
		ca = r->type == REDIS_REPLY_STRING
			 ? config_area_index(h->cfg, r->str)
			 : -1;
		freeReplyObject(r);
		if (ca < 0 || !case_area_within(h->cfg, ca, h->scope)) {
			api_error(h, 404, "not_found", "没有这个工单",
				  "no such case");
			goto out;
		}
	}
	ch = config_channel(h->cfg, st->chat.channel)
		 ? (int)(config_channel(h->cfg, st->chat.channel) -
			 h->cfg->channels)
		 : -1;
	if (ch < 0 || !st->chat.to) {
		api_error(h, 409, "no_chat", "该工作人员没有配置聊天账号",
			  "this staff member has no chat configured");
		goto out;
	}
	/* Unique per action: the dedupe mark of a real message. The
	 * microseconds are in hex: in decimal they are an 11-digit number
	 * starting with 1 for hours of uptime, which reads as a mobile
	 * number in the log. */
	snprintf(id, sizeof(id), "console-%.24s-%lld-%llx", st->id,
		 (long long)clock_now_ms(),
		 (unsigned long long)clock_mono_us());
	memset(&msg, 0, sizeof(msg));
	msg.id = id;
	msg.from = st->chat.to;
	msg.text = cmd;
	msg.kind = (char *)(uintptr_t) "text";
	msg.name = st->name;
	rc = inbound_handle_said(h->cfg, ch, &msg, NULL, &res, said);
	if (rc != WL_OK) {
		api_error(h, 503, "unavailable", "数据库暂不可用，请重试",
			  "redis unavailable, try again");
		goto out;
	}
	log_info("api", "console action staff=%s case=%s action=%s", st->id, no,
		 act);
	api_json(h, 200,
		 json_pack("{s:s, s:s, s:O}", "action", act, "command", cmd,
			   "said", said));
out:
	json_decref(said);
	json_decref(in);
	return WL_OK;
}

/* GET /api/v1/cases/{no} and POST /api/v1/cases/{no}/actions. */
static int api_case_route(struct http_ctx *h)
{
	const char *rest = h->path + strlen("/api/v1/cases/");
	const char *slash = strchr(rest, '/');
	char no[16];

	if (!slash) {
		if (strcmp(h->method, "GET") != 0) {
			api_error(h, 405, "method_not_allowed", "不支持该方法",
				  "method not allowed");
			return WL_OK;
		}
		return api_case_get(h);
	}
	if ((size_t)(slash - rest) >= sizeof(no) ||
	    strcmp(slash, "/actions") != 0) {
		api_error(h, 404, "not_found", "没有这个接口",
			  "no such endpoint");
		return WL_OK;
	}
	memcpy(no, rest, (size_t)(slash - rest));
	no[slash - rest] = '\0';
	if (!api_no_ok(no)) {
		api_error(h, 404, "not_found", "没有这个工单", "no such case");
		return WL_OK;
	}
	if (strcmp(h->method, "POST") != 0) {
		api_error(h, 405, "method_not_allowed", "不支持该方法",
			  "method not allowed");
		return WL_OK;
	}
	return api_case_action(h, no);
}

/* The monthly progress summary (report_monthly.c, what the 19th's job
 * sends to chat) of the month so far: JSON, or ?format=txt to download.
 * It covers every unit, so only the whole-street view may read it. */
static int api_monthly(struct http_ctx *h)
{
	const char *fmt = http_ctx_arg(h, "format");
	struct buf text = BUF_INIT;
	int64_t now = clock_now_ms();
	int32_t off = api_zone_offset(h->cfg);
	int rc;

	if (h->scope >= 0 && h->cfg->areas[h->scope].parent >= 0) {
		api_error(h, 403, "forbidden", "月度小结只对街道开放",
			  "the monthly summary is for the whole street");
		return WL_OK;
	}
	if (fmt && strcmp(fmt, "json") && strcmp(fmt, "txt")) {
		api_error(h, 400, "bad_request", "format 应为 json 或 txt",
			  "format is json or txt");
		return WL_OK;
	}
	rc = report_monthly_text(h->cfg, now, &text);
	if (rc != WL_OK || text.oom) {
		api_error(h, wl_http_status(rc), "unavailable",
			  "暂时无法生成月度小结",
			  "the summary cannot be made now");
		buf_release(&text);
		return WL_OK;
	}
	if (fmt && strcmp(fmt, "txt") == 0) {
		char day[40];

		h->type = "text/plain; charset=utf-8";
		api_iso(now, off, day, sizeof(day));
		snprintf(h->filename, sizeof(h->filename),
			 "warmline-monthly-%.4s%.2s.txt", day, day + 5);
		buf_add(&h->out, text.s ? text.s : "", text.len);
	} else {
		api_json(h, 200,
			 json_pack("{s:o, s:s#}", "made",
				   api_iso_json(now, off), "text",
				   text.s ? text.s : "", text.len));
	}
	buf_release(&text);
	return WL_OK;
}

static int api_openapi(struct http_ctx *h)
{
	const struct console_asset *a = console_asset_find("openapi.json");

	if (!a) {
		api_error(h, 404, "not_found", "没有接口说明",
			  "no API description");
		return WL_OK;
	}
	h->type = "application/json; charset=utf-8";
	buf_add(&h->out, a->data, a->len);
	return WL_OK;
}

static const char *api_str(json_t *o, const char *k, size_t max)
{
	json_t *v = json_object_get(o, k);

	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) > max)
		return NULL;
	return json_string_value(v);
}

/* Start the response-time clocks of a case the API opens, as a message
 * would (engine_sla.c). */
static int api_plan(struct http_ctx *h, json_t *op)
{
	struct engine_in in;
	struct engine_out out;
	int rc;

	memset(&in, 0, sizeof(in));
	in.cfg = h->cfg;
	in.sla = inbound_sla_conf();
	in.now_ms = clock_now_ms();
	engine_out_init(&out);
	if (!out.cases || json_array_append(out.cases, op)) {
		engine_out_release(&out);
		return WL_ENOMEM;
	}
	rc = engine_sla_post(&in, &out);
	engine_out_release(&out);
	return rc;
}

/* A work order from 12345 or another system: opens a case, once per
 * ext_ref; status changes go back on the given generic channel. */
static int api_case_create(struct http_ctx *h)
{
	static const char *const keys[] = {"category", "detail", "address",
					   "name", "person_category"};
	json_t *in = api_body_json(h), *fields = NULL, *op = NULL, *d = NULL;
	const char *ext = api_str(in, "ext_ref", 64);
	const char *chan = api_str(in, "channel", 64);
	const char *area_s = api_str(in, "area", 128);
	const char *urg = api_str(in, "urgency", 16);
	const char *phone_s = api_str(in, "phone", 32);
	const struct wl_addr *duty[8];
	char phone[TEXT_PHONE_SIZE], *doc = NULL, *notice = NULL;
	const char *argv[2];
	redisReply *r = NULL;
	size_t nd;
	int area;
	json_t *dl, *dl_own = NULL;

	if (!in || !ext ||
	    strspn(ext, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij"
			"klmnopqrstuvwxyz0123456789-_.:") != strlen(ext)) {
		api_error(h, 400, "bad_request",
			  "需要 ext_ref（1-64 个字母、数字或 - _ . :）",
			  "ext_ref (1-64 of A-Z a-z 0-9 - _ . :) is required");
		goto out;
	}
	if (chan && (!config_channel(h->cfg, chan) ||
		     strcmp(config_channel(h->cfg, chan)->type, "generic"))) {
		api_error(h, 400, "bad_request",
			  "channel 应为 generic 类型的渠道",
			  "channel must be a generic channel id");
		goto out;
	}
	if (urg && strcmp(urg, "normal") && strcmp(urg, "urgent")) {
		api_error(h, 400, "bad_request",
			  "urgency 应为 normal 或 urgent",
			  "urgency must be normal or urgent");
		goto out;
	}
	if (phone_s && !text_parse_phone(phone_s, phone, sizeof(phone))) {
		api_error(h, 400, "bad_request", "phone 不是电话号码",
			  "phone is not a phone number");
		goto out;
	}
	area = area_s	       ? config_area_index(h->cfg, area_s)
	       : h->scope >= 0 ? h->scope
			       : case_route_area(h->cfg, NULL);
	if (area < 0) {
		api_error(h, 400, "bad_request", "没有这个区域",
			  "unknown area");
		goto out;
	}
	if (h->scope >= 0 && !case_area_within(h->cfg, area, h->scope)) {
		api_error(h, 403, "forbidden", "只能在本辖区内操作",
			  "this sign-in is limited to its own area");
		goto out;
	}
	dl = json_object_get(in, "deadline_ms");
	if (json_is_string(json_object_get(in, "deadline"))) {
		int64_t ms;

		if (!api_time_parse(
			json_string_value(json_object_get(in, "deadline")),
			api_zone_offset(h->cfg), true, &ms)) {
			api_error(h, 400, "bad_request",
				  "deadline 应为 ISO 8601 时间",
				  "deadline must be an ISO 8601 time");
			goto out;
		}
		dl = dl_own = json_integer(ms);
	}
	if (dl && !json_is_integer(dl)) {
		api_error(h, 400, "bad_request", "deadline 应为 ISO 8601 时间",
			  "deadline must be an ISO 8601 time");
		goto out;
	}
	fields = json_object();
	for (size_t i = 0; i < WL_ARRAY_LEN(keys); i++) {
		const char *v = api_str(in, keys[i], 1000);

		if (v)
			json_object_set_new(fields, keys[i], json_string(v));
	}
	if (phone_s)
		json_object_set_new(fields, "phone", json_string(phone));
	if (dl)
		json_object_set_new(
		    fields, "ext_deadline_ms",
		    json_sprintf("%lld", (long long)json_integer_value(dl)));
	if (chan)
		json_object_set_new(fields, "ext_channel", json_string(chan));
	op = json_pack("{s:s, s:O, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[]}",
		       "op", "open", "fields", fields, "urgency",
		       urg ? urg : "normal", "area", h->cfg->areas[area].id,
		       "source", "12345", "channel", "", "from", "", "who",
		       "api", "detail", ext, "notify");
	notice = case_notice(h->cfg, fields, "{case.no}", urg ? urg : "normal",
			     area);
	nd = case_duty_chain(h->cfg, area, urg && !strcmp(urg, "urgent"), duty,
			     8);
	for (size_t i = 0; op && notice && i < nd; i++)
		json_array_append_new(json_object_get(op, "notify"),
				      json_pack("{s:s, s:s, s:s}", "channel",
						duty[i]->channel, "to",
						duty[i]->to, "text", notice));
	if (op && api_plan(h, op) != WL_OK) {
		http_json_error(h, 500, "internal", "out of memory");
		goto out;
	}
	d = op ? json_pack("{s:I, s:s, s:O}", "now", (json_int_t)clock_now_ms(),
			   "ext_ref", ext, "op", op)
	       : NULL;
	doc = d ? json_dumps(d, JSON_COMPACT) : NULL;
	if (!doc) {
		http_json_error(h, 500, "internal", "out of memory");
		goto out;
	}
	argv[0] = store_prefix();
	argv[1] = doc;
	if (store_eval(STORE_CASE_CREATE, 2, argv, NULL, &r) != WL_OK ||
	    r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
		http_json_error(h, 503, "unavailable", "redis unavailable");
		goto out;
	}
	if (strcmp(r->element[0]->str, "CREATED") == 0)
		outbox_wake();
	api_json(h, strcmp(r->element[0]->str, "CREATED") == 0 ? 201 : 200,
		 json_pack("{s:I, s:s, s:b}", "no",
			   (json_int_t)strtoll(r->element[1]->str, NULL, 10),
			   "ext_ref", ext, "created",
			   strcmp(r->element[0]->str, "CREATED") == 0));
out:
	if (r)
		freeReplyObject(r);
	free(doc);
	free(notice);
	json_decref(d);
	json_decref(op);
	json_decref(fields);
	json_decref(dl_own);
	json_decref(in);
	return WL_OK;
}

/* What an area-scoped token may ask before its handler runs: no debug
 * routes; reports only for an area inside its own. */
static bool api_scope_ok(const struct http_ctx *h, const struct api_route *r)
{
	const char *area;
	int a;

	if (r->fake_clock_only)
		return false;
	if (strncmp(r->path, "/api/v1/reports/", 16) == 0) {
		area = http_ctx_arg(h, "area");
		a = area ? config_area_index(h->cfg, area) : -1;
		return a >= 0 && case_area_within(h->cfg, a, h->scope);
	}
	return true;
}

int api_handle(struct http_ctx *h)
{
	bool path_known = false;

	for (size_t i = 0; i < WL_ARRAY_LEN(api_routes); i++) {
		const struct api_route *r = &api_routes[i];

		if (r->prefix ? strncmp(h->path, r->path, strlen(r->path)) != 0
			      : strcmp(h->path, r->path) != 0)
			continue;
		if (r->fake_clock_only && !clock_is_fake())
			continue;
		path_known = true;
		if (strcmp(h->method, r->method) != 0)
			continue;
		if (r->public)
			return r->fn(h);
		h->scope = api_authorized(h);
		if (h->scope == -2 && (h->staff = console_session(h)) != NULL) {
			/* A console session: the staff member's own area. */
			h->scope = h->staff->area_idx;
			if (strcmp(h->method, "GET") != 0 &&
			    !console_csrf_ok(h)) {
				api_error(h, 403, "csrf",
					  "页面已过期，请刷新后重试",
					  "missing or wrong X-CSRF-Token");
				return WL_OK;
			}
		}
		if (h->scope == -2) {
			api_error(h, 401, "unauthorized",
				  "需要有效的令牌或登录（在聊天中发送“登录”）",
				  "a valid admin token or sign-in is required");
			return WL_OK;
		}
		if (h->scope >= 0 && !api_scope_ok(h, r)) {
			api_error(h, 403, "forbidden", "只能查看本辖区的数据",
				  "this sign-in is limited to its own area");
			return WL_OK;
		}
		return r->fn(h);
	}
	if (path_known)
		api_error(h, 405, "method_not_allowed", "不支持该方法",
			  "method not allowed");
	else
		api_error(h, 404, "not_found", "没有这个接口",
			  "no such endpoint");
	return WL_OK;
}
