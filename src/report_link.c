/*
 * report_link.c — signed, expiring links to a report, so a staff member
 * who asks for the statistics in chat can open the table without holding
 * the admin token (see report.h, report_link). Pure apart from the HMAC:
 * the time comes in as an argument.
 *
 * Why a key derived from the admin token rather than the token itself:
 * the token is a bearer secret for the whole API, the derived key signs
 * links only, and rotating the token still revokes every link.
 */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "calendar.h"
#include "channel.h"
#include "wl.h"

#define RK_KEY_INFO "warmline report link v1"
#define RK_SIG_HEX  64
/* "weekly|2026-11-24|<64-byte id>|xlsx|<15 digits>" fits easily. */
#define RK_CANON_MAX 160
/* Milliseconds fit in 15 digits until the year 33658. */
#define RK_EXP_DIGITS 15
#define RK_AREA_MAX   64

/* hex HMAC-SHA256(HMAC-SHA256(admin token, info), canonical) into
 * out[65]. False when OpenSSL fails. */
static bool rk_sign(const char *token, const char *canon, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char key[EVP_MAX_MD_SIZE], mac[EVP_MAX_MD_SIZE];
	unsigned int key_len = 0, mac_len = 0;

	out[0] = '\0';
	if (!HMAC(EVP_sha256(), token, (int)strlen(token),
		  (const unsigned char *)RK_KEY_INFO, strlen(RK_KEY_INFO), key,
		  &key_len) ||
	    key_len != 32)
		return false;
	if (!HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)canon,
		  strlen(canon), mac, &mac_len) ||
	    mac_len != 32)
		return false;
	for (unsigned int i = 0; i < mac_len; i++) {
		out[2 * i] = hex[mac[i] >> 4];
		out[2 * i + 1] = hex[mac[i] & 15];
	}
	out[2 * mac_len] = '\0';
	return true;
}

/* "kind|week|area|format|exp"; false when it does not fit. */
static bool rk_canon(char *buf, size_t size, const char *kind, const char *week,
		     const char *area, const char *format, const char *exp)
{
	int n = snprintf(buf, size, "%s|%s|%s|%s|%s", kind, week, area, format,
			 exp);

	return n >= 0 && (size_t)n < size;
}

static void rk_date(int32_t day, char buf[11])
{
	int y, m, d;

	sla_civil_from_day(day, &y, &m, &d);
	/* Years are 4 digits (sla_date_parse's range); the mask keeps gcc's
	 * -Wformat-truncation sure of it. */
	snprintf(buf, 11, "%04d-%02d-%02d", (y % 10000 + 10000) % 10000,
		 (m % 100 + 100) % 100, (d % 100 + 100) % 100);
}

/* The base URL: public_url, else the listen address. */
static int rk_base(const struct wl_config *cfg, char *buf, size_t size)
{
	const char *host = cfg->listen_host ? cfg->listen_host : "127.0.0.1";
	bool v6 = strchr(host, ':') != NULL;

	if (cfg->public_url)
		return snprintf(buf, size, "%s", cfg->public_url);
	return snprintf(buf, size, "http://%s%s%s:%d", v6 ? "[" : "", host,
			v6 ? "]" : "", cfg->listen_port);
}

