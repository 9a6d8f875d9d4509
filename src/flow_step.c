/*
 * flow_step.c — the pure stepper: (flow set, session, message, now) →
 * (new session, effects). See flow.h for the session and effect contract
 * and docs/FLOWS.md for what flow authors see.
 *
 * No I/O, no clock, no global mutable state: the caller passes "now" and
 * commits what comes back. The input session is never modified; the
 * stepper works on a deep copy. A step walks nodes until the flow waits
 * at a question or ends, and stops a runaway flow after FLOW_STEP_CAP
 * nodes (the loader rejects loops inside one flow, but start_flow can
 * still chain flows into one).
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "calendar.h"
#include "flow_int.h"
#include "text.h"
#include "wl.h"

#define TTL_DEFAULT_S 1800

/* ---- the engine's own words (flows bring the rest) ---- */

enum msg {
	MSG_HANDOVER,
	MSG_HANDOVER_TRIES,
	MSG_CANCELLED,
	MSG_NOTHING_TO_CANCEL,
	MSG_RESTART,
	MSG_REMIND,
	MSG_EXPIRED,
	MSG_STEP_CAP,
	MSG_PICK,
	MSG_EM_REPLY,
	MSG_UNREADABLE,
	MSG_TOO_LONG,
	MSG_YES,
	MSG_NO,
	MSG_NONE,
	H_CHOICE,
	H_YESNO,
	H_INTEGER,
	H_AGE,
	H_PHONE,
	H_RESIDENT_ID,
	H_TEXT,
	H_LOCATION,
	H_LOCATION_VAGUE,
	H_CHOICE_AMBIGUOUS,
	H_DATE,
	H_CHOICES,
	H_YESNO_NOTE,
	MSG_COUNT
};

struct msg_text {
	const char *zh, *en;
};

static const struct msg_text msgs[MSG_COUNT] = {
    [MSG_HANDOVER] = {"好的，已为您转接人工，值班人员会尽快联系您。",
		      "OK. A staff member will contact you soon."},
    [MSG_HANDOVER_TRIES] = {"抱歉，没能看懂您的回复。已为您转接人工，"
			    "值班人员会尽快联系您。",
			    "Sorry, we could not understand. A staff "
			    "member will contact you soon."},
    [MSG_CANCELLED] = {"已取消本次登记。需要帮助时请随时发消息。",
		       "Cancelled. Message us any time you need "
		       "help."},
    [MSG_NOTHING_TO_CANCEL] = {"您当前没有正在进行的登记。需要帮助"
			       "请直接说明情况。",
			       "There is nothing to cancel. Tell "
			       "us what is wrong if you need "
			       "help."},
    [MSG_RESTART] = {"好的，我们重新开始。", "OK, let us start again."},
    [MSG_REMIND] = {"您还在吗？请回复上面的问题继续；\n"
		    "回复“人工”转人工，回复“取消”结束。",
		    "Are you still there? Please answer the "
		    "question above.\nReply human for a person, "
		    "cancel to stop."},
    [MSG_EXPIRED] = {"很久没有收到您的回复，本次对话已结束。\n"
		     "需要帮助请重新发消息。",
		     "We did not hear from you, so this "
		     "conversation has ended.\nMessage us again "
		     "if you need help."},
    [MSG_STEP_CAP] = {"抱歉，系统出了点问题，已通知工作人员。\n"
		      "请稍后再试，或回复“人工”。",
		      "Sorry, something went wrong and staff "
		      "have been told.\nPlease try again later or "
		      "reply human."},
    [MSG_PICK] = {"找到多个地点，请回复数字选择：",
		  "Several places match. Reply with a number:"},
    [MSG_EM_REPLY] = {"已通知值班人员，会马上与您联系。",
		      "Staff on duty have been told and will "
		      "contact you at once."},
    [MSG_UNREADABLE] = {"您好，没能看懂这条消息。请用文字简单说说需要什么帮助，"
			"如：家里没有暖气。\n紧急情况请直接拨打120或119。",
			"Hello, we could not read that message. Please tell "
			"us in a few words what help you need.\nIn an "
			"emergency call 120 or 119."},
    [MSG_TOO_LONG] = {"您好，消息太长了，请用一两句话说说需要什么帮助。\n"
		      "紧急情况请直接拨打120或119。",
		      "Hello, that message is too long. Please tell us "
		      "in a sentence or two what help you need.\nIn an "
		      "emergency call 120 or 119."},
    [MSG_YES] = {"是", "yes"},
    [MSG_NO] = {"否", "no"},
    [MSG_NONE] = {"无", "none"},
    [H_CHOICE] = {"请回复选项前的数字，如 1。",
		  "Please reply with the number of an option, "
		  "e.g. 1."},
    [H_YESNO] = {"请回复“是”或“否”。", "Please reply yes or no."},
    [H_INTEGER] = {"请回复一个数字。", "Please reply with a number."},
    [H_AGE] = {"请回复年龄数字，如 72。",
	       "Please reply with the age, e.g. 72."},
    [H_PHONE] = {"请回复11位手机号，或带区号的座机号。",
		 "Please reply with a mobile number or a "
		 "landline with area code."},
    [H_RESIDENT_ID] = {"请回复18位身份证号，不方便可回复“跳过”。",
		       "Please reply with the 18-character ID "
		       "number, or skip."},
    [H_TEXT] = {"请用文字简单说明。", "Please describe it in a few words."},
    [H_LOCATION] = {"没找到这个地点，请回复社区（村）名称",
		    "We could not find that place. Please "
		    "reply with the community or village name"},
    [H_LOCATION_VAGUE] = {"符合的地点太多，请说得具体些",
			  "Too many places match. Please be "
			  "more precise"},
    [H_CHOICE_AMBIGUOUS] = {"您的回复符合多个选项，请回复选项前"
			    "的数字。",
			    "That matches several options. "
			    "Please reply with its number."},
    [H_DATE] = {"请回复日期，如：今天、12月3日。",
		"Please reply with a date, e.g. today or 3 Dec."},
    [H_CHOICES] = {"请回复选项前的数字，可选多项，如：1 3。",
		   "Reply with the numbers of the options; several "
		   "are allowed, e.g. 1 3."},
    [H_YESNO_NOTE] = {"请先回答“是”或“否”，再写说明，如：是，缺棉被。",
		      "Please start with yes or no, then the note, e.g. "
		      "yes, no quilt."},
};

/* Whole answers that mean the same at any point of any flow. */
static const char *const w_human[] = {
    "人工", "转人工", "人工服务", "找人工",   "人工客服",
    "真人", "human",  "agent",	  "operator",
};
static const char *const w_restart[] = {
    "重新开始", "重来", "重新填写", "从头开始", "restart", "startover",
};
static const char *const w_cancel[] = {
    "取消", "退出", "取消登记", "cancel", "quit", "stop",
};
static const char *const w_status[] = {
    "进度", "查询进度", "查进度", "进展", "status", "progress",
};

/* ---- one call's state ---- */

struct run {
	const struct flow_set *fs;
	const struct wl_config *cfg;
	const struct flow_input *in;
	const char *text; /* the message, cleaned */
	json_t *sess;	  /* working session; NULL: none or ended */
	json_t *effects;
	int flow; /* index of the session's flow, -1 */
	const char *lang;
	int steps;
	bool oom;
	bool expiring; /* running on_expire: never wait */
};

static void note_oom(struct run *r, int rc)
{
	if (rc != 0)
		r->oom = true;
}

static const struct flow *cur_flow(const struct run *r)
{
	return r->flow >= 0 ? &r->fs->flows[r->flow] : NULL;
}

static json_t *sess_obj(struct run *r, const char *key)
{
	json_t *o = json_object_get(r->sess, key);

	if (!json_is_object(o)) {
		o = json_object();
		if (!o) {
			r->oom = true;
			return NULL;
		}
		note_oom(r, json_object_set_new(r->sess, key, o));
	}
	return o;
}

static const char *msg_get(enum msg m, const char *lang)
{
	return lang && strcmp(lang, "en") == 0 ? msgs[m].en : msgs[m].zh;
}

static const char *msg(const struct run *r, enum msg m)
{
	return msg_get(m, r->lang);
}

static void effect(struct run *r, json_t *e)
{
	if (!e) {
		r->oom = true;
		return;
	}
	note_oom(r, json_array_append_new(r->effects, e));
}

