/*
 * wecom.c — WeCom (企业微信): a self-built app ("wecom") and a group robot
 * ("wecom_robot").
 *
 * Inbound (app only), the callback of 企业微信 "接收消息与事件":
 *   GET  ?msg_signature&timestamp&nonce&echostr  URL verification: answer
 *        the decrypted echostr as text/plain.
 *   POST ?msg_signature&timestamp&nonce  with <xml><Encrypt>...</Encrypt>
 *        </xml>: msg_signature = SHA1(sort(token, timestamp, nonce,
 *        Encrypt)); the plaintext is the message XML (see wxcrypt.h).
 *   Both are refused when the timestamp is more than 5 minutes off (a
 *   replay) or the receiveid is not our corp id. We answer POSTs with an
 *   empty body, which WeCom reads as "no passive reply".
 *
 * Outbound: POST {api_base}/cgi-bin/message/send?access_token=T with
 * {"touser","msgtype":"text","agentid","text":{"content"}}; the token
 * from GET {api_base}/cgi-bin/gettoken?corpid&corpsecret. The robot POSTs
 * {"msgtype":"text","text":{"content"}} to its webhook_url and takes no
 * input.
 *
 * Options (channel object): token/token_env (callback Token), corp_id,
 * agent_id, encoding_aes_key(_env), secret/secret_env or app_secret(_env)
 * (the app's Secret), webhook_url (robot).
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "channel.h"
#include "wl.h"
#include "wxcrypt.h"

#define WECOM_API	 "https://qyapi.weixin.qq.com"
#define WECOM_TEXT_BYTES 2048 /* the vendor's limit for text content */

/* errcodes of 企业微信 "全局错误码" */
#define WECOM_BUSY	     (-1)  /* 系统繁忙 */
#define WECOM_BAD_TOKEN	     40014 /* 不合法的access_token */
#define WECOM_NO_TOKEN	     41001 /* 缺少access_token参数 */
#define WECOM_TOKEN_EXPIRED  42001 /* access_token已过期 */
#define WECOM_TOKEN_EXPIRED2 42009
#define WECOM_RATE	     45009 /* 接口调用超过限制 */
#define WECOM_CONCURRENCY    45033 /* 接口并发调用超过限制 */

/* Verify the request and, when out is not NULL, hand back the decrypted
 * echostr (GET) or message XML (POST). */
static int wecom_open(const struct wl_channel_conf *ch,
		      const struct chan_request *req, char **out,
		      size_t *out_len)
{
	const char *sig = req->arg(req->ctx, "msg_signature");
	const char *ts = req->arg(req->ctx, "timestamp");
	const char *nonce = req->arg(req->ctx, "nonce");
	const char *aes = wxcrypt_conf(ch, "encoding_aes_key");
	char echostr[WXCRYPT_B64_MAX / 64];
	const char *enc = NULL;
	struct wxcrypt_xml outer = {0};
	struct wxcrypt c;
	char *msg = NULL;
	size_t msg_len = 0;
	int rc = WL_EAUTH;

	memset(&c, 0, sizeof(c));
	if (!aes || !ch->token ||
	    wxcrypt_init(&c, ch->token, aes, wxcrypt_conf(ch, "corp_id")) !=
		WL_OK ||
	    c.receive_id[0] == '\0')
		goto out;
	if (!sig || !ts || !nonce || strlen(nonce) > WXCRYPT_ARG_MAX ||
	    wxcrypt_check_time(ts, req->now_ms) != WL_OK)
		goto out;
	if (strcmp(req->method, "GET") == 0) {
		const char *e = req->arg(req->ctx, "echostr");
		size_t len = e ? strlen(e) : 0;

		if (!e || len == 0 || len >= sizeof(echostr))
			goto out;
		/* A '+' that reached us unescaped was read as a space. */
		for (size_t i = 0; i <= len; i++)
			echostr[i] = e[i] == ' ' ? '+' : e[i];
		enc = echostr;
	} else if (strcmp(req->method, "POST") == 0) {
		if (wxcrypt_xml_parse(req->body, req->body_len, &outer) !=
		    WL_OK)
			goto out;
		enc = wxcrypt_xml_get(&outer, "Encrypt");
		if (!enc)
			goto out;
	} else {
		goto out;
	}
	rc = wxcrypt_verify(&c, sig, ts, nonce, enc);
	if (rc != WL_OK)
		goto out;
	rc = wxcrypt_decrypt(&c, enc, strlen(enc), &msg, &msg_len);
	if (rc == WL_ETOOBIG || rc == WL_EBADREQ)
		rc = WL_EAUTH;
	if (rc != WL_OK)
		goto out;
	if (out) {
		*out = msg;
		*out_len = msg_len;
		msg = NULL;
	}
out:
	free(msg);
	wxcrypt_xml_release(&outer);
	wxcrypt_release(&c);
	return rc;
}

static int wecom_verify(const struct wl_channel_conf *ch,
			const struct chan_request *req)
{
	return wecom_open(ch, req, NULL, NULL);
}

static int wecom_parse(const struct wl_channel_conf *ch,
		       const struct chan_request *req, struct chan_inbound *out)
{
	struct wxcrypt_xml doc = {0};
	char *msg = NULL;
	size_t len = 0;
	int rc;

	rc = wecom_open(ch, req, &msg, &len);
	if (rc != WL_OK)
		return WL_EBADREQ;
	if (strcmp(req->method, "GET") == 0) {
		out->reply_body = msg;
		out->reply_type = "text/plain";
		return WL_OK;
	}
	rc = wxcrypt_xml_parse(msg, len, &doc);
	if (rc == WL_OK)
		rc = wxcrypt_inbound_add(&doc, out);
	if (rc == WL_OK) {
		out->reply_body = strdup("");
		out->reply_type = "text/plain";
		if (!out->reply_body)
			rc = WL_ENOMEM;
	}
	if (rc == WL_ETOOBIG)
		rc = WL_EBADREQ;
	wxcrypt_xml_release(&doc);
	free(msg);
	return rc;
}

