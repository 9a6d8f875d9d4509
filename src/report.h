/*
 * report.h — the weekly statistics table (附件2 保障困难群众温暖过冬情况
 * 统计表) and the three ledgers (走访排查台账, 困难群众过冬需求台账,
 * 问题整改台账), from the cases and visit records in Redis, written as
 * CSV (UTF-8 with a BOM), XLSX or JSON. docs/REPORTS.md defines every
 * number.
 *
 * The work is split so the sums are testable without Redis:
 *
 *   report_query_init()   command-line or URL arguments → a query
 *   report_load()         Redis → struct report_data (report_load.c)
 *   report_weekly_compute() / report_build()   data → numbers → a table
 *                                               (report.c, pure)
 *   report_csv() / report_json() / report_xlsx_*()   a table → bytes
 *
 * and two more things built on the same data: signed, expiring download
 * links (report_link.c), so a staff member can open a table from chat
 * without the admin token, and the monthly progress summary for chat
 * (report_monthly.c, the seed's 每月20日前报送救助进展、整改情况).
 *
 * Times are int64 milliseconds since the epoch; days are local day
 * numbers (days since 1970-01-01 at the config's fixed UTC offset, see
 * calendar.h). A period is [from_ms, to_ms).
 *
 * Ownership: struct report_data, struct report_weekly and struct
 * report_table are declared by their owner, filled by the functions
 * below and emptied with their _release(); releasing a zeroed one is
 * fine. The JSON arrays in report_data are owned by it.
 */
#ifndef WL_REPORT_H
#define WL_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "buf.h"
#include "config.h"
#include "http.h"
#include "sla.h"

enum report_kind {
	REPORT_WEEKLY = 0, /* 附件2 周报表 */
	REPORT_VISITS,	   /* 走访排查台账 (附件1 rows) */
	REPORT_PROBLEMS,   /* 问题台账 / 整改台账 */
	REPORT_NEEDS,	   /* 困难群众过冬需求台账 */
	REPORT_FORMS, /* 附件1 走访排查记录表, one form per visit */
	REPORT_KIND_COUNT
};

enum report_format {
	REPORT_CSV = 0,
	REPORT_XLSX,
	REPORT_JSON,
	REPORT_HTML /* the printable forms (附件1) only */
};

/* "weekly" ... → the kind, or -1. */
int report_kind_parse(const char *s);
const char *report_kind_name(enum report_kind k);
/* "csv" | "xlsx" | "json" → the format, or -1. */
int report_format_parse(const char *s);
/* The format's name ("xlsx"), or "?" for a value out of range. */
const char *report_format_name(enum report_format f);

/* The reporting week ends on Tuesday 24:00 local time and is reported on
 * Wednesday: a week runs Wednesday..Tuesday. */
#define REPORT_WEEK_START_ISO 3 /* Wednesday */
/* The longest period accepted, in days. */
#define REPORT_MAX_DAYS 3700
/* Records read from Redis at most, per kind (cases, visits). */
#define REPORT_MAX_RECORDS 200000

struct report_query {
	enum report_kind kind;
	bool bounded;		  /* false: a ledger over all time */
	int32_t from_day, to_day; /* local days, inclusive (when bounded) */
	int64_t from_ms, to_ms;	  /* [from_ms, to_ms) */
	int32_t utc_offset_s;	  /* from cfg->timezone */
	int area;		  /* an area index, -1 for every area */
	int64_t now_ms;		  /* when the report is made */
};

/* The week (Wednesday..Tuesday) that holds local day `day`. */
void report_week_of(int32_t day, int32_t *from_day, int32_t *to_day);

/*
 * Fills q from the arguments, any of which may be NULL:
 *   from, to  "YYYY-MM-DD", inclusive local days (both or neither);
 *   week      "YYYY-MM-DD", any day of the reporting week wanted;
 *   area      an area id, name or alias from the config.
 * With no dates, the weekly table covers the last complete reporting
 * week before now_ms, and a ledger covers all time. WL_OK, or WL_EBADREQ
 * with a Chinese-first reason in err.
 */
int report_query_init(const struct wl_config *cfg, enum report_kind kind,
		      const char *from, const char *to, const char *week,
		      const char *area, int64_t now_ms, struct report_query *q,
		      char *err, size_t err_size);

/* The records a report reads. cases: an array of objects, each a case
 * hash (string values, as in Redis). visits: an array of objects
 * {"id": "7", "at": "<ms>", "data": {the 附件1 fields}}. Both in time
 * order (created, at). */
