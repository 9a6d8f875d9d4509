/*
 * test_flow_step.c — the stepper's contract beyond single conversations:
 * emergencies come first and in the right order, the step cap stops a
 * runaway flow, idle timers and versions, stale sessions, flow_start,
 * bad arguments, hostile input, keyword priority, and the session's
 * shape.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "flow_int.h"
#include "test_flow_common.h"
#include "text.h"
#include "wl.h"

static struct flow_set *fs;

static int setup(void **state)
{
	struct wl_diag d;

	(void)state;
	fs = tf_load_real(&d);
	diag_release(&d);
	return fs ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	flow_set_free(fs);
	return 0;
}

static struct flow_input resident(const char *text, int64_t now)
{
	struct flow_input in = {
	    .text = text, .now_ms = now, .from = "13812345678"};

	return in;
}

/* Sends text with session *s (replaced by the new one); returns the
 * effects (the caller decrefs). */
static json_t *say_to(json_t **s, const char *text, int64_t now)
{
	struct flow_input in = resident(text, now);
	struct flow_result r;
	json_t *e;

	assert_int_equal(flow_step(fs, &tf_cfg, *s, &in, &r), WL_OK);
	json_decref(*s);
	*s = r.session;
	e = r.effects;
	return e;
}

static const char *type_at(const json_t *effects, size_t i)
{
	return json_string_value(
	    json_object_get(json_array_get(effects, i), "type"));
}

static void test_emergency_mid_flow(void **state)
{
	json_t *s = NULL, *e;
	const json_t *c;

	(void)state;
	json_decref(say_to(&s, "你好", T0_MS));
	json_decref(say_to(&s, "1", T0_MS));
	assert_string_equal(json_string_value(json_object_get(s, "node")),
			    "where");
	e = say_to(&s, "家里有人煤气中毒了", T0_MS + 1000);
	/* advice first, no question before it */
	assert_string_equal(type_at(e, 0), "say");
	assert_non_null(strstr(
	    json_string_value(json_object_get(json_array_get(e, 0), "text")),
	    "开窗通风"));
	assert_string_equal(type_at(e, 1), "emergency");
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(e, 1), "kind")),
	    "煤气中毒");
	assert_string_equal(type_at(e, 2), "case_open");
	c = json_array_get(e, 2);
	assert_string_equal(json_string_value(json_object_get(c, "urgency")),
			    "urgent");
	assert_true(json_is_true(json_object_get(c, "session_case")));
	/* the emergency takes the conversation over: where, then a phone */
	assert_non_null(s);
	assert_string_equal(json_string_value(json_object_get(s, "node")),
			    "where");
	assert_string_equal(json_string_value(json_object_get(s, "flow")),
			    "emergency_followup");
	json_decref(e);
	/* a second emergency updates the same case and keeps the question */
	e = say_to(&s, "着火了", T0_MS + 2000);
	assert_int_equal(tf_count(e, "case_open"), 0);
	assert_int_equal(tf_count(e, "case_update"), 1);
	assert_int_equal(tf_count(e, "emergency"), 1);
	assert_string_equal(json_string_value(json_object_get(s, "node")),
			    "where");
	json_decref(e);
	json_decref(s);
}

static void test_emergency_negation_and_width(void **state)
{
	json_t *s = NULL, *e;

	(void)state;
	e = say_to(&s, "家里没有煤气中毒，就是冷", T0_MS);
	assert_int_equal(tf_count(e, "emergency"), 0);
	json_decref(e);
	json_decref(s);
	s = NULL;
	/* spaces and full-width forms do not hide a keyword */
	e = say_to(&s, "有人 晕 倒 了！", T0_MS);
	assert_int_equal(tf_count(e, "emergency"), 1);
	json_decref(e);
	json_decref(s);
}

