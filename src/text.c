/*
 * text.c — what residents type, made comparable and safe to show: strict
 * UTF-8, full-width folding, Chinese numerals, phone and resident ID
 * numbers, masks for logs and group chats, and SMS segmentation.
 *
 * No global state and no I/O. Input is never trusted: every walk goes
 * through text_utf8_decode(), and the parsers give up on anything longer
 * than a real number could be instead of scanning megabytes.
 */
#include "text.h"

#include <stdlib.h>
#include <string.h>

#include "wl.h"

/* A phone number, an ID or an age in words fits in far less. */
#define TEXT_PARSE_MAX_BYTES 256
#define TEXT_PARSE_MAX_CPS   64
#define TEXT_NUM_LIMIT	     1000000000000LL /* 1e12 */
#define TEXT_REPLACEMENT     0xfffdu

/* ---- UTF-8 ---- */

size_t text_utf8_decode(const char *s, size_t len, uint32_t *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned char lo = 0x80, hi = 0xbf;
	uint32_t c;
	size_t n, i;

	if (!s || len == 0)
		return 0;
	if (p[0] < 0x80) {
		n = 1;
		c = p[0];
	} else if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		c = p[0] & 0x1fu;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		c = p[0] & 0x0fu;
		/* E0 would be overlong below A0; ED A0.. are surrogates. */
		if (p[0] == 0xe0)
			lo = 0xa0;
		else if (p[0] == 0xed)
			hi = 0x9f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		c = p[0] & 0x07u;
		/* F0 would be overlong below 90; F4 90.. is past U+10FFFF. */
		if (p[0] == 0xf0)
			lo = 0x90;
		else if (p[0] == 0xf4)
			hi = 0x8f;
	} else {
		/* C0, C1 are always overlong, F5.. past the range, 80..BF
		 * continuation bytes without a lead. */
		return 0;
	}
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if (p[i] < lo || p[i] > hi)
			return 0;
		lo = 0x80;
		hi = 0xbf;
		c = (c << 6) | (p[i] & 0x3fu);
	}
	if (cp)
		*cp = c;
	return n;
}

