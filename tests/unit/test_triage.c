/*
 * test_triage.c — the emergency concept matcher (src/triage.c) with the
 * real rules in flows/emergency.json: for every concept rule a message
 * that pages, the same negated and the same told as past; the context
 * markers, the three tiers, folding of typing errors, and the loader's
 * refusals of broken rule files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "flow_int.h"
#include "test_flow_common.h"
#include "triage.h"
#include "wl.h"

static struct flow_set *fs;

static int setup(void **state)
{
	struct wl_diag d;

	(void)state;
	fs = tf_load_real(&d);
	diag_release(&d);
	return fs && fs->triage ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	flow_set_free(fs);
	return 0;
}

/* "fire", "ask:co" or "-" for the way the rules read text. */
static void read_as(const char *text, char *out, size_t size)
{
	struct triage_result r;

	assert_int_equal(triage_match(fs->triage, text, &r), WL_OK);
	if (r.tier == TRIAGE_NONE)
		snprintf(out, size, "-");
	else
		snprintf(out, size, "%s%s", r.tier == TRIAGE_ASK ? "ask:" : "",
			 fs->em[r.kind].id);
}

static void expect(const char *text, const char *want)
{
	char got[64];

	read_as(text, got, sizeof(got));
	if (strcmp(got, want) != 0)
		fail_msg("%s: read as %s, want %s", text, got, want);
}

/* Each concept rule: positive, negated, past. */
static const struct {
	const char *rule, *yes, *negated, *past;
} rules[] = {
    {"co", "我爸烧煤炉子，现在头晕恶心", "我爸烧煤炉子，没有头晕",
     "去年我爸烧煤炉子头晕过"},
    {"co", "家里有人煤气中毒了", "家里没有煤气中毒",
     "上次煤气中毒的事处理好了"},
    {"co", "奶奶屋里生着蜂窝煤炉子，叫不醒", "烧着蜂窝煤炉子，奶奶没有叫不醒",
     "以前烧蜂窝煤炉子时叫不醒过"},
    {"co", "一氧化碳报警器一直在响", "一氧化碳报警器没响",
     "上周一氧化碳报警器响过"},
    {"fire", "楼下那家着了", "楼下没着火", "去年楼下着过火"},
    {"fire", "窗帘烧起来了", "窗帘没烧起来", "那次窗帘烧起来了"},
    {"fire", "楼道里全是烟", "楼道里没有全是烟", "前年楼道里全是烟"},
    {"fire", "电褥子冒烟了", "电褥子没冒烟", "上次电褥子冒烟了"},
    {"gas", "厨房天然气管子呲呲响", "天然气管子没有呲呲响",
     "上次天然气管子呲呲响"},
    {"gas", "屋里一股臭鸡蛋味", "屋里没有臭鸡蛋味", "去年屋里一股臭鸡蛋味"},
    {"gas", "煤气罐漏气了", "煤气罐没漏气", "上回煤气罐漏气了"},
    {"unconscious", "老头突然倒地上了", "老头没倒地上", "上次老头倒地上了"},
    {"unconscious", "我妈叫不醒了", "我妈不是叫不醒", "那次我妈叫不醒"},
    {"unconscious", "他抽搐口吐白沫", "他没抽搐", "前年他抽搐过一次"},
    {"medical", "我爸喘不上气", "我爸没有喘不上气", "去年我爸喘不上气住院"},
    {"freezing", "桥底下有人冻得不会动了", "那人没冻得不会动",
     "去年桥底下有人冻得不会动"},
    {"freezing", "老人身上冰凉没知觉", "老人没有没知觉",
     "以前老人身上冰凉没知觉"},
    {"no_heat", "停电了，我爸用制氧机", "没停电，我爸用制氧机",
     "上次停电时我爸用制氧机"},
    {"no_heat", "家里停暖了，奶奶卧床", "家里没停暖，奶奶卧床",
     "去年家里停暖了，奶奶卧床"},
};

static void test_rules(void **state)
{
	(void)state;
	for (size_t i = 0; i < WL_ARRAY_LEN(rules); i++) {
		char got[64];

		expect(rules[i].yes, rules[i].rule);
		read_as(rules[i].negated, got, sizeof(got));
		if (strcmp(got, rules[i].rule) == 0)
			fail_msg("negated %s still pages %s", rules[i].negated,
				 got);
		read_as(rules[i].past, got, sizeof(got));
		if (strcmp(got, rules[i].rule) == 0)
			fail_msg("past %s still pages %s", rules[i].past, got);
	}
}

