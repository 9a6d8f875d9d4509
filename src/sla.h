/*
 * sla.h — the response-time rule "1小时响应、24小时处置、3天内反馈" as
 * data and pure functions: three clocks per case, one table saying which
 * case event starts, stops, pauses or restarts each clock, deadlines
 * (round the clock, or in working time with a calendar, see calendar.h),
 * warnings before a deadline, and an escalation ladder after it.
 *
 * The pure part (sla_calc.c, calendar.c) reads no clock, does no I/O and
 * keeps no globals: every function takes `now` (int64 ms since the epoch,
 * UTC) and the configuration as arguments. The timer sweeper (sla.c)
 * stores the plans in Redis and acts on them.
 *
 * HOW THE SWEEPER USES THIS
 *
 *   Once, after config_load():
 *     struct sla_conf conf;  sla_conf_from_config(cfg, &conf, diag);
 *
 *   In every commit that changes a case (inside the engine step):
 *     sla_state_load(stored, len, &st);   (a new case: sla_state_init)
 *     sla_apply_event(&conf, &info, &st, SLA_EV_CLAIMED, now, &changed);
 *     version++;
 *     sla_plan(&conf, &st, case_no, version, now, fires, SLA_PLAN_MAX, &n);
 *     for each fire: sla_fire_member(&fires[i], m, sizeof(m));
 *       ZADD <prefix>timers <fires[i].at_ms> <m>        (same atomic commit)
 *     the members of the plan this one replaces: ZREM (same commit)
 *     sla_state_dump(&st, &json, &len) → the case hash
 *
 *   The timer thread, for each member popped atomically with score <= now
 *   (inbound_fire_batch: a fire is no message and has no message id):
 *     sla_fire_parse(member, len, &f);            malformed → drop
 *     load the case's state and version, and whether f.id is marked
 *       done in <prefix>case:{no}:fired (kept as long as the case);
 *     if (!sla_fire_is_current(&f, version, &st)) drop (stale, no write);
 *     sla_fire_complete(&conf, &st, &f);          who to tell, release?
 *     if (sla_fire_superseded(&conf, &st, &f, now)) drop (a late warning);
 *     sla_fire_text(&conf, &f, now, text, sizeof(text)) → the outbox, and
 *       HSET case:{no}:fired f.id in the same commit (done already → drop);
 *     if f.release: unclaim the case, then apply SLA_EV_RELEASED, bump
 *     the version and re-plan as in a commit.
 *   A sweeper that writes anything to the case (a timeline entry) bumps
 *   the version and so must re-plan in the same write; fire ids do not
 *   depend on the version, so nothing is sent twice.
 *
 * Ownership: struct sla_conf, struct sla_state and struct sla_fire are
 * plain values without heap pointers, declared by their owner (an
 * _init/_from_json fills them; nothing to release). The configuration is
 * read-only after loading and may be shared by all threads.
 * sla_state_dump() and sla_state_to_json() return memory the caller
 * frees (free() / json_decref()).
 */
#ifndef WL_SLA_H
#define WL_SLA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "calendar.h"
#include "config.h"

/* ------------------------------------------------------------------ */
/* the vocabulary */

enum sla_clock {
	SLA_RESPOND = 0, /* 响应: claimed or the resident contacted */
	SLA_HANDLE,	 /* 处置: resolved */
	SLA_FEEDBACK,	 /* 反馈: the resident told the outcome */
	SLA_N_CLOCKS
};

/* Case events the clocks listen to. */
enum sla_event {
	SLA_EV_CREATED = 0,	 /* the case was opened (its receipt) */
	SLA_EV_CLAIMED,		 /* /claim 认领 */
	SLA_EV_CONTACTED,	 /* first /reply 回复 to the resident */
	SLA_EV_RESOLVED,	 /* /resolve 办结 */
	SLA_EV_FEEDBACK,	 /* /feedback 反馈 given */
	SLA_EV_CLOSED,		 /* closed */
	SLA_EV_CANCELLED,	 /* withdrawn */
	SLA_EV_REOPENED,	 /* the resident came back after resolve */
	SLA_EV_TRANSFERRED,	 /* /transfer 转派 to another area */
	SLA_EV_WAITING_RESIDENT, /* staff wait for the resident: pause */
	SLA_EV_RESIDENT_REPLIED, /* the resident answered: resume */
	SLA_EV_RELEASED,	 /* back to the pool (a ladder step) */
	SLA_N_EVENTS
};

