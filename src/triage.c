/*
 * triage.c — the concept matcher for emergencies (see triage.h for the
 * model and flows/emergency.json for the rules).
 *
 * One pass folds the text (width, case, spacing, the rule file's
 * sound-alikes) into clauses separated by '|'; a second pass reads it
 * left to right taking the longest rule word at each place, so that a
 * longer word owns its characters: 没反应 is a concept, not 没 + 反应;
 * 是不是 is a question, not 不是. Negations reach only the next concept
 * within a few characters of the same clause; time and purpose markers
 * colour the whole clause they are in. The kinds' conditions are then
 * checked against the concepts that survived.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "text.h"
#include "triage.h"
#include "wl.h"

#define BUCKETS	  1024
#define INPUT_MAX 4096

/* clause flags */
#define CL_PAST	   TRIAGE_BY_PAST
#define CL_PREVENT TRIAGE_BY_PREVENT
#define CL_PLANNED TRIAGE_BY_PLANNED
#define CL_PRESENT (1u << 3)

struct tword {
	char *w; /* folded form */
	size_t len;
	enum triage_role role;
	int concept;
	int next; /* bucket chain, -1 */
};

struct tfold {
	char *from, *to;
	size_t len;
	int next;
};

struct tkind {
	unsigned demoted_by;
	uint64_t cond[2][TRIAGE_CONDS_MAX]; /* [0] ask, [1] page */
	uint64_t cond_not[2][TRIAGE_CONDS_MAX];
	size_t n_cond[2];
};

struct triage {
	struct tword *words;
	size_t n_words, cap_words;
	struct tfold *folds;
	size_t n_folds, cap_folds;
	char *concepts[TRIAGE_CONCEPTS_MAX];
	size_t n_concepts;
	struct tkind kinds[TRIAGE_KINDS_MAX];
	size_t n_kinds;
	int word_head[BUCKETS];
	int fold_head[BUCKETS];
};

int triage_new(struct triage **out)
{
	struct triage *t = calloc(1, sizeof(*t));

	*out = NULL;
	if (!t)
		return WL_ENOMEM;
	for (size_t i = 0; i < BUCKETS; i++)
		t->word_head[i] = t->fold_head[i] = -1;
	*out = t;
	return WL_OK;
}

void triage_free(struct triage *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_words; i++)
		free(t->words[i].w);
	free(t->words);
	for (size_t i = 0; i < t->n_folds; i++) {
		free(t->folds[i].from);
		free(t->folds[i].to);
	}
	free(t->folds);
	for (size_t i = 0; i < t->n_concepts; i++)
		free(t->concepts[i]);
	free(t);
}

/* Bucket of the code point at s (words are looked up by their first). */
static size_t bucket_at(const char *s, size_t len)
{
	uint32_t cp = 0;
	size_t n = text_utf8_decode(s, len, &cp);

	if (n == 0)
		cp = (unsigned char)s[0];
	return (cp * 2654435761u) % BUCKETS;
}

/* ---- folding ---- */

enum cls { C_CHAR, C_ASCII, C_SPACE, C_SEP, C_DROP };

static enum cls classify(uint32_t *cp)
{
	uint32_t c = *cp;

	if (c >= 0xFF01 && c <= 0xFF5E)
		c = *cp = c - 0xFEE0;
	if (c >= 'A' && c <= 'Z')
		c = *cp = c + 32;
	if (c == ' ' || c == '\t' || c == '\r' || c == 0x3000 || c == 0xA0)
		return C_SPACE;
	if (c < 0x20 || c == 0x7F)
		return C_SEP;
	if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
		return C_ASCII;
	if (c < 0x80)
		return C_SEP; /* ASCII punctuation */
	if (c == 0x200B || c == 0x200C || c == 0x200D || c == 0xFEFF ||
	    (c >= 0xFE00 && c <= 0xFE0F))
		return C_DROP; /* zero width, emoji joiners and selectors */
	if ((c >= 0x80 && c <= 0xBF) || (c >= 0x2000 && c <= 0x2BFF) ||
	    (c >= 0x3000 && c <= 0x303F) || (c >= 0xFE10 && c <= 0xFE6F) ||
	    (c >= 0xFF5F && c <= 0xFF65) || (c >= 0xFFE0 && c <= 0xFFEF) ||
	    (c >= 0x1F000 && c <= 0x1FAFF) || c == 0x00D7 || c == 0x00F7)
		return C_SEP; /* punctuation, symbols, emoji */
	return C_CHAR;
}

