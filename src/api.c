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

#include "case.h"
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
static int api_case_get(struct http_ctx *h);

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
    {"GET", "/api/v1/cases/", true, api_case_get, false, false},
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
		http_json_error(h, 400, "bad_request",
				"advance_s must be an integer of seconds");
		json_decref(o);
		return WL_OK;
	}
	now = clock_advance((int64_t)s * 1000);
	log_info("api", "fake clock advanced seconds=%lld now_ms=%lld",
		 (long long)s, (long long)now);
	h->type = "application/json";
	buf_addf(&h->out, "{\"now_ms\":%lld}", (long long)now);
	json_decref(o);
	return WL_OK;
}

static void api_json(struct http_ctx *h, int status, json_t *o)
{
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;

	if (!s) {
		http_json_error(h, 500, "internal", "out of memory");
		json_decref(o);
		return;
	}
	h->status = status;
	h->type = "application/json; charset=utf-8";
	buf_adds(&h->out, s);
	free(s);
	json_decref(o);
}

/* A case hash (flat array) as the API's JSON: "no" a number, "claimed_by"
 * null when nobody holds it, numbers stored as strings kept as strings
 * except the few the contract names. */
static json_t *api_case_json(const redisReply *r)
{
	json_t *o = json_object();

	if (!o || r->type != REDIS_REPLY_ARRAY)
		return o;
	for (size_t i = 0; i + 1 < r->elements; i += 2) {
		const char *k = r->element[i]->str;
		const redisReply *v = r->element[i + 1];

		if (r->element[i]->type != REDIS_REPLY_STRING ||
		    v->type != REDIS_REPLY_STRING || strcmp(k, "v") == 0)
			continue;
		if (strcmp(k, "no") == 0 || strcmp(k, "created") == 0 ||
		    strcmp(k, "updated") == 0 || strcmp(k, "amount_fen") == 0 ||
		    strcmp(k, "person_times") == 0)
			json_object_set_new(
			    o, k, json_integer(strtoll(v->str, NULL, 10)));
		else
			json_object_set_new(o, k, json_stringn(v->str, v->len));
	}
	if (!json_object_get(o, "claimed_by") ||
	    !json_string_length(json_object_get(o, "claimed_by")))
		json_object_set_new(o, "claimed_by", json_null());
	if (!json_object_get(o, "category"))
		json_object_set_new(o, "category", json_null());
	return o;
}

/* "1763800000000" (ms) or "2026-11-22" (a day in Asia/Shanghai). */
static bool api_time_arg(const char *s, long long *out)
{
	char *end;
	int y, m, d;
	long long days;

	if (!s)
		return false;
	*out = strtoll(s, &end, 10);
	if (*s && *end == '\0' && *out >= 0)
		return true;
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	y = (int)strtol(s, NULL, 10);
	m = (int)strtol(s + 5, NULL, 10);
	d = (int)strtol(s + 8, NULL, 10);
	if (y < 1970 || y > 2200 || m < 1 || m > 12 || d < 1 || d > 31)
		return false;
	/* Days from the civil date (proleptic Gregorian). */
	y -= m <= 2;
	days = (long long)(y / 400) * 146097 + (((m + 9) % 12) * 153 + 2) / 5 +
	       d - 1 - 719468 +
	       (long long)((y % 400) * 365 + (y % 400) / 4 - (y % 400) / 100);
	*out = (days * 86400 - 8 * 3600) * 1000;
	return true;
}

