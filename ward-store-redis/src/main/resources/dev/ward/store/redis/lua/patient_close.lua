-- KEYS: the session's patient index. ARGV[5..]: session id, patient id ('' for every context of the session).
-- Answers how many contexts were removed (with their data).
local sid, pid = ARGV[5], ARGV[6]
if pid == '' then return clearPatients(sid) end
local n = redis.call('DEL', pkey(sid, pid))
redis.call('DEL', pdkey(sid, pid))
n = math.max(n, redis.call('HDEL', KEYS[1], pid))
return n
