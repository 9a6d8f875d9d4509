/*
 * timers.h — the timer thread: fires what is due in the Redis sorted set
 * "timers" (a conversation's idle reminder and expiry today; response-time
 * deadlines build on the same set).
 *
 * A fire is an event of its own, not a message: it goes through
 * inbound_fire_batch(), never through a gateway or a message id. A
 * response-time fire is marked done on its case (so it happens once
 * however many daemons sweep, for as long as the case lives), a stale one
 * writes nothing, and the lease (kept on Redis's clock) gives a fire back
 * if a daemon dies mid-fire. No scan over sessions or cases: only what is
 * due is read, and a full batch is followed by the next at once. A batch is
 * fired by a small pool of threads, each case or conversation always on the
 * same one, so fires of one subject keep their order; each thread sends
 * its share's loads as one Redis pipeline and its commits as another, so
 * a batch costs a few round trips and shares Redis's fsyncs.
 */
#ifndef WL_TIMERS_H
#define WL_TIMERS_H

#include "config.h"

int timers_start(const struct wl_config *cfg);
void timers_stop(void);

#endif
