/*
 * timers.h — the timer thread: fires what is due in the Redis sorted set
 * "timers" (a conversation's idle reminder and expiry today; response-time
 * deadlines build on the same set).
 *
 * A fire is handled as a message from the timer to the contact it is
 * about: it goes through inbound_handle() with the timer itself as the
 * message id, so the dedupe mark makes it happen once however many
 * daemons sweep, and the lease gives it back if a daemon dies mid-fire.
 * No scan over sessions or cases: only what is due is read.
 */
#ifndef WL_TIMERS_H
#define WL_TIMERS_H

#include "config.h"

int timers_start(const struct wl_config *cfg);
void timers_stop(void);

#endif
