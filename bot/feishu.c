/*
 * feishu.c — Feishu / Lark (飞书): a self-built app ("feishu") and a group
 * custom bot ("feishu_bot").
 *
 * Inbound (app only), the event subscription of 飞书开放平台 ("将事件发送至
 * 开发者服务器"):
 *   - {"type":"url_verification","challenge","token"} is answered
 *     {"challenge": ...} once token equals our verification_token;
 *   - with an encrypt_key configured every body is {"encrypt": base64},
 *     AES-256-CBC with key SHA256(encrypt_key) and the IV in front (see
 *     wxcrypt.h), and every event but the URL check carries
 *     X-Lark-Signature = hex SHA256(X-Lark-Request-Timestamp +
 *     X-Lark-Request-Nonce + encrypt_key + raw body), which we check, and
 *     a timestamp more than 8 hours off (the platform retries for about
 *     7) is a replay;
 *   - without an encrypt_key (token-only) nothing in a request expires
 *     or covers the body: `check` refuses it unless the channel says
 *     "insecure_plain": true;
 *   - v2 events (schema 2.0) carry header.token, which must equal the
 *     verification_token when one is configured, and header.event_id,
 *     the id we dedupe on. im.message.receive_v1 becomes a message from
 *     event.sender.sender_id.open_id; every other event is acknowledged
 *     and dropped. An event whose header.app_id is not our app_id is
 *     refused (403).
 *
 * Outbound: POST {api_base}/open-apis/im/v1/messages?receive_id_type=
 * open_id (chat_id for "oc_" ids, union_id for "on_" ids) with
 * Authorization: Bearer <tenant_access_token> and {"receive_id",
 * "msg_type":"text","content":"{\"text\":...}","uuid"}; the uuid makes the
 * platform drop a resend of the same message within an hour. The token
 * comes from POST {api_base}/open-apis/auth/v3/tenant_access_token/internal
 * with {"app_id","app_secret"}. The custom bot POSTs {"msg_type":"text",
 * "content":{"text"}} to its webhook_url, signed when a secret is set:
 * sign = base64(HMAC-SHA256(key = timestamp + "\n" + secret, "")).
 *
 * Options: app_id, app_secret(_env) or secret/secret_env, encrypt_key
 * (_env), verification_token(_env) or token/token_env; webhook_url and
 * secret/secret_env for the bot.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "buf.h"
#include "channel.h"
#include "clock.h"
#include "wl.h"
#include "wxcrypt.h"

#define FEISHU_API	      "https://open.feishu.cn"
#define FEISHU_BODY_MAX	      262144
#define FEISHU_ID_MAX	      128
#define FEISHU_TEXT_MAX	      16384
#define FEISHU_UUID_MAX	      50    /* the vendor's limit on uuid */
#define FEISHU_TEXT_BYTES     30000 /* well inside the 150 KB request cap */
#define FEISHU_BOT_TEXT_BYTES 4000  /* the bot's request cap is 20 KB */
#define FEISHU_MENTIONS_MAX   32

/* codes of 飞书 "通用错误码" and the bot's answers */
#define FEISHU_RATE 99991400 /* 请求频率超限 */
/* Feishu pushes an event again when it gets no 200, for about 7 hours
 * (15 s, 5 min, 1 h, 6 h): a signed retry keeps its timestamp, so the
 * window must hold it. The signature covers the body, so within the window
 * only the same event can come again, and its event_id dedupes it. */
#define FEISHU_WINDOW_S	  (8 * 3600)
#define FEISHU_NO_TOKEN	  99991661 /* 缺少 access token */
#define FEISHU_BAD_TOKEN  99991663 /* tenant access token 无效 */
#define FEISHU_BAD_TOKEN2 99991668 /* access token 无效 */
#define FEISHU_MSG_RATE	  230020   /* 消息发送触发频控 */
#define FEISHU_BOT_RATE	  11232	   /* 自定义机器人限流 */

