/*
 * api.h — the admin API under /api/v1/, behind Authorization: Bearer.
 */
#ifndef WL_API_H
#define WL_API_H

#include "http.h"

int api_handle(struct http_ctx *h);
/* Read and check "admin": {"scoped": [{"area", "token"|"token_env"}]}:
 * tokens that see and act on one area's subtree only. WL_OK or
 * WL_EBADREQ with "FILE: WHERE: WHAT" lines. */
int api_load(const struct wl_config *cfg, struct wl_diag *d);
void api_release(void);

#endif