size_t text_utf8_encode(uint32_t cp, char *out)
{
	unsigned char *o = (unsigned char *)out;

	if (!out || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xc0 | (cp >> 6));
		o[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xe0 | (cp >> 12));
		o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (unsigned char)(0xf0 | (cp >> 18));
	o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * One step of a tolerant walk: an invalid byte is a character of its own
 * (U+FFFD, one byte) so that counting, prefixes and splits agree on what
 * "a character" is. Needs len > 0.
 */
static size_t utf8_step(const char *s, size_t len, uint32_t *cp, bool *ok)
{
	size_t k = text_utf8_decode(s, len, cp);

	*ok = k > 0;
	if (k > 0)
		return k;
	*cp = TEXT_REPLACEMENT;
	return 1;
}

bool text_utf8_valid(const char *s, size_t len)
{
	size_t i = 0;

	if (!s)
		return len == 0;
	while (i < len) {
		size_t k = text_utf8_decode(s + i, len - i, NULL);

		if (k == 0)
			return false;
		i += k;
	}
	return true;
}

size_t text_utf8_chars(const char *s, size_t len)
{
	size_t i = 0, n = 0;
	uint32_t cp;
	bool ok;

	if (!s)
		return 0;
	while (i < len) {
		i += utf8_step(s + i, len - i, &cp, &ok);
		n++;
	}
	return n;
}

size_t text_utf8_prefix(const char *s, size_t len, size_t max_chars)
{
	size_t i = 0, n = 0;
	uint32_t cp;
	bool ok;

	if (!s)
		return 0;
	while (i < len && n < max_chars) {
		i += utf8_step(s + i, len - i, &cp, &ok);
		n++;
	}
	return i;
}

/* ---- normalisation ---- */

static bool is_space_cp(uint32_t cp)
{
	return cp == ' ' || (cp >= '\t' && cp <= '\r') || cp == 0xa0 ||
	       cp == 0x3000;
}

/* Full-width ASCII (U+FF01..U+FF5E) sits at a fixed offset from ASCII. */
static uint32_t fold_width(uint32_t cp)
{
	if (cp >= 0xff01 && cp <= 0xff5e)
		return cp - 0xfee0;
	if (cp == 0x3000)
		return ' ';
	return cp;
}

char *text_normalize(const char *s)
{
	size_t len = s ? strlen(s) : 0, i = 0, o = 0;
	bool pending_space = false;
	char *out;

	/* Every character is written in at most as many bytes as it was
	 * read from, and a space only replaces bytes already consumed. */
	out = malloc(len + 1);
	if (!out)
		return NULL;
	while (i < len) {
		uint32_t cp;
		size_t k = text_utf8_decode(s + i, len - i, &cp);

		if (k == 0) {
			i++;
			continue;
		}
		i += k;
		cp = fold_width(cp);
		if (is_space_cp(cp)) {
			pending_space = o > 0;
			continue;
		}
		if (cp >= 'A' && cp <= 'Z')
			cp += 'a' - 'A';
		if (pending_space) {
			out[o++] = ' ';
			pending_space = false;
		}
		o += text_utf8_encode(cp, out + o);
	}
	out[o] = '\0';
	return out;
}

bool text_contains(const char *haystack, const char *needle)
{
	char *h = text_normalize(haystack);
	char *n = text_normalize(needle);
	bool found = h && n && strstr(h, n) != NULL;

	free(h);
	free(n);
	return found;
}

/*
 * The parsers work on a short array of code points with the white space
 * around it trimmed. False for invalid UTF-8 or anything too long to be
 * a number.
 */
static bool decode_trimmed(const char *s, uint32_t *cps, size_t cap, size_t *n)
{
	size_t len, i = 0;

	*n = 0;
	if (!s)
		return false;
	len = strnlen(s, TEXT_PARSE_MAX_BYTES + 1);
	if (len > TEXT_PARSE_MAX_BYTES)
		return false;
	while (i < len) {
		uint32_t cp;
		size_t k = text_utf8_decode(s + i, len - i, &cp);

		if (k == 0)
			return false;
		i += k;
		if (*n == 0 && is_space_cp(cp))
			continue;
		if (*n == cap)
			return false;
		cps[(*n)++] = cp;
	}
	while (*n > 0 && is_space_cp(cps[*n - 1]))
		(*n)--;
	return true;
}

/* 0..9 for an ASCII or full-width digit, else -1. */
static int arabic_digit(uint32_t cp)
{
	if (cp >= '0' && cp <= '9')
		return (int)(cp - '0');
	if (cp >= 0xff10 && cp <= 0xff19)
		return (int)(cp - 0xff10);
	return -1;
}

/* ---- numbers ---- */

struct cn_sym {
	uint32_t cp;
	long long val;
};

/* Digits, with the financial (大写) and traditional forms. */
static const struct cn_sym cn_digits[] = {
    {0x96f6, 0}, /* 零 */ {0x3007, 0}, /* 〇 */
    {0x4e00, 1}, /* 一 */ {0x58f9, 1}, /* 壹 */
    {0x4e8c, 2}, /* 二 */ {0x4e24, 2}, /* 两 */
    {0x5169, 2}, /* 兩 */ {0x8d30, 2}, /* 贰 */
    {0x8cb3, 2}, /* 貳 */ {0x4e09, 3}, /* 三 */
    {0x53c1, 3}, /* 叁 */ {0x53c3, 3}, /* 參 */
    {0x56db, 4}, /* 四 */ {0x8086, 4}, /* 肆 */
    {0x4e94, 5}, /* 五 */ {0x4f0d, 5}, /* 伍 */
    {0x516d, 6}, /* 六 */ {0x9646, 6}, /* 陆 */
    {0x9678, 6}, /* 陸 */ {0x4e03, 7}, /* 七 */
    {0x67d2, 7}, /* 柒 */ {0x516b, 8}, /* 八 */
    {0x634c, 8}, /* 捌 */ {0x4e5d, 9}, /* 九 */
    {0x7396, 9},		       /* 玖 */
};

static const struct cn_sym cn_mults[] = {
    {0x5341, 10},	 /* 十 */ {0x62fe, 10},	       /* 拾 */
    {0x767e, 100},	 /* 百 */ {0x4f70, 100},       /* 佰 */
    {0x5343, 1000},	 /* 千 */ {0x4edf, 1000},      /* 仟 */
    {0x4e07, 10000},	 /* 万 */ {0x842c, 10000},     /* 萬 */
    {0x4ebf, 100000000}, /* 亿 */ {0x5104, 100000000}, /* 億 */
};

/* Counting words a resident may put after the number: 岁 人 元 块 个 次
 * 口; 人次 is matched first as it ends in one of them. */
static const uint32_t cn_units[] = {
    0x5c81, 0x4eba, 0x5143, 0x5757, 0x4e2a, 0x6b21, 0x53e3,
};

static long long cn_lookup(const struct cn_sym *t, size_t n, uint32_t cp)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].cp == cp)
			return t[i].val;
	return -1;
}

