/*
 * channels.c — the one table of gateway adapters, and the small pieces
 * every adapter shares (message lists, outbound requests, HMAC, constant-
 * time compare). Adding a gateway is one file in bot/ and one row here.
 */
#include "channel.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "wl.h"

extern const struct chan_adapter chan_generic;
extern const struct chan_adapter chan_wecom;
extern const struct chan_adapter chan_wecom_robot;
extern const struct chan_adapter chan_wechat;
extern const struct chan_adapter chan_feishu;
extern const struct chan_adapter chan_feishu_bot;
extern const struct chan_adapter chan_telegram;
extern const struct chan_adapter chan_dingtalk;
extern const struct chan_adapter chan_dingtalk_webhook;
extern const struct chan_adapter chan_twilio;
extern const struct chan_adapter chan_kannel;

static const struct chan_adapter *const chan_table[] = {
    &chan_generic,	    &chan_wecom,      &chan_wecom_robot, &chan_wechat,
    &chan_feishu,	    &chan_feishu_bot, &chan_telegram,	 &chan_dingtalk,
    &chan_dingtalk_webhook, &chan_twilio,     &chan_kannel,
};

static const char *chan_type_names[WL_ARRAY_LEN(chan_table) + 1];

const struct chan_adapter *chan_find(const char *type)
{
	if (!type)
		return NULL;
	for (size_t i = 0; i < WL_ARRAY_LEN(chan_table); i++)
		if (strcmp(chan_table[i]->type, type) == 0)
			return chan_table[i];
	return NULL;
}

const char *const *chan_types(void)
{
	/* Filled on every call: the table is constant, so concurrent calls
	 * write the same values. */
	for (size_t i = 0; i < WL_ARRAY_LEN(chan_table); i++)
		chan_type_names[i] = chan_table[i]->type;
	chan_type_names[WL_ARRAY_LEN(chan_table)] = NULL;
	return chan_type_names;
}

static void chan_msg_release(struct chan_msg *m)
{
	free(m->id);
	free(m->from);
	free(m->text);
	free(m->name);
	free(m->kind);
	free(m->attachment);
}

void chan_inbound_release(struct chan_inbound *in)
{
	if (!in)
		return;
	for (size_t i = 0; i < in->n; i++)
		chan_msg_release(&in->msgs[i]);
	free(in->msgs);
	free(in->reply_body);
	memset(in, 0, sizeof(*in));
}

static int chan_dup(char **dst, const char *src)
{
	*dst = NULL;
	if (!src)
		return WL_OK;
	*dst = strdup(src);
	return *dst ? WL_OK : WL_ENOMEM;
}

/* The closed list of kinds a gateway may produce. Timer fires and other
 * internal events never come through an adapter (they have their own path,
 * inbound_fire_batch), so no platform type can name one: anything not listed
 * here is "other", which the engine treats like any non-text message. */
static const char *const chan_kinds[] = {
    "text",	"image",   "voice", "audio", "video", "file",  "sticker",
    "location", "contact", "link",  "event", "data",  "other",
};

const char *chan_kind(const char *platform_kind)
{
	if (!platform_kind)
		return "text";
	for (size_t i = 0; i < WL_ARRAY_LEN(chan_kinds); i++)
		if (strcmp(chan_kinds[i], platform_kind) == 0)
			return chan_kinds[i];
	return "other";
}

int chan_inbound_add(struct chan_inbound *in, const char *id, const char *from,
		     const char *text, const char *name, const char *kind)
{
	struct chan_msg *grown, *m;

	grown = realloc(in->msgs, (in->n + 1) * sizeof(*in->msgs));
	if (!grown)
		return WL_ENOMEM;
	in->msgs = grown;
	m = &in->msgs[in->n];
	memset(m, 0, sizeof(*m));
	if (chan_dup(&m->id, id) || chan_dup(&m->from, from) ||
	    chan_dup(&m->text, text) || chan_dup(&m->name, name) ||
	    chan_dup(&m->kind, chan_kind(kind))) {
		chan_msg_release(m);
		return WL_ENOMEM;
	}
	in->n++;
	return WL_OK;
}

int chan_replay_key(const char *value, char *key, size_t size)
{
	size_t n = value ? strlen(value) : 0;

	if (n == 0 || n >= size || size > CHAN_REPLAY_MAX)
		return WL_EAUTH;
	memcpy(key, value, n + 1);
	return WL_OK;
}

void chan_http_release(struct chan_http *h)
{
	if (!h)
		return;
	free(h->url);
	free(h->body);
	for (size_t i = 0; i < h->n_headers; i++)
		free(h->headers[i]);
	free(h->headers);
	memset(h, 0, sizeof(*h));
}

int chan_http_header(struct chan_http *h, const char *fmt, ...)
{
	char buf[1024];
	char **grown;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return WL_EBADREQ;
	grown = realloc(h->headers, (h->n_headers + 1) * sizeof(*h->headers));
	if (!grown)
		return WL_ENOMEM;
	h->headers = grown;
	h->headers[h->n_headers] = strdup(buf);
	if (!h->headers[h->n_headers])
		return WL_ENOMEM;
	h->n_headers++;
	return WL_OK;
}

int chan_http_json(struct chan_http *h, json_t *o, const char *content_type)
{
	int rc = WL_ENOMEM;

	if (!o)
		return WL_ENOMEM;
	h->body = json_dumps(o, JSON_COMPACT);
	if (h->body) {
		h->body_len = strlen(h->body);
		rc = chan_http_header(h, "Content-Type: %s",
				      content_type ? content_type
						   : "application/json");
	}
	json_decref(o);
	return rc;
}

enum chan_result chan_classify_http(long status)
{
	if (status >= 200 && status < 300)
		return CHAN_SENT;
	if (status == 0 || status == 408 || status == 425 || status == 429 ||
	    status >= 500)
		return CHAN_RETRY;
	return CHAN_FATAL;
}

void chan_hmac_sha256_hex(const char *key, size_t key_len, const char *data,
			  size_t len, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;

	if (!HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)data,
		  len, mac, &mac_len))
		mac_len = 0;
	for (unsigned int i = 0; i < mac_len && i < 32; i++) {
		out[2 * i] = hex[mac[i] >> 4];
		out[2 * i + 1] = hex[mac[i] & 15];
	}
	out[2 * (mac_len < 32 ? mac_len : 32)] = '\0';
}

int chan_secure_equal(const char *a, const char *b)
{
	size_t la, lb;

	if (!a || !b)
		return 0;
	la = strlen(a);
	lb = strlen(b);
	if (la != lb)
		return 0;
	return CRYPTO_memcmp(a, b, la) == 0;
}
