/*
 * log.c — one line per event on stderr (see log.h).
 *
 * Format: "2026-11-22T10:00:00.123+08:00 INFO http message key=value".
 * The whole line is built first and written with one write(2), so lines
 * from different threads never interleave.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

static enum log_level log_min = LOG_INFO;

void log_set_level(enum log_level l)
{
	log_min = l;
}

static const char *const log_names[] = {"DEBUG", "INFO", "WARN", "ERROR"};

void log_msg(enum log_level l, const char *component, const char *fmt, ...)
{
	char line[2048];
	struct tm tm;
	int64_t now = clock_now_ms();
	time_t secs = (time_t)(now / 1000);
	size_t n;
	int k;
	va_list ap;

	if (l < log_min)
		return;
	localtime_r(&secs, &tm);
	n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	k = snprintf(line + n, sizeof(line) - n, ".%03d ", (int)(now % 1000));
	if (k > 0)
		n += (size_t)k;
	k = snprintf(line + n, sizeof(line) - n, "%s %s ", log_names[l],
		     component);
	if (k > 0 && (size_t)k < sizeof(line) - n)
		n += (size_t)k;
	va_start(ap, fmt);
	k = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	if (k > 0)
		n += (size_t)k;
	if (n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	/* A log line is one line: a newline inside a value would let input
	 * forge a second event. */
	for (size_t i = 0; i < n; i++)
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0)
		return;
}
