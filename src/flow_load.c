/*
 * flow_load.c — reads the flow files in flows/ and emergency.json, checks them
 * against the same rules as flows/schema.json plus what a schema cannot
 * say (references, reachability, loops, variables, SMS length), and
 * builds the read-only struct flow_set the stepper walks.
 *
 * Every problem is one "FILE: WHERE: WHAT" line in the diag list, WHERE a
 * JSON path (nodes.ask_age.next, trigger.keywords[2]); a file with any
 * error is refused, so a bad flow never reaches residents. This is the
 * only part of the flow module that does I/O.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "flow_int.h"
#include "text.h"
#include "wl.h"

#define PATH_LEN 320

struct loader {
	const char *file; /* FILE of every diag line */
	struct wl_diag *diag;
	const struct wl_config *cfg;
	size_t errors;
	bool sms; /* residents read this file's texts, maybe over SMS */
	bool em;  /* the emergency list: long lines are warnings */
};

__attribute__((format(printf, 4, 0))) static void
lmsg(struct loader *L, bool warning, const char *where, const char *fmt,
     va_list ap)
{
	char what[640];

	vsnprintf(what, sizeof(what), fmt, ap);
	if (warning) {
		diag_add(L->diag, L->file, where, "warning: %s", what);
	} else {
		diag_add(L->diag, L->file, where, "%s", what);
		L->errors++;
	}
}

__attribute__((format(printf, 3, 4))) static void
lerr(struct loader *L, const char *where, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lmsg(L, false, where, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 3, 4))) static void
lwarn(struct loader *L, const char *where, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lmsg(L, true, where, fmt, ap);
	va_end(ap);
}

/* A user-supplied name made safe for a diag line: at most 40 characters,
 * control characters and quotes replaced. */
static const char *san(char *buf, size_t size, const char *s)
{
	size_t n = text_utf8_prefix(s, strlen(s), 40);

	if (n >= size)
		n = text_utf8_prefix(s, size - 1, size - 1);
	memcpy(buf, s, n);
	buf[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == '"' ||
		    buf[i] == 0x7f)
			buf[i] = '?';
	return buf;
}

/* out = path.key (or key at the top), truncated to PATH_LEN. */
static void join(char *out, const char *path, const char *key)
{
	char k[128];
	int n;

	san(k, sizeof(k), key);
	n = snprintf(out, PATH_LEN, "%s%s%s", path, path[0] ? "." : "", k);
	if (n < 0)
		out[0] = '\0';
}

static void join_idx(char *out, const char *path, size_t i)
{
	int n = snprintf(out, PATH_LEN, "%s[%zu]", path, i);

	if (n < 0)
		out[0] = '\0';
}

/* ---- freeing ---- */

static void text_free(struct flow_text *t)
{
	free(t->zh);
	free(t->en);
	t->zh = t->en = NULL;
}

static void words_free(char **w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(w[i]);
	free(w);
}

static void node_free(struct flow_node *n)
{
	free(n->id);
	text_free(&n->text);
	free(n->var);
	free(n->field);
	free(n->note_var);
	for (size_t i = 0; i < n->n_options; i++) {
		free(n->options[i].key);
		text_free(&n->options[i].text);
		words_free(n->options[i].aliases, n->options[i].n_aliases);
		words_free(n->options[i].bare, n->options[i].n_bare);
	}
	free(n->options);
	text_free(&n->hint);
	for (size_t i = 0; i < n->n_cases; i++)
		json_decref(n->cases[i].value);
	free(n->cases);
	for (size_t i = 0; i < n->n_ops; i++) {
		json_decref(n->ops[i].fields);
		free(n->ops[i].str);
		free(n->ops[i].area);
	}
	free(n->ops);
}

static void flow_free(struct flow *f)
{
	free(f->id);
	free(f->file);
	text_free(&f->name);
	words_free(f->keywords, f->n_keywords);
	words_free(f->kw_bare, f->n_keywords);
	words_free(f->params, f->n_params);
	for (size_t i = 0; i < f->n_nodes; i++)
		node_free(&f->nodes[i]);
	free(f->nodes);
}

void flow_set_free(struct flow_set *fs)
{
	if (!fs)
		return;
	for (size_t i = 0; i < fs->n_flows; i++)
		flow_free(&fs->flows[i]);
	free(fs->flows);
	for (size_t i = 0; i < fs->n_em; i++) {
		free(fs->em[i].id);
		free(fs->em[i].number);
		text_free(&fs->em[i].name);
		text_free(&fs->em[i].advice);
		text_free(&fs->em[i].question);
	}
	free(fs->em);
	triage_free(fs->triage);
	text_free(&fs->em_reply);
	free(fs->em_flow_id);
	free(fs->em_node_id);
	free(fs);
}

/* ---- lookups ---- */

int flow_find(const struct flow_set *fs, const char *id)
{
	if (!id)
		return -1;
	for (size_t i = 0; i < fs->n_flows; i++)
		if (strcmp(fs->flows[i].id, id) == 0)
			return (int)i;
	return -1;
}

int flow_node_find(const struct flow *f, const char *id)
{
	if (!id)
		return -1;
	for (size_t i = 0; i < f->n_nodes; i++)
		if (f->nodes[i].id && strcmp(f->nodes[i].id, id) == 0)
			return (int)i;
	return -1;
}

const struct flow_node *flow_var_node(const struct flow *f, const char *var)
{
	for (size_t i = 0; i < f->n_nodes; i++)
		if (f->nodes[i].kind == FN_ASK && f->nodes[i].var &&
		    strcmp(f->nodes[i].var, var) == 0)
			return &f->nodes[i];
	return NULL;
}

size_t flow_set_count(const struct flow_set *fs)
{
	return fs ? fs->n_flows : 0;
}

bool flow_set_has(const struct flow_set *fs, const char *flow_id)
{
	return fs && flow_find(fs, flow_id) >= 0;
}

/* ---- the schema, as tables ---- */

enum jt { JT_ANY, JT_STR, JT_BOOL, JT_INT, JT_OBJ, JT_ARR, JT_TEXT };

struct key_spec {
	const char *key;
	enum jt type;
	bool required;
};

static const char *jt_name(enum jt t)
{
	switch (t) {
	case JT_STR: return "a string";
	case JT_BOOL: return "true or false";
	case JT_INT: return "an integer";
	case JT_OBJ: return "an object";
	case JT_ARR: return "an array";
	case JT_TEXT: return "a text object {\"zh\": \"…\", \"en\": \"…\"}";
	case JT_ANY: break;
	}
	return "a value";
}

static bool jt_ok(json_t *v, enum jt t)
{
	switch (t) {
	case JT_ANY: return true;
	case JT_STR: return json_is_string(v);
	case JT_BOOL: return json_is_boolean(v);
	case JT_INT: return json_is_integer(v);
	case JT_OBJ:
	case JT_TEXT: return json_is_object(v);
	case JT_ARR: return json_is_array(v);
	}
	return false;
}

/* Unknown keys, wrong types and missing required keys of one object.
 * Returns false when any was found. "$comment" is allowed anywhere. */
static bool check_keys(struct loader *L, json_t *o, const char *path,
		       const struct key_spec *spec, size_t n)
{
	const char *key;
	json_t *v;
	size_t before = L->errors;
	char p[PATH_LEN];

	json_object_foreach(o, key, v)
	{
		size_t i;

		if (strcmp(key, "$comment") == 0)
			continue;
		for (i = 0; i < n; i++)
			if (strcmp(spec[i].key, key) == 0)
				break;
		join(p, path, key);
		if (i == n) {
			lerr(L, p, "unknown key");
			continue;
		}
		if (!jt_ok(v, spec[i].type))
			lerr(L, p, "must be %s", jt_name(spec[i].type));
	}
	for (size_t i = 0; i < n; i++) {
		if (!spec[i].required || json_object_get(o, spec[i].key))
			continue;
		join(p, path, spec[i].key);
		lerr(L, p, "missing required key");
	}
	return L->errors == before;
}

static bool name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > FLOW_ID_MAX || !(s[0] >= 'a' && s[0] <= 'z'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

static char *xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* ---- texts ---- */

/* Lines of a text longer than one SMS segment. A variable counts as
 * six characters (Chinese ones in zh): the usual length of a name or an
 * answer. */
static void check_sms(struct loader *L, const char *text, const char *path,
		      bool en)
{
	struct buf b = BUF_INIT;
	size_t line = 1, pos = 0, last = 0, start, vlen;
	const char *s;

	if (!L->sms)
		return;
	while (flow_tpl_next(text, &pos, &start, &vlen)) {
		buf_add(&b, text + last, start - last);
		buf_adds(&b, en ? "xxxxxx" : "字字字字字字");
		last = start + vlen;
	}
	buf_adds(&b, text + last);
	if (b.oom) {
		buf_release(&b);
		return;
	}
	s = b.s;
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		char *one = strndup(s, len);

		if (one) {
			size_t seg = text_sms_segments(one);

			if (seg > 1)
				lwarn(
				    L, path,
				    "line %zu is %zu characters and needs %zu "
				    "SMS segments; keep a line within %d "
				    "Chinese characters",
				    line, text_utf8_chars(one, len), seg,
				    FLOW_SMS_LINE);
		}
		free(one);
		if (!nl)
			break;
		s = nl + 1;
		line++;
	}
	buf_release(&b);
}

/* One message a resident may get: with its variables at six characters
 * each and its option lines, it must fit one SMS segment (70 Chinese
 * characters), or an SMS reader gets it in pieces, out of order on some
 * phones. */
