/*
 * report_xlsx.c — a report table as an Excel workbook laid out the way an
 * office prints and stamps it: the title, a line with the reporting unit
 * and the period, the form's two-level headers with merged cells,
 * bordered cells in 宋体, landscape A4 fitted to one page wide, the
 * headers repeated on every printed page, and the form's footnotes.
 *
 * Numbers are written as numbers (so sums in the sheet work), text as
 * text (never a formula, whatever a resident typed). Built on
 * libxlsxwriter when the build found it (WL_HAVE_XLSX); without it the
 * functions say so and the other formats still work.
 */
#include "report.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wl.h"

#ifdef WL_HAVE_XLSX

#include <xlsxwriter.h>

#define XL_FONT		  "宋体"
#define XL_CHARSET_GB2312 134 /* lets Excel pick 宋体 on any system */
#define XL_PAPER_A4	  9
#define XL_LINE_PT	  14.25 /* one line of 10.5 pt text */
#define XL_MAX_LINES	  12

struct xl_formats {
	lxw_format *title, *line_left, *line_right, *head, *text, *num, *dec,
	    *total_text, *total_num, *total_dec, *note;
};

static lxw_format *xl_format(lxw_workbook *wb, double size, bool bold,
			     bool border, uint8_t align)
{
	lxw_format *f = workbook_add_format(wb);

	if (!f)
		return NULL;
	format_set_font_name(f, XL_FONT);
	format_set_font_charset(f, XL_CHARSET_GB2312);
	format_set_font_size(f, size);
	if (bold)
		format_set_bold(f);
	if (border)
		format_set_border(f, LXW_BORDER_THIN);
	format_set_align(f, align);
	format_set_align(f, LXW_ALIGN_VERTICAL_CENTER);
	format_set_text_wrap(f);
	return f;
}

static int xl_formats_init(lxw_workbook *wb, struct xl_formats *f)
{
	f->title = xl_format(wb, 18, true, false, LXW_ALIGN_CENTER);
	f->line_left = xl_format(wb, 11, false, false, LXW_ALIGN_LEFT);
	f->line_right = xl_format(wb, 11, false, false, LXW_ALIGN_RIGHT);
	f->head = xl_format(wb, 10.5, true, true, LXW_ALIGN_CENTER);
	f->text = xl_format(wb, 10.5, false, true, LXW_ALIGN_LEFT);
	f->num = xl_format(wb, 10.5, false, true, LXW_ALIGN_CENTER);
	f->dec = xl_format(wb, 10.5, false, true, LXW_ALIGN_CENTER);
	f->total_text = xl_format(wb, 10.5, true, true, LXW_ALIGN_CENTER);
	f->total_num = xl_format(wb, 10.5, true, true, LXW_ALIGN_CENTER);
	f->total_dec = xl_format(wb, 10.5, true, true, LXW_ALIGN_CENTER);
	f->note = xl_format(wb, 10.5, false, false, LXW_ALIGN_LEFT);
	if (!f->title || !f->line_left || !f->line_right || !f->head ||
	    !f->text || !f->num || !f->dec || !f->total_text || !f->total_num ||
	    !f->total_dec || !f->note)
		return WL_ENOMEM;
	format_set_num_format(f->num, "0");
	format_set_num_format(f->total_num, "0");
	format_set_num_format(f->dec, "0.00");
	format_set_num_format(f->total_dec, "0.00");
	return WL_OK;
}

static bool xl_has_groups(const struct report_table *t)
{
	for (size_t c = 0; c < t->n_cols; c++)
		if (t->cols[c].group)
			return true;
	return false;
}

/* One range: merged when it spans more than one cell. */
static lxw_error xl_range(lxw_worksheet *ws, lxw_row_t r0, lxw_col_t c0,
			  lxw_row_t r1, lxw_col_t c1, const char *s,
			  lxw_format *f)
{
	if (r0 == r1 && c0 == c1)
		return worksheet_write_string(ws, r0, c0, s, f);
	return worksheet_merge_range(ws, r0, c0, r1, c1, s, f);
}

/* The header rows: a grouped column's group spans its neighbours of the
 * same group on the first row; an ungrouped column spans both rows. */
