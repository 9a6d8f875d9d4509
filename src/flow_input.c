/*
 * flow_input.c — what residents type, turned into answers: choices,
 * yes/no, numbers, phone and ID numbers, places; plus the small text
 * helpers the loader and the stepper share (matching form, cleaning,
 * templates).
 *
 * Pure functions: no I/O, no global mutable state. People answer in
 * many ways (２, 二, 第二个, 七十二岁, 不是, 本机), so every parser is
 * lenient about form and strict about meaning: an answer that could mean
 * two things is refused and asked again rather than guessed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "flow_int.h"
#include "text.h"
#include "wl.h"

/* ---- text helpers ---- */

static bool is_punct_cp(uint32_t cp)
{
	if (cp < 0x80)
		return cp <= 0x20 || cp == 0x7f || (cp >= 0x21 && cp <= 0x2f) ||
		       (cp >= 0x3a && cp <= 0x40) ||
		       (cp >= 0x5b && cp <= 0x60) || (cp >= 0x7b && cp <= 0x7e);
	if (cp == 0x00a0 || cp == 0x00b7 || cp == 0x3000)
		return true;
	/* CJK symbols and punctuation, but not 々 and the numeral 〇 */
	if (cp >= 0x3001 && cp <= 0x303f && cp != 0x3005 && cp != 0x3007)
		return true;
	if (cp >= 0x2000 && cp <= 0x206f) /* general punctuation */
		return true;
	if (cp >= 0xfe10 && cp <= 0xfe6f) /* vertical and small forms */
		return true;
	if (cp >= 0xff01 && cp <= 0xff0f) /* full-width left by normalize */
		return true;
	if (cp >= 0xff1a && cp <= 0xff20)
		return true;
	if (cp >= 0xff3b && cp <= 0xff40)
		return true;
	if (cp >= 0xff5b && cp <= 0xff65)
		return true;
	return false;
}

char *flow_bare(const char *s)
{
	char *n = text_normalize(s ? s : "");
	size_t i = 0, o = 0, len;

	if (!n)
		return NULL;
	len = strlen(n);
	while (i < len) {
		uint32_t cp;
		size_t k = text_utf8_decode(n + i, len - i, &cp);

		if (k == 0) {
			i++;
			continue;
		}
		if (!is_punct_cp(cp)) {
			memmove(n + o, n + i, k);
			o += k;
		}
		i += k;
	}
	n[o] = '\0';
	return n;
}

static bool is_space_cp(uint32_t cp)
{
	return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' ||
	       cp == 0x3000 || cp == 0x00a0;
}

char *flow_clean(const char *s, size_t max_bytes)
{
	size_t len, i = 0, o = 0, end = 0;
	char *out;

	if (!s)
		s = "";
	len = strlen(s);
	out = malloc(len + 1);
	if (!out)
		return NULL;
	while (i < len) {
		uint32_t cp;
		size_t k = text_utf8_decode(s + i, len - i, &cp);
		const char *src = s + i;

		if (k == 0) {
			i++;
			continue;
		}
		i += k;
		if ((cp < 0x20 && cp != '\n') || cp == 0x7f ||
		    (cp >= 0x80 && cp < 0xa0)) {
			cp = ' ';
			src = " ";
			k = 1;
		}
		if (o + k > max_bytes)
			break;
		if (o == 0 && is_space_cp(cp))
			continue;
		memcpy(out + o, src, k);
		o += k;
		if (!is_space_cp(cp))
			end = o;
	}
	out[end] = '\0';
	return out;
}

const char *flow_text_get(const struct flow_text *t, const char *lang)
{
	if (lang && strcmp(lang, "en") == 0 && t->en && t->en[0])
		return t->en;
	return t->zh ? t->zh : "";
}

bool flow_tpl_next(const char *s, size_t *pos, size_t *start, size_t *len)
{
	size_t i = *pos;

	for (; s[i]; i++) {
		size_t j;

		if (s[i] != '{')
			continue;
		for (j = i + 1; j - i <= 64; j++) {
			char c = s[j];

			if (c == '}')
				break;
			if (!((c >= 'a' && c <= 'z') ||
			      (c >= '0' && c <= '9') || c == '_' || c == '.'))
				break;
		}
		if (s[j] == '}' && j > i + 1) {
			*start = i;
			*len = j - i + 1;
			*pos = j + 1;
			return true;
		}
	}
	*pos = i;
	return false;
}

/* ---- answers ---- */

static bool bare_in(const char *bare, const char *const *words, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(bare, words[i]) == 0)
			return true;
	return false;
}

static bool bare_has(const char *bare, const char *const *words, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strstr(bare, words[i]))
			return true;
	return false;
}

/* Strips one of the given prefixes and suffixes in place. */
static void strip_affixes(char *s, const char *const *pre, size_t n_pre,
			  const char *const *suf, size_t n_suf)
{
	size_t len = strlen(s);

	for (size_t i = 0; i < n_pre; i++) {
		size_t k = strlen(pre[i]);

		if (len > k && strncmp(s, pre[i], k) == 0) {
			memmove(s, s + k, len - k + 1);
			len -= k;
			break;
		}
	}
	for (size_t i = 0; i < n_suf; i++) {
		size_t k = strlen(suf[i]);

		if (len > k && strcmp(s + len - k, suf[i]) == 0) {
			s[len - k] = '\0';
			break;
		}
	}
}

