/*
 * config.c — reads the one JSON configuration file and checks it against
 * one table of options.
 *
 * Every option of every kind of object (the top level, redis, admin,
 * outbox, sla, a channel, an area, a staff member, ...) is one row of
 * opt_table: its name, JSON type, bounds, default and where its value is
 * stored. walk_object() walks a JSON object with that table, so adding an
 * option is adding a row; a few checks that look at more than one value
 * (duplicates, references between channels, areas and staff, level
 * nesting) are in the finish step of each kind.
 *
 * The loader never stops at the first problem: each one becomes a
 * "FILE: WHERE: WHAT" line and the walk goes on, so one run of
 * `warmline check` shows everything to fix. Keys that start with "#" are
 * comments and are skipped anywhere.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "channel.h"
#include "text.h"
#include "wl.h"

#define CONFIG_MAX_CHANNELS 256
#define CONFIG_MAX_AREAS    4096
#define CONFIG_MAX_STAFF    16384
/* Levels only go three deep; the cap bounds the recursion on any input. */
#define CONFIG_MAX_DEPTH 8
#define CONFIG_PATH_LEN	 512
/* Room for a value quoted in a message: long values are shortened. */
#define CONFIG_QUOTE_LEN 100

_Static_assert(sizeof(enum wl_level) == sizeof(int), "enum stored as int");
_Static_assert(sizeof(enum wl_role) == sizeof(int), "enum stored as int");

/* ------------------------------------------------------------------ */
/* diag */

void diag_init(struct wl_diag *d)
{
	memset(d, 0, sizeof(*d));
}

void diag_release(struct wl_diag *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++)
		free(d->lines[i]);
	free(d->lines);
	memset(d, 0, sizeof(*d));
}

static void diag_drop(struct wl_diag *d, bool warning)
{
	d->dropped++;
	if (!warning)
		d->dropped_errors++;
}

void diag_add(struct wl_diag *d, const char *file, const char *where,
	      const char *fmt, ...)
{
	char what[1024];
	va_list ap;
	bool warning;
	char *line;
	int len;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	warning = strncmp(what, "warning:", 8) == 0;
	if (!file)
		file = "(config)";
	if (!where || !*where)
		where = "(root)";

	if (d->n >= WL_DIAG_MAX) {
		diag_drop(d, warning);
		return;
	}
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		char **lines = realloc(d->lines, cap * sizeof(*lines));

		if (!lines) {
			diag_drop(d, warning);
			return;
		}
		d->lines = lines;
		d->cap = cap;
	}
	len = snprintf(NULL, 0, "%s: %s: %s", file, where, what);
	if (len < 0 || !(line = malloc((size_t)len + 1))) {
		diag_drop(d, warning);
		return;
	}
	snprintf(line, (size_t)len + 1, "%s: %s: %s", file, where, what);
	d->lines[d->n++] = line;
	if (warning)
		d->warnings++;
}

size_t diag_errors(const struct wl_diag *d)
{
	return d->n - d->warnings + d->dropped_errors;
}

/* ------------------------------------------------------------------ */
/* names */

static const char *const level_names[] = {"street", "community", "grid", NULL};
static const char *const role_names[] = {
    "grid_worker",  "community_staff", "community_director",
    "street_staff", "supervisor",      NULL,
};

const char *config_level_name(enum wl_level l)
{
	if ((unsigned)l >= WL_ARRAY_LEN(level_names) - 1)
		return "unknown";
	return level_names[l];
}

const char *config_role_name(enum wl_role r)
{
	if ((unsigned)r >= WL_ARRAY_LEN(role_names) - 1)
		return "unknown";
	return role_names[r];
}

/* ------------------------------------------------------------------ */
/* the table */

enum opt_kind {
	K_TOP,
	K_REDIS,
	K_EMBEDDED,
	K_ADMIN,
	K_OUTBOX,
	K_SLA,
	K_CHANNEL,
	K_AREA,
	K_DUTY,
	K_STAFF,
	K_CHAT,
};

enum opt_type {
	T_STR,	  /* string -> char * */
	T_STRINT, /* string or integer, kept only in the JSON */
	T_ENV,	/* "<x>_env": the variable's value -> the same char * as <x> */
	T_ENUM, /* one string of .names -> int */
	T_INT,	/* integer -> int */
	T_LONG, /* integer -> long */
	T_SIZE, /* integer -> size_t */
	T_NUM,	/* integer or real -> double */
	T_STRS, /* array of strings -> char ** and a size_t count */
	T_OBJ,	/* an object of kind .child */
	T_LIST, /* an array of objects of kind .child */
	T_ANY,	/* any JSON, read later from cfg->root */
	T_BOOL, /* true or false -> bool */
};

#define F_REQ	 1u /* must be given */
#define F_ALWAYS 2u /* T_OBJ: walked with defaults when absent */
#define F_LATE	 4u /* handled after the kind's finish step (children) */

struct loader;
/* An extra check of a string value (of each item, for T_STRS). base is
 * the struct the kind fills. Reports its own problems; false when any. */
typedef bool (*opt_check_fn)(struct loader *ld, void *base, const char *path,
			     const char *val);

struct opt {
	enum opt_kind kind;
	const char *name;
	enum opt_type type;
	unsigned flags;
	/* T_INT/T_LONG/T_SIZE/T_NUM: the value; T_STR/T_STRINT: length in
	 * characters; T_STRS/T_LIST: number of items. */
	long long min, max;
	long long imax;	     /* T_STRS: length of an item in characters */
	long long def;	     /* numbers: the default */
	const char *def_str; /* T_STR: the default, checked like a value */
	size_t at;	     /* offset in the kind's struct + 1; 0 = not kept */
	size_t at_n;	     /* T_STRS: offset of the count + 1 */
	enum opt_kind child; /* T_OBJ, T_LIST */
	opt_check_fn check;
	const char *const *names; /* T_ENUM */
};

#define AT(off) ((off) + 1)
#define CF(f)	AT(offsetof(struct wl_config, f))
#define OB(f)	AT(offsetof(struct wl_outbox_conf, f))
#define SL(f)	AT(offsetof(struct wl_sla_conf, f))
#define CH(f)	AT(offsetof(struct wl_channel_conf, f))
#define AR(f)	AT(offsetof(struct wl_area, f))
#define SF(f)	AT(offsetof(struct wl_staff, f))
#define AD(f)	AT(offsetof(struct wl_addr, f))

static bool chk_listen(struct loader *ld, void *base, const char *path,
		       const char *val);
static bool chk_redis_url(struct loader *ld, void *base, const char *path,
			  const char *val);
static bool chk_timezone(struct loader *ld, void *base, const char *path,
			 const char *val);
static bool chk_dir(struct loader *ld, void *base, const char *path,
		    const char *val);
static bool chk_channel_id(struct loader *ld, void *base, const char *path,
			   const char *val);
static bool chk_ident(struct loader *ld, void *base, const char *path,
		      const char *val);
static bool chk_channel_type(struct loader *ld, void *base, const char *path,
			     const char *val);
static bool chk_url(struct loader *ld, void *base, const char *path,
		    const char *val);
static bool chk_public_url(struct loader *ld, void *base, const char *path,
			   const char *val);
static bool chk_ip(struct loader *ld, void *base, const char *path,
		   const char *val);
static bool chk_channel_ref(struct loader *ld, void *base, const char *path,
			    const char *val);
static bool chk_area_ref(struct loader *ld, void *base, const char *path,
			 const char *val);
static bool chk_phone(struct loader *ld, void *base, const char *path,
		      const char *val);

#define SECRET_MAX 4096
#define URL_MAX	   2048

/* The table reads best one option to a line or two. */
/* clang-format off */
/* A secret given inline or by environment variable. */
#define OPT_SECRET(k, n, field)                                               \
	{ .kind = k, .name = n, .type = T_STR, .min = 1, .max = SECRET_MAX,   \
	  .at = field },                                                      \
	{ .kind = k, .name = n "_env", .type = T_ENV, .min = 1, .max = 128,   \
	  .at = field }
/* A type-specific channel key, kept only in the channel's raw object. */
#define OPT_CHSTR(n)                                                          \
	{ .kind = K_CHANNEL, .name = n, .type = T_STR, .min = 1,              \
	  .max = SECRET_MAX }
#define OPT_CHURL(n)                                                          \
	{ .kind = K_CHANNEL, .name = n, .type = T_STR, .min = 1,              \
	  .max = URL_MAX, .check = chk_url }

