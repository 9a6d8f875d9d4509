/*
 * sms.c — shared codecs for the gateway adapters (see sms.h).
 *
 * Gateways hand us bytes that have been through several encoders: a form
 * body, a query string holding raw UTF-16BE, Base64 signatures. Each
 * decoder here is written once, capped, and fuzzed through the adapters
 * that use it.
 */
#include "sms.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "../src/text.h"
#include "../src/wl.h"

#define SMS_REPLACEMENT 0xfffdu

static int sms_hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode one form component into a new NUL-terminated buffer. */
static int sms_form_decode(const char *s, size_t len, char **out,
			   size_t *out_len)
{
	char *d = malloc(len + 1);
	size_t n = 0;

	*out = NULL;
	if (!d)
		return WL_ENOMEM;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		int hi, lo;

		if (c == '+') {
			d[n++] = ' ';
		} else if (c == '%') {
			if (i + 2 >= len) {
				free(d);
				return WL_EBADREQ;
			}
			hi = sms_hexval((unsigned char)s[i + 1]);
			lo = sms_hexval((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0) {
				free(d);
				return WL_EBADREQ;
			}
			d[n++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			d[n++] = (char)c;
		}
	}
	d[n] = '\0';
	*out = d;
	*out_len = n;
	return WL_OK;
}

void sms_params_release(struct sms_params *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].name);
		free(p->v[i].value);
	}
	free(p->v);
	memset(p, 0, sizeof(*p));
}

int sms_params_parse(const char *s, size_t len, struct sms_params *out)
{
	size_t start = 0, cap = 0;
	int rc = WL_OK;

	memset(out, 0, sizeof(*out));
	if (!s)
		return WL_OK;
	while (start <= len && rc == WL_OK) {
		const char *seg = s + start, *amp, *eq;
		size_t seg_len, name_len;
		struct sms_param *p;

		amp = memchr(seg, '&', len - start);
		seg_len = amp ? (size_t)(amp - seg) : len - start;
		start += seg_len + 1;
		if (seg_len == 0)
			continue;
		if (out->n == SMS_PARAMS_MAX) {
			rc = WL_ETOOBIG;
			break;
		}
		if (out->n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct sms_param *grown;

			grown = realloc(out->v, ncap * sizeof(*out->v));
			if (!grown) {
				rc = WL_ENOMEM;
				break;
			}
			out->v = grown;
			cap = ncap;
		}
		eq = memchr(seg, '=', seg_len);
		name_len = eq ? (size_t)(eq - seg) : seg_len;
		p = &out->v[out->n];
		memset(p, 0, sizeof(*p));
		rc = sms_form_decode(seg, name_len, &p->name, &p->name_len);
		if (rc == WL_OK && eq)
			rc = sms_form_decode(eq + 1, seg_len - name_len - 1,
					     &p->value, &p->value_len);
		else if (rc == WL_OK)
			rc = sms_form_decode("", 0, &p->value, &p->value_len);
		if (rc != WL_OK) {
			free(p->name);
			free(p->value);
			break;
		}
		out->n++;
	}
	if (rc != WL_OK)
		sms_params_release(out);
	return rc;
}

const struct sms_param *sms_params_get(const struct sms_params *p,
				       const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].name_len == len &&
		    memcmp(p->v[i].name, name, len) == 0)
			return &p->v[i];
	return NULL;
}

const char *sms_params_str(const struct sms_params *p, const char *name,
			   size_t max)
{
	const struct sms_param *v = sms_params_get(p, name);

	if (!v || v->value_len > max || memchr(v->value, '\0', v->value_len))
		return NULL;
	return v->value;
}

const char *sms_url_query(const char *url, size_t *len)
{
	const char *q, *hash;

	*len = 0;
	if (!url)
		return NULL;
	q = strchr(url, '?');
	if (!q)
		return NULL;
	q++;
	hash = strchr(q, '#');
	*len = hash ? (size_t)(hash - q) : strlen(q);
	return q;
}

void sms_urlencode(struct buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[3];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			buf_add(b, &s[i], 1);
			continue;
		}
		esc[0] = '%';
		esc[1] = hex[c >> 4];
		esc[2] = hex[c & 15];
		buf_add(b, esc, 3);
	}
}

char *sms_base64(const void *data, size_t len)
{
	size_t out_len = 4 * ((len + 2) / 3);
	char *out;

	if (len > (size_t)1 << 28)
		return NULL;
	out = malloc(out_len + 1);
	if (!out)
		return NULL;
	/* EVP_EncodeBlock writes the padded text and a NUL. */
	EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	out[out_len] = '\0';
	return out;
}