/* A negation cancels the next concept only; a yes-no question counts. */
static void test_negation_scope(void **state)
{
	(void)state;
	expect("是不是煤气中毒了", "co");
	expect("有没有可能是一氧化碳中毒", "co");
	expect("会不会中煤气了，烧着炉子头晕", "co");
	expect("没有中毒风险", "-");
	expect("不会中煤气", "-");
	/* 没有 reaches 头晕, not the 叫不醒 after the comma */
	expect("烧着炉子，我没有头晕，我妈叫不醒", "co");
	/* a negation far before the concept does not reach it */
	expect("不知道怎么回事，我妈晕倒了", "unconscious");
	expect("没想到老人突然昏过去了", "unconscious");
	/* a negation reads through a perception word */
	expect("没闻到煤气味，就是想问问", "-");
	expect("闻到一股煤气味", "gas");
	/* a longer word owns its characters */
	expect("怎么喊都没动静，屋里烧着煤", "co");
}

/* Past, prevention, planned and chronic states do not page by themselves;
 * 现在 in the same clause undoes history. */
static void test_context(void **state)
{
	(void)state;
	expect("请问冬天烧煤炉子怎么防止一氧化碳中毒？", "-");
	expect("一氧化碳报警器能领吗", "-");
	expect("小区通知明天检修断电", "-");
	expect("家里一直没有暖气，老人冬天怎么过", "-");
	expect("物业通知后天停暖检修，家里有老人", "-");
	expect("上次煤气中毒的事已经处理好了，谢谢", "-");
	expect("去年冬天煤气中毒过，现在我妈又头晕，烧着炉子", "co");
	/* chronic states demote a cut-off, not someone who cannot be woken */
	expect("从早上一直叫不醒", "unconscious");
	/* a planned outage colours the whole message, a chronic state its
	 * clause */
	expect("供暖公司说这周六检修，停暖一天，家里有老人", "-");
	expect("暖气一直不热，今天停暖了，奶奶卧床", "no_heat");
	/* a supposition is not an event; 会不会是 asks about one */
	expect("煤炉子晚上封火会不会中毒", "-");
	expect("烧着炉子，我妈会不会是中毒了", "co");
	/* smoke from cooking is no fire */
	expect("做饭的时候一屋子烟", "-");
	expect("楼道里一屋子烟", "fire");
}

static void test_tiers(void **state)
{
	(void)state;
	expect("我妈头晕想吐", "ask:co");
	expect("炉子有点冒烟", "ask:co");
	expect("闻到烟味", "ask:fire");
	expect("敲门没人应", "ask:unconscious");
	expect("独居老人敲门没人应", "unconscious");
	expect("家里暖气不热", "-");
	expect("你好", "-");
}

/* Sound-alikes, typing errors, width and spacing. */
static void test_folding(void **state)
{
	char *f;

	(void)state;
	expect("媒气中毒了", "co");
	expect("一氧化炭中毒", "co");
	expect("着伙了", "fire");
	expect("老人晕到了", "unconscious");
	expect("有人 晕 倒 了！", "unconscious");
	expect("ＣＯ中毒", "co");
	f = triage_fold(fs->triage, "冒好大的烟 好像着了！！");
	assert_string_equal(f, "冒好大的烟|好像着了");
	free(f);
	f = triage_fold(fs->triage, "  ");
	assert_string_equal(f, "");
	free(f);
}

/* Bad input reads as nothing and never crashes. */
static void test_bad_input(void **state)
{
	char *big = malloc(10241);

	(void)state;
	assert_non_null(big);
	for (size_t i = 0; i + 3 <= 10239; i += 3)
		memcpy(big + i, "冷", 3);
	big[10239] = '\0';
	expect("", "-");
	expect("😊😊😊", "-");
	expect("？？？。。。!!!", "-");
	expect("\xff\xfe\x80", "-");
	expect(big, "-");
	free(big);
}