/* Length in bytes of the longest word of option o (its key, labels and
 * aliases) found in bare. */
static size_t option_match(const struct flow_option *o, const char *bare)
{
	const char *words[3 + FLOW_ALIASES_MAX];
	size_t n = 0, best = 0;

	if (o->bare) {
		for (size_t i = 0; i < o->n_bare; i++)
			if (o->bare[i][0] && strstr(bare, o->bare[i]) &&
			    strlen(o->bare[i]) > best)
				best = strlen(o->bare[i]);
		return best;
	}
	words[n++] = o->key;
	words[n++] = o->text.zh;
	if (o->text.en)
		words[n++] = o->text.en;
	for (size_t i = 0; i < o->n_aliases && n < WL_ARRAY_LEN(words); i++)
		words[n++] = o->aliases[i];
	for (size_t i = 0; i < n; i++) {
		char *w = flow_bare(words[i]);

		if (w && w[0] && strstr(bare, w) && strlen(w) > best)
			best = strlen(w);
		free(w);
	}
	return best;
}

enum flow_parse flow_parse_choice(const struct flow_node *n, const char *s,
				  bool words_only, size_t *idx)
{
	static const char *const pre[] = {"选择", "选", "第"};
	static const char *const suf[] = {"个", "项", "号", "条"};
	enum flow_parse rc = FP_INVALID;
	char *bare = flow_bare(s);
	size_t best = 0, best_len = 0;
	bool tie = false;
	long long v;

	if (!bare || !bare[0])
		goto out;
	if (!words_only) {
		char *num = strdup(bare);

		if (!num)
			goto out;
		strip_affixes(num, pre, WL_ARRAY_LEN(pre), suf,
			      WL_ARRAY_LEN(suf));
		if (text_parse_int(num, &v)) {
			free(num);
			if (v >= 1 && (unsigned long long)v <= n->n_options) {
				*idx = (size_t)v - 1;
				rc = FP_OK;
			}
			goto out;
		}
		free(num);
	}
	for (size_t i = 0; i < n->n_options; i++) {
		size_t m = option_match(&n->options[i], bare);

		if (m == 0)
			continue;
		if (m > best_len) {
			best_len = m;
			best = i;
			tie = false;
		} else if (m == best_len) {
			tie = true;
		}
	}
	if (best_len == 0)
		goto out;
	if (tie) {
		rc = FP_AMBIGUOUS;
		goto out;
	}
	*idx = best;
	rc = FP_OK;
out:
	free(bare);
	return rc;
}

enum flow_parse flow_parse_yesno(const char *s, bool *out)
{
	/* Whole answers first: 没问题 and 不错 mean yes although they hold a
	 * negation; 不是 means no although it holds 是. */
	static const char *const yes_exact[] = {
	    "是",   "是的", "是啊",   "对",   "对的", "对啊",	"有",	"有的",
	    "有啊", "好",   "好的",   "嗯",   "嗯嗯", "需要",	"要",	"存在",
	    "可以", "行",   "没问题", "没错", "不错", "解决了", "满意", "y",
	    "yes",  "yeah", "yep",    "ok",   "okay", "true",	"sure",
	};
	static const char *const no_exact[] = {
	    "否",   "不",     "不是",	"没有",	  "没",	    "无",
	    "不对", "不要",   "不需要", "不用",	  "不存在", "没呢",
	    "还没", "还没有", "未",	"没解决", "不满意", "n",
	    "no",   "nope",   "not",	"false",
	};
	static const char *const yes_inside_neg[] = {"没问题", "没错", "不错"};
	static const char *const neg_marks[] = {"不", "没", "否",
						"无", "未", "别"};
	static const char *const yes_marks[] = {
	    "是", "对", "有", "好", "要", "嗯", "需", "存在", "可以", "行"};
	enum flow_parse rc = FP_INVALID;
	char *bare = flow_bare(s);

	if (!bare || !bare[0])
		goto out;
	if (bare_in(bare, yes_exact, WL_ARRAY_LEN(yes_exact))) {
		*out = true;
		rc = FP_OK;
	} else if (bare_in(bare, no_exact, WL_ARRAY_LEN(no_exact))) {
		*out = false;
		rc = FP_OK;
	} else if (text_utf8_chars(bare, strlen(bare)) > 20) {
		/* a long sentence is not a yes or a no */
	} else if (bare_has(bare, yes_inside_neg,
			    WL_ARRAY_LEN(yes_inside_neg))) {
		*out = true;
		rc = FP_OK;
	} else if (bare_has(bare, neg_marks, WL_ARRAY_LEN(neg_marks))) {
		*out = false;
		rc = FP_OK;
	} else if (bare_has(bare, yes_marks, WL_ARRAY_LEN(yes_marks))) {
		*out = true;
		rc = FP_OK;
	}
out:
	free(bare);
	return rc;
}

