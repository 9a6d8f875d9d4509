/*
 * test_gw_wecom.c — the WeCom (企业微信) adapters, the WXBizMsgCrypt
 * primitives and the callback XML reader (bot/wecom.c, bot/wxcrypt.c).
 *
 * Conformance uses Tencent's own published vectors; each test names where
 * its vector comes from. Everything else is a round trip through our own
 * encrypt function or a hand-made document, and says so.
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

#include "channel.h"
#include "wl.h"
#include "wxcrypt.h"

/* ---- Tencent's vectors -------------------------------------------------- */

/* workweixin/weworkapi_cplusplus Sample.cpp (the same values are in the
 * WeCom doc "加解密方案说明", developer.work.weixin.qq.com/document/path/
 * 90968): the corp's settings, a URL-verification GET and a POST. */
#define V1_TOKEN     "QDG6eK"
#define V1_CORP	     "wx5823bf96d3bd56c7"
#define V1_KEY	     "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
#define V1_GET_SIG   "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"
#define V1_GET_TS    "1409659589"
#define V1_GET_NONCE "263014780"
#define V1_GET_ECHO                                                            \
	"P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8" \
	"TgAE7OaBO+FZXvnaqQ=="
#define V1_POST_SIG   "477715d11cdb4164915debcba66cb864d751f3e6"
#define V1_POST_TS    "1409659813"
#define V1_POST_NONCE "1372623149"
#define V1_POST_ENC                                                            \
	"RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/" \
	"0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt6" \
	"6wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+H" \
	"MZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqC" \
	"KIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wL" \
	"VMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVK" \
	"n28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
/* The XML form of that POST body, as in the docstring of
 * sbzhu/weworkapi_python callback/Sample.py. */
#define V1_POST_BODY                                                           \
	"<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>"         \
	"<Encrypt><![CDATA[" V1_POST_ENC "]]></Encrypt>"                       \
	"<AgentID><![CDATA[218]]></AgentID></xml>"

/* sbzhu/weworkapi_python callback/Sample.py (Tencent's Python sample):
 * another corp, GET and POST. */
#define V2_TOKEN     "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
#define V2_CORP	     "ww1436e0e65a779aee"
#define V2_KEY	     "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
#define V2_GET_SIG   "012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb"
#define V2_GET_TS    "1476416373"
#define V2_GET_NONCE "47744683"
#define V2_GET_ECHO                                                            \
	"fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjn" \
	"oVzEtpbhnFyq6SVHyA=="
#define V2_POST_SIG   "0c3914025cb4b4d68103f6bfc8db550f79dcf48e"
#define V2_POST_TS    "1476422779"
#define V2_POST_NONCE "1597212914"
#define V2_POST_BODY                                                           \
	"<xml><ToUserName><![CDATA[ww1436e0e65a779aee]]></ToUserName>\n"       \
	"<Encrypt><![CDATA[Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9p" \
	"FeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3NyeTkAgGzBhzTtRLNshw2AEew+kkYcD+Fq7" \
	"2Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqfde0VJPQbZ9U+3JWc" \
	"oD4Z5jaU0y9GSh010wsHF8KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2" \
	"pFrdkJ7MhmEbU2qARR4iQHE7wy24qy0cRX3Mfp6iELcDNfSsPGjUQVDGxQDCWjayJOpc" \
	"wocugux082f49HKYg84EpHSGXAyh+/oxwaWbvL6aSDPOYuPDGOCI8jmnKiypE+]]>"    \
	"</Encrypt>\n<AgentID><![CDATA[1000002]]></AgentID>\n</xml>"

/* ---- a fake request ----------------------------------------------------- */

struct fake {
	const char *arg_name[8], *arg_val[8];
	const char *hdr_name[8], *hdr_val[8];
	size_t n_args, n_hdrs;
};

static const char *fake_arg(void *ctx, const char *name)
{
	struct fake *f = ctx;

	for (size_t i = 0; i < f->n_args; i++)
		if (strcmp(f->arg_name[i], name) == 0)
			return f->arg_val[i];
	return NULL;
}

static const char *fake_header(void *ctx, const char *name)
{
	struct fake *f = ctx;

	for (size_t i = 0; i < f->n_hdrs; i++)
		if (strcasecmp(f->hdr_name[i], name) == 0)
			return f->hdr_val[i];
	return NULL;
}

static void fake_set(struct fake *f, const char *name, const char *val)
{
	f->arg_name[f->n_args] = name;
	f->arg_val[f->n_args++] = val;
}

static struct chan_request fake_req(struct fake *f, const char *method,
				    const char *body, size_t len,
				    long long now_s)
{
	struct chan_request r = {
	    .method = method,
	    .path = "/hook/wc",
	    .full_url = "http://example/hook/wc",
	    .body = body,
	    .body_len = len,
	    .peer_ip = "127.0.0.1",
	    .now_ms = now_s * 1000,
	    .header = fake_header,
	    .arg = fake_arg,
	    .ctx = f,
	};
	return r;
}

static struct wl_channel_conf conf(const char *token, const char *corp,
				   const char *key)
{
	struct wl_channel_conf ch = {0};

	ch.id = strdup("wc");
	ch.type = strdup("wecom");
	ch.token = strdup(token);
	ch.secret = strdup("corpsecret-1");
	ch.raw = json_pack("{s:s, s:i, s:s}", "corp_id", corp, "agent_id",
			   1000002, "encoding_aes_key", key);
	return ch;
}

