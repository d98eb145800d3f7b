-- KEYS: session, new token pointer. ARGV[5..]: old hash, new hash, grace until (ms).
-- Compare-and-set on the current token; the old one stays a pointer so it can be told apart as superseded.
local old, new, grace = ARGV[5], ARGV[6], ARGV[7]
local r = record(KEYS[1])
if not r or r.revoked or r.tok ~= old then return 0 end
if r.prev and r.prev ~= old then redis.call('DEL', tkey(r.prev)) end
redis.call('HSET', KEYS[1], 'prev', old, 'prev_until', grace, 'tok', new, 'rotated', int(now), 'usr', 0, 'pending', 0)
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 1 then ttl = RETAIN end
redis.call('SET', KEYS[2], r.id, 'PX', ttl)
return 1
