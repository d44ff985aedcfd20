-- refund: give back an attempt that succeeded (a right password), so that successes never use
-- up a throttle shared by many honest people (a school behind one address).
-- KEYS[1] the counter
-- Returns the count left. Never goes below 0 and never creates the counter.
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n <= 0 then
  return 0
end
return redis.call('DECR', KEYS[1])
