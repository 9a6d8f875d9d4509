/*
 * wxcrypt.c — WXBizMsgCrypt (WeCom and WeChat callbacks), Feishu's event
 * cipher, strict base64 and a small XML reader for callback documents
 * (see wxcrypt.h for the schemes).
 *
 * Everything runs on OpenSSL 3's EVP interface. Signatures are checked
 * before anything is decrypted, and compared in constant time.
 */
#include "wxcrypt.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "wl.h"

#define WXCRYPT_PAD_BLOCK    32 /* WXBizMsgCrypt pads to 32, not 16 */
#define WXCRYPT_XML_DEPTH    8
#define WXCRYPT_XML_NAME_MAX 64
#define WXCRYPT_TEXT_MAX     16384

/* ---- base64 -------------------------------------------------------------- */

static int b64_char_ok(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '+' || c == '/';
}

int wxcrypt_b64_decode(const char *in, size_t len, unsigned char **out,
		       size_t *out_len)
{
	size_t pad = 0;
	unsigned char *buf;
	int n;

	*out = NULL;
	*out_len = 0;
	if (len > WXCRYPT_B64_MAX)
		return WL_ETOOBIG;
	if (len % 4 != 0)
		return WL_EAUTH;
	if (len > 0 && in[len - 1] == '=')
		pad = in[len - 2] == '=' ? 2 : 1;
	/* EVP_DecodeBlock skips white space and accepts '=' inside the
	 * data; we want exactly the alphabet, padding only at the end. */
	for (size_t i = 0; i < len - pad; i++)
		if (!b64_char_ok((unsigned char)in[i]))
			return WL_EAUTH;
	buf = malloc(len / 4 * 3 + 1);
	if (!buf)
		return WL_ENOMEM;
	n = len ? EVP_DecodeBlock(buf, (const unsigned char *)in, (int)len) : 0;
	if (n < 0 || (size_t)n < pad) {
		free(buf);
		return WL_EAUTH;
	}
	/* EVP_DecodeBlock counts the bytes the padding stands for. */
	*out_len = (size_t)n - pad;
	buf[*out_len] = '\0';
	*out = buf;
	return WL_OK;
}

int wxcrypt_b64_encode(const unsigned char *in, size_t len, char **out)
{
	char *buf;

	*out = NULL;
	if (len > (size_t)INT_MAX / 2)
		return WL_ETOOBIG;
	buf = malloc((len + 2) / 3 * 4 + 1);
	if (!buf)
		return WL_ENOMEM;
	EVP_EncodeBlock((unsigned char *)buf, in, (int)len);
	*out = buf;
	return WL_OK;
}

/* ---- AES-256-CBC without OpenSSL's padding ------------------------------- */

/* len must be a multiple of 16; out holds len bytes. */
static int aes256_cbc(int enc, const unsigned char key[32],
		      const unsigned char iv[16], const unsigned char *in,
		      size_t len, unsigned char *out)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n1 = 0, n2 = 0, rc = WL_EINTERNAL;

	if (!ctx)
		return WL_ENOMEM;
	if (len % 16 != 0 || len > (size_t)INT_MAX)
		goto out;
	if (EVP_CipherInit_ex(ctx, EVP_aes_256_cbc(), NULL, key, iv, enc) !=
		1 ||
	    EVP_CIPHER_CTX_set_padding(ctx, 0) != 1 ||
	    EVP_CipherUpdate(ctx, out, &n1, in, (int)len) != 1 ||
	    EVP_CipherFinal_ex(ctx, out + n1, &n2) != 1 ||
	    (size_t)(n1 + n2) != len)
		goto out;
	rc = WL_OK;
out:
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

/* The PKCS#7 pad length of data padded to block, or 0 when malformed. */
static size_t pkcs7_pad_len(const unsigned char *data, size_t len, size_t block)
{
	size_t pad;

	if (len == 0)
		return 0;
	pad = data[len - 1];
	if (pad < 1 || pad > block || pad > len)
		return 0;
	for (size_t i = len - pad; i < len; i++)
		if (data[i] != pad)
			return 0;
	return pad;
}