static void check_prompt(struct loader *L, const struct flow_text *t,
			 const struct flow_node *n, const char *path)
{
	char p[PATH_LEN];

	if (!L->sms || L->em)
		return;
	for (int i = 0; i < 2; i++) {
		const char *text = i == 0 ? t->zh : t->en;
		struct buf b = BUF_INIT;
		size_t pos = 0, last = 0, start, vlen, seg;

		if (!text)
			continue;
		while (flow_tpl_next(text, &pos, &start, &vlen)) {
			buf_add(&b, text + last, start - last);
			buf_adds(&b, i == 1 ? "xxxxxx" : "字字字字字字");
			last = start + vlen;
		}
		buf_adds(&b, text + last);
		for (size_t k = 0; n && k < n->n_options; k++) {
			const char *o = i == 1 && n->options[k].text.en
					    ? n->options[k].text.en
					    : n->options[k].text.zh;

			buf_addf(&b, "\n%zu %s", k + 1, o ? o : "");
		}
		if (b.oom) {
			buf_release(&b);
			continue;
		}
		seg = text_sms_segments(b.s);
		join(p, path, i == 0 ? "zh" : "en");
		if (seg > 1)
			lerr(L, p,
			     "prompt is %zu characters%s and needs %zu SMS "
			     "segments; a resident's prompt must fit one (%d "
			     "Chinese or 160 plain characters, a variable "
			     "counts as 6)",
			     text_utf8_chars(b.s, strlen(b.s)),
			     n && n->n_options ? " with its options" : "", seg,
			     FLOW_SMS_LINE);
		buf_release(&b);
	}
}

static bool text_len_ok(struct loader *L, const char *s, const char *path)
{
	if (text_utf8_chars(s, strlen(s)) > FLOW_TEXT_MAX) {
		lerr(L, path, "longer than %d characters", FLOW_TEXT_MAX);
		return false;
	}
	return true;
}

/* A text object {"zh": …, "en": …}. sms_prefix is put before every line
 * when checking SMS length (the "1 " of an option). */
static bool load_text(struct loader *L, json_t *v, const char *path,
		      struct flow_text *out, size_t sms_prefix)
{
	static const struct key_spec spec[] = {
	    {"zh", JT_STR, false},
	    {"en", JT_STR, false},
	};
	json_t *zh, *en;
	char p[PATH_LEN];

	if (!json_is_object(v)) {
		lerr(L, path, "must be %s", jt_name(JT_TEXT));
		return false;
	}
	if (!check_keys(L, v, path, spec, WL_ARRAY_LEN(spec)))
		return false;
	zh = json_object_get(v, "zh");
	en = json_object_get(v, "en");
	join(p, path, "zh");
	if (!zh || json_string_length(zh) == 0) {
		lerr(L, p, "missing Chinese text (zh)");
		return false;
	}
	if (!text_len_ok(L, json_string_value(zh), p))
		return false;
	if (en) {
		join(p, path, "en");
		if (!text_len_ok(L, json_string_value(en), p))
			return false;
	}
	out->zh = strdup(json_string_value(zh));
	out->en =
	    en && json_string_length(en) ? strdup(json_string_value(en)) : NULL;
	if (!out->zh || (en && json_string_length(en) && !out->en)) {
		lerr(L, path, "out of memory");
		return false;
	}
	if (L->sms && L->em) {
		char *tmp;

		for (int i = 0; i < 2; i++) {
			const char *s = i == 0 ? out->zh : out->en;

			if (!s)
				continue;
			join(p, path, i == 0 ? "zh" : "en");
			if (sms_prefix == 0) {
				check_sms(L, s, p, i == 1);
				continue;
			}
			tmp = malloc(strlen(s) + sms_prefix + 1);
			if (!tmp)
				continue;
			memset(tmp, '0', sms_prefix);
			memcpy(tmp + sms_prefix, s, strlen(s) + 1);
			check_sms(L, tmp, p, i == 1);
			free(tmp);
		}
	}
	return true;
}

/* An array of non-empty strings (keywords, aliases, params). names:
 * each must be a variable name. */
static bool load_words(struct loader *L, json_t *a, const char *path,
		       size_t max, bool names, char ***out, size_t *n_out)
{
	size_t n = json_array_size(a), before = L->errors;
	char p[PATH_LEN];
	char **w;

	if (n > max) {
		lerr(L, path, "more than %zu entries", max);
		return false;
	}
	w = calloc(n ? n : 1, sizeof(*w));
	if (!w) {
		lerr(L, path, "out of memory");
		return false;
	}
	*out = w;
	*n_out = 0;
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(a, i);
		const char *s = json_string_value(e);
		char *b;

		join_idx(p, path, i);
		if (!s) {
			lerr(L, p, "must be a string");
			continue;
		}
		if (names && !name_ok(s)) {
			lerr(L, p, "must match ^[a-z][a-z0-9_]{0,39}$");
			continue;
		}
		b = flow_bare(s);
		if (!b || !b[0]) {
			lerr(L, p, "must not be empty or only punctuation");
			free(b);
			continue;
		}
		free(b);
		if (text_utf8_chars(s, strlen(s)) > FLOW_WORD_MAX) {
			lerr(L, p, "longer than %d characters", FLOW_WORD_MAX);
			continue;
		}
		w[(*n_out)++] = strdup(s);
		if (!w[*n_out - 1]) {
			lerr(L, p, "out of memory");
			(*n_out)--;
		}
	}
	return L->errors == before;
}

/* The matching forms (flow_bare) of n words, so that the stepper does
 * not normalise the same keyword for every message. */
static char **bare_words(struct loader *L, char *const *w, size_t n,
			 const char *path)
{
	char **b = calloc(n ? n : 1, sizeof(*b));

	for (size_t i = 0; b && i < n; i++)
		if (!(b[i] = flow_bare(w[i]))) {
			words_free(b, i);
			b = NULL;
		}
	if (!b)
		lerr(L, path, "out of memory");
	return b;
}

/* ---- nodes ---- */

static const char *const node_kinds[] = {
    [FN_SAY] = "say",	    [FN_ASK] = "ask", [FN_ROUTE] = "route",
    [FN_ACTION] = "action", [FN_END] = "end",
};

static const char *const input_kinds[] = {
    [FI_CHOICE] = "choice",   [FI_YESNO] = "yesno",
    [FI_INTEGER] = "integer", [FI_AGE] = "age",
    [FI_PHONE] = "phone",     [FI_RESIDENT_ID] = "resident_id",
    [FI_TEXT] = "text",	      [FI_LOCATION] = "location",
    [FI_DATE] = "date",	      [FI_CHOICES] = "choices",
};

static const struct key_spec say_spec[] = {
    {"type", JT_STR, true},
    {"text", JT_TEXT, true},
    {"next", JT_STR, true},
};

static const struct key_spec ask_spec[] = {
    {"type", JT_STR, true},	  {"text", JT_TEXT, true},
    {"input", JT_STR, true},	  {"var", JT_STR, true},
    {"next", JT_STR, false},	  {"options", JT_ARR, false},
    {"max_tries", JT_INT, false}, {"hint", JT_TEXT, false},
    {"field", JT_STR, false},	  {"prefill", JT_ANY, false},
    {"optional", JT_BOOL, false}, {"min", JT_INT, false},
    {"max", JT_INT, false},	  {"max_len", JT_INT, false},
    {"level", JT_STR, false},	  {"note", JT_STR, false},
};

static const struct key_spec route_spec[] = {
    {"type", JT_STR, true},
    {"var", JT_STR, true},
    {"cases", JT_ARR, true},
    {"else", JT_STR, true},
};

static const struct key_spec action_spec[] = {
    {"type", JT_STR, true},
    {"do", JT_ARR, true},
    {"next", JT_STR, false},
};

static const struct key_spec end_spec[] = {
    {"type", JT_STR, true},
    {"text", JT_TEXT, false},
};

static const struct key_spec option_spec[] = {
    {"key", JT_STR, true},
    {"text", JT_TEXT, true},
    {"aliases", JT_ARR, false},
    {"next", JT_STR, false},
};

static const struct key_spec case_spec[] = {
    {"when", JT_OBJ, true},
    {"next", JT_STR, true},
};

static const struct key_spec open_case_spec[] = {
    {"fields", JT_OBJ, false},
    {"source", JT_STR, false},
    {"area", JT_STR, false},
    {"separate", JT_BOOL, false},
};

static const struct key_spec update_case_spec[] = {
    {"fields", JT_OBJ, false},
};

/* A node reference: -1 and an error when unknown. */
static int node_ref(struct loader *L, const struct flow *f, json_t *v,
		    const char *path)
{
	const char *id = json_string_value(v);
	char b[64];
	int i;

	if (!id)
		return -1;
	i = flow_node_find(f, id);
	if (i < 0)
		lerr(L, path, "unknown node \"%s\"", san(b, sizeof(b), id));
	return i;
}

static int opt_ref(struct loader *L, const struct flow *f, json_t *o,
		   const char *key, const char *path)
{
	json_t *v = json_object_get(o, key);
	char p[PATH_LEN];

	if (!v)
		return -1;
	join(p, path, key);
	return node_ref(L, f, v, p);
}

