-- KEYS: user index. ARGV[5..]: reason, session to keep ('' for none). Returns the ended sessions.
local out = {}
for _, r in ipairs(liveOf(KEYS[1])) do
  if r.id ~= ARGV[6] then
    finish(r, ARGV[5])
    out[#out + 1] = flat(r)
  end
end
return out
