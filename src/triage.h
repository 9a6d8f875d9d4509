/*
 * triage.h — emergency recognition by concepts: the matcher behind
 * flows/emergency.json.
 *
 * A resident does not write "一氧化碳中毒"; they write "我爸烧煤炉子，现在
 * 头晕恶心". So a kind of emergency is not a list of phrases but a set of
 * conditions over concepts (a heat source AND a symptom), each concept a
 * list of words. Around the concepts, markers give context: a negation
 * cancels the one concept right after it (没有中毒, 不会中煤气) while a
 * yes-no question (是不是, 有没有) is neutral, and past events, prevention
 * questions and planned or chronic states demote the clause they are in
 * (上次煤气中毒的事, 怎么防止中毒, 明天检修断电) unless the same clause says
 * it is happening now (现在, 刚才). A prevention question or a planned
 * outage colours the whole message.
 *
 * The text is folded first: full-width forms, case, spacing and the
 * sound-alike or mistyped words the rule file lists (煤汽 → 煤气).
 *
 * Everything here is pure and safe on any input. The loader
 * (flow_load.c) builds a struct triage from the rule file with the
 * triage_add_* calls and checks what is reported back; the stepper
 * (flow_step.c) calls triage_match() on every resident message.
 *
 * Ownership: triage_new() returns rules the caller frees with
 * triage_free(); after loading they are read-only and may be shared by
 * any number of threads. triage_fold() returns a heap string the caller
 * frees.
 */
#ifndef WL_TRIAGE_H
#define WL_TRIAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Caps the loader enforces (docs/FLOWS.md lists them). */
#define TRIAGE_CONCEPTS_MAX 64 /* a condition is a 64-bit set */
#define TRIAGE_WORDS_MAX    4000
#define TRIAGE_FOLDS_MAX    400
#define TRIAGE_KINDS_MAX    50
#define TRIAGE_CONDS_MAX    40 /* conditions of one kind and tier */
#define TRIAGE_HITS_MAX	    96 /* concept hits kept per message */
#define TRIAGE_NEG_WINDOW   4  /* characters a negation reaches forward */

enum triage_tier {
	TRIAGE_NONE = 0, /* not an emergency: normal routing */
	TRIAGE_ASK,	 /* maybe: the safety line and one question */
	TRIAGE_PAGE,	 /* clearly now: advice, urgent case, page */
};

/* What a word in the rule file does. */
enum triage_role {
	TRIAGE_CONCEPT, /* part of a concept */
	TRIAGE_NEGATE,	/* cancels the next concept: 没有, 不会 */
	TRIAGE_NEUTRAL, /* read and ignored: 是不是, 不知道, 不好了 */
	TRIAGE_PRESENT, /* happening now: 现在, 刚才; undoes demotion */
	TRIAGE_PAST,	/* 上次, 去年: the clause is history */
	TRIAGE_PREVENT, /* 怎么防止, 能领吗: the whole message asks about
			 * safety or a product */
	TRIAGE_HYPO,	/* 如果, 万一: this clause is a supposition */
	TRIAGE_PLANNED, /* 检修, 明天: the whole message is about a plan */
	TRIAGE_CHRONIC, /* 一直, 老是: this clause is a lasting state */
};

/* Marker classes a kind may be demoted by (a bit set). */
#define TRIAGE_BY_PAST	  (1u << 0)
#define TRIAGE_BY_PREVENT (1u << 1)
#define TRIAGE_BY_PLANNED (1u << 2)

struct triage;

struct triage_result {
	enum triage_tier tier;
	int kind;	/* index of the kind (file order), -1 with NONE */
	char words[96]; /* the concept words that decided, 煤炉+头晕 */
};

int triage_new(struct triage **out);
void triage_free(struct triage *t);

/* Rule building. Words are folded (triage_fold) before they are stored;
 * each returns WL_OK, WL_ENOMEM, WL_ETOOBIG over a cap, WL_EBADREQ for a
 * word that folds to nothing or crosses a separator, or WL_ECONFLICT when
 * the word is already there with another meaning (*other then names its
 * concept, or NULL for a marker). */
int triage_add_fold(struct triage *t, const char *from, const char *to);
/* Concept index by name, created when missing (WL_ETOOBIG past the cap). */
int triage_concept(struct triage *t, const char *name, int *idx);
/* Existing concept index, -1 when unknown. */
int triage_concept_find(const struct triage *t, const char *name);
size_t triage_concept_count(const struct triage *t);
const char *triage_concept_name(const struct triage *t, size_t idx);
int triage_add_word(struct triage *t, const char *word, enum triage_role role,
		    int concept, const char **other);
/* Kinds are added in file order; a condition is the set of concepts that
 * must all be present (not negated, not demoted) and the set that must
 * not be (a fire is not a stove's smoke). */
int triage_add_kind(struct triage *t, unsigned demoted_by, int *idx);
int triage_add_cond(struct triage *t, int kind, enum triage_tier tier,
		    uint64_t must, uint64_t must_not);
size_t triage_kind_count(const struct triage *t);
/* The concepts any condition uses (for the loader's unused warning). */
uint64_t triage_used(const struct triage *t);

/* The matching form of s: full-width ASCII folded, lower case, spaces
 * inside a word dropped, punctuation and spaces between phrases turned
 * into '|' clause marks, then the rule file's folds applied. t may be
 * NULL (no folds). NULL only on allocation failure. */
char *triage_fold(const struct triage *t, const char *s);

/* Reads s (any bytes; at most the first 4096 are looked at) and fills
 * *res: the first kind (file order) with a condition that holds at the
 * PAGE tier, else the first at the ASK tier, else NONE. WL_OK or
 * WL_ENOMEM. */
int triage_match(const struct triage *t, const char *s,
		 struct triage_result *res);

#endif
