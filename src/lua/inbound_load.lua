-- inbound_load.lua — the one read of the inbound path: everything the engine
-- needs to handle one message, in one round trip. Read-only but for the
-- request's replay record.
-- KEYS: none; every key is built inside from the prefix ARGV[1].
-- ARGV: 1 prefix, 2 channel, 3 from, 4 msgid, 5 case no ("" for none),
--       6 list: "" for none, else an index query (JSON, see lib/index.lua:
--         {statuses, areas, holder, limit}) for a staff command's list,
--       7 fire id, 8 replay key, 9 body digest, 10 replay ttl_s (7..10
--       optional).
-- The one write: the request's replay record replay:{channel}:{key} =
-- body digest, SET NX for ttl_s. The same key with another digest is a
-- replay: dup is then -1 and nothing else is read.
-- A timer fire has no msgid (it takes no dedupe mark); a response-time fire
-- has no channel (no conversation) and its fire id: dup is then the fire's
-- done mark on its case (case:{no}:fired).
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
local fid = ARGV[7] or ''
local rkey = ARGV[8] or ''
if rkey ~= '' then
  local rk = p .. 'replay:' .. ARGV[2] .. ':' .. rkey
  if not redis.call('SET', rk, ARGV[9], 'NX', 'EX', tonumber(ARGV[10])) and
      redis.call('GET', rk) ~= ARGV[9] then
    return {-1, '0', '', {}, {}, {}, {}, {}, {}}
  end
end
local dup = 0
if ARGV[4] ~= '' then
  dup = redis.call('EXISTS', p .. 'dedupe:' .. ARGV[2] .. ':' .. ARGV[4])
elseif fid ~= '' then
  dup = redis.call('HEXISTS', p .. 'case:' .. ARGV[5] .. ':fired', fid)
end
local s, contact = {false, false}, {}
if ARGV[2] ~= '' then
  s = redis.call('HMGET', p .. 'session:' .. who, 'v', 'data')
  contact = redis.call('HGETALL', p .. 'contact:' .. who)
end
local c, tl = {}, {}
if ARGV[5] ~= '' then
  c = redis.call('HGETALL', p .. 'case:' .. ARGV[5])
  tl = tl_read(ARGV[5], 8, true)
end
local mine = {}
if ARGV[2] ~= '' then
  for _, no in ipairs(redis.call('ZREVRANGE', p .. 'case:open:' .. who,
      0, 4)) do
    mine[#mine + 1] = redis.call('HGETALL', p .. 'case:' .. no)
  end
end
local list, counts = {}, {}
if ARGV[6] ~= '' then
  local q = cjson.decode(ARGV[6])
  counts = index_counts(q)
  for _, e in ipairs(index_page(q)) do
    list[#list + 1] = index_hash(e[1], q)
  end
end
return {dup, s[1] or '0', s[2] or '', contact, c, tl, mine, list, counts}
