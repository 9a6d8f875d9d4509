/*
 * case_index.h — the case indexes the commit keeps (cases by status, by
 * status and area, by status and holder; each ordered by created, see
 * src/lua/lib/index.lua), read whole and true: one page at a time with a
 * cursor, and the count of every status in the same scope. Used by the
 * morning digest and the admin API; the inbound load reads the same
 * indexes inside its own round trip.
 *
 * Ownership: case_index_query() hands back new JSON references the caller
 * json_decref()s.
 */
#ifndef WL_CASE_INDEX_H
#define WL_CASE_INDEX_H

#include <jansson.h>

/* At start: index the cases stored before the indexes existed, a page at
 * a time, unless that was done already. WL_OK or WL_EREDIS. */
int case_index_build(void);

/* One page: q is {statuses: [...], areas: [ids] or null, holder: id or
 * null, after: [created, no] or null, limit} (limit at most 1000).
 * *counts: [new, claimed, resolved, closed, cancelled] in scope; *cases:
 * the page's case hashes as objects, oldest first. The next page's
 * cursor is the last case's [created, no]. */
int case_index_query(const json_t *q, json_t **counts, json_t **cases);

#endif
