/*
 * timers.c — the timer thread and the workers that fire its batches (see
 * timers.h).
 */
#include "timers.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "channel.h"
#include "clock.h"
#include "inbound.h"
#include "log.h"
#include "schedule.h"
#include "store.h"
#include "wl.h"

#define TIMERS_TICK_MS	200
#define TIMERS_BATCH	256
#define TIMERS_LEASE_MS 30000
/* Fires run on this many threads, each with its own Redis connection, so
 * the commits of one batch share Redis's fsyncs instead of waiting for
 * one each in turn. A subject (a case, a conversation) always goes to the
 * same thread, so its fires keep their order. */
#define TIMERS_WORKERS 8

static const struct wl_config *tm_cfg;
static pthread_t tm_thread;
static atomic_bool tm_stop;
static bool tm_started;

/* The batch being fired: the sweeper publishes it under tm_mu and bumps
 * tm_gen; each worker fires its share and the last one to finish wakes
 * the sweeper. */
static pthread_mutex_t tm_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t tm_go = PTHREAD_COND_INITIALIZER;
static pthread_cond_t tm_idle = PTHREAD_COND_INITIALIZER;
static pthread_t tm_workers[TIMERS_WORKERS];
static size_t tm_n_workers;
static const char *tm_batch[TIMERS_BATCH];
static unsigned char tm_part[TIMERS_BATCH];
static int tm_rc[TIMERS_BATCH];
static size_t tm_batch_n, tm_running;
static unsigned long tm_gen;
static bool tm_quit;

/* Which worker fires a member: by its subject, the case number before the
 * first ':' of a response-time fire or the contact of a conversation's
 * idle timer ({"c":…,"f":…}); scheduled jobs all go to the first. */
