/*
 * inbound.c — load, step, commit (see inbound.h).
 *
 * Round trip 1 (inbound_load script): the dedupe mark, the session with
 * its version and the contact. Round trip 2 (inbound_commit script): the
 * dedupe mark, the new session, the contact, the inbox record and every
 * outbound message, atomically, and only if the session version is still
 * the one we loaded. A concurrent message from the same sender moves the
 * version; then we load and step again.
 *
 * Timer fires take the same two scripts a batch at a time: the loads of a
 * batch in one pipeline, the commits in another (inbound_fire_batch), in
 * waves so that two fires of one subject never share one.
 */
#include "inbound.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "case.h"
#include "clock.h"
#include "engine.h"
#include "log.h"
#include "metrics.h"
#include "sla.h"
#include "store.h"
#include "text.h"
#include "wl.h"

/* A conflict means another commit on the same conversation or case landed
 * first, so every retry follows someone's progress. The bound is only a
 * guard against a loop: it is sized for one sender's messages arriving
 * together on every HTTP worker at once (a burst of a dozen lost a ninth
 * try now and then with 8). */
#define INBOUND_MAX_CONFLICTS 64

void (*inbound_on_queued)(void);

static const struct flow_set *inbound_flows;
static const struct sla_conf *inbound_sla;

void inbound_init(const struct flow_set *flows, const struct sla_conf *sla)
{
	inbound_flows = flows;
	inbound_sla = sla;
}

const struct sla_conf *inbound_sla_conf(void)
{
	return inbound_sla;
}

/* The response-time counts of a committed step. */
static void inbound_metrics(const json_t *list)
{
	size_t i;
	const json_t *m;

	json_array_foreach(list, i, m) metrics_sla(
	    json_string_value(json_object_get(m, "clock")),
	    json_string_value(json_object_get(m, "result")),
	    (int)json_integer_value(json_object_get(m, "level")),
	    (double)json_integer_value(json_object_get(m, "late_ms")) / 1000.0);
}

struct inbound_state {
	int dup;
	long long version;
	char *session;
	char *contact_name;
	json_t *kase;	  /* object or NULL */
	json_t *timeline; /* array of objects */
	json_t *open;	  /* array of objects */
	json_t *list;	  /* array of objects */
	json_t *counts;	  /* array of integers, or NULL */
};

static void inbound_state_release(struct inbound_state *st)
{
	free(st->session);
	free(st->contact_name);
	json_decref(st->kase);
	json_decref(st->timeline);
	json_decref(st->open);
	json_decref(st->list);
	json_decref(st->counts);
	memset(st, 0, sizeof(*st));
}

/* An array of HGETALL arrays, or of stream entries {id, fields}. */
static json_t *inbound_hashes(const redisReply *r, bool stream)
{
	json_t *a = json_array();

	if (!a || r->type != REDIS_REPLY_ARRAY)
		return a;
	for (size_t i = 0; i < r->elements; i++) {
		const redisReply *e = r->element[i];

		if (stream) {
			if (e->type != REDIS_REPLY_ARRAY || e->elements != 2)
				continue;
			e = e->element[1];
		}
		if (e->type == REDIS_REPLY_ARRAY && e->elements)
			json_array_append_new(a, store_hash_object(e));
	}
	return a;
}

/* A timer fire being handled: the member as it came from the timers set,
 * and for a response-time fire the case and the fire's own id, whose
 * done mark lives with the case (case:{no}:fired). */
struct inbound_fire_ref {
	const char *member;
	const char *no;	     /* NULL: a conversation's idle timer */
	const char *fire_id; /* "<case>:<clock>:<kind>:<level>:<occ>" */
};

/* The inbound_load script's arguments for one message or fire. */
struct inbound_load_args {
	char no[24];
	char ttl[24];
	char *list; /* a staff command's list query, or NULL */
	const char *argv[10];
};

static void inbound_load_args_release(struct inbound_load_args *a)
{
	free(a->list);
	a->list = NULL;
}

/* ch NULL: a response-time fire, which has no conversation. */
static int inbound_load_argv(const struct wl_config *cfg,
			     const struct wl_channel_conf *ch,
			     const struct chan_msg *msg,
			     const struct inbound_fire_ref *fire,
			     const struct inbound_replay *rp,
			     struct inbound_load_args *a)
{
	int rc;

