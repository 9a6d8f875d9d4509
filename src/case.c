/*
 * case.c — the case model (see case.h): the transition table, the
 * measures of the weekly table, area rules and duty-chat texts.
 */
#include "case.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "text.h"
#include "wl.h"

static const char *const case_status_names[CASE_STATUS_COUNT] = {
    "new", "claimed", "resolved", "closed", "cancelled"};
static const char *const case_status_labels[CASE_STATUS_COUNT] = {
    "待认领", "处理中", "已办结", "已回访", "已撤销"};
static const char *const case_action_labels[CASE_ACTION_COUNT] = {
    "认领", "办结", "反馈", "转派", "重新打开", "撤销"};

/* The one transition table: every status change a case can make. */
static const struct {
	enum case_status from;
	enum case_action action;
	enum case_status to;
} case_transitions[] = {
    {CASE_NEW, CASE_CLAIM, CASE_CLAIMED},
    {CASE_CLAIMED, CASE_CLAIM, CASE_CLAIMED}, /* a take-over */
    {CASE_NEW, CASE_RESOLVE, CASE_RESOLVED},  /* handled at first call */
    {CASE_CLAIMED, CASE_RESOLVE, CASE_RESOLVED},
    {CASE_RESOLVED, CASE_FEEDBACK, CASE_CLOSED},
    {CASE_NEW, CASE_TRANSFER, CASE_NEW},
    {CASE_CLAIMED, CASE_TRANSFER, CASE_NEW},
    {CASE_RESOLVED, CASE_REOPEN, CASE_CLAIMED},
    {CASE_CLOSED, CASE_REOPEN, CASE_CLAIMED},
    {CASE_NEW, CASE_CANCEL, CASE_CANCELLED},
    {CASE_CLAIMED, CASE_CANCEL, CASE_CANCELLED},
};

const char *case_status_name(enum case_status s)
{
	return (unsigned)s < CASE_STATUS_COUNT ? case_status_names[s] : "?";
}

const char *case_status_label(enum case_status s)
{
	return (unsigned)s < CASE_STATUS_COUNT ? case_status_labels[s] : "?";
}

int case_status_parse(const char *s)
{
	for (int i = 0; s && i < CASE_STATUS_COUNT; i++)
		if (strcmp(s, case_status_names[i]) == 0)
			return i;
	return -1;
}

const char *case_action_label(enum case_action a)
{
	return (unsigned)a < CASE_ACTION_COUNT ? case_action_labels[a] : "?";
}

int case_transition(enum case_status from, enum case_action a)
{
	for (size_t i = 0; i < WL_ARRAY_LEN(case_transitions); i++)
		if (case_transitions[i].from == from &&
		    case_transitions[i].action == a)
			return (int)case_transitions[i].to;
	return -1;
}

static const struct case_measure case_measures[] = {
    {"纳入低保", MEASURE_DIBAO},  {"纳入特困", MEASURE_TEKUN},
    {"临时救助", MEASURE_RELIEF}, {"取暖炉具", MEASURE_GOODS},
    {"取暖煤", MEASURE_GOODS},	  {"棉衣", MEASURE_GOODS},
    {"棉被", MEASURE_GOODS},	  {"电热毯", MEASURE_GOODS},
    {"其他物资", MEASURE_GOODS},  {"转介", MEASURE_REFERRAL},
    {"其他", MEASURE_OTHER},
};

/* Short forms staff actually type. */
static const struct {
	const char *word;
	const char *canonical;
} case_measure_aliases[] = {
    {"低保", "纳入低保"}, {"特困", "纳入特困"}, {"救助", "临时救助"},
    {"炉具", "取暖炉具"}, {"炉子", "取暖炉具"}, {"煤", "取暖煤"},
    {"煤炭", "取暖煤"},	  {"被子", "棉被"},	{"棉袄", "棉衣"},
    {"物资", "其他物资"}, {"转办", "转介"},
};

const struct case_measure *case_measure_find(const char *word)
{
	for (size_t i = 0; i < WL_ARRAY_LEN(case_measures); i++)
		if (strcmp(word, case_measures[i].name) == 0)
			return &case_measures[i];
	for (size_t i = 0; i < WL_ARRAY_LEN(case_measure_aliases); i++)
		if (strcmp(word, case_measure_aliases[i].word) == 0)
			return case_measure_find(
			    case_measure_aliases[i].canonical);
	return NULL;
}

