/*
 * test_text.c — table-driven tests for src/text.c: strict UTF-8, width
 * folding, Chinese numerals, phone and resident ID parsing, masks, SMS
 * coding and splitting.
 *
 * Resident ID check characters were worked out by hand from the
 * GB 11643-1999 weights; 11010519491231002X is the standard's own example.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "text.h"
#include "wl.h"

/* ---- UTF-8 ---- */

struct decode_case {
	const char *bytes;
	size_t len;
	size_t want_n; /* 0: invalid */
	uint32_t want_cp;
};

static const struct decode_case decode_cases[] = {
    {"A", 1, 1, 0x41},
    {"\xc3\xa9", 2, 2, 0xe9},		  /* é */
    {"\xe4\xb8\xad", 3, 3, 0x4e2d},	  /* 中 */
    {"\xf0\x9f\x98\x80", 4, 4, 0x1f600},  /* emoji */
    {"\xf4\x8f\xbf\xbf", 4, 4, 0x10ffff}, /* last scalar */
    {"\xed\x9f\xbf", 3, 3, 0xd7ff},	  /* just below surrogates */
    {"\xee\x80\x80", 3, 3, 0xe000},	  /* just above */
    {"\xe4\xb8\xadX", 4, 3, 0x4e2d},	  /* stops after one */
    {"\xc0\xaf", 2, 0, 0},		  /* overlong '/' */
    {"\xc1\xbf", 2, 0, 0},		  /* overlong */
    {"\xe0\x80\xaf", 3, 0, 0},		  /* overlong 3-byte */
    {"\xf0\x80\x80\xaf", 4, 0, 0},	  /* overlong 4-byte */
    {"\xed\xa0\x80", 3, 0, 0},		  /* U+D800 */
    {"\xed\xbf\xbf", 3, 0, 0},		  /* U+DFFF */
    {"\xf4\x90\x80\x80", 4, 0, 0},	  /* U+110000 */
    {"\xf5\x80\x80\x80", 4, 0, 0},
    {"\xff", 1, 0, 0},
    {"\x80", 1, 0, 0},	       /* lone continuation */
    {"\xe4\xb8", 2, 0, 0},     /* truncated */
    {"\xe4\xb8\xad", 2, 0, 0}, /* truncated by len */
    {"\xc3\x28", 2, 0, 0},     /* bad continuation */
    {"", 0, 0, 0},
};

static void test_utf8_decode(void **state)
{
	for (size_t i = 0; i < WL_ARRAY_LEN(decode_cases); i++) {
		const struct decode_case *c = &decode_cases[i];
		uint32_t cp = 0xdeadbeef;
		size_t n = text_utf8_decode(c->bytes, c->len, &cp);

		assert_int_equal(n, c->want_n);
		if (n > 0)
			assert_int_equal(cp, c->want_cp);
	}
}

static void test_utf8_encode(void **state)
{
	static const uint32_t ok[] = {0x24,   0xa2,    0x20ac,	0x4e2d,
				      0xff10, 0x10348, 0x10ffff};
	static const uint32_t bad[] = {0xd800, 0xdbff, 0xdfff, 0x110000,
				       0xffffffffu};
	static const size_t ok_len[] = {1, 2, 3, 3, 3, 4, 4};
	char buf[4];

	for (size_t i = 0; i < WL_ARRAY_LEN(ok); i++) {
		uint32_t back = 0;
		size_t n = text_utf8_encode(ok[i], buf);

		assert_int_equal(n, ok_len[i]);
		assert_int_equal(text_utf8_decode(buf, n, &back), n);
		assert_int_equal(back, ok[i]);
	}
	for (size_t i = 0; i < WL_ARRAY_LEN(bad); i++)
		assert_int_equal(text_utf8_encode(bad[i], buf), 0);
}

struct walk_case {
	const char *s;
	size_t len;
	bool valid;
	size_t chars;
	size_t max_chars;
	size_t prefix;
};

static const struct walk_case walk_cases[] = {
    {"abc", 3, true, 3, 2, 2},
    {"\xe6\x9a\x96\xe5\x86\xac", 6, true, 2, 1, 3}, /* 暖冬 */
    {"\xe6\x9a\x96\xe5\x86\xac", 6, true, 2, 5, 6},
    {"a\xf0\x9f\x98\x80"
     "b",
     6, true, 3, 2, 5},
    {"a\xffz", 3, false, 3, 2, 2},
    {"\xe6\x9a", 2, false, 2, 1, 1}, /* truncated: 2 bytes */
    {"x\x00y", 3, true, 3, 3, 3},    /* embedded NUL */
    {"", 0, true, 0, 4, 0},
    {"abc", 3, true, 3, 0, 0},
};