static const char *feishu_vtoken(const struct wl_channel_conf *ch)
{
	const char *t = wxcrypt_conf(ch, "verification_token");

	return t ? t : (ch->token && ch->token[0] ? ch->token : NULL);
}

static const char *feishu_str(json_t *o, const char *key, size_t max)
{
	json_t *v = json_object_get(o, key);
	size_t len;

	if (!json_is_string(v))
		return NULL;
	len = json_string_length(v);
	if (len == 0 || len > max || memchr(json_string_value(v), 0, len))
		return NULL;
	return json_string_value(v);
}

/* hex SHA256(timestamp + nonce + encrypt_key + body) == sig */
static int feishu_check_sig(const char *ts, const char *nonce, const char *key,
			    const char *body, size_t len, const char *sig)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	char want[65];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;

	if (!ctx)
		return WL_ENOMEM;
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	     EVP_DigestUpdate(ctx, ts, strlen(ts)) == 1 &&
	     EVP_DigestUpdate(ctx, nonce, strlen(nonce)) == 1 &&
	     EVP_DigestUpdate(ctx, key, strlen(key)) == 1 &&
	     EVP_DigestUpdate(ctx, body, len) == 1 &&
	     EVP_DigestFinal_ex(ctx, md, &md_len) == 1 && md_len == 32;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return WL_EINTERNAL;
	for (unsigned int i = 0; i < 32; i++) {
		want[2 * i] = hex[md[i] >> 4];
		want[2 * i + 1] = hex[md[i] & 15];
	}
	want[64] = '\0';
	return chan_secure_equal(sig, want) ? WL_OK : WL_EAUTH;
}

/* The token an event carries: header.token (v2) or token (v1 and the
 * URL check). */
static const char *feishu_event_token(json_t *ev)
{
	const char *t =
	    feishu_str(json_object_get(ev, "header"), "token", FEISHU_ID_MAX);

	return t ? t : feishu_str(ev, "token", FEISHU_ID_MAX);
}

/* Verify the request; when ev is not NULL hand back the event (the
 * decrypted one when encrypted). */
static int feishu_open(const struct wl_channel_conf *ch,
		       const struct chan_request *req, json_t **ev)
{
	const char *vtoken = feishu_vtoken(ch);
	const char *key = wxcrypt_conf(ch, "encrypt_key");
	json_t *root = NULL, *event = NULL, *enc;
	json_error_t jerr;
	char *plain = NULL;
	size_t plain_len = 0;
	const char *type, *tok, *app_id;
	int rc = WL_EAUTH;

	if (ev)
		*ev = NULL;
	if (!req->method || strcmp(req->method, "POST") != 0 ||
	    req->body_len > FEISHU_BODY_MAX || (!vtoken && !key))
		goto out;
	root =
	    json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(root))
		goto out;
	enc = json_object_get(root, "encrypt");
	if (key) {
		if (!json_is_string(enc) ||
		    wxcrypt_feishu_decrypt(key, json_string_value(enc),
					   json_string_length(enc), &plain,
					   &plain_len) != WL_OK)
			goto out;
		event =
		    json_loadb(plain, plain_len, JSON_REJECT_DUPLICATES, &jerr);
		if (!json_is_object(event))
			goto out;
	} else {
		/* Without a key we cannot read an encrypted body. */
		if (enc)
			goto out;
		event = json_incref(root);
	}
	type = feishu_str(event, "type", 64);
	if (key && !(type && strcmp(type, "url_verification") == 0)) {
		/* The platform signs every event but the URL check. */
		const char *ts =
		    req->header(req->ctx, "X-Lark-Request-Timestamp");
		const char *nonce =
		    req->header(req->ctx, "X-Lark-Request-Nonce");
		const char *sig = req->header(req->ctx, "X-Lark-Signature");

		if (!ts || !nonce || !sig || strlen(nonce) > WXCRYPT_ARG_MAX ||
		    wxcrypt_check_window(ts, req->now_ms, FEISHU_WINDOW_S) !=
			WL_OK)
			goto out;
		rc = feishu_check_sig(ts, nonce, key, req->body, req->body_len,
				      sig);
		if (rc != WL_OK) {
			rc = WL_EAUTH;
			goto out;
		}
		rc = WL_EAUTH;
	}
	if (vtoken) {
		tok = feishu_event_token(event);
		if (!tok || !chan_secure_equal(tok, vtoken))
			goto out;
	}
	/* A v2 event names the app it is for. */
	app_id = feishu_str(json_object_get(event, "header"), "app_id",
			    FEISHU_ID_MAX);
	if (app_id && wxcrypt_conf(ch, "app_id") &&
	    strcmp(app_id, wxcrypt_conf(ch, "app_id")) != 0) {
		rc = WL_EFORBIDDEN;
		goto out;
	}
	rc = WL_OK;
	if (ev) {
		*ev = event;
		event = NULL;
	}
