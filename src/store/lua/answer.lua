-- answer: save (or replace) the answer to one question of an open attempt.
-- KEYS[1] round meta hash   KEYS[2] attempt hash   KEYS[3] attempt's answers hash
-- KEYS[4] option-ids hash (question -> ",id,id,")   KEYS[5] answer-key hash
-- KEYS[6] event stream
-- ARGV[1] participant id  ARGV[2] attempt id  ARGV[3] question id
-- ARGV[4] option ids, sorted ascending, comma-separated
-- ARGV[5] seq: decimal digits, 1 to 2^53-1 (checked at decode, and its shape again here)
-- Stores "seq|options|c" per question, c = 1 when the options equal the key: the deadline
-- burst of submits then counts instead of looking keys up.
-- Returns "saved" | "duplicate" (this seq is already stored) | "stale" (a newer seq answered
-- this question), or an error reply: not_found, already_submitted, deadline_passed,
-- invalid_question, invalid_option, answer_locked (the round does not let a saved answer
-- change and this question already has one), seq_invalid.
-- A seq stays the string it came as: Lua numbers are doubles, and `..` prints them with 14
-- digits (1e+14), so seqs are compared as digit strings (shorter is smaller, then by byte).
-- Idempotent by (attempt, question, seq); a replay never writes. All checks come first.
local seq = ARGV[5]
if not string.find(seq, '^[1-9]%d*$') or #seq > 16 then
  return redis.error_reply('seq_invalid')
end
-- a < b for canonical decimal digit strings.
local function less(a, b)
  return #a < #b or (#a == #b and a < b)
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local a = redis.call('HMGET', KEYS[2], 'p', 'status', 'deadline_ms', 'qs', 'seq')
if not a[1] or a[1] ~= ARGV[1] then
  return redis.error_reply('not_found')
end
if a[2] ~= 'open' then
  return redis.error_reply('already_submitted')
end
local meta = redis.call('HMGET', KEYS[1], 'grace_ms', 'changeable')
local grace = tonumber(meta[1] or '0')
if now > tonumber(a[3]) + grace then
  return redis.error_reply('deadline_passed')
end
local qid = ARGV[3]
if not string.find(',' .. a[4] .. ',', ',' .. qid .. ',', 1, true) then
  return redis.error_reply('invalid_question')
end
local allowed = redis.call('HGET', KEYS[4], qid)
if not allowed then
  return redis.error_reply('invalid_question')
end
local count = 0
for option in string.gmatch(ARGV[4], '[^,]+') do
  count = count + 1
  if not string.find(allowed, ',' .. option .. ',', 1, true) then
    return redis.error_reply('invalid_option')
  end
end
local key = redis.call('HGET', KEYS[5], qid) or ''
local _, commas = string.gsub(key, ',', '')
if count == 0 or (count > 1 and commas == 0) then
  return redis.error_reply('invalid_option')
end
local prev = redis.call('HGET', KEYS[3], qid)
if prev then
  local prev_seq = string.match(prev, '^(%d+)|') or '0'
  if seq == prev_seq then
    return 'duplicate'
  elseif less(seq, prev_seq) then
    return 'stale'
  elseif meta[2] == '0' then
    return redis.error_reply('answer_locked')
  end
end
-- writes
local right = (ARGV[4] == key) and '1' or '0'
redis.call('HSET', KEYS[3], qid, seq .. '|' .. ARGV[4] .. '|' .. right)
if less(a[5] or '0', seq) then
  redis.call('HSET', KEYS[2], 'seq', seq)
end
-- xadd_<event>: stream.lua, prepended (the field list of each event, in one place).
xadd_answer(KEYS[6], ARGV[2], qid, ARGV[4], seq, now)
return 'saved'
