/*
 * twilio.c — Twilio Programmable Messaging (SMS).
 *
 * Inbound: Twilio POSTs application/x-www-form-urlencoded parameters
 * (MessageSid, AccountSid, From, To, Body, NumMedia, MediaUrl0, ...) to
 * the number's messaging webhook, signed with
 *   X-Twilio-Signature = Base64(HMAC-SHA1(AuthToken,
 *                         URL + name1 + value1 + name2 + value2 ...))
 * over the full URL Twilio called and every POST parameter sorted by name
 * (Twilio's "Webhooks security" guide). For a GET webhook only the URL is
 * signed. When a Webhooks Rule matches the URL, Twilio signs the same
 * string with the rule's Setting instead and says so in
 *   X-Twilio-Webhooks-Signature-Settings: key=<id>,algorithm=HMAC_SHA256
 * (or HMAC_SHA1): the key is then the option shared_key(_env), the
 * algorithm the header's; an unknown algorithm, or the header without a
 * shared_key configured, is 401. Behind a TLS proxy the daemon sees http://, so
 * the raw option public_url (e.g. "https://hotline.example.cn") replaces scheme
 * and host. As Twilio's helper libraries do, a URL that fails is tried once
 * more with the default port added or removed. A valid signature from another
 * account (AccountSid differs from account_sid) is refused with 403.
 * MessageSid is the dedupe id. The answer is an empty TwiML <Response/>,
 * so Twilio sends nothing by itself; replies go through the outbox.
 *
 * Outbound: POST {api_base}/2010-04-01/Accounts/{AccountSid}/Messages.json
 * with To, From (or MessagingServiceSid) and Body form-encoded, HTTP Basic
 * auth AccountSid:AuthToken.
 *
 * Length: Twilio accepts a Body of up to 1600 characters and sends it as
 * one concatenated SMS (UCS-2 for Chinese: 67 characters a segment, billed
 * per segment). Concatenated messages arrive whole and in order, which
 * beats our own splitting into separate messages, so max_units is Twilio's
 * 1600, counted in UTF-16 units to stay on the safe side.
 *
 * Options: raw account_sid, auth_token / auth_token_env (else token, else
 * secret), shared_key / shared_key_env (a Webhooks Setting's key), from
 * or messaging_service_sid, public_url; api_base.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "channel.h"
#include "sms.h"
#include "wl.h"

#define TW_API_BASE  "https://api.twilio.com"
#define TW_SID_MAX   64
#define TW_ADDR_MAX  64
#define TW_URL_MAX   2048
#define TW_BODY_MAX  8192
#define TW_MAX_UNITS 1600

static const char tw_empty_twiml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>";

static const char *tw_auth_token(const struct wl_channel_conf *ch)
{
	const char *t = sms_conf(ch, "auth_token");

	if (t)
		return t;
	if (ch->token && *ch->token)
		return ch->token;
	return ch->secret && *ch->secret ? ch->secret : NULL;
}

/* The signed parameters: the form body of a POST, none for a GET. */
static int tw_params(const struct chan_request *req, struct sms_params *p)
{
	memset(p, 0, sizeof(*p));
	if (req->method && strcmp(req->method, "GET") == 0) {
		size_t qlen;
		const char *q = sms_url_query(req->full_url, &qlen);

		return sms_params_parse(q, qlen, p);
	}
	return sms_params_parse(req->body, req->body_len, p);
}

/* The URL Twilio called: public_url + path + query, or full_url. */
static char *tw_url(const struct wl_channel_conf *ch,
		    const struct chan_request *req)
{
	const char *pub = sms_conf(ch, "public_url");
	struct buf b = BUF_INIT;
	size_t qlen, plen;
	const char *q;

	if (!pub)
		return req->full_url ? strdup(req->full_url) : NULL;
	plen = strlen(pub);
	while (plen && pub[plen - 1] == '/')
		plen--;
	buf_add(&b, pub, plen);
	buf_adds(&b, req->path ? req->path : "");
	q = sms_url_query(req->full_url, &qlen);
	if (q) {
		buf_adds(&b, "?");
		buf_add(&b, q, qlen);
	}
	return buf_detach(&b, NULL);
}

