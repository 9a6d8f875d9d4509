/*
 * channel.h — the adapter interface between a messaging gateway and the
 * engine.
 *
 * An adapter (bot/<gateway>.c) turns the gateway's inbound HTTP request
 * into normalized messages and an outbound message into the gateway's
 * HTTP request. It does no I/O of its own: the HTTP layer hands it the
 * request, the outbox sends what it builds. That keeps every adapter
 * testable with the vendors' published vectors and fuzzable.
 *
 * The one table of adapters is in bot/channels.c.
 *
 * Ownership: chan_inbound and chan_http are filled by the adapter and
 * released by the caller with chan_inbound_release() and
 * chan_http_release(). Everything in a chan_request is borrowed.
 */
#ifndef WL_CHANNEL_H
#define WL_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "../src/config.h"
#include "../src/text.h"

/* An inbound HTTP request as an adapter sees it. All borrowed. */
struct chan_request {
	const char *method;   /* "GET" or "POST" */
	const char *path;     /* "/hook/demo" */
	const char *full_url; /* scheme://host/path?query as the gateway
				 called it (Twilio signs it) */
	const char *body;     /* may hold NULs; not NUL-terminated */
	size_t body_len;
	const char *peer_ip; /* "127.0.0.1" */
	int64_t now_ms;	     /* from clock.h */
	/* Header and query-argument lookup; NULL when absent. */
	const char *(*header)(void *ctx, const char *name);
	const char *(*arg)(void *ctx, const char *name);
	void *ctx;
};

/* One normalized inbound message. */
struct chan_msg {
	char *id;	  /* platform message id, unique per channel */
	char *from;	  /* sender id on the channel */
	char *text;	  /* UTF-8; NULL when not text */
	char *name;	  /* display name, optional */
	char *kind;	  /* one of the closed list of chan_kind() */
	char *attachment; /* a reference (media id, URL), optional */
};

struct chan_inbound {
	struct chan_msg *msgs;
	size_t n;
	/* An immediate answer the gateway expects (URL verification echo,
	 * challenge). When set, it is the response body on success. */
	char *reply_body;
	const char *reply_type; /* static string, e.g. "text/plain" */
};

void chan_inbound_release(struct chan_inbound *in);
/* The message kind a platform's type maps to: one of text, image, voice,
 * audio, video, file, sticker, location, contact, link, event, data and
 * other (anything unknown; NULL is text). A static string. */
const char *chan_kind(const char *platform_kind);
/* Append a message; takes copies of the strings. kind goes through
 * chan_kind(), so no gateway can produce a kind outside the list. */
int chan_inbound_add(struct chan_inbound *in, const char *id, const char *from,
		     const char *text, const char *name, const char *kind);

/* An outbound HTTP request built by an adapter. */
struct chan_http {
	char *url;
	char *body;
	size_t body_len;
	char **headers; /* "Name: value" strings */
	size_t n_headers;
};
void chan_http_release(struct chan_http *h);
int chan_http_header(struct chan_http *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Serialize o (compact) into h->body with a Content-Type header (NULL:
 * "application/json"). Takes the reference to o, even on failure. */
int chan_http_json(struct chan_http *h, json_t *o, const char *content_type);

/* How an outbound attempt ended, decided from the gateway's answer. */
enum chan_result {
	CHAN_SENT = 0, /* delivered */
	CHAN_RETRY,    /* transient: retry with backoff */
	CHAN_FATAL,    /* will never succeed: dead-letter now */
	CHAN_REAUTH,   /* the access token expired (WeCom 42001...):
			  fetch a new one and retry at once */
};

struct chan_adapter {
	const char *type;
	/* Check the request is really from the gateway. WL_OK, WL_EAUTH
	 * (401) or WL_EFORBIDDEN (403). Must not change any state. */
	int (*verify)(const struct wl_channel_conf *ch,
		      const struct chan_request *req);
	/* Optional: the replay record of a verified request. Every signing
	 * scheme accepts a request for a window of time; within it a captured
	 * request could be sent again with another body wherever the
	 * signature does not cover the body. Writes what makes this request
	 * unique (its signature or nonce, at most CHAN_REPLAY_MAX - 1 bytes;
	 * "" for nothing to record) and how long to keep it (longer than the
	 * window). The inbound load records it with SET NX together with a
	 * digest of the body: the same request again (a vendor's retry) goes
	 * on to the message dedupe; the same signature with another body is
	 * a replay and gets 401. */
	int (*replay)(const struct wl_channel_conf *ch,
		      const struct chan_request *req, char *key, size_t size,
		      long *ttl_s);
	/* Parse a verified request. WL_OK or WL_EBADREQ. */
	int (*parse)(const struct wl_channel_conf *ch,
		     const struct chan_request *req, struct chan_inbound *out);
	/* Build the HTTP request that sends text to a recipient. token is
	 * the cached access token (NULL for gateways without one). */
	int (*format)(const struct wl_channel_conf *ch, const char *token,
		      const char *msg_id, const char *to, const char *text,
		      struct chan_http *out);
	/* Optional, for gateways with access tokens (WeCom gettoken, Feishu
	 * tenant_access_token, DingTalk): build the request that fetches a
	 * token, and read the answer. The outbox caches the token per
	 * channel until shortly before it expires, and refetches it when
	 * classify() says CHAN_REAUTH. */
	int (*token_request)(const struct wl_channel_conf *ch,
			     struct chan_http *out);
	int (*token_parse)(const char *body, size_t len, char **token,
			   long *expires_in_s);
	/* Decide from the HTTP status and the answer's body (vendors such as
	 * WeCom answer 200 with an errcode). NULL means chan_classify_http. */
	enum chan_result (*classify)(long status, const char *body, size_t len);
	/* Longest message, in units counted by unit(); longer ones are
	 * split at line boundaries. 0 = no limit. */
	size_t max_units;
	text_unit_fn unit;
};

#define CHAN_REPLAY_MAX 160

/* Copy a request value into a replay key: WL_OK, or WL_EAUTH when it is
 * missing or does not fit. */
int chan_replay_key(const char *value, char *key, size_t size);

const struct chan_adapter *chan_find(const char *type);
/* The adapter types, NULL-terminated, for config validation. */
const char *const *chan_types(void);

/* The default classification: 2xx sent, 408/425/429/5xx retry, else fatal. */
enum chan_result chan_classify_http(long status);

/* HMAC-SHA256 of data with key, lower-case hex into out (65 bytes). */
void chan_hmac_sha256_hex(const char *key, size_t key_len, const char *data,
			  size_t len, char out[65]);
/* Constant-time comparison of two NUL-terminated strings. */
int chan_secure_equal(const char *a, const char *b);

#endif