static const struct opt opt_table[] = {
	/* The top level, in the order it is read: channels before areas
	 * before staff, so references can be checked as they are met. */
	{ .kind = K_TOP, .name = "listen", .type = T_STR, .min = 1,
	  .max = 300, .def_str = "127.0.0.1:8080", .check = chk_listen },
	/* Optional: the base of links sent in chat (report downloads). */
	{ .kind = K_TOP, .name = "public_url", .type = T_STR, .min = 1,
	  .max = URL_MAX, .at = CF(public_url), .check = chk_public_url },
	/* Each worker holds one request (and so one Redis commit) at a
	 * time: enough of them keep commits in flight while Redis fsyncs,
	 * and threads waiting on Redis cost no CPU. */
	{ .kind = K_TOP, .name = "workers", .type = T_INT, .min = 1,
	  .max = 256, .def = 64, .at = CF(workers) },
	/* false: this daemon only answers webhooks; the outbox sender and
	 * the timer sweeper run in other daemons (DESIGN §6). */
	{ .kind = K_TOP, .name = "background", .type = T_BOOL, .def = 1,
	  .at = CF(background) },
	{ .kind = K_TOP, .name = "body_limit", .type = T_SIZE, .min = 1024,
	  .max = 16777216, .def = 65536, .at = CF(body_limit) },
	{ .kind = K_TOP, .name = "max_connections", .type = T_INT, .min = 16,
	  .max = 1000000, .def = 4096, .at = CF(max_connections) },
	{ .kind = K_TOP, .name = "per_ip_connections", .type = T_INT,
	  .min = 1, .max = 1000000, .def = 512, .at = CF(per_ip_connections) },
	{ .kind = K_TOP, .name = "request_timeout_s", .type = T_INT, .min = 1,
	  .max = 3600, .def = 10, .at = CF(request_timeout_s) },
	{ .kind = K_TOP, .name = "redis", .type = T_OBJ, .flags = F_ALWAYS,
	  .child = K_REDIS, .at = AT(0) },
	{ .kind = K_TOP, .name = "timezone", .type = T_STR, .min = 1,
	  .max = 64, .def_str = "Asia/Shanghai", .at = CF(timezone),
	  .check = chk_timezone },
	/* Read and checked by schedule.c from cfg->root. */
	{ .kind = K_TOP, .name = "schedules", .type = T_ANY },
	{ .kind = K_TOP, .name = "flows_dir", .type = T_STR, .min = 1,
	  .max = 1024, .def_str = "flows", .at = CF(flows_dir),
	  .check = chk_dir },
	{ .kind = K_TOP, .name = "admin", .type = T_OBJ, .child = K_ADMIN,
	  .at = AT(0) },
	{ .kind = K_TOP, .name = "ack_template", .type = T_STR, .min = 1,
	  .max = 2000,
	  .def_str = "您好{name}，我们已收到您的消息：“{text}”。"
		     "工作人员会尽快联系您。",
	  .at = CF(ack_template) },
	{ .kind = K_TOP, .name = "dedupe_ttl_s", .type = T_LONG, .min = 60,
	  .max = 604800, .def = 86400, .at = CF(dedupe_ttl_s) },
	{ .kind = K_TOP, .name = "session_ttl_s", .type = T_LONG, .min = 60,
	  .max = 604800, .def = 1800, .at = CF(session_ttl_s) },
	{ .kind = K_TOP, .name = "outbox", .type = T_OBJ, .flags = F_ALWAYS,
	  .child = K_OUTBOX, .at = CF(outbox) },
	{ .kind = K_TOP, .name = "sla", .type = T_OBJ, .flags = F_ALWAYS,
	  .child = K_SLA, .at = CF(sla) },
	{ .kind = K_TOP, .name = "channels", .type = T_LIST,
	  .max = CONFIG_MAX_CHANNELS, .child = K_CHANNEL },
	{ .kind = K_TOP, .name = "areas", .type = T_LIST,
	  .max = CONFIG_MAX_AREAS, .child = K_AREA },
	{ .kind = K_TOP, .name = "staff", .type = T_LIST,
	  .max = CONFIG_MAX_STAFF, .child = K_STAFF },

	{ .kind = K_REDIS, .name = "url", .type = T_STR, .min = 1,
	  .max = 1024, .def_str = "redis://127.0.0.1:6379/0",
	  .at = CF(redis_url), .check = chk_redis_url },
	{ .kind = K_REDIS, .name = "prefix", .type = T_STR, .min = 1,
	  .max = 32, .def_str = "wl:", .at = CF(redis_prefix) },
	{ .kind = K_REDIS, .name = "embedded", .type = T_OBJ,
	  .child = K_EMBEDDED, .at = AT(0) },

	{ .kind = K_EMBEDDED, .name = "dir", .type = T_STR, .min = 1,
	  .max = 1024, .def_str = "var/redis", .at = CF(redis_embedded_dir) },
	{ .kind = K_EMBEDDED, .name = "port", .type = T_INT, .min = 1,
	  .max = 65535, .def = 0, .at = CF(redis_embedded_port) },

	OPT_SECRET(K_ADMIN, "token", CF(admin_token)),
	/* Area-scoped tokens, read and checked by api.c from cfg->root. */
	{ .kind = K_ADMIN, .name = "scoped", .type = T_ANY },

	{ .kind = K_OUTBOX, .name = "max_tries", .type = T_INT, .min = 1,
	  .max = 100, .def = 8, .at = OB(max_tries) },
	{ .kind = K_OUTBOX, .name = "backoff_ms", .type = T_INT, .min = 10,
	  .max = 600000, .def = 1000, .at = OB(backoff_ms) },
	{ .kind = K_OUTBOX, .name = "max_backoff_ms", .type = T_INT,
	  .min = 100, .max = 86400000, .def = 300000,
	  .at = OB(max_backoff_ms) },
	{ .kind = K_OUTBOX, .name = "lease_ms", .type = T_INT, .min = 1000,
	  .max = 3600000, .def = 60000, .at = OB(lease_ms) },
	{ .kind = K_OUTBOX, .name = "timeout_ms", .type = T_INT, .min = 100,
	  .max = 120000, .def = 15000, .at = OB(timeout_ms) },
	{ .kind = K_OUTBOX, .name = "concurrency", .type = T_INT, .min = 1,
	  .max = 1024, .def = 32, .at = OB(concurrency) },


	{ .kind = K_SLA, .name = "respond_s", .type = T_LONG, .min = 60,
	  .max = 31536000, .def = 3600, .at = SL(respond_s) },
	{ .kind = K_SLA, .name = "handle_s", .type = T_LONG, .min = 60,
	  .max = 31536000, .def = 86400, .at = SL(handle_s) },
	{ .kind = K_SLA, .name = "feedback_s", .type = T_LONG, .min = 60,
	  .max = 31536000, .def = 259200, .at = SL(feedback_s) },
	/* Read by the SLA module from cfg->root; it checks them itself. */
	{ .kind = K_SLA, .name = "urgent", .type = T_ANY },
	{ .kind = K_SLA, .name = "warn_before_s", .type = T_ANY },
	{ .kind = K_SLA, .name = "escalate_after_s", .type = T_ANY },
	{ .kind = K_SLA, .name = "calendar", .type = T_ANY },
	{ .kind = K_SLA, .name = "english", .type = T_ANY },

	{ .kind = K_CHANNEL, .name = "id", .type = T_STR, .flags = F_REQ,
	  .min = 1, .max = 32, .at = CH(id), .check = chk_channel_id },
	{ .kind = K_CHANNEL, .name = "type", .type = T_STR, .flags = F_REQ,
	  .min = 1, .max = 32, .at = CH(type), .check = chk_channel_type },
	OPT_SECRET(K_CHANNEL, "secret", CH(secret)),
	OPT_SECRET(K_CHANNEL, "token", CH(token)),
	{ .kind = K_CHANNEL, .name = "callback_url", .type = T_STR, .min = 1,
	  .max = URL_MAX, .at = CH(callback_url), .check = chk_url },
	{ .kind = K_CHANNEL, .name = "api_base", .type = T_STR, .min = 1,
	  .max = URL_MAX, .at = CH(api_base), .check = chk_url },
	{ .kind = K_CHANNEL, .name = "rate_per_s", .type = T_NUM, .min = 0,
	  .max = 1000, .def = 0, .at = CH(rate_per_s) },
	/* Type-specific keys: the adapters read them from the raw object
	 * (config_channel_get), with "<key>_env" already resolved. */
	OPT_CHSTR("corp_id"),
	{ .kind = K_CHANNEL, .name = "agent_id", .type = T_STRINT, .min = 1,
	  .max = 64 },
	OPT_CHSTR("app_id"),
	OPT_SECRET(K_CHANNEL, "app_secret", 0),
	OPT_SECRET(K_CHANNEL, "aes_key", 0),
	OPT_SECRET(K_CHANNEL, "encoding_aes_key", 0),
	OPT_SECRET(K_CHANNEL, "verification_token", 0),
	OPT_SECRET(K_CHANNEL, "encrypt_key", 0),
	OPT_CHSTR("account_sid"),
	OPT_SECRET(K_CHANNEL, "auth_token", 0),
	OPT_SECRET(K_CHANNEL, "shared_key", 0),
	OPT_CHURL("public_url"),
	{ .kind = K_CHANNEL, .name = "allowed_ips", .type = T_STRS, .min = 0,
	  .max = 256, .imax = 64, .check = chk_ip },
	OPT_CHURL("sendsms_url"),
	OPT_CHSTR("username"),
	OPT_SECRET(K_CHANNEL, "password", 0),
	OPT_CHSTR("from"),
	OPT_CHSTR("bot_username"),
	OPT_CHSTR("robot_code"),
	OPT_CHSTR("app_key"),
	OPT_CHSTR("messaging_service_sid"),
	OPT_CHSTR("smsc"),
	OPT_CHURL("webhook_url"),
	/* Accept a mode whose requests are not signed over their body
	 * (WeChat plain, Feishu token-only), with the risk it names. */
	{ .kind = K_CHANNEL, .name = "insecure_plain", .type = T_BOOL },
	/* generic: refuse requests without X-Warmline-Timestamp. */
	{ .kind = K_CHANNEL, .name = "require_timestamp", .type = T_BOOL },

	{ .kind = K_AREA, .name = "id", .type = T_STR, .flags = F_REQ,
	  .min = 1, .max = 64, .at = AR(id), .check = chk_ident },
	{ .kind = K_AREA, .name = "name", .type = T_STR, .flags = F_REQ,
	  .min = 1, .max = 64, .at = AR(name) },
	{ .kind = K_AREA, .name = "level", .type = T_ENUM, .flags = F_REQ,
	  .at = AR(level), .names = level_names },
	{ .kind = K_AREA, .name = "aliases", .type = T_STRS, .min = 0,
	  .max = 32, .imax = 64, .at = AR(aliases), .at_n = AR(n_aliases) },
	{ .kind = K_AREA, .name = "duty", .type = T_OBJ, .child = K_DUTY,
	  .at = AR(duty) },
	/* What residents say (小区, 楼号 ranges, villages); finish_area
	 * reads and checks it. */
	{ .kind = K_AREA, .name = "places", .type = T_ANY },
	{ .kind = K_AREA, .name = "children", .type = T_LIST,
	  .flags = F_LATE, .max = CONFIG_MAX_AREAS, .child = K_AREA },

	{ .kind = K_DUTY, .name = "channel", .type = T_STR, .flags = F_REQ,
	  .min = 1, .max = 32, .at = AD(channel), .check = chk_channel_ref },
	{ .kind = K_DUTY, .name = "to", .type = T_STR, .flags = F_REQ,
	  .min = 1, .max = 128, .at = AD(to) },

	{ .kind = K_STAFF, .name = "id", .type = T_STR, .flags = F_REQ,
	  .min = 1, .max = 64, .at = SF(id), .check = chk_ident },
	{ .kind = K_STAFF, .name = "name", .type = T_STR, .flags = F_REQ,
	  .min = 1, .max = 64, .at = SF(name) },
	{ .kind = K_STAFF, .name = "role", .type = T_ENUM, .flags = F_REQ,
	  .at = SF(role), .names = role_names },
	{ .kind = K_STAFF, .name = "area", .type = T_STR, .flags = F_REQ,
	  .min = 1, .max = 64, .at = SF(area), .check = chk_area_ref },
	{ .kind = K_STAFF, .name = "chat", .type = T_OBJ, .flags = F_REQ,
	  .child = K_CHAT, .at = SF(chat) },
	{ .kind = K_STAFF, .name = "phone", .type = T_STR, .min = 1,
	  .max = 64, .at = SF(phone), .check = chk_phone },

	{ .kind = K_CHAT, .name = "channel", .type = T_STR, .flags = F_REQ,
	  .min = 1, .max = 32, .at = AD(channel), .check = chk_channel_ref },
	{ .kind = K_CHAT, .name = "id", .type = T_STR, .flags = F_REQ,
	  .min = 1, .max = 128, .at = AD(to) },
};
/* clang-format on */

