/*
 * schedule.h — jobs at a time of day: the overdue digest for supervisors
 * every day, and the weekly table every Wednesday (DESIGN §1).
 *
 * A job's next run is an entry "sched:<job>:<local date>" in the same
 * "timers" set as everything else, so any daemon may run it, a restart
 * loses nothing, and one atomic script marks it done, queues its messages
 * and plans the next run — each run happens once.
 *
 * Configuration: "schedules": {"overdue_digest": "08:00",
 *                              "weekly_report": "三 09:00",
 *                              "monthly_summary": "19日 09:00"}
 * (a weekday 一..日 or 1..7 before the time makes a job weekly, a day
 * 1日..28日 monthly). Missing keys take these defaults; "off" turns a job
 * off.
 */
#ifndef WL_SCHEDULE_H
#define WL_SCHEDULE_H

#include <stdint.h>

#include "config.h"

struct sla_conf;

/* Validate cfg->root's "schedules" (diag lines "FILE: WHERE: WHAT"), and
 * remember the jobs. WL_OK or WL_EBADREQ. */
int schedule_load(const struct wl_config *cfg, struct wl_diag *d);
/* Make sure every job's next run is in the timers set (any daemon may
 * call it at start; adding the same entry twice changes nothing). */
int schedule_ensure(const struct wl_config *cfg);
/* A "sched:" timer came due: run the job. WL_OK when the entry is done
 * with (run, or ran already elsewhere), else an error to retry. */
int schedule_fire(const struct wl_config *cfg, const struct sla_conf *sla,
		  const char *member);

/* The first run strictly after now_ms: pure, for tests. weekday -1 for
 * every day, 1 (Monday) .. 7 (Sunday) for a weekly job, 100 + N for day
 * N of every month; tod_ms the local time of day; offset_s the zone's
 * UTC offset. */
int64_t schedule_next(int weekday, int32_t tod_ms, int32_t offset_s,
		      int64_t now_ms);

#endif
