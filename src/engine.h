/*
 * engine.h — what the daemon does with one inbound message, as a pure
 * function: (message, contact, session, loaded cases, now) -> (new
 * session, outbound messages, case operations, timers). No I/O:
 * inbound.c loads the state before and commits the result after, in one
 * atomic script (store_scripts.c documents the case operations).
 *
 * A staff member's command goes to src/commands.c; anything else from
 * staff, and everything from residents, goes to the flow engine
 * (flow.h), whose effects become messages and case operations here. A
 * resident with an open case who is not in a conversation has their
 * messages relayed to whoever holds the case.
 *
 * Ownership: engine_out is _init'ed and _release'd by the caller; the
 * engine fills it. Everything in engine_in is borrowed.
 */
#ifndef WL_ENGINE_H
#define WL_ENGINE_H

#include <stdint.h>

#include <jansson.h>

#include "channel.h"
#include "config.h"

struct flow_set;
struct sla_conf;

struct engine_in {
	const struct wl_config *cfg;
	const struct flow_set *flows; /* NULL: the acknowledgement only */
	const struct sla_conf *sla;   /* NULL: no response-time clocks */
	/* The conversation: NULL for a response-time fire, which has none. */
	const struct wl_channel_conf *ch;
	const struct chan_msg *msg;
	/* A due timer from the timer thread (inbound_fire_batch), NULL for a
	 * gateway's message. Only this says "fire": no message kind can. */
	const char *fire;
	const char *contact_name; /* from Redis, or NULL */
	const char *session;	  /* the stored state, "" when none */
	const json_t *kase;	  /* the case a command names, or NULL */
	const json_t *timeline;	  /* its last events, newest first */
	const json_t *open_cases; /* the sender's open cases */
	const json_t *list;	  /* cases listed for /open or /mine, oldest
				     first, from the indexes */
	const json_t *counts;	  /* the list's scope: how many cases in each
				     status (enum case_status order), or NULL */
	int64_t now_ms;
};

struct engine_out {
	char *session;	 /* the state to store ("" ends the session) */
	json_t *out;	 /* array of {"channel", "to", "text"} */
	json_t *cases;	 /* array of case operations */
	json_t *timers;	 /* array of {"member", "at"} */
	json_t *metrics; /* response-time counts to record after the commit */
	bool noop; /* nothing to commit at all, not even the dedupe mark (a
		      stale timer must not use up its fire's id) */
};

void engine_out_init(struct engine_out *o);
void engine_out_release(struct engine_out *o);

/* What to load for this message: the case number a staff command names
 * (no[0] == '\0' for none) and, in *list, the index query of the list it
 * needs (JSON, see src/lua/lib/index.lua; NULL for none; the caller
 * frees it). WL_OK or WL_ENOMEM. */
int engine_peek(const struct wl_config *cfg, const struct wl_channel_conf *ch,
		const struct chan_msg *msg, char *no, size_t no_size,
		char **list);

int engine_step(const struct engine_in *in, struct engine_out *out);

/* Append one outbound message, split to the channel's length limit at
 * line boundaries. */
int engine_say(const struct wl_config *cfg, json_t *out, const char *channel,
	       const char *to, const char *text);
int engine_sayf(const struct wl_config *cfg, json_t *out, const char *channel,
		const char *to, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Case operations (see store_scripts.c). fields may be NULL; the op
 * steals nothing. expect < 0: no version check. */
json_t *engine_case_set(json_t *cases, const char *no, long long expect,
			json_t *fields, const char *who, const char *what,
			const char *detail);
/* Notify: append {channel, to, text} to an op's notify list. */
int engine_op_notify(json_t *op, const char *channel, const char *to,
		     const char *text);

#endif
