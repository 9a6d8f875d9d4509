/*
 * fuzz_kannel.c — drives the Kannel adapter with arbitrary bytes as the
 * query of smsbox's get-url (verify, then parse: percent-decoding,
 * UTF-16BE, Windows-1252 and UTF-8 repair, the content-hash id) and as
 * outbound text (format). Whatever comes in, a parsed message has an id,
 * a sender and a kind, and its text is valid UTF-8 without NULs.
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

static char f_id[] = "sms", f_type[] = "kannel", f_secret[] = "s3";

static const char *f_header(void *ctx, const char *name)
{
	return NULL;
}

static const char *f_arg(void *ctx, const char *name)
{
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct chan_adapter *ad = chan_find("kannel");
	struct wl_channel_conf ch;
	struct chan_request r;
	struct chan_inbound in = {0};
	struct chan_http h = {0};
	char *url, *text;
	size_t n;
	int rc;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	memset(&ch, 0, sizeof(ch));
	ch.id = f_id;
	ch.type = f_type;
	ch.secret = f_secret;
	ch.raw = json_pack("{s:s, s:s, s:s}", "sendsms_url",
			   "http://127.0.0.1:13013/cgi-bin/sendsms", "username",
			   "u", "password", "p");
	url = malloc(size + 64);
	text = malloc(size + 1);
	if (!url || !text)
		goto out;
	memcpy(text, data, size);
	text[size] = '\0';
	n = (size_t)snprintf(url, size + 64,
			     "http://127.0.0.1:8080/hook/sms?secret=s3&%s",
			     text);
	(void)n;
	memset(&r, 0, sizeof(r));
	r.method = "GET";
	r.path = "/hook/sms";
	r.full_url = url;
	r.body = "";
	r.peer_ip = size && data[0] & 1 ? "127.0.0.1" : "::1";
	r.now_ms = 1700000000000;
	r.header = f_header;
	r.arg = f_arg;
	rc = ad->verify(&ch, &r);
	if (rc == WL_OK) {
		rc = ad->parse(&ch, &r, &in);
		CHECK(rc == WL_OK || in.n == 0);
		for (size_t i = 0; i < in.n; i++) {
			const char *t = in.msgs[i].text;

			CHECK(in.msgs[i].id && *in.msgs[i].id);
			CHECK(in.msgs[i].from && in.msgs[i].kind);
			if (t)
				CHECK(text_utf8_valid(t, strlen(t)));
		}
		chan_inbound_release(&in);
	}
	rc = ad->format(&ch, NULL, "m", text, text, &h);
	if (rc == WL_OK)
		CHECK(h.url && !h.body && !strpbrk(h.url, " \r\n"));
	chan_http_release(&h);
out:
	free(url);
	free(text);
	json_decref(ch.raw);
	return 0;
}
