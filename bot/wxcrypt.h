/*
 * wxcrypt.h — the crypto and the XML that WeCom (企业微信), the WeChat
 * Official Account (微信公众号) and Feishu (飞书) callbacks need.
 *
 * WXBizMsgCrypt is Tencent's callback scheme (企业微信 "加解密方案说明",
 * 公众号 "消息加解密说明"):
 *   signature = hex SHA1 of the byte-sorted concatenation of
 *               (token, timestamp, nonce[, encrypt])
 *   AESKey    = Base64_Decode(EncodingAESKey + "="), 32 bytes
 *   cipher    = AES-256-CBC, IV = AESKey[0..16), PKCS#7 padded to a
 *               multiple of 32 bytes
 *   plaintext = 16 random bytes | msg_len (4 bytes, big-endian) | msg |
 *               receiveid (the corp id, or the official account's app id)
 *
 * Feishu's event encryption: key = SHA256(encrypt_key), the first 16
 * bytes of the base64-decoded data are the IV, AES-256-CBC, PKCS#7.
 *
 * The XML reader takes the flat documents these callbacks carry
 * (<xml><Name>value</Name>...</xml>, values as CDATA or text). It has no
 * DTD, no entity definitions and no external anything: a document with
 * <!DOCTYPE or <!ENTITY is refused, and only the five predefined entities
 * and numeric character references are decoded.
 *
 * Every function here is pure: no I/O, no global state, thread-safe.
 *
 * Ownership: struct wxcrypt is _init'ed and _release'd by its owner (the
 * release wipes the key). struct wxcrypt_xml is filled by
 * wxcrypt_xml_parse() and released by the caller with
 * wxcrypt_xml_release(). Functions that return char ** hand the caller a
 * NUL-terminated heap string to free().
 */
#ifndef WL_WXCRYPT_H
#define WL_WXCRYPT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "buf.h"
#include "channel.h"

/* Caps on what a callback may carry. */
#define WXCRYPT_MSG_MAX	   65536 /* decrypted message bytes */
#define WXCRYPT_B64_MAX	   98304 /* base64 text of a message */
#define WXCRYPT_ARG_MAX	   128	 /* token, timestamp, nonce, ids */
#define WXCRYPT_XML_MAX	   98304 /* an XML document */
#define WXCRYPT_XML_FIELDS 64	 /* top-level elements in one */
#define WXCRYPT_REPLAY_S   300	 /* accepted timestamp skew, seconds */

/* ---- WXBizMsgCrypt ------------------------------------------------------- */

struct wxcrypt {
	unsigned char key[32];
	char token[WXCRYPT_ARG_MAX + 1];
	char receive_id[WXCRYPT_ARG_MAX + 1];
};

/* token and receive_id may be NULL when only one half is used (the
 * signature needs the token, decryption needs the key and receive_id).
 * encoding_aes_key must be the 43 characters [A-Za-z0-9] the console
 * shows, or NULL. WL_OK or WL_EBADREQ. */
int wxcrypt_init(struct wxcrypt *c, const char *token,
		 const char *encoding_aes_key, const char *receive_id);
void wxcrypt_release(struct wxcrypt *c);

/* Lower-case hex SHA1 of the n strings sorted bytewise and concatenated;
 * out holds 41 bytes. WL_OK or WL_EBADREQ (a part over WXCRYPT_B64_MAX). */
int wxcrypt_sha1_sorted(const char *const *parts, size_t n, char out[41]);

/* Check sig against SHA1(sort(token, timestamp, nonce[, encrypt])) in
 * constant time; encrypt NULL for the three-part (plain mode) form.
 * WL_OK or WL_EAUTH. */
int wxcrypt_verify(const struct wxcrypt *c, const char *sig,
		   const char *timestamp, const char *nonce,
		   const char *encrypt);

/* Decrypt a base64 message and check its receiveid. WL_OK and *msg,
 * *msg_len (NUL-terminated; free() it); WL_EAUTH when the data does not
 * decrypt under the key (bad base64, length or padding); WL_EFORBIDDEN
 * when it decrypts but was meant for another receiveid; WL_ETOOBIG;
 * WL_ENOMEM. Verify the signature first: that way nobody learns anything
 * from how decryption fails. */
int wxcrypt_decrypt(const struct wxcrypt *c, const char *b64, size_t b64_len,
		    char **msg, size_t *msg_len);

/* Encrypt msg for receive_id. random16 is the 16-byte random prefix, or
 * NULL to draw it from the OpenSSL CSPRNG (tests pass the published
 * samples' prefix to reproduce their ciphertext). *b64 is the base64
 * text. WL_OK, WL_ETOOBIG, WL_ENOMEM or WL_EINTERNAL. */