/* Width, case, spacing and clause marks; no rule folds yet. */
static int fold_basic(const char *s, struct buf *b)
{
	size_t len = strlen(s), n = 0, i = 0;
	uint32_t *cp;
	unsigned char *cl;
	int rc = WL_ENOMEM;
	bool sep = true; /* at the start: no clause mark needed */

	if (len > INPUT_MAX)
		len = text_utf8_prefix(s, INPUT_MAX, INPUT_MAX);
	cp = malloc((len + 1) * sizeof(*cp));
	cl = malloc(len + 1);
	if (!cp || !cl)
		goto out;
	while (i < len) {
		size_t k = text_utf8_decode(s + i, len - i, &cp[n]);

		if (k == 0) {
			i++;
			continue;
		}
		i += k;
		cl[n] = (unsigned char)classify(&cp[n]);
		if (cl[n] != C_DROP)
			n++;
	}
	for (i = 0; i < n; i++) {
		char u[4];
		size_t k;

		if (cl[i] == C_SPACE) {
			/* a space inside a word (有人 晕 倒, co 中毒) is
			 * typing; one between phrases of two or more
			 * characters (冒烟 好像着了) ends a clause */
			size_t a = i, z = i, left = 0, right = 0;
			bool ascii = false;

			while (z < n && cl[z] == C_SPACE)
				z++;
			while (a > 0 &&
			       (cl[a - 1] == C_CHAR || cl[a - 1] == C_ASCII)) {
				ascii |= cl[a - 1] == C_ASCII;
				a--;
				left++;
			}
			for (size_t j = z;
			     j < n && (cl[j] == C_CHAR || cl[j] == C_ASCII);
			     j++) {
				ascii |= j == z && cl[j] == C_ASCII;
				right++;
			}
			if (i > 0 && cl[i - 1] == C_ASCII)
				ascii = true;
			if (!ascii && left >= 2 && right >= 2 && !sep) {
				buf_add(b, "|", 1);
				sep = true;
			}
			i = z - 1;
			continue;
		}
		if (cl[i] == C_SEP) {
			if (!sep)
				buf_add(b, "|", 1);
			sep = true;
			continue;
		}
		k = text_utf8_encode(cp[i], u);
		buf_add(b, u, k);
		sep = false;
	}
	if (b->len && b->s[b->len - 1] == '|')
		b->s[--b->len] = '\0';
	rc = b->oom ? WL_ENOMEM : WL_OK;
out:
	free(cp);
	free(cl);
	return rc;
}

static const struct tfold *fold_at(const struct triage *t, const char *s,
				   size_t len)
{
	const struct tfold *best = NULL;

	for (int i = t->fold_head[bucket_at(s, len)]; i >= 0;
	     i = t->folds[i].next) {
		const struct tfold *f = &t->folds[i];

		if (f->len <= len && memcmp(s, f->from, f->len) == 0 &&
		    (!best || f->len > best->len))
			best = f;
	}
	return best;
}

char *triage_fold(const struct triage *t, const char *s)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	size_t i = 0;

	if (fold_basic(s ? s : "", &a) != WL_OK) {
		buf_release(&a);
		return NULL;
	}
	if (!t || t->n_folds == 0 || !a.s)
		return a.s ? buf_detach(&a, NULL) : strdup("");
	while (i < a.len) {
		const struct tfold *f = fold_at(t, a.s + i, a.len - i);
		uint32_t cp;
		size_t k;

		if (f) {
			buf_adds(&b, f->to);
			i += f->len;
			continue;
		}
		k = text_utf8_decode(a.s + i, a.len - i, &cp);
		if (k == 0)
			k = 1;
		buf_add(&b, a.s + i, k);
		i += k;
	}
	buf_release(&a);
	if (b.oom) {
		buf_release(&b);
		return NULL;
	}
	return b.s ? buf_detach(&b, NULL) : strdup("");
}