/* ---- WXBizMsgCrypt ------------------------------------------------------- */

static int wxcrypt_copy(char *dst, const char *src)
{
	size_t len;

	dst[0] = '\0';
	if (!src)
		return WL_OK;
	len = strlen(src);
	if (len > WXCRYPT_ARG_MAX)
		return WL_EBADREQ;
	memcpy(dst, src, len + 1);
	return WL_OK;
}

int wxcrypt_init(struct wxcrypt *c, const char *token,
		 const char *encoding_aes_key, const char *receive_id)
{
	char padded[45];
	unsigned char *key = NULL;
	size_t key_len = 0;
	int rc;

	memset(c, 0, sizeof(*c));
	if (wxcrypt_copy(c->token, token) != WL_OK ||
	    wxcrypt_copy(c->receive_id, receive_id) != WL_OK)
		return WL_EBADREQ;
	if (!encoding_aes_key)
		return WL_OK;
	if (strlen(encoding_aes_key) != 43)
		return WL_EBADREQ;
	for (size_t i = 0; i < 43; i++)
		if (!b64_char_ok((unsigned char)encoding_aes_key[i]) ||
		    encoding_aes_key[i] == '+' || encoding_aes_key[i] == '/')
			return WL_EBADREQ;
	memcpy(padded, encoding_aes_key, 43);
	padded[43] = '=';
	padded[44] = '\0';
	rc = wxcrypt_b64_decode(padded, 44, &key, &key_len);
	if (rc == WL_OK && key_len != 32)
		rc = WL_EBADREQ;
	if (rc == WL_OK)
		memcpy(c->key, key, 32);
	else if (rc == WL_EAUTH)
		rc = WL_EBADREQ;
	if (key) {
		OPENSSL_cleanse(key, key_len);
		free(key);
	}
	return rc;
}

void wxcrypt_release(struct wxcrypt *c)
{
	if (c)
		OPENSSL_cleanse(c, sizeof(*c));
}

