/*
 * fuzz_text.c — drives every function of src/text.c with arbitrary bytes
 * and checks the promises text.h makes: no split characters, valid UTF-8
 * out of the normaliser, masks that never grow, parsers whose output
 * parses again to itself, split parts that rebuild the input.
 *
 * The first byte picks the split width and unit, the rest is the text.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_INPUT 8192

/* Offset reached by decoding whole characters from 0, stopping at the
 * first one that would pass `stop`: equals stop when stop is a boundary. */
static size_t boundary_walk(const char *s, size_t len, size_t stop)
{
	size_t i = 0;

	while (i < stop) {
		size_t k = text_utf8_decode(s + i, len - i, NULL);

		if (k == 0)
			k = 1;
		if (i + k > stop)
			break;
		i += k;
	}
	return i;
}

static void fuzz_utf8(const char *s, size_t len)
{
	size_t i = 0;
	bool all_ok = true;

	while (i < len) {
		uint32_t cp;
		char enc[4];
		size_t k = text_utf8_decode(s + i, len - i, &cp);

		if (k == 0) {
			all_ok = false;
			i++;
			continue;
		}
		/* A strict decoder round-trips byte for byte. */
		CHECK(text_utf8_encode(cp, enc) == k);
		CHECK(memcmp(enc, s + i, k) == 0);
		i += k;
	}
	CHECK(text_utf8_valid(s, len) == all_ok);
	CHECK(text_utf8_chars(s, len) <= len);
	for (size_t m = 0; m < 6; m++) {
		size_t p = text_utf8_prefix(s, len, m);

		CHECK(p <= len);
		CHECK(boundary_walk(s, len, p) == p);
		if (p < len)
			CHECK(text_utf8_chars(s, p) == m);
		else
			CHECK(text_utf8_chars(s, p) <= m);
	}
}

static void check_normalized(const char *n)
{
	size_t len = strlen(n);

	CHECK(text_utf8_valid(n, len));
	if (len > 0) {
		CHECK(n[0] != ' ' && n[len - 1] != ' ');
		CHECK(strstr(n, "  ") == NULL);
	}
	for (size_t i = 0; i < len; i++)
		CHECK(!(n[i] >= 'A' && n[i] <= 'Z'));
}

static void fuzz_normalize(const char *s, size_t len)
{
	char *n = text_normalize(s);
	char *nn;

	if (!n)
		return;
	check_normalized(n);
	CHECK(strlen(n) <= len);
	nn = text_normalize(n);
	if (nn) {
		CHECK(strcmp(n, nn) == 0); /* idempotent */
		free(nn);
	}
	CHECK(text_contains(s, s));
	free(n);
}

static void fuzz_parsers(const char *s)
{
	long long v = -1;
	char buf[TEXT_PHONE_SIZE], again[TEXT_PHONE_SIZE];
	char id[TEXT_ID_SIZE], id2[TEXT_ID_SIZE];

	if (text_parse_int(s, &v)) {
		char dec[32];
		long long w = -1;

		CHECK(v >= 0 && v <= 1000000000000LL);
		snprintf(dec, sizeof(dec), "%lld", v);
		CHECK(text_parse_int(dec, &w) && w == v);
	}
	if (text_parse_phone(s, buf, sizeof(buf))) {
		size_t n = strlen(buf);

		for (size_t i = 0; i < n; i++)
			CHECK(buf[i] >= '0' && buf[i] <= '9');
		CHECK((n == 11 && buf[0] == '1') ||
		      (n >= 10 && n <= 12 && buf[0] == '0'));
		CHECK(text_parse_phone(buf, again, sizeof(again)));
		CHECK(strcmp(buf, again) == 0);
	}
	if (text_parse_resident_id(s, id, sizeof(id))) {
		CHECK(strlen(id) == 18);
		CHECK(text_parse_resident_id(id, id2, sizeof(id2)));
		CHECK(strcmp(id, id2) == 0);
	}
}

/* An ASCII or full-width digit at s: its value and byte length. */
static size_t fuzz_digit(const char *s, size_t left, int *v)
{
	const unsigned char *p = (const unsigned char *)s;

	if (left >= 1 && p[0] >= '0' && p[0] <= '9') {
		*v = p[0] - '0';
		return 1;
	}
	if (left >= 3 && p[0] == 0xef && p[1] == 0xbc && p[2] >= 0x90 &&
	    p[2] <= 0x99) {
		*v = p[2] - 0x90;
		return 3;
	}
	return 0;
}

