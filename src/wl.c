/*
 * wl.c — names and HTTP statuses for the shared return codes.
 */
#include "wl.h"

const char *wl_strerror(int err)
{
	switch (err) {
	case WL_OK: return "ok";
	case WL_ENOMEM: return "out of memory";
	case WL_EAUTH: return "unauthorized";
	case WL_EFORBIDDEN: return "forbidden";
	case WL_EBADREQ: return "bad request";
	case WL_ETOOBIG: return "too large";
	case WL_ENOTFOUND: return "not found";
	case WL_EREDIS: return "redis unavailable";
	case WL_ECONFLICT: return "conflict";
	case WL_EINTERNAL: return "internal error";
	case WL_EIO: return "i/o error";
	}
	return "unknown error";
}

int wl_http_status(int err)
{
	switch (err) {
	case WL_OK: return 200;
	case WL_EAUTH: return 401;
	case WL_EFORBIDDEN: return 403;
	case WL_EBADREQ: return 400;
	case WL_ETOOBIG: return 413;
	case WL_ENOTFOUND: return 404;
	case WL_EREDIS:
	case WL_ECONFLICT: return 503;
	default: return 500;
	}
}
