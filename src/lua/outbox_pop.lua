-- outbox_pop.lua — lease the next outbound message of up to max ready
-- recipient queues. Reclaims expired leases first (a daemon died mid-send).
-- KEYS: none; every key is built inside from the prefix ARGV[1].
-- ARGV: 1 prefix, 2 now (ms), 3 lease_ms, 4 owner (daemon id), 5 max.
-- Returns {{queue, id, channel, to, text, tries}, ...}.
local p = ARGV[1]
local now = tonumber(ARGV[2])
local lease = p .. 'ob:lease'
local ready = p .. 'ob:ready'
local owners = p .. 'ob:owner'
for _, q in ipairs(redis.call('ZRANGEBYSCORE', lease, '-inf', now,
    'LIMIT', 0, 100)) do
  redis.call('ZREM', lease, q)
  redis.call('HDEL', owners, q)
  redis.call('ZADD', ready, now, q)
end
local out = {}
for _, q in ipairs(redis.call('ZRANGEBYSCORE', ready, '-inf', now,
    'LIMIT', 0, tonumber(ARGV[5]))) do
  redis.call('ZREM', ready, q)
  local qk = p .. 'ob:q:' .. q
  local id = redis.call('LINDEX', qk, 0)
  while id do
    local m = redis.call('HMGET', p .. 'ob:m:' .. id, 'channel',
      'to', 'text', 'tries')
    if m[1] then
      redis.call('ZADD', lease, now + tonumber(ARGV[3]), q)
      redis.call('HSET', owners, q, ARGV[4])
      out[#out + 1] = {q, id, m[1], m[2], m[3], m[4]}
      break
    end
    redis.call('LPOP', qk)
    id = redis.call('LINDEX', qk, 0)
  end
end
return out
