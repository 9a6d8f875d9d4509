/*
 * store_scripts.c — the Lua scripts that are warmline's only writers to
 * Redis. Each is one atomic step; ARGV[1] is always the key prefix.
 *
 * Keys (prefix "wl:" by default):
 *   dedupe:{channel}:{msgid}    "1", expires after dedupe_ttl_s
 *   contact:{channel}:{from}    hash: name, first_seen, last_seen
 *   session:{channel}:{from}    hash: v (version), data (engine state)
 *   inbox                       stream of every acknowledged message
 *   ob:seq, ob:epoch            outbound ids are "<epoch>-<seq>": the epoch
 *                               (Redis's clock when it was first needed)
 *                               keeps them unique if Redis ever starts
 *                               empty, which gateways that drop repeated
 *                               ids (Feishu's uuid) rely on
 *   ob:m:{id}                   hash: channel, to, text, tries, created
 *   ob:q:{channel}:{to}         list of ids: one recipient's queue, in order
 *   ob:ready                    zset: queue name -> when its head may go
 *   ob:lease                    zset: queue name -> lease expiry
 *   ob:owner                    hash: queue name -> daemon holding the lease
 *   ob:dead                     list of JSON: dead-lettered messages
 *   ob:depth                    messages queued and not yet done
 *   case:seq                    the last case number (starts at 1000)
 *   case:{no}                   hash: the case; v is its version
 *   case:{no}:tl                stream: the case's timeline (who, what, when)
 *   cases                       zset: case number -> created (ms)
 *   cases:status:{status}       set of case numbers
 *   case:open:{channel}:{from}  zset: a resident's open cases
 *   staff:mine:{staff id}       set: cases a staff member holds
 *   case:ext:{ref}              the case opened for an external work order
 *   visits, visit:{id}          zset by time, hash: visit records (附件1)
 *   timers                      zset: JSON timer -> when it is due
 *   timers:lease                zset: timers being handled -> lease expiry
 *
 * A recipient's queue is either in ob:ready or in ob:lease, never both, so
 * only one message per recipient is in flight and order is kept.
 */
#include "store_scripts.h"

/* The Lua is laid out by hand: one line of Lua per line of C. */
/* clang-format off */

/* Shared by the scripts that enqueue outbound messages. */
#define LUA_PRELUDE                                                        \
	"local p = ARGV[1]\n"                                              \
	"local function enqueue(o, now)\n"                                 \
	"  local ep = redis.call('GET', p .. 'ob:epoch')\n"                \
	"  if not ep then\n"                                               \
	"    local t = redis.call('TIME')\n"                               \
	"    ep = t[1] .. string.format('%06d', tonumber(t[2]))\n"         \
	"    redis.call('SET', p .. 'ob:epoch', ep)\n"                     \
	"  end\n"                                                          \
	"  local id = ep .. '-' .. redis.call('INCR', p .. 'ob:seq')\n"    \
	"  redis.call('HSET', p .. 'ob:m:' .. id, 'channel', o.channel,\n" \
	"    'to', o.to, 'text', o.text, 'tries', 0, 'created', now)\n"    \
	"  local q = o.channel .. ':' .. o.to\n"                           \
	"  redis.call('RPUSH', p .. 'ob:q:' .. q, id)\n"                   \
	"  redis.call('INCR', p .. 'ob:depth')\n"                          \
	"  if not redis.call('ZSCORE', p .. 'ob:lease', q) then\n"         \
	"    redis.call('ZADD', p .. 'ob:ready', 'NX', now, q)\n"          \
	"  end\n"                                                          \
	"  return id\n"                                                    \
	"end\n"

/* Shared by the scripts that open and change cases. A case op is
 *   {op="open", fields, urgency, area, source, channel, from, ext_ref?,
 *    session_case, who, detail, notify=[{channel,to,text}]}
 *   {op="set", no, expect, fields, what, who, detail, notify=[...]}
 *   {op="session", channel, from, data, only_if_idle}
 *   {op="visit", fields}
 *   {op="log", no, who, what, detail, notify}: a timeline entry and its
 *     messages, without moving the case's version (response-time alerts)
 * open and set ops may carry timers=[{member, at}] for the "timers" set;
 * "NEWCASE" in an open op's members becomes its number.
 * "{case.no}" in any text of an open op's notify becomes its number. */
