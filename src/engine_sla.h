/*
 * engine_sla.h — the response-time rule in the engine step (see
 * engine_sla.c). Internal to the engine.
 */
#ifndef WL_ENGINE_SLA_H
#define WL_ENGINE_SLA_H

#include <stddef.h>

#include "buf.h"
#include "engine.h"

/* Move the clocks of every case the step's operations touch and re-plan
 * their fires, inside those operations. */
int engine_sla_post(const struct engine_in *in, struct engine_out *out);
/* A fire ("<id>|<version>") came due for in->kase: alert, or nothing
 * when it is stale. */
int engine_sla_fire(const struct engine_in *in, struct engine_out *out,
		    const char *member);
/* Describe the late clocks of a case into buf; returns how many. */
int engine_sla_late(const struct engine_in *in, const json_t *c, char *buf,
		    size_t size);

/* The cases of `cases` that are late on some clock, grouped by area (the
 * areas st may act on; NULL: every area), appended to out as
 * "\n【area】\n<case line>：<how late>". Returns how many. */
size_t engine_sla_overdue(const struct engine_in *in, const json_t *cases,
			  const struct wl_staff *st, struct buf *out);
/* How late the case's latest clock is at now, in ms; -1 when no clock
 * is late (or the case has no clocks). */
int64_t engine_sla_max_late(const struct sla_conf *sla, const json_t *c,
			    int64_t now);

#endif
