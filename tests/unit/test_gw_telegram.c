/*
 * test_gw_telegram.c — the Telegram adapter: secret-token check, Update
 * parsing, sendMessage formatting and answer classification.
 *
 * Telegram publishes no signature scheme beyond the secret_token header
 * (Bot API, setWebhook), so there is no vendor vector: the verify tests
 * check the exact compare and its failures. The Update bodies are written
 * from the Bot API's object definitions (Update, Message, Chat, User,
 * PhotoSize, Location, Contact); ids and names are made up.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>
#include <jansson.h>

#include "channel.h"
#include "wl.h"

#define SECRET "wl-Tg_secret-123"
#define TOKEN  "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"

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

/* Mutable copies: the config struct holds char *, never const. */
static char s_id[] = "tg", s_type[] = "telegram", s_secret[] = SECRET,
	    s_token[] = TOKEN, s_test_base[] = "http://127.0.0.1:9100",
	    s_bad_token[] = "123:abc/../x";

static struct wl_channel_conf tg_conf(const char *raw)
{
	struct wl_channel_conf ch;
	json_error_t err;

	memset(&ch, 0, sizeof(ch));
	ch.id = s_id;
	ch.type = s_type;
	ch.secret = s_secret;
	ch.token = s_token;
	ch.raw = json_loads(raw ? raw : "{}", 0, &err);
	assert_non_null(ch.raw);
	return ch;
}

static struct chan_request tg_req(struct fake *f, const char *secret,
				  const char *body)
{
	struct chan_request r;

	memset(&r, 0, sizeof(r));
	memset(f, 0, sizeof(*f));
	if (secret) {
		f->hname[0] = "X-Telegram-Bot-Api-Secret-Token";
		f->hval[0] = secret;
		f->nh = 1;
	}
	r.method = "POST";
	r.path = "/hook/tg";
	r.full_url = "http://127.0.0.1:8080/hook/tg";
	r.body = body;
	r.body_len = strlen(body);
	r.peer_ip = "149.154.167.220";
	r.now_ms = 1700000000000;
	r.header = fake_header;
	r.arg = fake_arg;
	r.ctx = f;
	return r;
}

/* verify, then parse only when verify passed: what the HTTP layer does. */
static int tg_handle(const struct wl_channel_conf *ch, const char *secret,
		     const char *body, struct chan_inbound *in)
{
	const struct chan_adapter *ad = chan_find("telegram");
	struct fake f;
	struct chan_request r = tg_req(&f, secret, body);
	int rc;

	assert_non_null(ad);
	memset(in, 0, sizeof(*in));
	rc = ad->verify(ch, &r);
	if (rc != WL_OK)
		return rc;
	return ad->parse(ch, &r, in);
}

static const char private_text[] =
    "{\"update_id\":10000,\"message\":{\"message_id\":1365,"
    "\"from\":{\"id\":1111111,\"is_bot\":false,\"first_name\":\"芳\","
    "\"last_name\":\"王\",\"username\":\"wangfang\"},"
    "\"chat\":{\"id\":1111111,\"first_name\":\"芳\",\"type\":\"private\"},"
    "\"date\":1441645532,\"text\":\"家里没有暖气了\"}}";

static void test_verify_accepts_exact_secret(void **state)
{
	struct wl_channel_conf ch = tg_conf(NULL);
	struct chan_inbound in;

	assert_int_equal(tg_handle(&ch, SECRET, private_text, &in), WL_OK);
	assert_int_equal(in.n, 1);
	chan_inbound_release(&in);
	json_decref(ch.raw);
}

static void test_verify_rejects_bad_secrets(void **state)
{
	struct wl_channel_conf ch = tg_conf(NULL);
	struct chan_inbound in;
	char flipped[] = SECRET;

	flipped[3] ^= 0x01;
	assert_int_equal(tg_handle(&ch, flipped, private_text, &in), WL_EAUTH);
	assert_int_equal(in.n, 0);
	/* The secret of another bot (another channel). */
	assert_int_equal(tg_handle(&ch, "other-bot-secret", private_text, &in),
			 WL_EAUTH);
	assert_int_equal(in.n, 0);
	assert_int_equal(tg_handle(&ch, NULL, private_text, &in), WL_EAUTH);
	assert_int_equal(tg_handle(&ch, "", private_text, &in), WL_EAUTH);
	/* A prefix of the secret is not the secret. */
	assert_int_equal(tg_handle(&ch, "wl-Tg_secret-12", private_text, &in),
			 WL_EAUTH);
	/* A channel without a secret accepts nothing. */
	ch.secret = NULL;
	assert_int_equal(tg_handle(&ch, SECRET, private_text, &in), WL_EAUTH);
	assert_int_equal(in.n, 0);
	json_decref(ch.raw);
}