out:
	json_decref(event);
	json_decref(root);
	if (plain) {
		memset(plain, 0, plain_len);
		free(plain);
	}
	return rc;
}

static int feishu_verify(const struct wl_channel_conf *ch,
			 const struct chan_request *req)
{
	return feishu_open(ch, req, NULL);
}

/* Text with the mention placeholders ("@_user_1 ") of the mentions list
 * taken out, trimmed. A new string. */
static char *feishu_strip_mentions(const char *text, json_t *mentions)
{
	const char *keys[FEISHU_MENTIONS_MAX];
	size_t n_keys = 0, i, start, end;
	struct buf b = BUF_INIT;
	const char *s = text;
	char *out;

	for (i = 0;
	     i < json_array_size(mentions) && n_keys < WL_ARRAY_LEN(keys);
	     i++) {
		const char *k =
		    feishu_str(json_array_get(mentions, i), "key", 64);

		if (k)
			keys[n_keys++] = k;
	}
	while (*s) {
		size_t skip = 0;

		for (i = 0; i < n_keys && !skip; i++)
			if (strncmp(s, keys[i], strlen(keys[i])) == 0)
				skip = strlen(keys[i]);
		if (skip) {
			s += skip;
			if (*s == ' ')
				s++;
			continue;
		}
		buf_add(&b, s, 1);
		s++;
	}
	if (!b.s)
		buf_add(&b, "", 0);
	if (b.oom) {
		buf_release(&b);
		return NULL;
	}
	start = 0;
	end = b.len;
	while (start < end && (b.s[start] == ' ' || b.s[start] == '\n'))
		start++;
	while (end > start && (b.s[end - 1] == ' ' || b.s[end - 1] == '\n'))
		end--;
	out = strndup(b.s + start, end - start);
	buf_release(&b);
	return out;
}

/* The words of a rich-text ("post") message: the title and the text of
 * text and link elements, a line per paragraph. */
static void feishu_post_text(json_t *c, struct buf *b)
{
	const char *title = feishu_str(c, "title", FEISHU_TEXT_MAX);
	json_t *paras = json_object_get(c, "content");
	size_t i, j;

	if (title)
		buf_adds(b, title);
	for (i = 0; i < json_array_size(paras); i++) {
		json_t *para = json_array_get(paras, i);

		if (b->len)
			buf_add(b, "\n", 1);
		for (j = 0; j < json_array_size(para); j++) {
			json_t *el = json_array_get(para, j);
			const char *tag = feishu_str(el, "tag", 16);
			const char *t = feishu_str(el, "text", FEISHU_TEXT_MAX);

			if (tag && t &&
			    (strcmp(tag, "text") == 0 || strcmp(tag, "a") == 0))
				buf_adds(b, t);
		}
		if (b->len > FEISHU_TEXT_MAX)
			return;
	}
}

