-- KEYS: session, new token pointer. ARGV[5..]: old hash, new hash, grace until (ms).
-- Compare-and-set on the current token; the old one stays a pointer so it can be told apart as superseded,
-- and the one before it moves to a compact superseded pointer that lives until the session's absolute end.
local old, new, grace = ARGV[5], ARGV[6], ARGV[7]
local r = record(KEYS[1])
if not r or r.revoked or r.tok ~= old then return 0 end
if r.prev and r.prev ~= old then
  redis.call('DEL', tkey(r.prev))
  local life = tonumber(r.abs) - now
  if life > 0 then redis.call('SET', okey(r.prev), r.id, 'PX', life) end
end
redis.call('HSET', KEYS[1], 'prev', old, 'prev_until', grace, 'tok', new, 'rotated', int(now), 'usr', 0, 'pending', 0)
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 1 then ttl = RETAIN end
redis.call('SET', KEYS[2], r.id, 'PX', ttl)
return 1
