/*
 * text.h — the text that people type: UTF-8, full-width forms, Chinese
 * numerals, phone and ID numbers, masking, and SMS segmentation.
 *
 * Everything here is pure (no I/O, no global state) and safe on any input:
 * invalid UTF-8 and embedded NULs are handled, never trusted.
 *
 * Ownership: functions that return char * return a new heap string the
 * caller frees with free(); functions that take (buf, size) never write
 * past size and always NUL-terminate when size > 0.
 */
#ifndef WL_TEXT_H
#define WL_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decode one code point at s (len bytes available). Returns the number of
 * bytes consumed (1..4) and sets *cp, or returns 0 on invalid/truncated
 * UTF-8 (overlongs, surrogates and > U+10FFFF are invalid). */
size_t text_utf8_decode(const char *s, size_t len, uint32_t *cp);

/* Encode cp into out (at least 4 bytes). Returns bytes written, 0 if cp
 * is not a valid scalar value. */
size_t text_utf8_encode(uint32_t cp, char *out);

bool text_utf8_valid(const char *s, size_t len);

/* Number of code points in valid UTF-8; invalid bytes count as one each. */
size_t text_utf8_chars(const char *s, size_t len);

/* Byte length of the longest prefix of s holding at most max_chars code
 * points and never ending inside a character. */
size_t text_utf8_prefix(const char *s, size_t len, size_t max_chars);

/* A normalised copy for matching: full-width ASCII (U+FF01..U+FF5E) to
 * ASCII, the ideographic space U+3000 to ' ', ASCII lower-cased, leading
 * and trailing white space trimmed and inner runs collapsed to one space.
 * Invalid UTF-8 bytes are dropped. Returns NULL only on allocation failure. */
char *text_normalize(const char *s);

/* True when needle occurs in haystack after both are normalised. */
bool text_contains(const char *haystack, const char *needle);

/* Parse a non-negative integer written as Arabic digits (half or full
 * width) or Chinese numerals: 七十二, 一百零五, 两, 十, 二十一, 壹佰, 〇.
 * The whole trimmed string must be the number (a trailing 岁/人/元/个/次
 * unit is allowed). Returns true and sets *out on success; false on
 * anything else or overflow past 1e12. */
bool text_parse_int(const char *s, long long *out);

/* Normalise a Chinese phone number. Accepts a mobile number
 * 1[3-9]XXXXXXXXX with optional +86 / 0086 / 86 prefix and any spaces,
 * dashes or dots; or a landline 0AA(A)-XXXXXXX(X) with area code.
 * Writes the bare digits (mobile: 11 digits; landline: area code + number)
 * to out and returns true; false if it is not a phone number. */
bool text_parse_phone(const char *s, char *out, size_t size);

/* A mainland resident ID: 17 digits + check digit (0-9 or X/x), checksum
 * per GB 11643-1999. Spaces are tolerated. Writes the 18 characters with
 * an upper-case X to out (size >= 19). */
bool text_parse_resident_id(const char *s, char *out, size_t size);

/* Masks for logs and group chats.
 * phone: 13812340000 -> 138****0000; shorter strings keep first and last
 * character only. name: 张三 -> 张*, 欧阳娜娜 -> 欧***; id: first 6 and
 * last 4 kept. Return new strings. */
char *text_mask_phone(const char *s);
char *text_mask_name(const char *s);
char *text_mask_id(const char *s);

/* Replace every run of digits that parses as a phone number (11-digit
 * mobile) or an 18-character resident ID inside free text with its mask.
 * Used for group chats and logs. */
char *text_mask_numbers(const char *s);

/* SMS encoding: GSM-7 when every character is in the GSM 03.38 basic set
 * (extension characters count double), else UCS-2. */
enum text_sms_coding { TEXT_SMS_GSM7, TEXT_SMS_UCS2 };
enum text_sms_coding text_sms_coding(const char *s);

/* Segments needed: GSM-7 160 single / 153 per part; UCS-2 70 / 67 (a
 * code point above U+FFFF counts as two UCS-2 units). */
size_t text_sms_segments(const char *s);

/* Split s into parts of at most max_units each, counting units with
 * unit(cp) (see text_unit_* below). Splits at the last '\n' that fits,
 * else at the last space, else between code points (never inside one).
 * Returns the number of parts and sets *parts to a malloc'd array of
 * malloc'd strings (free with text_parts_free). */
typedef size_t (*text_unit_fn)(uint32_t cp);
size_t text_unit_char(uint32_t cp); /* 1 per code point */
size_t text_unit_byte(uint32_t cp); /* UTF-8 bytes */
size_t text_unit_ucs2(uint32_t cp); /* 1, or 2 above U+FFFF */
/* GSM-7 septets: 2 for the extension table (^{}\[~]|€ and form feed),
 * else 1. Meaningful only for text text_sms_coding() calls GSM-7. */
size_t text_unit_gsm7(uint32_t cp);
size_t text_split(const char *s, size_t max_units, text_unit_fn unit,
		  char ***parts);
void text_parts_free(char **parts, size_t n);
/* Edge cases of text_split: an empty string, max_units 0 or an allocation
 * failure give 0 parts and *parts = NULL. A single code point wider than
 * max_units still makes a part of its own, so the split always ends.
 * The '\n' or ' ' a part ends at is dropped; parts are never empty.
 * Invalid UTF-8 bytes are kept and count as unit(U+FFFD) each.
 * Likewise text_sms_segments("") is 0: there is nothing to send. */

/* Buffer sizes for the parsers' out parameters, terminating NUL included:
 * the longest phone number is a 4-digit area code and 8 digits. */
#define TEXT_PHONE_SIZE 16
#define TEXT_ID_SIZE	19

#endif