struct report_data {
	json_t *cases;
	json_t *visits;
};
void report_data_init(struct report_data *d);
void report_data_release(struct report_data *d);

/* Appends the records of kind "case" (by created) or "visit" (by time)
 * in [from_ms, to_ms) to into, oldest first, as described above; more
 * than max is WL_ETOOBIG. WL_EREDIS when Redis fails. */
int report_fetch(const char *kind, int64_t from_ms, int64_t to_ms, size_t max,
		 json_t *into);
/* Reads what q needs through this thread's Redis connection
 * (store_eval, paged). WL_OK, WL_EREDIS, WL_ETOOBIG (more than
 * REPORT_MAX_RECORDS) or WL_ENOMEM. */
int report_load(const struct wl_config *cfg, const struct report_query *q,
		struct report_data *d);

/* The five person columns of 附件2. */
enum report_person {
	REPORT_DIBAO = 0, /* 低保 */
	REPORT_TEKUN,	  /* 特困对象 */
	REPORT_ELDERLY,	  /* 特殊困难老年人 */
	REPORT_CHILD,	  /* 困境儿童 */
	REPORT_OTHERS,	  /* 其他困难群众 */
	REPORT_PERSON_KINDS
};
/* A person category as stored (低保, 特困人员, 低保边缘户...) → its
 * column, or -1 (不清楚, empty, anything else). */
int report_person_kind(const char *category);

#define REPORT_GOODS_MAX 16
#define REPORT_NAME_MAX	 128

struct report_goods {
	char name[48]; /* 取暖煤 */
	long times;
};

/* One row of 附件2. */
struct report_weekly_row {
	char name[REPORT_NAME_MAX]; /* 惠丰社区, 街道本级, 合计 */
	int area;		    /* the unit's area; -1 on the total row */
	bool street_own;	    /* the street's own row (街道本级) */
	bool total;
	long persons[REPORT_PERSON_KINDS];
	long relief_times;			     /* 救助人次 */
	long long relief_fen;			     /* 支出金额, in fen */
	struct report_goods goods[REPORT_GOODS_MAX]; /* 其他救助方式 */
	size_t n_goods;
	long goods_times;
	long found, solved; /* 走访排查发现 / 解决急难愁盼问题数 */
};

struct report_weekly {
	struct report_weekly_row *rows; /* units, street rows, then total */
	size_t n_rows;
};

int report_weekly_compute(const struct wl_config *cfg,
			  const struct report_data *d,
			  const struct report_query *q,
			  struct report_weekly *out);
void report_weekly_release(struct report_weekly *w);
/* "取暖煤、棉被" (empty when none). Returns snprintf's count. */
int report_goods_text(const struct report_weekly_row *r, char *buf,
		      size_t size);
/* Fen as 万元 with two decimals, rounded half up: 150000 → "0.15". */
int report_wan_text(long long fen, char *buf, size_t size);

/* A table as printed. */
enum report_col_type {
	REPORT_TEXT = 0,
	REPORT_INT, /* a whole number (empty allowed) */
	REPORT_DEC2 /* a number with two decimals */
};

struct report_col {
	const char *key;   /* JSON key */
	const char *group; /* upper header shared by neighbours, or NULL */
	const char *name;  /* header */
	enum report_col_type type;
	int width; /* XLSX width, in characters */
};

struct report_table {
	enum report_kind kind;
	const char *title; /* static */
	const char *sheet; /* static, the XLSX sheet name */
	char unit[REPORT_NAME_MAX];
	char period[160]; /* "2025年11月19日至2025年11月25日" or "全部" */
	char from[11], to[11]; /* YYYY-MM-DD or "" when unbounded */
	char made[17];	       /* local "YYYY-MM-DD HH:MM" */
	/* 填报人 and 联系电话 of the footer: the street's 民政办 staff
	 * member (role street_staff) from the config, "" when none */
	char signer[REPORT_NAME_MAX], signer_phone[64];
	const struct report_col *cols;
	size_t n_cols;
	char **cells; /* n_rows * n_cols, row-major; NULL is empty */
	size_t n_rows, cap_rows;
	bool total_row;		  /* the last row is a total */
	const char *const *notes; /* footer lines, NULL-terminated */
};

int report_build(const struct wl_config *cfg, const struct report_data *d,
		 const struct report_query *q, struct report_table *t);
void report_table_release(struct report_table *t);
/* A cell's text; "" when empty. Borrowed. */
const char *report_cell(const struct report_table *t, size_t row, size_t col);

/* The header as one flat line per column: "其他救助方式-救助方式". */
int report_col_header(const struct report_col *c, char *buf, size_t size);