	a->no[0] = '\0';
	a->list = NULL;
	if (fire && fire->no)
		snprintf(a->no, sizeof(a->no), "%s", fire->no);
	else if (!fire) {
		rc = engine_peek(cfg, ch, msg, a->no, sizeof(a->no), &a->list);
		if (rc != WL_OK)
			return rc;
	}
	snprintf(a->ttl, sizeof(a->ttl), "%ld", rp ? rp->ttl_s : 0L);
	a->argv[0] = store_prefix();
	a->argv[1] = ch ? ch->id : "";
	a->argv[2] = msg ? msg->from : "";
	a->argv[3] = msg && !fire ? msg->id : "";
	a->argv[4] = a->no;
	a->argv[5] = a->list ? a->list : "";
	a->argv[6] = fire && fire->no ? fire->fire_id : "";
	a->argv[7] = rp ? rp->key : "";
	a->argv[8] = rp ? rp->body_sha : "";
	a->argv[9] = a->ttl;
	return WL_OK;
}

/* The load script's answer into st. */
static int inbound_load_parse(const redisReply *r, struct inbound_state *st)
{
	const redisReply *c;

	if (r->type != REDIS_REPLY_ARRAY || r->elements != 9 ||
	    r->element[0]->type != REDIS_REPLY_INTEGER ||
	    r->element[1]->type != REDIS_REPLY_STRING ||
	    r->element[2]->type != REDIS_REPLY_STRING ||
	    r->element[3]->type != REDIS_REPLY_ARRAY)
		return WL_EINTERNAL;
	/* -1: the request's signature was seen with another body. */
	if (r->element[0]->integer < 0)
		return WL_EAUTH;
	st->dup = r->element[0]->integer != 0;
	st->version = strtoll(r->element[1]->str, NULL, 10);
	st->session = strdup(r->element[2]->str);
	if (!st->session)
		return WL_ENOMEM;
	c = r->element[3];
	for (size_t i = 0; i + 1 < c->elements; i += 2)
		if (c->element[i]->type == REDIS_REPLY_STRING &&
		    strcmp(c->element[i]->str, "name") == 0 &&
		    c->element[i + 1]->type == REDIS_REPLY_STRING)
			st->contact_name = strdup(c->element[i + 1]->str);
	if (r->element[4]->type == REDIS_REPLY_ARRAY && r->element[4]->elements)
		st->kase = store_hash_object(r->element[4]);
	st->timeline = inbound_hashes(r->element[5], true);
	st->open = inbound_hashes(r->element[6], false);
	st->list = inbound_hashes(r->element[7], false);
	c = r->element[8];
	if (c->type == REDIS_REPLY_ARRAY && c->elements == CASE_STATUS_COUNT) {
		st->counts = json_array();
		for (size_t i = 0; st->counts && i < c->elements; i++)
			json_array_append_new(
			    st->counts,
			    json_integer(c->element[i]->type ==
						 REDIS_REPLY_INTEGER
					     ? c->element[i]->integer
					     : 0));
	}
	return WL_OK;
}

/* A message's load (fires are loaded a batch at a time). */
static int inbound_load(const struct wl_config *cfg,
			const struct wl_channel_conf *ch,
			const struct chan_msg *msg,
			const struct inbound_replay *rp,
			struct inbound_state *st)
{
	struct inbound_load_args a;
	redisReply *r = NULL;
	int rc;

	rc = inbound_load_argv(cfg, ch, msg, NULL, rp, &a);
	if (rc != WL_OK)
		return rc;
	rc = store_eval(STORE_INBOUND_LOAD, 10, a.argv, NULL, &r);
	inbound_load_args_release(&a);
	if (rc != WL_OK)
		return rc;
	rc = inbound_load_parse(r, st);
	freeReplyObject(r);
	return rc;
}

/* The commit script's document for a stepped message or fire; NULL when
 * out of memory. The caller frees it. */
