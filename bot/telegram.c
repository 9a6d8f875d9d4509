/*
 * telegram.c — the Telegram Bot API gateway.
 *
 * Inbound: Telegram POSTs an Update (JSON) to the webhook set with
 * setWebhook; with a secret_token it adds the header
 * X-Telegram-Bot-Api-Secret-Token, which must equal the channel secret.
 * update_id is the dedupe id. Updates without a message (callback queries,
 * membership changes...) are acknowledged and produce nothing.
 *
 * Who a message is from: the chat id, not the sender's user id. In a
 * private chat they are the same; in a group the group is the contact, so
 * replies reach the group where the question was asked. The person's name
 * (first name, last name or @username) is kept as the display name.
 *
 * Outbound: POST {api_base}/bot{token}/sendMessage with JSON
 * {"chat_id", "text"}. Telegram limits text to 4096 characters counted in
 * UTF-16 code units, so longer replies are split by the outbox.
 *
 * Options: secret (the webhook secret_token), token (the bot token),
 * api_base, and raw bot_username (so "/claim@name_bot 12" in a group reads
 * as "/claim 12").
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "buf.h"
#include "channel.h"
#include "sms.h"
#include "wl.h"

#define TG_API_BASE  "https://api.telegram.org"
#define TG_TEXT_MAX  16384 /* 4096 UTF-16 units are at most 16 KiB */
#define TG_NAME_MAX  256
#define TG_REF_MAX   512
#define TG_MAX_UNITS 4096

static int telegram_verify(const struct wl_channel_conf *ch,
			   const struct chan_request *req)
{
	const char *got;

	if (!ch->secret || !*ch->secret)
		return WL_EAUTH;
	got = req->header(req->ctx, "X-Telegram-Bot-Api-Secret-Token");
	return chan_secure_equal(got, ch->secret) ? WL_OK : WL_EAUTH;
}

/* A string member of at most max bytes without NULs, or NULL. */
static const char *tg_str(json_t *o, const char *key, size_t max)
{
	json_t *v = json_object_get(o, key);
	size_t len;

	if (!json_is_string(v))
		return NULL;
	len = json_string_length(v);
	if (len > max || memchr(json_string_value(v), 0, len))
		return NULL;
	return json_string_value(v);
}

/* "First Last", "First", or "@username"; NULL when none. */
static char *tg_name(json_t *from)
{
	const char *first = tg_str(from, "first_name", TG_NAME_MAX);
	const char *last = tg_str(from, "last_name", TG_NAME_MAX);
	const char *user = tg_str(from, "username", TG_NAME_MAX);
	struct buf b = BUF_INIT;

	if (first && *first) {
		buf_adds(&b, first);
		if (last && *last) {
			buf_adds(&b, " ");
			buf_adds(&b, last);
		}
	} else if (last && *last) {
		buf_adds(&b, last);
	} else if (user && *user) {
		buf_addf(&b, "@%s", user);
	} else {
		return NULL;
	}
	return buf_detach(&b, NULL);
}

/* In a group a command may be addressed "/cmd@bot_username args". */
static char *tg_strip_mention(const char *text, const char *bot)
{
	const char *end, *at;
	size_t blen;
	struct buf b = BUF_INIT;

	if (!text || text[0] != '/' || !bot || !*bot)
		return text ? strdup(text) : NULL;
	if (bot[0] == '@')
		bot++;
	blen = strlen(bot);
	end = text + strcspn(text, " \n\t");
	at = memchr(text, '@', (size_t)(end - text));
	if (!at || (size_t)(end - at - 1) != blen ||
	    strncasecmp(at + 1, bot, blen) != 0)
		return strdup(text);
	buf_add(&b, text, (size_t)(at - text));
	buf_adds(&b, end);
	return buf_detach(&b, NULL);
}

/* The largest size of a photo: the PhotoSize with the most pixels. */
static const char *tg_largest_photo(json_t *photos)
{
	const char *best = NULL;
	json_int_t best_px = -1;
	size_t i;
	json_t *p;

	json_array_foreach(photos, i, p)
	{
		const char *id = tg_str(p, "file_id", TG_REF_MAX);
		json_int_t w = json_integer_value(json_object_get(p, "width"));
		json_int_t h = json_integer_value(json_object_get(p, "height"));
		json_int_t px;

		if (!id || !*id)
			continue;
		px = (w > 0 && h > 0 && w < 100000 && h < 100000) ? w * h : 0;
		if (px >= best_px) {
			best_px = px;
			best = id;
		}
	}
	return best;
}

/* A media member's file_id, or NULL. */
static const char *tg_file_id(json_t *msg, const char *key)
{
	json_t *m = json_object_get(msg, key);

	return json_is_object(m) ? tg_str(m, "file_id", TG_REF_MAX) : NULL;
}

struct tg_kind {
	const char *key;  /* member of Message */
	const char *kind; /* chan_msg kind */
};

static const struct tg_kind tg_kinds[] = {
    {"voice", "voice"},	     {"audio", "audio"},     {"video", "video"},
    {"video_note", "video"}, {"animation", "video"}, {"sticker", "sticker"},
    {"document", "file"},
};

static int telegram_parse(const struct wl_channel_conf *ch,
			  const struct chan_request *req,
			  struct chan_inbound *out)
{
	json_error_t jerr;
	json_t *root, *msg, *chat, *from, *chat_id, *v;
	json_int_t update_id;
	const char *text = NULL, *kind = "text", *ref = NULL;
	char id[32], from_id[32], where[64];
	char *name = NULL, *clean = NULL, *ref_buf = NULL;
	int rc = WL_EBADREQ;

