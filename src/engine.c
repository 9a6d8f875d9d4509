/*
 * engine.c — the step from one inbound message to its effects (see
 * engine.h). Pure: everything it needs was loaded before, everything it
 * decides is committed after.
 */
#include "engine.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "case.h"
#include "commands.h"
#include "engine_sla.h"
#include "flow.h"
#include "text.h"
#include "wl.h"

#define ENGINE_QUOTE_CHARS 60
#define ENGINE_MAX_DUTY	   8

void engine_out_init(struct engine_out *o)
{
	o->session = NULL;
	o->out = json_array();
	o->cases = json_array();
	o->timers = json_array();
	o->metrics = json_array();
}

void engine_out_release(struct engine_out *o)
{
	free(o->session);
	json_decref(o->out);
	json_decref(o->cases);
	json_decref(o->timers);
	json_decref(o->metrics);
	memset(o, 0, sizeof(*o));
}

static int engine_append(json_t *out, const char *channel, const char *to,
			 const char *text)
{
	json_t *m = json_pack("{s:s, s:s, s:s}", "channel", channel, "to", to,
			      "text", text);

	if (!m || json_array_append_new(out, m))
		return WL_ENOMEM;
	return WL_OK;
}

int engine_say(const struct wl_config *cfg, json_t *out, const char *channel,
	       const char *to, const char *text)
{
	const struct wl_channel_conf *ch = config_channel(cfg, channel);
	const struct chan_adapter *ad = ch ? chan_find(ch->type) : NULL;
	char **parts = NULL;
	size_t n;
	int rc = WL_OK;

	if (!ad || !to || !*to)
		return WL_EINTERNAL;
	if (!ad->max_units || !ad->unit)
		return engine_append(out, channel, to, text);
	n = text_split(text, ad->max_units, ad->unit, &parts);
	for (size_t i = 0; i < n && rc == WL_OK; i++)
		rc = engine_append(out, channel, to, parts[i]);
	text_parts_free(parts, n);
	return rc;
}

int engine_sayf(const struct wl_config *cfg, json_t *out, const char *channel,
		const char *to, const char *fmt, ...)
{
	va_list ap;
	int n, rc;
	char *s;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return WL_EINTERNAL;
	s = malloc((size_t)n + 1);
	if (!s)
		return WL_ENOMEM;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	rc = engine_say(cfg, out, channel, to, s);
	free(s);
	return rc;
}

json_t *engine_case_set(json_t *cases, const char *no, long long expect,
			json_t *fields, const char *who, const char *what,
			const char *detail)
{
	json_t *op =
	    json_pack("{s:s, s:s, s:O?, s:s, s:s, s:s, s:[]}", "op", "set",
		      "no", no, "fields", fields, "who", who ? who : "", "what",
		      what, "detail", detail ? detail : "", "notify");

	if (!op)
		return NULL;
	if (expect >= 0)
		json_object_set_new(op, "expect", json_integer(expect));
	if (json_array_append_new(cases, op))
		return NULL;
	return op;
}

int engine_op_notify(json_t *op, const char *channel, const char *to,
		     const char *text)
{
	json_t *l = json_object_get(op, "notify");

	if (!json_is_array(l) || !channel || !to)
		return WL_EINTERNAL;
	return engine_append(l, channel, to, text);
}

/* The index query of a staff command's list: the statuses it shows, in
 * the areas the staff member may act on (every area for a supervisor),
 * or the cases they hold. */
static char *engine_list_query(const struct wl_config *cfg,
			       const struct wl_staff *st, enum cmd_list kind)
{
	json_t *q = json_object(), *areas = NULL;
	char *s = NULL;

	if (!q)
		return NULL;
	if (kind == CMD_LIST_MINE) {
		json_object_set_new(q, "holder", json_string(st->id));
		json_object_set_new(q, "statuses", json_pack("[s]", "claimed"));
		json_object_set_new(q, "limit", json_integer(CMD_LIST_MAX));
	} else {
		json_object_set_new(
		    q, "statuses",
		    kind == CMD_LIST_NEW
			? json_pack("[s]", "new")
			: json_pack("[s,s,s]", "new", "claimed", "resolved"));
		json_object_set_new(q, "limit",
				    json_integer(kind == CMD_LIST_NEW
						     ? CMD_LIST_MAX
						     : CMD_LIST_OPEN_MAX));
		/* The long list (统计, 逾期) needs only what case_line() and
		 * the clocks read. */
		if (kind == CMD_LIST_OPEN)
			json_object_set_new(q, "fields",
					    json_pack("[s,s,s,s,s,s,s]", "no",
						      "status", "area",
						      "urgency", "category",
						      "sla", "claimed_by"));
		if (st->role != ROLE_SUPERVISOR) {
			areas = json_array();
			for (size_t i = 0; areas && i < cfg->n_areas; i++)
				if (case_staff_may_act(cfg, st, (int)i))
					json_array_append_new(
					    areas,
					    json_string(cfg->areas[i].id));
			json_object_set_new(q, "areas", areas);
		}
	}
	/* A failed allocation above leaves a key out: no query then. */
	if (json_object_get(q, "statuses") && json_object_get(q, "limit") &&
	    (st->role == ROLE_SUPERVISOR || kind == CMD_LIST_MINE ||
	     json_object_get(q, "areas")))
		s = json_dumps(q, JSON_COMPACT);
	json_decref(q);
	return s;
}

