/*
 * test_config.c — the configuration loader: the demo config of deploy/,
 * a config that sets every option, defaults, warnings, and one broken
 * file per kind of mistake (tests/configs/bad/) with the exact
 * "FILE: WHERE: WHAT" line `warmline check` prints for it.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "channel.h"
#include "config.h"
#include "wl.h"

#ifdef WL_TEST_STUB_CHAN_TYPES
/* Only for building this test without bot/channels.c. */
const char *const *chan_types(void)
{
	static const char *const types[] = {"generic", NULL};

	return types;
}
#endif

#define BAD_DIR "tests/configs/bad/"

static int setup(void **state)
{
#ifdef WL_SOURCE_DIR
	if (chdir(WL_SOURCE_DIR) != 0)
		return -1;
#endif
	setenv("WARMLINE_TEST_SECRET", "env-secret", 1);
	setenv("WARMLINE_TEST_ADMIN", "env-admin-token", 1);
	setenv("WARMLINE_TEST_APP_SECRET", "env-app-secret", 1);
	setenv("WARMLINE_TEST_EMPTY", "", 1);
	unsetenv("WARMLINE_TEST_UNSET_SECRET");
	unsetenv("WARMLINE_TEST_UNSET_ADMIN");
	return 0;
}

static bool has_line(const struct wl_diag *d, const char *line)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->lines[i], line) == 0)
			return true;
	return false;
}

static void print_diag(const struct wl_diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		print_message("  diag: %s\n", d->lines[i]);
}

/* Loads a config from a string that must be valid. */
static struct wl_config *load_ok(const char *json, struct wl_diag *d)
{
	struct wl_config *cfg;

	diag_init(d);
	cfg = config_load_string(json, strlen(json), "t.json", d);
	if (!cfg)
		print_diag(d);
	assert_non_null(cfg);
	return cfg;
}

/* Loads a config from a string that must fail with exactly one error,
 * the line given. */
static void load_bad(const char *json, const char *line)
{
	struct wl_diag d;
	struct wl_config *cfg;

	diag_init(&d);
	cfg = config_load_string(json, strlen(json), "t.json", &d);
	if (diag_errors(&d) != 1 || !has_line(&d, line)) {
		print_message("expected: %s\n", line);
		print_diag(&d);
	}
	assert_null(cfg);
	assert_int_equal(diag_errors(&d), 1);
	assert_true(has_line(&d, line));
	diag_release(&d);
}

#define CH_OK                                                                  \
	"{\"id\":\"demo\",\"type\":\"generic\",\"secret\":\"s\","              \
	"\"callback_url\":\"http://127.0.0.1:9000/out\"}"

/* ------------------------------------------------------------------ */

static void test_demo(void **state)
{
	static const char *const area_ids[] = {
	    "tdj", "c-hd", "g-hd-1", "g-hd-2", "c-xh", "g-xh-1", "g-xh-2"};
	static const int parents[] = {-1, 0, 1, 1, 0, 4, 4};
	static const enum wl_level levels[] = {
	    LEVEL_STREET,    LEVEL_COMMUNITY, LEVEL_GRID, LEVEL_GRID,
	    LEVEL_COMMUNITY, LEVEL_GRID,      LEVEL_GRID,
	};
	struct wl_diag d;
	struct wl_config *cfg;
	const struct wl_staff *s;
	const struct wl_channel_conf *ch;
	int roles[5] = {0};

	diag_init(&d);
	cfg = config_load("deploy/warmline.demo.json", &d);
	print_diag(&d);
	assert_non_null(cfg);
	assert_int_equal(d.n, 0); /* not even a warning */

	assert_string_equal(cfg->path, "deploy/warmline.demo.json");
	assert_string_equal(cfg->listen_host, "127.0.0.1");
	assert_int_equal(cfg->listen_port, 8080);
	assert_true(cfg->redis_embedded);
	assert_string_equal(cfg->redis_embedded_dir, "var/redis");
	assert_int_equal(cfg->redis_embedded_port, 6390);
	assert_string_equal(cfg->redis_host, "127.0.0.1");
	assert_int_equal(cfg->redis_port, 6390);
	assert_int_equal(cfg->redis_db, 0);
	assert_null(cfg->redis_unix);
	assert_string_equal(cfg->redis_url, "redis://127.0.0.1:6390/0");
	assert_string_equal(cfg->redis_prefix, "wl:");
	assert_string_equal(cfg->flows_dir, "flows");
	assert_string_equal(cfg->timezone, "Asia/Shanghai");
	assert_string_equal(cfg->admin_token, "demo-admin-token");
	assert_int_equal(cfg->sla.respond_s, 3600);
	assert_int_equal(cfg->sla.handle_s, 86400);
	assert_int_equal(cfg->sla.feedback_s, 259200);

	assert_int_equal(cfg->n_channels, 1);
	ch = config_channel(cfg, "demo");
	assert_ptr_equal(ch, &cfg->channels[0]);
	assert_string_equal(ch->type, "generic");
	assert_string_equal(ch->secret, "demo-secret");
	assert_string_equal(ch->callback_url, "http://127.0.0.1:8099/out");
	assert_null(config_channel(cfg, "nope"));

	/* The tree, flattened parents first. */
	assert_int_equal(cfg->n_areas, WL_ARRAY_LEN(area_ids));
	for (size_t i = 0; i < cfg->n_areas; i++) {
		const struct wl_area *a = &cfg->areas[i];
		char to[64];

		assert_string_equal(a->id, area_ids[i]);
		assert_int_equal(a->parent, parents[i]);
		assert_int_equal(a->level, levels[i]);
		assert_string_equal(a->duty.channel, "demo");
		snprintf(to, sizeof(to), "duty-%s", a->id);
		assert_string_equal(a->duty.to, to);
		assert_int_equal(config_area_index(cfg, a->id), (int)i);
		assert_int_equal(config_area_index(cfg, a->name), (int)i);
	}
	assert_int_equal(config_area_index(cfg, "惠丰"), 1);
	assert_int_equal(config_area_index(cfg, "新华"), 4);
	assert_int_equal(config_area_index(cfg, "新华社区"), 4);
	assert_int_equal(config_area_index(cfg, "g-9"), -1);
	assert_int_equal(config_area_index(cfg, NULL), -1);

	assert_int_equal(cfg->n_staff, 7);
	for (size_t i = 0; i < cfg->n_staff; i++) {
		char chat[64];

		s = &cfg->staff[i];
		snprintf(chat, sizeof(chat), "u-%s", s->id);
		assert_string_equal(s->chat.channel, "demo");
		assert_string_equal(s->chat.to, chat);
		assert_ptr_equal(config_staff_by_chat(cfg, "demo", chat), s);
		assert_int_equal(s->area_idx, config_area_index(cfg, s->area));
		assert_true(s->area_idx >= 0);
		roles[s->role]++;
		if (s->role == ROLE_GRID_WORKER)
			assert_int_equal(cfg->areas[s->area_idx].level,
					 LEVEL_GRID);
	}
	assert_int_equal(roles[ROLE_GRID_WORKER], 4);
	assert_int_equal(roles[ROLE_COMMUNITY_DIRECTOR], 1);
	assert_int_equal(roles[ROLE_STREET_STAFF], 1);
	assert_int_equal(roles[ROLE_SUPERVISOR], 1);
	s = config_staff_by_chat(cfg, "demo", "u-chen");
	assert_non_null(s);
	assert_string_equal(s->name, "陈刚");
	assert_int_equal(s->role, ROLE_SUPERVISOR);
	assert_string_equal(cfg->areas[s->area_idx].id, "tdj");
	assert_null(config_staff_by_chat(cfg, "demo", "u-nobody"));
	assert_null(config_staff_by_chat(cfg, "other", "u-chen"));
	assert_null(config_staff_by_chat(cfg, "demo", NULL));

	config_free(cfg);
	diag_release(&d);
}

