/*
 * commands.c — the staff commands (see commands.h): one table, one
 * handler each. Every handler checks in the same order — the case exists,
 * it is in the staff member's area, the transition is allowed, the
 * arguments are right — and answers each failure with a precise line in
 * Chinese. Changes are case operations with the version that was read,
 * so two staff racing for one case cannot both win.
 */
#include "commands.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "case.h"
#include "console.h"
#include "engine_sla.h"
#include "flow.h"
#include "report.h"
#include "sla.h"
#include "text.h"
#include "wl.h"

static int cmd_claim(const struct cmd_parsed *, const struct wl_staff *,
		     const struct engine_in *, struct engine_out *);
static int cmd_note(const struct cmd_parsed *, const struct wl_staff *,
		    const struct engine_in *, struct engine_out *);
static int cmd_reply(const struct cmd_parsed *, const struct wl_staff *,
		     const struct engine_in *, struct engine_out *);
static int cmd_resolve(const struct cmd_parsed *, const struct wl_staff *,
		       const struct engine_in *, struct engine_out *);
static int cmd_add(const struct cmd_parsed *, const struct wl_staff *,
		   const struct engine_in *, struct engine_out *);
static int cmd_transfer(const struct cmd_parsed *, const struct wl_staff *,
			const struct engine_in *, struct engine_out *);
static int cmd_feedback(const struct cmd_parsed *, const struct wl_staff *,
			const struct engine_in *, struct engine_out *);
static int cmd_cancel(const struct cmd_parsed *, const struct wl_staff *,
		      const struct engine_in *, struct engine_out *);
static int cmd_reopen(const struct cmd_parsed *, const struct wl_staff *,
		      const struct engine_in *, struct engine_out *);
static int cmd_show(const struct cmd_parsed *, const struct wl_staff *,
		    const struct engine_in *, struct engine_out *);
static int cmd_mine(const struct cmd_parsed *, const struct wl_staff *,
		    const struct engine_in *, struct engine_out *);
static int cmd_open(const struct cmd_parsed *, const struct wl_staff *,
		    const struct engine_in *, struct engine_out *);
static int cmd_report(const struct cmd_parsed *, const struct wl_staff *,
		      const struct engine_in *, struct engine_out *);
static int cmd_helpcmd(const struct cmd_parsed *, const struct wl_staff *,
		       const struct engine_in *, struct engine_out *);
static int cmd_new(const struct cmd_parsed *, const struct wl_staff *,
		   const struct engine_in *, struct engine_out *);
static int cmd_overdue(const struct cmd_parsed *, const struct wl_staff *,
		       const struct engine_in *, struct engine_out *);
static int cmd_wait(const struct cmd_parsed *, const struct wl_staff *,
		    const struct engine_in *, struct engine_out *);
static int cmd_login(const struct cmd_parsed *, const struct wl_staff *,
		     const struct engine_in *, struct engine_out *);

/* The one table of staff commands. */
static const struct cmd_def cmd_table[] = {
    {"claim", "认领", "接单", CMD_LIST_NONE, true, "认领 工单号", cmd_claim},
    {"note", "备注", NULL, CMD_LIST_NONE, true, "备注 工单号 内容", cmd_note},
    {"reply", "回复", NULL, CMD_LIST_NONE, true, "回复 工单号 内容", cmd_reply},
    {"resolve", "办结", NULL, CMD_LIST_NONE, true,
     "办结 工单号 措施 [人次] [金额元] [说明]，如：办结 1042 棉被 1人次 "
     "已送到家；几项措施接着写：办结 1042 临时救助 1人次 800元 电热毯 "
     "1人次",
     cmd_resolve},
    {"add", "补录", NULL, CMD_LIST_NONE, true,
     "补录 工单号 措施 [人次] [金额元]，如：补录 1042 电热毯 1人次", cmd_add},
    {"transfer", "转派", NULL, CMD_LIST_NONE, true,
     "转派 工单号 区域（编号或名称）", cmd_transfer},
    {"feedback", "反馈", "回访", CMD_LIST_NONE, true, "反馈 工单号 回访情况",
     cmd_feedback},
    {"cancel", "撤销", NULL, CMD_LIST_NONE, true,
     "撤销 工单号 原因（如：重复、无效）", cmd_cancel},
    {"reopen", "重开", "重新打开", CMD_LIST_NONE, true, "重开 工单号",
     cmd_reopen},
    {"case", "查看", NULL, CMD_LIST_NONE, true, "查看 工单号", cmd_show},
    {"mine", "我的", NULL, CMD_LIST_MINE, false, "我的", cmd_mine},
    {"open", "待办", NULL, CMD_LIST_NEW, false, "待办", cmd_open},
    {"report", "统计", NULL, CMD_LIST_OPEN, false, "统计", cmd_report},
    {"new", "代录", "新建", CMD_LIST_NONE, false, "代录 来电号码", cmd_new},
    {"overdue", "逾期", "超时", CMD_LIST_OPEN, false, "逾期", cmd_overdue},
    {"wait", "等待", NULL, CMD_LIST_NONE, true,
     "等待 工单号 [原因]（等居民回复时暂停处置时限）", cmd_wait},
    {"login", "登录", "登陆", CMD_LIST_NONE, false, "登录（网页工作台）",
     cmd_login},
    {"help", "帮助", NULL, CMD_LIST_NONE, false, "帮助", cmd_helpcmd},
};

/* ---- parsing ---- */

static const char *cmd_skip_space(const char *s)
{
	while (*s == ' ')
		s++;
	return s;
}

/* Skip white space, including the ideographic space U+3000. */
static const char *cmd_skip_ws(const char *s)
{
	for (;;) {
		if (*s == ' ' || *s == '\t')
			s++;
		else if (strncmp(s, "\xe3\x80\x80", 3) == 0)
			s += 3;
		else
			return s;
	}
}

/* In the original text: past the command word (a slash word or a run of
 * non-space, non-digit characters) and, if given, the case number in
 * half- or full-width digits. */
