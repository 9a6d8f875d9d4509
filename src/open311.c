/*
 * open311.c — Open311 GeoReport v2, read endpoints (see open311.h).
 *
 * Services are the intake flows and the other ways a case is opened; a
 * request is a case: service_request_id is the case number, status is
 * open (待认领, 处理中) or closed (已办结, 已回访, 已撤销, told apart in
 * status_notes). Times are ISO 8601 in the configured zone
 * (2025-11-22T10:00:00+08:00). Errors are GeoReport's
 * [{"code": N, "description": "..."}].
 */
#include "open311.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "calendar.h"
#include "case.h"
#include "clock.h"
#include "report.h"
#include "store.h"
#include "text.h"
#include "wl.h"

#define O3_PREFIX  "/open311/v2/"
#define O3_MAX_IDS 50
/* Cases read for one list answer at most (90 days of a busy street). */
#define O3_MAX_READ 50000

static const struct o3_service {
	const char *code;
	const char *source; /* the case's source field */
	const char *name;
	const char *description;
	const char *keywords;
} o3_services[] = {
    {"help", "flow:help", "居民求助",
     "困难群众取暖、吃穿、住房、疾病等过冬困难求助 Help with heating, "
     "food, clothes, housing or illness",
     "取暖,暖气,缺煤,棉衣,棉被,生活物资,heating"},
    {"hazard", "flow:hazard", "安全隐患",
     "积雪覆冰、烟囱堵塞、电线老化、燃气等安全隐患 Safety hazards at "
     "home",
     "积雪,覆冰,烟囱,电线,燃气,hazard"},
    {"rough_sleeper", "flow:rough_sleeper", "流浪乞讨人员",
     "发现露宿街头、流浪乞讨人员 Someone sleeping rough",
     "流浪,乞讨,露宿,rough sleeper"},
    {"emergency", "emergency", "紧急求助",
     "煤气中毒、火灾、失温等紧急情况（请同时拨打120/119） Emergencies: "
     "carbon monoxide, fire, no heating in a cold snap",
     "煤气中毒,火灾,停暖,emergency"},
    {"visit", "visit", "走访排查发现问题",
     "网格员入户走访排查发现的急难愁盼问题 Problems found on door-to-door "
     "visits",
     "走访,排查,visit"},
    {"12345", "12345", "12345热线转办",
     "12345 政务服务便民热线转来的工单 Work orders from the 12345 hotline",
     "12345,工单"},
    {"handover", "handover", "人工服务",
     "居民要求人工服务的求助 Residents who asked for a person",
     "人工,handover"},
    {"proxy", "proxy", "电话代录",
     "工作人员为来电群众代为登记的求助 Requests taken by phone",
     "电话,代录,proxy"},
};

static const char o3_notice[] = "1小时响应、24小时处置、3天内反馈";

static void o3_json(struct http_ctx *h, int status, json_t *v)
{
	char *s = v ? json_dumps(v, JSON_COMPACT) : NULL;

	json_decref(v);
	h->status = s ? status : 500;
	h->type = "application/json; charset=utf-8";
	buf_reset(&h->out);
	buf_adds(&h->out, s ? s
			    : "[{\"code\":500,\"description\":"
			      "\"out of memory\"}]");
	free(s);
}

static void o3_error(struct http_ctx *h, int status, const char *what)
{
	o3_json(h, status,
		json_pack("[{s:i, s:s}]", "code", status, "description", what));
}

static const struct o3_service *o3_service_of(const char *source)
{
	for (size_t i = 0; source && i < WL_ARRAY_LEN(o3_services); i++)
		if (strcmp(o3_services[i].source, source) == 0)
			return &o3_services[i];
	return NULL;
}

/* "flow:help" → "help"; an unlisted source keeps its own name. */
static const char *o3_code(const char *source)
{
	const struct o3_service *s = o3_service_of(source);

	if (s)
		return s->code;
	if (!source || !*source)
		return "other";
	return strncmp(source, "flow:", 5) == 0 ? source + 5 : source;
}

static int32_t o3_offset(const struct wl_config *cfg)
{
	int32_t off = 8 * 3600;

	if (cfg->timezone && sla_tz_offset(cfg->timezone, &off) != WL_OK)
		off = 8 * 3600;
	return off;
}

/* ISO 8601 with the zone's offset: 2025-11-22T10:00:00+08:00. */
static json_t *o3_time_ms(long long ms, int32_t off)
{
	int32_t tod, day, a = off < 0 ? -off : off;
	char out[40];
	int y, m, d;

	if (ms <= 0 || ms >= SLA_TIME_MAX)
		return json_null();
	day = sla_local_day(ms, off, &tod);
	sla_civil_from_day(day, &y, &m, &d);
	snprintf(out, sizeof(out), "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d",
		 y, m, d, (int)(tod / 3600000), (int)(tod / 60000 % 60),
		 (int)(tod / 1000 % 60), off < 0 ? '-' : '+', (int)(a / 3600),
		 (int)(a / 60 % 60));
	return json_string(out);
}

