-- outbox_done.lua — record the outcome of one send and release the lease
-- on the recipient's queue.
-- KEYS: none; every key is built inside from the prefix ARGV[1].
-- ARGV: 1 prefix, 2 queue, 3 id, 4 owner, 5 outcome (sent|retry|dead|defer),
--       6 delay_ms, 7 now (ms), 8 error.
-- defer puts the queue back for later without counting a try (the
-- channel's rate limit). Returns 1, or 0 when the lease was lost to
-- another daemon.
local p = ARGV[1]
local q, id, now = ARGV[2], ARGV[3], tonumber(ARGV[7])
local owners = p .. 'ob:owner'
if redis.call('HGET', owners, q) ~= ARGV[4] then return 0 end
redis.call('HDEL', owners, q)
redis.call('ZREM', p .. 'ob:lease', q)
local mk = p .. 'ob:m:' .. id
local qk = p .. 'ob:q:' .. q
if ARGV[5] == 'defer' then
  redis.call('ZADD', p .. 'ob:ready', now + tonumber(ARGV[6]), q)
  return 1
end
if ARGV[5] == 'retry' then
  redis.call('HINCRBY', mk, 'tries', 1)
  redis.call('HSET', mk, 'error', ARGV[8])
  redis.call('ZADD', p .. 'ob:ready', now + tonumber(ARGV[6]), q)
  return 1
end
if redis.call('LINDEX', qk, 0) == id then redis.call('LPOP', qk) end
if ARGV[5] == 'dead' then
  local m = redis.call('HMGET', mk, 'channel', 'to', 'text', 'tries',
    'created')
  redis.call('RPUSH', p .. 'ob:dead', cjson.encode({id = id,
    channel = m[1], to = m[2], text = m[3],
    tries = tonumber(m[4] or '0') + 1, created = m[5],
    error = ARGV[8], at = now}))
  redis.call('LTRIM', p .. 'ob:dead', -100000, -1)
end
if redis.call('DEL', mk) == 1 then redis.call('DECR', p .. 'ob:depth') end
if redis.call('LLEN', qk) > 0 then
  redis.call('ZADD', p .. 'ob:ready', now, q)
end
return 1
