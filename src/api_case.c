/*
 * api_case.c — a case as the admin API v1 and the console show it (see
 * api_int.h and docs/API.md): the Redis hash turned into what a consumer
 * reads without knowing warmline's internals.
 */
#include "api_int.h"

#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "case.h"
#include "inbound.h"
#include "store.h"
#include "sla.h"
#include "text.h"
#include "wl.h"

/* enum case_measure_kind as names. */
static const char *const ac_measure_kinds[] = {"dibao", "tekun",    "relief",
					       "goods", "referral", "other"};

static const char *const ac_what_labels[][2] = {
    {"created", "登记"},     {"claimed", "认领"},
    {"taken_over", "接手"},  {"note", "备注"},
    {"reply", "回复居民"},   {"resident_message", "居民留言"},
    {"resolved", "办结"},    {"feedback", "回访"},
    {"transferred", "转派"}, {"cancelled", "撤销"},
    {"reopened", "重开"},    {"handover", "转人工"},
    {"updated", "补充信息"}, {"waiting", "等待居民"},
    {"closed", "结案"},
};

static const char *const ac_run_names[SLA_N_RUNS] = {
    "idle", "running", "paused", "met", "missed", "cancelled"};

int32_t api_zone_offset(const struct wl_config *cfg)
{
	int32_t off = 8 * 3600;

	if (cfg && cfg->timezone && sla_tz_offset(cfg->timezone, &off) != WL_OK)
		off = 8 * 3600;
	return off;
}

bool api_iso(int64_t ms, int32_t off, char *out, size_t size)
{
	int32_t tod, day, a = off < 0 ? -off : off;
	int y, m, d;

	if (ms <= 0 || ms >= SLA_TIME_MAX || size < 32)
		return false;
	day = sla_local_day(ms, off, &tod);
	sla_civil_from_day(day, &y, &m, &d);
	snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d",
		 (y % 10000 + 10000) % 10000, (m % 100 + 100) % 100,
		 (d % 100 + 100) % 100, (int)(tod / 3600000) % 24,
		 (int)(tod / 60000 % 60), (int)(tod / 1000 % 60),
		 off < 0 ? '-' : '+', (int)(a / 3600) % 24, (int)(a / 60 % 60));
	return true;
}

json_t *api_iso_json(int64_t ms, int32_t off)
{
	char s[40];

	return api_iso(ms, off, s, sizeof(s)) ? json_string(s) : json_null();
}

static int ac_digits(const char *p, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

bool api_time_parse(const char *s, int32_t off, bool end, int64_t *out)
{
	int32_t day;
	char date[11];
	const char *t;
	int hh = 0, mi = 0, ss = 0;
	size_t n;

	if (!s || strlen(s) < 10 || strlen(s) > 40)
		return false;
	memcpy(date, s, 10);
	date[10] = '\0';
	if (sla_date_parse(date, &day) != WL_OK)
		return false;
	t = s + 10;
	if (*t == '\0') {
		*out = ((int64_t)day * 86400 - off) * 1000 +
		       (end ? 86400000 - 1 : 0);
		return true;
	}
	if (*t != 'T' && *t != ' ')
		return false;
	t++;
	if ((hh = ac_digits(t, 2)) < 0 || t[2] != ':' ||
	    (mi = ac_digits(t + 3, 2)) < 0 || hh > 23 || mi > 59)
		return false;
	t += 5;
	if (*t == ':') {
		if ((ss = ac_digits(t + 1, 2)) < 0 || ss > 59)
			return false;
		t += 3;
	}
	n = strlen(t);
	if (n == 1 && *t == 'Z')
		off = 0;
	else if (n == 6 && (*t == '+' || *t == '-' || *t == ' ') &&
		 t[3] == ':' && ac_digits(t + 1, 2) >= 0 &&
		 ac_digits(t + 4, 2) >= 0)
		/* A '+' unescaped in a query string arrives as a space. */
		off = (*t == '-' ? -1 : 1) *
		      (ac_digits(t + 1, 2) * 3600 + ac_digits(t + 4, 2) * 60);
	else if (n != 0)
		return false;
	*out = ((int64_t)day * 86400 + hh * 3600 + mi * 60 + ss - off) * 1000;
	return true;
}

bool api_cursor_parse(const char *s, long long *ms, long long *no)
{
	char *end;

	if (!s || strlen(s) > 40)
		return false;
	*ms = strtoll(s, &end, 10);
	if (end == s || *end != '-' || *ms < 0)
		return false;
	s = end + 1;
	*no = strtoll(s, &end, 10);
	return end != s && *end == '\0' && *no >= 0;
}

void api_error(struct http_ctx *h, int status, const char *code, const char *zh,
	       const char *en)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "%s (%s)", zh, en);
	http_json_error(h, status, code, msg);
}

