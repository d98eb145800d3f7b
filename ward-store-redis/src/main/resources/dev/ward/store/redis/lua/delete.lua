-- KEYS: session, its attributes. Returns the deleted session, or an empty list when it was gone.
redis.call('DEL', KEYS[2])
local r, flat = record(KEYS[1])
if not r then return {} end
clearPatients(r.id)
redis.call('DEL', KEYS[1], tkey(r.tok))
if r.prev then redis.call('DEL', tkey(r.prev)) end
redis.call('ZREM', ukey(r), r.id)
return flat
