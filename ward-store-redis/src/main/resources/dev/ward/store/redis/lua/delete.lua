-- KEYS: the session's record, its attributes. ARGV[5..]: session id. Returns the deleted session, or an empty list when
-- it was gone.
local sid = ARGV[5]
upgrade(sid)
redis.call('DEL', KEYS[2])
local r = record(KEYS[1], sid)
if not r then return {} end
clearPatients(sid)
redis.call('DEL', KEYS[1])
redis.call('ZREM', ikey(r.t), member(r))
return flat(r)
