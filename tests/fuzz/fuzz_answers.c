/*
 * fuzz_answers.c — fuzzes the answer parsers added for the forms and for
 * slot filling, each on the raw input: dates (今天, 12月3日), several
 * ticks, yes/no with a note, and the finders that read a first message
 * (N岁, a phone, an address, a deadline, a place with its 楼号). None may
 * crash, read past the input or return a malformed value.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "flow_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct wl_place hd1_places[] = {
    {.name = (char[]){"惠丰小区"}, .n_ranges = 1, .from = {1}, .to = {6}},
    {.name = (char[]){"张家庄"}},
};
static struct wl_place hd2_places[] = {
    {.name = (char[]){"惠丰小区"},
     .n_ranges = 2,
     .from = {7, 20},
     .to = {12, 30}},
};
static struct wl_area areas[] = {
    {.id = (char[]){"tdj"},
     .name = (char[]){"太行东街街道"},
     .level = LEVEL_STREET,
     .parent = -1},
    {.id = (char[]){"c-hd"},
     .name = (char[]){"惠丰社区"},
     .level = LEVEL_COMMUNITY,
     .parent = 0},
    {.id = (char[]){"g-hd-1"},
     .name = (char[]){"第一网格"},
     .level = LEVEL_GRID,
     .places = hd1_places,
     .n_places = 2,
     .parent = 1},
    {.id = (char[]){"g-hd-2"},
     .name = (char[]){"第二网格"},
     .level = LEVEL_GRID,
     .places = hd2_places,
     .n_places = 1,
     .parent = 1},
};
static struct wl_config cfg = {
    .areas = areas,
    .n_areas = sizeof(areas) / sizeof(areas[0]),
};

static struct flow_option opts[] = {
    {.key = (char[]){"低保"}, .text = {(char[]){"低保"}, NULL}, .next = -1},
    {.key = (char[]){"特困"}, .text = {(char[]){"特困"}, NULL}, .next = -1},
    {.key = (char[]){"其他困难群众"},
     .text = {(char[]){"其他困难群众"}, NULL},
     .aliases = (char *[]){(char[]){"低保边缘户"}},
     .n_aliases = 1,
     .next = -1},
};
static struct flow_node node = {
    .kind = FN_ASK, .input = FI_CHOICES, .options = opts, .n_options = 3};

static void check_date(const char *s)
{
	size_t n = strlen(s);

	if (n != 10 || s[4] != '-' || s[7] != '-')
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), out[64], *a;
	bool marks[3], yes;
	const char *note;
	long long v;
	size_t idx, picks[FLOW_PICK_MAX], np;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (flow_parse_date(s, 1764720000000LL, 8 * 3600, out, sizeof(out)) ==
	    FP_OK)
		check_date(out);
	if (flow_find_deadline(s, 1764720000000LL, 8 * 3600, out, sizeof(out)))
		check_date(out);
	(void)flow_parse_choices(&node, s, marks);
	if (flow_parse_yesno_note(s, &yes, &note) == FP_OK && note &&
	    (note < s || note > s + size))
		abort();
	if (flow_find_age(s, &v) && (v < 0 || v > 120))
		abort();
	(void)flow_find_phone(s, out, sizeof(out));
	a = flow_find_address(s, 100);
	free(a);
	if (flow_parse_location(&cfg, s, &idx, picks, &np) == FP_OK &&
	    idx >= cfg.n_areas)
		abort();
	(void)flow_parse_location_at(&cfg, s, LEVEL_COMMUNITY, &idx, picks,
				     &np);
	free(s);
	return 0;
}
