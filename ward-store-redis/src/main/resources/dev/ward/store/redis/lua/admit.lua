-- KEYS: user index, new session, new token pointer. ARGV[5..]: max, on_limit, then the session's fields.
local max = tonumber(ARGV[5])
local evict = ARGV[6] == 'evict'
local live = liveOf(KEYS[1])
local out = { 1 }
if #live >= max then
  if not evict then return { 0 } end
  local newId
  for i = 7, #ARGV - 1, 2 do if ARGV[i] == 'id' then newId = ARGV[i + 1] end end
  for i = 1, #live - max + 1 do
    -- Which login evicted it: what the repair of that login needs, should it be interrupted.
    redis.call('HSET', skey(live[i].r.id), 'by', newId)
    finish(live[i].r, 'evicted')
    out[#out + 1] = live[i].flat
  end
end
local fields = {}
for i = 7, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[2], unpack(fields))
local r = record(KEYS[2])
local ttl = tonumber(r.idle) - now + RETAIN
redis.call('PEXPIRE', KEYS[2], ttl)
redis.call('SET', KEYS[3], r.id, 'PX', ttl)
redis.call('ZADD', KEYS[1], r.idle, r.id)
extend(KEYS[1], ttl)
return out
