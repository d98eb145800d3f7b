-- KEYS: the refusal, the index of refusals. ARGV[5..]: the intent it names, how long it is kept (ms), then its fields
-- and values. A refusal of a change whose outcome could not be told (RedisRefusedChanges): one hash with a TTL, indexed
-- by when it was recorded; the index forgets what is older than that TTL.
local keep = tonumber(ARGV[6])
local fields = {}
for i = 7, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('PEXPIRE', KEYS[1], keep)
redis.call('ZADD', KEYS[2], now, ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - keep)
return 1