/* The example of the design's external contract loads as written. */
static void test_design_example(void **state)
{
	static const char file[] = "tests/configs/good/design.json";
	struct wl_diag d;
	struct wl_config *cfg;
	const struct wl_staff *s;

	setenv("WARMLINE_ADMIN_TOKEN", "design-admin", 1);
	setenv("WARMLINE_DEMO_SECRET", "design-secret", 1);
	diag_init(&d);
	cfg = config_load(file, &d);
	print_diag(&d);
	assert_non_null(cfg);
	assert_int_equal(d.n, 0);
	assert_string_equal(cfg->admin_token, "design-admin");
	assert_string_equal(config_channel(cfg, "demo")->secret,
			    "design-secret");
	assert_int_equal(cfg->n_areas, 3);
	assert_int_equal(config_area_index(cfg, "第一网格"), 2);
	s = config_staff_by_chat(cfg, "demo", "u-wang");
	assert_non_null(s);
	assert_int_equal(s->area_idx, 2);
	config_free(cfg);
	diag_release(&d);

	/* Without the variables the same file is refused, naming both. */
	unsetenv("WARMLINE_ADMIN_TOKEN");
	unsetenv("WARMLINE_DEMO_SECRET");
	diag_init(&d);
	assert_null(config_load(file, &d));
	assert_int_equal(diag_errors(&d), 2);
	assert_true(has_line(&d, "tests/configs/good/design.json: "
				 "admin.token_env: environment variable "
				 "WARMLINE_ADMIN_TOKEN is not set"));
	assert_true(has_line(&d, "tests/configs/good/design.json: "
				 "channels[0].secret_env: environment variable "
				 "WARMLINE_DEMO_SECRET is not set"));
	diag_release(&d);
}

static void test_defaults(void **state)
{
	struct wl_diag d;
	struct wl_config *cfg;

	diag_init(&d);
	cfg = config_load("tests/configs/good/minimal.json", &d);
	print_diag(&d);
	assert_non_null(cfg);
	assert_int_equal(d.n, 0);
	assert_string_equal(cfg->listen_host, "127.0.0.1");
	assert_int_equal(cfg->listen_port, 8080);
	assert_int_equal(cfg->workers, 64);
	assert_int_equal(cfg->body_limit, 65536);
	assert_string_equal(cfg->redis_url, "redis://127.0.0.1:6379/0");
	assert_string_equal(cfg->redis_host, "127.0.0.1");
	assert_int_equal(cfg->redis_port, 6379);
	assert_int_equal(cfg->redis_db, 0);
	assert_string_equal(cfg->redis_prefix, "wl:");
	assert_false(cfg->redis_embedded);
	assert_null(cfg->redis_embedded_dir);
	assert_string_equal(cfg->timezone, "Asia/Shanghai");
	assert_string_equal(cfg->flows_dir, "flows");
	assert_null(cfg->admin_token);
	assert_string_equal(cfg->ack_template,
			    "您好{name}，我们已收到您的消息：“{text}”。"
			    "工作人员会尽快联系您。");
	assert_int_equal(cfg->dedupe_ttl_s, 86400);
	assert_int_equal(cfg->session_ttl_s, 1800);
	assert_int_equal(cfg->outbox.max_tries, 8);
	assert_int_equal(cfg->outbox.backoff_ms, 1000);
	assert_int_equal(cfg->outbox.max_backoff_ms, 300000);
	assert_int_equal(cfg->outbox.lease_ms, 60000);
	assert_int_equal(cfg->outbox.timeout_ms, 15000);
	assert_int_equal(cfg->outbox.concurrency, 32);
	assert_int_equal(cfg->sla.respond_s, 3600);
	assert_int_equal(cfg->sla.handle_s, 86400);
	assert_int_equal(cfg->sla.feedback_s, 259200);
	assert_int_equal(cfg->n_channels, 1);
	assert_true(cfg->channels[0].rate_per_s == 0.0);
	assert_null(cfg->channels[0].token);
	assert_null(cfg->channels[0].api_base);
	assert_int_equal(cfg->n_areas, 0);
	assert_int_equal(cfg->n_staff, 0);
	assert_int_equal(config_area_index(cfg, "x"), -1);
	config_free(cfg);
	diag_release(&d);
}

