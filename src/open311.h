/*
 * open311.h — the read side of Open311 GeoReport v2, so 311-style
 * dashboards and city tools can follow the hotline's cases:
 *
 *   GET /open311/v2/services.json          the kinds of request (flows)
 *   GET /open311/v2/requests.json          cases, filtered
 *   GET /open311/v2/requests/{id}.json     one case
 *
 * Public like any GeoReport server, so a request carries no person: no
 * name, no phone, no home address, no free text a resident typed. Its
 * place is the responsible area (street, community, grid) and its
 * description the kind of problem. docs/REPORTS.md lists the fields.
 */
#ifndef WL_OPEN311_H
#define WL_OPEN311_H

#include "http.h"

/* Most requests one list answer returns (newest first), and the longest
 * date range one list reads. */
#define OPEN311_MAX_RESULTS 1000
#define OPEN311_MAX_DAYS    90

int open311_handle(struct http_ctx *h);

#endif
