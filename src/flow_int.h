/*
 * flow_int.h — the flow module's private structures, shared by
 * flow_load.c (loader and validator), flow_input.c (answer parsing and
 * text helpers) and flow_step.c (the stepper). Nothing outside the flow
 * module and its unit tests includes this.
 *
 * Ownership: everything reachable from a struct flow_set is owned by it
 * and freed by flow_set_free(); json_t members hold one reference each.
 */
#ifndef WL_FLOW_INT_H
#define WL_FLOW_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "config.h"
#include "flow.h"
#include "triage.h"

/* Caps the loader enforces (docs/FLOWS.md lists them). */
#define FLOW_ID_MAX	      40
#define FLOW_NODES_MAX	      400
#define FLOW_OPTIONS_MAX      20
#define FLOW_ALIASES_MAX      40
#define FLOW_KEYWORDS_MAX     100
#define FLOW_CASES_MAX	      50
#define FLOW_OPS_MAX	      20
#define FLOW_TEXT_MAX	      2000 /* characters of one text */
#define FLOW_WORD_MAX	      100  /* characters of one keyword or alias */
#define FLOW_TRIES_DEFAULT    3
#define FLOW_TEXT_LEN_DEFAULT 200 /* characters kept of a text answer */
#define FLOW_PICK_MAX	      5	  /* places listed when a location is vague */
#define FLOW_SMS_LINE	      70  /* UCS-2 characters in one SMS segment */

struct flow_text {
	char *zh; /* never NULL once loaded */
	char *en; /* may be NULL: zh is used */
};

enum flow_node_kind { FN_SAY, FN_ASK, FN_ROUTE, FN_ACTION, FN_END };

enum flow_input_kind {
	FI_CHOICE,
	FI_YESNO,
	FI_INTEGER,
	FI_AGE,
	FI_PHONE,
	FI_RESIDENT_ID,
	FI_TEXT,
	FI_LOCATION,
	FI_DATE,    /* a day: 今天, 12月3日, 2026-12-03 → "YYYY-MM-DD" */
	FI_CHOICES, /* several ticks: "1 3", "残疾、慢性病" → [keys] */
};

/* Where an ask may take its answer from what the sender already said
 * (the first message and every answer since). */
enum flow_prefill {
	PF_NONE,
	PF_YES,	    /* by input type: choice words, a place, N岁, a
		     * phone number; any ask already answered is skipped */
	PF_ADDRESS, /* text: the clause that reads like an address */
	PF_MESSAGE, /* text: the first message itself, when it says more
		     * than a keyword */
	PF_NAME,    /* text: how the person is called (张奶奶, 刘大爷) */
};

struct flow_option {
	char *key;
	struct flow_text text;
	char **aliases;
	size_t n_aliases;
	int next;    /* node index, -1: the ask's next */
	char **bare; /* matching forms of key, labels and aliases (loader);
		      * NULL: computed when needed */
	size_t n_bare;
};

enum flow_cond_kind {
	FC_EQUALS,
	FC_IN,
	FC_CONTAINS,
	FC_GTE,
	FC_LTE,
	FC_EXISTS
};

struct flow_case {
	enum flow_cond_kind kind;
	json_t *value;
	int next;
};

enum flow_op_kind {
	FO_SET,
	FO_URGENCY,
	FO_OPEN_CASE,
	FO_UPDATE_CASE,
	FO_HANDOVER,
	FO_START_FLOW,
	FO_EMIT,
	FO_RESET, /* forget the answers (keep the first message, params) */
};

struct flow_op {
	enum flow_op_kind kind;
	json_t *fields; /* SET / OPEN_CASE / UPDATE_CASE / EMIT: templates */
	char *str;	/* URGENCY value, HANDOVER note, START_FLOW id,
			 * EMIT type, OPEN_CASE source */
	char *area;	/* OPEN_CASE: area id or template, may be NULL */
	bool separate;	/* OPEN_CASE: not the session's own case */
	int flow_idx;	/* START_FLOW: resolved after every file loaded */
};

struct flow_node {
	char *id;
	enum flow_node_kind kind;
	struct flow_text text; /* say, ask, end (end: may be empty) */
	int next;	       /* -1 when none */

	/* ask */
	enum flow_input_kind input;
	char *var; /* ask and route */
	char *field;
	struct flow_option *options;
	size_t n_options;
	struct flow_text hint; /* zh NULL: the input type's default hint */
	int max_tries;
	enum flow_prefill prefill;
	bool optional;
	int level;	/* location: only areas of this level (enum wl_level),
			 * stored as the area's configured name; -1: any,
			 * stored as the id */
	char *note_var; /* yesno: the words after 是/否 go to this var */
	bool has_min, has_max;
	long long min, max;
	size_t max_len;

	/* route */
	struct flow_case *cases;
	size_t n_cases;
	int else_next;

	/* action */
	struct flow_op *ops;
	size_t n_ops;
};

struct flow {
	char *id;
	char *file;
	struct flow_text name;
	char **keywords;
	char **kw_bare; /* matching forms of keywords, same count */
	size_t n_keywords;
	bool is_default;
	bool staff_only;
	int start;
	int on_expire; /* -1 when none */
	char **params;
	size_t n_params;
	struct flow_node *nodes;
	size_t n_nodes;
};

/* One kind of emergency (flows/emergency.json). What makes it is in the
 * set's struct triage, kind for kind in the same order. */
