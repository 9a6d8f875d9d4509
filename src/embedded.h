/*
 * embedded.h — the private redis-server of the quickstart.
 *
 * With "redis": {"embedded": {...}} the daemon starts its own
 * redis-server on loopback, with its data (append-only file) in a local
 * folder, and stops it when it stops. A server left running on that port
 * by an earlier daemon with the same folder is reused.
 */
#ifndef WL_EMBEDDED_H
#define WL_EMBEDDED_H

#include "config.h"

int embedded_start(const struct wl_config *cfg);
void embedded_stop(void);

#endif