const char *case_measure_list(void)
{
	return "纳入低保、纳入特困、临时救助、取暖炉具、取暖煤、棉衣、棉被、"
	       "电热毯、其他物资、转介、其他";
}

/* Ends with a suffix (a UTF-8 string)? Then the number before it. */
static bool case_suffix_number(const char *tok, const char *suffix, double *out)
{
	size_t lt = strlen(tok), ls = strlen(suffix);
	char num[64];
	char *end;
	long long whole;

	if (lt <= ls || lt - ls >= sizeof(num) ||
	    strcmp(tok + lt - ls, suffix) != 0)
		return false;
	memcpy(num, tok, lt - ls);
	num[lt - ls] = '\0';
	if (strchr(num, '.')) {
		*out = strtod(num, &end);
		return *end == '\0' && *out >= 0 && *out < 1e9;
	}
	/* Integers may be written in Chinese: 两人次, 一千五百元. */
	if (!text_parse_int(num, &whole) || whole > 1000000000LL)
		return false;
	*out = (double)whole;
	return true;
}

bool case_measure_is_money(const struct case_measure *m)
{
	return m && (m->kind == MEASURE_DIBAO || m->kind == MEASURE_TEKUN ||
		     m->kind == MEASURE_RELIEF);
}

/* The note: everything from tok on, the rest of this segment and any
 * later segment's note joined with "；". */
static void case_note_add(struct case_help *out, const char *text)
{
	size_t have = strlen(out->note), room, cut;

	if (!*text)
		return;
	if (have && have + 4 < sizeof(out->note)) {
		memcpy(out->note + have, "；", 3);
		have += 3;
		out->note[have] = '\0';
	}
	room = sizeof(out->note) - 1 - have;
	/* At most four bytes a character: the cut always fits. */
	cut = text_utf8_prefix(text, strlen(text), room / 4);
	memcpy(out->note + have, text, cut);
	out->note[have + cut] = '\0';
}

/* One segment (no ';' inside): measures with their numbers, then a note.
 * seg is modified. */
static int case_help_segment(char *seg, struct case_help *out, char *err,
			     size_t err_size)
{
	struct case_help_item *it = NULL;
	bool have_times = false, have_amount = false;
	char *p = seg;

	while (p && *p) {
		const struct case_measure *m;
		char *next = strchr(p, ' ');
		double v;

		if (next)
			*next++ = '\0';
		m = case_measure_find(p);
		if (m) {
			if (out->n == CASE_HELP_MAX) {
				snprintf(err, err_size, "一次最多记 %d 项措施",
					 CASE_HELP_MAX);
				return WL_EBADREQ;
			}
			it = &out->items[out->n++];
			it->measure = m;
			it->person_times = 1;
			have_times = have_amount = false;
		} else if (!it) {
			snprintf(err, err_size,
				 "不认识的救助措施“%s”，可用：%s", p,
				 case_measure_list());
			return WL_EBADREQ;
		} else if (!have_times && case_suffix_number(p, "人次", &v)) {
			if (v < 1 || v > 10000 || v != (double)(long)v) {
				snprintf(err, err_size,
					 "人次应为 1 到 10000 的整数");
				return WL_EBADREQ;
			}
			it->person_times = (long)v;
			have_times = true;
		} else if (!have_amount && (case_suffix_number(p, "元", &v) ||
					    case_suffix_number(p, "块", &v))) {
			it->amount_fen = (long long)(v * 100 + 0.5);
			it->has_amount = true;
			have_amount = true;
		} else {
			/* Everything from here on is the note. */
			if (next)
				next[-1] = ' ';
			case_note_add(out, p);
			break;
		}
		p = next;
	}
	return WL_OK;
}

int case_help_parse(const char *args, struct case_help *out, char *err,
		    size_t err_size)
{
	char *copy = text_normalize(args ? args : "");
	char *seg, *next;
	int rc = WL_EBADREQ;

	memset(out, 0, sizeof(*out));
	if (!copy)
		return WL_ENOMEM;
	for (seg = copy; seg; seg = next) {
		next = strpbrk(seg, ";+");
		if (next)
			*next++ = '\0';
		while (*seg == ' ')
			seg++;
		if (case_help_segment(seg, out, err, err_size) != WL_OK)
			goto out;
	}
	if (!out->n) {
		snprintf(err, err_size, "请写明救助措施（%s）",
			 case_measure_list());
		goto out;
	}
	for (size_t i = 0; i < out->n; i++) {
		const struct case_help_item *it = &out->items[i];

		if (!case_measure_is_money(it->measure))
			continue;
		if (!it->has_amount ||
		    (it->measure->kind == MEASURE_RELIEF && !it->amount_fen)) {
			out->needs_amount = it->measure;
			snprintf(err, err_size, "%s发放了多少钱？请写明金额。",
				 it->measure->name);
			goto out;
		}
	}
	rc = WL_OK;
out:
	free(copy);
	return rc;
}