static char *inbound_commit_body(const struct wl_config *cfg,
				 const struct wl_channel_conf *ch,
				 const struct chan_msg *msg,
				 const struct inbound_fire_ref *fire,
				 const struct inbound_state *st,
				 const struct engine_out *eo, int64_t now)
{
	json_t *doc;
	char *body = NULL;

	doc = json_pack(
	    "{s:I, s:s, s:s, s:s, s:s?, s:s, s:I, s:I, s:s, s:I, "
	    "s:O, s:O, s:O, s:s}",
	    "now", (json_int_t)now, "channel", ch ? ch->id : "", "from",
	    msg ? msg->from : "", "msg_id", msg && !fire ? msg->id : "", "name",
	    msg ? msg->name : NULL, "text", msg && msg->text ? msg->text : "",
	    "dedupe_ttl", (json_int_t)cfg->dedupe_ttl_s, "expect",
	    (json_int_t)st->version, "session", eo->session,
	    /* The flow expires a conversation itself (and says
	     * so); Redis only forgets it a day later. */
	    "session_ttl", (json_int_t)cfg->session_ttl_s + 86400, "out",
	    eo->out, "cases", eo->cases, "timers", eo->timers, "kind",
	    msg && msg->kind ? msg->kind : "text");
	if (!doc)
		goto out;
	/* A fire is no message: no dedupe mark, no inbox record, no
	 * contact; a response-time fire is marked done on its case. */
	if (fire && json_object_set_new(doc, "fire",
					fire->no ? json_pack("{s:s, s:s}", "no",
							     fire->no, "id",
							     fire->fire_id)
						 : json_object()))
		goto out;
	body = json_dumps(doc, JSON_COMPACT);
out:
	json_decref(doc);
	return body;
}

/* The commit script's answer: WL_OK (committed, or *dup: seen before),
 * WL_ECONFLICT, or WL_EINTERNAL. */
static int inbound_commit_parse(const redisReply *r, int *dup, size_t *queued)
{
	*dup = 0;
	*queued = 0;
	if (r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
	    r->element[0]->type != REDIS_REPLY_STRING)
		return WL_EINTERNAL;
	if (strcmp(r->element[0]->str, "DUP") == 0) {
		*dup = 1;
		return WL_OK;
	}
	if (strcmp(r->element[0]->str, "CONFLICT") == 0)
		return WL_ECONFLICT;
	if (strcmp(r->element[0]->str, "OK") != 0)
		return WL_EINTERNAL;
	if (r->elements > 1 && r->element[1]->type == REDIS_REPLY_INTEGER)
		*queued = (size_t)r->element[1]->integer;
	return WL_OK;
}

/* A message's commit: WL_OK (committed), WL_ECONFLICT, or an error;
 * *dup on DUP. */
static int inbound_commit(const struct wl_config *cfg,
			  const struct wl_channel_conf *ch,
			  const struct chan_msg *msg,
			  const struct inbound_state *st,
			  const struct engine_out *eo, int64_t now, int *dup,
			  size_t *queued)
{
	const char *argv[2];
	char *body;
	redisReply *r = NULL;
	int rc;

	*dup = 0;
	*queued = 0;
	body = inbound_commit_body(cfg, ch, msg, NULL, st, eo, now);
	if (!body)
		return WL_ENOMEM;
	argv[0] = store_prefix();
	argv[1] = body;
	rc = store_eval(STORE_INBOUND_COMMIT, 2, argv, NULL, &r);
	free(body);
	if (rc != WL_OK)
		return rc;
	rc = inbound_commit_parse(r, dup, queued);
	freeReplyObject(r);
	return rc;
}

/* Sender ids are often phone numbers and names are names: both are
 * masked before they reach a log. */
static void inbound_log(const struct wl_channel_conf *ch,
			const struct chan_msg *msg, int rc,
			enum inbound_result result)
{
	char *from = text_mask_numbers(msg->from);
	char *name = msg->name ? text_mask_name(msg->name) : NULL;

	log_info("inbound",
		 "message channel=%s id=%s from=%s name=%s "
		 "result=%s",
		 ch->id, msg->id, from ? from : "?", name ? name : "-",
		 rc != WL_OK		       ? wl_strerror(rc)
		 : result == INBOUND_DUPLICATE ? "duplicate"
		 : result == INBOUND_NOTHING   ? "nothing to do"
					       : "committed");
	free(from);
	free(name);
}

/* The texts a committed step sends back to the sender, appended to
 * said. */
static void inbound_said(const struct wl_channel_conf *ch,
			 const struct chan_msg *msg, const json_t *out,
			 json_t *said)
{
	size_t i;
	const json_t *m;

	json_array_foreach(out, i, m)
	{
		const char *c =
		    json_string_value(json_object_get(m, "channel"));
		const char *to = json_string_value(json_object_get(m, "to"));

		if (c && to && strcmp(c, ch->id) == 0 &&
		    strcmp(to, msg->from) == 0)
			json_array_append(said, json_object_get(m, "text"));
	}
}

/* The engine's step over what was loaded, at *now (set here); eo is
 * initialised here and the caller releases it. */