/* ------------------------------------------------------------------ */
/* the loader's state */

struct loader {
	const char *file;
	struct wl_diag *diag;
	struct wl_config *cfg;
	size_t areas_cap;
	/* Where each channel, area and staff member is in the file, for
	 * "first at ..." in duplicate messages. Parallel to cfg's arrays. */
	char **chan_path;
	char **area_path;
	char **staff_path;
	signed char *area_level; /* -1 when the level is not valid */
	json_t *raw;		 /* the channel being read */
	bool oom;
};

static void quote_into(char *out, size_t size, const char *s, bool quotes);

#define ld_diag(ld, where, ...)                                                \
	diag_add((ld)->diag, (ld)->file, where, __VA_ARGS__)

static char *ld_strdup(struct loader *ld, const char *s)
{
	char *p = strdup(s);

	if (!p)
		ld->oom = true;
	return p;
}

static const char *json_type_name(json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "object";
	case JSON_ARRAY: return "array";
	case JSON_STRING: return "string";
	case JSON_INTEGER: return "integer";
	case JSON_REAL: return "real";
	case JSON_TRUE:
	case JSON_FALSE: return "boolean";
	case JSON_NULL: return "null";
	}
	return "?";
}

/*
 * A value as it goes into a message: in double quotes (when asked),
 * control characters and invalid UTF-8 escaped so the line stays one
 * line, and cut at a character boundary with "..." when long.
 */
static void quote_into(char *out, size_t size, const char *s, bool quotes)
{
	size_t len = strlen(s), i = 0, o = 0;
	size_t limit = size - 6; /* room for ...", the quote and the NUL */

	if (quotes)
		out[o++] = '"';
	while (i < len) {
		char esc[8];
		const char *piece = esc;
		size_t n, plen;
		uint32_t cp;

		n = text_utf8_decode(s + i, len - i, &cp);
		if (n == 0) {
			snprintf(esc, sizeof(esc), "\\x%02x",
				 (unsigned char)s[i]);
			n = 1;
		} else if (cp == '\n') {
			memcpy(esc, "\\n", 3);
		} else if (cp == '\t') {
			memcpy(esc, "\\t", 3);
		} else if (cp < 0x20 || cp == 0x7f) {
			snprintf(esc, sizeof(esc), "\\x%02x", (unsigned)cp);
		} else if (quotes && (cp == '"' || cp == '\\')) {
			esc[0] = '\\';
			esc[1] = (char)cp;
			esc[2] = '\0';
		} else {
			piece = s + i;
		}
		plen = piece == esc ? strlen(esc) : n;
		if (o + plen > limit) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		memcpy(out + o, piece, plen);
		o += plen;
		i += n;
	}
	if (quotes)
		out[o++] = '"';
	out[o] = '\0';
}

/* A path plus ".key": keys from the file are shown like quoted values
 * (without the quotes) so a strange key cannot break the line. */
static void path_key(char *out, size_t size, const char *path, const char *key)
{
	char k[CONFIG_QUOTE_LEN];
	int n;

	quote_into(k, sizeof(k), key, false);
	/* Paths are capped by the nesting limit; a longer one is cut, which
	 * still names the place. */
	if (*path)
		n = snprintf(out, size, "%s.%s", path, k);
	else
		n = snprintf(out, size, "%s", k);
	if (n < 0 && size)
		out[0] = '\0';
}

static void path_index(char *out, size_t size, const char *path, size_t i)
{
	int n = snprintf(out, size, "%s[%zu]", path, i);

	if (n < 0 && size)
		out[0] = '\0';
}

/* Levenshtein distance of two short strings; SIZE_MAX when too long. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t row[65];

	if (la > 64 || lb > 64)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* The closest of names to word when it is close enough to be a typo. */
static const char *closest(const char *word, const char *const *names, size_t n)
{
	const char *best = NULL;
	size_t best_d = SIZE_MAX;

	for (size_t i = 0; i < n && names[i]; i++) {
		size_t d = edit_distance(word, names[i]);
		size_t longer = strlen(word) > strlen(names[i])
				    ? strlen(word)
				    : strlen(names[i]);

		if (d < best_d && d <= 2 && d * 3 <= longer) {
			best = names[i];
			best_d = d;
		}
	}
	return best;
}

/* ------------------------------------------------------------------ */
/* the lookup maps: one JSON object, key "<kind>:<a>[\x1f<b>]" -> index */

static char *index_key(char kind, const char *a, const char *b, char *buf,
		       size_t size)
{
	size_t la = strlen(a), lb = b ? strlen(b) + 1 : 0;
	size_t need = 2 + la + lb + 1;
	char *k = need <= size ? buf : malloc(need);

	if (!k)
		return NULL;
	k[0] = kind;
	k[1] = ':';
	memcpy(k + 2, a, la);
	if (b) {
		k[2 + la] = '\x1f';
		memcpy(k + 3 + la, b, lb - 1);
	}
	k[need - 1] = '\0';
	return k;
}

static int index_get(json_t *idx, char kind, const char *a, const char *b)
{
	char buf[256];
	char *k;
	json_t *v;

	if (!idx || !a || (kind == 'm' && !b))
		return -1;
	k = index_key(kind, a, b, buf, sizeof(buf));
	if (!k)
		return -1;
	v = json_object_get(idx, k);
	if (k != buf)
		free(k);
	return v ? (int)json_integer_value(v) : -1;
}

/* Adds a -> i unless a is there already; returns the index that was
 * there, or -1 when i was added. */
static int index_put(struct loader *ld, char kind, const char *a, const char *b,
		     size_t i)
{
	char buf[256];
	char *k;
	int old;

	old = index_get(ld->cfg->index, kind, a, b);
	if (old >= 0)
		return old;
	k = index_key(kind, a, b, buf, sizeof(buf));
	if (!k || json_object_set_new(ld->cfg->index, k,
				      json_integer((json_int_t)i)) != 0)
		ld->oom = true;
	if (k != buf)
		free(k);
	return -1;
}

/* ------------------------------------------------------------------ */
/* checks of single values */

static void got(char *out, const char *val)
{
	quote_into(out, CONFIG_QUOTE_LEN, val, true);
}