/* ---- building ---- */

/* The folded form of a rule word: one clause, not empty. */
static int rule_form(const struct triage *t, const char *w, char **out)
{
	char *f = triage_fold(t, w);

	*out = NULL;
	if (!f)
		return WL_ENOMEM;
	if (!f[0] || strchr(f, '|')) {
		free(f);
		return WL_EBADREQ;
	}
	*out = f;
	return WL_OK;
}

int triage_add_fold(struct triage *t, const char *from, const char *to)
{
	char *f = NULL, *g = NULL;
	size_t bk;
	int rc;

	if (t->n_folds >= TRIAGE_FOLDS_MAX)
		return WL_ETOOBIG;
	/* folds are matched against basic-folded text, never chained */
	{
		struct buf a = BUF_INIT, c = BUF_INIT;

		if (fold_basic(from, &a) != WL_OK ||
		    fold_basic(to, &c) != WL_OK) {
			buf_release(&a);
			buf_release(&c);
			return WL_ENOMEM;
		}
		f = a.s ? buf_detach(&a, NULL) : strdup("");
		g = c.s ? buf_detach(&c, NULL) : strdup("");
	}
	rc = WL_ENOMEM;
	if (!f || !g)
		goto out;
	rc = WL_EBADREQ;
	if (!f[0] || strchr(f, '|') || strchr(g, '|') || strcmp(f, g) == 0)
		goto out;
	bk = bucket_at(f, strlen(f));
	for (int i = t->fold_head[bk]; i >= 0; i = t->folds[i].next)
		if (strcmp(t->folds[i].from, f) == 0) {
			rc = WL_ECONFLICT;
			goto out;
		}
	if (t->n_folds == t->cap_folds) {
		size_t nc = t->cap_folds ? t->cap_folds * 2 : 32;
		struct tfold *nf = realloc(t->folds, nc * sizeof(*nf));

		rc = WL_ENOMEM;
		if (!nf)
			goto out;
		t->folds = nf;
		t->cap_folds = nc;
	}
	t->folds[t->n_folds] = (struct tfold){
	    .from = f, .to = g, .len = strlen(f), .next = t->fold_head[bk]};
	t->fold_head[bk] = (int)t->n_folds++;
	return WL_OK;
out:
	free(f);
	free(g);
	return rc;
}

int triage_concept_find(const struct triage *t, const char *name)
{
	for (size_t i = 0; i < t->n_concepts; i++)
		if (strcmp(t->concepts[i], name) == 0)
			return (int)i;
	return -1;
}

int triage_concept(struct triage *t, const char *name, int *idx)
{
	int i = triage_concept_find(t, name);

	if (i >= 0) {
		*idx = i;
		return WL_OK;
	}
	if (t->n_concepts >= TRIAGE_CONCEPTS_MAX)
		return WL_ETOOBIG;
	t->concepts[t->n_concepts] = strdup(name);
	if (!t->concepts[t->n_concepts])
		return WL_ENOMEM;
	*idx = (int)t->n_concepts++;
	return WL_OK;
}

size_t triage_concept_count(const struct triage *t)
{
	return t->n_concepts;
}

const char *triage_concept_name(const struct triage *t, size_t idx)
{
	return idx < t->n_concepts ? t->concepts[idx] : NULL;
}