int engine_peek(const struct wl_config *cfg, const struct wl_channel_conf *ch,
		const struct chan_msg *msg, char *no, size_t no_size,
		char **list)
{
	const struct wl_staff *st;
	struct cmd_parsed p;

	no[0] = '\0';
	*list = NULL;
	if (!msg->text)
		return WL_OK;
	st = config_staff_by_chat(cfg, ch->id, msg->from);
	if (!st || !cmd_parse(msg->text, &p))
		return WL_OK;
	snprintf(no, no_size, "%s", p.no);
	if (p.def->list == CMD_LIST_NONE)
		return WL_OK;
	*list = engine_list_query(cfg, st, p.def->list);
	return *list ? WL_OK : WL_ENOMEM;
}

/* Expand {name} and {text} in the acknowledgement template. */
static char *engine_ack(const char *tpl, const char *name, const char *text)
{
	struct buf b = BUF_INIT;
	size_t quote = text_utf8_prefix(text, strlen(text), ENGINE_QUOTE_CHARS);

	for (const char *p = tpl; *p;) {
		if (strncmp(p, "{name}", 6) == 0) {
			if (name && *name)
				buf_adds(&b, name);
			p += 6;
		} else if (strncmp(p, "{text}", 6) == 0) {
			buf_add(&b, text, quote);
			if (quote < strlen(text))
				buf_adds(&b, "…");
			p += 6;
		} else {
			buf_add(&b, p, 1);
			p++;
		}
	}
	return buf_detach(&b, NULL);
}

/* ---- flow effects ---- */

struct engine_run {
	const struct engine_in *in;
	struct engine_out *out;
	const struct wl_staff *st;
	json_t *session;	   /* the new session (owned), NULL: none */
	const json_t *old_session; /* the stored one, NULL: none */
	json_t *open_op;	   /* the session's case opened in this step */
	bool urgent_page;	   /* an emergency: page every level */
};

/* The case of this conversation: in the new session, or in the stored
 * one when this step ended the conversation. */
