/*
 * engine.h — what the daemon does with one inbound message, as a pure
 * function: (message, contact, session, now) -> (new session, outbound
 * messages). No I/O: inbound.c loads the state before and commits the
 * result after, in one atomic script.
 *
 * Ownership: engine_out is _init'ed and _release'd by the caller; the
 * engine fills it.
 */
#ifndef WL_ENGINE_H
#define WL_ENGINE_H

#include <stdint.h>

#include <jansson.h>

#include "channel.h"
#include "config.h"

struct engine_in {
	const struct wl_config *cfg;
	const struct wl_channel_conf *ch;
	const struct chan_msg *msg;
	const char *contact_name; /* from Redis, or NULL */
	const char *session;	  /* the stored state, "" when none */
	int64_t now_ms;
};

struct engine_out {
	char *session; /* the state to store ("" ends the session) */
	json_t *out;   /* array of {"channel", "to", "text"} */
};

void engine_out_init(struct engine_out *o);
void engine_out_release(struct engine_out *o);

int engine_step(const struct engine_in *in, struct engine_out *out);

/* Append one outbound message, split to the channel's length limit at
 * line boundaries. */
int engine_say(const struct wl_config *cfg, json_t *out,
	       const char *channel, const char *to, const char *text);

#endif
