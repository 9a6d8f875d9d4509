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
#include <stdlib.h>
#include <string.h>

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

static bool starts_with_any(const char *s, const char *const *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strncmp(s, w[i], strlen(w[i])) == 0)
			return true;
	return false;
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

enum flow_parse flow_parse_location(const struct wl_config *cfg, const char *s,
				    size_t *idx, size_t *picks, size_t *n_picks)
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
		if ((len[i] = area_match(&cfg->areas[i], bare, false)))
			count++;
	if (count == 0 && text_utf8_chars(bare, strlen(bare)) >= 2) {
		reverse = true;
		for (size_t i = 0; i < n; i++)
			if ((len[i] = area_match(&cfg->areas[i], bare, true)))
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