static const char *engine_session_case(const struct engine_run *r)
{
	const json_t *v = json_object_get(r->session, "case_no");

	if (!json_is_string(v))
		v = json_object_get(r->old_session, "case_no");
	if (json_is_integer(v))
		return NULL;
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Fields from a flow are JSON values; a case hash holds strings. */
static bool engine_joinable(const json_t *a)
{
	size_t i;
	const json_t *x;

	json_array_foreach(a, i, x)
	{
		if (!json_is_string(x))
			return false;
	}
	return true;
}

static json_t *engine_join(const json_t *a)
{
	struct buf b = BUF_INIT;
	size_t i;
	const json_t *x;
	json_t *out;

	json_array_foreach(a, i, x)
	{
		if (i)
			buf_adds(&b, "、");
		buf_adds(&b, json_string_value(x));
	}
	out = b.oom ? NULL : json_string(b.s ? b.s : "");
	buf_release(&b);
	return out;
}

static json_t *engine_fields(const json_t *f)
{
	json_t *o = json_object();
	const char *k;
	json_t *v;

	if (!o || !json_is_object(f))
		return o;
	json_object_foreach((json_t *)(uintptr_t)f, k, v)
	{
		if (json_is_string(v))
			json_object_set(o, k, v);
		else if (json_is_integer(v))
			json_object_set_new(
			    o, k,
			    json_sprintf("%lld",
					 (long long)json_integer_value(v)));
		else if (json_is_true(v) || json_is_false(v))
			json_object_set_new(
			    o, k, json_string(json_is_true(v) ? "是" : "否"));
		else if (json_is_array(v) && engine_joinable(v)) {
			/* several ticks (低保、特殊困难老年人), as staff read
			 * them */
			json_object_set_new(o, k, engine_join(v));
		} else if (!json_is_null(v)) {
			char *s = json_dumps(v, JSON_COMPACT);

			if (s)
				json_object_set_new(o, k, json_string(s));
			free(s);
		}
	}
	return o;
}

/* The first SMS channel, to reach a caller who phoned in. */
static const char *engine_sms_channel(const struct wl_config *cfg)
{
	for (size_t i = 0; i < cfg->n_channels; i++)
		if (strcmp(cfg->channels[i].type, "kannel") == 0 ||
		    strcmp(cfg->channels[i].type, "twilio") == 0)
			return cfg->channels[i].id;
	return NULL;
}

static int engine_case_open(struct engine_run *r, const json_t *e)
{
	const struct engine_in *in = r->in;
	const char *area_id = json_string_value(json_object_get(e, "area"));
	const char *urg = json_string_value(json_object_get(e, "urgency"));
	const char *source = json_string_value(json_object_get(e, "source"));
	bool session_case = json_is_true(json_object_get(e, "session_case"));
	bool urgent = (urg && strcmp(urg, "urgent") == 0) || r->urgent_page;
	int area = case_route_area(in->cfg, area_id);
	const struct wl_addr *duty[ENGINE_MAX_DUTY];
	size_t nd;
	json_t *fields = engine_fields(json_object_get(e, "fields"));
	json_t *op;
	char *notice, who[160];
	bool from_staff = r->st != NULL;
	const char *proxy, *sms = NULL;
	int rc = WL_ENOMEM;

	if (area < 0) {
		json_decref(fields);
		return WL_EINTERNAL;
	}
	snprintf(who, sizeof(who), "%s%s", from_staff ? "staff:" : "resident:",
		 from_staff ? r->st->id : in->msg->from);
	proxy = json_string_value(json_object_get(r->old_session, "proxy"));
	if (!proxy)
		proxy = json_string_value(json_object_get(r->session, "proxy"));
	if (from_staff && proxy) {
		/* 代录: the caller is the resident, reached by SMS if we can.
		 */
		json_object_set_new(fields, "phone", json_string(proxy));
		sms = engine_sms_channel(in->cfg);
		source = "proxy";
	}
	/* A case a grid worker opens from a visit is about the person
	 * visited, not about the worker's chat: it has no resident contact. */
	op = json_pack("{s:s, s:O, s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s, "
		       "s:[]}",
		       "op", "open", "fields", fields, "urgency",
		       urgent ? "urgent" : "normal", "area",
		       in->cfg->areas[area].id, "source",
		       source ? source : "flow", "channel",
		       sms ? sms : in->ch->id, "from",
		       sms	    ? proxy
		       : from_staff ? ""
				    : in->msg->from,
		       "session_case", session_case, "who", who, "detail",
		       source ? source : "", "notify");
	if (!op)
		goto out;
	notice = case_notice(in->cfg, fields, "{case.no}",
			     urgent ? "urgent" : "normal", area);
	nd = case_duty_chain(in->cfg, area, r->urgent_page, duty,
			     ENGINE_MAX_DUTY);
	for (size_t i = 0; notice && i < nd; i++)
		engine_op_notify(op, duty[i]->channel, duty[i]->to, notice);
	free(notice);
	if (json_array_append(r->out->cases, op))
		goto out;
	if (session_case && r->session) {
		json_object_set_new(r->session, "case_no",
				    json_string("{case.no}"));
		r->open_op = op;
	}
	rc = WL_OK;
out:
	json_decref(op);
	json_decref(fields);
	return rc;
}

/* The holder of a case, or its duty chat when unclaimed. */
static const struct wl_addr *engine_case_holder(const struct wl_config *cfg,
						const json_t *c)
{
	const char *by = case_get(c, "claimed_by");
	int area;
	const struct wl_addr *duty[1];

	for (size_t i = 0; by && *by && i < cfg->n_staff; i++)
		if (strcmp(cfg->staff[i].id, by) == 0)
			return &cfg->staff[i].chat;
	area = config_area_index(cfg, case_get(c, "area") ? case_get(c, "area")
							  : "");
	if (area < 0 || case_duty_chain(cfg, area, false, duty, 1) == 0)
		return NULL;
	return duty[0];
}

static const struct wl_addr *case_street_duty(const struct wl_config *cfg,
					      int area)
{
	while (area >= 0 && cfg->areas[area].parent >= 0)
		area = cfg->areas[area].parent;
	return area >= 0 && cfg->areas[area].duty.channel
		   ? &cfg->areas[area].duty
		   : NULL;
}

static const json_t *engine_open_case(const struct engine_in *in,
				      const char *no)
{
	size_t i;
	const json_t *c;

	json_array_foreach(in->open_cases, i, c)
	{
		const char *n = case_get(c, "no");

		if (n && (!no || strcmp(n, no) == 0))
			return c;
	}
	return NULL;
}

/* A place learnt after the case was opened: move the case there. */
static int engine_case_update_area(struct engine_run *r, const char *no,
				   const char *area_id, json_t *f)
{
	const json_t *c = engine_open_case(r->in, no);
	int area = area_id ? config_area_index(r->in->cfg, area_id) : -1;
	const char *cur = c ? case_get(c, "area") : NULL;

	if (!c || area < 0 || (cur && strcmp(cur, area_id) == 0))
		return WL_OK;
	/* Only downwards: a case a person has already moved stays put. */
	if (cur && config_area_index(r->in->cfg, cur) >= 0 &&
	    !case_area_within(r->in->cfg, area,
			      config_area_index(r->in->cfg, cur)))
		return WL_OK;
	json_object_set_new(f, "area", json_string(r->in->cfg->areas[area].id));
	return WL_OK;
}

/* The case has moved to a new area: tell that area's duty chats (every
 * level for an urgent case). */
static void engine_page_area(struct engine_run *r, json_t *op, const char *no,
			     const json_t *f)
{
	const json_t *c = engine_open_case(r->in, no);
	const char *urg = case_get(c, "urgency");
	bool urgent = (urg && strcmp(urg, "urgent") == 0) ||
		      json_object_get(f, "urgency");
	int area = config_area_index(
	    r->in->cfg, json_string_value(json_object_get(f, "area")));
	const struct wl_addr *duty[ENGINE_MAX_DUTY];
	json_t *all = json_deep_copy(c);
	char *notice;
	size_t nd;

	if (area < 0 || !all)
		goto out;
	json_object_update(all, (json_t *)(uintptr_t)f);
	notice = case_notice(r->in->cfg, all, no, urgent ? "urgent" : "normal",
			     area);
	nd = case_duty_chain(r->in->cfg, area, urgent, duty, ENGINE_MAX_DUTY);
	/* The street already had it; tell the levels below it. */
	for (size_t i = 0; notice && i < nd; i++)
		if (r->in->cfg->areas[area].parent >= 0 &&
		    duty[i] != case_street_duty(r->in->cfg, area))
			engine_op_notify(op, duty[i]->channel, duty[i]->to,
					 notice);
	free(notice);
out:
	json_decref(all);
}

static int engine_status(struct engine_run *r)
{
	const struct engine_in *in = r->in;
	struct buf b = BUF_INIT;
	size_t i;
	const json_t *c;
	int rc;

	if (json_array_size(in->open_cases) == 0) {
		buf_adds(&b, "您目前没有正在办理的求助。需要帮助请直接说明"
			     "情况。");
	} else {
		buf_adds(&b, "您的求助：");
		json_array_foreach(in->open_cases, i, c)
		{
			int st = case_status_parse(case_get(c, "status"));

			buf_addf(&b, "\n编号 %s：%s", case_get(c, "no"),
				 st >= 0
				     ? case_status_label((enum case_status)st)
				     : "办理中");
		}
	}
	rc = b.oom ? WL_ENOMEM
		   : engine_say(in->cfg, r->out->out, in->ch->id, in->msg->from,
				b.s);
	buf_release(&b);
	return rc;
}

static int engine_handover(struct engine_run *r, const json_t *e)
{
	const struct engine_in *in = r->in;
	const char *no = engine_session_case(r);
	const json_t *c = no ? engine_open_case(in, no) : NULL;
	json_t *op, *open;
	int rc;

	if (r->open_op)
		return WL_OK; /* the case opened in this step pages already */
	if (c && no) {
		const struct wl_addr *h = engine_case_holder(in->cfg, c);
		char text[256];

		op = engine_case_set(r->out->cases, no, -1, NULL, in->msg->from,
				     "handover", "居民要求人工服务");
		snprintf(text, sizeof(text),
			 "【工单 %s】居民要求人工服务，请尽快联系。", no);
		if (op && h)
			engine_op_notify(op, h->channel, h->to, text);
		return op ? WL_OK : WL_ENOMEM;
	}
	/* No case yet: asking for a person is itself a case for the duty
	 * chat, with whatever the flow had collected. */
	open = json_pack("{s:s, s:O?, s:s, s:s, s:O?}", "type", "case_open",
			 "fields", json_object_get(e, "answers"), "urgency",
			 "normal", "source", "handover", "area",
			 json_object_get(e, "area"));
	if (!open)
		return WL_ENOMEM;
	if (!json_object_get(open, "fields"))
		json_object_set_new(open, "fields", json_object());
	json_object_set_new(json_object_get(open, "fields"), "category",
			    json_string("人工服务"));
	if (in->msg->text)
		json_object_set_new(json_object_get(open, "fields"), "detail",
				    json_string(in->msg->text));
	rc = engine_case_open(r, open);
	json_decref(open);
	return rc;
}

/* A resident withdraws their case. Unclaimed: it is cancelled and the
 * duty chat told. Claimed: the holder is asked to confirm with 撤销, so a
 * case someone is already working on does not vanish under them. reply:
 * tell the resident (outside a conversation; inside one the flow has
 * already said its word). */
static int engine_withdraw(struct engine_run *r, const json_t *c, bool reply)
{
	const struct engine_in *in = r->in;
	const char *no = case_get(c, "no");
	int st = case_status_parse(case_get(c, "status"));
	const struct wl_addr *h = engine_case_holder(in->cfg, c);
	json_t *op, *f = NULL;
	char text[256];
	bool ask = st == CASE_CLAIMED;

	if (!no || st < 0 ||
	    case_transition((enum case_status)st, CASE_CANCEL) < 0)
		return WL_OK;
	if (!ask)
		f = json_pack("{s:s, s:s}", "status", "cancelled",
			      "cancel_reason", "居民撤回");
	op = engine_case_set(r->out->cases, no, -1, f, in->msg->from,
			     ask ? "cancel_request" : "cancelled",
			     "居民撤回求助");
	json_decref(f);
	if (!op)
		return WL_ENOMEM;
	if (ask)
		snprintf(text, sizeof(text),
			 "【工单 %s】居民想撤回求助。确认撤回请发送“撤销 %s "
			 "居民撤回”；如仍需帮助，请先与居民联系。",
			 no, no);
	else
		snprintf(text, sizeof(text),
			 "【工单 %s】居民已撤回求助，工单已撤销，无需认领。",
			 no);
	if (h)
		engine_op_notify(op, h->channel, h->to, text);
	if (!reply)
		return WL_OK;
	return engine_sayf(in->cfg, r->out->out, in->ch->id, in->msg->from,
			   ask ? "您的求助（编号 %s）已有工作人员在办理，已请"
				 "他与您确认是否撤回。"
			       : "已撤回您的求助（编号 %s）。需要帮助时请随时"
				 "发消息。",
			   no);
}

static int engine_cancel(struct engine_run *r, const char *no)
{
	const json_t *c = no ? engine_open_case(r->in, no) : NULL;

	return c ? engine_withdraw(r, c, false) : WL_OK;
}

static int engine_feedback(struct engine_run *r, const json_t *e)
{
	const struct engine_in *in = r->in;
	const json_t *fields = json_object_get(e, "fields");
	const char *no = json_string_value(json_object_get(fields, "case_no"));
	const json_t *c;
	json_t *f, *op;
	const struct wl_addr *h;
	char text[1024];
	const char *sat, *solved, *said;
	bool unsolved;

	if (!no)
		no = engine_session_case(r);
	c = no ? engine_open_case(in, no) : NULL;
	if (!c)
		return WL_OK;
	f = engine_fields(fields);
	json_object_del(f, "case_no");
	solved = json_string_value(json_object_get(f, "solved"));
	unsolved = solved && strcmp(solved, "否") == 0;
	/* Solved: the feedback closes the case. Not solved: it goes back to
	 * whoever handled it. */
	if (case_get(c, "status") &&
	    strcmp(case_get(c, "status"), "resolved") == 0)
		json_object_set_new(
		    f, "status", json_string(unsolved ? "claimed" : "closed"));
	op = engine_case_set(r->out->cases, no, -1, f, in->msg->from,
			     unsolved ? "reopened" : "feedback",
			     unsolved ? "居民反馈问题未解决" : "居民回访反馈");
	sat = json_string_value(json_object_get(f, "satisfaction"));
	said = json_string_value(json_object_get(f, "comments"));
	if (said && (strcmp(said, "没有") == 0 || strcmp(said, "无") == 0))
		said = NULL;
	h = engine_case_holder(in->cfg, c);
	/* The resident's own words go to staff as written. */
	snprintf(text, sizeof(text), "【工单 %s】居民回访：%s，%s。%s%s%s%s",
		 no, unsolved ? "问题未解决" : "问题已解决",
		 sat ? sat : "未评价", said ? "居民说：“" : "",
		 said ? said : "", said ? "”。" : "",
		 unsolved ? "工单已重新打开，请再联系居民。" : "工单关闭。");
	if (op && h)
		engine_op_notify(op, h->channel, h->to, text);
	json_decref(f);
	return op ? WL_OK : WL_ENOMEM;
}

static int engine_effect(struct engine_run *r, const json_t *e)
{
	const struct engine_in *in = r->in;
	const char *type = json_string_value(json_object_get(e, "type"));

	if (!type)
		return WL_OK;
	if (strcmp(type, "say") == 0) {
		const char *t = json_string_value(json_object_get(e, "text"));

		return t ? engine_say(in->cfg, r->out->out, in->ch->id,
				      in->msg->from, t)
			 : WL_OK;
	}
	if (strcmp(type, "emergency") == 0) {
		r->urgent_page = true;
		return WL_OK;
	}
	if (strcmp(type, "case_open") == 0)
		return engine_case_open(r, e);
	if (strcmp(type, "case_update") == 0) {
		const char *no = engine_session_case(r);
		json_t *f = engine_fields(json_object_get(e, "fields"));
		const char *urg =
		    json_string_value(json_object_get(e, "urgency"));
		int rc = WL_OK;

		if (urg && strcmp(urg, "urgent") == 0)
			json_object_set_new(f, "urgency",
					    json_string("urgent"));
		const char *area_id =
		    json_string_value(json_object_get(e, "area"));

		if (r->open_op) {
			json_object_update(
			    json_object_get(r->open_op, "fields"), f);
		} else if (no && strcmp(no, "{case.no}") != 0) {
			json_t *op;

			rc = engine_case_update_area(r, no, area_id, f);
			op = rc == WL_OK
				 ? engine_case_set(r->out->cases, no, -1, f,
						   in->msg->from, "updated",
						   "居民补充信息")
				 : NULL;
			if (rc == WL_OK && !op)
				rc = WL_ENOMEM;
			if (op && json_object_get(f, "area"))
				engine_page_area(r, op, no, f);
		}
		json_decref(f);
		return rc;
	}
	if (strcmp(type, "handover") == 0)
		return engine_handover(r, e);
	if (strcmp(type, "status") == 0)
		return engine_status(r);
	if (strcmp(type, "cancel") == 0)
		return json_is_true(json_object_get(e, "case"))
			   ? engine_cancel(r, engine_session_case(r))
			   : WL_OK;
	if (strcmp(type, "feedback") == 0)
		return engine_feedback(r, e);
	if (strcmp(type, "visit_record") == 0) {
		json_t *op = json_pack("{s:s, s:O}", "op", "visit", "fields",
				       json_object_get(e, "fields"));

		if (!op || json_array_append_new(r->out->cases, op))
			return WL_ENOMEM;
		return WL_OK;
	}
	if (strcmp(type, "timer") == 0) {
		/* One member per conversation and kind, without the
		 * version: the next step's timer replaces this one in the
		 * set instead of leaving it behind, and the fire reads the
		 * session's own deadlines (flow_timeout). */
		json_t *m = json_pack("{s:s, s:s, s:s, s:O}", "k", "session",
				      "c", in->ch->id, "f", in->msg->from,
				      "kind", json_object_get(e, "kind"));
		char *member =
		    m ? json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		json_t *t = member
				? json_pack("{s:s, s:O}", "member", member,
					    "at", json_object_get(e, "at_ms"))
				: NULL;

		free(member);
		json_decref(m);
		if (!t || json_array_append_new(r->out->timers, t))
			return WL_ENOMEM;
		return WL_OK;
	}
	return WL_OK; /* "error": the flow already said so */
}

static int engine_apply(struct engine_run *r, struct flow_result *fr)
{
	size_t i;
	json_t *e;
	int rc = WL_OK;

	r->session = fr->session;
	fr->session = NULL;
	/* An emergency pages every level: know it before the case opens. */
	json_array_foreach(fr->effects, i, e)
	{
		const char *t = json_string_value(json_object_get(e, "type"));

		if (t && strcmp(t, "emergency") == 0)
			r->urgent_page = true;
	}
	json_array_foreach(fr->effects, i, e)
	{
		rc = engine_effect(r, e);
		if (rc != WL_OK)
			break;
	}
	if (rc == WL_OK) {
		r->out->session = r->session
				      ? json_dumps(r->session, JSON_COMPACT)
				      : strdup("");
		if (!r->out->session)
			rc = WL_ENOMEM;
	}
	json_decref(r->session);
	r->session = NULL;
	return rc;
}

/* Does the flow engine treat this text as something other than the
 * start of a conversation (an emergency, a global word)? */
static bool engine_flow_special(const struct flow_result *fr)
{
	size_t i;
	json_t *e;

	json_array_foreach(fr->effects, i, e)
	{
		const char *t = json_string_value(json_object_get(e, "type"));

		if (t &&
		    (strcmp(t, "emergency") == 0 || strcmp(t, "status") == 0 ||
		     strcmp(t, "handover") == 0 || strcmp(t, "cancel") == 0))
			return true;
	}
	return false;
}

/* A resident with an open case and no conversation: their words go to
 * whoever holds the case, and onto its timeline. */
static int engine_relay(struct engine_run *r, const json_t *c)
{
	const struct engine_in *in = r->in;
	const char *no = case_get(c, "no");
	const struct wl_addr *h = engine_case_holder(in->cfg, c);
	json_t *op;
	char *text = NULL;
	struct buf b = BUF_INIT;
	int rc;

	buf_addf(&b, "【工单 %s】居民：%s", no, in->msg->text);
	text = buf_detach(&b, NULL);
	op = engine_case_set(r->out->cases, no, -1, NULL, in->msg->from,
			     "resident_message", in->msg->text);
	if (!op || !text) {
		free(text);
		return WL_ENOMEM;
	}
	if (h)
		engine_op_notify(op, h->channel, h->to, text);
	free(text);
	rc = engine_sayf(in->cfg, r->out->out, in->ch->id, in->msg->from,
			 "已转给正在办理您求助（编号 %s）的工作人员。"
			 "查询进度请回复“进度”。",
			 no);
	if (rc == WL_OK)
		r->out->session = strdup(in->session);
	return r->out->session ? rc : WL_ENOMEM;
}

/* How long after 办结 a resident's words are still about that case: the
 * 3天内反馈 window and a few days' grace. */
#define ENGINE_FEEDBACK_WINDOW_MS (7LL * 24 * 3600 * 1000)

/* The sender's case resolved in the last days, if any (newest first). */
static const json_t *engine_recent_resolved(const struct engine_in *in)
{
	const json_t *oc;
	size_t i;

	json_array_foreach(in->open_cases, i, oc)
	{
		const char *s = case_get(oc, "status");
		const char *at = case_get(oc, "resolved_at");
		char *end = NULL;
		long long t;

		if (!s || strcmp(s, "resolved") != 0)
			continue;
		if (at && *at) {
			t = strtoll(at, &end, 10);
			if (end && *end == '\0' &&
			    in->now_ms - t > ENGINE_FEEDBACK_WINDOW_MS)
				continue;
		}
		return oc;
	}
	return NULL;
}

/* A resident whose case was resolved in the last days writes with no
 * conversation going (收到了, 满意, 投诉, 工单 N, or the problem again):
 * the words go onto that case and to whoever handled it, and the 回访
 * survey opens, so an answer settles the case (closed, or reopened). */
static int engine_resolved_followup(struct engine_run *r, const json_t *c)
{
	const struct engine_in *in = r->in;
	const char *no = case_get(c, "no");
	const struct wl_addr *h = engine_case_holder(in->cfg, c);
	struct flow_input fi = {0};
	struct flow_result fr = {0};
	struct buf b = BUF_INIT;
	json_t *vars = NULL, *op;
	char *text = NULL;
	int rc = WL_ENOMEM;

	op = engine_case_set(r->out->cases, no, -1, NULL, in->msg->from,
			     "resident_message", in->msg->text);
	if (!op)
		goto out;
	buf_addf(&b, "【工单 %s】已办结，居民又来信：%s", no, in->msg->text);
	text = buf_detach(&b, NULL);
	if (!text)
		goto out;
	if (h)
		engine_op_notify(op, h->channel, h->to, text);
	vars = json_pack("{s:s}", "case_no", no);
	if (!vars)
		goto out;
	fi.text = "";
	fi.now_ms = in->now_ms;
	fi.lang = "zh";
	fi.channel = in->ch->id;
	fi.from = in->msg->from;
	rc = flow_start(in->flows, in->cfg, "feedback", vars, &fi, &fr);
	if (rc == WL_OK)
		rc = engine_apply(r, &fr);
out:
	flow_result_release(&fr);
	json_decref(vars);
	free(text);
	return rc;
}

static int engine_flow(struct engine_run *r, json_t *sess)
{
	const struct engine_in *in = r->in;
	struct flow_input fi = {0};
	struct flow_result fr = {0};
	const json_t *c = NULL;
	int rc;

	fi.text = in->msg->text;
	fi.now_ms = in->now_ms;
	fi.is_staff = r->st != NULL;
	fi.staff_id = r->st ? r->st->id : NULL;
	fi.staff_area = r->st ? r->st->area : NULL;
	fi.lang = NULL; /* the session keeps the language it was started in */
	fi.contact_name = in->msg->name ? in->msg->name : in->contact_name;
	fi.channel = in->ch->id;
	fi.from = in->msg->from;
	rc = flow_step(in->flows, in->cfg, sess, &fi, &fr);
	if (rc != WL_OK)
		return rc;
	if (!sess && !r->st) {
		size_t i;
		const json_t *oc;

		json_array_foreach(in->open_cases, i, oc)
		{
			const char *s = case_get(oc, "status");

			if (s && (strcmp(s, "new") == 0 ||
				  strcmp(s, "claimed") == 0)) {
				c = oc;
				break;
			}
		}
	}
	if (c && flow_is_cancel_word(in->msg->text)) {
		/* 取消 with no conversation going is about the open case. */
		flow_result_release(&fr);
		rc = engine_withdraw(r, c, true);
		if (rc == WL_OK)
			r->out->session = strdup(in->session);
		return rc == WL_OK && !r->out->session ? WL_ENOMEM : rc;
	}
	if (c && !engine_flow_special(&fr)) {
		flow_result_release(&fr);
		return engine_relay(r, c);
	}
	if (!c && !sess && !r->st && !engine_flow_special(&fr) &&
	    flow_set_has(in->flows, "feedback")) {
		const json_t *rc_case = engine_recent_resolved(in);

		if (rc_case) {
			flow_result_release(&fr);
			return engine_resolved_followup(r, rc_case);
		}
	}
	if (!fr.handled && r->st) {
		flow_result_release(&fr);
		rc = cmd_unknown(r->st, in, r->out);
		if (rc == WL_OK)
			r->out->session = strdup(in->session);
		return r->out->session ? rc : WL_ENOMEM;
	}
	rc = engine_apply(r, &fr);
	flow_result_release(&fr);
	return rc;
}

/* A timer fired (never a gateway's message: only inbound_fire_batch sets
 * in->fire). A response-time fire alerts about the case loaded for it; a
 * conversation's idle timer reminds or expires the conversation when its
 * own deadlines say so. Anything stale commits nothing at all. */
static int engine_timer(struct engine_run *r)
{
	const struct engine_in *in = r->in;
	json_error_t err;
	json_t *t = NULL, *sess = NULL;
	struct flow_result fr = {0};
	int rc = WL_OK;

	if (in->fire[0] != '{') {
		r->out->session = strdup(in->session);
		rc = r->out->session ? engine_sla_fire(in, r->out, in->fire)
				     : WL_ENOMEM;
		goto out;
	}
	t = json_loads(in->fire, 0, &err);
	sess = in->session[0] ? json_loads(in->session, 0, &err) : NULL;
	/* Members written before timers were keyed per conversation carry
	 * the session version they were set for. */
	if (!in->flows || !in->msg || !json_is_object(sess) || !t ||
	    (json_object_get(t, "v") &&
	     !json_equal(json_object_get(sess, "version"),
			 json_object_get(t, "v")))) {
		r->out->noop = true;
		goto out;
	}
	r->old_session = sess;
	rc = flow_timeout(in->flows, in->cfg, sess, in->now_ms, &fr);
	if (rc == WL_OK && json_array_size(fr.effects) == 0 &&
	    json_equal(fr.session, sess)) {
		/* Nothing due yet (an older deadline): write nothing. */
		r->out->noop = true;
		goto out;
	}
	if (rc == WL_OK)
		rc = engine_apply(r, &fr);
out:
	flow_result_release(&fr);
	json_decref(t);
	json_decref(sess);
	return rc;
}

static int engine_step_inner(const struct engine_in *in, struct engine_out *out)
{
	const struct chan_msg *m = in->msg;
	struct engine_run r = {0};
	struct cmd_parsed p;
	json_t *sess = NULL;
	char *reply;
	int rc;

	if (!out->out || !out->cases || !out->timers)
		return WL_ENOMEM;
	r.in = in;
	r.out = out;
	if (in->fire)
		return engine_timer(&r);
	r.st = config_staff_by_chat(in->cfg, in->ch->id, m->from);
	if (m->kind && strcmp(m->kind, "event") == 0) {
		/* Platform events (a user opened the app, a location ping)
		 * are not messages: record nothing, answer nothing. */
		out->session = strdup(in->session);
		return out->session ? WL_OK : WL_ENOMEM;
	}
	if (!m->text) {
		/* A photo or a voice note: say plainly what we can read. */
		out->session = strdup(in->session);
		if (!out->session)
			return WL_ENOMEM;
		return engine_say(in->cfg, out->out, in->ch->id, m->from,
				  "抱歉，目前只能识别文字消息。请用文字告诉我们"
				  "您遇到的困难，或回复“人工”。");
	}
	if (r.st && cmd_parse(m->text, &p)) {
		rc = cmd_run(&p, r.st, in, out);
		if (rc == WL_OK && !out->session)
			out->session = strdup(in->session);
		return rc == WL_OK && !out->session ? WL_ENOMEM : rc;
	}
	if (in->flows) {
		if (in->session[0]) {
			json_error_t err;

			sess = json_loads(in->session, 0, &err);
		}
		r.old_session = json_is_object(sess) ? sess : NULL;
		rc = engine_flow(&r, json_is_object(sess) ? sess : NULL);
		json_decref(sess);
		return rc;
	}
	out->session = strdup(in->session);
	reply = engine_ack(in->cfg->ack_template,
			   m->name ? m->name : in->contact_name, m->text);
	if (!reply || !out->session) {
		free(reply);
		return WL_ENOMEM;
	}
	rc = engine_say(in->cfg, out->out, in->ch->id, m->from, reply);
	free(reply);
	return rc;
}

int engine_step(const struct engine_in *in, struct engine_out *out)
{
	int rc;

	if (!out->metrics)
		return WL_ENOMEM;
	rc = engine_step_inner(in, out);
	if (rc == WL_OK)
		rc = engine_sla_post(in, out);
	return rc;
}