static void say(struct run *r, const char *text)
{
	if (text && text[0])
		effect(r, json_pack("{s:s,s:s}", "type", "say", "text", text));
}

static const struct wl_area *area_by_id(const struct run *r, const char *id)
{
	if (!r->cfg || !id)
		return NULL;
	for (size_t i = 0; i < r->cfg->n_areas; i++)
		if (strcmp(r->cfg->areas[i].id, id) == 0)
			return &r->cfg->areas[i];
	return NULL;
}

/* ---- templates ---- */

static void add_answer(struct run *r, struct buf *b, const char *var,
		       const char *lang)
{
	json_t *v = json_object_get(json_object_get(r->sess, "answers"), var);
	const struct flow *f = cur_flow(r);
	const struct flow_node *n = f ? flow_var_node(f, var) : NULL;

	if (!v)
		return;
	if (json_is_array(v)) {
		for (size_t i = 0; i < json_array_size(v); i++) {
			const char *k = json_string_value(json_array_get(v, i));

			for (size_t j = 0; n && k && j < n->n_options; j++)
				if (strcmp(n->options[j].key, k) == 0) {
					k = flow_text_get(&n->options[j].text,
							  lang);
					break;
				}
			if (i)
				buf_adds(b, "、");
			buf_adds(b, k ? k : "");
		}
		return;
	}
	if (json_is_null(v)) {
		buf_adds(b, msg_get(MSG_NONE, lang));
	} else if (json_is_boolean(v)) {
		buf_adds(b, msg_get(json_is_true(v) ? MSG_YES : MSG_NO, lang));
	} else if (json_is_integer(v)) {
		buf_addf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	} else if (json_is_string(v)) {
		const char *s = json_string_value(v);

		if (n && n->input == FI_CHOICE) {
			for (size_t i = 0; i < n->n_options; i++)
				if (strcmp(n->options[i].key, s) == 0) {
					s = flow_text_get(&n->options[i].text,
							  lang);
					break;
				}
		} else if (n && n->input == FI_LOCATION) {
			const struct wl_area *a = area_by_id(r, s);

			if (a)
				s = a->name;
		}
		buf_adds(b, s);
	}
}

/* The text with its variables filled in; "{case.no}" stays when the
 * case number is not known yet (the caller fills it after the commit). */
static char *render(struct run *r, const char *tpl, const char *lang)
{
	struct buf b = BUF_INIT;
	size_t pos = 0, last = 0, start, len;
	char *out;

	if (!tpl)
		tpl = "";
	while (flow_tpl_next(tpl, &pos, &start, &len)) {
		const char *name = tpl + start + 1;
		size_t nlen = len - 2;
		json_t *cn;

		buf_add(&b, tpl + last, start - last);
		last = start + len;
#define IS(lit) (nlen == sizeof(lit) - 1 && memcmp(name, lit, nlen) == 0)
		if (IS("case.no")) {
			cn = json_object_get(r->sess, "case_no");
			if (json_is_string(cn))
				buf_adds(&b, json_string_value(cn));
			else if (json_is_integer(cn))
				buf_addf(&b, "%" JSON_INTEGER_FORMAT,
					 json_integer_value(cn));
			else
				buf_adds(&b, "{case.no}");
		} else if (IS("contact.name")) {
			buf_adds(&b, r->in && r->in->contact_name
					 ? r->in->contact_name
					 : "");
		} else if (IS("staff.id")) {
			buf_adds(&b, r->in && r->in->staff_id ? r->in->staff_id
							      : "");
		} else if (IS("staff.area")) {
			buf_adds(&b, r->in && r->in->staff_area
					 ? r->in->staff_area
					 : "");
		} else if (nlen > 8 && memcmp(name, "answers.", 8) == 0) {
			char var[FLOW_ID_MAX + 16];

			snprintf(var, sizeof(var), "%.*s", (int)(nlen - 8),
				 name + 8);
			add_answer(r, &b, var, lang);
		} else {
			buf_add(&b, tpl + start, len);
		}
#undef IS
	}
	buf_adds(&b, tpl + last);
	if (b.oom) {
		buf_release(&b);
		r->oom = true;
		return NULL;
	}
	out = buf_detach(&b, NULL);
	if (!out)
		out = strdup("");
	if (!out)
		r->oom = true;
	return out;
}

static void say_text(struct run *r, const struct flow_text *t)
{
	char *s = render(r, flow_text_get(t, r->lang), r->lang);

	say(r, s);
	free(s);
}

/* A field value from a template: exactly "{answers.x}" copies the raw
 * answer (an integer stays an integer, a choice gives its key); any
 * other string is rendered in Chinese, for the staff. */
static json_t *field_value(struct run *r, json_t *tpl)
{
	const char *s = json_string_value(tpl);
	size_t pos = 0, start, len;
	char *out;
	json_t *v;

	if (!s)
		return json_deep_copy(tpl);
	if (flow_tpl_next(s, &pos, &start, &len) && start == 0 &&
	    s[len] == '\0' && strncmp(s, "{answers.", 9) == 0) {
		char var[FLOW_ID_MAX + 16];

		snprintf(var, sizeof(var), "%.*s", (int)(len - 10), s + 9);
		v = json_object_get(json_object_get(r->sess, "answers"), var);
		return v ? json_deep_copy(v) : json_null();
	}
	out = render(r, s, "zh");
	if (!out)
		return NULL;
	v = json_string(out);
	free(out);
	return v;
}

static void merge_fields(struct run *r, json_t *dst, json_t *tpls)
{
	const char *k;
	json_t *v;

	json_object_foreach(tpls, k, v)
	{
		json_t *x = field_value(r, v);

		if (!x)
			r->oom = true;
		else
			note_oom(r, json_object_set_new(dst, k, x));
	}
}

/* ---- prompts ---- */

static char *prompt(struct run *r, const struct flow_node *n)
{
	struct buf b = BUF_INIT;
	json_t *pick = json_object_get(r->sess, "pick");
	char *t;

	if (json_array_size(pick)) {
		/* the question was just asked: only the short list */
		buf_adds(&b, msg(r, MSG_PICK));
		for (size_t i = 0; i < json_array_size(pick); i++) {
			const struct wl_area *a = area_by_id(
			    r, json_string_value(json_array_get(pick, i)));
			const struct wl_area *p =
			    a && a->parent >= 0 ? &r->cfg->areas[a->parent]
						: NULL;

			bool twin = false;

			if (!a)
				continue;
			/* the parent only tells apart places of one name,
			 * so the list stays within one SMS */
			for (size_t j = 0; j < json_array_size(pick); j++) {
				const struct wl_area *o = area_by_id(
				    r,
				    json_string_value(json_array_get(pick, j)));

				if (j != i && o &&
				    strcmp(o->name, a->name) == 0)
					twin = true;
			}
			if (p && twin)
				buf_addf(&b, "\n%zu %s（%s）", i + 1, a->name,
					 p->name);
			else
				buf_addf(&b, "\n%zu %s", i + 1, a->name);
		}
	} else {
		t = render(r, flow_text_get(&n->text, r->lang), r->lang);
		buf_adds(&b, t ? t : "");
		free(t);
	}
	if (!json_array_size(pick) &&
	    (n->input == FI_CHOICE || n->input == FI_CHOICES)) {
		for (size_t i = 0; i < n->n_options; i++)
			buf_addf(&b, "\n%zu %s", i + 1,
				 flow_text_get(&n->options[i].text, r->lang));
	}
	if (b.oom) {
		buf_release(&b);
		r->oom = true;
		return NULL;
	}
	return buf_detach(&b, NULL);
}

static void wait_at(struct run *r, const struct flow_node *n)
{
	char *p;

	note_oom(r, json_object_set_new(r->sess, "node", json_string(n->id)));
	json_object_del(r->sess, "tries");
	json_object_del(r->sess, "pick");
	p = prompt(r, n);
	say(r, p);
	free(p);
}

/* ---- ending ---- */

static void end_session(struct run *r)
{
	json_decref(r->sess);
	r->sess = NULL;
}

static char *heard(struct run *r);