/* What an event does to one clock (the cells of the clock table). */
enum sla_action {
	SLA_ACT_NONE = 0,
	SLA_ACT_START,	 /* start unless running or paused; a stopped clock
			    starts its next occurrence */
	SLA_ACT_RESTART, /* always start the next occurrence afresh */
	SLA_ACT_STOP,	 /* running or paused → met or missed */
	SLA_ACT_CANCEL,	 /* running or paused → cancelled (neither) */
	SLA_ACT_PAUSE,	 /* running and not yet late → paused */
	SLA_ACT_RESUME,	 /* paused → running, the rest of the budget */
	SLA_N_ACTIONS
};

/* Where a clock is. "Late while running" is not a state: it is derived
 * from now (sla_breached). */
enum sla_run {
	SLA_IDLE = 0, /* never started */
	SLA_RUNNING,
	SLA_PAUSED,
	SLA_MET,    /* stopped before its deadline */
	SLA_MISSED, /* stopped at or after its deadline */
	SLA_CANCELLED,
	SLA_N_RUNS
};

enum sla_kind {
	SLA_WARN = 0, /* before the deadline, to the assignee */
	SLA_BREACH,   /* at the deadline, to the assignee */
	SLA_ESCALATE, /* after the deadline, up the ladder */
	SLA_N_KINDS
};

/* Who an alert goes to; a bit set. The sweeper resolves the roles
 * against the case's area and its parents (config.h areas and staff). */
enum sla_notify {
	SLA_TO_ASSIGNEE = 1u << 0, /* the claimer, else the area's duty chat */
	SLA_TO_COMMUNITY_DIRECTOR = 1u << 1, /* 社区(村)主任 */
	SLA_TO_COMMUNITY_DUTY = 1u << 2,     /* the community's duty chat */
	SLA_TO_STREET_DUTY = 1u << 3,  /* the street's duty chat (民政办) */
	SLA_TO_STREET_STAFF = 1u << 4, /* street_staff of the street */
	SLA_TO_SUPERVISOR = 1u << 5,   /* the leading group 领导小组 */
};
#define SLA_TO_ALL 0x3fu

/* Names used in the configuration, in fire ids and in the stored state.
 * Static strings; NULL (or WL_ENOTFOUND) for an unknown value. */
const char *sla_clock_name(enum sla_clock c);  /* "respond" */
const char *sla_clock_label(enum sla_clock c); /* "响应" */
const char *sla_event_name(enum sla_event e);  /* "waiting_resident" */
const char *sla_run_name(enum sla_run r);      /* "running" */
const char *sla_kind_name(enum sla_kind k);    /* "escalate" */
const char *sla_notify_name(unsigned one_bit); /* "street_duty" */
int sla_clock_from_name(const char *s, enum sla_clock *out);
int sla_event_from_name(const char *s, enum sla_event *out);

/* ------------------------------------------------------------------ */
/* the configuration: the "sla" section */

#define SLA_MAX_WARN  8
#define SLA_MAX_STEPS 8
/* Bounds of every duration in the section, in seconds (one year). */
#define SLA_MAX_S 31536000LL

struct sla_step {
	int64_t after_ms; /* after the deadline (working time when the
			     clock counts on the calendar) */
	unsigned notify;  /* SLA_TO_* bits */
	bool release;	  /* put an unclaimed or stalled case back in the
			     pool */
};

/* The durations, warnings and ladder of normal or of urgent cases. */
struct sla_profile {
	int64_t budget_ms[SLA_N_CLOCKS];
	size_t n_warn;
	int64_t warn_ms[SLA_MAX_WARN]; /* before the deadline, largest first */
	size_t n_steps;
	struct sla_step steps[SLA_MAX_STEPS]; /* level i+1 is steps[i] */
};

struct sla_conf {
	struct sla_profile normal, urgent;
	/* The working calendar; it counts for the clocks in calendar_clocks
	 * (bit 1 << clock) of normal cases only: urgent cases always run
	 * round the clock. */
	bool has_calendar;
	unsigned calendar_clocks;
	struct sla_calendar cal;
	/* The offset used to show times in alert texts. */
	int32_t display_offset_s;
	/* "english": true adds an English line to every alert; staff read
	 * Chinese only otherwise. */
	bool english;
	/* The clock table: table[clock][event] is an enum sla_action. */
	uint8_t table[SLA_N_CLOCKS][SLA_N_EVENTS];
};

/* The seed's rule and the default table: 1 h / 24 h / 3 d, urgent
 * 10 min / 4 h / 3 d, warnings 30 and 10 minutes before, escalation at
 * the deadline (community director and duty chat), +1 h (the street's
 * duty chat and staff) and +2 h (supervisors), no calendar, UTC+8. */
void sla_conf_init(struct sla_conf *conf);