static size_t strip_unit(const uint32_t *cps, size_t n)
{
	if (n >= 2 && cps[n - 2] == 0x4eba && cps[n - 1] == 0x6b21)
		return n - 2; /* 人次 */
	for (size_t i = 0; i < WL_ARRAY_LEN(cn_units); i++)
		if (n >= 1 && cps[n - 1] == cn_units[i])
			return n - 1;
	return n;
}

static bool parse_arabic(const uint32_t *cps, size_t n, long long *out)
{
	long long v = 0;

	for (size_t i = 0; i < n; i++) {
		int d = arabic_digit(cps[i]);

		if (d < 0)
			return false;
		v = v * 10 + d;
		if (v > TEXT_NUM_LIMIT)
			return false;
	}
	*out = v;
	return true;
}

enum cn_tok { CN_START, CN_DIGIT, CN_ZERO, CN_MULT };

/*
 * Chinese numerals. A group below 万 is built from digit+十/百/千 with the
 * places strictly falling; 万 and 亿 close a group. 零 marks a skipped
 * place. A bare 十 means 一十 (十五, 一百十). A digit straight after
 * 百/千/万/亿 with nothing after it is the next place down, as people say
 * it: 一百一 is 110, 两千五 2500, 三万五 35000. Two digits in a row
 * (五六, "five or six") are a range, not a number, and are refused.
 */
static bool parse_chinese(const uint32_t *cps, size_t n, long long *out)
{
	long long yi = 0, wan = 0, group = 0, pending = 0, tail = 1;
	long long place = 10000; /* lowest of 十百千 used in this group */
	long long last_mult = 0; /* the multiplier just read */
	bool wan_seen = false, yi_seen = false, nonzero = false;
	enum cn_tok prev = CN_START;

	for (size_t i = 0; i < n; i++) {
		long long d =
		    cn_lookup(cn_digits, WL_ARRAY_LEN(cn_digits), cps[i]);
		long long m =
		    cn_lookup(cn_mults, WL_ARRAY_LEN(cn_mults), cps[i]);

		if (d >= 0) {
			if (prev == CN_DIGIT)
				return false;
			if (d > 0) {
				pending = d;
				tail = prev == CN_MULT ? last_mult / 10 : 1;
				prev = CN_DIGIT;
				nonzero = true;
			} else {
				prev = CN_ZERO;
			}
			continue;
		}
		if (m < 0)
			return false;
		if (m < 10000) {
			if (prev != CN_DIGIT && m != 10)
				return false;
			if (m >= place)
				return false;
			group += (prev == CN_DIGIT ? pending : 1) * m;
			place = m;
			nonzero = true;
		} else {
			long long v = wan + group;

			if (prev == CN_DIGIT)
				v += pending * tail;
			if (m == 10000) {
				v -= wan;
				if (v == 0 || wan_seen)
					return false;
				wan = v * 10000;
				wan_seen = true;
			} else {
				if (v == 0 || yi_seen)
					return false;
				yi = v * 100000000;
				wan = 0;
				wan_seen = false;
				yi_seen = true;
			}
			group = 0;
			place = 10000;
		}
		pending = 0;
		last_mult = m;
		prev = CN_MULT;
	}
	/* 一百零 is unfinished; a lone 零 or 〇 is zero. */
	if (prev == CN_ZERO && nonzero)
		return false;
	if (prev == CN_DIGIT)
		group += pending * tail;
	if (yi + wan + group > TEXT_NUM_LIMIT)
		return false;
	*out = yi + wan + group;
	return true;
}