static void handover(struct run *r, const char *reason, const char *note)
{
	const struct flow *f = cur_flow(r);
	json_t *e =
	    json_pack("{s:s,s:s}", "type", "handover", "reason", reason);
	json_t *answers = json_object_get(r->sess, "answers");

	if (!e) {
		r->oom = true;
		return;
	}
	note_oom(r, json_object_set_new(e, "flow",
					f ? json_string(f->id) : json_null()));
	note_oom(r, json_object_set_new(e, "answers",
					answers ? json_deep_copy(answers)
						: json_object()));
	if (note)
		note_oom(r, json_object_set_new(e, "note", json_string(note)));
	/* a place already known (answered, or said before its question
	 * came up) goes with it, so the right grid gets it */
	if (json_is_string(json_object_get(r->sess, "area"))) {
		note_oom(r, json_object_set(e, "area",
					    json_object_get(r->sess, "area")));
	} else if (r->sess && r->cfg && !(f && f->staff_only)) {
		size_t idx, picks[FLOW_PICK_MAX], np;
		char *t = heard(r);

		if (t &&
		    flow_parse_location(r->cfg, t, &idx, picks, &np) == FP_OK)
			note_oom(r, json_object_set_new(
					e, "area",
					json_string(r->cfg->areas[idx].id)));
		free(t);
	}
	effect(r, e);
}

static void step_cap(struct run *r, const struct flow_node *n)
{
	const struct flow *f = cur_flow(r);

	effect(r, json_pack("{s:s,s:s,s:s,s:s}", "type", "error", "reason",
			    "step_cap", "flow", f ? f->id : "", "node",
			    n ? n->id : ""));
	say(r, msg(r, MSG_STEP_CAP));
	end_session(r);
}

/* ---- cases ---- */

static json_t *case_area(struct run *r, const struct flow_op *op)
{
	const struct flow *f = cur_flow(r);
	const char *a = json_string_value(json_object_get(r->sess, "area"));
	json_t *v;

	if (op && op->area) {
		char *s = render(r, op->area, "zh");

		if (!s)
			return NULL;
		v = s[0] ? json_string(s) : json_null();
		free(s);
		return v;
	}
	if (!a && r->cfg && !(f && f->staff_only)) {
		/* a place said before its question came up (张家庄的老人…) */
		size_t idx, picks[FLOW_PICK_MAX], np;
		char *t = r->sess ? heard(r) : NULL;

		if ((t && flow_parse_location(r->cfg, t, &idx, picks, &np) ==
			      FP_OK) ||
		    (r->text && flow_parse_location(r->cfg, r->text, &idx,
						    picks, &np) == FP_OK))
			a = r->cfg->areas[idx].id;
		free(t);
	}
	if (!a && r->in && r->in->contact_area && r->in->contact_area[0])
		a = r->in->contact_area;
	if (!a && f && f->staff_only && r->in && r->in->staff_area)
		a = r->in->staff_area;
	return a ? json_string(a) : json_null();
}

static const char *urgency(struct run *r)
{
	const char *u = json_string_value(json_object_get(r->sess, "urgency"));

	return u && strcmp(u, "urgent") == 0 ? "urgent" : "normal";
}

/* case_open, or case_update when the session already has its case. */
static void open_case(struct run *r, const struct flow_op *op, json_t *extra,
		      const char *source)
{
	const struct flow *f = cur_flow(r);
	json_t *fields, *e;
	bool separate = op && op->separate;
	char src[FLOW_ID_MAX + 8];

	fields = json_deep_copy(json_object_get(r->sess, "fields"));
	if (!fields)
		fields = json_object();
	if (!fields) {
		r->oom = true;
		return;
	}
	if (op && op->fields)
		merge_fields(r, fields, op->fields);
	if (extra)
		note_oom(r, json_object_update(fields, extra));
	if (!separate && json_is_true(json_object_get(r->sess, "case"))) {
		json_t *area = json_object_get(r->sess, "area");

		e = json_pack("{s:s,s:o}", "type", "case_update", "fields",
			      fields);
		if (e && strcmp(urgency(r), "urgent") == 0)
			note_oom(r, json_object_set_new(e, "urgency",
							json_string("urgent")));
		/* a place learnt after the case was opened */
		if (e && json_is_string(area))
			note_oom(r, json_object_set(e, "area", area));
		effect(r, e);
		return;
	}
	if (op && op->str)
		snprintf(src, sizeof(src), "%s", op->str);
	else if (source)
		snprintf(src, sizeof(src), "%s", source);
	else
		snprintf(src, sizeof(src), "flow:%s", f ? f->id : "");
	e = json_pack("{s:s,s:o,s:s,s:o,s:s,s:o,s:b}", "type", "case_open",
		      "fields", fields, "urgency", urgency(r), "area",
		      case_area(r, op), "source", src, "flow",
		      f ? json_string(f->id) : json_null(), "session_case",
		      !separate && r->sess);
	effect(r, e);
	if (!separate && r->sess)
		note_oom(r, json_object_set_new(r->sess, "case", json_true()));
}

static void emit(struct run *r, const struct flow_op *op)
{
	json_t *fields = json_deep_copy(json_object_get(r->sess, "fields"));
	json_t *e;

	if (!fields)
		fields = json_object();
	e = json_pack("{s:s,s:o}", "type", op->str, "fields", fields);
	if (!e) {
		r->oom = true;
		return;
	}
	if (strcmp(op->str, "visit_record") == 0) {
		note_oom(r, json_object_set_new(e, "at_ms",
						json_integer(r->in->now_ms)));
		note_oom(r, json_object_set_new(
				fields, "staff",
				r->in->staff_id ? json_string(r->in->staff_id)
						: json_null()));
		note_oom(
		    r, json_object_set_new(fields, "area",
					   r->in->staff_area
					       ? json_string(r->in->staff_area)
					       : json_null()));
	} else {
		json_t *cn = json_object_get(r->sess, "case_no");

		if (!cn)
			cn = json_object_get(
			    json_object_get(r->sess, "answers"), "case_no");
		note_oom(r, json_object_set_new(fields, "case_no",
						cn ? json_deep_copy(cn)
						   : json_null()));
	}
	effect(r, e);
}

/* ---- walking nodes ---- */

static bool cond_match(const struct flow_case *c, json_t *v)
{
	json_int_t x;

	if (c->kind == FC_EXISTS)
		return (v && !json_is_null(v)) == json_is_true(c->value);
	if (!v || json_is_null(v))
		return false;
	if (json_is_array(v) && (c->kind == FC_EQUALS || c->kind == FC_IN)) {
		/* several ticks: the case holds when one of them is meant */
		for (size_t i = 0; i < json_array_size(v); i++)
			if (cond_match(c, json_array_get(v, i)))
				return true;
		return false;
	}
	switch (c->kind) {
	case FC_EQUALS: return json_equal(v, c->value);
	case FC_IN:
		for (size_t i = 0; i < json_array_size(c->value); i++)
			if (json_equal(v, json_array_get(c->value, i)))
				return true;
		return false;
	case FC_CONTAINS:
		return json_is_string(v) &&
		       text_contains(json_string_value(v),
				     json_string_value(c->value));
	case FC_GTE:
	case FC_LTE:
		if (!json_is_integer(v))
			return false;
		x = json_integer_value(v);
		return c->kind == FC_GTE ? x >= json_integer_value(c->value)
					 : x <= json_integer_value(c->value);
	case FC_EXISTS: break;
	}
	return false;
}

static int route(struct run *r, const struct flow_node *n)
{
	json_t *v =
	    json_object_get(json_object_get(r->sess, "answers"), n->var);

	for (size_t i = 0; i < n->n_cases; i++)
		if (cond_match(&n->cases[i], v))
			return n->cases[i].next;
	return n->else_next;
}

/* Moves the session to flow idx, keeping what belongs to the contact
 * (its case, urgency, fields) and dropping the answers. */
static int switch_flow(struct run *r, int idx)
{
	json_t *answers = json_object_get(r->sess, "answers");
	json_t *tt = json_object_get(answers, "trigger_text");
	json_t *fresh = json_object();

	if (!fresh) {
		r->oom = true;
		return -1;
	}
	if (tt)
		note_oom(r, json_object_set(fresh, "trigger_text", tt));
	note_oom(r, json_object_set_new(r->sess, "answers", fresh));
	r->flow = idx;
	note_oom(r, json_object_set_new(r->sess, "flow",
					json_string(r->fs->flows[idx].id)));
	return r->fs->flows[idx].start;
}