#define LUA_CASES                                                           \
	"local function replace(s, what, with)\n"                            \
	"  local i, j = string.find(s, what, 1, true)\n"                     \
	"  while i do\n"                                                     \
	"    s = string.sub(s, 1, i - 1) .. with .. string.sub(s, j + 1)\n"   \
	"    i, j = string.find(s, what, i + #with, true)\n"                 \
	"  end\n"                                                            \
	"  return s\n"                                                       \
	"end\n"                                                              \
	"local function timeline(no, now, who, what, detail)\n"              \
	"  redis.call('XADD', p .. 'case:' .. no .. ':tl', '*', 'at', now,\n" \
	"    'who', who or '', 'what', what, 'detail', detail or '')\n"      \
	"end\n"                                                              \
	"local function set_fields(k, fields)\n"                             \
	"  if type(fields) ~= 'table' then return end\n"                     \
	"  for f, v in pairs(fields) do\n"                                   \
	"    if v == cjson.null then redis.call('HDEL', k, f)\n"             \
	"    elseif type(v) == 'table' then\n"                               \
	"      redis.call('HSET', k, f, cjson.encode(v))\n"                  \
	"    else redis.call('HSET', k, f, tostring(v)) end\n"               \
	"  end\n"                                                            \
	"end\n"                                                              \
	"local function case_open(op, now)\n"                                \
	"  local seq = p .. 'case:seq'\n"                                    \
	"  redis.call('SETNX', seq, 1000)\n"                                 \
	"  local no = tostring(redis.call('INCR', seq))\n"                   \
	"  local k = p .. 'case:' .. no\n"                                   \
	"  set_fields(k, op.fields)\n"                                       \
	"  redis.call('HSET', k, 'no', no, 'v', 1, 'status', 'new',\n"       \
	"    'urgency', op.urgency, 'area', op.area, 'source', op.source,\n" \
	"    'channel', op.channel or '', 'from', op.from or '',\n"          \
	"    'created', now, 'updated', now)\n"                              \
	"  redis.call('ZADD', p .. 'cases', now, no)\n"                      \
	"  redis.call('SADD', p .. 'cases:status:new', no)\n"                \
	"  if op.from and op.from ~= '' then\n"                              \
	"    redis.call('ZADD', p .. 'case:open:' .. op.channel .. ':' ..\n" \
	"      op.from, now, no)\n"                                          \
	"  end\n"                                                            \
	"  if op.ext_ref then\n"                                             \
	"    redis.call('SET', p .. 'case:ext:' .. op.ext_ref, no)\n"        \
	"    redis.call('HSET', k, 'ext_ref', op.ext_ref)\n"                 \
	"  end\n"                                                            \
	"  timeline(no, now, op.who, 'created', op.detail)\n"                \
	"  for _, t in ipairs(op.timers or {}) do\n"                         \
	"    redis.call('ZADD', p .. 'timers', t.at,\n"                      \
	"      replace(t.member, 'NEWCASE', no))\n"                          \
	"  end\n"                                                            \
	"  for _, o in ipairs(op.notify or {}) do\n"                         \
	"    o.text = replace(o.text, '{case.no}', no)\n"                    \
	"    enqueue(o, now)\n"                                              \
	"  end\n"                                                            \
	"  return no\n"                                                      \
	"end\n"                                                              \
	"local function case_set(op, now)\n"                                 \
	"  local k = p .. 'case:' .. op.no\n"                                \
	"  local old = redis.call('HMGET', k, 'status', 'claimed_by',\n"     \
	"    'channel', 'from')\n"                                           \
	"  set_fields(k, op.fields)\n"                                       \
	"  redis.call('HINCRBY', k, 'v', 1)\n"                               \
	"  redis.call('HSET', k, 'updated', now)\n"                          \
	"  local f = type(op.fields) == 'table' and op.fields or {}\n"       \
	"  local st = f.status\n"                                            \
	"  if st and st ~= old[1] then\n"                                    \
	"    redis.call('SMOVE', p .. 'cases:status:' .. (old[1] or 'new'),\n" \
	"      p .. 'cases:status:' .. st, op.no)\n"                         \
	"    redis.call('SADD', p .. 'cases:status:' .. st, op.no)\n"        \
	"    local ok = p .. 'case:open:' .. (old[3] or '') .. ':' ..\n"     \
	"      (old[4] or '')\n"                                             \
	"    if st == 'closed' or st == 'cancelled' then\n"                  \
	"      redis.call('ZREM', ok, op.no)\n"                              \
	"    elseif old[4] and old[4] ~= '' then\n"                          \
	"      redis.call('ZADD', ok, now, op.no)\n"                         \
	"    end\n"                                                          \
	"    local ext = redis.call('HMGET', k, 'ext_channel', 'ext_ref')\n" \
	"    if ext[1] and ext[2] then\n"                                    \
	"      enqueue({channel = ext[1], to = ext[2], text = cjson.encode(\n" \
	"        {no = op.no, ext_ref = ext[2], status = st, at = now})},\n" \
	"        now)\n"                                                     \
	"    end\n"                                                          \
	"  end\n"                                                            \
	"  local holder = f.claimed_by\n"                                    \
	"  if holder == cjson.null then holder = '' end\n"                   \
	"  if st == 'closed' or st == 'cancelled' then holder = '' end\n"    \
	"  if holder and holder ~= (old[2] or '') then\n"                    \
	"    if old[2] and old[2] ~= '' then\n"                              \
	"      redis.call('SREM', p .. 'staff:mine:' .. old[2], op.no)\n"    \
	"    end\n"                                                          \
	"    if holder ~= '' then\n"                                         \
	"      redis.call('SADD', p .. 'staff:mine:' .. holder, op.no)\n"    \
	"    end\n"                                                          \
	"  end\n"                                                            \
	"  timeline(op.no, now, op.who, op.what, op.detail)\n"               \
	"  for _, t in ipairs(op.timers or {}) do\n"                         \
	"    redis.call('ZADD', p .. 'timers', t.at, t.member)\n"            \
	"  end\n"                                                            \
	"  for _, o in ipairs(op.notify or {}) do enqueue(o, now) end\n"     \
	"end\n"                                                              \
	"local function session_put(op, now, ttl)\n"                         \
	"  local k = p .. 'session:' .. op.channel .. ':' .. op.from\n"      \
	"  if op.only_if_idle and (redis.call('HGET', k, 'data') or '') ~= ''\n" \
	"    then return end\n"                                              \
	"  redis.call('HINCRBY', k, 'v', 1)\n"                               \
	"  redis.call('HSET', k, 'data', op.data)\n"                         \
	"  redis.call('EXPIRE', k, ttl)\n"                                   \
	"  for _, o in ipairs(op.notify or {}) do enqueue(o, now) end\n"     \
	"end\n"                                                              \
	"local function visit_add(op, now)\n"                                \
	"  local id = redis.call('INCR', p .. 'visit:seq')\n"                \
	"  redis.call('HSET', p .. 'visit:' .. id, 'at', now,\n"             \
	"    'data', cjson.encode(op.fields))\n"                             \
	"  redis.call('ZADD', p .. 'visits', now, id)\n"                     \
	"end\n"                                                              \
	"local function case_ops(ops, now, ttl)\n"                           \
	"  local session_no = nil\n"                                         \
	"  for _, op in ipairs(ops or {}) do\n"                              \
	"    if op.op == 'open' then\n"                                      \
	"      local no = case_open(op, now)\n"                              \
	"      if op.session_case or not session_no then session_no = no end\n" \
	"    elseif op.op == 'set' then case_set(op, now)\n"                 \
	"    elseif op.op == 'session' then session_put(op, now, ttl)\n"     \
	"    elseif op.op == 'visit' then visit_add(op, now)\n"              \
	"    elseif op.op == 'log' then\n"                                   \
	"      timeline(op.no, now, op.who, op.what, op.detail)\n"           \
	"      for _, o in ipairs(op.notify or {}) do enqueue(o, now) end\n" \
	"    end\n"                                                          \
	"  end\n"                                                            \
	"  return session_no\n"                                              \
	"end\n"                                                              \
	"local function case_conflict(ops)\n"                                \
	"  for _, op in ipairs(ops or {}) do\n"                              \
	"    if op.expect then\n"                                            \
	"      local v = redis.call('HGET', p .. 'case:' .. op.no, 'v')\n"   \
	"      if tonumber(v or '0') ~= op.expect then return true end\n"    \
	"    end\n"                                                          \
	"  end\n"                                                            \
	"  return false\n"                                                   \
	"end\n"

