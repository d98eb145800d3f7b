-- KEYS: user index. ARGV[5..]: the roles as field/value pieces (r, r1, ...). The user's sessions that are not revoked
-- carry the new roles and get a new token at their next use (the index holds every session that may still be used).
local roles = {}
for i = 5, #ARGV do roles[#roles + 1] = ARGV[i] end
for _, sid in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local key = skey(sid)
  local r = record(key, sid)
  if r and not r.z then
    dropPieces(key, r, 'r')
    redis.call('HSET', key, 'd', 1, unpack(roles))
  end
end
return 1
