/*
 * test_gw_kannel.c — the Kannel SMS adapter: address and secret checks,
 * get-url decoding (UTF-16BE from %b), dedupe ids, and sendsms requests.
 *
 * Vectors: the get-url queries below were captured from a real Kannel
 * 1.4.5 (Debian 12 packages: bearerbox, smsbox and test/fakesmsc) with
 *   get-url = ".../hook/sms?secret=s3&from=%p&to=%P&id=%I&coding=%c
 *              &charset=%C&text=%b"
 * after injecting "ucs2 %6B%22%8F%CE%00%20%00a%4E%2D%65%87" (欢迎 a中文)
 * and "text 你好 UTF8 text" through fakesmsc. The third is what fakesmsc
 * printed for an MT message sent with sendsms charset=UTF-8&coding=2 and
 * text "您好，已收到 a+b&c 😀". Kannel has no signature scheme.
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
#include "text.h"
#include "wl.h"

static char s_id[] = "sms", s_type[] = "kannel", s_secret[] = "s3";

#define CAP_UCS2                                                               \
	"/hook/sms?secret=s3&from=13800138000&to=10086"                        \
	"&id=5de74fe0-8837-42e5-b22f-051c1c76ecf8&coding=2"                    \
	"&charset=UTF-16BE&text=k%22%8F%CE%00+%00aN-e%87"
#define CAP_UTF8                                                               \
	"/hook/sms?secret=s3&from=13800138000&to=10086"                        \
	"&id=6fa511e9-6c4a-4c11-b18c-e2b5c04e681a&coding=0"                    \
	"&charset=UTF-8&text=%E4%BD%A0%E5%A5%BD+UTF8+text"
#define CAP_MT                                                                 \
	"%60%A8Y%7D%FF%0C%5D%F2e6R0%00+%00a%00%2B%00b%00%26%00c%00+"           \
	"%D8%3D%DE%00"

struct fake {
	const char *secret_header;
};

static const char *fake_header(void *ctx, const char *name)
{
	struct fake *f = ctx;

	return strcasecmp(name, "X-Warmline-Secret") == 0 ? f->secret_header
							  : NULL;
}

static const char *fake_arg(void *ctx, const char *name)
{
	return NULL;
}

static struct wl_channel_conf kn_conf(const char *raw)
{
	struct wl_channel_conf ch;
	json_error_t err;

	memset(&ch, 0, sizeof(ch));
	ch.id = s_id;
	ch.type = s_type;
	ch.secret = s_secret;
	ch.raw = json_loads(raw ? raw : "{}", 0, &err);
	assert_non_null(ch.raw);
	return ch;
}

/* verify and, when it passes, parse a get-url request. */
static int kn_handle_at(const struct wl_channel_conf *ch, const char *peer,
			const char *path_query, const char *header,
			int64_t now_ms, struct chan_inbound *in)
{
	const struct chan_adapter *ad = chan_find("kannel");
	struct fake f = {header};
	struct chan_request r;
	char url[2048], path[256];
	size_t plen = strcspn(path_query, "?");
	int rc;

	assert_non_null(ad);
	assert_true(plen < sizeof(path));
	memcpy(path, path_query, plen);
	path[plen] = '\0';
	snprintf(url, sizeof(url), "http://127.0.0.1:8080%s", path_query);
	memset(&r, 0, sizeof(r));
	memset(in, 0, sizeof(*in));
	r.method = "GET";
	r.path = path;
	r.full_url = url;
	r.body = "";
	r.peer_ip = peer;
	r.now_ms = now_ms;
	r.header = fake_header;
	r.arg = fake_arg;
	r.ctx = &f;
	rc = ad->verify(ch, &r);
	if (rc != WL_OK)
		return rc;
	return ad->parse(ch, &r, in);
}

static int kn_handle(const struct wl_channel_conf *ch, const char *peer,
		     const char *path_query, struct chan_inbound *in)
{
	return kn_handle_at(ch, peer, path_query, NULL, 1700000000000, in);
}

static void test_parse_captured_ucs2(void **state)
{
	struct wl_channel_conf ch = kn_conf(NULL);
	struct chan_inbound in;

	assert_int_equal(kn_handle(&ch, "127.0.0.1", CAP_UCS2, &in), WL_OK);
	assert_int_equal(in.n, 1);
	assert_string_equal(in.msgs[0].id,
			    "5de74fe0-8837-42e5-b22f-051c1c76ecf8");
	assert_string_equal(in.msgs[0].from, "13800138000");
	assert_string_equal(in.msgs[0].text, "欢迎 a中文");
	assert_string_equal(in.msgs[0].kind, "text");
	assert_null(in.msgs[0].name);
	assert_null(in.reply_body);
	chan_inbound_release(&in);
	json_decref(ch.raw);
}

