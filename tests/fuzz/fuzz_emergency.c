/*
 * fuzz_emergency.c — fuzzes the emergency rule parser and the concept
 * matcher. An input starting with '{' is an emergency.json for the
 * loader; when it loads, a handful of fixed messages and the input
 * itself are read with it. Any other input is one message read by the
 * real rules in flows/emergency.json. Nothing may crash, leak or read
 * out of bounds, and a match must name a kind that exists.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow_int.h"
#include "fuzz.h"
#include "triage.h"
#include "wl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct flow_set *real;

static void read_one(const struct flow_set *fs, const char *text)
{
	struct triage_result r;
	char *f;

	if (triage_match(fs->triage, text, &r) != WL_OK)
		abort();
	if (r.tier != TRIAGE_NONE && (r.kind < 0 || (size_t)r.kind >= fs->n_em))
		abort();
	if (r.tier == TRIAGE_NONE && r.kind != -1)
		abort();
	if (memchr(r.words, '\0', sizeof(r.words)) == NULL)
		abort();
	f = triage_fold(fs->triage, text);
	if (!f)
		abort();
	free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const probes[] = {
	    "我爸烧煤炉子，现在头晕恶心，是不是煤气中毒了",
	    "没有着火",
	    "上次煤气中毒的事已经处理好了",
	    "有人 晕 倒 了！",
	    "",
	};
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (!real) {
		real = fuzz_load_flows(NULL);
		if (!real->triage)
			abort();
	}
	if (size > 0 && data[0] == '{') {
		struct flow_src src = {"emergency.json", (const char *)data,
				       size};
		struct flow_set *fs = NULL;
		struct wl_diag d;

		diag_init(&d);
		if (flow_set_load_mem(&src, 1, NULL, &fs, &d) == WL_OK) {
			if (fs->triage) {
				for (size_t i = 0;
				     i < sizeof(probes) / sizeof(probes[0]);
				     i++)
					read_one(fs, probes[i]);
				read_one(fs, text);
			}
			flow_set_free(fs);
		}
		diag_release(&d);
	} else {
		read_one(real, text);
	}
	free(text);
	return 0;
}