/*
 * Reads the "sla" object (NULL: all defaults). default_tz is the
 * top-level "timezone" (the calendar's default and the one alerts are
 * shown in). Every problem becomes a "FILE: WHERE: WHAT" line in d with
 * WHERE below `where` (normally "sla"). Returns WL_OK, or WL_EBADREQ when
 * it added an error; conf is left usable (defaults where the file was
 * wrong) either way.
 *
 * respond_s, handle_s and feedback_s are also checked by config.c's
 * option table; call this after config_load() succeeded (as
 * sla_conf_from_config does) so a problem is not reported twice.
 */
int sla_conf_from_json(json_t *sla, const char *default_tz,
		       struct sla_conf *conf, struct wl_diag *d,
		       const char *file, const char *where);
/* The same from a loaded configuration: cfg->root's "sla", cfg->timezone
 * and cfg->path. */
int sla_conf_from_config(const struct wl_config *cfg, struct sla_conf *conf,
			 struct wl_diag *d);

/* ------------------------------------------------------------------ */
/* a case's clocks */

/* What the clocks need to know about the case when an event comes. */
struct sla_case {
	bool urgent;
	/* An explicit deadline per clock (a 12345 work order's own), ms
	 * since the epoch; 0 for none. It replaces the duration, is not
	 * moved by pauses (the clock does not pause at all) and holds for
	 * every occurrence. */
	int64_t due_ms[SLA_N_CLOCKS];
};

/* Flags of one occurrence, fixed when it starts (or by sla_retarget). */
#define SLA_F_URGENT   1u /* the urgent profile */
#define SLA_F_CALENDAR 2u /* counts in working time */
#define SLA_F_FIXED    4u /* an explicit deadline */
#define SLA_F_ALL      7u

struct sla_clock_state {
	enum sla_run run;
	int32_t occurrence; /* 1 for the first start, +1 per (re)start */
	unsigned flags;	    /* SLA_F_* */
	int64_t budget_ms;  /* the duration it started with */
	int64_t started_ms; /* when this occurrence started */
	int64_t seg_ms;	    /* when the current running stretch began */
	int64_t used_ms;    /* budget used before seg_ms (working time) */
	int64_t deadline_ms;
	int64_t paused_ms;  /* when it paused (SLA_PAUSED) */
	int64_t stopped_ms; /* when it stopped (met, missed, cancelled) */
};

struct sla_state {
	struct sla_clock_state clock[SLA_N_CLOCKS];
};

/* All clocks idle. */
void sla_state_init(struct sla_state *st);

/*
 * Applies one case event at `now` to every clock by the table. *changed
 * (may be NULL) gets a bit (1 << clock) for each clock whose state
 * changed. WL_OK, or WL_EBADREQ for a NULL argument or an unknown event.
 * An event that means nothing to a clock (stopping an idle one, claiming
 * twice) is not an error: it changes nothing.
 */
int sla_apply_event(const struct sla_conf *conf, const struct sla_case *info,
		    struct sla_state *st, enum sla_event ev, int64_t now,
		    unsigned *changed);

/* After the case's urgency or explicit deadlines changed: running and
 * paused clocks take the new profile, calendar and deadline, keeping the
 * time they used. Same return and *changed as sla_apply_event. */
int sla_retarget(const struct sla_conf *conf, const struct sla_case *info,
		 struct sla_state *st, int64_t now, unsigned *changed);

/* Late: missed, or running/paused with now (the pause) at or past the
 * deadline. */
bool sla_breached(const struct sla_state *st, enum sla_clock c, int64_t now);
/* How late a running, paused or missed clock is (0 when it is not), and
 * how long it has left (0 when late or not running), in the clock's own
 * measure: working time when it counts on the calendar. */
int64_t sla_late_ms(const struct sla_conf *conf, const struct sla_state *st,
		    enum sla_clock c, int64_t now);
int64_t sla_left_ms(const struct sla_conf *conf, const struct sla_state *st,
		    enum sla_clock c, int64_t now);

/* ------------------------------------------------------------------ */
/* timer fires */

#define SLA_CASE_NO_MAX 64 /* [A-Za-z0-9_.-]{1,64} */
#define SLA_FIRE_ID_MAX 112
#define SLA_MEMBER_MAX	136
/* The most fires one plan holds: per clock, every warning, the breach
 * and every ladder step. */
#define SLA_PLAN_MAX (SLA_N_CLOCKS * (SLA_MAX_WARN + 1 + SLA_MAX_STEPS))

