/*
 * test_flow_input.c — how answers are understood: choices (numbers in
 * any form, words, the longest word), yes/no (不是 is no), numbers in
 * sentences, phone and ID numbers, places (ambiguity and the short
 * list), and the text helpers the loader and stepper share.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "flow_int.h"
#include "test_flow_common.h"

static char *who_alias0[] = {(char[]){"我"}, (char[]){"自己"}};
static char *who_alias1[] = {(char[]){"我妈"}, (char[]){"老人"}};
static char *who_alias2[] = {(char[]){"邻居"}};
static struct flow_option who_opts[] = {
    {.key = (char[]){"本人"},
     .text = {(char[]){"我本人"}, (char[]){"Me"}},
     .aliases = who_alias0,
     .n_aliases = 2,
     .next = -1},
    {.key = (char[]){"家人"},
     .text = {(char[]){"家里人"}, (char[]){"Family"}},
     .aliases = who_alias1,
     .n_aliases = 2,
     .next = -1},
    {.key = (char[]){"他人"},
     .text = {(char[]){"邻居或其他人"}, NULL},
     .aliases = who_alias2,
     .n_aliases = 1,
     .next = -1},
};
static struct flow_node who = {
    .kind = FN_ASK,
    .input = FI_CHOICE,
    .options = who_opts,
    .n_options = 3,
};

static void expect_choice(const char *in, size_t want)
{
	size_t idx = 99;

	if (flow_parse_choice(&who, in, false, &idx) != FP_OK)
		fail_msg("choice \"%s\" not understood", in);
	if (idx != want)
		fail_msg("choice \"%s\" gave %zu, want %zu", in, idx, want);
}

static void expect_no_choice(const char *in)
{
	size_t idx = 99;

	if (flow_parse_choice(&who, in, false, &idx) == FP_OK)
		fail_msg("choice \"%s\" accepted as %zu", in, idx);
}

static void test_choice_numbers(void **state)
{
	(void)state;
	expect_choice("1", 0);
	expect_choice("２", 1); /* full width */
	expect_choice("三", 2); /* Chinese numeral */
	expect_choice("第二个", 1);
	expect_choice(" 2 。", 1);
	expect_choice("选3", 2);
	expect_no_choice("4");
	expect_no_choice("0");
	expect_no_choice("十");
	expect_no_choice("");
	expect_no_choice("   ");
}

static void test_choice_words(void **state)
{
	size_t idx;

	(void)state;
	expect_choice("我", 0);
	expect_choice("是我自己", 0);
	expect_choice("我妈", 1); /* 我妈 is longer than 我 */
	expect_choice("是我邻居", 2);
	expect_choice("家人", 1);     /* the key */
	expect_choice("家里人吧", 1); /* the label inside a sentence */
	expect_choice("FAMILY", 1);   /* English label, any case */
	expect_no_choice("随便");
	/* prefill reads words only: a digit in a sentence is no answer */
	assert_int_equal(flow_parse_choice(&who, "2", true, &idx), FP_INVALID);
	assert_int_equal(flow_parse_choice(&who, "邻居家没暖气", true, &idx),
			 FP_OK);
	assert_int_equal(idx, 2);
}

static void test_choice_ambiguous(void **state)
{
	char *a0[] = {(char[]){"暖气"}};
	char *a1[] = {(char[]){"暖气"}};
	struct flow_option o[] = {
	    {.key = (char[]){"a"},
	     .text = {(char[]){"甲"}, NULL},
	     .aliases = a0,
	     .n_aliases = 1},
	    {.key = (char[]){"b"},
	     .text = {(char[]){"乙"}, NULL},
	     .aliases = a1,
	     .n_aliases = 1},
	};
	struct flow_node n = {.input = FI_CHOICE, .options = o, .n_options = 2};
	size_t idx;

	(void)state;
	assert_int_equal(flow_parse_choice(&n, "暖气", false, &idx),
			 FP_AMBIGUOUS);
	assert_int_equal(flow_parse_choice(&n, "乙", false, &idx), FP_OK);
	assert_int_equal(idx, 1);
}

static void expect_yesno(const char *in, bool want)
{
	bool v = !want;

	if (flow_parse_yesno(in, &v) != FP_OK)
		fail_msg("yes/no \"%s\" not understood", in);
	if (v != want)
		fail_msg("yes/no \"%s\" gave %d", in, v);
}

