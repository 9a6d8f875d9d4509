/*
 * test_gw_twilio.c — the Twilio SMS adapter: X-Twilio-Signature against
 * Twilio's published examples, inbound form parsing, the Messages API
 * request and answer classification.
 *
 * Vectors: Twilio's "Webhooks security" guide
 * (https://www.twilio.com/docs/usage/webhooks/webhooks-security, section
 * "Validating signatures from Twilio") signs a POST to
 * https://mycompany.com/myapp.php?foo=1&bar=2 with CallSid
 * CA1234567890ABCDE, Caller and From +12349013030, Digits 1234, To
 * +18005551212 and auth token 12345 as 0/KCTR6DLpKmkAf8muzZqo1nDgQ=.
 * The twilio-php documentation ("Validate Incoming Requests",
 * docs/usage/validation.rst) gives the same URL and token with Caller and
 * From +14158675309 as RSOYDt4T1cUTdK1PDd93/VVr8B8=. Other signatures
 * here are computed in the test with OpenSSL over a hand-sorted string.
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
#include "wl.h"

#define SID  "AC0123456789abcdef0123456789abcdef"
#define AUTH "tw-auth-token"

static char s_id[] = "tw", s_type[] = "twilio",
	    s_base[] = "http://127.0.0.1:9300";

struct fake {
	const char *sig;
	const char *settings; /* X-Twilio-Webhooks-Signature-Settings */
};

static const char *fake_header(void *ctx, const char *name)
{
	struct fake *f = ctx;

	if (strcasecmp(name, "X-Twilio-Webhooks-Signature-Settings") == 0)
		return f->settings;
	return strcasecmp(name, "X-Twilio-Signature") == 0 ? f->sig : NULL;
}

static const char *fake_arg(void *ctx, const char *name)
{
	return NULL;
}

static struct wl_channel_conf tw_conf(const char *raw)
{
	struct wl_channel_conf ch;
	json_error_t err;

	memset(&ch, 0, sizeof(ch));
	ch.id = s_id;
	ch.type = s_type;
	ch.raw = json_loads(raw, 0, &err);
	assert_non_null(ch.raw);
	return ch;
}

static int tw_handle(const struct wl_channel_conf *ch, const char *method,
		     const char *url, const char *path, const char *body,
		     const char *sig, struct chan_inbound *in)
{
	const struct chan_adapter *ad = chan_find("twilio");
	struct fake f = {sig, NULL};
	struct chan_request r;
	int rc;

	assert_non_null(ad);
	memset(&r, 0, sizeof(r));
	memset(in, 0, sizeof(*in));
	r.method = method;
	r.path = path;
	r.full_url = url;
	r.body = body;
	r.body_len = strlen(body);
	r.peer_ip = "54.172.60.1";
	r.now_ms = 1700000000000;
	r.header = fake_header;
	r.arg = fake_arg;
	r.ctx = &f;
	rc = ad->verify(ch, &r);
	if (rc != WL_OK)
		return rc;
	return ad->parse(ch, &r, in);
}

/* Base64(HMAC-SHA1(key, data)) with OpenSSL, for test-made signatures. */
static void sign(const char *key, const char *data, char out[29])
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	assert_non_null(HMAC(EVP_sha1(), key, (int)strlen(key),
			     (const unsigned char *)data, strlen(data), mac,
			     &len));
	EVP_EncodeBlock((unsigned char *)out, mac, (int)len);
}

#define DOC_URL "https://mycompany.com/myapp.php?foo=1&bar=2"
/* The documented parameters, form-encoded out of order on purpose. */
static const char doc_body[] =
    "To=%2B18005551212&CallSid=CA1234567890ABCDE&Digits=1234"
    "&From=%2B12349013030&Caller=%2B12349013030";

