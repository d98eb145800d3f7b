-- KEYS: the session's record. ARGV[5..]: session id. Returns the session (any state), or an empty list when there is none.
upgrade(ARGV[5])
local r = record(KEYS[1], ARGV[5])
if not r then return {} end
return flat(r)
