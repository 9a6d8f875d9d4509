-- lib/enqueue.lua — included by the scripts that queue outbound messages
-- (not a script of its own). Defines p (the key prefix, ARGV[1]) and
-- enqueue(o, now): o = {channel, to, text}; appends a new ob:m:<id> to the
-- recipient's queue ob:q:<channel>:<to>, counts it in ob:depth and makes the
-- queue ready unless a daemon holds its lease. Returns the id
-- "<epoch>-<seq>": the epoch (Redis's clock when first needed) keeps ids
-- unique if Redis ever starts empty. `now` (the daemon's clock) is only
-- recorded as created; when the queue may go is Redis's clock, the one
-- outbox_pass.lua compares with.
local p = ARGV[1]
local ob_now = nil
local function enqueue(o, now)
  if not ob_now then
    local t = redis.call('TIME')
    ob_now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  end
  local ep = redis.call('GET', p .. 'ob:epoch')
  if not ep then
    local t = redis.call('TIME')
    ep = t[1] .. string.format('%06d', tonumber(t[2]))
    redis.call('SET', p .. 'ob:epoch', ep)
  end
  local id = ep .. '-' .. redis.call('INCR', p .. 'ob:seq')
  redis.call('HSET', p .. 'ob:m:' .. id, 'channel', o.channel,
    'to', o.to, 'text', o.text, 'tries', 0, 'created', now)
  local q = o.channel .. ':' .. o.to
  redis.call('RPUSH', p .. 'ob:q:' .. q, id)
  redis.call('INCR', p .. 'ob:depth')
  if not redis.call('ZSCORE', p .. 'ob:lease', q) then
    redis.call('ZADD', p .. 'ob:ready', 'NX', ob_now, q)
  end
  return id
end