static int inbound_step(const struct wl_config *cfg,
			const struct wl_channel_conf *ch,
			const struct chan_msg *msg,
			const struct inbound_fire_ref *fire,
			const struct inbound_state *st, struct engine_out *eo,
			int64_t *now)
{
	struct engine_in in;

	memset(&in, 0, sizeof(in));
	in.cfg = cfg;
	in.flows = inbound_flows;
	in.sla = inbound_sla;
	in.kase = st->kase;
	in.timeline = st->timeline;
	in.open_cases = st->open;
	in.list = st->list;
	in.counts = st->counts;
	in.ch = ch;
	in.msg = msg;
	in.fire = fire ? fire->member : NULL;
	in.contact_name = st->contact_name;
	in.session = st->session;
	in.now_ms = clock_now_ms();
	*now = in.now_ms;
	engine_out_init(eo);
	return engine_step(&in, eo);
}

/* One message: load, step, commit, and again on a version conflict. */
static int
inbound_run(const struct wl_config *cfg, const struct wl_channel_conf *ch,
	    const struct chan_msg *msg, const struct inbound_replay *rp,
	    enum inbound_result *result, size_t *queued, json_t *said)
{
	struct inbound_state st = {0};
	struct engine_out eo = {0};
	int64_t t0;
	int rc = WL_ECONFLICT, dup = 0;

	*result = INBOUND_DONE;
	*queued = 0;
	for (int tries = 0; rc == WL_ECONFLICT && tries < INBOUND_MAX_CONFLICTS;
	     tries++) {
		int64_t now;

		inbound_state_release(&st);
		engine_out_release(&eo);
		rc = inbound_load(cfg, ch, msg, rp, &st);
		if (rc != WL_OK)
			break;
		if (st.dup) {
			*result = INBOUND_DUPLICATE;
			break;
		}
		rc = inbound_step(cfg, ch, msg, NULL, &st, &eo, &now);
		if (rc != WL_OK)
			break;
		if (eo.noop) {
			*result = INBOUND_NOTHING;
			break;
		}
		t0 = clock_mono_us();
		rc = inbound_commit(cfg, ch, msg, &st, &eo, now, &dup, queued);
		if (rc == WL_OK)
			metrics_commit_latency((double)(clock_mono_us() - t0) /
					       1e6);
		if (rc == WL_OK && dup)
			*result = INBOUND_DUPLICATE;
		else if (rc == WL_OK)
			inbound_metrics(eo.metrics);
		if (rc == WL_OK && !dup && said && msg)
			inbound_said(ch, msg, eo.out, said);
	}
	inbound_state_release(&st);
	engine_out_release(&eo);
	return rc;
}

void inbound_replay_init(struct inbound_replay *rp, const char *key, long ttl_s,
			 const char *body, size_t body_len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	rp->key = key;
	rp->ttl_s = ttl_s;
	EVP_Digest(body, body_len, md, &len, EVP_sha256(), NULL);
	for (unsigned int i = 0; i < len && i < 32; i++) {
		rp->body_sha[2 * i] = hex[md[i] >> 4];
		rp->body_sha[2 * i + 1] = hex[md[i] & 15];
	}
	rp->body_sha[2 * (len < 32 ? len : 32)] = '\0';
}

int inbound_handle(const struct wl_config *cfg, int ch_idx,
		   const struct chan_msg *msg, const struct inbound_replay *rp,
		   enum inbound_result *result)
{
	return inbound_handle_said(cfg, ch_idx, msg, rp, result, NULL);
}

int inbound_handle_said(const struct wl_config *cfg, int ch_idx,
			const struct chan_msg *msg,
			const struct inbound_replay *rp,
			enum inbound_result *result, json_t *said)
{
	const struct wl_channel_conf *ch = &cfg->channels[ch_idx];
	size_t queued = 0;
	int rc;

	rc = inbound_run(cfg, ch, msg, rp, result, &queued, said);
	if (rc == WL_ECONFLICT)
		log_warn("inbound", "gave up after conflicts channel=%s id=%s",
			 ch->id, msg->id);
	if (rc == WL_OK && queued && inbound_on_queued)
		inbound_on_queued();
	inbound_log(ch, msg, rc, *result);
	metrics_inbound(ch_idx, rc == WL_EAUTH		       ? "rejected"
				: rc != WL_OK		       ? "unavailable"
				: *result == INBOUND_DUPLICATE ? "duplicate"
							       : "ok");
	return rc;
}