/* The same URL with the scheme's default port added when it has none, or
 * removed when it has it; NULL when neither applies. */
static char *tw_url_port_variant(const char *url)
{
	const char *host, *end, *colon;
	const char *port;
	struct buf b = BUF_INIT;

	if (strncmp(url, "https://", 8) == 0) {
		port = "443";
		host = url + 8;
	} else if (strncmp(url, "http://", 7) == 0) {
		port = "80";
		host = url + 7;
	} else {
		return NULL;
	}
	end = host + strcspn(host, "/?#");
	colon = memchr(host, ':', (size_t)(end - host));
	if (memchr(host, '@', (size_t)(end - host)) || *host == '[')
		return NULL;
	if (colon) {
		if ((size_t)(end - colon - 1) != strlen(port) ||
		    memcmp(colon + 1, port, strlen(port)) != 0)
			return NULL;
		buf_add(&b, url, (size_t)(colon - url));
	} else {
		buf_add(&b, url, (size_t)(end - url));
		buf_addf(&b, ":%s", port);
	}
	buf_adds(&b, end);
	return buf_detach(&b, NULL);
}

static int tw_param_cmp(const void *a, const void *b)
{
	const struct sms_param *x = *(const struct sms_param *const *)a;
	const struct sms_param *y = *(const struct sms_param *const *)b;
	size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
	int c = memcmp(x->name, y->name, n);

	if (c || x->name_len != y->name_len)
		return c ? c : (x->name_len < y->name_len ? -1 : 1);
	n = x->value_len < y->value_len ? x->value_len : y->value_len;
	c = memcmp(x->value, y->value, n);
	if (c || x->value_len == y->value_len)
		return c;
	return x->value_len < y->value_len ? -1 : 1;
}

/* Base64(HMAC-SHA1 or -SHA256(key, url + sorted name/value pairs)). */
static int tw_signature(const char *token, const char *url,
			const struct sms_params *p, bool sha256, char out[45])
{
	const struct sms_param **sorted = NULL;
	struct buf b = BUF_INIT;
	int rc = WL_ENOMEM;

	if (p->n) {
		sorted = malloc(p->n * sizeof(*sorted));
		if (!sorted)
			goto out;
		for (size_t i = 0; i < p->n; i++)
			sorted[i] = &p->v[i];
		qsort(sorted, p->n, sizeof(*sorted), tw_param_cmp);
	}
	buf_adds(&b, url);
	for (size_t i = 0; i < p->n; i++) {
		buf_add(&b, sorted[i]->name, sorted[i]->name_len);
		buf_add(&b, sorted[i]->value, sorted[i]->value_len);
	}
	if (b.oom)
		goto out;
	if (sha256)
		sms_hmac_sha256_b64(token, b.s, b.len, out);
	else
		sms_hmac_sha1_b64(token, b.s, b.len, out);
	rc = WL_OK;
out:
	free(sorted);
	buf_release(&b);
	return rc;
}

static bool tw_url_signed(const char *token, const char *url,
			  const struct sms_params *p, bool sha256,
			  const char *sig)
{
	char want[45];

	return url && tw_signature(token, url, p, sha256, want) == WL_OK &&
	       chan_secure_equal(sig, want);
}

/* X-Twilio-Webhooks-Signature-Settings: "key=<id>,algorithm=<alg>" (any
 * order, spaces allowed): *sha256 for HMAC_SHA256, false for HMAC_SHA1.
 * WL_EAUTH for an algorithm we do not know. */
static int tw_settings(const char *s, bool *sha256)
{
	const char *alg = NULL;
	size_t n = 0;

	for (const char *p = s; p && *p;) {
		size_t len;

		while (*p == ' ' || *p == ',')
			p++;
		len = strcspn(p, ",");
		if (len > 10 && strncmp(p, "algorithm=", 10) == 0) {
			alg = p + 10;
			n = len - 10;
			while (n && alg[n - 1] == ' ')
				n--;
		}
		p += len;
	}
	if (alg && n == 11 && strncmp(alg, "HMAC_SHA256", 11) == 0)
		*sha256 = true;
	else if (alg && n == 9 && strncmp(alg, "HMAC_SHA1", 9) == 0)
		*sha256 = false;
	else
		return WL_EAUTH;
	return WL_OK;
}