static bool starts_with_any(const char *s, const char *const *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strncmp(s, w[i], strlen(w[i])) == 0)
			return true;
	return false;
}

/* Where the first clause of s ends: the first comma, stop, colon or
 * space after some text; NULL when s is one clause. */
static const char *clause_end(const char *s)
{
	static const char *const seps[] = {"，", "。", "；", "：", "、",
					   "！", ",",  ".",  ";",  ":",
					   "!",	 " ",  "\n", "\t"};
	const char *best = NULL;

	for (size_t i = 0; i < WL_ARRAY_LEN(seps); i++) {
		const char *h = strstr(s, seps[i]);

		if (h && h > s && (!best || h < best))
			best = h;
	}
	return best;
}

enum flow_parse flow_parse_yesno_note(const char *s, bool *out,
				      const char **note)
{
	static const char *const yn_starts[] = {
	    "是", "否", "有", "没", "无", "不", "对", "存在", "需",
	    "要", "好", "嗯", "y",  "Y",  "n",	"N",  "o",    "O"};
	const char *end, *rest;
	char *head;
	enum flow_parse rc;

	*note = NULL;
	while (*s == ' ')
		s++;
	end = clause_end(s);
	if (!end)
		return flow_parse_yesno(s, out);
	head = strndup(s, (size_t)(end - s));
	if (!head)
		return FP_INVALID;
	/* the first clause alone decides (是，…煤不够 is a yes), and it must
	 * open with a yes or a no: 煤不够，… is a note, not a no */
	rc = text_utf8_chars(head, strlen(head)) <= 6 &&
		     starts_with_any(head, yn_starts, WL_ARRAY_LEN(yn_starts))
		 ? flow_parse_yesno(head, out)
		 : FP_INVALID;
	free(head);
	if (rc != FP_OK)
		return FP_INVALID;
	rest = end;
	for (;;) {
		uint32_t cp;
		size_t k = text_utf8_decode(rest, strlen(rest), &cp);

		if (k == 0 || !is_punct_cp(cp))
			break;
		rest += k;
	}
	if (*rest)
		*note = rest;
	return FP_OK;
}

static bool is_numeral_cp(uint32_t cp)
{
	static const char numerals[] =
	    "零〇一二两三四五六七八九十百千万壹贰叁肆伍陆柒捌玖拾佰仟";
	char enc[5];
	size_t k;

	if (cp >= '0' && cp <= '9')
		return true;
	if (cp < 0x80)
		return false;
	k = text_utf8_encode(cp, enc);
	if (k == 0)
		return false;
	enc[k] = '\0';
	return strstr(numerals, enc) != NULL;
}

enum flow_parse flow_parse_number(const char *s, long long *out)
{
	static const char *const age_units[] = {"岁", "多岁", "来岁", "周岁",
						"几岁"};
	enum flow_parse rc = FP_INVALID;
	char *bare = flow_bare(s);
	size_t len, i = 0, runs = 0, one_start = 0, one_len = 0;
	size_t aged_start = 0, aged_len = 0;
	bool aged = false;

	if (!bare || !bare[0])
		goto out;
	if (text_parse_int(bare, out)) {
		rc = FP_OK;
		goto out;
	}
	len = strlen(bare);
	while (i < len) {
		uint32_t cp;
		size_t k = text_utf8_decode(bare + i, len - i, &cp);
		size_t start = i;

		if (k == 0 || !is_numeral_cp(cp)) {
			i += k ? k : 1;
			continue;
		}
		while (i < len) {
			k = text_utf8_decode(bare + i, len - i, &cp);
			if (k == 0 || !is_numeral_cp(cp))
				break;
			i += k;
		}
		runs++;
		one_start = start;
		one_len = i - start;
		if (!aged && starts_with_any(bare + i, age_units,
					     WL_ARRAY_LEN(age_units))) {
			aged = true;
			aged_start = start;
			aged_len = i - start;
		}
	}
	if (aged) {
		one_start = aged_start;
		one_len = aged_len;
	} else if (runs != 1) {
		goto out;
	}
	bare[one_start + one_len] = '\0';
	if (text_parse_int(bare + one_start, out))
		rc = FP_OK;
out:
	free(bare);
	return rc;
}

bool flow_is_skip(const char *s)
{
	static const char *const skip[] = {
	    "跳过",   "略过",	"无",	"没有",	  "暂无", "不知道",
	    "不清楚", "不记得", "忘了", "不方便", "不留", "skip",
	    "none",   "no",	"na",	"pass",
	};
	char *bare = flow_bare(s);
	bool r = bare && bare_in(bare, skip, WL_ARRAY_LEN(skip));

	free(bare);
	return r;
}

/* Runs of characters in accept (ASCII) holding at least min_digits
 * digits, tried in order with try(). */
static bool try_runs(const char *norm, const char *accept, size_t min_digits,
		     bool (*try)(const char *, char *, size_t), char *out,
		     size_t size)
{
	size_t len = strlen(norm), i = 0;

	while (i < len) {
		size_t start, digits = 0;

		if (!strchr(accept, norm[i]) || norm[i] == '\0') {
			i++;
			continue;
		}
		start = i;
		while (i < len && strchr(accept, norm[i])) {
			if (norm[i] >= '0' && norm[i] <= '9')
				digits++;
			i++;
		}
		if (digits >= min_digits && i - start < 64) {
			char run[64];

			memcpy(run, norm + start, i - start);
			run[i - start] = '\0';
			if (try(run, out, size))
				return true;
		}
	}
	return false;
}