/* After masking no maximal run of exactly 11 digits (either width) may
 * still look like a mobile number. */
static void check_no_mobile(const char *m)
{
	size_t i = 0, len = strlen(m);

	while (i < len) {
		size_t j = i, k, n = 0;
		int v, first = -1, second = -1;

		while (j < len && (k = fuzz_digit(m + j, len - j, &v)) > 0) {
			if (n == 0)
				first = v;
			else if (n == 1)
				second = v;
			n++;
			j += k;
		}
		if (n == 11)
			CHECK(!(first == 1 && second >= 3));
		i = j > i ? j : i + 1;
	}
}

static void fuzz_masks(const char *s, size_t len)
{
	char *(*const fns[])(const char *) = {
	    text_mask_phone,
	    text_mask_name,
	    text_mask_id,
	    text_mask_numbers,
	};

	for (size_t f = 0; f < sizeof(fns) / sizeof(fns[0]); f++) {
		char *m = fns[f](s);
		size_t mlen;

		if (!m)
			continue;
		mlen = strlen(m);
		CHECK(mlen <= len);
		if (f < 3)
			CHECK(text_utf8_valid(m, mlen));
		else if (text_utf8_valid(s, len))
			CHECK(text_utf8_valid(m, mlen));
		if (f == 3) {
			char *again = text_mask_numbers(m);

			check_no_mobile(m);
			if (again) {
				CHECK(strcmp(again, m) == 0);
				free(again);
			}
		}
		free(m);
	}
}

static void fuzz_sms(const char *s, size_t len)
{
	size_t segs = text_sms_segments(s);
	enum text_sms_coding c = text_sms_coding(s);

	CHECK((len == 0) == (segs == 0));
	if (c == TEXT_SMS_GSM7)
		CHECK(text_utf8_valid(s, len));
	if (len > 0 && text_utf8_chars(s, len) <= 35)
		CHECK(segs == 1); /* even 35 emoji fit one UCS-2 part */
}

/* Each part is the next slice of s; between two parts at most one '\n'
 * or ' ' was dropped; together they use up all of s. */
static void fuzz_split(const char *s, size_t len, size_t max, text_unit_fn unit)
{
	char **parts = NULL;
	size_t n = text_split(s, max, unit, &parts), off = 0;

	if (len == 0 || max == 0) {
		CHECK(n == 0 && parts == NULL);
		return;
	}
	if (n == 0)
		return; /* out of memory */
	for (size_t j = 0; j < n; j++) {
		size_t pl = strlen(parts[j]), units = 0, i = 0, chars = 0;

		CHECK(pl > 0);
		/* A break character where one part ends is always the one
		 * dropped: a hard split never stops right before one. */
		if (j > 0 && off < len && (s[off] == '\n' || s[off] == ' '))
			off++;
		CHECK(off + pl <= len);
		CHECK(memcmp(s + off, parts[j], pl) == 0);
		/* Never inside a character: both ends are boundaries. */
		CHECK(boundary_walk(s, len, off) == off);
		CHECK(boundary_walk(s, len, off + pl) == off + pl);
		while (i < pl) {
			uint32_t cp = 0xfffd;
			size_t k = text_utf8_decode(parts[j] + i, pl - i, &cp);

			if (k == 0) {
				k = 1;
				cp = 0xfffd;
			}
			units += unit(cp);
			chars++;
			i += k;
		}
		CHECK(units <= max || chars == 1);
		off += pl;
	}
	if (off < len) {
		/* a final dropped break character */
		CHECK(s[off] == '\n' || s[off] == ' ');
		off++;
	}
	CHECK(off == len);
	text_parts_free(parts, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const text_unit_fn units[] = {
	    text_unit_char,
	    text_unit_byte,
	    text_unit_ucs2,
	    text_unit_gsm7,
	};
	size_t max, len;
	text_unit_fn unit;
	char *s;

	if (size == 0 || size > FUZZ_MAX_INPUT)
		return 0;
	max = data[0] >> 2;
	unit = units[data[0] & 3];
	s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';

	/* Length-taking functions see the embedded NULs too. */
	fuzz_utf8(s, size - 1);
	len = strlen(s);
	fuzz_normalize(s, len);
	fuzz_parsers(s);
	fuzz_masks(s, len);
	fuzz_sms(s, len);
	fuzz_split(s, len, max, unit);
	free(s);
	return 0;
}
