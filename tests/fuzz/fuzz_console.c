/*
 * fuzz_console.c — the admin API's and the console's parsers of outside
 * input: date and time arguments (api_time_parse), page cursors
 * (api_cursor_parse) and the session cookie (console_session_from).
 * Checks: a parsed time shown as ISO 8601 parses back to itself (to the
 * second); a cursor parses to non-negative numbers; a cookie made without
 * the key never signs anyone in.
 *
 * The first byte picks the parser, the rest is the input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "console.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_INPUT 4096

static char fz_token[] = "fuzz-admin-token-0123456789";
static char fz_id[] = "wang";
static char fz_name[] = "王芳";

static void fz_time(const char *s, uint8_t mode)
{
	int32_t off = (int32_t)(mode % 27) * 3600 - 12 * 3600;
	int64_t ms, again;
	char iso[40];

	if (!api_time_parse(s, off, mode & 1, &ms))
		return;
	if (!api_iso(ms, off, iso, sizeof(iso)))
		return;
	/* Shown to the second: back to the same second. */
	CHECK(api_time_parse(iso, off, false, &again));
	CHECK(again == ms - ((ms % 1000) + 1000) % 1000);
}

static void fz_cookie(const char *s)
{
	struct wl_staff staff;
	struct wl_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	memset(&staff, 0, sizeof(staff));
	staff.id = fz_id;
	staff.name = fz_name;
	cfg.admin_token = fz_token;
	cfg.staff = &staff;
	cfg.n_staff = 1;
	/* Without the key nobody can make a valid signature. */
	CHECK(console_session_from(&cfg, s, 1000) == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;
	long long a, b;

	if (size < 1 || size > FUZZ_MAX_INPUT)
		return 0;
	s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	switch (data[0] % 3) {
	case 0: fz_time(s, data[0] / 3); break;
	case 1:
		if (api_cursor_parse(s, &a, &b))
			CHECK(a >= 0 && b >= 0);
		break;
	default: fz_cookie(s); break;
	}
	free(s);
	return 0;
}