int report_link(const struct wl_config *cfg, enum report_kind kind,
		const char *week, const char *area, enum report_format fmt,
		int64_t now_ms, int64_t ttl_ms, char *out, size_t size)
{
	struct report_query q;
	char err[256], wk[11] = "", exp[24], canon[RK_CANON_MAX];
	char sig[RK_SIG_HEX + 1];
	const char *area_id = "";
	int n;

	if (size)
		out[0] = '\0';
	if (!cfg || !cfg->admin_token || !*cfg->admin_token ||
	    (unsigned)kind >= REPORT_KIND_COUNT ||
	    (unsigned)fmt > REPORT_JSON || ttl_ms < 1 ||
	    ttl_ms > REPORT_LINK_TTL_MAX_MS || now_ms < 0 ||
	    now_ms > SLA_TIME_MAX)
		return WL_EBADREQ;
	if (report_query_init(cfg, kind, NULL, NULL, week, area, now_ms, &q,
			      err, sizeof(err)) != WL_OK)
		return WL_EBADREQ;
	/* The week as its Tuesday, so the link says which week it is. A
	 * weekly table asked for without a week is pinned to the week
	 * report_query_init chose (the last complete one). */
	if (q.bounded)
		rk_date(q.to_day, wk);
	if (q.area >= 0)
		area_id = cfg->areas[q.area].id;
	snprintf(exp, sizeof(exp), "%lld", (long long)(now_ms + ttl_ms));
	if (!rk_canon(canon, sizeof(canon), report_kind_name(kind), wk, area_id,
		      report_format_name(fmt), exp) ||
	    !rk_sign(cfg->admin_token, canon, sig))
		return WL_EINTERNAL;
	n = rk_base(cfg, out, size);
	if (n < 0 || (size_t)n >= size)
		goto too_big;
	n += snprintf(out + n, size - (size_t)n, "%s?kind=%s", REPORT_LINK_PATH,
		      report_kind_name(kind));
	if (n < 0 || (size_t)n >= size)
		goto too_big;
	if (*wk)
		n += snprintf(out + n, size - (size_t)n, "&week=%s", wk);
	if (n < 0 || (size_t)n >= size)
		goto too_big;
	if (*area_id)
		n += snprintf(out + n, size - (size_t)n, "&area=%s", area_id);
	if (n < 0 || (size_t)n >= size)
		goto too_big;
	n += snprintf(out + n, size - (size_t)n, "&format=%s&exp=%s&sig=%s",
		      report_format_name(fmt), exp, sig);
	if (n < 0 || (size_t)n >= size)
		goto too_big;
	return WL_OK;
too_big:
	if (size)
		out[0] = '\0';
	return WL_ETOOBIG;
}

/* Digits only, no leading zero, at most RK_EXP_DIGITS: one spelling per
 * number, so the signed text is the text received. */
static bool rk_exp_parse(const char *s, int64_t *out)
{
	size_t n = s ? strlen(s) : 0;
	char *end;

	if (n == 0 || n > RK_EXP_DIGITS || strspn(s, "0123456789") != n ||
	    (s[0] == '0' && n > 1))
		return false;
	*out = (int64_t)strtoll(s, &end, 10);
	return *end == '\0';
}

int report_link_verify(const struct wl_config *cfg, const char *kind,
		       const char *week, const char *area, const char *format,
		       const char *exp, const char *sig, int64_t now_ms)
{
	char canon[RK_CANON_MAX], want[RK_SIG_HEX + 1];
	int64_t exp_ms;

	if (!cfg || !cfg->admin_token || !*cfg->admin_token)
		return WL_EAUTH;
	if (!week)
		week = "";
	if (!area)
		area = "";
	/* Bounded before anything is signed: a kind and a format are short
	 * words, a week ten characters, an area an id. */
	if (!kind || !format || !sig || strlen(kind) > 16 ||
	    strlen(format) > 8 || strlen(week) > 10 ||
	    strlen(area) > RK_AREA_MAX || strlen(sig) != RK_SIG_HEX ||
	    !rk_exp_parse(exp, &exp_ms))
		return WL_EAUTH;
	if (strchr(kind, '|') || strchr(week, '|') || strchr(area, '|') ||
	    strchr(format, '|'))
		return WL_EAUTH;
	if (!rk_canon(canon, sizeof(canon), kind, week, area, format, exp) ||
	    !rk_sign(cfg->admin_token, canon, want))
		return WL_EAUTH;
	if (!chan_secure_equal(sig, want))
		return WL_EAUTH;
	/* Only a genuine link learns that it expired. */
	if (exp_ms <= now_ms)
		return WL_EFORBIDDEN;
	return WL_OK;
}
