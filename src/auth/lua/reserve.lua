-- reserve: count one attempt against a throttle before the costly check it guards (a password
-- hash), so that concurrent attempts can never all pass the check before any is counted.
-- KEYS[1] the counter   ARGV[1] attempts allowed in the window   ARGV[2] window in seconds
-- Returns -1 when the attempt may go on (it is counted), else the milliseconds until the
-- window ends (the attempt is refused and still counted). The window starts at the first
-- attempt and never moves, so a blocked key is free again at most a window later.
local n = redis.call('INCR', KEYS[1])
if n == 1 or redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[2])
end
if n > tonumber(ARGV[1]) then
  return redis.call('PTTL', KEYS[1])
end
return -1
