/*
 * store.c — per-thread Redis connections and script calls (see store.h).
 *
 * A connection that fails is dropped at once; the next call reconnects.
 * After a connect that hung until its timeout the thread waits
 * STORE_RETRY_MS before trying again, so an unreachable Redis does not
 * stall every request. Callers answer 503 meanwhile, and gateways retry.
 *
 * A batch of calls of one script (the timer thread's fires) can go as one
 * pipeline: Redis runs it in one pass of its event loop, so the batch's
 * commits share one AOF write and one fsync, and the thread waits for one
 * round trip instead of one per call.
 */
#include "store.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "clock.h"
#include "log.h"
#include "metrics.h"
#include "store_scripts.h"
#include "wl.h"

#define STORE_RETRY_MS 200
/* A webhook must be answered within the gateways' deadlines (Feishu 3 s,
 * WeCom 5 s): on the request threads a connect, a command and the single
 * retry on a fresh connection (connect + command) stay under 2.5 s, and
 * a command that timed out is not retried at all. The background threads
 * (sender, timers) and the command line may wait longer. */
#define STORE_CONNECT_MS      1000
#define STORE_COMMAND_MS      3000
#define STORE_HTTP_CONNECT_MS 400
#define STORE_HTTP_COMMAND_MS 800

static const struct wl_config *store_cfg;
static char store_sha[STORE_SCRIPT_COUNT][41];
static const struct store_script_text *store_text[STORE_SCRIPT_COUNT];

static __thread redisContext *store_ctx;
static __thread const char *store_role = "http";
/* Threads we do not own (libmicrohttpd's workers) just exit: a key with
 * a destructor closes their connection then. */
static pthread_key_t store_key;
static pthread_once_t store_key_once = PTHREAD_ONCE_INIT;

static void store_key_free(void *c)
{
	redisFree(c);
}

static void store_key_make(void)
{
	pthread_key_create(&store_key, store_key_free);
}
static __thread int64_t store_next_try_ms;

static void store_sha1_hex(const char *src, size_t n, char out[41])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	EVP_Digest(src, n, md, &len, EVP_sha1(), NULL);
	for (unsigned int i = 0; i < 20; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[40] = '\0';
}

int store_init(const struct wl_config *cfg)
{
	int rc = WL_OK;

	store_cfg = cfg;
	for (int i = 0; i < STORE_SCRIPT_COUNT; i++) {
		const char *name = store_script_name((enum store_script)i);
		const struct store_script_text *t = store_script_find(name);

		if (!t) {
			/* Only a build that lost a file of src/lua gets here.
			 */
			log_error("store", "script missing name=%s",
				  name ? name : "?");
			rc = WL_EINTERNAL;
			goto out;
		}
		store_text[i] = t;
		store_sha1_hex(t->src, t->len, store_sha[i]);
	}
out:
	return rc;
}

void store_set_role(const char *role)
{
	store_role = role;
}

const char *store_prefix(void)
{
	return store_cfg->redis_prefix;
}

void store_conn_close(void)
{
	if (store_ctx) {
		pthread_setspecific(store_key, NULL);
		redisFree(store_ctx);
		store_ctx = NULL;
	}
}

static int store_select_db(redisContext *c)
{
	redisReply *r;
	int ok;

	r = redisCommand(c, "CLIENT SETNAME warmline-%s", store_role);
	ok = r && r->type == REDIS_REPLY_STATUS;
	if (r)
		freeReplyObject(r);
	if (!ok || store_cfg->redis_db == 0)
		return ok;
	r = redisCommand(c, "SELECT %d", store_cfg->redis_db);
	ok = r && r->type == REDIS_REPLY_STATUS;
	if (r)
		freeReplyObject(r);
	return ok;
}

static bool store_is_http(void)
{
	return strcmp(store_role, "http") == 0;
}

redisContext *store_conn(void)
{
	int cms = store_is_http() ? STORE_HTTP_CONNECT_MS : STORE_CONNECT_MS;
	int rms = store_is_http() ? STORE_HTTP_COMMAND_MS : STORE_COMMAND_MS;
	struct timeval ct = {cms / 1000, (cms % 1000) * 1000};
	struct timeval rt = {rms / 1000, (rms % 1000) * 1000};
	int64_t now = clock_mono_ms();
	redisContext *c;

	if (store_ctx)
		return store_ctx;
	if (now < store_next_try_ms)
		return NULL;
	if (store_cfg->redis_unix)
		c = redisConnectUnixWithTimeout(store_cfg->redis_unix, ct);
	else
		c = redisConnectWithTimeout(store_cfg->redis_host,
					    store_cfg->redis_port, ct);
	if (!c || c->err || redisSetTimeout(c, rt) != REDIS_OK ||
	    !store_select_db(c)) {
		log_warn("store", "connect failed error=\"%s\"",
			 c ? c->errstr : "out of memory");
		/* A refused connection costs nothing; one that hung until
		 * the timeout would stall every request on this thread, so
		 * then wait a little before the next try. */
		if (clock_mono_ms() - now > 50)
			store_next_try_ms = clock_mono_ms() + STORE_RETRY_MS;
		metrics_redis_error();
		if (c)
			redisFree(c);
		return NULL;
	}
	store_ctx = c;
	pthread_once(&store_key_once, store_key_make);
	pthread_setspecific(store_key, c);
	return c;
}