bool text_parse_int(const char *s, long long *out)
{
	uint32_t cps[TEXT_PARSE_MAX_CPS];
	size_t n;

	if (!out || !decode_trimmed(s, cps, WL_ARRAY_LEN(cps), &n))
		return false;
	n = strip_unit(cps, n);
	while (n > 0 && is_space_cp(cps[n - 1]))
		n--;
	if (n == 0)
		return false;
	if (arabic_digit(cps[0]) >= 0)
		return parse_arabic(cps, n, out);
	return parse_chinese(cps, n, out);
}

/* ---- phone numbers ---- */

static bool is_mobile(const char *d, size_t n)
{
	return n == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9';
}

/* Area code length from its first digits: 010 and 02x are three digits,
 * every other (0311, 0359, ...) four; 00 is an international prefix. */
static size_t area_code_len(const char *d, size_t n)
{
	if (n < 3 || d[0] != '0')
		return 0;
	if (d[1] == '1')
		return d[2] == '0' ? 3 : 0;
	if (d[1] == '2')
		return 3;
	if (d[1] >= '3' && d[1] <= '9')
		return 4;
	return 0;
}

static bool copy_digits(const char *d, size_t n, char *out, size_t size)
{
	if (n + 1 > size)
		return false;
	memcpy(out, d, n);
	out[n] = '\0';
	return true;
}

bool text_parse_phone(const char *s, char *out, size_t size)
{
	uint32_t cps[TEXT_PARSE_MAX_CPS];
	char dig[24], land[24];
	size_t n, nd = 0, open_at = SIZE_MAX, close_at = SIZE_MAX, area;
	bool plus = false, intl = false;
	const char *d;

	if (out && size > 0)
		out[0] = '\0';
	if (!out || !decode_trimmed(s, cps, WL_ARRAY_LEN(cps), &n) || n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint32_t cp = fold_width(cps[i]);
		int v = arabic_digit(cp);

		if (v >= 0) {
			if (nd == sizeof(dig))
				return false;
			dig[nd++] = (char)('0' + v);
		} else if (cp == '+') {
			if (i != 0)
				return false;
			plus = true;
		} else if (cp == '(') {
			if (nd != 0 || open_at != SIZE_MAX)
				return false;
			open_at = nd;
		} else if (cp == ')') {
			if (open_at == SIZE_MAX || close_at != SIZE_MAX)
				return false;
			close_at = nd;
		} else if (cp == '-' || cp == '.') {
			/* A separator goes between digits, not at an end. */
			if (i == 0 || i == n - 1)
				return false;
		} else if (!is_space_cp(cp)) {
			return false;
		}
	}
	if ((open_at == SIZE_MAX) != (close_at == SIZE_MAX))
		return false;

	d = dig;
	if (plus) {
		if (nd < 2 || d[0] != '8' || d[1] != '6')
			return false;
		d += 2;
		nd -= 2;
		intl = true;
	} else if (nd >= 4 && memcmp(d, "0086", 4) == 0) {
		d += 4;
		nd -= 4;
		intl = true;
	} else if (nd == 13 && d[0] == '8' && d[1] == '6' &&
		   is_mobile(d + 2, 11)) {
		d += 2;
		nd -= 2;
	}
	if (intl && open_at != SIZE_MAX)
		return false;
	if (is_mobile(d, nd))
		return open_at == SIZE_MAX && copy_digits(d, nd, out, size);

	/* From abroad the trunk 0 is dropped: +86 10 1234 5678. */
	if (intl && nd > 0 && d[0] != '0') {
		if (nd + 1 > sizeof(land))
			return false;
		land[0] = '0';
		memcpy(land + 1, d, nd);
		d = land;
		nd++;
	}
	area = area_code_len(d, nd);
	if (area == 0 || nd < area + 7 || nd > area + 8)
		return false;
	if (open_at != SIZE_MAX && (open_at != 0 || close_at != area))
		return false;
	return copy_digits(d, nd, out, size);
}

/* ---- resident ID ---- */

