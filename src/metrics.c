/*
 * metrics.c — atomic counters and their Prometheus exposition.
 */
#include "metrics.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "wl.h"

#define METRICS_ROUTES	 16
#define METRICS_CHANNELS 64

static const int metrics_statuses[] = {200, 202, 204, 400, 401, 403,
				       404, 405, 413, 500, 503, 0};
#define METRICS_NSTATUS WL_ARRAY_LEN(metrics_statuses)

static const char *const metrics_inbound_results[] = {
    "ok", "duplicate", "rejected", "unavailable"};
static const char *const metrics_outbox_results[] = {"sent", "retry", "dead"};

static const double metrics_buckets[] = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
#define METRICS_NBUCKETS WL_ARRAY_LEN(metrics_buckets)

static const struct wl_config *metrics_cfg;
static const char *const *metrics_route_names;
static int metrics_n_routes;

static atomic_ullong metrics_req[METRICS_ROUTES][METRICS_NSTATUS];
static atomic_ullong metrics_in[METRICS_CHANNELS][4];
static atomic_ullong metrics_out[METRICS_CHANNELS][3];
static atomic_ullong metrics_hist[METRICS_NBUCKETS + 1];
static atomic_ullong metrics_hist_count;
static atomic_ullong metrics_hist_sum_us;
static atomic_ullong metrics_redis_errors;

/* Response-time counts: clock x result x level (0..METRICS_SLA_LEVELS-1). */
#define METRICS_SLA_LEVELS 8
static const char *const metrics_sla_clocks[] = {"respond", "handle",
						 "feedback"};
static const char *const metrics_sla_results[] = {"met", "missed", "warn",
						  "breach", "escalate"};
static atomic_ullong metrics_sla_n[3][5][METRICS_SLA_LEVELS];
static atomic_ullong metrics_sla_late_ms[3][5][METRICS_SLA_LEVELS];

void metrics_init(const struct wl_config *cfg, const char *const *routes,
		  int n_routes)
{
	metrics_cfg = cfg;
	metrics_route_names = routes;
	metrics_n_routes =
	    n_routes < METRICS_ROUTES ? n_routes : METRICS_ROUTES;
}

void metrics_request(int route, int status)
{
	size_t s = METRICS_NSTATUS - 1;

	if (route < 0 || route >= metrics_n_routes)
		return;
	for (size_t i = 0; i + 1 < METRICS_NSTATUS; i++)
		if (metrics_statuses[i] == status)
			s = i;
	atomic_fetch_add_explicit(&metrics_req[route][s], 1,
				  memory_order_relaxed);
}

static int metrics_index(const char *const *names, size_t n, const char *r)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], r) == 0)
			return (int)i;
	return -1;
}

void metrics_inbound(int channel_idx, const char *result)
{
	int r = metrics_index(metrics_inbound_results,
			      WL_ARRAY_LEN(metrics_inbound_results), result);

	if (r < 0 || channel_idx < 0 || channel_idx >= METRICS_CHANNELS)
		return;
	atomic_fetch_add_explicit(&metrics_in[channel_idx][r], 1,
				  memory_order_relaxed);
}

void metrics_outbox(int channel_idx, const char *result)
{
	int r = metrics_index(metrics_outbox_results,
			      WL_ARRAY_LEN(metrics_outbox_results), result);

	if (r < 0 || channel_idx < 0 || channel_idx >= METRICS_CHANNELS)
		return;
	atomic_fetch_add_explicit(&metrics_out[channel_idx][r], 1,
				  memory_order_relaxed);
}

