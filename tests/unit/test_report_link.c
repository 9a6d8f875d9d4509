/*
 * test_report_link.c — signed, expiring report links (report_link.c):
 * the link's shape and its signature recomputed here from the documented
 * scheme (HMAC-SHA256 under HMAC-SHA256(admin token, "warmline report
 * link v1") over "kind|week|area|format|exp"), a round trip through
 * report_link_verify, and every way a link must fail: any changed
 * signature character, any changed signed argument, an expired link, a
 * different or missing admin token, non-canonical numbers. Also the
 * base URL (public_url, else the listen address) and the config check
 * of public_url.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "config.h"
#include "report.h"
#include "wl.h"

#define TOKEN "adm1n-t0ken-for-tests-0123456789"

/* The areas of the other report tests; the admin block, the listen
 * address and any extra top-level keys vary. */
static struct wl_config *load(const char *admin, const char *listen,
			      const char *extra)
{
	char json[4096];
	struct wl_diag diag;
	struct wl_config *cfg;
	int n = snprintf(
	    json, sizeof(json),
	    "{\"listen\": \"%s\", %s %s"
	    " \"channels\": [{\"id\": \"demo\", \"type\": \"generic\","
	    "   \"secret\": \"s3cret\","
	    "   \"callback_url\": \"http://127.0.0.1:9000/out\"}],"
	    " \"areas\": [{\"id\": \"tdj\", \"name\": \"太行东街街道\","
	    "   \"level\": \"street\", \"children\": ["
	    "   {\"id\": \"c-hd\", \"name\": \"惠丰社区\","
	    "    \"level\": \"community\", \"aliases\": [\"惠丰\"]},"
	    "   {\"id\": \"c-xh\", \"name\": \"新华社区\","
	    "    \"level\": \"community\"}]}]}",
	    listen, admin, extra);

	assert_true(n > 0 && (size_t)n < sizeof(json));
	diag_init(&diag);
	cfg = config_load_string(json, (size_t)n, "t.json", &diag);
	for (size_t i = 0; !cfg && i < diag.n; i++)
		print_message("%s\n", diag.lines[i]);
	diag_release(&diag);
	return cfg;
}

static struct wl_config *load_std(void)
{
	struct wl_config *cfg = load("\"admin\": {\"token\": \"" TOKEN "\"},",
				     "127.0.0.1:8080", "");

	assert_non_null(cfg);
	return cfg;
}

/* "YYYY-MM-DD HH:MM" Beijing time → ms, through timegm(). */
static int64_t bj(const char *s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	assert_int_equal(sscanf(s, "%d-%d-%d %d:%d", &tm.tm_year, &tm.tm_mon,
				&tm.tm_mday, &tm.tm_hour, &tm.tm_min),
			 5);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return ((int64_t)timegm(&tm) - 8 * 3600) * 1000;
}

/* The scheme, written out independently of report_link.c. */
static void expect_sig(const char *token, const char *canon, char out[65])
{
	unsigned char key[32], mac[32];
	unsigned int kl = 0, ml = 0;

	assert_non_null(HMAC(EVP_sha256(), token, (int)strlen(token),
			     (const unsigned char *)"warmline report link v1",
			     23, key, &kl));
	assert_int_equal(kl, 32);
	assert_non_null(HMAC(EVP_sha256(), key, 32,
			     (const unsigned char *)canon, strlen(canon), mac,
			     &ml));
	assert_int_equal(ml, 32);
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", mac[i]);
}

/* The query arguments of a link, as the HTTP layer would hand them over
 * (no percent-escapes occur: every value is ASCII without reserved
 * characters). An absent argument is NULL. */
struct args {
	char buf[REPORT_LINK_MAX];
	const char *kind, *week, *area, *format, *exp;
	char *sig; /* into buf, so tests can change it in place */
	int n;	   /* arguments seen */
};

static void parse(const char *link, struct args *a)
{
	char *q, *p;

	memset(a, 0, sizeof(*a));
	snprintf(a->buf, sizeof(a->buf), "%s", link);
	q = strchr(a->buf, '?');
	assert_non_null(q);
	*q++ = '\0';
	for (p = q; p && *p;) {
		char *amp = strchr(p, '&'), *eq = strchr(p, '=');

		if (amp)
			*amp = '\0';
		assert_non_null(eq);
		*eq = '\0';
		if (strcmp(p, "kind") == 0)
			a->kind = eq + 1;
		else if (strcmp(p, "week") == 0)
			a->week = eq + 1;
		else if (strcmp(p, "area") == 0)
			a->area = eq + 1;
		else if (strcmp(p, "format") == 0)
			a->format = eq + 1;
		else if (strcmp(p, "exp") == 0)
			a->exp = eq + 1;
		else if (strcmp(p, "sig") == 0)
			a->sig = eq + 1;
		else
			fail_msg("unexpected argument %s", p);
		a->n++;
		p = amp ? amp + 1 : NULL;
	}
}