/* Forgets the answers, as 重新开始 does: the first message and what
 * flow_start() gave stay; a question prefilled once is asked now. */
static void reset_answers(struct run *r)
{
	const struct flow *f = cur_flow(r);
	json_t *old = json_object_get(r->sess, "answers"), *v;
	json_t *answers = json_object();

	if (!answers || !f) {
		json_decref(answers);
		r->oom = true;
		return;
	}
	if ((v = json_object_get(old, "trigger_text")))
		note_oom(r, json_object_set(answers, "trigger_text", v));
	for (size_t i = 0; i < f->n_params; i++)
		if ((v = json_object_get(old, f->params[i])))
			note_oom(r, json_object_set(answers, f->params[i], v));
	note_oom(r, json_object_set_new(r->sess, "answers", answers));
	json_object_del(r->sess, "fields");
	json_object_del(r->sess, "heard");
	/* what the answers made urgent goes with them; an emergency stays */
	if (!json_is_true(json_object_get(r->sess, "em")))
		json_object_del(r->sess, "urgency");
}

/* Runs an action node; returns the next node. */
static int action(struct run *r, const struct flow_node *n)
{
	for (size_t i = 0; i < n->n_ops && !r->oom; i++) {
		const struct flow_op *op = &n->ops[i];
		char *s;

		switch (op->kind) {
		case FO_SET:
			merge_fields(r, sess_obj(r, "fields"), op->fields);
			break;
		case FO_URGENCY:
			/* an emergency never becomes normal again */
			if (strcmp(op->str, "urgent") == 0 ||
			    !json_is_true(json_object_get(r->sess, "em")))
				note_oom(r, json_object_set_new(
						r->sess, "urgency",
						json_string(op->str)));
			break;
		case FO_OPEN_CASE: open_case(r, op, NULL, NULL); break;
		case FO_UPDATE_CASE:
			if (json_is_true(json_object_get(r->sess, "case"))) {
				struct flow_op u = *op;

				u.separate = false;
				open_case(r, &u, NULL, NULL);
			}
			break;
		case FO_HANDOVER:
			s = render(r, op->str, "zh");
			handover(r, "flow", s);
			free(s);
			break;
		case FO_EMIT: emit(r, op); break;
		case FO_RESET: reset_answers(r); break;
		case FO_START_FLOW: return switch_flow(r, op->flow_idx);
		}
	}
	return n->next;
}

/* A place named in free text (an address: 惠丰小区3号楼) moves the
 * session's area down to the grid it names, never up or sideways. */
static void refine_area(struct run *r, const char *text)
{
	const char *cur = json_string_value(json_object_get(r->sess, "area"));
	size_t idx, picks[FLOW_PICK_MAX], np;
	int c = cur ? config_area_index(r->cfg, cur) : -1;
	int p;

	if (!r->cfg || !text ||
	    flow_parse_location(r->cfg, text, &idx, picks, &np) != FP_OK)
		return;
	if (cur) {
		if (c < 0 || (size_t)c == idx)
			return;
		for (p = r->cfg->areas[idx].parent; p >= 0 && p != c;
		     p = r->cfg->areas[p].parent)
			;
		if (p != c)
			return;
	}
	note_oom(r, json_object_set_new(r->sess, "area",
					json_string(r->cfg->areas[idx].id)));
}

static void record(struct run *r, const struct flow_node *n, json_t *v)
{
	json_t *answers = sess_obj(r, "answers");

	if (!v || !answers) {
		json_decref(v);
		r->oom = true;
		return;
	}
	if (n->input == FI_LOCATION && n->level >= 0 && json_is_string(v)) {
		/* a form's 乡镇/村: the configured name, not the routing */
		const struct wl_area *a = area_by_id(r, json_string_value(v));

		if (a) {
			json_decref(v);
			v = json_string(a->name);
			if (!v) {
				r->oom = true;
				return;
			}
		}
	} else if (n->input == FI_LOCATION && json_is_string(v)) {
		note_oom(r, json_object_set(r->sess, "area", v));
	} else if (n->input == FI_TEXT && json_is_string(v) && cur_flow(r) &&
		   !cur_flow(r)->staff_only) {
		refine_area(r, json_string_value(v));
	}
	if (n->field)
		note_oom(r,
			 json_object_set(sess_obj(r, "fields"), n->field, v));
	note_oom(r, json_object_set_new(answers, n->var, v));
	json_object_del(r->sess, "tries");
	json_object_del(r->sess, "pick");
}

/* Everything the sender has said in this conversation: the first
 * message and every answer since (capped), where prefill looks. */
static char *heard(struct run *r)
{
	const char *t = json_string_value(json_object_get(
	    json_object_get(r->sess, "answers"), "trigger_text"));
	const char *h = json_string_value(json_object_get(r->sess, "heard"));
	struct buf b = BUF_INIT;

	buf_adds(&b, t ? t : "");
	if (h) {
		buf_adds(&b, "\n");
		buf_adds(&b, h);
	}
	if (b.oom) {
		buf_release(&b);
		r->oom = true;
		return NULL;
	}
	return buf_detach(&b, NULL);
}

#define HEARD_MAX 2000

static void hear(struct run *r, const char *text)
{
	const char *h = json_string_value(json_object_get(r->sess, "heard"));
	struct buf b = BUF_INIT;

	if (!text || !text[0])
		return;
	if (h) {
		buf_adds(&b, h);
		buf_adds(&b, "\n");
	}
	buf_adds(&b, text);
	if (b.oom) {
		buf_release(&b);
		r->oom = true;
		return;
	}
	if (b.len <= HEARD_MAX)
		note_oom(
		    r, json_object_set_new(r->sess, "heard", json_string(b.s)));
	buf_release(&b);
}

static bool pf_done(struct run *r, const char *var)
{
	json_t *done = json_object_get(r->sess, "pf");

	for (size_t i = 0; i < json_array_size(done); i++) {
		const char *d = json_string_value(json_array_get(done, i));

		if (d && strcmp(d, var) == 0)
			return true;
	}
	return false;
}

/* What the sender already said that answers ask n: the option or place
 * a message names (烟囱堵了 answers "which hazard"), an age said as
 * N岁, a phone number, the clause that reads like an address, or the
 * first message itself as the description. */
static json_t *prefill_value(struct run *r, const struct flow_node *n,
			     const char *t, int *next)
{
	size_t idx, picks[FLOW_PICK_MAX], np;
	long long num;
	char out[64];
	char *a;
	json_t *v = NULL;

	switch (n->input) {
	case FI_CHOICE:
		if (n->prefill == PF_YES &&
		    flow_parse_choice(n, t, true, &idx) == FP_OK) {
			v = json_string(n->options[idx].key);
			if (n->options[idx].next >= 0)
				*next = n->options[idx].next;
		}
		break;
	case FI_LOCATION:
		if (flow_parse_location_at(r->cfg, t, n->level, &idx, picks,
					   &np) == FP_OK)
			v = json_string(r->cfg->areas[idx].id);
		break;
	case FI_AGE:
	case FI_INTEGER:
		if (flow_find_age(t, &num) && !((n->has_min && num < n->min) ||
						(n->has_max && num > n->max)))
			v = json_integer(num);
		break;
	case FI_PHONE:
		if (flow_find_phone(t, out, sizeof(out)))
			v = json_string(out);
		break;
	case FI_TEXT:
		if (n->prefill == PF_ADDRESS) {
			a = flow_find_address(t, n->max_len);
			if (a)
				v = json_string(a);
			free(a);
		} else if (n->prefill == PF_NAME) {
			a = flow_find_name(t);
			if (a)
				v = json_stringn(
				    a,
				    text_utf8_prefix(a, strlen(a), n->max_len));
			free(a);
		} else if (n->prefill == PF_MESSAGE) {
			const char *first = json_string_value(
			    json_object_get(json_object_get(r->sess, "answers"),
					    "trigger_text"));
			char *bare = first ? flow_bare(first) : NULL;

			/* more than a keyword (求助, 我要帮助) */
			if (bare && text_utf8_chars(bare, strlen(bare)) >= 8)
				v = json_stringn(first,
						 text_utf8_prefix(first,
								  strlen(first),
								  n->max_len));
			free(bare);
		}
		break;
	case FI_DATE: {
		int32_t off = 8 * 3600;

		if (r->cfg && r->cfg->timezone)
			(void)sla_tz_offset(r->cfg->timezone, &off);
		if (flow_find_deadline(t, r->in->now_ms, off, out, sizeof(out)))
			v = json_string(out);
		break;
	}
	case FI_YESNO:
	case FI_RESIDENT_ID:
	case FI_CHOICES: break;
	}
	return v;
}