/* ARGV: prefix, channel, from, msgid, case no ("" for none), list
 * ("", "new", "open" (new, claimed or resolved), "mine:<staff id>").
 * -> {dup 0|1, session version, session data, contact hash,
 *     the case hash (or {}), its last timeline entries (newest first),
 *     the sender's open cases (hashes, newest first),
 *     the listed cases (hashes)} */
static const char lua_inbound_load[] =
	"local p = ARGV[1]\n"
	"local who = ARGV[2] .. ':' .. ARGV[3]\n"
	"local dup = redis.call('EXISTS', p .. 'dedupe:' .. ARGV[2] .. ':' "
	".. ARGV[4])\n"
	"local s = redis.call('HMGET', p .. 'session:' .. who, 'v', 'data')\n"
	"local c, tl = {}, {}\n"
	"if ARGV[5] ~= '' then\n"
	"  c = redis.call('HGETALL', p .. 'case:' .. ARGV[5])\n"
	"  tl = redis.call('XREVRANGE', p .. 'case:' .. ARGV[5] .. ':tl',\n"
	"    '+', '-', 'COUNT', 8)\n"
	"end\n"
	"local mine = {}\n"
	"for _, no in ipairs(redis.call('ZREVRANGE', p .. 'case:open:' .. who,\n"
	"    0, 4)) do\n"
	"  mine[#mine + 1] = redis.call('HGETALL', p .. 'case:' .. no)\n"
	"end\n"
	"local list, nos = {}, {}\n"
	"if ARGV[6] == 'new' then\n"
	"  nos = redis.call('SRANDMEMBER', p .. 'cases:status:new', 200)\n"
	"elseif ARGV[6] == 'open' then\n"
	"  nos = redis.call('SUNION', p .. 'cases:status:new',\n"
	"    p .. 'cases:status:claimed', p .. 'cases:status:resolved')\n"
	"elseif string.sub(ARGV[6], 1, 5) == 'mine:' then\n"
	"  nos = redis.call('SMEMBERS', p .. 'staff:mine:' ..\n"
	"    string.sub(ARGV[6], 6))\n"
	"end\n"
	"for i, no in ipairs(nos) do\n"
	"  if i > 500 then break end\n"
	"  list[#list + 1] = redis.call('HGETALL', p .. 'case:' .. no)\n"
	"end\n"
	"return {dup, s[1] or '0', s[2] or '', "
	"redis.call('HGETALL', p .. 'contact:' .. who), c, tl, mine, list}\n";

