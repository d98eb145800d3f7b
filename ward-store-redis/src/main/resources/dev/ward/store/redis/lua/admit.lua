-- KEYS: user index, new session, new token pointer. ARGV[5..]: max, on_limit, then the session's fields.
local max = tonumber(ARGV[5])
local evict = ARGV[6] == 'evict'
local live = liveOf(KEYS[1])
local out = { 1 }
if #live >= max then
  if not evict then return { 0 } end
  for i = 1, #live - max + 1 do
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