/* A timer fire being handled in a batch (inbound_fire_batch). */
struct inbound_job {
	const char *member;
	json_t *t; /* an idle timer's parsed member (owns its strings) */
	const struct wl_channel_conf *ch;
	struct chan_msg msg;
	struct sla_fire f;
	struct inbound_fire_ref ref;
	struct inbound_state st;
	struct engine_out eo;
	struct inbound_load_args la;
	char *body;	      /* the commit document */
	const char *cargv[2]; /* the commit's arguments */
	int64_t now;
	enum inbound_result result;
	size_t queued;
	int rc;
	bool readable; /* the member could be read (else it is dropped) */
	bool pending;  /* not finished yet */
};

/* Reads a due member into j; false for one that cannot be handled (it is
 * dropped). */
static bool inbound_job_init(const struct wl_config *cfg, struct inbound_job *j,
			     const char *member)
{
	json_error_t err;

	memset(j, 0, sizeof(*j));
	j->member = member;
	j->ref.member = member;
	j->result = INBOUND_NOTHING;
	if (member[0] == '{') {
		/* A conversation's idle timer: about that contact. */
		j->t = json_loads(member, 0, &err);
		j->ch = config_channel(
		    cfg, json_string_value(json_object_get(j->t, "c")));
		j->msg.from = (char *)(uintptr_t)json_string_value(
		    json_object_get(j->t, "f"));
		j->msg.id = (char *)(uintptr_t) "";
		return j->ch && j->msg.from && *j->msg.from;
	}
	/* A response-time fire "<case>:<clock>:...|<version>". */
	if (sla_fire_parse(member, strlen(member), &j->f) != WL_OK)
		return false;
	j->ref.no = j->f.case_no;
	j->ref.fire_id = j->f.id;
	return true;
}

static void inbound_job_release(struct inbound_job *j)
{
	inbound_state_release(&j->st);
	engine_out_release(&j->eo);
	inbound_load_args_release(&j->la);
	free(j->body);
	j->body = NULL;
	json_decref(j->t);
	j->t = NULL;
}

static void inbound_fire_log(const struct inbound_job *j)
{
	log_info("timers", "fire %s%s result=%s", j->ref.no ? "case=" : "idle",
		 j->ref.no ? j->ref.fire_id : "",
		 j->rc != WL_OK			  ? wl_strerror(j->rc)
		 : j->result == INBOUND_DUPLICATE ? "done already"
		 : j->result == INBOUND_NOTHING	  ? "stale, nothing to do"
						  : "committed");
}

static bool inbound_same_subject(const struct inbound_job *a,
				 const struct inbound_job *b)
{
	if (a->ref.no || b->ref.no)
		return a->ref.no && b->ref.no &&
		       strcmp(a->ref.no, b->ref.no) == 0;
	return a->ch == b->ch && strcmp(a->msg.from, b->msg.from) == 0;
}

static void inbound_job_finish(struct inbound_job *j, int rc,
			       enum inbound_result result)
{
	j->rc = rc;
	j->result = result;
	j->pending = false;
}

/* One wave of a batch: every pending job whose subject (its case, its
 * conversation) no earlier job of the wave has. Two fires of one subject
 * would only conflict with each other; the second goes in the next
 * wave, after the first's commit. */
static size_t inbound_wave(struct inbound_job *jobs, size_t n,
			   struct inbound_job **wave)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		bool taken = false;

		if (!jobs[i].pending)
			continue;
		for (size_t w = 0; w < k && !taken; w++)
			taken = inbound_same_subject(wave[w], &jobs[i]);
		if (!taken)
			wave[k++] = &jobs[i];
	}
	return k;
}

/* Loads the wave in one pipeline and steps each job; returns how many
 * have a commit to make (wave[0..k) reordered so they come first). */
