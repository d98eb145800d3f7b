-- KEYS: the bucket. ARGV[5..]: tokens per minute. A token bucket shared by every node: refilled continuously,
-- a burst of one minute's worth. Returns 0 when a token was taken, else the milliseconds until there is one.
local rate = tonumber(ARGV[5])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or rate
local at = tonumber(state[2]) or now
local perMs = rate / 60000
tokens = math.min(rate, tokens + math.max(0, now - at) * perMs)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.ceil((1 - tokens) / perMs)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', int(math.max(now, at)))
-- An idle bucket is full again after a minute; keep it a little longer, then let it go.
redis.call('PEXPIRE', KEYS[1], 120000)
return wait
