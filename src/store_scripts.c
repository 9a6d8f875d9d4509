/*
 * store_scripts.c — which Lua script is which. The scripts are warmline's
 * only writers to Redis, each one atomic step, one file each in src/lua/
 * (each file states its ARGV and what it returns; ARGV[1] is always the key
 * prefix). The build embeds them (cmake/embed_lua.cmake); here each enum
 * store_script is bound to its script by name.
 *
 * Keys (prefix "wl:" by default):
 *   dedupe:{channel}:{msgid}    "1", expires after dedupe_ttl_s
 *   contact:{channel}:{from}    hash: name, first_seen, last_seen
 *   session:{channel}:{from}    hash: v (version), data (engine state)
 *   inbox                       stream of every acknowledged message
 *   ob:seq, ob:epoch            outbound ids are "<epoch>-<seq>": the epoch
 *                               (Redis's clock when it was first needed)
 *                               keeps them unique if Redis ever starts
 *                               empty, which gateways that drop repeated
 *                               ids (Feishu's uuid) rely on
 *   ob:m:{id}                   hash: channel, to, text, tries, created
 *   ob:q:{channel}:{to}         list of ids: one recipient's queue, in order
 *   ob:ready                    zset: queue name -> when its head may go
 *                               (Redis's clock, ms)
 *   ob:lease                    zset: queue name -> lease expiry (Redis's
 *                               clock, ms)
 *   ob:owner                    hash: queue name -> daemon holding the lease
 *   ob:dead                     list of JSON: dead-lettered messages
 *   ob:depth                    messages queued and not yet done
 *   case:seq                    the last case number (starts at 1000)
 *   case:{no}                   hash: the case; v is its version
 *   case:{no}:tl                list of JSON {at, who, what, detail}: the
 *                               case's timeline, oldest first (a stream
 *                               in data written before; still read)
 *   cases                       zset: case number -> created (ms)
 *   cases:st:{status}           zset: case number -> created, per status
 *   cases:st:{status}:area:{a}  the same, the cases whose area is a
 *   cases:st:{status}:holder:{u} the same, the cases staff member u holds
 *   cases:idx                   "1" once the three above are complete
 *   case:open:{channel}:{from}  zset: a resident's open cases
 *   case:ext:{ref}              the case opened for an external work order
 *   visits, visit:{id}          zset by time, hash: visit records (附件1)
 *   timers                      zset: JSON timer -> when it is due
 *   timers:lease                zset: timers being handled -> lease expiry
 *                               (Redis's clock)
 *   replay:{channel}:{sig}      digest of the body first seen with a
 *                               request signature that does not cover the
 *                               body; kept beyond the vendor's window
 *   case:{no}:fired             hash: response-time fire id -> when its
 *                               alert went out; lives as long as the case
 *
 * A recipient's queue is either in ob:ready or in ob:lease, never both, so
 * only one message per recipient is in flight and order is kept.
 */
#include "store_scripts.h"

#include <string.h>

static const char *const store_script_names[STORE_SCRIPT_COUNT] = {
    [STORE_INBOUND_LOAD] = "inbound_load",
    [STORE_INBOUND_COMMIT] = "inbound_commit",
    [STORE_OUTBOX_PASS] = "outbox_pass",
    [STORE_TIMER_POP] = "timer_pop",
    [STORE_TIMER_DONE] = "timer_done",
    [STORE_CASE_CREATE] = "case_create",
    [STORE_CASE_LIST] = "case_list",
    [STORE_SCHED_RUN] = "sched_run",
    [STORE_REPORT_FETCH] = "report_fetch",
    [STORE_CASE_INDEX] = "case_index",
    [STORE_CASE_REINDEX] = "case_reindex",
    [STORE_CASE_TIMELINE] = "case_timeline",
};

const char *store_script_name(enum store_script s)
{
	if ((int)s < 0 || s >= STORE_SCRIPT_COUNT)
		return NULL;
	return store_script_names[s];
}

const struct store_script_text *store_script_find(const char *name)
{
	const struct store_script_text *found = NULL;

	if (!name)
		goto out;
	for (size_t i = 0; i < store_script_text_count; i++)
		if (strcmp(store_script_texts[i].name, name) == 0) {
			found = &store_script_texts[i];
			goto out;
		}
out:
	return found;
}
