-- start: begin an attempt if the round is open and the participant has a free slot; a
-- participant holds at most one open attempt per round: while one is open (in the
-- open-deadline zset and not past deadline + grace) start returns it instead.
-- KEYS[1] round meta hash      KEYS[2] attempts-used hash (participant -> count)
-- KEYS[3] start-request hash   KEYS[4] the new attempt's hash
-- KEYS[5] open-deadline zset   KEYS[6] event stream
-- KEYS[7] the participant's attempt list
-- ARGV[1] participant id  ARGV[2] request id  ARGV[3] new attempt id
-- ARGV[4] question ids, comma-separated, in this attempt's order
-- ARGV[5] time extension for this participant (ms)
-- Returns {"new"|"existing", attempt_id} or an error reply "round_not_open" / "attempt_limit".
-- "existing" is also the open attempt returned to a second start (nothing written).
-- Idempotent: a retried request id returns the attempt it created. All checks come first.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local req_field = ARGV[1] .. ':' .. ARGV[2]
local existing = redis.call('HGET', KEYS[3], req_field)
if existing then
  return {'existing', existing}
end
local meta = redis.call('HMGET', KEYS[1], 'opens_ms', 'closes_ms', 'time_limit_ms', 'attempt_limit',
  'grace_ms')
if not meta[1] then
  return redis.error_reply('round_not_open')
end
-- Attempts are created only when none is open, so the open one can only be the newest.
local last = redis.call('LINDEX', KEYS[7], -1)
if last then
  local open_until = redis.call('ZSCORE', KEYS[5], last)
  if open_until and now <= tonumber(open_until) + tonumber(meta[5] or '0') then
    return {'existing', last}
  end
end
local opens, closes = tonumber(meta[1]), tonumber(meta[2])
local limit_ms, attempt_limit = tonumber(meta[3]), tonumber(meta[4])
if now < opens or now >= closes then
  return redis.error_reply('round_not_open')
end
local used = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if attempt_limit > 0 and used >= attempt_limit then
  return redis.error_reply('attempt_limit')
end
if redis.call('EXISTS', KEYS[4]) == 1 then
  return redis.error_reply('attempt_exists')
end
-- writes
local number = redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
local deadline = math.min(now + limit_ms + tonumber(ARGV[5]), closes)
redis.call('HSET', KEYS[4], 'p', ARGV[1], 'n', number, 'started_ms', now, 'deadline_ms', deadline,
  'status', 'open', 'qs', ARGV[4], 'seq', 0)
redis.call('HSET', KEYS[3], req_field, ARGV[3])
redis.call('ZADD', KEYS[5], deadline, ARGV[3])
redis.call('RPUSH', KEYS[7], ARGV[3])
redis.call('XADD', KEYS[6], '*', 't', 'start', 'a', ARGV[3], 'p', ARGV[1], 'n', number,
  's', now, 'd', deadline, 'qs', ARGV[4])
return {'new', ARGV[3]}