static void load_options(struct loader *L, struct flow *f, struct flow_node *n,
			 json_t *a, const char *path)
{
	size_t cnt = json_array_size(a);
	char p[PATH_LEN], q[PATH_LEN];

	if (cnt < 2 || cnt > FLOW_OPTIONS_MAX) {
		lerr(L, path, "a choice needs 2 to %d options",
		     FLOW_OPTIONS_MAX);
		if (cnt > FLOW_OPTIONS_MAX)
			return;
	}
	n->options = calloc(cnt ? cnt : 1, sizeof(*n->options));
	if (!n->options) {
		lerr(L, path, "out of memory");
		return;
	}
	for (size_t i = 0; i < cnt; i++) {
		json_t *o = json_array_get(a, i);
		struct flow_option *opt = &n->options[n->n_options];
		json_t *al;
		char b[64];

		join_idx(p, path, i);
		if (!json_is_object(o)) {
			lerr(L, p, "must be an object");
			continue;
		}
		if (!check_keys(L, o, p, option_spec,
				WL_ARRAY_LEN(option_spec)))
			continue;
		n->n_options++;
		opt->next = -1;
		join(q, p, "key");
		if (json_string_length(json_object_get(o, "key")) == 0 ||
		    json_string_length(json_object_get(o, "key")) > 64) {
			lerr(L, q, "must be 1 to 64 bytes");
			continue;
		}
		opt->key = strdup(json_string_value(json_object_get(o, "key")));
		for (size_t j = 0; j + 1 < n->n_options && opt->key; j++)
			if (n->options[j].key &&
			    strcmp(n->options[j].key, opt->key) == 0)
				lerr(L, q, "duplicate key \"%s\"",
				     san(b, sizeof(b), opt->key));
		join(q, p, "text");
		/* the prompt shows "12 label" on a line */
		load_text(L, json_object_get(o, "text"), q, &opt->text, 0);
		al = json_object_get(o, "aliases");
		if (al) {
			join(q, p, "aliases");
			load_words(L, al, q, FLOW_ALIASES_MAX, false,
				   &opt->aliases, &opt->n_aliases);
		}
		opt->next = opt_ref(L, f, o, "next", p);
		if (opt->key && opt->text.zh) {
			char *w[3 + FLOW_ALIASES_MAX];
			size_t k = 0;

			w[k++] = opt->key;
			w[k++] = opt->text.zh;
			if (opt->text.en)
				w[k++] = opt->text.en;
			for (size_t j = 0; j < opt->n_aliases; j++)
				w[k++] = opt->aliases[j];
			opt->bare = bare_words(L, w, k, p);
			opt->n_bare = opt->bare ? k : 0;
		}
	}
}

static void load_ask(struct loader *L, struct flow *f, struct flow_node *n,
		     json_t *o, const char *path, int flow_tries)
{
	const char *input = json_string_value(json_object_get(o, "input"));
	const char *var = json_string_value(json_object_get(o, "var"));
	json_t *opts = json_object_get(o, "options");
	json_t *v;
	char p[PATH_LEN], b[64];
	size_t k;
	bool all_next = opts != NULL;

	join(p, path, "text");
	load_text(L, json_object_get(o, "text"), p, &n->text, 0);
	for (k = 0; k < WL_ARRAY_LEN(input_kinds); k++)
		if (strcmp(input, input_kinds[k]) == 0)
			break;
	join(p, path, "input");
	if (k == WL_ARRAY_LEN(input_kinds)) {
		lerr(L, p,
		     "unknown input \"%s\" (choice, choices, yesno, integer, "
		     "age, phone, resident_id, text, location, date)",
		     san(b, sizeof(b), input));
		return;
	}
	n->input = (enum flow_input_kind)k;
	join(p, path, "var");
	if (!name_ok(var))
		lerr(L, p, "must match ^[a-z][a-z0-9_]{0,39}$");
	else if (strcmp(var, "trigger_text") == 0)
		lerr(L, p, "\"trigger_text\" is set by the engine");
	n->var = strdup(var);
	if ((v = json_object_get(o, "field"))) {
		join(p, path, "field");
		if (!name_ok(json_string_value(v)))
			lerr(L, p, "must match ^[a-z][a-z0-9_]{0,39}$");
		n->field = strdup(json_string_value(v));
	}
	join(p, path, "options");
	if ((n->input == FI_CHOICE || n->input == FI_CHOICES) && !opts)
		lerr(L, p, "missing required key (input choice needs options)");
	else if (n->input != FI_CHOICE && n->input != FI_CHOICES && opts)
		lerr(L, p, "only allowed with input choice or choices");
	else if (opts)
		load_options(L, f, n, opts, p);
	for (size_t i = 0; i < n->n_options; i++)
		if (n->options[i].next < 0)
			all_next = false;
	n->next = opt_ref(L, f, o, "next", path);
	if (!json_object_get(o, "next") && !all_next) {
		join(p, path, "next");
		lerr(L, p, "missing required key");
	}
	n->max_tries = flow_tries;
	if ((v = json_object_get(o, "max_tries"))) {
		join(p, path, "max_tries");
		if (json_integer_value(v) < 1 || json_integer_value(v) > 10)
			lerr(L, p, "must be between 1 and 10");
		else
			n->max_tries = (int)json_integer_value(v);
	}
	if ((v = json_object_get(o, "hint"))) {
		join(p, path, "hint");
		load_text(L, v, p, &n->hint, 0);
	}
	v = json_object_get(o, "prefill");
	join(p, path, "prefill");
	n->prefill = PF_NONE;
	if (json_is_true(v)) {
		n->prefill = PF_YES;
	} else if (json_is_string(v) &&
		   strcmp(json_string_value(v), "address") == 0) {
		n->prefill = PF_ADDRESS;
	} else if (json_is_string(v) &&
		   strcmp(json_string_value(v), "message") == 0) {
		n->prefill = PF_MESSAGE;
	} else if (json_is_string(v) &&
		   strcmp(json_string_value(v), "name") == 0) {
		n->prefill = PF_NAME;
	} else if (v && !json_is_false(v)) {
		lerr(L, p,
		     "must be true, false, \"address\", \"message\" or "
		     "\"name\"");
	}
	if ((n->prefill == PF_ADDRESS || n->prefill == PF_MESSAGE ||
	     n->prefill == PF_NAME) &&
	    n->input != FI_TEXT)
		lerr(L, p, "\"%s\" is only allowed with input text",
		     n->prefill == PF_ADDRESS	? "address"
		     : n->prefill == PF_MESSAGE ? "message"
						: "name");
	n->level = -1;
	if ((v = json_object_get(o, "level"))) {
		static const char *const lv[] = {"street", "community", "grid"};

		join(p, path, "level");
		for (size_t i = 0; i < WL_ARRAY_LEN(lv); i++)
			if (strcmp(json_string_value(v), lv[i]) == 0)
				n->level = (int)i;
		if (n->input != FI_LOCATION)
			lerr(L, p, "only allowed with input location");
		else if (n->level < 0)
			lerr(L, p, "must be street, community or grid");
	}
	if ((v = json_object_get(o, "note"))) {
		join(p, path, "note");
		if (n->input != FI_YESNO)
			lerr(L, p, "only allowed with input yesno");
		else if (!name_ok(json_string_value(v)))
			lerr(L, p, "must match ^[a-z][a-z0-9_]{0,39}$");
		else
			n->note_var = strdup(json_string_value(v));
	}
	n->optional = json_is_true(json_object_get(o, "optional")) ||
		      n->input == FI_RESIDENT_ID;
	if (json_is_true(json_object_get(o, "optional")) &&
	    (n->input == FI_CHOICE || n->input == FI_CHOICES ||
	     n->input == FI_YESNO)) {
		join(p, path, "optional");
		lerr(L, p,
		     "not allowed with input choice or yesno (add an "
		     "option instead)");
	}
	if (n->input == FI_AGE) {
		n->has_min = n->has_max = true;
		n->min = 0;
		n->max = 120;
	}
	for (int i = 0; i < 2; i++) {
		const char *key = i == 0 ? "min" : "max";

		if (!(v = json_object_get(o, key)))
			continue;
		join(p, path, key);
		if (n->input != FI_INTEGER && n->input != FI_AGE) {
			lerr(L, p, "only allowed with input integer or age");
			continue;
		}
		if (i == 0) {
			n->has_min = true;
			n->min = json_integer_value(v);
		} else {
			n->has_max = true;
			n->max = json_integer_value(v);
		}
	}
	if (n->has_min && n->has_max && n->min > n->max) {
		join(p, path, "min");
		lerr(L, p, "greater than max");
	}
	n->max_len = FLOW_TEXT_LEN_DEFAULT;
	if ((v = json_object_get(o, "max_len"))) {
		join(p, path, "max_len");
		if (n->input != FI_TEXT)
			lerr(L, p, "only allowed with input text");
		else if (json_integer_value(v) < 1 ||
			 json_integer_value(v) > FLOW_TEXT_MAX)
			lerr(L, p, "must be between 1 and %d", FLOW_TEXT_MAX);
		else
			n->max_len = (size_t)json_integer_value(v);
	}
	if (n->input == FI_LOCATION && L->cfg && L->cfg->n_areas == 0) {
		join(p, path, "input");
		lwarn(L, p,
		      "no areas are configured, so a location answer "
		      "can never match");
	}
}

static bool scalar(json_t *v)
{
	return json_is_string(v) || json_is_integer(v) || json_is_boolean(v);
}

