/*
 * sms.h — the small codecs the SMS gateways (Twilio, Kannel) share, and
 * that DingTalk and Telegram borrow: form and query decoding, URL
 * encoding, Base64, HMAC in Base64, UTF-16BE and Windows-1252 to UTF-8,
 * and type-specific channel options with their *_env variants.
 *
 * Everything is pure except sms_conf(), which reads the environment.
 * Inputs are never trusted: decoders are size-capped and binary-safe.
 *
 * Ownership: sms_params_parse() fills a struct sms_params the caller
 * releases with sms_params_release(). Functions returning char * return
 * a new heap string the caller frees with free(). sms_conf() returns a
 * borrowed string owned by the config or the environment.
 */
#ifndef WL_SMS_H
#define WL_SMS_H

#include <stdbool.h>
#include <stddef.h>

#include "../src/buf.h"
#include "../src/config.h"

/* Most pairs one form or query may hold; Twilio sends about 20. */
#define SMS_PARAMS_MAX 256

/* One decoded name=value pair. Both are NUL-terminated; the lengths do not
 * count that NUL, and the bytes may hold NULs of their own (Kannel's %b
 * carries UTF-16BE). */
struct sms_param {
	char *name;
	size_t name_len;
	char *value;
	size_t value_len;
};

struct sms_params {
	struct sms_param *v;
	size_t n;
};

/* Decode application/x-www-form-urlencoded bytes ('+' is a space, %XX a
 * byte). Empty segments are skipped. WL_OK, WL_EBADREQ on a broken escape,
 * WL_ETOOBIG past SMS_PARAMS_MAX pairs, WL_ENOMEM. On error *out is
 * empty. */
int sms_params_parse(const char *s, size_t len, struct sms_params *out);
void sms_params_release(struct sms_params *p);
/* The first pair with this exact name, or NULL. */
const struct sms_param *sms_params_get(const struct sms_params *p,
				       const char *name);
/* The value as a C string when the pair exists, holds no NUL and is at most
 * max bytes long; else NULL. */
const char *sms_params_str(const struct sms_params *p, const char *name,
			   size_t max);

/* The query of a URL: the bytes after the first '?' up to any '#'. NULL
 * when the URL has none. */
const char *sms_url_query(const char *url, size_t *len);

/* Append s percent-encoded: RFC 3986 unreserved bytes stay, every other
 * byte becomes %XX (upper-case hex), so a space is %20 and '+' is %2B. */
void sms_urlencode(struct buf *b, const char *s, size_t len);

/* Standard Base64 with padding. NULL on allocation failure. */
char *sms_base64(const void *data, size_t len);

/* Base64 of HMAC-SHA1 (Twilio) and HMAC-SHA256 (DingTalk) of data with
 * key. out must hold 29 and 45 bytes. */
void sms_hmac_sha1_b64(const char *key, const char *data, size_t len,
		       char out[29]);
void sms_hmac_sha256_b64(const char *key, const char *data, size_t len,
			 char out[45]);

/* Text that a person can read, as UTF-8 without NULs: invalid sequences,
 * unpaired surrogates and U+0000 become U+FFFD. NULL on allocation failure
 * or (UTF-16BE) an odd byte count. */
char *sms_utf16be_to_utf8(const unsigned char *s, size_t len);
char *sms_cp1252_to_utf8(const unsigned char *s, size_t len);
char *sms_utf8_clean(const char *s, size_t len);

/* A type-specific string option of a channel: raw[key] when it is a
 * non-empty string, else getenv(raw[key + "_env"]) when that is set and
 * non-empty, else NULL. */
const char *sms_conf(const struct wl_channel_conf *ch, const char *key);

/* ASCII case-insensitive equality. */
bool sms_strieq(const char *a, const char *b);

#endif
