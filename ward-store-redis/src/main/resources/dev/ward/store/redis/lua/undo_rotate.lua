-- KEYS: session, new token pointer. ARGV[5..]: old hash, new hash.
-- Takes back a rotation whose new token never reached its holder: only while the new token is still the current
-- one (nobody can have used it), the old one becomes current again and the new pointer goes.
local old, new = ARGV[5], ARGV[6]
local r = record(KEYS[1])
if not r or r.tok ~= new or r.prev ~= old then return 0 end
redis.call('HSET', KEYS[1], 'tok', old)
redis.call('HDEL', KEYS[1], 'prev', 'prev_until')
redis.call('DEL', KEYS[2])
return 1
