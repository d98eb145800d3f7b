-- KEYS: user index, new session, new token pointer. ARGV[5..]: max, on_limit, session id, then the session's fields.
-- Below the limit (the common case) the user's other sessions are not read: expired index entries are trimmed by
-- score and the rest counted. Only at the limit are the records read, to find which are really live and the oldest.
local max = tonumber(ARGV[5])
local evict = ARGV[6] == 'evict'
local sid = ARGV[7]
local index = KEYS[1]
local out = { 1 }
redis.call('ZREMRANGEBYSCORE', index, '-inf', now)
if redis.call('ZCARD', index) >= max then
  local live = liveOf(index)
  if #live >= max then
    if not evict then return { 0 } end
    for i = 1, #live - max + 1 do
      -- Which login evicted it: what the repair of that login needs, should it be interrupted.
      redis.call('HSET', skey(live[i].id), 'b', sid)
      live[i].b = sid
      finish(live[i], 'evicted')
      out[#out + 1] = flat(live[i])
    end
  end
end
local fields, r = {}, {}
for i = 8, #ARGV - 1, 2 do
  fields[#fields + 1] = ARGV[i]
  fields[#fields + 1] = ARGV[i + 1]
  r[ARGV[i]] = ARGV[i + 1]
end
local e = keysEnd(tonumber(r.i), tonumber(r.m), tonumber(r.x))
local ttl = e - now
fields[#fields + 1] = 'e'
fields[#fields + 1] = int(e)
redis.call('HSET', KEYS[2], unpack(fields))
redis.call('PEXPIRE', KEYS[2], ttl)
redis.call('SET', KEYS[3], sid, 'PX', ttl)
redis.call('ZADD', index, indexScore(e), sid)
extend(index, ttl)
return out
