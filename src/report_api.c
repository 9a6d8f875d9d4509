/*
 * report_api.c — the reports over the admin API:
 *
 *   GET /api/v1/reports/{weekly|visits|problems|needs|forms}
 *       ?from=YYYY-MM-DD&to=YYYY-MM-DD | ?week=YYYY-MM-DD
 *       &area=ID &format=json|csv|xlsx
 *
 * The kind may carry the format as an extension instead
 * (/api/v1/reports/weekly.xlsx). JSON is the default. api.c checks the
 * admin token before this runs; the ledgers hold names and phone
 * numbers.
 *
 *   GET /api/v1/reports/download?kind=&week=&area=&format=&exp=&sig=
 *
 * the same reports through a signed, expiring link (report_link.c),
 * without the token: api.c lets it through, the signature is checked
 * here, and then it takes the same path as the admin route. Only the
 * signed arguments are read; anything else in the query is ignored.
 */
#include "report.h"
#include "calendar.h"

#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "http.h"
#include "wl.h"

#define RA_PREFIX "/api/v1/reports/"

static const char *const ra_types[] = {
    [REPORT_CSV] = "text/csv; charset=utf-8",
    [REPORT_XLSX] = ("application/vnd.openxmlformats-officedocument."
		     "spreadsheetml.sheet"),
    [REPORT_JSON] = "application/json; charset=utf-8",
    [REPORT_HTML] = "text/html; charset=utf-8",
};

/* The query arguments and the shared tail of both routes: the period,
 * Redis, the table, the bytes. */
static int ra_serve(struct http_ctx *h, enum report_kind kind,
		    enum report_format fmt, const char *from, const char *to,
		    const char *week, const char *area)
{
	char err[512];
	struct report_query q;
	int rc;

	if (report_query_init(h->cfg, kind, from, to, week, area,
			      clock_now_ms(), &q, err, sizeof(err)) != WL_OK) {
		http_json_error(h, 400, "bad_request", err);
		return WL_OK;
	}
	rc = report_make(h->cfg, &q, fmt, &h->out, err, sizeof(err));
	if (rc != WL_OK) {
		http_json_error(h, wl_http_status(rc),
				rc == WL_EREDIS	   ? "unavailable"
				: rc == WL_ETOOBIG ? "too_large"
						   : "internal",
				err);
		return WL_OK;
	}
	h->status = 200;
	h->type = ra_types[fmt];
	/* Browsers save a download under this name: kind and period. */
	if (fmt != REPORT_JSON) {
		int y1, m1, d1, y2, m2, d2;

		sla_civil_from_day(q.from_day, &y1, &m1, &d1);
		sla_civil_from_day(q.to_day, &y2, &m2, &d2);
		if (q.bounded)
			snprintf(h->filename, sizeof(h->filename),
				 "warmline-%s-%04d%02d%02d-%04d%02d%02d.%s",
				 report_kind_name(kind), y1, m1, d1, y2, m2, d2,
				 report_format_name(fmt));
		else
			snprintf(h->filename, sizeof(h->filename),
				 "warmline-%s.%s", report_kind_name(kind),
				 report_format_name(fmt));
	}
	return WL_OK;
}

int report_api(struct http_ctx *h)
{
	const char *rest = h->path + strlen(RA_PREFIX);
	const char *dot = strchr(rest, '.');
	const char *fmt_arg = http_ctx_arg(h, "format");
	char kind_s[16];
	size_t n = dot ? (size_t)(dot - rest) : strlen(rest);
	int kind, fmt = REPORT_JSON;

	if (strncmp(h->path, RA_PREFIX, strlen(RA_PREFIX)) != 0 ||
	    n >= sizeof(kind_s)) {
		http_json_error(h, 404, "not_found", "no such report");
		return WL_OK;
	}
	memcpy(kind_s, rest, n);
	kind_s[n] = '\0';
	kind = report_kind_parse(kind_s);
	if (kind < 0) {
		http_json_error(
		    h, 404, "not_found",
		    "报表为 weekly、visits、problems、needs 或 forms "
		    "(no such report)");
		return WL_OK;
	}
	if (dot)
		fmt = report_format_parse(dot + 1);
	if (fmt_arg && *fmt_arg)
		fmt = dot && report_format_parse(fmt_arg) != fmt
			  ? -1
			  : report_format_parse(fmt_arg);
	if (fmt < 0) {
		http_json_error(h, 400, "bad_request",
				"format 应为 json、csv 或 xlsx "
				"(format is json, csv or xlsx)");
		return WL_OK;
	}
	return ra_serve(h, (enum report_kind)kind, (enum report_format)fmt,
			http_ctx_arg(h, "from"), http_ctx_arg(h, "to"),
			http_ctx_arg(h, "week"), http_ctx_arg(h, "area"));
}

int report_download(struct http_ctx *h)
{
	const char *kind_s = http_ctx_arg(h, "kind");
	const char *fmt_s = http_ctx_arg(h, "format");
	const char *week = http_ctx_arg(h, "week");
	const char *area = http_ctx_arg(h, "area");
	int kind, fmt, rc;

	rc = report_link_verify(h->cfg, kind_s, week, area, fmt_s,
				http_ctx_arg(h, "exp"), http_ctx_arg(h, "sig"),
				clock_now_ms());
	if (rc == WL_EFORBIDDEN) {
		http_json_error(h, 403, "link_expired",
				"下载链接已过期，请在聊天中重新发送“统计”获取"
				"新链接 (this link has expired)");
		return WL_OK;
	}
	if (rc != WL_OK) {
		http_json_error(h, 403, "bad_link",
				"下载链接无效 (this link is not valid)");
		return WL_OK;
	}
	kind = report_kind_parse(kind_s);
	fmt = report_format_parse(fmt_s);
	if (kind < 0 || fmt < 0) {
		/* Signed, so made by this daemon, but not understood: a
		 * newer version's link. */
		http_json_error(h, 400, "bad_request",
				"链接中的报表或格式无法识别 "
				"(unknown report or format)");
		return WL_OK;
	}
	return ra_serve(h, (enum report_kind)kind, (enum report_format)fmt,
			NULL, NULL, week && *week ? week : NULL,
			area && *area ? area : NULL);
}