int triage_add_word(struct triage *t, const char *word, enum triage_role role,
		    int concept, const char **other)
{
	char *f = NULL;
	size_t bk;
	int rc;

	*other = NULL;
	if (t->n_words >= TRIAGE_WORDS_MAX)
		return WL_ETOOBIG;
	if (role == TRIAGE_CONCEPT &&
	    (concept < 0 || (size_t) concept >= t->n_concepts))
		return WL_EBADREQ;
	rc = rule_form(t, word, &f);
	if (rc != WL_OK)
		return rc;
	bk = bucket_at(f, strlen(f));
	for (int i = t->word_head[bk]; i >= 0; i = t->words[i].next) {
		const struct tword *w = &t->words[i];

		if (strcmp(w->w, f) != 0)
			continue;
		free(f);
		if (w->role == role && w->concept == concept)
			return WL_OK; /* said twice, same meaning */
		*other =
		    w->role == TRIAGE_CONCEPT ? t->concepts[w->concept] : NULL;
		return WL_ECONFLICT;
	}
	if (t->n_words == t->cap_words) {
		size_t nc = t->cap_words ? t->cap_words * 2 : 256;
		struct tword *nw = realloc(t->words, nc * sizeof(*nw));

		if (!nw) {
			free(f);
			return WL_ENOMEM;
		}
		t->words = nw;
		t->cap_words = nc;
	}
	t->words[t->n_words] = (struct tword){
	    .w = f,
	    .len = strlen(f),
	    .role = role,
	    .concept = role == TRIAGE_CONCEPT ? concept : -1,
	    .next = t->word_head[bk],
	};
	t->word_head[bk] = (int)t->n_words++;
	return WL_OK;
}

int triage_add_kind(struct triage *t, unsigned demoted_by, int *idx)
{
	if (t->n_kinds >= TRIAGE_KINDS_MAX)
		return WL_ETOOBIG;
	memset(&t->kinds[t->n_kinds], 0, sizeof(t->kinds[0]));
	t->kinds[t->n_kinds].demoted_by = demoted_by;
	*idx = (int)t->n_kinds++;
	return WL_OK;
}

int triage_add_cond(struct triage *t, int kind, enum triage_tier tier,
		    uint64_t must, uint64_t must_not)
{
	struct tkind *k;
	int ti = tier == TRIAGE_PAGE ? 1 : 0;

	if (kind < 0 || (size_t)kind >= t->n_kinds || tier == TRIAGE_NONE ||
	    must == 0 || (must & must_not))
		return WL_EBADREQ;
	k = &t->kinds[kind];
	if (k->n_cond[ti] >= TRIAGE_CONDS_MAX)
		return WL_ETOOBIG;
	k->cond_not[ti][k->n_cond[ti]] = must_not;
	k->cond[ti][k->n_cond[ti]++] = must;
	return WL_OK;
}

size_t triage_kind_count(const struct triage *t)
{
	return t->n_kinds;
}

uint64_t triage_used(const struct triage *t)
{
	uint64_t u = 0;

	for (size_t k = 0; k < t->n_kinds; k++)
		for (int ti = 0; ti < 2; ti++)
			for (size_t c = 0; c < t->kinds[k].n_cond[ti]; c++)
				u |= t->kinds[k].cond[ti][c] |
				     t->kinds[k].cond_not[ti][c];
	return u;
}

/* ---- matching ---- */

struct hit {
	int concept;
	size_t clause;
	bool neg;
	size_t at, len; /* in the folded text */
};

static const struct tword *word_at(const struct triage *t, const char *s,
				   size_t len)
{
	const struct tword *best = NULL;

	for (int i = t->word_head[bucket_at(s, len)]; i >= 0;
	     i = t->words[i].next) {
		const struct tword *w = &t->words[i];

		if (w->len <= len && memcmp(s, w->w, w->len) == 0 &&
		    (!best || w->len > best->len))
			best = w;
	}
	return best;
}

static void add_word(struct triage_result *res, const char *s, size_t len)
{
	size_t have = strlen(res->words);

	if (have + len + 2 > sizeof(res->words))
		return;
	if (have)
		res->words[have++] = '+';
	memcpy(res->words + have, s, len);
	res->words[have + len] = '\0';
}

/* Does a condition hold for kind k? Fills the deciding words. */
static bool cond_holds(const char *text, const struct hit *h, size_t nh,
		       const unsigned char *cflags, unsigned msg_flags,
		       unsigned demoted_by, uint64_t cond, uint64_t cond_not,
		       struct triage_result *res)
{
	uint64_t live = 0, present = 0, shown = 0;