static void load_route(struct loader *L, struct flow *f, struct flow_node *n,
		       json_t *o, const char *path)
{
	static const char *const conds[] = {
	    [FC_EQUALS] = "equals",	[FC_IN] = "in",
	    [FC_CONTAINS] = "contains", [FC_GTE] = "gte",
	    [FC_LTE] = "lte",		[FC_EXISTS] = "exists",
	};
	json_t *cases = json_object_get(o, "cases");
	const char *var = json_string_value(json_object_get(o, "var"));
	size_t cnt = json_array_size(cases);
	char p[PATH_LEN], q[PATH_LEN], w[PATH_LEN];

	join(p, path, "var");
	if (!name_ok(var) && strcmp(var, "trigger_text") != 0)
		lerr(L, p, "must match ^[a-z][a-z0-9_]{0,39}$");
	n->var = strdup(var);
	join(p, path, "cases");
	if (cnt < 1 || cnt > FLOW_CASES_MAX) {
		lerr(L, p, "needs 1 to %d cases", FLOW_CASES_MAX);
		if (cnt > FLOW_CASES_MAX)
			return;
	}
	n->cases = calloc(cnt ? cnt : 1, sizeof(*n->cases));
	if (!n->cases) {
		lerr(L, p, "out of memory");
		return;
	}
	for (size_t i = 0; i < cnt; i++) {
		json_t *c = json_array_get(cases, i), *when, *val;
		struct flow_case *fc = &n->cases[n->n_cases];
		const char *key;
		size_t k;

		join_idx(q, p, i);
		if (!json_is_object(c)) {
			lerr(L, q, "must be an object");
			continue;
		}
		if (!check_keys(L, c, q, case_spec, WL_ARRAY_LEN(case_spec)))
			continue;
		fc->next = opt_ref(L, f, c, "next", q);
		when = json_object_get(c, "when");
		join(w, q, "when");
		if (json_object_size(when) != 1) {
			lerr(L, w,
			     "needs exactly one of equals, in, contains, gte, "
			     "lte, exists");
			continue;
		}
		json_object_foreach(when, key, val)
		{
			for (k = 0; k < WL_ARRAY_LEN(conds); k++)
				if (strcmp(key, conds[k]) == 0)
					break;
			join(q, w, key);
			if (k == WL_ARRAY_LEN(conds)) {
				lerr(L, q, "unknown key");
				break;
			}
			fc->kind = (enum flow_cond_kind)k;
			if ((fc->kind == FC_EQUALS && !scalar(val)) ||
			    (fc->kind == FC_CONTAINS && !json_is_string(val)) ||
			    ((fc->kind == FC_GTE || fc->kind == FC_LTE) &&
			     !json_is_integer(val)) ||
			    (fc->kind == FC_EXISTS && !json_is_boolean(val))) {
				lerr(L, q, "must be %s",
				     fc->kind == FC_EQUALS
					 ? "a string, integer or boolean"
				     : fc->kind == FC_CONTAINS ? "a string"
				     : fc->kind == FC_EXISTS   ? "true or false"
							       : "an integer");
				break;
			}
			if (fc->kind == FC_IN) {
				bool ok = json_array_size(val) > 0;

				for (size_t j = 0; j < json_array_size(val);
				     j++)
					ok = ok &&
					     scalar(json_array_get(val, j));
				if (!ok) {
					lerr(L, q,
					     "must be a non-empty array "
					     "of strings, integers or "
					     "booleans");
					break;
				}
			}
			fc->value = json_incref(val);
			n->n_cases++;
		}
	}
	n->else_next = opt_ref(L, f, o, "else", path);
}

static void load_op(struct loader *L, struct flow *f, struct flow_node *n,
		    json_t *o, const char *path, bool last)
{
	static const char *const ops[] = {
	    [FO_SET] = "set",
	    [FO_URGENCY] = "urgency",
	    [FO_OPEN_CASE] = "open_case",
	    [FO_UPDATE_CASE] = "update_case",
	    [FO_HANDOVER] = "handover",
	    [FO_START_FLOW] = "start_flow",
	    [FO_EMIT] = "emit",
	    [FO_RESET] = "reset",
	};
	struct flow_op *op = &n->ops[n->n_ops];
	const char *key = NULL, *k;
	json_t *v = NULL, *x;
	size_t cnt = 0, i;
	char p[PATH_LEN], b[64];

	if (!json_is_object(o)) {
		lerr(L, path, "must be an object");
		return;
	}
	json_object_foreach(o, k, x)
	{
		if (strcmp(k, "$comment") == 0)
			continue;
		cnt++;
		key = k;
		v = x;
	}
	if (cnt != 1) {
		lerr(L, path,
		     "needs exactly one of set, urgency, open_case, "
		     "update_case, handover, start_flow, emit, reset");
		return;
	}
	for (i = 0; i < WL_ARRAY_LEN(ops); i++)
		if (strcmp(key, ops[i]) == 0)
			break;
	join(p, path, key);
	if (i == WL_ARRAY_LEN(ops)) {
		lerr(L, p, "unknown action");
		return;
	}
	op->kind = (enum flow_op_kind)i;
	op->flow_idx = -1;
	switch (op->kind) {
	case FO_SET: {
		const char *fk;
		json_t *fv;
		char q[PATH_LEN];

		if (!json_is_object(v) || json_object_size(v) == 0) {
			lerr(L, p, "must be a non-empty object");
			return;
		}
		json_object_foreach(v, fk, fv)
		{
			join(q, p, fk);
			if (!name_ok(fk))
				lerr(L, q, "must match ^[a-z][a-z0-9_]{0,39}$");
			else if (!scalar(fv) && !json_is_null(fv))
				lerr(L, q,
				     "must be a string, integer, "
				     "boolean or null");
		}
		op->fields = json_incref(v);
		break;
	}
	case FO_URGENCY:
		if (!json_is_string(v) ||
		    (strcmp(json_string_value(v), "urgent") != 0 &&
		     strcmp(json_string_value(v), "normal") != 0)) {
			lerr(L, p, "must be \"urgent\" or \"normal\"");
			return;
		}
		op->str = strdup(json_string_value(v));
		break;
	case FO_OPEN_CASE:
	case FO_UPDATE_CASE: {
		json_t *fl;

		if (json_is_true(v))
			break;
		if (!json_is_object(v)) {
			lerr(L, p, "must be true or an object");
			return;
		}
		if (op->kind == FO_OPEN_CASE
			? !check_keys(L, v, p, open_case_spec,
				      WL_ARRAY_LEN(open_case_spec))
			: !check_keys(L, v, p, update_case_spec,
				      WL_ARRAY_LEN(update_case_spec)))
			return;
		if ((fl = json_object_get(v, "fields"))) {
			const char *fk;
			json_t *fv;
			char q[PATH_LEN], r[PATH_LEN];

			join(r, p, "fields");
			json_object_foreach(fl, fk, fv)
			{
				join(q, r, fk);
				if (!name_ok(fk))
					lerr(L, q,
					     "must match "
					     "^[a-z][a-z0-9_]{0,39}$");
				else if (!scalar(fv) && !json_is_null(fv))
					lerr(L, q,
					     "must be a string, "
					     "integer, boolean or null");
			}
			op->fields = json_incref(fl);
		}
		op->str =
		    xstrdup(json_string_value(json_object_get(v, "source")));
		op->area =
		    xstrdup(json_string_value(json_object_get(v, "area")));
		op->separate = json_is_true(json_object_get(v, "separate"));
		if (op->str && !name_ok(op->str)) {
			char q[PATH_LEN];

			join(q, p, "source");
			lerr(L, q, "must match ^[a-z][a-z0-9_]{0,39}$");
		}
		if (op->area && !strchr(op->area, '{') && L->cfg &&
		    L->cfg->n_areas) {
			bool found = false;
			char q[PATH_LEN];

			for (size_t j = 0; j < L->cfg->n_areas; j++)
				if (strcmp(L->cfg->areas[j].id, op->area) == 0)
					found = true;
			join(q, p, "area");
			if (!found)
				lerr(L, q, "unknown area \"%s\"",
				     san(b, sizeof(b), op->area));
		}
		break;
	}
	case FO_HANDOVER:
		if (!json_is_string(v) || json_string_length(v) == 0) {
			lerr(L, p,
			     "must be a non-empty string (a note for "
			     "the person taking over)");
			return;
		}
		op->str = strdup(json_string_value(v));
		break;
	case FO_START_FLOW:
		if (!json_is_string(v) || !name_ok(json_string_value(v))) {
			lerr(L, p, "must be a flow id");
			return;
		}
		if (!last)
			lerr(L, p, "must be the last action of the list");
		op->str = strdup(json_string_value(v));
		break;
	case FO_EMIT:
		if (!json_is_string(v) ||
		    (strcmp(json_string_value(v), "visit_record") != 0 &&
		     strcmp(json_string_value(v), "feedback") != 0)) {
			lerr(L, p, "must be \"visit_record\" or \"feedback\"");
			return;
		}
		op->str = strdup(json_string_value(v));
		break;
	case FO_RESET:
		if (!json_is_true(v)) {
			lerr(L, p, "must be true");
			return;
		}
		break;
	}
	n->n_ops++;
}

