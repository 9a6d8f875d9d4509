/*
 * timers.c — the timer thread (see timers.h).
 */
#include "timers.h"

#include <pthread.h>
#include <stdatomic.h>
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
#define TIMERS_BATCH	100
#define TIMERS_LEASE_MS 30000

static const struct wl_config *tm_cfg;
static pthread_t tm_thread;
static atomic_bool tm_stop;
static bool tm_started;

/* WL_OK when the fire is done with (handled, stale, or impossible to
 * handle); anything else and its lease brings it back. */
static int timers_fire(const char *member)
{
	enum inbound_result res;

	if (strncmp(member, "sched:", 6) == 0)
		return schedule_fire(tm_cfg, inbound_sla_conf(), member);
	return inbound_fire(tm_cfg, member, &res);
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
	size_t n_done = 0, n = 0;

	snprintf(now, sizeof(now), "%lld", (long long)clock_now_ms());
	snprintf(lease, sizeof(lease), "%d", TIMERS_LEASE_MS);
	snprintf(max, sizeof(max), "%d", TIMERS_BATCH);
	if (store_eval(STORE_TIMER_POP, 4, argv, NULL, &r) != WL_OK)
		return 0;
	if (r->type == REDIS_REPLY_ARRAY)
		n = r->elements;
	for (size_t i = 0; i < n && i < TIMERS_BATCH; i++) {
		const char *m = r->element[i]->str;

		if (r->element[i]->type != REDIS_REPLY_STRING)
			continue;
		/* On failure the lease runs out and the fire comes back. */
		if (timers_fire(m) == WL_OK)
			done[n_done++] = m;
	}
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

int timers_start(const struct wl_config *cfg)
{
	tm_cfg = cfg;
	if (schedule_ensure(cfg) != WL_OK)
		log_warn("timers", "could not plan the scheduled jobs yet");
	atomic_store(&tm_stop, false);
	if (pthread_create(&tm_thread, NULL, timers_main, NULL) != 0)
		return WL_EINTERNAL;
	tm_started = true;
	return WL_OK;
}

void timers_stop(void)
{
	if (!tm_started)
		return;
	atomic_store(&tm_stop, true);
	pthread_join(tm_thread, NULL);
	tm_started = false;
}
