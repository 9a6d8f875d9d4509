/*
 * outbox.c — the sender thread (see outbox.h).
 *
 * Loop: one Lua call per pass (outbox_pass.lua) records the outcomes of
 * the sends that finished since the last pass and leases up to
 * `concurrency` ready queues; one curl easy handle per leased message,
 * all driven with curl multi. Outcomes wait in ob_pending for the next
 * pass, which comes at once. Leases and delays run on Redis's clock, so
 * daemons whose clocks disagree never take each other's work. The thread
 * owns its Redis connection (store.c keeps one per thread) and all curl
 * handles.
 *
 * Access tokens of gateways that need one (WeCom, Feishu, DingTalk) are
 * cached per channel, fetched in this thread, never in a request.
 */
#include "outbox.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "buf.h"
#include "channel.h"
#include "clock.h"
#include "log.h"
#include "metrics.h"
#include "store.h"
#include "text.h"
#include "wl.h"

#define OUTBOX_RESP_MAX 65536
#define OUTBOX_IDLE_MS	200
#define OUTBOX_BATCH_MS 2

struct outbox_send {
	CURL *easy;
	struct curl_slist *hdrs;
	struct chan_http req;
	struct buf resp;
	char *queue, *id;
	int ch_idx;
	int tries;
	struct outbox_send *prev, *next; /* the sends in flight */
};

struct outbox_token {
	char *token;
	int64_t expires_ms;
	/* The channel's rate limit (rate_per_s), a token bucket holding up
	 * to one second's worth. Per daemon. */
	double bucket;
	int64_t bucket_ms;
};

static const struct wl_config *ob_cfg;
static pthread_t ob_thread;
static bool ob_started;
static atomic_bool ob_stop;
/* A commit queued messages since the sender last looked. */
static atomic_bool ob_woken;
static int ob_drain_ms;
static CURLM *ob_multi;
static char ob_owner[64];
static struct outbox_token *ob_tokens;
static struct outbox_send *ob_sends;
/* Outcomes not yet recorded: a JSON array for the next pass. Bounded by
 * the sends in flight, since nothing new is leased while a pass fails. */
static json_t *ob_pending;

long outbox_backoff_ms(const struct wl_outbox_conf *oc, int tries,
		       long retry_after_s, unsigned int rnd)
{
	long d = oc->backoff_ms;

	if (retry_after_s >= 0) {
		d = retry_after_s * 1000;
		return d > oc->max_backoff_ms ? oc->max_backoff_ms : d;
	}
	for (int i = 0; i < tries && d < oc->max_backoff_ms; i++)
		d *= 2;
	if (d > oc->max_backoff_ms)
		d = oc->max_backoff_ms;
	/* Full jitter over the upper half: spreads a burst of retries
	 * without ever retrying sooner than half the nominal delay. */
	return d / 2 + (long)(rnd % (unsigned int)(d / 2 + 1));
}

void outbox_wake(void)
{
	atomic_store(&ob_woken, true);
	if (ob_multi)
		curl_multi_wakeup(ob_multi);
}

static size_t outbox_write(char *data, size_t size, size_t n, void *ud)
{
	struct buf *b = ud;
	size_t len = size * n;

	if (b->len + len > OUTBOX_RESP_MAX)
		len = b->len < OUTBOX_RESP_MAX ? OUTBOX_RESP_MAX - b->len : 0;
	buf_add(b, data, len);
	return size * n;
}

static void outbox_send_free(struct outbox_send *s)
{
	if (!s)
		return;
	if (s->prev)
		s->prev->next = s->next;
	else if (ob_sends == s)
		ob_sends = s->next;
	if (s->next)
		s->next->prev = s->prev;
	if (s->easy) {
		curl_multi_remove_handle(ob_multi, s->easy);
		curl_easy_cleanup(s->easy);
	}
	curl_slist_free_all(s->hdrs);
	chan_http_release(&s->req);
	buf_release(&s->resp);
	free(s->queue);
	free(s->id);
	free(s);
}