static void test_full(void **state)
{
	struct wl_diag d;
	struct wl_config *cfg;
	const struct wl_channel_conf *ch;
	const struct wl_staff *s;
	json_t *sla;

	diag_init(&d);
	cfg = config_load("tests/configs/good/full.json", &d);
	print_diag(&d);
	assert_non_null(cfg);
	assert_int_equal(d.n, 0);
	assert_string_equal(cfg->listen_host, "::1");
	assert_int_equal(cfg->listen_port, 18080);
	assert_int_equal(cfg->workers, 8);
	assert_int_equal(cfg->body_limit, 1048576);
	assert_null(cfg->redis_host);
	assert_string_equal(cfg->redis_unix, "/run/redis/redis.sock");
	assert_string_equal(cfg->redis_prefix, "wlt:");
	assert_string_equal(cfg->admin_token, "env-admin-token");
	assert_string_equal(cfg->ack_template, "收到：{text}");
	assert_int_equal(cfg->dedupe_ttl_s, 3600);
	assert_int_equal(cfg->session_ttl_s, 600);
	assert_int_equal(cfg->outbox.max_tries, 5);
	assert_int_equal(cfg->outbox.backoff_ms, 500);
	assert_int_equal(cfg->outbox.max_backoff_ms, 60000);
	assert_int_equal(cfg->outbox.lease_ms, 30000);
	assert_int_equal(cfg->outbox.timeout_ms, 5000);
	assert_int_equal(cfg->outbox.concurrency, 4);
	assert_int_equal(cfg->sla.respond_s, 1800);
	/* The keys another module defines are kept as written. */
	sla = json_object_get(cfg->root, "sla");
	assert_int_equal(
	    json_array_size(json_object_get(sla, "escalate_after_s")), 2);

	ch = config_channel(cfg, "web");
	assert_non_null(ch);
	assert_string_equal(ch->secret, "env-secret");
	assert_string_equal(config_channel_get(ch, "secret"), "env-secret");
	assert_true(ch->rate_per_s == 2.5);
	/* The parsed file keeps the variable's name, not its value. */
	assert_string_equal(
	    json_string_value(json_object_get(
		json_array_get(json_object_get(cfg->root, "channels"), 0),
		"secret_env")),
	    "WARMLINE_TEST_SECRET");
	assert_null(json_object_get(
	    json_array_get(json_object_get(cfg->root, "channels"), 0),
	    "secret"));

	ch = config_channel(cfg, "w_2");
	assert_non_null(ch);
	assert_string_equal(ch->secret, "inline");
	assert_string_equal(ch->api_base, "http://127.0.0.1:9001");
	assert_string_equal(config_channel_get(ch, "app_secret"),
			    "env-app-secret");
	assert_string_equal(config_channel_get(ch, "corp_id"), "ww123");
	assert_null(config_channel_get(ch, "agent_id")); /* an integer */
	assert_int_equal(
	    json_integer_value(json_object_get(ch->raw, "agent_id")), 1000002);
	assert_null(config_channel_get(ch, "password"));

	assert_int_equal(cfg->n_areas, 5);
	assert_string_equal(cfg->areas[1].id, "g-direct");
	assert_int_equal(cfg->areas[1].parent, 0);
	assert_string_equal(cfg->areas[3].id, "g-hd-1");
	assert_int_equal(cfg->areas[3].parent, 2);
	assert_string_equal(cfg->areas[3].duty.channel, "w_2");
	assert_null(cfg->areas[1].duty.channel);
	assert_string_equal(cfg->areas[4].id, "v-x");
	assert_int_equal(cfg->areas[4].parent, -1);
	assert_int_equal(cfg->areas[0].n_aliases, 1);
	assert_int_equal(config_area_index(cfg, "太行东街"), 0);

	s = config_staff_by_chat(cfg, "web", "u-wang");
	assert_non_null(s);
	assert_string_equal(s->id, "wang");
	assert_string_equal(s->phone, "13812340000");
	/* The same chat id on another channel is another person. */
	s = config_staff_by_chat(cfg, "w_2", "u-wang");
	assert_non_null(s);
	assert_string_equal(s->id, "wang2");
	assert_null(s->phone);
	assert_int_equal(s->role, ROLE_COMMUNITY_STAFF);
	config_free(cfg);
	diag_release(&d);
}

/* ------------------------------------------------------------------ */
/* one file per mistake */

struct bad_case {
	const char *name; /* tests/configs/bad/NAME.json */
	const char *line; /* after "FILE: " */
};