/* "NNNNN" of n characters at s as a port; -1 when not digits. */
static long parse_digits(const char *s, size_t n)
{
	long v = 0;

	if (n == 0 || n > 9)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static bool bad_host_char(unsigned char c)
{
	return c <= ' ' || c == 0x7f || c == '/' || c == '@' || c == '?' ||
	       c == '#' || c == '[' || c == ']';
}

/*
 * Splits "host:port" or "[v6]:port" (the port optional when opt_port).
 * Sets *host and *host_len (without brackets) and *port (-1 when absent,
 * -2 when not a number). False when the shape is wrong.
 */
static bool split_host_port(const char *s, size_t len, bool opt_port,
			    const char **host, size_t *host_len, long *port)
{
	const char *colon;
	size_t hl;

	*port = -1;
	if (len > 0 && s[0] == '[') {
		const char *end = memchr(s, ']', len);

		if (!end)
			return false;
		*host = s + 1;
		hl = (size_t)(end - s - 1);
		colon = end + 1 < s + len ? end + 1 : NULL;
		if (colon && *colon != ':')
			return false;
		for (size_t i = 0; i < hl; i++)
			if (!((*host)[i] == ':' || (*host)[i] == '.' ||
			      ((*host)[i] >= '0' && (*host)[i] <= '9') ||
			      ((*host)[i] >= 'a' && (*host)[i] <= 'f') ||
			      ((*host)[i] >= 'A' && (*host)[i] <= 'F')))
				return false;
	} else {
		colon = memchr(s, ':', len);
		*host = s;
		hl = colon ? (size_t)(colon - s) : len;
		for (size_t i = 0; i < hl; i++)
			if (bad_host_char((unsigned char)s[i]) || s[i] == ':')
				return false;
	}
	if (hl == 0)
		return false;
	*host_len = hl;
	if (!colon)
		return opt_port;
	*port = parse_digits(colon + 1, (size_t)(s + len - colon - 1));
	if (*port < 0)
		*port = -2;
	return true;
}

static char *ld_strndup(struct loader *ld, const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (!p)
		ld->oom = true;
	return p;
}

static bool chk_listen(struct loader *ld, void *base, const char *path,
		       const char *val)
{
	struct wl_config *cfg = base;
	const char *host;
	size_t hl;
	long port;
	char q[CONFIG_QUOTE_LEN];

	if (!split_host_port(val, strlen(val), false, &host, &hl, &port) ||
	    port == -2) {
		got(q, val);
		ld_diag(ld, path,
			"must be \"HOST:PORT\" or \"[IPV6]:PORT\" (got %s)", q);
		return false;
	}
	if (port < 1 || port > 65535) {
		ld_diag(ld, path, "port must be between 1 and 65535 (got %ld)",
			port);
		return false;
	}
	free(cfg->listen_host);
	cfg->listen_host = ld_strndup(ld, host, hl);
	cfg->listen_port = (int)port;
	return true;
}

/* redis://HOST[:PORT][/DB] or unix:///PATH into the cfg's parsed fields. */
static bool parse_redis_url(struct loader *ld, struct wl_config *cfg,
			    const char *val)
{
	size_t len = strlen(val);

	if (strncmp(val, "unix://", 7) == 0) {
		const char *p = val + 7;
		size_t pl = len - 7;

		/* sun_path holds 108 bytes with the NUL. */
		if (pl < 2 || pl > 107 || p[0] != '/')
			return false;
		for (size_t i = 0; i < pl; i++)
			if ((unsigned char)p[i] < ' ' || p[i] == 0x7f)
				return false;
		cfg->redis_unix = ld_strndup(ld, p, pl);
		cfg->redis_port = 0;
		cfg->redis_db = 0;
		return true;
	}
	if (strncmp(val, "redis://", 8) == 0) {
		const char *a = val + 8, *slash, *host;
		size_t al, hl;
		long port, db = 0;

		slash = strchr(a, '/');
		al = slash ? (size_t)(slash - a) : strlen(a);
		if (!split_host_port(a, al, true, &host, &hl, &port) ||
		    port == -2 || port == 0 || port > 65535)
			return false;
		if (slash && slash[1]) {
			db = parse_digits(slash + 1, strlen(slash + 1));
			if (db < 0 || db > 65535)
				return false;
		}
		cfg->redis_host = ld_strndup(ld, host, hl);
		cfg->redis_port = port < 0 ? 6379 : (int)port;
		cfg->redis_db = (int)db;
		return true;
	}
	return false;
}

static bool chk_redis_url(struct loader *ld, void *base, const char *path,
			  const char *val)
{
	struct wl_config *cfg = base;
	char q[CONFIG_QUOTE_LEN];

	free(cfg->redis_host);
	free(cfg->redis_unix);
	cfg->redis_host = NULL;
	cfg->redis_unix = NULL;
	if (parse_redis_url(ld, cfg, val))
		return true;
	got(q, val);
	ld_diag(ld, path,
		"bad Redis URL %s (expected redis://HOST[:PORT][/DB] or "
		"unix:///PATH)",
		q);
	return false;
}

static bool chk_timezone(struct loader *ld, void *base, const char *path,
			 const char *val)
{
	const char *dir = getenv("TZDIR");
	char file[PATH_MAX];
	char q[CONFIG_QUOTE_LEN];
	struct stat st;
	bool shape = val[0] != '/' && !strstr(val, "..");

	for (const char *p = val; *p && shape; p++)
		shape = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			(*p >= '0' && *p <= '9') || *p == '_' || *p == '-' ||
			*p == '+' || *p == '/';
	got(q, val);
	if (!shape) {
		ld_diag(ld, path, "not a time zone name (got %s)", q);
		return false;
	}
	if (!dir || !*dir)
		dir = "/usr/share/zoneinfo";
	/* A system without the zone files cannot check; trust the name. */
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return true;
	snprintf(file, sizeof(file), "%s/%s", dir, val);
	if (stat(file, &st) != 0 || !S_ISREG(st.st_mode)) {
		ld_diag(ld, path, "unknown time zone %s (not in %s)", q, dir);
		return false;
	}
	return true;
}

static bool chk_dir(struct loader *ld, void *base, const char *path,
		    const char *val)
{
	struct stat st;
	char q[CONFIG_QUOTE_LEN];

	got(q, val);
	if (stat(val, &st) != 0) {
		ld_diag(ld, path, "directory %s does not exist", q);
		return false;
	}
	if (!S_ISDIR(st.st_mode)) {
		ld_diag(ld, path, "%s is not a directory", q);
		return false;
	}
	return true;
}

static bool chk_channel_id(struct loader *ld, void *base, const char *path,
			   const char *val)
{
	char q[CONFIG_QUOTE_LEN];

	for (const char *p = val; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '_' || *p == '-')
			continue;
		got(q, val);
		ld_diag(ld, path,
			"must be made of a-z, 0-9, _ and - only (got %s)", q);
		return false;
	}
	return true;
}

/* Area and staff ids go into Redis keys and staff commands. */
static bool chk_ident(struct loader *ld, void *base, const char *path,
		      const char *val)
{
	char q[CONFIG_QUOTE_LEN];

	for (const char *p = val; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' ||
		    *p == '.')
			continue;
		got(q, val);
		ld_diag(ld, path,
			"must be made of A-Z, a-z, 0-9, _, . and - only "
			"(got %s)",
			q);
		return false;
	}
	return true;
}

static bool chk_channel_type(struct loader *ld, void *base, const char *path,
			     const char *val)
{
	const char *const *types = chan_types();
	const char *near;
	char q[CONFIG_QUOTE_LEN];
	size_t n = 0;

	for (; types[n]; n++)
		if (strcmp(types[n], val) == 0)
			return true;
	got(q, val);
	near = closest(val, types, n);
	if (near)
		ld_diag(ld, path,
			"unknown channel type %s (did you mean \"%s\"?)", q,
			near);
	else
		ld_diag(ld, path, "unknown channel type %s", q);
	return false;
}

static bool chk_url(struct loader *ld, void *base, const char *path,
		    const char *val)
{
	const char *host = NULL;
	char q[CONFIG_QUOTE_LEN];
	bool ok;

	if (strncmp(val, "http://", 7) == 0)
		host = val + 7;
	else if (strncmp(val, "https://", 8) == 0)
		host = val + 8;
	ok = host && *host && *host != '/' && *host != '?' && *host != '#' &&
	     *host != ':';
	for (const char *p = val; ok && *p; p++)
		ok = (unsigned char)*p > ' ' && *p != 0x7f;
	if (ok)
		return true;
	got(q, val);
	ld_diag(ld, path, "must be an http:// or https:// URL (got %s)", q);
	return false;
}

/* A base URL that paths are appended to: no query, no fragment, no
 * trailing slash. */
static bool chk_public_url(struct loader *ld, void *base, const char *path,
			   const char *val)
{
	size_t n = strlen(val);

	if (!chk_url(ld, base, path, val))
		return false;
	if (strpbrk(val, "?#") || val[n - 1] == '/') {
		ld_diag(ld, path,
			"must be a base URL without a trailing slash, query "
			"or fragment, such as https://rexian.example.gov.cn");
		return false;
	}
	return true;
}