static int feishu_message(json_t *ev, struct chan_inbound *out)
{
	json_t *event = json_object_get(ev, "event");
	json_t *sender = json_object_get(event, "sender");
	json_t *msg = json_object_get(event, "message");
	json_t *content = NULL;
	json_error_t jerr;
	const char *id, *from, *type, *raw, *sender_type, *att = NULL;
	const char *kind;
	char *text = NULL;
	struct buf b = BUF_INIT;
	int rc = WL_EBADREQ;

	id = feishu_str(json_object_get(ev, "header"), "event_id",
			FEISHU_ID_MAX);
	from = feishu_str(json_object_get(sender, "sender_id"), "open_id",
			  FEISHU_ID_MAX);
	sender_type = feishu_str(sender, "sender_type", 32);
	type = feishu_str(msg, "message_type", 32);
	raw = feishu_str(msg, "content", FEISHU_BODY_MAX);
	if (!id || !from || !type)
		goto out;
	/* Our own app's messages come back as events too. */
	if (sender_type && strcmp(sender_type, "user") != 0) {
		rc = WL_OK;
		goto out;
	}
	if (raw) {
		content = json_loads(raw, JSON_REJECT_DUPLICATES, &jerr);
		if (!json_is_object(content))
			goto out;
	}
	kind = type;
	if (strcmp(type, "text") == 0) {
		const char *t = feishu_str(content, "text", FEISHU_TEXT_MAX);

		if (!t)
			goto out;
		text =
		    feishu_strip_mentions(t, json_object_get(msg, "mentions"));
		if (!text) {
			rc = WL_ENOMEM;
			goto out;
		}
	} else if (strcmp(type, "post") == 0) {
		feishu_post_text(content, &b);
		if (b.oom) {
			rc = WL_ENOMEM;
			goto out;
		}
		if (b.len > 0 && b.len <= FEISHU_TEXT_MAX) {
			text = feishu_strip_mentions(
			    b.s, json_object_get(msg, "mentions"));
			if (!text) {
				rc = WL_ENOMEM;
				goto out;
			}
			kind = "text";
		}
	} else if (strcmp(type, "image") == 0) {
		att = feishu_str(content, "image_key", 256);
	} else {
		att = feishu_str(content, "file_key", 256);
	}
	rc = chan_inbound_add(out, id, from, text, NULL, kind);
	if (rc == WL_OK && att) {
		struct chan_msg *m = &out->msgs[out->n - 1];

		m->attachment = strdup(att);
		if (!m->attachment)
			rc = WL_ENOMEM;
	}
out:
	buf_release(&b);
	free(text);
	json_decref(content);
	return rc;
}

static int feishu_parse(const struct wl_channel_conf *ch,
			const struct chan_request *req,
			struct chan_inbound *out)
{
	json_t *ev = NULL, *reply;
	const char *type, *ev_type, *challenge;
	int rc;

	rc = feishu_open(ch, req, &ev);
	if (rc != WL_OK)
		return rc == WL_ENOMEM ? rc : WL_EBADREQ;
	rc = WL_EBADREQ;
	type = feishu_str(ev, "type", 64);
	if (type && strcmp(type, "url_verification") == 0) {
		challenge = feishu_str(ev, "challenge", 256);
		if (!challenge)
			goto out;
		reply = json_pack("{s:s}", "challenge", challenge);
		out->reply_body =
		    reply ? json_dumps(reply, JSON_COMPACT) : NULL;
		json_decref(reply);
		out->reply_type = "application/json";
		rc = out->reply_body ? WL_OK : WL_ENOMEM;
		goto out;
	}
	ev_type = feishu_str(json_object_get(ev, "header"), "event_type", 128);
	rc = WL_OK;
	/* Other events and v1 callbacks: acknowledged, nothing to do. */
	if (ev_type && strcmp(ev_type, "im.message.receive_v1") == 0)
		rc = feishu_message(ev, out);
out:
	json_decref(ev);
	return rc;
}

static const char *feishu_id_type(const char *to)
{
	if (strncmp(to, "oc_", 3) == 0)
		return "chat_id";
	if (strncmp(to, "on_", 3) == 0)
		return "union_id";
	return "open_id";
}

static int feishu_format(const struct wl_channel_conf *ch, const char *token,
			 const char *msg_id, const char *to, const char *text,
			 struct chan_http *out)
{
	struct buf url = BUF_INIT;
	json_t *content, *o;
	char *content_s;
	int rc;