static void test_verify_twilio_documented_vectors(void **state)
{
	struct wl_channel_conf ch = tw_conf("{\"auth_token\":\"12345\"}");
	const struct chan_adapter *ad = chan_find("twilio");
	struct chan_request r;
	struct fake f = {"0/KCTR6DLpKmkAf8muzZqo1nDgQ=", NULL};
	const char *php_body = "CallSid=CA1234567890ABCDE"
			       "&Caller=%2B14158675309&Digits=1234"
			       "&From=%2B14158675309&To=%2B18005551212";

	/* verify alone: these are voice parameters, not an SMS. */
	memset(&r, 0, sizeof(r));
	r.method = "POST";
	r.path = "/myapp.php";
	r.full_url = DOC_URL;
	r.body = doc_body;
	r.body_len = strlen(doc_body);
	r.header = fake_header;
	r.arg = fake_arg;
	r.ctx = &f;
	assert_int_equal(ad->verify(&ch, &r), WL_OK);
	f.sig = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";
	assert_int_equal(ad->verify(&ch, &r), WL_EAUTH);
	r.body = php_body;
	r.body_len = strlen(php_body);
	assert_int_equal(ad->verify(&ch, &r), WL_OK);
	json_decref(ch.raw);
}

/* A Webhooks Rule's Setting: the same string signed with its shared key
 * and the header's algorithm. The SHA-256 value was computed apart from
 * this code (Python's hmac over the string that reproduces the documented
 * SHA-1 vector above). */
static void test_verify_webhooks_setting_sha256(void **state)
{
	struct wl_channel_conf ch = tw_conf(
	    "{\"auth_token\":\"12345\",\"shared_key\":\"whsk-shared-0123\"}");
	struct wl_channel_conf no_key = tw_conf("{\"auth_token\":\"12345\"}");
	const struct chan_adapter *ad = chan_find("twilio");
	struct chan_request r;
	struct fake f = {"m8MDdji82Jwht+hSshUArnw8zTwTyNmPJfcx7gy0zNQ=",
			 "key=WS0123456789abcdef,algorithm=HMAC_SHA256"};

	memset(&r, 0, sizeof(r));
	r.method = "POST";
	r.path = "/myapp.php";
	r.full_url = DOC_URL;
	r.body = doc_body;
	r.body_len = strlen(doc_body);
	r.header = fake_header;
	r.arg = fake_arg;
	r.ctx = &f;
	assert_int_equal(ad->verify(&ch, &r), WL_OK);
	/* the order of the settings does not matter */
	f.settings = "algorithm=HMAC_SHA256, key=WS0123456789abcdef";
	assert_int_equal(ad->verify(&ch, &r), WL_OK);
	/* the Setting may say SHA-1: the shared key, not the Auth Token */
	f.settings = "key=WS0123456789abcdef,algorithm=HMAC_SHA1";
	f.sig = "kxT4c3TM2ZWweB7733kl4G5ib+M=";
	assert_int_equal(ad->verify(&ch, &r), WL_OK);
	f.sig = "0/KCTR6DLpKmkAf8muzZqo1nDgQ=";
	assert_int_equal(ad->verify(&ch, &r), WL_EAUTH);
	/* the Auth Token's SHA-1 signature claiming SHA-256, an unknown
	 * algorithm, the SHA-256 value without the header, and the header
	 * without a shared key configured: all refused */
	f.settings = "key=WS0123456789abcdef,algorithm=HMAC_SHA256";
	assert_int_equal(ad->verify(&ch, &r), WL_EAUTH);
	f.sig = "m8MDdji82Jwht+hSshUArnw8zTwTyNmPJfcx7gy0zNQ=";
	f.settings = "key=WS0123456789abcdef,algorithm=HMAC_SHA512";
	assert_int_equal(ad->verify(&ch, &r), WL_EAUTH);
	f.settings = NULL;
	assert_int_equal(ad->verify(&ch, &r), WL_EAUTH);
	f.settings = "key=WS0123456789abcdef,algorithm=HMAC_SHA256";
	assert_int_equal(ad->verify(&no_key, &r), WL_EAUTH);
	/* the body is covered: another parameter value fails */
	r.body = "To=%2B18005551212&CallSid=CA1234567890ABCDE&Digits=9999"
		 "&From=%2B12349013030&Caller=%2B12349013030";
	r.body_len = strlen(r.body);
	assert_int_equal(ad->verify(&ch, &r), WL_EAUTH);
	json_decref(ch.raw);
	json_decref(no_key.raw);
}