/* Drop this thread's connection and connect again at once: a connection
 * that failed on first use went stale while Redis restarted. */
static redisContext *store_reconnect(void)
{
	store_conn_close();
	store_next_try_ms = 0;
	return store_conn();
}

static void store_fail(const char *what)
{
	log_warn("store", "redis error op=%s error=\"%s\"", what,
		 store_ctx && store_ctx->errstr[0] ? store_ctx->errstr
						   : "no reply");
	metrics_redis_error();
	store_conn_close();
}

int store_command(redisReply **reply, int argc, const char **argv,
		  const size_t *lens)
{
	bool reused = store_ctx != NULL;
	redisContext *c = store_conn();
	redisReply *r;
	int64_t t0 = clock_mono_ms();

	*reply = NULL;
	if (!c)
		return WL_EREDIS;
	r = redisCommandArgv(c, argc, argv, lens);
	/* Only a connection that failed at once (it went stale while Redis
	 * restarted) is worth a second try; one that timed out means Redis
	 * hangs, and waiting again would miss the gateway's deadline. */
	if (!r && reused && clock_mono_ms() - t0 < 100) {
		/* A connection that sat idle while Redis restarted fails on
		 * first use: try once more on a fresh one. Every command we
		 * send is safe to repeat (a commit that did land is seen as a
		 * duplicate). */
		c = store_reconnect();
		r = c ? redisCommandArgv(c, argc, argv, lens) : NULL;
	}
	if (!r) {
		store_fail(argv[0]);
		return WL_EREDIS;
	}
	*reply = r;
	return WL_OK;
}

/* The most arguments a script call may carry: the timer thread releases
 * a batch of 256 in one call. */
#define STORE_MAX_ARGS 300

/* The EVALSHA command line of a script call into av/al, which hold
 * argc + 3 entries; av[3..] point into argv. */
static void store_eval_argv(enum store_script s, int argc, const char **argv,
			    const size_t *lens, const char **av, size_t *al)
{
	av[0] = "EVALSHA";
	av[1] = store_sha[s];
	av[2] = "0";
	for (int i = 0; i < 3; i++)
		al[i] = strlen(av[i]);
	for (int i = 0; i < argc; i++) {
		av[i + 3] = argv[i];
		al[i + 3] = lens ? lens[i] : strlen(argv[i]);
	}
}

/* The reply to that command line, in *reply (taken over: on return it
 * is the caller's again, or NULL). A NOSCRIPT answer sends the script's
 * source once on this thread's connection; an error reply is logged and
 * becomes WL_EREDIS. */
static int store_eval_finish(enum store_script s, int argc, const char **argv,
			     const size_t *lens, redisReply **reply)
{
	const char *av[STORE_MAX_ARGS + 3];
	size_t al[STORE_MAX_ARGS + 3];
	redisReply *r = *reply;
	int rc;

	*reply = NULL;
	if (r->type == REDIS_REPLY_ERROR &&
	    strncmp(r->str, "NOSCRIPT", 8) == 0) {
		/* Redis restarted or was flushed: send the source once. The
		 * script did not run, so sending it again is safe. */
		freeReplyObject(r);
		store_eval_argv(s, argc, argv, lens, av, al);
		av[0] = "EVAL";
		av[1] = store_text[s]->src;
		al[0] = 4;
		al[1] = store_text[s]->len;
		rc = store_command(&r, argc + 3, av, al);
		if (rc != WL_OK)
			return rc;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		log_error("store", "script failed script=%s error=\"%s\"",
			  store_text[s]->name, r->str);
		freeReplyObject(r);
		/* A script error while Redis is loading or read-only means
		 * Redis is not usable right now, not a bug. */
		return WL_EREDIS;
	}
	*reply = r;
	return WL_OK;
}

