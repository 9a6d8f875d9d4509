/*
 * fuzz_dingtalk.c — drives the DingTalk adapters with arbitrary bytes: the
 * callback body (parse), the gettoken answer (token_parse), send answers
 * (classify), the sign header (verify) and outbound text (format, both
 * the robot API and the signed group webhook). Parsed messages must carry
 * an id, a sender and a kind, with valid UTF-8 strings; a token, when
 * accepted, must be safe to put in a header.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "channel.h"
#include "text.h"
#include "wl.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_INPUT 65536

static char f_id[] = "dd", f_type[] = "dingtalk", f_secret[] = "app-secret";
static const char *f_sign;

static const char *f_header(void *ctx, const char *name)
{
	if (strcmp(name, "timestamp") == 0)
		return "1577262236757";
	return strcmp(name, "sign") == 0 ? f_sign : NULL;
}

static const char *f_arg(void *ctx, const char *name)
{
	return NULL;
}

static void check_str(const char *s)
{
	if (s)
		CHECK(text_utf8_valid(s, strlen(s)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct chan_adapter *ad = chan_find("dingtalk");
	const struct chan_adapter *wh = chan_find("dingtalk_webhook");
	struct wl_channel_conf ch;
	struct chan_request r;
	struct chan_inbound in = {0};
	struct chan_http h = {0};
	char *text, *tok = NULL;
	long exp = 0;
	int rc;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	memset(&ch, 0, sizeof(ch));
	ch.id = f_id;
	ch.type = f_type;
	ch.secret = f_secret;
	ch.raw = json_pack("{s:s, s:s}", "app_key", "dingkey", "webhook_url",
			   "https://oapi.dingtalk.com/robot/send?"
			   "access_token=x");
	memset(&r, 0, sizeof(r));
	r.method = "POST";
	r.path = "/hook/dd";
	r.full_url = "http://127.0.0.1/hook/dd";
	r.body = (const char *)data;
	r.body_len = size;
	r.peer_ip = "127.0.0.1";
	r.now_ms = 1577262236757;
	r.header = f_header;
	r.arg = f_arg;

	rc = ad->parse(&ch, &r, &in);
	CHECK(rc == WL_OK || in.n == 0);
	for (size_t i = 0; i < in.n; i++) {
		CHECK(in.msgs[i].id && in.msgs[i].from && in.msgs[i].kind);
		check_str(in.msgs[i].text);
		check_str(in.msgs[i].name);
		check_str(in.msgs[i].attachment);
	}
	chan_inbound_release(&in);

	if (ad->token_parse((const char *)data, size, &tok, &exp) == WL_OK) {
		CHECK(tok && *tok && exp > 0);
		CHECK(!strpbrk(tok, "\r\n :"));
	}
	free(tok);
	(void)ad->classify(200, (const char *)data, size);
	(void)ad->classify(size ? 400 + data[0] % 200 : 403, (const char *)data,
			   size);

	text = malloc(size + 1);
	if (text) {
		memcpy(text, data, size);
		text[size] = '\0';
		f_sign = text;
		CHECK(ad->verify(&ch, &r) == WL_EAUTH || strlen(text) == 44);
		rc = ad->format(&ch, "tok", "m", text, text, &h);
		if (rc == WL_OK)
			CHECK(h.url && h.body && h.body_len == strlen(h.body));
		chan_http_release(&h);
		rc = wh->format(&ch, NULL, "m", "group", text, &h);
		if (rc == WL_OK)
			CHECK(h.url && h.body);
		chan_http_release(&h);
		free(text);
	}
	json_decref(ch.raw);
	return 0;
}
