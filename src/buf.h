/*
 * buf.h — a growable byte string, after git's strbuf.
 *
 * Ownership: a struct buf is _init'ed by its owner and _release'd by its
 * owner; buf_detach() hands the bytes to the caller (free() them) and
 * leaves the buf empty. s is always NUL-terminated once anything was
 * added. An allocation failure sets oom and makes every later add a no-op,
 * so callers check once at the end.
 */
#ifndef WL_BUF_H
#define WL_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *s;
	size_t len, cap;
	bool oom;
};

#define BUF_INIT                                                               \
	{                                                                      \
		NULL, 0, 0, false                                              \
	}

void buf_init(struct buf *b);
void buf_release(struct buf *b);
char *buf_detach(struct buf *b, size_t *len);
void buf_add(struct buf *b, const void *data, size_t len);
void buf_adds(struct buf *b, const char *s);
void buf_addf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void buf_reset(struct buf *b);

#endif
