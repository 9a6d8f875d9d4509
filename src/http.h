/*
 * http.h — the HTTP front: libmicrohttpd with a pool of worker threads
 * (epoll), one table of routes, capped bodies.
 */
#ifndef WL_HTTP_H
#define WL_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "config.h"

struct MHD_Connection;

/* One request as a handler sees it. The handler sets status and type and
 * writes the body into out; everything else is borrowed. */
struct http_ctx {
	const struct wl_config *cfg;
	struct MHD_Connection *conn;
	const char *method;
	const char *path; /* without the query */
	const char *uri;  /* raw, with the query */
	const char *body;
	size_t body_len;
	const char *peer;
	int status;
	const char *type;
	struct buf out;
	int scope; /* admin API: -1 every area, else the token's area index */
	/* The signed-in staff member of a console session (console.c), or
	 * NULL for a token. */
	const struct wl_staff *staff;
	/* Extra response headers, "Name: value\r\n" each (Set-Cookie,
	 * Location, Cache-Control); "" for none. */
	char headers[1024];
	/* A file name for Content-Disposition: attachment (a download), or
	 * "" for none. */
	char filename[64];
};

struct http_route {
	const char *method; /* NULL: any */
	const char *path;
	bool prefix;
	int (*fn)(struct http_ctx *h);
	bool admin; /* behind the admin token (checked by the handler) */
};

const char *http_ctx_header(const struct http_ctx *h, const char *name);
const char *http_ctx_arg(const struct http_ctx *h, const char *name);
/* Replace the answer with {"error": {"code": code, "message": message}}. */
void http_json_error(struct http_ctx *h, int status, const char *code,
		     const char *message);

/* Add a response header; false when it does not fit. */
bool http_ctx_add_header(struct http_ctx *h, const char *name,
			 const char *value);

int http_start(const struct wl_config *cfg);
/* Stop accepting, let the requests in flight finish (up to drain_ms),
 * then stop the workers. */
void http_stop(int drain_ms);

#endif
