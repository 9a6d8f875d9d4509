/*
 * test_commands.c — parsing staff commands as staff type them, and the
 * case model's pure parts: the transition table and the help measures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
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
	assert_string_equal(h.measure->name, "棉被");
	assert_int_equal(h.measure->kind, MEASURE_GOODS);
	assert_int_equal(h.person_times, 1);
	assert_int_equal(h.amount_fen, 20000);
	assert_string_equal(h.note, "已送到家");

	assert_int_equal(
	    case_help_parse("救助 两人次 1500.5元", &h, err, sizeof(err)),
	    WL_OK);
	assert_string_equal(h.measure->name, "临时救助");
	assert_int_equal(h.person_times, 2);
	assert_int_equal(h.amount_fen, 150050);

	assert_int_equal(case_help_parse("低保", &h, err, sizeof(err)), WL_OK);
	assert_string_equal(h.measure->name, "纳入低保");
	assert_int_equal(h.person_times, 1);
	assert_int_equal(h.amount_fen, 0);

	assert_int_equal(case_help_parse("金条 1人次", &h, err, sizeof(err)),
			 WL_EBADREQ);
	assert_non_null(strstr(err, "金条"));
	assert_int_equal(case_help_parse("", &h, err, sizeof(err)), WL_EBADREQ);
	assert_int_equal(case_help_parse("棉被 0人次", &h, err, sizeof(err)),
			 WL_EBADREQ);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_transitions),
	    cmocka_unit_test(test_help),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