/* One printed 附件1 (a visit of a REPORT_FORMS table) as a grid of six
 * columns: cells with their span and what they are. The XLSX writer and
 * report_html() both draw from it. Release with report_form_release(). */
enum report_form_style { RF_TITLE, RF_LINE, RF_LABEL, RF_VALUE, RF_SIGN };
struct report_form_cell {
	int row, col, rows, cols;
	enum report_form_style style;
	char *text; /* owned */
};
#define REPORT_FORM_CELLS 48
struct report_form {
	struct report_form_cell cells[REPORT_FORM_CELLS];
	size_t n;
	int rows;
	const char *staff; /* borrowed from the table */
};
int report_form_layout(const struct report_table *t, size_t row,
		       struct report_form *f);
void report_form_release(struct report_form *f);
/* The forms as one HTML page, a form per printed page (print to PDF).
 * WL_EBADREQ for any other kind of table. */
int report_html(const struct report_table *t, struct buf *out);

/* UTF-8 with a BOM, CRLF line ends (RFC 4180), the flat header, then the
 * rows. */
int report_csv(const struct report_table *t, struct buf *out);
/* {"report", "title", "unit", "from", "to", "made", "columns": [...],
 *  "rows": [{key: value}]} */
int report_json(const struct report_table *t, struct buf *out);
/* The workbook as an official prints it (see report_xlsx.c). WL_OK,
 * WL_EIO, or WL_EINTERNAL when built without libxlsxwriter. */
int report_xlsx_file(const struct report_table *t, const char *path);
/* The same into memory (through a temporary file). */
int report_xlsx_buf(const struct report_table *t, struct buf *out);

/* The whole pipeline for the CLI and the API: query → Redis → table →
 * bytes in out. WL_OK, or a WL_E* code with a Chinese-first reason. */
int report_make(const struct wl_config *cfg, const struct report_query *q,
		enum report_format fmt, struct buf *out, char *err,
		size_t err_size);

/* GET /api/v1/reports/{weekly|visits|problems|needs}?from=&to=&week=
 * &area=&format=csv|xlsx|json (the admin token is checked by api.c). */
int report_api(struct http_ctx *h);
/* warmline report KIND -c CONFIG [...]: argv starts after "report". */
int report_main(int argc, char **argv);

/* ------------------------------------------------------------------ */
/* person keys and the problem ledger's rules, shared with the monthly
 * summary (report.c) */

/* Who a record is about (resident ID, else name and phone, else name,
 * age and unit, else the record "<what>:<id>"), for counting a person
 * once; unit is the community (or any number the caller groups by).
 * Heap string the caller frees; NULL when out of memory. */
char *report_person_key(const json_t *o, const char *what, const char *id,
			int unit);
/* A case of the problem ledger: from a visit, a hazard report or 12345. */
bool report_is_problem(const json_t *c);
/* Its rectification deadline: the work order's own, else created + the
 * handling time; 0 when the case has no creation time. */
int64_t report_problem_deadline(const struct wl_config *cfg, const json_t *c);

/* ------------------------------------------------------------------ */
/* signed download links (report_link.c) */

#define REPORT_LINK_PATH "/api/v1/reports/download"
/* The longest life of a link. */
#define REPORT_LINK_TTL_MAX_MS (31LL * 86400 * 1000)
/* What a link needs at most with a 2048-byte public_url. */
#define REPORT_LINK_MAX 2400

/*
 * A link anyone holding it may open until now_ms + ttl_ms, that serves
 * exactly what GET /api/v1/reports/KIND?week=&area=&format= serves to the
 * admin token:
 *
 *   <base>/api/v1/reports/download?kind=weekly&week=2026-11-24&area=c-hd
 *       &format=xlsx&exp=<ms>&sig=<64 hex>
 *
 * base is cfg->public_url, else "http://<listen>". week is any day of
 * the reporting week (written as the week's Tuesday); NULL means: the
 * weekly table of the last complete week at now_ms (pinned in the link,
 * so it does not move while the link lives), all time for a ledger. area
 * is an area id, name or alias (written as the id), NULL for every area.
 * sig is the hex HMAC-SHA256 of "kind|week|area|format|exp" (absent
 * fields empty) under HMAC-SHA256(admin token, "warmline report link
 * v1"): changing the admin token revokes every link.
 *
 * WL_OK; WL_EBADREQ when there is no admin token or an argument is bad
 * (unknown kind, format or area, a week that is not YYYY-MM-DD, ttl_ms
 * not in 1..REPORT_LINK_TTL_MAX_MS); WL_ETOOBIG when out is too small
 * (REPORT_LINK_MAX always suffices). out is "" on any error.
 */