static int api_cases_list(struct http_ctx *h)
{
	const char *status = http_ctx_arg(h, "status");
	const char *urgency = http_ctx_arg(h, "urgency");
	const char *area = http_ctx_arg(h, "area");
	const char *from = http_ctx_arg(h, "created_from");
	const char *to = http_ctx_arg(h, "created_to");
	const char *off = http_ctx_arg(h, "offset");
	const char *lim = http_ctx_arg(h, "limit");
	const char *overdue = http_ctx_arg(h, "overdue");
	const char *late_min = http_ctx_arg(h, "overdue_min_s");
	long long min_late_s = 0;
	size_t total = 0;
	long long from_ms = 0, to_ms = 4102444800000LL, offset = 0;
	long long limit = API_LIMIT_DEFAULT;
	json_t *f = NULL, *areas = json_null(), *cases;
	char *doc = NULL;
	const char *argv[2];
	redisReply *r = NULL;
	int a, rc;

	if (status && case_status_parse(status) < 0) {
		http_json_error(h, 400, "bad_request",
				"status must be new, claimed, resolved, "
				"closed or cancelled");
		goto out;
	}
	if (urgency && strcmp(urgency, "normal") && strcmp(urgency, "urgent")) {
		http_json_error(h, 400, "bad_request",
				"urgency must be normal or urgent");
		goto out;
	}
	if ((from && !api_time_arg(from, &from_ms)) ||
	    (to && !api_time_arg(to, &to_ms)) ||
	    (off && (!api_time_arg(off, &offset))) ||
	    (lim && (!api_time_arg(lim, &limit) || limit < 1 ||
		     limit > API_LIMIT_MAX))) {
		http_json_error(h, 400, "bad_request",
				"created_from/created_to take milliseconds "
				"or YYYY-MM-DD; offset >= 0; limit 1..500");
		goto out;
	}
	if (overdue && strcmp(overdue, "1") && strcmp(overdue, "true")) {
		http_json_error(h, 400, "bad_request", "overdue must be 1");
		goto out;
	}
	if (late_min && (!api_time_arg(late_min, &min_late_s))) {
		http_json_error(h, 400, "bad_request",
				"overdue_min_s must be seconds");
		goto out;
	}
	if (late_min)
		overdue = "1";
	a = area ? config_area_index(h->cfg, area) : h->scope;
	if (area && a < 0) {
		http_json_error(h, 400, "bad_request", "unknown area");
		goto out;
	}
	if (h->scope >= 0 && !case_area_within(h->cfg, a, h->scope)) {
		http_json_error(h, 403, "forbidden",
				"this token is limited to one area");
		goto out;
	}
	if (a >= 0) {
		areas = json_object();
		for (size_t i = 0; i < h->cfg->n_areas; i++)
			if (case_area_within(h->cfg, (int)i, a))
				json_object_set_new(areas, h->cfg->areas[i].id,
						    json_true());
	}
	/* Lateness is worked out here, not in Redis: ask for every match
	 * and page after filtering. */
	f = json_pack("{s:I, s:I, s:s?, s:s?, s:O, s:I, s:I}", "from_ms",
		      (json_int_t)from_ms, "to_ms", (json_int_t)to_ms, "status",
		      status, "urgency", urgency, "areas", areas, "offset",
		      (json_int_t)(overdue ? 0 : offset), "limit",
		      (json_int_t)(overdue ? 100000 : limit));
	if (f && !status)
		json_object_set_new(f, "status", json_null());
	if (f && !urgency)
		json_object_set_new(f, "urgency", json_null());
	doc = f ? json_dumps(f, JSON_COMPACT) : NULL;
	if (!doc) {
		http_json_error(h, 500, "internal", "out of memory");
		goto out;
	}
	argv[0] = store_prefix();
	argv[1] = doc;
	rc = store_eval(STORE_CASE_LIST, 2, argv, NULL, &r);
	if (rc != WL_OK || r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
		http_json_error(h, 503, "unavailable", "redis unavailable");
		goto out;
	}
	cases = json_array();
	total = (size_t)r->element[0]->integer;
	if (overdue)
		total = 0;
	for (size_t i = 0; i < r->element[1]->elements; i++) {
		json_t *c = api_case_json(r->element[1]->element[i]);

		if (overdue) {
			/* The API's case keeps the stored "sla" string. */
			int64_t late = engine_sla_max_late(inbound_sla_conf(),
							   c, clock_now_ms());

			if (late < 0 || late < min_late_s * 1000) {
				json_decref(c);
				continue;
			}
			json_object_set_new(c, "late_s",
					    json_integer(late / 1000));
			if (total++ < (size_t)offset ||
			    json_array_size(cases) >= (size_t)limit) {
				json_decref(c);
				continue;
			}
		}
		json_array_append_new(cases, c);
	}
	api_json(h, 200,
		 json_pack("{s:o, s:I, s:I, s:I}", "cases", cases, "total",
			   (json_int_t)total, "offset", (json_int_t)offset,
			   "limit", (json_int_t)limit));
out:
	if (r)
		freeReplyObject(r);
	free(doc);
	json_decref(f);
	json_decref(areas);
	return WL_OK;
}