static void load_action(struct loader *L, struct flow *f, struct flow_node *n,
			json_t *o, const char *path)
{
	json_t *ops = json_object_get(o, "do");
	size_t cnt = json_array_size(ops);
	bool starts = false;
	char p[PATH_LEN], q[PATH_LEN];

	join(p, path, "do");
	if (cnt < 1 || cnt > FLOW_OPS_MAX) {
		lerr(L, p, "needs 1 to %d actions", FLOW_OPS_MAX);
		if (cnt > FLOW_OPS_MAX)
			return;
	}
	n->ops = calloc(cnt ? cnt : 1, sizeof(*n->ops));
	if (!n->ops) {
		lerr(L, p, "out of memory");
		return;
	}
	for (size_t i = 0; i < cnt; i++) {
		join_idx(q, p, i);
		load_op(L, f, n, json_array_get(ops, i), q, i + 1 == cnt);
	}
	for (size_t i = 0; i < n->n_ops; i++)
		if (n->ops[i].kind == FO_START_FLOW)
			starts = true;
	n->next = opt_ref(L, f, o, "next", path);
	join(q, path, "next");
	if (starts && json_object_get(o, "next"))
		lerr(L, q, "not allowed after start_flow");
	else if (!starts && !json_object_get(o, "next"))
		lerr(L, q, "missing required key");
}

static void load_node(struct loader *L, struct flow *f, struct flow_node *n,
		      json_t *o, const char *path, int flow_tries)
{
	json_t *t;
	const char *type;
	char p[PATH_LEN], b[64];
	size_t k;

	n->next = n->else_next = -1;
	if (!json_is_object(o)) {
		lerr(L, path, "must be an object");
		return;
	}
	t = json_object_get(o, "type");
	join(p, path, "type");
	if (!t) {
		lerr(L, p, "missing required key");
		return;
	}
	type = json_string_value(t);
	if (!type) {
		lerr(L, p, "must be a string");
		return;
	}
	for (k = 0; k < WL_ARRAY_LEN(node_kinds); k++)
		if (strcmp(type, node_kinds[k]) == 0)
			break;
	if (k == WL_ARRAY_LEN(node_kinds)) {
		lerr(L, p,
		     "unknown node type \"%s\" (say, ask, route, "
		     "action, end)",
		     san(b, sizeof(b), type));
		return;
	}
	n->kind = (enum flow_node_kind)k;
	switch (n->kind) {
	case FN_SAY:
		if (!check_keys(L, o, path, say_spec, WL_ARRAY_LEN(say_spec)))
			return;
		join(p, path, "text");
		if (load_text(L, json_object_get(o, "text"), p, &n->text, 0))
			check_prompt(L, &n->text, NULL, p);
		n->next = opt_ref(L, f, o, "next", path);
		break;
	case FN_ASK:
		if (!check_keys(L, o, path, ask_spec, WL_ARRAY_LEN(ask_spec)))
			return;
		load_ask(L, f, n, o, path, flow_tries);
		join(p, path, "text");
		if (n->text.zh)
			check_prompt(L, &n->text, n, p);
		join(p, path, "hint");
		if (n->hint.zh)
			check_prompt(L, &n->hint, NULL, p);
		break;
	case FN_ROUTE:
		if (!check_keys(L, o, path, route_spec,
				WL_ARRAY_LEN(route_spec)))
			return;
		load_route(L, f, n, o, path);
		break;
	case FN_ACTION:
		if (!check_keys(L, o, path, action_spec,
				WL_ARRAY_LEN(action_spec)))
			return;
		load_action(L, f, n, o, path);
		break;
	case FN_END:
		if (!check_keys(L, o, path, end_spec, WL_ARRAY_LEN(end_spec)))
			return;
		if ((t = json_object_get(o, "text"))) {
			join(p, path, "text");
			if (load_text(L, t, p, &n->text, 0))
				check_prompt(L, &n->text, NULL, p);
		}
		break;
	}
}

/* ---- whole-flow checks ---- */

static size_t node_edges(const struct flow_node *n, int *out)
{
	size_t k = 0;

	if (n->next >= 0)
		out[k++] = n->next;
	for (size_t i = 0; i < n->n_options; i++)
		if (n->options[i].next >= 0)
			out[k++] = n->options[i].next;
	for (size_t i = 0; i < n->n_cases; i++)
		if (n->cases[i].next >= 0)
			out[k++] = n->cases[i].next;
	if (n->else_next >= 0)
		out[k++] = n->else_next;
	return k;
}

#define EDGES_MAX (2 + FLOW_OPTIONS_MAX + FLOW_CASES_MAX)

static void check_reachable(struct loader *L, const struct flow *f)
{
	size_t n = f->n_nodes, top = 0;
	bool *seen = calloc(n, sizeof(*seen));
	int *stack = calloc(n + 2, sizeof(*stack));
	char p[PATH_LEN];

	if (!seen || !stack)
		goto out;
	if (f->start >= 0)
		stack[top++] = f->start;
	if (f->on_expire >= 0)
		stack[top++] = f->on_expire;
	for (size_t i = 0; i < top; i++)
		seen[stack[i]] = true;
	while (top) {
		int e[EDGES_MAX];
		size_t k = node_edges(&f->nodes[stack[--top]], e);

		for (size_t i = 0; i < k; i++)
			if (!seen[e[i]]) {
				seen[e[i]] = true;
				stack[top++] = e[i];
			}
	}
	for (size_t i = 0; i < n; i++) {
		if (seen[i])
			continue;
		join(p, "nodes", f->nodes[i].id);
		lerr(L, p, "unreachable from start");
	}
out:
	free(seen);
	free(stack);
}

/* A loop of say/route/action nodes never waits for the resident and
 * never ends: the answers a route reads cannot change inside it. */
static void check_loops(struct loader *L, const struct flow *f)
{
	size_t n = f->n_nodes;
	bool *reach = calloc(n * n, sizeof(*reach)); /* reach[u*n+v] */
	bool *done = calloc(n, sizeof(*done));
	int *stack = calloc(n + 1, sizeof(*stack));

	if (!reach || !done || !stack)
		goto out;
	for (size_t u = 0; u < n; u++) {
		size_t top = 0;

		if (f->nodes[u].kind == FN_ASK)
			continue;
		stack[top++] = (int)u;
		while (top) {
			int e[EDGES_MAX];
			size_t k = node_edges(&f->nodes[stack[--top]], e);

			for (size_t i = 0; i < k; i++) {
				if (f->nodes[e[i]].kind == FN_ASK ||
				    reach[u * n + e[i]])
					continue;
				reach[u * n + e[i]] = true;
				stack[top++] = e[i];
			}
		}
	}
	for (size_t u = 0; u < n; u++) {
		char list[PATH_LEN], p[PATH_LEN];
		size_t len = 0;

		if (done[u] || !reach[u * n + u])
			continue;
		list[0] = '\0';
		for (size_t v = 0; v < n; v++) {
			if (!(reach[u * n + v] && reach[v * n + u]))
				continue;
			done[v] = true;
			if (len < sizeof(list) - 1)
				len += (size_t)snprintf(
				    list + len, sizeof(list) - len, "%s%s",
				    len ? " -> " : "", f->nodes[v].id);
		}
		if (len < sizeof(list) - 1)
			snprintf(list + len, sizeof(list) - len, " -> %s",
				 f->nodes[u].id);
		join(p, "nodes", f->nodes[u].id);
		lerr(L, p,
		     "loop with no ask to wait at: %s (once in, it never ends)",
		     list);
	}
out:
	free(reach);
	free(done);
	free(stack);
}

static bool var_is_set(const struct flow *f, const char *var)
{
	if (strcmp(var, "trigger_text") == 0 || flow_var_node(f, var))
		return true;
	for (size_t i = 0; i < f->n_params; i++)
		if (strcmp(f->params[i], var) == 0)
			return true;
	return false;
}

static void check_tpl(struct loader *L, const struct flow *f, const char *s,
		      const char *path)
{
	size_t pos = 0, start, len;

	if (!s)
		return;
	while (flow_tpl_next(s, &pos, &start, &len)) {
		char name[80];

		snprintf(name, sizeof(name), "%.*s", (int)(len - 2),
			 s + start + 1);
		if (strcmp(name, "case.no") == 0 ||
		    strcmp(name, "contact.name") == 0)
			continue;
		if (strncmp(name, "staff.", 6) == 0 &&
		    (strcmp(name + 6, "id") == 0 ||
		     strcmp(name + 6, "area") == 0)) {
			if (!f->staff_only)
				lerr(L, path,
				     "{%s} is only known in "
				     "staff_only flows",
				     name);
			continue;
		}
		if (strncmp(name, "answers.", 8) == 0 && name_ok(name + 8)) {
			if (!var_is_set(f, name + 8))
				lerr(L, path,
				     "variable {%s} is never set by "
				     "an ask",
				     name);
			continue;
		}
		lerr(L, path, "unknown variable {%s}", name);
	}
}

static void check_tpl_text(struct loader *L, const struct flow *f,
			   const struct flow_text *t, const char *path)
{
	char p[PATH_LEN];

	join(p, path, "zh");
	check_tpl(L, f, t->zh, p);
	join(p, path, "en");
	check_tpl(L, f, t->en, p);
}

static void check_tpl_fields(struct loader *L, const struct flow *f,
			     json_t *fields, const char *path)
{
	const char *k;
	json_t *v;
	char p[PATH_LEN];

	json_object_foreach(fields, k, v)
	{
		join(p, path, k);
		check_tpl(L, f, json_string_value(v), p);
	}
}

