-- timer_done.lua — a leased timer was handled: drop its lease.
-- KEYS: none; every key is built inside from the prefix ARGV[1].
-- ARGV: 1 prefix, 2 member.
-- Returns 1, or 0 when it held no lease.
return redis.call('ZREM', ARGV[1] .. 'timers:lease', ARGV[2])