static size_t inbound_wave_load(const struct wl_config *cfg,
				struct inbound_job **wave, size_t n, int *argc,
				const char ***argv, redisReply **reply, int *rc)
{
	size_t k = 0, m = 0;

	for (size_t i = 0; i < n; i++) {
		struct inbound_job *j = wave[i];
		int r;

		inbound_state_release(&j->st);
		engine_out_release(&j->eo);
		inbound_load_args_release(&j->la);
		r = inbound_load_argv(cfg, j->ch, j->ch ? &j->msg : NULL,
				      &j->ref, NULL, &j->la);
		if (r != WL_OK) {
			inbound_job_finish(j, r, INBOUND_NOTHING);
			continue;
		}
		wave[k] = j;
		argc[k] = 10;
		argv[k] = j->la.argv;
		k++;
	}
	store_eval_pipeline(STORE_INBOUND_LOAD, k, argc, argv, reply, rc);
	for (size_t i = 0; i < k; i++) {
		struct inbound_job *j = wave[i];
		int r = rc[i];

		if (r == WL_OK)
			r = inbound_load_parse(reply[i], &j->st);
		if (reply[i])
			freeReplyObject(reply[i]);
		if (r != WL_OK) {
			inbound_job_finish(j, r, INBOUND_NOTHING);
			continue;
		}
		if (j->st.dup) {
			inbound_job_finish(j, WL_OK, INBOUND_DUPLICATE);
			continue;
		}
		r = inbound_step(cfg, j->ch, j->ch ? &j->msg : NULL, &j->ref,
				 &j->st, &j->eo, &j->now);
		if (r != WL_OK || j->eo.noop) {
			inbound_job_finish(j, r, INBOUND_NOTHING);
			continue;
		}
		free(j->body);
		j->body =
		    inbound_commit_body(cfg, j->ch, j->ch ? &j->msg : NULL,
					&j->ref, &j->st, &j->eo, j->now);
		if (!j->body) {
			inbound_job_finish(j, WL_ENOMEM, INBOUND_NOTHING);
			continue;
		}
		wave[m++] = j;
	}
	return m;
}

/* Commits the stepped jobs wave[0..m) in one pipeline. A conflicted job
 * stays pending for the next wave. */
static void inbound_wave_commit(struct inbound_job **wave, size_t m, int *argc,
				const char ***argv, redisReply **reply, int *rc)
{
	for (size_t i = 0; i < m; i++) {
		argc[i] = 2;
		wave[i]->cargv[0] = store_prefix();
		wave[i]->cargv[1] = wave[i]->body;
		argv[i] = wave[i]->cargv;
	}
	store_eval_pipeline(STORE_INBOUND_COMMIT, m, argc, argv, reply, rc);
	for (size_t i = 0; i < m; i++) {
		struct inbound_job *j = wave[i];
		int dup = 0, r = rc[i];

		if (r == WL_OK)
			r = inbound_commit_parse(reply[i], &dup, &j->queued);
		if (reply[i])
			freeReplyObject(reply[i]);
		if (r == WL_ECONFLICT)
			continue;
		if (r == WL_OK && !dup)
			inbound_metrics(j->eo.metrics);
		inbound_job_finish(j, r,
				   dup ? INBOUND_DUPLICATE : INBOUND_DONE);
	}
}

void inbound_fire_batch(const struct wl_config *cfg, const char **members,
			size_t n, int *rc)
{
	struct inbound_job *jobs = calloc(n ? n : 1, sizeof(*jobs));
	struct inbound_job **wave = calloc(n ? n : 1, sizeof(*wave));
	const char ***argv = calloc(n ? n : 1, sizeof(*argv));
	redisReply **reply = calloc(n ? n : 1, sizeof(*reply));
	int *argc = calloc(n ? n : 1, sizeof(*argc));
	int *rcs = calloc(n ? n : 1, sizeof(*rcs));
	size_t queued = 0;

	if (!jobs || !wave || !argv || !reply || !argc || !rcs) {
		for (size_t i = 0; i < n; i++)
			rc[i] = WL_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (inbound_job_init(cfg, &jobs[i], members[i])) {
			jobs[i].readable = jobs[i].pending = true;
			continue;
		}
		/* Done with: an unreadable fire is dropped. */
		log_warn("timers", "dropping unreadable timer");
		jobs[i].rc = WL_OK;
	}
	/* Each wave is a try for its fires: a fire still pending after
	 * INBOUND_MAX_CONFLICTS of them comes back after its lease. */
	for (int tries = 0; tries < INBOUND_MAX_CONFLICTS; tries++) {
		size_t k = inbound_wave(jobs, n, wave), m;

		if (k == 0)
			break;
		m = inbound_wave_load(cfg, wave, k, argc, argv, reply, rcs);
		inbound_wave_commit(wave, m, argc, argv, reply, rcs);
	}
	for (size_t i = 0; i < n; i++) {
		struct inbound_job *j = &jobs[i];

		if (j->pending)
			inbound_job_finish(j, WL_ECONFLICT, INBOUND_NOTHING);
		if (j->readable)
			inbound_fire_log(j);
		queued += j->rc == WL_OK ? j->queued : 0;
		rc[i] = j->rc;
		inbound_job_release(j);
	}
	if (queued && inbound_on_queued)
		inbound_on_queued();
out:
	free(jobs);
	free(wave);
	free(argv);
	free(reply);
	free(argc);
	free(rcs);
}
