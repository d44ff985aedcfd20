-- close: end a round now. No new attempts start; open attempts' deadlines become now.
-- KEYS[1] round meta hash   KEYS[2] open-deadline zset
-- ARGV[1] the key prefix of the round's attempt hashes ("…{round:ID}:att:")
-- Returns the number of open attempts whose deadline moved.
-- The attempt keys are derived here, but they share the round's hash tag (one slot).
-- Idempotent: a second call finds nothing later than now.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if not redis.call('HGET', KEYS[1], 'closes_ms') then
  return 0
end
local later = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. now, '+inf')
-- writes
if tonumber(redis.call('HGET', KEYS[1], 'closes_ms')) > now then
  redis.call('HSET', KEYS[1], 'closes_ms', now)
end
for _, attempt in ipairs(later) do
  redis.call('ZADD', KEYS[2], now, attempt)
  redis.call('HSET', ARGV[1] .. attempt, 'deadline_ms', now)
end
return #later