static void test_parse_captured_utf8_and_surrogates(void **state)
{
	struct wl_channel_conf ch = kn_conf(NULL);
	struct chan_inbound in;

	assert_int_equal(kn_handle(&ch, "127.0.0.1", CAP_UTF8, &in), WL_OK);
	assert_string_equal(in.msgs[0].text, "你好 UTF8 text");
	assert_string_equal(in.msgs[0].id,
			    "6fa511e9-6c4a-4c11-b18c-e2b5c04e681a");
	chan_inbound_release(&in);

	assert_int_equal(
	    kn_handle(&ch, "::1",
		      "/hook/sms?secret=s3&from=%2B8613800138000"
		      "&id=x1&coding=2&charset=UTF-16BE&text=" CAP_MT,
		      &in),
	    WL_OK);
	assert_string_equal(in.msgs[0].from, "+8613800138000");
	assert_string_equal(in.msgs[0].text, "您好，已收到 a+b&c 😀");
	chan_inbound_release(&in);
	json_decref(ch.raw);
}

static void test_parse_other_charsets(void **state)
{
	struct wl_channel_conf ch = kn_conf(NULL);
	struct chan_inbound in;

	/* mo-recode may hand over Windows-1252. */
	assert_int_equal(kn_handle(&ch, "127.0.0.1",
				   "/hook/sms?secret=s3&from=1&id=a&coding=0"
				   "&charset=WINDOWS-1252&text=caf%E9+%80+%81",
				   &in),
			 WL_OK);
	assert_string_equal(in.msgs[0].text, "café € \xef\xbf\xbd");
	chan_inbound_release(&in);
	/* 8-bit data (OTA settings, ringtones) is not text. */
	assert_int_equal(kn_handle(&ch, "127.0.0.1",
				   "/hook/sms?secret=s3&from=1&id=b&coding=1"
				   "&charset=binary&text=%00%01%02",
				   &in),
			 WL_OK);
	assert_string_equal(in.msgs[0].kind, "data");
	assert_null(in.msgs[0].text);
	chan_inbound_release(&in);
	/* Broken UTF-8, an unpaired surrogate and U+0000 are replaced. */
	assert_int_equal(kn_handle(&ch, "127.0.0.1",
				   "/hook/sms?secret=s3&from=1&id=c&coding=0"
				   "&charset=UTF-8&text=a%FFb%00c",
				   &in),
			 WL_OK);
	assert_string_equal(in.msgs[0].text, "a\xef\xbf\xbd"
					     "b\xef\xbf\xbd"
					     "c");
	chan_inbound_release(&in);
	assert_int_equal(kn_handle(&ch, "127.0.0.1",
				   "/hook/sms?secret=s3&from=1&id=d&coding=2"
				   "&text=%D8%3D%00A%00%00",
				   &in),
			 WL_OK);
	assert_string_equal(in.msgs[0].text, "\xef\xbf\xbd"
					     "A\xef\xbf\xbd");
	chan_inbound_release(&in);
	json_decref(ch.raw);
}

static void test_verify_addresses(void **state)
{
	struct wl_channel_conf ch = kn_conf(NULL);
	struct chan_inbound in;

	/* Default: loopback only. */
	assert_int_equal(kn_handle(&ch, "127.0.0.1", CAP_UTF8, &in), WL_OK);
	chan_inbound_release(&in);
	assert_int_equal(kn_handle(&ch, "::1", CAP_UTF8, &in), WL_OK);
	chan_inbound_release(&in);
	assert_int_equal(kn_handle(&ch, "::ffff:127.0.0.1", CAP_UTF8, &in),
			 WL_OK);
	chan_inbound_release(&in);
	assert_int_equal(kn_handle(&ch, "10.0.0.8", CAP_UTF8, &in),
			 WL_EFORBIDDEN);
	assert_int_equal(in.n, 0);
	assert_int_equal(kn_handle(&ch, "127.0.0.2", CAP_UTF8, &in),
			 WL_EFORBIDDEN);
	assert_int_equal(kn_handle(&ch, "", CAP_UTF8, &in), WL_EFORBIDDEN);
	json_decref(ch.raw);

	/* An explicit list replaces the default. */
	ch = kn_conf("{\"allowed_ips\":[\"10.0.0.8\",\"fd00::8\"]}");
	assert_int_equal(kn_handle(&ch, "10.0.0.8", CAP_UTF8, &in), WL_OK);
	chan_inbound_release(&in);
	assert_int_equal(kn_handle(&ch, "::ffff:10.0.0.8", CAP_UTF8, &in),
			 WL_OK);
	chan_inbound_release(&in);
	assert_int_equal(kn_handle(&ch, "fd00::8", CAP_UTF8, &in), WL_OK);
	chan_inbound_release(&in);
	assert_int_equal(kn_handle(&ch, "127.0.0.1", CAP_UTF8, &in),
			 WL_EFORBIDDEN);
	assert_int_equal(kn_handle(&ch, "10.0.0.80", CAP_UTF8, &in),
			 WL_EFORBIDDEN);
	assert_int_equal(in.n, 0);
	json_decref(ch.raw);
}

