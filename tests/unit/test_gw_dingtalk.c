/*
 * test_gw_dingtalk.c — the DingTalk adapters: the app robot's callback
 * signature and one-hour rule, message parsing, robot API requests and
 * tokens, and the custom group robot's signed webhook.
 *
 * Vectors: DingTalk documents the algorithm (sign = Base64(HMAC-SHA256(
 * appSecret, timestamp + "\n" + appSecret))) but publishes no fixed
 * input/output pair. The pair below takes the guide's example timestamp
 * header (1577262236757) and the custom-robot guide's example secret
 * ("this is secret"); the expected sign was computed independently with
 * Python's hmac/hashlib/base64 modules, not with this code. The callback
 * body is the example body of DingTalk's "机器人接收消息" guide.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "channel.h"
#include "clock.h"
#include "wl.h"

#define APP_SECRET "this is secret"
#define DOC_TS	   "1577262236757"
#define DOC_TS_MS  1577262236757LL
#define DOC_SIGN   "hmPWwU+7lVdm3ZZz0r9tSfx0L4Q26jWOZr9+Gs6EZQM="
#define HOUR_MS	   3600000LL

static char s_id[] = "dd", s_type[] = "dingtalk", s_secret[] = APP_SECRET,
	    s_base[] = "http://127.0.0.1:9200",
	    s_sec[] = "SECb3f0c0e0d1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3";

struct fake {
	const char *hname[4], *hval[4];
	size_t nh;
};

static const char *fake_header(void *ctx, const char *name)
{
	struct fake *f = ctx;

	for (size_t i = 0; i < f->nh; i++)
		if (strcasecmp(f->hname[i], name) == 0)
			return f->hval[i];
	return NULL;
}

static const char *fake_arg(void *ctx, const char *name)
{
	return NULL;
}

static struct wl_channel_conf dd_conf(const char *raw)
{
	struct wl_channel_conf ch;
	json_error_t err;

	memset(&ch, 0, sizeof(ch));
	ch.id = s_id;
	ch.type = s_type;
	ch.secret = s_secret;
	ch.raw =
	    json_loads(raw ? raw : "{\"app_key\":\"dingabc123\"}", 0, &err);
	assert_non_null(ch.raw);
	return ch;
}

/* The example body of DingTalk's receiving guide (a group @-message). */
static const char doc_body[] =
    "{\"conversationId\":\"xxx\",\"atUsers\":[{\"dingtalkId\":\"xxx\","
    "\"staffId\":\"xxx\"}],\"chatbotCorpId\":\"dinge8a565xxxx\","
    "\"chatbotUserId\":\"$:LWCP_v1:$Cxxxxx\",\"msgId\":\"msg0xxxxx\","
    "\"senderNick\":\"杨xx\",\"isAdmin\":true,\"senderStaffId\":"
    "\"user123\",\"sessionWebhookExpiredTime\":1613635652738,"
    "\"createAt\":1613630252678,\"senderCorpId\":\"dinge8a565xxxx\","
    "\"conversationType\":\"2\",\"senderId\":\"$:LWCP_v1:$Ff09GIxxxxx\","
    "\"conversationTitle\":\"机器人测试-TEST\",\"isInAtList\":true,"
    "\"sessionWebhook\":\"https://oapi.dingtalk.com/robot/sendBySession?"
    "session=xxxxx\",\"text\":{\"content\":\" 你好\"},\"msgtype\":\"text\"}";

static int dd_handle(const struct wl_channel_conf *ch, const char *ts,
		     const char *sign, int64_t now_ms, const char *body,
		     struct chan_inbound *in)
{
	const struct chan_adapter *ad = chan_find("dingtalk");
	struct chan_request r;
	struct fake f;
	int rc;

	assert_non_null(ad);
	memset(&f, 0, sizeof(f));
	memset(&r, 0, sizeof(r));
	memset(in, 0, sizeof(*in));
	if (ts) {
		f.hname[f.nh] = "timestamp";
		f.hval[f.nh++] = ts;
	}
	if (sign) {
		f.hname[f.nh] = "sign";
		f.hval[f.nh++] = sign;
	}
	r.method = "POST";
	r.path = "/hook/dd";
	r.full_url = "http://127.0.0.1:8080/hook/dd";
	r.body = body;
	r.body_len = strlen(body);
	r.peer_ip = "127.0.0.1";
	r.now_ms = now_ms;
	r.header = fake_header;
	r.arg = fake_arg;
	r.ctx = &f;
	rc = ad->verify(ch, &r);
	if (rc != WL_OK)
		return rc;
	return ad->parse(ch, &r, in);
}

