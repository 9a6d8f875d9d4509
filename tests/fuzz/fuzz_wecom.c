/*
 * fuzz_wecom.c — the WeCom / WeChat side: the callback XML reader, the
 * WXBizMsgCrypt decryption and both adapters end to end.
 *
 * The first byte picks the target, the rest is the input:
 *   0  the XML reader and the message builder (a decrypted callback)
 *   1  wxcrypt_decrypt on the input as base64 text, and on the input
 *      base64-encoded (arbitrary ciphertext)
 *   2  the wecom adapter, POST body = input, with a msg_signature made
 *      valid for whatever Encrypt the body holds, so decryption runs
 *   3  the wechat adapter in plain mode, POST body = input (the plain
 *      signature does not cover the body)
 * The body is handed over in a buffer of exactly its size, so a read
 * past its end is caught.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "channel.h"
#include "wl.h"
#include "wxcrypt.h"

#define FZ_TOKEN "QDG6eK"
#define FZ_CORP	 "wx5823bf96d3bd56c7"
#define FZ_KEY	 "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
#define FZ_TS	 "1409659813"
#define FZ_NONCE "1372623149"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz_args {
	const char *sig;
	const char *plain_sig;
};

static const char *fz_arg(void *ctx, const char *name)
{
	const struct fz_args *a = ctx;

	if (strcmp(name, "msg_signature") == 0)
		return a->sig;
	if (strcmp(name, "signature") == 0)
		return a->plain_sig;
	if (strcmp(name, "timestamp") == 0)
		return FZ_TS;
	if (strcmp(name, "nonce") == 0)
		return FZ_NONCE;
	return NULL;
}

static const char *fz_header(void *ctx, const char *name)
{
	return NULL;
}

static struct wl_channel_conf *fz_conf(const char *type)
{
	static struct wl_channel_conf wecom, wechat;
	static char token[] = FZ_TOKEN;
	static char t_wecom[] = "wecom", t_wechat[] = "wechat";
	struct wl_channel_conf *ch =
	    strcmp(type, "wecom") == 0 ? &wecom : &wechat;

	if (!ch->raw) {
		ch->id = strcmp(type, "wecom") == 0 ? t_wecom : t_wechat;
		ch->type = ch->id;
		ch->token = token;
		ch->raw = json_pack("{s:s, s:s, s:i}", "corp_id", FZ_CORP,
				    "app_id", FZ_CORP, "agent_id", 218);
		if (ch == &wecom)
			json_object_set_new(ch->raw, "encoding_aes_key",
					    json_string(FZ_KEY));
	}
	return ch;
}

static void fz_adapter(const char *type, const char *body, size_t len,
		       struct fz_args *args)
{
	const struct wl_channel_conf *ch = fz_conf(type);
	const struct chan_adapter *ad = chan_find(type);
	struct chan_inbound in = {0};
	struct chan_request req = {
	    .method = "POST",
	    .path = "/hook/fz",
	    .full_url = "http://fz/hook/fz",
	    .body = body,
	    .body_len = len,
	    .peer_ip = "127.0.0.1",
	    .now_ms = 1409659813LL * 1000,
	    .header = fz_header,
	    .arg = fz_arg,
	    .ctx = args,
	};

	if (!ad)
		abort();
	if (ad->verify(ch, &req) == WL_OK)
		ad->parse(ch, &req, &in);
	chan_inbound_release(&in);
}

static void fz_xml(const char *s, size_t len)
{
	struct wxcrypt_xml doc;
	struct chan_inbound in = {0};

	if (wxcrypt_xml_parse(s, len, &doc) != WL_OK)
		return;
	for (size_t i = 0; i < doc.n; i++)
		if (!doc.f[i].name ||
		    (doc.f[i].value && strlen(doc.f[i].value) > len))
			abort();
	wxcrypt_inbound_add(&doc, &in);
	chan_inbound_release(&in);
	wxcrypt_xml_release(&doc);
}

static void fz_decrypt(const char *s, size_t len)
{
	struct wxcrypt c;
	char *msg = NULL, *b64 = NULL;
	size_t msg_len = 0;

	if (wxcrypt_init(&c, FZ_TOKEN, FZ_KEY, FZ_CORP) != WL_OK)
		abort();
	if (wxcrypt_decrypt(&c, s, len, &msg, &msg_len) == WL_OK &&
	    strlen(msg) > msg_len)
		abort();
	free(msg);
	msg = NULL;
	if (wxcrypt_b64_encode((const unsigned char *)s, len, &b64) == WL_OK)
		wxcrypt_decrypt(&c, b64, strlen(b64), &msg, &msg_len);
	free(msg);
	free(b64);
	wxcrypt_release(&c);
}

static void fz_wecom(const char *s, size_t len)
{
	struct fz_args args = {"0", NULL};
	struct wxcrypt_xml doc;
	const char *parts[4] = {FZ_TOKEN, FZ_TS, FZ_NONCE, NULL};
	char sig[41];

	if (wxcrypt_xml_parse(s, len, &doc) == WL_OK) {
		parts[3] = wxcrypt_xml_get(&doc, "Encrypt");
		if (parts[3] && wxcrypt_sha1_sorted(parts, 4, sig) == WL_OK)
			args.sig = sig;
		fz_adapter("wecom", s, len, &args);
		wxcrypt_xml_release(&doc);
		return;
	}
	fz_adapter("wecom", s, len, &args);
}

static void fz_wechat(const char *s, size_t len)
{
	const char *parts[3] = {FZ_TOKEN, FZ_TS, FZ_NONCE};
	struct fz_args args = {NULL, NULL};
	char sig[41];

	if (wxcrypt_sha1_sorted(parts, 3, sig) != WL_OK)
		abort();
	args.plain_sig = sig;
	fz_adapter("wechat", s, len, &args);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;
	size_t len;

	if (size < 1 || size > 200000)
		return 0;
	len = size - 1;
	s = malloc(len ? len : 1);
	if (!s)
		return 0;
	memcpy(s, data + 1, len);
	switch (data[0] % 4) {
	case 0: fz_xml(s, len); break;
	case 1: fz_decrypt(s, len); break;
	case 2: fz_wecom(s, len); break;
	default: fz_wechat(s, len); break;
	}
	free(s);
	return 0;
}
