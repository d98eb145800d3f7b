-- KEYS: the bucket. ARGV[5]: tokens per minute; ARGV[6]: how many tokens the node would take at once (a lease; 1 for
-- an exact count). A token bucket shared by every node: refilled continuously, a burst of one minute's worth.
-- Returns {tokens taken (1 up to the wish), 0} or, when there is not one, {0, milliseconds until there is}.
local rate = tonumber(ARGV[5])
local want = tonumber(ARGV[6]) or 1
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or rate
local at = tonumber(state[2]) or now
local perMs = rate / 60000
tokens = math.min(rate, tokens + math.max(0, now - at) * perMs)
local taken = 0
local wait = 0
if tokens >= 1 then
  taken = math.min(want, math.floor(tokens))
  tokens = tokens - taken
else
  wait = math.ceil((1 - tokens) / perMs)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', int(math.max(now, at)))
-- An idle bucket is full again after a minute; keep it a little longer, then let it go.
redis.call('PEXPIRE', KEYS[1], 120000)
return {taken, wait}
