-- lib/index.lua — the case indexes, kept by every write that opens or
-- changes a case, so lists and counts never scan or sample (not a script
-- of its own; included after the prefix p is set). For each status S
-- (new, claimed, resolved, closed, cancelled), every zset maps case number
-- -> created (ms), so ZRANGEBYSCORE reads oldest first:
--   cases:st:S                 every case in status S
--   cases:st:S:area:A          those whose own area is A (not A's parents)
--   cases:st:S:holder:U        those staff member U holds (claimed_by)
-- A case is in exactly the keys of its current status, area and holder.
-- Defines index_keys, index_put, index_counts and index_page.
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
-- holder = U or null, after = {created, no} or null, limit = n}.
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
-- created, then number), strictly after the cursor q.after.
local function index_page(q)
  local lim = tonumber(q.limit) or 10
  local min, ano = '-inf', nil
  if q.after and q.after ~= cjson.null then
    min, ano = tonumber(q.after[1]), tonumber(q.after[2])
  end
  local got = {}
  for _, st in ipairs(q.statuses or {}) do
    for _, k in ipairs(index_scope(st, q)) do
      -- Cases created in the same millisecond as the cursor come back
      -- too; fetch enough of them to step over.
      local skip = ano and redis.call('ZCOUNT', k, min, min) or 0
      local r = redis.call('ZRANGEBYSCORE', k, min, '+inf', 'WITHSCORES',
        'LIMIT', 0, lim + skip)
      for i = 1, #r, 2 do
        local no, at = tonumber(r[i]), tonumber(r[i + 1])
        if not ano or at > min or no > ano then
          got[#got + 1] = {at, no, r[i], r[i + 1]}
        end
      end
    end
  end
  table.sort(got, function(a, b)
    if a[1] ~= b[1] then return a[1] < b[1] end
    return a[2] < b[2]
  end)
  local out = {}
  for i = 1, math.min(lim, #got) do out[i] = {got[i][3], got[i][4]} end
  return out
end
