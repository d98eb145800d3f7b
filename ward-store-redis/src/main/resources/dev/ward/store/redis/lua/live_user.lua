-- KEYS: the tenant's index in the user's slot. ARGV[5..]: tenant, user, route (4 hex digits). Returns the user's live
-- sessions, oldest first.
local t, u, route = ARGV[5], ARGV[6], ARGV[7]
upgradeUser(t, u)
trim(KEYS[1])
local out = {}
for _, r in ipairs(liveOf(KEYS[1], t, u, route)) do out[#out + 1] = flat(r) end
return out