enum flow_parse flow_parse_phone(const char *s, const char *from, char *out,
				 size_t size)
{
	static const char *const this_number[] = {
	    "本机",	"这个号", "此号",	"这个电话",
	    "就是这个", "同上",	  "thisnumber", "same",
	};
	enum flow_parse rc = FP_INVALID;
	char *norm = NULL, *bare = NULL;

	if (text_parse_phone(s, out, size))
		return FP_OK;
	norm = text_normalize(s);
	bare = flow_bare(s);
	if (!norm || !bare || !bare[0])
		goto out;
	if (bare_has(bare, this_number, WL_ARRAY_LEN(this_number))) {
		if (from && text_parse_phone(from, out, size))
			rc = FP_OK;
		goto out;
	}
	if (try_runs(norm, "0123456789+-. ()", 7, text_parse_phone, out, size))
		rc = FP_OK;
out:
	free(norm);
	free(bare);
	return rc;
}

enum flow_parse flow_parse_resident_id(const char *s, char *out, size_t size)
{
	enum flow_parse rc = FP_INVALID;
	char *norm;

	if (flow_is_skip(s))
		return FP_SKIP;
	if (text_parse_resident_id(s, out, size))
		return FP_OK;
	norm = text_normalize(s);
	if (norm && try_runs(norm, "0123456789xX ", 15, text_parse_resident_id,
			     out, size))
		rc = FP_OK;
	free(norm);
	return rc;
}

static bool area_is_ancestor(const struct wl_config *cfg, size_t anc,
			     size_t node)
{
	int p = cfg->areas[node].parent;

	for (size_t guard = 0; p >= 0 && guard < cfg->n_areas; guard++) {
		if ((size_t)p == anc)
			return true;
		p = cfg->areas[p].parent;
	}
	return false;
}

/* Longest name or alias of area a (bare forms) found in bare (forward)
 * or, with reverse, the longest one that contains bare. */
static size_t area_match(const struct wl_area *a, const char *bare,
			 bool reverse)
{
	size_t best = 0;

	for (size_t i = 0; i <= a->n_aliases; i++) {
		const char *word = i == 0 ? a->name : a->aliases[i - 1];
		char *w = word ? flow_bare(word) : NULL;

		if (w && w[0]) {
			const char *hit =
			    reverse ? strstr(w, bare) : strstr(bare, w);

			if (hit && strlen(w) > best)
				best = strlen(w);
		}
		free(w);
	}
	return best;
}

/* A building number said in bare: 3号楼, 三栋, 12幢, looked for right
 * at from first, then anywhere. 0 when none. */
static int building_no(const char *bare, const char *from)
{
	static const char *const units[] = {"号楼", "栋", "幢", "座", "号院"};
	const char *starts[2] = {from, bare};

	for (int pass = 0; pass < 2; pass++) {
		const char *p = starts[pass];
		size_t len = strlen(p), i = 0;

		while (i < len) {
			uint32_t cp;
			size_t k = text_utf8_decode(p + i, len - i, &cp);
			size_t st = i;
			char num[32];
			long long v;

			if (k == 0)
				break;
			if (!is_numeral_cp(cp)) {
				if (pass == 0)
					break; /* only right after the place */
				i += k;
				continue;
			}
			while (i < len &&
			       (k = text_utf8_decode(p + i, len - i, &cp)) &&
			       is_numeral_cp(cp))
				i += k;
			if (i - st < sizeof(num) &&
			    starts_with_any(p + i, units,
					    WL_ARRAY_LEN(units))) {
				memcpy(num, p + st, i - st);
				num[i - st] = '\0';
				if (text_parse_int(num, &v) && v > 0 &&
				    v < 10000)
					return (int)v;
			}
			if (pass == 0)
				break;
		}
	}
	return 0;
}

/* The area at level among a and its ancestors; -1 when a is above it. */
static int area_at_level(const struct wl_config *cfg, int a, int level)
{
	while (a >= 0 && (int)cfg->areas[a].level > level)
		a = cfg->areas[a].parent;
	return a >= 0 && (int)cfg->areas[a].level == level ? a : -1;
}

/* Places residents name (小区, villages) count for their area like a
 * name; a 小区 split between grids by 楼号 counts for the grid holding
 * the building said, else for the area above (the community), which
 * can pass the case on. */