static void test_yesno(void **state)
{
	bool v;

	(void)state;
	expect_yesno("是", true);
	expect_yesno("不是", false); /* holds 是, means no */
	expect_yesno("不是的", false);
	expect_yesno("没有", false);
	expect_yesno("有", true);
	expect_yesno("有的。", true);
	expect_yesno("好的", true);
	expect_yesno("不", false);
	expect_yesno("对！", true);
	expect_yesno("不对", false);
	expect_yesno("没问题", true); /* holds 没, means yes */
	expect_yesno("不需要", false);
	expect_yesno("不存在", false);
	expect_yesno("y", true);
	expect_yesno("N", false);
	expect_yesno("ＹＥＳ", true);
	expect_yesno("no", false);
	expect_yesno("有点困难", true);
	expect_yesno("家里没人管", false);
	assert_int_equal(flow_parse_yesno("吃饭了吗", &v), FP_INVALID);
	assert_int_equal(flow_parse_yesno("3", &v), FP_INVALID);
	assert_int_equal(flow_parse_yesno("", &v), FP_INVALID);
	assert_int_equal(flow_parse_yesno("我想说的事情很多很多，是关于我家里"
					  "的老人冬天取暖的问题",
					  &v),
			 FP_INVALID);
}

static void test_yesno_note(void **state)
{
	const char *note;
	bool v;

	(void)state;
	/* the first clause decides, whatever words the note holds */
	assert_int_equal(flow_parse_yesno_note("是，缺棉被，煤不够", &v, &note),
			 FP_OK);
	assert_true(v);
	assert_string_equal(note, "缺棉被，煤不够");
	assert_int_equal(
	    flow_parse_yesno_note("否，子女在外地，很少来看", &v, &note),
	    FP_OK);
	assert_false(v);
	assert_string_equal(note, "子女在外地，很少来看");
	assert_int_equal(flow_parse_yesno_note("有 烟囱堵塞", &v, &note),
			 FP_OK);
	assert_true(v);
	assert_string_equal(note, "烟囱堵塞");
	assert_int_equal(flow_parse_yesno_note("不是", &v, &note), FP_OK);
	assert_false(v);
	assert_null(note);
	/* a note without a yes or no first is asked again */
	assert_int_equal(flow_parse_yesno_note("煤不够，缺棉被", &v, &note),
			 FP_INVALID);
}

static void test_choices(void **state)
{
	char *a2[] = {(char[]){"低保边缘户"}};
	struct flow_option o[] = {
	    {.key = (char[]){"低保"}, .text = {(char[]){"低保"}, NULL}},
	    {.key = (char[]){"特困"}, .text = {(char[]){"特困"}, NULL}},
	    {.key = (char[]){"其他困难群众"},
	     .text = {(char[]){"其他困难群众"}, NULL},
	     .aliases = a2,
	     .n_aliases = 1},
	};
	struct flow_node n = {
	    .input = FI_CHOICES, .options = o, .n_options = 3};
	bool m[3];

	(void)state;
	assert_int_equal(flow_parse_choices(&n, "1 3", m), FP_OK);
	assert_true(m[0] && !m[1] && m[2]);
	assert_int_equal(flow_parse_choices(&n, "1、2", m), FP_OK);
	assert_true(m[0] && m[1] && !m[2]);
	assert_int_equal(flow_parse_choices(&n, "13", m), FP_OK);
	assert_true(m[0] && !m[1] && m[2]);
	assert_int_equal(flow_parse_choices(&n, "特困和低保", m), FP_OK);
	assert_true(m[0] && m[1] && !m[2]);
	/* 低保边缘户 is 其他困难群众, not also 低保 */
	assert_int_equal(flow_parse_choices(&n, "低保边缘户", m), FP_OK);
	assert_true(!m[0] && !m[1] && m[2]);
	assert_int_equal(flow_parse_choices(&n, "1 9", m), FP_INVALID);
	assert_int_equal(flow_parse_choices(&n, "不知道", m), FP_INVALID);
	assert_int_equal(flow_parse_choices(&n, "", m), FP_INVALID);
}

static void expect_date(const char *in, const char *want)
{
	/* 2026-12-03 10:00 in Beijing */
	const int64_t now = 1796263200000LL;
	char out[16];

	if (flow_parse_date(in, now, 8 * 3600, out, sizeof(out)) != FP_OK)
		fail_msg("date \"%s\" not understood", in);
	if (strcmp(out, want) != 0)
		fail_msg("date \"%s\" gave %s, want %s", in, out, want);
}