static void conf_release(struct wl_channel_conf *ch)
{
	free(ch->id);
	free(ch->type);
	free(ch->token);
	free(ch->secret);
	free(ch->api_base);
	json_decref(ch->raw);
	memset(ch, 0, sizeof(*ch));
}

/* verify, then parse only when verify passed (as the HTTP layer does).
 * Returns the verify code; *prc the parse code (1 when not called). */
static int run(const struct chan_adapter *ad, const struct wl_channel_conf *ch,
	       const struct chan_request *req, struct chan_inbound *in,
	       int *prc)
{
	int rc = ad->verify(ch, req);

	*prc = 1;
	if (rc == WL_OK)
		*prc = ad->parse(ch, req, in);
	return rc;
}

static const struct chan_adapter *wecom(void)
{
	const struct chan_adapter *ad = chan_find("wecom");

	assert_non_null(ad);
	return ad;
}

/* ---- conformance: Tencent's vectors ----------------------------------- */

/* Sample.cpp VerifyURL vector: the signature holds and the echostr
 * decrypts with receiveid == corp id. The sample does not print the
 * plaintext; "1616140317555161061" is what an independent implementation
 * (Python `cryptography`) decrypts it to. */
static void test_vector_cpp_verify_url(void **state)
{
	struct wl_channel_conf ch = conf(V1_TOKEN, V1_CORP, V1_KEY);
	struct fake f = {0};
	struct chan_inbound in = {0};
	struct chan_request req;
	int prc;

	fake_set(&f, "msg_signature", V1_GET_SIG);
	fake_set(&f, "timestamp", V1_GET_TS);
	fake_set(&f, "nonce", V1_GET_NONCE);
	fake_set(&f, "echostr", V1_GET_ECHO);
	req = fake_req(&f, "GET", NULL, 0, 1409659589);
	assert_int_equal(run(wecom(), &ch, &req, &in, &prc), WL_OK);
	assert_int_equal(prc, WL_OK);
	assert_int_equal(in.n, 0);
	assert_string_equal(in.reply_body, "1616140317555161061");
	assert_string_equal(in.reply_type, "text/plain");
	chan_inbound_release(&in);
	conf_release(&ch);
}

/* Sample.cpp / doc 90968 DecryptMsg vector: the doc prints the plaintext
 * (FromUserName mycreate, Content hello, MsgId 4561255354251345929). */
static void test_vector_cpp_post(void **state)
{
	struct wl_channel_conf ch = conf(V1_TOKEN, V1_CORP, V1_KEY);
	struct fake f = {0};
	struct chan_inbound in = {0};
	struct chan_request req;
	int prc;

	fake_set(&f, "msg_signature", V1_POST_SIG);
	fake_set(&f, "timestamp", V1_POST_TS);
	fake_set(&f, "nonce", V1_POST_NONCE);
	req = fake_req(&f, "POST", V1_POST_BODY, strlen(V1_POST_BODY),
		       1409659813);
	assert_int_equal(run(wecom(), &ch, &req, &in, &prc), WL_OK);
	assert_int_equal(prc, WL_OK);
	assert_int_equal(in.n, 1);
	assert_string_equal(in.msgs[0].id, "4561255354251345929");
	assert_string_equal(in.msgs[0].from, "mycreate");
	assert_string_equal(in.msgs[0].text, "hello");
	assert_string_equal(in.msgs[0].kind, "text");
	assert_null(in.msgs[0].attachment);
	/* An empty answer: "no passive reply" to WeCom. */
	assert_string_equal(in.reply_body, "");
	chan_inbound_release(&in);
	conf_release(&ch);
}

/* The signature primitive on the doc 90968 worked example. */
static void test_vector_doc_signature(void **state)
{
	const char *parts[] = {V1_TOKEN, V1_POST_TS, V1_POST_NONCE,
			       V1_POST_ENC};
	struct wxcrypt c;
	char *msg = NULL;
	size_t len = 0;
	char sig[41];

	assert_int_equal(wxcrypt_sha1_sorted(parts, 4, sig), WL_OK);
	assert_string_equal(sig, V1_POST_SIG);
	assert_int_equal(wxcrypt_init(&c, V1_TOKEN, V1_KEY, V1_CORP), WL_OK);
	assert_int_equal(wxcrypt_verify(&c, V1_POST_SIG, V1_POST_TS,
					V1_POST_NONCE, V1_POST_ENC),
			 WL_OK);
	assert_int_equal(
	    wxcrypt_decrypt(&c, V1_POST_ENC, strlen(V1_POST_ENC), &msg, &len),
	    WL_OK);
	/* The plaintext the doc prints, with the line breaks the
	 * ciphertext really holds. */
	assert_string_equal(msg,
			    "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]>"
			    "</ToUserName>\n<FromUserName><![CDATA[mycreate]]>"
			    "</FromUserName>\n<CreateTime>1409659813"
			    "</CreateTime>\n<MsgType><![CDATA[text]]>"
			    "</MsgType>\n<Content><![CDATA[hello]]></Content>\n"
			    "<MsgId>4561255354251345929</MsgId>\n<AgentID>218"
			    "</AgentID>\n</xml>");
	assert_int_equal(len, strlen(msg));
	free(msg);
	wxcrypt_release(&c);
}

/* sbzhu/weworkapi_python callback/Sample.py: VerifyURL (plaintext again
 * obtained with an independent implementation) and DecryptMsg, whose
 * plaintext the sample's EncryptMsg example shows (ChenJiaShun, 你好). */
