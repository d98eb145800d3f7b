-- KEYS: the session's record, its attributes. ARGV[5..]: session id, reason.
upgrade(ARGV[5])
redis.call('DEL', KEYS[2])
local r = record(KEYS[1], ARGV[5])
if not r or not alive(r) then return 0 end
r.A = nil
finish(r, ARGV[6])
return 1
