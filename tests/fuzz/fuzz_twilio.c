/*
 * fuzz_twilio.c — drives the Twilio adapter with arbitrary bytes as a
 * form body (verify: decoding, sorting, HMAC; parse), as the query of a
 * GET webhook, as an API answer (classify) and as outbound text (format).
 * A forged signature must never pass; parsed messages must carry an id, a
 * sender and a kind with valid UTF-8 strings.
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

static char f_id[] = "tw", f_type[] = "twilio";

static const char *f_header(void *ctx, const char *name)
{
	return strcmp(name, "X-Twilio-Signature") == 0
		   ? "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
		   : NULL;
}

static const char *f_arg(void *ctx, const char *name)
{
	return NULL;
}

static void check_in(const struct chan_inbound *in)
{
	for (size_t i = 0; i < in->n; i++) {
		CHECK(in->msgs[i].id && in->msgs[i].from && in->msgs[i].kind);
		if (in->msgs[i].text)
			CHECK(text_utf8_valid(in->msgs[i].text,
					      strlen(in->msgs[i].text)));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct chan_adapter *ad = chan_find("twilio");
	struct wl_channel_conf ch;
	struct chan_request r;
	struct chan_inbound in = {0};
	struct chan_http h = {0};
	char *text, *url;
	int rc;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	memset(&ch, 0, sizeof(ch));
	ch.id = f_id;
	ch.type = f_type;
	ch.raw = json_pack("{s:s, s:s, s:s, s:s}", "auth_token", "12345",
			   "account_sid", "AC0123", "from", "+15005550006",
			   "public_url", "https://mycompany.com:443/");
	memset(&r, 0, sizeof(r));
	r.method = "POST";
	r.path = "/myapp.php";
	r.full_url = "https://mycompany.com/myapp.php?foo=1&bar=2";
	r.body = (const char *)data;
	r.body_len = size;
	r.peer_ip = "127.0.0.1";
	r.header = f_header;
	r.arg = f_arg;

	/* The documented signature covers one exact body. */
	rc = ad->verify(&ch, &r);
	CHECK(rc != WL_OK || size >= 80);
	rc = ad->parse(&ch, &r, &in);
	CHECK(rc == WL_OK || in.n == 0);
	check_in(&in);
	chan_inbound_release(&in);
	(void)ad->classify(size ? 400 + data[0] % 100 : 400, (const char *)data,
			   size);

	text = malloc(size + 1);
	url = malloc(size + 64);
	if (text && url) {
		memcpy(text, data, size);
		text[size] = '\0';
		snprintf(url, size + 64, "http://127.0.0.1/hook/tw?%s", text);
		r.method = "GET";
		r.full_url = url;
		r.body = "";
		r.body_len = 0;
		(void)ad->verify(&ch, &r);
		rc = ad->parse(&ch, &r, &in);
		CHECK(rc == WL_OK || in.n == 0);
		check_in(&in);
		chan_inbound_release(&in);
		rc = ad->format(&ch, NULL, "m", text, text, &h);
		if (rc == WL_OK)
			CHECK(h.url && h.body && h.body_len == strlen(h.body));
		chan_http_release(&h);
	}
	free(text);
	free(url);
	json_decref(ch.raw);
	return 0;
}