/* agent_id as the JSON integer the API wants: the option may be written
 * as a number or a string of digits. 0 when absent or malformed. */
static json_int_t wecom_agent_id(const struct wl_channel_conf *ch)
{
	json_t *v = json_object_get(ch->raw, "agent_id");
	const char *s;
	json_int_t n = 0;

	if (json_is_integer(v))
		return json_integer_value(v) > 0 ? json_integer_value(v) : 0;
	if (!json_is_string(v))
		return 0;
	s = json_string_value(v);
	if (s[0] == '\0' || strlen(s) > 12)
		return 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return 0;
		n = n * 10 + (*s - '0');
	}
	return n;
}

static int wecom_format(const struct wl_channel_conf *ch, const char *token,
			const char *msg_id, const char *to, const char *text,
			struct chan_http *out)
{
	json_int_t agent = wecom_agent_id(ch);
	struct buf url = BUF_INIT;

	if (!token || !token[0] || !to || !to[0] || !text || agent <= 0)
		return WL_EBADREQ;
	wxcrypt_url_base(&url, ch, WECOM_API, "/cgi-bin/message/send");
	wxcrypt_url_arg(&url, '?', "access_token", token);
	out->url = buf_detach(&url, NULL);
	if (!out->url)
		return WL_ENOMEM;
	return chan_http_json(out,
			      json_pack("{s:s, s:s, s:I, s:{s:s}}", "touser",
					to, "msgtype", "text", "agentid", agent,
					"text", "content", text),
			      NULL);
}

static const char *wecom_secret(const struct wl_channel_conf *ch)
{
	return ch->secret && ch->secret[0] ? ch->secret
					   : wxcrypt_conf(ch, "app_secret");
}

static int wecom_token_request(const struct wl_channel_conf *ch,
			       struct chan_http *out)
{
	const char *corp = wxcrypt_conf(ch, "corp_id");
	const char *secret = wecom_secret(ch);
	struct buf url = BUF_INIT;

	if (!corp || !secret)
		return WL_EBADREQ;
	wxcrypt_url_base(&url, ch, WECOM_API, "/cgi-bin/gettoken");
	wxcrypt_url_arg(&url, '?', "corpid", corp);
	wxcrypt_url_arg(&url, '&', "corpsecret", secret);
	/* A GET: no body. */
	out->url = buf_detach(&url, NULL);
	return out->url ? WL_OK : WL_ENOMEM;
}

/* The errcode of a JSON answer: 1 and *code when there is one. */
static int wecom_token_parse(const char *body, size_t len, char **token,
			     long *expires_in_s)
{
	return wxcrypt_token_parse(body, len, 1024, token, expires_in_s);
}

static enum chan_result wecom_classify(long status, const char *body,
				       size_t len)
{
	enum chan_result r;
	json_t *root = NULL;
	json_int_t code = 0;

	if (status < 200 || status >= 300)
		return chan_classify_http(status);
	if (!wxcrypt_errcode(body, len, &root, &code)) {
		/* A 200 that is not the API's answer (a proxy page). */
		r = CHAN_RETRY;
	} else if (code == 0) {
		r = CHAN_SENT;
	} else if (code == WECOM_BAD_TOKEN || code == WECOM_NO_TOKEN ||
		   code == WECOM_TOKEN_EXPIRED ||
		   code == WECOM_TOKEN_EXPIRED2) {
		r = CHAN_REAUTH;
	} else if (code == WECOM_BUSY || code == WECOM_RATE ||
		   code == WECOM_CONCURRENCY) {
		r = CHAN_RETRY;
	} else {
		r = CHAN_FATAL;
	}
	json_decref(root);
	return r;
}

const struct chan_adapter chan_wecom = {
    .type = "wecom",
    .verify = wecom_verify,
    /* No replay record: msg_signature covers the encrypted body, and
     * the message id dedupes the same request again. */
    .parse = wecom_parse,
    .format = wecom_format,
    .token_request = wecom_token_request,
    .token_parse = wecom_token_parse,
    .classify = wecom_classify,
    .max_units = WECOM_TEXT_BYTES,
    .unit = text_unit_byte,
};

/* ---- the group robot (群机器人)
 * ---------------------------------------------- */

static int robot_verify(const struct wl_channel_conf *ch,
			const struct chan_request *req)
{
	return WL_EFORBIDDEN; /* send-only */
}

static int robot_parse(const struct wl_channel_conf *ch,
		       const struct chan_request *req, struct chan_inbound *out)
{
	return WL_EBADREQ;
}

static int robot_format(const struct wl_channel_conf *ch, const char *token,
			const char *msg_id, const char *to, const char *text,
			struct chan_http *out)
{
	const char *hook = wxcrypt_conf(ch, "webhook_url");

	if (!hook)
		hook = ch->callback_url;
	if (!hook || !hook[0] || !text)
		return WL_EBADREQ;
	out->url = strdup(hook);
	if (!out->url)
		return WL_ENOMEM;
	return chan_http_json(out,
			      json_pack("{s:s, s:{s:s}}", "msgtype", "text",
					"text", "content", text),
			      NULL);
}

const struct chan_adapter chan_wecom_robot = {
    .type = "wecom_robot",
    .verify = robot_verify,
    .parse = robot_parse,
    .format = robot_format,
    .classify = wecom_classify,
    .max_units = WECOM_TEXT_BYTES,
    .unit = text_unit_byte,
};