static bool place_hits(const struct wl_config *cfg, const char *bare, int level,
		       size_t *len)
{
	for (size_t i = 0; i < cfg->n_areas; i++) {
		const struct wl_area *a = &cfg->areas[i];

		for (size_t j = 0; j < a->n_places; j++) {
			const struct wl_place *p = &a->places[j];
			char *w = flow_bare(p->name);
			const char *h;
			int target = (int)i, b;
			size_t l;

			if (!w)
				return false;
			h = w[0] ? strstr(bare, w) : NULL;
			l = strlen(w) + 1;
			if (h && p->n_ranges) {
				bool in = false;

				b = building_no(bare, h + strlen(w));
				for (size_t k = 0; b && k < p->n_ranges; k++)
					if (b >= p->from[k] && b <= p->to[k])
						in = true;
				if (!in) {
					target = a->parent;
					l--;
				}
			}
			free(w);
			if (!h)
				continue;
			if (level >= 0 && target >= 0)
				target = area_at_level(cfg, target, level);
			if (target >= 0 && len[target] < l)
				len[target] = l;
		}
	}
	return true;
}

enum flow_parse flow_parse_location(const struct wl_config *cfg, const char *s,
				    size_t *idx, size_t *picks, size_t *n_picks)
{
	return flow_parse_location_at(cfg, s, -1, idx, picks, n_picks);
}

enum flow_parse flow_parse_location_at(const struct wl_config *cfg,
				       const char *s, int level, size_t *idx,
				       size_t *picks, size_t *n_picks)
{
	enum flow_parse rc = FP_INVALID;
	char *bare = flow_bare(s);
	size_t *len = NULL, *score = NULL, n, count = 0, max = 0;
	bool reverse = false;

	*n_picks = 0;
	if (!cfg || cfg->n_areas == 0 || !bare || !bare[0])
		goto out;
	n = cfg->n_areas;
	len = calloc(n, sizeof(*len));
	if (!len)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (level < 0 || (int)cfg->areas[i].level == level)
			len[i] = area_match(&cfg->areas[i], bare, false);
	if (!place_hits(cfg, bare, level, len))
		goto out;
	for (size_t i = 0; i < n; i++)
		if (len[i])
			count++;
	if (count == 0 && text_utf8_chars(bare, strlen(bare)) >= 2) {
		reverse = true;
		for (size_t i = 0; i < n; i++)
			if ((level < 0 || (int)cfg->areas[i].level == level) &&
			    (len[i] = area_match(&cfg->areas[i], bare, true)))
				count++;
	}
	if (count == 0)
		goto out;
	/* A place scores the length of its matched words and of its
	 * matched parents', so 惠丰社区第一网格 is the 第一网格 of 惠丰
	 * and 惠丰东社区 beats the alias 惠丰 of another community. */
	score = calloc(n, sizeof(*score));
	if (!score)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (!len[i])
			continue;
		score[i] = len[i];
		for (size_t j = 0; j < n && !reverse; j++)
			if (len[j] && area_is_ancestor(cfg, j, i))
				score[i] += len[j];
	}
	/* a matched community whose grid also matched gives way to it */
	for (size_t i = 0; i < n; i++) {
		if (!score[i])
			continue;
		for (size_t j = 0; j < n; j++)
			if (j != i && len[j] && area_is_ancestor(cfg, i, j)) {
				score[i] = 0;
				break;
			}
	}
	if (!reverse)
		for (size_t i = 0; i < n; i++)
			if (score[i] > max)
				max = score[i];
	count = 0;
	for (size_t i = 0; i < n; i++) {
		if (!score[i] || (!reverse && score[i] < max))
			continue;
		if (count < FLOW_PICK_MAX)
			picks[count] = i;
		count++;
	}
	if (count == 1) {
		*idx = picks[0];
		rc = FP_OK;
	} else if (count <= FLOW_PICK_MAX) {
		*n_picks = count;
		rc = FP_PICK;
	} else {
		rc = FP_AMBIGUOUS;
	}
out:
	free(len);
	free(score);
	free(bare);
	return rc;
}

/* ---- several ticks, days, and what a first message already says ---- */

static bool is_list_sep(uint32_t cp)
{
	return is_punct_cp(cp) || cp == 0x548c /* 和 */ ||
	       cp == 0x53ca /* 及 */ || cp == 0x4e0e /* 与 */ ||
	       cp == 0x8fd8 /* 还 */;
}

/* Marks the options named in one token: a number, digits one by one
 * ("13" with at most nine options), else words, longest first, each
 * word taken out before the next is looked for (低保边缘户 is not also
 * 低保). */
