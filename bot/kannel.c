/*
 * kannel.c — SMS through a Kannel gateway (bearerbox + smsbox) that talks
 * to the operator's SMSC or a GSM modem.
 *
 * Inbound: smsbox fetches an sms-service get-url for every SMS, e.g.
 *   get-url = "http://127.0.0.1:8080/hook/sms?secret=S&from=%p&to=%P
 *              &id=%I&coding=%c&charset=%C&text=%b"
 * %b is the message as it came from the SMSC, URL-encoded byte by byte:
 * for a Chinese SMS (coding 2) that is UTF-16BE, with %00 bytes that no
 * C-string query API survives, so the query is decoded here from the raw
 * URL and the text converted to UTF-8 by charset/coding. %I (the message
 * UUID) stays the same when smsbox retries the request, so it is the
 * dedupe id; without it the id is a hash of sender, text and the minute.
 * The request must come from an address in allowed_ips (default the
 * loopback addresses only; else 403) and carry the shared secret, as the
 * query argument secret or the header X-Warmline-Secret (else 401).
 * The sms-service must say max-messages = 0: our HTTP answer is not a
 * reply to send.
 *
 * Outbound: GET {sendsms_url}?username=&password=&to=&from=&charset=UTF-8
 * &coding=2&text=<UTF-8, URL-encoded>. Kannel answers 202 "0: Accepted
 * for delivery" (or "3: Queued for later delivery"); 4xx is final (bad
 * user, bad number), 503 and connection errors are retried.
 *
 * Length: every outbound message is one SMS. Always UCS-2 (coding 2: no
 * GSM 03.38 surprises such as '@' as 0x00 on some links), so at most 70
 * UTF-16 units; the outbox splits a longer reply at line ends into several
 * SMS, each one readable alone. Concatenated SMS (UDH) would be nicer on
 * modern phones, but too many SMSC links and old handsets in the
 * countryside mangle them.
 *
 * Options: secret, raw allowed_ips, sendsms_url, username, password /
 * password_env, from, smsc.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "buf.h"
#include "channel.h"
#include "sms.h"
#include "wl.h"

#define KN_ADDR_MAX 32
#define KN_ID_MAX   64
#define KN_TEXT_MAX                                                            \
	16384		/* raw bytes; a 255-part SMS is under 36 KiB of        \
			   UTF-16, our residents write far less */
#define KN_MAX_UNITS 70 /* one UCS-2 SMS */

static bool kn_ip_allowed(const struct wl_channel_conf *ch, const char *peer)
{
	json_t *list = ch->raw ? json_object_get(ch->raw, "allowed_ips") : NULL;
	const char *v4 = peer;
	size_t i;
	json_t *ip;

	if (!peer || !*peer)
		return false;
	/* A dual-stack listener sees IPv4 peers as ::ffff:a.b.c.d. */
	if (strncmp(peer, "::ffff:", 7) == 0 && strchr(peer + 7, '.'))
		v4 = peer + 7;
	if (json_array_size(list) == 0)
		return strcmp(v4, "127.0.0.1") == 0 || strcmp(peer, "::1") == 0;
	json_array_foreach(list, i, ip)
	{
		const char *s = json_string_value(ip);

		if (s && (strcmp(s, peer) == 0 || strcmp(s, v4) == 0))
			return true;
	}
	return false;
}

static int kn_params(const struct chan_request *req, struct sms_params *p)
{
	size_t qlen;
	const char *q = sms_url_query(req->full_url, &qlen);

	memset(p, 0, sizeof(*p));
	return sms_params_parse(q, qlen, p);
}

static int kannel_verify(const struct wl_channel_conf *ch,
			 const struct chan_request *req)
{
	struct sms_params p;
	const char *got;
	int rc;

	if (!kn_ip_allowed(ch, req->peer_ip))
		return WL_EFORBIDDEN;
	if (!ch->secret || !*ch->secret)
		return WL_EAUTH;
	got = req->header(req->ctx, "X-Warmline-Secret");
	if (got)
		return chan_secure_equal(got, ch->secret) ? WL_OK : WL_EAUTH;
	if (kn_params(req, &p) != WL_OK)
		return WL_EAUTH;
	got = sms_params_str(&p, "secret", 256);
	rc = chan_secure_equal(got, ch->secret) ? WL_OK : WL_EAUTH;
	sms_params_release(&p);
	return rc;
}

static bool kn_charset_is(const char *cs, const char *const *names)
{
	for (; *names; names++)
		if (sms_strieq(cs, *names))
			return true;
	return false;
}

static const char *const kn_utf16[] = {"UTF-16BE", "UCS-2", "UCS-2BE",
				       "UTF-16",   "UCS2",  NULL};
static const char *const kn_latin[] = {"WINDOWS-1252", "CP1252", "ISO-8859-1",
				       "ISO8859-1",    "LATIN1", NULL};

