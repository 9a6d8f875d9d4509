-- case_create.lua — open a case for a work order from 12345 or another
-- system. Idempotent on ext_ref.
-- KEYS: none; every key is built inside from the prefix ARGV[1].
-- ARGV: 1 prefix, 2 document (JSON) {now, ext_ref, op (an open op, see
--   lib/cases.lua)}.
-- Returns {"CREATED", no} | {"EXISTS", no}.
--@include lib/enqueue.lua
--@include lib/index.lua
--@include lib/timeline.lua
--@include lib/cases.lua
local d = cjson.decode(ARGV[2])
local ek = p .. 'case:ext:' .. d.ext_ref
local no = redis.call('GET', ek)
if no then return {'EXISTS', no} end
d.op.ext_ref = d.ext_ref
no = case_open(d.op, d.now)
return {'CREATED', no}
