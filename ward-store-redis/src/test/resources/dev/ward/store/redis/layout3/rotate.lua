-- KEYS: the session's record. ARGV[5..]: session id, old hash, new hash, grace until (ms).
-- Compare-and-set on the current token; the old one becomes the previous (accepted until the grace ends, then told
-- apart as superseded), and the one before it moves to a pointer of its own that lives until the session's absolute
-- end, so that it too answers "expired" or "revoked" rather than "invalid".
local sid, old, new, grace = ARGV[5], ARGV[6], ARGV[7], ARGV[8]
upgrade(sid)
local r = record(KEYS[1], sid)
local o = raw(old)
if not r or r.z or current(r) ~= o then return 0 end
local before = previous(r)
if before ~= '' and before ~= string.sub(o, 1, 16) then
  local life = r.x - now
  if life > 0 then redis.call('SET', okey(hexOf(before)), sid, 'PX', life) end
end
r.q = 0
redis.call('HSET', KEYS[1], 'h', raw(new) .. string.sub(o, 1, 16), 'w', int(tonumber(grace) - r.c), 'o', int(now - r.c),
  'N', numbers(r))
if r.d then redis.call('HDEL', KEYS[1], 'd') end
return 1