static void test_vector_python(void **state)
{
	struct wl_channel_conf ch = conf(V2_TOKEN, V2_CORP, V2_KEY);
	struct fake g = {0}, p = {0};
	struct chan_inbound in = {0};
	struct chan_request req;
	int prc;

	fake_set(&g, "msg_signature", V2_GET_SIG);
	fake_set(&g, "timestamp", V2_GET_TS);
	fake_set(&g, "nonce", V2_GET_NONCE);
	fake_set(&g, "echostr", V2_GET_ECHO);
	req = fake_req(&g, "GET", NULL, 0, 1476416373);
	assert_int_equal(run(wecom(), &ch, &req, &in, &prc), WL_OK);
	assert_string_equal(in.reply_body, "1288432023552776189");
	chan_inbound_release(&in);

	fake_set(&p, "msg_signature", V2_POST_SIG);
	fake_set(&p, "timestamp", V2_POST_TS);
	fake_set(&p, "nonce", V2_POST_NONCE);
	req = fake_req(&p, "POST", V2_POST_BODY, strlen(V2_POST_BODY),
		       1476422779 + 10);
	assert_int_equal(run(wecom(), &ch, &req, &in, &prc), WL_OK);
	assert_int_equal(prc, WL_OK);
	assert_int_equal(in.n, 1);
	assert_string_equal(in.msgs[0].id, "1456453720");
	assert_string_equal(in.msgs[0].from, "ChenJiaShun");
	assert_string_equal(in.msgs[0].text, "你好");
	chan_inbound_release(&in);
	conf_release(&ch);
}

/* ---- negative: nothing gets through ------------------------------------ */

static void expect_refused(struct wl_channel_conf *ch, struct fake *f,
			   const char *method, const char *body,
			   long long now_s, int want)
{
	struct chan_inbound in = {0};
	struct chan_request req =
	    fake_req(f, method, body, body ? strlen(body) : 0, now_s);
	int prc;

	assert_int_equal(run(wecom(), ch, &req, &in, &prc), want);
	assert_int_equal(prc, 1); /* parse never called */
	/* and parse on its own produces nothing either */
	assert_int_not_equal(wecom()->parse(ch, &req, &in), WL_OK);
	assert_int_equal(in.n, 0);
	assert_null(in.reply_body);
	chan_inbound_release(&in);
}

static void post_args(struct fake *f, const char *sig)
{
	memset(f, 0, sizeof(*f));
	fake_set(f, "msg_signature", sig);
	fake_set(f, "timestamp", V1_POST_TS);
	fake_set(f, "nonce", V1_POST_NONCE);
}

static void test_flipped_signature(void **state)
{
	struct wl_channel_conf ch = conf(V1_TOKEN, V1_CORP, V1_KEY);
	char sig[] = V1_POST_SIG;
	struct fake f;

	sig[7] = sig[7] == '0' ? '1' : '0';
	post_args(&f, sig);
	expect_refused(&ch, &f, "POST", V1_POST_BODY, 1409659813, WL_EAUTH);
	/* and a flipped byte of the GET signature */
	memset(&f, 0, sizeof(f));
	fake_set(&f, "msg_signature",
		 "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd4");
	fake_set(&f, "timestamp", V1_GET_TS);
	fake_set(&f, "nonce", V1_GET_NONCE);
	fake_set(&f, "echostr", V1_GET_ECHO);
	expect_refused(&ch, &f, "GET", NULL, 1409659589, WL_EAUTH);
	conf_release(&ch);
}

static void test_wrong_corp_id(void **state)
{
	struct wl_channel_conf ch =
	    conf(V1_TOKEN, "wx5823bf96d3bd56c8", V1_KEY);
	struct fake f;

	post_args(&f, V1_POST_SIG);
	expect_refused(&ch, &f, "POST", V1_POST_BODY, 1409659813,
		       WL_EFORBIDDEN);
	conf_release(&ch);
}

static void test_truncated_body(void **state)
{
	struct wl_channel_conf ch = conf(V1_TOKEN, V1_CORP, V1_KEY);
	char body[sizeof(V1_POST_BODY)];
	struct fake f;

	post_args(&f, V1_POST_SIG);
	/* cut inside the Encrypt element */
	memcpy(body, V1_POST_BODY, 200);
	body[200] = '\0';
	expect_refused(&ch, &f, "POST", body, 1409659813, WL_EAUTH);
	/* cut after the Encrypt element: the XML is unterminated */
	memcpy(body, V1_POST_BODY, sizeof(body));
	body[strlen(body) - 7] = '\0';
	expect_refused(&ch, &f, "POST", body, 1409659813, WL_EAUTH);
	expect_refused(&ch, &f, "POST", "", 1409659813, WL_EAUTH);
	conf_release(&ch);
}

static void test_replayed_timestamp(void **state)
{
	struct wl_channel_conf ch = conf(V1_TOKEN, V1_CORP, V1_KEY);
	struct chan_inbound in = {0};
	struct chan_request req;
	struct fake f;
	int prc;

	post_args(&f, V1_POST_SIG);
	expect_refused(&ch, &f, "POST", V1_POST_BODY, 1409659813 + 301,
		       WL_EAUTH);
	expect_refused(&ch, &f, "POST", V1_POST_BODY, 1409659813 - 301,
		       WL_EAUTH);
	/* inside the window it passes */
	req = fake_req(&f, "POST", V1_POST_BODY, strlen(V1_POST_BODY),
		       1409659813 + 299);
	assert_int_equal(run(wecom(), &ch, &req, &in, &prc), WL_OK);
	assert_int_equal(in.n, 1);
	chan_inbound_release(&in);
	conf_release(&ch);
}