/* The loader refuses a broken rule file, FILE: WHERE: WHAT. */
static void test_broken_rules(void **state)
{
	static const struct {
		const char *json, *want;
	} cases[] = {
	    {"{\"markers\":{},\"concepts\":{\"a\":[\"火\"]},\"kinds\":[{\"id\":"
	     "\"f\",\"name\":{\"zh\":\"火\"},\"number\":\"119\",\"page\":[["
	     "\"b\"]],\"advice\":{\"zh\":\"拨打119\"}}]}",
	     "e/emergency.json: kinds[0].page[0][0]: unknown concept \"b\""},
	    {"{\"markers\":{\"negation\":[\"火\"]},\"concepts\":{\"a\":[\"火\"]"
	     "},\"kinds\":[{\"id\":\"f\",\"name\":{\"zh\":\"火\"},\"number\":"
	     "\"119\",\"page\":[[\"a\"]],\"advice\":{\"zh\":\"拨打119\"}}]}",
	     "e/emergency.json: concepts.a[0]: \"火\" is already a marker; a "
	     "word has one meaning"},
	    {"{\"markers\":{},\"concepts\":{\"a\":[\"火\"]},\"kinds\":[{\"id\":"
	     "\"f\",\"name\":{\"zh\":\"火\"},\"number\":\"119\",\"page\":[["
	     "\"a\"]],\"advice\":{\"zh\":\"快跑\"}}]}",
	     "e/emergency.json: kinds[0].advice.zh: does not give the number "
	     "119"},
	    {"{\"markers\":{},\"concepts\":{\"a\":[\"火\"]},\"kinds\":[{\"id\":"
	     "\"f\",\"name\":{\"zh\":\"火\"},\"number\":\"119\",\"page\":[["
	     "\"a\"]],\"ask\":[[\"a\"]],\"advice\":{\"zh\":\"拨打119\"}}]}",
	     "e/emergency.json: kinds[0].question: missing: a kind that asks "
	     "needs it"},
	    {"{\"markers\":{\"soon\":[\"马上\"]},\"concepts\":{\"a\":[\"火\"]},"
	     "\"kinds\":[{\"id\":\"f\",\"name\":{\"zh\":\"火\"},\"number\":"
	     "\"119\",\"page\":[[\"a\"]],\"advice\":{\"zh\":\"拨打119\"}}]}",
	     "e/emergency.json: markers.soon: unknown marker class"},
	    {"{\"fold\":{\"火\":\"火\"},\"markers\":{},\"concepts\":{\"a\":[\""
	     "火\"]},\"kinds\":[{\"id\":\"f\",\"name\":{\"zh\":\"火\"},\""
	     "number\":\"119\",\"page\":[[\"a\",\"!a\"]],\"advice\":{\"zh\":"
	     "\"拨打119\"}}]}",
	     "e/emergency.json: fold.火: must fold one phrase into another"},
	    {"{\"markers\":{},\"concepts\":{\"a\":[\"着 火了\", \"，\"]},"
	     "\"kinds\":[{\"id\":\"f\",\"name\":{\"zh\":\"火\"},\"number\":"
	     "\"119\",\"page\":[[\"a\"]],\"advice\":{\"zh\":\"拨打119\"}}]}",
	     "e/emergency.json: concepts.a[1]: \"，\" is empty or has "
	     "punctuation"},
	};

	(void)state;
	for (size_t i = 0; i < WL_ARRAY_LEN(cases); i++) {
		struct flow_src src = {"e/emergency.json", cases[i].json,
				       strlen(cases[i].json)};
		struct flow_set *bad = NULL;
		struct wl_diag d;
		bool found = false;

		diag_init(&d);
		assert_int_not_equal(flow_set_load_mem(&src, 1, NULL, &bad, &d),
				     WL_OK);
		assert_null(bad);
		for (size_t j = 0; j < d.n; j++)
			if (strncmp(d.lines[j], cases[i].want,
				    strlen(cases[i].want)) == 0)
				found = true;
		if (!found) {
			for (size_t j = 0; j < d.n; j++)
				fprintf(stderr, "  %s\n", d.lines[j]);
			fail_msg("case %zu: no line %s", i, cases[i].want);
		}
		diag_release(&d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rules),
	    cmocka_unit_test(test_negation_scope),
	    cmocka_unit_test(test_context),
	    cmocka_unit_test(test_tiers),
	    cmocka_unit_test(test_folding),
	    cmocka_unit_test(test_bad_input),
	    cmocka_unit_test(test_broken_rules),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