static void sms_hmac_b64(const EVP_MD *md, const char *key, const char *data,
			 size_t len, char *out, size_t out_size)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;

	out[0] = '\0';
	if (!HMAC(md, key, (int)strlen(key), (const unsigned char *)data, len,
		  mac, &mac_len))
		return;
	if (4 * ((mac_len + 2) / 3) + 1 > out_size)
		return;
	EVP_EncodeBlock((unsigned char *)out, mac, (int)mac_len);
}

void sms_hmac_sha1_b64(const char *key, const char *data, size_t len,
		       char out[29])
{
	sms_hmac_b64(EVP_sha1(), key, data, len, out, 29);
}

void sms_hmac_sha256_b64(const char *key, const char *data, size_t len,
			 char out[45])
{
	sms_hmac_b64(EVP_sha256(), key, data, len, out, 45);
}

static void sms_add_cp(struct buf *b, uint32_t cp)
{
	char enc[4];
	size_t n;

	if (cp == 0)
		cp = SMS_REPLACEMENT;
	n = text_utf8_encode(cp, enc);
	if (n == 0)
		n = text_utf8_encode(SMS_REPLACEMENT, enc);
	buf_add(b, enc, n);
}

static char *sms_finish(struct buf *b)
{
	/* An empty input still yields "", not NULL. */
	buf_add(b, "", 0);
	return buf_detach(b, NULL);
}

char *sms_utf16be_to_utf8(const unsigned char *s, size_t len)
{
	struct buf b = BUF_INIT;

	if (len % 2)
		return NULL;
	for (size_t i = 0; i < len; i += 2) {
		uint32_t u = (uint32_t)s[i] << 8 | s[i + 1];

		if (u >= 0xd800 && u <= 0xdbff && i + 3 < len) {
			uint32_t lo = (uint32_t)s[i + 2] << 8 | s[i + 3];

			if (lo >= 0xdc00 && lo <= 0xdfff) {
				sms_add_cp(&b, 0x10000 + ((u - 0xd800) << 10) +
						   (lo - 0xdc00));
				i += 2;
				continue;
			}
		}
		if (u >= 0xd800 && u <= 0xdfff)
			u = SMS_REPLACEMENT;
		sms_add_cp(&b, u);
	}
	return sms_finish(&b);
}

/* Windows-1252 0x80..0x9f; 0 where the code page leaves a hole. The rest
 * of the page is ISO-8859-1, i.e. the byte is the code point. */
static const uint16_t sms_cp1252_high[32] = {
    0x20ac, 0,	    0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
    0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0,	    0x017d, 0,
    0,	    0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
    0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0,	    0x017e, 0x0178,
};

char *sms_cp1252_to_utf8(const unsigned char *s, size_t len)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < len; i++) {
		uint32_t cp = s[i];

		if (cp >= 0x80 && cp <= 0x9f) {
			cp = sms_cp1252_high[cp - 0x80];
			if (!cp)
				cp = SMS_REPLACEMENT;
		}
		sms_add_cp(&b, cp);
	}
	return sms_finish(&b);
}

char *sms_utf8_clean(const char *s, size_t len)
{
	struct buf b = BUF_INIT;
	size_t i = 0;

	while (i < len) {
		uint32_t cp;
		size_t n = text_utf8_decode(s + i, len - i, &cp);

		if (n == 0) {
			cp = SMS_REPLACEMENT;
			n = 1;
		}
		sms_add_cp(&b, cp);
		i += n;
	}
	return sms_finish(&b);
}

const char *sms_conf(const struct wl_channel_conf *ch, const char *key)
{
	char env_key[64];
	const char *v, *name;
	int n;

	if (!ch || !ch->raw || !key)
		return NULL;
	v = json_string_value(json_object_get(ch->raw, key));
	if (v && *v)
		return v;
	n = snprintf(env_key, sizeof(env_key), "%s_env", key);
	if (n < 0 || (size_t)n >= sizeof(env_key))
		return NULL;
	name = json_string_value(json_object_get(ch->raw, env_key));
	if (!name || !*name)
		return NULL;
	v = getenv(name);
	return v && *v ? v : NULL;
}

bool sms_strieq(const char *a, const char *b)
{
	if (!a || !b)
		return false;
	for (; *a && *b; a++, b++) {
		char x = *a, y = *b;

		if (x >= 'A' && x <= 'Z')
			x = (char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (char)(y - 'A' + 'a');
		if (x != y)
			return false;
	}
	return *a == *b;
}
