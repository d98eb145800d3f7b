-- KEYS: the tenant's index in the user's slot. ARGV[5..]: tenant, user, route (4 hex digits). Returns every session of
-- the user the store still holds, ended ones too, oldest first (the reads of a repair).
local t, u, route = ARGV[5], ARGV[6], ARGV[7]
upgradeUser(t, u)
local out = {}
for _, r in ipairs(sessionsOf(KEYS[1], t, u, route)) do out[#out + 1] = flat(r) end
return out
