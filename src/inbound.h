/*
 * inbound.h — one inbound message from load to commit: the two Redis
 * round trips of DESIGN §3.
 */
#ifndef WL_INBOUND_H
#define WL_INBOUND_H

#include "channel.h"
#include "config.h"

#include <jansson.h>

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

/* The replay record of the request a message came in (channel.h,
 * replay()): recorded with SET NX in the load round trip, together with
 * a digest of the body. */
struct inbound_replay {
	const char *key; /* the request's signature or nonce */
	char body_sha[65];
	long ttl_s;
};
void inbound_replay_init(struct inbound_replay *rp, const char *key, long ttl_s,
			 const char *body, size_t body_len);

/* WL_OK with *result set, WL_EREDIS (answer 503 so the gateway retries),
 * WL_EAUTH when the request is a replay (its signature was seen with
 * another body: 401, nothing written), or another WL_E* code. Nothing is
 * half-applied on failure: the only write is one atomic script. rp may be
 * NULL (nothing to record). */
int inbound_handle(const struct wl_config *cfg, int ch_idx,
		   const struct chan_msg *msg, const struct inbound_replay *rp,
		   enum inbound_result *result);

/* Due timers from the timer thread (timers.c), rc[i] for members[i]:
 * response-time fires "<case>:<clock>:<kind>:<level>:<occ>|<version>"
 * and conversations' idle timers (JSON). Fires have their own path: they
 * are no gateway's message, use no message id and take no dedupe mark; a
 * response-time fire is marked done on its case for as long as the case
 * lives, and a stale or already-done fire writes nothing. rc[i] is WL_OK
 * when the fire is done with (an unreadable one is dropped); otherwise
 * (WL_EREDIS, ...) the fire comes back after its lease.
 *
 * The loads of the whole batch go to Redis in one pipeline, then the
 * commits in another, so the batch shares Redis's writes and fsyncs.
 * Fires of one subject (a case, a conversation) run in the order given,
 * each after the other's commit; a fire that conflicts with a concurrent
 * message is loaded and stepped again. */
void inbound_fire_batch(const struct wl_config *cfg, const char **members,
			size_t n, int *rc);

/* inbound_handle, and the texts the step sends back to the sender (a
 * staff command's answer) appended to said (a JSON array) once committed.
 * The console acts through this, so it and chat never disagree. */
int inbound_handle_said(const struct wl_config *cfg, int ch_idx,
			const struct chan_msg *msg,
			const struct inbound_replay *rp,
			enum inbound_result *result, json_t *said);

/* Set by the daemon: called after a commit that queued outbound
 * messages, so the sender wakes at once. */
extern void (*inbound_on_queued)(void);

#endif
