-- trim: drop stream entries that are persisted (acknowledged by the persister group).
-- KEYS[1] event stream
-- ARGV[1] consumer group
-- Returns the number of entries removed.
-- Every entry before the group's oldest pending one is in Postgres; with nothing pending,
-- every delivered entry is. XTRIM MINID frees whole nodes, far cheaper than XDEL per id.
local pending = redis.call('XPENDING', KEYS[1], ARGV[1])
local threshold
if pending[1] > 0 then
  threshold = pending[2]
else
  local delivered
  for _, group in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
    local fields = {}
    for i = 1, #group, 2 do
      fields[group[i]] = group[i + 1]
    end
    if fields['name'] == ARGV[1] then
      delivered = fields['last-delivered-id']
    end
  end
  if not delivered then
    return 0
  end
  local ms, seq = string.match(delivered, '^(%d+)-(%d+)$')
  -- The id's sequence part is a 64-bit counter: +1 only while a double (and `..`, which
  -- prints 14 digits) keep it exact; beyond, trim up to the entry before (kept one turn).
  if #seq <= 13 then
    threshold = ms .. '-' .. (tonumber(seq) + 1)
  else
    threshold = delivered
  end
end
return redis.call('XTRIM', KEYS[1], 'MINID', threshold)
