-- KEYS: session. ARGV[5..]: ip, user agent. Never creates a session that is gone.
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'ip', ARGV[5], 'ua', ARGV[6])
return 1