static enum flow_parse choices_token(const struct flow_node *n, char *tok,
				     bool *marks)
{
	long long v;
	bool any = false;
	size_t len = strlen(tok);

	if (text_parse_int(tok, &v)) {
		bool digits = true;

		for (size_t i = 0; i < len; i++)
			if (tok[i] < '0' || tok[i] > '9')
				digits = false;
		if (v >= 1 && (unsigned long long)v <= n->n_options) {
			marks[v - 1] = true;
			return FP_OK;
		}
		if (!digits || n->n_options > 9)
			return FP_INVALID;
		for (size_t i = 0; i < len; i++) {
			if (tok[i] == '0' ||
			    (size_t)(tok[i] - '0') > n->n_options)
				return FP_INVALID;
			marks[tok[i] - '1'] = true;
		}
		return FP_OK;
	}
	for (;;) {
		size_t best = 0, best_len = 0, best_at = 0;
		bool tie = false;

		for (size_t i = 0; i < n->n_options; i++) {
			const struct flow_option *o = &n->options[i];
			const char *words[3 + FLOW_ALIASES_MAX];
			size_t nw = 0;

			words[nw++] = o->key;
			words[nw++] = o->text.zh;
			for (size_t a = 0;
			     a < o->n_aliases && nw < WL_ARRAY_LEN(words); a++)
				words[nw++] = o->aliases[a];
			for (size_t w = 0; w < nw; w++) {
				char *b = flow_bare(words[w]);
				const char *h =
				    b && b[0] ? strstr(tok, b) : NULL;

				if (h && strlen(b) > best_len) {
					best_len = strlen(b);
					best = i;
					best_at = (size_t)(h - tok);
					tie = false;
				} else if (h && strlen(b) == best_len &&
					   best != i) {
					tie = true;
				}
				free(b);
			}
		}
		if (best_len == 0)
			break;
		if (tie)
			return FP_AMBIGUOUS;
		marks[best] = true;
		any = true;
		memmove(tok + best_at, tok + best_at + best_len,
			strlen(tok + best_at + best_len) + 1);
	}
	return any ? FP_OK : FP_INVALID;
}

enum flow_parse flow_parse_choices(const struct flow_node *n, const char *s,
				   bool *marks)
{
	char *norm = text_normalize(s ? s : "");
	char *tok = NULL;
	size_t len, i = 0, o = 0, tokens = 0;
	enum flow_parse rc = FP_INVALID;

	for (size_t k = 0; k < n->n_options; k++)
		marks[k] = false;
	if (!norm)
		return FP_INVALID;
	len = strlen(norm);
	tok = malloc(len + 1);
	if (!tok)
		goto out;
	while (i <= len) {
		uint32_t cp = 0;
		size_t k =
		    i < len ? text_utf8_decode(norm + i, len - i, &cp) : 0;

		if (i == len || k == 0 || is_list_sep(cp)) {
			tok[o] = '\0';
			if (o) {
				enum flow_parse t;

				for (size_t c = 0; tok[c]; c++)
					if (tok[c] >= 'A' && tok[c] <= 'Z')
						tok[c] = (char)(tok[c] + 32);
				t = choices_token(n, tok, marks);
				if (t != FP_OK) {
					rc = t;
					goto out;
				}
				tokens++;
			}
			o = 0;
			i += k ? k : 1;
			continue;
		}
		memcpy(tok + o, norm + i, k);
		o += k;
		i += k;
	}
	rc = tokens ? FP_OK : FP_INVALID;
out:
	free(tok);
	free(norm);
	return rc;
}

static bool day_ok(int y, int m, int d)
{
	int32_t day;
	int yy, mm, dd;

	if (y < 2000 || y > 2100 || m < 1 || m > 12 || d < 1 || d > 31)
		return false;
	day = sla_day_from_civil(y, m, d);
	sla_civil_from_day(day, &yy, &mm, &dd);
	return yy == y && mm == m && dd == d;
}

/* The numbers of s in order (ASCII digit runs, or Chinese numerals
 * followed by 年 月 日 号), with the unit after each ('\0', 'y', 'm',
 * 'd'). */
static size_t date_numbers(const char *s, long long *v, char *unit, size_t max)
{
	size_t len = strlen(s), i = 0, n = 0;

	while (i < len && n < max) {
		uint32_t cp;
		size_t k = text_utf8_decode(s + i, len - i, &cp), st = i;
		char num[32];

		if (k == 0)
			break;
		if (!is_numeral_cp(cp)) {
			i += k;
			continue;
		}
		while (i < len && (k = text_utf8_decode(s + i, len - i, &cp)) &&
		       is_numeral_cp(cp))
			i += k;
		if (i - st >= sizeof(num))
			continue;
		memcpy(num, s + st, i - st);
		num[i - st] = '\0';
		unit[n] =
		    starts_with_any(s + i, (const char *const[]){"年"}, 1) ? 'y'
		    : starts_with_any(s + i, (const char *const[]){"月"}, 1)
			? 'm'
		    : starts_with_any(s + i, (const char *const[]){"日", "号"},
				      2)
			? 'd'
			: '\0';
		if (!(num[0] >= '0' && num[0] <= '9') && unit[n] == '\0')
			continue; /* 一 in 一早 is not a date */
		if (!text_parse_int(num, &v[n]))
			return 0;
		n++;
	}
	return n;
}

