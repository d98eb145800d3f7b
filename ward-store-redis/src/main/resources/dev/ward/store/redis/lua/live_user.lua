-- KEYS: user index. Returns the user's live sessions, oldest first.
local out = {}
for _, s in ipairs(liveOf(KEYS[1])) do out[#out + 1] = s.flat end
return out