/* An ask with prefill is not asked when it is already answered (a
 * yes/no's note, an earlier answer) or when what the sender said so far
 * answers it; each question is prefilled once, so after 否, 重新填写 the
 * sender is asked. */
static bool try_prefill(struct run *r, const struct flow_node *n, int *next)
{
	json_t *answers = json_object_get(r->sess, "answers");
	json_t *done, *v;
	char *t;

	*next = n->next;
	if (json_object_get(answers, n->var) && n->input != FI_LOCATION &&
	    n->input != FI_CHOICE)
		return true;
	if (json_object_get(answers, n->var) &&
	    !json_is_null(json_object_get(answers, n->var))) {
		json_t *cur = json_object_get(answers, n->var);

		/* an answered choice still goes where its option leads */
		for (size_t i = 0; n->input == FI_CHOICE && i < n->n_options;
		     i++)
			if (json_is_string(cur) &&
			    strcmp(n->options[i].key, json_string_value(cur)) ==
				0 &&
			    n->options[i].next >= 0)
				*next = n->options[i].next;
		return true;
	}
	if (pf_done(r, n->var))
		return false;
	t = heard(r);
	if (!t)
		return false;
	v = prefill_value(r, n, t, next);
	free(t);
	if (!v)
		return false;
	done = json_object_get(r->sess, "pf");
	if (!json_is_array(done)) {
		done = json_array();
		note_oom(r, json_object_set_new(r->sess, "pf", done));
	}
	note_oom(r, json_array_append_new(done, json_string(n->var)));
	record(r, n, v);
	return true;
}

/* Walks from node idx until the flow waits at an ask or ends. */
static void run_from(struct run *r, int idx)
{
	const struct flow_node *n = NULL;

	while (r->sess && !r->oom) {
		const struct flow *f = cur_flow(r);

		if (!f || idx < 0 || (size_t)idx >= f->n_nodes) {
			end_session(r);
			return;
		}
		if (++r->steps > FLOW_STEP_CAP) {
			step_cap(r, n);
			return;
		}
		n = &f->nodes[idx];
		switch (n->kind) {
		case FN_SAY:
			say_text(r, &n->text);
			idx = n->next;
			break;
		case FN_ASK:
			if (r->expiring) {
				end_session(r);
				return;
			}
			if (n->prefill != PF_NONE && try_prefill(r, n, &idx))
				break;
			wait_at(r, n);
			return;
		case FN_ROUTE: idx = route(r, n); break;
		case FN_ACTION: idx = action(r, n); break;
		case FN_END:
			if (n->text.zh)
				say_text(r, &n->text);
			end_session(r);
			return;
		}
	}
}

/* ---- answers ---- */

static const char *example_area(const struct run *r)
{
	if (!r->cfg || r->cfg->n_areas == 0)
		return NULL;
	for (size_t i = 0; i < r->cfg->n_areas; i++)
		if (r->cfg->areas[i].level == LEVEL_COMMUNITY)
			return r->cfg->areas[i].name;
	return r->cfg->areas[0].name;
}

static void invalid(struct run *r, const struct flow_node *n,
		    enum flow_parse why)
{
	static const enum msg hints[] = {
	    [FI_CHOICE] = H_CHOICE,   [FI_YESNO] = H_YESNO,
	    [FI_INTEGER] = H_INTEGER, [FI_AGE] = H_AGE,
	    [FI_PHONE] = H_PHONE,     [FI_RESIDENT_ID] = H_RESIDENT_ID,
	    [FI_TEXT] = H_TEXT,	      [FI_LOCATION] = H_LOCATION,
	    [FI_DATE] = H_DATE,	      [FI_CHOICES] = H_CHOICES,
	};
	json_int_t tries =
	    json_integer_value(json_object_get(r->sess, "tries")) + 1;
	struct buf b = BUF_INIT;
	char *p;

	if (tries >= n->max_tries) {
		handover(r, "invalid_input", NULL);
		say(r, msg(r, MSG_HANDOVER_TRIES));
		end_session(r);
		return;
	}
	note_oom(r, json_object_set_new(r->sess, "tries", json_integer(tries)));
	if (why == FP_AMBIGUOUS &&
	    (n->input == FI_CHOICE || n->input == FI_CHOICES)) {
		buf_adds(&b, msg(r, H_CHOICE_AMBIGUOUS));
	} else if (n->input == FI_YESNO && n->note_var && !n->hint.zh) {
		buf_adds(&b, msg(r, H_YESNO_NOTE));
	} else if (n->hint.zh) {
		p = render(r, flow_text_get(&n->hint, r->lang), r->lang);
		buf_adds(&b, p ? p : "");
		free(p);
	} else if (n->input == FI_LOCATION) {
		const char *ex = example_area(r);
		bool en = strcmp(r->lang, "en") == 0;

		buf_adds(&b, msg(r, why == FP_AMBIGUOUS ? H_LOCATION_VAGUE
							: H_LOCATION));
		if (ex)
			buf_addf(&b, en ? ", e.g. %s." : "，如：%s。", ex);
		else
			buf_adds(&b, en ? "." : "。");
	} else {
		buf_adds(&b, msg(r, hints[n->input]));
	}
	if (b.oom)
		r->oom = true;
	/* the hint and the question go as two messages, so that each fits
	 * one SMS segment */
	say(r, b.s);
	buf_release(&b);
	p = prompt(r, n);
	say(r, p);
	free(p);
}

/* 1..n picks one of the places listed after a vague location. */
static bool pick_answer(struct run *r, const struct flow_node *n)
{
	json_t *pick = json_object_get(r->sess, "pick");
	long long v;

	if (!json_array_size(pick))
		return false;
	if (flow_parse_number(r->text, &v) != FP_OK || v < 1 ||
	    (size_t)v > json_array_size(pick))
		return false;
	record(r, n, json_deep_copy(json_array_get(pick, (size_t)v - 1)));
	return true;
}

