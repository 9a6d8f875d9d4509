-- case_reindex.lua — builds the case indexes (lib/index.lua) for cases
-- stored before the indexes existed, one page of the `cases` zset at a
-- time, so Redis is never blocked for long; commits keep the indexes
-- right meanwhile (a case is put where its hash says, which a commit
-- before or after agrees with). The last page marks the indexes built
-- (cases:idx = 1) and drops the sets they replace (cases:status:*,
-- staff:mine:*).
-- KEYS: none; every key is built inside from the prefix ARGV[1].
-- ARGV: 1 prefix, 2 offset (a rank in `cases`), 3 count.
-- Returns {cases indexed, 1 when the indexes are complete else 0}.
local p = ARGV[1]
--@include lib/index.lua
if redis.call('GET', p .. 'cases:idx') == '1' then return {0, 1} end
local off, n = tonumber(ARGV[2]), tonumber(ARGV[3])
local nos = redis.call('ZRANGE', p .. 'cases', off, off + n - 1)
for _, no in ipairs(nos) do
  local k = p .. 'case:' .. no
  local h = redis.call('HMGET', k, 'status', 'area', 'claimed_by', 'created')
  if h[1] then
    index_put(no, h[4] or redis.call('ZSCORE', p .. 'cases', no), nil,
      {h[1], h[2], h[3]})
    if h[3] then redis.call('SREM', p .. 'staff:mine:' .. h[3], no) end
  end
end
if #nos < n then
  for _, st in ipairs(index_statuses) do
    redis.call('DEL', p .. 'cases:status:' .. st)
  end
  redis.call('SET', p .. 'cases:idx', '1')
  return {#nos, 1}
end
return {#nos, 0}