void api_json(struct http_ctx *h, int status, json_t *o)
{
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;

	if (!s) {
		api_error(h, 500, "internal", "服务器内存不足",
			  "out of memory");
		json_decref(o);
		return;
	}
	h->status = status;
	h->type = "application/json; charset=utf-8";
	buf_reset(&h->out);
	buf_adds(&h->out, s);
	free(s);
	json_decref(o);
}

static const struct wl_staff *ac_staff(const struct wl_config *cfg,
				       const char *id)
{
	for (size_t i = 0; id && *id && i < cfg->n_staff; i++)
		if (strcmp(cfg->staff[i].id, id) == 0)
			return &cfg->staff[i];
	return NULL;
}

bool api_reader_full(const struct wl_config *cfg, const struct wl_staff *st,
		     const json_t *raw)
{
	const char *holder = case_get(raw, "claimed_by");

	/* As in chat (查看): the holder sees the number in full, everyone
	 * else masked; the token is the system's own. */
	(void)cfg;
	return !st || (holder && strcmp(holder, st->id) == 0);
}

static int64_t ac_ms(const char *s)
{
	char *end;
	long long v;

	if (!s || !*s)
		return 0;
	v = strtoll(s, &end, 10);
	return *end ? 0 : (int64_t)v;
}

static bool ac_is_time(const char *k)
{
	size_t n = strlen(k);

	return strcmp(k, "created") == 0 || strcmp(k, "updated") == 0 ||
	       (n > 3 && strcmp(k + n - 3, "_at") == 0);
}

/* The escalation level a clock late by late_ms has reached. */
static int ac_level(const struct sla_conf *sla, bool urgent, int64_t late_ms)
{
	const struct sla_profile *p = urgent ? &sla->urgent : &sla->normal;
	int level = 0;

	for (size_t i = 0; i < p->n_steps; i++)
		if (late_ms >= p->steps[i].after_ms)
			level = (int)i + 1;
	return level;
}

/* {"respond": {"state", "label", "due", "remaining_s" | "late_s",
 * "level"}, ...} from the stored state. */
static json_t *ac_sla(const char *stored, int32_t off, int64_t now)
{
	const struct sla_conf *sla = inbound_sla_conf();
	struct sla_state st;
	json_t *o = json_object();

	if (!o || !stored || !sla ||
	    sla_state_load(stored, strlen(stored), &st) != WL_OK)
		return o;
	for (int k = 0; k < SLA_N_CLOCKS; k++) {
		const struct sla_clock_state *c = &st.clock[k];
		json_t *e = json_object();
		bool live = c->run == SLA_RUNNING || c->run == SLA_PAUSED;
		bool late = (live || c->run == SLA_MISSED) &&
			    sla_breached(&st, (enum sla_clock)k, now);

		json_object_set_new(e, "state",
				    json_string((unsigned)c->run < SLA_N_RUNS
						    ? ac_run_names[c->run]
						    : "idle"));
		json_object_set_new(
		    e, "label",
		    json_string(sla_clock_label((enum sla_clock)k)));
		json_object_set_new(e, "due",
				    c->run == SLA_IDLE
					? json_null()
					: api_iso_json(c->deadline_ms, off));
		json_object_set_new(e, "urgent",
				    json_boolean(c->flags & SLA_F_URGENT));
		if (live && !late)
			json_object_set_new(
			    e, "remaining_s",
			    json_integer(
				sla_left_ms(sla, &st, (enum sla_clock)k, now) /
				1000));
		if (late) {
			int64_t ms =
			    sla_late_ms(sla, &st, (enum sla_clock)k, now);

			json_object_set_new(e, "late_s",
					    json_integer(ms / 1000));
			json_object_set_new(
			    e, "level",
			    json_integer(
				live
				    ? ac_level(sla, c->flags & SLA_F_URGENT, ms)
				    : 0));
		} else {
			json_object_set_new(e, "level", json_integer(0));
		}
		json_object_set_new(o, sla_clock_name((enum sla_clock)k), e);
	}
	return o;
}

json_t *api_case_v1(const struct wl_config *cfg, const redisReply *hash,
		    const struct api_reader *rd, int64_t now_ms)
{
	json_t *raw = store_hash_object(hash);
	json_t *o = raw ? api_case_v1_obj(cfg, raw, rd, now_ms) : NULL;

	json_decref(raw);
	return o;
}