static void test_tampered_and_missing(void **state)
{
	struct wl_channel_conf ch = conf(V1_TOKEN, V1_CORP, V1_KEY);
	struct wl_channel_conf nokey = conf(V1_TOKEN, V1_CORP, V1_KEY);
	char body[] = V1_POST_BODY;
	char *p = strstr(body, "RypE");
	struct fake f;

	/* a changed ciphertext no longer matches the signature */
	p[10] = p[10] == 'A' ? 'B' : 'A';
	post_args(&f, V1_POST_SIG);
	expect_refused(&ch, &f, "POST", body, 1409659813, WL_EAUTH);
	/* no signature at all */
	memset(&f, 0, sizeof(f));
	fake_set(&f, "timestamp", V1_POST_TS);
	fake_set(&f, "nonce", V1_POST_NONCE);
	expect_refused(&ch, &f, "POST", V1_POST_BODY, 1409659813, WL_EAUTH);
	/* a channel without its EncodingAESKey takes nothing */
	json_object_del(nokey.raw, "encoding_aes_key");
	post_args(&f, V1_POST_SIG);
	expect_refused(&nokey, &f, "POST", V1_POST_BODY, 1409659813, WL_EAUTH);
	/* PUT is not a callback */
	expect_refused(&ch, &f, "PUT", V1_POST_BODY, 1409659813, WL_EAUTH);
	conf_release(&nokey);
	conf_release(&ch);
}

/* libmicrohttpd reads an unescaped '+' in a query as a space; the echostr
 * must still verify. */
static void test_echostr_plus_as_space(void **state)
{
	struct wl_channel_conf ch = conf(V1_TOKEN, V1_CORP, V1_KEY);
	char echo[] = V1_GET_ECHO;
	struct chan_inbound in = {0};
	struct chan_request req;
	struct fake f = {0};
	int prc;

	for (char *s = echo; *s; s++)
		if (*s == '+')
			*s = ' ';
	fake_set(&f, "msg_signature", V1_GET_SIG);
	fake_set(&f, "timestamp", V1_GET_TS);
	fake_set(&f, "nonce", V1_GET_NONCE);
	fake_set(&f, "echostr", echo);
	req = fake_req(&f, "GET", NULL, 0, 1409659589);
	assert_int_equal(run(wecom(), &ch, &req, &in, &prc), WL_OK);
	assert_string_equal(in.reply_body, "1616140317555161061");
	chan_inbound_release(&in);
	conf_release(&ch);
}

/* ---- round trips through our own encrypt --------------------------------- */

/* Encrypt xml for the V1 corp, sign it, and run it through the adapter. */
static int round_trip(const char *xml, const char *corp_for,
		      struct chan_inbound *in, int *prc)
{
	struct wl_channel_conf ch = conf(V1_TOKEN, V1_CORP, V1_KEY);
	struct wxcrypt c;
	char *enc = NULL, sig[41], body[8192];
	const char *parts[4];
	struct chan_request req;
	struct fake f = {0};
	int rc;

	assert_int_equal(wxcrypt_init(&c, V1_TOKEN, V1_KEY, corp_for), WL_OK);
	assert_int_equal(wxcrypt_encrypt(&c, NULL, xml, strlen(xml), &enc),
			 WL_OK);
	parts[0] = V1_TOKEN;
	parts[1] = "1700000000";
	parts[2] = "n0nce";
	parts[3] = enc;
	assert_int_equal(wxcrypt_sha1_sorted(parts, 4, sig), WL_OK);
	snprintf(body, sizeof(body),
		 "<xml><ToUserName><![CDATA[%s]]></ToUserName><Encrypt>"
		 "<![CDATA[%s]]></Encrypt><AgentID>1000002</AgentID></xml>",
		 V1_CORP, enc);
	fake_set(&f, "msg_signature", sig);
	fake_set(&f, "timestamp", "1700000000");
	fake_set(&f, "nonce", "n0nce");
	req = fake_req(&f, "POST", body, strlen(body), 1700000000);
	rc = run(wecom(), &ch, &req, in, prc);
	free(enc);
	wxcrypt_release(&c);
	conf_release(&ch);
	return rc;
}