/* A time field of a case (milliseconds as a string), or 0. */
static long long o3_ms(const json_t *c, const char *k)
{
	const char *s = json_string_value(json_object_get(c, k));
	char *end;
	long long ms;

	if (!s || !*s)
		return 0;
	ms = strtoll(s, &end, 10);
	return *end ? 0 : ms;
}

static int o3_two(const char *p)
{
	if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9')
		return -1;
	return (p[0] - '0') * 10 + (p[1] - '0');
}

/* YYYY-MM-DD[THH:MM[:SS[.f]]][Z|±HH[:]MM]; no offset means the
 * configured zone. A '+' that came through a query string unescaped
 * arrives as a space. */
static bool o3_parse_time(const char *s, int32_t off, int64_t *out)
{
	char date[11];
	int32_t day;
	int hh = 0, mm = 0, ss = 0;
	const char *p;

	if (!s || strlen(s) < 10 || strlen(s) > 40)
		return false;
	memcpy(date, s, 10);
	date[10] = '\0';
	if (sla_date_parse(date, &day) != WL_OK)
		return false;
	p = s + 10;
	if (*p == 'T' || *p == 't') {
		hh = o3_two(p + 1);
		if (hh < 0 || p[3] != ':' || (mm = o3_two(p + 4)) < 0)
			return false;
		p += 6;
		if (*p == ':') {
			if ((ss = o3_two(p + 1)) < 0)
				return false;
			p += 3;
			if (*p == '.')
				for (p++; *p >= '0' && *p <= '9'; p++)
					;
		}
		if (hh > 23 || mm > 59 || ss > 60)
			return false;
	}
	if (*p == 'Z' || *p == 'z') {
		off = 0;
		p++;
	} else if (*p == '+' || *p == '-' || *p == ' ') {
		int sign = *p == '-' ? -1 : 1, th = o3_two(p + 1), tm;

		p += 3;
		if (*p == ':')
			p++;
		tm = o3_two(p);
		if (th < 0 || th > 14 || tm < 0 || tm > 59)
			return false;
		p += 2;
		off = sign * (th * 3600 + tm * 60);
	}
	if (*p)
		return false;
	*out = sla_local_to_utc(day, ((int64_t)hh * 3600 + mm * 60 + ss) * 1000,
				off);
	return true;
}

/* "太行东街街道 惠丰社区 第一网格": the area chain from the top. */
static char *o3_area_path(const struct wl_config *cfg, int area)
{
	int chain[8], n = 0;
	struct buf b = BUF_INIT;

	for (int a = area; a >= 0 && n < 8; a = cfg->areas[a].parent)
		chain[n++] = a;
	for (int i = n - 1; i >= 0; i--) {
		if (b.len)
			buf_adds(&b, " ");
		buf_adds(&b, cfg->areas[chain[i]].name);
	}
	if (!b.len)
		buf_adds(&b, "");
	return buf_detach(&b, NULL);
}

/* The office in charge: the community (村/社区) of the area, else its
 * street. */
static const char *o3_agency(const struct wl_config *cfg, int area)
{
	int street = -1;

	for (int a = area; a >= 0; a = cfg->areas[a].parent) {
		if (cfg->areas[a].level == LEVEL_COMMUNITY)
			return cfg->areas[a].name;
		if (cfg->areas[a].level == LEVEL_STREET && street < 0)
			street = a;
	}
	return street >= 0 ? cfg->areas[street].name : NULL;
}

static bool o3_is_open(const char *status)
{
	return !status || strcmp(status, "new") == 0 ||
	       strcmp(status, "claimed") == 0;
}