static void test_dates(void **state)
{
	char out[16];

	(void)state;
	expect_date("今天上午", "2026-12-03");
	expect_date("上午", "2026-12-03");
	expect_date("昨天下午", "2026-12-02");
	expect_date("12月3日", "2026-12-03");
	expect_date("十二月三日", "2026-12-03");
	expect_date("12.1", "2026-12-01");
	expect_date("2026-11-28", "2026-11-28");
	expect_date("2025年12月31日", "2025-12-31");
	expect_date("1月2日", "2027-01-02"); /* nearest: next month */
	expect_date("2日", "2026-12-02");
	assert_int_equal(flow_parse_date("2月30日", 1796263200000LL, 8 * 3600,
					 out, sizeof(out)),
			 FP_INVALID);
	assert_int_equal(flow_parse_date("不记得", 1796263200000LL, 8 * 3600,
					 out, sizeof(out)),
			 FP_INVALID);
	assert_true(flow_find_deadline("12月5日前送棉被，联系清理烟囱",
				       1796263200000LL, 8 * 3600, out,
				       sizeof(out)));
	assert_string_equal(out, "2026-12-05");
	assert_true(flow_find_deadline("三天内送煤", 1796263200000LL, 8 * 3600,
				       out, sizeof(out)));
	assert_string_equal(out, "2026-12-06");
	assert_false(flow_find_deadline("今天上午走访", 1796263200000LL,
					8 * 3600, out, sizeof(out)));
}

static void test_finders(void **state)
{
	const char *msg = "我妈78岁，一个人住惠丰小区3号楼2单元501，暖气不热，"
			  "电话13912345678";
	char out[32], *a;
	long long v;

	(void)state;
	assert_true(flow_find_age(msg, &v));
	assert_int_equal(v, 78);
	assert_true(flow_find_age("我爸八十二岁独居", &v));
	assert_int_equal(v, 82);
	assert_false(flow_find_age("电话13912345678", &v));
	assert_true(flow_find_phone(msg, out, sizeof(out)));
	assert_string_equal(out, "13912345678");
	/* a later answer on its own line is not part of the number */
	assert_true(
	    flow_find_phone("电话15900003333\n1号楼", out, sizeof(out)));
	assert_string_equal(out, "15900003333");
	a = flow_find_address(msg, 100);
	assert_non_null(a);
	assert_string_equal(a, "惠丰小区3号楼2单元501");
	free(a);
	assert_null(flow_find_address("家里暖气不热", 100));
	a = flow_find_name("我邻居张奶奶75岁");
	assert_non_null(a);
	assert_string_equal(a, "张奶奶");
	free(a);
	a = flow_find_name("邻居刘大爷72岁");
	assert_non_null(a);
	assert_string_equal(a, "刘大爷");
	free(a);
	/* 我奶奶 and 家里老人 name no one */
	assert_null(flow_find_name("我奶奶80岁"));
	assert_null(flow_find_name("对门的大爷"));
}

static void test_location_places(void **state)
{
	struct wl_place p1[] = {
	    {.name = (char[]){"惠丰小区"},
	     .n_ranges = 1,
	     .from = {1},
	     .to = {6}},
	    {.name = (char[]){"张家庄"}},
	};
	struct wl_place p2[] = {
	    {.name = (char[]){"惠丰小区"},
	     .n_ranges = 1,
	     .from = {7},
	     .to = {12}},
	};
	struct wl_area a[] = {
	    {.id = (char[]){"tdj"},
	     .name = (char[]){"太行东街街道"},
	     .level = LEVEL_STREET,
	     .parent = -1},
	    {.id = (char[]){"c-hd"},
	     .name = (char[]){"惠丰社区"},
	     .level = LEVEL_COMMUNITY,
	     .parent = 0},
	    {.id = (char[]){"g-1"},
	     .name = (char[]){"惠丰社区第一网格"},
	     .level = LEVEL_GRID,
	     .places = p1,
	     .n_places = 2,
	     .parent = 1},
	    {.id = (char[]){"g-2"},
	     .name = (char[]){"惠丰社区第二网格"},
	     .level = LEVEL_GRID,
	     .places = p2,
	     .n_places = 1,
	     .parent = 1},
	};
	struct wl_config c = {.areas = a, .n_areas = 4};
	size_t idx = 99, picks[FLOW_PICK_MAX], np;

	(void)state;
	assert_int_equal(
	    flow_parse_location(&c, "惠丰小区3号楼2单元", &idx, picks, &np),
	    FP_OK);
	assert_int_equal(idx, 2);
	assert_int_equal(
	    flow_parse_location(&c, "住惠丰小区十一栋", &idx, picks, &np),
	    FP_OK);
	assert_int_equal(idx, 3);
	/* no building: the community, which passes it on */
	assert_int_equal(flow_parse_location(&c, "惠丰小区", &idx, picks, &np),
			 FP_OK);
	assert_int_equal(idx, 1);
	assert_int_equal(flow_parse_location(&c, "张家庄的", &idx, picks, &np),
			 FP_OK);
	assert_int_equal(idx, 2);
	/* a form's 村（社区）: the community above the place */
	assert_int_equal(flow_parse_location_at(&c, "张家庄", LEVEL_COMMUNITY,
						&idx, picks, &np),
			 FP_OK);
	assert_int_equal(idx, 1);
	assert_int_equal(flow_parse_location_at(&c, "太行东街", LEVEL_STREET,
						&idx, picks, &np),
			 FP_OK);
	assert_int_equal(idx, 0);
}