int store_eval(enum store_script s, int argc, const char **argv,
	       const size_t *lens, redisReply **reply)
{
	const char *av[STORE_MAX_ARGS + 3];
	size_t al[STORE_MAX_ARGS + 3];
	int rc;

	*reply = NULL;
	if (argc > STORE_MAX_ARGS)
		return WL_EINTERNAL;
	store_eval_argv(s, argc, argv, lens, av, al);
	rc = store_command(reply, argc + 3, av, al);
	if (rc != WL_OK)
		return rc;
	return store_eval_finish(s, argc, argv, lens, reply);
}

/* One call of a pipeline (store_eval_pipeline). */
struct store_call {
	enum store_script s;
	int argc;
	const char **argv;
	redisReply *reply;
	int rc;
	struct store_call *next;
};

/* Writes the calls and reads their answers into each call's reply;
 * returns how many answers were read (the rest failed). */
static size_t store_pipeline_send(redisContext *c, struct store_call *batch)
{
	const char *av[STORE_MAX_ARGS + 3];
	size_t al[STORE_MAX_ARGS + 3];
	struct store_call *k;
	size_t sent = 0, read = 0;

	for (k = batch; k; k = k->next) {
		store_eval_argv(k->s, k->argc, k->argv, NULL, av, al);
		if (redisAppendCommandArgv(c, k->argc + 3, av, al) != REDIS_OK)
			break;
		sent++;
	}
	for (k = batch; k && read < sent; k = k->next, read++) {
		void *r = NULL;

		if (redisGetReply(c, &r) != REDIS_OK || !r)
			break;
		k->reply = r;
	}
	return read;
}

/* One pipeline for the batch: sets each call's rc and reply. */
static void store_pipeline_run(struct store_call *batch)
{
	bool reused = store_ctx != NULL;
	redisContext *c = store_conn();
	int64_t t0 = clock_mono_ms();
	struct store_call *k;
	size_t n = 0, got = 0;

	for (k = batch; k; k = k->next)
		n++;
	if (c)
		got = store_pipeline_send(c, batch);
	/* As in store_command: a connection that failed at once went stale
	 * while Redis restarted, and is worth one more try on a fresh one
	 * (every inbound call is safe to repeat: a commit that landed is
	 * seen as a duplicate). One that timed out is not. */
	if (c && got == 0 && reused && clock_mono_ms() - t0 < 100) {
		c = store_reconnect();
		if (c)
			got = store_pipeline_send(c, batch);
	}
	if (c && got < n)
		store_fail("EVALSHA");
	/* Every answer is read before any NOSCRIPT retry talks to Redis
	 * again on this connection. */
	for (k = batch; k; k = k->next) {
		if (!k->reply) {
			k->rc = WL_EREDIS;
			continue;
		}
		k->rc =
		    store_eval_finish(k->s, k->argc, k->argv, NULL, &k->reply);
	}
}

void store_eval_pipeline(enum store_script s, size_t n, const int *argc,
			 const char **const *argv, redisReply **reply, int *rc)
{
	struct store_call *calls, *head = NULL, **tail = &head;

	if (n == 0)
		return;
	calls = calloc(n, sizeof(*calls));
	if (!calls) {
		for (size_t i = 0; i < n; i++) {
			reply[i] = NULL;
			rc[i] = WL_ENOMEM;
		}
		return;
	}
	for (size_t i = 0; i < n; i++) {
		calls[i].s = s;
		calls[i].argc = argc[i];
		calls[i].argv = (const char **)argv[i];
		calls[i].rc = WL_EINTERNAL;
		if (argc[i] > STORE_MAX_ARGS)
			continue;
		*tail = &calls[i];
		tail = &calls[i].next;
	}
	if (head)
		store_pipeline_run(head);
	for (size_t i = 0; i < n; i++) {
		reply[i] = calls[i].reply;
		rc[i] = calls[i].rc;
	}
	free(calls);
}

int store_ping(void)
{
	const char *av[] = {"PING"};
	redisReply *r = NULL;
	int rc = store_command(&r, 1, av, NULL);

	if (rc == WL_OK && r->type != REDIS_REPLY_STATUS)
		rc = WL_EREDIS;
	if (r)
		freeReplyObject(r);
	return rc;
}

json_t *store_hash_object(const redisReply *r)
{
	json_t *o = json_object();

	if (!o || r->type != REDIS_REPLY_ARRAY)
		return o;
	for (size_t i = 0; i + 1 < r->elements; i += 2)
		if (r->element[i]->type == REDIS_REPLY_STRING &&
		    r->element[i + 1]->type == REDIS_REPLY_STRING)
			json_object_set_new(
			    o, r->element[i]->str,
			    json_stringn(r->element[i + 1]->str,
					 r->element[i + 1]->len));
	return o;
}
