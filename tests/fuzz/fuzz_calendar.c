/*
 * fuzz_calendar.c — the "sla" configuration reader (durations, warnings,
 * the ladder and the working calendar) and the stored clock state, on
 * any bytes.
 *
 * Beyond not crashing or leaking it checks what the readers promise:
 * every problem is one "fuzz.json: WHERE: WHAT" line, the return code
 * agrees with the lines, and whatever was read is usable: deadlines never
 * come before their start and sla_elapsed() gives back the duration, a
 * case driven through the clocks plans sorted fires whose members parse
 * back and are current, and a state that loads dumps to the same state.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "calendar.h"
#include "config.h"
#include "sla.h"
#include "wl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX 65536

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

static void check_diag(const struct wl_diag *d, int rc)
{
	for (size_t i = 0; i < d->n; i++)
		if (strncmp(d->lines[i], "fuzz.json: ", 11) != 0 ||
		    strchr(d->lines[i], '\n') || strlen(d->lines[i]) > 2048)
			abort();
	if ((rc == WL_OK) != (diag_errors(d) == 0))
		abort();
}

static void check_calendar(const struct sla_calendar *cal, uint64_t seed)
{
	/* 2020..2040, any millisecond. */
	const int64_t base = 1577836800000LL, span = 662256000000LL;

	for (int i = 0; i < 10; i++) {
		int64_t start, d, dl;

		seed = mix(seed + (uint64_t)i);
		start = base + (int64_t)(seed % (uint64_t)span);
		d = (int64_t)((seed >> 16) % (SLA_MAX_S * 1000));
		if (i < 5)
			d %= 3 * SLA_DAY_MS; /* mostly short */
		dl = sla_deadline(cal, start, d);
		if (dl < start)
			abort();
		if (dl < SLA_TIME_MAX && sla_elapsed(cal, start, dl) != d)
			abort();
		if (sla_deadline(cal, start, d + 1) <= dl && dl < SLA_TIME_MAX)
			abort();
		if (sla_elapsed(cal, dl, start) != -sla_elapsed(cal, start, dl))
			abort();
	}
}

static void check_case(const struct sla_conf *conf, uint64_t seed)
{
	struct sla_fire fires[SLA_PLAN_MAX], back;
	struct sla_state st, loaded;
	struct sla_case info;
	int64_t now = 1767225600000LL; /* 2026-01-01 */

	memset(&info, 0, sizeof(info));
	info.urgent = seed & 1;
	if (seed & 2)
		info.due_ms[SLA_HANDLE] = now + (int64_t)(seed % 100000000);
	sla_state_init(&st);
	for (int step = 0; step < 10; step++) {
		char m[SLA_MEMBER_MAX];
		char *s = NULL;
		size_t n = 0, len = 0;
		int rc;

		seed = mix(seed + (uint64_t)step);
		now += (int64_t)(seed % (8 * 3600000ull));
		if (sla_apply_event(
			conf, &info, &st,
			(enum sla_event)((seed >> 40) % SLA_N_EVENTS), now,
			NULL) != WL_OK)
			abort();
		rc = sla_plan(conf, &st, "F-1", step, now, fires, SLA_PLAN_MAX,
			      &n);
		if (rc != WL_OK || n > SLA_PLAN_MAX)
			abort();
		for (size_t i = 0; i < n; i++) {
			if (i && fires[i].at_ms < fires[i - 1].at_ms)
				abort();
			if (sla_fire_member(&fires[i], m, sizeof(m)) != WL_OK ||
			    sla_fire_parse(m, strlen(m), &back) != WL_OK ||
			    strcmp(back.id, fires[i].id) != 0 ||
			    !sla_fire_is_current(&back, step, &st) ||
			    sla_fire_complete(conf, &st, &back) != WL_OK ||
			    back.at_ms != fires[i].at_ms ||
			    back.notify != fires[i].notify)
				abort();
		}
		if (sla_state_dump(&st, &s, &len) != WL_OK)
			abort();
		if (sla_state_load(s, len, &loaded) != WL_OK ||
		    memcmp(&st, &loaded, sizeof(st)) != 0)
			abort();
		free(s);
	}
}

static void check_state(const uint8_t *data, size_t size)
{
	struct sla_state st, again;
	char *s = NULL;
	size_t len = 0;

	if (sla_state_load((const char *)data, size, &st) != WL_OK)
		return;
	if (sla_state_dump(&st, &s, &len) != WL_OK)
		abort();
	if (sla_state_load(s, len, &again) != WL_OK ||
	    memcmp(&st, &again, sizeof(st)) != 0)
		abort();
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sla_conf conf;
	struct wl_diag d;
	json_error_t err;
	json_t *root, *sla;
	const char *tz = "Asia/Shanghai";
	uint64_t seed = 1469598103934665603ull;
	int rc;

	if (size > FUZZ_MAX)
		return 0;
	check_state(data, size);
	root = json_loadb((const char *)data, size,
			  JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &err);
	if (!root)
		return 0;
	/* A whole configuration, or just its "sla" section. */
	sla = root;
	if (json_is_object(root) && json_object_get(root, "sla")) {
		sla = json_object_get(root, "sla");
		if (json_is_string(json_object_get(root, "timezone")))
			tz = json_string_value(
			    json_object_get(root, "timezone"));
	}
	for (size_t i = 0; i < size; i++)
		seed = (seed ^ data[i]) * 1099511628211ull;

	diag_init(&d);
	rc = sla_conf_from_json(sla, tz, &conf, &d, "fuzz.json", "sla");
	check_diag(&d, rc);
	/* Usable even when refused. */
	for (int c = 0; c < SLA_N_CLOCKS; c++)
		if (conf.normal.budget_ms[c] < 60000 ||
		    conf.urgent.budget_ms[c] < 60000)
			abort();
	if (conf.has_calendar) {
		if (conf.cal.n_spans == 0 || conf.cal.weekdays == 0)
			abort();
		check_calendar(&conf.cal, seed);
	}
	check_case(&conf, seed);
	diag_release(&d);
	json_decref(root);
	return 0;
}
