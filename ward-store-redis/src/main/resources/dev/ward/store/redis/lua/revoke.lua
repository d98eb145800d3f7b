-- KEYS: session, its attributes. ARGV[5..]: reason.
redis.call('DEL', KEYS[2])
local r = record(KEYS[1])
if not r or not alive(r) then return 0 end
finish(r, ARGV[5])
return 1