static lxw_error xl_header(lxw_worksheet *ws, const struct report_table *t,
			   lxw_row_t row, bool two, const struct xl_formats *f)
{
	lxw_error e = LXW_NO_ERROR;
	size_t c = 0;

	while (c < t->n_cols && e == LXW_NO_ERROR) {
		const struct report_col *col = &t->cols[c];
		size_t end = c;

		if (!two || !col->group) {
			e = xl_range(ws, row, (lxw_col_t)c, row + (two ? 1 : 0),
				     (lxw_col_t)c, col->name, f->head);
			c++;
			continue;
		}
		while (end + 1 < t->n_cols && t->cols[end + 1].group &&
		       strcmp(t->cols[end + 1].group, col->group) == 0)
			end++;
		e = xl_range(ws, row, (lxw_col_t)c, row, (lxw_col_t)end,
			     col->group, f->head);
		for (size_t k = c; k <= end && e == LXW_NO_ERROR; k++)
			e = worksheet_write_string(ws, row + 1, (lxw_col_t)k,
						   t->cols[k].name, f->head);
		c = end + 1;
	}
	return e;
}

static lxw_error xl_cell(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col,
			 const struct report_col *c, const char *s, bool total,
			 const struct xl_formats *f)
{
	lxw_format *text = total ? f->total_text : f->text;
	lxw_format *num = total ? f->total_num : f->num;
	lxw_format *dec = total ? f->total_dec : f->dec;
	char *end;
	double v;

	if (!*s)
		return worksheet_write_blank(
		    ws, row, col, c->type == REPORT_TEXT ? text : num);
	if (c->type != REPORT_TEXT) {
		v = strtod(s, &end);
		if (*end == '\0')
			return worksheet_write_number(
			    ws, row, col, v,
			    c->type == REPORT_DEC2 ? dec : num);
	}
	return worksheet_write_string(ws, row, col, s,
				      c->type == REPORT_TEXT ? text : num);
}

/* How many printed lines a cell needs in a column of `width` units: a
 * CJK character takes two units, anything else one. Excel does not grow
 * a row for wrapped text by itself, so the writer sets the height. */
static int xl_lines(const char *s, int width)
{
	int lines = 1, used = 0;

	if (width < 2)
		width = 2;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		int w;

		if (*p == '\n') {
			lines++;
			used = 0;
			continue;
		}
		if ((*p & 0xC0) == 0x80)
			continue; /* a continuation byte */
		w = *p >= 0xE0 ? 2 : 1;
		if (used + w > width) {
			lines++;
			used = 0;
		}
		used += w;
	}
	return lines;
}

static double xl_row_height(const struct report_table *t, size_t r)
{
	int lines = 1;

	for (size_t c = 0; c < t->n_cols; c++) {
		int n = xl_lines(report_cell(t, r, c), t->cols[c].width - 1);

		if (n > lines)
			lines = n;
	}
	if (lines > XL_MAX_LINES)
		lines = XL_MAX_LINES;
	return lines * XL_LINE_PT + 4;
}

static double xl_head_height(const struct report_table *t)
{
	int lines = 2;

	for (size_t c = 0; c < t->n_cols; c++) {
		int n = xl_lines(t->cols[c].name, t->cols[c].width - 1);

		if (n > lines)
			lines = n;
	}
	return lines * XL_LINE_PT + 4;
}