static void test_verify_documented_algorithm(void **state)
{
	struct wl_channel_conf ch = dd_conf(NULL);
	struct chan_inbound in;

	assert_int_equal(
	    dd_handle(&ch, DOC_TS, DOC_SIGN, DOC_TS_MS + 1000, doc_body, &in),
	    WL_OK);
	assert_int_equal(in.n, 1);
	chan_inbound_release(&in);
	json_decref(ch.raw);
}

static void test_verify_one_hour_rule(void **state)
{
	struct wl_channel_conf ch = dd_conf(NULL);
	struct chan_inbound in;

	/* Exactly one hour either way is still within the rule. */
	assert_int_equal(dd_handle(&ch, DOC_TS, DOC_SIGN, DOC_TS_MS + HOUR_MS,
				   doc_body, &in),
			 WL_OK);
	chan_inbound_release(&in);
	assert_int_equal(dd_handle(&ch, DOC_TS, DOC_SIGN, DOC_TS_MS - HOUR_MS,
				   doc_body, &in),
			 WL_OK);
	chan_inbound_release(&in);
	/* A replayed old request, and one from the future. */
	assert_int_equal(dd_handle(&ch, DOC_TS, DOC_SIGN,
				   DOC_TS_MS + HOUR_MS + 1, doc_body, &in),
			 WL_EAUTH);
	assert_int_equal(in.n, 0);
	assert_int_equal(dd_handle(&ch, DOC_TS, DOC_SIGN,
				   DOC_TS_MS + 24 * HOUR_MS, doc_body, &in),
			 WL_EAUTH);
	assert_int_equal(dd_handle(&ch, DOC_TS, DOC_SIGN,
				   DOC_TS_MS - HOUR_MS - 1, doc_body, &in),
			 WL_EAUTH);
	assert_int_equal(in.n, 0);
	json_decref(ch.raw);
}

static void test_verify_rejects_forgeries(void **state)
{
	struct wl_channel_conf ch = dd_conf(NULL);
	struct chan_inbound in;
	int64_t now = DOC_TS_MS + 5000;
	char flipped[] = DOC_SIGN;

	flipped[5] ^= 0x01;
	assert_int_equal(dd_handle(&ch, DOC_TS, flipped, now, doc_body, &in),
			 WL_EAUTH);
	assert_int_equal(in.n, 0);
	/* Signed by another app: Python hmac with "other app secret". */
	assert_int_equal(
	    dd_handle(&ch, DOC_TS,
		      "LyLATrJe+QeRVglczqk9Epuloh2pMC62ibTYDNPRVWo=", now,
		      doc_body, &in),
	    WL_EAUTH);
	/* The sign of one timestamp does not cover another. */
	assert_int_equal(
	    dd_handle(&ch, "1577262236758", DOC_SIGN, now, doc_body, &in),
	    WL_EAUTH);
	assert_int_equal(dd_handle(&ch, NULL, DOC_SIGN, now, doc_body, &in),
			 WL_EAUTH);
	assert_int_equal(dd_handle(&ch, DOC_TS, NULL, now, doc_body, &in),
			 WL_EAUTH);
	assert_int_equal(
	    dd_handle(&ch, "15772622367x7", DOC_SIGN, now, doc_body, &in),
	    WL_EAUTH);
	assert_int_equal(dd_handle(&ch, "", DOC_SIGN, now, doc_body, &in),
			 WL_EAUTH);
	assert_int_equal(in.n, 0);
	ch.secret = NULL;
	assert_int_equal(dd_handle(&ch, DOC_TS, DOC_SIGN, now, doc_body, &in),
			 WL_EAUTH);
	assert_int_equal(in.n, 0);
	json_decref(ch.raw);
}

