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
#include <openssl/evp.h>

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

/* The message id of a fire: the same timer always gets the same id. */
static void timers_id(const char *member, char out[48])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	EVP_Digest(member, strlen(member), md, &len, EVP_sha256(), NULL);
	memcpy(out, "timer:", 6);
	for (unsigned int i = 0; i < 20; i++) {
		out[6 + 2 * i] = hex[md[i] >> 4];
		out[6 + 2 * i + 1] = hex[md[i] & 15];
	}
	out[46] = '\0';
}

static int timers_channel(const char *id)
{
	for (size_t i = 0; id && i < tm_cfg->n_channels; i++)
		if (strcmp(tm_cfg->channels[i].id, id) == 0)
			return (int)i;
	return -1;
}

/* WL_OK when the fire is done with (handled, or impossible to handle). */
static int timers_fire(const char *member)
{
	json_error_t err;
	json_t *t = NULL;
	const char *c = NULL, *f = NULL;
	struct chan_msg msg = {0};
	enum inbound_result res;
	char id[160], from[96];
	int ch_idx;
	int rc = WL_OK;

	if (strncmp(member, "sched:", 6) == 0)
		return schedule_fire(tm_cfg, inbound_sla_conf(), member);
	if (member[0] == '{') {
		/* A conversation's idle timer: about that contact. */
		t = json_loads(member, 0, &err);
		c = json_string_value(json_object_get(t, "c"));
		f = json_string_value(json_object_get(t, "f"));
		timers_id(member, id);
	} else {
		/* A response-time fire "<case>:<clock>:...|<version>": the
		 * fire id (without the version) is the message id, so each
		 * alert goes out once. */
		size_t n = strcspn(member, "|"), k = strcspn(member, ":");

		if (n >= sizeof(id) - 4 || k >= sizeof(from) - 4)
			goto bad;
		snprintf(id, sizeof(id), "sla:%.*s", (int)n, member);
		snprintf(from, sizeof(from), "sla:%.*s", (int)k, member);
		f = from;
		c = tm_cfg->n_channels ? tm_cfg->channels[0].id : NULL;
	}
	ch_idx = timers_channel(c);
	if (ch_idx < 0 || !f)
		goto bad;
	msg.id = id;
	msg.from = (char *)(uintptr_t)f;
	msg.kind = (char *)(uintptr_t) "timer";
	msg.attachment = (char *)(uintptr_t)member;
	rc = inbound_handle(tm_cfg, ch_idx, &msg, &res);
	json_decref(t);
	return rc;
bad:
	log_warn("timers", "dropping unreadable timer");
	json_decref(t);
	return WL_OK;
}

static void timers_done(const char *member)
{
	const char *argv[] = {store_prefix(), member};
	redisReply *r = NULL;

	if (store_eval(STORE_TIMER_DONE, 2, argv, NULL, &r) == WL_OK)
		freeReplyObject(r);
}

static void timers_sweep(void)
{
	char now[32], lease[32], max[16];
	const char *argv[] = {store_prefix(), now, lease, max};
	redisReply *r = NULL;

	snprintf(now, sizeof(now), "%lld", (long long)clock_now_ms());
	snprintf(lease, sizeof(lease), "%d", TIMERS_LEASE_MS);
	snprintf(max, sizeof(max), "%d", TIMERS_BATCH);
	if (store_eval(STORE_TIMER_POP, 4, argv, NULL, &r) != WL_OK)
		return;
	for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements;
	     i++) {
		const char *m = r->element[i]->str;

		if (r->element[i]->type != REDIS_REPLY_STRING)
			continue;
		/* On failure the lease runs out and the fire comes back. */
		if (timers_fire(m) == WL_OK)
			timers_done(m);
	}
	freeReplyObject(r);
}

static void *timers_main(void *arg)
{
	store_set_role("timers");
	while (!atomic_load(&tm_stop)) {
		timers_sweep();
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