static bool is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* YYYYMMDD at d is a calendar date from 1900 to 2100. */
static bool valid_birth_date(const char *d)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30,
				      31, 31, 30, 31, 30, 31};
	int y = 0, m, day, max;

	for (int i = 0; i < 4; i++)
		y = y * 10 + (d[i] - '0');
	m = (d[4] - '0') * 10 + (d[5] - '0');
	day = (d[6] - '0') * 10 + (d[7] - '0');
	if (y < 1900 || y > 2100 || m < 1 || m > 12 || day < 1)
		return false;
	max = mdays[m - 1] + (m == 2 && is_leap(y) ? 1 : 0);
	return day <= max;
}

/* GB 11643-1999: ISO 7064 MOD 11-2 over the first 17 digits. */
static char id_check_char(const char *d)
{
	static const int w[17] = {7, 9, 10, 5,	8, 4, 2, 1, 6,
				  3, 7, 9,  10, 5, 8, 4, 2};
	static const char map[] = "10X98765432";
	int sum = 0;

	for (int i = 0; i < 17; i++)
		sum += (d[i] - '0') * w[i];
	return map[sum % 11];
}

bool text_parse_resident_id(const char *s, char *out, size_t size)
{
	uint32_t cps[TEXT_PARSE_MAX_CPS];
	char id[18];
	size_t n, nid = 0;

	if (out && size > 0)
		out[0] = '\0';
	if (!out || size < 19 || !decode_trimmed(s, cps, WL_ARRAY_LEN(cps), &n))
		return false;
	for (size_t i = 0; i < n; i++) {
		uint32_t cp = fold_width(cps[i]);
		int v = arabic_digit(cp);

		if (cp == ' ')
			continue;
		if (nid == sizeof(id))
			return false;
		if (v >= 0)
			id[nid++] = (char)('0' + v);
		else if ((cp == 'X' || cp == 'x') && nid == 17)
			id[nid++] = 'X';
		else
			return false;
	}
	if (nid != 18 || !valid_birth_date(id + 6) ||
	    id_check_char(id) != id[17])
		return false;
	memcpy(out, id, 18);
	out[18] = '\0';
	return true;
}

/* ---- masks ---- */

/* Copy of s without the white space around it (NULL only when out of
 * memory; a NULL s is an empty string). */
static char *trimmed_copy(const char *s, size_t *out_len)
{
	size_t len = s ? strlen(s) : 0, i = 0, a = 0, b = 0;
	bool started = false;
	char *c;

	while (i < len) {
		uint32_t cp;
		bool ok;
		size_t k = utf8_step(s + i, len - i, &cp, &ok);

		if (!ok || !is_space_cp(cp)) {
			if (!started)
				a = i;
			started = true;
			b = i + k;
		}
		i += k;
	}
	c = malloc(b - a + 1);
	if (!c)
		return NULL;
	if (b > a)
		memcpy(c, s + a, b - a);
	c[b - a] = '\0';
	*out_len = b - a;
	return c;
}

/*
 * Keep the first `head` and last `tail` characters, one '*' for each
 * other one. An invalid byte is never copied out, even where kept: a
 * mask must not leak garbage into a chat.
 */
static char *mask_keep(const char *s, size_t head, size_t tail)
{
	size_t len, n, i = 0, o = 0, idx = 0;
	char *t = trimmed_copy(s, &len);
	char *out;

	if (!t)
		return NULL;
	n = text_utf8_chars(t, len);
	out = malloc(len + 1);
	if (!out)
		goto out;
	while (i < len) {
		uint32_t cp;
		bool ok;
		size_t k = utf8_step(t + i, len - i, &cp, &ok);
		bool keep = idx < head || idx + tail >= n;

		if (keep && ok) {
			memcpy(out + o, t + i, k);
			o += k;
		} else {
			out[o++] = '*';
		}
		i += k;
		idx++;
	}
	out[o] = '\0';
out:
	free(t);
	return out;
}

static size_t trimmed_chars(const char *s, bool *oom)
{
	size_t len, n;
	char *t = trimmed_copy(s, &len);

	*oom = !t;
	if (!t)
		return 0;
	n = text_utf8_chars(t, len);
	free(t);
	return n;
}

