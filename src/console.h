/*
 * console.h — the web console: its static files (web/, embedded at build
 * time), sign-in by a signed link sent in chat, the session cookie and
 * its CSRF token. The console's data and actions go through the admin
 * API (api.c), which accepts a session where it accepts a token.
 *
 * Sign-in: a staff member types 登录 (/login) in their chat; the command
 * answers with console_login_link(): a link valid for a few minutes.
 * Opening it sets the session cookie (HttpOnly, SameSite=Strict, Secure
 * behind https) for that staff member. Links, sessions and CSRF tokens
 * are HMAC-SHA256 signatures under a key derived from the admin token, so
 * any daemon of the deployment accepts what another made, and nothing is
 * stored in Redis.
 */
#ifndef WL_CONSOLE_H
#define WL_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "http.h"

/* How long a sign-in link and a session last. */
#define CONSOLE_LINK_TTL_MS    (10LL * 60 * 1000)
#define CONSOLE_SESSION_TTL_MS (12LL * 3600 * 1000)
#define CONSOLE_COOKIE	       "wl_session"

/* One embedded file of web/ (console_assets.c, generated). */
struct console_asset {
	const char *name;
	const unsigned char *data;
	size_t len;
};
extern const struct console_asset console_assets[];
extern const size_t console_n_assets;

/* An embedded file by name ("openapi.json"); NULL when there is none. */
const struct console_asset *console_asset_find(const char *name);

/* GET /console/...: the pages and the sign-in link. */
int console_handle(struct http_ctx *h);

/* The sign-in link for a staff member into out, now_ms from the clock.
 * WL_OK, or WL_EBADREQ when the console cannot sign anyone in (no admin
 * token configured, or a staff id that cannot go in a cookie). */
int console_login_link(const struct wl_config *cfg, const struct wl_staff *st,
		       int64_t now_ms, char *out, size_t size);

/* The staff member of the request's session cookie, or NULL (none,
 * forged, expired, or no longer configured). */
const struct wl_staff *console_session(const struct http_ctx *h);
/* The same from a Cookie header at now_ms (pure: no clock, no I/O). */
const struct wl_staff *console_session_from(const struct wl_config *cfg,
					    const char *cookie, int64_t now_ms);
/* The CSRF token of the request's session into out[65]; false without a
 * session. */
bool console_csrf(const struct http_ctx *h, char out[65]);
/* Does the request carry its session's CSRF token (X-CSRF-Token)? */
bool console_csrf_ok(const struct http_ctx *h);

#endif