static void test_utf8_walk(void **state)
{
	for (size_t i = 0; i < WL_ARRAY_LEN(walk_cases); i++) {
		const struct walk_case *c = &walk_cases[i];

		assert_int_equal(text_utf8_valid(c->s, c->len), c->valid);
		assert_int_equal(text_utf8_chars(c->s, c->len), c->chars);
		assert_int_equal(text_utf8_prefix(c->s, c->len, c->max_chars),
				 c->prefix);
	}
}

/* ---- normalisation ---- */

struct str_case {
	const char *in;
	const char *want;
};

static const struct str_case normalize_cases[] = {
    /* U+3000 is written as an escape to stay visible */
    {"  ＨＥＬＬＯ\xe3\x80\x80Ｗorld  ", "hello world"},
    {"a\t\n  b\r\nC", "a b c"},
    {"１２３", "123"},
    {"！～", "!~"},		      /* both ends of U+FF01..U+FF5E */
    {"\xe3\x80\x80\xe3\x80\x80", ""}, /* only U+3000 */
    {"\xff\xe5\x8f\x96\xe6\x9a\x96\xfe", "取暖"},
    {"a \xff b", "a b"},
    {"没有 暖气", "没有 暖气"},
    {"", ""},
    {"\xef\xbd\x9f", "\xef\xbd\x9f"}, /* U+FF5F is past the range */
};

static void test_normalize(void **state)
{
	char *n;

	for (size_t i = 0; i < WL_ARRAY_LEN(normalize_cases); i++) {
		n = text_normalize(normalize_cases[i].in);
		assert_non_null(n);
		assert_string_equal(n, normalize_cases[i].want);
		free(n);
	}
	n = text_normalize(NULL);
	assert_non_null(n);
	assert_string_equal(n, "");
	free(n);
}

static void test_contains(void **state)
{
	assert_true(text_contains("我家没有暖气", "暖气"));
	assert_true(text_contains("ＨＥＡＴ OFF", "heat off"));
	assert_true(text_contains("Help  me", "help me"));
	assert_false(text_contains("abc", "abd"));
	assert_false(text_contains("ab", "abc"));
}

/* ---- numbers ---- */

struct int_case {
	const char *in;
	bool ok;
	long long want;
};

static const struct int_case int_cases[] = {
    {"0", true, 0},
    {"72", true, 72},
    {" 1500 ", true, 1500},
    {"７２", true, 72},
    {"15岁", true, 15},
    {"1000000000000", true, 1000000000000LL},
    {"1000000000001", false, 0},
    {"99999999999999999999999", false, 0},
    {"十", true, 10},
    {"十五", true, 15},
    {"二十", true, 20},
    {"二十一", true, 21},
    {"七十二", true, 72},
    {"一百零五", true, 105},
    {"一百一十", true, 110},
    {"一百一", true, 110},
    {"两千", true, 2000},
    {"两千五", true, 2500},
    {"三万五千", true, 35000},
    {"三万五", true, 35000},
    {"两", true, 2},
    {"〇", true, 0},
    {"零", true, 0},
    {"壹佰", true, 100},
    {"叁仟肆佰伍拾陆", true, 3456},
    {"一万零五百", true, 10500},
    {"一亿五千万", true, 150000000},
    {"一亿五", true, 150000000},
    {"十五万", true, 150000},
    /* 一万亿 is exactly the limit; 十万亿 is past it */
    {"一万亿", true, 1000000000000LL},
    {"十万亿", false, 0},
    {"三人", true, 3},
    {"五口", true, 5},
    {"两块", true, 2},
    {"8人次", true, 8},
    {"八个", true, 8},
    {"1500元", true, 1500},
    {"3次", true, 3},
    {"七十x", false, 0},
    {"", false, 0},
    {"   ", false, 0},
    {"-5", false, 0},
    {"+5", false, 0},
    {"1 5", false, 0},
    {"12a", false, 0},
    {"岁", false, 0}, /* a unit alone */
    {"五六", false, 0},
    {"百", false, 0},
    {"万", false, 0},
    {"十十", false, 0},
    {"一十百", false, 0},
    {"一百零", false, 0},
    {"一万两万", false, 0},
    {"二零二四", false, 0}, /* read out digit by digit */
    {"3十", false, 0},
    {"\xff", false, 0},
};