static void test_parse_private_text(void **state)
{
	struct wl_channel_conf ch = tg_conf(NULL);
	struct chan_inbound in;

	assert_int_equal(tg_handle(&ch, SECRET, private_text, &in), WL_OK);
	assert_int_equal(in.n, 1);
	assert_string_equal(in.msgs[0].id, "10000");
	assert_string_equal(in.msgs[0].from, "1111111");
	assert_string_equal(in.msgs[0].text, "家里没有暖气了");
	assert_string_equal(in.msgs[0].name, "芳 王");
	assert_string_equal(in.msgs[0].kind, "text");
	assert_null(in.msgs[0].attachment);
	assert_null(in.reply_body);
	chan_inbound_release(&in);
	json_decref(ch.raw);
}

static void test_parse_group_uses_chat_and_strips_mention(void **state)
{
	struct wl_channel_conf ch =
	    tg_conf("{\"bot_username\":\"Warmline_Bot\"}");
	struct chan_inbound in;
	const char *body =
	    "{\"update_id\":10001,\"message\":{\"message_id\":7,"
	    "\"from\":{\"id\":2222,\"is_bot\":false,"
	    "\"username\":\"li_si\"},"
	    "\"chat\":{\"id\":-1001234567890,\"title\":\"惠丰社区值班群\","
	    "\"type\":\"supergroup\"},\"date\":1441645532,"
	    "\"text\":\"/claim@warmline_bot 1042\"}}";

	assert_int_equal(tg_handle(&ch, SECRET, body, &in), WL_OK);
	assert_int_equal(in.n, 1);
	assert_string_equal(in.msgs[0].from, "-1001234567890");
	assert_string_equal(in.msgs[0].name, "@li_si");
	assert_string_equal(in.msgs[0].text, "/claim 1042");
	chan_inbound_release(&in);

	/* A mention of some other bot is left alone. */
	body = "{\"update_id\":10002,\"message\":{\"message_id\":8,"
	       "\"chat\":{\"id\":-5,\"type\":\"group\"},\"date\":1,"
	       "\"text\":\"/claim@other_bot 1042\"}}";
	assert_int_equal(tg_handle(&ch, SECRET, body, &in), WL_OK);
	assert_string_equal(in.msgs[0].text, "/claim@other_bot 1042");
	assert_null(in.msgs[0].name);
	chan_inbound_release(&in);
	json_decref(ch.raw);
}

static void test_parse_photo_takes_largest(void **state)
{
	struct wl_channel_conf ch = tg_conf(NULL);
	struct chan_inbound in;
	const char *body =
	    "{\"update_id\":10003,\"message\":{\"message_id\":9,"
	    "\"from\":{\"id\":3,\"is_bot\":false,\"first_name\":\"Zhao\"},"
	    "\"chat\":{\"id\":3,\"type\":\"private\"},\"date\":1,"
	    "\"photo\":[{\"file_id\":\"small\",\"file_unique_id\":\"a\","
	    "\"width\":90,\"height\":67},{\"file_id\":\"big\","
	    "\"file_unique_id\":\"c\",\"width\":1280,\"height\":960},"
	    "{\"file_id\":\"mid\",\"file_unique_id\":\"b\",\"width\":320,"
	    "\"height\":240}],\"caption\":\"烟囱堵了\"}}";

	assert_int_equal(tg_handle(&ch, SECRET, body, &in), WL_OK);
	assert_int_equal(in.n, 1);
	assert_string_equal(in.msgs[0].kind, "image");
	assert_string_equal(in.msgs[0].attachment, "big");
	assert_string_equal(in.msgs[0].text, "烟囱堵了");
	chan_inbound_release(&in);
	json_decref(ch.raw);
}

struct kind_case {
	const char *member;
	const char *want_kind;
	const char *want_ref;
};