static int wxcrypt_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int wxcrypt_sha1_sorted(const char *const *parts, size_t n, char out[41])
{
	static const char hex[] = "0123456789abcdef";
	const char *sorted[4];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	EVP_MD_CTX *ctx;
	int rc = WL_EINTERNAL;

	out[0] = '\0';
	if (n == 0 || n > WL_ARRAY_LEN(sorted))
		return WL_EBADREQ;
	for (size_t i = 0; i < n; i++) {
		if (!parts[i] || strlen(parts[i]) > WXCRYPT_B64_MAX)
			return WL_EBADREQ;
		sorted[i] = parts[i];
	}
	qsort(sorted, n, sizeof(sorted[0]), wxcrypt_cmp);
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return WL_ENOMEM;
	if (EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) != 1)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (EVP_DigestUpdate(ctx, sorted[i], strlen(sorted[i])) != 1)
			goto out;
	if (EVP_DigestFinal_ex(ctx, md, &md_len) != 1 || md_len != 20)
		goto out;
	for (unsigned int i = 0; i < md_len; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[40] = '\0';
	rc = WL_OK;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

int wxcrypt_verify(const struct wxcrypt *c, const char *sig,
		   const char *timestamp, const char *nonce,
		   const char *encrypt)
{
	const char *parts[4] = {c->token, timestamp, nonce, encrypt};
	char want[41];

	if (!sig || !timestamp || !nonce || c->token[0] == '\0')
		return WL_EAUTH;
	if (wxcrypt_sha1_sorted(parts, encrypt ? 4 : 3, want) != WL_OK)
		return WL_EAUTH;
	return chan_secure_equal(sig, want) ? WL_OK : WL_EAUTH;
}

int wxcrypt_decrypt(const struct wxcrypt *c, const char *b64, size_t b64_len,
		    char **msg, size_t *msg_len)
{
	unsigned char *raw = NULL, *plain = NULL;
	size_t raw_len = 0, pad, body, len, rid_len;
	int rc;

	*msg = NULL;
	*msg_len = 0;
	rc = wxcrypt_b64_decode(b64, b64_len, &raw, &raw_len);
	if (rc != WL_OK)
		return rc;
	rc = WL_EAUTH;
	if (raw_len == 0 || raw_len % 16 != 0)
		goto out;
	plain = malloc(raw_len);
	if (!plain) {
		rc = WL_ENOMEM;
		goto out;
	}
	if (aes256_cbc(0, c->key, c->key, raw, raw_len, plain) != WL_OK)
		goto out;
	pad = pkcs7_pad_len(plain, raw_len, WXCRYPT_PAD_BLOCK);
	if (pad == 0 || raw_len - pad < 20)
		goto out;
	body = raw_len - pad;
	len = (size_t)plain[16] << 24 | (size_t)plain[17] << 16 |
	      (size_t)plain[18] << 8 | (size_t)plain[19];
	if (len > body - 20)
		goto out;
	if (len > WXCRYPT_MSG_MAX) {
		rc = WL_ETOOBIG;
		goto out;
	}
	rid_len = body - 20 - len;
	if (rid_len != strlen(c->receive_id) ||
	    CRYPTO_memcmp(plain + 20 + len, c->receive_id, rid_len) != 0) {
		rc = WL_EFORBIDDEN;
		goto out;
	}
	*msg = malloc(len + 1);
	if (!*msg) {
		rc = WL_ENOMEM;
		goto out;
	}
	memcpy(*msg, plain + 20, len);
	(*msg)[len] = '\0';
	*msg_len = len;
	rc = WL_OK;
out:
	if (plain) {
		OPENSSL_cleanse(plain, raw_len);
		free(plain);
	}
	free(raw);
	return rc;
}

int wxcrypt_encrypt(const struct wxcrypt *c, const unsigned char *random16,
		    const char *msg, size_t msg_len, char **b64)
{
	size_t rid_len = strlen(c->receive_id), total, pad;
	unsigned char *plain = NULL, *enc = NULL;
	int rc = WL_ENOMEM;

	*b64 = NULL;
	if (msg_len > WXCRYPT_MSG_MAX)
		return WL_ETOOBIG;
	total = 20 + msg_len + rid_len;
	pad = WXCRYPT_PAD_BLOCK - total % WXCRYPT_PAD_BLOCK;
	plain = malloc(total + pad);
	enc = malloc(total + pad);
	if (!plain || !enc)
		goto out;
	if (random16) {
		memcpy(plain, random16, 16);
	} else if (RAND_bytes(plain, 16) != 1) {
		rc = WL_EINTERNAL;
		goto out;
	}
	plain[16] = (unsigned char)(msg_len >> 24);
	plain[17] = (unsigned char)(msg_len >> 16);
	plain[18] = (unsigned char)(msg_len >> 8);
	plain[19] = (unsigned char)msg_len;
	memcpy(plain + 20, msg, msg_len);
	memcpy(plain + 20 + msg_len, c->receive_id, rid_len);
	memset(plain + total, (int)pad, pad);
	rc = aes256_cbc(1, c->key, c->key, plain, total + pad, enc);
	if (rc == WL_OK)
		rc = wxcrypt_b64_encode(enc, total + pad, b64);
out:
	if (plain) {
		OPENSSL_cleanse(plain, total + pad);
		free(plain);
	}
	free(enc);
	return rc;
}

int wxcrypt_check_time(const char *timestamp, int64_t now_ms)
{
	return wxcrypt_check_window(timestamp, now_ms, WXCRYPT_REPLAY_S);
}

int wxcrypt_check_window(const char *timestamp, int64_t now_ms,
			 long long window_s)
{
	long long ts = 0, now_s = now_ms / 1000;
	size_t len;

	if (!timestamp)
		return WL_EAUTH;
	len = strlen(timestamp);
	if (len == 0 || len > 12)
		return WL_EAUTH;
	for (size_t i = 0; i < len; i++) {
		if (timestamp[i] < '0' || timestamp[i] > '9')
			return WL_EAUTH;
		ts = ts * 10 + (timestamp[i] - '0');
	}
	if (ts < now_s - window_s || ts > now_s + window_s)
		return WL_EAUTH;
	return WL_OK;
}

/* ---- Feishu -------------------------------------------------------------- */

static int feishu_key(const char *encrypt_key, unsigned char key[32])
{
	unsigned int n = 0;

	if (!encrypt_key)
		return WL_EAUTH;
	if (EVP_Digest(encrypt_key, strlen(encrypt_key), key, &n, EVP_sha256(),
		       NULL) != 1 ||
	    n != 32)
		return WL_EINTERNAL;
	return WL_OK;
}

int wxcrypt_feishu_decrypt(const char *encrypt_key, const char *b64,
			   size_t b64_len, char **out, size_t *out_len)
{
	unsigned char key[32], *raw = NULL, *plain = NULL;
	size_t raw_len = 0, pad, len;
	int rc;

	*out = NULL;
	*out_len = 0;
	rc = feishu_key(encrypt_key, key);
	if (rc != WL_OK)
		return rc;
	rc = wxcrypt_b64_decode(b64, b64_len, &raw, &raw_len);
	if (rc != WL_OK)
		goto out;
	rc = WL_EAUTH;
	if (raw_len < 32 || raw_len % 16 != 0)
		goto out;
	len = raw_len - 16;
	plain = malloc(len + 1);
	if (!plain) {
		rc = WL_ENOMEM;
		goto out;
	}
	if (aes256_cbc(0, key, raw, raw + 16, len, plain) != WL_OK)
		goto out;
	pad = pkcs7_pad_len(plain, len, 16);
	if (pad == 0)
		goto out;
	len -= pad;
	if (len > WXCRYPT_MSG_MAX) {
		rc = WL_ETOOBIG;
		goto out;
	}
	plain[len] = '\0';
	*out = (char *)plain;
	*out_len = len;
	plain = NULL;
	rc = WL_OK;
out:
	OPENSSL_cleanse(key, sizeof(key));
	free(plain);
	free(raw);
	return rc;
}

int wxcrypt_feishu_encrypt(const char *encrypt_key, const unsigned char *iv16,
			   const char *msg, size_t msg_len, char **b64)
{
	unsigned char key[32], *plain = NULL, *enc = NULL;
	size_t pad, total;
	int rc;

	*b64 = NULL;
	if (msg_len > WXCRYPT_MSG_MAX)
		return WL_ETOOBIG;
	rc = feishu_key(encrypt_key, key);
	if (rc != WL_OK)
		return rc;
	pad = 16 - msg_len % 16;
	total = msg_len + pad;
	plain = malloc(total);
	enc = malloc(16 + total);
	rc = WL_ENOMEM;
	if (!plain || !enc)
		goto out;
	if (iv16) {
		memcpy(enc, iv16, 16);
	} else if (RAND_bytes(enc, 16) != 1) {
		rc = WL_EINTERNAL;
		goto out;
	}
	memcpy(plain, msg, msg_len);
	memset(plain + msg_len, (int)pad, pad);
	rc = aes256_cbc(1, key, enc, plain, total, enc + 16);
	if (rc == WL_OK)
		rc = wxcrypt_b64_encode(enc, 16 + total, b64);
out:
	OPENSSL_cleanse(key, sizeof(key));
	free(plain);
	free(enc);
	return rc;
}

/* ---- XML ----------------------------------------------------------------- */

struct xml_p {
	const char *s;
	size_t len, pos;
};

static int xml_at(const struct xml_p *p, const char *lit)
{
	size_t n = strlen(lit);

	return p->len - p->pos >= n && memcmp(p->s + p->pos, lit, n) == 0;
}

static void xml_skip_ws(struct xml_p *p)
{
	while (p->pos < p->len &&
	       (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
		p->s[p->pos] == '\r' || p->s[p->pos] == '\n'))
		p->pos++;
}

static int xml_name_char(unsigned char c, int first)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
	    c == ':')
		return 1;
	return !first && ((c >= '0' && c <= '9') || c == '-' || c == '.');
}