static void test_verify_secret(void **state)
{
	struct wl_channel_conf ch = kn_conf(NULL);
	struct chan_inbound in;
	const char *rest = "&from=13800138000&id=q&text=x";
	char q[256];

	snprintf(q, sizeof(q), "/hook/sms?secret=s2%s", rest);
	assert_int_equal(kn_handle(&ch, "127.0.0.1", q, &in), WL_EAUTH);
	assert_int_equal(in.n, 0);
	/* The secret of another service, and a longer one. */
	snprintf(q, sizeof(q), "/hook/sms?secret=other%s", rest);
	assert_int_equal(kn_handle(&ch, "127.0.0.1", q, &in), WL_EAUTH);
	snprintf(q, sizeof(q), "/hook/sms?secret=s33%s", rest);
	assert_int_equal(kn_handle(&ch, "127.0.0.1", q, &in), WL_EAUTH);
	snprintf(q, sizeof(q), "/hook/sms?x=1%s", rest);
	assert_int_equal(kn_handle(&ch, "127.0.0.1", q, &in), WL_EAUTH);
	assert_int_equal(kn_handle(&ch, "127.0.0.1", "/hook/sms", &in),
			 WL_EAUTH);
	/* A NUL smuggled into the secret. */
	snprintf(q, sizeof(q), "/hook/sms?secret=s3%%00%s", rest);
	assert_int_equal(kn_handle(&ch, "127.0.0.1", q, &in), WL_EAUTH);
	assert_int_equal(in.n, 0);
	/* The header form, which wins over the query. */
	snprintf(q, sizeof(q), "/hook/sms?x=1%s", rest);
	assert_int_equal(kn_handle_at(&ch, "127.0.0.1", q, "s3", 0, &in),
			 WL_OK);
	chan_inbound_release(&in);
	assert_int_equal(kn_handle_at(&ch, "127.0.0.1", CAP_UTF8, "s4", 0, &in),
			 WL_EAUTH);
	/* A forbidden address is told so before any secret check. */
	assert_int_equal(kn_handle(&ch, "192.0.2.1", q, &in), WL_EFORBIDDEN);
	ch.secret = NULL;
	assert_int_equal(kn_handle(&ch, "127.0.0.1", CAP_UTF8, &in), WL_EAUTH);
	assert_int_equal(in.n, 0);
	json_decref(ch.raw);
}

static void test_content_hash_dedupe(void **state)
{
	struct wl_channel_conf ch = kn_conf(NULL);
	struct chan_inbound a, b, c, d;
	const char *q = "/hook/sms?secret=s3&from=13800138000&coding=0"
			"&charset=UTF-8&text=%E5%86%B7";
	const char *other = "/hook/sms?secret=s3&from=13800138000&coding=0"
			    "&charset=UTF-8&text=%E7%83%AD";
	int64_t t = 1700000000000 - 1700000000000 % 60000;

	assert_int_equal(kn_handle_at(&ch, "127.0.0.1", q, NULL, t + 1000, &a),
			 WL_OK);
	assert_int_equal(kn_handle_at(&ch, "127.0.0.1", q, NULL, t + 59000, &b),
			 WL_OK);
	assert_int_equal(kn_handle_at(&ch, "127.0.0.1", q, NULL, t + 61000, &c),
			 WL_OK);
	assert_int_equal(
	    kn_handle_at(&ch, "127.0.0.1", other, NULL, t + 1000, &d), WL_OK);
	assert_int_equal(strlen(a.msgs[0].id), 33);
	assert_int_equal(a.msgs[0].id[0], 'h');
	/* Same SMS within the minute: same id; next minute or other text:
	 * another. */
	assert_string_equal(a.msgs[0].id, b.msgs[0].id);
	assert_string_not_equal(a.msgs[0].id, c.msgs[0].id);
	assert_string_not_equal(a.msgs[0].id, d.msgs[0].id);
	chan_inbound_release(&a);
	chan_inbound_release(&b);
	chan_inbound_release(&c);
	chan_inbound_release(&d);
	json_decref(ch.raw);
}