static void test_verify_rejects_forgeries(void **state)
{
	struct wl_channel_conf ch = tw_conf("{\"auth_token\":\"12345\"}");
	struct chan_inbound in;
	char flipped[] = "0/KCTR6DLpKmkAf8muzZqo1nDgQ=";
	char truncated[sizeof(doc_body)];

	flipped[7] ^= 0x01;
	assert_int_equal(tw_handle(&ch, "POST", DOC_URL, "/myapp.php", doc_body,
				   flipped, &in),
			 WL_EAUTH);
	assert_int_equal(in.n, 0);
	/* The truncated body of a real request. */
	memcpy(truncated, doc_body, sizeof(doc_body));
	truncated[sizeof(doc_body) - 6] = '\0';
	assert_int_equal(tw_handle(&ch, "POST", DOC_URL, "/myapp.php",
				   truncated,
				   "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", &in),
			 WL_EAUTH);
	/* Another URL (query changed) and a missing header. */
	assert_int_equal(tw_handle(&ch, "POST",
				   "https://mycompany.com/myapp.php"
				   "?foo=1&bar=3",
				   "/myapp.php", doc_body,
				   "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", &in),
			 WL_EAUTH);
	assert_int_equal(
	    tw_handle(&ch, "POST", DOC_URL, "/myapp.php", doc_body, NULL, &in),
	    WL_EAUTH);
	/* Another account's auth token. */
	json_object_set_new(ch.raw, "auth_token", json_string("54321"));
	assert_int_equal(tw_handle(&ch, "POST", DOC_URL, "/myapp.php", doc_body,
				   "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", &in),
			 WL_EAUTH);
	/* No auth token configured at all. */
	json_object_del(ch.raw, "auth_token");
	assert_int_equal(tw_handle(&ch, "POST", DOC_URL, "/myapp.php", doc_body,
				   "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", &in),
			 WL_EAUTH);
	assert_int_equal(in.n, 0);
	json_decref(ch.raw);
}

/* An inbound SMS in Chinese, as Twilio form-encodes it. */
#define SMS_BODY                                                               \
	"ToCountry=US&ToState=CA"                                              \
	"&SmsMessageSid=SM11111111111111111111111111111111"                    \
	"&NumMedia=0&ToCity=&FromZip="                                         \
	"&SmsSid=SM11111111111111111111111111111111"                           \
	"&FromState=&SmsStatus=received&FromCity="                             \
	"&Body=%E7%85%A4%E7%82%89%E5%9D%8F%E4%BA%86+%E5%A4%AA%E5%86%B7"        \
	"&FromCountry=CN&To=%2B15005550006&ToZip=&NumSegments=1"               \
	"&MessageSid=SM11111111111111111111111111111111"                       \
	"&AccountSid=" SID "&From=%2B8613800138000&ApiVersion=2010-04-01"
/* The same parameters sorted by name and concatenated, by hand: a name
 * sorts before the longer names it begins ("From" before "FromCity"). */
#define SMS_SIGNED                                                             \
	"AccountSid" SID "ApiVersion2010-04-01Body煤炉坏了 太冷"         \
	"From+8613800138000FromCityFromCountryCNFromStateFromZip"              \
	"MessageSidSM11111111111111111111111111111111"                         \
	"NumMedia0NumSegments1"                                                \
	"SmsMessageSidSM11111111111111111111111111111111"                      \
	"SmsSidSM11111111111111111111111111111111SmsStatusreceived"            \
	"To+15005550006ToCityToCountryUSToStateCAToZip"

