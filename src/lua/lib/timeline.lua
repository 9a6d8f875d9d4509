-- lib/timeline.lua — a case's timeline, case:{no}:tl (not a script of its
-- own): a list of JSON entries {at, who, what, detail}, oldest first, so it
-- costs bytes in proportion to its events (a stream preallocates kilobytes
-- for its first entry). A timeline an earlier version wrote as a stream is
-- still read, and appended to, as a stream.
-- Defines tl_add(no, now, who, what, detail) and
-- tl_read(no, count, newest_first), which answers as XRANGE/XREVRANGE
-- would: {{id, {'at', at, 'who', who, 'what', what, 'detail', detail}}, ...}
-- with id "<at>-<position>".
local function tl_key(no)
  return ARGV[1] .. 'case:' .. no .. ':tl'
end
local function tl_is_stream(k)
  return redis.call('TYPE', k)['ok'] == 'stream'
end
local function tl_add(no, now, who, what, detail)
  local k = tl_key(no)
  if tl_is_stream(k) then
    redis.call('XADD', k, '*', 'at', now, 'who', who or '', 'what', what,
      'detail', detail or '')
    return
  end
  redis.call('RPUSH', k, cjson.encode({at = tostring(now), who = who or '',
    what = what, detail = detail or ''}))
end
local function tl_read(no, count, newest_first)
  local k = tl_key(no)
  if tl_is_stream(k) then
    if newest_first then
      return redis.call('XREVRANGE', k, '+', '-', 'COUNT', count)
    end
    return redis.call('XRANGE', k, '-', '+', 'COUNT', count)
  end
  local raw, first
  if newest_first then
    raw = redis.call('LRANGE', k, -count, -1)
    first = redis.call('LLEN', k) - #raw
  else
    raw = redis.call('LRANGE', k, 0, count - 1)
    first = 0
  end
  local out = {}
  for i, s in ipairs(raw) do
    local ok, e = pcall(cjson.decode, s)
    if ok and type(e) == 'table' then
      local at = tostring(e.at or '')
      local entry = {at .. '-' .. (first + i - 1), {'at', at,
        'who', tostring(e.who or ''), 'what', tostring(e.what or ''),
        'detail', tostring(e.detail or '')}}
      if newest_first then
        table.insert(out, 1, entry)
      else
        out[#out + 1] = entry
      end
    end
  end
  return out
end
