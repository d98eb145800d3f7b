-- KEYS: the session's record. ARGV[5..]: session id. The SHA-256 (hex) of its current token, for operators and tests.
upgrade(ARGV[5])
local h = redis.call('HGET', KEYS[1], 'h')
if not h then return false end
return hexOf(string.sub(h, 1, 32))
