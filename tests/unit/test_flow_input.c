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