static int outbox_channel_index(const char *id)
{
	for (size_t i = 0; i < ob_cfg->n_channels; i++)
		if (strcmp(ob_cfg->channels[i].id, id) == 0)
			return (int)i;
	return -1;
}

static void outbox_easy_setup(CURL *e, const struct chan_http *req,
			      struct curl_slist *hdrs, struct buf *resp)
{
	curl_easy_setopt(e, CURLOPT_URL, req->url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs);
	if (req->body) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)req->body_len);
	}
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, outbox_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, resp);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS,
			 (long)ob_cfg->outbox.timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
			 (long)ob_cfg->outbox.timeout_ms);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_USERAGENT, "warmline/" WL_VERSION);
}

static struct curl_slist *outbox_headers(const struct chan_http *req)
{
	struct curl_slist *l = NULL, *t;

	for (size_t i = 0; i < req->n_headers; i++) {
		t = curl_slist_append(l, req->headers[i]);
		if (!t) {
			curl_slist_free_all(l);
			return NULL;
		}
		l = t;
	}
	/* curl adds "Expect: 100-continue" to large POSTs; gateways and
	 * our own stand-ins answer faster without it. */
	t = curl_slist_append(l, "Expect:");
	if (!t) {
		curl_slist_free_all(l);
		return NULL;
	}
	return t;
}

/* Fetch a gateway access token synchronously, in this thread. */
static const char *outbox_token(int ch_idx, const struct chan_adapter *ad)
{
	struct outbox_token *t = &ob_tokens[ch_idx];
	struct chan_http req = {0};
	struct buf resp = BUF_INIT;
	struct curl_slist *hdrs = NULL;
	CURL *e = NULL;
	char *tok = NULL;
	long expires = 0, status = 0;
	int64_t now = clock_now_ms();

	if (!ad->token_request || !ad->token_parse)
		return NULL;
	if (t->token && now < t->expires_ms)
		return t->token;
	if (ad->token_request(&ob_cfg->channels[ch_idx], &req) != WL_OK)
		goto out;
	hdrs = outbox_headers(&req);
	e = curl_easy_init();
	if (!e || !hdrs)
		goto out;
	outbox_easy_setup(e, &req, hdrs, &resp);
	if (curl_easy_perform(e) != CURLE_OK)
		goto out;
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	if (status / 100 != 2 || !resp.s ||
	    ad->token_parse(resp.s, resp.len, &tok, &expires) != WL_OK)
		goto out;
	free(t->token);
	t->token = tok;
	/* Refresh five minutes early so a send never races the expiry. */
	t->expires_ms = now + (expires > 600 ? expires - 300 : expires) * 1000;
	tok = NULL;
out:
	if (!t->token || now >= t->expires_ms)
		log_warn("outbox", "access token fetch failed channel=%s",
			 ob_cfg->channels[ch_idx].id);
	free(tok);
	curl_easy_cleanup(e);
	curl_slist_free_all(hdrs);
	chan_http_release(&req);
	buf_release(&resp);
	return t->token && now < t->expires_ms ? t->token : NULL;
}

/* Note an outcome; the next pass records it. */
static void outbox_done(const char *queue, const char *id, const char *outcome,
			long delay_ms, const char *error)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:s}", "q", queue, "id", id,
			      "outcome", outcome, "delay_ms",
			      (json_int_t)delay_ms, "error", error);

	if (!o || json_array_append_new(ob_pending, o) != 0)
		/* The lease will expire and the message will be sent
		 * again: at least once, never lost. */
		log_warn("outbox", "cannot record outcome id=%s outcome=%s", id,
			 outcome);
}

