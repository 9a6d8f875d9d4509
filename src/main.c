/*
 * main.c — the warmline command line: serve | check | chat | report |
 * version, one table of commands.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "api.h"
#include "case_index.h"
#include "chat.h"
#include "clock.h"
#include "config.h"
#include "embedded.h"
#include "flow.h"
#include "http.h"
#include "inbound.h"
#include "log.h"
#include "outbox.h"
#include "schedule.h"
#include "sla.h"
#include "report.h"
#include "store.h"
#include "timers.h"
#include "wl.h"

#define MAIN_DRAIN_MS 10000

static int main_serve(int argc, char **argv);
static int main_check(int argc, char **argv);
static int main_chat(int argc, char **argv);
static int main_report(int argc, char **argv);
static int main_version(int argc, char **argv);

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} main_commands[] = {
    {"serve", main_serve,
     "serve -c CONFIG [--fake-clock]   运行守护进程 run the daemon"},
    {"check", main_check,
     "check -c CONFIG                  检查配置和流程 check config and flows"},
    {"chat", main_chat,
     "chat [-c CONFIG] [--as ID]       终端聊天客户端 terminal chat client"},
    {"report", main_report,
     "report KIND -c CONFIG [--week D] 周报表和台账 weekly table, ledgers"},
    {"version", main_version, "version                          版本 version"},
};

static void main_usage(void)
{
	fputs("warmline —— 暖冬热线 winter hotline daemon\n用法 usage:\n",
	      stderr);
	for (size_t i = 0; i < WL_ARRAY_LEN(main_commands); i++)
		fprintf(stderr, "  warmline %s\n", main_commands[i].help);
}

/* Parses -c FILE and --fake-clock; returns the config path or NULL. */
static const char *main_args(int argc, char **argv, bool *fake)
{
	const char *path = NULL;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			path = argv[++i];
		else if (fake && strcmp(argv[i], "--fake-clock") == 0)
			*fake = true;
		else
			return NULL;
	}
	return path;
}

static void main_print_diag(const struct wl_diag *diag, FILE *to)
{
	for (size_t i = 0; i < diag->n; i++)
		fprintf(to, "%s\n", diag->lines[i]);
	if (diag->dropped)
		fprintf(to, "(另有 %zu 个问题未列出 %zu more problems)\n",
			diag->dropped, diag->dropped);
}

static struct sla_conf main_sla;

/* Loads and validates the config, its response-time rules and every
 * flow; prints every diag line. NULL on any error. */
static struct wl_config *main_load(const char *path, struct flow_set **flows)
{
	struct wl_diag diag;
	struct wl_config *cfg;

	*flows = NULL;
	diag_init(&diag);
	cfg = config_load(path, &diag);
	/* Every check runs, so one pass reports every problem. */
	if (cfg) {
		int bad = sla_conf_from_config(cfg, &main_sla, &diag) != WL_OK;

		bad |= schedule_load(cfg, &diag) != WL_OK;
		bad |= api_load(cfg, &diag) != WL_OK;
		bad |=
		    flow_set_load(cfg->flows_dir, cfg, flows, &diag) != WL_OK;
		if (bad) {
			flow_set_free(*flows);
			*flows = NULL;
			api_release();
			config_free(cfg);
			cfg = NULL;
		}
	}
	main_print_diag(&diag, stderr);
	diag_release(&diag);
	return cfg;
}

static int main_check(int argc, char **argv)
{
	const char *path = main_args(argc, argv, NULL);
	struct flow_set *flows;
	struct wl_config *cfg;

	if (!path) {
		main_usage();
		return 2;
	}
	cfg = main_load(path, &flows);
	if (!cfg)
		return 1;
	printf("configuration OK\n");
	api_release();
	flow_set_free(flows);
	config_free(cfg);
	return 0;
}

static int main_serve(int argc, char **argv)
{
	bool fake = false;
	const char *path = main_args(argc, argv, &fake);
	struct flow_set *flows = NULL;
	struct wl_config *cfg;
	sigset_t set;
	int sig = 0, rc = 1;

	if (!path) {
		main_usage();
		return 2;
	}
	clock_init(fake);
	cfg = main_load(path, &flows);
	if (!cfg)
		return 1;
	inbound_init(flows, &main_sla);
	/* Every thread inherits this mask; only sigwait() below sees the
	 * signals, so no handler runs inside a worker. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (embedded_start(cfg) != WL_OK)
		goto out;
	if (store_init(cfg) != WL_OK)
		goto out;
	/* Cases stored before the indexes existed get indexed once, before
	 * any message is read; a Redis that cannot be reached now is no
	 * reason not to start (the next start finishes it). */
	if (case_index_build() != WL_OK)
		log_warn("main",
			 "case indexes not built yet: Redis unreachable");
	inbound_on_queued = outbox_wake;
	if (cfg->background &&
	    (outbox_start(cfg) != WL_OK || timers_start(cfg) != WL_OK))
		goto out;
	if (!cfg->background)
		log_info("main", "receive only: no sender, no timers here");
	if (http_start(cfg) != WL_OK)
		goto out;
	log_info("main", "warmline started version=%s config=%s fake_clock=%d",
		 WL_VERSION, path, (int)fake);
	sigwait(&set, &sig);
	log_info("main", "stopping signal=%d", sig);
	rc = 0;
out:
	http_stop(MAIN_DRAIN_MS);
	timers_stop();
	outbox_stop(MAIN_DRAIN_MS / 2);
	store_conn_close();
	embedded_stop();
	curl_global_cleanup();
	flow_set_free(flows);
	api_release();
	config_free(cfg);
	log_info("main", "stopped");
	return rc;
}

static int main_chat(int argc, char **argv)
{
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = chat_main(argc, argv);
	curl_global_cleanup();
	return rc;
}

static int main_report(int argc, char **argv)
{
	return report_main(argc, argv);
}

static int main_version(int argc, char **argv)
{
	printf("warmline %s\n", WL_VERSION);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		main_usage();
		return 2;
	}
	for (size_t i = 0; i < WL_ARRAY_LEN(main_commands); i++)
		if (strcmp(argv[1], main_commands[i].name) == 0)
			return main_commands[i].fn(argc - 2, argv + 2);
	main_usage();
	return 2;
}