static int xml_name(struct xml_p *p, const char **name, size_t *len)
{
	size_t start = p->pos;

	while (p->pos < p->len &&
	       xml_name_char((unsigned char)p->s[p->pos], p->pos == start))
		p->pos++;
	*name = p->s + start;
	*len = p->pos - start;
	return *len > 0 && *len <= WXCRYPT_XML_NAME_MAX ? WL_OK : WL_EBADREQ;
}

/* After "<name": white space, then ">" (returns 0) or "/>" (returns 1);
 * no attributes. -1 when malformed. */
static int xml_tag_end(struct xml_p *p)
{
	xml_skip_ws(p);
	if (xml_at(p, ">")) {
		p->pos += 1;
		return 0;
	}
	if (xml_at(p, "/>")) {
		p->pos += 2;
		return 1;
	}
	return -1;
}

static size_t xml_utf8(unsigned long cp, char *out)
{
	if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		return 0;
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* An entity at p->pos ('&'), appended to b (which may be NULL). */
static int xml_entity(struct xml_p *p, struct buf *b)
{
	static const struct {
		const char *name;
		char ch;
	} named[] = {{"&lt;", '<'},
		     {"&gt;", '>'},
		     {"&amp;", '&'},
		     {"&quot;", '"'},
		     {"&apos;", '\''}};
	unsigned long cp = 0;
	size_t digits = 0;
	int base = 10;
	char enc[4];
	size_t n;

	for (size_t i = 0; i < WL_ARRAY_LEN(named); i++) {
		if (xml_at(p, named[i].name)) {
			p->pos += strlen(named[i].name);
			if (b)
				buf_add(b, &named[i].ch, 1);
			return WL_OK;
		}
	}
	if (!xml_at(p, "&#"))
		return WL_EBADREQ;
	p->pos += 2;
	if (p->pos < p->len && p->s[p->pos] == 'x') {
		base = 16;
		p->pos++;
	}
	for (; p->pos < p->len && p->s[p->pos] != ';'; p->pos++) {
		unsigned char c = (unsigned char)p->s[p->pos];
		int d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return WL_EBADREQ;
		if (++digits > 8)
			return WL_EBADREQ;
		cp = cp * (unsigned long)base + (unsigned long)d;
	}
	if (p->pos >= p->len || digits == 0)
		return WL_EBADREQ;
	p->pos++;
	n = xml_utf8(cp, enc);
	if (n == 0)
		return WL_EBADREQ;
	if (b)
		buf_add(b, enc, n);
	return WL_OK;
}

/* The content of the element name up to and including its end tag. Text
 * goes to b (NULL inside nested elements); *nested is set when a child
 * element appears. */
static int xml_content(struct xml_p *p, const char *name, size_t name_len,
		       int depth, struct buf *b, int *nested)
{
	const char *end_name, *child;
	size_t end_len, child_len;
	int rc, closed;

	while (p->pos < p->len) {
		char c = p->s[p->pos];

		if (c == '&') {
			rc = xml_entity(p, b);
			if (rc != WL_OK)
				return rc;
			continue;
		}
		if (c != '<') {
			size_t start = p->pos;

			while (p->pos < p->len && p->s[p->pos] != '<' &&
			       p->s[p->pos] != '&')
				p->pos++;
			if (b)
				buf_add(b, p->s + start, p->pos - start);
			continue;
		}
		if (xml_at(p, "<![CDATA[")) {
			const char *s = p->s + p->pos + 9, *e = NULL;
			size_t left = p->len - p->pos - 9;

			for (size_t i = 0; i + 3 <= left; i++)
				if (memcmp(s + i, "]]>", 3) == 0) {
					e = s + i;
					break;
				}
			if (!e)
				return WL_EBADREQ;
			if (b)
				buf_add(b, s, (size_t)(e - s));
			p->pos = (size_t)(e - p->s) + 3;
			continue;
		}
		if (xml_at(p, "</")) {
			p->pos += 2;
			if (xml_name(p, &end_name, &end_len) != WL_OK ||
			    end_len != name_len ||
			    memcmp(end_name, name, name_len) != 0)
				return WL_EBADREQ;
			xml_skip_ws(p);
			if (!xml_at(p, ">"))
				return WL_EBADREQ;
			p->pos++;
			return WL_OK;
		}
		/* Comments, DOCTYPE, ENTITY, processing instructions: none of
		 * that belongs in a callback. */
		if (xml_at(p, "<!") || xml_at(p, "<?"))
			return WL_EBADREQ;
		if (depth >= WXCRYPT_XML_DEPTH)
			return WL_EBADREQ;
		p->pos++;
		*nested = 1;
		if (xml_name(p, &child, &child_len) != WL_OK)
			return WL_EBADREQ;
		closed = xml_tag_end(p);
		if (closed < 0)
			return WL_EBADREQ;
		if (closed == 0) {
			rc = xml_content(p, child, child_len, depth + 1, NULL,
					 nested);
			if (rc != WL_OK)
				return rc;
		}
	}
	return WL_EBADREQ;
}

void wxcrypt_xml_release(struct wxcrypt_xml *doc)
{
	if (!doc)
		return;
	for (size_t i = 0; i < doc->n; i++) {
		free(doc->f[i].name);
		free(doc->f[i].value);
	}
	free(doc->f);
	memset(doc, 0, sizeof(*doc));
}

static int xml_add_field(struct wxcrypt_xml *doc, const char *name,
			 size_t name_len, struct buf *b, int nested)
{
	struct wxcrypt_xml_field *f;
	size_t vlen = 0;

	for (size_t i = 0; i < doc->n; i++)
		if (strlen(doc->f[i].name) == name_len &&
		    memcmp(doc->f[i].name, name, name_len) == 0)
			return WL_EBADREQ;
	if (doc->n >= WXCRYPT_XML_FIELDS)
		return WL_ETOOBIG;
	if (b->oom)
		return WL_ENOMEM;
	if (!nested && b->len && memchr(b->s, '\0', b->len))
		return WL_EBADREQ;
	f = &doc->f[doc->n];
	f->name = strndup(name, name_len);
	if (!f->name)
		return WL_ENOMEM;
	if (nested) {
		f->value = NULL;
	} else {
		f->value = b->s ? buf_detach(b, &vlen) : strdup("");
		if (!f->value) {
			free(f->name);
			return WL_ENOMEM;
		}
	}
	doc->n++;
	return WL_OK;
}

int wxcrypt_xml_parse(const char *xml, size_t len, struct wxcrypt_xml *doc)
{
	struct xml_p p = {xml, len, 0};
	struct buf b = BUF_INIT;
	const char *root, *name;
	size_t root_len, name_len;
	int rc = WL_EBADREQ, closed, nested;

	memset(doc, 0, sizeof(*doc));
	if (len > WXCRYPT_XML_MAX)
		return WL_ETOOBIG;
	doc->f = calloc(WXCRYPT_XML_FIELDS, sizeof(*doc->f));
	if (!doc->f)
		return WL_ENOMEM;
	xml_skip_ws(&p);
	if (xml_at(&p, "<?xml")) {
		while (p.pos < p.len && !xml_at(&p, "?>"))
			p.pos++;
		if (p.pos >= p.len)
			goto out;
		p.pos += 2;
		xml_skip_ws(&p);
	}
	if (!xml_at(&p, "<"))
		goto out;
	p.pos++;
	if (xml_name(&p, &root, &root_len) != WL_OK)
		goto out;
	closed = xml_tag_end(&p);
	if (closed < 0)
		goto out;
	while (!closed) {
		xml_skip_ws(&p);
		if (xml_at(&p, "</")) {
			p.pos += 2;
			if (xml_name(&p, &name, &name_len) != WL_OK ||
			    name_len != root_len ||
			    memcmp(name, root, root_len) != 0)
				goto out;
			xml_skip_ws(&p);
			if (!xml_at(&p, ">"))
				goto out;
			p.pos++;
			break;
		}
		if (!xml_at(&p, "<") || xml_at(&p, "<!") || xml_at(&p, "<?"))
			goto out;
		p.pos++;
		if (xml_name(&p, &name, &name_len) != WL_OK)
			goto out;
		closed = xml_tag_end(&p);
		if (closed < 0)
			goto out;
		nested = 0;
		buf_reset(&b);
		if (closed == 0) {
			rc = xml_content(&p, name, name_len, 1, &b, &nested);
			if (rc != WL_OK)
				goto out;
			rc = WL_EBADREQ;
		}
		closed = 0;
		rc = xml_add_field(doc, name, name_len, &b, nested);
		if (rc != WL_OK)
			goto out;
		rc = WL_EBADREQ;
	}
	xml_skip_ws(&p);
	if (p.pos != p.len)
		goto out;
	rc = WL_OK;
out:
	buf_release(&b);
	if (rc != WL_OK)
		wxcrypt_xml_release(doc);
	return rc;
}

const char *wxcrypt_xml_get(const struct wxcrypt_xml *doc, const char *name)
{
	for (size_t i = 0; i < doc->n; i++)
		if (strcmp(doc->f[i].name, name) == 0)
			return doc->f[i].value;
	return NULL;
}

/* ---- the WeCom / WeChat message ------------------------------------------ */

static const char *xml_str(const struct wxcrypt_xml *doc, const char *name,
			   size_t max)
{
	const char *v = wxcrypt_xml_get(doc, name);

	if (!v || v[0] == '\0' || strlen(v) > max)
		return NULL;
	return v;
}

int wxcrypt_inbound_add(const struct wxcrypt_xml *doc, struct chan_inbound *out)
{
	const char *from = xml_str(doc, "FromUserName", WXCRYPT_ARG_MAX);
	const char *type = xml_str(doc, "MsgType", 32);
	const char *msg_id = xml_str(doc, "MsgId", 64);
	const char *created = xml_str(doc, "CreateTime", 20);
	const char *text = NULL, *att = NULL, *kind;
	char id[WXCRYPT_ARG_MAX + 24], loc[WXCRYPT_ARG_MAX * 3];
	struct chan_msg *m;
	int rc;

	if (!from || !type)
		return WL_EBADREQ;
	if (msg_id)
		snprintf(id, sizeof(id), "%s", msg_id);
	else if (created)
		snprintf(id, sizeof(id), "%s:%s", from, created);
	else
		return WL_EBADREQ;
	kind = type;
	if (strcmp(type, "text") == 0) {
		text = wxcrypt_xml_get(doc, "Content");
		if (!text || strlen(text) > WXCRYPT_TEXT_MAX)
			return WL_EBADREQ;
	} else if (strcmp(type, "image") == 0) {
		att = xml_str(doc, "MediaId", 512);
		if (!att)
			att = xml_str(doc, "PicUrl", 2048);
	} else if (strcmp(type, "location") == 0) {
		const char *x = xml_str(doc, "Location_X", 32);
		const char *y = xml_str(doc, "Location_Y", 32);
		const char *label = xml_str(doc, "Label", WXCRYPT_ARG_MAX);

		if (x && y) {
			snprintf(loc, sizeof(loc), "%s,%s%s%s", x, y,
				 label ? " " : "", label ? label : "");
			att = loc;
		}
	} else if (strcmp(type, "link") == 0) {
		att = xml_str(doc, "Url", 2048);
	} else if (strcmp(type, "event") == 0) {
		att = xml_str(doc, "Event", 64);
	} else {
		att = xml_str(doc, "MediaId", 512);
	}
	rc = chan_inbound_add(out, id, from, text, NULL, kind);
	if (rc != WL_OK || !att)
		return rc;
	m = &out->msgs[out->n - 1];
	m->attachment = strdup(att);
	return m->attachment ? WL_OK : WL_ENOMEM;
}

/* ---- configuration and URLs ---------------------------------------------- */

const char *wxcrypt_conf(const struct wl_channel_conf *ch, const char *key)
{
	char env_key[64];
	json_t *v;
	const char *s;

	v = json_object_get(ch->raw, key);
	if (json_is_string(v) && json_string_value(v)[0] != '\0')
		return json_string_value(v);
	if (snprintf(env_key, sizeof(env_key), "%s_env", key) >=
	    (int)sizeof(env_key))
		return NULL;
	v = json_object_get(ch->raw, env_key);
	if (!json_is_string(v))
		return NULL;
	s = getenv(json_string_value(v));
	return s && s[0] != '\0' ? s : NULL;
}

void wxcrypt_url_base(struct buf *b, const struct wl_channel_conf *ch,
		      const char *dflt, const char *path)
{
	const char *base =
	    ch->api_base && ch->api_base[0] ? ch->api_base : dflt;
	size_t len = strlen(base);

	while (len > 0 && base[len - 1] == '/')
		len--;
	buf_add(b, base, len);
	buf_adds(b, path);
}

void wxcrypt_url_arg(struct buf *b, char sep, const char *name,
		     const char *value)
{
	static const char hex[] = "0123456789ABCDEF";

	buf_add(b, &sep, 1);
	buf_adds(b, name);
	buf_add(b, "=", 1);
	for (const unsigned char *s = (const unsigned char *)value; *s; s++) {
		char esc[3] = {'%', hex[*s >> 4], hex[*s & 15]};

		if ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' ||
		    *s == '.' || *s == '~')
			buf_add(b, s, 1);
		else
			buf_add(b, esc, 3);
	}
}