static void test_parse_other_kinds(void **state)
{
	static const struct kind_case cases[] = {
	    {"\"voice\":{\"file_id\":\"v1\",\"file_unique_id\":\"u\","
	     "\"duration\":3}",
	     "voice", "v1"},
	    {"\"sticker\":{\"file_id\":\"s1\",\"file_unique_id\":\"u\","
	     "\"type\":\"regular\",\"width\":1,\"height\":1,"
	     "\"is_animated\":false,\"is_video\":false}",
	     "sticker", "s1"},
	    {"\"document\":{\"file_id\":\"d1\",\"file_unique_id\":\"u\"}",
	     "file", "d1"},
	    {"\"location\":{\"latitude\":35.1,\"longitude\":110.75}",
	     "location", "35.100000,110.750000"},
	    {"\"contact\":{\"phone_number\":\"+8613800138000\","
	     "\"first_name\":\"A\"}",
	     "contact", "+8613800138000"},
	    {"\"new_chat_members\":[{\"id\":9,\"is_bot\":false,"
	     "\"first_name\":\"B\"}]",
	     "event", NULL},
	};
	struct wl_channel_conf ch = tg_conf(NULL);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct chan_inbound in;
		char body[512];

		snprintf(body, sizeof(body),
			 "{\"update_id\":%zu,\"message\":{\"message_id\":1,"
			 "\"chat\":{\"id\":42,\"type\":\"private\"},"
			 "\"date\":1,%s}}",
			 20000 + i, cases[i].member);
		assert_int_equal(tg_handle(&ch, SECRET, body, &in), WL_OK);
		assert_int_equal(in.n, 1);
		assert_string_equal(in.msgs[0].kind, cases[i].want_kind);
		if (cases[i].want_ref)
			assert_string_equal(in.msgs[0].attachment,
					    cases[i].want_ref);
		else
			assert_null(in.msgs[0].attachment);
		assert_null(in.msgs[0].text);
		chan_inbound_release(&in);
	}
	json_decref(ch.raw);
}

static void test_parse_edited_and_non_message_updates(void **state)
{
	struct wl_channel_conf ch = tg_conf(NULL);
	struct chan_inbound in;
	const char *edited =
	    "{\"update_id\":10004,\"edited_message\":{\"message_id\":1,"
	    "\"chat\":{\"id\":5,\"type\":\"private\"},\"date\":1,"
	    "\"edit_date\":2,\"text\":\"改：煤快烧完了\"}}";
	const char *callback =
	    "{\"update_id\":10005,\"callback_query\":{\"id\":\"4382\","
	    "\"from\":{\"id\":5,\"is_bot\":false,\"first_name\":\"C\"},"
	    "\"chat_instance\":\"1\",\"data\":\"x\"}}";

	assert_int_equal(tg_handle(&ch, SECRET, edited, &in), WL_OK);
	assert_int_equal(in.n, 1);
	assert_string_equal(in.msgs[0].id, "10004");
	assert_string_equal(in.msgs[0].text, "改：煤快烧完了");
	chan_inbound_release(&in);

	assert_int_equal(tg_handle(&ch, SECRET, callback, &in), WL_OK);
	assert_int_equal(in.n, 0);
	chan_inbound_release(&in);
	json_decref(ch.raw);
}

static void test_parse_rejects_malformed(void **state)
{
	static const char *const bad[] = {
	    /* truncated */
	    "{\"update_id\":10000,\"message\":{\"message_id\":1365,"
	    "\"chat\":{\"id\":1111111,\"type\":\"private\"},\"text\":\"家",
	    "[]",
	    "{\"message\":{\"chat\":{\"id\":1},\"text\":\"x\"}}",
	    "{\"update_id\":-1,\"message\":{\"chat\":{\"id\":1},"
	    "\"text\":\"x\"}}",
	    "{\"update_id\":1,\"message\":{\"chat\":{\"id\":\"1\"},"
	    "\"text\":\"x\"}}",
	    "{\"update_id\":1,\"message\":{\"text\":\"x\"}}",
	    "{\"update_id\":1,\"message\":{\"chat\":{\"id\":1},"
	    "\"text\":5}}",
	    "{\"update_id\":1,\"message\":[]}",
	    "{\"update_id\":1,\"update_id\":2}",
	};
	struct wl_channel_conf ch = tg_conf(NULL);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct chan_inbound in;

		assert_int_equal(tg_handle(&ch, SECRET, bad[i], &in),
				 WL_EBADREQ);
		assert_int_equal(in.n, 0);
		chan_inbound_release(&in);
	}
	json_decref(ch.raw);
}

