/*
 * flow.h — scripted intake flows: the loader, the validator and the pure
 * stepper that turns (flow set, session, message, now) into (new session,
 * effects).
 *
 * The stepper does no I/O, reads no clock and keeps no global state: the
 * caller loads the contact and session, calls flow_step(), and commits the
 * returned session and effects atomically (docs/FLOWS.md describes the
 * flow files; this header is the contract with the store and case code).
 *
 * Ownership: flow_set_load() returns a flow set the caller frees with
 * flow_set_free(); it is read-only afterwards and may be shared by any
 * number of threads. A struct flow_result is filled by flow_step(),
 * flow_start() or flow_timeout() and released with flow_result_release();
 * the caller may steal result.session / result.effects by setting the
 * fields to NULL before releasing. The input session is never modified.
 *
 * ---------------------------------------------------------------------
 * SESSION JSON (store it as is; compact, opaque except for these keys):
 *   "version"       integer, +1 at every step that returns a session
 *   "flow", "node"  where the conversation waits (always an ask node)
 *   "answers"       object var -> value (string, integer, boolean, null)
 *   "tries"         invalid answers to the current question (omitted if 0)
 *   "case_no"       set BY THE CALLER after it committed the session's
 *                   case_open (string or integer); flows render {case.no}
 *   "lang"          "zh" or "en"
 *   "remind_at_ms", "expires_at_ms"  idle deadlines
 * other keys ("fields", "urgency", "case", "em", "area", "pick", "pf",
 * "reminded", "emq", "emq_own") are private to the engine. A session that is
 * not waiting (the conversation ended) is returned as NULL: delete the stored
 * one.
 *
 * EFFECTS: result.effects is a JSON array of objects, in order:
 *   {"type":"say","text":"..."}
 *       a reply to the sender, localised, variables substituted; the
 *       literal "{case.no}" stays when the case number is not known yet:
 *       the caller substitutes it after allocating the number.
 *   {"type":"case_open","fields":{...},"urgency":"normal|urgent",
 *    "area":"<area id>"|null,"source":"flow:<id>"|"visit"|"emergency",
 *    "flow":"<id>","session_case":true|false}
 *       open a case. session_case true: this is the session's own case,
 *       later case_update effects and {case.no} refer to it (the caller
 *       stores its number in the session's "case_no"). false: a separate
 *       case (a visit opens one per problem found).
 *   {"type":"case_update","fields":{...},"urgency":"urgent"?,"area":"…"?}
 *       update the session's case: merge the fields; urgency only ever
 *       raised; area when the session learnt a place.
 *   {"type":"handover","reason":"asked|invalid_input|flow",
 *    "flow":"<id>"|null,"answers":{...},"note":"…"?,"area":"<id>"?}
 *       a person is needed (人工, too many invalid answers, or a flow's
 *       handover action with its note); the session has ended except
 *       after a flow's action. area: the place already known (answered,
 *       or named in what the sender said), for routing.
 *   {"type":"emergency","kind":"<the words that decided, 煤炉+头晕>",
 *    "class":"<kind id>","name":"<kind name, zh>",
 *    "text":"<the resident's words>"}
 *       comes after the safety advice (a say) and before a case_open
 *       (urgency urgent, source "emergency", fields category 紧急情况,
 *       emergency, emergency_class, emergency_text) or a case_update
 *       when the session already has a case; page every level. A
 *       conversation in progress is then moved to the emergency
 *       follow-up (where, which phone).
 *   {"type":"timer","at_ms":N,"kind":"remind|expire","version":V}
 *       the idle timers of the returned session (version V); when one
 *       fires call flow_timeout() if the stored session still has
 *       version V, else drop it.
 *   {"type":"status"}       the sender asked 进度/status: answer with their
 *                           open cases (the session is unchanged).
 *   {"type":"cancel","flow":"<id>","case":true|false}
 *       the sender cancelled the conversation; case true when it had
 *       already opened a case.
 *   {"type":"visit_record","fields":{...},"at_ms":N}
 *       a grid worker's visit record (附件1), "staff" and "area" inside.
 *   {"type":"feedback","fields":{...}}   the answers of a 回访 flow,
 *                                        "case_no" inside.
 *   {"type":"error","reason":"step_cap","flow":"<id>","node":"<id>"}
 *       a flow ran away (more than FLOW_STEP_CAP nodes in one message);
 *       the session has ended and a polite say was added.
 *
 * CASE FIELDS written by the campaign flows (the files in flows/): category
 * (the kind of problem, e.g. 取暖), person_category (低保, 特困,
 * 特殊困难老年人, 困境儿童, 其他困难群众, 不清楚), person_sub, name, age,
 * address, phone, detail, for (本人/家人/他人), how_urgent, trigger_text
 * (the first message), incomplete (opened at expiry), hazard, seen, cold,
 * hurt; emergency cases add emergency (kind name: the words read),
 * emergency_class and emergency_text (the resident's words); visit cases
 * add problem.
 * ---------------------------------------------------------------------
 */
