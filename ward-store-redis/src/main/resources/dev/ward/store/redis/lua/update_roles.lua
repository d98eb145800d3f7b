-- KEYS: the tenant's index in the user's slot. ARGV[5..]: tenant, user, route (4 hex digits), then the roles as
-- field/value pieces (r, r1, ...). The user's sessions that are not revoked carry the new roles and get a new token at
-- their next use (the index holds every session that may still be used).
local t, u, route = ARGV[5], ARGV[6], ARGV[7]
local roles = {}
for i = 8, #ARGV do roles[#roles + 1] = ARGV[i] end
upgradeUser(t, u)
for _, r in ipairs(sessionsOf(KEYS[1], t, u, route)) do
  if not r.z then
    local key = rkey(r.K)
    dropPieces(key, r, 'r')
    redis.call('HSET', key, 'd', 1, unpack(roles))
  end
end
return 1