static void test_parse_documented_group_message(void **state)
{
	struct wl_channel_conf ch = dd_conf(NULL);
	struct chan_inbound in;

	assert_int_equal(
	    dd_handle(&ch, DOC_TS, DOC_SIGN, DOC_TS_MS, doc_body, &in), WL_OK);
	assert_int_equal(in.n, 1);
	assert_string_equal(in.msgs[0].id, "msg0xxxxx");
	/* A group conversation: replies go to the group. */
	assert_string_equal(in.msgs[0].from, "xxx");
	assert_string_equal(in.msgs[0].name, "杨xx");
	assert_string_equal(in.msgs[0].text, "你好");
	assert_string_equal(in.msgs[0].kind, "text");
	/* The short-lived sessionWebhook is not kept. */
	assert_null(in.msgs[0].attachment);
	chan_inbound_release(&in);
	json_decref(ch.raw);
}

static void test_parse_single_chat_and_media(void **state)
{
	struct wl_channel_conf ch = dd_conf(NULL);
	struct chan_inbound in;
	const char *single =
	    "{\"msgId\":\"msgA1\",\"conversationType\":\"1\","
	    "\"conversationId\":\"cidABC==\","
	    "\"senderStaffId\":\"manager7\","
	    "\"senderId\":\"$:LWCP_v1:$X\",\"senderNick\":\"刘伟\","
	    "\"msgtype\":\"text\",\"text\":{\"content\":\"办结 1042 棉被 "
	    "1人次 200元\\n\"}}";
	const char *picture =
	    "{\"msgId\":\"msgA2\",\"conversationType\":\"1\","
	    "\"senderId\":\"$:LWCP_v1:$Y\",\"msgtype\":\"picture\","
	    "\"content\":{\"downloadCode\":\"dlc-77\"}}";
	const char *audio =
	    "{\"msgId\":\"msgA3\",\"conversationType\":\"1\","
	    "\"senderStaffId\":\"u9\",\"msgtype\":\"audio\","
	    "\"content\":{\"duration\":4000,\"downloadCode\":\"dlc-88\","
	    "\"recognition\":\"我家没暖气\"}}";
	const char *rich = "{\"msgId\":\"msgA4\",\"conversationType\":\"1\","
			   "\"senderStaffId\":\"u9\",\"msgtype\":\"richText\","
			   "\"content\":{\"richText\":[{\"text\":\"烟囱\"},"
			   "{\"downloadCode\":\"dlc-99\",\"type\":\"picture\"},"
			   "{\"text\":\"堵了\"}]}}";

	assert_int_equal(
	    dd_handle(&ch, DOC_TS, DOC_SIGN, DOC_TS_MS, single, &in), WL_OK);
	assert_string_equal(in.msgs[0].from, "manager7");
	assert_string_equal(in.msgs[0].text, "办结 1042 棉被 1人次 200元");
	chan_inbound_release(&in);

	assert_int_equal(
	    dd_handle(&ch, DOC_TS, DOC_SIGN, DOC_TS_MS, picture, &in), WL_OK);
	assert_string_equal(in.msgs[0].from, "$:LWCP_v1:$Y");
	assert_string_equal(in.msgs[0].kind, "image");
	assert_string_equal(in.msgs[0].attachment, "dlc-77");
	assert_null(in.msgs[0].text);
	assert_null(in.msgs[0].name);
	chan_inbound_release(&in);

	assert_int_equal(
	    dd_handle(&ch, DOC_TS, DOC_SIGN, DOC_TS_MS, audio, &in), WL_OK);
	assert_string_equal(in.msgs[0].kind, "voice");
	assert_string_equal(in.msgs[0].attachment, "dlc-88");
	chan_inbound_release(&in);

	assert_int_equal(dd_handle(&ch, DOC_TS, DOC_SIGN, DOC_TS_MS, rich, &in),
			 WL_OK);
	assert_string_equal(in.msgs[0].kind, "text");
	assert_string_equal(in.msgs[0].text, "烟囱堵了");
	assert_string_equal(in.msgs[0].attachment, "dlc-99");
	chan_inbound_release(&in);
	json_decref(ch.raw);
}

