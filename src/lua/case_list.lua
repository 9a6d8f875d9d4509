-- case_list.lua — one filtered page of cases, newest first. Read-only.
-- KEYS: none; every key is built inside from the prefix ARGV[1].
-- ARGV: 1 prefix, 2 filter (JSON) {from_ms, to_ms, status, urgency,
--   areas (set of ids or null), offset, limit}.
-- Returns {total, {case hash, ...}}.
local p = ARGV[1]
local f = cjson.decode(ARGV[2])
local nos = redis.call('ZREVRANGEBYSCORE', p .. 'cases', f.to_ms,
  f.from_ms, 'LIMIT', 0, 100000)
local total, page = 0, {}
for _, no in ipairs(nos) do
  local c = redis.call('HMGET', p .. 'case:' .. no, 'status',
    'urgency', 'area')
  if (f.status == cjson.null or c[1] == f.status) and
     (f.urgency == cjson.null or c[2] == f.urgency) and
     (f.areas == cjson.null or f.areas[c[3] or ''] ) then
    total = total + 1
    if total > f.offset and #page < f.limit then
      page[#page + 1] = redis.call('HGETALL', p .. 'case:' .. no)
    end
  end
end
return {total, page}
