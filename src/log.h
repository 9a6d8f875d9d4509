/*
 * log.h — one line per event: "time level component message key=value…".
 *
 * Values that hold a phone number, a resident ID or a name are passed
 * through log_kv_phone()/log_kv_name(), which mask them (138****0000,
 * 张*). Lines go to stderr, written with one write() so threads do not
 * interleave.
 */
#ifndef WL_LOG_H
#define WL_LOG_H

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_set_level(enum log_level l);
/* fmt is the message followed by key=value pairs, e.g.
 * log_msg(LOG_INFO, "http", "listening addr=%s port=%d", host, port); */
void log_msg(enum log_level l, const char *component, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_debug(c, ...) log_msg(LOG_DEBUG, c, __VA_ARGS__)
#define log_info(c, ...)  log_msg(LOG_INFO, c, __VA_ARGS__)
#define log_warn(c, ...)  log_msg(LOG_WARN, c, __VA_ARGS__)
#define log_error(c, ...) log_msg(LOG_ERROR, c, __VA_ARGS__)

#endif