static int twilio_verify(const struct wl_channel_conf *ch,
			 const struct chan_request *req)
{
	const char *token = tw_auth_token(ch);
	const char *sig = req->header(req->ctx, "X-Twilio-Signature");
	const char *settings =
	    req->header(req->ctx, "X-Twilio-Webhooks-Signature-Settings");
	const char *sid = sms_conf(ch, "account_sid"), *got_sid;
	struct sms_params p = {0}, none = {0};
	const struct sms_params *signed_p = &p;
	char *url = NULL, *alt = NULL;
	bool sha256 = false;
	int rc = WL_EAUTH;

	/* A Webhooks Rule signs with its Setting's shared key and algorithm
	 * and says so in this header; without it, the Auth Token and SHA-1. */
	if (settings) {
		token = sms_conf(ch, "shared_key");
		if (tw_settings(settings, &sha256) != WL_OK)
			return WL_EAUTH;
	}
	if (!token || !sig || !req->full_url)
		return WL_EAUTH;
	if (tw_params(req, &p) != WL_OK)
		goto out;
	if (req->method && strcmp(req->method, "GET") == 0)
		signed_p = &none;
	url = tw_url(ch, req);
	if (!url || strlen(url) > TW_URL_MAX)
		goto out;
	if (!tw_url_signed(token, url, signed_p, sha256, sig)) {
		alt = tw_url_port_variant(url);
		if (!tw_url_signed(token, alt, signed_p, sha256, sig))
			goto out;
	}
	got_sid = sms_params_str(&p, "AccountSid", TW_SID_MAX);
	rc = (sid && got_sid && strcmp(sid, got_sid) != 0) ? WL_EFORBIDDEN
							   : WL_OK;
out:
	free(url);
	free(alt);
	sms_params_release(&p);
	return rc;
}

/* The kind of the first media item, from its MIME type. */
static const char *tw_media_kind(const char *type)
{
	if (!type)
		return "file";
	if (strncmp(type, "image/", 6) == 0)
		return "image";
	if (strncmp(type, "audio/", 6) == 0)
		return "voice";
	if (strncmp(type, "video/", 6) == 0)
		return "video";
	return "file";
}

static int twilio_parse(const struct wl_channel_conf *ch,
			const struct chan_request *req,
			struct chan_inbound *out)
{
	struct sms_params p;
	const struct sms_param *body;
	const char *id, *from, *status, *num, *kind = "text", *media = NULL;
	char *text = NULL;
	long n_media = 0;
	int rc;

	rc = tw_params(req, &p);
	if (rc != WL_OK)
		return rc == WL_ENOMEM ? rc : WL_EBADREQ;
	rc = WL_EBADREQ;
	id = sms_params_str(&p, "MessageSid", TW_SID_MAX);
	if (!id)
		id = sms_params_str(&p, "SmsSid", TW_SID_MAX);
	from = sms_params_str(&p, "From", TW_ADDR_MAX);
	if (!id || !*id || !from || !*from)
		goto out;
	/* A delivery status callback pointed at the same URL carries no
	 * message from a person. */
	status = sms_params_str(&p, "MessageStatus", 32);
	if (status && strcmp(status, "received") != 0) {
		rc = WL_OK;
		goto out;
	}
	num = sms_params_str(&p, "NumMedia", 4);
	if (num) {
		char *end;

		n_media = strtol(num, &end, 10);
		if (*end || end == num || n_media < 0 || n_media > 10)
			goto out;
	}
	if (n_media > 0) {
		kind =
		    tw_media_kind(sms_params_str(&p, "MediaContentType0", 128));
		media = sms_params_str(&p, "MediaUrl0", TW_URL_MAX);
	}
	body = sms_params_get(&p, "Body");
	if (body && body->value_len > TW_BODY_MAX)
		goto out;
	if (body && (body->value_len || !media)) {
		text = sms_utf8_clean(body->value, body->value_len);
		if (!text) {
			rc = WL_ENOMEM;
			goto out;
		}
	}
	rc = chan_inbound_add(out, id, from, text, NULL, kind);
	if (rc == WL_OK && media) {
		out->msgs[out->n - 1].attachment = strdup(media);
		if (!out->msgs[out->n - 1].attachment)
			rc = WL_ENOMEM;
	}
out:
	if (rc == WL_OK && !out->reply_body) {
		out->reply_body = strdup(tw_empty_twiml);
		out->reply_type = "text/xml";
		if (!out->reply_body)
			rc = WL_ENOMEM;
	}
	free(text);
	sms_params_release(&p);
	return rc;
}

