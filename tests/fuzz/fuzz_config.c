/*
 * fuzz_config.c — the configuration loader on any bytes.
 *
 * Beyond not crashing or leaking, it checks what the loader promises:
 * every problem is one line that starts with the file name, a refused
 * config has at least one error, and an accepted one answers its own
 * lookups (each area by id, each staff member by chat, each channel).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_config(const struct wl_config *cfg)
{
	for (size_t i = 0; i < cfg->n_channels; i++)
		if (config_channel(cfg, cfg->channels[i].id) !=
		    &cfg->channels[i])
			abort();
	for (size_t i = 0; i < cfg->n_areas; i++) {
		const struct wl_area *a = &cfg->areas[i];

		if (config_area_index(cfg, a->id) != (int)i)
			abort();
		/* Parents come first and are one level up or more. */
		if (a->parent >= (int)i ||
		    (a->parent >= 0 && cfg->areas[a->parent].level >= a->level))
			abort();
		if (a->duty.channel && !config_channel(cfg, a->duty.channel))
			abort();
	}
	for (size_t i = 0; i < cfg->n_staff; i++) {
		const struct wl_staff *s = &cfg->staff[i];

		if (config_staff_by_chat(cfg, s->chat.channel, s->chat.to) != s)
			abort();
		if (s->area_idx < 0 || (size_t)s->area_idx >= cfg->n_areas)
			abort();
	}
	if (!cfg->listen_host || cfg->listen_port < 1 ||
	    cfg->listen_port > 65535 || !cfg->redis_url ||
	    (!cfg->redis_host && !cfg->redis_unix))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char name[] = "fuzz.json";
	struct wl_diag d;
	struct wl_config *cfg;

	diag_init(&d);
	cfg = config_load_string((const char *)data, size, name, &d);
	for (size_t i = 0; i < d.n; i++)
		if (strncmp(d.lines[i], "fuzz.json: ", 11) != 0 ||
		    strchr(d.lines[i], '\n') || strlen(d.lines[i]) > 2048)
			abort();
	if (cfg)
		check_config(cfg);
	else if (diag_errors(&d) == 0)
		abort();
	config_free(cfg);
	diag_release(&d);
	return 0;
}
