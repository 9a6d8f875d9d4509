/*
 * generic.c — the generic channel of DESIGN §5: signed JSON in, signed JSON
 * out. 12345 work-order systems, web front ends, `warmline chat` and the
 * tests all speak it.
 *
 * Inbound:  {"id", "from", "text", "name"?} with
 *           X-Warmline-Signature: sha256=<hex HMAC-SHA256(body, secret)>
 *           Optionally X-Warmline-Timestamp: <unix seconds>; then the
 *           signature is over "<timestamp>.<body>" and the request is
 *           accepted only within GENERIC_WINDOW_S of now, so a captured
 *           request cannot be replayed once its id's dedupe mark expired.
 *           "require_timestamp": true refuses requests without it.
 * Outbound: POST callback_url {"id", "to", "text"}, signed the same way.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "channel.h"
#include "wl.h"

#define GENERIC_ID_MAX	 128
#define GENERIC_TEXT_MAX 8192
#define GENERIC_WINDOW_S 300

/* A timestamp of 1..12 digits within the window, in *ts. */
static int generic_time(const char *s, int64_t now_ms, long long *ts)
{
	long long v = 0;
	size_t n = 0;

	for (; s[n]; n++) {
		if (s[n] < '0' || s[n] > '9' || n >= 12)
			return WL_EAUTH;
		v = v * 10 + (s[n] - '0');
	}
	if (n == 0 || v < now_ms / 1000 - GENERIC_WINDOW_S ||
	    v > now_ms / 1000 + GENERIC_WINDOW_S)
		return WL_EAUTH;
	*ts = v;
	return WL_OK;
}

static int generic_verify(const struct wl_channel_conf *ch,
			  const struct chan_request *req)
{
	const char *sig = req->header(req->ctx, "X-Warmline-Signature");
	const char *ts = req->header(req->ctx, "X-Warmline-Timestamp");
	char want[7 + 65] = "sha256=";
	char *signed_data = NULL;
	long long t;
	size_t n;

	if (!sig || !ch->secret)
		return WL_EAUTH;
	if (!ts) {
		if (json_is_true(json_object_get(ch->raw, "require_timestamp")))
			return WL_EAUTH;
		chan_hmac_sha256_hex(ch->secret, strlen(ch->secret), req->body,
				     req->body_len, want + 7);
		return chan_secure_equal(sig, want) ? WL_OK : WL_EAUTH;
	}
	if (generic_time(ts, req->now_ms, &t) != WL_OK)
		return WL_EAUTH;
	n = strlen(ts);
	signed_data = malloc(n + 1 + req->body_len);
	if (!signed_data)
		return WL_ENOMEM;
	memcpy(signed_data, ts, n);
	signed_data[n] = '.';
	memcpy(signed_data + n + 1, req->body, req->body_len);
	chan_hmac_sha256_hex(ch->secret, strlen(ch->secret), signed_data,
			     n + 1 + req->body_len, want + 7);
	free(signed_data);
	return chan_secure_equal(sig, want) ? WL_OK : WL_EAUTH;
}

/* A required string of 1..max bytes, or NULL. */
static const char *generic_str(json_t *o, const char *key, size_t max)
{
	json_t *v = json_object_get(o, key);
	size_t len;

	if (!json_is_string(v))
		return NULL;
	len = json_string_length(v);
	if (len == 0 || len > max || memchr(json_string_value(v), 0, len))
		return NULL;
	return json_string_value(v);
}

static int generic_parse(const struct wl_channel_conf *ch,
			 const struct chan_request *req,
			 struct chan_inbound *out)
{
	json_error_t jerr;
	json_t *root;
	const char *id, *from, *text, *name = NULL;
	int rc = WL_EBADREQ;

	root =
	    json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(root))
		goto out;
	id = generic_str(root, "id", GENERIC_ID_MAX);
	from = generic_str(root, "from", GENERIC_ID_MAX);
	text = generic_str(root, "text", GENERIC_TEXT_MAX);
	if (json_object_get(root, "name") &&
	    !json_is_null(json_object_get(root, "name"))) {
		name = generic_str(root, "name", GENERIC_ID_MAX);
		if (!name)
			goto out;
	}
	if (!id || !from || !text)
		goto out;
	rc = chan_inbound_add(out, id, from, text, name, "text");
out:
	json_decref(root);
	return rc;
}

static int generic_format(const struct wl_channel_conf *ch, const char *token,
			  const char *msg_id, const char *to, const char *text,
			  struct chan_http *out)
{
	char sig[65];
	int rc;

	if (!ch->callback_url || !ch->secret)
		return WL_EBADREQ;
	out->url = strdup(ch->callback_url);
	if (!out->url)
		return WL_ENOMEM;
	rc = chan_http_json(
	    out,
	    json_pack("{s:s, s:s, s:s}", "id", msg_id, "to", to, "text", text),
	    NULL);
	if (rc != WL_OK)
		return rc;
	chan_hmac_sha256_hex(ch->secret, strlen(ch->secret), out->body,
			     out->body_len, sig);
	return chan_http_header(out, "X-Warmline-Signature: sha256=%s", sig);
}

const struct chan_adapter chan_generic = {
    .type = "generic",
    .verify = generic_verify,
    .parse = generic_parse,
    .format = generic_format,
    .classify = NULL,
    .max_units = 0,
    .unit = NULL,
};
