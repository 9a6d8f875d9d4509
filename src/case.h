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

/* The help given, parsed from "/resolve N MEASURE [K人次] [AMOUNT元] [note]"
 * after the case number: measure, person-times (default 1), amount in fen
 * (cents; default 0) and the note (may be empty). */
struct case_help {
	const struct case_measure *measure;
	long person_times;
	long long amount_fen;
	char note[512];
};
/* WL_OK, or WL_EBADREQ with a Chinese reason in err. */
int case_help_parse(const char *args, struct case_help *out, char *err,
		    size_t err_size);

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
/* A short one-line summary for lists (/open, /mine, /case). */
char *case_line(const struct wl_config *cfg, const json_t *c);

#endif
