/*
 * report_load.c — reads the cases and visit records a report needs from
 * Redis, a page at a time (script report_fetch, read-only), so a season
 * of records never blocks Redis for long; and report_make(), the whole
 * pipeline the CLI and the API share.
 */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "log.h"
#include "store.h"
#include "wl.h"

/* Records per round trip: a page takes Redis a few milliseconds. */
#define RL_PAGE 500

/* A hash reply {k, v, ...} as an object of strings ("v", the version,
 * is left out: no report needs it). */
static json_t *rl_hash(const redisReply *h)
{
	json_t *o = json_object();

	if (!o || h->type != REDIS_REPLY_ARRAY)
		return o;
	for (size_t i = 0; i + 1 < h->elements; i += 2) {
		const redisReply *k = h->element[i], *v = h->element[i + 1];

		if (k->type != REDIS_REPLY_STRING ||
		    v->type != REDIS_REPLY_STRING || strcmp(k->str, "v") == 0)
			continue;
		/* Bytes as stored: report_build() cleans every cell. */
		if (json_object_set_new_nocheck(
			o, k->str, json_stringn_nocheck(v->str, v->len)))
			goto fail;
	}
	return o;
fail:
	json_decref(o);
	return NULL;
}

/* {"id", "at", "data": {...}}: data is the JSON the visit flow wrote; a
 * record that does not parse keeps an empty data object. */
static json_t *rl_visit(const char *id, json_t *h)
{
	const char *data = json_string_value(json_object_get(h, "data"));
	json_t *d = data ? json_loads(data, 0, NULL) : NULL;
	json_t *at = json_object_get(h, "at");

	if (!json_is_object(d)) {
		json_decref(d);
		d = json_object();
	}
	return json_pack("{s:s, s:O?, s:o}", "id", id, "at", at, "data", d);
}

int report_fetch(const char *kind, int64_t from_ms, int64_t to_ms, size_t max,
		 json_t *into)
{
	char min[24], lim[24], off[24], cnt[24];
	const char *argv[6] = {store_prefix(), kind, min, lim, off, cnt};
	redisReply *r = NULL;
	size_t total = 0;
	int rc;

	snprintf(min, sizeof(min), "%lld", (long long)from_ms);
	snprintf(lim, sizeof(lim), "(%lld", (long long)to_ms);
	snprintf(cnt, sizeof(cnt), "%d", RL_PAGE);
	for (;;) {
		snprintf(off, sizeof(off), "%zu", total);
		rc = store_eval(STORE_REPORT_FETCH, 6, argv, NULL, &r);
		if (rc != WL_OK)
			return rc;
		if (r->type != REDIS_REPLY_ARRAY) {
			rc = WL_EREDIS;
			goto out;
		}
		for (size_t i = 0; i < r->elements; i++) {
			const redisReply *e = r->element[i];
			json_t *h, *rec;

			if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
			    e->element[0]->type != REDIS_REPLY_STRING)
				continue;
			h = rl_hash(e->element[1]);
			if (!h) {
				rc = WL_ENOMEM;
				goto out;
			}
			if (strcmp(kind, "visit") == 0) {
				rec = rl_visit(e->element[0]->str, h);
				json_decref(h);
			} else {
				rec = h;
			}
			if (!rec || json_array_append_new(into, rec)) {
				rc = WL_ENOMEM;
				goto out;
			}
		}
		total += r->elements;
		if (r->elements < RL_PAGE)
			break;
		if (total >= max) {
			rc = WL_ETOOBIG;
			goto out;
		}
		freeReplyObject(r);
		r = NULL;
	}
	rc = WL_OK;
out:
	if (r)
		freeReplyObject(r);
	return rc;
}

int report_load(const struct wl_config *cfg, const struct report_query *q,
		struct report_data *d)
{
	int rc;

	report_data_release(d);
	d->cases = json_array();
	d->visits = json_array();
	if (!d->cases || !d->visits)
		return WL_ENOMEM;
	/* The weekly table also counts cases opened before the period and
	 * resolved in it; a ledger lists the cases opened in it. */
	rc = report_fetch("case", q->kind == REPORT_WEEKLY ? 0 : q->from_ms,
			  q->to_ms, REPORT_MAX_RECORDS, d->cases);
	if (rc == WL_OK &&
	    (q->kind == REPORT_WEEKLY || q->kind == REPORT_VISITS ||
	     q->kind == REPORT_FORMS))
		rc = report_fetch("visit", q->from_ms, q->to_ms,
				  REPORT_MAX_RECORDS, d->visits);
	if (rc != WL_OK)
		report_data_release(d);
	return rc;
}

int report_make(const struct wl_config *cfg, const struct report_query *q,
		enum report_format fmt, struct buf *out, char *err,
		size_t err_size)
{
	struct report_data d;
	struct report_table t;
	int rc;

	report_data_init(&d);
	memset(&t, 0, sizeof(t));
	rc = report_load(cfg, q, &d);
	if (rc == WL_EREDIS) {
		snprintf(err, err_size, "无法读取 Redis（redis unavailable）");
		goto out;
	}
	if (rc == WL_ETOOBIG) {
		snprintf(err, err_size,
			 "记录超过 %d 条，请缩短统计时段"
			 "（too many records: shorten the "
			 "period）",
			 REPORT_MAX_RECORDS);
		goto out;
	}
	if (rc == WL_OK)
		rc = report_build(cfg, &d, q, &t);
	if (rc == WL_OK) {
		switch (fmt) {
		case REPORT_CSV: rc = report_csv(&t, out); break;
		case REPORT_JSON: rc = report_json(&t, out); break;
		case REPORT_XLSX: rc = report_xlsx_buf(&t, out); break;
		case REPORT_HTML:
			rc = report_html(&t, out);
			if (rc == WL_EBADREQ)
				snprintf(
				    err, err_size,
				    "HTML 只用于附件1 走访排查记录表（forms）"
				    "（html is for the forms report only）");
			break;
		default: rc = WL_EBADREQ; break;
		}
	}
	if (rc == WL_EINTERNAL && fmt == REPORT_XLSX)
		snprintf(err, err_size,
			 "此版本未包含 XLSX 支持，请用 CSV"
			 "（built without libxlsxwriter）");
	else if (rc == WL_EIO)
		snprintf(err, err_size,
			 "无法写出 XLSX 临时文件"
			 "（cannot write the XLSX file）");
	else if (rc != WL_OK)
		snprintf(err, err_size, "生成报表失败：%s（report failed）",
			 wl_strerror(rc));
out:
	if (rc == WL_OK)
		log_info("report",
			 "made kind=%s rows=%zu cases=%zu visits=%zu "
			 "bytes=%zu",
			 report_kind_name(q->kind), t.n_rows,
			 json_array_size(d.cases), json_array_size(d.visits),
			 out->len);
	report_table_release(&t);
	report_data_release(&d);
	return rc;
}
