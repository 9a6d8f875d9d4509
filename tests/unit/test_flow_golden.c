/*
 * test_flow_golden.c — golden conversations: every JSON file in tests/flows/ is
 * a conversation with the real flows (a message, or a timer firing, per
 * step) and what must come back, run through flow_step()/flow_timeout()
 * on a fixed clock. docs/FLOWS.md describes the file format.
 *
 * The runner also plays the caller's part of the contract: it gives the
 * session's case a number after a case_open (as the commit would) and
 * fills "{case.no}" in that step's replies, fires only timers that were
 * announced for the current session version, and checks on every step
 * that the version moved by one and the input session was not touched.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_flow_common.h"

#define GOLDEN_DIR WL_SOURCE_DIR "/tests/flows"

static struct flow_set *fs;
static json_t *flows_seen; /* flow id -> true */

struct conv {
	const char *file;
	json_t *doc;
	json_t *session;
	json_t *last;  /* effects of the previous step */
	json_t *cases; /* case_open effects so far */
	json_t *scase; /* the session's case, merged */
	json_t *all;   /* every effect so far */
	int64_t now;
	long long next_no;
};

/* Every key of want is in got with an equal value; objects recursively,
 * other values (arrays too) exactly. */
static bool subset(const json_t *want, const json_t *got)
{
	const char *k;
	json_t *v;

	if (!json_is_object(want))
		return json_equal(want, got);
	if (!json_is_object(got))
		return false;
	json_object_foreach(
	    (json_t *)(uintptr_t)want, k,
	    v) if (!subset(v, json_object_get(got, k))) return false;
	return true;
}

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void note_flow(const json_t *session)
{
	const char *f = str(session, "flow");

	if (f)
		json_object_set_new(flows_seen, f, json_true());
}

/* What the commit does: number the session's case, fill {case.no}. */
static void commit(struct conv *c, json_t *effects, json_t *session)
{
	size_t i;
	json_t *e;
	char no[32];
	bool numbered = false;

	json_array_foreach(effects, i, e)
	{
		const char *type = str(e, "type");

		json_array_append(c->all, e);
		if (strcmp(type, "case_open") == 0) {
			json_array_append(c->cases, e);
			if (json_is_true(json_object_get(e, "session_case"))) {
				json_decref(c->scase);
				c->scase = json_deep_copy(e);
				snprintf(no, sizeof(no), "%lld", c->next_no++);
				numbered = true;
				if (session)
					json_object_set_new(session, "case_no",
							    json_string(no));
			}
			if (str(e, "flow"))
				json_object_set_new(flows_seen, str(e, "flow"),
						    json_true());
		} else if (strcmp(type, "case_update") == 0) {
			assert_non_null(c->scase);
			json_object_update(json_object_get(c->scase, "fields"),
					   json_object_get(e, "fields"));
			if (json_object_get(e, "urgency"))
				json_object_set(c->scase, "urgency",
						json_object_get(e, "urgency"));
			if (json_object_get(e, "area"))
				json_object_set(c->scase, "area",
						json_object_get(e, "area"));
		} else if (strcmp(type, "say") == 0 && numbered) {
			const char *t = str(e, "text");
			const char *at = strstr(t, "{case.no}");

			if (at) {
				char buf[2048];

				snprintf(buf, sizeof(buf), "%.*s%s%s",
					 (int)(at - t), t, no, at + 9);
				json_object_set_new(e, "text",
						    json_string(buf));
			}
		}
	}
}

