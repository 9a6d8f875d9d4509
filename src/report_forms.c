/*
 * report_forms.c — 附件1 困难群众走访排查记录表 as printed: one form per
 * visit, laid out like the county's paper form (town, village and date;
 * the person; category and health with a box per choice; the four
 * questions with 是/否 boxes and the worker's note; notes, problems,
 * measures and deadline; the two signature lines).
 *
 * One layout (report_form_layout) feeds both the XLSX writer
 * (report_xlsx.c, a sheet per form) and the HTML page here, which a
 * browser prints to PDF one person per page. The layout reads the visit
 * ledger's table (rp_visit_table), so the forms and the ledger never
 * disagree.
 */
#include "report.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "wl.h"

#define RF_TICK "☑"
#define RF_BOX	"☐"

/* The category words of the form, in its order (report_person_kind). */
static const struct {
	int kind;
	const char *label;
} rf_categories[] = {
    {REPORT_DIBAO, "低保"},
    {REPORT_TEKUN, "特困"},
    {REPORT_ELDERLY, "特殊困难老年人（独居、空巢、留守、失能、重残、计划"
		     "生育特殊家庭等老年人）"},
    {REPORT_CHILD, "困境儿童（孤儿、事实无人抚养儿童）"},
    {REPORT_OTHERS, "其他困难群众（低保边缘户、刚性支出家庭、防返贫监测户）"},
};

static const char *const rf_health[] = {"健康", "残疾", "大病", "慢性病"};

static const char *const rf_questions[] = {
    "1、衣食住行医是否存在困难",
    "2、与困难群众分开居住的家庭成员是否履行赡养扶养义务，经常看望或者"
    "问候",
    "3、困难群众家中房屋和水电气暖设施设备是否存在积雪、覆冰、烟囱堵塞"
    "等安全隐患",
    "4、困难群众是否有生活照料、康复护理、精神慰藉、居家适老化改造等服务"
    "需求",
};

static const char *rf_cell(const struct report_table *t, size_t row,
			   const char *key)
{
	for (size_t c = 0; c < t->n_cols; c++)
		if (strcmp(t->cols[c].key, key) == 0)
			return report_cell(t, row, c);
	return "";
}

/* The words of a ledger cell ("低保、特殊困难老年人（独居）"), each
 * without its bracket, tested against one word. */
static bool rf_has_word(const char *cell, const char *word, bool kind_match,
			int kind)
{
	const char *p = cell;

	while (p && *p) {
		const char *sep = strstr(p, "、");
		size_t n = sep ? (size_t)(sep - p) : strlen(p);
		char one[96];
		char *br;

		snprintf(one, sizeof(one), "%.*s", (int)n, p);
		br = strstr(one, "（");
		if (br)
			*br = '\0';
		if (kind_match ? report_person_kind(one) == kind
			       : strcmp(one, word) == 0)
			return true;
		p = sep ? sep + strlen("、") : NULL;
	}
	return false;
}

static int rf_add(struct report_form *f, int row, int col, int rows, int cols,
		  enum report_form_style style, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

static int rf_add(struct report_form *f, int row, int col, int rows, int cols,
		  enum report_form_style style, const char *fmt, ...)
{
	struct report_form_cell *c;
	char *text;
	va_list ap;
	int n;

	if (f->n == REPORT_FORM_CELLS)
		return WL_EINTERNAL;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !(text = malloc((size_t)n + 1)))
		return WL_ENOMEM;
	va_start(ap, fmt);
	vsnprintf(text, (size_t)n + 1, fmt, ap);
	va_end(ap);
	c = &f->cells[f->n++];
	c->row = row;
	c->col = col;
	c->rows = rows;
	c->cols = cols;
	c->style = style;
	c->text = text;
	return WL_OK;
}

/* "2026-12-05" → "2026年12月5日"; anything else as it is. */
static void rf_date(const char *s, char *out, size_t size)
{
	int y, m, d;
	char tail;

	if (s && sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3)
		snprintf(out, size, "%d年%d月%d日", y, m, d);
	else
		snprintf(out, size, "%s", s ? s : "");
}

int report_form_layout(const struct report_table *t, size_t row,
		       struct report_form *f)
{
	struct buf cat = BUF_INIT, health = BUF_INIT;
	const char *cats = rf_cell(t, row, "person_category");
	const char *hs = rf_cell(t, row, "health");
	char date[64], dl[64];
	int rc = WL_OK, r;