/* An IPv4 or IPv6 address, optionally with a /prefix length. */
static bool chk_ip(struct loader *ld, void *base, const char *path,
		   const char *val)
{
	unsigned char addr[16];
	char host[64];
	char q[CONFIG_QUOTE_LEN];
	const char *slash = strchr(val, '/');
	size_t hl = slash ? (size_t)(slash - val) : strlen(val);
	int family = 0;
	long bits;

	if (hl > 0 && hl < sizeof(host)) {
		memcpy(host, val, hl);
		host[hl] = '\0';
		if (inet_pton(AF_INET, host, addr) == 1)
			family = 4;
		else if (inet_pton(AF_INET6, host, addr) == 1)
			family = 6;
	}
	if (family && slash) {
		bits = parse_digits(slash + 1, strlen(slash + 1));
		if (bits < 0 || bits > (family == 4 ? 32 : 128))
			family = 0;
	}
	if (family)
		return true;
	got(q, val);
	ld_diag(ld, path, "not an IP address or CIDR range (got %s)", q);
	return false;
}

static bool chk_channel_ref(struct loader *ld, void *base, const char *path,
			    const char *val)
{
	char q[CONFIG_QUOTE_LEN];

	if (index_get(ld->cfg->index, 'c', val, NULL) >= 0)
		return true;
	got(q, val);
	ld_diag(ld, path, "unknown channel %s", q);
	return false;
}

static bool chk_area_ref(struct loader *ld, void *base, const char *path,
			 const char *val)
{
	struct wl_staff *s = base;
	char q[CONFIG_QUOTE_LEN];

	s->area_idx = index_get(ld->cfg->index, 'a', val, NULL);
	if (s->area_idx >= 0)
		return true;
	got(q, val);
	ld_diag(ld, path, "unknown area %s", q);
	return false;
}

/* Kept as the bare digits text_parse_phone() gives. */
static bool chk_phone(struct loader *ld, void *base, const char *path,
		      const char *val)
{
	struct wl_staff *s = base;
	char digits[32];
	char q[CONFIG_QUOTE_LEN];

	if (!text_parse_phone(val, digits, sizeof(digits))) {
		got(q, val);
		ld_diag(ld, path, "not a phone number (got %s)", q);
		return false;
	}
	free(s->phone);
	s->phone = ld_strdup(ld, digits);
	return true;
}

/* ------------------------------------------------------------------ */
/* the walk */

static void walk_object(struct loader *ld, enum opt_kind kind, json_t *obj,
			void *base, const char *path);

static void *slot(void *base, const struct opt *o)
{
	return (char *)base + o->at - 1;
}

static void store_str(struct loader *ld, const struct opt *o, void *base,
		      const char *s)
{
	char **p;

	if (!o->at)
		return;
	p = slot(base, o);
	free(*p);
	*p = ld_strdup(ld, s);
}

/* Length in characters between min and max; reports when not. */
static bool check_len(struct loader *ld, const char *path, const char *s,
		      long long min, long long max)
{
	size_t chars = text_utf8_chars(s, strlen(s));

	if (chars == 0 && min > 0) {
		ld_diag(ld, path, "must not be empty");
		return false;
	}
	if ((long long)chars < min || (long long)chars > max) {
		ld_diag(ld, path,
			"must be %lld to %lld characters long (got %zu)", min,
			max, chars);
		return false;
	}
	return true;
}

/* A string value (from the file or a default). It is kept even when a
 * check fails, so a wrong id is not reported again where it is used. */
static void set_str(struct loader *ld, const struct opt *o, void *base,
		    const char *path, const char *s)
{
	bool ok = check_len(ld, path, s, o->min, o->max);

	store_str(ld, o, base, s);
	if (ok && o->check)
		o->check(ld, base, path, s);
}

static bool expect(struct loader *ld, const char *path, json_t *v, bool ok,
		   const char *want)
{
	if (!ok)
		ld_diag(ld, path, "expected %s, got %s", want,
			json_type_name(v));
	return ok;
}

static bool env_name_ok(const char *s)
{
	if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
	      *s == '_'))
		return false;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

/* "<x>_env": the variable named by the value, unless <x> is given too. */
static void set_env(struct loader *ld, const struct opt *o, json_t *obj,
		    void *base, const char *path, const char *name)
{
	char twin[64];
	size_t tl = strlen(o->name) - 4;
	char q[CONFIG_QUOTE_LEN];
	const char *val;

	memcpy(twin, o->name, tl);
	twin[tl] = '\0';
	if (json_object_get(obj, twin)) {
		ld_diag(ld, path, "cannot be used together with \"%s\"", twin);
		return;
	}
	if (!check_len(ld, path, name, o->min, o->max))
		return;
	if (!env_name_ok(name)) {
		got(q, name);
		ld_diag(ld, path,
			"not a valid environment variable name (got %s)", q);
		return;
	}
	val = getenv(name);
	if (!val) {
		ld_diag(ld, path, "environment variable %s is not set", name);
		return;
	}
	if (!*val) {
		ld_diag(ld, path, "environment variable %s is empty", name);
		return;
	}
	store_str(ld, o, base, val);
	if (ld->raw && json_object_set_new(ld->raw, twin, json_string(val)))
		ld->oom = true;
}

static void set_int(const struct opt *o, void *base, long long v)
{
	if (!o->at)
		return;
	switch (o->type) {
	case T_INT: *(int *)slot(base, o) = (int)v; break;
	case T_LONG: *(long *)slot(base, o) = (long)v; break;
	case T_SIZE: *(size_t *)slot(base, o) = (size_t)v; break;
	case T_NUM: *(double *)slot(base, o) = (double)v; break;
	default: break;
	}
}

static void set_strs(struct loader *ld, const struct opt *o, void *base,
		     json_t *arr, const char *path)
{
	size_t n = json_array_size(arr), kept = 0;
	char sub[CONFIG_PATH_LEN];
	char **list = NULL;

	if ((long long)n > o->max) {
		ld_diag(ld, path, "must have at most %lld items (got %zu)",
			o->max, n);
		return;
	}
	if (o->at && n) {
		list = calloc(n, sizeof(*list));
		if (!list) {
			ld->oom = true;
			return;
		}
	}
	for (size_t i = 0; i < n; i++) {
		json_t *it = json_array_get(arr, i);
		const char *s;

		path_index(sub, sizeof(sub), path, i);
		if (!expect(ld, sub, it, json_is_string(it), "string"))
			continue;
		s = json_string_value(it);
		if (!check_len(ld, sub, s, 1, o->imax))
			continue;
		if (o->check && !o->check(ld, base, sub, s))
			continue;
		if (list && (list[kept] = ld_strdup(ld, s)))
			kept++;
	}
	if (o->at) {
		*(char ***)slot(base, o) = list;
		*(size_t *)((char *)base + o->at_n - 1) = kept;
	}
}

static void walk_list(struct loader *ld, const struct opt *o, void *base,
		      json_t *arr, const char *path);

static void handle(struct loader *ld, const struct opt *o, json_t *obj,
		   json_t *v, void *base, const char *path)
{
	char q[CONFIG_QUOTE_LEN];
	char list[256];
	size_t used = 0;
	long long iv;
	double dv;

	switch (o->type) {
	case T_STR:
		if (expect(ld, path, v, json_is_string(v), "string"))
			set_str(ld, o, base, path, json_string_value(v));
		break;
	case T_STRINT:
		if (json_is_string(v))
			check_len(ld, path, json_string_value(v), o->min,
				  o->max);
		else
			expect(ld, path, v, json_is_integer(v),
			       "string or integer");
		break;
	case T_ENV:
		if (expect(ld, path, v, json_is_string(v), "string"))
			set_env(ld, o, obj, base, path, json_string_value(v));
		break;
	case T_ENUM:
		if (!expect(ld, path, v, json_is_string(v), "string"))
			break;
		for (int i = 0; o->names[i]; i++) {
			if (strcmp(o->names[i], json_string_value(v)) == 0) {
				if (o->at)
					*(int *)slot(base, o) = i;
				return;
			}
			if (used >= sizeof(list))
				continue;
			used += (size_t)snprintf(list + used,
						 sizeof(list) - used, "%s%s",
						 i ? ", " : "", o->names[i]);
		}
		got(q, json_string_value(v));
		ld_diag(ld, path, "must be one of %s (got %s)", list, q);
		break;
	case T_INT:
	case T_LONG:
	case T_SIZE:
		if (!expect(ld, path, v, json_is_integer(v), "integer"))
			break;
		iv = json_integer_value(v);
		if (iv < o->min || iv > o->max)
			ld_diag(ld, path,
				"must be between %lld and %lld (got %lld)",
				o->min, o->max, iv);
		else
			set_int(o, base, iv);
		break;
	case T_NUM:
		if (!expect(ld, path, v, json_is_number(v), "number"))
			break;
		dv = json_number_value(v);
		if (dv < (double)o->min || dv > (double)o->max)
			ld_diag(ld, path,
				"must be between %lld and %lld (got %g)",
				o->min, o->max, dv);
		else if (o->at)
			*(double *)slot(base, o) = dv;
		break;
	case T_STRS:
		if (expect(ld, path, v, json_is_array(v), "array"))
			set_strs(ld, o, base, v, path);
		break;
	case T_OBJ:
		if (expect(ld, path, v, json_is_object(v), "object"))
			walk_object(ld, o->child, v, slot(base, o), path);
		break;
	case T_LIST:
		if (expect(ld, path, v, json_is_array(v), "array"))
			walk_list(ld, o, base, v, path);
		break;
	case T_ANY: break;
	case T_BOOL:
		if (expect(ld, path, v, json_is_boolean(v), "true or false") &&
		    o->at)
			*(bool *)slot(base, o) = json_is_true(v);
		break;
	}
}

