-- KEYS: user index. ARGV[5..]: reason, session to keep ('' for none). Returns the ended sessions.
local out = {}
for _, s in ipairs(liveOf(KEYS[1])) do
  if s.r.id ~= ARGV[6] then
    finish(s.r, ARGV[5])
    out[#out + 1] = s.flat
  end
end
return out