	root =
	    json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(root))
		goto out;
	v = json_object_get(root, "update_id");
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		goto out;
	update_id = json_integer_value(v);
	msg = json_object_get(root, "message");
	if (!msg)
		msg = json_object_get(root, "edited_message");
	if (!msg) {
		/* Nothing a resident wrote; acknowledge so Telegram stops. */
		rc = WL_OK;
		goto out;
	}
	if (!json_is_object(msg))
		goto out;
	chat = json_object_get(msg, "chat");
	chat_id = json_object_get(chat, "id");
	if (!json_is_object(chat) || !json_is_integer(chat_id))
		goto out;
	snprintf(id, sizeof(id), "%" JSON_INTEGER_FORMAT, update_id);
	snprintf(from_id, sizeof(from_id), "%" JSON_INTEGER_FORMAT,
		 json_integer_value(chat_id));
	from = json_object_get(msg, "from");
	if (json_is_object(from))
		name = tg_name(from);

	if (json_object_get(msg, "text")) {
		text = tg_str(msg, "text", TG_TEXT_MAX);
		if (!text)
			goto out;
	} else if (json_is_array(json_object_get(msg, "photo"))) {
		kind = "image";
		ref = tg_largest_photo(json_object_get(msg, "photo"));
		text = tg_str(msg, "caption", TG_TEXT_MAX);
	} else if (json_is_object(json_object_get(msg, "location"))) {
		json_t *loc = json_object_get(msg, "location");
		json_t *lat = json_object_get(loc, "latitude");
		json_t *lon = json_object_get(loc, "longitude");

		kind = "location";
		if (json_is_number(lat) && json_is_number(lon)) {
			snprintf(where, sizeof(where), "%.6f,%.6f",
				 json_number_value(lat),
				 json_number_value(lon));
			ref = where;
		}
	} else if (json_is_object(json_object_get(msg, "contact"))) {
		kind = "contact";
		ref =
		    tg_str(json_object_get(msg, "contact"), "phone_number", 64);
	} else {
		kind = "event";
		for (size_t i = 0; i < WL_ARRAY_LEN(tg_kinds); i++) {
			if (json_is_object(
				json_object_get(msg, tg_kinds[i].key))) {
				kind = tg_kinds[i].kind;
				ref = tg_file_id(msg, tg_kinds[i].key);
				text = tg_str(msg, "caption", TG_TEXT_MAX);
				break;
			}
		}
	}
	if (text) {
		clean = tg_strip_mention(text, sms_conf(ch, "bot_username"));
		if (!clean) {
			rc = WL_ENOMEM;
			goto out;
		}
	}
	rc = chan_inbound_add(out, id, from_id, clean, name, kind);
	if (rc == WL_OK && ref) {
		ref_buf = strdup(ref);
		if (!ref_buf)
			rc = WL_ENOMEM;
		out->msgs[out->n - 1].attachment = ref_buf;
	}
out:
	free(name);
	free(clean);
	json_decref(root);
	return rc;
}

static int telegram_format(const struct wl_channel_conf *ch, const char *token,
			   const char *msg_id, const char *to, const char *text,
			   struct chan_http *out)
{
	const char *base = ch->api_base ? ch->api_base : TG_API_BASE;
	struct buf url = BUF_INIT;
	json_t *o = NULL, *chat;
	char *end = NULL;
	long long num;
	int rc = WL_EBADREQ;

	if (!ch->token || !*ch->token || !to || !*to || !text)
		return WL_EBADREQ;
	/* Bot tokens are "123456:ABC-def_..."; anything else would change
	 * the URL's meaning. */
	if (strspn(ch->token,
		   "0123456789abcdefghijklmnopqrstuvwxyz"
		   "ABCDEFGHIJKLMNOPQRSTUVWXYZ:_-") != strlen(ch->token))
		return WL_EBADREQ;
	/* Numeric chat ids go as numbers, "@channel" names as strings, as
	 * sendMessage documents chat_id: Integer or String. */
	errno = 0;
	num = strtoll(to, &end, 10);
	chat = (*end == '\0' && end != to && errno == 0) ? json_integer(num)
							 : json_string(to);
	o = json_pack("{s:o, s:s}", "chat_id", chat, "text", text);
	if (!o)
		goto out;
	rc = WL_ENOMEM;
	out->body = json_dumps(o, JSON_COMPACT);
	buf_addf(&url, "%s/bot%s/sendMessage", base, ch->token);
	out->url = buf_detach(&url, NULL);
	if (!out->body || !out->url)
		goto out;
	out->body_len = strlen(out->body);
	rc = chan_http_header(out, "Content-Type: application/json");
out:
	json_decref(o);
	return rc;
}

/* {"ok":true,...} on success; {"ok":false,"error_code":429,
 * "parameters":{"retry_after":N}} when flooding; 400 (chat not found),
 * 403 (bot blocked by the user) and 401 (bad token) will never succeed. */
static enum chan_result telegram_classify(long status, const char *body,
					  size_t len)
{
	json_error_t jerr;
	json_t *root;
	enum chan_result res = chan_classify_http(status);

	if (res != CHAN_SENT)
		return res;
	root = json_loadb(body, len, 0, &jerr);
	if (!json_is_true(json_object_get(root, "ok")))
		res = CHAN_FATAL;
	json_decref(root);
	return res;
}

const struct chan_adapter chan_telegram = {
    .type = "telegram",
    .verify = telegram_verify,
    .parse = telegram_parse,
    .format = telegram_format,
    .classify = telegram_classify,
    .max_units = TG_MAX_UNITS,
    .unit = text_unit_ucs2,
};