	memset(f, 0, sizeof(*f));
	/* the first four in one cell, 其他困难群众 in the next, as printed */
	for (size_t i = 0; i + 1 < WL_ARRAY_LEN(rf_categories); i++)
		buf_addf(&cat, "%s%s%s", i ? "　" : "", rf_categories[i].label,
			 rf_has_word(cats, NULL, true, rf_categories[i].kind)
			     ? RF_TICK
			     : RF_BOX);
	for (size_t i = 0; i < WL_ARRAY_LEN(rf_health); i++)
		buf_addf(&health, "%s%s %s", i ? "　" : "", rf_health[i],
			 rf_has_word(hs, rf_health[i], false, 0) ? RF_TICK
								 : RF_BOX);
	if (cat.oom || health.oom) {
		rc = WL_ENOMEM;
		goto out;
	}
	rf_date(rf_cell(t, row, "visit_time"), date, sizeof(date));
	rf_date(rf_cell(t, row, "deadline"), dl, sizeof(dl));
	rc |= rf_add(f, 0, 0, 1, 6, RF_TITLE, "困难群众走访排查记录表");
	rc |= rf_add(f, 1, 0, 1, 2, RF_LINE, "乡镇（街道）：%s",
		     rf_cell(t, row, "town"));
	rc |= rf_add(f, 1, 2, 1, 2, RF_LINE, "村（社区）：%s",
		     rf_cell(t, row, "village"));
	rc |= rf_add(f, 1, 4, 1, 2, RF_LINE, "走访时间：%s", date);
	rc |= rf_add(f, 2, 0, 1, 6, RF_LABEL, "困难群众人员情况");
	rc |= rf_add(f, 3, 0, 1, 1, RF_LABEL, "姓名");
	rc |= rf_add(f, 3, 1, 1, 1, RF_VALUE, "%s", rf_cell(t, row, "name"));
	rc |= rf_add(f, 3, 2, 1, 1, RF_LABEL, "性别");
	rc |= rf_add(f, 3, 3, 1, 1, RF_VALUE, "%s", rf_cell(t, row, "sex"));
	rc |= rf_add(f, 3, 4, 1, 1, RF_LABEL, "年龄");
	rc |= rf_add(f, 3, 5, 1, 1, RF_VALUE, "%s", rf_cell(t, row, "age"));
	rc |= rf_add(f, 4, 0, 1, 1, RF_LABEL, "人员类别");
	rc |= rf_add(f, 4, 1, 1, 3, RF_VALUE, "%s", cat.s ? cat.s : "");
	rc |= rf_add(f, 4, 4, 1, 2, RF_VALUE, "%s%s", rf_categories[4].label,
		     rf_has_word(cats, NULL, true, rf_categories[4].kind)
			 ? RF_TICK
			 : RF_BOX);
	rc |= rf_add(f, 5, 0, 1, 1, RF_LABEL, "身体健康状况");
	rc |= rf_add(f, 5, 1, 1, 5, RF_VALUE, "%s", health.s ? health.s : "");
	rc |= rf_add(f, 6, 0, 4, 1, RF_LABEL, "走访排查情况");
	for (int q = 0; q < 4; q++) {
		char key[4];
		const char *a, *note;

		snprintf(key, sizeof(key), "q%d", q + 1);
		a = rf_cell(t, row, key);
		note = strstr(a, "：");
		r = 6 + q;
		rc |= rf_add(f, r, 1, 1, 3, RF_VALUE, "%s", rf_questions[q]);
		rc |= rf_add(
		    f, r, 4, 1, 1, RF_VALUE, "是 %s 否 %s",
		    strncmp(a, "是", strlen("是")) == 0 ? RF_TICK : RF_BOX,
		    strncmp(a, "否", strlen("否")) == 0 ? RF_TICK : RF_BOX);
		rc |= rf_add(f, r, 5, 1, 1, RF_VALUE, "%s",
			     note ? note + strlen("：") : "");
	}
	rc |= rf_add(f, 10, 0, 1, 1, RF_LABEL, "探访记录");
	rc |= rf_add(f, 10, 1, 1, 5, RF_VALUE, "%s", rf_cell(t, row, "notes"));
	rc |= rf_add(f, 11, 0, 1, 1, RF_LABEL, "存在问题");
	rc |=
	    rf_add(f, 11, 1, 1, 5, RF_VALUE, "%s", rf_cell(t, row, "problems"));
	rc |= rf_add(f, 12, 0, 1, 1, RF_LABEL, "解决措施及时限");
	rc |= rf_add(f, 12, 1, 1, 5, RF_VALUE, "%s%s%s%s",
		     rf_cell(t, row, "measures"), dl[0] ? "（时限：" : "", dl,
		     dl[0] ? "）" : "");
	rc |= rf_add(f, 13, 0, 1, 2, RF_SIGN, "走访排查人签字：");
	rc |= rf_add(f, 13, 2, 1, 1, RF_SIGN, "%s", "");
	rc |= rf_add(f, 13, 3, 1, 2, RF_SIGN, "困难群众签字：");
	rc |= rf_add(f, 13, 5, 1, 1, RF_SIGN, "%s", "");
	f->rows = 14;
	f->staff = rf_cell(t, row, "staff");
out:
	buf_release(&cat);
	buf_release(&health);
	if (rc != WL_OK) {
		report_form_release(f);
		return rc == WL_EINTERNAL ? WL_EINTERNAL : WL_ENOMEM;
	}
	return WL_OK;
}

