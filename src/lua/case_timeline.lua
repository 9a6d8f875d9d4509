-- case_timeline.lua — a case's timeline, oldest first, for the admin API.
-- Read-only.
-- KEYS: none; every key is built inside from the prefix ARGV[1].
-- ARGV: 1 prefix, 2 case no, 3 count (at most this many entries).
-- Returns {{id, {'at', at, 'who', who, 'what', what, 'detail', detail}},
--   ...}, as XRANGE would.
--@include lib/timeline.lua
return tl_read(ARGV[2], tonumber(ARGV[3]), false)
