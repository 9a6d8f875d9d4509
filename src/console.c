/*
 * console.c — the web console's pages and sign-in (see console.h).
 *
 *   GET /console/                 the single page (web/index.html)
 *   GET /console/{file}           its script, styles (embedded from web/)
 *   GET /console/login?s=&exp=&sig=
 *                                 a sign-in link from chat: sets the
 *                                 session cookie and goes to the board
 *   GET /console/logout           clears the cookie
 *
 * The signed strings are "<purpose>|<staff id>|<expiry ms>"; the cookie
 * is "<expiry ms>.<signature>.<staff id>".
 */
#include "console.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "channel.h"
#include "clock.h"
#include "log.h"
#include "wl.h"

#define CN_KEY_INFO "warmline console v1"
#define CN_ID_MAX   64

static const char cn_id_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
				  "opqrstuvwxyz0123456789_-";

static const struct {
	const char *ext;
	const char *type;
} cn_types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json; charset=utf-8"},
    {".svg", "image/svg+xml"},
};

const struct console_asset *console_asset_find(const char *name)
{
	for (size_t i = 0; i < console_n_assets; i++)
		if (strcmp(console_assets[i].name, name) == 0)
			return &console_assets[i];
	return NULL;
}

static bool cn_id_ok(const char *id)
{
	size_t n = id ? strlen(id) : 0;

	return n > 0 && n <= CN_ID_MAX && strspn(id, cn_id_chars) == n;
}

/* hex HMAC-SHA256(HMAC-SHA256(admin token, info), "purpose|id|exp"). */
static bool cn_sign(const struct wl_config *cfg, const char *purpose,
		    const char *id, long long exp, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char key[EVP_MAX_MD_SIZE], mac[EVP_MAX_MD_SIZE];
	unsigned int key_len = 0, mac_len = 0;
	char canon[160];
	int n;

	out[0] = '\0';
	if (!cfg->admin_token || !*cfg->admin_token || !cn_id_ok(id))
		return false;
	n = snprintf(canon, sizeof(canon), "%s|%s|%lld", purpose, id, exp);
	if (n < 0 || (size_t)n >= sizeof(canon))
		return false;
	if (!HMAC(EVP_sha256(), cfg->admin_token, (int)strlen(cfg->admin_token),
		  (const unsigned char *)CN_KEY_INFO, strlen(CN_KEY_INFO), key,
		  &key_len) ||
	    key_len != 32)
		return false;
	if (!HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)canon,
		  (size_t)n, mac, &mac_len) ||
	    mac_len != 32)
		return false;
	for (unsigned int i = 0; i < mac_len; i++) {
		out[2 * i] = hex[mac[i] >> 4];
		out[2 * i + 1] = hex[mac[i] & 15];
	}
	out[2 * mac_len] = '\0';
	return true;
}

static const struct wl_staff *cn_staff(const struct wl_config *cfg,
				       const char *id)
{
	for (size_t i = 0; id && i < cfg->n_staff; i++)
		if (strcmp(cfg->staff[i].id, id) == 0)
			return &cfg->staff[i];
	return NULL;
}

static bool cn_exp_parse(const char *s, long long *out)
{
	char *end;

	if (!s || !*s || strlen(s) > 15 || strspn(s, "0123456789") != strlen(s))
		return false;
	*out = strtoll(s, &end, 10);
	return *end == '\0';
}

/* The base URL: public_url, else the listen address. */
static void cn_base(const struct wl_config *cfg, char *buf, size_t size)
{
	const char *host = cfg->listen_host ? cfg->listen_host : "127.0.0.1";
	bool v6 = strchr(host, ':') != NULL;

	if (cfg->public_url)
		snprintf(buf, size, "%s", cfg->public_url);
	else
		snprintf(buf, size, "http://%s%s%s:%d", v6 ? "[" : "", host,
			 v6 ? "]" : "", cfg->listen_port);
}

