/*
 * test_flow_common.h — what the flow tests share: a small configuration
 * built by hand (areas of the design's example street plus a second
 * community with a grid of the same name, so that a place can be
 * ambiguous), the fixed clock, and loading the real flows.
 */
#ifndef WL_TEST_FLOW_COMMON_H
#define WL_TEST_FLOW_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "flow.h"

#ifndef WL_SOURCE_DIR
#define WL_SOURCE_DIR "."
#endif

#define T0_MS 1700000000000LL /* the fixed "now" of every test */

static char *tf_alias_hd[] = {(char[]){"惠丰"}};
static char *tf_alias_yg[] = {(char[]){"阳光小区"}};
static char *tf_alias_hx[] = {(char[]){"和谐"}};

static struct wl_area tf_areas[] = {
    {.id = (char[]){"tdj"},
     .name = (char[]){"太行东街街道"},
     .level = LEVEL_STREET,
     .parent = -1},
    {.id = (char[]){"c-hd"},
     .name = (char[]){"惠丰社区"},
     .level = LEVEL_COMMUNITY,
     .aliases = tf_alias_hd,
     .n_aliases = 1,
     .parent = 0},
    {.id = (char[]){"g-hd-1"},
     .name = (char[]){"第一网格"},
     .level = LEVEL_GRID,
     .parent = 1},
    {.id = (char[]){"g-hd-2"},
     .name = (char[]){"第二网格"},
     .level = LEVEL_GRID,
     .parent = 1},
    {.id = (char[]){"c-yg"},
     .name = (char[]){"阳光社区"},
     .level = LEVEL_COMMUNITY,
     .aliases = tf_alias_yg,
     .n_aliases = 1,
     .parent = 0},
    {.id = (char[]){"g-yg-1"},
     .name = (char[]){"第一网格"},
     .level = LEVEL_GRID,
     .parent = 4},
    {.id = (char[]){"c-hx"},
     .name = (char[]){"和谐村"},
     .level = LEVEL_COMMUNITY,
     .aliases = tf_alias_hx,
     .n_aliases = 1,
     .parent = 0},
};

static struct wl_config tf_cfg = {
    .areas = tf_areas,
    .n_areas = sizeof(tf_areas) / sizeof(tf_areas[0]),
    .session_ttl_s = 1800,
};

/* The real flows of the campaign; fails the test on any error. */
__attribute__((unused)) static struct flow_set *tf_load_real(struct wl_diag *d)
{
	struct flow_set *fs = NULL;

	diag_init(d);
	if (flow_set_load(WL_SOURCE_DIR "/flows", &tf_cfg, &fs, d) != 0) {
		for (size_t i = 0; i < d->n; i++)
			fprintf(stderr, "%s\n", d->lines[i]);
		return NULL;
	}
	return fs;
}

/* The texts of every say effect, joined with '\n' (new string). */
__attribute__((unused)) static char *tf_says(const json_t *effects)
{
	size_t i, len = 0;
	json_t *e;
	char *out;

	json_array_foreach(
	    effects, i,
	    e) if (strcmp(json_string_value(json_object_get(e, "type")),
			  "say") == 0) len +=
	    strlen(json_string_value(json_object_get(e, "text"))) + 1;
	out = calloc(1, len + 1);
	if (!out)
		return NULL;
	len = 0;
	json_array_foreach(
	    effects, i,
	    e) if (strcmp(json_string_value(json_object_get(e, "type")),
			  "say") == 0)
	{
		const char *t = json_string_value(json_object_get(e, "text"));

		memcpy(out + len, t, strlen(t));
		len += strlen(t);
		out[len++] = '\n';
	}
	return out;
}

/* The first effect of the given type, or NULL. */
__attribute__((unused)) static json_t *tf_effect(const json_t *effects,
						 const char *type)
{
	size_t i;
	json_t *e;

	json_array_foreach(
	    effects, i,
	    e) if (strcmp(json_string_value(json_object_get(e, "type")),
			  type) == 0) return e;
	return NULL;
}

__attribute__((unused)) static size_t tf_count(const json_t *effects,
					       const char *type)
{
	size_t i, n = 0;
	json_t *e;

	json_array_foreach(
	    effects, i,
	    e) if (strcmp(json_string_value(json_object_get(e, "type")),
			  type) == 0) n++;
	return n;
}

#endif
