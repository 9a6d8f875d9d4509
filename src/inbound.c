/*
 * inbound.c — load, step, commit (see inbound.h).
 *
 * Round trip 1 (inbound_load script): the dedupe mark, the session with
 * its version and the contact. Round trip 2 (inbound_commit script): the
 * dedupe mark, the new session, the contact, the inbox record and every
 * outbound message, atomically, and only if the session version is still
 * the one we loaded. A concurrent message from the same sender moves the
 * version; then we load and step again.
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

/* ch NULL: a response-time fire, which has no conversation. */
static int
inbound_load(const struct wl_config *cfg, const struct wl_channel_conf *ch,
	     const struct chan_msg *msg, const struct inbound_fire_ref *fire,
	     const struct inbound_replay *rp, struct inbound_state *st)
{
	char no[24], ttl[24], *list = NULL;
	const char *argv[10];
	redisReply *r = NULL, *c;
	int rc;

	no[0] = '\0';
	if (fire && fire->no)
		snprintf(no, sizeof(no), "%s", fire->no);
	else if (!fire) {
		rc = engine_peek(cfg, ch, msg, no, sizeof(no), &list);
		if (rc != WL_OK)
			return rc;
	}
	snprintf(ttl, sizeof(ttl), "%ld", rp ? rp->ttl_s : 0L);
	argv[0] = store_prefix();
	argv[1] = ch ? ch->id : "";
	argv[2] = msg ? msg->from : "";
	argv[3] = msg && !fire ? msg->id : "";
	argv[4] = no;
	argv[5] = list ? list : "";
	argv[6] = fire && fire->no ? fire->fire_id : "";
	argv[7] = rp ? rp->key : "";
	argv[8] = rp ? rp->body_sha : "";
	argv[9] = ttl;
	rc = store_eval(STORE_INBOUND_LOAD, 10, argv, NULL, &r);
	free(list);
	if (rc != WL_OK)
		return rc;
	rc = WL_EINTERNAL;
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 9 ||
	    r->element[0]->type != REDIS_REPLY_INTEGER ||
	    r->element[1]->type != REDIS_REPLY_STRING ||
	    r->element[2]->type != REDIS_REPLY_STRING ||
	    r->element[3]->type != REDIS_REPLY_ARRAY)
		goto out;
	if (r->element[0]->integer < 0) {
		/* The request's signature was seen with another body. */
		rc = WL_EAUTH;
		goto out;
	}
	st->dup = r->element[0]->integer != 0;
	st->version = strtoll(r->element[1]->str, NULL, 10);
	st->session = strdup(r->element[2]->str);
	if (!st->session) {
		rc = WL_ENOMEM;
		goto out;
	}
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
	rc = WL_OK;
out:
	freeReplyObject(r);
	return rc;
}

/* Returns WL_OK (committed), WL_ECONFLICT, or an error; *dup on DUP. */
static int
inbound_commit(const struct wl_config *cfg, const struct wl_channel_conf *ch,
	       const struct chan_msg *msg, const struct inbound_fire_ref *fire,
	       const struct inbound_state *st, const struct engine_out *eo,
	       int64_t now, int *dup, size_t *queued)
{
	json_t *doc;
	char *body = NULL;
	const char *argv[2];
	redisReply *r = NULL;
	int rc = WL_ENOMEM;

	*dup = 0;
	*queued = 0;
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
						 : json_object())) {
		rc = WL_ENOMEM;
		goto out;
	}
	body = json_dumps(doc, JSON_COMPACT);
	if (!body)
		goto out;
	argv[0] = store_prefix();
	argv[1] = body;
	rc = store_eval(STORE_INBOUND_COMMIT, 2, argv, NULL, &r);
	if (rc != WL_OK)
		goto out;
	rc = WL_EINTERNAL;
	if (r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
	    r->element[0]->type != REDIS_REPLY_STRING)
		goto out;
	if (strcmp(r->element[0]->str, "DUP") == 0) {
		*dup = 1;
		rc = WL_OK;
	} else if (strcmp(r->element[0]->str, "CONFLICT") == 0) {
		rc = WL_ECONFLICT;
	} else if (strcmp(r->element[0]->str, "OK") == 0) {
		if (r->elements > 1 &&
		    r->element[1]->type == REDIS_REPLY_INTEGER)
			*queued = (size_t)r->element[1]->integer;
		rc = WL_OK;
	}
