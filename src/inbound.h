/*
 * inbound.h — one inbound message from load to commit: the two Redis
 * round trips of DESIGN §3.
 */
#ifndef WL_INBOUND_H
#define WL_INBOUND_H

#include "channel.h"
#include "config.h"

struct flow_set;
struct sla_conf;

/* The flows every message goes through (NULL: the acknowledgement only)
 * and the response-time rule (NULL: none). Set once before the HTTP
 * workers start; read-only afterwards. */
void inbound_init(const struct flow_set *flows, const struct sla_conf *sla);
const struct sla_conf *inbound_sla_conf(void);

/* DONE: committed; DUPLICATE: seen before, nothing done; NOTHING: there
 * was nothing to do (a stale timer), nothing written. */
enum inbound_result { INBOUND_DONE, INBOUND_DUPLICATE, INBOUND_NOTHING };

/* WL_OK with *result set, WL_EREDIS (answer 503 so the gateway retries),
 * or another WL_E* code. Nothing is half-applied on failure: the only
 * write is one atomic script. */
int inbound_handle(const struct wl_config *cfg, int ch_idx,
		   const struct chan_msg *msg, enum inbound_result *result);

/* One due timer from the timer thread (timers.c): a response-time fire
 * "<case>:<clock>:<kind>:<level>:<occ>|<version>" or a conversation's
 * idle timer (JSON). Fires have their own path: they are no gateway's
 * message, use no message id and take no dedupe mark; a response-time
 * fire is marked done on its case for as long as the case lives, and a
 * stale or already-done fire writes nothing (*result NOTHING or
 * DUPLICATE). WL_OK when the fire is done with (an unreadable one is
 * dropped); WL_EREDIS and the fire comes back after its lease. */
int inbound_fire(const struct wl_config *cfg, const char *member,
		 enum inbound_result *result);

/* Set by the daemon: called after a commit that queued outbound
 * messages, so the sender wakes at once. */
extern void (*inbound_on_queued)(void);

#endif