static int verify(const struct wl_config *cfg, const struct args *a,
		  int64_t now)
{
	return report_link_verify(cfg, a->kind, a->week, a->area, a->format,
				  a->exp, a->sig, now);
}

static void test_round_trip(void **state)
{
	struct wl_config *cfg = load_std();
	int64_t now = bj("2025-11-26 10:00"), ttl = 86400000;
	char link[REPORT_LINK_MAX], want[1024], sig[65], canon[256];
	struct args a;

	/* A Saturday of the week Wednesday 19 .. Tuesday 25 November; the
	 * community by its alias. */
	assert_int_equal(report_link(cfg, REPORT_WEEKLY, "2025-11-22", "惠丰",
				     REPORT_XLSX, now, ttl, link, sizeof(link)),
			 WL_OK);
	snprintf(canon, sizeof(canon), "weekly|2025-11-25|c-hd|xlsx|%lld",
		 (long long)(now + ttl));
	expect_sig(TOKEN, canon, sig);
	snprintf(want, sizeof(want),
		 "http://127.0.0.1:8080/api/v1/reports/download?kind=weekly"
		 "&week=2025-11-25&area=c-hd&format=xlsx&exp=%lld&sig=%s",
		 (long long)(now + ttl), sig);
	assert_string_equal(link, want);

	parse(link, &a);
	assert_int_equal(a.n, 6);
	assert_int_equal(verify(cfg, &a, now), WL_OK);
	assert_int_equal(verify(cfg, &a, now + ttl - 1), WL_OK);
	config_free(cfg);
}

static void test_flipped_sig(void **state)
{
	struct wl_config *cfg = load_std();
	int64_t now = bj("2025-12-03 09:00");
	char link[REPORT_LINK_MAX], orig[65];
	struct args a;

	assert_int_equal(report_link(cfg, REPORT_WEEKLY, NULL, NULL, REPORT_CSV,
				     now, 3600000, link, sizeof(link)),
			 WL_OK);
	parse(link, &a);
	assert_int_equal(strlen(a.sig), 64);
	memcpy(orig, a.sig, 65);
	/* Every position, changed to another hex digit. */
	for (size_t i = 0; i < 64; i++) {
		a.sig[i] = a.sig[i] == '0' ? '1' : '0';
		assert_int_equal(verify(cfg, &a, now), WL_EAUTH);
		a.sig[i] = orig[i];
	}
	assert_int_equal(verify(cfg, &a, now), WL_OK);
	/* The same signature in capitals, cut short, or missing. */
	for (size_t i = 0; i < 64; i++)
		if (orig[i] >= 'a')
			a.sig[i] = (char)(orig[i] - 'a' + 'A');
	assert_int_equal(verify(cfg, &a, now), WL_EAUTH);
	memcpy(a.sig, orig, 65);
	a.sig[63] = '\0';
	assert_int_equal(verify(cfg, &a, now), WL_EAUTH);
	a.sig = NULL;
	assert_int_equal(verify(cfg, &a, now), WL_EAUTH);
	config_free(cfg);
}

static void test_changed_args(void **state)
{
	struct wl_config *cfg = load_std();
	int64_t now = bj("2025-12-03 09:00");
	char link[REPORT_LINK_MAX], exp2[32];
	struct args a, b;

	assert_int_equal(report_link(cfg, REPORT_WEEKLY, "2025-11-25", "c-hd",
				     REPORT_XLSX, now, 3600000, link,
				     sizeof(link)),
			 WL_OK);
	parse(link, &a);
	assert_int_equal(verify(cfg, &a, now), WL_OK);

	b = a;
	b.kind = "needs"; /* a ledger, with names and phone numbers */
	assert_int_equal(verify(cfg, &b, now), WL_EAUTH);
	b = a;
	b.week = "2025-12-02";
	assert_int_equal(verify(cfg, &b, now), WL_EAUTH);
	b = a;
	b.week = NULL;
	assert_int_equal(verify(cfg, &b, now), WL_EAUTH);
	b = a;
	b.area = "c-xh";
	assert_int_equal(verify(cfg, &b, now), WL_EAUTH);
	b = a;
	b.area = NULL; /* every area */
	assert_int_equal(verify(cfg, &b, now), WL_EAUTH);
	b = a;
	b.area = "c-hd|";
	assert_int_equal(verify(cfg, &b, now), WL_EAUTH);
	b = a;
	b.format = "json";
	assert_int_equal(verify(cfg, &b, now), WL_EAUTH);
	b = a;
	b.kind = NULL;
	assert_int_equal(verify(cfg, &b, now), WL_EAUTH);
	/* A later expiry, and the same one spelt with a leading zero. */
	b = a;
	snprintf(exp2, sizeof(exp2), "%lld", strtoll(a.exp, NULL, 10) + 1);
	b.exp = exp2;
	assert_int_equal(verify(cfg, &b, now), WL_EAUTH);
	snprintf(exp2, sizeof(exp2), "0%s", a.exp);
	assert_int_equal(verify(cfg, &b, now), WL_EAUTH);
	snprintf(exp2, sizeof(exp2), "%s ", a.exp);
	assert_int_equal(verify(cfg, &b, now), WL_EAUTH);
	b.exp = NULL;
	assert_int_equal(verify(cfg, &b, now), WL_EAUTH);
	config_free(cfg);
}