static void apply_default(struct loader *ld, const struct opt *o, void *base,
			  const char *path)
{
	switch (o->type) {
	case T_STR:
		if (o->def_str)
			set_str(ld, o, base, path, o->def_str);
		break;
	case T_INT:
	case T_LONG:
	case T_SIZE:
	case T_NUM: set_int(o, base, o->def); break;
	case T_BOOL:
		if (o->at)
			*(bool *)slot(base, o) = o->def != 0;
		break;
	case T_OBJ:
		if (o->flags & F_ALWAYS)
			walk_object(ld, o->child, NULL, slot(base, o), path);
		break;
	default: break;
	}
}

static const struct opt *find_opt(enum opt_kind kind, const char *name)
{
	for (size_t i = 0; i < WL_ARRAY_LEN(opt_table); i++)
		if (opt_table[i].kind == kind &&
		    strcmp(opt_table[i].name, name) == 0)
			return &opt_table[i];
	return NULL;
}

static void unknown_key(struct loader *ld, enum opt_kind kind, const char *key,
			const char *path)
{
	const char *names[64];
	const char *near;
	char q[CONFIG_QUOTE_LEN];
	size_t n = 0;

	for (size_t i = 0; i < WL_ARRAY_LEN(opt_table) && n < 64; i++)
		if (opt_table[i].kind == kind)
			names[n++] = opt_table[i].name;
	got(q, key);
	near = closest(key, names, n);
	if (near)
		ld_diag(ld, path, "unknown key %s (did you mean \"%s\"?)", q,
			near);
	else
		ld_diag(ld, path, "unknown key %s", q);
}

static void finish(struct loader *ld, enum opt_kind kind, json_t *obj,
		   void *base, const char *path);

/*
 * Walks one object of a kind: every option of the kind in table order
 * (absent ones get their default), then the keys the table does not know,
 * then the kind's finish step, then the late options (an area's children,
 * which must come after their parent is registered). obj NULL: an absent
 * F_ALWAYS object, defaults only.
 */
static void walk_object(struct loader *ld, enum opt_kind kind, json_t *obj,
			void *base, const char *path)
{
	char sub[CONFIG_PATH_LEN];
	const char *key;
	json_t *v;

	for (int late = 0; late < 2; late++) {
		for (size_t i = 0; i < WL_ARRAY_LEN(opt_table); i++) {
			const struct opt *o = &opt_table[i];

			if (o->kind != kind || !!(o->flags & F_LATE) != late)
				continue;
			path_key(sub, sizeof(sub), path, o->name);
			v = obj ? json_object_get(obj, o->name) : NULL;
			if (v)
				handle(ld, o, obj, v, base, sub);
			else if (o->flags & F_REQ)
				ld_diag(ld, sub, "required key is missing");
			else
				apply_default(ld, o, base, sub);
		}
		if (late)
			break;
		if (obj) {
			json_object_foreach(obj, key, v)
			{
				if (key[0] == '#' || find_opt(kind, key))
					continue;
				path_key(sub, sizeof(sub), path, key);
				unknown_key(ld, kind, key, sub);
			}
		}
		finish(ld, kind, obj, base, path);
	}
}

/* Areas form a tree; cfg->areas is sized once for all of it so pointers
 * into it stay valid while children are added. */
static size_t count_areas(json_t *arr, int depth)
{
	size_t n = 0;

	if (!json_is_array(arr) || depth >= CONFIG_MAX_DEPTH)
		return 0;
	for (size_t i = 0; i < json_array_size(arr); i++) {
		json_t *a = json_array_get(arr, i);

		if (!json_is_object(a))
			continue;
		n += 1 + count_areas(json_object_get(a, "children"), depth + 1);
		if (n > CONFIG_MAX_AREAS)
			return n;
	}
	return n;
}

static int area_depth(const struct wl_config *cfg, int idx)
{
	int d = 0;

	while (idx >= 0 && d <= CONFIG_MAX_DEPTH) {
		idx = cfg->areas[idx].parent;
		d++;
	}
	return d;
}

static void walk_areas(struct loader *ld, json_t *arr, const char *path,
		       int parent)
{
	struct wl_config *cfg = ld->cfg;
	char sub[CONFIG_PATH_LEN];

	if (area_depth(cfg, parent) >= CONFIG_MAX_DEPTH) {
		ld_diag(ld, path, "areas are nested more than %d deep",
			CONFIG_MAX_DEPTH);
		return;
	}
	for (size_t i = 0; i < json_array_size(arr); i++) {
		json_t *a = json_array_get(arr, i);
		size_t idx;

		path_index(sub, sizeof(sub), path, i);
		if (!expect(ld, sub, a, json_is_object(a), "object"))
			continue;
		if (cfg->n_areas == ld->areas_cap) {
			ld_diag(ld, sub, "too many areas (at most %d)",
				CONFIG_MAX_AREAS);
			return;
		}
		idx = cfg->n_areas++;
		cfg->areas[idx].parent = parent;
		ld->area_level[idx] = -1;
		ld->area_path[idx] = ld_strdup(ld, sub);
		walk_object(ld, K_AREA, a, &cfg->areas[idx], sub);
	}
}

static void walk_list(struct loader *ld, const struct opt *o, void *base,
		      json_t *arr, const char *path)
{
	struct wl_config *cfg = ld->cfg;
	size_t n = json_array_size(arr);
	char sub[CONFIG_PATH_LEN];

	if (o->child == K_AREA) {
		if (o->kind == K_TOP) {
			size_t total = count_areas(arr, 0);

			if (total > CONFIG_MAX_AREAS)
				total = CONFIG_MAX_AREAS;
			cfg->areas =
			    calloc(total ? total : 1, sizeof(*cfg->areas));
			ld->area_path =
			    calloc(total ? total : 1, sizeof(*ld->area_path));
			ld->area_level = calloc(total ? total : 1, 1);
			if (!cfg->areas || !ld->area_path || !ld->area_level) {
				ld->oom = true;
				return;
			}
			ld->areas_cap = total;
			walk_areas(ld, arr, path, -1);
		} else {
			walk_areas(ld, arr, path,
				   (int)((struct wl_area *)base - cfg->areas));
		}
		return;
	}
	if ((long long)n > o->max) {
		ld_diag(ld, path, "must have at most %lld items (got %zu)",
			o->max, n);
		n = (size_t)o->max;
	}
	if (o->child == K_CHANNEL) {
		cfg->channels = calloc(n ? n : 1, sizeof(*cfg->channels));
		ld->chan_path = calloc(n ? n : 1, sizeof(*ld->chan_path));
		if (!cfg->channels || !ld->chan_path) {
			ld->oom = true;
			return;
		}
	} else {
		cfg->staff = calloc(n ? n : 1, sizeof(*cfg->staff));
		ld->staff_path = calloc(n ? n : 1, sizeof(*ld->staff_path));
		if (!cfg->staff || !ld->staff_path) {
			ld->oom = true;
			return;
		}
	}
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(arr, i);

		path_index(sub, sizeof(sub), path, i);
		if (!expect(ld, sub, e, json_is_object(e), "object"))
			continue;
		if (o->child == K_CHANNEL) {
			struct wl_channel_conf *ch;

			ch = &cfg->channels[cfg->n_channels];
			ld->chan_path[cfg->n_channels++] = ld_strdup(ld, sub);
			/* A shallow copy: resolved "<x>_env" values are added
			 * to it, the parsed file stays as written. */
			ch->raw = json_copy(e);
			if (!ch->raw)
				ld->oom = true;
			ld->raw = ch->raw;
			walk_object(ld, K_CHANNEL, e, ch, sub);
			ld->raw = NULL;
		} else {
			struct wl_staff *s = &cfg->staff[cfg->n_staff];

			ld->staff_path[cfg->n_staff++] = ld_strdup(ld, sub);
			s->area_idx = -1;
			walk_object(ld, K_STAFF, e, s, sub);
		}
	}
}

/* ------------------------------------------------------------------ */
/* the checks that look at more than one value */

static void finish_redis(struct loader *ld, json_t *obj, const char *path)
{
	struct wl_config *cfg = ld->cfg;
	char emb[CONFIG_PATH_LEN], sub[CONFIG_PATH_LEN];
	char *url;
	int len;
	bool v6;

	if (!cfg->redis_embedded || !cfg->redis_embedded_port)
		return;
	path_key(emb, sizeof(emb), path, "embedded");
	path_key(sub, sizeof(sub), emb, "port");
	if (cfg->redis_unix) {
		ld_diag(ld, sub, "warning: ignored with a unix:// URL");
		return;
	}
	if (!cfg->redis_host)
		return; /* the URL was reported */
	/* The private server listens on embedded.port; the URL follows. */
	if (obj && json_object_get(obj, "url") &&
	    cfg->redis_port != cfg->redis_embedded_port)
		ld_diag(ld, sub, "warning: replaces port %d of redis.url",
			cfg->redis_port);
	cfg->redis_port = cfg->redis_embedded_port;
	v6 = strchr(cfg->redis_host, ':') != NULL;
	len = snprintf(NULL, 0, "redis://%s%s%s:%d/%d", v6 ? "[" : "",
		       cfg->redis_host, v6 ? "]" : "", cfg->redis_port,
		       cfg->redis_db);
	url = malloc((size_t)len + 1);
	if (!url) {
		ld->oom = true;
		return;
	}
	snprintf(url, (size_t)len + 1, "redis://%s%s%s:%d/%d", v6 ? "[" : "",
		 cfg->redis_host, v6 ? "]" : "", cfg->redis_port,
		 cfg->redis_db);
	free(cfg->redis_url);
	cfg->redis_url = url;
}

