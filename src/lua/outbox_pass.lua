-- outbox_pass.lua — one pass of a daemon's sender in one round trip: record
-- the outcomes of the sends that finished since the last pass, then lease
-- the head message of up to max ready recipient queues. A queue that an
-- outcome just freed is ready again at once, so a recipient's next message
-- goes out in the same call that records the previous one.
-- Every time here is Redis's own clock (TIME), never a daemon's: leases and
-- delays are compared between daemons whose clocks may disagree. Work is
-- O(outcomes + max): expired leases are reclaimed at most max at a time.
-- KEYS: none; every key is built inside from the prefix ARGV[1].
-- ARGV: 1 prefix, 2 owner (this daemon), 3 lease_ms, 4 max,
--       5 outcomes (JSON array, may be empty) of
--         {q, id, outcome (sent|retry|dead|defer), delay_ms, error}.
-- retry puts the queue back after delay_ms and counts a try; defer does
-- the same without counting one (the channel's rate limit); sent and dead
-- drop the message (dead also to ob:dead).
-- Returns {{id of an outcome whose lease was lost to another daemon, ...},
--          {{queue, id, channel, to, text, tries}, ...}}.
local p = ARGV[1]
local owner = ARGV[2]
local lease_ms = tonumber(ARGV[3])
local max = tonumber(ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = p .. 'ob:lease'
local ready = p .. 'ob:ready'
local owners = p .. 'ob:owner'

local lost = {}
for _, d in ipairs(cjson.decode(ARGV[5])) do
  local q, id = d.q, d.id
  local mk = p .. 'ob:m:' .. id
  local qk = p .. 'ob:q:' .. q
  if redis.call('HGET', owners, q) ~= owner then
    lost[#lost + 1] = id
  else
    redis.call('HDEL', owners, q)
    redis.call('ZREM', lease, q)
    if d.outcome == 'defer' then
      redis.call('ZADD', ready, now + d.delay_ms, q)
    elseif d.outcome == 'retry' then
      redis.call('HINCRBY', mk, 'tries', 1)
      redis.call('HSET', mk, 'error', d.error)
      redis.call('ZADD', ready, now + d.delay_ms, q)
    else
      if redis.call('LINDEX', qk, 0) == id then redis.call('LPOP', qk) end
      if d.outcome == 'dead' then
        local m = redis.call('HMGET', mk, 'channel', 'to', 'text', 'tries',
          'created')
        redis.call('RPUSH', p .. 'ob:dead', cjson.encode({id = id,
          channel = m[1], to = m[2], text = m[3],
          tries = tonumber(m[4] or '0') + 1, created = m[5],
          error = d.error, at = now}))
        redis.call('LTRIM', p .. 'ob:dead', -100000, -1)
      end
      if redis.call('DEL', mk) == 1 then
        redis.call('DECR', p .. 'ob:depth')
      end
      if redis.call('LLEN', qk) > 0 then
        redis.call('ZADD', ready, now, q)
      end
    end
  end
end

local out = {}
if max <= 0 then return {lost, out} end
-- A daemon died mid-send: its leases expire and the queues are ready.
for _, q in ipairs(redis.call('ZRANGEBYSCORE', lease, '-inf', now,
    'LIMIT', 0, max)) do
  redis.call('ZREM', lease, q)
  redis.call('HDEL', owners, q)
  redis.call('ZADD', ready, now, q)
end
for _, q in ipairs(redis.call('ZRANGEBYSCORE', ready, '-inf', now,
    'LIMIT', 0, max)) do
  redis.call('ZREM', ready, q)
  local qk = p .. 'ob:q:' .. q
  local id = redis.call('LINDEX', qk, 0)
  while id do
    local m = redis.call('HMGET', p .. 'ob:m:' .. id, 'channel',
      'to', 'text', 'tries')
    if m[1] then
      redis.call('ZADD', lease, now + lease_ms, q)
      redis.call('HSET', owners, q, owner)
      out[#out + 1] = {q, id, m[1], m[2], m[3], m[4]}
      break
    end
    -- An id whose message is gone (never expected): skip it.
    redis.call('LPOP', qk)
    id = redis.call('LINDEX', qk, 0)
  end
end
return {lost, out}