static void test_expired(void **state)
{
	struct wl_config *cfg = load_std();
	int64_t now = bj("2025-12-03 09:00"), ttl = 2 * 3600000;
	char link[REPORT_LINK_MAX], sig0;
	struct args a;

	assert_int_equal(report_link(cfg, REPORT_WEEKLY, NULL, "c-xh",
				     REPORT_XLSX, now, ttl, link, sizeof(link)),
			 WL_OK);
	parse(link, &a);
	assert_int_equal(strtoll(a.exp, NULL, 10), now + ttl);
	assert_int_equal(verify(cfg, &a, now + ttl - 1), WL_OK);
	assert_int_equal(verify(cfg, &a, now + ttl), WL_EFORBIDDEN);
	assert_int_equal(verify(cfg, &a, now + 30LL * 86400000), WL_EFORBIDDEN);
	/* Only a genuine link learns it expired. */
	sig0 = a.sig[0];
	a.sig[0] = sig0 == 'a' ? 'b' : 'a';
	assert_int_equal(verify(cfg, &a, now + ttl), WL_EAUTH);
	a.sig[0] = sig0;
	config_free(cfg);
}

static void test_no_token(void **state)
{
	struct wl_config *with = load_std();
	struct wl_config *none = load("", "127.0.0.1:8080", "");
	struct wl_config *other =
	    load("\"admin\": {\"token\": \"another-token-0123456789abcdef\"},",
		 "127.0.0.1:8080", "");
	int64_t now = bj("2025-12-03 09:00");
	char link[REPORT_LINK_MAX];
	struct args a;

	assert_non_null(none);
	assert_non_null(other);
	assert_null(none->admin_token);
	memset(link, 'x', sizeof(link));
	assert_int_equal(report_link(none, REPORT_WEEKLY, NULL, NULL,
				     REPORT_XLSX, now, 3600000, link,
				     sizeof(link)),
			 WL_EBADREQ);
	assert_string_equal(link, "");

	assert_int_equal(report_link(with, REPORT_WEEKLY, NULL, NULL,
				     REPORT_XLSX, now, 3600000, link,
				     sizeof(link)),
			 WL_OK);
	parse(link, &a);
	assert_int_equal(verify(with, &a, now), WL_OK);
	/* No token: nothing verifies. A new token: old links die. */
	assert_int_equal(verify(none, &a, now), WL_EAUTH);
	assert_int_equal(verify(other, &a, now), WL_EAUTH);
	config_free(with);
	config_free(none);
	config_free(other);
}

static void test_defaults_and_base(void **state)
{
	struct wl_config *cfg = load_std();
	struct wl_config *pub =
	    load("\"admin\": {\"token\": \"" TOKEN "\"},", "0.0.0.0:8080",
		 "\"public_url\": \"https://rexian.example.gov.cn/warmline\",");
	struct wl_config *v6 =
	    load("\"admin\": {\"token\": \"" TOKEN "\"},", "[::1]:9090", "");
	int64_t wed = bj("2025-11-26 10:00"), tue = bj("2025-11-25 23:59");
	char link[REPORT_LINK_MAX];
	const char *want;
	struct args a;

	assert_non_null(pub);
	assert_non_null(v6);
	/* The weekly table without a week: the last complete week, pinned
	 * (on Wednesday the one that just ended; on Tuesday the one
	 * before). */
	assert_int_equal(report_link(cfg, REPORT_WEEKLY, NULL, NULL,
				     REPORT_XLSX, wed, 60000, link,
				     sizeof(link)),
			 WL_OK);
	parse(link, &a);
	assert_string_equal(a.week, "2025-11-25");
	assert_null(a.area);
	assert_int_equal(verify(cfg, &a, wed), WL_OK);
	assert_int_equal(report_link(cfg, REPORT_WEEKLY, NULL, NULL,
				     REPORT_XLSX, tue, 60000, link,
				     sizeof(link)),
			 WL_OK);
	parse(link, &a);
	assert_string_equal(a.week, "2025-11-18");
	/* A ledger without a week covers all time: no week at all. */
	assert_int_equal(report_link(cfg, REPORT_PROBLEMS, NULL, "新华社区",
				     REPORT_CSV, wed, 60000, link,
				     sizeof(link)),
			 WL_OK);
	parse(link, &a);
	assert_null(a.week);
	assert_string_equal(a.kind, "problems");
	assert_string_equal(a.area, "c-xh");
	assert_string_equal(a.format, "csv");
	assert_int_equal(a.n, 5);
	assert_int_equal(verify(cfg, &a, wed), WL_OK);

	assert_int_equal(report_link(pub, REPORT_WEEKLY, "2025-11-19", NULL,
				     REPORT_XLSX, wed, 60000, link,
				     sizeof(link)),
			 WL_OK);
	want = "https://rexian.example.gov.cn/warmline/api/v1/reports/"
	       "download?kind=weekly&week=2025-11-25&format=xlsx&exp=";
	assert_true(strncmp(link, want, strlen(want)) == 0);
	assert_int_equal(report_link(v6, REPORT_WEEKLY, NULL, NULL, REPORT_JSON,
				     wed, 60000, link, sizeof(link)),
			 WL_OK);
	want = "http://[::1]:9090/api/v1/reports/download?kind=weekly&";
	assert_true(strncmp(link, want, strlen(want)) == 0);
	config_free(cfg);
	config_free(pub);
	config_free(v6);
}