/* Decide and record what happened to one finished send. */
static void outbox_finish(struct outbox_send *s, CURLcode cc)
{
	const struct wl_channel_conf *ch = &ob_cfg->channels[s->ch_idx];
	const struct chan_adapter *ad = chan_find(ch->type);
	enum chan_result res;
	curl_off_t retry_after = -1;
	long status = 0;
	char err[160];

	curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
	if (cc != CURLE_OK) {
		res = CHAN_RETRY;
		snprintf(err, sizeof(err), "curl: %s", curl_easy_strerror(cc));
	} else {
		res = ad && ad->classify
			  ? ad->classify(status, s->resp.s ? s->resp.s : "",
					 s->resp.len)
			  : chan_classify_http(status);
		snprintf(err, sizeof(err), "http %ld", status);
		curl_easy_getinfo(s->easy, CURLINFO_RETRY_AFTER, &retry_after);
		if (retry_after == 0 && status != 429 && status != 503)
			retry_after = -1;
	}
	if (res == CHAN_REAUTH) {
		free(ob_tokens[s->ch_idx].token);
		ob_tokens[s->ch_idx].token = NULL;
		res = CHAN_RETRY;
		retry_after = 0;
	}
	if (res == CHAN_RETRY && s->tries + 1 >= ob_cfg->outbox.max_tries)
		res = CHAN_FATAL;
	switch (res) {
	case CHAN_SENT:
		metrics_outbox(s->ch_idx, "sent");
		outbox_done(s->queue, s->id, "sent", 0, "");
		break;
	case CHAN_RETRY: {
		long d = outbox_backoff_ms(&ob_cfg->outbox, s->tries,
					   (long)retry_after,
					   (unsigned int)random());

		metrics_outbox(s->ch_idx, "retry");
		log_info("outbox",
			 "retry id=%s channel=%s tries=%d "
			 "delay_ms=%ld error=\"%s\"",
			 s->id, ch->id, s->tries + 1, d, err);
		outbox_done(s->queue, s->id, "retry", d, err);
		break;
	}
	default:
		metrics_outbox(s->ch_idx, "dead");
		log_warn("outbox",
			 "dead-lettered id=%s channel=%s tries=%d "
			 "error=\"%s\"",
			 s->id, ch->id, s->tries + 1, err);
		outbox_done(s->queue, s->id, "dead", 0, err);
		break;
	}
}

/* 0 when a send may start on the channel now (and takes its place in
 * the budget), else how many milliseconds until one may. */
static long outbox_rate_wait(int ch_idx)
{
	double rate = ob_cfg->channels[ch_idx].rate_per_s;
	struct outbox_token *t = &ob_tokens[ch_idx];
	int64_t now = clock_mono_ms();
	double cap = rate > 1 ? rate : 1;

	if (rate <= 0)
		return 0;
	if (!t->bucket_ms) {
		t->bucket = cap;
	} else {
		t->bucket += (double)(now - t->bucket_ms) * rate / 1000.0;
		if (t->bucket > cap)
			t->bucket = cap;
	}
	t->bucket_ms = now;
	if (t->bucket >= 1) {
		t->bucket -= 1;
		return 0;
	}
	return (long)((1 - t->bucket) * 1000.0 / rate) + 1;
}

