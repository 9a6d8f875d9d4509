/*
 * api_int.h — what api.c, api_case.c and console.c share: the v1 shape of
 * a case, times as ISO 8601 with the configured zone's offset, and the
 * error answer. Internal to the admin API and the console.
 *
 * Ownership: functions returning json_t * return a new reference the
 * caller json_decref()s (NULL on out of memory).
 */
#ifndef WL_API_INT_H
#define WL_API_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "config.h"
#include "http.h"
#include "store.h"

/* The configured zone's offset from UTC in seconds (UTC+8 when unknown). */
int32_t api_zone_offset(const struct wl_config *cfg);
/* "2026-11-22T10:00:00+08:00" into out (size >= 32); false for a time
 * out of range. */
bool api_iso(int64_t ms, int32_t off, char *out, size_t size);
/* The same as a JSON string, or null. */
json_t *api_iso_json(int64_t ms, int32_t off);
/* "2026-11-22" (a whole day in the zone: its first millisecond, or with
 * end=true its last) or "2026-11-22T10:00[:00][Z|±HH:MM]" (an instant; no
 * offset means the zone). False when it is neither. */
bool api_time_parse(const char *s, int32_t off, bool end, int64_t *out);

/* A page cursor "<created ms>-<case no>" (the last case of the page
 * before); false when s is not one. */
bool api_cursor_parse(const char *s, long long *ms, long long *no);

/* The error answer {"error": {"code", "message"}}: the message Chinese
 * first, then English in brackets. */
void api_error(struct http_ctx *h, int status, const char *code, const char *zh,
	       const char *en);
/* Serialize o as the 200-or-status answer; takes the reference. */
void api_json(struct http_ctx *h, int status, json_t *o);

/* Who reads a case: the phone number and the resident's address on the
 * channel are shown in full only to the admin token and, as in chat, to
 * the staff member holding the case; others see them masked. */
struct api_reader {
	const struct wl_staff *staff; /* NULL: the admin token or a scoped
					 token (no person) */
	bool full;		      /* show personal data in full */
};

/* A case hash (the Redis reply, field/value pairs) in the v1 shape:
 * times ISO 8601, "sla" an object per clock, names instead of codes,
 * "claimed_by" a staff id or null. now_ms for the clocks. */
json_t *api_case_v1(const struct wl_config *cfg, const redisReply *hash,
		    const struct api_reader *rd, int64_t now_ms);
/* The same from the hash as a JSON object of strings (borrowed, not
 * changed). */
json_t *api_case_v1_obj(const struct wl_config *cfg, json_t *raw,
			const struct api_reader *rd, int64_t now_ms);
/* One timeline entry (a stream entry's field/value pairs). */
json_t *api_event_v1(const struct wl_config *cfg, const redisReply *fields);
/* May rd see this case's personal data? */
bool api_reader_full(const struct wl_config *cfg, const struct wl_staff *st,
		     const json_t *raw_case);

#endif