static void check_vars(struct loader *L, const struct flow *f)
{
	static const char *const opname[] = {
	    [FO_SET] = "set",
	    [FO_URGENCY] = "urgency",
	    [FO_OPEN_CASE] = "open_case",
	    [FO_UPDATE_CASE] = "update_case",
	    [FO_HANDOVER] = "handover",
	    [FO_START_FLOW] = "start_flow",
	    [FO_EMIT] = "emit",
	    [FO_RESET] = "reset",
	};
	char p[PATH_LEN], q[PATH_LEN], r[PATH_LEN], b[64];

	for (size_t i = 0; i < f->n_nodes; i++) {
		const struct flow_node *n = &f->nodes[i];

		join(p, "nodes", n->id);
		join(q, p, "text");
		check_tpl_text(L, f, &n->text, q);
		join(q, p, "hint");
		check_tpl_text(L, f, &n->hint, q);
		for (size_t j = 0; j < n->n_options; j++) {
			join(q, p, "options");
			join_idx(r, q, j);
			join(q, r, "text");
			check_tpl_text(L, f, &n->options[j].text, q);
		}
		if (n->kind == FN_ROUTE && n->var && !var_is_set(f, n->var)) {
			join(q, p, "var");
			lerr(L, q, "variable \"%s\" is never set by an ask",
			     san(b, sizeof(b), n->var));
		}
		for (size_t j = 0; j < n->n_ops; j++) {
			const struct flow_op *op = &n->ops[j];

			join(q, p, "do");
			join_idx(r, q, j);
			join(q, r, opname[op->kind]);
			if (op->kind == FO_SET) {
				check_tpl_fields(L, f, op->fields, q);
				continue;
			}
			if (op->kind == FO_HANDOVER)
				check_tpl(L, f, op->str, q);
			if (op->area) {
				join(r, q, "area");
				check_tpl(L, f, op->area, r);
			}
			if (op->fields) {
				join(r, q, "fields");
				check_tpl_fields(L, f, op->fields, r);
			}
		}
	}
}

static bool load_flow(struct loader *L, struct flow *f, json_t *root)
{
	static const struct key_spec top[] = {
	    {"$schema", JT_STR, false},	    {"id", JT_STR, true},
	    {"name", JT_TEXT, true},	    {"trigger", JT_ANY, false},
	    {"staff_only", JT_BOOL, false}, {"start", JT_STR, true},
	    {"on_expire", JT_STR, false},   {"params", JT_ARR, false},
	    {"max_tries", JT_INT, false},   {"nodes", JT_OBJ, true},
	};
	static const struct key_spec trig[] = {
	    {"keywords", JT_ARR, false},
	    {"default", JT_BOOL, false},
	};
	json_t *v, *nodes;
	const char *key;
	json_t *nv;
	size_t i, before = L->errors;
	int tries = FLOW_TRIES_DEFAULT;
	char p[PATH_LEN];

	f->start = f->on_expire = -1;
	if (!json_is_object(root)) {
		lerr(L, "(root)", "must be an object");
		return false;
	}
	if (!check_keys(L, root, "", top, WL_ARRAY_LEN(top)))
		return false;
	f->id = strdup(json_string_value(json_object_get(root, "id")));
	if (!f->id || !name_ok(f->id))
		lerr(L, "id", "must match ^[a-z][a-z0-9_]{0,39}$");
	load_text(L, json_object_get(root, "name"), "name", &f->name, 0);
	f->staff_only = json_is_true(json_object_get(root, "staff_only"));
	/* residents read the texts of a flow in SMS; staff in chat apps */
	L->sms = !f->staff_only;
	if ((v = json_object_get(root, "trigger"))) {
		if (json_is_string(v) &&
		    strcmp(json_string_value(v), "default") == 0) {
			f->is_default = true;
		} else if (!json_is_object(v)) {
			lerr(L, "trigger",
			     "must be \"default\" or an object {\"keywords\": "
			     "[…], \"default\": true}");
		} else if (check_keys(L, v, "trigger", trig,
				      WL_ARRAY_LEN(trig))) {
			json_t *kw = json_object_get(v, "keywords");

			f->is_default =
			    json_is_true(json_object_get(v, "default"));
			if (kw && load_words(L, kw, "trigger.keywords",
					     FLOW_KEYWORDS_MAX, false,
					     &f->keywords, &f->n_keywords))
				f->kw_bare =
				    bare_words(L, f->keywords, f->n_keywords,
					       "trigger.keywords");
			if (!f->is_default && f->n_keywords == 0 &&
			    L->errors == before)
				lerr(L, "trigger",
				     "needs keywords or \"default\": true");
		}
		if (f->is_default && f->staff_only)
			lerr(L, "trigger",
			     "a staff_only flow cannot be the "
			     "default flow");
	}
	if ((v = json_object_get(root, "params")))
		load_words(L, v, "params", 20, true, &f->params, &f->n_params);
	if ((v = json_object_get(root, "max_tries"))) {
		if (json_integer_value(v) < 1 || json_integer_value(v) > 10)
			lerr(L, "max_tries", "must be between 1 and 10");
		else
			tries = (int)json_integer_value(v);
	}
	nodes = json_object_get(root, "nodes");
	if (json_object_size(nodes) == 0) {
		lerr(L, "nodes", "needs at least one node");
		return false;
	}
	if (json_object_size(nodes) > FLOW_NODES_MAX) {
		lerr(L, "nodes", "more than %d nodes", FLOW_NODES_MAX);
		return false;
	}
	f->nodes = calloc(json_object_size(nodes), sizeof(*f->nodes));
	if (!f->nodes) {
		lerr(L, "nodes", "out of memory");
		return false;
	}
	/* ids first, so that references can point forward */
	json_object_foreach(nodes, key, nv)
	{
		join(p, "nodes", key);
		if (!name_ok(key))
			lerr(L, p, "node id must match ^[a-z][a-z0-9_]{0,39}$");
		f->nodes[f->n_nodes].id = strdup(key);
		f->nodes[f->n_nodes].next = -1;
		f->nodes[f->n_nodes].else_next = -1;
		if (!f->nodes[f->n_nodes].id) {
			lerr(L, p, "out of memory");
			return false;
		}
		f->n_nodes++;
	}
	i = 0;
	json_object_foreach(nodes, key, nv)
	{
		join(p, "nodes", key);
		load_node(L, f, &f->nodes[i++], nv, p, tries);
	}
	f->start = node_ref(L, f, json_object_get(root, "start"), "start");
	if ((v = json_object_get(root, "on_expire")))
		f->on_expire = node_ref(L, f, v, "on_expire");
	if (L->errors != before)
		return false;
	check_reachable(L, f);
	check_loops(L, f);
	check_vars(L, f);
	return L->errors == before;
}

/* ---- emergency.json ---- */

/* The marker classes: their key in "markers" and what their words do. */
static const struct {
	const char *key;
	enum triage_role role;
	unsigned demotes; /* the demoted_by bit, 0: none */
} em_markers[] = {
    {"negation", TRIAGE_NEGATE, 0},
    {"neutral", TRIAGE_NEUTRAL, 0},
    {"present", TRIAGE_PRESENT, 0},
    {"past", TRIAGE_PAST, TRIAGE_BY_PAST},
    {"prevention", TRIAGE_PREVENT, TRIAGE_BY_PREVENT},
    {"hypothetical", TRIAGE_HYPO, 0},
    {"planned", TRIAGE_PLANNED, TRIAGE_BY_PLANNED},
    {"chronic", TRIAGE_CHRONIC, 0},
};

/* One rule word into the matcher, with the reason when it is refused. */
static void em_word(struct loader *L, struct triage *t, json_t *w,
		    const char *path, enum triage_role role, int concept,
		    const char *what)
{
	const char *s = json_string_value(w), *other = NULL;
	char b[64];
	int rc;

	if (!s) {
		lerr(L, path, "must be a string");
		return;
	}
	if (text_utf8_chars(s, strlen(s)) > FLOW_WORD_MAX) {
		lerr(L, path, "longer than %d characters", FLOW_WORD_MAX);
		return;
	}
	rc = triage_add_word(t, s, role, concept, &other);
	if (rc == WL_EBADREQ)
		lerr(L, path,
		     "\"%s\" is empty or has punctuation or a space "
		     "between phrases once folded",
		     san(b, sizeof(b), s));
	else if (rc == WL_ECONFLICT)
		lerr(L, path, "\"%s\" is already %s%s; a word has one meaning",
		     san(b, sizeof(b), s), other ? "in concepts." : "a marker",
		     other ? other : "");
	else if (rc == WL_ETOOBIG)
		lerr(L, path, "more than %d words in all", TRIAGE_WORDS_MAX);
	else if (rc != WL_OK)
		lerr(L, path, "out of memory (%s)", what);
}

static void em_folds(struct loader *L, struct triage *t, json_t *o)
{
	const char *k;
	json_t *v;
	char p[PATH_LEN], b[64];

	json_object_foreach(o, k, v)
	{
		int rc;

		join(p, "fold", k);
		if (!json_is_string(v)) {
			lerr(L, p, "must be a string");
			continue;
		}
		rc = triage_add_fold(t, k, json_string_value(v));
		if (rc == WL_EBADREQ)
			lerr(L, p,
			     "must fold one phrase into another, "
			     "different one");
		else if (rc == WL_ECONFLICT)
			lerr(L, p, "\"%s\" is folded twice",
			     san(b, sizeof(b), k));
		else if (rc == WL_ETOOBIG)
			lerr(L, p, "more than %d folds", TRIAGE_FOLDS_MAX);
		else if (rc != WL_OK)
			lerr(L, p, "out of memory");
	}
}

