-- inbound_load.lua — the one read of the inbound path: everything the engine
-- needs to handle one message, in one round trip. Read-only.
-- KEYS: none; every key is built inside from the prefix ARGV[1].
-- ARGV: 1 prefix, 2 channel, 3 from, 4 msgid, 5 case no ("" for none),
--       6 list: "" for none, else an index query (JSON, see lib/index.lua:
--         {statuses, areas, holder, limit}) for a staff command's list.
-- Returns {dup 0|1, session version, session data, contact hash,
--   the case hash (or {}), its last timeline entries (newest first),
--   the sender's open cases (hashes, newest first),
--   the listed cases (hashes, oldest first),
--   the count of each status in the list's scope ({} without a list):
--   {new, claimed, resolved, closed, cancelled}}.
--@include lib/timeline.lua
local p = ARGV[1]
--@include lib/index.lua
local who = ARGV[2] .. ':' .. ARGV[3]
local dup = redis.call('EXISTS', p .. 'dedupe:' .. ARGV[2] .. ':' .. ARGV[4])
local s = redis.call('HMGET', p .. 'session:' .. who, 'v', 'data')
local c, tl = {}, {}
if ARGV[5] ~= '' then
  c = redis.call('HGETALL', p .. 'case:' .. ARGV[5])
  tl = tl_read(ARGV[5], 8, true)
end
local mine = {}
for _, no in ipairs(redis.call('ZREVRANGE', p .. 'case:open:' .. who,
    0, 4)) do
  mine[#mine + 1] = redis.call('HGETALL', p .. 'case:' .. no)
end
local list, counts = {}, {}
if ARGV[6] ~= '' then
  local q = cjson.decode(ARGV[6])
  counts = index_counts(q)
  for _, e in ipairs(index_page(q)) do
    list[#list + 1] = redis.call('HGETALL', p .. 'case:' .. e[1])
  end
end
return {dup, s[1] or '0', s[2] or '', redis.call('HGETALL', p .. 'contact:' .. who), c, tl, mine, list, counts}
