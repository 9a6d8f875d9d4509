/*
 * store_int.h — what store.c shares with store_group.c, and no one else.
 */
#ifndef WL_STORE_INT_H
#define WL_STORE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "store.h"

/* The most arguments a script call may carry: the timer thread releases
 * a batch of 256 in one call. */
#define STORE_MAX_ARGS 300

/* The EVALSHA command line of a script call into av/al, which hold
 * argc + 3 entries; av[3..] point into argv. */
void store_eval_argv(enum store_script s, int argc, const char **argv,
		     const size_t *lens, const char **av, size_t *al);
/* The reply to that command line, in *reply (taken over: on return it
 * is the caller's again, or NULL). A NOSCRIPT answer sends the script's
 * source once on this thread's connection; an error reply is logged and
 * becomes WL_EREDIS. */
int store_eval_finish(enum store_script s, int argc, const char **argv,
		      const size_t *lens, redisReply **reply);
/* store_eval on this thread's own connection, one round trip. */
int store_eval_alone(enum store_script s, int argc, const char **argv,
		     const size_t *lens, redisReply **reply);
/* store_eval shared with the other threads of the same kind
 * (store_group.c). */
int store_group_eval(enum store_script s, int argc, const char **argv,
		     const size_t *lens, redisReply **reply);

/* This thread serves webhooks (its deadlines are the gateways'). */
bool store_is_http(void);
/* This thread holds a connection now (it may have gone stale). */
bool store_has_conn(void);
/* Drop this thread's connection and connect again at once: a
 * connection that failed on first use went stale while Redis
 * restarted. */
redisContext *store_reconnect(void);
/* Log a failed command, count it, drop this thread's connection. */
void store_fail(const char *what);

#endif