static struct bad_case bad_cases[] = {
    {"unknown_top_key",
     "worker: unknown key \"worker\" (did you mean \"workers\"?)"},
    {"unknown_channel_key", "channels[0].hmac_key: unknown key \"hmac_key\""},
    {"wrong_type", "workers: expected integer, got string"},
    {"real_for_int", "body_limit: expected integer, got real"},
    {"listen_port", "listen: port must be between 1 and 65535 (got 70000)"},
    {"listen_shape",
     "listen: must be \"HOST:PORT\" or \"[IPV6]:PORT\" (got \"8080\")"},
    {"sla_range", "sla.respond_s: must be between 60 and 31536000 (got 30)"},
    {"secret_env_unset", "channels[0].secret_env: environment variable "
			 "WARMLINE_TEST_UNSET_SECRET is not set"},
    {"admin_token_env_unset",
     "admin.token_env: environment variable WARMLINE_TEST_UNSET_ADMIN "
     "is not set"},
    {"secret_both",
     "channels[0].secret_env: cannot be used together with \"secret\""},
    {"dup_channel",
     "channels[1].id: duplicate id \"demo\" (first at channels[0])"},
    {"dup_area", "areas[0].children[1].id: duplicate id \"c-hd\" "
		 "(first at areas[0].children[0])"},
    {"staff_area_unknown", "staff[0].area: unknown area \"g-9\""},
    {"duty_channel_unknown", "areas[0].duty.channel: unknown channel \"x\""},
    {"level_nesting",
     "areas[0].children[0].children[0].level: must be deeper than the "
     "parent's level \"grid\" (got \"community\")"},
    {"syntax", "line 3 column 11: '}' expected near '\"workers\"'"},
    {"duplicate_key",
     "line 3 column 11: duplicate object key near '\"workers\"'"},
    {"redis_url",
     "redis.url: bad Redis URL \"http://127.0.0.1:6379\" (expected "
     "redis://HOST[:PORT][/DB] or unix:///PATH)"},
    {"embedded_port",
     "redis.embedded.port: must be between 1 and 65535 (got 0)"},
    {"channel_type",
     "channels[0].type: unknown channel type \"carrier-pigeon\""},
    {"generic_no_callback",
     "channels[0].callback_url: required for channel type \"generic\""},
    {"wechat_plain",
     "channels[0].type: plain mode (no encoding_aes_key): the signature "
     "does not cover the body, so whoever can see a request on its way can "
     "change its sender and text; set encoding_aes_key (safe mode), or "
     "\"insecure_plain\": true to accept the risk"},
    {"feishu_token_only",
     "channels[0].type: plain mode (no encrypt_key): nothing in a request "
     "is signed or expires, so anyone who has seen one request (a proxy "
     "log) can forge messages at any time; set encrypt_key (signed "
     "events), or \"insecure_plain\": true to accept the risk"},
    {"bad_callback_url",
     "channels[0].callback_url: must be an http:// or https:// URL "
     "(got \"ftp://127.0.0.1/out\")"},
    {"bad_role", "staff[0].role: must be one of grid_worker, community_staff, "
		 "community_director, street_staff, supervisor (got \"boss\")"},
    {"dup_staff_chat",
     "staff[1].chat: chat id \"u-wang\" on channel \"demo\" is already "
     "used by staff[0]"},
    {"bad_phone", "staff[0].phone: not a phone number (got \"12345\")"},
    {"area_missing_name", "areas[0].name: required key is missing"},
    {"root_array", "(root): expected object, got array"},
};

static void test_bad(void **state)
{
	const struct bad_case *c = *state;
	char file[256], line[1024];
	struct wl_diag d;
	struct wl_config *cfg;

	snprintf(file, sizeof(file), BAD_DIR "%s.json", c->name);
	snprintf(line, sizeof(line), "%s: %s", file, c->line);
	diag_init(&d);
	cfg = config_load(file, &d);
	if (diag_errors(&d) != 1 || !has_line(&d, line)) {
		print_message("expected: %s\n", line);
		print_diag(&d);
	}
	assert_null(cfg);
	assert_int_equal(diag_errors(&d), 1);
	assert_true(has_line(&d, line));
	diag_release(&d);
}

/* Every bad file is used by the table (a file left out tests nothing). */
static void test_bad_files_all_listed(void **state)
{
	static const char *const extra[] = {"many"};
	DIR *dir = opendir(BAD_DIR);
	struct dirent *e;
	size_t files = 0;

	assert_non_null(dir);
	while ((e = readdir(dir))) {
		char name[256];
		bool found = false;
		char *dot;

		if (e->d_name[0] == '.')
			continue;
		snprintf(name, sizeof(name), "%s", e->d_name);
		dot = strstr(name, ".json");
		assert_non_null(dot);
		*dot = '\0';
		for (size_t i = 0; i < WL_ARRAY_LEN(bad_cases); i++)
			found |= strcmp(bad_cases[i].name, name) == 0;
		for (size_t i = 0; i < WL_ARRAY_LEN(extra); i++)
			found |= strcmp(extra[i], name) == 0;
		if (!found)
			print_message("not in the table: %s\n", name);
		assert_true(found);
		files++;
	}
	closedir(dir);
	assert_int_equal(files, WL_ARRAY_LEN(bad_cases) + WL_ARRAY_LEN(extra));
}

static void test_many_problems(void **state)
{
	static const char *const lines[] = {
	    "listen: port must be between 1 and 65535 (got 0)",
	    "workers: must be between 1 and 256 (got 0)",
	    "redis.prefix: must not be empty",
	    "channels[0].type: unknown channel type \"generc\" "
	    "(did you mean \"generic\"?)",
	    "areas[0].level: must be one of street, community, grid "
	    "(got \"town\")",
	    "areas[0].duty.channel: unknown channel \"nope\"",
	    "staff[0].chat.id: required key is missing",
	    "colour: unknown key \"colour\"",
	};
	struct wl_diag d;
	struct wl_config *cfg;
	char line[512];

	diag_init(&d);
	cfg = config_load(BAD_DIR "many.json", &d);
	if (diag_errors(&d) != WL_ARRAY_LEN(lines))
		print_diag(&d);
	assert_null(cfg);
	for (size_t i = 0; i < WL_ARRAY_LEN(lines); i++) {
		snprintf(line, sizeof(line), BAD_DIR "many.json: %s", lines[i]);
		assert_true(has_line(&d, line));
	}
	assert_int_equal(diag_errors(&d), WL_ARRAY_LEN(lines));
	assert_int_equal(d.warnings, 0);
	diag_release(&d);
}

/* ------------------------------------------------------------------ */
/* from strings */

static void test_missing_file(void **state)
{
	struct wl_diag d;

	diag_init(&d);
	assert_null(config_load("tests/configs/no-such-file.json", &d));
	assert_int_equal(d.n, 1);
	assert_string_equal(d.lines[0], "tests/configs/no-such-file.json: "
					"(file): cannot open: No such file or "
					"directory");
	diag_release(&d);
}