static bool tw_is_sid(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n > 0 && n <= TW_SID_MAX &&
	       strspn(s, "0123456789abcdefghijklmnopqrstuvwxyz"
			 "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == n;
}

static int twilio_format(const struct wl_channel_conf *ch, const char *token,
			 const char *msg_id, const char *to, const char *text,
			 struct chan_http *out)
{
	const char *base = ch->api_base ? ch->api_base : TW_API_BASE;
	const char *sid = sms_conf(ch, "account_sid");
	const char *auth = tw_auth_token(ch);
	const char *from = sms_conf(ch, "from");
	const char *svc = sms_conf(ch, "messaging_service_sid");
	struct buf url = BUF_INIT, body = BUF_INIT, cred = BUF_INIT;
	char *basic = NULL;
	int rc = WL_EBADREQ;

	if (!tw_is_sid(sid) || !auth || (!from && !tw_is_sid(svc)) || !to ||
	    !*to || !text)
		return WL_EBADREQ;
	buf_addf(&url, "%s/2010-04-01/Accounts/%s/Messages.json", base, sid);
	buf_adds(&body, "To=");
	sms_urlencode(&body, to, strlen(to));
	if (from) {
		buf_adds(&body, "&From=");
		sms_urlencode(&body, from, strlen(from));
	} else {
		buf_adds(&body, "&MessagingServiceSid=");
		sms_urlencode(&body, svc, strlen(svc));
	}
	buf_adds(&body, "&Body=");
	sms_urlencode(&body, text, strlen(text));
	buf_addf(&cred, "%s:%s", sid, auth);
	rc = WL_ENOMEM;
	if (cred.oom)
		goto out;
	basic = sms_base64(cred.s, cred.len);
	out->url = buf_detach(&url, NULL);
	out->body = buf_detach(&body, &out->body_len);
	if (!basic || !out->url || !out->body)
		goto out;
	rc = chan_http_header(out, "Authorization: Basic %s", basic);
	if (rc == WL_OK)
		rc = chan_http_header(out, "Content-Type: "
					   "application/x-www-form-urlencoded");
out:
	buf_release(&url);
	buf_release(&body);
	buf_release(&cred);
	free(basic);
	return rc;
}

/* 2xx sent; 429 and 5xx retry; 400 (21211 invalid To, 21610 the person
 * replied STOP...), 401 and 404 are final. Twilio's "Too Many Requests"
 * (20429) is retried whatever the status says. */
static enum chan_result twilio_classify(long status, const char *body,
					size_t len)
{
	enum chan_result res = chan_classify_http(status);
	json_error_t jerr;
	json_t *root;

	if (res != CHAN_FATAL)
		return res;
	root = json_loadb(body, len, 0, &jerr);
	if (json_integer_value(json_object_get(root, "code")) == 20429)
		res = CHAN_RETRY;
	json_decref(root);
	return res;
}

const struct chan_adapter chan_twilio = {
    .type = "twilio",
    .verify = twilio_verify,
    .parse = twilio_parse,
    .format = twilio_format,
    .classify = twilio_classify,
    .max_units = TW_MAX_UNITS,
    .unit = text_unit_ucs2,
};
