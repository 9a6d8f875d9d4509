-- case_index.lua — one page of cases from the indexes the commit keeps
-- (lib/index.lua), oldest first, with a cursor; and the count of each
-- status in the same scope. For lists that must be whole and true: the
-- morning digest, the admin API's pages. Read-only.
-- KEYS: none; every key is built inside from the prefix ARGV[1].
-- ARGV: 1 prefix, 2 query (JSON) {statuses: [status, ...], areas: [area
--   id, ...] or null for every area, holder: staff id or null, after:
--   [created, no] or null (the last case of the page before), limit,
--   fields: [field, ...] or null for every field}.
-- Returns {{new, claimed, resolved, closed, cancelled} counts in scope,
--   {case hash, ...} (at most limit, oldest first)}.
local p = ARGV[1]
--@include lib/index.lua
local q = cjson.decode(ARGV[2])
if not q.limit or tonumber(q.limit) > 1000 then q.limit = 1000 end
local page = {}
for _, e in ipairs(index_page(q)) do
  page[#page + 1] = index_hash(e[1], q)
end
return {index_counts(q), page}
