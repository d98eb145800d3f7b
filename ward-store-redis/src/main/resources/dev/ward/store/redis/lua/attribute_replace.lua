-- KEYS: attributes. ARGV[5..]: name, expected sealed value, new sealed value. Compare-and-set (key rewrap).
if redis.call('HGET', KEYS[1], ARGV[5]) ~= ARGV[6] then return 0 end
redis.call('HSET', KEYS[1], ARGV[5], ARGV[7])
return 1