static void test_comments_and_bom(void **state)
{
	struct wl_diag d;
	struct wl_config *cfg;

	cfg = load_ok("\xef\xbb\xbf{\"#\": \"top\", \"#2\": [1, 2],"
		      "\"redis\": {\"#\": {\"nested\": true}},"
		      "\"channels\": [{\"#\": 5, \"id\": \"a\","
		      "\"type\": \"generic\", \"secret\": \"s\","
		      "\"callback_url\": \"http://h/o\"}]}",
		      &d);
	assert_int_equal(d.n, 0);
	assert_string_equal(cfg->channels[0].id, "a");
	config_free(cfg);
	diag_release(&d);
}

static void test_listen_and_redis_forms(void **state)
{
	struct wl_diag d;
	struct wl_config *cfg;

	cfg = load_ok("{\"listen\": \"0.0.0.0:1\", \"redis\": {\"url\": "
		      "\"redis://[::1]:7000/3\"}}",
		      &d);
	assert_string_equal(cfg->listen_host, "0.0.0.0");
	assert_int_equal(cfg->listen_port, 1);
	assert_string_equal(cfg->redis_host, "::1");
	assert_int_equal(cfg->redis_port, 7000);
	assert_int_equal(cfg->redis_db, 3);
	config_free(cfg);
	diag_release(&d);

	cfg = load_ok("{\"listen\": \"localhost:65535\", \"redis\": {\"url\": "
		      "\"redis://redis.internal\"}}",
		      &d);
	assert_string_equal(cfg->listen_host, "localhost");
	assert_int_equal(cfg->listen_port, 65535);
	assert_string_equal(cfg->redis_host, "redis.internal");
	assert_int_equal(cfg->redis_port, 6379);
	assert_int_equal(cfg->redis_db, 0);
	config_free(cfg);
	diag_release(&d);

	load_bad("{\"listen\": \"::1:8080\"}",
		 "t.json: listen: must be \"HOST:PORT\" or \"[IPV6]:PORT\" "
		 "(got \"::1:8080\")");
	load_bad("{\"listen\": \"[::1]:0\"}",
		 "t.json: listen: port must be between 1 and 65535 (got 0)");
	load_bad("{\"listen\": 8080}",
		 "t.json: listen: expected string, got integer");
	load_bad("{\"redis\": {\"url\": \"redis://h:0/0\"}}",
		 "t.json: redis.url: bad Redis URL \"redis://h:0/0\" "
		 "(expected redis://HOST[:PORT][/DB] or unix:///PATH)");
	load_bad("{\"redis\": {\"url\": \"redis://:pw@h/0\"}}",
		 "t.json: redis.url: bad Redis URL \"redis://:pw@h/0\" "
		 "(expected redis://HOST[:PORT][/DB] or unix:///PATH)");
	load_bad("{\"redis\": {\"url\": \"unix://relative.sock\"}}",
		 "t.json: redis.url: bad Redis URL \"unix://relative.sock\" "
		 "(expected redis://HOST[:PORT][/DB] or unix:///PATH)");
}

static void test_embedded(void **state)
{
	struct wl_diag d;
	struct wl_config *cfg;

	/* Without a port the URL's port stays. */
	cfg = load_ok("{\"redis\": {\"embedded\": {}}}", &d);
	assert_true(cfg->redis_embedded);
	assert_string_equal(cfg->redis_embedded_dir, "var/redis");
	assert_int_equal(cfg->redis_port, 6379);
	config_free(cfg);
	diag_release(&d);

	/* embedded.port wins over the URL, with a warning. */
	cfg = load_ok("{\"redis\": {\"url\": \"redis://127.0.0.1:6379/2\","
		      "\"embedded\": {\"dir\": \"/tmp/r\", \"port\": 6391}}}",
		      &d);
	assert_int_equal(d.warnings, 1);
	assert_int_equal(diag_errors(&d), 0);
	assert_string_equal(d.lines[0],
			    "t.json: redis.embedded.port: warning: replaces "
			    "port 6379 of redis.url");
	assert_int_equal(cfg->redis_port, 6391);
	assert_int_equal(cfg->redis_db, 2);
	assert_string_equal(cfg->redis_url, "redis://127.0.0.1:6391/2");
	assert_string_equal(cfg->redis_embedded_dir, "/tmp/r");
	config_free(cfg);
	diag_release(&d);

	load_bad("{\"redis\": {\"embedded\": true}}",
		 "t.json: redis.embedded: expected object, got boolean");
}

static void test_secrets(void **state)
{
	struct wl_diag d;
	struct wl_config *cfg;

	cfg = load_ok("{\"admin\": {\"token\": \"t0k\"}, \"channels\": [{"
		      "\"id\": \"tg\", \"type\": \"generic\","
		      "\"secret_env\": \"WARMLINE_TEST_SECRET\","
		      "\"token_env\": \"WARMLINE_TEST_ADMIN\","
		      "\"callback_url\": \"http://h/o\"}]}",
		      &d);
	assert_string_equal(cfg->admin_token, "t0k");
	assert_string_equal(cfg->channels[0].secret, "env-secret");
	assert_string_equal(cfg->channels[0].token, "env-admin-token");
	assert_string_equal(config_channel_get(&cfg->channels[0], "token"),
			    "env-admin-token");
	config_free(cfg);
	diag_release(&d);

	load_bad("{\"admin\": {}}",
		 "t.json: admin: needs \"token\" or \"token_env\"");
	load_bad("{\"admin\": {\"token_env\": \"WARMLINE_TEST_EMPTY\"}}",
		 "t.json: admin.token_env: environment variable "
		 "WARMLINE_TEST_EMPTY is empty");
	load_bad("{\"admin\": {\"token_env\": \"NOT-A-NAME\"}}",
		 "t.json: admin.token_env: not a valid environment variable "
		 "name (got \"NOT-A-NAME\")");
	load_bad("{\"admin\": {\"token\": \"\"}}",
		 "t.json: admin.token: must not be empty");
	load_bad("{\"channels\": [{\"id\": \"g\", \"type\": \"generic\","
		 "\"callback_url\": \"http://h/o\"}]}",
		 "t.json: channels[0].secret: required for channel type "
		 "\"generic\" (give \"secret\" or \"secret_env\")");
	load_bad(
	    "{\"channels\": [" CH_OK ", {\"id\": \"x\","
	    "\"type\": \"generic\", \"secret\": \"s\","
	    "\"callback_url\": \"http://h/o\","
	    "\"password\": \"p\", \"password_env\": \"WARMLINE_TEST_SECRET\""
	    "}]}",
	    "t.json: channels[1].password_env: cannot be used together "
	    "with \"password\"");
}