int console_login_link(const struct wl_config *cfg, const struct wl_staff *st,
		       int64_t now_ms, char *out, size_t size)
{
	long long exp = (long long)(now_ms + CONSOLE_LINK_TTL_MS);
	char sig[65], base[256];
	int n;

	if (size)
		out[0] = '\0';
	if (!st || !cn_sign(cfg, "login", st->id, exp, sig))
		return WL_EBADREQ;
	cn_base(cfg, base, sizeof(base));
	n = snprintf(out, size, "%s/console/login?s=%s&exp=%lld&sig=%s", base,
		     st->id, exp, sig);
	return n >= 0 && (size_t)n < size ? WL_OK : WL_ETOOBIG;
}

/* The session cookie's value ("<exp>.<sig>.<id>") from a Cookie header
 * into out; false when there is none or it does not fit. */
static bool cn_cookie_value(const char *c, char *out, size_t size)
{
	size_t klen = strlen(CONSOLE_COOKIE);

	while (c && *c) {
		const char *end;
		size_t n;

		c += strspn(c, " ;");
		end = strchr(c, ';');
		n = end ? (size_t)(end - c) : strlen(c);
		if (n > klen + 1 && strncmp(c, CONSOLE_COOKIE, klen) == 0 &&
		    c[klen] == '=') {
			n -= klen + 1;
			if (n >= size)
				return false;
			memcpy(out, c + klen + 1, n);
			out[n] = '\0';
			return true;
		}
		c = end;
	}
	return false;
}

const struct wl_staff *console_session(const struct http_ctx *h)
{
	return console_session_from(h->cfg, http_ctx_header(h, "Cookie"),
				    clock_now_ms());
}

const struct wl_staff *console_session_from(const struct wl_config *cfg,
					    const char *cookie, int64_t now_ms)
{
	char v[200], want[65];
	char *dot1, *dot2;
	long long exp;

	if (!cn_cookie_value(cookie, v, sizeof(v)))
		return NULL;
	dot1 = strchr(v, '.');
	dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	if (!dot2)
		return NULL;
	*dot1 = '\0';
	*dot2 = '\0';
	if (!cn_exp_parse(v, &exp) || exp <= now_ms ||
	    !cn_sign(cfg, "session", dot2 + 1, exp, want) ||
	    !chan_secure_equal(dot1 + 1, want))
		return NULL;
	return cn_staff(cfg, dot2 + 1);
}

bool console_csrf(const struct http_ctx *h, char out[65])
{
	char v[200];
	const struct wl_staff *st = console_session(h);
	char *dot;
	long long exp;

	out[0] = '\0';
	if (!st || !cn_cookie_value(http_ctx_header(h, "Cookie"), v, sizeof(v)))
		return false;
	dot = strchr(v, '.');
	if (!dot)
		return false;
	*dot = '\0';
	/* Bound to this session: a new sign-in gets a new token. */
	return cn_exp_parse(v, &exp) &&
	       cn_sign(h->cfg, "csrf", st->id, exp, out);
}

bool console_csrf_ok(const struct http_ctx *h)
{
	const char *got = http_ctx_header(h, "X-CSRF-Token");
	char want[65];

	return got && console_csrf(h, want) && chan_secure_equal(got, want);
}

static bool cn_secure(const struct http_ctx *h)
{
	const char *proto = http_ctx_header(h, "X-Forwarded-Proto");

	return (h->cfg->public_url &&
		strncmp(h->cfg->public_url, "https://", 8) == 0) ||
	       (proto && strcmp(proto, "https") == 0);
}

static void cn_page_headers(struct http_ctx *h)
{
	http_ctx_add_header(h, "Content-Security-Policy",
			    "default-src 'self'; img-src 'self' data:; "
			    "frame-ancestors 'none'; base-uri 'none'; "
			    "form-action 'self'");
	http_ctx_add_header(h, "X-Content-Type-Options", "nosniff");
	http_ctx_add_header(h, "X-Frame-Options", "DENY");
	/* The sign-in link carries its signature in the query. */
	http_ctx_add_header(h, "Referrer-Policy", "no-referrer");
}