static const char *cmd_tail(const char *text, bool has_no)
{
	const char *s = cmd_skip_ws(text);
	uint32_t cp;
	size_t n;

	while (*s && *s != ' ' && strncmp(s, "\xe3\x80\x80", 3) != 0) {
		n = text_utf8_decode(s, strlen(s), &cp);
		if (!n)
			n = 1;
		if ((cp >= '0' && cp <= '9') || (cp >= 0xFF10 && cp <= 0xFF19))
			break;
		s += n;
	}
	s = cmd_skip_ws(s);
	while (has_no && *s) {
		n = text_utf8_decode(s, strlen(s), &cp);
		if (!n || !((cp >= '0' && cp <= '9') ||
			    (cp >= 0xFF10 && cp <= 0xFF19)))
			break;
		s += n;
	}
	return cmd_skip_ws(s);
}

bool cmd_parse(const char *text, struct cmd_parsed *out)
{
	char *norm = text_normalize(text);
	const char *s, *rest = NULL;
	size_t i, n;
	bool hit = false;

	memset(out, 0, sizeof(*out));
	if (!norm)
		return false;
	s = norm;
	for (i = 0; i < WL_ARRAY_LEN(cmd_table) && !hit; i++) {
		const struct cmd_def *d = &cmd_table[i];
		const char *words[] = {d->zh, d->alias};

		if (s[0] == '/') {
			n = strlen(d->en);
			if (strncmp(s + 1, d->en, n) == 0 &&
			    (s[1 + n] == '\0' || s[1 + n] == ' ')) {
				hit = true;
				rest = s + 1 + n;
			}
			for (size_t w = 0; !hit && w < 2; w++) {
				n = words[w] ? strlen(words[w]) : 0;
				if (n && strncmp(s + 1, words[w], n) == 0) {
					hit = true;
					rest = s + 1 + n;
				}
			}
		} else {
			/* A Chinese word, then a space, a number, or the end:
			 * "认领 1042", "认领1042", "我的". Nothing else, so a
			 * sentence that starts with 回复 is not a command. */
			for (size_t w = 0; !hit && w < 2; w++) {
				n = words[w] ? strlen(words[w]) : 0;
				if (n && strncmp(s, words[w], n) == 0 &&
				    (s[n] == '\0' || s[n] == ' ' ||
				     (s[n] >= '0' && s[n] <= '9'))) {
					hit = true;
					rest = s + n;
				}
			}
		}
		if (hit) {
			out->def = d;
			snprintf(out->word, sizeof(out->word), "%.*s",
				 (int)(rest - s), s);
		}
	}
	if (!hit) {
		free(norm);
		return false;
	}
	rest = cmd_skip_space(rest);
	if (out->def->needs_case && *rest) {
		n = 0;
		while (rest[n] >= '0' && rest[n] <= '9' && n < 12)
			n++;
		if (n > 0 && (rest[n] == '\0' || rest[n] == ' ')) {
			memcpy(out->no, rest, n);
			out->no[n] = '\0';
			rest = cmd_skip_space(rest + n);
		} else {
			out->bad_no = true;
		}
	}
	/* args point into the caller's text, not our normalised copy, so a
	 * note keeps its full-width punctuation. */
	out->args = cmd_tail(text, out->def->needs_case && out->no[0]);
	free(norm);
	return true;
}

/* ---- helpers ---- */