/* Short strings: first and last character, or just the first of two. */
static char *mask_short(const char *s, size_t n)
{
	if (n <= 1)
		return mask_keep(s, 0, 0);
	if (n == 2)
		return mask_keep(s, 1, 0);
	return mask_keep(s, 1, 1);
}

char *text_mask_phone(const char *s)
{
	bool oom;
	size_t n = trimmed_chars(s, &oom);

	if (oom)
		return NULL;
	return n >= 8 ? mask_keep(s, 3, 4) : mask_short(s, n);
}

char *text_mask_name(const char *s)
{
	bool oom;
	size_t n = trimmed_chars(s, &oom);

	if (oom)
		return NULL;
	return n <= 1 ? mask_keep(s, 0, 0) : mask_keep(s, 1, 0);
}

char *text_mask_id(const char *s)
{
	bool oom;
	size_t n = trimmed_chars(s, &oom);

	if (oom)
		return NULL;
	/* With 10 or fewer characters 6 + 4 would show them all. */
	return n > 10 ? mask_keep(s, 6, 4) : mask_short(s, n);
}

/* ---- masking inside free text ---- */

/* An ASCII or full-width digit at s: its value in *v, its byte length. */
static size_t digit_at(const char *s, size_t len, int *v)
{
	const unsigned char *p = (const unsigned char *)s;

	if (len >= 1 && p[0] >= '0' && p[0] <= '9') {
		*v = p[0] - '0';
		return 1;
	}
	if (len >= 3 && p[0] == 0xef && p[1] == 0xbc && p[2] >= 0x90 &&
	    p[2] <= 0x99) {
		*v = p[2] - 0x90;
		return 3;
	}
	return 0;
}

/* The check character X of an ID, in either width or case. */
static bool x_at(const char *s, size_t len)
{
	if (len >= 1 && (s[0] == 'X' || s[0] == 'x'))
		return true;
	return len >= 3 && (memcmp(s, "\xef\xbc\xb8", 3) == 0 ||
			    memcmp(s, "\xef\xbd\x98", 3) == 0);
}

/* A maximal run of digits: its byte range, its length in digits and the
 * first few of them as ASCII. */
struct digit_run {
	size_t start, end, ndig;
	char dig[20];
};

static void scan_run(const char *s, size_t len, size_t i, struct digit_run *r)
{
	size_t k;
	int v;

	r->start = i;
	r->ndig = 0;
	while (i < len && (k = digit_at(s + i, len - i, &v)) > 0) {
		if (r->ndig < sizeof(r->dig))
			r->dig[r->ndig] = (char)('0' + v);
		r->ndig++;
		i += k;
	}
	r->end = i;
}

/* The run after one ' ' or '-' at i, if a digit follows it. */
static bool next_group(const char *s, size_t len, size_t i, struct digit_run *r)
{
	int v;

	if (i >= len || (s[i] != ' ' && s[i] != '-') ||
	    digit_at(s + i + 1, len - i - 1, &v) == 0)
		return false;
	scan_run(s, len, i + 1, r);
	return true;
}

/*
 * Decide whether the run r[0] starts a phone number or an ID. Returns how
 * many runs (separated by one space or dash) make it up, 0 for neither,
 * and the digits to hide as [*from, *to) counted over those runs.
 */
static size_t match_pii(const char *s, size_t len, struct digit_run *r,
			size_t *from, size_t *to)
{
	const char *d = r[0].dig;

	switch (r[0].ndig) {
	case 11:
		*from = 3;
		*to = 7;
		return is_mobile(d, 11);
	case 13: /* 86 and the mobile */
		*from = 5;
		*to = 9;
		return d[0] == '8' && d[1] == '6' && is_mobile(d + 2, 11);
	case 15: /* 0086 and the mobile */
		*from = 7;
		*to = 11;
		return memcmp(d, "0086", 4) == 0 && is_mobile(d + 4, 11);
	case 18:
		*from = 6;
		*to = 14;
		return 1;
	case 17:
		*from = 6;
		*to = 14;
		return x_at(s + r[0].end, len - r[0].end);
	case 3: /* 138 1234 0000 */
		*from = 3;
		*to = 7;
		if (d[0] != '1' || d[1] < '3' || d[1] > '9')
			return 0;
		if (next_group(s, len, r[0].end, &r[1]) && r[1].ndig == 4 &&
		    next_group(s, len, r[1].end, &r[2]) && r[2].ndig == 4)
			return 3;
		return 0;
	case 6: /* 110105 19491231 002X */
		*from = 6;
		*to = 14;
		if (next_group(s, len, r[0].end, &r[1]) && r[1].ndig == 8 &&
		    next_group(s, len, r[1].end, &r[2]) &&
		    (r[2].ndig == 4 ||
		     (r[2].ndig == 3 && x_at(s + r[2].end, len - r[2].end))))
			return 3;
		return 0;
	default: return 0;
	}
}