static void answer(struct run *r, const struct flow_node *n)
{
	enum flow_parse p = FP_INVALID;
	size_t idx = 0, picks[FLOW_PICK_MAX], np = 0;
	char out[64];
	long long num;
	int next = n->next;
	json_t *v = NULL;

	if (n->input == FI_LOCATION && pick_answer(r, n)) {
		run_from(r, next);
		return;
	}
	if (n->optional && n->input != FI_RESIDENT_ID && flow_is_skip(r->text))
		p = FP_SKIP;
	else
		switch (n->input) {
		case FI_CHOICE:
			p = flow_parse_choice(n, r->text, false, &idx);
			if (p == FP_OK) {
				v = json_string(n->options[idx].key);
				if (n->options[idx].next >= 0)
					next = n->options[idx].next;
			}
			break;
		case FI_YESNO: {
			bool yes;
			const char *note = NULL;

			p = flow_parse_yesno_note(r->text, &yes, &note);
			if (p == FP_OK)
				v = json_boolean(yes);
			/* 是，缺棉被，煤不够: the note is kept whatever it says
			 */
			if (p == FP_OK && note && n->note_var) {
				const struct flow_node *nn =
				    flow_var_node(cur_flow(r), n->note_var);
				size_t max = nn && nn->input == FI_TEXT
						 ? nn->max_len
						 : FLOW_TEXT_LEN_DEFAULT;
				json_t *nv = json_stringn(
				    note,
				    text_utf8_prefix(note, strlen(note), max));

				if (nn)
					record(r, nn, nv);
				else
					note_oom(r, json_object_set_new(
							sess_obj(r, "answers"),
							n->note_var, nv));
			}
			break;
		}
		case FI_DATE: {
			int32_t off = 8 * 3600;

			if (r->cfg && r->cfg->timezone)
				(void)sla_tz_offset(r->cfg->timezone, &off);
			p = flow_parse_date(r->text, r->in->now_ms, off, out,
					    sizeof(out));
			if (p == FP_OK)
				v = json_string(out);
			break;
		}
		case FI_CHOICES: {
			bool marks[FLOW_OPTIONS_MAX];

			p = flow_parse_choices(n, r->text, marks);
			if (p == FP_OK) {
				v = json_array();
				for (size_t i = 0; v && i < n->n_options; i++)
					if (marks[i])
						note_oom(
						    r, json_array_append_new(
							   v, json_string(
								  n->options[i]
								      .key)));
			}
			break;
		}
		case FI_INTEGER:
		case FI_AGE:
			p = flow_parse_number(r->text, &num);
			if (p == FP_OK && ((n->has_min && num < n->min) ||
					   (n->has_max && num > n->max)))
				p = FP_INVALID;
			if (p == FP_OK)
				v = json_integer(num);
			break;
		case FI_PHONE:
			p = flow_parse_phone(r->text, r->in->from, out,
					     sizeof(out));
			if (p == FP_OK)
				v = json_string(out);
			break;
		case FI_RESIDENT_ID:
			p = flow_parse_resident_id(r->text, out, sizeof(out));
			if (p == FP_OK)
				v = json_string(out);
			break;
		case FI_TEXT: {
			char *bare = flow_bare(r->text);

			if (!bare) {
				r->oom = true;
				return;
			}
			if (bare[0]) {
				p = FP_OK;
				v = json_stringn(
				    r->text,
				    text_utf8_prefix(r->text, strlen(r->text),
						     n->max_len));
			}
			free(bare);
			break;
		}
		case FI_LOCATION:
			p = flow_parse_location_at(r->cfg, r->text, n->level,
						   &idx, picks, &np);
			if (p == FP_OK)
				v = json_string(r->cfg->areas[idx].id);
			break;
		}
	if (p == FP_SKIP)
		v = json_null();
	if (p == FP_OK || p == FP_SKIP) {
		/* 不清楚 to one question says nothing about the others */
		if (p == FP_OK)
			hear(r, r->text);
		record(r, n, v);
		run_from(r, next);
		return;
	}
	if (p == FP_PICK) {
		json_t *a = json_array();
		char *pr;

		for (size_t i = 0; a && i < np; i++)
			note_oom(
			    r, json_array_append_new(
				   a, json_string(r->cfg->areas[picks[i]].id)));
		if (!a) {
			r->oom = true;
			return;
		}
		note_oom(r, json_object_set_new(r->sess, "pick", a));
		pr = prompt(r, n);
		say(r, pr);
		free(pr);
		return;
	}
	invalid(r, n, p);
}

/* ---- sessions ---- */

static json_t *new_session(struct run *r, int flow_idx)
{
	json_t *s = json_pack("{s:s,s:{}}", "flow", r->fs->flows[flow_idx].id,
			      "answers");

	if (!s)
		r->oom = true;
	r->flow = flow_idx;
	return s;
}

static void start_flow(struct run *r, int flow_idx, int node)
{
	json_t *answers;

	json_decref(r->sess);
	r->sess = new_session(r, flow_idx);
	if (!r->sess)
		return;
	answers = json_object_get(r->sess, "answers");
	if (r->text && r->text[0])
		note_oom(r, json_object_set_new(answers, "trigger_text",
						json_string(r->text)));
	run_from(r, node >= 0 ? node : r->fs->flows[flow_idx].start);
}

static long ttl_s(const struct wl_config *cfg)
{
	return cfg && cfg->session_ttl_s > 0 ? cfg->session_ttl_s
					     : TTL_DEFAULT_S;
}

static void timer(struct run *r, int64_t at, const char *kind,
		  json_int_t version)
{
	effect(r, json_pack("{s:s,s:I,s:s,s:I}", "type", "timer", "at_ms",
			    (json_int_t)at, "kind", kind, "version", version));
}

/* Stamps the session that will be stored: version, language, idle
 * deadlines and their timers; drops what is empty. */
static void finish(struct run *r, json_int_t base_version, int64_t now,
		   bool reminded)
{
	long ttl = ttl_s(r->cfg);
	int64_t remind, expire;
	json_int_t v = base_version + 1;

	if (!r->sess)
		return;
	note_oom(r, json_object_set_new(r->sess, "version", json_integer(v)));
	note_oom(r, json_object_set_new(r->sess, "lang", json_string(r->lang)));
	if (reminded) {
		expire = json_integer_value(
		    json_object_get(r->sess, "expires_at_ms"));
		note_oom(r,
			 json_object_set_new(r->sess, "reminded", json_true()));
		timer(r, expire, "expire", v);
	} else {
		/* remind 5 minutes before the end, or half way for short
		 * sessions */
		remind = now + (ttl > 600 ? ttl - 300 : ttl / 2) * 1000;
		expire = now + (int64_t)ttl * 1000;
		note_oom(r, json_object_set_new(r->sess, "remind_at_ms",
						json_integer(remind)));
		note_oom(r, json_object_set_new(r->sess, "expires_at_ms",
						json_integer(expire)));
		json_object_del(r->sess, "reminded");
		timer(r, remind, "remind", v);
		timer(r, expire, "expire", v);
	}
	if (json_object_size(json_object_get(r->sess, "fields")) == 0)
		json_object_del(r->sess, "fields");
}

static int run_init(struct run *r, const struct flow_set *fs,
		    const struct wl_config *cfg, const json_t *session,
		    const struct flow_input *in, struct flow_result *out)
{
	memset(out, 0, sizeof(*out));
	memset(r, 0, sizeof(*r));
	r->fs = fs;
	r->cfg = cfg;
	r->in = in;
	r->flow = -1;
	r->lang = "zh";
	if (!fs || !in)
		return WL_EBADREQ;
	if (session && !json_is_object(session))
		return WL_EBADREQ;
	r->effects = json_array();
	if (!r->effects)
		return WL_ENOMEM;
	if (session) {
		const char *l;

		r->sess = json_deep_copy(session);
		if (!r->sess)
			return WL_ENOMEM;
		r->flow = flow_find(
		    fs, json_string_value(json_object_get(r->sess, "flow")));
		l = json_string_value(json_object_get(r->sess, "lang"));
		if (l && strcmp(l, "en") == 0)
			r->lang = "en";
	}
	if (in->lang && strcmp(in->lang, "en") == 0)
		r->lang = "en";
	else if (in->lang && strcmp(in->lang, "zh") == 0)
		r->lang = "zh";
	return WL_OK;
}

static int run_done(struct run *r, struct flow_result *out, int rc)
{
	if (rc == WL_OK && r->oom)
		rc = WL_ENOMEM;
	if (rc != WL_OK) {
		json_decref(r->sess);
		json_decref(r->effects);
		memset(out, 0, sizeof(*out));
		return rc;
	}
	out->session = r->sess;
	out->effects = r->effects;
	return WL_OK;
}

/* The stored session expired: say so, run the flow's on_expire part. */
static void expire(struct run *r)
{
	const struct flow *f = cur_flow(r);

	say(r, msg(r, MSG_EXPIRED));
	if (f && f->on_expire >= 0) {
		r->expiring = true;
		run_from(r, f->on_expire);
		r->expiring = false;
	}
	end_session(r);
}

static bool is_word(const char *bare, const char *const *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(bare, w[i]) == 0)
			return true;
	return false;
}

/* The emergency rules' reading of text (a NONE result when there are
 * none or memory ran out). */
static void triage(const struct run *r, const char *text,
		   struct triage_result *res)
{
	if (!r->fs->triage || triage_match(r->fs->triage, text, res) != WL_OK) {
		memset(res, 0, sizeof(*res));
		res->kind = -1;
	}
}

/* Moves a live conversation to the emergency follow-up (where, which
 * phone), keeping its case, urgency and fields: an emergency takes over
 * any form. */
static void em_takeover(struct run *r)
{
	json_t *answers = json_object();

	if (!answers) {
		r->oom = true;
		return;
	}
	note_oom(r, json_object_set_new(answers, "trigger_text",
					json_string(r->text)));
	note_oom(r, json_object_set_new(r->sess, "answers", answers));
	json_object_del(r->sess, "pf");
	json_object_del(r->sess, "pick");
	json_object_del(r->sess, "tries");
	r->flow = r->fs->em_flow;
	note_oom(r, json_object_set_new(r->sess, "flow",
					json_string(r->fs->flows[r->flow].id)));
}

