/*
 * case.h — the case model: statuses and the one transition table, the
 * help measures of the weekly table, areas and who may act where, and the
 * texts that describe a case in a duty chat. Pure: no I/O.
 *
 * A case lives in Redis as a hash (case:{no}) with a version that every
 * change increments; the engine reads it in the load round trip and the
 * commit applies a change only if the version is still the one read, so a
 * claim race has exactly one winner.
 *
 * Ownership: functions returning char * return heap strings the caller
 * frees.
 */
#ifndef WL_CASE_H
#define WL_CASE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "config.h"

enum case_status {
	CASE_NEW = 0,
	CASE_CLAIMED,
	CASE_RESOLVED,
	CASE_CLOSED,
	CASE_CANCELLED,
	CASE_STATUS_COUNT
};

enum case_action {
	CASE_CLAIM = 0,
	CASE_RESOLVE,
	CASE_FEEDBACK, /* feedback given or confirmed: closes */
	CASE_TRANSFER,
	CASE_REOPEN,
	CASE_CANCEL,
	CASE_ACTION_COUNT
};

const char *case_status_name(enum case_status s);  /* "new" ... */
const char *case_status_label(enum case_status s); /* "待认领" ... */
int case_status_parse(const char *s);		   /* -1 if unknown */
const char *case_action_label(enum case_action a);

/* The status after action, or -1 when the table has no such transition. */
int case_transition(enum case_status from, enum case_action a);

/* The help measures of the weekly table (附件2). */
enum case_measure_kind {
	MEASURE_DIBAO, /* 纳入低保 */
	MEASURE_TEKUN, /* 纳入特困 */
	MEASURE_RELIEF, /* 临时救助: counts in 救助人次 and 支出金额 */
	MEASURE_GOODS,	  /* 其他救助方式: stoves, coal, coats... */
	MEASURE_REFERRAL, /* 转介 */
	MEASURE_OTHER,	  /* 其他 */
};

struct case_measure {
	const char *name; /* canonical: 纳入低保, 取暖煤, ... */
	enum case_measure_kind kind;
};

/* A measure by its canonical name or a short form (低保, 特困, 炉具, 煤,
 * 被子...). NULL when unknown. */
const struct case_measure *case_measure_find(const char *word);
/* "纳入低保、纳入特困、临时救助、…" for usage lines. */
const char *case_measure_list(void);

/* The help given, parsed from what follows the case number of 办结 or
 * 补录: one or more measures, each "MEASURE [K人次] [AMOUNT元]", separated
 * by "；" or simply written one after another ("临时救助 1人次 800元 电热毯
 * 1人次"), then an optional note. Person-times default to 1; the amount is
 * in fen (cents). Money measures (纳入低保, 纳入特困, 临时救助) must state
 * their amount: 临时救助 more than 0, 纳入低保/纳入特困 may say 0元. */
#define CASE_HELP_MAX 8
struct case_help_item {
	const struct case_measure *measure;
	long person_times;
	long long amount_fen;
	bool has_amount;
};
struct case_help {
	struct case_help_item items[CASE_HELP_MAX];
	size_t n;
	char note[512];
	/* Set when parsing failed because this money measure has no amount. */
	const struct case_measure *needs_amount;
};
/* WL_OK, or WL_EBADREQ with a Chinese reason in err (for a missing amount
 * the reason asks for it). */
int case_help_parse(const char *args, struct case_help *out, char *err,
		    size_t err_size);
/* Does this measure pay money (纳入低保, 纳入特困, 临时救助)? */
bool case_measure_is_money(const struct case_measure *m);

/* The measures recorded on a case, in the case hash as "help_given": a
 * JSON array of {m: name, k: kind, t: person-times, f: fen, at: ms,
 * by: staff id}. case_help_given() returns it (a new reference, an empty
 * array when the case has none, NULL on OOM). A case from before this
 * field has one measure in measure/measure_kind/person_times/amount_fen
 * and resolved_at: case_help_given() returns that one as the array. */
json_t *case_help_given(const json_t *c);
/* Append the parsed items, recorded at `at` by `by`, to `given`. */
int case_help_append(json_t *given, const struct case_help *h, long long at,
		     const char *by);
/* "临时救助 1人次 800元；电热毯 1人次" of a help_given array. */
char *case_help_text(const json_t *given);
/* The summary fields every reader of one measure knows (measure: the
 * names joined by "、", measure_kind of the first, person_times and
 * amount_fen summed), set into fields. */
int case_help_summary(const json_t *given, json_t *fields);

/* The resident's own words on a case: the detail they gave, else their
 * opening message, with the hazard's kind in front when there is one.
 * NULL when there are none. */
char *case_words(const json_t *c);

/* Areas. */
bool case_area_within(const struct wl_config *cfg, int area, int root);
/* The area a new case is routed to: the given area, or the first root
 * (the street) when none. */
int case_route_area(const struct wl_config *cfg, const char *area_id);
/* The duty chats to notify, nearest first: the case's area's duty, then
 * up the chain. all=false: only the nearest area that has a duty chat;
 * all=true: every level (emergencies). Returns the count written. */
size_t case_duty_chain(const struct wl_config *cfg, int area, bool all,
		       const struct wl_addr **out, size_t max);
/* "惠丰社区 第一网格" */
char *case_area_path(const struct wl_config *cfg, int area);

/* May this staff member act on a case in case_area? Supervisors act
 * everywhere; others within their area's subtree. */
bool case_staff_may_act(const struct wl_config *cfg, const struct wl_staff *st,
			int case_area);
/* May they take over a case claimed by someone else? Community director
 * and above. */
bool case_staff_may_take_over(const struct wl_staff *st);

/* A case as the engine sees it: the hash from Redis as a JSON object of
 * strings (no, v, status, area, claimed_by, urgency, category, ...). */
const char *case_get(const json_t *c, const char *field);

/* The notice posted to a duty chat for a new case. no may be "{case.no}"
 * (substituted at commit). Phone and ID numbers are masked: duty chats
 * are groups. */
char *case_notice(const struct wl_config *cfg, const json_t *fields,
		  const char *no, const char *urgency, int area);
/* "居民求助", "走访排查", "12345热线" ... for a case's source; the source
 * itself when unknown. */
const char *case_source_label(const char *source);
/* A short one-line summary for lists (/open, /mine, /case). */
char *case_line(const struct wl_config *cfg, const json_t *c);

#endif