/* ARGV: prefix, document (JSON):
 *   {now, channel, from, msg_id, name, text, dedupe_ttl, expect,
 *    session (string), session_ttl, out: [{channel, to, text}],
 *    cases: [case ops, see LUA_CASES], timers: [{member, at}]}
 * "{case.no}" in the session and in out becomes the number of the case
 * this commit opened for the session.
 * -> {"OK", n_out, session case no or ""} | {"DUP"} | {"CONFLICT"} */
static const char lua_inbound_commit[] =
	LUA_PRELUDE
	LUA_CASES
	"local d = cjson.decode(ARGV[2])\n"
	"local now = d.now\n"
	"local who = d.channel .. ':' .. d.from\n"
	"local dk = p .. 'dedupe:' .. d.channel .. ':' .. d.msg_id\n"
	"if redis.call('EXISTS', dk) == 1 then return {'DUP'} end\n"
	"local sk = p .. 'session:' .. who\n"
	"local cur = tonumber(redis.call('HGET', sk, 'v') or '0')\n"
	"if cur ~= d.expect then return {'CONFLICT'} end\n"
	"if case_conflict(d.cases) then return {'CONFLICT'} end\n"
	"redis.call('SET', dk, '1', 'EX', d.dedupe_ttl)\n"
	"if d.kind ~= 'timer' then\n"
	"  local ck = p .. 'contact:' .. who\n"
	"  redis.call('HSETNX', ck, 'first_seen', now)\n"
	"  redis.call('HSET', ck, 'last_seen', now)\n"
	"  if d.name ~= cjson.null and d.name ~= '' then\n"
	"    redis.call('HSET', ck, 'name', d.name)\n"
	"  end\n"
	"  redis.call('XADD', p .. 'inbox', 'MAXLEN', '~', 100000, '*',\n"
	"    'channel', d.channel, 'from', d.from, 'id', d.msg_id,\n"
	"    'kind', d.kind, 'text', d.text, 'at', now)\n"
	"end\n"
	"local no = case_ops(d.cases, now, d.session_ttl)\n"
	"local data = d.session\n"
	"if no then data = replace(data, '{case.no}', no) end\n"
	"redis.call('HSET', sk, 'v', cur + 1, 'data', data)\n"
	"redis.call('EXPIRE', sk, d.session_ttl)\n"
	"for _, t in ipairs(d.timers or {}) do\n"
	"  redis.call('ZADD', p .. 'timers', t.at, t.member)\n"
	"end\n"
	"for _, o in ipairs(d.out) do\n"
	"  if no then o.text = replace(o.text, '{case.no}', no) end\n"
	"  enqueue(o, now)\n"
	"end\n"
	"return {'OK', #d.out, no or ''}\n";

