-- KEYS: session. ARGV[5..]: aal.
local r = record(KEYS[1])
if not r or not alive(r) then return 0 end
redis.call('HSET', KEYS[1], 'aal', ARGV[5])
return 1
