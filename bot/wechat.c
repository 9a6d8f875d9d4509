/*
 * wechat.c — the WeChat Official Account (微信公众号), type "wechat".
 *
 * Inbound, as 公众号 "接入指南" and "消息加解密说明" describe:
 *   GET  ?signature&timestamp&nonce&echostr  URL verification:
 *        signature = SHA1(sort(token, timestamp, nonce)); echo echostr.
 *   POST plain mode (明文模式): the same signature, the body is the
 *        message XML. The signature does not cover the body, so plain
 *        mode is refused once an encoding_aes_key is configured, and
 *        `check` refuses a channel without one unless it says
 *        "insecure_plain": true. Within the 5-minute window each
 *        signature is recorded with a digest of its body (the replay
 *        record, see channel.h), so a captured query cannot carry a new
 *        body.
 *   POST safe or compatible mode (安全/兼容模式, encrypt_type=aes):
 *        msg_signature = SHA1(sort(token, timestamp, nonce, Encrypt)), the
 *        Encrypt element decrypts (WXBizMsgCrypt, see wxcrypt.h) with the
 *        app id as receiveid.
 *   A timestamp more than 5 minutes off is a replay and refused. POSTs are
 *   answered "success", which the platform reads as "no passive reply"
 *   (anything else it does not understand makes it tell the user the
 *   account "暂时无法提供服务").
 *
 * Outbound: customer-service messages (客服消息), POST
 * {api_base}/cgi-bin/message/custom/send?access_token=T with
 * {"touser","msgtype":"text","text":{"content"}}. The token comes from the
 * stable-token interface, POST {api_base}/cgi-bin/stable_token with
 * {"grant_type":"client_credential","appid","secret"}: unlike
 * /cgi-bin/token it does not invalidate the token other daemons of the
 * same account hold (DESIGN §6).
 *
 * Options: token/token_env, app_id, app_secret(_env) or secret/secret_env,
 * encoding_aes_key(_env) for safe mode.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "channel.h"
#include "wl.h"
#include "wxcrypt.h"

#define WECHAT_API	  "https://api.weixin.qq.com"
#define WECHAT_TEXT_BYTES 2048
#define WECHAT_ECHO_MAX	  512

/* errcodes of 公众号 "全局返回码" */
#define WECHAT_BUSY	      (-1)  /* 系统繁忙 */
#define WECHAT_BAD_CREDENTIAL 40001 /* access_token 无效 */
#define WECHAT_BAD_TOKEN      40014 /* 不合法的 access_token */
#define WECHAT_NO_TOKEN	      41001 /* 缺少 access_token 参数 */
#define WECHAT_TOKEN_EXPIRED  42001 /* access_token 超时 */
#define WECHAT_QUOTA	      45009 /* 接口调用超过限制 */
#define WECHAT_TOO_FAST	      45011 /* API 调用太频繁 */

static int wechat_is(const char *a, const char *b)
{
	return a && strcmp(a, b) == 0;
}

/* Verify the request; when out is not NULL, hand back the message XML
 * (POST) or the echostr (GET). */