int wxcrypt_encrypt(const struct wxcrypt *c, const unsigned char *random16,
		    const char *msg, size_t msg_len, char **b64);

/* The callback's timestamp (decimal seconds) is within
 * WXCRYPT_REPLAY_S (wxcrypt_check_window: window_s) of now_ms either way.
 * WL_OK or WL_EAUTH. */
int wxcrypt_check_time(const char *timestamp, int64_t now_ms);
int wxcrypt_check_window(const char *timestamp, int64_t now_ms,
			 long long window_s);

/* The WeChat family's JSON answers. wxcrypt_errcode parses body into
 * *root (the caller json_decref()s it) and returns 1 with *code when it
 * has an integer "errcode". wxcrypt_token_parse reads a gettoken /
 * stable_token answer: access_token (1..max_len bytes) and expires_in;
 * WL_EAUTH when the API answered an error code. */
int wxcrypt_errcode(const char *body, size_t len, json_t **root,
		    json_int_t *code);
int wxcrypt_token_parse(const char *body, size_t len, size_t max_len,
			char **token, long *expires_in_s);

/* ---- Feishu event encryption --------------------------------------------- */

/* Decrypt the "encrypt" field of a Feishu event. WL_OK and *out (NUL-
 * terminated, free() it); WL_EAUTH when it does not decrypt; WL_ETOOBIG;
 * WL_ENOMEM. */
int wxcrypt_feishu_decrypt(const char *encrypt_key, const char *b64,
			   size_t b64_len, char **out, size_t *out_len);
/* The inverse, for tests and tools: iv16 NULL draws a random IV. */
int wxcrypt_feishu_encrypt(const char *encrypt_key, const unsigned char *iv16,
			   const char *msg, size_t msg_len, char **b64);

/* ---- base64 -------------------------------------------------------------- */

/* Strict standard base64 (RFC 4648 alphabet, '=' padding, no white
 * space). *out is NUL-terminated; free() it. WL_OK, WL_EAUTH (not base64),
 * WL_ETOOBIG, WL_ENOMEM. */
int wxcrypt_b64_decode(const char *in, size_t len, unsigned char **out,
		       size_t *out_len);
int wxcrypt_b64_encode(const unsigned char *in, size_t len, char **out);

/* ---- XML ----------------------------------------------------------------- */

struct wxcrypt_xml_field {
	char *name;
	char *value; /* NULL when the element holds elements */
};

struct wxcrypt_xml {
	struct wxcrypt_xml_field *f;
	size_t n;
};

/* Read the top-level children of the document's root element. A child's
 * value is its text with CDATA sections joined and entities decoded.
 * WL_OK, WL_EBADREQ (not such a document, a duplicate child, a NUL in a
 * value, nesting deeper than 8), WL_ETOOBIG (over WXCRYPT_XML_MAX or
 * WXCRYPT_XML_FIELDS), WL_ENOMEM. On failure doc is left empty. */
int wxcrypt_xml_parse(const char *xml, size_t len, struct wxcrypt_xml *doc);
/* The value of the child called name, or NULL. */
const char *wxcrypt_xml_get(const struct wxcrypt_xml *doc, const char *name);
void wxcrypt_xml_release(struct wxcrypt_xml *doc);

/* ---- the shared message format of WeCom and WeChat ----------------------- */

/* Append the message a decrypted (or plain) callback document describes:
 * MsgType text -> kind "text" with Content; image -> "image" with the
 * MediaId (else PicUrl) as attachment; voice, video, shortvideo, file ->
 * MediaId; location -> "lat,lng label"; link -> Url; event -> the Event
 * name; anything else -> kind = MsgType. The id is MsgId, or
 * FromUserName:CreateTime where the platform sends no MsgId (events), as
 * both vendors advise for deduplication. WL_OK, WL_EBADREQ, WL_ENOMEM. */
int wxcrypt_inbound_add(const struct wxcrypt_xml *doc,
			struct chan_inbound *out);

/* ---- configuration and URLs ---------------------------------------------- */

/* A type-specific channel option: the string ch->raw[key], else the
 * environment variable named by ch->raw[key + "_env"]. NULL when neither
 * is set or the value is empty. */
const char *wxcrypt_conf(const struct wl_channel_conf *ch, const char *key);

/* Append api_base without a trailing '/' (dflt when api_base is unset),
 * then path. */
void wxcrypt_url_base(struct buf *b, const struct wl_channel_conf *ch,
		      const char *dflt, const char *path);
/* Append sep (a '?' or '&'), name, '=' and the percent-encoded value. */
void wxcrypt_url_arg(struct buf *b, char sep, const char *name,
		     const char *value);

#endif