static void emergency(struct run *r, size_t k, const char *words)
{
	const struct flow_em_kind *e = &r->fs->em[k];
	const struct flow *f = cur_flow(r);
	json_t *extra;
	bool live = r->sess != NULL;
	char label[160];

	json_object_del(r->sess, "emq");
	json_object_del(r->sess, "emq_own");
	say_text(r, &e->advice);
	effect(r, json_pack("{s:s,s:s,s:s,s:s,s:s}", "type", "emergency",
			    "kind", words, "class", e->id, "name", e->name.zh,
			    "text", r->text));
	if (!live && r->fs->em_flow >= 0) {
		/* go on asking where, so that help finds the place */
		r->sess = new_session(r, r->fs->em_flow);
		if (!r->sess)
			return;
		note_oom(r, json_object_set_new(
				json_object_get(r->sess, "answers"),
				"trigger_text", json_string(r->text)));
		f = cur_flow(r);
	}
	if (r->sess) {
		note_oom(r, json_object_set_new(r->sess, "urgency",
						json_string("urgent")));
		note_oom(r, json_object_set_new(r->sess, "em", json_true()));
	}
	snprintf(label, sizeof(label), "%s：%s", e->name.zh, words);
	extra = json_pack("{s:s,s:s,s:s,s:s}", "category", "紧急情况",
			  "emergency", label, "emergency_class", e->id,
			  "emergency_text", r->text);
	if (!extra) {
		r->oom = true;
		return;
	}
	/* the duty chats see the resident's own words on a new case */
	if (!json_is_true(json_object_get(r->sess, "case")))
		note_oom(r, json_object_set_new(extra, "trigger_text",
						json_string(r->text)));
	if (r->sess) {
		open_case(r, NULL, extra, "emergency");
	} else {
		/* no session to hold the case: open it on its own */
		json_t *e2 =
		    json_pack("{s:s,s:O,s:s,s:o,s:s,s:n,s:b}", "type",
			      "case_open", "fields", extra, "urgency", "urgent",
			      "area", case_area(r, NULL), "source", "emergency",
			      "flow", "session_case", 0);

		effect(r, e2);
	}
	json_decref(extra);
	if (r->fs->em_reply.zh)
		say_text(r, &r->fs->em_reply);
	else
		say(r, msg(r, MSG_EM_REPLY));
	if (!r->sess)
		return;
	if (live && (r->fs->em_flow < 0 || r->flow == r->fs->em_flow)) {
		/* already giving the details: go on where it was */
		int node = flow_node_find(
		    f, json_string_value(json_object_get(r->sess, "node")));

		if (node >= 0)
			wait_at(r, &f->nodes[node]);
		return;
	}
	if (live)
		em_takeover(r);
	run_from(r, r->fs->em_node);
}

/* Maybe an emergency: the safety line and one question. The answer is
 * read by em_confirm(); the conversation, if any, waits meanwhile. */
static void em_ask(struct run *r, size_t k, const char *words)
{
	const struct flow_em_kind *e = &r->fs->em[k];
	json_t *q;

	if (!r->sess) {
		if (r->fs->em_flow < 0 || r->fs->em_node < 0)
			return;
		/* a holder session, parked at the follow-up's first
		 * question; it asks nothing itself */
		r->sess = new_session(r, r->fs->em_flow);
		if (!r->sess)
			return;
		note_oom(r, json_object_set_new(
				json_object_get(r->sess, "answers"),
				"trigger_text", json_string(r->text)));
		note_oom(r, json_object_set_new(
				r->sess, "node",
				json_string(r->fs->flows[r->fs->em_flow]
						.nodes[r->fs->em_node]
						.id)));
		note_oom(r,
			 json_object_set_new(r->sess, "emq_own", json_true()));
	}
	q = json_pack("{s:s,s:s,s:s}", "kind", e->id, "words", words, "text",
		      r->text);
	if (!q) {
		r->oom = true;
		return;
	}
	note_oom(r, json_object_set_new(r->sess, "emq", q));
	say_text(r, &e->question);
}

/* The answer to em_ask()'s question: a yes, or anything that with the
 * first message (or on its own) looks like an emergency, pages now.
 * Returns true when it paged; else the question is dropped. */
static bool em_confirm(struct run *r)
{
	/* held: the strings below outlive the session ended before paging */
	json_t *q = json_incref(json_object_get(r->sess, "emq"));
	const char *first = json_string_value(json_object_get(q, "text"));
	const char *kid = json_string_value(json_object_get(q, "kind"));
	const char *words = json_string_value(json_object_get(q, "words"));
	const char *saved = r->text;
	struct triage_result both, alone;
	struct buf b = BUF_INIT;
	bool yes = false, paged = false;
	char *bare = flow_bare(r->text);
	size_t k;

	for (k = 0; kid && k < r->fs->n_em; k++)
		if (strcmp(r->fs->em[k].id, kid) == 0)
			break;
	if (!bare || !kid || k == r->fs->n_em) {
		r->oom |= !bare;
		goto out;
	}
	buf_addf(&b, "%s\n%s", first ? first : "", r->text);
	if (b.oom) {
		r->oom = true;
		goto out;
	}
	if (strcmp(bare, "1") != 0 && flow_parse_yesno(r->text, &yes) != FP_OK)
		yes = false;
	if (strcmp(bare, "1") == 0)
		yes = true;
	triage(r, b.s, &both);
	triage(r, r->text, &alone);
	if (!yes && both.tier != TRIAGE_PAGE && alone.tier == TRIAGE_NONE)
		goto out;
	paged = true;
	if (json_is_true(json_object_get(r->sess, "emq_own")))
		end_session(r);
	r->text = b.s;
	if (both.tier == TRIAGE_PAGE)
		emergency(r, (size_t)both.kind, both.words);
	else
		emergency(r, k, words ? words : "");
	r->text = saved;
out:
	if (r->sess && !paged) {
		json_object_del(r->sess, "emq");
		json_object_del(r->sess, "emq_own");
	}
	free(bare);
	buf_release(&b);
	json_decref(q);
	return paged;
}

/* Characters an opening message may have before it is a wall of text
 * rather than a request (a forwarded 12345 order is a few hundred). */
#define OPENING_MAX_CHARS 1000

/* MSG_UNREADABLE when an opening message has nothing to read (empty,
 * emoji, punctuation), MSG_TOO_LONG for a wall of text, else MSG_COUNT. */
static enum msg opening_bad(const char *raw, const char *clean)
{
	char *f = triage_fold(NULL, clean);
	bool empty = f && f[0] == '\0';

	free(f);
	if (empty)
		return MSG_UNREADABLE;
	if ((raw && strlen(raw) > FLOW_INPUT_MAX) ||
	    text_utf8_chars(clean, strlen(clean)) > OPENING_MAX_CHARS)
		return MSG_TOO_LONG;
	return MSG_COUNT;
}

/* ---- the entry points ---- */

int flow_step(const struct flow_set *fs, const struct wl_config *cfg,
	      const json_t *session, const struct flow_input *in,
	      struct flow_result *out)
{
	struct run r;
	json_int_t base = 0;
	char *clean = NULL, *bare = NULL;
	const struct flow *f;
	int rc, node = -1;

	rc = run_init(&r, fs, cfg, session, in, out);
	if (rc != WL_OK)
		return run_done(&r, out, rc);
	clean = flow_clean(in->text, FLOW_INPUT_MAX);
	bare = clean ? flow_bare(clean) : NULL;
	if (!clean || !bare) {
		rc = WL_ENOMEM;
		goto out;
	}
	r.text = clean;
	out->handled = true;
	if (r.sess) {
		base = json_integer_value(json_object_get(r.sess, "version"));
		if (json_integer_value(
			json_object_get(r.sess, "expires_at_ms")) <= in->now_ms)
			expire(&r);
	}
	f = cur_flow(&r);
	if (r.sess && f)
		node = flow_node_find(
		    f, json_string_value(json_object_get(r.sess, "node")));
	if (r.sess && (node < 0 || f->nodes[node].kind != FN_ASK)) {
		/* the flows changed under the session: start afresh */
		end_session(&r);
		f = NULL;
	}
	if (!r.sess) {
		r.flow = -1;
		f = NULL;
	}