static void test_parse_int(void **state)
{
	long long v;

	for (size_t i = 0; i < WL_ARRAY_LEN(int_cases); i++) {
		const struct int_case *c = &int_cases[i];

		v = -1;
		assert_int_equal(text_parse_int(c->in, &v), c->ok);
		if (c->ok)
			assert_int_equal(v, c->want);
		else
			assert_int_equal(v, -1); /* untouched */
	}
	assert_false(text_parse_int(NULL, &v));
}

/* ---- phone numbers ---- */

static const struct str_case phone_cases[] = {
    {"13812340000", "13812340000"},
    {"+86 138-1234-0000", "13812340000"},
    {"0086 13812340000", "13812340000"},
    {"8613812340000", "13812340000"},
    {"１３８１２３４００００", "13812340000"},
    {"138.1234.0000", "13812340000"},
    {" 199 0000 1111 ", "19900001111"},
    {"0359-1234567", "03591234567"},
    {"(0359) 1234567", "03591234567"},
    {"010-12345678", "01012345678"},
    {"021 87654321", "02187654321"},
    {"（010）12345678", "01012345678"},
    {"+86 10 12345678", "01012345678"},
    {"+86 359 1234567", "03591234567"},
    {"12812340000", NULL},  /* 12x is no mobile prefix */
    {"1381234000", NULL},   /* 10 digits */
    {"138123400001", NULL}, /* 12 digits */
    {"138a1234000", NULL},
    {"", NULL},
    {"+1 13812340000", NULL},
    {"+86", NULL},
    {"-13812340000", NULL},
    {"13812340000-", NULL},
    {"(0359 1234567", NULL},
    {"(035)9 1234567", NULL}, /* parens not round the code */
    {"0359-123456", NULL},    /* 6-digit number */
    {"0359-123456789", NULL}, /* 9-digit number */
    {"011-12345678", NULL},   /* no such area code */
    {"1234567", NULL},
    {"phone 13812340000", NULL},
};

static void test_parse_phone(void **state)
{
	char out[TEXT_PHONE_SIZE];

	for (size_t i = 0; i < WL_ARRAY_LEN(phone_cases); i++) {
		const struct str_case *c = &phone_cases[i];
		bool ok = text_parse_phone(c->in, out, sizeof(out));

		assert_int_equal(ok, c->want != NULL);
		if (c->want)
			assert_string_equal(out, c->want);
	}
	/* 11 digits do not fit in 11 bytes with the NUL. */
	assert_false(text_parse_phone("13812340000", out, 11));
	assert_true(text_parse_phone("13812340000", out, 12));
	assert_false(text_parse_phone(NULL, out, sizeof(out)));
}

/* ---- resident ID ---- */

static const struct str_case id_cases[] = {
    {"11010519491231002X", "11010519491231002X"},
    {"11010519491231002x", "11010519491231002X"},
    {"110105 19491231 002X", "11010519491231002X"},
    {"440304199001011233", "440304199001011233"},
    {"140100200002290017", "140100200002290017"}, /* 2000-02-29 */
    {"11010520240229002X", "11010520240229002X"}, /* 2024-02-29 */
    {"620102190001010010", "620102190001010010"}, /* 1900-01-01 */
    {"650102210012319997", "650102210012319997"}, /* 2100-12-31 */
    {"110105194912310021", NULL},		  /* check char flipped */
    {"440304199001011234", NULL},
    {"110105194902300020", NULL}, /* Feb 30, checksum right */
    {"110105189912310023", NULL}, /* 1899 */
    {"110105210101010020", NULL}, /* 2101 */
    {"110105190002290025", NULL}, /* 1900 was no leap year */
    {"110105194913010029", NULL}, /* month 13 */
    {"110105194912000021", NULL}, /* day 0 */
    {"11010519491231002", NULL},  /* 17 characters */
    {"11010519491231002X1", NULL},
    {"1101051949123100X2", NULL}, /* X not last */
    {"11010519491231002Y", NULL},
    {"", NULL},
};

static void test_parse_resident_id(void **state)
{
	char out[TEXT_ID_SIZE];

	for (size_t i = 0; i < WL_ARRAY_LEN(id_cases); i++) {
		const struct str_case *c = &id_cases[i];
		bool ok = text_parse_resident_id(c->in, out, sizeof(out));

		assert_int_equal(ok, c->want != NULL);
		if (c->want)
			assert_string_equal(out, c->want);
	}
	assert_false(text_parse_resident_id("11010519491231002X", out, 18));
}

/* ---- masks ---- */

static void check_masks(char *(*fn)(const char *), const struct str_case *cases,
			size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *m = fn(cases[i].in);

		assert_non_null(m);
		assert_string_equal(m, cases[i].want);
		free(m);
	}
}