static void test_channel_values(void **state)
{
	load_bad("{\"channels\": [{\"id\": \"Demo Line\", \"type\": "
		 "\"generic\", \"secret\": \"s\", \"callback_url\": "
		 "\"http://h/o\"}]}",
		 "t.json: channels[0].id: must be made of a-z, 0-9, _ and - "
		 "only (got \"Demo Line\")");
	load_bad("{\"channels\": [{\"type\": \"generic\", \"secret\": \"s\","
		 "\"callback_url\": \"http://h/o\"}]}",
		 "t.json: channels[0].id: required key is missing");
	load_bad("{\"channels\": [" CH_OK ", 5]}",
		 "t.json: channels[1]: expected object, got integer");
	load_bad("{\"channels\": {}}",
		 "t.json: channels: expected array, got object");
	load_bad("{\"channels\": [{\"id\": \"d\", \"type\": \"generic\","
		 "\"secret\": \"s\", \"callback_url\": \"http://h/o\","
		 "\"rate_per_s\": 1500.5}]}",
		 "t.json: channels[0].rate_per_s: must be between 0 and 1000 "
		 "(got 1500.5)");
	load_bad("{\"channels\": [{\"id\": \"d\", \"type\": \"generic\","
		 "\"secret\": \"s\", \"callback_url\": \"http://h/o\","
		 "\"allowed_ips\": [\"10.0.0.1\", \"10.0.0.0/33\"]}]}",
		 "t.json: channels[0].allowed_ips[1]: not an IP address or "
		 "CIDR range (got \"10.0.0.0/33\")");
	load_bad("{\"channels\": [{\"id\": \"d\", \"type\": \"generic\","
		 "\"secret\": \"s\", \"callback_url\": \"http:// bad\"}]}",
		 "t.json: channels[0].callback_url: must be an http:// or "
		 "https:// URL (got \"http:// bad\")");
	load_bad("{\"channels\": [{\"id\": \"d\", \"type\": \"generic\","
		 "\"secret\": \"s\", \"callback_url\": \"http://h/o\","
		 "\"agent_id\": 1.5}]}",
		 "t.json: channels[0].agent_id: expected string or integer, "
		 "got real");
}