enum flow_parse flow_parse_date(const char *s, int64_t now_ms,
				int32_t utc_offset_s, char *out, size_t size)
{
	static const char *const rel[] = {"大前天", "前天",	"昨天", "昨日",
					  "今天",   "今日",	"今早", "今晚",
					  "today",  "yesterday"};
	static const int rel_days[] = {-3, -2, -1, -1, 0, 0, 0, 0, 0, -1};
	char *norm = text_normalize(s ? s : "");
	int32_t today = sla_local_day(now_ms, utc_offset_s, NULL), day = 0;
	int ty, tm, td, y = 0, m = 0, d = 0;
	long long v[4];
	char unit[4];
	size_t n;
	bool found = false;
	enum flow_parse rc = FP_INVALID;

	if (!norm)
		return FP_INVALID;
	sla_civil_from_day(today, &ty, &tm, &td);
	for (size_t i = 0; i < WL_ARRAY_LEN(rel) && !found; i++)
		if (strstr(norm, rel[i])) {
			day = today + rel_days[i];
			found = true;
		}
	n = found ? 0 : date_numbers(norm, v, unit, WL_ARRAY_LEN(v));
	if (!found && n >= 3 && v[0] >= 1000) {
		y = (int)v[0];
		m = (int)v[1];
		d = (int)v[2];
	} else if (!found && n >= 2 && unit[0] != 'y' && unit[0] != 'd' &&
		   v[0] <= 12) {
		m = (int)v[0];
		d = (int)v[1];
	} else if (!found && n == 1 && unit[0] == 'd') {
		m = tm;
		d = (int)v[0];
	} else if (!found && !strstr(norm, "上午") && !strstr(norm, "下午") &&
		   !strstr(norm, "刚才") && !strstr(norm, "中午")) {
		goto out;
	} else if (!found) {
		day = today; /* 上午, 下午: today's */
		found = true;
	}
	if (!found) {
		if (y == 0) {
			/* the year (or month) that puts the day nearest today
			 */
			int32_t best = 0;
			bool have = false;

			for (int dy = -1; dy <= 1; dy++) {
				int yy = ty + dy, mm = m;

				if (n == 1 && unit[0] == 'd') {
					yy = ty;
					mm = tm + dy;
					if (mm < 1) {
						mm = 12;
						yy--;
					} else if (mm > 12) {
						mm = 1;
						yy++;
					}
				}
				if (!day_ok(yy, mm, d))
					continue;
				int32_t c = sla_day_from_civil(yy, mm, d);

				if (!have || labs((long)(c - today)) <
						 labs((long)(best - today))) {
					best = c;
					have = true;
				}
			}
			if (!have)
				goto out;
			day = best;
		} else {
			if (!day_ok(y, m, d))
				goto out;
			day = sla_day_from_civil(y, m, d);
		}
	}
	sla_civil_from_day(day, &y, &m, &d);
	if (snprintf(out, size, "%04d-%02d-%02d", y, m, d) < (int)size)
		rc = FP_OK;
out:
	free(norm);
	return rc;
}

bool flow_find_age(const char *s, long long *out)
{
	static const char *const age_units[] = {"岁", "多岁", "来岁", "周岁"};
	char *bare = flow_bare(s);
	size_t len, i = 0;
	bool ok = false;

	if (!bare)
		return false;
	len = strlen(bare);
	while (i < len && !ok) {
		uint32_t cp;
		size_t k = text_utf8_decode(bare + i, len - i, &cp), st = i;

		if (k == 0)
			break;
		if (!is_numeral_cp(cp)) {
			i += k;
			continue;
		}
		while (i < len &&
		       (k = text_utf8_decode(bare + i, len - i, &cp)) &&
		       is_numeral_cp(cp))
			i += k;
		if (starts_with_any(bare + i, age_units,
				    WL_ARRAY_LEN(age_units))) {
			char c = bare[i];

			bare[i] = '\0';
			ok = text_parse_int(bare + st, out) && *out <= 120;
			bare[i] = c;
		}
	}
	free(bare);
	return ok;
}

bool flow_find_phone(const char *s, char *out, size_t size)
{
	bool ok = false;

	/* line by line: "…电话15900003333" and the next answer "1号楼" must
	 * not run together into one number */
	while (s && *s && !ok) {
		const char *nl = strchr(s, '\n');
		char *line = strndup(s, nl ? (size_t)(nl - s) : strlen(s));
		char *norm = line ? text_normalize(line) : NULL;

		ok = norm && (text_parse_phone(norm, out, size) ||
			      try_runs(norm, "0123456789+-. ()", 7,
				       text_parse_phone, out, size));
		free(norm);
		free(line);
		s = nl ? nl + 1 : NULL;
	}
	return ok;
}

char *flow_find_address(const char *s, size_t max_chars)
{
	static const char *const marks[] = {"号楼", "栋",   "幢",   "单元",
					    "室",   "小区", "号院", "胡同",
					    "巷",   "组",   "号"};
	static const char *const lead[] = {"家住在", "家住", "住在", "住",
					   "地址是", "地址", "在"};
	char *norm = text_normalize(s ? s : "");
	char *res = NULL;
	size_t len, i = 0;

	if (!norm)
		return NULL;
	len = strlen(norm);
	while (i < len && !res) {
		size_t st = i, end;
		bool digit = false, mark = false;

		while (i < len) {
			uint32_t cp;
			size_t k = text_utf8_decode(norm + i, len - i, &cp);

			if (k == 0 ||
			    (is_punct_cp(cp) && cp != '-' && cp != '#'))
				break;
			if (is_numeral_cp(cp))
				digit = true;
			i += k;
		}
		end = i;
		for (size_t m = 0; m < WL_ARRAY_LEN(marks); m++) {
			const char *h = strstr(norm + st, marks[m]);

			if (h && (size_t)(h - norm) < end)
				mark = true;
		}
		if (digit && mark && end > st) {
			size_t skip = 0;
			char *c;

			/* 一个人住惠丰小区3号楼: the address starts after 住 */
			for (size_t l = 0; l < WL_ARRAY_LEN(lead) && !skip;
			     l++) {
				const char *h = strstr(norm + st, lead[l]);

				if (h && (size_t)(h - norm) < end &&
				    (size_t)(h - norm) + strlen(lead[l]) < end)
					skip = (size_t)(h - norm) - st +
					       strlen(lead[l]);
			}
			c = strndup(norm + st + skip, end - st - skip);
			if (c && c[0]) {
				c[text_utf8_prefix(c, strlen(c), max_chars)] =
				    '\0';
				res = c;
			} else {
				free(c);
			}
		}
		if (i < len) {
			uint32_t cp;
			size_t k = text_utf8_decode(norm + i, len - i, &cp);

			i += k ? k : 1;
		}
	}
	free(norm);
	return res;
}