static void test_parse_rejects_malformed(void **state)
{
	static const char *const bad[] = {
	    "{\"msgId\":\"m\",\"conversationType\":\"1\","
	    "\"senderStaffId\":\"u\",\"msgtype\":\"text\",\"text\":{\"cont",
	    "{\"conversationType\":\"1\",\"senderStaffId\":\"u\","
	    "\"msgtype\":\"text\",\"text\":{\"content\":\"x\"}}",
	    "{\"msgId\":\"m\",\"conversationType\":\"2\","
	    "\"senderStaffId\":\"u\",\"msgtype\":\"text\","
	    "\"text\":{\"content\":\"x\"}}",
	    "{\"msgId\":\"m\",\"conversationType\":\"1\","
	    "\"senderStaffId\":\"u\",\"msgtype\":\"text\"}",
	    "{\"msgId\":\"m\",\"conversationType\":\"1\","
	    "\"senderStaffId\":\"u\"}",
	    "\"msgId\"",
	};
	struct wl_channel_conf ch = dd_conf(NULL);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct chan_inbound in;

		assert_int_equal(
		    dd_handle(&ch, DOC_TS, DOC_SIGN, DOC_TS_MS, bad[i], &in),
		    WL_EBADREQ);
		assert_int_equal(in.n, 0);
		chan_inbound_release(&in);
	}
	json_decref(ch.raw);
}

static void test_format_robot_api(void **state)
{
	const struct chan_adapter *ad = chan_find("dingtalk");
	struct wl_channel_conf ch = dd_conf(NULL);
	struct chan_http h = {0};

	assert_int_equal(
	    ad->format(&ch, "tok123", "m1", "manager7", "已认领 \"1042\"", &h),
	    WL_OK);
	assert_string_equal(h.url, "https://api.dingtalk.com/v1.0/robot/"
				   "oToMessages/batchSend");
	assert_string_equal(h.body,
			    "{\"robotCode\":\"dingabc123\",\"userIds\":"
			    "[\"manager7\"],\"msgKey\":\"sampleText\","
			    "\"msgParam\":\"{\\\"content\\\":\\\"已认领 "
			    "\\\\\\\"1042\\\\\\\"\\\"}\"}");
	assert_int_equal(h.n_headers, 2);
	assert_string_equal(h.headers[0], "Content-Type: application/json");
	assert_string_equal(h.headers[1],
			    "x-acs-dingtalk-access-token: tok123");
	chan_http_release(&h);

	/* A group conversation id, a robot code of its own, a test host. */
	json_object_set_new(ch.raw, "robot_code", json_string("robot9"));
	ch.api_base = s_base;
	assert_int_equal(ad->format(&ch, "tok123", "m2", "cidXYZ==", "好", &h),
			 WL_OK);
	assert_string_equal(h.url, "http://127.0.0.1:9200/v1.0/robot/"
				   "groupMessages/send");
	assert_string_equal(h.body,
			    "{\"msgParam\":\"{\\\"content\\\":\\\"好\\\"}\","
			    "\"msgKey\":\"sampleText\",\"openConversationId\":"
			    "\"cidXYZ==\",\"robotCode\":\"robot9\"}");
	chan_http_release(&h);

	/* No token yet, or a token that would add a header. */
	assert_int_equal(ad->format(&ch, NULL, "m3", "u", "x", &h), WL_EBADREQ);
	chan_http_release(&h);
	assert_int_equal(ad->format(&ch, "t\r\nX: y", "m3", "u", "x", &h),
			 WL_EBADREQ);
	chan_http_release(&h);
	json_decref(ch.raw);
}