static void test_round_trip_kinds(void **state)
{
	struct chan_inbound in = {0};
	int prc;

	assert_int_equal(
	    round_trip("<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]>"
		       "</ToUserName><FromUserName><![CDATA[lisi]]>"
		       "</FromUserName><CreateTime>1700000000</CreateTime>"
		       "<MsgType><![CDATA[image]]></MsgType><PicUrl>"
		       "<![CDATA[http://p/1.jpg]]></PicUrl><MediaId>"
		       "<![CDATA[media-1]]></MediaId><MsgId>77</MsgId>"
		       "<AgentID>1000002</AgentID></xml>",
		       V1_CORP, &in, &prc),
	    WL_OK);
	assert_int_equal(in.n, 1);
	assert_string_equal(in.msgs[0].kind, "image");
	assert_string_equal(in.msgs[0].attachment, "media-1");
	assert_null(in.msgs[0].text);
	assert_string_equal(in.msgs[0].id, "77");
	chan_inbound_release(&in);

	/* an event has no MsgId: FromUserName + CreateTime */
	assert_int_equal(
	    round_trip("<xml><ToUserName>x</ToUserName><FromUserName>"
		       "wangwu</FromUserName><CreateTime>1700000001"
		       "</CreateTime><MsgType>event</MsgType><Event>"
		       "enter_agent</Event></xml>",
		       V1_CORP, &in, &prc),
	    WL_OK);
	assert_string_equal(in.msgs[0].kind, "event");
	assert_string_equal(in.msgs[0].id, "wangwu:1700000001");
	assert_string_equal(in.msgs[0].attachment, "enter_agent");
	chan_inbound_release(&in);

	/* voice: kind voice, the MediaId kept */
	assert_int_equal(
	    round_trip("<xml><FromUserName>a</FromUserName><CreateTime>1"
		       "</CreateTime><MsgType>voice</MsgType><MediaId>m-v"
		       "</MediaId><Format>amr</Format><MsgId>9</MsgId>"
		       "</xml>",
		       V1_CORP, &in, &prc),
	    WL_OK);
	assert_string_equal(in.msgs[0].kind, "voice");
	assert_string_equal(in.msgs[0].attachment, "m-v");
	chan_inbound_release(&in);

	/* a location keeps where it is */
	assert_int_equal(
	    round_trip("<xml><FromUserName>a</FromUserName><CreateTime>2"
		       "</CreateTime><MsgType>location</MsgType>"
		       "<Location_X>35.1</Location_X><Location_Y>110.9"
		       "</Location_Y><Label><![CDATA[惠丰社区]]></Label>"
		       "<MsgId>10</MsgId></xml>",
		       V1_CORP, &in, &prc),
	    WL_OK);
	assert_string_equal(in.msgs[0].kind, "location");
	assert_string_equal(in.msgs[0].attachment, "35.1,110.9 惠丰社区");
	chan_inbound_release(&in);

	/* encrypted for another corp: refused, nothing produced */
	assert_int_equal(round_trip("<xml><FromUserName>a</FromUserName>"
				    "<MsgType>text</MsgType><Content>x"
				    "</Content><MsgId>1</MsgId></xml>",
				    "ww0000000000000000", &in, &prc),
			 WL_EFORBIDDEN);
	assert_int_equal(prc, 1);
	assert_int_equal(in.n, 0);
	/* a decrypted document without a sender is unreadable */
	assert_int_equal(round_trip("<xml><MsgType>text</MsgType><Content>x"
				    "</Content><MsgId>1</MsgId></xml>",
				    V1_CORP, &in, &prc),
			 WL_OK);
	assert_int_equal(prc, WL_EBADREQ);
	assert_int_equal(in.n, 0);
	chan_inbound_release(&in);
}

/* A user typing XML into a message must not move the other fields: the
 * reader only looks at the root's own children. */
static void test_spoofed_fields_in_content(void **state)
{
	struct chan_inbound in = {0};
	int prc;

	assert_int_equal(
	    round_trip("<xml><FromUserName>real</FromUserName><CreateTime>"
		       "5</CreateTime><MsgType>text</MsgType><Content>"
		       "<![CDATA[</Content><MsgId>1</MsgId><FromUserName>"
		       "evil</FromUserName>]]></Content><MsgId>4242"
		       "</MsgId></xml>",
		       V1_CORP, &in, &prc),
	    WL_OK);
	assert_int_equal(in.n, 1);
	assert_string_equal(in.msgs[0].from, "real");
	assert_string_equal(in.msgs[0].id, "4242");
	assert_string_equal(in.msgs[0].text,
			    "</Content><MsgId>1</MsgId><FromUserName>evil"
			    "</FromUserName>");
	chan_inbound_release(&in);
}

/* ---- wxcrypt primitives ------------------------------------------------- */

static void test_encrypt_decrypt(void **state)
{
	static const unsigned char rnd[16] = "0123456789abcdef";
	struct wxcrypt c, other;
	char *b64 = NULL, *again = NULL, *msg = NULL;
	size_t len = 0;
	char big[100];

	assert_int_equal(wxcrypt_init(&c, V1_TOKEN, V1_KEY, V1_CORP), WL_OK);
	/* every length around the 32-byte pad block */
	for (size_t n = 0; n < sizeof(big); n++) {
		memset(big, 'a' + (int)(n % 26), n);
		assert_int_equal(wxcrypt_encrypt(&c, NULL, big, n, &b64),
				 WL_OK);
		assert_int_equal(
		    wxcrypt_decrypt(&c, b64, strlen(b64), &msg, &len), WL_OK);
		assert_int_equal(len, n);
		assert_memory_equal(msg, big, n);
		free(msg);
		free(b64);
	}
	/* the random prefix is random, unless given */
	assert_int_equal(wxcrypt_encrypt(&c, NULL, "x", 1, &b64), WL_OK);
	assert_int_equal(wxcrypt_encrypt(&c, NULL, "x", 1, &again), WL_OK);
	assert_string_not_equal(b64, again);
	free(b64);
	free(again);
	assert_int_equal(wxcrypt_encrypt(&c, rnd, "x", 1, &b64), WL_OK);
	assert_int_equal(wxcrypt_encrypt(&c, rnd, "x", 1, &again), WL_OK);
	assert_string_equal(b64, again);
	/* another key cannot read it */
	assert_int_equal(wxcrypt_init(&other, V1_TOKEN, V2_KEY, V1_CORP),
			 WL_OK);
	assert_int_equal(wxcrypt_decrypt(&other, b64, strlen(b64), &msg, &len),
			 WL_EAUTH);
	assert_null(msg);
	free(b64);
	free(again);
	/* not base64, not a whole block */
	assert_int_equal(wxcrypt_decrypt(&c, "abc", 3, &msg, &len), WL_EAUTH);
	assert_int_equal(wxcrypt_decrypt(&c, "YWJj", 4, &msg, &len), WL_EAUTH);
	assert_int_equal(wxcrypt_decrypt(&c, "", 0, &msg, &len), WL_EAUTH);
	wxcrypt_release(&c);
	wxcrypt_release(&other);
}