static void test_parse_rejects_malformed(void **state)
{
	static const char *const bad[] = {
	    /* A UCS-2 text cut off in the middle of a character. */
	    "/hook/sms?secret=s3&from=1&id=a&coding=2&text=k%22%8F",
	    "/hook/sms?secret=s3&from=1&id=a&coding=2&text=k%22%8",
	    "/hook/sms?secret=s3&from=1&id=a&text=%G1",
	    "/hook/sms?secret=s3&id=a&text=x",
	    "/hook/sms?secret=s3&from=&id=a&text=x",
	    "/hook/sms?secret=s3&from=1%0A2&id=a&text=x",
	    "/hook/sms?secret=s3&from=abc&id=a&text=x",
	    "/hook/sms?secret=s3&from=1&id=a&coding=7&text=x",
	};
	struct wl_channel_conf ch = kn_conf(NULL);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct chan_inbound in;
		int rc = kn_handle(&ch, "127.0.0.1", bad[i], &in);

		assert_true(rc == WL_EBADREQ || rc == WL_EAUTH);
		assert_int_equal(in.n, 0);
		chan_inbound_release(&in);
	}
	json_decref(ch.raw);
}

static void test_format_sendsms(void **state)
{
	const struct chan_adapter *ad = chan_find("kannel");
	struct wl_channel_conf ch = kn_conf(
	    "{\"sendsms_url\":\"http://127.0.0.1:13013/cgi-bin/sendsms\","
	    "\"username\":\"warmline\",\"password\":\"p&w d\","
	    "\"from\":\"10086\"}");
	struct chan_http h = {0};

	assert_int_equal(ad->format(&ch, NULL, "o1", "13800138000",
				    "您好，已收到 a+b&c", &h),
			 WL_OK);
	assert_string_equal(h.url,
			    "http://127.0.0.1:13013/cgi-bin/sendsms?"
			    "username=warmline&password=p%26w%20d"
			    "&to=13800138000&from=10086&charset=UTF-8&coding=2"
			    "&text=%E6%82%A8%E5%A5%BD%EF%BC%8C%E5%B7%B2%E6%94"
			    "%B6%E5%88%B0%20a%2Bb%26c");
	assert_null(h.body);
	assert_int_equal(h.n_headers, 0);
	chan_http_release(&h);

	/* Password from the environment, an smsc route, a URL with a query. */
	json_object_set_new(ch.raw, "sendsms_url",
			    json_string("http://k:13013/cgi-bin/sendsms?x=1"));
	json_object_del(ch.raw, "password");
	json_object_del(ch.raw, "from");
	json_object_set_new(ch.raw, "password_env",
			    json_string("WL_TEST_KANNEL_PASS"));
	json_object_set_new(ch.raw, "smsc", json_string("cmcc"));
	unsetenv("WL_TEST_KANNEL_PASS");
	assert_int_equal(ad->format(&ch, NULL, "o2", "1", "x", &h), WL_EBADREQ);
	chan_http_release(&h);
	setenv("WL_TEST_KANNEL_PASS", "pw", 1);
	assert_int_equal(ad->format(&ch, NULL, "o2", "1", "x", &h), WL_OK);
	assert_string_equal(h.url, "http://k:13013/cgi-bin/sendsms?x=1"
				   "&username=warmline&password=pw&to=1"
				   "&smsc=cmcc&charset=UTF-8&coding=2&text=x");
	chan_http_release(&h);
	unsetenv("WL_TEST_KANNEL_PASS");
	json_decref(ch.raw);
}

static void test_classify_and_one_sms_per_message(void **state)
{
	const struct chan_adapter *ad = chan_find("kannel");
	const char *reply = "您的求助已登记，编号1042。网格员王芳会在1小时内"
			    "联系您。\n如有煤气味，请立即开窗、离开房间，"
			    "拨打120。\n回复“进度”可查询办理情况，回复“人工”"
			    "转值班人员，回复“取消”撤回求助。";
	char **parts = NULL;
	size_t n;

	/* Kannel's answers, through the default classification. */
	assert_null(ad->classify);
	assert_int_equal(chan_classify_http(202), CHAN_SENT);
	assert_int_equal(chan_classify_http(503), CHAN_RETRY);
	assert_int_equal(chan_classify_http(403), CHAN_FATAL);
	assert_int_equal(chan_classify_http(0), CHAN_RETRY);

	/* One UCS-2 SMS is 70 units; a longer reply is split by the outbox
	 * at line ends, each part one SMS. */
	assert_int_equal(ad->max_units, 70);
	n = text_split(reply, ad->max_units, ad->unit, &parts);
	assert_true(n >= 2);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(text_sms_segments(parts[i]), 1);
	text_parts_free(parts, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_captured_ucs2),
	    cmocka_unit_test(test_parse_captured_utf8_and_surrogates),
	    cmocka_unit_test(test_parse_other_charsets),
	    cmocka_unit_test(test_verify_addresses),
	    cmocka_unit_test(test_verify_secret),
	    cmocka_unit_test(test_content_hash_dedupe),
	    cmocka_unit_test(test_parse_rejects_malformed),
	    cmocka_unit_test(test_format_sendsms),
	    cmocka_unit_test(test_classify_and_one_sms_per_message),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