/* One measure of a case from before help_given. */
static json_t *case_help_legacy(const json_t *c)
{
	const char *m = case_get(c, "measure");
	const struct case_measure *cm = m ? case_measure_find(m) : NULL;
	const char *k = case_get(c, "measure_kind");
	const char *t = case_get(c, "person_times");
	const char *f = case_get(c, "amount_fen");
	const char *at = case_get(c, "resolved_at");

	return json_pack("{s:s, s:i, s:I, s:I, s:I, s:s}", "m", m, "k",
			 k    ? (int)strtol(k, NULL, 10)
			 : cm ? (int)cm->kind
			      : (int)MEASURE_OTHER,
			 "t", (json_int_t)(t ? strtoll(t, NULL, 10) : 1), "f",
			 (json_int_t)(f ? strtoll(f, NULL, 10) : 0), "at",
			 (json_int_t)(at ? strtoll(at, NULL, 10) : 0), "by",
			 case_get(c, "resolved_by") ? case_get(c, "resolved_by")
						    : "");
}

json_t *case_help_given(const json_t *c)
{
	const char *s = case_get(c, "help_given");
	const char *m = case_get(c, "measure");
	json_t *a = NULL, *one;
	json_error_t e;

	if (s && *s) {
		a = json_loads(s, 0, &e);
		if (json_is_array(a))
			return a;
		json_decref(a);
	}
	a = json_array();
	if (!a || !m || !*m)
		return a;
	one = case_help_legacy(c);
	if (!one || json_array_append_new(a, one)) {
		json_decref(a);
		return NULL;
	}
	return a;
}

int case_help_append(json_t *given, const struct case_help *h, long long at,
		     const char *by)
{
	for (size_t i = 0; i < h->n; i++) {
		const struct case_help_item *it = &h->items[i];
		json_t *o =
		    json_pack("{s:s, s:i, s:I, s:I, s:I, s:s}", "m",
			      it->measure->name, "k", (int)it->measure->kind,
			      "t", (json_int_t)it->person_times, "f",
			      (json_int_t)it->amount_fen, "at", (json_int_t)at,
			      "by", by ? by : "");

		if (!o || json_array_append_new(given, o))
			return WL_ENOMEM;
	}
	return WL_OK;
}

char *case_help_text(const json_t *given)
{
	struct buf b = BUF_INIT;
	size_t i;
	const json_t *o;

	json_array_foreach(given, i, o)
	{
		const char *m = json_string_value(json_object_get(o, "m"));
		json_int_t t = json_integer_value(json_object_get(o, "t"));
		json_int_t f = json_integer_value(json_object_get(o, "f"));

		buf_addf(&b, "%s%s %lld人次", i ? "；" : "", m ? m : "?",
			 (long long)t);
		if (f > 0 ||
		    case_measure_is_money(m ? case_measure_find(m) : NULL))
			buf_addf(&b, " %lld.%02lld元", (long long)f / 100,
				 (long long)f % 100);
	}
	if (b.oom) {
		buf_release(&b);
		return NULL;
	}
	if (!b.s)
		buf_adds(&b, "");
	return buf_detach(&b, NULL);
}

int case_help_summary(const json_t *given, json_t *fields)
{
	struct buf names = BUF_INIT;
	long long times = 0, fen = 0;
	int kind = -1;
	size_t i;
	const json_t *o;
	char *dump;
	int rc = WL_ENOMEM;

	json_array_foreach(given, i, o)
	{
		const char *m = json_string_value(json_object_get(o, "m"));

		if (m && !(names.s && strstr(names.s, m))) {
			if (names.len)
				buf_adds(&names, "、");
			buf_adds(&names, m);
		}
		if (kind < 0)
			kind = (int)json_integer_value(json_object_get(o, "k"));
		times += json_integer_value(json_object_get(o, "t"));
		fen += json_integer_value(json_object_get(o, "f"));
	}
	dump = json_dumps(given, JSON_COMPACT);
	if (names.oom || !dump)
		goto out;
	if (json_object_set_new(fields, "help_given", json_string(dump)) ||
	    json_object_set_new(fields, "measure",
				json_string(names.s ? names.s : "")) ||
	    json_object_set_new(
		fields, "measure_kind",
		json_integer(kind < 0 ? MEASURE_OTHER : kind)) ||
	    json_object_set_new(fields, "person_times", json_integer(times)) ||
	    json_object_set_new(fields, "amount_fen", json_integer(fen)))
		goto out;
	rc = WL_OK;
out:
	free(dump);
	buf_release(&names);
	return rc;
}

