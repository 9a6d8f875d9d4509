/*
 * dingtalk.c — 钉钉 DingTalk, as two adapter types.
 *
 * "dingtalk": an enterprise internal app robot (企业内部应用机器人) in HTTP
 * callback mode. DingTalk POSTs each message a person sends the robot (in
 * a 1:1 chat, or with an @ in a group) as JSON with the headers timestamp
 * (ms) and sign = Base64(HMAC-SHA256(key=appSecret,
 * data=timestamp + "\n" + appSecret)). A timestamp more than one hour away
 * from now is refused, as DingTalk's receiving guide requires. msgId is
 * the dedupe id.
 *
 * Who a message is from: in a 1:1 chat the sender's staff id
 * (senderStaffId, else senderId); in a group chat (conversationType "2")
 * the conversation id, so replies go back to the group. senderNick is the
 * display name. The callback's sessionWebhook is not kept: it expires
 * about 90 minutes after the message (sessionWebhookExpiredTime), while
 * staff replies and SLA reminders come hours later. Replies go through
 * the robot API instead, which needs an access token:
 *   token:  GET {oapi}/gettoken?appkey=&appsecret=
 *   1:1:    POST {api}/v1.0/robot/oToMessages/batchSend
 *   group:  POST {api}/v1.0/robot/groupMessages/send  (to = "cid...")
 * with header x-acs-dingtalk-access-token and msgKey "sampleText".
 * Options: app_id or app_key (AppKey, "Client ID" in the newer console),
 * app_secret or secret (AppSecret), robot_code (defaults to the AppKey),
 * api_base (replaces both hosts, for tests).
 *
 * "dingtalk_webhook": a custom group robot (自定义机器人) for duty-group
 * notices; outbound only. POST webhook_url&timestamp=&sign= where sign is
 * urlencode(Base64(HMAC-SHA256(secret, timestamp + "\n" + secret))) when
 * the robot uses 加签 (secret = the "SEC..." string); body
 * {"msgtype":"text","text":{"content"}}. The webhook is one group, so the
 * recipient id is not used. Options: raw webhook_url, secret.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "channel.h"
#include "clock.h"
#include "sms.h"
#include "wl.h"

#define DT_OAPI_BASE "https://oapi.dingtalk.com"
#define DT_API_BASE  "https://api.dingtalk.com"
#define DT_SKEW_MS   (3600LL * 1000) /* "相差1小时以上则认为是非法的请求" */
#define DT_ID_MAX    256
#define DT_TEXT_MAX  16384
#define DT_NAME_MAX  256
#define DT_TOKEN_MAX 512
/* A token goes into a header: nothing that could end or fold it. */
#define DT_TOKEN_CHARS                                                         \
	"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_.="
/* DingTalk's text messages take up to 20000 characters; keep replies
 * readable on a phone and well under that. */
#define DT_MAX_UNITS 4000

/* The app's AppKey (DingTalk's newer console: Client ID) and AppSecret
 * (Client Secret). */
static const char *dt_app_key(const struct wl_channel_conf *ch)
{
	const char *k = sms_conf(ch, "app_key");

	return k ? k : sms_conf(ch, "app_id");
}

static const char *dt_app_secret(const struct wl_channel_conf *ch)
{
	const char *s = sms_conf(ch, "app_secret");

	if (s)
		return s;
	return ch->secret && *ch->secret ? ch->secret : NULL;
}

/* Base64(HMAC-SHA256(secret, ts + "\n" + secret)) into out (45 bytes). */
static int dt_sign(const char *secret, const char *ts, char out[45])
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "%s\n%s", ts, secret);
	if (b.oom)
		return WL_ENOMEM;
	sms_hmac_sha256_b64(secret, b.s, b.len, out);
	buf_release(&b);
	return WL_OK;
}

/* A millisecond timestamp written as 1..15 decimal digits. */
static int dt_parse_ts(const char *s, long long *ms)
{
	long long v = 0;
	size_t n = 0;

	if (!s)
		return WL_EAUTH;
	for (; s[n]; n++) {
		if (s[n] < '0' || s[n] > '9' || n >= 15)
			return WL_EAUTH;
		v = v * 10 + (s[n] - '0');
	}
	if (n == 0)
		return WL_EAUTH;
	*ms = v;
	return WL_OK;
}