static void check_step(struct conv *c, size_t n, const json_t *step,
		       const struct flow_result *r, json_int_t old_version)
{
	char *says = tf_says(r->effects);
	const json_t *v, *x;
	size_t i, from = 0;

	if ((v = json_object_get(step, "expect_say")))
		json_array_foreach((json_t *)(uintptr_t)v, i,
				   x) if (!strstr(says, json_string_value(x)))
		    fail_msg("%s step %zu: no \"%s\" in:\n%s", c->file, n,
			     json_string_value(x), says);
	if ((v = json_object_get(step, "expect_no_say")))
		json_array_foreach((json_t *)(uintptr_t)v, i,
				   x) if (strstr(says, json_string_value(x)))
		    fail_msg("%s step %zu: unwanted \"%s\" in:\n%s", c->file, n,
			     json_string_value(x), says);
	free(says);
	/* expected effects appear in this order among the effects */
	if ((v = json_object_get(step, "expect_effects")))
		json_array_foreach((json_t *)(uintptr_t)v, i, x)
		{
			size_t j;

			for (j = from; j < json_array_size(r->effects); j++)
				if (subset(x, json_array_get(r->effects, j)))
					break;
			if (j == json_array_size(r->effects)) {
				char *w = json_dumps(x, JSON_COMPACT);
				char *g = json_dumps(r->effects, JSON_COMPACT);

				fail_msg("%s step %zu: no effect %s in %s",
					 c->file, n, w, g);
			}
			from = j + 1;
		}
	if ((v = json_object_get(step, "expect_no_effects")))
		json_array_foreach(
		    (json_t *)(uintptr_t)v, i,
		    x) if (tf_effect(r->effects, json_string_value(x)))
		    fail_msg("%s step %zu: unwanted effect %s", c->file, n,
			     json_string_value(x));
	if ((v = json_object_get(step, "expect_handled")))
		if (json_is_true(v) != r->handled)
			fail_msg("%s step %zu: handled %d", c->file, n,
				 r->handled);
	if ((v = json_object_get(step, "expect_node"))) {
		if (json_is_null(v) && r->session)
			fail_msg("%s step %zu: the session goes on at %s",
				 c->file, n, str(r->session, "node"));
		if (json_is_string(v) &&
		    (!r->session ||
		     strcmp(str(r->session, "node"), json_string_value(v))))
			fail_msg("%s step %zu: at %s, want %s", c->file, n,
				 r->session ? str(r->session, "node")
					    : "(ended)",
				 json_string_value(v));
	}
	if ((v = json_object_get(step, "expect_flow")) && r->session &&
	    strcmp(str(r->session, "flow"), json_string_value(v)) != 0)
		fail_msg("%s step %zu: flow %s, want %s", c->file, n,
			 str(r->session, "flow"), json_string_value(v));
	/* the caller's side of the contract */
	if (r->session) {
		json_int_t ver =
		    json_integer_value(json_object_get(r->session, "version"));
		char *dump = json_dumps(r->session, JSON_COMPACT);
		size_t timers = 0;

		assert_true(ver == old_version + 1 || ver == old_version);
		json_array_foreach(r->effects, i,
				   x) if (strcmp(str(x, "type"), "timer") == 0)
		{
			assert_int_equal(
			    json_integer_value(json_object_get(x, "version")),
			    ver);
			timers++;
		}
		if (ver != old_version)
			assert_true(timers >= 1);
		/* compact: a session stays small */
		assert_true(strlen(dump) < 3000);
		free(dump);
	}
}

static void run_conv(struct conv *c)
{
	const json_t *who = json_object_get(c->doc, "who");
	const json_t *steps = json_object_get(c->doc, "steps");
	const json_t *start = json_object_get(c->doc, "start");
	const json_t *want;
	struct flow_input in = {
	    .is_staff = json_is_true(json_object_get(who, "staff")),
	    .staff_id = str(who, "staff_id"),
	    .staff_area = str(who, "staff_area"),
	    .lang = str(who, "lang"),
	    .contact_name = str(who, "contact_name"),
	    .contact_area = str(who, "contact_area"),
	    .channel = "demo",
	    .from = str(who, "from"),
	};
	size_t n;
	const json_t *step;

	if (start) {
		struct flow_result r;

		in.now_ms = c->now;
		assert_int_equal(flow_start(fs, &tf_cfg, str(start, "flow"),
					    json_object_get(start, "vars"), &in,
					    &r),
				 0);
		commit(c, r.effects, r.session);
		check_step(c, 0, start, &r, 0);
		note_flow(r.session);
		c->session = r.session;
		c->last = r.effects;
	}
	json_array_foreach((json_t *)(uintptr_t)steps, n, step)
	{
		struct flow_result r;
		const char *timer = str(step, "timer");
		json_int_t ver =
		    json_integer_value(json_object_get(c->session, "version"));
		char *before =
		    c->session
			? json_dumps(c->session, JSON_COMPACT | JSON_SORT_KEYS)
			: NULL;
		int rc;

		c->now +=
		    json_integer_value(json_object_get(step, "advance_s")) *
		    1000;
		if (timer) {
			/* fire only a timer announced for this version */
			json_t *t = NULL, *x;
			size_t i;

			json_array_foreach(
			    c->last, i,
			    x) if (strcmp(str(x, "type"), "timer") == 0 &&
				   strcmp(str(x, "kind"), timer) == 0) t = x;
			if (!t || !c->session)
				fail_msg("%s step %zu: no %s timer pending",
					 c->file, n + 1, timer);
			assert_int_equal(
			    json_integer_value(json_object_get(t, "version")),
			    ver);
			c->now =
			    json_integer_value(json_object_get(t, "at_ms"));
			rc = flow_timeout(fs, &tf_cfg, c->session, c->now, &r);
		} else {
			in.text = str(step, "in");
			in.now_ms = c->now;
			rc = flow_step(fs, &tf_cfg, c->session, &in, &r);
		}
		assert_int_equal(rc, 0);
		if (before) {
			char *after = json_dumps(c->session,
						 JSON_COMPACT | JSON_SORT_KEYS);

			/* the stored session is never modified */
			assert_string_equal(before, after);
			free(after);
			free(before);
		}
		commit(c, r.effects, r.session);
		check_step(c, n + 1, step, &r, ver);
		note_flow(r.session);
		json_decref(c->session);
		json_decref(c->last);
		c->session = r.session;
		c->last = r.effects;
	}
	if ((want = json_object_get(c->doc, "expect_cases")))
		if (json_array_size(c->cases) !=
		    (size_t)json_integer_value(want))
			fail_msg("%s: %zu cases opened, want %lld", c->file,
				 json_array_size(c->cases),
				 (long long)json_integer_value(want));
	if ((want = json_object_get(c->doc, "expect_case"))) {
		if (!c->scase || !subset(want, c->scase)) {
			char *w = json_dumps(want, JSON_COMPACT);
			char *g = c->scase ? json_dumps(c->scase, JSON_COMPACT)
					   : NULL;

			fail_msg("%s: case %s, want %s", c->file,
				 g ? g : "(none)", w);
		}
	}
	if ((want = json_object_get(c->doc, "expect_anywhere"))) {
		size_t i, j;
		json_t *x;

		json_array_foreach((json_t *)(uintptr_t)want, i, x)
		{
			for (j = 0; j < json_array_size(c->all); j++)
				if (subset(x, json_array_get(c->all, j)))
					break;
			if (j == json_array_size(c->all)) {
				char *w = json_dumps(x, JSON_COMPACT);

				fail_msg("%s: no effect %s in the conversation",
					 c->file, w);
			}
		}
	}
	if (json_is_true(json_object_get(c->doc, "expect_end")) && c->session)
		fail_msg("%s: the session goes on at %s", c->file,
			 str(c->session, "node"));
}