/* A case as a GeoReport request. Only what a stranger may see. */
static json_t *o3_request(const struct wl_config *cfg, const json_t *c)
{
	const char *status = json_string_value(json_object_get(c, "status"));
	const char *source = json_string_value(json_object_get(c, "source"));
	const char *area_id = json_string_value(json_object_get(c, "area"));
	const char *cat = json_string_value(json_object_get(c, "category"));
	const struct o3_service *svc = o3_service_of(source);
	int area = area_id ? config_area_index(cfg, area_id) : -1;
	int st = case_status_parse(status);
	int32_t off = o3_offset(cfg);
	char *path = area >= 0 ? o3_area_path(cfg, area) : NULL;
	char *desc = cat && *cat ? text_mask_numbers(cat) : NULL;
	long long dl = o3_ms(c, "ext_deadline_ms"),
		  created = o3_ms(c, "created");
	json_t *o, *expected = json_null();

	/* When it is due: a work order's own deadline, else the 24-hour
	 * handling rule while it is open. */
	if (dl > 0)
		expected = o3_time_ms(dl, off);
	else if (created > 0 && o3_is_open(status))
		expected = o3_time_ms(
		    created + (long long)cfg->sla.handle_s * 1000, off);
	o = json_pack("{s:s?, s:s, s:s?, s:s, s:s, s:s?, s:s?, s:s, s:o, s:o, "
		      "s:o, s:s?}",
		      "service_request_id",
		      json_string_value(json_object_get(c, "no")), "status",
		      o3_is_open(status) ? "open" : "closed", "status_notes",
		      st >= 0 ? case_status_label((enum case_status)st) : NULL,
		      "service_name", svc ? svc->name : o3_code(source),
		      "service_code", o3_code(source), "description",
		      desc  ? desc
		      : svc ? svc->name
			    : NULL,
		      "agency_responsible",
		      area >= 0 ? o3_agency(cfg, area) : NULL, "service_notice",
		      o3_notice, "requested_datetime", o3_time_ms(created, off),
		      "updated_datetime", o3_time_ms(o3_ms(c, "updated"), off),
		      "expected_datetime", expected, "address", path);
	free(path);
	free(desc);
	return o;
}

static int o3_services_list(struct http_ctx *h)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < WL_ARRAY_LEN(o3_services); i++) {
		const struct o3_service *s = &o3_services[i];

		json_array_append_new(
		    a, json_pack("{s:s, s:s, s:s, s:b, s:s, s:s, s:s}",
				 "service_code", s->code, "service_name",
				 s->name, "description", s->description,
				 "metadata", 0, "type", "realtime", "keywords",
				 s->keywords, "group", "温暖过冬"));
	}
	o3_json(h, 200, a);
	return WL_OK;
}

/* One case by number: its request, NULL when there is none, or
 * WL_EREDIS through *rc. */
static json_t *o3_case(const struct wl_config *cfg, const char *no, int *rc)
{
	char key[160];
	const char *argv[] = {"HGETALL", key};
	redisReply *r = NULL;
	json_t *c, *o;

	*rc = WL_OK;
	snprintf(key, sizeof(key), "%scase:%s", store_prefix(), no);
	if (store_command(&r, 2, argv, NULL) != WL_OK) {
		*rc = WL_EREDIS;
		return NULL;
	}
	if (r->type != REDIS_REPLY_ARRAY || r->elements == 0) {
		freeReplyObject(r);
		return NULL;
	}
	c = store_hash_object(r);
	freeReplyObject(r);
	o = c ? o3_request(cfg, c) : NULL;
	json_decref(c);
	if (!o)
		*rc = WL_ENOMEM;
	return o;
}

static bool o3_case_no(const char *s, size_t n)
{
	return n > 0 && n <= 12 && strspn(s, "0123456789") >= n;
}

static int o3_request_one(struct http_ctx *h, const char *id, size_t n)
{
	char no[16];
	json_t *o;
	int rc;

	if (!o3_case_no(id, n)) {
		o3_error(h, 404, "没有这个请求 (no such request)");
		return WL_OK;
	}
	memcpy(no, id, n);
	no[n] = '\0';
	o = o3_case(h->cfg, no, &rc);
	if (rc == WL_EREDIS) {
		o3_error(h, 503, "redis unavailable");
		return WL_OK;
	}
	if (!o) {
		o3_error(h, rc ? 500 : 404,
			 rc ? "internal error"
			    : "没有这个请求 (no such request)");
		return WL_OK;
	}
	o3_json(h, 200, json_pack("[o]", o));
	return WL_OK;
}

/* service_request_id=1,2,3: those cases, other filters ignored (as the
 * specification says). */
static int o3_requests_by_id(struct http_ctx *h, const char *ids)
{
	json_t *a = json_array();
	const char *p = ids;
	size_t count = 0;
	int rc = WL_OK;

	while (a && *p && rc == WL_OK) {
		size_t n = strcspn(p, ",");
		char no[16];
		json_t *o;

		if (++count > O3_MAX_IDS) {
			json_decref(a);
			o3_error(h, 400, "最多 50 个编号 (at most 50 ids)");
			return WL_OK;
		}
		if (o3_case_no(p, n)) {
			memcpy(no, p, n);
			no[n] = '\0';
			o = o3_case(h->cfg, no, &rc);
			if (o)
				json_array_append_new(a, o);
		}
		p += n;
		if (*p == ',')
			p++;
	}
	if (rc == WL_EREDIS) {
		json_decref(a);
		o3_error(h, 503, "redis unavailable");
		return WL_OK;
	}
	o3_json(h, 200, a);
	return WL_OK;
}