static int dingtalk_verify(const struct wl_channel_conf *ch,
			   const struct chan_request *req)
{
	const char *ts = req->header(req->ctx, "timestamp");
	const char *sign = req->header(req->ctx, "sign");
	const char *secret = dt_app_secret(ch);
	long long ms, skew;
	char want[45];

	if (!secret || !sign)
		return WL_EAUTH;
	if (dt_parse_ts(ts, &ms) != WL_OK)
		return WL_EAUTH;
	skew = (long long)req->now_ms - ms;
	if (skew > DT_SKEW_MS || skew < -DT_SKEW_MS)
		return WL_EAUTH;
	if (dt_sign(secret, ts, want) != WL_OK)
		return WL_EAUTH;
	return chan_secure_equal(sign, want) ? WL_OK : WL_EAUTH;
}

static const char *dt_str(json_t *o, const char *key, size_t max)
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

/* DingTalk puts a space before the text of an @-message; people add more. */
static void dt_trim(struct buf *b, const char *s)
{
	size_t len = strlen(s);

	while (len && (s[len - 1] == ' ' || s[len - 1] == '\n' ||
		       s[len - 1] == '\t' || s[len - 1] == '\r'))
		len--;
	while (len && (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')) {
		s++;
		len--;
	}
	buf_add(b, s, len);
}

/* The text parts of a richText message, one after another. */
static void dt_rich_text(struct buf *b, json_t *content, const char **ref)
{
	json_t *parts = json_object_get(content, "richText"), *p;
	size_t i;

	json_array_foreach(parts, i, p)
	{
		const char *t = dt_str(p, "text", DT_TEXT_MAX);
		const char *code = dt_str(p, "downloadCode", DT_ID_MAX);

		if (t && b->len + strlen(t) <= DT_TEXT_MAX)
			buf_adds(b, t);
		if (code && !*ref)
			*ref = code;
	}
}

struct dt_kind {
	const char *msgtype;
	const char *kind;
};

static const struct dt_kind dt_kinds[] = {
    {"picture", "image"},
    {"audio", "voice"},
    {"video", "video"},
    {"file", "file"},
};

static int dingtalk_parse(const struct wl_channel_conf *ch,
			  const struct chan_request *req,
			  struct chan_inbound *out)
{
	json_error_t jerr;
	json_t *root, *content;
	const char *id, *from, *name, *type, *conv, *ref = NULL;
	const char *kind = "event";
	struct buf text = BUF_INIT;
	bool has_text = false;
	int rc = WL_EBADREQ;

	root =
	    json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(root))
		goto out;
	id = dt_str(root, "msgId", DT_ID_MAX);
	type = dt_str(root, "msgtype", 64);
	conv = dt_str(root, "conversationType", 8);
	name = dt_str(root, "senderNick", DT_NAME_MAX);
	if (conv && strcmp(conv, "2") == 0) {
		from = dt_str(root, "conversationId", DT_ID_MAX);
	} else {
		from = dt_str(root, "senderStaffId", DT_ID_MAX);
		if (!from)
			from = dt_str(root, "senderId", DT_ID_MAX);
	}
	if (!id || !from || !type)
		goto out;
	content = json_object_get(root, "content");
	if (strcmp(type, "text") == 0) {
		const char *t = dt_str(json_object_get(root, "text"), "content",
				       DT_TEXT_MAX);

		if (!t)
			goto out;
		kind = "text";
		dt_trim(&text, t);
		has_text = true;
	} else if (strcmp(type, "richText") == 0) {
		dt_rich_text(&text, content, &ref);
		kind = text.len ? "text" : ref ? "image" : "event";
		has_text = text.len > 0;
	} else {
		for (size_t i = 0; i < WL_ARRAY_LEN(dt_kinds); i++) {
			if (strcmp(type, dt_kinds[i].msgtype) != 0)
				continue;
			kind = dt_kinds[i].kind;
			ref = dt_str(content, "downloadCode", DT_ID_MAX);
			if (!ref)
				ref = dt_str(content, "pictureDownloadCode",
					     DT_ID_MAX);
			break;
		}
	}
	buf_add(&text, "", 0);
	if (text.oom) {
		rc = WL_ENOMEM;
		goto out;
	}
	rc = chan_inbound_add(out, id, from, has_text ? text.s : NULL, name,
			      kind);
	if (rc == WL_OK && ref) {
		out->msgs[out->n - 1].attachment = strdup(ref);
		if (!out->msgs[out->n - 1].attachment)
			rc = WL_ENOMEM;
	}
out:
	buf_release(&text);
	json_decref(root);
	return rc;
}

