/*
 * wl.h — the return codes every module shares.
 *
 * Functions that can fail return an int: WL_OK (0) or one of these negative
 * codes, and clean up through a single `out:` label. The HTTP layer maps a
 * code to a status with wl_http_status().
 */
#ifndef WL_WL_H
#define WL_WL_H

enum wl_err {
	WL_OK = 0,
	WL_ENOMEM = -1,	    /* allocation failed */
	WL_EAUTH = -2,	    /* signature or token wrong or missing: 401 */
	WL_EFORBIDDEN = -3, /* authenticated but not allowed: 403 */
	WL_EBADREQ = -4,    /* malformed input: 400 */
	WL_ETOOBIG = -5,    /* over a size cap: 413 */
	WL_ENOTFOUND = -6,  /* 404 */
	WL_EREDIS = -7,	    /* Redis unreachable or failed: 503 */
	WL_ECONFLICT = -8,  /* session version moved: retry the step */
	WL_EINTERNAL = -9,  /* a bug or an impossible state: 500 */
	WL_EIO = -10,	    /* file or socket error */
};

const char *wl_strerror(int err);
int wl_http_status(int err);

#define WL_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
