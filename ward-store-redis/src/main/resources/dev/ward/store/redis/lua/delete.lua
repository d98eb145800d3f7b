-- KEYS: session, its attributes. ARGV[5..]: session id. Returns the deleted session, or an empty list when it was gone.
redis.call('DEL', KEYS[2])
local sid = ARGV[5]
local r = record(KEYS[1], sid)
if not r then return {} end
clearPatients(sid)
redis.call('DEL', KEYS[1], tkey(r.h))
if r.v then redis.call('DEL', tkey(r.v)) end
redis.call('ZREM', ukey(r), sid)
return flat(r)
