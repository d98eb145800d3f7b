-- KEYS: the tenant's index in the user's slot. ARGV[5..]: tenant, user, route (4 hex digits), reason, session to keep
-- ('' for none). Returns the ended sessions.
local t, u, route, reason, keep = ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9]
upgradeUser(t, u)
trim(KEYS[1])
local out = {}
for _, r in ipairs(liveOf(KEYS[1], t, u, route)) do
  if r.id ~= keep then
    finish(r, reason)
    out[#out + 1] = flat(r)
  end
end
return out