void metrics_commit_latency(double seconds)
{
	size_t b = METRICS_NBUCKETS;

	for (size_t i = 0; i < METRICS_NBUCKETS; i++) {
		if (seconds <= metrics_buckets[i]) {
			b = i;
			break;
		}
	}
	atomic_fetch_add_explicit(&metrics_hist[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&metrics_hist_count, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&metrics_hist_sum_us,
				  (unsigned long long)(seconds * 1e6),
				  memory_order_relaxed);
}

void metrics_sla(const char *clock, const char *result, int level,
		 double late_s)
{
	int c, r;

	if (!clock || !result || level < 0 || level >= METRICS_SLA_LEVELS)
		return;
	c = metrics_index(metrics_sla_clocks, WL_ARRAY_LEN(metrics_sla_clocks),
			  clock);
	r = metrics_index(metrics_sla_results,
			  WL_ARRAY_LEN(metrics_sla_results), result);
	if (c < 0 || r < 0)
		return;
	atomic_fetch_add_explicit(&metrics_sla_n[c][r][level], 1,
				  memory_order_relaxed);
	atomic_fetch_add_explicit(&metrics_sla_late_ms[c][r][level],
				  (unsigned long long)(late_s * 1000.0),
				  memory_order_relaxed);
}

void metrics_redis_error(void)
{
	atomic_fetch_add_explicit(&metrics_redis_errors, 1,
				  memory_order_relaxed);
}

static unsigned long long metrics_get(atomic_ullong *a)
{
	return atomic_load_explicit(a, memory_order_relaxed);
}

static size_t metrics_n_channels(void)
{
	size_t n = metrics_cfg ? metrics_cfg->n_channels : 0;

	return n < METRICS_CHANNELS ? n : METRICS_CHANNELS;
}

/* One response-time counter family: every (clock, result, level) seen at
 * least once, the value divided by `scale`. */
static void metrics_sla_render(struct buf *out, const char *name,
			       const char *help,
			       atomic_ullong v[3][5][METRICS_SLA_LEVELS],
			       unsigned scale)
{
	buf_addf(out, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
	for (size_t c = 0; c < WL_ARRAY_LEN(metrics_sla_clocks); c++)
		for (size_t r = 0; r < WL_ARRAY_LEN(metrics_sla_results); r++)
			for (int l = 0; l < METRICS_SLA_LEVELS; l++) {
				if (!metrics_get(&metrics_sla_n[c][r][l]))
					continue;
				buf_addf(out,
					 "%s{clock=\"%s\",result=\"%s\","
					 "level=\"%d\"} %.*f\n",
					 name, metrics_sla_clocks[c],
					 metrics_sla_results[r], l,
					 scale > 1 ? 3 : 0,
					 (double)metrics_get(&v[c][r][l]) /
					     scale);
			}
}

void metrics_render(struct buf *out, long long outbox_depth)
{
	unsigned long long cum = 0;

	buf_adds(out, "# HELP warmline_http_requests_total HTTP requests by "
		      "route and status.\n"
		      "# TYPE warmline_http_requests_total counter\n");
	for (int r = 0; r < metrics_n_routes; r++)
		for (size_t s = 0; s < METRICS_NSTATUS; s++) {
			unsigned long long v = metrics_get(&metrics_req[r][s]);

			if (!v)
				continue;
			buf_addf(out,
				 "warmline_http_requests_total{route=\"%s\","
				 "status=\"%d\"} %llu\n",
				 metrics_route_names[r], metrics_statuses[s],
				 v);
		}
	buf_adds(out, "# HELP warmline_inbound_messages_total Inbound "
		      "messages by channel and result.\n"
		      "# TYPE warmline_inbound_messages_total counter\n");
	for (size_t c = 0; c < metrics_n_channels(); c++)
		for (size_t r = 0; r < WL_ARRAY_LEN(metrics_inbound_results);
		     r++)
			buf_addf(out,
				 "warmline_inbound_messages_total{channel="
				 "\"%s\",result=\"%s\"} %llu\n",
				 metrics_cfg->channels[c].id,
				 metrics_inbound_results[r],
				 metrics_get(&metrics_in[c][r]));
	buf_adds(out, "# HELP warmline_outbound_messages_total Outbound send "
		      "attempts by channel and result.\n"
		      "# TYPE warmline_outbound_messages_total counter\n");
	for (size_t c = 0; c < metrics_n_channels(); c++)
		for (size_t r = 0; r < WL_ARRAY_LEN(metrics_outbox_results);
		     r++)
			buf_addf(out,
				 "warmline_outbound_messages_total{channel="
				 "\"%s\",result=\"%s\"} %llu\n",
				 metrics_cfg->channels[c].id,
				 metrics_outbox_results[r],
				 metrics_get(&metrics_out[c][r]));
	buf_adds(out, "# HELP warmline_commit_seconds Latency of the atomic "
		      "Redis commit of an inbound message.\n"
		      "# TYPE warmline_commit_seconds histogram\n");
	for (size_t i = 0; i < METRICS_NBUCKETS; i++) {
		cum += metrics_get(&metrics_hist[i]);
		buf_addf(out,
			 "warmline_commit_seconds_bucket{le=\"%g\"} %llu\n",
			 metrics_buckets[i], cum);
	}
	cum += metrics_get(&metrics_hist[METRICS_NBUCKETS]);
	buf_addf(out,
		 "warmline_commit_seconds_bucket{le=\"+Inf\"} %llu\n"
		 "warmline_commit_seconds_sum %.6f\n"
		 "warmline_commit_seconds_count %llu\n",
		 cum, (double)metrics_get(&metrics_hist_sum_us) / 1e6,
		 metrics_get(&metrics_hist_count));
	buf_addf(out,
		 "# HELP warmline_redis_errors_total Failed Redis connects "
		 "and commands.\n"
		 "# TYPE warmline_redis_errors_total counter\n"
		 "warmline_redis_errors_total %llu\n",
		 metrics_get(&metrics_redis_errors));
	metrics_sla_render(out, "warmline_sla_total",
			   "Response-time clocks met or missed, and alerts "
			   "sent, by clock, result and level.",
			   metrics_sla_n, 1);
	metrics_sla_render(out, "warmline_sla_late_seconds_total",
			   "How late the clocks were, summed, by clock, result "
			   "and level.",
			   metrics_sla_late_ms, 1000);
	buf_adds(out, "# HELP warmline_outbox_depth Outbound messages queued "
		      "and not yet delivered or dead-lettered.\n"
		      "# TYPE warmline_outbox_depth gauge\n");
	if (outbox_depth >= 0)
		buf_addf(out, "warmline_outbox_depth %lld\n", outbox_depth);
	else
		buf_adds(out, "warmline_outbox_depth NaN\n");
}