static void test_areas(void **state)
{
	struct wl_diag d;
	struct wl_config *cfg;
	char json[4096];
	size_t len;

	/* A community may be a root: a deployment for one community. */
	cfg = load_ok("{\"areas\": [{\"id\": \"c\", \"name\": \"惠丰社区\", "
		      "\"level\": \"community\", \"children\": [{\"id\": "
		      "\"g\", \"name\": \"一网格\", \"level\": \"grid\"}]}]}",
		      &d);
	assert_int_equal(cfg->n_areas, 2);
	assert_int_equal(cfg->areas[1].parent, 0);
	config_free(cfg);
	diag_release(&d);

	/* The same name twice: a warning, and the first one is found. */
	cfg = load_ok("{\"areas\": [{\"id\": \"a\", \"name\": \"惠丰社区\", "
		      "\"level\": \"community\"}, {\"id\": \"b\", \"name\": "
		      "\"惠丰社区\", \"level\": \"community\", \"aliases\": "
		      "[\"惠丰社区\", \"a\"]}, {\"id\": \"c\", \"name\": "
		      "\"新华\", \"level\": \"community\", \"aliases\": "
		      "[\"惠丰\"]}, {\"id\": \"d\", \"name\": \"惠丰\", "
		      "\"level\": \"community\"}]}",
		      &d);
	assert_int_equal(diag_errors(&d), 0);
	assert_int_equal(d.warnings, 3);
	assert_true(has_line(&d, "t.json: areas[1].name: warning: name "
				 "\"惠丰社区\" is also used by areas[0]"));
	assert_true(has_line(&d, "t.json: areas[1].aliases[0]: warning: "
				 "alias \"惠丰社区\" is also used by "
				 "areas[0]"));
	assert_true(has_line(&d, "t.json: areas[3].name: warning: name "
				 "\"惠丰\" is also used by areas[2]"));
	assert_int_equal(config_area_index(cfg, "惠丰社区"), 0);
	/* An id beats a name or an alias. */
	assert_int_equal(config_area_index(cfg, "a"), 0);
	/* A name beats an alias. */
	assert_int_equal(config_area_index(cfg, "惠丰"), 3);
	config_free(cfg);
	diag_release(&d);

	load_bad("{\"areas\": [{\"id\": \"a\", \"name\": \"n\", \"level\": "
		 "\"street\", \"children\": [{\"id\": \"a-1\", \"name\": "
		 "\"m\", \"level\": \"street\"}]}]}",
		 "t.json: areas[0].children[0].level: must be deeper than the "
		 "parent's level \"street\" (got \"street\")");
	load_bad("{\"areas\": [{\"id\": \"a b\", \"name\": \"n\", "
		 "\"level\": \"grid\"}]}",
		 "t.json: areas[0].id: must be made of A-Z, a-z, 0-9, _, . "
		 "and - only (got \"a b\")");
	load_bad("{\"areas\": [{\"id\": \"a\", \"name\": \"n\", "
		 "\"level\": \"grid\", \"aliases\": [\"x\", 3]}]}",
		 "t.json: areas[0].aliases[1]: expected string, got integer");
	load_bad("{\"areas\": [{\"id\": \"a\", \"name\": \"n\", \"level\": "
		 "\"grid\", \"children\": [{\"id\": \"b\", \"name\": \"m\", "
		 "\"level\": \"grid\"}]}]}",
		 "t.json: areas[0].children[0].level: must be deeper than the "
		 "parent's level \"grid\" (got \"grid\")");
	/* The duplicate id is the second one met, not the child. */
	load_bad("{\"areas\": [{\"id\": \"a\", \"name\": \"n\", \"level\": "
		 "\"street\", \"children\": [{\"id\": \"a\", \"name\": \"m\", "
		 "\"level\": \"grid\"}]}]}",
		 "t.json: areas[0].children[0].id: duplicate id \"a\" "
		 "(first at areas[0])");
	load_bad("{\"areas\": [{\"id\": \"a\", \"name\": \"n\", \"level\": "
		 "\"street\", \"duty\": {\"channel\": \"x\", \"to\": \"d\"}}]}",
		 "t.json: areas[0].duty.channel: unknown channel \"x\"");

	/* Places: what residents say, a 小区 split between grids by 楼号. */
	cfg = load_ok("{\"areas\": [{\"id\": \"c\", \"name\": \"惠丰社区\", "
		      "\"level\": \"community\", \"children\": [{\"id\": "
		      "\"g1\", \"name\": \"一网格\", \"level\": \"grid\", "
		      "\"places\": [\"张家庄\", {\"name\": \"惠丰小区\", "
		      "\"buildings\": \"1-6,8\"}]}, {\"id\": \"g2\", "
		      "\"name\": \"二网格\", \"level\": \"grid\", "
		      "\"places\": [{\"name\": \"惠丰小区\", \"buildings\": "
		      "\"7,9-12\"}]}]}]}",
		      &d);
	assert_int_equal(cfg->areas[1].n_places, 2);
	assert_string_equal(cfg->areas[1].places[0].name, "张家庄");
	assert_int_equal(cfg->areas[1].places[0].n_ranges, 0);
	assert_int_equal(cfg->areas[1].places[1].n_ranges, 2);
	assert_int_equal(cfg->areas[1].places[1].from[1], 8);
	assert_int_equal(cfg->areas[2].places[0].to[1], 12);
	config_free(cfg);
	diag_release(&d);
	load_bad("{\"areas\": [{\"id\": \"g1\", \"name\": \"一\", "
		 "\"level\": \"grid\", \"places\": [{\"name\": \"惠丰小区\", "
		 "\"buildings\": \"1-6\"}]}, {\"id\": \"g2\", \"name\": "
		 "\"二\", \"level\": \"grid\", \"places\": [{\"name\": "
		 "\"惠丰小区\", \"buildings\": \"6-9\"}]}]}",
		 "t.json: areas[1].places[0]: place \"惠丰小区\" is also in "
		 "areas[0]; give each area its own buildings (\"buildings\": "
		 "\"1-6\")");
	load_bad("{\"areas\": [{\"id\": \"g1\", \"name\": \"一\", "
		 "\"level\": \"grid\", \"places\": [{\"name\": \"惠丰小区\", "
		 "\"buildings\": \"6-1\"}]}]}",
		 "t.json: areas[0].places[0].buildings: must be building "
		 "numbers such as \"1-6,8\" (1 to 9999, at most 16 ranges)");
	load_bad("{\"areas\": [{\"id\": \"g1\", \"name\": \"一\", "
		 "\"level\": \"grid\", \"places\": [3]}]}",
		 "t.json: areas[0].places[0]: must be a name of 1 to 64 "
		 "characters or {\"name\": …, \"buildings\": \"1-6,8\"}");

	/* A deep chain of children is refused without deep recursion. */
	len = (size_t)snprintf(json, sizeof(json), "{\"areas\": ");
	for (int i = 0; i < 20; i++)
		len += (size_t)snprintf(json + len, sizeof(json) - len,
					"[{\"id\": \"a%d\", \"name\": \"n%d\", "
					"\"level\": \"grid\", \"children\": ",
					i, i);
	len += (size_t)snprintf(json + len, sizeof(json) - len, "[]");
	for (int i = 0; i < 20; i++)
		len += (size_t)snprintf(json + len, sizeof(json) - len, "}]");
	snprintf(json + len, sizeof(json) - len, "}");
	diag_init(&d);
	assert_null(config_load_string(json, strlen(json), "t.json", &d));
	assert_true(has_line(&d, "t.json: areas[0].children[0].children[0]"
				 ".children[0].children[0].children[0]"
				 ".children[0].children[0].children: areas "
				 "are nested more than 8 deep"));
	diag_release(&d);
}

static void test_staff(void **state)
{
	load_bad(
	    "{\"channels\": [" CH_OK "], \"areas\": [{\"id\": "
	    "\"g\", \"name\": \"n\", \"level\": \"grid\"}], \"staff\": "
	    "[{\"id\": \"w\", \"name\": \"王\", \"role\": \"grid_worker\", "
	    "\"area\": \"g\", \"chat\": {\"channel\": \"sms\", \"id\": "
	    "\"1\"}}]}",
	    "t.json: staff[0].chat.channel: unknown channel \"sms\"");
	load_bad(
	    "{\"channels\": [" CH_OK "], \"areas\": [{\"id\": \"g\", "
	    "\"name\": \"n\", \"level\": \"grid\"}], \"staff\": [{\"id\": "
	    "\"w\", \"name\": \"王\", \"role\": \"grid_worker\", \"area\": "
	    "\"g\"}]}",
	    "t.json: staff[0].chat: required key is missing");
	load_bad(
	    "{\"channels\": [" CH_OK "], \"areas\": [{\"id\": \"g\", "
	    "\"name\": \"n\", \"level\": \"grid\"}], \"staff\": [{\"id\": "
	    "\"w\", \"name\": \"王\", \"role\": \"grid_worker\", \"area\": "
	    "\"g\", \"chat\": {\"channel\": \"demo\", \"id\": \"1\"}}, "
	    "{\"id\": \"w\", \"name\": \"李\", \"role\": \"supervisor\", "
	    "\"area\": \"g\", \"chat\": {\"channel\": \"demo\", \"id\": "
	    "\"2\"}}]}",
	    "t.json: staff[1].id: duplicate id \"w\" (first at staff[0])");
	/* Areas are matched by id only, not by name. */
	load_bad(
	    "{\"channels\": [" CH_OK "], \"areas\": [{\"id\": \"g\", "
	    "\"name\": \"n\", \"level\": \"grid\"}], \"staff\": [{\"id\": "
	    "\"w\", \"name\": \"王\", \"role\": \"grid_worker\", \"area\": "
	    "\"n\", \"chat\": {\"channel\": \"demo\", \"id\": \"1\"}}]}",
	    "t.json: staff[0].area: unknown area \"n\"");
}

