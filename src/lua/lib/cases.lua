-- lib/cases.lua — included after lib/enqueue.lua and lib/index.lua by the
-- scripts that open and change cases (not a script of its own). A case op is
--   {op="open", fields, urgency, area, source, channel, from, ext_ref?,
--    session_case, who, detail, notify=[{channel,to,text}]}
--   {op="set", no, expect, fields, what, who, detail, notify=[...]}
--   {op="session", channel, from, data, only_if_idle}
--   {op="visit", fields}
--   {op="log", no, who, what, detail, notify}: a timeline entry and its
--     messages, without moving the case's version (response-time alerts)
-- open and set ops may carry timers=[{member, at}] for the "timers" set,
-- and set ops untimers=[member]: the fires of the plan this one replaces;
-- "NEWCASE" in an open op's members becomes its number.
-- "{case.no}" in any text of an open op's notify becomes its number.
-- Defines replace, timeline, set_fields, case_open, case_set, session_put,
-- visit_add, case_ops (returns the number of the case opened for the
-- session, or nil) and case_conflict (true when an op's expect is stale).
local function replace(s, what, with)
  local i, j = string.find(s, what, 1, true)
  while i do
    s = string.sub(s, 1, i - 1) .. with .. string.sub(s, j + 1)
    i, j = string.find(s, what, i + #with, true)
  end
  return s
end
local function timeline(no, now, who, what, detail)
  tl_add(no, now, who, what, detail)
end
local function set_fields(k, fields)
  if type(fields) ~= 'table' then return end
  for f, v in pairs(fields) do
    if v == cjson.null then redis.call('HDEL', k, f)
    elseif type(v) == 'table' then
      redis.call('HSET', k, f, cjson.encode(v))
    else redis.call('HSET', k, f, tostring(v)) end
  end
end
local function case_open(op, now)
  local seq = p .. 'case:seq'
  redis.call('SETNX', seq, 1000)
  local no = tostring(redis.call('INCR', seq))
  local k = p .. 'case:' .. no
  set_fields(k, op.fields)
  redis.call('HSET', k, 'no', no, 'v', 1, 'status', 'new',
    'urgency', op.urgency, 'area', op.area, 'source', op.source,
    'channel', op.channel or '', 'from', op.from or '',
    'created', now, 'updated', now)
  redis.call('ZADD', p .. 'cases', now, no)
  index_put(no, now, nil, {'new', op.area, false})
  if op.from and op.from ~= '' then
    redis.call('ZADD', p .. 'case:open:' .. op.channel .. ':' ..
      op.from, now, no)
  end
  if op.ext_ref then
    redis.call('SET', p .. 'case:ext:' .. op.ext_ref, no)
    redis.call('HSET', k, 'ext_ref', op.ext_ref)
  end
  timeline(no, now, op.who, 'created', op.detail)
  for _, t in ipairs(op.timers or {}) do
    redis.call('ZADD', p .. 'timers', t.at,
      replace(t.member, 'NEWCASE', no))
  end
  for _, o in ipairs(op.notify or {}) do
    o.text = replace(o.text, '{case.no}', no)
    enqueue(o, now)
  end
  return no
end
local function case_set(op, now)
  local k = p .. 'case:' .. op.no
  local old = redis.call('HMGET', k, 'status', 'claimed_by',
    'channel', 'from', 'area', 'created')
  set_fields(k, op.fields)
  redis.call('HINCRBY', k, 'v', 1)
  redis.call('HSET', k, 'updated', now)
  local f = type(op.fields) == 'table' and op.fields or {}
  local st = f.status
  local cur = redis.call('HMGET', k, 'status', 'area', 'claimed_by')
  if old[1] and (cur[1] ~= old[1] or cur[2] ~= old[5] or
      cur[3] ~= old[2]) then
    index_put(op.no, old[6] or now, {old[1], old[5], old[2]}, cur)
  end
  if st and st ~= old[1] then
    local ok = p .. 'case:open:' .. (old[3] or '') .. ':' ..
      (old[4] or '')
    if st == 'closed' or st == 'cancelled' then
      redis.call('ZREM', ok, op.no)
    elseif old[4] and old[4] ~= '' then
      redis.call('ZADD', ok, now, op.no)
    end
    local ext = redis.call('HMGET', k, 'ext_channel', 'ext_ref')
    if ext[1] and ext[2] then
      enqueue({channel = ext[1], to = ext[2], text = cjson.encode(
        {no = op.no, ext_ref = ext[2], status = st, at = now})},
        now)
    end
  end
  timeline(op.no, now, op.who, op.what, op.detail)
  for _, m in ipairs(op.untimers or {}) do
    redis.call('ZREM', p .. 'timers', m)
  end
  for _, t in ipairs(op.timers or {}) do
    redis.call('ZADD', p .. 'timers', t.at, t.member)
  end
  for _, o in ipairs(op.notify or {}) do enqueue(o, now) end
end
local function session_put(op, now, ttl)
  local k = p .. 'session:' .. op.channel .. ':' .. op.from
  if op.only_if_idle and (redis.call('HGET', k, 'data') or '') ~= ''
    then return end
  redis.call('HINCRBY', k, 'v', 1)
  redis.call('HSET', k, 'data', op.data)
  redis.call('EXPIRE', k, ttl)
  for _, o in ipairs(op.notify or {}) do enqueue(o, now) end
end
local function visit_add(op, now)
  local id = redis.call('INCR', p .. 'visit:seq')
  redis.call('HSET', p .. 'visit:' .. id, 'at', now,
    'data', cjson.encode(op.fields))
  redis.call('ZADD', p .. 'visits', now, id)
end
local function case_ops(ops, now, ttl)
  local session_no = nil
  for _, op in ipairs(ops or {}) do
    if op.op == 'open' then
      local no = case_open(op, now)
      if op.session_case or not session_no then session_no = no end
    elseif op.op == 'set' then case_set(op, now)
    elseif op.op == 'session' then session_put(op, now, ttl)
    elseif op.op == 'visit' then visit_add(op, now)
    elseif op.op == 'log' then
      timeline(op.no, now, op.who, op.what, op.detail)
      for _, o in ipairs(op.notify or {}) do enqueue(o, now) end
    end
  end
  return session_no
end
local function case_conflict(ops)
  for _, op in ipairs(ops or {}) do
    if op.expect then
      local v = redis.call('HGET', p .. 'case:' .. op.no, 'v')
      if tonumber(v or '0') ~= op.expect then return true end
    end
  end
  return false
end
