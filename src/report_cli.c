/*
 * report_cli.c — `warmline report`: the weekly table and the ledgers from
 * the Redis a config points at, to a file or to stdout.
 *
 *   warmline report weekly|visits|problems|needs|forms -c CONFIG
 *       [--from YYYY-MM-DD --to YYYY-MM-DD | --week YYYY-MM-DD]
 *       [--area ID] [--format csv|xlsx|json|html] [-o FILE]
 *
 * It only reads. It never starts the embedded redis-server: with an
 * embedded config it connects to that server's port, so the daemon (or
 * `serve`) must be running.
 */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "log.h"
#include "store.h"
#include "wl.h"

static void rc_usage(void)
{
	fputs("用法 usage: warmline report weekly|visits|problems|needs|forms "
	      "-c CONFIG\n"
	      "    [--from YYYY-MM-DD --to YYYY-MM-DD | --week YYYY-MM-DD]\n"
	      "    [--area 区域ID] [--format csv|xlsx|json|html] [-o 文件]\n"
	      "  weekly   保障困难群众温暖过冬情况统计表（附件2，周三至周二）\n"
	      "  visits   走访排查台账（附件1）\n"
	      "  problems 问题整改台账\n"
	      "  needs    困难群众过冬需求台账\n"
	      "  forms    困难群众走访排查记录表（附件1，每人一页，可打印；"
	      "xlsx 或 html）\n"
	      "  不给日期时：weekly 为上一个完整的统计周，台账为全部记录。\n"
	      "  CSV 不给 -o 时写到标准输出。\n",
	      stderr);
}

struct rc_args {
	const char *kind, *config, *from, *to, *week, *area, *format, *out;
};

/* Options take their value as the next word. */
static int rc_parse(int argc, char **argv, struct rc_args *a)
{
	memset(a, 0, sizeof(*a));
	const struct {
		const char *name;
		const char **dst;
	} opts[] = {
	    {"-c", &a->config},	      {"--config", &a->config},
	    {"--from", &a->from},     {"--to", &a->to},
	    {"--week", &a->week},     {"--area", &a->area},
	    {"--format", &a->format}, {"-o", &a->out},
	    {"--output", &a->out},
	};

	for (int i = 0; i < argc; i++) {
		size_t k;

		if (argv[i][0] != '-') {
			if (a->kind) {
				fprintf(stderr,
					"多余的参数：%s（unexpected "
					"argument）\n",
					argv[i]);
				return WL_EBADREQ;
			}
			a->kind = argv[i];
			continue;
		}
		for (k = 0; k < WL_ARRAY_LEN(opts); k++)
			if (strcmp(argv[i], opts[k].name) == 0)
				break;
		if (k == WL_ARRAY_LEN(opts)) {
			fprintf(stderr, "不认识的选项：%s（unknown option）\n",
				argv[i]);
			return WL_EBADREQ;
		}
		if (i + 1 >= argc) {
			fprintf(stderr,
				"选项 %s 缺少取值（%s needs a value）\n",
				argv[i], argv[i]);
			return WL_EBADREQ;
		}
		*opts[k].dst = argv[++i];
	}
	return WL_OK;
}

static int rc_write(const char *path, const struct buf *b)
{
	FILE *fp = path ? fopen(path, "wb") : stdout;
	int rc = WL_OK;

	if (!fp) {
		fprintf(stderr,
			"无法写入文件 %s（cannot open the output "
			"file）\n",
			path);
		return WL_EIO;
	}
	if (b->len && fwrite(b->s, 1, b->len, fp) != b->len)
		rc = WL_EIO;
	if (path ? fclose(fp) != 0 : fflush(fp) != 0)
		rc = WL_EIO;
	if (rc)
		fprintf(stderr, "写入失败（write failed）：%s\n",
			path ? path : "stdout");
	return rc;
}

int report_main(int argc, char **argv)
{
	struct rc_args a;
	struct wl_diag diag;
	struct wl_config *cfg = NULL;
	struct report_query q;
	struct buf out = BUF_INIT;
	char err[512];
	int kind, fmt, rc = 1;

	if (rc_parse(argc, argv, &a) != WL_OK || !a.kind || !a.config) {
		rc_usage();
		return 2;
	}
	kind = report_kind_parse(a.kind);
	if (kind < 0) {
		fprintf(stderr,
			"不认识的报表：%s（weekly、visits、problems、needs 或 "
			"forms）\n",
			a.kind);
		return 2;
	}
	fmt = report_format_parse(a.format ? a.format : "csv");
	if (fmt < 0) {
		fprintf(stderr, "--format 应为 csv、xlsx、json 或 html\n");
		return 2;
	}
	if (fmt == REPORT_XLSX && !a.out && isatty(STDOUT_FILENO)) {
		fprintf(stderr, "XLSX 请用 -o 指定输出文件（use -o FILE for "
				"xlsx）\n");
		return 2;
	}
	log_set_level(LOG_WARN);
	clock_init(false);
	diag_init(&diag);
	cfg = config_load(a.config, &diag);
	for (size_t i = 0; i < diag.n; i++)
		fprintf(stderr, "%s\n", diag.lines[i]);
	diag_release(&diag);
	if (!cfg) {
		fprintf(stderr, "配置文件有误，无法生成报表（bad config）\n");
		return 1;
	}
	if (report_query_init(cfg, (enum report_kind)kind, a.from, a.to, a.week,
			      a.area, clock_now_ms(), &q, err,
			      sizeof(err)) != WL_OK) {
		fprintf(stderr, "%s\n", err);
		rc = 2;
		goto out;
	}
	if (store_init(cfg) != WL_OK) {
		rc = 2;
		goto out;
	}
	store_set_role("report");
	if (store_ping() != WL_OK) {
		if (cfg->redis_unix)
			fprintf(stderr, "无法连接 Redis：%s", cfg->redis_unix);
		else
			fprintf(stderr, "无法连接 Redis：%s:%d",
				cfg->redis_host ? cfg->redis_host : "",
				cfg->redis_port);
		fprintf(stderr, "%s（cannot reach redis）\n",
			cfg->redis_embedded ? "；内置 Redis 需守护进程在运行"
					    : "");
		goto out;
	}
	if (report_make(cfg, &q, (enum report_format)fmt, &out, err,
			sizeof(err)) != WL_OK) {
		fprintf(stderr, "%s\n", err);
		goto out;
	}
	if (rc_write(a.out, &out) != WL_OK)
		goto out;
	if (a.out)
		fprintf(stderr, "已生成 %s（%zu 字节）\n", a.out, out.len);
	rc = 0;
out:
	store_conn_close();
	buf_release(&out);
	config_free(cfg);
	return rc;
}