/*
 * Mobiles are matched on the exact digit count so that case numbers and
 * amounts stay readable. An 18-character ID is hidden on its shape alone,
 * without the checksum: a mistyped ID is still someone's ID.
 */
char *text_mask_numbers(const char *s)
{
	size_t len = s ? strlen(s) : 0, i = 0, o = 0;
	struct digit_run r[3];
	char *out = malloc(len + 1);
	int v;

	if (!out)
		return NULL;
	while (i < len) {
		size_t nr, from = 0, to = 0, idx = 0;

		if (digit_at(s + i, len - i, &v) == 0) {
			out[o++] = s[i++];
			continue;
		}
		scan_run(s, len, i, &r[0]);
		nr = match_pii(s, len, r, &from, &to);
		if (nr == 0) {
			memcpy(out + o, s + r[0].start, r[0].end - r[0].start);
			o += r[0].end - r[0].start;
			i = r[0].end;
			continue;
		}
		for (size_t j = 0; j < nr; j++) {
			size_t p = r[j].start;

			if (j > 0)
				out[o++] = s[r[j - 1].end];
			while (p < r[j].end) {
				size_t k = digit_at(s + p, len - p, &v);

				if (idx >= from && idx < to) {
					out[o++] = '*';
				} else {
					memcpy(out + o, s + p, k);
					o += k;
				}
				p += k;
				idx++;
			}
		}
		i = r[nr - 1].end;
	}
	out[o] = '\0';
	return out;
}

/* ---- SMS ---- */

/* GSM 03.38 default alphabet outside ASCII (3GPP TS 23.038 §6.2.1). */
static const uint16_t gsm_basic_extra[] = {
    0x00a1, 0x00a3, 0x00a4, 0x00a5, 0x00a7, 0x00bf, 0x00c4, 0x00c5,
    0x00c6, 0x00c7, 0x00c9, 0x00d1, 0x00d6, 0x00d8, 0x00dc, 0x00df,
    0x00e0, 0x00e4, 0x00e5, 0x00e6, 0x00e8, 0x00e9, 0x00ec, 0x00f1,
    0x00f2, 0x00f6, 0x00f8, 0x00f9, 0x00fc, 0x0393, 0x0394, 0x0398,
    0x039b, 0x039e, 0x03a0, 0x03a3, 0x03a6, 0x03a8, 0x03a9,
};

/* Septets for cp in GSM-7: 1 basic, 2 extension (escape + char), 0 when
 * it has no GSM-7 form. */
static size_t gsm_septets(uint32_t cp)
{
	if (cp == '\n' || cp == '\r')
		return 1;
	if (cp == '\f' || cp == 0x20ac)
		return 2;
	if (cp >= 0x20 && cp < 0x7f) {
		if (strchr("^{}\\[~]|", (int)cp))
			return 2;
		return cp == '`' ? 0 : 1;
	}
	for (size_t i = 0; i < WL_ARRAY_LEN(gsm_basic_extra); i++)
		if (gsm_basic_extra[i] == cp)
			return 1;
	return 0;
}

size_t text_unit_gsm7(uint32_t cp)
{
	return gsm_septets(cp) == 2 ? 2 : 1;
}

enum text_sms_coding text_sms_coding(const char *s)
{
	size_t len = s ? strlen(s) : 0, i = 0;

	while (i < len) {
		uint32_t cp;
		bool ok;

		i += utf8_step(s + i, len - i, &cp, &ok);
		if (!ok || gsm_septets(cp) == 0)
			return TEXT_SMS_UCS2;
	}
	return TEXT_SMS_GSM7;
}