static void test_bad_args(void **state)
{
	struct wl_config *cfg = load_std();
	int64_t now = bj("2025-12-03 09:00");
	char link[REPORT_LINK_MAX], small[40];

	assert_int_equal(report_link(cfg, REPORT_WEEKLY, NULL, "nowhere",
				     REPORT_XLSX, now, 60000, link,
				     sizeof(link)),
			 WL_EBADREQ);
	assert_int_equal(report_link(cfg, REPORT_WEEKLY, "2025-11-31", NULL,
				     REPORT_XLSX, now, 60000, link,
				     sizeof(link)),
			 WL_EBADREQ);
	assert_int_equal(report_link(cfg, REPORT_WEEKLY, "25-11-20", NULL,
				     REPORT_XLSX, now, 60000, link,
				     sizeof(link)),
			 WL_EBADREQ);
	assert_int_equal(report_link(cfg, REPORT_WEEKLY, NULL, NULL,
				     REPORT_XLSX, now, 0, link, sizeof(link)),
			 WL_EBADREQ);
	assert_int_equal(
	    report_link(cfg, REPORT_WEEKLY, NULL, NULL, REPORT_XLSX, now,
			REPORT_LINK_TTL_MAX_MS + 1, link, sizeof(link)),
	    WL_EBADREQ);
	assert_int_equal(report_link(cfg, REPORT_WEEKLY, NULL, NULL,
				     REPORT_XLSX, now, REPORT_LINK_TTL_MAX_MS,
				     link, sizeof(link)),
			 WL_OK);
	assert_int_equal(report_link(cfg, REPORT_KIND_COUNT, NULL, NULL,
				     REPORT_XLSX, now, 60000, link,
				     sizeof(link)),
			 WL_EBADREQ);
	assert_int_equal(report_link(cfg, REPORT_WEEKLY, NULL, NULL,
				     (enum report_format)7, now, 60000, link,
				     sizeof(link)),
			 WL_EBADREQ);
	memset(small, 'x', sizeof(small));
	assert_int_equal(report_link(cfg, REPORT_WEEKLY, NULL, NULL,
				     REPORT_XLSX, now, 60000, small,
				     sizeof(small)),
			 WL_ETOOBIG);
	assert_string_equal(small, "");
	config_free(cfg);
}

static void test_public_url_checked(void **state)
{
	static const char *const bad[] = {
	    "https://rexian.example.gov.cn/",
	    "ftp://rexian.example.gov.cn",
	    "https://rexian.example.gov.cn/a?b=1",
	    "https://rexian.example.gov.cn/#x",
	    "rexian.example.gov.cn",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char json[512];
		struct wl_diag diag;
		struct wl_config *cfg;
		bool named = false;
		int n = snprintf(json, sizeof(json), "{\"public_url\": \"%s\"}",
				 bad[i]);

		diag_init(&diag);
		cfg = config_load_string(json, (size_t)n, "t.json", &diag);
		assert_null(cfg);
		for (size_t k = 0; k < diag.n; k++)
			named |=
			    strstr(diag.lines[k], "t.json: public_url: ") ==
			    diag.lines[k];
		assert_true(named);
		diag_release(&diag);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_flipped_sig),
	    cmocka_unit_test(test_changed_args),
	    cmocka_unit_test(test_expired),
	    cmocka_unit_test(test_no_token),
	    cmocka_unit_test(test_defaults_and_base),
	    cmocka_unit_test(test_bad_args),
	    cmocka_unit_test(test_public_url_checked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