static int dt_finish(struct chan_http *out, json_t *o)
{
	if (!out->url) {
		json_decref(o);
		return WL_ENOMEM;
	}
	return chan_http_json(out, o, NULL);
}

static int dingtalk_format(const struct wl_channel_conf *ch, const char *token,
			   const char *msg_id, const char *to, const char *text,
			   struct chan_http *out)
{
	const char *base = ch->api_base ? ch->api_base : DT_API_BASE;
	const char *robot = sms_conf(ch, "robot_code");
	struct buf url = BUF_INIT;
	json_t *param, *o;
	char *param_s;
	int rc;

	if (!robot)
		robot = dt_app_key(ch);
	if (!token || !*token || !robot || !to || !*to || !text)
		return WL_EBADREQ;
	if (strchr(token, '\r') || strchr(token, '\n'))
		return WL_EBADREQ;
	/* msgParam is itself a JSON document, sent as a string. */
	param = json_pack("{s:s}", "content", text);
	param_s = param ? json_dumps(param, JSON_COMPACT) : NULL;
	json_decref(param);
	if (!param_s)
		return param ? WL_ENOMEM : WL_EBADREQ;
	if (strncmp(to, "cid", 3) == 0) {
		buf_addf(&url, "%s/v1.0/robot/groupMessages/send", base);
		o = json_pack("{s:s, s:s, s:s, s:s}", "msgParam", param_s,
			      "msgKey", "sampleText", "openConversationId", to,
			      "robotCode", robot);
	} else {
		buf_addf(&url, "%s/v1.0/robot/oToMessages/batchSend", base);
		o = json_pack("{s:s, s:[s], s:s, s:s}", "robotCode", robot,
			      "userIds", to, "msgKey", "sampleText", "msgParam",
			      param_s);
	}
	free(param_s);
	out->url = buf_detach(&url, NULL);
	rc = dt_finish(out, o);
	if (rc == WL_OK)
		rc = chan_http_header(out, "x-acs-dingtalk-access-token: %s",
				      token);
	return rc;
}

static int dingtalk_token_request(const struct wl_channel_conf *ch,
				  struct chan_http *out)
{
	const char *base = ch->api_base ? ch->api_base : DT_OAPI_BASE;
	const char *key = dt_app_key(ch);
	const char *secret = dt_app_secret(ch);
	struct buf url = BUF_INIT;

	if (!key || !secret)
		return WL_EBADREQ;
	buf_addf(&url, "%s/gettoken?appkey=", base);
	sms_urlencode(&url, key, strlen(key));
	buf_adds(&url, "&appsecret=");
	sms_urlencode(&url, secret, strlen(secret));
	out->url = buf_detach(&url, NULL);
	return out->url ? WL_OK : WL_ENOMEM;
}

/* {"errcode":0,"access_token":"...","expires_in":7200,"errmsg":"ok"} */
static int dingtalk_token_parse(const char *body, size_t len, char **token,
				long *expires_in_s)
{
	json_error_t jerr;
	json_t *root = json_loadb(body, len, 0, &jerr);
	json_t *code = json_object_get(root, "errcode");
	json_t *exp = json_object_get(root, "expires_in");
	const char *t = dt_str(root, "access_token", DT_TOKEN_MAX);
	int rc = WL_EAUTH;

	*token = NULL;
	if (!json_is_object(root) || (code && json_integer_value(code) != 0) ||
	    !t || strspn(t, DT_TOKEN_CHARS) != strlen(t))
		goto out;
	*expires_in_s = json_is_integer(exp) && json_integer_value(exp) > 0 &&
				json_integer_value(exp) < 86400 * 30
			    ? (long)json_integer_value(exp)
			    : 7200;
	*token = strdup(t);
	rc = *token ? WL_OK : WL_ENOMEM;
out:
	json_decref(root);
	return rc;
}