static int cmd_say(const struct engine_in *in, struct engine_out *out,
		   const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int cmd_say(const struct engine_in *in, struct engine_out *out,
		   const char *fmt, ...)
{
	va_list ap;
	char *text;
	int n, rc;

	/* Sized to fit: a long list must not be cut inside a character. */
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return WL_EINTERNAL;
	text = malloc((size_t)n + 1);
	if (!text)
		return WL_ENOMEM;
	va_start(ap, fmt);
	vsnprintf(text, (size_t)n + 1, fmt, ap);
	va_end(ap);
	rc = engine_say(in->cfg, out->out, in->ch->id, in->msg->from, text);
	free(text);
	return rc;
}

static int cmd_usage(const struct cmd_parsed *p, const struct engine_in *in,
		     struct engine_out *out, const char *why)
{
	return cmd_say(in, out, "%s用法：%s", why ? why : "", p->def->usage);
}

static const struct wl_staff *cmd_staff(const struct wl_config *cfg,
					const char *id)
{
	for (size_t i = 0; id && i < cfg->n_staff; i++)
		if (strcmp(cfg->staff[i].id, id) == 0)
			return &cfg->staff[i];
	return NULL;
}

static long long cmd_version(const json_t *c)
{
	const char *v = case_get(c, "v");

	return v ? strtoll(v, NULL, 10) : 0;
}

static int cmd_case_status(const json_t *c)
{
	return case_status_parse(case_get(c, "status"));
}

/* Whether a case in status s (from cmd_case_status) allows action a. */
static bool cmd_allowed(int s, enum case_action a)
{
	return s >= 0 && case_transition((enum case_status)s, a) >= 0;
}

/* The answer when the case's status does not allow what was asked. */
static int cmd_bad_state(const struct cmd_parsed *p, const struct engine_in *in,
			 struct engine_out *out, int s, const char *refusal)
{
	return cmd_say(in, out, "工单 %s 当前状态为“%s”，%s。", p->no,
		       s >= 0 ? case_status_label((enum case_status)s) : "未知",
		       refusal);
}

/* The case named, in the staff member's area: else a precise answer and
 * false. */
static bool cmd_case(const struct cmd_parsed *p, const struct wl_staff *st,
		     const struct engine_in *in, struct engine_out *out,
		     int *rc)
{
	int area;
	char *path;

	*rc = WL_OK;
	if (p->bad_no || !p->no[0]) {
		*rc =
		    cmd_usage(p, in, out,
			      p->bad_no ? "工单号应为数字。" : "缺少工单号。");
		return false;
	}
	if (!in->kase || !case_get(in->kase, "no")) {
		*rc = cmd_say(in, out, "没有编号为 %s 的工单，请核对工单号。",
			      p->no);
		return false;
	}
	area = config_area_index(in->cfg, case_get(in->kase, "area")
					      ? case_get(in->kase, "area")
					      : "");
	if (area < 0 || !case_staff_may_act(in->cfg, st, area)) {
		path = area >= 0 ? case_area_path(in->cfg, area) : NULL;
		*rc =
		    cmd_say(in, out, "工单 %s 属于%s，不在您的辖区，无权操作。",
			    p->no, path ? path : "其他区域");
		free(path);
		return false;
	}
	return true;
}

static const char *cmd_holder_name(const struct wl_config *cfg, const json_t *c)
{
	const struct wl_staff *h = cmd_staff(cfg, case_get(c, "claimed_by"));

	return h ? h->name : NULL;
}

/* Tell the resident, on their own channel, if they have one. */
static void cmd_tell_resident(const struct engine_in *in,
			      struct engine_out *out, const json_t *c,
			      const char *text)
{
	const char *ch = case_get(c, "channel");
	const char *from = case_get(c, "from");

	if (ch && *ch && from && *from && config_channel(in->cfg, ch))
		engine_say(in->cfg, out->out, ch, from, text);
}

static void cmd_who(const struct wl_staff *st, char *buf, size_t size)
{
	snprintf(buf, size, "staff:%s", st->id);
}

static json_t *cmd_set(struct engine_out *out, const struct cmd_parsed *p,
		       const struct engine_in *in, const struct wl_staff *st,
		       json_t *fields, const char *what, const char *detail)
{
	char who[96];
	json_t *op;

	cmd_who(st, who, sizeof(who));
	op = engine_case_set(out->cases, p->no, cmd_version(in->kase), fields,
			     who, what, detail);
	json_decref(fields);
	return op;
}

/* ---- the commands ---- */

/* status < 0: the case's own; else the status it is about to have. */
static int cmd_details(const struct engine_in *in, const json_t *c,
		       struct buf *b, bool full, int status)
{
	static const struct {
		const char *field, *label;
	} rows[] = {
	    {"category", "困难"},
	    {"person_category", "对象"},
	    {"person_sub", "类别"},
	    {"name", "姓名"},
	    {"age", "年龄"},
	    {"address", "地址"},
	    {"emergency", "险情"},
	    {"problem", "发现问题"},
	    {"problems", "存在问题"},
	    {"measures", "计划措施及时限"},
	    {"deadline", "整改时限"},
	    {"resolve_note", "办结说明"},
	    {"solved", "问题是否解决"},
	    {"satisfaction", "满意度"},
	    {"comments", "居民意见"},
	    {"feedback_note", "回访情况"},
	    {"cancel_reason", "撤销原因"},
	};
	int st = status >= 0 ? status : cmd_case_status(c);
	int area = config_area_index(
	    in->cfg, case_get(c, "area") ? case_get(c, "area") : "");
	char *path = area >= 0 ? case_area_path(in->cfg, area) : NULL;
	const char *holder = status >= 0 ? NULL : cmd_holder_name(in->cfg, c);
	const char *urg = case_get(c, "urgency");
	const char *src = case_source_label(case_get(c, "source"));
	char *words = case_words(c), *help = NULL;
	json_t *given = case_help_given(c);

	buf_addf(b, "工单 %s %s%s · %s\n", case_get(c, "no"),
		 urg && strcmp(urg, "urgent") == 0 ? "【紧急】" : "",
		 st >= 0 ? case_status_label((enum case_status)st) : "?",
		 path ? path : "");
	free(path);
	if (holder)
		buf_addf(b, "办理人：%s\n", holder);
	if (src && *src)
		buf_addf(b, "来源：%s\n", src);
	if (words)
		buf_addf(b, "居民说：%s\n", words);
	free(words);
	for (size_t i = 0; i < WL_ARRAY_LEN(rows); i++) {
		const char *v = case_get(c, rows[i].field);

		if (v && *v)
			buf_addf(b, "%s：%s\n", rows[i].label, v);
	}
	if (json_array_size(given)) {
		help = case_help_text(given);
		if (help)
			buf_addf(b, "救助措施：%s\n", help);
		free(help);
	}
	json_decref(given);
	if (case_get(c, "phone")) {
		char *m = full ? NULL : text_mask_phone(case_get(c, "phone"));

		buf_addf(b, "电话：%s\n", full ? case_get(c, "phone") : m);
		free(m);
	}
	return b->oom ? WL_ENOMEM : WL_OK;
}

/* A deadline as staff say it: 10 分钟, 4 小时, 3 天. */
static void cmd_span(int64_t ms, char *out, size_t size)
{
	int64_t m = ms / 60000;

	if (m > 0 && m % 1440 == 0)
		snprintf(out, size, "%lld 天", (long long)(m / 1440));
	else if (m > 0 && m % 60 == 0)
		snprintf(out, size, "%lld 小时", (long long)(m / 60));
	else
		snprintf(out, size, "%lld 分钟", (long long)(m > 0 ? m : 1));
}

/* The claim's first line: the deadlines of this case's urgency, so an
 * urgent case never reads "1 小时". */
static void cmd_claim_deadlines(const struct engine_in *in, const json_t *c,
				struct buf *b, const char *no)
{
	const char *urg = case_get(c, "urgency");
	bool urgent = urg && strcmp(urg, "urgent") == 0;
	const struct sla_profile *pr =
	    in->sla ? (urgent ? &in->sla->urgent : &in->sla->normal) : NULL;
	char respond[32], handle[32];

	if (!pr) {
		buf_addf(b, "已认领工单 %s%s。请%s联系居民。\n", no,
			 urgent ? "（紧急）" : "",
			 urgent ? "立即" : "在 1 小时内");
		return;
	}
	cmd_span(pr->budget_ms[SLA_RESPOND], respond, sizeof(respond));
	cmd_span(pr->budget_ms[SLA_HANDLE], handle, sizeof(handle));
	buf_addf(b, "已认领工单 %s%s。请在 %s 内联系居民，%s 内处置。\n", no,
		 urgent ? "（紧急）" : "", respond, handle);
}

static int cmd_claim(const struct cmd_parsed *p, const struct wl_staff *st,
		     const struct engine_in *in, struct engine_out *out)
{
	const json_t *c = in->kase;
	const char *by;
	struct buf b = BUF_INIT;
	json_t *op;
	int rc, s;

	if (!cmd_case(p, st, in, out, &rc))
		return rc;
	s = cmd_case_status(c);
	by = case_get(c, "claimed_by");
	if (s == CASE_CLAIMED && by && strcmp(by, st->id) == 0)
		return cmd_say(in, out, "您已认领工单 %s，无需重复认领。",
			       p->no);
	if (s == CASE_CLAIMED && !case_staff_may_take_over(st))
		return cmd_say(in, out,
			       "工单 %s 已由%s认领。如需接手，请联系社区主任"
			       "或街道民政办。",
			       p->no,
			       cmd_holder_name(in->cfg, c)
				   ? cmd_holder_name(in->cfg, c)
				   : "其他工作人员");
	if (!cmd_allowed(s, CASE_CLAIM))
		return cmd_bad_state(p, in, out, s, "不能认领");
	if (s == CASE_CLAIMED) {
		const struct wl_staff *old = cmd_staff(in->cfg, by);
		char text[256];

		op = cmd_set(out, p, in, st,
			     json_pack("{s:s}", "claimed_by", st->id),
			     "taken_over", old ? old->name : "");
		if (!op)
			return WL_ENOMEM;
		snprintf(text, sizeof(text), "工单 %s 已由%s接手。", p->no,
			 st->name);
		if (old)
			engine_op_notify(op, old->chat.channel, old->chat.to,
					 text);
		return cmd_say(in, out, "已接手工单 %s（原由%s办理）。", p->no,
			       old ? old->name : "其他工作人员");
	}
	op = cmd_set(out, p, in, st,
		     json_pack("{s:s, s:s, s:I}", "status", "claimed",
			       "claimed_by", st->id, "claimed_at",
			       (json_int_t)in->now_ms),
		     "claimed", st->name);
	if (!op)
		return WL_ENOMEM;
	cmd_claim_deadlines(in, c, &b, p->no);
	cmd_details(in, c, &b, true, CASE_CLAIMED);
	buf_addf(&b,
		 "发送“回复 %s 内容”可直接给居民发消息，办结后发送"
		 "“办结 %s 措施”。",
		 p->no, p->no);
	rc = b.oom ? WL_ENOMEM
		   : engine_say(in->cfg, out->out, in->ch->id, in->msg->from,
				b.s);
	buf_release(&b);
	if (rc == WL_OK) {
		char text[256];

		snprintf(text, sizeof(text),
			 "您的求助（编号 %s）已由工作人员%s受理，我们会尽快"
			 "与您联系。",
			 p->no, st->name);
		cmd_tell_resident(in, out, c, text);
	}
	return rc;
}

/* Someone else holds it, and this staff member may not take over. */
static bool cmd_not_holder(const struct cmd_parsed *p,
			   const struct wl_staff *st,
			   const struct engine_in *in, struct engine_out *out,
			   int *rc)
{
	const char *by = case_get(in->kase, "claimed_by");

	*rc = WL_OK;
	if (!by || !*by || strcmp(by, st->id) == 0 ||
	    case_staff_may_take_over(st))
		return false;
	*rc = cmd_say(in, out, "工单 %s 由%s办理，您不能操作。", p->no,
		      cmd_holder_name(in->cfg, in->kase)
			  ? cmd_holder_name(in->cfg, in->kase)
			  : "其他工作人员");
	return true;
}

static int cmd_note(const struct cmd_parsed *p, const struct wl_staff *st,
		    const struct engine_in *in, struct engine_out *out)
{
	int rc;

	if (!cmd_case(p, st, in, out, &rc))
		return rc;
	if (!*p->args)
		return cmd_usage(p, in, out, "缺少备注内容。");
	if (!cmd_set(out, p, in, st, NULL, "note", p->args))
		return WL_ENOMEM;
	return cmd_say(in, out, "已记录到工单 %s。", p->no);
}

static int cmd_reply(const struct cmd_parsed *p, const struct wl_staff *st,
		     const struct engine_in *in, struct engine_out *out)
{
	const json_t *c = in->kase;
	const char *from, *ch;
	char *text;
	struct buf b = BUF_INIT;
	int rc, s;

	if (!cmd_case(p, st, in, out, &rc))
		return rc;
	if (!*p->args)
		return cmd_usage(p, in, out, "缺少回复内容。");
	s = cmd_case_status(c);
	if (s == CASE_NEW)
		return cmd_say(in, out, "请先认领工单 %s（发送“认领 %s”）。",
			       p->no, p->no);
	if (cmd_not_holder(p, st, in, out, &rc))
		return rc;
	from = case_get(c, "from");
	ch = case_get(c, "channel");
	if (!from || !*from || !ch || !config_channel(in->cfg, ch))
		return cmd_say(in, out,
			       "工单 %s 没有可以联系的居民聊天账号，请电话"
			       "联系：%s",
			       p->no,
			       case_get(c, "phone") ? case_get(c, "phone")
						    : "（无电话）");
	buf_addf(&b, "【工单 %s】工作人员%s：%s", p->no, st->name, p->args);
	text = buf_detach(&b, NULL);
	if (!text)
		return WL_ENOMEM;
	rc = engine_say(in->cfg, out->out, ch, from, text);
	free(text);
	if (rc != WL_OK)
		return rc;
	if (!cmd_set(out, p, in, st,
		     case_get(c, "contacted_at")
			 ? NULL
			 : json_pack("{s:I}", "contacted_at",
				     (json_int_t)in->now_ms),
		     "reply", p->args))
		return WL_ENOMEM;
	return cmd_say(in, out, "已转给工单 %s 的居民。", p->no);
}

/* The resident gets the 回访 survey, unless they are mid-conversation. */
static void cmd_start_feedback(const struct engine_in *in,
			       struct engine_out *out, const json_t *c,
			       const char *no)
{
	struct flow_input fi = {0};
	struct flow_result fr = {0};
	const char *ch = case_get(c, "channel");
	const char *from = case_get(c, "from");
	json_t *vars, *op;
	char *data;
	size_t i;
	json_t *e;

	if (!in->flows || !ch || !*ch || !from || !*from ||
	    !flow_set_has(in->flows, "feedback"))
		return;
	vars = json_pack("{s:s}", "case_no", no);
	fi.text = "";
	fi.now_ms = in->now_ms;
	fi.lang = "zh";
	fi.channel = ch;
	fi.from = from;
	if (flow_start(in->flows, in->cfg, "feedback", vars, &fi, &fr) !=
		WL_OK ||
	    !fr.session) {
		json_decref(vars);
		flow_result_release(&fr);
		return;
	}
	data = json_dumps(fr.session, JSON_COMPACT);
	op = data ? json_pack("{s:s, s:s, s:s, s:s, s:b}", "op", "session",
			      "channel", ch, "from", from, "data", data,
			      "only_if_idle", 1)
		  : NULL;
	free(data);
	if (op) {
		/* The survey's questions ride in the same op, so a resident
		 * who is mid-conversation gets neither. */
		json_object_set_new(op, "notify", json_array());
		json_array_foreach(fr.effects, i, e)
		{
			const char *t =
			    json_string_value(json_object_get(e, "type"));
			const char *s =
			    json_string_value(json_object_get(e, "text"));

			if (t && strcmp(t, "say") == 0 && s)
				engine_op_notify(op, ch, from, s);
		}
		json_array_append_new(out->cases, op);
	}
	json_decref(vars);
	flow_result_release(&fr);
}

/* The measures of 办结 or 补录 parsed from the arguments and added to
 * the case's, as fields; else a precise answer (asking for a missing
 * amount) and NULL with *rc set. */
static json_t *cmd_help_fields(const struct cmd_parsed *p,
			       const struct wl_staff *st,
			       const struct engine_in *in,
			       struct engine_out *out, struct case_help *h,
			       char **added, int *rc)
{
	char err[512];
	json_t *given = NULL, *fields = NULL, *mine = NULL;

	*added = NULL;
	*rc = case_help_parse(p->args, h, err, sizeof(err));
	if (*rc == WL_ENOMEM)
		return NULL;
	if (*rc != WL_OK) {
		if (h->needs_amount)
			*rc =
			    cmd_say(in, out,
				    "%s请带上金额重发，如：%s %s %s 1人次 "
				    "800元",
				    err, p->word, p->no, h->needs_amount->name);
		else
			*rc = cmd_usage(p, in, out, err);
		return NULL;
	}
	*rc = WL_ENOMEM;
	given = case_help_given(in->kase);
	mine = json_array();
	fields = json_object();
	if (!given || !mine || !fields ||
	    case_help_append(given, h, in->now_ms, st->id) != WL_OK ||
	    case_help_append(mine, h, in->now_ms, st->id) != WL_OK ||
	    case_help_summary(given, fields) != WL_OK)
		goto fail;
	*added = case_help_text(mine);
	if (!*added)
		goto fail;
	json_decref(given);
	json_decref(mine);
	*rc = WL_OK;
	return fields;
fail:
	json_decref(given);
	json_decref(mine);
	json_decref(fields);
	return NULL;
}

static int cmd_resolve(const struct cmd_parsed *p, const struct wl_staff *st,
		       const struct engine_in *in, struct engine_out *out)
{
	const json_t *c = in->kase;
	struct case_help h;
	char text[512], *added;
	json_t *fields, *more;
	int rc, s;

	if (!cmd_case(p, st, in, out, &rc))
		return rc;
	s = cmd_case_status(c);
	if (s == CASE_RESOLVED || s == CASE_CLOSED)
		return cmd_say(in, out,
			       "工单 %s 已办结。还有措施要记，请发送“补录 %s "
			       "措施 人次”。",
			       p->no, p->no);
	if (!cmd_allowed(s, CASE_RESOLVE))
		return cmd_bad_state(p, in, out, s, "不能办结");
	if (cmd_not_holder(p, st, in, out, &rc))
		return rc;
	fields = cmd_help_fields(p, st, in, out, &h, &added, &rc);
	if (!fields)
		return rc;
	more = json_pack("{s:s, s:s, s:I, s:s, s:s}", "status", "resolved",
			 "resolve_note", h.note, "resolved_at",
			 (json_int_t)in->now_ms, "resolved_by", st->id,
			 "claimed_by", st->id);
	if (!more || json_object_update(fields, more)) {
		json_decref(more);
		json_decref(fields);
		free(added);
		return WL_ENOMEM;
	}
	json_decref(more);
	snprintf(text, sizeof(text),
		 "您的求助（编号 %s）已办结：%s。如仍有困难，请直接回复。",
		 p->no, case_get(fields, "measure"));
	if (!cmd_set(out, p, in, st, fields, "resolved", added)) {
		free(added);
		return WL_ENOMEM;
	}
	cmd_tell_resident(in, out, c, text);
	cmd_start_feedback(in, out, c, p->no);
	rc = cmd_say(in, out,
		     "工单 %s 已办结：%s。3 天内请完成回访。还有措施要记，可发"
		     "“补录 %s 措施 人次”。",
		     p->no, added, p->no);
	free(added);
	return rc;
}

/* 补录: a measure given after the case was resolved (the coal came a day
 * after the relief money); it counts in 附件2 for the day it is recorded. */
static int cmd_add(const struct cmd_parsed *p, const struct wl_staff *st,
		   const struct engine_in *in, struct engine_out *out)
{
	struct case_help h;
	char *added, *all;
	json_t *fields, *given;
	int rc, s;

	if (!cmd_case(p, st, in, out, &rc))
		return rc;
	s = cmd_case_status(in->kase);
	if (s == CASE_NEW || s == CASE_CLAIMED)
		return cmd_say(in, out,
			       "工单 %s 还未办结，请发送“办结 %s 措施 人次”，"
			       "几项措施可以一次写完。",
			       p->no, p->no);
	if (s != CASE_RESOLVED && s != CASE_CLOSED)
		return cmd_bad_state(p, in, out, s, "不能补录措施");
	if (cmd_not_holder(p, st, in, out, &rc))
		return rc;
	fields = cmd_help_fields(p, st, in, out, &h, &added, &rc);
	if (!fields)
		return rc;
	given = json_loads(case_get(fields, "help_given"), 0, NULL);
	all = given ? case_help_text(given) : NULL;
	json_decref(given);
	if (*h.note) {
		const char *was = case_get(in->kase, "resolve_note");

		json_object_set_new(fields, "resolve_note",
				    json_sprintf("%s%s%s", was ? was : "",
						 was && *was ? "；" : "",
						 h.note));
	}
	if (!all || !cmd_set(out, p, in, st, fields, "help_added", added)) {
		free(added);
		free(all);
		return WL_ENOMEM;
	}
	rc = cmd_say(in, out, "已为工单 %s 补录：%s。\n本工单共记：%s。", p->no,
		     added, all);
	free(added);
	free(all);
	return rc;
}

/* An area by id, name, or the path staff see ("惠丰社区 第一网格", with or
 * without the space). */
static int cmd_area(const struct wl_config *cfg, const char *text)
{
	int a = config_area_index(cfg, text);

	for (size_t i = 0; a < 0 && i < cfg->n_areas; i++) {
		char *path = case_area_path(cfg, (int)i);
		char *q = path;

		/* Compare with the spaces of the path left out. */
		for (const char *t = text; path && *q && *t;) {
			if (*q == ' ')
				q++;
			else if (*t == ' ')
				t++;
			else if (*q == *t)
				q++, t++;
			else
				break;
			if (!*q && !*t)
				a = (int)i;
		}
		free(path);
	}
	return a;
}

/* 转派 to a name that is no area: say which names there are. */
static int cmd_unknown_area(const struct cmd_parsed *p,
			    const struct engine_in *in, struct engine_out *out)
{
	struct buf b = BUF_INIT;
	int rc;

	buf_addf(&b, "没有叫“%s”的区域。可以转派到：", p->args);
	for (size_t i = 0; i < in->cfg->n_areas; i++) {
		char *path = case_area_path(in->cfg, (int)i);

		buf_addf(&b, "%s%s", i ? "、" : "", path ? path : "");
		free(path);
	}
	buf_addf(&b, "。\n例：转派 %s %s", p->no, in->cfg->areas[0].name);
	rc = b.oom ? WL_ENOMEM : cmd_say(in, out, "%s", b.s);
	buf_release(&b);
	return rc;
}

static int cmd_transfer(const struct cmd_parsed *p, const struct wl_staff *st,
			const struct engine_in *in, struct engine_out *out)
{
	const json_t *c = in->kase;
	const struct wl_addr *duty[1];
	char *path, *notice, text[256];
	json_t *op, *fields;
	int rc, s, to;

	if (!cmd_case(p, st, in, out, &rc))
		return rc;
	if (!*p->args)
		return cmd_usage(p, in, out, "缺少转派的区域。");
	to = cmd_area(in->cfg, p->args);
	if (to < 0)
		return cmd_unknown_area(p, in, out);
	s = cmd_case_status(c);
	if (!cmd_allowed(s, CASE_TRANSFER))
		return cmd_bad_state(p, in, out, s, "不能转派");
	if (cmd_not_holder(p, st, in, out, &rc))
		return rc;
	path = case_area_path(in->cfg, to);
	op = cmd_set(out, p, in, st,
		     json_pack("{s:s, s:n, s:s}", "status", "new", "claimed_by",
			       "area", in->cfg->areas[to].id),
		     "transferred", in->cfg->areas[to].id);
	if (!op) {
		free(path);
		return WL_ENOMEM;
	}
	fields = json_deep_copy(c);
	notice =
	    case_notice(in->cfg, fields, p->no, case_get(c, "urgency"), to);
	json_decref(fields);
	if (notice && case_duty_chain(in->cfg, to, false, duty, 1) == 1) {
		snprintf(text, sizeof(text), "（由%s转派）\n", st->name);
		engine_op_notify(op, duty[0]->channel, duty[0]->to, text);
		engine_op_notify(op, duty[0]->channel, duty[0]->to, notice);
	}
	free(notice);
	rc = cmd_say(in, out, "工单 %s 已转派到%s，等待认领。", p->no,
		     path ? path : p->args);
	free(path);
	return rc;
}

static int cmd_feedback(const struct cmd_parsed *p, const struct wl_staff *st,
			const struct engine_in *in, struct engine_out *out)
{
	int rc, s;

	if (!cmd_case(p, st, in, out, &rc))
		return rc;
	if (!*p->args)
		return cmd_usage(p, in, out, "缺少回访情况。");
	s = cmd_case_status(in->kase);
	if (!cmd_allowed(s, CASE_FEEDBACK))
		return cmd_bad_state(p, in, out, s, "办结后才能回访");
	if (!cmd_set(out, p, in, st,
		     json_pack("{s:s, s:s, s:I, s:s}", "status", "closed",
			       "feedback_note", p->args, "feedback_at",
			       (json_int_t)in->now_ms, "feedback_by", st->id),
		     "feedback", p->args))
		return WL_ENOMEM;
	return cmd_say(in, out, "工单 %s 已记录回访，工单关闭。", p->no);
}

static int cmd_cancel(const struct cmd_parsed *p, const struct wl_staff *st,
		      const struct engine_in *in, struct engine_out *out)
{
	int rc, s;
	char text[512];

	if (!cmd_case(p, st, in, out, &rc))
		return rc;
	if (!*p->args)
		return cmd_usage(p, in, out, "撤销必须写明原因。");
	s = cmd_case_status(in->kase);
	if (!cmd_allowed(s, CASE_CANCEL))
		return cmd_bad_state(p, in, out, s, "不能撤销");
	if (cmd_not_holder(p, st, in, out, &rc))
		return rc;
	if (!cmd_set(out, p, in, st,
		     json_pack("{s:s, s:s}", "status", "cancelled",
			       "cancel_reason", p->args),
		     "cancelled", p->args))
		return WL_ENOMEM;
	snprintf(text, sizeof(text),
		 "您的求助（编号 %s）已撤销：%s。如有需要"
		 "请重新发消息。",
		 p->no, p->args);
	cmd_tell_resident(in, out, in->kase, text);
	return cmd_say(in, out, "工单 %s 已撤销（%s）。", p->no, p->args);
}

static int cmd_reopen(const struct cmd_parsed *p, const struct wl_staff *st,
		      const struct engine_in *in, struct engine_out *out)
{
	int rc, s;

	if (!cmd_case(p, st, in, out, &rc))
		return rc;
	s = cmd_case_status(in->kase);
	if (!cmd_allowed(s, CASE_REOPEN))
		return cmd_bad_state(p, in, out, s, "不能重开");
	if (!cmd_set(out, p, in, st,
		     json_pack("{s:s, s:s}", "status", "claimed", "claimed_by",
			       st->id),
		     "reopened", *p->args ? p->args : ""))
		return WL_ENOMEM;
	return cmd_say(in, out, "工单 %s 已重新打开，由您办理。", p->no);
}

/* Timeline entries in words. A detail that is an internal id (an
 * alert's fire id) is dropped; an area id becomes its name. */
static const struct {
	const char *what, *label;
	bool keep_detail;
} cmd_what_labels[] = {
    {"created", "登记", true},
    {"claimed", "认领", true},
    {"taken_over", "接手", true},
    {"note", "备注", true},
    {"reply", "回复居民", true},
    {"resident_message", "居民留言", true},
    {"resolved", "办结", true},
    {"help_added", "补录措施", true},
    {"feedback", "回访", true},
    {"transferred", "转派", true},
    {"cancelled", "撤销", true},
    {"cancel_request", "居民请求撤回", true},
    {"reopened", "重开", true},
    {"handover", "转人工", true},
    {"updated", "补充信息", true},
    {"waiting", "等待居民", true},
    {"sla_warning", "时限预警", false},
    {"sla_breach", "超时", false},
    {"sla_escalation", "超时督办", false},
    {"released", "超时退回待认领", false},
};

static void cmd_timeline_entry(const struct engine_in *in, const json_t *e,
			       struct buf *b)
{
	const char *what = case_get(e, "what");
	const char *detail = case_get(e, "detail");
	const char *label = "记录";
	bool keep = true;
	char *path = NULL;

	for (size_t k = 0; what && k < WL_ARRAY_LEN(cmd_what_labels); k++)
		if (strcmp(what, cmd_what_labels[k].what) == 0) {
			label = cmd_what_labels[k].label;
			keep = cmd_what_labels[k].keep_detail;
		}
	if (what && detail && strcmp(what, "created") == 0)
		detail = case_source_label(detail);
	if (what && detail && strcmp(what, "transferred") == 0 &&
	    config_area_index(in->cfg, detail) >= 0) {
		path =
		    case_area_path(in->cfg, config_area_index(in->cfg, detail));
		detail = path;
	}
	buf_addf(b, "\n· %s %s", label, keep && detail ? detail : "");
	free(path);
}

static int cmd_show(const struct cmd_parsed *p, const struct wl_staff *st,
		    const struct engine_in *in, struct engine_out *out)
{
	struct buf b = BUF_INIT;
	size_t i;
	const json_t *e;
	int rc;

	if (!cmd_case(p, st, in, out, &rc))
		return rc;
	cmd_details(in, in->kase, &b,
		    case_get(in->kase, "claimed_by") &&
			strcmp(case_get(in->kase, "claimed_by"), st->id) == 0,
		    -1);
	if (json_array_size(in->timeline))
		buf_adds(&b, "最近记录：");
	json_array_foreach(in->timeline, i, e) cmd_timeline_entry(in, e, &b);
	rc = b.oom ? WL_ENOMEM
		   : engine_say(in->cfg, out->out, in->ch->id, in->msg->from,
				b.s);
	buf_release(&b);
	return rc;
}

/* How many cases of status s are in the list's scope (the indexes'
 * count, not the length of the list). */
static long cmd_count(const struct engine_in *in, enum case_status s)
{
	return (long)json_integer_value(json_array_get(in->counts, s));
}

/* The listed cases (the oldest first, as the index gives them) and how
 * many there are in all. */
static int cmd_list(const struct engine_in *in, struct engine_out *out,
		    const char *title, const char *empty, long total,
		    const char *more)
{
	size_t n = 0, i;
	const json_t *c;
	struct buf b = BUF_INIT;
	int rc;

	if (total <= 0)
		return cmd_say(in, out, "%s%s", empty, more ? more : "");
	buf_addf(&b, "%s（共 %ld 件，最早的在前）：", title, total);
	json_array_foreach(in->list, i, c)
	{
		char *line = case_line(in->cfg, c);

		buf_addf(&b, "\n%s", line ? line : "");
		free(line);
		n++;
	}
	if (total > (long)n)
		buf_addf(&b, "\n……另有 %ld 件", total - (long)n);
	if (more)
		buf_adds(&b, more);
	rc = b.oom ? WL_ENOMEM
		   : engine_say(in->cfg, out->out, in->ch->id, in->msg->from,
				b.s);
	buf_release(&b);
	return rc;
}

static int cmd_mine(const struct cmd_parsed *p, const struct wl_staff *st,
		    const struct engine_in *in, struct engine_out *out)
{
	long resolved = cmd_count(in, CASE_RESOLVED);
	char more[128] = "";

	if (resolved > 0)
		snprintf(more, sizeof(more), "\n另有已办结待回访 %ld 件。",
			 resolved);
	return cmd_list(in, out, "您在办的工单", "您目前没有在办的工单。",
			cmd_count(in, CASE_CLAIMED), more[0] ? more : NULL);
}

static int cmd_open(const struct cmd_parsed *p, const struct wl_staff *st,
		    const struct engine_in *in, struct engine_out *out)
{
	return cmd_list(in, out, "辖区待认领工单", "辖区内没有待认领的工单。",
			cmd_count(in, CASE_NEW), NULL);
}

/* 统计: where the staff member's area stands now — the counts of the
 * indexes — and a link to the last week's table (附件2) that works for a
 * day without the admin token. */
static int cmd_report(const struct cmd_parsed *p, const struct wl_staff *st,
		      const struct engine_in *in, struct engine_out *out)
{
	long late = 0, urgent = 0, open;
	char link[REPORT_LINK_MAX], why[256], *path, cut[96] = "";
	size_t i;
	const json_t *c;
	int area = st->role == ROLE_SUPERVISOR ? -1 : st->area_idx;

	json_array_foreach(in->list, i, c)
	{
		const char *u = case_get(c, "urgency");

		if (u && strcmp(u, "urgent") == 0 &&
		    cmd_case_status(c) != CASE_RESOLVED)
			urgent++;
		if (engine_sla_late(in, c, why, sizeof(why)) > 0)
			late++;
	}
	open = cmd_count(in, CASE_NEW) + cmd_count(in, CASE_CLAIMED) +
	       cmd_count(in, CASE_RESOLVED);
	if (open > (long)json_array_size(in->list))
		snprintf(cut, sizeof(cut), "（紧急、逾期按最早的 %zu 件计）",
			 json_array_size(in->list));
	path = area >= 0 ? case_area_path(in->cfg, area) : NULL;
	if (report_link(in->cfg, REPORT_WEEKLY, NULL,
			area >= 0 ? in->cfg->areas[area].id : NULL, REPORT_XLSX,
			in->now_ms, 24LL * 3600 * 1000, link,
			sizeof(link)) != WL_OK)
		link[0] = '\0';
	cmd_say(
	    in, out,
	    "统计（%s）：待认领 %ld 件，处理中 %ld 件，已办结待回访 %ld 件；"
	    "其中紧急 %ld 件，逾期 %ld 件%s。累计已回访 %ld 件，已撤销 %ld "
	    "件。%s%s",
	    path ? path : "全街道", cmd_count(in, CASE_NEW),
	    cmd_count(in, CASE_CLAIMED), cmd_count(in, CASE_RESOLVED), urgent,
	    late, cut, cmd_count(in, CASE_CLOSED),
	    cmd_count(in, CASE_CANCELLED),
	    link[0] ? "\n上周统计表（24小时内有效）：" : "", link);
	free(path);
	return WL_OK;
}

/* 登录: a link that signs this staff member in to the web console
 * (console.c) for a few minutes; it opens a session for their area and
 * role. Sent only to them. */
static int cmd_login(const struct cmd_parsed *p, const struct wl_staff *st,
		     const struct engine_in *in, struct engine_out *out)
{
	char link[512];

	if (console_login_link(in->cfg, st, in->now_ms, link, sizeof(link)) !=
	    WL_OK)
		return cmd_say(
		    in, out,
		    "网页工作台未启用，请联系管理员（需配置管理令牌）。");
	return cmd_say(in, out,
		       "网页工作台登录链接（%lld 分钟内有效，仅限本人使用，"
		       "请勿转发）：\n%s",
		       CONSOLE_LINK_TTL_MS / 60000, link);
}

static int cmd_helpcmd(const struct cmd_parsed *p, const struct wl_staff *st,
		       const struct engine_in *in, struct engine_out *out)
{
	return cmd_help(st, in, out);
}

/* 等待: the case waits on the resident (a document, a time to visit); the
 * handling clock pauses until the resident writes again. */
static int cmd_wait(const struct cmd_parsed *p, const struct wl_staff *st,
		    const struct engine_in *in, struct engine_out *out)
{
	int rc;

	if (!cmd_case(p, st, in, out, &rc))
		return rc;
	if (cmd_case_status(in->kase) != CASE_CLAIMED)
		return cmd_say(
		    in, out, "工单 %s 需先认领，才能标记等待居民回复。", p->no);
	if (cmd_not_holder(p, st, in, out, &rc))
		return rc;
	if (!cmd_set(
		out, p, in, st,
		json_pack("{s:I}", "waiting_since", (json_int_t)in->now_ms),
		"waiting", *p->args ? p->args : "等待居民回复"))
		return WL_ENOMEM;
	return cmd_say(in, out,
		       "工单 %s 已标记为等待居民回复，处置时限暂停；居民回复后"
		       "自动恢复计时。",
		       p->no);
}

/* 逾期: the cases in the staff member's area that are late on any clock,
 * grouped by area, the oldest first within an area. */
static int cmd_overdue(const struct cmd_parsed *p, const struct wl_staff *st,
		       const struct engine_in *in, struct engine_out *out)
{
	struct buf b = BUF_INIT;
	size_t total = engine_sla_overdue(in, in->list, st, &b);
	int rc;

	if (!total)
		rc = cmd_say(in, out, "辖区内没有逾期工单。");
	else
		rc = b.oom ? WL_ENOMEM
			   : cmd_say(in, out, "逾期工单（共 %zu 件）：%s",
				     total, b.s);
	buf_release(&b);
	return rc;
}

/* 代录: a caller phoned in; the staff member answers the help flow's
 * questions for them in their own chat. The case's resident is the
 * caller's phone number (reached by SMS when an SMS channel exists). */
static int cmd_new(const struct cmd_parsed *p, const struct wl_staff *st,
		   const struct engine_in *in, struct engine_out *out)
{
	struct flow_input fi = {0};
	struct flow_result fr = {0};
	char phone[TEXT_PHONE_SIZE];
	json_t *vars, *e;
	size_t i;
	int rc;

	if (!*p->args || !text_parse_phone(p->args, phone, sizeof(phone)))
		return cmd_usage(p, in, out, "请写来电人的电话号码。");
	if (!in->flows || !flow_set_has(in->flows, "help"))
		return cmd_say(in, out, "没有配置求助登记流程（help）。");
	vars = json_pack("{s:s}", "phone", phone);
	fi.text = "";
	fi.now_ms = in->now_ms;
	fi.is_staff = true;
	fi.staff_id = st->id;
	fi.staff_area = st->area;
	fi.lang = "zh";
	fi.channel = in->ch->id;
	fi.from = in->msg->from;
	rc = flow_start(in->flows, in->cfg, "help", vars, &fi, &fr);
	json_decref(vars);
	if (rc != WL_OK || !fr.session) {
		flow_result_release(&fr);
		return rc == WL_OK ? WL_EINTERNAL : rc;
	}
	json_object_set_new(fr.session, "proxy", json_string(phone));
	out->session = json_dumps(fr.session, JSON_COMPACT);
	rc = cmd_say(in, out, "为来电 %s 代录求助，请按居民的回答逐项填写。",
		     phone);
	json_array_foreach(fr.effects, i, e)
	{
		const char *t = json_string_value(json_object_get(e, "type"));
		const char *s = json_string_value(json_object_get(e, "text"));

		if (rc == WL_OK && t && strcmp(t, "say") == 0 && s)
			rc = engine_say(in->cfg, out->out, in->ch->id,
					in->msg->from, s);
	}
	flow_result_release(&fr);
	return out->session ? rc : WL_ENOMEM;
}

int cmd_help(const struct wl_staff *st, const struct engine_in *in,
	     struct engine_out *out)
{
	struct buf b = BUF_INIT;
	int rc;

	buf_addf(&b, "%s您好，可用命令（中英文均可）：", st->name);
	for (size_t i = 0; i < WL_ARRAY_LEN(cmd_table); i++)
		buf_addf(&b, "\n%s（/%s）", cmd_table[i].usage,
			 cmd_table[i].en);
	buf_adds(&b, "\n走访排查请发“走访”。");
	rc = b.oom ? WL_ENOMEM
		   : engine_say(in->cfg, out->out, in->ch->id, in->msg->from,
				b.s);
	buf_release(&b);
	return rc;
}

int cmd_unknown(const struct wl_staff *st, const struct engine_in *in,
		struct engine_out *out)
{
	const char *t = in->msg->text ? in->msg->text : "";
	size_t cut = text_utf8_prefix(t, strlen(t), 20);

	return cmd_say(in, out,
		       "没有看懂“%.*s%s”。常用：待办、认领 工单号、回复 工单号 "
		       "内容、办结 工单号 措施；发“帮助”看全部命令。",
		       (int)cut, t, cut < strlen(t) ? "…" : "");
}

int cmd_run(const struct cmd_parsed *p, const struct wl_staff *st,
	    const struct engine_in *in, struct engine_out *out)
{
	return p->def->run(p, st, in, out);
}
