-- submit: score an attempt atomically, at the participant's request or at its deadline.
-- KEYS[1] round meta hash   KEYS[2] attempt hash   KEYS[3] attempt's answers hash
-- KEYS[4] attempts-used hash   KEYS[5] open-deadline zset   KEYS[6] leaderboard zset (lex)
-- KEYS[7] best-entry hash (participant -> leaderboard member)   KEYS[8] event stream
-- ARGV[1] participant id ("" when the server auto-submits)  ARGV[2] attempt id
-- ARGV[3] prediction ("" when none)  ARGV[4] mode: "client" | "auto"
-- Returns {status, correct, total, duration_ms, submitted_ms, prediction, auto, attempts_used}
-- where status
-- is "submitted" or "already" (submitted before: the stored result, nothing written), or an
-- error reply: not_found, prediction_required, not_due.
-- A client submit later than deadline + grace becomes an auto-submit (its prediction is too
-- late to count). A submit without a prediction (every auto-submit) takes the one saved
-- during the attempt (predict.lua), if any. The time used stops at the deadline. All checks
-- come first.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local a = redis.call('HMGET', KEYS[2], 'p', 'status', 'deadline_ms', 'started_ms', 'qs',
  'correct', 'duration_ms', 'submitted_ms', 'prediction', 'auto', 'n', 'pred')
if not a[1] or (ARGV[1] ~= '' and a[1] ~= ARGV[1]) then
  return redis.error_reply('not_found')
end
local total = select(2, string.gsub(a[5], ',', '')) + 1
local used = tonumber(redis.call('HGET', KEYS[4], a[1]) or '0')
if a[2] == 'submitted' then
  return {'already', tonumber(a[6]), total, tonumber(a[7]), tonumber(a[8]), a[9], a[10], used}
end
local meta = redis.call('HMGET', KEYS[1], 'grace_ms', 'prediction')
local deadline = tonumber(a[3])
local overdue = now > deadline + tonumber(meta[1] or '0')
local auto = ARGV[4] == 'auto' or overdue
if ARGV[4] == 'auto' and not overdue then
  return redis.error_reply('not_due')
end
local prediction = ARGV[3]
if auto or prediction == '' then
  prediction = a[12] or ''
end
if not auto and meta[2] == '1' and prediction == '' then
  return redis.error_reply('prediction_required')
end
-- Each saved answer carries its correctness (answer.lua), so scoring reads no key.
local correct = 0
for _, value in ipairs(redis.call('HVALS', KEYS[3])) do
  if string.sub(value, -2) == '|1' then
    correct = correct + 1
  end
end
local submitted = math.min(now, deadline)
local duration = submitted - tonumber(a[4])
local auto_flag = auto and '1' or '0'
-- writes
redis.call('HSET', KEYS[2], 'status', 'submitted', 'correct', correct, 'duration_ms', duration,
  'submitted_ms', submitted, 'prediction', prediction, 'auto', auto_flag)
redis.call('ZREM', KEYS[5], ARGV[2])
-- Live leaderboard: lexicographic members so that more correct, then less time, then earlier
-- submission sort first; the prediction tie-break joins at finalisation.
-- The participant id stays a string (zero-padded to 12 digits): never a double.
local member = string.format('%05d%013d%013d|', 99999 - correct, duration, submitted)
  .. string.rep('0', 12 - #a[1]) .. a[1]
local best = redis.call('HGET', KEYS[7], a[1])
if not best or member < best then
  if best then
    redis.call('ZREM', KEYS[6], best)
  end
  redis.call('ZADD', KEYS[6], 0, member)
  redis.call('HSET', KEYS[7], a[1], member)
end
-- The event carries its attempt's start (p, n, st, dl, qs): a persister that meets this
-- submit before the start (the start pending at a dead consumer) creates the attempt row.
redis.call('XADD', KEYS[8], '*', 't', 'submit', 'a', ARGV[2], 'c', correct, 'd', duration,
  's', submitted, 'pr', prediction, 'auto', auto_flag,
  'p', a[1], 'n', a[11], 'st', a[4], 'dl', a[3], 'qs', a[5])
return {'submitted', correct, total, duration, submitted, prediction, auto_flag, used}
