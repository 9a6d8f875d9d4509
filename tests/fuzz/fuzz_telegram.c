/*
 * fuzz_telegram.c — drives the Telegram adapter with arbitrary bytes: the
 * body of an Update (verify with the right secret, then parse), the answer
 * of sendMessage (classify), and the text of an outbound message (format).
 * Checks what channel.h promises: every parsed message has an id, a sender
 * and a kind, and its strings are valid UTF-8.
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

static char f_id[] = "tg", f_type[] = "telegram", f_secret[] = "fz-secret",
	    f_token[] = "123:abc";

static const char *f_header(void *ctx, const char *name)
{
	return strcmp(name, "X-Telegram-Bot-Api-Secret-Token") == 0 ? f_secret
								    : NULL;
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
	const struct chan_adapter *ad = chan_find("telegram");
	struct wl_channel_conf ch;
	struct chan_request r;
	struct chan_inbound in = {0};
	struct chan_http h = {0};
	char *text;
	int rc;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	memset(&ch, 0, sizeof(ch));
	ch.id = f_id;
	ch.type = f_type;
	ch.secret = f_secret;
	ch.token = f_token;
	ch.raw = json_pack("{s:s}", "bot_username", "warmline_bot");
	memset(&r, 0, sizeof(r));
	r.method = "POST";
	r.path = "/hook/tg";
	r.full_url = "http://127.0.0.1/hook/tg";
	r.body = (const char *)data;
	r.body_len = size;
	r.peer_ip = "127.0.0.1";
	r.header = f_header;
	r.arg = f_arg;
	CHECK(ad->verify(&ch, &r) == WL_OK);
	rc = ad->parse(&ch, &r, &in);
	CHECK(rc == WL_OK || in.n == 0);
	for (size_t i = 0; i < in.n; i++) {
		CHECK(in.msgs[i].id && in.msgs[i].from && in.msgs[i].kind);
		check_str(in.msgs[i].text);
		check_str(in.msgs[i].name);
		check_str(in.msgs[i].attachment);
	}
	chan_inbound_release(&in);

	(void)ad->classify(size ? 200 + data[0] % 300 : 200, (const char *)data,
			   size);

	text = malloc(size + 1);
	if (text) {
		memcpy(text, data, size);
		text[size] = '\0';
		rc = ad->format(&ch, NULL, "m", "42", text, &h);
		if (rc == WL_OK)
			CHECK(h.url && h.body && h.body_len == strlen(h.body));
		chan_http_release(&h);
		free(text);
	}
	json_decref(ch.raw);
	return 0;
}