static void cn_html(struct http_ctx *h, int status, const char *title,
		    const char *body, bool go_on)
{
	h->status = status;
	h->type = "text/html; charset=utf-8";
	buf_reset(&h->out);
	buf_addf(&h->out,
		 "<!doctype html><html lang=\"zh-CN\"><head>"
		 "<meta charset=\"utf-8\">"
		 "<meta name=\"viewport\" content=\"width=device-width\">%s"
		 "<title>%s</title><link rel=\"stylesheet\" "
		 "href=\"/console/app.css\"></head><body><main "
		 "class=\"notice\"><h1>%s</h1><p>%s</p>%s</main></body></html>",
		 go_on ? "<meta http-equiv=\"refresh\" "
			 "content=\"0;url=/console/\">"
		       : "",
		 title, title, body,
		 go_on ? "<p><a href=\"/console/\">进入工作台 (open the "
			 "console)</a></p>"
		       : "");
	cn_page_headers(h);
}

static int cn_login(struct http_ctx *h)
{
	const char *id = http_ctx_arg(h, "s");
	const char *sig = http_ctx_arg(h, "sig");
	const struct wl_staff *st = cn_staff(h->cfg, id);
	long long exp, sess;
	char want[65], cookie[400], ssig[65];
	int64_t now = clock_now_ms();

	if (!st || !sig || !cn_exp_parse(http_ctx_arg(h, "exp"), &exp) ||
	    !cn_sign(h->cfg, "login", st->id, exp, want) ||
	    !chan_secure_equal(sig, want)) {
		cn_html(
		    h, 403, "登录链接无效",
		    "请在聊天中重新发送“登录”获取新链接。(This sign-in link "
		    "is not valid.)",
		    false);
		return WL_OK;
	}
	if (exp <= now) {
		cn_html(h, 403, "登录链接已过期",
			"链接几分钟内有效，请在聊天中重新发送“登录”。(This "
			"sign-in link has expired.)",
			false);
		return WL_OK;
	}
	sess = (long long)(now + CONSOLE_SESSION_TTL_MS);
	if (!cn_sign(h->cfg, "session", st->id, sess, ssig)) {
		http_json_error(h, 500, "internal", "cannot sign");
		return WL_OK;
	}
	snprintf(cookie, sizeof(cookie),
		 "%s=%lld.%s.%s; Path=/; Max-Age=%lld; HttpOnly; "
		 "SameSite=Strict%s",
		 CONSOLE_COOKIE, sess, ssig, st->id,
		 (long long)(CONSOLE_SESSION_TTL_MS / 1000),
		 cn_secure(h) ? "; Secure" : "");
	http_ctx_add_header(h, "Set-Cookie", cookie);
	log_info("console", "signed in staff=%s", st->id);
	/* A page, not a redirect: a SameSite=Strict cookie set during a
	 * navigation that came from another site (the chat app) would not
	 * be sent on the redirect that follows it. */
	cn_html(h, 200, "登录成功", "正在进入工作台… (Signed in.)", true);
	return WL_OK;
}

int console_handle(struct http_ctx *h)
{
	const char *name = h->path + strlen("/console");
	const struct console_asset *a;
	const char *dot;
	char cookie[160];

	if (*name == '\0') {
		h->status = 302;
		http_ctx_add_header(h, "Location", "/console/");
		return WL_OK;
	}
	name++;
	if (strcmp(name, "login") == 0)
		return cn_login(h);
	if (strcmp(name, "logout") == 0) {
		snprintf(cookie, sizeof(cookie),
			 "%s=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict%s",
			 CONSOLE_COOKIE, cn_secure(h) ? "; Secure" : "");
		http_ctx_add_header(h, "Set-Cookie", cookie);
		cn_html(h, 200, "已退出", "已退出工作台。(Signed out.)", false);
		return WL_OK;
	}
	if (*name == '\0')
		name = "index.html";
	a = strchr(name, '/') ? NULL : console_asset_find(name);
	if (!a || strcmp(name, "openapi.json") == 0) {
		http_json_error(h, 404, "not_found",
				"页面不存在 (no such page)");
		return WL_OK;
	}
	dot = strrchr(name, '.');
	h->type = "application/octet-stream";
	for (size_t i = 0; dot && i < WL_ARRAY_LEN(cn_types); i++)
		if (strcmp(dot, cn_types[i].ext) == 0)
			h->type = cn_types[i].type;
	buf_add(&h->out, a->data, a->len);
	cn_page_headers(h);
	return WL_OK;
}