bool flow_find_deadline(const char *s, int64_t now_ms, int32_t utc_offset_s,
			char *out, size_t size)
{
	static const char *const within[] = {"天内", "日内", "天之内"};
	static const char *const before[] = {"前", "之前", "以前", "截止",
					     "为止"};
	char *norm = text_normalize(s ? s : "");
	size_t len, i = 0;
	bool ok = false;

	if (!norm)
		return false;
	len = strlen(norm);
	while (i < len && !ok) {
		size_t st = i, end;
		char *cl;

		while (i < len) {
			uint32_t cp;
			size_t k = text_utf8_decode(norm + i, len - i, &cp);

			if (k == 0 || (is_punct_cp(cp) && cp != '-' &&
				       cp != '/' && cp != '.'))
				break;
			i += k;
		}
		end = i;
		cl = strndup(norm + st, end - st);
		if (cl && bare_has(cl, before, WL_ARRAY_LEN(before)) &&
		    flow_parse_date(cl, now_ms, utc_offset_s, out, size) ==
			FP_OK)
			ok = true;
		/* 三天内: today plus that many days */
		for (size_t w = 0; cl && !ok && w < WL_ARRAY_LEN(within); w++) {
			char *h = strstr(cl, within[w]);
			size_t b;
			long long v;
			uint32_t cp;

			if (!h)
				continue;
			b = (size_t)(h - cl);
			while (b > 0) {
				size_t p = b - 1;

				while (p > 0 && (cl[p] & 0xc0) == 0x80)
					p--;
				if (!text_utf8_decode(cl + p, b - p, &cp) ||
				    !is_numeral_cp(cp))
					break;
				b = p;
			}
			*h = '\0';
			if (cl[b] && text_parse_int(cl + b, &v) && v > 0 &&
			    v <= 366) {
				int32_t day =
				    sla_local_day(now_ms, utc_offset_s, NULL) +
				    (int32_t)v;
				int y, m, d;

				sla_civil_from_day(day, &y, &m, &d);
				ok = snprintf(out, size, "%04d-%02d-%02d", y, m,
					      d) < (int)size;
			}
		}
		free(cl);
		if (i < len) {
			uint32_t cp;
			size_t k = text_utf8_decode(norm + i, len - i, &cp);

			i += k ? k : 1;
		}
	}
	free(norm);
	return ok;
}

char *flow_find_name(const char *s)
{
	static const char *const titles[] = {
	    "老太太", "老爷子", "大爷", "大妈", "大娘", "奶奶", "爷爷", "阿姨",
	    "叔叔",   "婆婆",	"大叔", "大婶", "老师", "师傅", "大哥", "大姐"};
	/* characters that end a word rather than begin a surname */
	static const char *const not_surname[] = {
	    "我", "你", "他", "她", "的", "家", "邻", "居", "个", "位", "老",
	    "小", "是", "和", "跟", "给", "有", "那", "这", "们", "在", "住",
	    "妈", "爸", "姥", "舅", "姑", "姨", "里", "对", "门", "楼", "上"};
	char *norm = text_normalize(s ? s : "");
	char *res = NULL;
	size_t len;

	if (!norm)
		return NULL;
	len = strlen(norm);
	for (size_t i = 0; i < len && !res; i++) {
		for (size_t t = 0; t < WL_ARRAY_LEN(titles) && !res; t++) {
			size_t tl = strlen(titles[t]), p;
			uint32_t cp;
			bool bad = false;

			if (strncmp(norm + i, titles[t], tl) != 0 || i == 0)
				continue;
			p = i - 1;
			while (p > 0 && (norm[p] & 0xc0) == 0x80)
				p--;
			/* one CJK character right before: 张奶奶 */
			if (text_utf8_decode(norm + p, i - p, &cp) != i - p ||
			    cp < 0x4e00 || cp > 0x9fff)
				continue;
			for (size_t k = 0; k < WL_ARRAY_LEN(not_surname); k++)
				if (strncmp(norm + p, not_surname[k], i - p) ==
				    0)
					bad = true;
			if (!bad)
				res = strndup(norm + p, i - p + tl);
		}
	}
	free(norm);
	return res;
}
