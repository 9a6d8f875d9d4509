/*
 * clock.h — the one "now" of the daemon.
 *
 * Every module asks clock_now_ms() for the time. In a --fake-clock daemon
 * the clock starts at the real time and moves forward only by
 * clock_advance(), so tests make "an hour passes" take milliseconds.
 * Thread-safe.
 */
#ifndef WL_CLOCK_H
#define WL_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

void clock_init(bool fake);
bool clock_is_fake(void);
int64_t clock_now_ms(void);
/* Fake clock only; returns the new now. */
int64_t clock_advance(int64_t ms);
/* Monotonic milliseconds for measuring durations (never faked). */
int64_t clock_mono_ms(void);
int64_t clock_mono_us(void);

#endif