static void test_init_and_time(void **state)
{
	struct wxcrypt c;

	assert_int_equal(wxcrypt_init(&c, "t", "short", "id"), WL_EBADREQ);
	assert_int_equal(
	    wxcrypt_init(&c, "t", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2+",
			 "id"),
	    WL_EBADREQ);
	assert_int_equal(wxcrypt_init(&c, "t", V1_KEY, NULL), WL_OK);
	wxcrypt_release(&c);
	assert_int_equal(wxcrypt_check_time("1000", 1000000), WL_OK);
	assert_int_equal(wxcrypt_check_time("1300", 1000000), WL_OK);
	assert_int_equal(wxcrypt_check_time("1301", 1000000), WL_EAUTH);
	assert_int_equal(wxcrypt_check_time("699", 1000000), WL_EAUTH);
	assert_int_equal(wxcrypt_check_time("10a0", 1000000), WL_EAUTH);
	assert_int_equal(wxcrypt_check_time("", 1000000), WL_EAUTH);
	assert_int_equal(wxcrypt_check_time("-1000", 1000000), WL_EAUTH);
	assert_int_equal(wxcrypt_check_time("99999999999999999999", 1000000),
			 WL_EAUTH);
}

static void test_base64_strict(void **state)
{
	unsigned char *out = NULL;
	size_t len = 0;
	char *enc = NULL;

	assert_int_equal(wxcrypt_b64_decode("aGVsbG8=", 8, &out, &len), WL_OK);
	assert_int_equal(len, 5);
	assert_memory_equal(out, "hello", 5);
	free(out);
	assert_int_equal(wxcrypt_b64_decode("aGk=", 4, &out, &len), WL_OK);
	assert_int_equal(len, 2);
	free(out);
	assert_int_equal(wxcrypt_b64_decode("aA==", 4, &out, &len), WL_OK);
	assert_int_equal(len, 1);
	free(out);
	assert_int_equal(wxcrypt_b64_decode("", 0, &out, &len), WL_OK);
	assert_int_equal(len, 0);
	free(out);
	assert_int_equal(wxcrypt_b64_decode("aGV sbG8", 8, &out, &len),
			 WL_EAUTH);
	assert_int_equal(wxcrypt_b64_decode("aG=sbG8=", 8, &out, &len),
			 WL_EAUTH);
	assert_int_equal(wxcrypt_b64_decode("aGVsbG8", 7, &out, &len),
			 WL_EAUTH);
	assert_int_equal(wxcrypt_b64_decode("====", 4, &out, &len), WL_EAUTH);
	assert_null(out);
	assert_int_equal(
	    wxcrypt_b64_encode((const unsigned char *)"hello", 5, &enc), WL_OK);
	assert_string_equal(enc, "aGVsbG8=");
	free(enc);
}

/* ---- the XML reader ------------------------------------------------------ */

static void test_xml_reader(void **state)
{
	struct wxcrypt_xml d;
	const char *ok =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xml>\n"
	    "  <A><![CDATA[x<y]]></A>\n  <B>1 &lt; 2 &amp;&#x4e2d;&#25991;"
	    "</B>\n  <C/>\n  <Video><MediaId><![CDATA[m]]></MediaId>"
	    "</Video>\n  <D><![CDATA[a]]><![CDATA[b]]></D>\n</xml>\n";

	assert_int_equal(wxcrypt_xml_parse(ok, strlen(ok), &d), WL_OK);
	assert_int_equal(d.n, 5);
	assert_string_equal(wxcrypt_xml_get(&d, "A"), "x<y");
	assert_string_equal(wxcrypt_xml_get(&d, "B"), "1 < 2 &中文");
	assert_string_equal(wxcrypt_xml_get(&d, "C"), "");
	assert_null(wxcrypt_xml_get(&d, "Video"));   /* holds elements */
	assert_null(wxcrypt_xml_get(&d, "MediaId")); /* not top level */
	assert_string_equal(wxcrypt_xml_get(&d, "D"), "ab");
	wxcrypt_xml_release(&d);
}

static void test_xml_refuses(void **state)
{
	static const char *const bad[] = {
	    "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>"
	    "<xml><A>&e;</A></xml>",
	    "<xml><!ENTITY e \"x\"><A>1</A></xml>",
	    "<xml><A>&e;</A></xml>",
	    "<xml><A>&#0;</A></xml>",
	    "<xml><A>&#xD800;</A></xml>",
	    "<xml><A>&#1234567890;</A></xml>",
	    "<xml><A><![CDATA[never closed</A></xml>",
	    "<xml><A>1</B></xml>",
	    "<xml><A>1</A><A>2</A></xml>",
	    "<xml><A>1</A>",
	    "<xml><A>1</A></xml>trailing",
	    "<xml>text<A>1</A></xml>",
	    "<xml><A x=\"1\">1</A></xml>",
	    "<xml><!-- c --><A>1</A></xml>",
	    "<xml><A><?pi x?></A></xml>",
	    "<xml><1A>1</1A></xml>",
	    "",
	    "plain",
	    "<xml><A><b><c><d><e><f><g><h><i>1</i></h></g></f></e></d>"
	    "</c></b></A></xml>",
	};
	struct wxcrypt_xml d;
	char nul[] = "<xml><A>a\0b</A></xml>";

	for (size_t i = 0; i < WL_ARRAY_LEN(bad); i++) {
		assert_int_equal(wxcrypt_xml_parse(bad[i], strlen(bad[i]), &d),
				 WL_EBADREQ);
		assert_int_equal(d.n, 0);
		assert_null(d.f);
	}
	assert_int_equal(wxcrypt_xml_parse(nul, sizeof(nul) - 1, &d),
			 WL_EBADREQ);
}