static void test_timezone(void **state)
{
	struct stat st;

	load_bad("{\"timezone\": \"../../etc/passwd\"}",
		 "t.json: timezone: not a time zone name (got "
		 "\"../../etc/passwd\")");
	if (getenv("TZDIR") || stat("/usr/share/zoneinfo", &st) != 0) {
		print_message("no /usr/share/zoneinfo: skipping the lookup\n");
		return;
	}
	load_bad("{\"timezone\": \"Mars/Olympus_Mons\"}",
		 "t.json: timezone: unknown time zone \"Mars/Olympus_Mons\" "
		 "(not in /usr/share/zoneinfo)");
}

static void test_flows_dir(void **state)
{
	load_bad("{\"flows_dir\": \"tests/configs/no-such-dir\"}",
		 "t.json: flows_dir: directory \"tests/configs/no-such-dir\" "
		 "does not exist");
	load_bad("{\"flows_dir\": \"tests/configs/good/minimal.json\"}",
		 "t.json: flows_dir: \"tests/configs/good/minimal.json\" is "
		 "not a directory");
}

static void test_odd_input(void **state)
{
	static const char nul[] = "{\"listen\": \"a\0b\"}";
	struct wl_diag d;
	char *big;
	char q[300];

	diag_init(&d);
	assert_null(config_load_string(nul, sizeof(nul) - 1, "t.json", &d));
	assert_int_equal(diag_errors(&d), 1);
	diag_release(&d);

	/* Control characters and long values stay on one short line. */
	load_bad("{\"listen\": \"a\\nb\\u0001\"}",
		 "t.json: listen: must be \"HOST:PORT\" or \"[IPV6]:PORT\" "
		 "(got \"a\\nb\\x01\")");
	memset(q, 'x', sizeof(q) - 1);
	q[sizeof(q) - 1] = '\0';
	{
		char json[512], line[512];

		snprintf(json, sizeof(json), "{\"%s\": 1}", q);
		diag_init(&d);
		assert_null(
		    config_load_string(json, strlen(json), "t.json", &d));
		assert_int_equal(d.n, 1);
		assert_true(strlen(d.lines[0]) < 250);
		snprintf(line, sizeof(line),
			 "t.json: %.94s...: unknown key "
			 "\"%.93s...\"",
			 q, q);
		assert_string_equal(d.lines[0], line);
		diag_release(&d);
	}

	big = malloc(WL_CONFIG_MAX_BYTES + 2);
	assert_non_null(big);
	memset(big, ' ', WL_CONFIG_MAX_BYTES + 1);
	big[0] = '{';
	big[WL_CONFIG_MAX_BYTES] = '}';
	diag_init(&d);
	assert_null(
	    config_load_string(big, WL_CONFIG_MAX_BYTES + 1, "t.json", &d));
	assert_string_equal(d.lines[0], "t.json: (file): larger than 1048576 "
					"bytes");
	diag_release(&d);
	free(big);
}

static void test_diag(void **state)
{
	struct wl_diag d;

	diag_init(&d);
	diag_add(&d, "f", "w", "warning: %s", "x");
	diag_add(&d, "f", "w", "%s %d", "bad", 1);
	assert_int_equal(d.n, 2);
	assert_int_equal(d.warnings, 1);
	assert_int_equal(diag_errors(&d), 1);
	assert_string_equal(d.lines[1], "f: w: bad 1");
	for (int i = 0; i < WL_DIAG_MAX + 10; i++)
		diag_add(&d, "f", "w", "e%d", i);
	/* Past the cap lines are counted, not kept. */
	assert_int_equal(d.n, WL_DIAG_MAX);
	assert_int_equal(d.dropped, 12);
	assert_int_equal(diag_errors(&d), WL_DIAG_MAX + 11);
	diag_release(&d);
	assert_int_equal(d.n, 0);
	assert_null(d.lines);

	assert_string_equal(config_level_name(LEVEL_COMMUNITY), "community");
	assert_string_equal(config_role_name(ROLE_STREET_STAFF),
			    "street_staff");
	assert_string_equal(config_level_name((enum wl_level)7), "unknown");
	config_free(NULL);
	assert_null(config_channel(NULL, "x"));
	assert_null(config_channel_get(NULL, "x"));
}

int main(void)
{
	struct CMUnitTest tests[WL_ARRAY_LEN(bad_cases) + 32];
	size_t n = 0;

	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_demo);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_design_example);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_defaults);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_full);
	/* One test per broken file, named after it. */
	for (size_t i = 0; i < WL_ARRAY_LEN(bad_cases); i++)
		tests[n++] = (struct CMUnitTest){
		    .name = bad_cases[i].name,
		    .test_func = test_bad,
		    .initial_state = &bad_cases[i],
		};
	tests[n++] =
	    (struct CMUnitTest)cmocka_unit_test(test_bad_files_all_listed);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_many_problems);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_missing_file);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_comments_and_bom);
	tests[n++] =
	    (struct CMUnitTest)cmocka_unit_test(test_listen_and_redis_forms);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_embedded);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_secrets);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_channel_values);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_areas);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_staff);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_timezone);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_flows_dir);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_odd_input);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_diag);
	return _cmocka_run_group_tests("config", tests, n, setup, NULL);
}