/* Error codes from DingTalk's global code list and the robot guides:
 * -1 system busy, 130101 / 410100 sending too fast (retry); 40014 invalid
 * and 42001 expired access_token (refetch). */
static enum chan_result dt_classify_errcode(json_int_t code)
{
	switch (code) {
	case 0: return CHAN_SENT;
	case -1:
	case 130101:
	case 410100: return CHAN_RETRY;
	case 40014:
	case 42001: return CHAN_REAUTH;
	default: return CHAN_FATAL;
	}
}

static enum chan_result dingtalk_classify(long status, const char *body,
					  size_t len)
{
	json_error_t jerr;
	json_t *root, *v;
	enum chan_result res;
	const char *code;

	root = json_loadb(body, len, 0, &jerr);
	/* The v1.0 API answers an expired token with 401 and throttling with
	 * a "...QpsLimit..." code. */
	if (status == 401) {
		res = CHAN_REAUTH;
		goto out;
	}
	code = json_string_value(json_object_get(root, "code"));
	if (status >= 400 && status < 500 && code && strstr(code, "QpsLimit")) {
		res = CHAN_RETRY;
		goto out;
	}
	res = chan_classify_http(status);
	if (res != CHAN_SENT)
		goto out;
	v = json_object_get(root, "errcode");
	if (json_is_integer(v)) {
		res = dt_classify_errcode(json_integer_value(v));
		goto out;
	}
	/* batchSend: the staff id was throttled, or does not exist. */
	if (json_array_size(json_object_get(root, "flowControlledStaffIdList")))
		res = CHAN_RETRY;
	else if (json_array_size(json_object_get(root, "invalidStaffIdList")))
		res = CHAN_FATAL;
out:
	json_decref(root);
	return res;
}

static int dingtalk_webhook_format(const struct wl_channel_conf *ch,
				   const char *token, const char *msg_id,
				   const char *to, const char *text,
				   struct chan_http *out)
{
	const char *hook = sms_conf(ch, "webhook_url");
	struct buf url = BUF_INIT;
	char ts[32], sign[45];
	json_t *o;

	if (!hook || !text)
		return WL_EBADREQ;
	buf_adds(&url, hook);
	if (ch->secret && *ch->secret) {
		snprintf(ts, sizeof(ts), "%lld", (long long)clock_now_ms());
		if (dt_sign(ch->secret, ts, sign) != WL_OK) {
			buf_release(&url);
			return WL_ENOMEM;
		}
		buf_addf(&url,
			 "%ctimestamp=%s&sign=", strchr(hook, '?') ? '&' : '?',
			 ts);
		sms_urlencode(&url, sign, strlen(sign));
	}
	out->url = buf_detach(&url, NULL);
	o = json_pack("{s:s, s:{s:s}}", "msgtype", "text", "text", "content",
		      text);
	if (!o)
		return WL_EBADREQ;
	return dt_finish(out, o);
}

/* DingTalk signs the timestamp alone: within the hour the signature is
 * what a replay with another body would reuse. */
static int dingtalk_replay(const struct wl_channel_conf *ch,
			   const struct chan_request *req, char *key,
			   size_t size, long *ttl_s)
{
	(void)ch;
	*ttl_s = 2 * (DT_SKEW_MS / 1000) + 60;
	return chan_replay_key(req->header(req->ctx, "sign"), key, size);
}

const struct chan_adapter chan_dingtalk = {
    .type = "dingtalk",
    .verify = dingtalk_verify,
    .replay = dingtalk_replay,
    .parse = dingtalk_parse,
    .format = dingtalk_format,
    .token_request = dingtalk_token_request,
    .token_parse = dingtalk_token_parse,
    .classify = dingtalk_classify,
    .max_units = DT_MAX_UNITS,
    .unit = text_unit_char,
};

const struct chan_adapter chan_dingtalk_webhook = {
    .type = "dingtalk_webhook",
    .verify = NULL,
    .parse = NULL,
    .format = dingtalk_webhook_format,
    .classify = dingtalk_classify,
    .max_units = DT_MAX_UNITS,
    .unit = text_unit_char,
};