static void test_format_send_message(void **state)
{
	const struct chan_adapter *ad = chan_find("telegram");
	struct wl_channel_conf ch = tg_conf(NULL);
	struct chan_http h = {0};

	assert_int_equal(
	    ad->format(&ch, NULL, "m1", "1111111", "已收到，王芳。", &h),
	    WL_OK);
	assert_string_equal(h.url, "https://api.telegram.org/bot" TOKEN
				   "/sendMessage");
	assert_string_equal(
	    h.body, "{\"chat_id\":1111111,\"text\":\"已收到，王芳。\"}");
	assert_int_equal(h.body_len, strlen(h.body));
	assert_int_equal(h.n_headers, 1);
	assert_string_equal(h.headers[0], "Content-Type: application/json");
	chan_http_release(&h);

	/* A group id, a channel name, and a test server. */
	ch.api_base = s_test_base;
	assert_int_equal(
	    ad->format(&ch, NULL, "m2", "-1001234567890", "a\"b", &h), WL_OK);
	assert_string_equal(h.url,
			    "http://127.0.0.1:9100/bot" TOKEN "/sendMessage");
	assert_string_equal(h.body,
			    "{\"chat_id\":-1001234567890,\"text\":\"a\\\"b\"}");
	chan_http_release(&h);
	assert_int_equal(ad->format(&ch, NULL, "m3", "@duty_channel", "x", &h),
			 WL_OK);
	assert_string_equal(h.body,
			    "{\"chat_id\":\"@duty_channel\",\"text\":\"x\"}");
	chan_http_release(&h);

	/* No token, or one that would change the URL. */
	ch.token = NULL;
	assert_int_equal(ad->format(&ch, NULL, "m4", "1", "x", &h), WL_EBADREQ);
	chan_http_release(&h);
	ch.token = s_bad_token;
	assert_int_equal(ad->format(&ch, NULL, "m5", "1", "x", &h), WL_EBADREQ);
	chan_http_release(&h);
	json_decref(ch.raw);
}

static void test_classify(void **state)
{
	const struct chan_adapter *ad = chan_find("telegram");
	const char *ok = "{\"ok\":true,\"result\":{\"message_id\":1}}";
	const char *flood = "{\"ok\":false,\"error_code\":429,\"description\":"
			    "\"Too Many Requests: retry after 5\","
			    "\"parameters\":{\"retry_after\":5}}";
	const char *blocked = "{\"ok\":false,\"error_code\":403,"
			      "\"description\":\"Forbidden: bot was blocked "
			      "by the user\"}";
	const char *missing = "{\"ok\":false,\"error_code\":400,"
			      "\"description\":\"Bad Request: chat not "
			      "found\"}";

	assert_non_null(ad->classify);
	assert_int_equal(ad->classify(200, ok, strlen(ok)), CHAN_SENT);
	assert_int_equal(ad->classify(429, flood, strlen(flood)), CHAN_RETRY);
	assert_int_equal(ad->classify(403, blocked, strlen(blocked)),
			 CHAN_FATAL);
	assert_int_equal(ad->classify(400, missing, strlen(missing)),
			 CHAN_FATAL);
	assert_int_equal(ad->classify(401, "", 0), CHAN_FATAL);
	assert_int_equal(ad->classify(502, "", 0), CHAN_RETRY);
	assert_int_equal(ad->classify(0, "", 0), CHAN_RETRY);
	assert_int_equal(ad->classify(200, "{\"ok\":false}", 12), CHAN_FATAL);
	assert_int_equal(ad->classify(200, "<html>", 6), CHAN_FATAL);
}

static void test_limits(void **state)
{
	const struct chan_adapter *ad = chan_find("telegram");

	assert_non_null(ad);
	assert_int_equal(ad->max_units, 4096);
	/* Telegram counts UTF-16 code units: an emoji is two. */
	assert_int_equal(ad->unit(0x1f600), 2);
	assert_int_equal(ad->unit(0x4e2d), 1);
	assert_null(ad->token_request);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_verify_accepts_exact_secret),
	    cmocka_unit_test(test_verify_rejects_bad_secrets),
	    cmocka_unit_test(test_parse_private_text),
	    cmocka_unit_test(test_parse_group_uses_chat_and_strips_mention),
	    cmocka_unit_test(test_parse_photo_takes_largest),
	    cmocka_unit_test(test_parse_other_kinds),
	    cmocka_unit_test(test_parse_edited_and_non_message_updates),
	    cmocka_unit_test(test_parse_rejects_malformed),
	    cmocka_unit_test(test_format_send_message),
	    cmocka_unit_test(test_classify),
	    cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
