-- KEYS: session, new token pointer. ARGV[5..]: session id, old hash, new hash, grace until (ms).
-- Compare-and-set on the current token; the old one stays a pointer so it can be told apart as superseded,
-- and the one before it moves to a compact superseded pointer that lives until the session's absolute end.
local sid, old, new, grace = ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local r = record(KEYS[1], sid)
if not r or r.z or r.h ~= old then return 0 end
if r.v and r.v ~= old then
  redis.call('DEL', tkey(r.v))
  local life = tonumber(r.x) - now
  if life > 0 then redis.call('SET', okey(r.v), sid, 'PX', life) end
end
redis.call('HSET', KEYS[1], 'v', old, 'w', grace, 'h', new, 'o', int(now), 'q', 0, 'd', 0)
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 1 then ttl = RETAIN end
redis.call('SET', KEYS[2], sid, 'PX', ttl)
return 1
