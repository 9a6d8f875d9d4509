/*
 * outbox.h — the outbound queue's sender: one thread on curl multi.
 *
 * The queue itself lives in Redis (store_scripts.c); this thread leases
 * ready recipients' queues, sends the head message of each through its
 * channel's adapter, and reports sent / retry (with backoff) / dead.
 */
#ifndef WL_OUTBOX_H
#define WL_OUTBOX_H

#include "config.h"

int outbox_start(const struct wl_config *cfg);
/* Wake the sender now (a commit just queued messages). Thread-safe. */
void outbox_wake(void);
/* Stop taking new work, give sends in flight up to drain_ms, then join.
 * Whatever is still in flight keeps its lease and is resent by a daemon
 * after the lease expires. */
void outbox_stop(int drain_ms);

/* The delay before try number `tries` (0-based) failed with a transient
 * error: exponential with full jitter in [d/2, d], capped; retry_after_s
 * (>= 0) from the gateway wins. Pure, for tests. */
long outbox_backoff_ms(const struct wl_outbox_conf *oc, int tries,
		       long retry_after_s, unsigned int rnd);

#endif