struct sla_fire {
	int64_t at_ms;	     /* when it is due */
	int64_t deadline_ms; /* the clock's deadline, for the text */
	int64_t version;     /* the case version it was planned for */
	enum sla_clock clock;
	enum sla_kind kind;
	int level; /* warn: 1.. earliest first; breach: 0;
		      escalate: the ladder level 1.. */
	int32_t occurrence;
	unsigned flags;	 /* the clock's SLA_F_* when planned */
	unsigned notify; /* SLA_TO_* */
	bool release;
	char case_no[SLA_CASE_NO_MAX + 1];
	/* "<case>:<clock>:<kind>:<level>:<occurrence>", e.g.
	 * "1042:respond:escalate:2:1": the identity to dedupe on (SET NX).
	 * It does not hold the version, so re-planning a changed case
	 * gives the same id to the same alert. */
	char id[SLA_FIRE_ID_MAX];
};

/*
 * The fires to schedule for the state as it is at `now`, sorted by
 * at_ms, into out[cap] (SLA_PLAN_MAX always suffices); *n gets the count.
 * Only running clocks plan anything; a paused, stopped or idle clock
 * plans nothing, so its older fires turn stale.
 *
 * Per running clock:
 *  - each warning at deadline − warn (wall time), if it is after the
 *    occurrence started and not in the past; of the warnings already in
 *    the past only the latest is planned, and only when no later warning
 *    is ahead and the deadline is (so a re-plan between the last warning
 *    and the deadline still delivers it once — the id dedupes — and stale
 *    ones do not pile up);
 *  - the breach at the deadline, even if that is past (it fires at once;
 *    the id dedupes);
 *  - each ladder step at deadline + after (in working time when the
 *    clock counts on the calendar), even if past.
 * WL_OK, WL_EBADREQ for a bad case number or argument, WL_ETOOBIG when
 * cap is too small (out holds the first cap).
 */
int sla_plan(const struct sla_conf *conf, const struct sla_state *st,
	     const char *case_no, int64_t version, int64_t now,
	     struct sla_fire *out, size_t cap, size_t *n);

/* The sorted-set member for a fire: "<id>|<version>". WL_OK or
 * WL_ETOOBIG (size >= SLA_MEMBER_MAX always suffices). */
int sla_fire_member(const struct sla_fire *f, char *buf, size_t size);
/* Back from a member (not NUL-terminated, len bytes): fills case_no, id,
 * clock, kind, level, occurrence and version; the rest is zero (see
 * sla_fire_complete). WL_OK or WL_EBADREQ. */
int sla_fire_parse(const char *member, size_t len, struct sla_fire *f);
/* True when the fire was planned for this case version and its clock is
 * still running in the same occurrence. Anything else is stale: drop. */
bool sla_fire_is_current(const struct sla_fire *f, int64_t case_version,
			 const struct sla_state *st);
/* Fills deadline_ms, at_ms, flags, notify and release of a parsed fire
 * from the current configuration and state. WL_OK, or WL_ENOTFOUND when the
 * configuration no longer has that warning or ladder level. */
int sla_fire_complete(const struct sla_conf *conf, const struct sla_state *st,
		      struct sla_fire *f);

/* A completed warning (sla_fire_complete) that must not go out at now:
 * its deadline has passed (the breach says more), or a later warning of
 * the same clock is already due and supersedes it (after downtime or a
 * clock step, only the latest warning is sent). False for other kinds. */
bool sla_fire_superseded(const struct sla_conf *conf,
			 const struct sla_state *st, const struct sla_fire *f,
			 int64_t now);

/* The alert text, Chinese first then English, NUL-terminated in buf.
 * Returns the length it needed (snprintf's contract), or WL_EBADREQ. */
int sla_fire_text(const struct sla_conf *conf, const struct sla_fire *f,
		  int64_t now, char *buf, size_t size);

/* ------------------------------------------------------------------ */
/* the state on the case hash */

/* Largest stored state accepted by sla_state_load. */
#define SLA_STATE_MAX_BYTES 4096

/* A compact JSON object with a format version, idle clocks and zero
 * fields left out, e.g.
 * {"v":1,"respond":{"run":"met","n":1,"fl":2,"budget":3600000,...}}.
 * *out is malloc'ed and NUL-terminated; the caller frees it. WL_OK or
 * WL_ENOMEM. */
int sla_state_dump(const struct sla_state *st, char **out, size_t *len);
/* Parses what sla_state_dump wrote; anything else (unknown keys, values
 * out of range, more than SLA_STATE_MAX_BYTES) is WL_EBADREQ and leaves
 * st all idle. */
int sla_state_load(const char *s, size_t len, struct sla_state *st);
/* The same as a jansson value (a new reference, NULL on OOM) and from
 * one. */
json_t *sla_state_to_json(const struct sla_state *st);
int sla_state_from_json(json_t *obj, struct sla_state *st);

#endif