static int wechat_open(const struct wl_channel_conf *ch,
		       const struct chan_request *req, char **out,
		       size_t *out_len)
{
	const char *ts = req->arg(req->ctx, "timestamp");
	const char *nonce = req->arg(req->ctx, "nonce");
	const char *aes = wxcrypt_conf(ch, "encoding_aes_key");
	const char *enc_type = req->arg(req->ctx, "encrypt_type");
	struct wxcrypt_xml outer = {0};
	struct wxcrypt c;
	const char *enc, *sig;
	char *msg = NULL;
	size_t msg_len = 0;
	int rc = WL_EAUTH;

	memset(&c, 0, sizeof(c));
	if (!ch->token || !ts || !nonce || strlen(nonce) > WXCRYPT_ARG_MAX ||
	    wxcrypt_check_time(ts, req->now_ms) != WL_OK)
		goto out;
	if (wxcrypt_init(&c, ch->token, aes, wxcrypt_conf(ch, "app_id")) !=
	    WL_OK)
		goto out;
	if (wechat_is(req->method, "GET")) {
		const char *echo = req->arg(req->ctx, "echostr");

		sig = req->arg(req->ctx, "signature");
		if (!echo || !echo[0] || strlen(echo) > WECHAT_ECHO_MAX)
			goto out;
		rc = wxcrypt_verify(&c, sig, ts, nonce, NULL);
		if (rc == WL_OK && out) {
			msg = strdup(echo);
			msg_len = msg ? strlen(msg) : 0;
			rc = msg ? WL_OK : WL_ENOMEM;
		}
	} else if (!wechat_is(req->method, "POST")) {
		goto out;
	} else if (wechat_is(enc_type, "aes") && aes) {
		sig = req->arg(req->ctx, "msg_signature");
		if (c.receive_id[0] == '\0' ||
		    wxcrypt_xml_parse(req->body, req->body_len, &outer) !=
			WL_OK)
			goto out;
		enc = wxcrypt_xml_get(&outer, "Encrypt");
		if (!enc)
			goto out;
		rc = wxcrypt_verify(&c, sig, ts, nonce, enc);
		if (rc == WL_OK)
			rc = wxcrypt_decrypt(&c, enc, strlen(enc), &msg,
					     &msg_len);
		if (rc == WL_ETOOBIG || rc == WL_EBADREQ)
			rc = WL_EAUTH;
	} else if (aes) {
		/* Configured for safe mode, called in plain mode. */
		goto out;
	} else {
		/* Plain mode, or compatible mode without a key: the plain
		 * fields are in the body as well. */
		sig = req->arg(req->ctx, "signature");
		rc = wxcrypt_verify(&c, sig, ts, nonce, NULL);
		if (rc == WL_OK && out) {
			msg = malloc(req->body_len + 1);
			if (msg) {
				memcpy(msg, req->body, req->body_len);
				msg[req->body_len] = '\0';
				msg_len = req->body_len;
			}
			rc = msg ? WL_OK : WL_ENOMEM;
		}
	}
	if (rc == WL_OK && out) {
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

static int wechat_verify(const struct wl_channel_conf *ch,
			 const struct chan_request *req)
{
	return wechat_open(ch, req, NULL, NULL);
}

static int wechat_parse(const struct wl_channel_conf *ch,
			const struct chan_request *req,
			struct chan_inbound *out)
{
	struct wxcrypt_xml doc = {0};
	char *msg = NULL;
	size_t len = 0;
	int rc;

	rc = wechat_open(ch, req, &msg, &len);
	if (rc != WL_OK)
		return rc == WL_ENOMEM ? rc : WL_EBADREQ;
	if (wechat_is(req->method, "GET")) {
		out->reply_body = msg;
		out->reply_type = "text/plain";
		return WL_OK;
	}
	rc = wxcrypt_xml_parse(msg, len, &doc);
	if (rc == WL_OK)
		rc = wxcrypt_inbound_add(&doc, out);
	if (rc == WL_OK) {
		out->reply_body = strdup("success");
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

static int wechat_format(const struct wl_channel_conf *ch, const char *token,
			 const char *msg_id, const char *to, const char *text,
			 struct chan_http *out)
{
	struct buf url = BUF_INIT;

	if (!token || !token[0] || !to || !to[0] || !text)
		return WL_EBADREQ;
	wxcrypt_url_base(&url, ch, WECHAT_API, "/cgi-bin/message/custom/send");
	wxcrypt_url_arg(&url, '?', "access_token", token);
	out->url = buf_detach(&url, NULL);
	if (!out->url)
		return WL_ENOMEM;
	return chan_http_json(out,
			      json_pack("{s:s, s:s, s:{s:s}}", "touser", to,
					"msgtype", "text", "text", "content",
					text),
			      NULL);
}

static int wechat_token_request(const struct wl_channel_conf *ch,
				struct chan_http *out)
{
	const char *app_id = wxcrypt_conf(ch, "app_id");
	const char *secret = wxcrypt_conf(ch, "app_secret");
	struct buf url = BUF_INIT;

	if (!secret)
		secret = ch->secret;
	if (!app_id || !secret || !secret[0])
		return WL_EBADREQ;
	wxcrypt_url_base(&url, ch, WECHAT_API, "/cgi-bin/stable_token");
	out->url = buf_detach(&url, NULL);
	if (!out->url)
		return WL_ENOMEM;
	return chan_http_json(out,
			      json_pack("{s:s, s:s, s:s}", "grant_type",
					"client_credential", "appid", app_id,
					"secret", secret),
			      NULL);
}

static int wechat_token_parse(const char *body, size_t len, char **token,
			      long *expires_in_s)
{
	return wxcrypt_token_parse(body, len, 2048, token, expires_in_s);
}

static enum chan_result wechat_classify(long status, const char *body,
					size_t len)
{
	enum chan_result r;
	json_t *root = NULL;
	json_int_t code = 0;

	if (status < 200 || status >= 300)
		return chan_classify_http(status);
	if (!wxcrypt_errcode(body, len, &root, &code))
		r = CHAN_RETRY;
	else if (code == 0)
		r = CHAN_SENT;
	else if (code == WECHAT_BAD_CREDENTIAL || code == WECHAT_BAD_TOKEN ||
		 code == WECHAT_NO_TOKEN || code == WECHAT_TOKEN_EXPIRED)
		r = CHAN_REAUTH;
	else if (code == WECHAT_BUSY || code == WECHAT_QUOTA ||
		 code == WECHAT_TOO_FAST)
		r = CHAN_RETRY;
	else
		r = CHAN_FATAL;
	json_decref(root);
	return r;
}

/* Plain mode signs token, timestamp and nonce only, so its signature is
 * what a replay with another body reuses: it is recorded. Safe mode's
 * msg_signature covers the body, so nothing needs recording there. */
static int wechat_replay(const struct wl_channel_conf *ch,
			 const struct chan_request *req, char *key, size_t size,
			 long *ttl_s)
{
	*ttl_s = 2 * WXCRYPT_REPLAY_S + 60;
	key[0] = '\0';
	if (!wechat_is(req->method, "POST") ||
	    wxcrypt_conf(ch, "encoding_aes_key"))
		return WL_OK;
	return chan_replay_key(req->arg(req->ctx, "signature"), key, size);
}

const struct chan_adapter chan_wechat = {
    .type = "wechat",
    .verify = wechat_verify,
    .replay = wechat_replay,
    .parse = wechat_parse,
    .format = wechat_format,
    .token_request = wechat_token_request,
    .token_parse = wechat_token_parse,
    .classify = wechat_classify,
    .max_units = WECHAT_TEXT_BYTES,
    .unit = text_unit_byte,
};
