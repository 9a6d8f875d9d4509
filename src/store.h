/*
 * store.h — Redis: one connection per thread, and the Lua scripts that make
 * every change atomic.
 *
 * Each thread (an HTTP worker, the outbox sender, the timer sweeper) gets
 * its own connection through store_conn(), created on first use and
 * re-created after any error, so a Redis restart heals by itself. Scripts
 * are called with EVALSHA; after a Redis restart the first call gets
 * NOSCRIPT and loads the script once.
 *
 * Ownership: replies returned through redisReply ** belong to the caller,
 * who frees them with freeReplyObject(). Keys are built with store_key()
 * into caller buffers.
 */
#ifndef WL_STORE_H
#define WL_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "config.h"

enum store_script {
	STORE_INBOUND_LOAD = 0,
	STORE_INBOUND_COMMIT,
	STORE_OUTBOX_PASS,
	STORE_TIMER_POP,
	STORE_TIMER_DONE,
	STORE_CASE_CREATE,
	STORE_CASE_LIST,
	STORE_SCHED_RUN,
	STORE_REPORT_FETCH,
	STORE_CASE_INDEX,
	STORE_CASE_REINDEX,
	STORE_CASE_TIMELINE,
	STORE_SCRIPT_COUNT
};

/* Called once before any thread uses the store. */
int store_init(const struct wl_config *cfg);
/* Name this thread's connections ("http", "outbox", "timers") so CLIENT
 * LIST tells who is who. Costs one command per connect, none per call. */
void store_set_role(const char *role);
/* This thread's connection; NULL when Redis cannot be reached now. */
redisContext *store_conn(void);
/* Drop this thread's connection (at thread exit, or after an error). */
void store_conn_close(void);

/* EVALSHA a script with argv strings (nkeys = 0; keys are built inside
 * from the prefix, which is always ARGV[1]). Returns WL_OK with *reply
 * set, or WL_EREDIS (connection dropped, counted in metrics). A Lua error
 * reply is returned as WL_EINTERNAL with the error logged. */
int store_eval(enum store_script s, int argc, const char **argv,
	       const size_t *lens, redisReply **reply);

/* n calls of one script in a single pipeline on this thread's
 * connection (a batch of timer fires): call i has argc[i] strings in
 * argv[i]. Each gets reply[i] (the caller's, or NULL) and rc[i] as
 * store_eval would; a call with more than 300 arguments gets
 * WL_EINTERNAL. */
void store_eval_pipeline(enum store_script s, size_t n, const int *argc,
			 const char **const *argv, redisReply **reply, int *rc);

/* A plain command on this thread's connection, same error rules. */
int store_command(redisReply **reply, int argc, const char **argv,
		  const size_t *lens);

/* PING: WL_OK or WL_EREDIS. */
int store_ping(void);

const char *store_prefix(void);

/* A flat HGETALL reply {field, value, ...} as a new JSON object of
 * strings (fields that are not strings or not UTF-8 are left out). The
 * caller json_decref()s it; an empty object for a non-array reply. */
json_t *store_hash_object(const redisReply *r);

#endif
