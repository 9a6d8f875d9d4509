/*
 * store_group.c — group commit: the inbound scripts of many threads go to
 * Redis as one pipeline (see store_int.h).
 *
 * Every inbound message and timer fire makes two script calls, and each
 * commit waits for Redis to write its AOF (with appendfsync always, an
 * fsync). When every thread sent its own, Redis saw the calls one or two
 * at a time, fsynced for each small group, and every thread paid a
 * loopback round trip and two thread switches per call. Here a thread
 * that has a call to make queues it; if no thread is talking to Redis for
 * this group just then, it becomes the leader: it takes every call
 * queued so far, writes them in one go on its own connection, reads the
 * answers, hands each to its thread and wakes it. Calls that arrive
 * meanwhile wait for the next leader: the first of them is woken to lead.
 * Redis runs a whole pipeline in one pass of its event loop, so its
 * commits share one write and one fsync.
 *
 * Nothing about a call changes: it is the same EVALSHA, answered before
 * its thread goes on, so the two round trips per message and "answer
 * after commit" hold as before. Calls from one thread never overtake
 * each other (a thread waits for its call). The webhook threads and the
 * background threads (timers) are separate groups, so a burst of fires
 * never holds a webhook behind it and each keeps its own deadlines.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "store_int.h"
#include "wl.h"

/* A pipeline's size bound: a webhook thread may lead, and its own answer
 * waits for the whole batch. */
#define STORE_GROUP_MAX 64

struct store_call {
	enum store_script s;
	int argc;
	const char **argv;
	const size_t *lens;
	redisReply *reply;
	int rc;
	bool done;
	pthread_cond_t *wake;
	struct store_call *next;
};

struct store_group {
	pthread_mutex_t mu;
	struct store_call *head, **tail;
	bool leading; /* a thread is talking to Redis for this group */
};

static struct store_group store_groups[2] = {
    {PTHREAD_MUTEX_INITIALIZER, NULL, &store_groups[0].head, false},
    {PTHREAD_MUTEX_INITIALIZER, NULL, &store_groups[1].head, false},
};

/* Each thread's own wake-up; a pthread_cond_t holds no resources on
 * Linux, so one that lives as long as its thread needs no destroy. */
static __thread pthread_cond_t store_wake;
static __thread bool store_wake_ready;

/* Writes the calls and reads their answers into each call's reply;
 * returns how many answers were read (the rest failed). */
static size_t store_group_send(redisContext *c, struct store_call *batch)
{
	const char *av[STORE_MAX_ARGS + 3];
	size_t al[STORE_MAX_ARGS + 3];
	struct store_call *k;
	size_t sent = 0, read = 0;

	for (k = batch; k; k = k->next) {
		store_eval_argv(k->s, k->argc, k->argv, k->lens, av, al);
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

/* The leader's work: one pipeline for the batch. Sets each call's rc and
 * reply. */
static void store_group_run(struct store_call *batch)
{
	bool reused = store_has_conn();
	redisContext *c = store_conn();
	int64_t t0 = clock_mono_ms();
	struct store_call *k;
	size_t n = 0, got = 0;

	for (k = batch; k; k = k->next)
		n++;
	if (c)
		got = store_group_send(c, batch);
	/* As in store_command: a connection that failed at once went stale
	 * while Redis restarted, and is worth one more try on a fresh one
	 * (every inbound call is safe to repeat: a commit that landed is
	 * seen as a duplicate). One that timed out is not. */
	if (c && got == 0 && reused && clock_mono_ms() - t0 < 100) {
		c = store_reconnect();
		if (c)
			got = store_group_send(c, batch);
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
		k->rc = store_eval_finish(k->s, k->argc, k->argv, k->lens,
					  &k->reply);
	}
}

int store_group_eval(enum store_script s, int argc, const char **argv,
		     const size_t *lens, redisReply **reply)
{
	struct store_group *g = &store_groups[store_is_http() ? 0 : 1];
	struct store_call me = {.s = s,
				.argc = argc,
				.argv = argv,
				.lens = lens,
				.wake = &store_wake};

	*reply = NULL;
	if (argc > STORE_MAX_ARGS)
		return WL_EINTERNAL;
	if (!store_wake_ready) {
		pthread_cond_init(&store_wake, NULL);
		store_wake_ready = true;
	}
	pthread_mutex_lock(&g->mu);
	*g->tail = &me;
	g->tail = &me.next;
	while (!me.done) {
		struct store_call *batch, *k, **cut;
		size_t n = 0;

		if (g->leading) {
			pthread_cond_wait(&store_wake, &g->mu);
			continue;
		}
		/* Lead: take up to STORE_GROUP_MAX calls off the queue. */
		g->leading = true;
		batch = g->head;
		cut = &g->head;
		while (*cut && n < STORE_GROUP_MAX) {
			cut = &(*cut)->next;
			n++;
		}
		g->head = *cut;
		if (!g->head)
			g->tail = &g->head;
		*cut = NULL;
		pthread_mutex_unlock(&g->mu);
		store_group_run(batch);
		pthread_mutex_lock(&g->mu);
		/* The waiting threads cannot leave before they hold the
		 * lock again, so their calls stay valid until then. */
		for (k = batch; k;) {
			struct store_call *next = k->next;

			k->done = true;
			if (k != &me)
				pthread_cond_signal(k->wake);
			k = next;
		}
		g->leading = false;
		/* The first call still queued leads next (if it is ours,
		 * the loop takes it). */
		if (g->head && g->head != &me)
			pthread_cond_signal(g->head->wake);
	}
	pthread_mutex_unlock(&g->mu);
	*reply = me.reply;
	return me.rc;
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
		store_group_run(head);
	for (size_t i = 0; i < n; i++) {
		reply[i] = calls[i].reply;
		rc[i] = calls[i].rc;
	}
	free(calls);
}