static void test_token_request_and_parse(void **state)
{
	const struct chan_adapter *ad = chan_find("dingtalk");
	struct wl_channel_conf ch = dd_conf(NULL);
	struct chan_http h = {0};
	const char *ok = "{\"errcode\":0,\"access_token\":\"96fc7a7axxx\","
			 "\"errmsg\":\"ok\",\"expires_in\":7200}";
	const char *bad = "{\"errcode\":40089,\"errmsg\":\"不合法的corpid或"
			  "corpsecret\"}";
	char *tok = NULL;
	long exp = 0;

	assert_non_null(ad->token_request);
	assert_int_equal(ad->token_request(&ch, &h), WL_OK);
	assert_string_equal(h.url, "https://oapi.dingtalk.com/gettoken?"
				   "appkey=dingabc123&appsecret=this%20is%20"
				   "secret");
	assert_null(h.body);
	chan_http_release(&h);

	assert_int_equal(ad->token_parse(ok, strlen(ok), &tok, &exp), WL_OK);
	assert_string_equal(tok, "96fc7a7axxx");
	assert_int_equal(exp, 7200);
	free(tok);
	tok = NULL;
	assert_int_not_equal(ad->token_parse(bad, strlen(bad), &tok, &exp),
			     WL_OK);
	assert_null(tok);
	bad = "{\"access_token\":\"a\\nb\"}";
	assert_int_not_equal(ad->token_parse(bad, strlen(bad), &tok, &exp),
			     WL_OK);
	assert_null(tok);
	assert_int_not_equal(ad->token_parse(ok, 20, &tok, &exp), WL_OK);
	assert_null(tok);

	json_object_del(ch.raw, "app_key");
	assert_int_equal(ad->token_request(&ch, &h), WL_EBADREQ);
	chan_http_release(&h);

	/* The shared key names: app_id for the AppKey, app_secret for the
	 * AppSecret (taking precedence over secret). */
	json_object_set_new(ch.raw, "app_id", json_string("dingk2"));
	json_object_set_new(ch.raw, "app_secret", json_string("s&2"));
	assert_int_equal(ad->token_request(&ch, &h), WL_OK);
	assert_string_equal(h.url, "https://oapi.dingtalk.com/gettoken?"
				   "appkey=dingk2&appsecret=s%262");
	chan_http_release(&h);
	ch.secret = NULL;
	json_object_del(ch.raw, "app_secret");
	assert_int_equal(ad->token_request(&ch, &h), WL_EBADREQ);
	chan_http_release(&h);
	json_decref(ch.raw);
}

static void test_verify_with_app_secret_key(void **state)
{
	struct wl_channel_conf ch =
	    dd_conf("{\"app_secret\":\"" APP_SECRET "\"}");
	struct chan_inbound in;

	ch.secret = NULL;
	assert_int_equal(
	    dd_handle(&ch, DOC_TS, DOC_SIGN, DOC_TS_MS, doc_body, &in), WL_OK);
	assert_int_equal(in.n, 1);
	chan_inbound_release(&in);
	json_decref(ch.raw);
}

struct cls_case {
	long status;
	const char *body;
	enum chan_result want;
};

static void test_classify(void **state)
{
	static const struct cls_case cases[] = {
	    {200, "{\"errcode\":0,\"errmsg\":\"ok\"}", CHAN_SENT},
	    {200,
	     "{\"processQueryKey\":\"q1\",\"invalidStaffIdList\":[],"
	     "\"flowControlledStaffIdList\":[]}",
	     CHAN_SENT},
	    {200,
	     "{\"processQueryKey\":\"q1\",\"invalidStaffIdList\":"
	     "[\"ghost\"]}",
	     CHAN_FATAL},
	    {200,
	     "{\"processQueryKey\":\"q1\","
	     "\"flowControlledStaffIdList\":[\"u1\"]}",
	     CHAN_RETRY},
	    {200, "{\"errcode\":130101,\"errmsg\":\"send too fast\"}",
	     CHAN_RETRY},
	    {200, "{\"errcode\":410100,\"errmsg\":\"send too fast\"}",
	     CHAN_RETRY},
	    {200, "{\"errcode\":-1,\"errmsg\":\"系统繁忙\"}", CHAN_RETRY},
	    {200, "{\"errcode\":310000,\"errmsg\":\"sign not match\"}",
	     CHAN_FATAL},
	    {200, "{\"errcode\":300001,\"errmsg\":\"token is not exist\"}",
	     CHAN_FATAL},
	    {200, "{\"errcode\":42001,\"errmsg\":\"access_token超时\"}",
	     CHAN_REAUTH},
	    {401, "{\"code\":\"InvalidAuthentication\"}", CHAN_REAUTH},
	    {403, "{\"code\":\"Forbidden.AccessDenied.QpsLimitForApi\"}",
	     CHAN_RETRY},
	    {400, "{\"code\":\"invalidParameter.robotCode\"}", CHAN_FATAL},
	    {503, "", CHAN_RETRY},
	    {0, "", CHAN_RETRY},
	};
	const struct chan_adapter *ad = chan_find("dingtalk");

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(ad->classify(cases[i].status, cases[i].body,
					      strlen(cases[i].body)),
				 cases[i].want);
}

/* The custom robot's sign, computed here with OpenSSL directly and
 * URL-encoded by hand, as the custom-robot guide describes. */