static void test_conversation(void **state)
{
	const char *file = *state;
	char path[512];
	json_error_t err;
	struct conv c = {.file = file, .now = T0_MS, .next_no = 1001};

	snprintf(path, sizeof(path), "%s/%s", GOLDEN_DIR, file);
	c.doc = json_load_file(path, 0, &err);
	if (!c.doc)
		fail_msg("%s: line %d: %s", file, err.line, err.text);
	c.cases = json_array();
	c.all = json_array();
	run_conv(&c);
	json_decref(c.session);
	json_decref(c.last);
	json_decref(c.cases);
	json_decref(c.all);
	json_decref(c.scase);
	json_decref(c.doc);
}

/* Runs last: every flow of the campaign took part in a conversation. */
static void test_every_flow_covered(void **state)
{
	static const char *const ids[] = {
	    "help",   "visit",	  "rough_sleeper",
	    "hazard", "feedback", "emergency_followup",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		if (!json_object_get(flows_seen, ids[i]))
			fail_msg("no golden conversation runs flow %s", ids[i]);
	assert_int_equal(json_object_size(flows_seen), flow_set_count(fs));
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
	struct CMUnitTest *tests;
	char *names[256];
	size_t n = 0;
	struct wl_diag d;
	struct dirent *e;
	DIR *dir;
	int rc;

	fs = tf_load_real(&d);
	diag_release(&d);
	if (!fs)
		return 1;
	flows_seen = json_object();
	dir = opendir(GOLDEN_DIR);
	if (!dir)
		return 1;
	while ((e = readdir(dir)) != NULL && n < 255) {
		size_t l = strlen(e->d_name);

		if (l > 5 && strcmp(e->d_name + l - 5, ".json") == 0)
			names[n++] = strdup(e->d_name);
	}
	closedir(dir);
	qsort(names, n, sizeof(names[0]), name_cmp);
	tests = calloc(n + 1, sizeof(*tests));
	if (!tests)
		return 1;
	for (size_t i = 0; i < n; i++) {
		tests[i].name = names[i];
		tests[i].test_func = test_conversation;
		tests[i].initial_state = names[i];
	}
	tests[n].name = "every_flow_covered";
	tests[n].test_func = test_every_flow_covered;
	rc = _cmocka_run_group_tests("flow_golden", tests, n + 1, NULL, NULL);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(tests);
	json_decref(flows_seen);
	flow_set_free(fs);
	return rc;
}
