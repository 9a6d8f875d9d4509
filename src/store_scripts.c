/*
 * store_scripts.c — the Lua scripts that are warmline's only writers to
 * Redis. Each is one atomic step; ARGV[1] is always the key prefix.
 *
 * Keys (prefix "wl:" by default):
 *   dedupe:{channel}:{msgid}    "1", expires after dedupe_ttl_s
 *   contact:{channel}:{from}    hash: name, first_seen, last_seen
 *   session:{channel}:{from}    hash: v (version), data (engine state)
 *   inbox                       stream of every acknowledged message
 *   ob:seq                      outbound id counter
 *   ob:m:{id}                   hash: channel, to, text, tries, created
 *   ob:q:{channel}:{to}         list of ids: one recipient's queue, in order
 *   ob:ready                    zset: queue name -> when its head may go
 *   ob:lease                    zset: queue name -> lease expiry
 *   ob:owner                    hash: queue name -> daemon holding the lease
 *   ob:dead                     list of JSON: dead-lettered messages
 *   ob:depth                    messages queued and not yet done
 *
 * A recipient's queue is either in ob:ready or in ob:lease, never both, so
 * only one message per recipient is in flight and order is kept.
 */
#include "store_scripts.h"

/* Shared by the scripts that enqueue outbound messages. */
#define LUA_PRELUDE                                                        \
	"local p = ARGV[1]\n"                                              \
	"local function enqueue(o, now)\n"                                 \
	"  local id = redis.call('INCR', p .. 'ob:seq')\n"                 \
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

/* ARGV: prefix, channel, from, msgid.
 * -> {dup 0|1, session version, session data, contact hash as array} */
static const char lua_inbound_load[] =
	"local p = ARGV[1]\n"
	"local who = ARGV[2] .. ':' .. ARGV[3]\n"
	"local dup = redis.call('EXISTS', p .. 'dedupe:' .. ARGV[2] .. ':' "
	".. ARGV[4])\n"
	"local s = redis.call('HMGET', p .. 'session:' .. who, 'v', 'data')\n"
	"return {dup, s[1] or '0', s[2] or '', "
	"redis.call('HGETALL', p .. 'contact:' .. who)}\n";

/* ARGV: prefix, document (JSON):
 *   {now, channel, from, msg_id, name, text, dedupe_ttl, expect,
 *    session (string), session_ttl, out: [{channel, to, text}]}
 * -> {"OK", n_out} | {"DUP"} | {"CONFLICT"} */
static const char lua_inbound_commit[] =
	LUA_PRELUDE
	"local d = cjson.decode(ARGV[2])\n"
	"local now = d.now\n"
	"local who = d.channel .. ':' .. d.from\n"
	"local dk = p .. 'dedupe:' .. d.channel .. ':' .. d.msg_id\n"
	"if redis.call('EXISTS', dk) == 1 then return {'DUP'} end\n"
	"local sk = p .. 'session:' .. who\n"
	"local cur = tonumber(redis.call('HGET', sk, 'v') or '0')\n"
	"if cur ~= d.expect then return {'CONFLICT'} end\n"
	"redis.call('SET', dk, '1', 'EX', d.dedupe_ttl)\n"
	"redis.call('HSET', sk, 'v', cur + 1, 'data', d.session)\n"
	"redis.call('EXPIRE', sk, d.session_ttl)\n"
	"local ck = p .. 'contact:' .. who\n"
	"redis.call('HSETNX', ck, 'first_seen', now)\n"
	"redis.call('HSET', ck, 'last_seen', now)\n"
	"if d.name ~= cjson.null and d.name ~= '' then\n"
	"  redis.call('HSET', ck, 'name', d.name)\n"
	"end\n"
	"redis.call('XADD', p .. 'inbox', 'MAXLEN', '~', 100000, '*',\n"
	"  'channel', d.channel, 'from', d.from, 'id', d.msg_id,\n"
	"  'text', d.text, 'at', now)\n"
	"for _, o in ipairs(d.out) do enqueue(o, now) end\n"
	"return {'OK', #d.out}\n";

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

/* ARGV: prefix, queue, id, owner, outcome (sent|retry|dead), delay_ms,
 * now, error. -> 1, or 0 when the lease was lost to another daemon. */
static const char lua_outbox_done[] =
	"local p = ARGV[1]\n"
	"local q, id, now = ARGV[2], ARGV[3], tonumber(ARGV[7])\n"
	"local owners = p .. 'ob:owner'\n"
	"if redis.call('HGET', owners, q) ~= ARGV[4] then return 0 end\n"
	"redis.call('HDEL', owners, q)\n"
	"redis.call('ZREM', p .. 'ob:lease', q)\n"
	"local mk = p .. 'ob:m:' .. id\n"
	"local qk = p .. 'ob:q:' .. q\n"
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

const char *const store_script_src[STORE_SCRIPT_COUNT] = {
	[STORE_INBOUND_LOAD] = lua_inbound_load,
	[STORE_INBOUND_COMMIT] = lua_inbound_commit,
	[STORE_OUTBOX_POP] = lua_outbox_pop,
	[STORE_OUTBOX_DONE] = lua_outbox_done,
};
