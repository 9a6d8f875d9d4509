/*
 * fuzz_feishu.c — the Feishu event parser and cipher.
 *
 * The first byte picks the target, the rest is the input:
 *   0  the feishu adapter with a verification token only: POST body =
 *      input (the token inside authenticates)
 *   1  the feishu adapter with an encrypt_key: the input is the event
 *      plaintext, which the harness encrypts and signs the way the
 *      platform does, so the decrypted-event parser sees it
 *   2  wxcrypt_feishu_decrypt on the input as base64 text, and on the
 *      input base64-encoded (arbitrary ciphertext)
 * Bodies are handed over in buffers of exactly their size.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "channel.h"
#include "wl.h"
#include "wxcrypt.h"

#define FZ_VTOKEN "rvaYgkND1GOiu5MM0E1rncYC6PLtF7JV"
#define FZ_EKEY	  "fuzz-encrypt-key"
#define FZ_TS	  "1700000000"
#define FZ_NONCE  "fz-nonce"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *fz_header(void *ctx, const char *name)
{
	const char *sig = ctx;

	if (strcmp(name, "X-Lark-Request-Timestamp") == 0)
		return FZ_TS;
	if (strcmp(name, "X-Lark-Request-Nonce") == 0)
		return FZ_NONCE;
	if (strcmp(name, "X-Lark-Signature") == 0)
		return sig;
	return NULL;
}

static const char *fz_arg(void *ctx, const char *name)
{
	return NULL;
}

static const struct wl_channel_conf *fz_conf(int encrypted)
{
	static struct wl_channel_conf plain, enc;
	static char id[] = "fz", type[] = "feishu";
	struct wl_channel_conf *ch = encrypted ? &enc : &plain;

	if (!ch->raw) {
		ch->id = id;
		ch->type = type;
		ch->raw = json_pack("{s:s, s:s}", "app_id", "cli_fz",
				    "verification_token", FZ_VTOKEN);
		if (encrypted)
			json_object_set_new(ch->raw, "encrypt_key",
					    json_string(FZ_EKEY));
	}
	return ch;
}

static void fz_run(int encrypted, const char *body, size_t len, const char *sig)
{
	const struct wl_channel_conf *ch = fz_conf(encrypted);
	const struct chan_adapter *ad = chan_find("feishu");
	struct chan_inbound in = {0};
	struct chan_request req = {
	    .method = "POST",
	    .path = "/hook/fz",
	    .full_url = "http://fz/hook/fz",
	    .body = body,
	    .body_len = len,
	    .peer_ip = "127.0.0.1",
	    .now_ms = 1700000000LL * 1000,
	    .header = fz_header,
	    .arg = fz_arg,
	    .ctx = (void *)(uintptr_t)sig,
	};

	if (!ad)
		abort();
	if (ad->verify(ch, &req) == WL_OK)
		ad->parse(ch, &req, &in);
	chan_inbound_release(&in);
}

static void fz_signed(const char *plain, size_t len)
{
	static const unsigned char iv[16] = "fuzz-fixed-iv-16";
	static const char hex[] = "0123456789abcdef";
	unsigned char md[32];
	unsigned int md_len = 0;
	char *enc = NULL, *body = NULL, sig[65];
	size_t body_len;
	EVP_MD_CTX *ctx;

	if (wxcrypt_feishu_encrypt(FZ_EKEY, iv, plain, len, &enc) != WL_OK)
		return;
	body_len = strlen(enc) + 14;
	body = malloc(body_len + 1);
	ctx = EVP_MD_CTX_new();
	if (!body || !ctx)
		abort();
	snprintf(body, body_len + 1, "{\"encrypt\":\"%s\"}", enc);
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	EVP_DigestUpdate(ctx, FZ_TS FZ_NONCE FZ_EKEY,
			 strlen(FZ_TS FZ_NONCE FZ_EKEY));
	EVP_DigestUpdate(ctx, body, body_len);
	EVP_DigestFinal_ex(ctx, md, &md_len);
	EVP_MD_CTX_free(ctx);
	for (unsigned int i = 0; i < 32; i++) {
		sig[2 * i] = hex[md[i] >> 4];
		sig[2 * i + 1] = hex[md[i] & 15];
	}
	sig[64] = '\0';
	fz_run(1, body, body_len, sig);
	free(body);
	free(enc);
}

static void fz_decrypt(const char *s, size_t len)
{
	char *out = NULL, *b64 = NULL;
	size_t out_len = 0;

	if (wxcrypt_feishu_decrypt(FZ_EKEY, s, len, &out, &out_len) == WL_OK &&
	    out[out_len] != '\0')
		abort();
	free(out);
	out = NULL;
	if (wxcrypt_b64_encode((const unsigned char *)s, len, &b64) == WL_OK)
		wxcrypt_feishu_decrypt(FZ_EKEY, b64, strlen(b64), &out,
				       &out_len);
	free(out);
	free(b64);
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
	switch (data[0] % 3) {
	case 0: fz_run(0, s, len, NULL); break;
	case 1: fz_signed(s, len); break;
	default: fz_decrypt(s, len); break;
	}
	free(s);
	return 0;
}