/* ARGV: prefix, now, lease_ms, owner, max.
 * Reclaims expired leases (a daemon died mid-send), then leases up to max
 * ready queues. -> {{queue, id, channel, to, text, tries}, ...} */
static const char lua_outbox_pop[] =
	"local p = ARGV[1]\n"
	"local now = tonumber(ARGV[2])\n"
	"local lease = p .. 'ob:lease'\n"
	"local ready = p .. 'ob:ready'\n"
	"local owners = p .. 'ob:owner'\n"
	"for _, q in ipairs(redis.call('ZRANGEBYSCORE', lease, '-inf', now,\n"
	"    'LIMIT', 0, 100)) do\n"
	"  redis.call('ZREM', lease, q)\n"
	"  redis.call('HDEL', owners, q)\n"
	"  redis.call('ZADD', ready, now, q)\n"
	"end\n"
	"local out = {}\n"
	"for _, q in ipairs(redis.call('ZRANGEBYSCORE', ready, '-inf', now,\n"
	"    'LIMIT', 0, tonumber(ARGV[5]))) do\n"
	"  redis.call('ZREM', ready, q)\n"
	"  local qk = p .. 'ob:q:' .. q\n"
	"  local id = redis.call('LINDEX', qk, 0)\n"
	"  while id do\n"
	"    local m = redis.call('HMGET', p .. 'ob:m:' .. id, 'channel',\n"
	"      'to', 'text', 'tries')\n"
	"    if m[1] then\n"
	"      redis.call('ZADD', lease, now + tonumber(ARGV[3]), q)\n"
	"      redis.call('HSET', owners, q, ARGV[4])\n"
	"      out[#out + 1] = {q, id, m[1], m[2], m[3], m[4]}\n"
	"      break\n"
	"    end\n"
	"    redis.call('LPOP', qk)\n"
	"    id = redis.call('LINDEX', qk, 0)\n"
	"  end\n"
	"end\n"
	"return out\n";

/* ARGV: prefix, queue, id, owner, outcome (sent|retry|dead|defer),
 * delay_ms, now, error. defer puts the queue back for later without
 * counting a try (the channel's rate limit). -> 1, or 0 when the lease was
 * lost to another daemon. */