static int outbox_start_send(redisReply *m, int *inflight)
{
	struct outbox_send *s = calloc(1, sizeof(*s));
	const struct chan_adapter *ad;
	const char *token = NULL;
	long wait;
	int rc = WL_ENOMEM;

	if (!s)
		return rc;
	s->queue = strdup(m->element[0]->str);
	s->id = strdup(m->element[1]->str);
	s->ch_idx = outbox_channel_index(m->element[2]->str);
	s->tries = (int)strtol(m->element[5]->str, NULL, 10);
	if (!s->queue || !s->id)
		goto fail;
	rc = WL_EBADREQ;
	if (s->ch_idx < 0) {
		/* The channel was removed from the config since. */
		outbox_done(s->queue, s->id, "dead", 0, "unknown channel");
		goto fail;
	}
	wait = outbox_rate_wait(s->ch_idx);
	if (wait > 0) {
		outbox_done(s->queue, s->id, "defer", wait, "");
		goto fail;
	}
	ad = chan_find(ob_cfg->channels[s->ch_idx].type);
	if (ad && ad->token_request) {
		token = outbox_token(s->ch_idx, ad);
		if (!token) {
			outbox_done(s->queue, s->id, "retry",
				    outbox_backoff_ms(&ob_cfg->outbox, s->tries,
						      -1,
						      (unsigned int)random()),
				    "no access token");
			goto fail;
		}
	}
	if (!ad || !ad->format ||
	    ad->format(&ob_cfg->channels[s->ch_idx], token, s->id,
		       m->element[3]->str, m->element[4]->str,
		       &s->req) != WL_OK) {
		outbox_done(s->queue, s->id, "dead", 0, "cannot format");
		goto fail;
	}
	rc = WL_ENOMEM;
	s->hdrs = outbox_headers(&s->req);
	s->easy = curl_easy_init();
	if (!s->hdrs || !s->easy)
		goto fail;
	outbox_easy_setup(s->easy, &s->req, s->hdrs, &s->resp);
	curl_easy_setopt(s->easy, CURLOPT_PRIVATE, s);
	if (curl_multi_add_handle(ob_multi, s->easy) != CURLM_OK)
		goto fail;
	s->next = ob_sends;
	if (ob_sends)
		ob_sends->prev = s;
	ob_sends = s;
	(*inflight)++;
	return WL_OK;
fail:
	if (s->easy) {
		curl_easy_cleanup(s->easy);
		s->easy = NULL;
	}
	outbox_send_free(s);
	return rc;
}

static void outbox_lost(const redisReply *ids)
{
	for (size_t i = 0; i < ids->elements; i++)
		if (ids->element[i]->type == REDIS_REPLY_STRING)
			/* Another daemon took the queue after our lease
			 * expired; the id says which message, and the
			 * recipient stays out of the log. */
			log_warn("outbox", "lease lost id=%s",
				 ids->element[i]->str);
}

/* One round trip: record the pending outcomes, lease new work when
 * `take` (up to the free places). Returns how many sends it started, or
 * -1 when Redis could not be reached (the outcomes stay pending). */
static int outbox_pass(int *inflight, bool take)
{
	char lease[32], max[16];
	char *done = json_dumps(ob_pending, JSON_COMPACT);
	const char *argv[] = {store_prefix(), ob_owner, lease, max, done};
	redisReply *r = NULL;
	int before = *inflight, started = -1;

	if (!done)
		goto out;
	snprintf(lease, sizeof(lease), "%d", ob_cfg->outbox.lease_ms);
	snprintf(max, sizeof(max), "%d",
		 take ? ob_cfg->outbox.concurrency - *inflight : 0);
	if (store_eval(STORE_OUTBOX_PASS, (int)WL_ARRAY_LEN(argv), argv, NULL,
		       &r) != WL_OK)
		goto out;
	json_array_clear(ob_pending);
	started = 0;
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[0]->type != REDIS_REPLY_ARRAY ||
	    r->element[1]->type != REDIS_REPLY_ARRAY)
		goto out;
	outbox_lost(r->element[0]);
	for (size_t i = 0; i < r->element[1]->elements; i++) {
		redisReply *m = r->element[1]->element[i];
		bool ok = m->type == REDIS_REPLY_ARRAY && m->elements == 6;

		for (size_t k = 0; ok && k < 6; k++)
			ok = m->element[k]->type == REDIS_REPLY_STRING;
		if (ok)
			outbox_start_send(m, inflight);
	}
	started = *inflight - before;
out:
	if (r)
		freeReplyObject(r);
	free(done);
	return started;
}