int wxcrypt_errcode(const char *body, size_t len, json_t **root,
		    json_int_t *code)
{
	json_error_t jerr;
	json_t *v;

	*root = json_loadb(body ? body : "", body ? len : 0, 0, &jerr);
	v = json_object_get(*root, "errcode");
	if (!json_is_integer(v))
		return 0;
	*code = json_integer_value(v);
	return 1;
}

int wxcrypt_token_parse(const char *body, size_t len, size_t max_len,
			char **token, long *expires_in_s)
{
	json_t *root = NULL, *tok, *exp;
	json_int_t code = 0;
	int rc = WL_EBADREQ;

	*token = NULL;
	*expires_in_s = 0;
	if (wxcrypt_errcode(body, len, &root, &code) && code != 0) {
		rc = WL_EAUTH;
		goto out;
	}
	tok = json_object_get(root, "access_token");
	exp = json_object_get(root, "expires_in");
	if (!json_is_string(tok) || json_string_length(tok) == 0 ||
	    json_string_length(tok) > max_len || !json_is_integer(exp) ||
	    json_integer_value(exp) <= 0 || json_integer_value(exp) > 7 * 86400)
		goto out;
	*token = strdup(json_string_value(tok));
	if (!*token) {
		rc = WL_ENOMEM;
		goto out;
	}
	*expires_in_s = (long)json_integer_value(exp);
	rc = WL_OK;
out:
	json_decref(root);
	return rc;
}