	for (size_t i = 0; i < nh; i++) {
		unsigned f = cflags[h[i].clause];

		if (h[i].neg)
			continue;
		present |= 1ull << h[i].concept;
		f |= msg_flags;
		/* 现在, 刚才 undo history and plans, not a question
		 * about prevention */
		if (f & CL_PRESENT)
			f &= ~(unsigned)(CL_PAST | CL_PLANNED);
		if (f & demoted_by)
			continue;
		live |= 1ull << h[i].concept;
	}
	/* what must be absent counts wherever it is said */
	if ((cond & ~live) != 0 || (cond_not & present) != 0)
		return false;
	res->words[0] = '\0';
	for (size_t i = 0; i < nh; i++) {
		uint64_t bit = 1ull << h[i].concept;

		if (!h[i].neg && (cond & bit) && !(shown & bit)) {
			shown |= bit;
			add_word(res, text + h[i].at, h[i].len);
		}
	}
	return true;
}

int triage_match(const struct triage *t, const char *s,
		 struct triage_result *res)
{
	char *text = NULL;
	unsigned char *cflags = NULL;
	struct hit h[TRIAGE_HITS_MAX];
	size_t nh = 0, clause = 0, i = 0, len, gap = 0;
	unsigned msg_flags = 0;
	bool pending = false;
	int rc = WL_ENOMEM;

	memset(res, 0, sizeof(*res));
	res->kind = -1;
	text = triage_fold(t, s);
	if (!text)
		goto out;
	len = strlen(text);
	cflags = calloc(len + 1, 1);
	if (!cflags)
		goto out;
	while (i < len) {
		const struct tword *w;
		uint32_t cp;
		size_t k;

		if (text[i] == '|') {
			clause++;
			pending = false;
			i++;
			continue;
		}
		w = word_at(t, text + i, len - i);
		if (!w) {
			k = text_utf8_decode(text + i, len - i, &cp);
			i += k ? k : 1;
			if (pending && ++gap > TRIAGE_NEG_WINDOW)
				pending = false;
			continue;
		}
		switch (w->role) {
		case TRIAGE_CONCEPT:
			if (nh < TRIAGE_HITS_MAX)
				h[nh++] = (struct hit){.concept = w->concept,
						       .clause = clause,
						       .neg = pending,
						       .at = i,
						       .len = w->len};
			pending = false;
			break;
		case TRIAGE_NEGATE:
			pending = true;
			gap = 0;
			break;
		case TRIAGE_NEUTRAL:
			/* read through: 没闻到煤气味 still negates */
			if (pending)
				gap += text_utf8_chars(w->w, w->len);
			if (gap > TRIAGE_NEG_WINDOW)
				pending = false;
			break;
		case TRIAGE_PRESENT: cflags[clause] |= CL_PRESENT; break;
		case TRIAGE_PAST: cflags[clause] |= CL_PAST; break;
		case TRIAGE_PREVENT: msg_flags |= CL_PREVENT; break;
		case TRIAGE_HYPO: cflags[clause] |= CL_PREVENT; break;
		case TRIAGE_PLANNED: msg_flags |= CL_PLANNED; break;
		case TRIAGE_CHRONIC: cflags[clause] |= CL_PLANNED; break;
		}
		i += w->len;
	}
	for (int ti = 1; ti >= 0 && res->tier == TRIAGE_NONE; ti--)
		for (size_t k = 0; k < t->n_kinds && res->tier == TRIAGE_NONE;
		     k++)
			for (size_t c = 0; c < t->kinds[k].n_cond[ti]; c++)
				if (cond_holds(text, h, nh, cflags, msg_flags,
					       t->kinds[k].demoted_by,
					       t->kinds[k].cond[ti][c],
					       t->kinds[k].cond_not[ti][c],
					       res)) {
					res->tier =
					    ti ? TRIAGE_PAGE : TRIAGE_ASK;
					res->kind = (int)k;
					break;
				}
	rc = WL_OK;
out:
	free(text);
	free(cflags);
	return rc;
}
