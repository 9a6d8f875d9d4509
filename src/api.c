/*
 * api.c — the admin API (DESIGN §5): one table of endpoints, each behind
 * the admin token. POST /api/v1/debug/clock exists only in a daemon
 * started with --fake-clock.
 */
#include "api.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "channel.h"
#include "clock.h"
#include "log.h"
#include "wl.h"

static int api_clock(struct http_ctx *h);

struct api_route {
	const char *method;
	const char *path;
	int (*fn)(struct http_ctx *h);
	bool fake_clock_only;
};

static const struct api_route api_routes[] = {
	{"POST", "/api/v1/debug/clock", api_clock, true},
};

static bool api_authorized(const struct http_ctx *h)
{
	const char *auth = http_ctx_header(h, "Authorization");

	if (!h->cfg->admin_token || !auth || strncmp(auth, "Bearer ", 7) != 0)
		return false;
	return chan_secure_equal(auth + 7, h->cfg->admin_token);
}

static json_t *api_body_json(const struct http_ctx *h)
{
	json_error_t err;
	json_t *o = json_loadb(h->body, h->body_len, JSON_REJECT_DUPLICATES,
			       &err);

	if (!json_is_object(o)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int api_clock(struct http_ctx *h)
{
	json_t *o = api_body_json(h);
	json_t *adv = o ? json_object_get(o, "advance_s") : NULL;
	json_int_t s;
	int64_t now;

	if (!json_is_integer(adv) || (s = json_integer_value(adv)) < 0 ||
	    s > 10LL * 365 * 86400) {
		http_json_error(h, 400, "bad_request",
				"advance_s must be an integer of seconds");
		json_decref(o);
		return WL_OK;
	}
	now = clock_advance((int64_t)s * 1000);
	log_info("api", "fake clock advanced seconds=%lld now_ms=%lld",
		 (long long)s, (long long)now);
	h->type = "application/json";
	buf_addf(&h->out, "{\"now_ms\":%lld}", (long long)now);
	json_decref(o);
	return WL_OK;
}

int api_handle(struct http_ctx *h)
{
	bool path_known = false;

	for (size_t i = 0; i < WL_ARRAY_LEN(api_routes); i++) {
		const struct api_route *r = &api_routes[i];

		if (strcmp(h->path, r->path) != 0)
			continue;
		if (r->fake_clock_only && !clock_is_fake())
			continue;
		path_known = true;
		if (strcmp(h->method, r->method) != 0)
			continue;
		if (!api_authorized(h)) {
			http_json_error(h, 401, "unauthorized",
					"a valid admin token is required");
			return WL_OK;
		}
		return r->fn(h);
	}
	if (path_known)
		http_json_error(h, 405, "method_not_allowed",
				"method not allowed");
	else
		http_json_error(h, 404, "not_found", "no such endpoint");
	return WL_OK;
}
