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

int case_help_parse(const char *args, struct case_help *out, char *err,
		    size_t err_size)
{
	char *copy = text_normalize(args ? args : "");
	char *p, *tok;
	bool have_times = false, have_amount = false;
	int rc = WL_EBADREQ;

	memset(out, 0, sizeof(*out));
	out->person_times = 1;
	if (!copy)
		return WL_ENOMEM;
	p = copy;
	tok = p;
	p = strchr(p, ' ');
	if (p)
		*p++ = '\0';
	if (!*tok) {
		snprintf(err, err_size, "请写明救助措施（%s）",
			 case_measure_list());
		goto out;
	}
	out->measure = case_measure_find(tok);
	if (!out->measure) {
		snprintf(err, err_size, "不认识的救助措施“%s”，可用：%s", tok,
			 case_measure_list());
		goto out;
	}
	while (p && *p) {
		double v;
		char *next = strchr(p, ' ');

		if (next)
			*next++ = '\0';
		if (!have_times && case_suffix_number(p, "人次", &v)) {
			if (v < 1 || v > 10000 || v != (double)(long)v) {
				snprintf(err, err_size,
					 "人次应为 1 到 10000 的整数");
				goto out;
			}
			out->person_times = (long)v;
			have_times = true;
		} else if (!have_amount && (case_suffix_number(p, "元", &v) ||
					    case_suffix_number(p, "块", &v))) {
			out->amount_fen = (long long)(v * 100 + 0.5);
			have_amount = true;
		} else {
			/* Everything from here on is the note. */
			struct buf nb = BUF_INIT;
			size_t cut;

			buf_adds(&nb, p);
			if (next) {
				buf_adds(&nb, " ");
				buf_adds(&nb, next);
			}
			cut = nb.s ? text_utf8_prefix(nb.s, nb.len,
						      sizeof(out->note) / 4)
				   : 0;
			if (cut)
				memcpy(out->note, nb.s, cut);
			out->note[cut] = '\0';
			buf_release(&nb);
			break;
		}
		p = next;
	}
	rc = WL_OK;
out:
	free(copy);
	return rc;
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
	const char *detail = case_field_str(fields, "detail", tmp, sizeof(tmp));
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
	if (detail) {
		char *m = text_mask_numbers(detail);
		size_t cut = m ? text_utf8_prefix(m, strlen(m), 60) : 0;

		buf_adds(&b, "情况：");
		if (m)
			buf_add(&b, m, cut);
		buf_adds(&b, m && cut < strlen(m) ? "…\n" : "\n");
		free(m);
	}
	if (phone) {
		char *m = text_mask_phone(phone);

		buf_addf(&b, "电话：%s（认领后可见）\n", m ? m : "");
		free(m);
	}
	buf_addf(&b, "回复“认领 %s”接单。", no);
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
