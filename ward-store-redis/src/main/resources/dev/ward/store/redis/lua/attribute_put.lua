-- KEYS: attributes, the session's record. ARGV[5..]: name, sealed value, max count, session id.
-- 1 stored, 0 refused (the session holds max attributes), -1 the session is gone. The session is marked as having
-- attributes (A), so that validations move this key's TTL with the session's and leave it alone otherwise.
upgrade(ARGV[8])
if redis.call('EXISTS', KEYS[2]) == 0 then return -1 end
if redis.call('HEXISTS', KEYS[1], ARGV[5]) == 0 and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[7]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[5], ARGV[6])
redis.call('HSET', KEYS[2], 'A', 1)
local ttl = redis.call('PTTL', KEYS[2])
if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
return 1