#ifndef WL_FLOW_H
#define WL_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "config.h"

/* Node transitions allowed for one message before the flow is stopped. */
#define FLOW_STEP_CAP 50
/* Bytes of an inbound message the engine looks at; the rest is ignored. */
#define FLOW_INPUT_MAX 4096
/* Caps of the loader. */
#define FLOW_FILE_MAX  (1024 * 1024)
#define FLOW_FILES_MAX 64

struct flow_set;

/* Load every *.json in dir: flows, plus emergency.json (the emergency
 * concepts, rules and advice); schema.json is skipped. Every problem goes to
 * diag as "FILE: WHERE: WHAT" (FILE is dir/name, WHERE a JSON path such
 * as nodes.ask_age.next, warnings start WHAT with "warning: "). cfg may
 * be NULL (then area checks are skipped). Returns WL_OK and sets *out
 * when there are no errors (warnings allowed); else WL_EBADREQ (or
 * WL_EIO / WL_ENOMEM) and *out is NULL. */
int flow_set_load(const char *dir, const struct wl_config *cfg,
		  struct flow_set **out, struct wl_diag *diag);

/* The same from memory: n files given as names (used as FILE in diag
 * lines) and texts; a name "emergency.json" is the emergency list. For
 * tests, the fuzzer and tools. */
struct flow_src {
	const char *name;
	const char *text;
	size_t len;
};
int flow_set_load_mem(const struct flow_src *src, size_t n,
		      const struct wl_config *cfg, struct flow_set **out,
		      struct wl_diag *diag);

/* One flow file from a string, no emergency list. */
int flow_set_load_string(const char *name, const char *text, size_t len,
			 const struct wl_config *cfg, struct flow_set **out,
			 struct wl_diag *diag);

void flow_set_free(struct flow_set *fs);

/* Number of flows, and whether a flow id exists. */
size_t flow_set_count(const struct flow_set *fs);
bool flow_set_has(const struct flow_set *fs, const char *flow_id);

/* One inbound message. Only text and now_ms are required; every string
 * may be NULL. */
struct flow_input {
	const char *text;	  /* UTF-8 as received */
	int64_t now_ms;		  /* the one "now" (clock_now_ms()) */
	bool is_staff;		  /* sender is a configured staff member */
	const char *staff_id;	  /* their id (is_staff) */
	const char *staff_area;	  /* their area id (is_staff) */
	const char *lang;	  /* "zh" (default) or "en" */
	const char *contact_name; /* display name, for {contact.name} */
	const char *contact_area; /* the contact's known area id, if any */
	const char *channel;	  /* channel id */
	const char *from;	  /* sender id (an SMS sender is a phone) */
};

struct flow_result {
	json_t *session; /* state to store; NULL: no session (delete it) */
	json_t *effects; /* array, never NULL after success */
	bool handled;	 /* false: no session, no trigger, no default flow
			  * for this sender (e.g. a staff member's chatter);
			  * the caller answers with its own help text */
};

/* Handle one message. session is the stored session or NULL. Order:
 * an expired session is expired first (its effects come first); then
 * emergencies read by concept (src/triage.h; not inside staff-only
 * flows: a clear one pages, a possible one asks one confirming question
 * and the next message answers it); then the global words
 * 人工 / 重新开始 / 取消 / 进度; then the waiting question's answer, or
 * with no session a keyword trigger, else the default flow (never for
 * staff). Returns WL_OK, or WL_ENOMEM / WL_EBADREQ (a session that is not
 * an object), with out zeroed on error. */
int flow_step(const struct flow_set *fs, const struct wl_config *cfg,
	      const json_t *session, const struct flow_input *in,
	      struct flow_result *out);

/* Start flow_id (e.g. "feedback" when a case is resolved) for the
 * contact described by in (in->text is ignored). vars is a JSON object
 * (may be NULL) of starting answers; "case_no" in it also sets the
 * session's case_no. Any current session is replaced, so call it only
 * when the contact has none. WL_ENOTFOUND for an unknown flow. */
int flow_start(const struct flow_set *fs, const struct wl_config *cfg,
	       const char *flow_id, const json_t *vars,
	       const struct flow_input *in, struct flow_result *out);

/* An idle timer fired for session (the caller checked its version).
 * Returns the reminder (say, session with version+1, the expire timer
 * again) when remind_at_ms <= now_ms < expires_at_ms and no reminder was
 * sent; the expiry (say, the flow's on_expire effects, session NULL)
 * when now_ms >= expires_at_ms; else the session unchanged (same
 * version, no effects). */
int flow_timeout(const struct flow_set *fs, const struct wl_config *cfg,
		 const json_t *session, int64_t now_ms,
		 struct flow_result *out);

void flow_result_release(struct flow_result *r);

/* Is text one of the global words that end a conversation (取消, 退出,
 * cancel ...)? The engine asks for a resident outside any conversation,
 * whose 取消 is about their open case. */
bool flow_is_cancel_word(const char *text);

#endif
