/*
 * config.h — the one JSON configuration file, validated against one table
 * of options.
 *
 * config_load() reads and validates a file. Every problem is reported as
 * one line "FILE: WHERE: WHAT" (WHERE is a JSON path such as
 * channels[0].secret_env) through the diag list; a config with any problem
 * is refused as a whole. `warmline check` prints the lines; `serve` prints
 * the same lines and refuses to start.
 *
 * Ownership: config_load() returns a struct wl_config the caller releases
 * with config_free(). Every string in it is owned by the struct. The
 * struct is read-only after load and shared by all threads.
 */
#ifndef WL_CONFIG_H
#define WL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* A list of "FILE: WHERE: WHAT" lines. */
struct wl_diag {
	char **lines;
	size_t n, cap;
	size_t warnings; /* lines that start with "warning:" in WHAT */
	/* Problems past WL_DIAG_MAX lines (or lines that could not be
	 * allocated) are counted, not kept: */
	size_t dropped;	       /* lines not kept */
	size_t dropped_errors; /* how many of them were errors */
};
#define WL_DIAG_MAX 500
void diag_init(struct wl_diag *d);
void diag_release(struct wl_diag *d);
/* Appends "file: where: what". */
void diag_add(struct wl_diag *d, const char *file, const char *where,
	      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Number of errors (lines that are not warnings, kept or dropped). */
size_t diag_errors(const struct wl_diag *d);

enum wl_level { LEVEL_STREET = 0, LEVEL_COMMUNITY = 1, LEVEL_GRID = 2 };
const char *config_level_name(enum wl_level l);

enum wl_role {
	ROLE_GRID_WORKER = 0,
	ROLE_COMMUNITY_STAFF,
	ROLE_COMMUNITY_DIRECTOR,
	ROLE_STREET_STAFF,
	ROLE_SUPERVISOR,
};
const char *config_role_name(enum wl_role r);

/* A chat address: a recipient on a configured channel. */
struct wl_addr {
	char *channel; /* a channel id */
	char *to;      /* the recipient id on that channel */
};

/* What residents call a place inside an area: a 小区, a natural village,
 * a street; with 楼号 ranges when a 小区 is split between grids. */
#define WL_PLACE_RANGES 16
struct wl_place {
	char *name;
	size_t n_ranges; /* 0: the whole place */
	int from[WL_PLACE_RANGES], to[WL_PLACE_RANGES];
};

struct wl_area {
	char *id;
	char *name;
	enum wl_level level;
	char **aliases;
	size_t n_aliases;
	struct wl_place *places; /* optional "places" */
	size_t n_places;
	struct wl_addr duty; /* duty.channel NULL when none */
	int parent;	     /* index into cfg->areas, -1 for a root */
};

struct wl_staff {
	char *id;
	char *name;
	enum wl_role role;
	char *area; /* area id */
	int area_idx;
	struct wl_addr chat;
	char *phone; /* optional */
};

struct wl_channel_conf {
	char *id;
	char *type;   /* a type from bot/channels.c */
	char *secret; /* resolved from secret or secret_env; may be NULL */
	char *token;  /* resolved from token or token_env; may be NULL */
	char *callback_url; /* generic: where outbound messages are POSTed */
	char *api_base;	    /* vendor API base URL, overridable for tests */
	double rate_per_s;  /* outbound rate limit, 0 = none */
	json_t *raw;	    /* the channel's object, for type-specific keys */
};

struct wl_outbox_conf {
	int max_tries;	    /* tries before dead-letter (default 8) */
	int backoff_ms;	    /* first retry delay (default 1000) */
	int max_backoff_ms; /* cap (default 300000) */
	int lease_ms;	    /* in-flight lease (default 60000) */
	int timeout_ms;	    /* one HTTP send (default 15000) */
	int concurrency;    /* sends in flight per daemon (default 32) */
};

struct wl_sla_conf {
	long respond_s, handle_s, feedback_s;
};

struct wl_config {
	char *path; /* the file it was loaded from */
	char *listen_host;
	int listen_port;
	int workers;	   /* libmicrohttpd worker threads (default 64) */
	bool background;   /* run the outbox sender and the timer sweeper
			      (default true) */
	size_t body_limit; /* bytes (default 65536) */
	/* Connections at once (default 4096), from one address (default
	 * 512; behind a proxy every request comes from the proxy), and how
	 * long a connection has to deliver a whole request, however slowly
	 * it trickles bytes (default 10 s). */
	int max_connections;
	int per_ip_connections;
	int request_timeout_s;

	char *redis_url;  /* redis://host:port/db or unix:///path */
	char *redis_host; /* parsed from redis_url (NULL for unix) */
	int redis_port;
	char *redis_unix; /* socket path for unix:// */
	int redis_db;
	char *redis_prefix;	  /* default "wl:" */
	bool redis_embedded;	  /* start a private redis-server */
	char *redis_embedded_dir; /* its data folder (default "var/redis") */
	int redis_embedded_port;  /* redis.embedded.port, 0 when not given;
				     when given it is also redis_port */

	char *timezone;
	char *flows_dir;
	char *admin_token; /* resolved; NULL disables the admin API */

	char *ack_template; /* reply until flows exist; {name} {text} */
	long dedupe_ttl_s;  /* default 86400 */
	long session_ttl_s; /* default 1800 */

	struct wl_outbox_conf outbox;
	struct wl_sla_conf sla;

	struct wl_channel_conf *channels;
	size_t n_channels;
	struct wl_area *areas; /* flattened tree, parents before children */
	size_t n_areas;
	struct wl_staff *staff;
	size_t n_staff;

	json_t *root;  /* the parsed file */
	json_t *index; /* private: lookup maps for the config_* finders */

	/* How people reach this daemon from outside ("https://host[/path]",
	 * no trailing slash), for links sent in chat; NULL when not given
	 * (links then use http://<listen>). */
	char *public_url;
};

/* The largest configuration file accepted, in bytes. */
#define WL_CONFIG_MAX_BYTES (1024 * 1024)

/* Load and validate. Returns NULL and fills diag on any error (diag may
 * also hold warnings on success). */
struct wl_config *config_load(const char *path, struct wl_diag *diag);
/* The same from a buffer (not NUL-terminated; may hold NULs, which are
 * refused); name is what the diag lines use as FILE and what cfg->path
 * becomes. For tests and fuzzing. */
struct wl_config *config_load_string(const char *json, size_t len,
				     const char *name, struct wl_diag *diag);
/* config_free(NULL) does nothing. */
void config_free(struct wl_config *cfg);

/* Lookups; NULL or -1 when there is none. */
const struct wl_channel_conf *config_channel(const struct wl_config *cfg,
					     const char *id);
/* By id, then by name, then by alias (exact match). */
int config_area_index(const struct wl_config *cfg, const char *id_or_name);
const struct wl_staff *config_staff_by_chat(const struct wl_config *cfg,
					    const char *channel,
					    const char *chat_id);
/* A string key of the channel's object (type-specific keys such as
 * "app_secret" or "corp_id"). A key given as "<key>_env" in the file is
 * found here under "<key>" with the variable's value, resolved at load.
 * An integer (agent_id) is not a string: read ch->raw for it. NULL when
 * absent. The string is owned by cfg. */
const char *config_channel_get(const struct wl_channel_conf *ch,
			       const char *key);

#endif