static void test_parse_inbound_sms(void **state)
{
	struct wl_channel_conf ch =
	    tw_conf("{\"account_sid\":\"" SID "\",\"auth_token\":\"" AUTH
		    "\",\"public_url\":\"https://hotline.example.cn/\"}");
	const char *url = "https://hotline.example.cn/hook/tw";
	struct chan_inbound in;
	char data[2048], sig[29];

	snprintf(data, sizeof(data), "%s%s", url, SMS_SIGNED);
	sign(AUTH, data, sig);
	/* The daemon behind a TLS proxy sees plain http and its own port. */
	assert_int_equal(tw_handle(&ch, "POST", "http://127.0.0.1:8080/hook/tw",
				   "/hook/tw", SMS_BODY, sig, &in),
			 WL_OK);
	assert_int_equal(in.n, 1);
	assert_string_equal(in.msgs[0].id,
			    "SM11111111111111111111111111111111");
	assert_string_equal(in.msgs[0].from, "+8613800138000");
	assert_string_equal(in.msgs[0].text, "煤炉坏了 太冷");
	assert_string_equal(in.msgs[0].kind, "text");
	assert_null(in.msgs[0].attachment);
	assert_string_equal(in.reply_body, "<?xml version=\"1.0\" encoding=\""
					   "UTF-8\"?><Response></Response>");
	assert_string_equal(in.reply_type, "text/xml");
	chan_inbound_release(&in);
	json_decref(ch.raw);
}

static void test_verify_wrong_account_is_forbidden(void **state)
{
	struct wl_channel_conf ch =
	    tw_conf("{\"account_sid\":\"AC99999999999999999999999999999999\","
		    "\"auth_token\":\"" AUTH "\"}");
	const char *url = "http://127.0.0.1:8080/hook/tw";
	struct chan_inbound in;
	char data[2048], sig[29];

	snprintf(data, sizeof(data), "%s%s", url, SMS_SIGNED);
	sign(AUTH, data, sig);
	assert_int_equal(
	    tw_handle(&ch, "POST", url, "/hook/tw", SMS_BODY, sig, &in),
	    WL_EFORBIDDEN);
	assert_int_equal(in.n, 0);
	json_decref(ch.raw);
}

static void test_verify_default_port_variant(void **state)
{
	struct wl_channel_conf ch =
	    tw_conf("{\"auth_token\":\"12345\","
		    "\"public_url\":\"https://mycompany.com:443\"}");
	struct chan_inbound in;
	const char *form = "MessageSid=SM1&From=%2B1&Body=hi";
	char sig[29];

	/* Signed without the port, configured with it. */
	sign("12345",
	     "https://mycompany.com/hook/tw?x=1BodyhiFrom+1"
	     "MessageSidSM1",
	     sig);
	assert_int_equal(tw_handle(&ch, "POST", "http://10.0.0.5/hook/tw?x=1",
				   "/hook/tw", form, sig, &in),
			 WL_OK);
	assert_int_equal(in.n, 1);
	assert_string_equal(in.msgs[0].text, "hi");
	chan_inbound_release(&in);
	/* A non-default port is never dropped. */
	json_object_set_new(ch.raw, "public_url",
			    json_string("https://mycompany.com:8443"));
	assert_int_equal(tw_handle(&ch, "POST", "http://10.0.0.5/hook/tw?x=1",
				   "/hook/tw", form, sig, &in),
			 WL_EAUTH);
	assert_int_equal(in.n, 0);
	json_decref(ch.raw);
}

static void test_verify_get_webhook_signs_url_only(void **state)
{
	struct wl_channel_conf ch = tw_conf("{\"auth_token\":\"" AUTH "\"}");
	const char *url = "http://127.0.0.1:8080/hook/tw?MessageSid=SM2"
			  "&From=%2B8613800138000&Body=%E5%86%B7";
	struct chan_inbound in;
	char sig[29];

	sign(AUTH, url, sig);
	assert_int_equal(tw_handle(&ch, "GET", url, "/hook/tw", "", sig, &in),
			 WL_OK);
	assert_int_equal(in.n, 1);
	assert_string_equal(in.msgs[0].id, "SM2");
	assert_string_equal(in.msgs[0].text, "冷");
	chan_inbound_release(&in);
	json_decref(ch.raw);
}

/* parse alone, for bodies whose signing is not the point. */
static int tw_parse(const char *body, struct chan_inbound *in)
{
	struct wl_channel_conf ch = tw_conf("{}");
	struct chan_request r;
	int rc;

	memset(&r, 0, sizeof(r));
	memset(in, 0, sizeof(*in));
	r.method = "POST";
	r.full_url = "http://127.0.0.1/hook/tw";
	r.body = body;
	r.body_len = strlen(body);
	rc = chan_find("twilio")->parse(&ch, &r, in);
	json_decref(ch.raw);
	return rc;
}

