-- timer_done.lua — leased timers were handled: drop their leases (a batch
-- in one call).
-- KEYS: none; every key is built inside from the prefix ARGV[1].
-- ARGV: 1 prefix, 2.. members.
-- Returns how many leases it dropped.
return redis.call('ZREM', ARGV[1] .. 'timers:lease', unpack(ARGV, 2))
