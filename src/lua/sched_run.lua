-- sched_run.lua — one run of a scheduled job, once across daemons: marks it
-- done, queues its messages and plans the next run.
-- KEYS: none; every key is built inside from the prefix ARGV[1].
-- ARGV: 1 prefix, 2 document (JSON) {done, ttl, now, out: [{channel, to,
--   text}], next (timer member), at (ms)}.
-- Returns 1, or 0 when the run happened already.
--@include lib/enqueue.lua
local d = cjson.decode(ARGV[2])
if not redis.call('SET', p .. 'sched:done:' .. d.done, 1, 'NX',
    'EX', d.ttl) then return 0 end
for _, o in ipairs(d.out) do enqueue(o, d.now) end
redis.call('ZADD', p .. 'timers', d.at, d.next)
return 1
