-- KEYS: user index. ARGV[5..]: roles. The user's sessions that are not revoked carry the new roles and get
-- a new token at their next use (the index holds every session that may still be used).
for _, sid in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local key = skey(sid)
  if redis.call('EXISTS', key) == 1 and redis.call('HEXISTS', key, 'revoked') == 0 then
    redis.call('HSET', key, 'roles', ARGV[5], 'pending', 1)
  end
end
return 1