static void test_parse_mms_and_status(void **state)
{
	struct chan_inbound in;

	assert_int_equal(
	    tw_parse("MessageSid=MM5&From=%2B8613900000000&NumMedia=1"
		     "&MediaContentType0=image%2Fjpeg&MediaUrl0=https%3A%2F"
		     "%2Fapi.twilio.com%2F2010-04-01%2FAccounts%2FAC1%2F"
		     "Messages%2FMM5%2FMedia%2FME1&Body=",
		     &in),
	    WL_OK);
	assert_int_equal(in.n, 1);
	assert_string_equal(in.msgs[0].kind, "image");
	assert_string_equal(in.msgs[0].attachment,
			    "https://api.twilio.com/2010-04-01/Accounts/AC1/"
			    "Messages/MM5/Media/ME1");
	assert_null(in.msgs[0].text);
	chan_inbound_release(&in);

	/* A delivery status callback is acknowledged and produces nothing. */
	assert_int_equal(tw_parse("MessageSid=SM9&From=%2B15005550006"
				  "&MessageStatus=delivered"
				  "&SmsStatus=delivered",
				  &in),
			 WL_OK);
	assert_int_equal(in.n, 0);
	assert_non_null(in.reply_body);
	chan_inbound_release(&in);

	/* An empty SMS is an empty text. */
	assert_int_equal(tw_parse("MessageSid=SM8&From=%2B1&Body=", &in),
			 WL_OK);
	assert_string_equal(in.msgs[0].text, "");
	chan_inbound_release(&in);
}

static void test_parse_rejects_malformed(void **state)
{
	static const char *const bad[] = {
	    "From=%2B1&Body=x",			   /* no MessageSid */
	    "MessageSid=SM1&Body=x",		   /* no From */
	    "MessageSid=SM1&From=%2B1&Body=%E5%8", /* truncated escape */
	    "MessageSid=SM1&From=%2B1&Body=%ZZ",
	    "MessageSid=SM1&From=%2B1&NumMedia=x",
	    "MessageSid=SM1&From=%2B1&NumMedia=99",
	    "MessageSid=SM%001&From=%2B1", /* NUL in the id */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct chan_inbound in;

		assert_int_equal(tw_parse(bad[i], &in), WL_EBADREQ);
		assert_int_equal(in.n, 0);
		chan_inbound_release(&in);
	}
}

static void test_format_messages_api(void **state)
{
	const struct chan_adapter *ad = chan_find("twilio");
	struct wl_channel_conf ch =
	    tw_conf("{\"account_sid\":\"" SID "\",\"auth_token\":\"" AUTH "\","
		    "\"from\":\"+15005550006\"}");
	struct chan_http h = {0};

	assert_int_equal(
	    ad->format(&ch, NULL, "o1", "+8613800138000", "已收到 a&b=c+d", &h),
	    WL_OK);
	assert_string_equal(h.url, "https://api.twilio.com/2010-04-01/"
				   "Accounts/" SID "/Messages.json");
	assert_string_equal(h.body, "To=%2B8613800138000&From=%2B15005550006"
				    "&Body=%E5%B7%B2%E6%94%B6%E5%88%B0%20a%26"
				    "b%3Dc%2Bd");
	assert_int_equal(h.body_len, strlen(h.body));
	assert_int_equal(h.n_headers, 2);
	/* base64("AC0123456789abcdef0123456789abcdef:tw-auth-token"),
	 * worked out with Python's base64 module. */
	assert_string_equal(h.headers[0],
			    "Authorization: Basic QUMwMTIzNDU2Nzg5YWJjZGVmMDEy"
			    "MzQ1Njc4OWFiY2RlZjp0dy1hdXRoLXRva2Vu");
	assert_string_equal(h.headers[1], "Content-Type: "
					  "application/x-www-form-urlencoded");
	chan_http_release(&h);

	/* A messaging service instead of a number, and a test host. */
	json_object_del(ch.raw, "from");
	json_object_set_new(ch.raw, "messaging_service_sid",
			    json_string("MG11111111111111111111111111111111"));
	ch.api_base = s_base;
	assert_int_equal(ad->format(&ch, NULL, "o2", "+1", "x", &h), WL_OK);
	assert_string_equal(h.url,
			    "http://127.0.0.1:9300/2010-04-01/Accounts/" SID
			    "/Messages.json");
	assert_string_equal(h.body,
			    "To=%2B1&MessagingServiceSid="
			    "MG11111111111111111111111111111111&Body=x");
	chan_http_release(&h);

	/* A SID that would change the path; no sender at all. */
	json_object_set_new(ch.raw, "account_sid", json_string("AC1/../x"));
	assert_int_equal(ad->format(&ch, NULL, "o3", "+1", "x", &h),
			 WL_EBADREQ);
	chan_http_release(&h);
	json_object_set_new(ch.raw, "account_sid", json_string(SID));
	json_object_del(ch.raw, "messaging_service_sid");
	assert_int_equal(ad->format(&ch, NULL, "o4", "+1", "x", &h),
			 WL_EBADREQ);
	chan_http_release(&h);
	json_decref(ch.raw);
}

