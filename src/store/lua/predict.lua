-- predict: save (or replace) the prediction of an open attempt, like an answer, so that a
-- submit without one (the server's auto-submit at deadline + grace included) keeps it.
-- KEYS[1] round meta hash   KEYS[2] attempt hash
-- ARGV[1] participant id  ARGV[2] prediction: decimal digits, 0 to 1,000,000,000 (checked at
-- decode, and its shape again here; kept as the string it came as)
-- Returns "saved", or an error reply: not_found, already_submitted, deadline_passed,
-- invalid_prediction (out of range, or the round asks no prediction).
-- No stream event: the submit carries the prediction to Postgres. All checks come first.
local value = ARGV[2]
if not string.find(value, '^%d+$') or #value > 10 or (#value > 1 and string.sub(value, 1, 1) == '0')
  or (#value == 10 and value > '1000000000') then
  return redis.error_reply('invalid_prediction')
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local a = redis.call('HMGET', KEYS[2], 'p', 'status', 'deadline_ms')
if not a[1] or a[1] ~= ARGV[1] then
  return redis.error_reply('not_found')
end
if a[2] ~= 'open' then
  return redis.error_reply('already_submitted')
end
local meta = redis.call('HMGET', KEYS[1], 'grace_ms', 'prediction')
if now > tonumber(a[3]) + tonumber(meta[1] or '0') then
  return redis.error_reply('deadline_passed')
end
if meta[2] ~= '1' then
  return redis.error_reply('invalid_prediction')
end
-- writes
redis.call('HSET', KEYS[2], 'pred', value)
return 'saved'