int report_link(const struct wl_config *cfg, enum report_kind kind,
		const char *week, const char *area, enum report_format fmt,
		int64_t now_ms, int64_t ttl_ms, char *out, size_t size);

/* Checks a link's query arguments as received (any may be NULL): WL_OK;
 * WL_EAUTH when there is no admin token or the signature does not match
 * these arguments; WL_EFORBIDDEN when it matches but exp <= now_ms. */
int report_link_verify(const struct wl_config *cfg, const char *kind,
		       const char *week, const char *area, const char *format,
		       const char *exp, const char *sig, int64_t now_ms);

/* GET /api/v1/reports/download?...: served without the admin token (see
 * report_link); a bad or expired link is 403. */
int report_download(struct http_ctx *h);

/* ------------------------------------------------------------------ */
/* the monthly progress summary (report_monthly.c) */

#define REPORT_MONTHLY_CATS 24 /* need categories kept; more fold to 其他 */
#define REPORT_MONTHLY_LATE 10 /* overdue cases listed by number */

struct report_monthly_cat {
	char name[64]; /* the case's "category"; 未分类 when empty */
	long received, claimed, resolved, closed;
};

/* An overdue case: its clocks that are past their deadline now. */
struct report_monthly_late {
	char no[24];
	int area; /* -1 when the config no longer has it */
	char category[64];
	char staff[72];		       /* claimed_by, "" when nobody */
	unsigned clocks;	       /* 1 << clock for each late clock */
	int64_t late_ms[SLA_N_CLOCKS]; /* how late (wall time), per clock */
	int64_t worst_ms;
};

/* Per row of help: cases received and resolved in the unit. */
struct report_monthly_unit {
	long received, resolved;
};

struct report_monthly {
	struct report_query q; /* the 1st 00:00 local .. now (inclusive) */
	/* Cases (cancelled ones never count): opened, claimed (claimed_at),
	 * resolved (resolved_at, as in the weekly table), closed after the
	 * feedback (feedback_at), each in the month. */
	long received, claimed, resolved, closed;
	struct report_monthly_cat cats[REPORT_MONTHLY_CATS]; /* received desc */
	size_t n_cats;
	/* The 附件2 numbers over the month (rows per unit, then 合计) and,
	 * per row, cases received and resolved. */
	struct report_weekly help;
	struct report_monthly_unit *units; /* help.n_rows */
	/* Visit records in the month, and the people they are about. */
	long visit_records, visit_people;
	/* The problem ledger now (every problem case ever opened), and the
	 * ones opened or resolved this month. */
	long problems, problems_done, problems_open, problems_late;
	long problems_new, problems_fixed;
	/* Clocks that stopped in the month, per clock (sla.h). */
	long met[SLA_N_CLOCKS], missed[SLA_N_CLOCKS];
	/* Open cases (new, claimed, resolved) with a clock past its deadline
	 * now; the most overdue first. */
	long overdue, overdue_by[SLA_N_CLOCKS];
	struct report_monthly_late late[REPORT_MONTHLY_LATE];
	size_t n_late;
};

/* The month that holds now_ms (local time, cfg->timezone): from the 1st
 * 00:00 to now_ms inclusive, as a bounded weekly-kind query. */
void report_month_query(const struct wl_config *cfg, int64_t now_ms,
			struct report_query *q);
/* Pure: the numbers of the summary from the records (the cases of all
 * time up to now, the visits of the month; see report_load). WL_OK or
 * WL_ENOMEM. Release m with report_monthly_release even on error. */
int report_monthly_compute(const struct wl_config *cfg,
			   const struct report_data *d,
			   const struct report_query *q,
			   struct report_monthly *m);
void report_monthly_release(struct report_monthly *m);
/* Pure: the chat text, Chinese, appended to out. WL_OK or WL_ENOMEM. */
int report_monthly_format(const struct wl_config *cfg,
			  const struct report_monthly *m, struct buf *out);
/*
 * The monthly progress summary (救助进展和整改情况月度小结) of the month
 * holding now_ms, from Redis (this thread's connection), appended to out
 * as chat text. For the job that runs before the 20th. WL_OK, WL_EREDIS,
 * WL_ETOOBIG (more than REPORT_MAX_RECORDS) or WL_ENOMEM.
 */
int report_monthly_text(const struct wl_config *cfg, int64_t now_ms,
			struct buf *out);

#endif
