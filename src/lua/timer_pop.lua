-- timer_pop.lua — lease up to max due timers. Timers whose lease expired
-- (a daemon died while handling them) are due again first.
-- KEYS: none; every key is built inside from the prefix ARGV[1].
-- ARGV: 1 prefix, 2 now (ms, the daemon's clock: what is due), 3 lease_ms,
--       4 max.
-- Leases are kept on Redis's own clock (TIME), so a daemon whose clock runs
-- ahead cannot take back a fire another daemon is still handling.
-- Returns {member, ...}.
local p = ARGV[1]
local now = tonumber(ARGV[2])
local tm = redis.call('TIME')
local rnow = tonumber(tm[1]) * 1000 + math.floor(tonumber(tm[2]) / 1000)
local t, l = p .. 'timers', p .. 'timers:lease'
for _, m in ipairs(redis.call('ZRANGEBYSCORE', l, '-inf', rnow,
    'LIMIT', 0, 100)) do
  redis.call('ZREM', l, m)
  redis.call('ZADD', t, now, m)
end
local due = redis.call('ZRANGEBYSCORE', t, '-inf', now, 'LIMIT', 0,
  tonumber(ARGV[4]))
for _, m in ipairs(due) do
  redis.call('ZREM', t, m)
  redis.call('ZADD', l, rnow + tonumber(ARGV[3]), m)
end
return due