static void finish_channel(struct loader *ld, json_t *obj,
			   struct wl_channel_conf *ch, const char *path)
{
	size_t idx = (size_t)(ch - ld->cfg->channels);
	char sub[CONFIG_PATH_LEN];
	char q[CONFIG_QUOTE_LEN];
	int first;

	if (ch->id) {
		first = index_put(ld, 'c', ch->id, NULL, idx);
		if (first >= 0) {
			path_key(sub, sizeof(sub), path, "id");
			got(q, ch->id);
			ld_diag(ld, sub, "duplicate id %s (first at %s)", q,
				ld->chan_path[first]);
		}
	}
	if (ch->type && ((strcmp(ch->type, "wechat") == 0 &&
			  !json_object_get(obj, "encoding_aes_key") &&
			  !json_object_get(obj, "encoding_aes_key_env")) ||
			 (strcmp(ch->type, "feishu") == 0 &&
			  !json_object_get(obj, "encrypt_key") &&
			  !json_object_get(obj, "encrypt_key_env")))) {
		bool wx = strcmp(ch->type, "wechat") == 0;

		/* Plain modes sign nothing that covers the body (WeChat) or
		 * nothing at all (Feishu token-only): a captured request can
		 * be sent again with another sender and text. */
		path_key(sub, sizeof(sub), path, "type");
		ld_diag(
		    ld, sub,
		    "%splain mode (no %s): %s; set %s, or "
		    "\"insecure_plain\": true to accept the risk",
		    json_is_true(json_object_get(obj, "insecure_plain"))
			? "warning: "
			: "",
		    wx ? "encoding_aes_key" : "encrypt_key",
		    wx ? "the signature does not cover the body, so whoever "
			 "can see a request on its way can change its "
			 "sender and text"
		       : "nothing in a request is signed or expires, so "
			 "anyone who has seen one request (a proxy log) can "
			 "forge messages at any time",
		    wx ? "encoding_aes_key (safe mode)"
		       : "encrypt_key (signed events)");
	}
	if (ch->type && strcmp(ch->type, "generic") == 0) {
		if (!json_object_get(obj, "secret") &&
		    !json_object_get(obj, "secret_env")) {
			path_key(sub, sizeof(sub), path, "secret");
			ld_diag(ld, sub,
				"required for channel type \"generic\" "
				"(give \"secret\" or \"secret_env\")");
		}
		if (!json_object_get(obj, "callback_url")) {
			path_key(sub, sizeof(sub), path, "callback_url");
			ld_diag(ld, sub,
				"required for channel type \"generic\"");
		}
	}
}

/* Names and aliases are how people type an area in /transfer: two areas
 * answering to the same word is allowed, but worth a warning. */
static void area_word(struct loader *ld, size_t idx, const char *word,
		      const char *what, const char *path, char kind)
{
	char q[CONFIG_QUOTE_LEN];
	int other = index_get(ld->cfg->index, 'n', word, NULL);

	if (other < 0 || (size_t)other == idx)
		other = index_get(ld->cfg->index, 'l', word, NULL);
	if (other >= 0 && (size_t)other != idx) {
		got(q, word);
		ld_diag(ld, path, "warning: %s %s is also used by %s", what, q,
			ld->area_path[other]);
	}
	index_put(ld, kind, word, NULL, idx);
}

/* "1-6,8,10-12" into p's ranges; false when it does not read so. */
static bool parse_buildings(const char *s, struct wl_place *p)
{
	const char *c = s;

	p->n_ranges = 0;
	while (*c) {
		long a = 0, b;
		size_t k = 0;

		while (c[k] >= '0' && c[k] <= '9' && k < 5)
			a = a * 10 + (c[k++] - '0');
		if (k == 0 || (c[k] >= '0' && c[k] <= '9'))
			return false;
		c += k;
		b = a;
		if (*c == '-') {
			c++;
			b = 0;
			k = 0;
			while (c[k] >= '0' && c[k] <= '9' && k < 5)
				b = b * 10 + (c[k++] - '0');
			if (k == 0 || (c[k] >= '0' && c[k] <= '9'))
				return false;
			c += k;
		}
		if (a < 1 || b < a || b > 9999 ||
		    p->n_ranges == WL_PLACE_RANGES)
			return false;
		p->from[p->n_ranges] = (int)a;
		p->to[p->n_ranges++] = (int)b;
		if (*c == ',')
			c++;
		else if (*c)
			return false;
	}
	return p->n_ranges > 0;
}

static bool places_overlap(const struct wl_place *a, const struct wl_place *b)
{
	if (a->n_ranges == 0 || b->n_ranges == 0)
		return true;
	for (size_t i = 0; i < a->n_ranges; i++)
		for (size_t j = 0; j < b->n_ranges; j++)
			if (a->from[i] <= b->to[j] && b->from[j] <= a->to[i])
				return true;
	return false;
}

/* "places": ["张家庄", {"name": "惠丰小区", "buildings": "1-6,8"}]. A
 * place said in two areas must split its buildings between them, or
 * the same words would lead to two grids. */
static void area_places(struct loader *ld, json_t *obj, struct wl_area *a,
			const char *path)
{
	json_t *arr = json_object_get(obj, "places"), *it;
	size_t idx = (size_t)(a - ld->cfg->areas), i;
	char sub[CONFIG_PATH_LEN], at[CONFIG_PATH_LEN], q[CONFIG_QUOTE_LEN];

	if (!arr)
		return;
	path_key(sub, sizeof(sub), path, "places");
	if (!json_is_array(arr) || json_array_size(arr) > 256) {
		ld_diag(ld, sub,
			"must be a list (at most 256) of names or "
			"{\"name\": …, \"buildings\": \"1-6,8\"}");
		return;
	}
	a->places = calloc(json_array_size(arr) + 1, sizeof(*a->places));
	if (!a->places) {
		ld->oom = true;
		return;
	}
	json_array_foreach(arr, i, it)
	{
		struct wl_place *p = &a->places[a->n_places];
		json_t *nm =
		    json_is_string(it) ? it : json_object_get(it, "name");
		json_t *bd = json_object_get(it, "buildings");
		const char *k;
		json_t *v;
		bool bad = false;

		path_index(at, sizeof(at), sub, i);
		json_object_foreach(json_is_object(it) ? it : NULL, k, v)
		{
			char kk[CONFIG_PATH_LEN];

			if (!strcmp(k, "name") || !strcmp(k, "buildings") ||
			    k[0] == '#')
				continue;
			path_key(kk, sizeof(kk), at, k);
			ld_diag(ld, kk, "unknown key");
			bad = true;
		}
		if (!json_is_string(nm) || json_string_length(nm) == 0 ||
		    text_utf8_chars(json_string_value(nm),
				    json_string_length(nm)) > 64) {
			ld_diag(ld, at,
				"must be a name of 1 to 64 characters or "
				"{\"name\": …, \"buildings\": \"1-6,8\"}");
			continue;
		}
		if (bd && (!json_is_string(bd) ||
			   !parse_buildings(json_string_value(bd), p))) {
			char bb[CONFIG_PATH_LEN];

			path_key(bb, sizeof(bb), at, "buildings");
			ld_diag(ld, bb,
				"must be building numbers such as \"1-6,8\" "
				"(1 to 9999, at most %d ranges)",
				WL_PLACE_RANGES);
			continue;
		}
		if (bad)
			continue;
		p->name = ld_strdup(ld, json_string_value(nm));
		if (!p->name)
			return;
		/* the same place in another area (or twice here) */
		for (size_t j = 0; j < ld->cfg->n_areas; j++) {
			const struct wl_area *o = &ld->cfg->areas[j];
			size_t np = j == idx ? a->n_places : o->n_places;

			for (size_t m = 0; m < np; m++) {
				if (!o->places[m].name ||
				    strcmp(o->places[m].name, p->name) != 0 ||
				    !places_overlap(&o->places[m], p))
					continue;
				got(q, p->name);
				ld_diag(
				    ld, at,
				    "place %s is also in %s%s; give each "
				    "area its own buildings (\"buildings\": "
				    "\"1-6\")",
				    q, ld->area_path[j],
				    j == idx ? " (this area)" : "");
				bad = true;
				break;
			}
			if (bad)
				break;
		}
		if (!bad)
			a->n_places++;
		else {
			free(p->name);
			p->name = NULL;
		}
	}
}

