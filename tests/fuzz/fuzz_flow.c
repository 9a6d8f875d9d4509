/*
 * fuzz_flow.c — fuzzes the flow engine two ways. An input starting with
 * '{' is a flow file for the loader (and, when it loads, a short talk
 * with it); any other input is a conversation with the real flows: one
 * message per line, where a line "~r" or "~e" fires the reminder or
 * expiry timer and "~s" switches to a staff sender. Every step must
 * succeed and keep the session's version moving forward.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "flow.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_MESSAGES 12

static char *area_alias[] = {(char[]){"惠丰"}};
static struct wl_area areas[] = {
    {.id = (char[]){"tdj"},
     .name = (char[]){"太行东街街道"},
     .level = LEVEL_STREET,
     .parent = -1},
    {.id = (char[]){"c-hd"},
     .name = (char[]){"惠丰社区"},
     .level = LEVEL_COMMUNITY,
     .aliases = area_alias,
     .n_aliases = 1,
     .parent = 0},
    {.id = (char[]){"g-hd-1"},
     .name = (char[]){"第一网格"},
     .level = LEVEL_GRID,
     .parent = 1},
    {.id = (char[]){"c-yg"},
     .name = (char[]){"阳光社区"},
     .level = LEVEL_COMMUNITY,
     .parent = 0},
    {.id = (char[]){"g-yg-1"},
     .name = (char[]){"第一网格"},
     .level = LEVEL_GRID,
     .parent = 3},
};
static struct wl_config cfg = {
    .areas = areas,
    .n_areas = sizeof(areas) / sizeof(areas[0]),
    .session_ttl_s = 1800,
};
static struct flow_set *real;

static void check(const struct flow_result *r, json_int_t before)
{
	char *dump;

	if (!json_is_array(r->effects))
		abort();
	if (r->session) {
		json_int_t v =
		    json_integer_value(json_object_get(r->session, "version"));

		if (v < before)
			abort();
		/* what the caller stores must serialise */
		dump = json_dumps(r->session, JSON_COMPACT);
		if (!dump)
			abort();
		free(dump);
	}
}

static void talk(const struct flow_set *fs, const char *text, size_t len)
{
	struct flow_input in = {.now_ms = 1700000000000LL,
				.from = "13812345678",
				.staff_id = "wang",
				.staff_area = "g-hd-1"};
	json_t *s = NULL;
	size_t pos = 0;
	char line[2048];

	for (int m = 0; m < MAX_MESSAGES && pos <= len; m++) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - (text + pos)) : len - pos;
		json_int_t v =
		    json_integer_value(json_object_get(s, "version"));
		struct flow_result r;
		int rc;

		if (l >= sizeof(line))
			l = sizeof(line) - 1;
		memcpy(line, text + pos, l);
		line[l] = '\0';
		pos += l + 1;
		in.now_ms += 1000;
		if (strcmp(line, "~s") == 0) {
			in.is_staff = !in.is_staff;
			continue;
		}
		if (s && (strcmp(line, "~r") == 0 || strcmp(line, "~e") == 0)) {
			const char *k =
			    line[1] == 'r' ? "remind_at_ms" : "expires_at_ms";

			in.now_ms = json_integer_value(json_object_get(s, k));
			rc = flow_timeout(fs, &cfg, s, in.now_ms, &r);
		} else {
			in.text = line;
			rc = flow_step(fs, &cfg, s, &in, &r);
		}
		if (rc != 0)
			abort();
		check(&r, v);
		json_decref(s);
		s = r.session;
		r.session = NULL;
		flow_result_release(&r);
	}
	json_decref(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;

	if (!real)
		real = fuzz_load_flows(&cfg);
	if (size > 0 && data[0] == '{') {
		struct flow_set *fs = NULL;
		struct wl_diag d;
		static const char conv[] = "你好\n1\n是\n2\n测试\n~r\n~e";

		diag_init(&d);
		if (flow_set_load_string("fuzz.json", text, size, &cfg, &fs,
					 &d) == 0) {
			talk(fs, conv, sizeof(conv) - 1);
			flow_set_free(fs);
		}
		diag_release(&d);
		return 0;
	}
	talk(real, text, size);
	if (size > 0 && data[0] == 'f') {
		/* a follow-up started by the case code, then the input */
		struct flow_input in = {.now_ms = 1700000000000LL};
		struct flow_result r;
		json_t *vars = json_pack("{s:s}", "case_no", "1042");

		if (flow_start(real, &cfg, "feedback", vars, &in, &r) != 0)
			abort();
		check(&r, 0);
		flow_result_release(&r);
		json_decref(vars);
	}
	return 0;
}
