-- timer_pop.lua — lease up to max due timers. Timers whose lease expired
-- (a daemon died while handling them) are due again first.
-- KEYS: none; every key is built inside from the prefix ARGV[1].
-- ARGV: 1 prefix, 2 now (ms), 3 lease_ms, 4 max.
-- Returns {member, ...}.
local p = ARGV[1]
local now = tonumber(ARGV[2])
local t, l = p .. 'timers', p .. 'timers:lease'
for _, m in ipairs(redis.call('ZRANGEBYSCORE', l, '-inf', now,
    'LIMIT', 0, 100)) do
  redis.call('ZREM', l, m)
  redis.call('ZADD', t, now, m)
end
local due = redis.call('ZRANGEBYSCORE', t, '-inf', now, 'LIMIT', 0,
  tonumber(ARGV[4]))
for _, m in ipairs(due) do
  redis.call('ZREM', t, m)
  redis.call('ZADD', l, now + tonumber(ARGV[3]), m)
end
return due
