/*
 * test_flow_load.c — the loader and validator: the campaign's flows load
 * with no error and no warning, and every broken flow in
 * tests/flows/bad/ is refused with exactly the expected
 * "FILE: WHERE: WHAT" line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "flow_int.h"
#include "test_flow_common.h"
#include "wl.h"

#define BAD_DIR WL_SOURCE_DIR "/tests/flows/bad/"

struct bad_case {
	const char *files[2]; /* loaded together; the second may be NULL */
	const char *line;     /* the one diag line expected */
	bool loads;	      /* a warning only: the set still loads */
};

static const struct bad_case bad_cases[] = {
    {{"unknown_key.json"},
     "unknown_key.json: nodes.q.colour: unknown key",
     false},
    {{"wrong_type.json", false},
     "wrong_type.json: nodes.q.max_tries: must be an integer",
     false},
    {{"missing_required.json", false},
     "missing_required.json: nodes.q.var: missing required key",
     false},
    {{"unknown_node.json", false},
     "unknown_node.json: nodes.q.next: unknown node \"nowhere\"",
     false},
    {{"unreachable.json", false},
     "unreachable.json: nodes.orphan: unreachable from start",
     false},
    {{"loop.json", false},
     "loop.json: nodes.a: loop with no ask to wait at: a -> b -> a "
     "(once in, it never ends)",
     false},
    {{"missing_zh.json", false},
     "missing_zh.json: nodes.q.text.zh: missing Chinese text (zh)",
     false},
    {{"unset_var.json", false},
     "unset_var.json: nodes.done.text.zh: variable {answers.name} is "
     "never set by an ask",
     false},
    {{"route_unset_var.json", false},
     "route_unset_var.json: nodes.r.var: variable \"colour\" is never set "
     "by an ask",
     false},
    {{"duplicate_choice.json", false},
     "duplicate_choice.json: nodes.q.options[1].key: duplicate key \"a\"",
     false},
    {{"dup_id_a.json", "dup_id_b.json"},
     "dup_id_b.json: id: duplicate flow id \"t\" (also in dup_id_a.json)",
     false},
    {{"two_defaults_a.json", "two_defaults_b.json"},
     "two_defaults_b.json: trigger: more than one default flow (also "
     "two_defaults_a.json)",
     false},
    {{"unknown_input.json", false},
     "unknown_input.json: nodes.q.input: unknown input \"calendar\" "
     "(choice, choices, yesno, integer, age, phone, resident_id, text, "
     "location, date)",
     false},
    {{"unknown_variable.json", false},
     "unknown_variable.json: nodes.done.text.zh: unknown variable "
     "{foo.bar}",
     false},
    {{"unknown_flow.json", false},
     "unknown_flow.json: nodes.go.do[0].start_flow: unknown flow "
     "\"nowhere\"",
     false},
    {{"staff_var.json", false},
     "staff_var.json: nodes.done.text.zh: {staff.area} is only known in "
     "staff_only flows",
     false},
    {{"choice_no_options.json", false},
     "choice_no_options.json: nodes.q.options: missing required key "
     "(input choice needs options)",
     false},
    {{"two_conditions.json", false},
     "two_conditions.json: nodes.r.cases[0].when: needs exactly one of "
     "equals, in, contains, gte, lte, exists",
     false},
    {{"action_no_next.json", false},
     "action_no_next.json: nodes.go.next: missing required key",
     false},
    {{"invalid_json.json", false},
     "invalid_json.json: line 3 column 24: invalid JSON: string or '}' "
     "expected near ','",
     false},
    {{"duplicate_node.json", false},
     "duplicate_node.json: line 7 column 7: invalid JSON: duplicate "
     "object key near '\"q\"'",
     false},
    {{"long_line.json", false},
     "long_line.json: nodes.q.text.zh: prompt is 88 characters and needs "
     "2 SMS segments; a resident's prompt must fit one (70 Chinese or 160 "
     "plain characters, a variable counts as 6)",
     false},
};

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[n] = '\0';
	*len = (size_t)n;
	fclose(f);
	return buf;
}

