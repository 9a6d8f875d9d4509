/*
 * clock.c — the one "now", real or fake (see clock.h).
 *
 * The fake clock is an offset added to the real time, so a daemon under
 * test still moves forward on its own between requests and timers keep
 * their order; clock_advance() only ever grows the offset.
 */
#include "clock.h"

#include <stdatomic.h>
#include <time.h>

static bool clock_fake;
static _Atomic int64_t clock_offset_ms;

void clock_init(bool fake)
{
	clock_fake = fake;
	atomic_store(&clock_offset_ms, 0);
}

bool clock_is_fake(void)
{
	return clock_fake;
}

static int64_t clock_read(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t clock_now_ms(void)
{
	return clock_read(CLOCK_REALTIME) + atomic_load(&clock_offset_ms);
}

int64_t clock_advance(int64_t ms)
{
	if (clock_fake && ms > 0)
		atomic_fetch_add(&clock_offset_ms, ms);
	return clock_now_ms();
}

int64_t clock_mono_ms(void)
{
	return clock_read(CLOCK_MONOTONIC);
}

int64_t clock_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