static void finish_area(struct loader *ld, json_t *obj, struct wl_area *a,
			const char *path)
{
	size_t idx = (size_t)(a - ld->cfg->areas);
	json_t *lv = json_object_get(obj, "level");
	char sub[CONFIG_PATH_LEN];
	char q[CONFIG_QUOTE_LEN];
	int first;

	for (int i = 0; level_names[i]; i++)
		if (json_is_string(lv) &&
		    strcmp(json_string_value(lv), level_names[i]) == 0)
			ld->area_level[idx] = (signed char)i;
	if (a->parent >= 0 && ld->area_level[idx] >= 0 &&
	    ld->area_level[a->parent] >= 0 &&
	    ld->area_level[idx] <= ld->area_level[a->parent]) {
		path_key(sub, sizeof(sub), path, "level");
		ld_diag(ld, sub,
			"must be deeper than the parent's level \"%s\" "
			"(got \"%s\")",
			level_names[ld->area_level[a->parent]],
			level_names[ld->area_level[idx]]);
	}
	if (a->id) {
		first = index_put(ld, 'a', a->id, NULL, idx);
		if (first >= 0) {
			path_key(sub, sizeof(sub), path, "id");
			got(q, a->id);
			ld_diag(ld, sub, "duplicate id %s (first at %s)", q,
				ld->area_path[first]);
		}
	}
	if (a->name) {
		path_key(sub, sizeof(sub), path, "name");
		area_word(ld, idx, a->name, "name", sub, 'n');
	}
	for (size_t i = 0; i < a->n_aliases; i++) {
		char al[CONFIG_PATH_LEN];

		path_key(sub, sizeof(sub), path, "aliases");
		path_index(al, sizeof(al), sub, i);
		area_word(ld, idx, a->aliases[i], "alias", al, 'l');
	}
	area_places(ld, obj, a, path);
}

static void finish_staff(struct loader *ld, struct wl_staff *s,
			 const char *path)
{
	size_t idx = (size_t)(s - ld->cfg->staff);
	char sub[CONFIG_PATH_LEN];
	char q[CONFIG_QUOTE_LEN], q2[CONFIG_QUOTE_LEN];
	int first;

	if (s->id) {
		first = index_put(ld, 's', s->id, NULL, idx);
		if (first >= 0) {
			path_key(sub, sizeof(sub), path, "id");
			got(q, s->id);
			ld_diag(ld, sub, "duplicate id %s (first at %s)", q,
				ld->staff_path[first]);
		}
	}
	if (s->chat.channel && s->chat.to) {
		first = index_put(ld, 'm', s->chat.channel, s->chat.to, idx);
		if (first >= 0) {
			path_key(sub, sizeof(sub), path, "chat");
			got(q, s->chat.to);
			got(q2, s->chat.channel);
			ld_diag(ld, sub,
				"chat id %s on channel %s is already used by "
				"%s",
				q, q2, ld->staff_path[first]);
		}
	}
}

static void finish(struct loader *ld, enum opt_kind kind, json_t *obj,
		   void *base, const char *path)
{
	switch (kind) {
	case K_REDIS: finish_redis(ld, obj, path); break;
	case K_EMBEDDED: ld->cfg->redis_embedded = true; break;
	case K_ADMIN:
		if (!json_object_get(obj, "token") &&
		    !json_object_get(obj, "token_env"))
			ld_diag(ld, path, "needs \"token\" or \"token_env\"");
		break;
	case K_CHANNEL: finish_channel(ld, obj, base, path); break;
	case K_AREA: finish_area(ld, obj, base, path); break;
	case K_STAFF: finish_staff(ld, base, path); break;
	default: break;
	}
}

/* ------------------------------------------------------------------ */
/* load and free */

static void loader_release(struct loader *ld)
{
	const struct wl_config *cfg = ld->cfg;

	for (size_t i = 0; ld->chan_path && i < cfg->n_channels; i++)
		free(ld->chan_path[i]);
	for (size_t i = 0; ld->area_path && i < cfg->n_areas; i++)
		free(ld->area_path[i]);
	for (size_t i = 0; ld->staff_path && i < cfg->n_staff; i++)
		free(ld->staff_path[i]);
	free(ld->chan_path);
	free(ld->area_path);
	free(ld->staff_path);
	free(ld->area_level);
}

struct wl_config *config_load_string(const char *json, size_t len,
				     const char *name, struct wl_diag *diag)
{
	size_t before = diag_errors(diag);
	struct loader ld = {.file = name ? name : "(config)", .diag = diag};
	struct wl_config *cfg = NULL;
	char what[CONFIG_QUOTE_LEN * 2];
	char where[64];
	json_error_t err;
	json_t *root;

	if (len > WL_CONFIG_MAX_BYTES) {
		ld_diag(&ld, "(file)", "larger than %d bytes",
			WL_CONFIG_MAX_BYTES);
		return NULL;
	}
	/* Some editors start UTF-8 files with a byte order mark. */
	if (len >= 3 && memcmp(json, "\xef\xbb\xbf", 3) == 0) {
		json += 3;
		len -= 3;
	}
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &err);
	if (!root) {
		if (err.line > 0)
			snprintf(where, sizeof(where), "line %d column %d",
				 err.line, err.column);
		else
			snprintf(where, sizeof(where), "(file)");
		quote_into(what, sizeof(what), err.text, false);
		ld_diag(&ld, where, "%s", what);
		return NULL;
	}
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg) {
		json_decref(root);
		ld_diag(&ld, "(file)", "out of memory");
		return NULL;
	}
	cfg->root = root;
	cfg->index = json_object();
	cfg->path = ld_strdup(&ld, ld.file);
	ld.cfg = cfg;
	if (!cfg->index)
		ld.oom = true;
	else if (!json_is_object(root))
		ld_diag(&ld, "(root)", "expected object, got %s",
			json_type_name(root));
	else
		walk_object(&ld, K_TOP, root, cfg, "");
	loader_release(&ld);
	if (ld.oom)
		ld_diag(&ld, "(file)", "out of memory");
	if (diag_errors(diag) > before) {
		config_free(cfg);
		return NULL;
	}
	return cfg;
}

struct wl_config *config_load(const char *path, struct wl_diag *diag)
{
	struct wl_config *cfg = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	f = fopen(path, "rb");
	if (!f) {
		diag_add(diag, path, "(file)", "cannot open: %s",
			 strerror(errno));
		return NULL;
	}
	/* One byte more than the cap tells a file that is too big. */
	buf = malloc(WL_CONFIG_MAX_BYTES + 1);
	if (!buf) {
		diag_add(diag, path, "(file)", "out of memory");
		goto out;
	}
	len = fread(buf, 1, WL_CONFIG_MAX_BYTES + 1, f);
	if (ferror(f)) {
		diag_add(diag, path, "(file)", "cannot read: %s",
			 strerror(errno));
		goto out;
	}
	cfg = config_load_string(buf, len, path, diag);
out:
	free(buf);
	fclose(f);
	return cfg;
}

static void addr_release(struct wl_addr *a)
{
	free(a->channel);
	free(a->to);
}

void config_free(struct wl_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->path);
	free(cfg->listen_host);
	free(cfg->redis_url);
	free(cfg->redis_host);
	free(cfg->redis_unix);
	free(cfg->redis_prefix);
	free(cfg->redis_embedded_dir);
	free(cfg->timezone);
	free(cfg->flows_dir);
	free(cfg->admin_token);
	free(cfg->ack_template);
	free(cfg->public_url);
	for (size_t i = 0; i < cfg->n_channels; i++) {
		struct wl_channel_conf *ch = &cfg->channels[i];

		free(ch->id);
		free(ch->type);
		free(ch->secret);
		free(ch->token);
		free(ch->callback_url);
		free(ch->api_base);
		json_decref(ch->raw);
	}
	free(cfg->channels);
	for (size_t i = 0; i < cfg->n_areas; i++) {
		struct wl_area *a = &cfg->areas[i];

		free(a->id);
		free(a->name);
		for (size_t j = 0; j < a->n_aliases; j++)
			free(a->aliases[j]);
		free(a->aliases);
		for (size_t j = 0; j < a->n_places; j++)
			free(a->places[j].name);
		free(a->places);
		addr_release(&a->duty);
	}
	free(cfg->areas);
	for (size_t i = 0; i < cfg->n_staff; i++) {
		struct wl_staff *s = &cfg->staff[i];

		free(s->id);
		free(s->name);
		free(s->area);
		free(s->phone);
		addr_release(&s->chat);
	}
	free(cfg->staff);
	json_decref(cfg->root);
	json_decref(cfg->index);
	free(cfg);
}

/* ------------------------------------------------------------------ */
/* lookups */

const struct wl_channel_conf *config_channel(const struct wl_config *cfg,
					     const char *id)
{
	int i = cfg ? index_get(cfg->index, 'c', id, NULL) : -1;

	return i >= 0 ? &cfg->channels[i] : NULL;
}

int config_area_index(const struct wl_config *cfg, const char *id_or_name)
{
	int i;

	if (!cfg)
		return -1;
	i = index_get(cfg->index, 'a', id_or_name, NULL);
	if (i < 0)
		i = index_get(cfg->index, 'n', id_or_name, NULL);
	if (i < 0)
		i = index_get(cfg->index, 'l', id_or_name, NULL);
	return i;
}

const struct wl_staff *config_staff_by_chat(const struct wl_config *cfg,
					    const char *channel,
					    const char *chat_id)
{
	int i;

	if (!cfg || !channel || !chat_id)
		return NULL;
	i = index_get(cfg->index, 'm', channel, chat_id);
	return i >= 0 ? &cfg->staff[i] : NULL;
}

const char *config_channel_get(const struct wl_channel_conf *ch,
			       const char *key)
{
	if (!ch || !key)
		return NULL;
	return json_string_value(json_object_get(ch->raw, key));
}