static void test_auth_token_from_environment(void **state)
{
	const struct chan_adapter *ad = chan_find("twilio");
	struct wl_channel_conf ch =
	    tw_conf("{\"account_sid\":\"" SID "\",\"auth_token_env\":"
		    "\"WL_TEST_TWILIO_TOKEN\",\"from\":\"+15005550006\"}");
	struct chan_http h = {0};

	unsetenv("WL_TEST_TWILIO_TOKEN");
	assert_int_equal(ad->format(&ch, NULL, "o1", "+1", "x", &h),
			 WL_EBADREQ);
	chan_http_release(&h);
	setenv("WL_TEST_TWILIO_TOKEN", AUTH, 1);
	assert_int_equal(ad->format(&ch, NULL, "o1", "+1", "x", &h), WL_OK);
	assert_string_equal(h.headers[0],
			    "Authorization: Basic QUMwMTIzNDU2Nzg5YWJjZGVmMDEy"
			    "MzQ1Njc4OWFiY2RlZjp0dy1hdXRoLXRva2Vu");
	chan_http_release(&h);
	unsetenv("WL_TEST_TWILIO_TOKEN");
	json_decref(ch.raw);
}

static void test_classify(void **state)
{
	const struct chan_adapter *ad = chan_find("twilio");
	const char *invalid = "{\"code\": 21211, \"message\": \"The 'To' "
			      "number is not a valid phone number.\", "
			      "\"status\": 400}";
	const char *busy = "{\"code\": 20429, \"message\": \"Too Many "
			   "Requests\", \"status\": 429}";

	assert_int_equal(ad->classify(201, "{}", 2), CHAN_SENT);
	assert_int_equal(ad->classify(200, "{}", 2), CHAN_SENT);
	assert_int_equal(ad->classify(400, invalid, strlen(invalid)),
			 CHAN_FATAL);
	assert_int_equal(ad->classify(429, busy, strlen(busy)), CHAN_RETRY);
	assert_int_equal(ad->classify(400, busy, strlen(busy)), CHAN_RETRY);
	assert_int_equal(ad->classify(401, "", 0), CHAN_FATAL);
	assert_int_equal(ad->classify(503, "", 0), CHAN_RETRY);
	assert_int_equal(ad->classify(0, "", 0), CHAN_RETRY);
	assert_int_equal(ad->max_units, 1600);
	assert_int_equal(ad->unit(0x1f600), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_verify_twilio_documented_vectors),
	    cmocka_unit_test(test_verify_webhooks_setting_sha256),
	    cmocka_unit_test(test_verify_rejects_forgeries),
	    cmocka_unit_test(test_parse_inbound_sms),
	    cmocka_unit_test(test_verify_wrong_account_is_forbidden),
	    cmocka_unit_test(test_verify_default_port_variant),
	    cmocka_unit_test(test_verify_get_webhook_signs_url_only),
	    cmocka_unit_test(test_parse_mms_and_status),
	    cmocka_unit_test(test_parse_rejects_malformed),
	    cmocka_unit_test(test_format_messages_api),
	    cmocka_unit_test(test_auth_token_from_environment),
	    cmocka_unit_test(test_classify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