static int xl_sheet(lxw_workbook *wb, const struct report_table *t)
{
	struct xl_formats f;
	lxw_worksheet *ws = workbook_add_worksheet(wb, t->sheet);
	lxw_col_t last = (lxw_col_t)(t->n_cols ? t->n_cols - 1 : 0);
	lxw_col_t mid = (lxw_col_t)(t->n_cols / 2);
	bool two = xl_has_groups(t);
	lxw_row_t head = 2, body = head + (two ? 2 : 1), row;
	char line[512];
	lxw_error e;

	if (!ws || xl_formats_init(wb, &f) != WL_OK || t->n_cols < 2)
		return WL_ENOMEM;
	for (size_t c = 0; c < t->n_cols; c++)
		worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c,
				     t->cols[c].width, NULL);
	worksheet_set_row(ws, 0, 36, NULL);
	e = xl_range(ws, 0, 0, 0, last, t->title, f.title);
	if (t->kind == REPORT_WEEKLY && t->n_cols >= 9) {
		int y = 0, m = 0, d = 0;

		/* the lines of 附件2: 单位：（盖章） and 日期：年 月 日 */
		(void)sscanf(t->made, "%4d-%2d-%2d", &y, &m, &d);
		snprintf(line, sizeof(line), "单位：%s（盖章）", t->unit);
		if (!e)
			e = xl_range(ws, 1, 0, 1, 3, line, f.line_left);
		snprintf(line, sizeof(line), "统计时段：%s", t->period);
		if (!e)
			e = xl_range(ws, 1, 4, 1, 8, line, f.line_left);
		snprintf(line, sizeof(line), "日期：%d年%d月%d日", y, m, d);
		if (!e)
			e = xl_range(ws, 1, 9, 1, last, line, f.line_right);
	} else {
		snprintf(line, sizeof(line), "填报单位（盖章）：%s", t->unit);
		if (!e)
			e = xl_range(ws, 1, 0, 1, mid - 1, line, f.line_left);
		snprintf(line, sizeof(line), "统计时段：%s　　填报日期：%.10s",
			 t->period, t->made);
		if (!e)
			e = xl_range(ws, 1, mid, 1, last, line, f.line_right);
	}
	worksheet_set_row(ws, 1, 22, NULL);
	if (!e)
		e = xl_header(ws, t, head, two, &f);
	worksheet_set_row(ws, head, two ? 22 : xl_head_height(t), NULL);
	if (two)
		worksheet_set_row(ws, head + 1, xl_head_height(t), NULL);
	for (size_t r = 0; r < t->n_rows && !e; r++) {
		bool total = t->total_row && r + 1 == t->n_rows;

		worksheet_set_row(ws, body + (lxw_row_t)r, xl_row_height(t, r),
				  NULL);
		for (size_t c = 0; c < t->n_cols && !e; c++)
			e = xl_cell(ws, body + (lxw_row_t)r, (lxw_col_t)c,
				    &t->cols[c], report_cell(t, r, c), total,
				    &f);
	}
	row = body + (lxw_row_t)t->n_rows;
	for (size_t i = 0; t->notes && t->notes[i] && !e; i++) {
		worksheet_set_row(ws, row, 20, NULL);
		if (strncmp(t->notes[i], "填报人：", strlen("填报人：")) == 0) {
			/* who fills it in and their phone, from the config */
			snprintf(line, sizeof(line), "填报人：%s", t->signer);
			e = xl_range(ws, row, 0, row, mid - 1, line, f.note);
			snprintf(line, sizeof(line), "联系电话：%s",
				 t->signer_phone);
			if (!e)
				e = xl_range(ws, row, mid, row, last, line,
					     f.note);
		} else {
			e = xl_range(ws, row, 0, row, last, t->notes[i],
				     f.note);
		}
		row++;
	}
	if (e) {
		return WL_EIO;
	}
	worksheet_freeze_panes(ws, body, 0);
	worksheet_repeat_rows(ws, head, body - 1);
	worksheet_set_landscape(ws);
	worksheet_set_paper(ws, XL_PAPER_A4);
	worksheet_fit_to_pages(ws, 1, 0);
	worksheet_center_horizontally(ws);
	worksheet_set_margins(ws, 0.4, 0.4, 0.6, 0.6);
	worksheet_set_footer(ws, "&C第 &P 页，共 &N 页");
	return WL_OK;
}

/* 附件1: a sheet per visit, laid out like the paper form, A4 portrait
 * on one page, ready to print and sign. */