static void test_xml_caps(void **state)
{
	struct wxcrypt_xml d;
	char *big = malloc(WXCRYPT_XML_MAX + 2);
	char many[4096];
	size_t n = 0;

	memset(big, ' ', WXCRYPT_XML_MAX + 1);
	big[WXCRYPT_XML_MAX + 1] = '\0';
	assert_int_equal(wxcrypt_xml_parse(big, WXCRYPT_XML_MAX + 1, &d),
			 WL_ETOOBIG);
	free(big);
	n += (size_t)snprintf(many + n, sizeof(many) - n, "<xml>");
	for (int i = 0; i < WXCRYPT_XML_FIELDS + 1; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n,
				      "<F%d>v</F%d>", i, i);
	snprintf(many + n, sizeof(many) - n, "</xml>");
	assert_int_equal(wxcrypt_xml_parse(many, strlen(many), &d), WL_ETOOBIG);
	assert_int_equal(d.n, 0);
}

/* ---- outbound --------------------------------------------------------------
 */

static int has_header(const struct chan_http *h, const char *want)
{
	for (size_t i = 0; i < h->n_headers; i++)
		if (strcmp(h->headers[i], want) == 0)
			return 1;
	return 0;
}

/* 企业微信 "发送应用消息": POST /cgi-bin/message/send?access_token=...
 * with touser, msgtype text, agentid (a number) and text.content. */
static void test_format_app_message(void **state)
{
	struct wl_channel_conf ch = conf(V1_TOKEN, V1_CORP, V1_KEY);
	struct chan_http h = {0};

	assert_int_equal(
	    wecom()->format(&ch, "tok-1", "m1", "zhangsan", "您好，已收到", &h),
	    WL_OK);
	assert_string_equal(h.url, "https://qyapi.weixin.qq.com/cgi-bin/"
				   "message/send?access_token=tok-1");
	assert_string_equal(h.body,
			    "{\"touser\":\"zhangsan\",\"msgtype\":\"text\","
			    "\"agentid\":1000002,\"text\":{\"content\":"
			    "\"您好，已收到\"}}");
	assert_int_equal(h.body_len, strlen(h.body));
	assert_true(has_header(&h, "Content-Type: application/json"));
	chan_http_release(&h);

	/* api_base overrides the host; the token is escaped */
	ch.api_base = strdup("http://127.0.0.1:9000/");
	assert_int_equal(wecom()->format(&ch, "a+b/c", "m1", "u", "t", &h),
			 WL_OK);
	assert_string_equal(h.url, "http://127.0.0.1:9000/cgi-bin/message/"
				   "send?access_token=a%2Bb%2Fc");
	chan_http_release(&h);

	/* agent_id may be written as a string */
	json_object_set_new(ch.raw, "agent_id", json_string("42"));
	assert_int_equal(wecom()->format(&ch, "t", "m1", "u", "x", &h), WL_OK);
	assert_non_null(strstr(h.body, "\"agentid\":42,"));
	chan_http_release(&h);

	/* no token, no recipient, no agent: nothing to send */
	assert_int_equal(wecom()->format(&ch, NULL, "m1", "u", "x", &h),
			 WL_EBADREQ);
	assert_int_equal(wecom()->format(&ch, "t", "m1", "", "x", &h),
			 WL_EBADREQ);
	json_object_del(ch.raw, "agent_id");
	assert_int_equal(wecom()->format(&ch, "t", "m1", "u", "x", &h),
			 WL_EBADREQ);
	chan_http_release(&h);
	conf_release(&ch);
	assert_int_equal(wecom()->max_units, 2048);
	assert_ptr_equal(wecom()->unit, text_unit_byte);
}

/* 企业微信 "获取access_token": GET /cgi-bin/gettoken?corpid=&corpsecret= */
static void test_token(void **state)
{
	struct wl_channel_conf ch = conf(V1_TOKEN, V1_CORP, V1_KEY);
	struct chan_http h = {0};
	const char *ok = "{\"errcode\": 0,\"errmsg\": \"ok\",\"access_token\":"
			 " \"accesstoken000001\",\"expires_in\": 7200}";
	const char *bad = "{\"errcode\":40013,\"errmsg\":\"invalid corpid\"}";
	char *tok = NULL;
	long exp = 0;

	assert_int_equal(wecom()->token_request(&ch, &h), WL_OK);
	assert_string_equal(h.url, "https://qyapi.weixin.qq.com/cgi-bin/"
				   "gettoken?corpid=wx5823bf96d3bd56c7&"
				   "corpsecret=corpsecret-1");
	assert_null(h.body); /* a GET */
	chan_http_release(&h);
	/* the answer as the doc shows it */
	assert_int_equal(wecom()->token_parse(ok, strlen(ok), &tok, &exp),
			 WL_OK);
	assert_string_equal(tok, "accesstoken000001");
	assert_int_equal(exp, 7200);
	free(tok);
	assert_int_equal(wecom()->token_parse(bad, strlen(bad), &tok, &exp),
			 WL_EAUTH);
	assert_null(tok);
	assert_int_equal(wecom()->token_parse("<html>", 6, &tok, &exp),
			 WL_EBADREQ);
	assert_int_equal(
	    wecom()->token_parse("{\"access_token\":\"x\"}", 20, &tok, &exp),
	    WL_EBADREQ);
	free(ch.secret);
	ch.secret = NULL;
	assert_int_equal(wecom()->token_request(&ch, &h), WL_EBADREQ);
	conf_release(&ch);
}