json_t *api_case_v1_obj(const struct wl_config *cfg, json_t *raw,
			const struct api_reader *rd, int64_t now_ms)
{
	json_t *o = json_object();
	int32_t off = api_zone_offset(cfg);
	const char *k, *holder, *area_id;
	json_t *v;
	int a, st;

	if (!o)
		return NULL;
	json_object_foreach(raw, k, v)
	{
		const char *s = json_string_value(v);

		if (strcmp(k, "v") == 0 || strcmp(k, "sla") == 0 ||
		    strcmp(k, "session_case") == 0)
			continue;
		if (strcmp(k, "no") == 0 || strcmp(k, "person_times") == 0 ||
		    strcmp(k, "amount_fen") == 0)
			json_object_set_new(o, k, json_integer(ac_ms(s)));
		else if (ac_is_time(k))
			json_object_set_new(o, k, api_iso_json(ac_ms(s), off));
		else if (strcmp(k, "ext_deadline_ms") == 0)
			json_object_set_new(o, "ext_deadline",
					    api_iso_json(ac_ms(s), off));
		else if (strcmp(k, "measure_kind") == 0) {
			long n = (long)ac_ms(s);

			json_object_set_new(
			    o, k,
			    json_string(n >= 0 && n < (long)WL_ARRAY_LEN(
							  ac_measure_kinds)
					    ? ac_measure_kinds[n]
					    : "other"));
		} else if (strcmp(k, "source") == 0)
			json_object_set_new(
			    o, k,
			    json_string(strncmp(s, "flow:", 5) == 0 ? s + 5
								    : s));
		else if ((strcmp(k, "phone") == 0 || strcmp(k, "from") == 0) &&
			 !rd->full) {
			char *m = text_mask_phone(s);

			json_object_set_new(o, k, json_string(m ? m : ""));
			free(m);
		} else if (strcmp(k, "measures") == 0 && s[0] == '[') {
			json_t *l = json_loads(s, 0, NULL);

			json_object_set_new(o, k, l ? l : json_string(s));
		} else
			json_object_set(o, k, v);
	}
	holder = case_get(raw, "claimed_by");
	if (holder && *holder) {
		const struct wl_staff *sf = ac_staff(cfg, holder);

		json_object_set_new(o, "claimed_by_name",
				    sf ? json_string(sf->name) : json_null());
	} else {
		json_object_set_new(o, "claimed_by", json_null());
		json_object_set_new(o, "claimed_by_name", json_null());
	}
	if (!json_object_get(o, "category"))
		json_object_set_new(o, "category", json_null());
	if (!json_object_get(o, "urgency"))
		json_object_set_new(o, "urgency", json_string("normal"));
	st = case_status_parse(case_get(raw, "status"));
	json_object_set_new(
	    o, "status_label",
	    json_string(st >= 0 ? case_status_label((enum case_status)st)
				: "未知"));
	area_id = case_get(raw, "area");
	a = area_id ? config_area_index(cfg, area_id) : -1;
	if (a >= 0) {
		char *path = case_area_path(cfg, a);

		json_object_set_new(o, "area_name",
				    json_string(cfg->areas[a].name));
		json_object_set_new(o, "area_path",
				    json_string(path ? path : ""));
		free(path);
	} else {
		json_object_set_new(o, "area_name", json_null());
		json_object_set_new(o, "area_path", json_null());
	}
	json_object_set_new(
	    o, "may_act",
	    json_boolean(!rd->staff ||
			 (a >= 0 && case_staff_may_act(cfg, rd->staff, a))));
	json_object_set_new(o, "sla",
			    ac_sla(case_get(raw, "sla"), off, now_ms));
	return o;
}

json_t *api_event_v1(const struct wl_config *cfg, const redisReply *fields)
{
	json_t *raw = store_hash_object(fields);
	const char *what, *who;
	const char *label = NULL;
	const struct wl_staff *sf;
	json_t *o;

	if (!raw)
		return NULL;
	what = case_get(raw, "what");
	who = case_get(raw, "who");
	/* "staff:wang" on the timeline is the staff member wang. */
	if (who && strncmp(who, "staff:", 6) == 0)
		who += 6;
	for (size_t i = 0; what && i < WL_ARRAY_LEN(ac_what_labels); i++)
		if (strcmp(what, ac_what_labels[i][0]) == 0)
			label = ac_what_labels[i][1];
	sf = ac_staff(cfg, who);
	o = json_pack(
	    "{s:o, s:s, s:o, s:s, s:s?, s:s}", "at",
	    api_iso_json(ac_ms(case_get(raw, "at")), api_zone_offset(cfg)),
	    "who", who ? who : "", "who_name",
	    sf ? json_string(sf->name) : json_null(), "what", what ? what : "",
	    "what_label", label ? label : what, "detail",
	    case_get(raw, "detail") ? case_get(raw, "detail") : "");
	json_decref(raw);
	return o;
}
