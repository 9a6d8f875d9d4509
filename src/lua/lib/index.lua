-- lib/index.lua — the case indexes, kept by every write that opens or
-- changes a case, so lists and counts never scan or sample (not a script
-- of its own; included after the prefix p is set). For each status S
-- (new, claimed, resolved, closed, cancelled), every zset maps case number
-- -> created (ms), so ZRANGEBYSCORE reads oldest first:
--   cases:st:S                 every case in status S
--   cases:st:S:area:A          those whose own area is A (not A's parents)
--   cases:st:S:holder:U        those staff member U holds (claimed_by)
-- A case is in exactly the keys of its current status, area and holder.
-- Defines index_keys, index_put, index_counts, index_page and
-- index_hash.
local index_statuses = {'new', 'claimed', 'resolved', 'closed', 'cancelled'}
local function index_keys(st, area, holder)
  local ks = {}
  if not st or st == '' then return ks end
  local base = p .. 'cases:st:' .. st
  ks[1] = base
  if area and area ~= '' then ks[#ks + 1] = base .. ':area:' .. area end
  if holder and holder ~= '' then
    ks[#ks + 1] = base .. ':holder:' .. holder
  end
  return ks
end
-- old, new: {status, area, holder} as HMGET read them (false: none).
local function index_put(no, created, old, new)
  if old then
    for _, k in ipairs(index_keys(old[1], old[2], old[3])) do
      redis.call('ZREM', k, no)
    end
  end
  for _, k in ipairs(index_keys(new[1], new[2], new[3])) do
    redis.call('ZADD', k, created, no)
  end
end
-- A query q: {statuses = {S, ...}, areas = {A, ...} or null (every area),
-- holder = U or null, after = {created, no} or null, limit = n,
-- fields = {F, ...} or null (every field of the listed cases)}.
local function index_scope(st, q)
  local base = p .. 'cases:st:' .. st
  if q.holder and q.holder ~= cjson.null then
    return {base .. ':holder:' .. q.holder}
  end
  if not q.areas or q.areas == cjson.null then return {base} end
  local ks = {}
  for _, a in ipairs(q.areas) do ks[#ks + 1] = base .. ':area:' .. a end
  return ks
end
-- How many cases of each status (in index_statuses order) are in scope.
local function index_counts(q)
  local n = {}
  for i, st in ipairs(index_statuses) do
    n[i] = 0
    for _, k in ipairs(index_scope(st, q)) do
      n[i] = n[i] + redis.call('ZCARD', k)
    end
  end
  return n
end
-- Up to q.limit case numbers of q.statuses in scope, oldest first (by
-- created, then number), strictly after the cursor q.after: {no,
-- created} each. A merge of the scope's keys, each read a chunk at a time,
-- so a long list over many areas reads only what it returns.
local function index_page(q)
  local lim = tonumber(q.limit) or 10
  local chunk = math.min(lim, 256)
  local min, ano = '-inf', nil
  if q.after and q.after ~= cjson.null then
    min, ano = tonumber(q.after[1]), tonumber(q.after[2])
  end
  local heads = {}
  for _, st in ipairs(q.statuses or {}) do
    for _, k in ipairs(index_scope(st, q)) do
      heads[#heads + 1] = {k = k, off = 0, buf = {}, pos = 1}
    end
  end
  -- The head of one key, past the cursor: created, number (nil: none).
  local function head(h)
    while true do
      if h.pos > #h.buf then
        if h.last then return nil end
        h.buf = redis.call('ZRANGEBYSCORE', h.k, min, '+inf', 'WITHSCORES',
          'LIMIT', h.off, chunk)
        h.pos, h.off = 1, h.off + #h.buf / 2
        h.last = #h.buf / 2 < chunk
        if #h.buf == 0 then return nil end
      end
      local no, at = tonumber(h.buf[h.pos]), tonumber(h.buf[h.pos + 1])
      -- Cases created in the cursor's millisecond come back too.
      if not ano or at > min or no > ano then return at, no end
      h.pos = h.pos + 2
    end
  end
  local out = {}
  while #out < lim do
    local best, bat, bno = nil, nil, nil
    for _, h in ipairs(heads) do
      local at, no = head(h)
      if at and (not best or at < bat or (at == bat and no < bno)) then
        best, bat, bno = h, at, no
      end
    end
    if not best then break end
    out[#out + 1] = {best.buf[best.pos], best.buf[best.pos + 1]}
    best.pos = best.pos + 2
  end
  return out
end
-- One listed case as a flat {field, value, ...} array: every field, or
-- only q.fields (a long list needs a few, and reads far less).
local function index_hash(no, q)
  local k = p .. 'case:' .. no
  if not q.fields or q.fields == cjson.null then
    return redis.call('HGETALL', k)
  end
  local v, h = redis.call('HMGET', k, unpack(q.fields)), {}
  for i, f in ipairs(q.fields) do
    if v[i] then h[#h + 1] = f; h[#h + 1] = v[i] end
  end
  return h
end
