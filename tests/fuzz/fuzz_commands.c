/*
 * fuzz_commands.c — staff input as staff might type it, or anything else:
 * the command parser (cmd_parse) and the measures of 办结/补录
 * (case_help_parse), with the promises their headers make checked: a hit
 * has a command, a number of digits only, arguments inside the text; a
 * parse that succeeds has 1..CASE_HELP_MAX measures with 1..10000
 * person-times, money measures with an amount, a note that is valid UTF-8
 * within its buffer; a stored measure list reads back as written.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"
#include "commands.h"
#include "text.h"
#include "wl.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_INPUT 8192

static void fuzz_cmd(const char *text)
{
	struct cmd_parsed p;
	size_t len = strlen(text);

	if (!cmd_parse(text, &p))
		return;
	CHECK(p.def && p.def->run);
	for (const char *d = p.no; *d; d++)
		CHECK(*d >= '0' && *d <= '9');
	CHECK(p.args >= text && p.args <= text + len);
}

static void fuzz_help(const char *text)
{
	struct case_help h;
	char err[512], *shown;
	json_t *given, *back, *fields;
	int rc = case_help_parse(text, &h, err, sizeof(err));

	CHECK(rc == WL_OK || rc == WL_EBADREQ || rc == WL_ENOMEM);
	if (rc == WL_EBADREQ)
		CHECK(err[0]);
	if (rc != WL_OK)
		return;
	CHECK(h.n >= 1 && h.n <= CASE_HELP_MAX);
	CHECK(strlen(h.note) < sizeof(h.note));
	for (size_t i = 0; i < h.n; i++) {
		CHECK(h.items[i].measure);
		CHECK(h.items[i].person_times >= 1 &&
		      h.items[i].person_times <= 10000);
		CHECK(h.items[i].amount_fen >= 0);
		if (case_measure_is_money(h.items[i].measure))
			CHECK(h.items[i].has_amount);
	}
	given = json_array();
	fields = json_object();
	if (!given || !fields ||
	    case_help_append(given, &h, 1, "u-x") != WL_OK ||
	    case_help_summary(given, fields) != WL_OK)
		goto out;
	/* The stored list reads back as the same measures. */
	back = case_help_given(fields);
	if (back) {
		CHECK(json_equal(back, given));
		shown = case_help_text(back);
		CHECK(!shown || *shown);
		free(shown);
		json_decref(back);
	}
out:
	json_decref(fields);
	json_decref(given);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	fuzz_cmd(text);
	fuzz_help(text);
	free(text);
	return 0;
}
