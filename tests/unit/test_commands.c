/*
 * test_commands.c — parsing staff commands as staff type them, and the
 * case model's pure parts: the transition table and the help measures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "case.h"
#include "commands.h"
#include "wl.h"

static const struct {
	const char *text;
	const char *en; /* NULL: not a command */
	const char *no;
	const char *args;
	bool bad_no;
} parse_cases[] = {
    {"/claim 1042", "claim", "1042", "", false},
    {"认领 1042", "claim", "1042", "", false},
    {"认领1042", "claim", "1042", "", false},
    {"  认领　１０４２", "claim", "1042", "", false},
    {"接单 7", "claim", "7", "", false},
    {"/CLAIM 1042", "claim", "1042", "", false},
    {"／claim 1042", "claim", "1042", "", false},
    {"回复 1042 我们十分钟到，请开窗通风！", "reply", "1042",
     "我们十分钟到，请开窗通风！", false},
    {"回复　1042　明天上午到", "reply", "1042", "明天上午到", false},
    {"备注 1042   已电话联系，老人说“谢谢”", "note", "1042",
     "已电话联系，老人说“谢谢”", false},
    {"办结 1042 棉被 1人次 200元 已送到家", "resolve", "1042",
     "棉被 1人次 200元 已送到家", false},
    {"转派 1042 新华社区", "transfer", "1042", "新华社区", false},
    {"认领 abc", "claim", "", "abc", true},
    {"认领", "claim", "", "", false},
    {"我的", "mine", "", "", false},
    {"/open", "open", "", "", false},
    {"代录 139-0000-0005", "new", "", "139-0000-0005", false},
    /* Sentences that happen to start with a command word are not
     * commands. */
    {"回复一下我的问题", NULL, NULL, NULL, false},
    {"认领人是谁", NULL, NULL, NULL, false},
    {"你好", NULL, NULL, NULL, false},
    {"/claimx 1", NULL, NULL, NULL, false},
};

static void test_parse(void **state)
{
	for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]);
	     i++) {
		struct cmd_parsed p;
		bool hit = cmd_parse(parse_cases[i].text, &p);

		print_message("%s\n", parse_cases[i].text);
		if (!parse_cases[i].en) {
			assert_false(hit);
			continue;
		}
		assert_true(hit);
		assert_string_equal(p.def->en, parse_cases[i].en);
		assert_string_equal(p.no, parse_cases[i].no);
		assert_string_equal(p.args, parse_cases[i].args);
		assert_int_equal(p.bad_no, parse_cases[i].bad_no);
	}
}

static void test_transitions(void **state)
{
	assert_int_equal(case_transition(CASE_NEW, CASE_CLAIM), CASE_CLAIMED);
	assert_int_equal(case_transition(CASE_CLAIMED, CASE_RESOLVE),
			 CASE_RESOLVED);
	assert_int_equal(case_transition(CASE_RESOLVED, CASE_FEEDBACK),
			 CASE_CLOSED);
	assert_int_equal(case_transition(CASE_CLAIMED, CASE_TRANSFER),
			 CASE_NEW);
	assert_int_equal(case_transition(CASE_CLOSED, CASE_REOPEN),
			 CASE_CLAIMED);
	assert_int_equal(case_transition(CASE_CLAIMED, CASE_CANCEL),
			 CASE_CANCELLED);
	/* What the table does not allow. */
	assert_int_equal(case_transition(CASE_RESOLVED, CASE_CANCEL), -1);
	assert_int_equal(case_transition(CASE_CANCELLED, CASE_CLAIM), -1);
	assert_int_equal(case_transition(CASE_CLOSED, CASE_RESOLVE), -1);
	assert_int_equal(case_transition(CASE_NEW, CASE_FEEDBACK), -1);
	assert_int_equal(case_transition(CASE_NEW, CASE_REOPEN), -1);
	assert_int_equal(case_status_parse("claimed"), CASE_CLAIMED);
	assert_int_equal(case_status_parse("bogus"), -1);
}