char *case_words(const json_t *c)
{
	const char *detail = case_get(c, "detail");
	const char *opening = case_get(c, "trigger_text");
	const char *hazard = case_get(c, "hazard");
	struct buf b = BUF_INIT;

	if (hazard && *hazard)
		buf_addf(&b, "%s", hazard);
	if (detail && *detail) {
		buf_addf(&b, "%s%s", b.len ? "：" : "", detail);
		if (opening && *opening && strcmp(opening, detail) != 0 &&
		    !strstr(detail, opening))
			buf_addf(&b, "（原话：%s）", opening);
	} else if (opening && *opening) {
		buf_addf(&b, "%s%s", b.len ? "：" : "", opening);
	}
	if (!b.len || b.oom) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

bool case_area_within(const struct wl_config *cfg, int area, int root)
{
	for (int a = area; a >= 0 && (size_t)a < cfg->n_areas;
	     a = cfg->areas[a].parent)
		if (a == root)
			return true;
	return false;
}

int case_route_area(const struct wl_config *cfg, const char *area_id)
{
	int a = area_id ? config_area_index(cfg, area_id) : -1;

	if (a >= 0)
		return a;
	for (size_t i = 0; i < cfg->n_areas; i++)
		if (cfg->areas[i].parent < 0)
			return (int)i;
	return -1;
}

size_t case_duty_chain(const struct wl_config *cfg, int area, bool all,
		       const struct wl_addr **out, size_t max)
{
	size_t n = 0;

	for (int a = area; a >= 0 && n < max; a = cfg->areas[a].parent) {
		if (!cfg->areas[a].duty.channel)
			continue;
		out[n++] = &cfg->areas[a].duty;
		if (!all)
			break;
	}
	return n;
}

char *case_area_path(const struct wl_config *cfg, int area)
{
	int chain[8];
	int n = 0;
	struct buf b = BUF_INIT;

	for (int a = area; a >= 0 && n < 8; a = cfg->areas[a].parent)
		chain[n++] = a;
	/* The street is implied for residents and staff alike; show from
	 * the community down, or the street alone. */
	for (int i = n - 1; i >= 0; i--) {
		if (i == n - 1 && n > 1)
			continue;
		if (b.len)
			buf_adds(&b, " ");
		buf_adds(&b, cfg->areas[chain[i]].name);
	}
	if (!b.len)
		buf_adds(&b, "未知区域");
	return buf_detach(&b, NULL);
}

bool case_staff_may_act(const struct wl_config *cfg, const struct wl_staff *st,
			int case_area)
{
	if (st->role == ROLE_SUPERVISOR)
		return true;
	return case_area_within(cfg, case_area, st->area_idx);
}

bool case_staff_may_take_over(const struct wl_staff *st)
{
	return st->role == ROLE_COMMUNITY_DIRECTOR ||
	       st->role == ROLE_STREET_STAFF || st->role == ROLE_SUPERVISOR;
}

const char *case_get(const json_t *c, const char *field)
{
	const json_t *v = json_object_get(c, field);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static const char *case_field_str(const json_t *fields, const char *k,
				  char *tmp, size_t size)
{
	const json_t *v = json_object_get(fields, k);

	if (json_is_string(v) && json_string_length(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(tmp, size, "%lld", (long long)json_integer_value(v));
		return tmp;
	}
	return NULL;
}

/* A case the place could not put in a grid lands with the community's
 * duty chat: name the areas below, which 转派 takes. */
static void case_notice_children(struct buf *b, const struct wl_config *cfg,
				 int area, const char *no)
{
	size_t n = 0;

	for (size_t i = 0; area >= 0 && i < cfg->n_areas; i++) {
		if (cfg->areas[i].parent != area)
			continue;
		buf_adds(b, n++ ? "、" : "\n可转派到：");
		buf_adds(b, cfg->areas[i].name);
	}
	if (n)
		buf_addf(b, "\n回复“转派 %s 区域名”派给下级。", no);
}

char *case_notice(const struct wl_config *cfg, const json_t *fields,
		  const char *no, const char *urgency, int area)
{
	struct buf b = BUF_INIT;
	char tmp[32];
	char *path = case_area_path(cfg, area);
	const char *cat = case_field_str(fields, "category", tmp, sizeof(tmp));
	const char *who =
	    case_field_str(fields, "person_category", tmp, sizeof(tmp));
	const char *sub =
	    case_field_str(fields, "person_sub", tmp, sizeof(tmp));
	const char *addr = case_field_str(fields, "address", tmp, sizeof(tmp));
	const char *phone = case_field_str(fields, "phone", tmp, sizeof(tmp));
	static const struct {
		const char *field, *label;
	} visit_rows[] = {
	    {"problem", "发现问题"},
	    {"measures", "计划措施及时限"},
	    {"deadline", "整改时限"},
	};
	char *words;
	const char *emerg =
	    case_field_str(fields, "emergency", tmp, sizeof(tmp));
	bool urgent = urgency && strcmp(urgency, "urgent") == 0;

	buf_addf(&b, "【%s工单 %s】%s\n", urgent ? "紧急" : "新", no,
		 path ? path : "");
	if (emerg)
		buf_addf(&b, "险情：%s\n", emerg);
	if (cat)
		buf_addf(&b, "困难：%s\n", cat);
	if (who)
		buf_addf(&b, "对象：%s%s%s%s\n", who, sub ? "（" : "",
			 sub ? sub : "", sub ? "）" : "");
	if (addr) {
		char *m = text_mask_numbers(addr);

		buf_addf(&b, "地址：%s\n", m ? m : "");
		free(m);
	}
	words = case_words(fields);
	if (words) {
		/* Numbers masked: duty chats are groups. */
		char *m = text_mask_numbers(words);
		size_t cut = m ? text_utf8_prefix(m, strlen(m), 120) : 0;

		buf_adds(&b, "居民说：");
		if (m)
			buf_add(&b, m, cut);
		buf_adds(&b, m && cut < strlen(m) ? "…\n" : "\n");
		free(m);
	}
	free(words);
	for (size_t i = 0; i < WL_ARRAY_LEN(visit_rows); i++) {
		const char *v = case_field_str(fields, visit_rows[i].field, tmp,
					       sizeof(tmp));

		if (v)
			buf_addf(&b, "%s：%s\n", visit_rows[i].label, v);
	}
	if (phone) {
		char *m = text_mask_phone(phone);

		buf_addf(&b, "电话：%s（认领后可见）\n", m ? m : "");
		free(m);
	}
	buf_addf(&b, "回复“认领 %s”接单。", no);
	case_notice_children(&b, cfg, area, no);
	free(path);
	return buf_detach(&b, NULL);
}

char *case_line(const struct wl_config *cfg, const json_t *c)
{
	struct buf b = BUF_INIT;
	const char *no = case_get(c, "no");
	const char *cat = case_get(c, "category");
	int st = case_status_parse(case_get(c, "status"));
	int area = config_area_index(
	    cfg, case_get(c, "area") ? case_get(c, "area") : "");
	char *path = area >= 0 ? case_area_path(cfg, area) : NULL;
	const char *urg = case_get(c, "urgency");

	buf_addf(&b, "%s %s%s %s %s", no ? no : "?",
		 urg && strcmp(urg, "urgent") == 0 ? "【紧急】" : "",
		 st >= 0 ? case_status_label((enum case_status)st) : "?",
		 path ? path : "", cat ? cat : "");
	free(path);
	return buf_detach(&b, NULL);
}

const char *case_source_label(const char *src)
{
	static const char *const labels[][2] = {
	    {"flow:help", "居民求助"},
	    {"flow:hazard", "安全隐患报告"},
	    {"flow:rough_sleeper", "流浪乞讨人员报告"},
	    {"flow:emergency", "紧急求助"},
	    {"emergency", "紧急求助"},
	    {"visit", "走访排查"},
	    {"12345", "12345热线"},
	    {"handover", "转人工"},
	    {"proxy", "电话代录"},
	    {"flow", "居民求助"},
	};

	for (size_t i = 0; src && i < WL_ARRAY_LEN(labels); i++)
		if (strcmp(src, labels[i][0]) == 0)
			return labels[i][1];
	/* Another flow: its id is no word for staff. */
	if (src && strncmp(src, "flow:", 5) == 0)
		return "居民求助";
	return src;
}
