/*
 * http_conns.h — the request deadline of the HTTP server: every open
 * connection must deliver a whole request within request_timeout_s of
 * being accepted (or of its last answer), however slowly it trickles
 * bytes. libmicrohttpd's own timeout is an idle timeout that each byte
 * renews, so a slow client could hold a connection for ever; here a
 * reaper thread shuts such connections down. It also keeps the closing
 * of connections out of the log but for one line a second.
 *
 * Ownership: http_conns_start() before the server starts and
 * http_conns_stop() after it stopped; the tracking entries belong to
 * libmicrohttpd's per-connection socket context (created in
 * http_conns_notify STARTED, freed in CLOSED).
 */
#ifndef WL_HTTP_CONNS_H
#define WL_HTTP_CONNS_H

#include <stdarg.h>

#include <microhttpd.h>

int http_conns_start(int request_timeout_s);
void http_conns_stop(void);

/* MHD_OPTION_NOTIFY_CONNECTION callback. */
void http_conns_notify(void *cls, struct MHD_Connection *conn,
		       void **socket_context,
		       enum MHD_ConnectionNotificationCode code);
/* The connection's request is complete and being answered (busy) or was
 * answered (idle again: a new deadline for the next request). */
void http_conns_busy(struct MHD_Connection *conn, int busy);
/* Log a libmicrohttpd message, at most one line a second; the others are
 * counted into the next line. */
void http_conns_log(const char *fmt, va_list ap)
    __attribute__((format(printf, 1, 0)));

#endif