static void test_step_cap(void **state)
{
	const char *a = "{\"id\":\"a\",\"name\":{\"zh\":\"甲\"},"
			"\"trigger\":{\"keywords\":[\"甲\"]},\"start\":\"go\","
			"\"nodes\":{\"go\":{\"type\":\"action\",\"do\":["
			"{\"start_flow\":\"b\"}]}}}";
	const char *b =
	    "{\"id\":\"b\",\"name\":{\"zh\":\"乙\"},\"start\":\"s\","
	    "\"nodes\":{\"s\":{\"type\":\"say\",\"text\":{\"zh\":"
	    "\"乙\"},\"next\":\"go\"},\"go\":{\"type\":\"action\","
	    "\"do\":[{\"start_flow\":\"a\"}]}}}";
	struct flow_src src[] = {{"a.json", a, strlen(a)},
				 {"b.json", b, strlen(b)}};
	struct flow_set *loop = NULL;
	struct flow_input in = resident("甲", T0_MS);
	struct flow_result r;
	struct wl_diag d;
	json_t *err;

	(void)state;
	diag_init(&d);
	/* each flow alone is fine: the loop goes across flows */
	assert_int_equal(flow_set_load_mem(src, 2, NULL, &loop, &d), WL_OK);
	diag_release(&d);
	assert_int_equal(flow_step(loop, NULL, NULL, &in, &r), WL_OK);
	assert_null(r.session);
	err = tf_effect(r.effects, "error");
	assert_non_null(err);
	assert_string_equal(json_string_value(json_object_get(err, "reason")),
			    "step_cap");
	/* b says once per lap of three nodes: the cap stopped it */
	assert_true(tf_count(r.effects, "say") <= FLOW_STEP_CAP / 3 + 2);
	assert_non_null(strstr(
	    json_string_value(json_object_get(
		json_array_get(r.effects, json_array_size(r.effects) - 1),
		"text")),
	    "出了点问题"));
	flow_result_release(&r);
	flow_set_free(loop);
}

static void test_timers(void **state)
{
	json_t *s = NULL, *e;
	struct flow_result r;
	int64_t remind, expire;

	(void)state;
	json_decref(say_to(&s, "求助", T0_MS));
	remind = json_integer_value(json_object_get(s, "remind_at_ms"));
	expire = json_integer_value(json_object_get(s, "expires_at_ms"));
	/* ttl 1800 s: remind 5 minutes before the end */
	assert_int_equal(expire, T0_MS + 1800 * 1000);
	assert_int_equal(remind, T0_MS + 1500 * 1000);
	/* too early: nothing, the same session back */
	assert_int_equal(flow_timeout(fs, &tf_cfg, s, remind - 1, &r), WL_OK);
	assert_int_equal(json_array_size(r.effects), 0);
	assert_true(json_equal(r.session, s));
	flow_result_release(&r);
	/* the reminder: version moves, only the expiry timer again */
	assert_int_equal(flow_timeout(fs, &tf_cfg, s, remind, &r), WL_OK);
	assert_int_equal(tf_count(r.effects, "say"), 1);
	assert_int_equal(tf_count(r.effects, "timer"), 1);
	assert_int_equal(
	    json_integer_value(json_object_get(r.session, "version")),
	    json_integer_value(json_object_get(s, "version")) + 1);
	json_decref(s);
	s = r.session;
	r.session = NULL;
	flow_result_release(&r);
	/* no second reminder */
	assert_int_equal(flow_timeout(fs, &tf_cfg, s, remind + 10, &r), WL_OK);
	assert_int_equal(json_array_size(r.effects), 0);
	flow_result_release(&r);
	/* an answer after the reminder sets fresh deadlines */
	e = say_to(&s, "1", remind + 20);
	assert_int_equal(tf_count(e, "timer"), 2);
	assert_int_equal(
	    json_integer_value(json_object_get(s, "expires_at_ms")),
	    remind + 20 + 1800 * 1000);
	assert_null(json_object_get(s, "reminded"));
	json_decref(e);
	/* expiry */
	assert_int_equal(
	    flow_timeout(fs, &tf_cfg, s, remind + 20 + 1800 * 1000, &r), WL_OK);
	assert_null(r.session);
	assert_int_equal(tf_count(r.effects, "say"), 1);
	flow_result_release(&r);
	json_decref(s);
	/* no session is a caller error */
	assert_int_equal(flow_timeout(fs, &tf_cfg, NULL, T0_MS, &r),
			 WL_EBADREQ);
}

static void test_short_ttl(void **state)
{
	struct wl_config c = tf_cfg;
	struct flow_input in = resident("求助", T0_MS);
	struct flow_result r;

	(void)state;
	c.session_ttl_s = 300;
	assert_int_equal(flow_step(fs, &c, NULL, &in, &r), WL_OK);
	/* short sessions are reminded half way */
	assert_int_equal(
	    json_integer_value(json_object_get(r.session, "remind_at_ms")),
	    T0_MS + 150 * 1000);
	flow_result_release(&r);
}

static void test_stale_session(void **state)
{
	json_t *s = NULL, *e;
	json_int_t v;

	(void)state;
	json_decref(say_to(&s, "你好", T0_MS));
	json_decref(say_to(&s, "1", T0_MS));
	v = json_integer_value(json_object_get(s, "version"));
	/* an hour later the timer was lost; the next message still ends
	 * the old conversation first and then starts anew */
	e = say_to(&s, "烟囱堵了", T0_MS + 3600 * 1000);
	assert_non_null(strstr(
	    json_string_value(json_object_get(json_array_get(e, 0), "text")),
	    "本次对话已结束"));
	assert_string_equal(json_string_value(json_object_get(s, "flow")),
			    "hazard");
	assert_true(json_integer_value(json_object_get(s, "version")) > v);
	json_decref(e);
	json_decref(s);
}

