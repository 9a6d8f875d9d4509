/*
 * metrics.h — counters for GET /metrics, in Prometheus text format.
 *
 * Every counter is a relaxed atomic, so any thread records without a
 * lock. Routes and statuses are small fixed tables; channels are indexed
 * as in the config.
 */
#ifndef WL_METRICS_H
#define WL_METRICS_H

#include <stdint.h>

#include "buf.h"
#include "config.h"

void metrics_init(const struct wl_config *cfg, const char *const *routes,
		  int n_routes);
void metrics_request(int route, int status);
void metrics_inbound(int channel_idx, const char *result);
void metrics_commit_latency(double seconds);
void metrics_redis_error(void);
void metrics_outbox(int channel_idx, const char *result);
/* A response-time clock stopped (result "met"/"missed", level 0) or an
 * alert went out ("warn"/"breach"/"escalate" at its level); late_s is how
 * late the clock was then. */
void metrics_sla(const char *clock, const char *result, int level,
		 double late_s);
/* Appends the exposition; outbox_depth < 0 when Redis is unreachable. */
void metrics_render(struct buf *out, long long outbox_depth);

#endif