/* The message text as UTF-8; *binary when it is 8-bit data, not text. */
static int kn_text(const struct sms_params *p, char **text, bool *binary)
{
	const struct sms_param *t = sms_params_get(p, "text");
	const char *coding = sms_params_str(p, "coding", 2);
	const char *cs = sms_params_str(p, "charset", 32);
	const unsigned char *raw =
	    t ? (const unsigned char *)t->value : (const unsigned char *)"";
	size_t len = t ? t->value_len : 0;

	*text = NULL;
	*binary = false;
	if (len > KN_TEXT_MAX)
		return WL_ETOOBIG;
	if (coding && strcmp(coding, "0") != 0 && strcmp(coding, "1") != 0 &&
	    strcmp(coding, "2") != 0)
		return WL_EBADREQ;
	if ((coding && strcmp(coding, "2") == 0) ||
	    (cs && kn_charset_is(cs, kn_utf16))) {
		if (len % 2)
			return WL_EBADREQ;
		*text = sms_utf16be_to_utf8(raw, len);
	} else if (cs && kn_charset_is(cs, kn_latin)) {
		*text = sms_cp1252_to_utf8(raw, len);
	} else if (coding && strcmp(coding, "1") == 0 &&
		   !sms_strieq(cs, "UTF-8")) {
		*binary = true;
		return WL_OK;
	} else {
		*text = sms_utf8_clean((const char *)raw, len);
	}
	return *text ? WL_OK : WL_ENOMEM;
}

/* "h" + 32 hex digits of SHA-256(from \n text \n minute): the same SMS
 * delivered twice within a minute counts once. */
static int kn_content_id(const char *from, const char *text, int64_t now_ms,
			 char out[34])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	struct buf b = BUF_INIT;
	int rc = WL_ENOMEM;

	buf_addf(&b, "%s\n%s\n%lld", from, text ? text : "",
		 (long long)(now_ms / 60000));
	if (b.oom)
		goto out;
	if (!EVP_Digest(b.s, b.len, md, &md_len, EVP_sha256(), NULL) ||
	    md_len < 16) {
		rc = WL_EINTERNAL;
		goto out;
	}
	out[0] = 'h';
	for (unsigned int i = 0; i < 16; i++) {
		out[1 + 2 * i] = hex[md[i] >> 4];
		out[2 + 2 * i] = hex[md[i] & 15];
	}
	out[33] = '\0';
	rc = WL_OK;
out:
	buf_release(&b);
	return rc;
}

static int kannel_parse(const struct wl_channel_conf *ch,
			const struct chan_request *req,
			struct chan_inbound *out)
{
	struct sms_params p;
	const char *from, *id;
	char *text = NULL, hashed[34];
	bool binary;
	int rc;

	rc = kn_params(req, &p);
	if (rc != WL_OK)
		return rc == WL_ENOMEM ? rc : WL_EBADREQ;
	rc = WL_EBADREQ;
	from = sms_params_str(&p, "from", KN_ADDR_MAX);
	if (!from || !*from || strspn(from, "+0123456789") != strlen(from))
		goto out;
	rc = kn_text(&p, &text, &binary);
	if (rc != WL_OK)
		goto out;
	id = sms_params_str(&p, "id", KN_ID_MAX);
	if (!id || !*id) {
		rc = kn_content_id(from, text, req->now_ms, hashed);
		if (rc != WL_OK)
			goto out;
		id = hashed;
	}
	rc = chan_inbound_add(out, id, from, text, NULL,
			      binary ? "data" : "text");
out:
	free(text);
	sms_params_release(&p);
	return rc;
}

static void kn_arg(struct buf *b, const char *name, const char *value)
{
	buf_addf(b, "&%s=", name);
	sms_urlencode(b, value, strlen(value));
}

static int kannel_format(const struct wl_channel_conf *ch, const char *token,
			 const char *msg_id, const char *to, const char *text,
			 struct chan_http *out)
{
	const char *url = sms_conf(ch, "sendsms_url");
	const char *user = sms_conf(ch, "username");
	const char *pass = sms_conf(ch, "password");
	const char *from = sms_conf(ch, "from");
	const char *smsc = sms_conf(ch, "smsc");
	struct buf b = BUF_INIT;

	if (!url || !user || !pass || !to || !*to || !text)
		return WL_EBADREQ;
	buf_adds(&b, url);
	buf_adds(&b, strchr(url, '?') ? "&" : "?");
	buf_adds(&b, "username=");
	sms_urlencode(&b, user, strlen(user));
	kn_arg(&b, "password", pass);
	kn_arg(&b, "to", to);
	if (from)
		kn_arg(&b, "from", from);
	if (smsc)
		kn_arg(&b, "smsc", smsc);
	buf_adds(&b, "&charset=UTF-8&coding=2");
	kn_arg(&b, "text", text);
	out->url = buf_detach(&b, NULL);
	return out->url ? WL_OK : WL_ENOMEM;
}

const struct chan_adapter chan_kannel = {
    .type = "kannel",
    .verify = kannel_verify,
    .parse = kannel_parse,
    .format = kannel_format,
    .classify = NULL, /* 2xx sent, 503 retry, 4xx final */
    .max_units = KN_MAX_UNITS,
    .unit = text_unit_ucs2,
};
