/*
 * report_api.c — the reports over the admin API:
 *
 *   GET /api/v1/reports/{weekly|visits|problems|needs}
 *       ?from=YYYY-MM-DD&to=YYYY-MM-DD | ?week=YYYY-MM-DD
 *       &area=ID &format=json|csv|xlsx
 *
 * The kind may carry the format as an extension instead
 * (/api/v1/reports/weekly.xlsx). JSON is the default. api.c checks the
 * admin token before this runs; the ledgers hold names and phone
 * numbers.
 */
#include "report.h"

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
};

int report_api(struct http_ctx *h)
{
	const char *rest = h->path + strlen(RA_PREFIX);
	const char *dot = strchr(rest, '.');
	const char *fmt_arg = http_ctx_arg(h, "format");
	char kind_s[16], err[512];
	struct report_query q;
	size_t n = dot ? (size_t)(dot - rest) : strlen(rest);
	int kind, fmt = REPORT_JSON, rc;

	if (strncmp(h->path, RA_PREFIX, strlen(RA_PREFIX)) != 0 ||
	    n >= sizeof(kind_s)) {
		http_json_error(h, 404, "not_found", "no such report");
		return WL_OK;
	}
	memcpy(kind_s, rest, n);
	kind_s[n] = '\0';
	kind = report_kind_parse(kind_s);
	if (kind < 0) {
		http_json_error(h, 404, "not_found",
				"报表为 weekly、visits、problems 或 needs "
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
	if (report_query_init(h->cfg, (enum report_kind)kind,
			      http_ctx_arg(h, "from"), http_ctx_arg(h, "to"),
			      http_ctx_arg(h, "week"), http_ctx_arg(h, "area"),
			      clock_now_ms(), &q, err, sizeof(err)) != WL_OK) {
		http_json_error(h, 400, "bad_request", err);
		return WL_OK;
	}
	rc = report_make(h->cfg, &q, (enum report_format)fmt, &h->out, err,
			 sizeof(err));
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
	return WL_OK;
}
