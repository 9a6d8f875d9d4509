/*
 * generic.c — the generic channel of DESIGN §5: signed JSON in, signed JSON
 * out. 12345 work-order systems, web front ends, `warmline chat` and the
 * tests all speak it.
 *
 * Inbound:  {"id", "from", "text", "name"?} with
 *           X-Warmline-Signature: sha256=<hex HMAC-SHA256(body, secret)>
 * Outbound: POST callback_url {"id", "to", "text"}, signed the same way.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "channel.h"
#include "wl.h"

#define GENERIC_ID_MAX	 128
#define GENERIC_TEXT_MAX 8192

static int generic_verify(const struct wl_channel_conf *ch,
			  const struct chan_request *req)
{
	const char *sig = req->header(req->ctx, "X-Warmline-Signature");
	char want[7 + 65] = "sha256=";

	if (!sig || !ch->secret)
		return WL_EAUTH;
	chan_hmac_sha256_hex(ch->secret, strlen(ch->secret), req->body,
			     req->body_len, want + 7);
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