out:
	if (r)
		freeReplyObject(r);
	free(body);
	json_decref(doc);
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

/* One message (fire NULL) or one timer fire: load, step, commit, and
 * again on a version conflict. */
static int
inbound_run(const struct wl_config *cfg, const struct wl_channel_conf *ch,
	    const struct chan_msg *msg, const struct inbound_fire_ref *fire,
	    const struct inbound_replay *rp, enum inbound_result *result,
	    size_t *queued, json_t *said)
{
	struct inbound_state st = {0};
	struct engine_out eo = {0};
	int64_t t0;
	int rc = WL_ECONFLICT, dup = 0;

	*result = INBOUND_DONE;
	*queued = 0;
	for (int tries = 0; rc == WL_ECONFLICT && tries < INBOUND_MAX_CONFLICTS;
	     tries++) {
		struct engine_in in;

		inbound_state_release(&st);
		engine_out_release(&eo);
		rc = inbound_load(cfg, ch, msg, fire, rp, &st);
		if (rc != WL_OK)
			break;
		if (st.dup) {
			*result = INBOUND_DUPLICATE;
			break;
		}
		memset(&in, 0, sizeof(in));
		in.cfg = cfg;
		in.flows = inbound_flows;
		in.sla = inbound_sla;
		in.kase = st.kase;
		in.timeline = st.timeline;
		in.open_cases = st.open;
		in.list = st.list;
		in.counts = st.counts;
		in.ch = ch;
		in.msg = msg;
		in.fire = fire ? fire->member : NULL;
		in.contact_name = st.contact_name;
		in.session = st.session;
		in.now_ms = clock_now_ms();
		engine_out_init(&eo);
		rc = engine_step(&in, &eo);
		if (rc != WL_OK)
			break;
		if (eo.noop) {
			*result = INBOUND_NOTHING;
			break;
		}
		t0 = clock_mono_us();
		rc = inbound_commit(cfg, ch, msg, fire, &st, &eo, in.now_ms,
				    &dup, queued);
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

	rc = inbound_run(cfg, ch, msg, NULL, rp, result, &queued, said);
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

int inbound_fire(const struct wl_config *cfg, const char *member,
		 enum inbound_result *result)
{
	struct inbound_fire_ref ref = {.member = member};
	const struct wl_channel_conf *ch = NULL;
	struct chan_msg msg = {0};
	struct sla_fire f;
	json_error_t err;
	json_t *t = NULL;
	size_t queued = 0;
	int rc = WL_OK;

	*result = INBOUND_NOTHING;
	if (member[0] == '{') {
		/* A conversation's idle timer: about that contact. */
		t = json_loads(member, 0, &err);
		ch = config_channel(cfg,
				    json_string_value(json_object_get(t, "c")));
		msg.from = (char *)(uintptr_t)json_string_value(
		    json_object_get(t, "f"));
		msg.id = (char *)(uintptr_t) "";
		if (!ch || !msg.from || !*msg.from)
			goto bad;
	} else {
		/* A response-time fire "<case>:<clock>:...|<version>". */
		if (sla_fire_parse(member, strlen(member), &f) != WL_OK)
			goto bad;
		ref.no = f.case_no;
		ref.fire_id = f.id;
	}
	rc = inbound_run(cfg, ch, ch ? &msg : NULL, &ref, NULL, result, &queued,
			 NULL);
	if (rc == WL_OK && queued && inbound_on_queued)
		inbound_on_queued();
	log_info("timers", "fire %s%s result=%s", ref.no ? "case=" : "idle",
		 ref.no ? ref.fire_id : "",
		 rc != WL_OK			? wl_strerror(rc)
		 : *result == INBOUND_DUPLICATE ? "done already"
		 : *result == INBOUND_NOTHING	? "stale, nothing to do"
						: "committed");
	json_decref(t);
	return rc;
bad:
	log_warn("timers", "dropping unreadable timer");
	json_decref(t);
	return WL_OK;
}