static void test_help(void **state)
{
	struct case_help h;
	char err[256];

	assert_int_equal(
	    case_help_parse("棉被 1人次 200元 已送到家", &h, err, sizeof(err)),
	    WL_OK);
	assert_int_equal(h.n, 1);
	assert_string_equal(h.items[0].measure->name, "棉被");
	assert_int_equal(h.items[0].measure->kind, MEASURE_GOODS);
	assert_int_equal(h.items[0].person_times, 1);
	assert_int_equal(h.items[0].amount_fen, 20000);
	assert_string_equal(h.note, "已送到家");

	assert_int_equal(
	    case_help_parse("救助 两人次 1500.5元", &h, err, sizeof(err)),
	    WL_OK);
	assert_string_equal(h.items[0].measure->name, "临时救助");
	assert_int_equal(h.items[0].person_times, 2);
	assert_int_equal(h.items[0].amount_fen, 150050);

	/* Money measures say how much; 低保/特困 may say 0元. */
	assert_int_equal(case_help_parse("低保", &h, err, sizeof(err)),
			 WL_EBADREQ);
	assert_non_null(h.needs_amount);
	assert_string_equal(h.needs_amount->name, "纳入低保");
	assert_non_null(strstr(err, "多少钱"));
	assert_int_equal(case_help_parse("低保 0元", &h, err, sizeof(err)),
			 WL_OK);
	assert_string_equal(h.items[0].measure->name, "纳入低保");
	assert_int_equal(
	    case_help_parse("临时救助 1人次", &h, err, sizeof(err)),
	    WL_EBADREQ);
	assert_string_equal(h.needs_amount->name, "临时救助");
	assert_int_equal(
	    case_help_parse("临时救助 1人次 0元", &h, err, sizeof(err)),
	    WL_EBADREQ);

	/* Several measures in one line, written on or split by "；". */
	assert_int_equal(case_help_parse("临时救助 1人次 800元 电热毯 1人次 "
					 "煤 2人次 已送到家",
					 &h, err, sizeof(err)),
			 WL_OK);
	assert_int_equal(h.n, 3);
	assert_string_equal(h.items[0].measure->name, "临时救助");
	assert_int_equal(h.items[0].amount_fen, 80000);
	assert_string_equal(h.items[1].measure->name, "电热毯");
	assert_int_equal(h.items[1].person_times, 1);
	assert_int_equal(h.items[1].amount_fen, 0);
	assert_string_equal(h.items[2].measure->name, "取暖煤");
	assert_int_equal(h.items[2].person_times, 2);
	assert_string_equal(h.note, "已送到家");
	assert_int_equal(case_help_parse("棉被 1人次 已送；低保 0元 已审批", &h,
					 err, sizeof(err)),
			 WL_OK);
	assert_int_equal(h.n, 2);
	assert_string_equal(h.items[1].measure->name, "纳入低保");
	assert_string_equal(h.note, "已送；已审批");

	assert_int_equal(case_help_parse("金条 1人次", &h, err, sizeof(err)),
			 WL_EBADREQ);
	assert_non_null(strstr(err, "金条"));
	assert_int_equal(case_help_parse("", &h, err, sizeof(err)), WL_EBADREQ);
	assert_int_equal(case_help_parse("棉被 0人次", &h, err, sizeof(err)),
			 WL_EBADREQ);
}

/* The measures on a case: appended, summarised, and read back the same
 * way from a case that has only the one measure of older records. */
static void test_help_given(void **state)
{
	struct case_help h;
	char err[256], *text;
	json_t *c, *given, *fields;

	c = json_pack("{s:s, s:s, s:s, s:s, s:s}", "measure", "临时救助",
		      "measure_kind", "2", "person_times", "1", "amount_fen",
		      "80000", "resolved_at", "1000");
	given = case_help_given(c);
	assert_int_equal(json_array_size(given), 1);
	assert_int_equal(case_help_parse("电热毯 1人次", &h, err, sizeof(err)),
			 WL_OK);
	assert_int_equal(case_help_append(given, &h, 2000, "u-li"), WL_OK);
	text = case_help_text(given);
	assert_string_equal(text, "临时救助 1人次 800.00元；电热毯 1人次");
	free(text);
	fields = json_object();
	assert_int_equal(case_help_summary(given, fields), WL_OK);
	assert_string_equal(case_get(fields, "measure"), "临时救助、电热毯");
	assert_int_equal(
	    json_integer_value(json_object_get(fields, "person_times")), 2);
	json_decref(given);
	/* Read back from the stored field. */
	json_object_set(c, "help_given", json_object_get(fields, "help_given"));
	given = case_help_given(c);
	assert_int_equal(json_array_size(given), 2);
	assert_int_equal(
	    json_integer_value(json_object_get(json_array_get(given, 1), "at")),
	    2000);
	json_decref(given);
	json_decref(fields);
	json_decref(c);
}

/* What staff read of a case's source and a resident's words. */
static void test_words(void **state)
{
	json_t *c = json_pack("{s:s, s:s}", "trigger_text",
			      "楼道电线老化了 老冒火花", "hazard", "电线");
	char *w = case_words(c);

	assert_string_equal(w, "电线：楼道电线老化了 老冒火花");
	free(w);
	json_object_set_new(c, "detail", json_string("三楼楼道"));
	w = case_words(c);
	assert_string_equal(w,
			    "电线：三楼楼道（原话：楼道电线老化了 老冒火花）");
	free(w);
	json_decref(c);
	assert_string_equal(case_source_label("flow:help"), "居民求助");
	assert_string_equal(case_source_label("flow:other"), "居民求助");
	assert_string_equal(case_source_label("visit"), "走访排查");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse), cmocka_unit_test(test_transitions),
	    cmocka_unit_test(test_help),  cmocka_unit_test(test_help_given),
	    cmocka_unit_test(test_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