static void expect_number(const char *in, long long want)
{
	long long v = -1;

	if (flow_parse_number(in, &v) != FP_OK)
		fail_msg("number \"%s\" not understood", in);
	if (v != want)
		fail_msg("number \"%s\" gave %lld, want %lld", in, v, want);
}

static void test_numbers(void **state)
{
	long long v;

	(void)state;
	expect_number("72", 72);
	expect_number("７２", 72);
	expect_number("七十二", 72);
	expect_number("七十二岁", 72);
	expect_number("今年八十多岁了", 80);
	expect_number("一个人住，72岁", 72); /* the run before 岁 */
	expect_number("大概六十五", 65);
	expect_number("一百零五", 105);
	assert_int_equal(flow_parse_number("abc", &v), FP_INVALID);
	assert_int_equal(flow_parse_number("3个和4个", &v), FP_INVALID);
	assert_int_equal(flow_parse_number("", &v), FP_INVALID);
}

static void test_phone(void **state)
{
	char out[32];

	(void)state;
	assert_int_equal(
	    flow_parse_phone("13812345678", NULL, out, sizeof(out)), FP_OK);
	assert_string_equal(out, "13812345678");
	assert_int_equal(
	    flow_parse_phone("+86 138-1234-5678", NULL, out, sizeof(out)),
	    FP_OK);
	assert_string_equal(out, "13812345678");
	assert_int_equal(flow_parse_phone("我的电话是13912345678，谢谢", NULL,
					  out, sizeof(out)),
			 FP_OK);
	assert_string_equal(out, "13912345678");
	assert_int_equal(
	    flow_parse_phone("本机", "13900001111", out, sizeof(out)), FP_OK);
	assert_string_equal(out, "13900001111");
	/* a chat id is not a phone number */
	assert_int_equal(flow_parse_phone("本机", "u-wang", out, sizeof(out)),
			 FP_INVALID);
	assert_int_equal(flow_parse_phone("12345", NULL, out, sizeof(out)),
			 FP_INVALID);
	assert_int_equal(flow_parse_phone("不知道", NULL, out, sizeof(out)),
			 FP_INVALID);
}

static void test_resident_id(void **state)
{
	char out[32];

	(void)state;
	/* 11010519491231002X is the example number of GB 11643-1999 */
	assert_int_equal(
	    flow_parse_resident_id("11010519491231002X", out, sizeof(out)),
	    FP_OK);
	assert_string_equal(out, "11010519491231002X");
	assert_int_equal(flow_parse_resident_id("身份证 11010519491231002x",
						out, sizeof(out)),
			 FP_OK);
	assert_string_equal(out, "11010519491231002X");
	assert_int_equal(flow_parse_resident_id("跳过", out, sizeof(out)),
			 FP_SKIP);
	assert_int_equal(flow_parse_resident_id("没有", out, sizeof(out)),
			 FP_SKIP);
	/* the same digits with a wrong check character */
	assert_int_equal(
	    flow_parse_resident_id("110105194912310021", out, sizeof(out)),
	    FP_INVALID);
}

static void expect_place(const char *in, const char *want)
{
	size_t idx = 0, picks[FLOW_PICK_MAX], n;

	if (flow_parse_location(&tf_cfg, in, &idx, picks, &n) != FP_OK)
		fail_msg("place \"%s\" not found", in);
	if (strcmp(tf_cfg.areas[idx].id, want) != 0)
		fail_msg("place \"%s\" gave %s, want %s", in,
			 tf_cfg.areas[idx].id, want);
}