static void test_bad_flows(void **state)
{
	(void)state;
	assert_true(WL_ARRAY_LEN(bad_cases) >= 12);
	for (size_t i = 0; i < WL_ARRAY_LEN(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct flow_src src[2];
		char *texts[2] = {NULL, NULL};
		struct flow_set *fs = NULL;
		struct wl_diag d;
		size_t n = 0;
		int rc;

		for (; n < 2 && c->files[n]; n++) {
			char path[512];

			snprintf(path, sizeof(path), "%s%s", BAD_DIR,
				 c->files[n]);
			texts[n] = slurp(path, &src[n].len);
			if (!texts[n])
				fail_msg("cannot read %s", path);
			src[n].name = c->files[n];
			src[n].text = texts[n];
		}
		diag_init(&d);
		rc = flow_set_load_mem(src, n, &tf_cfg, &fs, &d);
		if (d.n != 1 || strcmp(d.lines[0], c->line) != 0) {
			for (size_t j = 0; j < d.n; j++)
				fprintf(stderr, "got: %s\n", d.lines[j]);
			fail_msg("%s: want exactly: %s", c->files[0], c->line);
		}
		if (c->loads) {
			assert_int_equal(rc, 0);
			assert_non_null(fs);
			assert_int_equal(diag_errors(&d), 0);
		} else {
			assert_int_not_equal(rc, 0);
			assert_null(fs);
			assert_int_equal(diag_errors(&d), 1);
		}
		flow_set_free(fs);
		diag_release(&d);
		free(texts[0]);
		free(texts[1]);
	}
}

static void test_bad_emergency_dir(void **state)
{
	struct flow_set *fs = NULL;
	struct wl_diag d;
	const char *want = "/tests/flows/bad/emergency/emergency.json: "
			   "continue.flow: unknown flow \"nowhere\"";
	bool found = false;

	(void)state;
	diag_init(&d);
	assert_int_not_equal(
	    flow_set_load(BAD_DIR "emergency", &tf_cfg, &fs, &d), 0);
	assert_null(fs);
	for (size_t i = 0; i < d.n; i++) {
		size_t l = strlen(d.lines[i]);

		if (l >= strlen(want) &&
		    strcmp(d.lines[i] + l - strlen(want), want) == 0)
			found = true;
	}
	assert_true(found);
	assert_int_equal(diag_errors(&d), 1);
	diag_release(&d);
}

static void test_real_flows_clean(void **state)
{
	struct wl_diag d;
	struct flow_set *fs = tf_load_real(&d);
	static const char *const ids[] = {
	    "help",   "visit",	  "rough_sleeper",
	    "hazard", "feedback", "emergency_followup",
	};

	(void)state;
	assert_non_null(fs);
	for (size_t i = 0; i < d.n; i++)
		fprintf(stderr, "%s\n", d.lines[i]);
	/* no warning either: every resident line fits one SMS */
	assert_int_equal(d.n, 0);
	assert_int_equal(flow_set_count(fs), WL_ARRAY_LEN(ids));
	for (size_t i = 0; i < WL_ARRAY_LEN(ids); i++)
		assert_true(flow_set_has(fs, ids[i]));
	assert_false(flow_set_has(fs, "nowhere"));
	/* the emergency list came with them */
	assert_true(fs->n_em >= 6);
	assert_true(fs->em_flow >= 0);
	flow_set_free(fs);
	diag_release(&d);
}

static void test_emergency_rules(void **state)
{
	static const char *const kinds[] = {
	    "fire",    "co",	   "gas",     "unconscious",
	    "medical", "freezing", "no_heat",
	};
	struct wl_diag d;
	struct flow_set *fs = tf_load_real(&d);

	(void)state;
	assert_non_null(fs);
	assert_non_null(fs->triage);
	assert_int_equal(fs->n_em, triage_kind_count(fs->triage));
	for (size_t i = 0; i < WL_ARRAY_LEN(kinds); i++) {
		bool found = false;

		for (size_t k = 0; k < fs->n_em; k++)
			if (strcmp(fs->em[k].id, kinds[i]) == 0) {
				found = true;
				/* the loader holds every advice to its number
				 */
				assert_non_null(strstr(fs->em[k].advice.zh,
						       fs->em[k].number));
			}
		if (!found)
			fail_msg("emergency kind %s missing", kinds[i]);
	}
	flow_set_free(fs);
	diag_release(&d);
}

static void test_load_string(void **state)
{
	const char *ok =
	    "{\"id\":\"t\",\"name\":{\"zh\":\"测\"},"
	    "\"trigger\":{\"keywords\":[\"测试\"]},\"start\":\"e\","
	    "\"nodes\":{\"e\":{\"type\":\"end\"}}}";
	struct flow_set *fs = NULL;
	struct wl_diag d;

	(void)state;
	diag_init(&d);
	assert_int_equal(
	    flow_set_load_string("t.json", ok, strlen(ok), NULL, &fs, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(flow_set_count(fs), 1);
	flow_set_free(fs);
	/* a top level that is not an object */
	assert_int_not_equal(
	    flow_set_load_string("x.json", "[1]", 3, NULL, &fs, &d), 0);
	assert_null(fs);
	assert_string_equal(d.lines[0], "x.json: (root): must be an object");
	diag_release(&d);
}

static void test_missing_dir(void **state)
{
	struct flow_set *fs = NULL;
	struct wl_diag d;

	(void)state;
	diag_init(&d);
	assert_int_not_equal(flow_set_load("/nonexistent-flows", NULL, &fs, &d),
			     0);
	assert_null(fs);
	assert_int_equal(d.n, 1);
	assert_non_null(strstr(d.lines[0], "/nonexistent-flows: (dir): "));
	diag_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bad_flows),
	    cmocka_unit_test(test_bad_emergency_dir),
	    cmocka_unit_test(test_real_flows_clean),
	    cmocka_unit_test(test_emergency_rules),
	    cmocka_unit_test(test_load_string),
	    cmocka_unit_test(test_missing_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