static void expected_url_sign(const char *secret, const char *ts, char *out,
			      size_t size)
{
	unsigned char mac[EVP_MAX_MD_SIZE], b64[64];
	unsigned int mac_len = 0;
	char data[128];
	size_t n = 0;

	snprintf(data, sizeof(data), "%s\n%s", ts, secret);
	assert_non_null(HMAC(EVP_sha256(), secret, (int)strlen(secret),
			     (const unsigned char *)data, strlen(data), mac,
			     &mac_len));
	EVP_EncodeBlock(b64, mac, (int)mac_len);
	for (const unsigned char *p = b64; *p && n + 4 < size; p++) {
		if (*p == '+' || *p == '/' || *p == '=')
			n += (size_t)snprintf(out + n, size - n, "%%%02X", *p);
		else
			out[n++] = (char)*p;
	}
	out[n] = '\0';
}

static void test_webhook_signed_url(void **state)
{
	const struct chan_adapter *ad = chan_find("dingtalk_webhook");
	struct wl_channel_conf ch =
	    dd_conf("{\"webhook_url\":\"https://oapi.dingtalk.com/robot/send?"
		    "access_token=abc123\"}");
	const char *prefix = "https://oapi.dingtalk.com/robot/send?"
			     "access_token=abc123&timestamp=";
	struct chan_http h = {0};
	char ts[32], want_sign[96], want_url[512];
	const char *p, *amp;
	long long t;

	assert_non_null(ad);
	assert_null(ad->verify);
	assert_null(ad->parse);
	assert_null(ad->token_request);
	clock_init(false);
	ch.secret = s_sec;
	assert_int_equal(
	    ad->format(&ch, NULL, "m1", "group", "值班提醒：1042", &h), WL_OK);
	assert_memory_equal(h.url, prefix, strlen(prefix));
	p = h.url + strlen(prefix);
	amp = strchr(p, '&');
	assert_non_null(amp);
	assert_true((size_t)(amp - p) < sizeof(ts));
	memcpy(ts, p, (size_t)(amp - p));
	ts[amp - p] = '\0';
	t = strtoll(ts, NULL, 10);
	assert_true(llabs(t - (long long)clock_now_ms()) < 5000);
	expected_url_sign(s_sec, ts, want_sign, sizeof(want_sign));
	snprintf(want_url, sizeof(want_url), "%s%s&sign=%s", prefix, ts,
		 want_sign);
	assert_string_equal(h.url, want_url);
	assert_string_equal(h.body, "{\"msgtype\":\"text\",\"text\":"
				    "{\"content\":\"值班提醒：1042\"}}");
	assert_string_equal(h.headers[0], "Content-Type: application/json");
	assert_int_equal(h.n_headers, 1);
	chan_http_release(&h);

	/* A robot secured by keyword or IP only: no signature. */
	ch.secret = NULL;
	assert_int_equal(ad->format(&ch, NULL, "m2", "group", "x", &h), WL_OK);
	assert_string_equal(h.url, "https://oapi.dingtalk.com/robot/send?"
				   "access_token=abc123");
	chan_http_release(&h);
	json_object_del(ch.raw, "webhook_url");
	assert_int_equal(ad->format(&ch, NULL, "m3", "group", "x", &h),
			 WL_EBADREQ);
	chan_http_release(&h);
	json_decref(ch.raw);
}

static void test_limits(void **state)
{
	const struct chan_adapter *ad = chan_find("dingtalk");

	assert_int_equal(ad->max_units, 4000);
	assert_int_equal(ad->unit(0x4e2d), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_verify_documented_algorithm),
	    cmocka_unit_test(test_verify_one_hour_rule),
	    cmocka_unit_test(test_verify_rejects_forgeries),
	    cmocka_unit_test(test_verify_with_app_secret_key),
	    cmocka_unit_test(test_parse_documented_group_message),
	    cmocka_unit_test(test_parse_single_chat_and_media),
	    cmocka_unit_test(test_parse_rejects_malformed),
	    cmocka_unit_test(test_format_robot_api),
	    cmocka_unit_test(test_token_request_and_parse),
	    cmocka_unit_test(test_classify),
	    cmocka_unit_test(test_webhook_signed_url),
	    cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