static void em_markers_load(struct loader *L, struct triage *t, json_t *o)
{
	const char *k;
	json_t *v;
	char p[PATH_LEN], q[PATH_LEN];

	json_object_foreach(o, k, v)
	{
		size_t m;

		if (strcmp(k, "$comment") == 0)
			continue;
		for (m = 0; m < WL_ARRAY_LEN(em_markers); m++)
			if (strcmp(em_markers[m].key, k) == 0)
				break;
		join(p, "markers", k);
		if (m == WL_ARRAY_LEN(em_markers)) {
			lerr(L, p,
			     "unknown marker class (negation, neutral, "
			     "present, past, prevention, hypothetical, "
			     "planned, chronic)");
			continue;
		}
		if (!json_is_array(v)) {
			lerr(L, p, "must be an array of words");
			continue;
		}
		for (size_t i = 0; i < json_array_size(v); i++) {
			join_idx(q, p, i);
			em_word(L, t, json_array_get(v, i), q,
				em_markers[m].role, -1, k);
		}
	}
}

static void em_concepts(struct loader *L, struct triage *t, json_t *o)
{
	const char *k;
	json_t *v;
	char p[PATH_LEN], q[PATH_LEN];

	json_object_foreach(o, k, v)
	{
		int idx, rc;

		if (strcmp(k, "$comment") == 0)
			continue;
		join(p, "concepts", k);
		if (!name_ok(k)) {
			lerr(L, p, "name must match ^[a-z][a-z0-9_]{0,39}$");
			continue;
		}
		if (!json_is_array(v) || json_array_size(v) == 0) {
			lerr(L, p, "must be an array of at least one word");
			continue;
		}
		rc = triage_concept(t, k, &idx);
		if (rc == WL_ETOOBIG) {
			lerr(L, p, "more than %d concepts",
			     TRIAGE_CONCEPTS_MAX);
			return;
		}
		if (rc != WL_OK) {
			lerr(L, p, "out of memory");
			return;
		}
		for (size_t i = 0; i < json_array_size(v); i++) {
			join_idx(q, p, i);
			em_word(L, t, json_array_get(v, i), q, TRIAGE_CONCEPT,
				idx, k);
		}
	}
}

/* "page": [["heat", "symptom"], ["co_direct"], ["smoke", "!heat"]]: each
 * condition the concepts that must all be there, "!name" one that must
 * not be. */
static void em_conds(struct loader *L, struct triage *t, int kind, json_t *a,
		     const char *path, enum triage_tier tier)
{
	char p[PATH_LEN], q[PATH_LEN], b[64];

	if (!json_is_array(a) || json_array_size(a) == 0) {
		lerr(L, path,
		     "must be an array of conditions, each an array "
		     "of concept names");
		return;
	}
	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *c = json_array_get(a, i);
		uint64_t set = 0, not = 0;
		bool ok = true;

		join_idx(p, path, i);
		if (!json_is_array(c) || json_array_size(c) == 0) {
			lerr(L, p, "must be an array of concept names");
			continue;
		}
		for (size_t j = 0; j < json_array_size(c); j++) {
			const char *n = json_string_value(json_array_get(c, j));
			bool neg = n && n[0] == '!';
			int idx = n ? triage_concept_find(t, n + neg) : -1;

			join_idx(q, p, j);
			if (idx < 0) {
				lerr(L, q, "unknown concept \"%s\"",
				     n ? san(b, sizeof(b), n) : "");
				ok = false;
				continue;
			}
			if (neg)
				not |= 1ull << idx;
			else
				set |= 1ull << idx;
		}
		if (!ok)
			continue;
		if (set == 0 || (set & not ))
			lerr(L, p,
			     "needs a concept that must be there, and none "
			     "both with and without \"!\"");
		else if (triage_add_cond(t, kind, tier, set, not ) != WL_OK)
			lerr(L, p, "more than %d conditions", TRIAGE_CONDS_MAX);
	}
}

static void em_kind(struct loader *L, struct flow_set *fs, json_t *k,
		    const char *p)
{
	static const struct key_spec kind_spec[] = {
	    {"id", JT_STR, true},	   {"name", JT_TEXT, true},
	    {"number", JT_STR, true},	   {"page", JT_ARR, true},
	    {"ask", JT_ARR, false},	   {"question", JT_TEXT, false},
	    {"demoted_by", JT_ARR, false}, {"advice", JT_TEXT, true},
	};
	struct flow_em_kind *e = &fs->em[fs->n_em];
	unsigned demoted = TRIAGE_BY_PAST | TRIAGE_BY_PREVENT;
	char q[PATH_LEN], r[PATH_LEN], b[64];
	json_t *v;
	int idx;

	if (!json_is_object(k)) {
		lerr(L, p, "must be an object");
		return;
	}
	if (!check_keys(L, k, p, kind_spec, WL_ARRAY_LEN(kind_spec)))
		return;
	if ((v = json_object_get(k, "demoted_by"))) {
		demoted = 0;
		for (size_t i = 0; i < json_array_size(v); i++) {
			const char *n = json_string_value(json_array_get(v, i));
			size_t m;

			for (m = 0; n && m < WL_ARRAY_LEN(em_markers); m++)
				if (em_markers[m].demotes &&
				    strcmp(em_markers[m].key, n) == 0)
					break;
			join(q, p, "demoted_by");
			if (!n || m == WL_ARRAY_LEN(em_markers)) {
				join_idx(r, q, i);
				lerr(L, r,
				     "must be past, prevention or planned");
				continue;
			}
			demoted |= em_markers[m].demotes;
		}
	}
	if (triage_add_kind(fs->triage, demoted, &idx) != WL_OK) {
		lerr(L, p, "out of memory");
		return;
	}
	fs->n_em++;
	e->id = strdup(json_string_value(json_object_get(k, "id")));
	e->number = strdup(json_string_value(json_object_get(k, "number")));
	join(q, p, "id");
	if (!e->id || !name_ok(e->id))
		lerr(L, q, "must match ^[a-z][a-z0-9_]{0,39}$");
	for (size_t j = 0; j + 1 < fs->n_em && e->id; j++)
		if (fs->em[j].id && strcmp(fs->em[j].id, e->id) == 0)
			lerr(L, q, "duplicate kind id");
	join(q, p, "number");
	if (!e->number || !e->number[0] ||
	    strspn(e->number, "0123456789") != strlen(e->number) ||
	    strlen(e->number) > 12)
		lerr(L, q, "must be a phone number such as 120");
	join(q, p, "name");
	load_text(L, json_object_get(k, "name"), q, &e->name, 0);
	join(q, p, "advice");
	/* the number is the point of the first reply: it must be there */
	if (load_text(L, json_object_get(k, "advice"), q, &e->advice, 0) &&
	    e->number && e->number[0] && !strstr(e->advice.zh, e->number)) {
		join(r, q, "zh");
		lerr(L, r, "does not give the number %s",
		     san(b, sizeof(b), e->number));
	}
	join(q, p, "page");
	em_conds(L, fs->triage, idx, json_object_get(k, "page"), q,
		 TRIAGE_PAGE);
	if ((v = json_object_get(k, "ask"))) {
		join(q, p, "ask");
		em_conds(L, fs->triage, idx, v, q, TRIAGE_ASK);
		join(q, p, "question");
		if (!json_object_get(k, "question"))
			lerr(L, q, "missing: a kind that asks needs it");
	}
	if ((v = json_object_get(k, "question"))) {
		join(q, p, "question");
		if (load_text(L, v, q, &e->question, 0) && e->number &&
		    e->number[0] && !strstr(e->question.zh, e->number)) {
			join(r, q, "zh");
			lerr(L, r, "does not give the number %s",
			     san(b, sizeof(b), e->number));
		}
	}
}

static bool load_emergency(struct loader *L, struct flow_set *fs, json_t *root)
{
	static const struct key_spec top[] = {
	    {"$schema", JT_STR, false},	 {"fold", JT_OBJ, false},
	    {"markers", JT_OBJ, true},	 {"concepts", JT_OBJ, true},
	    {"kinds", JT_ARR, true},	 {"reply", JT_TEXT, false},
	    {"continue", JT_OBJ, false},
	};
	static const struct key_spec cont_spec[] = {
	    {"flow", JT_STR, true},
	    {"node", JT_STR, true},
	};
	json_t *kinds, *v;
	size_t before = L->errors, cnt;
	uint64_t used;
	char p[PATH_LEN];

	L->sms = true;
	L->em = true;
	if (fs->em) {
		lerr(L, "(root)", "a second emergency list");
		return false;
	}
	if (!json_is_object(root)) {
		lerr(L, "(root)", "must be an object");
		return false;
	}
	if (!check_keys(L, root, "", top, WL_ARRAY_LEN(top)))
		return false;
	kinds = json_object_get(root, "kinds");
	cnt = json_array_size(kinds);
	if (cnt < 1 || cnt > TRIAGE_KINDS_MAX) {
		lerr(L, "kinds", "needs 1 to %d kinds", TRIAGE_KINDS_MAX);
		return false;
	}
	fs->em = calloc(cnt, sizeof(*fs->em));
	if (!fs->em || triage_new(&fs->triage) != WL_OK) {
		lerr(L, "kinds", "out of memory");
		return false;
	}
	/* folds first: every word after them is stored folded */
	if ((v = json_object_get(root, "fold")))
		em_folds(L, fs->triage, v);
	em_markers_load(L, fs->triage, json_object_get(root, "markers"));
	em_concepts(L, fs->triage, json_object_get(root, "concepts"));
	for (size_t i = 0; i < cnt; i++) {
		join_idx(p, "kinds", i);
		em_kind(L, fs, json_array_get(kinds, i), p);
	}
	used = triage_used(fs->triage);
	for (size_t i = 0; i < triage_concept_count(fs->triage); i++)
		if (!(used & (1ull << i))) {
			join(p, "concepts", triage_concept_name(fs->triage, i));
			lwarn(L, p, "no kind uses this concept");
		}
	if ((v = json_object_get(root, "reply")))
		load_text(L, v, "reply", &fs->em_reply, 0);
	if ((v = json_object_get(root, "continue")) &&
	    check_keys(L, v, "continue", cont_spec, WL_ARRAY_LEN(cont_spec))) {
		fs->em_flow_id =
		    strdup(json_string_value(json_object_get(v, "flow")));
		fs->em_node_id =
		    strdup(json_string_value(json_object_get(v, "node")));
	}
	return L->errors == before;
}