	if (!(f && f->staff_only)) {
		struct triage_result t;

		triage(&r, clean, &t);
		if (t.tier == TRIAGE_PAGE) {
			emergency(&r, (size_t)t.kind, t.words);
			goto done;
		}
		if (r.sess && json_object_get(r.sess, "emq")) {
			bool own =
			    json_is_true(json_object_get(r.sess, "emq_own"));

			if (em_confirm(&r))
				goto done;
			if (own) {
				/* not an emergency after all: the first
				 * message goes where it would have gone */
				const char *first =
				    json_string_value(json_object_get(
					json_object_get(r.sess, "answers"),
					"trigger_text"));
				char *c2 = flow_clean(first ? first : "",
						      FLOW_INPUT_MAX);
				char *b2 = c2 ? flow_bare(c2) : NULL;

				end_session(&r);
				r.flow = -1;
				f = NULL;
				if (!c2 || !b2) {
					free(c2);
					free(b2);
					rc = WL_ENOMEM;
					goto out;
				}
				if (!is_word(bare, w_human,
					     WL_ARRAY_LEN(w_human)) &&
				    !is_word(bare, w_cancel,
					     WL_ARRAY_LEN(w_cancel)) &&
				    !is_word(bare, w_status,
					     WL_ARRAY_LEN(w_status))) {
					free(clean);
					free(bare);
					clean = c2;
					bare = b2;
					r.text = clean;
				} else {
					free(c2);
					free(b2);
				}
			} else if (!is_word(bare, w_human,
					    WL_ARRAY_LEN(w_human)) &&
				   !is_word(bare, w_cancel,
					    WL_ARRAY_LEN(w_cancel)) &&
				   !is_word(bare, w_status,
					    WL_ARRAY_LEN(w_status))) {
				/* back to the question the form waits at */
				wait_at(&r, &f->nodes[node]);
				goto done;
			}
		} else if (t.tier == TRIAGE_ASK && !r.sess) {
			/* in a conversation a maybe is an answer (我妈还是
			 * 头疼 in a follow-up): only a clear emergency
			 * interrupts it */
			em_ask(&r, (size_t)t.kind, t.words);
			if (r.sess)
				goto done;
		}
	}
	/* Nothing to read (empty, emoji, punctuation) or a wall of text
	 * opening no conversation: a kind answer, nothing else changes. */
	if (!r.sess && !in->is_staff) {
		enum msg why = opening_bad(in->text, clean);

		if (why != MSG_COUNT) {
			say(&r, msg(&r, why));
			goto done;
		}
	}
	if (is_word(bare, w_human, WL_ARRAY_LEN(w_human))) {
		handover(&r, "asked", NULL);
		say(&r, msg(&r, MSG_HANDOVER));
		end_session(&r);
		goto done;
	}
	if (is_word(bare, w_cancel, WL_ARRAY_LEN(w_cancel))) {
		if (r.sess) {
			effect(&r, json_pack("{s:s,s:s,s:b}", "type", "cancel",
					     "flow", f->id, "case",
					     json_is_true(json_object_get(
						 r.sess, "case"))));
			say(&r, msg(&r, MSG_CANCELLED));
			end_session(&r);
		} else {
			say(&r, msg(&r, MSG_NOTHING_TO_CANCEL));
		}
		goto done;
	}
	if (is_word(bare, w_status, WL_ARRAY_LEN(w_status))) {
		effect(&r, json_pack("{s:s}", "type", "status"));
		goto done;
	}
	if (r.sess && is_word(bare, w_restart, WL_ARRAY_LEN(w_restart))) {
		json_t *answers = json_object();

		json_t *old = json_object_get(r.sess, "answers"), *v;

		/* keep what started the flow and what flow_start() gave */
		if (answers && (v = json_object_get(old, "trigger_text")))
			note_oom(&r,
				 json_object_set(answers, "trigger_text", v));
		for (size_t i = 0; answers && i < f->n_params; i++)
			if ((v = json_object_get(old, f->params[i])))
				note_oom(&r, json_object_set(answers,
							     f->params[i], v));
		if (!answers) {
			rc = WL_ENOMEM;
			goto out;
		}
		note_oom(&r, json_object_set_new(r.sess, "answers", answers));
		json_object_del(r.sess, "fields");
		json_object_del(r.sess, "heard");
		if (!json_is_true(json_object_get(r.sess, "em")))
			json_object_del(r.sess, "urgency");
		say(&r, msg(&r, MSG_RESTART));
		run_from(&r, f->start);
		goto done;
	}
	if (r.sess) {
		answer(&r, &f->nodes[node]);
		goto done;
	}

	/* no conversation yet: a keyword, else the default flow */
	{
		int best = -1, def = -1;
		size_t best_len = 0;

		for (size_t i = 0; i < fs->n_flows; i++) {
			const struct flow *c = &fs->flows[i];

			if (c->staff_only && !in->is_staff)
				continue;
			if (c->is_default)
				def = (int)i;
			for (size_t j = 0; j < c->n_keywords; j++) {
				const char *kb = c->kw_bare[j];
				size_t l = strlen(kb);

				/* the longest keyword wins; on a tie the
				 * more specific (non-default) flow */
				if (l && strstr(bare, kb) &&
				    (l > best_len ||
				     (l == best_len && best >= 0 &&
				      fs->flows[best].is_default &&
				      !c->is_default))) {
					best = (int)i;
					best_len = l;
				}
			}
		}
		if (best < 0 && !in->is_staff)
			best = def;
		if (best < 0) {
			out->handled = false;
			goto done;
		}
		start_flow(&r, best, -1);
	}
done:
	finish(&r, base, in->now_ms, false);
out:
	free(clean);
	free(bare);
	return run_done(&r, out, rc);
}

int flow_start(const struct flow_set *fs, const struct wl_config *cfg,
	       const char *flow_id, const json_t *vars,
	       const struct flow_input *in, struct flow_result *out)
{
	struct run r;
	int rc, idx;
	const char *k;
	json_t *v;

	rc = run_init(&r, fs, cfg, NULL, in, out);
	if (rc != WL_OK)
		return run_done(&r, out, rc);
	idx = flow_find(fs, flow_id);
	if (idx < 0)
		return run_done(&r, out, WL_ENOTFOUND);
	if (vars && !json_is_object(vars))
		return run_done(&r, out, WL_EBADREQ);
	out->handled = true;
	r.sess = new_session(&r, idx);
	if (r.sess) {
		json_t *answers = json_object_get(r.sess, "answers");

		json_object_foreach((json_t *)(uintptr_t)vars, k, v) note_oom(
		    &r, json_object_set_new(answers, k, json_deep_copy(v)));
		if ((v = json_object_get(vars, "case_no")))
			note_oom(&r, json_object_set_new(r.sess, "case_no",
							 json_deep_copy(v)));
		run_from(&r, fs->flows[idx].start);
	}
	finish(&r, 0, in->now_ms, false);
	return run_done(&r, out, WL_OK);
}

int flow_timeout(const struct flow_set *fs, const struct wl_config *cfg,
		 const json_t *session, int64_t now_ms, struct flow_result *out)
{
	struct flow_input in = {.now_ms = now_ms};
	struct run r;
	json_int_t base;
	int rc;

	rc = run_init(&r, fs, cfg, session, &in, out);
	if (rc == WL_OK && !session)
		rc = WL_EBADREQ;
	if (rc != WL_OK)
		return run_done(&r, out, rc);
	out->handled = true;
	base = json_integer_value(json_object_get(r.sess, "version"));
	if (json_integer_value(json_object_get(r.sess, "expires_at_ms")) <=
	    now_ms) {
		expire(&r);
	} else if (json_integer_value(
		       json_object_get(r.sess, "remind_at_ms")) <= now_ms &&
		   !json_is_true(json_object_get(r.sess, "reminded"))) {
		say(&r, msg(&r, MSG_REMIND));
		finish(&r, base, now_ms, true);
	}
	/* else: nothing due, the session goes back unchanged */
	return run_done(&r, out, WL_OK);
}

void flow_result_release(struct flow_result *r)
{
	if (!r)
		return;
	json_decref(r->session);
	json_decref(r->effects);
	r->session = NULL;
	r->effects = NULL;
}

bool flow_is_cancel_word(const char *text)
{
	char *clean = text ? flow_clean(text, FLOW_INPUT_MAX) : NULL;
	char *bare = clean ? flow_bare(clean) : NULL;
	bool hit = bare && is_word(bare, w_cancel, WL_ARRAY_LEN(w_cancel));

	free(bare);
	free(clean);
	return hit;
}
