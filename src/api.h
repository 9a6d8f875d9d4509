/*
 * api.h — the admin API under /api/v1/, behind Authorization: Bearer.
 */
#ifndef WL_API_H
#define WL_API_H

#include "http.h"

int api_handle(struct http_ctx *h);

#endif
