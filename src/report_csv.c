/*
 * report_csv.c — a report table as CSV (for spreadsheets and scripts)
 * and as JSON (for the admin API). Pure.
 *
 * CSV: UTF-8 with a byte-order mark, because Excel on Chinese Windows
 * reads a CSV without one as GBK and shows mojibake; CRLF line ends and
 * quoting per RFC 4180. A text cell that starts with = + - or @ gets a
 * leading apostrophe so a spreadsheet never runs it as a formula: the
 * cells hold what residents typed.
 */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "wl.h"

static void csv_field(struct buf *out, const char *s, bool text)
{
	bool quote = strpbrk(s, ",\"\r\n") != NULL;

	if (quote)
		buf_adds(out, "\"");
	if (text && *s && strchr("=+-@", *s))
		buf_adds(out, "'");
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			buf_adds(out, "\"\"");
		else
			buf_add(out, p, 1);
	}
	if (quote)
		buf_adds(out, "\"");
}

int report_csv(const struct report_table *t, struct buf *out)
{
	char h[256];

	buf_adds(out, "\xEF\xBB\xBF");
	for (size_t c = 0; c < t->n_cols; c++) {
		if (c)
			buf_adds(out, ",");
		report_col_header(&t->cols[c], h, sizeof(h));
		csv_field(out, h, false);
	}
	buf_adds(out, "\r\n");
	for (size_t r = 0; r < t->n_rows; r++) {
		for (size_t c = 0; c < t->n_cols; c++) {
			if (c)
				buf_adds(out, ",");
			csv_field(out, report_cell(t, r, c),
				  t->cols[c].type == REPORT_TEXT);
		}
		buf_adds(out, "\r\n");
	}
	return out->oom ? WL_ENOMEM : WL_OK;
}

/* A cell as a JSON value: numbers as numbers, empty as null. */
static json_t *json_cell(const struct report_col *col, const char *s)
{
	char *end;

	if (!*s)
		return json_null();
	if (col->type == REPORT_INT) {
		long long v = strtoll(s, &end, 10);

		if (*end == '\0')
			return json_integer((json_int_t)v);
	} else if (col->type == REPORT_DEC2) {
		double v = strtod(s, &end);

		if (*end == '\0')
			return json_real(v);
	}
	return json_string(s);
}

int report_json(const struct report_table *t, struct buf *out)
{
	json_t *o, *cols, *rows;
	char *s;
	int rc = WL_ENOMEM;

	o = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s?, s:s, s:[], s:[]}",
		      "report", report_kind_name(t->kind), "title",
		      t->title ? t->title : "", "unit", t->unit, "period",
		      t->period, "from", *t->from ? t->from : NULL, "to",
		      *t->to ? t->to : NULL, "made", t->made, "columns",
		      "rows");
	if (!o)
		return WL_ENOMEM;
	cols = json_object_get(o, "columns");
	rows = json_object_get(o, "rows");
	for (size_t c = 0; c < t->n_cols; c++)
		if (json_array_append_new(
			cols, json_pack("{s:s, s:s, s:s?}", "key",
					t->cols[c].key, "name", t->cols[c].name,
					"group", t->cols[c].group)))
			goto out;
	for (size_t r = 0; r < t->n_rows; r++) {
		json_t *row = json_object();

		if (!row || json_array_append_new(rows, row))
			goto out;
		for (size_t c = 0; c < t->n_cols; c++)
			if (json_object_set_new(
				row, t->cols[c].key,
				json_cell(&t->cols[c], report_cell(t, r, c))))
				goto out;
		if (t->total_row && r + 1 == t->n_rows &&
		    json_object_set_new(row, "total", json_true()))
			goto out;
	}
	s = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(15));
	if (!s)
		goto out;
	buf_adds(out, s);
	free(s);
	rc = out->oom ? WL_ENOMEM : WL_OK;
out:
	json_decref(o);
	return rc;
}