	if (!token || !token[0] || strlen(token) > 512 || !to || !to[0] ||
	    !text)
		return WL_EBADREQ;
	wxcrypt_url_base(&url, ch, FEISHU_API, "/open-apis/im/v1/messages");
	wxcrypt_url_arg(&url, '?', "receive_id_type", feishu_id_type(to));
	out->url = buf_detach(&url, NULL);
	if (!out->url)
		return WL_ENOMEM;
	content = json_pack("{s:s}", "text", text);
	content_s = content ? json_dumps(content, JSON_COMPACT) : NULL;
	json_decref(content);
	if (!content_s)
		return WL_ENOMEM;
	o = json_pack("{s:s, s:s, s:s}", "receive_id", to, "msg_type", "text",
		      "content", content_s);
	free(content_s);
	if (o && msg_id && msg_id[0] && strlen(msg_id) <= FEISHU_UUID_MAX &&
	    json_object_set_new(o, "uuid", json_string(msg_id)) != 0) {
		json_decref(o);
		return WL_ENOMEM;
	}
	rc = chan_http_header(out, "Authorization: Bearer %s", token);
	if (rc != WL_OK) {
		json_decref(o);
		return rc;
	}
	return chan_http_json(out, o, "application/json; charset=utf-8");
}

static int feishu_token_request(const struct wl_channel_conf *ch,
				struct chan_http *out)
{
	const char *app_id = wxcrypt_conf(ch, "app_id");
	const char *secret = wxcrypt_conf(ch, "app_secret");
	struct buf url = BUF_INIT;

	if (!secret)
		secret = ch->secret;
	if (!app_id || !secret || !secret[0])
		return WL_EBADREQ;
	wxcrypt_url_base(&url, ch, FEISHU_API,
			 "/open-apis/auth/v3/tenant_access_token/internal");
	out->url = buf_detach(&url, NULL);
	if (!out->url)
		return WL_ENOMEM;
	return chan_http_json(
	    out,
	    json_pack("{s:s, s:s}", "app_id", app_id, "app_secret", secret),
	    "application/json; charset=utf-8");
}

/* The "code" of an answer: 1 and *code when there is one. */
static int feishu_code(const char *body, size_t len, json_t **root,
		       json_int_t *code)
{
	json_error_t jerr;
	json_t *v;

	*root = json_loadb(body ? body : "", body ? len : 0, 0, &jerr);
	v = json_object_get(*root, "code");
	if (!json_is_integer(v))
		v = json_object_get(*root, "StatusCode"); /* old bot answer */
	if (!json_is_integer(v))
		return 0;
	*code = json_integer_value(v);
	return 1;
}

static int feishu_token_parse(const char *body, size_t len, char **token,
			      long *expires_in_s)
{
	json_t *root = NULL, *tok, *exp;
	json_int_t code = -1;
	int rc = WL_EBADREQ;

	*token = NULL;
	*expires_in_s = 0;
	if (!feishu_code(body, len, &root, &code))
		goto out;
	if (code != 0) {
		rc = WL_EAUTH;
		goto out;
	}
	tok = json_object_get(root, "tenant_access_token");
	exp = json_object_get(root, "expire");
	if (!json_is_string(tok) || json_string_length(tok) == 0 ||
	    json_string_length(tok) > 512 || !json_is_integer(exp) ||
	    json_integer_value(exp) <= 0 || json_integer_value(exp) > 7 * 86400)
		goto out;
	*token = strdup(json_string_value(tok));
	if (!*token) {
		rc = WL_ENOMEM;
		goto out;
	}
	*expires_in_s = (long)json_integer_value(exp);
	rc = WL_OK;
out:
	json_decref(root);
	return rc;
}