static void test_stale_staff_session(void **state)
{
	struct flow_input in = {.text = "走访",
				.now_ms = T0_MS,
				.is_staff = true,
				.staff_id = "wang",
				.staff_area = "g-hd-1"};
	struct flow_result r;
	json_t *s;

	(void)state;
	assert_int_equal(flow_step(fs, &tf_cfg, NULL, &in, &r), WL_OK);
	s = r.session;
	json_decref(r.effects);
	assert_string_equal(json_string_value(json_object_get(s, "flow")),
			    "visit");
	/* inside the visit form emergency words are notes, not alarms */
	in.text = "着火了";
	assert_int_equal(flow_step(fs, &tf_cfg, s, &in, &r), WL_OK);
	assert_int_equal(tf_count(r.effects, "emergency"), 0);
	flow_result_release(&r);
	/* once the form has expired they are alarms again */
	in.now_ms = T0_MS + 7200 * 1000;
	assert_int_equal(flow_step(fs, &tf_cfg, s, &in, &r), WL_OK);
	assert_int_equal(tf_count(r.effects, "emergency"), 1);
	flow_result_release(&r);
	json_decref(s);
}

static void test_changed_flows(void **state)
{
	json_t *s = json_pack("{s:s,s:s,s:{},s:i,s:I,s:I}", "flow", "help",
			      "node", "gone", "answers", "version", 7,
			      "remind_at_ms", (json_int_t)T0_MS + 1000,
			      "expires_at_ms", (json_int_t)T0_MS + 100000);
	json_t *e = say_to(&s, "你好", T0_MS);

	(void)state;
	/* a session at a node that no longer exists starts afresh */
	assert_string_equal(json_string_value(json_object_get(s, "node")),
			    "who");
	assert_int_equal(json_integer_value(json_object_get(s, "version")), 8);
	json_decref(e);
	json_decref(s);
}

static void test_bad_args(void **state)
{
	struct flow_input in = resident("你好", T0_MS);
	struct flow_result r;
	json_t *notobj = json_string("x");
	json_t *vars = json_array();

	(void)state;
	assert_int_equal(flow_step(fs, &tf_cfg, notobj, &in, &r), WL_EBADREQ);
	assert_null(r.effects);
	assert_int_equal(flow_step(NULL, &tf_cfg, NULL, &in, &r), WL_EBADREQ);
	assert_int_equal(flow_start(fs, &tf_cfg, "nowhere", NULL, &in, &r),
			 WL_ENOTFOUND);
	assert_int_equal(flow_start(fs, &tf_cfg, "feedback", vars, &in, &r),
			 WL_EBADREQ);
	json_decref(notobj);
	json_decref(vars);
	flow_result_release(NULL);
}

static void test_hostile_input(void **state)
{
	size_t n = 100000;
	char *big = malloc(n + 1);
	struct flow_input in;
	struct flow_result r;
	const char *tt;
	char *says;

	(void)state;
	assert_non_null(big);
	for (size_t i = 0; i < n; i++)
		big[i] = (char)(i % 7 == 0 ? 0xff : 'a' + i % 26);
	big[n] = '\0';
	/* a wall of text opens nothing: a kind answer, no session */
	in = resident(big, T0_MS);
	assert_int_equal(flow_step(fs, &tf_cfg, NULL, &in, &r), WL_OK);
	assert_null(r.session);
	says = tf_says(r.effects);
	assert_non_null(strstr(says, "太长"));
	free(says);
	assert_int_equal(json_array_size(r.effects), 1);
	flow_result_release(&r);
	/* nothing to read: the same */
	in.text = NULL;
	assert_int_equal(flow_step(fs, &tf_cfg, NULL, &in, &r), WL_OK);
	assert_null(r.session);
	says = tf_says(r.effects);
	assert_non_null(strstr(says, "没能看懂"));
	free(says);
	flow_result_release(&r);
	/* invalid bytes are dropped from what is kept */
	big[0] = 'a';
	big[1] = (char)0xff;
	memcpy(big + 2, "求助", sizeof("求助"));
	in = resident(big, T0_MS);
	assert_int_equal(flow_step(fs, &tf_cfg, NULL, &in, &r), WL_OK);
	tt = json_string_value(json_object_get(
	    json_object_get(r.session, "answers"), "trigger_text"));
	assert_non_null(tt);
	assert_string_equal(tt, "a求助");
	flow_result_release(&r);
	free(big);
}