static const char lua_outbox_done[] =
	"local p = ARGV[1]\n"
	"local q, id, now = ARGV[2], ARGV[3], tonumber(ARGV[7])\n"
	"local owners = p .. 'ob:owner'\n"
	"if redis.call('HGET', owners, q) ~= ARGV[4] then return 0 end\n"
	"redis.call('HDEL', owners, q)\n"
	"redis.call('ZREM', p .. 'ob:lease', q)\n"
	"local mk = p .. 'ob:m:' .. id\n"
	"local qk = p .. 'ob:q:' .. q\n"
	"if ARGV[5] == 'defer' then\n"
	"  redis.call('ZADD', p .. 'ob:ready', now + tonumber(ARGV[6]), q)\n"
	"  return 1\n"
	"end\n"
	"if ARGV[5] == 'retry' then\n"
	"  redis.call('HINCRBY', mk, 'tries', 1)\n"
	"  redis.call('HSET', mk, 'error', ARGV[8])\n"
	"  redis.call('ZADD', p .. 'ob:ready', now + tonumber(ARGV[6]), q)\n"
	"  return 1\n"
	"end\n"
	"if redis.call('LINDEX', qk, 0) == id then redis.call('LPOP', qk) end\n"
	"if ARGV[5] == 'dead' then\n"
	"  local m = redis.call('HMGET', mk, 'channel', 'to', 'text', 'tries',\n"
	"    'created')\n"
	"  redis.call('RPUSH', p .. 'ob:dead', cjson.encode({id = id,\n"
	"    channel = m[1], to = m[2], text = m[3],\n"
	"    tries = tonumber(m[4] or '0') + 1, created = m[5],\n"
	"    error = ARGV[8], at = now}))\n"
	"  redis.call('LTRIM', p .. 'ob:dead', -100000, -1)\n"
	"end\n"
	"if redis.call('DEL', mk) == 1 then redis.call('DECR', p .. 'ob:depth') end\n"
	"if redis.call('LLEN', qk) > 0 then\n"
	"  redis.call('ZADD', p .. 'ob:ready', now, q)\n"
	"end\n"
	"return 1\n";

/* ARGV: prefix, document {now, ext_ref, op}: a work order from 12345 or
 * another system. Idempotent on ext_ref.
 * -> {"CREATED", no} | {"EXISTS", no} */
static const char lua_case_create[] =
	LUA_PRELUDE
	LUA_CASES
	"local d = cjson.decode(ARGV[2])\n"
	"local ek = p .. 'case:ext:' .. d.ext_ref\n"
	"local no = redis.call('GET', ek)\n"
	"if no then return {'EXISTS', no} end\n"
	"d.op.ext_ref = d.ext_ref\n"
	"no = case_open(d.op, d.now)\n"
	"return {'CREATED', no}\n";

/* ARGV: prefix, filter {from_ms, to_ms, status, urgency, areas (set of
 * ids or null), offset, limit}. Newest first.
 * -> {total, {case hash, ...}} */
static const char lua_case_list[] =
	"local p = ARGV[1]\n"
	"local f = cjson.decode(ARGV[2])\n"
	"local nos = redis.call('ZREVRANGEBYSCORE', p .. 'cases', f.to_ms,\n"
	"  f.from_ms, 'LIMIT', 0, 100000)\n"
	"local total, page = 0, {}\n"
	"for _, no in ipairs(nos) do\n"
	"  local c = redis.call('HMGET', p .. 'case:' .. no, 'status',\n"
	"    'urgency', 'area')\n"
	"  if (f.status == cjson.null or c[1] == f.status) and\n"
	"     (f.urgency == cjson.null or c[2] == f.urgency) and\n"
	"     (f.areas == cjson.null or f.areas[c[3] or ''] ) then\n"
	"    total = total + 1\n"
	"    if total > f.offset and #page < f.limit then\n"
	"      page[#page + 1] = redis.call('HGETALL', p .. 'case:' .. no)\n"
	"    end\n"
	"  end\n"
	"end\n"
	"return {total, page}\n";

/* ARGV: prefix, document {done, ttl, now, out: [...], next, at}: a
 * scheduled job's run. Marks it done, queues its messages and plans the
 * next run, or does nothing when it ran already. -> 1 | 0 */
static const char lua_sched_run[] =
	LUA_PRELUDE
	"local d = cjson.decode(ARGV[2])\n"
	"if not redis.call('SET', p .. 'sched:done:' .. d.done, 1, 'NX',\n"
	"    'EX', d.ttl) then return 0 end\n"
	"for _, o in ipairs(d.out) do enqueue(o, d.now) end\n"
	"redis.call('ZADD', p .. 'timers', d.at, d.next)\n"
	"return 1\n";

