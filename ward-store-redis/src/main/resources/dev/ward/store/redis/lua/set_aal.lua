-- KEYS: the session's record. ARGV[5..]: session id, aal.
upgrade(ARGV[5])
local r = record(KEYS[1], ARGV[5])
if not r or not alive(r) then return 0 end
r.a = tonumber(ARGV[6])
redis.call('HSET', KEYS[1], 'N', numbers(r))
return 1
