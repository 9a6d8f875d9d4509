-- inbound_commit.lua — the one atomic write of the inbound path: dedupe mark,
-- contact, inbox entry, case ops, session, timers and replies, all or nothing.
-- KEYS: none; every key is built inside from the prefix ARGV[1].
-- ARGV: 1 prefix, 2 document (JSON):
--   {now, kind, channel, from, msg_id, name, text, dedupe_ttl, expect,
--    session (string), session_ttl, out: [{channel, to, text}],
--    cases: [case ops, see lib/cases.lua], timers: [{member, at}],
--    fire?: {no?, id?}}
-- A timer fire (fire present) takes no dedupe mark and writes no contact or
-- inbox record; one about a case is marked done in case:{no}:fired, which
-- lives as long as the case. channel "" (a response-time fire): no session.
-- "{case.no}" in the session and in out becomes the number of the case
-- this commit opened for the session.
-- Returns {"OK", n_out, session case no or ""} | {"DUP"} | {"CONFLICT"}.
--@include lib/enqueue.lua
--@include lib/index.lua
--@include lib/timeline.lua
--@include lib/cases.lua
local d = cjson.decode(ARGV[2])
local now = d.now
local who = d.channel .. ':' .. d.from
local fire = d.fire
local dk = p .. 'dedupe:' .. d.channel .. ':' .. d.msg_id
local fk = fire and fire.no and p .. 'case:' .. fire.no .. ':fired'
if fk then
  if redis.call('HEXISTS', fk, fire.id) == 1 then return {'DUP'} end
elseif not fire then
  if redis.call('EXISTS', dk) == 1 then return {'DUP'} end
end
local sk, cur = nil, 0
if d.channel ~= '' then
  sk = p .. 'session:' .. who
  cur = tonumber(redis.call('HGET', sk, 'v') or '0')
  if cur ~= d.expect then return {'CONFLICT'} end
end
if case_conflict(d.cases) then return {'CONFLICT'} end
if fk then redis.call('HSET', fk, fire.id, now) end
if not fire then
  redis.call('SET', dk, '1', 'EX', d.dedupe_ttl)
  local ck = p .. 'contact:' .. who
  redis.call('HSETNX', ck, 'first_seen', now)
  redis.call('HSET', ck, 'last_seen', now)
  if d.name ~= cjson.null and d.name ~= '' then
    redis.call('HSET', ck, 'name', d.name)
  end
  redis.call('XADD', p .. 'inbox', 'MAXLEN', '~', 100000, '*',
    'channel', d.channel, 'from', d.from, 'id', d.msg_id,
    'kind', d.kind, 'text', d.text, 'at', now)
end
local no = case_ops(d.cases, now, d.session_ttl)
local data = d.session
if no then data = replace(data, '{case.no}', no) end
if sk then
  redis.call('HSET', sk, 'v', cur + 1, 'data', data)
  redis.call('EXPIRE', sk, d.session_ttl)
end
for _, t in ipairs(d.timers or {}) do
  redis.call('ZADD', p .. 'timers', t.at, t.member)
end
for _, o in ipairs(d.out) do
  if no then o.text = replace(o.text, '{case.no}', no) end
  enqueue(o, now)
end
return {'OK', #d.out, no or ''}