static const struct str_case mask_phone_cases[] = {
    {"13812340000", "138****0000"},
    {"03591234567", "035****4567"},
    {"01012345678", "010****5678"},
    {"12345678", "123*5678"},
    {"12345", "1***5"},
    {"12", "1*"},
    {"1", "*"},
    {"", ""},
};

static const struct str_case mask_name_cases[] = {
    {"张三", "张*"},
    {"欧阳娜娜", "欧***"},
    {"李", "*"},
    {" 王小明 ", "王**"},
    {"Li Lei", "L*****"},
    {"\xff\xe4\xb8\x89", "**"}, /* an invalid byte is never shown */
    {"", ""},
};

static const struct str_case mask_id_cases[] = {
    {"11010519491231002X", "110105********002X"},
    {"440304199001011233", "440304********1233"},
    {"123456", "1****6"},
};

static void test_masks(void **state)
{
	check_masks(text_mask_phone, mask_phone_cases,
		    WL_ARRAY_LEN(mask_phone_cases));
	check_masks(text_mask_name, mask_name_cases,
		    WL_ARRAY_LEN(mask_name_cases));
	check_masks(text_mask_id, mask_id_cases, WL_ARRAY_LEN(mask_id_cases));
}

static const struct str_case mask_numbers_cases[] = {
    {"电话13812340000，案件1042，补助1500元",
     "电话138****0000，案件1042，补助1500元"},
    {"id 11010519491231002X ok", "id 110105********002X ok"},
    {"id 440304199001011233", "id 440304********1233"},
    {"+86 138-1234-0000", "+86 138-****-0000"},
    {"call 138 1234 0000 now", "call 138 **** 0000 now"},
    {"110105 19491231 002X", "110105 ******** 002X"},
    {"8613812340000", "86138****0000"},
    {"１３８１２３４００００", "１３８****００００"},
    {"a13812340000b13999998888", "a138****0000b139****8888"},
    {"23812340000", "23812340000"},   /* not a mobile */
    {"138123400001", "138123400001"}, /* 12 digits */
    {"1381234000", "1381234000"},     /* 10 digits */
    {"1042 1500", "1042 1500"},
    {"", ""},
};

static void test_mask_numbers(void **state)
{
	check_masks(text_mask_numbers, mask_numbers_cases,
		    WL_ARRAY_LEN(mask_numbers_cases));
}

/* ---- SMS ---- */

/* n copies of unit into a new string. */
static char *repeat(const char *unit, size_t n)
{
	size_t ul = strlen(unit);
	char *s = malloc(ul * n + 1);

	assert_non_null(s);
	for (size_t i = 0; i < n; i++)
		memcpy(s + i * ul, unit, ul);
	s[ul * n] = '\0';
	return s;
}

struct sms_case {
	const char *unit;
	size_t count;
	enum text_sms_coding coding;
	size_t segments;
};

#define HAN   "暖"
#define EMOJI "\xf0\x9f\x94\xa5" /* U+1F525, two UCS-2 units */
#define EURO  "€"

static const struct sms_case sms_cases[] = {
    {"a", 160, TEXT_SMS_GSM7, 1},
    {"a", 161, TEXT_SMS_GSM7, 2},
    {"a", 306, TEXT_SMS_GSM7, 2},
    {"a", 307, TEXT_SMS_GSM7, 3},
    {"{", 80, TEXT_SMS_GSM7, 1}, /* extension: 2 septets each */
    {"{", 81, TEXT_SMS_GSM7, 2},
    {EURO, 80, TEXT_SMS_GSM7, 1},
    {"@$_£éΔ", 1, TEXT_SMS_GSM7, 1},
    {"\n\r", 80, TEXT_SMS_GSM7, 1},
    {HAN, 70, TEXT_SMS_UCS2, 1},
    {HAN, 71, TEXT_SMS_UCS2, 2},
    {HAN, 134, TEXT_SMS_UCS2, 2},
    {HAN, 135, TEXT_SMS_UCS2, 3},
    {EMOJI, 35, TEXT_SMS_UCS2, 1},
    {EMOJI, 36, TEXT_SMS_UCS2, 2},
    {"`", 1, TEXT_SMS_UCS2, 1}, /* backtick is not in GSM 03.38 */
    {"\t", 1, TEXT_SMS_UCS2, 1},
    {"“", 1, TEXT_SMS_UCS2, 1}, /* curly quote */
    {"\xff", 1, TEXT_SMS_UCS2, 1},
    {"", 1, TEXT_SMS_GSM7, 0},
};