static int xl_forms(lxw_workbook *wb, const struct report_table *t)
{
	static const double widths[6] = {14, 16, 12, 16, 12, 22};
	struct xl_formats f;
	lxw_format *label, *value, *sign;
	lxw_error e = LXW_NO_ERROR;
	int rc = WL_OK;

	if (xl_formats_init(wb, &f) != WL_OK)
		return WL_ENOMEM;
	label = xl_format(wb, 10.5, false, true, LXW_ALIGN_CENTER);
	value = xl_format(wb, 10.5, false, true, LXW_ALIGN_LEFT);
	sign = xl_format(wb, 11, false, false, LXW_ALIGN_LEFT);
	if (!label || !value || !sign)
		return WL_ENOMEM;
	for (size_t r = 0; r < t->n_rows && rc == WL_OK && !e; r++) {
		struct report_form form;
		char name[32];
		lxw_worksheet *ws;

		/* sheet names: unique, at most 31 characters */
		snprintf(name, sizeof(name), "记录表%zu", r + 1);
		ws = workbook_add_worksheet(wb, name);
		if (!ws)
			return WL_ENOMEM;
		rc = report_form_layout(t, r, &form);
		if (rc != WL_OK)
			break;
		for (lxw_col_t c = 0; c < 6; c++)
			worksheet_set_column(ws, c, c, widths[c], NULL);
		for (int row = 0; row < form.rows; row++)
			worksheet_set_row(ws, (lxw_row_t)row,
					  row == 0    ? 36
					  : row >= 10 ? 60
					  : row >= 6  ? 42
						      : 24,
					  NULL);
		for (size_t i = 0; i < form.n && !e; i++) {
			const struct report_form_cell *c = &form.cells[i];
			lxw_format *fm = c->style == RF_TITLE	? f.title
					 : c->style == RF_LINE	? f.line_left
					 : c->style == RF_LABEL ? label
					 : c->style == RF_SIGN	? sign
								: value;

			e = xl_range(ws, (lxw_row_t)c->row, (lxw_col_t)c->col,
				     (lxw_row_t)(c->row + c->rows - 1),
				     (lxw_col_t)(c->col + c->cols - 1), c->text,
				     fm);
		}
		report_form_release(&form);
		worksheet_set_portrait(ws);
		worksheet_set_paper(ws, XL_PAPER_A4);
		worksheet_fit_to_pages(ws, 1, 1);
		worksheet_center_horizontally(ws);
		worksheet_set_margins(ws, 0.6, 0.6, 0.8, 0.8);
	}
	if (rc == WL_OK && !e && t->n_rows == 0) {
		/* an empty period still opens as a workbook */
		lxw_worksheet *ws = workbook_add_worksheet(wb, "记录表");

		if (!ws)
			return WL_ENOMEM;
		e = worksheet_write_string(ws, 0, 0, "本时段没有走访记录。",
					   f.note);
	}
	return rc != WL_OK ? rc : e ? WL_EIO : WL_OK;
}

int report_xlsx_file(const struct report_table *t, const char *path)
{
	lxw_workbook *wb = workbook_new(path);
	lxw_doc_properties props;
	int rc;

	if (!wb)
		return WL_EIO;
	memset(&props, 0, sizeof(props));
	props.title = (char *)(uintptr_t)(t->title ? t->title : "");
	props.author = (char *)(uintptr_t) "warmline 暖冬热线";
	workbook_set_properties(wb, &props);
	rc = t->kind == REPORT_FORMS ? xl_forms(wb, t) : xl_sheet(wb, t);
	/* Close even after an error: it frees the workbook. */
	if (workbook_close(wb) != LXW_NO_ERROR && rc == WL_OK)
		rc = WL_EIO;
	return rc;
}

int report_xlsx_buf(const struct report_table *t, struct buf *out)
{
	const char *dir = getenv("TMPDIR");
	char path[512], chunk[8192];
	FILE *fp = NULL;
	size_t n;
	int fd, rc;

	if (!dir || !*dir)
		dir = "/tmp";
	n = (size_t)snprintf(path, sizeof(path), "%s/warmline-report-XXXXXX",
			     dir);
	if (n >= sizeof(path))
		return WL_EIO;
	fd = mkstemp(path);
	if (fd < 0)
		return WL_EIO;
	close(fd);
	rc = report_xlsx_file(t, path);
	if (rc)
		goto out;
	fp = fopen(path, "rb");
	if (!fp) {
		rc = WL_EIO;
		goto out;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_add(out, chunk, n);
	if (ferror(fp))
		rc = WL_EIO;
	else if (out->oom)
		rc = WL_ENOMEM;
out:
	if (fp)
		fclose(fp);
	unlink(path);
	return rc;
}

#else /* !WL_HAVE_XLSX */

int report_xlsx_file(const struct report_table *t, const char *path)
{
	(void)t;
	(void)path;
	return WL_EINTERNAL;
}

int report_xlsx_buf(const struct report_table *t, struct buf *out)
{
	(void)t;
	(void)out;
	return WL_EINTERNAL;
}

#endif