/* ARGV: prefix, now, lease_ms, max. Timers whose lease expired (a daemon
 * died while handling them) are due again; then up to max due timers are
 * leased. -> {member, ...} */
static const char lua_timer_pop[] =
	"local p = ARGV[1]\n"
	"local now = tonumber(ARGV[2])\n"
	"local t, l = p .. 'timers', p .. 'timers:lease'\n"
	"for _, m in ipairs(redis.call('ZRANGEBYSCORE', l, '-inf', now,\n"
	"    'LIMIT', 0, 100)) do\n"
	"  redis.call('ZREM', l, m)\n"
	"  redis.call('ZADD', t, now, m)\n"
	"end\n"
	"local due = redis.call('ZRANGEBYSCORE', t, '-inf', now, 'LIMIT', 0,\n"
	"  tonumber(ARGV[4]))\n"
	"for _, m in ipairs(due) do\n"
	"  redis.call('ZREM', t, m)\n"
	"  redis.call('ZADD', l, now + tonumber(ARGV[3]), m)\n"
	"end\n"
	"return due\n";

/* ARGV: prefix, member. The timer was handled. */
static const char lua_timer_done[] =
	"return redis.call('ZREM', ARGV[1] .. 'timers:lease', ARGV[2])\n";

/* ARGV: prefix, kind ("case" | "visit"), min score, max score, offset,
 * count. Read-only: one page of cases (by created) or visit records (by
 * time) for the reports. A closed case whose hash has no feedback_at
 * (the resident's survey closed it) gets the time of its last feedback
 * from the timeline.
 * -> {{id, {field, value, ...}}, ...} */
static const char lua_report_fetch[] =
	"local p, kind = ARGV[1], ARGV[2]\n"
	"local z = p .. (kind == 'case' and 'cases' or 'visits')\n"
	"local ids = redis.call('ZRANGEBYSCORE', z, ARGV[3], ARGV[4],\n"
	"  'LIMIT', tonumber(ARGV[5]), tonumber(ARGV[6]))\n"
	"local out = {}\n"
	"for _, id in ipairs(ids) do\n"
	"  local h = redis.call('HGETALL', p .. kind .. ':' .. id)\n"
	"  if kind == 'case' then\n"
	"    local st, fb = nil, false\n"
	"    for i = 1, #h, 2 do\n"
	"      if h[i] == 'status' then st = h[i + 1] end\n"
	"      if h[i] == 'feedback_at' then fb = true end\n"
	"    end\n"
	"    if st == 'closed' and not fb then\n"
	"      local tl = redis.call('XREVRANGE', p .. 'case:' .. id ..\n"
	"        ':tl', '+', '-', 'COUNT', 50)\n"
	"      for _, e in ipairs(tl) do\n"
	"        local f, what, at = e[2], nil, nil\n"
	"        for i = 1, #f, 2 do\n"
	"          if f[i] == 'what' then what = f[i + 1] end\n"
	"          if f[i] == 'at' then at = f[i + 1] end\n"
	"        end\n"
	"        if what == 'feedback' and at then\n"
	"          h[#h + 1] = 'feedback_at'\n"
	"          h[#h + 1] = at\n"
	"          break\n"
	"        end\n"
	"      end\n"
	"    end\n"
	"  end\n"
	"  out[#out + 1] = {id, h}\n"
	"end\n"
	"return out\n";

const char *const store_script_src[STORE_SCRIPT_COUNT] = {
	[STORE_INBOUND_LOAD] = lua_inbound_load,
	[STORE_INBOUND_COMMIT] = lua_inbound_commit,
	[STORE_OUTBOX_POP] = lua_outbox_pop,
	[STORE_OUTBOX_DONE] = lua_outbox_done,
	[STORE_TIMER_POP] = lua_timer_pop,
	[STORE_TIMER_DONE] = lua_timer_done,
	[STORE_CASE_CREATE] = lua_case_create,
	[STORE_CASE_LIST] = lua_case_list,
	[STORE_SCHED_RUN] = lua_sched_run,
	[STORE_REPORT_FETCH] = lua_report_fetch,
};
/* clang-format on */