static void test_sms(void **state)
{
	for (size_t i = 0; i < WL_ARRAY_LEN(sms_cases); i++) {
		const struct sms_case *c = &sms_cases[i];
		char *s = repeat(c->unit, c->count);

		assert_int_equal(text_sms_coding(s), c->coding);
		assert_int_equal(text_sms_segments(s), c->segments);
		free(s);
	}
	/* 152 'a' then '{': the escape pair does not fit in part one. */
	{
		char *s = repeat("a", 152 + 1 + 153);

		s[152] = '{';
		assert_int_equal(text_sms_segments(s), 3);
		s[152] = 'a';
		assert_int_equal(text_sms_segments(s), 2);
		free(s);
	}
	assert_int_equal(text_unit_gsm7('a'), 1);
	assert_int_equal(text_unit_gsm7('~'), 2);
	assert_int_equal(text_unit_gsm7(0x20ac), 2);
}

/* ---- split ---- */

struct split_case {
	const char *in;
	size_t max;
	text_unit_fn unit;
	size_t nparts;
	const char *want[4];
};

static const struct split_case split_cases[] = {
    {"aaa\nbbb ccc", 8, text_unit_char, 2, {"aaa", "bbb ccc"}},
    {"hello world foo", 11, text_unit_char, 2, {"hello world", "foo"}},
    {"one two three", 9, text_unit_char, 2, {"one two", "three"}},
    {"abcdef", 4, text_unit_char, 2, {"abcd", "ef"}},
    {"abcd\nef", 4, text_unit_char, 2, {"abcd", "ef"}},
    {"abcd ef", 4, text_unit_char, 2, {"abcd", "ef"}},
    {"abc", 3, text_unit_char, 1, {"abc"}},
    {"\n", 3, text_unit_char, 1, {"\n"}},
    {"中文字", 4, text_unit_byte, 3, {"中", "文", "字"}},
    {"第一行\n第二行内容", 5, text_unit_ucs2, 2, {"第一行", "第二行内容"}},
    {EMOJI EMOJI, 3, text_unit_ucs2, 2, {EMOJI, EMOJI}},
    {HAN, 2, text_unit_byte, 1, {HAN}}, /* too wide: alone */
    {HAN " x", 2, text_unit_byte, 2, {HAN, "x"}},
    {"ab\n\ncd", 2, text_unit_char, 3, {"ab", "\nc", "d"}},
    {"", 5, text_unit_char, 0, {NULL}},
    {"abc", 0, text_unit_char, 0, {NULL}},
};

static void test_split(void **state)
{
	for (size_t i = 0; i < WL_ARRAY_LEN(split_cases); i++) {
		const struct split_case *c = &split_cases[i];
		static char *sentinel[1];
		char **parts = sentinel; /* must be reset to NULL */
		size_t n = text_split(c->in, c->max, c->unit, &parts);

		assert_int_equal(n, c->nparts);
		if (n == 0)
			assert_null(parts);
		for (size_t j = 0; j < n; j++)
			assert_string_equal(parts[j], c->want[j]);
		text_parts_free(parts, n);
	}
}

/* 200 Chinese characters in SMS parts of 67 UCS-2 units. */
static void test_split_sms_chinese(void **state)
{
	char *s = repeat(HAN, 200);
	char **parts = NULL;
	size_t n = text_split(s, 67, text_unit_ucs2, &parts);
	static const size_t want[] = {67, 67, 66};
	size_t off = 0;

	assert_int_equal(n, 3);
	for (size_t j = 0; j < n; j++) {
		size_t len = strlen(parts[j]);

		assert_int_equal(text_utf8_chars(parts[j], len), want[j]);
		assert_true(text_utf8_valid(parts[j], len));
		assert_memory_equal(parts[j], s + off, len);
		off += len;
	}
	assert_int_equal(off, strlen(s));
	text_parts_free(parts, n);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_utf8_decode),
	    cmocka_unit_test(test_utf8_encode),
	    cmocka_unit_test(test_utf8_walk),
	    cmocka_unit_test(test_normalize),
	    cmocka_unit_test(test_contains),
	    cmocka_unit_test(test_parse_int),
	    cmocka_unit_test(test_parse_phone),
	    cmocka_unit_test(test_parse_resident_id),
	    cmocka_unit_test(test_masks),
	    cmocka_unit_test(test_mask_numbers),
	    cmocka_unit_test(test_sms),
	    cmocka_unit_test(test_split),
	    cmocka_unit_test(test_split_sms_chinese),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