static enum chan_result feishu_classify(long status, const char *body,
					size_t len)
{
	enum chan_result r;
	json_t *root = NULL;
	json_int_t code = 0;

	/* Feishu answers most refusals 400 with a code; a 5xx or a 429 is
	 * the transport's, whatever the body says. */
	if (status == 0 || status == 429 || status >= 500)
		return CHAN_RETRY;
	if (!feishu_code(body, len, &root, &code))
		r = status >= 200 && status < 300 ? CHAN_RETRY
						  : chan_classify_http(status);
	else if (code == 0)
		r = status >= 200 && status < 300 ? CHAN_SENT : CHAN_FATAL;
	else if (code == FEISHU_BAD_TOKEN || code == FEISHU_NO_TOKEN ||
		 code == FEISHU_BAD_TOKEN2)
		r = CHAN_REAUTH;
	else if (code == FEISHU_RATE || code == FEISHU_MSG_RATE ||
		 code == FEISHU_BOT_RATE)
		r = CHAN_RETRY;
	else
		r = CHAN_FATAL;
	json_decref(root);
	return r;
}

const struct chan_adapter chan_feishu = {
    .type = "feishu",
    .verify = feishu_verify,
    .parse = feishu_parse,
    .format = feishu_format,
    .token_request = feishu_token_request,
    .token_parse = feishu_token_parse,
    .classify = feishu_classify,
    .max_units = FEISHU_TEXT_BYTES,
    .unit = text_unit_byte,
};

/* ---- the group custom bot (自定义机器人)
 * --------------------------------------- */

static int feishu_bot_verify(const struct wl_channel_conf *ch,
			     const struct chan_request *req)
{
	return WL_EFORBIDDEN; /* send-only */
}

static int feishu_bot_parse(const struct wl_channel_conf *ch,
			    const struct chan_request *req,
			    struct chan_inbound *out)
{
	return WL_EBADREQ;
}

/* base64(HMAC-SHA256(key = "<ts>\n<secret>", message = "")) */
static int feishu_bot_sign(const char *ts, const char *secret, char **sign)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;
	struct buf key = BUF_INIT;
	int rc = WL_EINTERNAL;

	*sign = NULL;
	buf_addf(&key, "%s\n%s", ts, secret);
	if (key.oom) {
		buf_release(&key);
		return WL_ENOMEM;
	}
	if (HMAC(EVP_sha256(), key.s, (int)key.len, (const unsigned char *)"",
		 0, mac, &mac_len) &&
	    mac_len == 32)
		rc = wxcrypt_b64_encode(mac, mac_len, sign);
	memset(key.s, 0, key.len);
	buf_release(&key);
	return rc;
}

static int feishu_bot_format(const struct wl_channel_conf *ch,
			     const char *token, const char *msg_id,
			     const char *to, const char *text,
			     struct chan_http *out)
{
	const char *hook = wxcrypt_conf(ch, "webhook_url");
	char ts[24];
	char *sign = NULL;
	json_t *o;
	int rc;

	if (!hook)
		hook = ch->callback_url;
	if (!hook || !hook[0] || !text)
		return WL_EBADREQ;
	out->url = strdup(hook);
	if (!out->url)
		return WL_ENOMEM;
	if (ch->secret && ch->secret[0]) {
		snprintf(ts, sizeof(ts), "%lld",
			 (long long)(clock_now_ms() / 1000));
		rc = feishu_bot_sign(ts, ch->secret, &sign);
		if (rc != WL_OK)
			return rc;
		o = json_pack("{s:s, s:s, s:s, s:{s:s}}", "timestamp", ts,
			      "sign", sign, "msg_type", "text", "content",
			      "text", text);
		free(sign);
	} else {
		o = json_pack("{s:s, s:{s:s}}", "msg_type", "text", "content",
			      "text", text);
	}
	return chan_http_json(out, o, "application/json; charset=utf-8");
}

const struct chan_adapter chan_feishu_bot = {
    .type = "feishu_bot",
    .verify = feishu_bot_verify,
    .parse = feishu_bot_parse,
    .format = feishu_bot_format,
    .classify = feishu_classify,
    .max_units = FEISHU_BOT_TEXT_BYTES,
    .unit = text_unit_byte,
};