static void test_keyword_priority(void **state)
{
	json_t *s = NULL, *e;

	(void)state;
	/* 救助 (help) and 流浪 (rough sleeper) tie: the specific flow wins */
	e = say_to(&s, "流浪人员需要救助", T0_MS);
	assert_string_equal(json_string_value(json_object_get(s, "flow")),
			    "rough_sleeper");
	json_decref(e);
	json_decref(s);
	s = NULL;
	/* the longer keyword wins */
	e = say_to(&s, "睡大街的人，求助", T0_MS);
	assert_string_equal(json_string_value(json_object_get(s, "flow")),
			    "rough_sleeper");
	json_decref(e);
	json_decref(s);
}

static void test_session_shape(void **state)
{
	json_t *s = NULL, *e;
	static const char *const keys[] = {
	    "version", "flow",	       "node",		"answers",
	    "lang",    "remind_at_ms", "expires_at_ms",
	};

	(void)state;
	json_decref(say_to(&s, "你好", T0_MS));
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		assert_non_null(json_object_get(s, keys[i]));
	assert_null(json_object_get(s, "tries"));
	assert_null(json_object_get(s, "fields"));
	e = say_to(&s, "不知道", T0_MS);
	assert_int_equal(json_integer_value(json_object_get(s, "tries")), 1);
	json_decref(e);
	json_decref(say_to(&s, "1", T0_MS));
	assert_null(json_object_get(s, "tries"));
	json_decref(s);
}

static void test_language_kept(void **state)
{
	struct flow_input in = resident("help", T0_MS);
	struct flow_result r;
	json_t *e, *s;
	char *says;

	(void)state;
	in.lang = "en";
	assert_int_equal(flow_step(fs, &tf_cfg, NULL, &in, &r), WL_OK);
	s = r.session;
	json_decref(r.effects);
	/* the next message carries no language: the session's stays */
	e = say_to(&s, "1", T0_MS);
	says = tf_says(e);
	assert_non_null(strstr(says, "Which community"));
	free(says);
	json_decref(e);
	json_decref(s);
}

static void test_age_and_text_limits(void **state)
{
	static const char *const to_category[] = {
	    "你好", "1", "惠丰", "5号楼", "1", "跳过", "3", "13812345678", "6"};
	json_t *s = NULL, *e;
	const char *name;

	(void)state;
	for (size_t i = 0; i < WL_ARRAY_LEN(to_category); i++)
		json_decref(say_to(&s, to_category[i], T0_MS));
	assert_string_equal(json_string_value(json_object_get(s, "node")),
			    "age");
	e = say_to(&s, "130", T0_MS);
	/* over 120 is no age */
	assert_string_equal(json_string_value(json_object_get(s, "node")),
			    "age");
	json_decref(e);
	json_decref(say_to(&s, "0", T0_MS));
	assert_string_equal(json_string_value(json_object_get(s, "node")),
			    "name");
	/* the name is capped at 20 characters */
	json_decref(say_to(
	    &s, "一二三四五六七八九十一二三四五六七八九十多余的字", T0_MS));
	name = json_string_value(
	    json_object_get(json_object_get(s, "answers"), "name"));
	assert_int_equal(text_utf8_chars(name, strlen(name)), 20);
	json_decref(s);
}

static void test_no_areas(void **state)
{
	struct wl_config none = {.session_ttl_s = 1800};
	struct flow_input in = resident("烟囱堵了", T0_MS);
	struct flow_result r;
	json_t *s;

	(void)state;
	assert_int_equal(flow_step(fs, &none, NULL, &in, &r), WL_OK);
	s = r.session;
	json_decref(r.effects);
	/* without areas, a place is never found but can be skipped */
	in.text = "惠丰社区";
	assert_int_equal(flow_step(fs, &none, s, &in, &r), WL_OK);
	assert_string_equal(
	    json_string_value(json_object_get(r.session, "node")), "where");
	json_decref(s);
	s = r.session;
	json_decref(r.effects);
	in.text = "不清楚";
	assert_int_equal(flow_step(fs, &none, s, &in, &r), WL_OK);
	assert_string_equal(
	    json_string_value(json_object_get(r.session, "node")), "address");
	json_decref(s);
	flow_result_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_emergency_mid_flow),
	    cmocka_unit_test(test_emergency_negation_and_width),
	    cmocka_unit_test(test_step_cap),
	    cmocka_unit_test(test_timers),
	    cmocka_unit_test(test_short_ttl),
	    cmocka_unit_test(test_stale_session),
	    cmocka_unit_test(test_stale_staff_session),
	    cmocka_unit_test(test_changed_flows),
	    cmocka_unit_test(test_bad_args),
	    cmocka_unit_test(test_hostile_input),
	    cmocka_unit_test(test_keyword_priority),
	    cmocka_unit_test(test_session_shape),
	    cmocka_unit_test(test_language_kept),
	    cmocka_unit_test(test_age_and_text_limits),
	    cmocka_unit_test(test_no_areas),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