static void *outbox_main(void *arg)
{
	int inflight = 0, running = 0;
	int64_t next_pop = 0, next_pass = 0, last_pass = 0, stop_at = 0;

	store_set_role("outbox");
	while (true) {
		bool stopping = atomic_load(&ob_stop);
		int64_t now = clock_mono_ms(), gate;
		bool take, want;
		long wait;
		CURLMsg *msg;
		int left;

		if (stopping) {
			if (!stop_at)
				stop_at = now + ob_drain_ms;
			if ((inflight == 0 &&
			     json_array_size(ob_pending) == 0) ||
			    now >= stop_at)
				break;
		}
		/* Passes are at least OUTBOX_BATCH_MS apart: under load each
		 * records and takes several messages in one script call. */
		gate = last_pass + OUTBOX_BATCH_MS;
		if (next_pass > gate)
			gate = next_pass;
		take = !stopping && inflight < ob_cfg->outbox.concurrency &&
		       now >= next_pop;
		want = take || json_array_size(ob_pending) > 0;
		if (want && now >= gate) {
			int n;

			last_pass = now;
			n = outbox_pass(&inflight, take);
			/* Redis is away: try again after the idle wait, not
			 * in a hot loop. */
			if (n < 0)
				next_pass = now + OUTBOX_IDLE_MS;
			else if (take && json_array_size(ob_pending) == 0 &&
				 inflight < ob_cfg->outbox.concurrency)
				/* It took all there was: the next look is
				 * when a send finishes, a commit wakes us,
				 * or the idle wait ends (retries due). */
				next_pop = now + OUTBOX_IDLE_MS;
		}
		curl_multi_perform(ob_multi, &running);
		while ((msg = curl_multi_info_read(ob_multi, &left))) {
			struct outbox_send *s = NULL;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
					  (char **)&s);
			outbox_finish(s, msg->data.result);
			outbox_send_free(s);
			inflight--;
			/* Its recipient's next message may be ready: the
			 * pass that records this takes it at once. */
			next_pop = 0;
		}
		if (atomic_exchange(&ob_woken, false))
			next_pop = 0;
		now = clock_mono_ms();
		want = json_array_size(ob_pending) > 0 ||
		       (!stopping && inflight < ob_cfg->outbox.concurrency &&
			now >= next_pop);
		if (want) {
			wait = (long)(gate - now);
			if (next_pass > now && json_array_size(ob_pending) > 0)
				wait = (long)(next_pass - now);
		} else {
			wait = inflight ? 50 : OUTBOX_IDLE_MS;
			if (next_pop > now && next_pop - now < wait)
				wait = (long)(next_pop - now);
		}
		if (wait <= 0)
			continue;
		curl_multi_poll(ob_multi, NULL, 0, (int)wait, NULL);
		if (atomic_exchange(&ob_woken, false))
			next_pop = 0;
	}
	/* Record what finished; sends still in flight keep their lease in
	 * Redis and go out again when it expires. */
	if (json_array_size(ob_pending) > 0)
		outbox_pass(&inflight, false);
	while (ob_sends)
		outbox_send_free(ob_sends);
	store_conn_close();
	return NULL;
}

int outbox_start(const struct wl_config *cfg)
{
	char host[32];

	ob_cfg = cfg;
	ob_tokens =
	    calloc(cfg->n_channels ? cfg->n_channels : 1, sizeof(*ob_tokens));
	if (!ob_tokens)
		return WL_ENOMEM;
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "host");
	host[sizeof(host) - 1] = '\0';
	srandom((unsigned int)(clock_mono_us() ^ getpid()));
	snprintf(ob_owner, sizeof(ob_owner), "%s:%d:%08lx", host, (int)getpid(),
		 (unsigned long)random());
	ob_pending = json_array();
	ob_multi = curl_multi_init();
	if (!ob_multi || !ob_pending)
		return WL_ENOMEM;
	atomic_store(&ob_stop, false);
	if (pthread_create(&ob_thread, NULL, outbox_main, NULL) != 0)
		return WL_EINTERNAL;
	ob_started = true;
	return WL_OK;
}

void outbox_stop(int drain_ms)
{
	if (!ob_started)
		return;
	ob_drain_ms = drain_ms;
	atomic_store(&ob_stop, true);
	outbox_wake();
	pthread_join(ob_thread, NULL);
	ob_started = false;
	curl_multi_cleanup(ob_multi);
	ob_multi = NULL;
	for (size_t i = 0; i < ob_cfg->n_channels; i++)
		free(ob_tokens[i].token);
	free(ob_tokens);
	ob_tokens = NULL;
	json_decref(ob_pending);
	ob_pending = NULL;
}