/* status=open, closed or open,closed. */
static bool o3_status_filter(const char *s, bool *open, bool *closed)
{
	*open = *closed = !s || !*s;
	while (s && *s) {
		size_t n = strcspn(s, ",");

		if (n == 4 && strncmp(s, "open", 4) == 0)
			*open = true;
		else if (n == 6 && strncmp(s, "closed", 6) == 0)
			*closed = true;
		else
			return false;
		s += n;
		if (*s == ',')
			s++;
	}
	return true;
}

static int o3_requests_list(struct http_ctx *h)
{
	const char *ids = http_ctx_arg(h, "service_request_id");
	const char *code = http_ctx_arg(h, "service_code");
	const char *start_s = http_ctx_arg(h, "start_date");
	const char *end_s = http_ctx_arg(h, "end_date");
	int32_t off = o3_offset(h->cfg);
	int64_t start, end;
	bool want_open, want_closed;
	json_t *cases = NULL, *a = NULL;
	size_t i, kept = 0;
	int rc;

	if (ids && *ids)
		return o3_requests_by_id(h, ids);
	if (!o3_status_filter(http_ctx_arg(h, "status"), &want_open,
			      &want_closed)) {
		o3_error(h, 400,
			 "status 应为 open 或 closed "
			 "(status is open or closed)");
		return WL_OK;
	}
	end = clock_now_ms() + 1;
	if ((end_s && *end_s && !o3_parse_time(end_s, off, &end)) ||
	    (start_s && *start_s && !o3_parse_time(start_s, off, &start))) {
		o3_error(h, 400,
			 "日期应为 ISO 8601，如 2025-11-20T00:00:00+08:00 "
			 "(dates are ISO 8601)");
		return WL_OK;
	}
	if (!start_s || !*start_s)
		start = end - (int64_t)OPEN311_MAX_DAYS * 86400000;
	if (start > end || end - start > (int64_t)OPEN311_MAX_DAYS * 86400000) {
		o3_error(h, 400,
			 "日期范围最长 90 天 (the date range is at most "
			 "90 days)");
		return WL_OK;
	}
	cases = json_array();
	a = json_array();
	if (!cases || !a) {
		rc = WL_ENOMEM;
		goto out;
	}
	rc = report_fetch("case", start < 0 ? 0 : start, end, O3_MAX_READ,
			  cases);
	if (rc != WL_OK)
		goto out;
	/* Newest first. */
	for (i = json_array_size(cases); i > 0 && kept < OPEN311_MAX_RESULTS;
	     i--) {
		json_t *c = json_array_get(cases, i - 1);
		const char *st =
		    json_string_value(json_object_get(c, "status"));
		const char *src =
		    json_string_value(json_object_get(c, "source"));
		bool open = o3_is_open(st);
		json_t *o;

		if ((open && !want_open) || (!open && !want_closed))
			continue;
		if (code && *code && strcmp(code, o3_code(src)) != 0)
			continue;
		o = o3_request(h->cfg, c);
		if (!o || json_array_append_new(a, o)) {
			rc = WL_ENOMEM;
			goto out;
		}
		kept++;
	}
	o3_json(h, 200, a);
	a = NULL;
out:
	if (rc == WL_EREDIS)
		o3_error(h, 503, "redis unavailable");
	else if (rc == WL_ETOOBIG)
		o3_error(h, 413, "请缩短日期范围 (narrow the date range)");
	else if (rc != WL_OK)
		o3_error(h, 500, "internal error");
	json_decref(cases);
	json_decref(a);
	return WL_OK;
}

int open311_handle(struct http_ctx *h)
{
	const char *rest = h->path + strlen(O3_PREFIX);
	const char *ext = strrchr(rest, '.');

	if (strncmp(h->path, O3_PREFIX, strlen(O3_PREFIX)) != 0 || !ext) {
		o3_error(h, 404, "not found");
		return WL_OK;
	}
	if (strcmp(ext, ".json") != 0) {
		o3_error(h, 400, "只提供 JSON 格式 (only .json is served)");
		return WL_OK;
	}
	if (strcmp(h->method, "GET") != 0) {
		o3_error(h, 405, "只读接口 (read only)");
		return WL_OK;
	}
	if (strcmp(rest, "services.json") == 0)
		return o3_services_list(h);
	if (strcmp(rest, "requests.json") == 0)
		return o3_requests_list(h);
	if (strncmp(rest, "requests/", 9) == 0)
		return o3_request_one(h, rest + 9, (size_t)(ext - rest - 9));
	o3_error(h, 404, "not found");
	return WL_OK;
}