static unsigned char timers_partition(const char *member)
{
	const char *s = member, *e;
	uint32_t h = 2166136261u;

	if (strncmp(member, "sched:", 6) == 0)
		return 0;
	if (member[0] == '{') {
		s = strstr(member, "\"f\"");
		if (!s)
			s = member;
		e = strchr(s + 3, ',');
		if (!e)
			e = s + strlen(s);
	} else {
		e = strchr(s, ':');
		if (!e)
			e = s + strlen(s);
	}
	for (; s < e; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return (unsigned char)(h % (tm_n_workers ? tm_n_workers : 1));
}

/* This worker's share of the batch: the scheduled jobs one by one, the
 * fires together (inbound_fire_batch: one pipeline of loads, one of
 * commits). */
static void timers_fire_part(size_t me)
{
	const char *mine[TIMERS_BATCH];
	size_t at[TIMERS_BATCH], k = 0;
	int rc[TIMERS_BATCH];

	for (size_t i = 0; i < tm_batch_n; i++) {
		if (tm_part[i] != me)
			continue;
		if (strncmp(tm_batch[i], "sched:", 6) == 0) {
			tm_rc[i] = schedule_fire(tm_cfg, inbound_sla_conf(),
						 tm_batch[i]);
			continue;
		}
		at[k] = i;
		mine[k++] = tm_batch[i];
	}
	if (k)
		inbound_fire_batch(tm_cfg, mine, k, rc);
	for (size_t i = 0; i < k; i++)
		tm_rc[at[i]] = rc[i];
}

static void *timers_worker(void *arg)
{
	size_t me = (size_t)(uintptr_t)arg;
	unsigned long seen = 0;

	store_set_role("timers");
	pthread_mutex_lock(&tm_mu);
	for (;;) {
		while (!tm_quit && tm_gen == seen)
			pthread_cond_wait(&tm_go, &tm_mu);
		if (tm_quit)
			break;
		seen = tm_gen;
		pthread_mutex_unlock(&tm_mu);
		timers_fire_part(me);
		pthread_mutex_lock(&tm_mu);
		if (--tm_running == 0)
			pthread_cond_signal(&tm_idle);
	}
	pthread_mutex_unlock(&tm_mu);
	store_conn_close();
	return NULL;
}

/* Fires tm_batch[0..n) on the workers and waits for all of them. */
static void timers_fire_batch(size_t n)
{
	for (size_t i = 0; i < n; i++) {
		tm_part[i] = timers_partition(tm_batch[i]);
		tm_rc[i] = WL_EINTERNAL;
	}
	if (tm_n_workers == 0) {
		tm_batch_n = n;
		timers_fire_part(0);
		return;
	}
	pthread_mutex_lock(&tm_mu);
	tm_batch_n = n;
	tm_running = tm_n_workers;
	tm_gen++;
	pthread_cond_broadcast(&tm_go);
	while (tm_running > 0)
		pthread_cond_wait(&tm_idle, &tm_mu);
	pthread_mutex_unlock(&tm_mu);
}

/* Releases the leases of the handled fires, in one round trip. */
static void timers_done(const char **members, size_t n)
{
	const char *argv[TIMERS_BATCH + 1];
	redisReply *r = NULL;

	if (n == 0)
		return;
	argv[0] = store_prefix();
	memcpy(argv + 1, members, n * sizeof(*members));
	if (store_eval(STORE_TIMER_DONE, (int)n + 1, argv, NULL, &r) == WL_OK)
		freeReplyObject(r);
}

/* One batch; returns how many timers it leased (TIMERS_BATCH: there may
 * be more due at once). */
static size_t timers_sweep(void)
{
	char now[32], lease[32], max[16];
	const char *argv[] = {store_prefix(), now, lease, max};
	const char *done[TIMERS_BATCH];
	redisReply *r = NULL;
	size_t n_done = 0, n = 0, k = 0;

	snprintf(now, sizeof(now), "%lld", (long long)clock_now_ms());
	snprintf(lease, sizeof(lease), "%d", TIMERS_LEASE_MS);
	snprintf(max, sizeof(max), "%d", TIMERS_BATCH);
	if (store_eval(STORE_TIMER_POP, 4, argv, NULL, &r) != WL_OK)
		return 0;
	if (r->type == REDIS_REPLY_ARRAY)
		n = r->elements;
	for (size_t i = 0; i < n && i < TIMERS_BATCH; i++)
		if (r->element[i]->type == REDIS_REPLY_STRING)
			tm_batch[k++] = r->element[i]->str;
	timers_fire_batch(k);
	/* On failure the lease runs out and the fire comes back. */
	for (size_t i = 0; i < k; i++)
		if (tm_rc[i] == WL_OK)
			done[n_done++] = tm_batch[i];
	timers_done(done, n_done);
	freeReplyObject(r);
	return n;
}

static void *timers_main(void *arg)
{
	store_set_role("timers");
	while (!atomic_load(&tm_stop)) {
		/* A full batch means more may be due: sweep again at once. */
		if (timers_sweep() < TIMERS_BATCH)
			usleep(TIMERS_TICK_MS * 1000);
	}
	store_conn_close();
	return NULL;
}

static void timers_workers_stop(void)
{
	pthread_mutex_lock(&tm_mu);
	tm_quit = true;
	pthread_cond_broadcast(&tm_go);
	pthread_mutex_unlock(&tm_mu);
	for (size_t i = 0; i < tm_n_workers; i++)
		pthread_join(tm_workers[i], NULL);
	tm_n_workers = 0;
}

int timers_start(const struct wl_config *cfg)
{
	tm_cfg = cfg;
	if (schedule_ensure(cfg) != WL_OK)
		log_warn("timers", "could not plan the scheduled jobs yet");
	atomic_store(&tm_stop, false);
	tm_quit = false;
	for (size_t i = 0; i < TIMERS_WORKERS; i++) {
		if (pthread_create(&tm_workers[i], NULL, timers_worker,
				   (void *)(uintptr_t)i) != 0)
			break;
		tm_n_workers++;
	}
	if (pthread_create(&tm_thread, NULL, timers_main, NULL) != 0) {
		timers_workers_stop();
		return WL_EINTERNAL;
	}
	tm_started = true;
	return WL_OK;
}

void timers_stop(void)
{
	if (!tm_started)
		return;
	atomic_store(&tm_stop, true);
	pthread_join(tm_thread, NULL);
	timers_workers_stop();
	tm_started = false;
}