static int api_case_get(struct http_ctx *h)
{
	const char *no = h->path + strlen("/api/v1/cases/");
	char key[160];
	const char *hget[] = {"HGETALL", key};
	const char *tlv[] = {store_prefix(), no, "1000"};
	redisReply *r = NULL, *t = NULL;
	json_t *o, *tl;
	size_t n = strlen(no);

	if (n == 0 || n > 12 || strspn(no, "0123456789") != n) {
		http_json_error(h, 404, "not_found", "no such case");
		return WL_OK;
	}
	snprintf(key, sizeof(key), "%scase:%s", store_prefix(), no);
	if (store_command(&r, 2, hget, NULL) != WL_OK) {
		http_json_error(h, 503, "unavailable", "redis unavailable");
		return WL_OK;
	}
	if (r->type != REDIS_REPLY_ARRAY || r->elements == 0) {
		http_json_error(h, 404, "not_found", "no such case");
		freeReplyObject(r);
		return WL_OK;
	}
	o = api_case_json(r);
	freeReplyObject(r);
	if (h->scope >= 0) {
		int a = config_area_index(
		    h->cfg, json_string_value(json_object_get(o, "area"))
				? json_string_value(json_object_get(o, "area"))
				: "");

		/* Outside the token's area: as if there were no such case. */
		if (a < 0 || !case_area_within(h->cfg, a, h->scope)) {
			json_decref(o);
			http_json_error(h, 404, "not_found", "no such case");
			return WL_OK;
		}
	}
	tl = json_array();
	if (store_eval(STORE_CASE_TIMELINE, 3, tlv, NULL, &t) == WL_OK &&
	    t->type == REDIS_REPLY_ARRAY) {
		for (size_t i = 0; i < t->elements; i++) {
			const redisReply *e = t->element[i];
			json_t *ev;

			if (e->type != REDIS_REPLY_ARRAY || e->elements != 2)
				continue;
			ev = api_case_json(e->element[1]);
			json_object_del(ev, "claimed_by");
			json_object_del(ev, "category");
			json_array_append_new(tl, ev);
		}
	}
	if (t)
		freeReplyObject(t);
	json_object_set_new(o, "timeline", tl);
	api_json(h, 200, o);
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
	json_t *dl;

	if (!in || !ext ||
	    strspn(ext, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij"
			"klmnopqrstuvwxyz0123456789-_.:") != strlen(ext)) {
		http_json_error(h, 400, "bad_request",
				"ext_ref (1-64 of A-Z a-z 0-9 - _ . :) is "
				"required");
		goto out;
	}
	if (chan && (!config_channel(h->cfg, chan) ||
		     strcmp(config_channel(h->cfg, chan)->type, "generic"))) {
		http_json_error(h, 400, "bad_request",
				"channel must be a generic channel id");
		goto out;
	}
	if (urg && strcmp(urg, "normal") && strcmp(urg, "urgent")) {
		http_json_error(h, 400, "bad_request",
				"urgency must be normal or urgent");
		goto out;
	}
	if (phone_s && !text_parse_phone(phone_s, phone, sizeof(phone))) {
		http_json_error(h, 400, "bad_request",
				"phone is not a phone "
				"number");
		goto out;
	}
	area = area_s	       ? config_area_index(h->cfg, area_s)
	       : h->scope >= 0 ? h->scope
			       : case_route_area(h->cfg, NULL);
	if (area < 0) {
		http_json_error(h, 400, "bad_request", "unknown area");
		goto out;
	}
	if (h->scope >= 0 && !case_area_within(h->cfg, area, h->scope)) {
		http_json_error(h, 403, "forbidden",
				"this token is limited to one area");
		goto out;
	}
	dl = json_object_get(in, "deadline_ms");
	if (dl && !json_is_integer(dl)) {
		http_json_error(h, 400, "bad_request",
				"deadline_ms must be milliseconds");
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
		if (h->scope == -2) {
			http_json_error(h, 401, "unauthorized",
					"a valid admin token is required");
			return WL_OK;
		}
		if (h->scope >= 0 && !api_scope_ok(h, r)) {
			http_json_error(h, 403, "forbidden",
					"this token is limited to one area");
			return WL_OK;
		}
		return r->fn(h);
	}
	if (path_known)
		http_json_error(h, 405, "method_not_allowed",
				"method not allowed");
	else
		http_json_error(h, 404, "not_found", "no such endpoint");
	return WL_OK;
}