/*
 * Parts are packed the way handsets do it: an escape pair or a surrogate
 * pair is never cut across two parts, so a part can end a unit short.
 */
size_t text_sms_segments(const char *s)
{
	bool gsm = text_sms_coding(s) == TEXT_SMS_GSM7;
	size_t single = gsm ? 160 : 70, multi = gsm ? 153 : 67;
	text_unit_fn unit = gsm ? text_unit_gsm7 : text_unit_ucs2;
	size_t len = s ? strlen(s) : 0, i, total = 0, parts = 1, cur = 0;
	uint32_t cp;
	bool ok;

	for (i = 0; i < len;) {
		i += utf8_step(s + i, len - i, &cp, &ok);
		total += unit(cp);
	}
	if (total == 0)
		return 0;
	if (total <= single)
		return 1;
	for (i = 0; i < len;) {
		size_t u;

		i += utf8_step(s + i, len - i, &cp, &ok);
		u = unit(cp);
		if (cur + u > multi) {
			parts++;
			cur = 0;
		}
		cur += u;
	}
	return parts;
}

/* ---- splitting ---- */

size_t text_unit_char(uint32_t cp)
{
	return 1;
}

size_t text_unit_byte(uint32_t cp)
{
	if (cp < 0x80)
		return 1;
	if (cp < 0x800)
		return 2;
	if (cp < 0x10000)
		return 3;
	return 4;
}

size_t text_unit_ucs2(uint32_t cp)
{
	return cp > 0xffff ? 2 : 1;
}

void text_parts_free(char **parts, size_t n)
{
	if (!parts)
		return;
	for (size_t i = 0; i < n; i++)
		free(parts[i]);
	free(parts);
}

static bool push_part(char ***arr, size_t *n, size_t *cap, const char *s,
		      size_t len)
{
	char *p;

	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 4;
		char **na = realloc(*arr, ncap * sizeof(*na));

		if (!na)
			return false;
		*arr = na;
		*cap = ncap;
	}
	p = malloc(len + 1);
	if (!p)
		return false;
	memcpy(p, s, len);
	p[len] = '\0';
	(*arr)[(*n)++] = p;
	return true;
}

/*
 * Where the part starting at pos ends (*end) and where the next one
 * starts (*next): the longest run of whole characters that fits, cut
 * back to the last newline, else the last space, inside it. The break
 * character itself need not fit, it is dropped.
 */
static void split_one(const char *s, size_t len, size_t pos, size_t max,
		      text_unit_fn unit, size_t *end, size_t *next)
{
	size_t i = pos, used = 0, nl = 0, sp = 0;
	uint32_t cp;
	bool ok;

	while (i < len) {
		size_t k = utf8_step(s + i, len - i, &cp, &ok);
		size_t u = unit(cp);

		if (i > pos && (s[i] == '\n' || s[i] == ' ')) {
			if (s[i] == '\n')
				nl = i;
			else
				sp = i;
		}
		if (used + u > max)
			break;
		used += u;
		i += k;
	}
	if (i >= len) {
		*end = *next = len;
		return;
	}
	if (nl > pos || sp > pos) {
		*end = nl > pos ? nl : sp;
		*next = *end + 1;
		return;
	}
	if (i == pos) {
		/* One character wider than max: it goes alone. */
		i += utf8_step(s + i, len - i, &cp, &ok);
	}
	/* A break right after a cut is dropped like any other, so no part
	 * starts with the newline that separated it from the last one. */
	*end = i;
	*next = i < len && (s[i] == '\n' || s[i] == ' ') ? i + 1 : i;
}

size_t text_split(const char *s, size_t max_units, text_unit_fn unit,
		  char ***parts)
{
	size_t len, pos = 0, n = 0, cap = 0;
	char **arr = NULL;

	if (!parts)
		return 0;
	*parts = NULL;
	if (!s || max_units == 0)
		return 0;
	if (!unit)
		unit = text_unit_char;
	len = strlen(s);
	while (pos < len) {
		size_t end, next;

		split_one(s, len, pos, max_units, unit, &end, &next);
		if (!push_part(&arr, &n, &cap, s + pos, end - pos)) {
			text_parts_free(arr, n);
			return 0;
		}
		pos = next;
	}
	*parts = arr;
	return n;
}