static void test_location(void **state)
{
	size_t idx, picks[FLOW_PICK_MAX], n;

	(void)state;
	expect_place("惠丰社区3号楼", "c-hd");
	expect_place("惠丰", "c-hd");		    /* alias */
	expect_place("住在阳光小区", "c-yg");	    /* alias in a sentence */
	expect_place("惠丰社区第一网格", "g-hd-1"); /* grid beats community */
	expect_place("和谐", "c-hx");
	expect_place("街道", "tdj"); /* part of a name */
	/* two grids are called 第一网格: the resident picks */
	assert_int_equal(
	    flow_parse_location(&tf_cfg, "第一网格", &idx, picks, &n), FP_PICK);
	assert_int_equal(n, 2);
	assert_string_equal(tf_cfg.areas[picks[0]].id, "g-hd-1");
	assert_string_equal(tf_cfg.areas[picks[1]].id, "g-yg-1");
	assert_int_equal(flow_parse_location(&tf_cfg, "社区", &idx, picks, &n),
			 FP_PICK);
	assert_int_equal(n, 2);
	assert_int_equal(flow_parse_location(&tf_cfg, "火星", &idx, picks, &n),
			 FP_INVALID);
	assert_int_equal(flow_parse_location(NULL, "惠丰", &idx, picks, &n),
			 FP_INVALID);
}

static void test_location_vague(void **state)
{
	struct wl_area a[7];
	struct wl_config c = {.areas = a, .n_areas = 7};
	size_t idx, picks[FLOW_PICK_MAX], n;
	char names[7][32];

	(void)state;
	memset(a, 0, sizeof(a));
	for (int i = 0; i < 7; i++) {
		snprintf(names[i], sizeof(names[i]), "第%d网格", i + 1);
		a[i].id = names[i];
		a[i].name = names[i];
		a[i].parent = -1;
	}
	/* more places than fit in a short list: ask for more detail */
	assert_int_equal(flow_parse_location(&c, "网格", &idx, picks, &n),
			 FP_AMBIGUOUS);
	assert_int_equal(flow_parse_location(&c, "第3网格", &idx, picks, &n),
			 FP_OK);
	assert_int_equal(idx, 2);
}

static void test_skip_words(void **state)
{
	(void)state;
	assert_true(flow_is_skip("跳过"));
	assert_true(flow_is_skip("无。"));
	assert_true(flow_is_skip(" Skip "));
	assert_false(flow_is_skip("没有暖气"));
	assert_false(flow_is_skip("3号楼"));
}

static void test_bare_clean(void **state)
{
	char *s;

	(void)state;
	s = flow_bare("  Ｈｅｌｌｏ，世界！ 〇 ");
	assert_string_equal(s, "hello世界〇");
	free(s);
	s = flow_clean("  a\x01"
		       "b\xff\xfe c\n ",
		       100);
	assert_string_equal(s, "a b c");
	free(s);
	/* the cap never cuts a character: 3 bytes each */
	s = flow_clean("惠丰社区", 7);
	assert_string_equal(s, "惠丰");
	free(s);
}

static void test_templates(void **state)
{
	const char *t = "a{answers.x}b{Bad}{}{case.no}";
	size_t pos = 0, start, len;

	(void)state;
	assert_true(flow_tpl_next(t, &pos, &start, &len));
	assert_int_equal(start, 1);
	assert_int_equal(len, 11);
	assert_true(flow_tpl_next(t, &pos, &start, &len));
	assert_int_equal(len, 9);
	assert_memory_equal(t + start, "{case.no}", 9);
	assert_false(flow_tpl_next(t, &pos, &start, &len));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_choice_numbers),
	    cmocka_unit_test(test_choice_words),
	    cmocka_unit_test(test_choice_ambiguous),
	    cmocka_unit_test(test_yesno),
	    cmocka_unit_test(test_yesno_note),
	    cmocka_unit_test(test_choices),
	    cmocka_unit_test(test_dates),
	    cmocka_unit_test(test_finders),
	    cmocka_unit_test(test_location_places),
	    cmocka_unit_test(test_numbers),
	    cmocka_unit_test(test_phone),
	    cmocka_unit_test(test_resident_id),
	    cmocka_unit_test(test_location),
	    cmocka_unit_test(test_location_vague),
	    cmocka_unit_test(test_skip_words),
	    cmocka_unit_test(test_bare_clean),
	    cmocka_unit_test(test_templates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