struct flow_em_kind {
	char *id;
	char *number;		 /* the number its advice gives: 120 */
	struct flow_text name;	 /* for staff: 一氧化碳（煤气）中毒 */
	struct flow_text advice; /* the first reply when it pages */
	struct flow_text question; /* the ask tier: a safety line and one
				    * question; zh NULL: the kind never asks */
};

struct flow_set {
	struct flow *flows;
	size_t n_flows;
	struct flow_em_kind *em;
	size_t n_em;
	struct triage *triage;	   /* the concepts behind em, NULL: none */
	struct flow_text em_reply; /* zh NULL: the built-in reply */
	char *em_flow_id, *em_node_id;
	int em_flow, em_node; /* where an emergency goes on, -1: nowhere */
};

/* ---- flow_load.c ---- */
int flow_find(const struct flow_set *fs, const char *id);
int flow_node_find(const struct flow *f, const char *id);
/* The ask node that sets var in f (first one), NULL when none. */
const struct flow_node *flow_var_node(const struct flow *f, const char *var);

/* ---- flow_input.c: text helpers ---- */

/* A matching form of s: text_normalize() and then every space and
 * punctuation mark (ASCII and CJK) removed. New string, NULL on OOM. */
char *flow_bare(const char *s);
/* A copy of s that is valid UTF-8 (invalid bytes dropped), with control
 * characters other than '\n' turned into spaces, trimmed, and at most
 * max_bytes long (never cutting a character). NULL on OOM. */
char *flow_clean(const char *s, size_t max_bytes);
/* The localised form of t ("en" gives en when present, else zh). */
const char *flow_text_get(const struct flow_text *t, const char *lang);

/* Templates: "{name}" with name in [a-z0-9_.]. Finds the next variable
 * at or after *pos: sets *start and *len of the whole "{...}" and
 * returns true. */
bool flow_tpl_next(const char *s, size_t *pos, size_t *start, size_t *len);

/* ---- flow_input.c: answer parsing ---- */

enum flow_parse {
	FP_OK = 0,
	FP_INVALID,   /* not an answer to this question */
	FP_SKIP,      /* an optional question skipped: the value is null */
	FP_AMBIGUOUS, /* choice: words of two options; location: too vague */
	FP_PICK,      /* location: 2..FLOW_PICK_MAX places, *picks filled */
};

/* Option index for a choice answer: a number 1..n (half/full width,
 * Chinese numerals, 第二个), else the option whose label or alias is the
 * longest word found in the answer. words_only skips numbers (prefill). */
enum flow_parse flow_parse_choice(const struct flow_node *n, const char *s,
				  bool words_only, size_t *idx);
enum flow_parse flow_parse_yesno(const char *s, bool *out);
/* The same, for an answer that goes on after the yes or no
 * ("是，缺棉被，煤不够"): the first clause decides, whatever words the
 * rest holds, and *note points into s at the rest (NULL when none). */
enum flow_parse flow_parse_yesno_note(const char *s, bool *out,
				      const char **note);
/* Several options: numbers or words separated by spaces, 、，和 及 /;
 * marks[i] set for every option named. */
enum flow_parse flow_parse_choices(const struct flow_node *n, const char *s,
				   bool *marks);
/* A day in the local calendar (utc_offset_s) relative to now_ms:
 * 今天 昨天 前天 (with 上午/下午…), 12月3日, 3日, 12.3, 2026-12-03,
 * 2026年12月3日. A month and day without a year take the year that puts
 * the day nearest to today. out gets "YYYY-MM-DD" (11 bytes). */
enum flow_parse flow_parse_date(const char *s, int64_t now_ms,
				int32_t utc_offset_s, char *out, size_t size);
/* Prefill helpers over free text: an age said as N岁; a phone number
 * anywhere (not 本机); the clause that reads like an address. */
bool flow_find_age(const char *s, long long *out);
bool flow_find_phone(const char *s, char *out, size_t size);
char *flow_find_address(const char *s, size_t max_chars);
/* A surname with a title: 张奶奶, 刘大爷; NULL when none. */
char *flow_find_name(const char *s);
/* A deadline said in free text: 12月5日前, 三天内 (from today). */
bool flow_find_deadline(const char *s, int64_t now_ms, int32_t utc_offset_s,
			char *out, size_t size);
/* A number anywhere in a short answer: 七十二, 72岁, 今年八十多岁了. */
enum flow_parse flow_parse_number(const char *s, long long *out);
/* Phone: out at least 24 bytes. from is the sender (本机 = this number). */
enum flow_parse flow_parse_phone(const char *s, const char *from, char *out,
				 size_t size);
enum flow_parse flow_parse_resident_id(const char *s, char *out, size_t size);
/* Words that skip an optional question: 跳过 无 没有 不知道 skip... */
bool flow_is_skip(const char *s);
/* Location: areas whose name or alias the answer mentions (or that the
 * answer is a part of). On FP_OK *idx is the area; on FP_PICK picks[]
 * holds *n_picks (2..FLOW_PICK_MAX) area indexes. */
enum flow_parse flow_parse_location(const struct wl_config *cfg, const char *s,
				    size_t *idx, size_t *picks,
				    size_t *n_picks);
/* The same, only among areas of one level (level < 0: any). */
enum flow_parse flow_parse_location_at(const struct wl_config *cfg,
				       const char *s, int level, size_t *idx,
				       size_t *picks, size_t *n_picks);

#endif