static enum chan_result classify(const struct chan_adapter *ad, long status,
				 const char *body)
{
	return ad->classify(status, body, strlen(body));
}

static void test_classify(void **state)
{
	const struct chan_adapter *ad = wecom();

	assert_int_equal(classify(ad, 200, "{\"errcode\":0,\"errmsg\":\"ok\"}"),
			 CHAN_SENT);
	assert_int_equal(classify(ad, 200, "{\"errcode\":42001}"), CHAN_REAUTH);
	assert_int_equal(classify(ad, 200, "{\"errcode\":40014}"), CHAN_REAUTH);
	assert_int_equal(classify(ad, 200, "{\"errcode\":42009}"), CHAN_REAUTH);
	assert_int_equal(classify(ad, 200, "{\"errcode\":41001}"), CHAN_REAUTH);
	assert_int_equal(classify(ad, 200, "{\"errcode\":-1}"), CHAN_RETRY);
	assert_int_equal(classify(ad, 200, "{\"errcode\":45009}"), CHAN_RETRY);
	assert_int_equal(classify(ad, 200, "{\"errcode\":40003}"), CHAN_FATAL);
	assert_int_equal(classify(ad, 200, "{\"errcode\":81013}"), CHAN_FATAL);
	assert_int_equal(classify(ad, 200, "<html>busy</html>"), CHAN_RETRY);
	assert_int_equal(classify(ad, 502, ""), CHAN_RETRY);
	assert_int_equal(classify(ad, 404, ""), CHAN_FATAL);
}

/* 群机器人: POST the webhook {"msgtype":"text","text":{"content"}}. */
static void test_robot(void **state)
{
	const struct chan_adapter *ad = chan_find("wecom_robot");
	struct wl_channel_conf ch = {0};
	struct chan_inbound in = {0};
	struct chan_http h = {0};
	struct fake f = {0};
	struct chan_request req = fake_req(&f, "POST", "{}", 2, 1700000000);
	const char *url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?"
			  "key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa";

	assert_non_null(ad);
	ch.raw = json_pack("{s:s}", "webhook_url", url);
	assert_int_equal(ad->verify(&ch, &req), WL_EFORBIDDEN);
	assert_int_not_equal(ad->parse(&ch, &req, &in), WL_OK);
	assert_int_equal(in.n, 0);
	assert_int_equal(
	    ad->format(&ch, NULL, "m1", "any", "煤气中毒 快开窗", &h), WL_OK);
	assert_string_equal(h.url, url);
	assert_string_equal(h.body, "{\"msgtype\":\"text\",\"text\":"
				    "{\"content\":\"煤气中毒 快开窗\"}}");
	assert_true(has_header(&h, "Content-Type: application/json"));
	chan_http_release(&h);
	assert_null(ad->token_request);
	assert_int_equal(classify(ad, 200, "{\"errcode\":0,\"errmsg\":\"ok\"}"),
			 CHAN_SENT);
	assert_int_equal(classify(ad, 200, "{\"errcode\":45009}"), CHAN_RETRY);
	assert_int_equal(classify(ad, 200, "{\"errcode\":93000}"), CHAN_FATAL);
	conf_release(&ch);
	ch.raw = NULL;
	assert_int_equal(ad->format(&ch, NULL, "m1", "any", "x", &h),
			 WL_EBADREQ);
}

/* *_env options resolve through the environment. */
static void test_conf_env(void **state)
{
	struct wl_channel_conf ch = {0};

	ch.raw = json_pack("{s:s, s:s}", "corp_id", "inline",
			   "encoding_aes_key_env", "WL_TEST_WECOM_AES");
	setenv("WL_TEST_WECOM_AES", V1_KEY, 1);
	assert_string_equal(wxcrypt_conf(&ch, "corp_id"), "inline");
	assert_string_equal(wxcrypt_conf(&ch, "encoding_aes_key"), V1_KEY);
	unsetenv("WL_TEST_WECOM_AES");
	assert_null(wxcrypt_conf(&ch, "encoding_aes_key"));
	assert_null(wxcrypt_conf(&ch, "agent_id"));
	conf_release(&ch);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vector_cpp_verify_url),
	    cmocka_unit_test(test_vector_cpp_post),
	    cmocka_unit_test(test_vector_doc_signature),
	    cmocka_unit_test(test_vector_python),
	    cmocka_unit_test(test_flipped_signature),
	    cmocka_unit_test(test_wrong_corp_id),
	    cmocka_unit_test(test_truncated_body),
	    cmocka_unit_test(test_replayed_timestamp),
	    cmocka_unit_test(test_tampered_and_missing),
	    cmocka_unit_test(test_echostr_plus_as_space),
	    cmocka_unit_test(test_round_trip_kinds),
	    cmocka_unit_test(test_spoofed_fields_in_content),
	    cmocka_unit_test(test_encrypt_decrypt),
	    cmocka_unit_test(test_init_and_time),
	    cmocka_unit_test(test_base64_strict),
	    cmocka_unit_test(test_xml_reader),
	    cmocka_unit_test(test_xml_refuses),
	    cmocka_unit_test(test_xml_caps),
	    cmocka_unit_test(test_format_app_message),
	    cmocka_unit_test(test_token),
	    cmocka_unit_test(test_classify),
	    cmocka_unit_test(test_robot),
	    cmocka_unit_test(test_conf_env),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
