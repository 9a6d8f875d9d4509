-- report_fetch.lua — one page of cases (by created) or visit records (by
-- time) for the reports. Read-only. A closed case whose hash has no
-- feedback_at (the resident's survey closed it) gets the time of its last
-- feedback from the timeline.
-- KEYS: none; every key is built inside from the prefix ARGV[1].
-- ARGV: 1 prefix, 2 kind ("case" | "visit"), 3 min score, 4 max score,
--       5 offset, 6 count.
-- Returns {{id, {field, value, ...}}, ...}.
--@include lib/timeline.lua
local p, kind = ARGV[1], ARGV[2]
local z = p .. (kind == 'case' and 'cases' or 'visits')
local ids = redis.call('ZRANGEBYSCORE', z, ARGV[3], ARGV[4],
  'LIMIT', tonumber(ARGV[5]), tonumber(ARGV[6]))
local out = {}
for _, id in ipairs(ids) do
  local h = redis.call('HGETALL', p .. kind .. ':' .. id)
  if kind == 'case' then
    local st, fb = nil, false
    for i = 1, #h, 2 do
      if h[i] == 'status' then st = h[i + 1] end
      if h[i] == 'feedback_at' then fb = true end
    end
    if st == 'closed' and not fb then
      local tl = tl_read(id, 50, true)
      for _, e in ipairs(tl) do
        local f, what, at = e[2], nil, nil
        for i = 1, #f, 2 do
          if f[i] == 'what' then what = f[i + 1] end
          if f[i] == 'at' then at = f[i + 1] end
        end
        if what == 'feedback' and at then
          h[#h + 1] = 'feedback_at'
          h[#h + 1] = at
          break
        end
      end
    end
  end
  out[#out + 1] = {id, h}
end
return out