/* ---- the set ---- */

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* Checks that need every file: duplicate ids, one default, start_flow
 * targets, where emergencies go on. */
static void check_set(struct flow_set *fs, struct wl_diag *diag,
		      const char *em_file)
{
	struct loader L = {.diag = diag};
	char p[PATH_LEN], b[64];

	for (size_t i = 0; i < fs->n_flows; i++) {
		struct flow *f = &fs->flows[i];

		L.file = f->file;
		for (size_t j = 0; j < i; j++) {
			if (strcmp(fs->flows[j].id, f->id) == 0)
				lerr(&L, "id",
				     "duplicate flow id \"%s\" "
				     "(also in %s)",
				     f->id, fs->flows[j].file);
			if (f->is_default && fs->flows[j].is_default)
				lerr(&L, "trigger",
				     "more than one default "
				     "flow (also %s)",
				     fs->flows[j].file);
		}
		for (size_t k = 0; k < f->n_keywords; k++)
			for (size_t j = 0; j < i; j++)
				for (size_t m = 0; m < fs->flows[j].n_keywords;
				     m++)
					if (strcmp(f->keywords[k],
						   fs->flows[j].keywords[m]) ==
					    0) {
						join_idx(p, "trigger.keywords",
							 k);
						lwarn(&L, p,
						      "keyword \"%s\" also "
						      "starts %s",
						      san(b, sizeof(b),
							  f->keywords[k]),
						      fs->flows[j].id);
					}
		for (size_t n = 0; n < f->n_nodes; n++) {
			struct flow_node *nd = &f->nodes[n];

			for (size_t k = 0; k < nd->n_ops; k++) {
				struct flow_op *op = &nd->ops[k];
				char q[PATH_LEN];

				if (op->kind != FO_START_FLOW)
					continue;
				op->flow_idx = flow_find(fs, op->str);
				join(q, "nodes", nd->id);
				join(p, q, "do");
				join_idx(q, p, k);
				join(p, q, "start_flow");
				if (op->flow_idx < 0)
					lerr(&L, p, "unknown flow \"%s\"",
					     san(b, sizeof(b), op->str));
				else if (fs->flows[op->flow_idx].staff_only &&
					 !f->staff_only)
					lerr(&L, p,
					     "a resident flow cannot "
					     "start the staff_only "
					     "flow \"%s\"",
					     op->str);
			}
		}
	}
	fs->em_flow = fs->em_node = -1;
	if (fs->em_flow_id && em_file) {
		L.file = em_file;
		fs->em_flow = flow_find(fs, fs->em_flow_id);
		if (fs->em_flow < 0) {
			lerr(&L, "continue.flow", "unknown flow \"%s\"",
			     san(b, sizeof(b), fs->em_flow_id));
		} else if (fs->flows[fs->em_flow].staff_only) {
			lerr(&L, "continue.flow", "must not be staff_only");
		} else {
			fs->em_node = flow_node_find(&fs->flows[fs->em_flow],
						     fs->em_node_id);
			if (fs->em_node < 0)
				lerr(&L, "continue.node",
				     "unknown node \"%s\" "
				     "in flow %s",
				     san(b, sizeof(b), fs->em_node_id),
				     fs->em_flow_id);
		}
	}
}

int flow_set_load_mem(const struct flow_src *src, size_t n,
		      const struct wl_config *cfg, struct flow_set **out,
		      struct wl_diag *diag)
{
	struct flow_set *fs = calloc(1, sizeof(*fs));
	size_t errors = diag_errors(diag);
	const char *em_file = NULL;
	int rc = WL_ENOMEM;

	*out = NULL;
	if (!fs)
		return WL_ENOMEM;
	fs->em_flow = fs->em_node = -1;
	fs->flows = calloc(n ? n : 1, sizeof(*fs->flows));
	if (!fs->flows)
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct loader L = {
		    .file = src[i].name, .diag = diag, .cfg = cfg};
		const char *bn = base_name(src[i].name);
		json_error_t jerr;
		json_t *root;

		if (strcmp(bn, "schema.json") == 0)
			continue;
		if (src[i].len > FLOW_FILE_MAX) {
			lerr(&L, "(file)", "larger than %d bytes",
			     FLOW_FILE_MAX);
			continue;
		}
		root = json_loadb(src[i].text, src[i].len,
				  JSON_REJECT_DUPLICATES, &jerr);
		if (!root) {
			char where[64];

			snprintf(where, sizeof(where), "line %d column %d",
				 jerr.line, jerr.column);
			lerr(&L, where, "invalid JSON: %s", jerr.text);
			continue;
		}
		L.em = strcmp(bn, "emergency.json") == 0;
		if (L.em) {
			load_emergency(&L, fs, root);
			em_file = src[i].name;
		} else {
			struct flow *f = &fs->flows[fs->n_flows];

			fs->n_flows++;
			f->file = strdup(src[i].name);
			if (!f->file)
				lerr(&L, "(file)", "out of memory");
			if (!load_flow(&L, f, root) || !f->file) {
				flow_free(f);
				memset(f, 0, sizeof(*f));
				fs->n_flows--;
			}
		}
		json_decref(root);
	}
	check_set(fs, diag, em_file);
	if (diag_errors(diag) != errors) {
		rc = WL_EBADREQ;
		goto out;
	}
	*out = fs;
	return WL_OK;
out:
	flow_set_free(fs);
	return rc;
}

int flow_set_load_string(const char *name, const char *text, size_t len,
			 const struct wl_config *cfg, struct flow_set **out,
			 struct wl_diag *diag)
{
	struct flow_src src = {name, text, len};

	return flow_set_load_mem(&src, 1, cfg, out, diag);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int read_file(const char *path, char **text, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	char *buf = NULL;
	int rc = WL_EIO;

	*text = NULL;
	if (!f)
		return WL_EIO;
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode))
		goto out;
	if (st.st_size > FLOW_FILE_MAX) {
		rc = WL_ETOOBIG;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		rc = WL_ENOMEM;
		goto out;
	}
	*len = fread(buf, 1, (size_t)st.st_size, f);
	if (ferror(f))
		goto out;
	buf[*len] = '\0';
	*text = buf;
	buf = NULL;
	rc = WL_OK;
out:
	free(buf);
	fclose(f);
	return rc;
}

int flow_set_load(const char *dir, const struct wl_config *cfg,
		  struct flow_set **out, struct wl_diag *diag)
{
	struct flow_src src[FLOW_FILES_MAX];
	char *names[FLOW_FILES_MAX], *paths[FLOW_FILES_MAX];
	char *texts[FLOW_FILES_MAX];
	size_t n = 0, n_src = 0, before = diag_errors(diag);
	bool have_em = false;
	struct dirent *e;
	DIR *d;
	int rc;

	*out = NULL;
	d = opendir(dir);
	if (!d) {
		diag_add(diag, dir, "(dir)", "cannot read the flows folder: %s",
			 strerror(errno));
		return WL_EIO;
	}
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);

		if (e->d_name[0] == '.' || len < 6 ||
		    strcmp(e->d_name + len - 5, ".json") != 0)
			continue;
		if (n == FLOW_FILES_MAX) {
			diag_add(diag, dir, "(dir)", "more than %d files",
				 FLOW_FILES_MAX);
			break;
		}
		names[n] = strdup(e->d_name);
		if (!names[n])
			break;
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n; i++) {
		size_t plen = strlen(dir) + strlen(names[i]) + 2;
		char *path = malloc(plen);
		char *text = NULL;
		size_t len = 0;

		if (!path)
			continue;
		snprintf(path, plen, "%s/%s", dir, names[i]);
		if (strcmp(names[i], "schema.json") == 0) {
			free(path);
			continue;
		}
		if (strcmp(names[i], "emergency.json") == 0)
			have_em = true;
		rc = read_file(path, &text, &len);
		if (rc != WL_OK) {
			diag_add(diag, path, "(file)", "cannot read: %s",
				 wl_strerror(rc));
			free(path);
			continue;
		}
		paths[n_src] = path;
		texts[n_src] = text;
		src[n_src].name = path;
		src[n_src].text = text;
		src[n_src].len = len;
		n_src++;
	}
	if (!have_em)
		diag_add(diag, dir, "emergency.json",
			 "warning: missing, so emergency keywords (煤气中毒, "
			 "着火…) are not answered at once");
	rc = flow_set_load_mem(src, n_src, cfg, out, diag);
	if (rc == WL_OK && diag_errors(diag) != before) {
		flow_set_free(*out);
		*out = NULL;
		rc = WL_EBADREQ;
	}
	for (size_t i = 0; i < n_src; i++) {
		free(paths[i]);
		free(texts[i]);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	return rc;
}
