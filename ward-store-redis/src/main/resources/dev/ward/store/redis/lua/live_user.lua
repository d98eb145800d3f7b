-- KEYS: user index. Returns the user's live sessions, oldest first.
local out = {}
for _, r in ipairs(liveOf(KEYS[1])) do out[#out + 1] = flat(r) end
return out
