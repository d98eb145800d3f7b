-- KEYS: the session's record. ARGV[5..]: session id, then ip and user agent as field/value pieces (p, then g, g1, ...
-- or G, G1, ... for its compact form). Never creates a session that is gone.
upgrade(ARGV[5])
local r = record(KEYS[1], ARGV[5])
if not r then return 0 end
local fields = {}
for i = 6, #ARGV do fields[#fields + 1] = ARGV[i] end
dropPieces(KEYS[1], r, 'g')
dropPieces(KEYS[1], r, 'G')
redis.call('HSET', KEYS[1], unpack(fields))
return 1