void report_form_release(struct report_form *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->cells[i].text);
	f->n = 0;
}

static void rf_html_text(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': buf_adds(b, "&amp;"); break;
		case '<': buf_adds(b, "&lt;"); break;
		case '>': buf_adds(b, "&gt;"); break;
		case '"': buf_adds(b, "&quot;"); break;
		case '\n': buf_adds(b, "<br>"); break;
		default: buf_add(b, s, 1); break;
		}
	}
}

/* A page per person: print it from a browser (A4, portrait) to get a
 * PDF, or on paper to sign. */
int report_html(const struct report_table *t, struct buf *out)
{
	static const char *const cls[] = {[RF_TITLE] = "t",
					  [RF_LINE] = "l",
					  [RF_LABEL] = "k",
					  [RF_VALUE] = "v",
					  [RF_SIGN] = "s"};
	int rc = WL_OK;

	if (t->kind != REPORT_FORMS)
		return WL_EBADREQ;
	buf_adds(out,
		 "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta "
		 "charset=\"utf-8\"><title>困难群众走访排查记录表</title>\n"
		 "<style>@page{size:A4 portrait;margin:18mm 15mm}"
		 "body{font-family:SimSun,\"宋体\",\"Songti SC\",serif;"
		 "font-size:11pt}"
		 ".form{page-break-after:always;break-after:page}"
		 ".form:last-child{page-break-after:auto;break-after:auto}"
		 "table{width:100%;border-collapse:collapse;table-layout:"
		 "fixed}td{border:1px solid #000;padding:4pt;vertical-align:"
		 "middle;word-wrap:break-word}td.t{border:0;text-align:center;"
		 "font-size:18pt;font-weight:bold;padding:8pt}td.l{border:0}"
		 "td.k{text-align:center}td.s{border:0;height:40pt}"
		 "</style></head><body>\n");
	for (size_t row = 0; row < t->n_rows && rc == WL_OK; row++) {
		struct report_form f;
		int cur = -1;

		rc = report_form_layout(t, row, &f);
		if (rc != WL_OK)
			break;
		buf_adds(out, "<div class=\"form\"><table>"
			      "<colgroup><col style=\"width:16%\"><col "
			      "style=\"width:18%\"><col style=\"width:14%\">"
			      "<col style=\"width:18%\"><col "
			      "style=\"width:14%\"><col style=\"width:20%\">"
			      "</colgroup>\n");
		for (size_t i = 0; i < f.n; i++) {
			const struct report_form_cell *c = &f.cells[i];

			if (c->row != cur) {
				buf_adds(out, cur < 0 ? "<tr>" : "</tr>\n<tr>");
				cur = c->row;
			}
			buf_addf(out, "<td class=\"%s\"", cls[c->style]);
			if (c->rows > 1)
				buf_addf(out, " rowspan=\"%d\"", c->rows);
			if (c->cols > 1)
				buf_addf(out, " colspan=\"%d\"", c->cols);
			buf_adds(out, ">");
			rf_html_text(out, c->text);
			buf_adds(out, "</td>");
		}
		buf_adds(out, "</tr>\n</table></div>\n");
		report_form_release(&f);
	}
	buf_adds(out, "</body></html>\n");
	if (out->oom)
		return WL_ENOMEM;
	return rc;
}
