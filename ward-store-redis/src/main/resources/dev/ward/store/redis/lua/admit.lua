-- KEYS: the tenant's index in this slot, the new session's record. ARGV[5..]: max, on_limit, route (4 hex digits),
-- session id, then the session's fields as stored (times after c), but h: the token's hash in hex.
-- Below the limit (the common case) the user's other sessions are not read: entries whose keys are gone are trimmed by
-- score and the user's others that may be live counted. Only at the limit are the records read, to find which are
-- really live and the oldest.
local max = tonumber(ARGV[5])
local evict = ARGV[6] == 'evict'
local route, sid = ARGV[7], ARGV[8]
local index, key = KEYS[1], KEYS[2]
local fields, r = {}, { id = sid, K = kOf(sid) }
for i = 9, #ARGV - 1, 2 do
  local k, v = ARGV[i], ARGV[i + 1]
  if k == 'h' then
    v = raw(v)
    -- h first: checking a token reads the first field only
    table.insert(fields, 1, v)
    table.insert(fields, 1, k)
  else
    fields[#fields + 1] = k
    fields[#fields + 1] = v
  end
  r[k] = v
end
r.c = tonumber(r.c)
upgradeUser(r.t, r.u)
local out = { 1 }
trim(index)
local D = userDigest(r.t, r.u)
local others = 0
for _, entry in ipairs(entriesOf(index, D)) do
  if mayBeLive(entry[2]) then others = others + 1 end
end
if others >= max then
  local live = liveOf(index, r.t, r.u, route)
  if #live >= max then
    if not evict then return { 0 } end
    for i = 1, #live - max + 1 do
      -- Which login evicted it: what the repair of that login needs, should it be interrupted.
      redis.call('HSET', rkey(live[i].K), 'b', sid)
      live[i].b = sid
      finish(live[i], 'evicted')
      out[#out + 1] = flat(live[i])
    end
  end
end
local idle = r.i and r.c + tonumber(r.i) or math.min(r.c + tonumber(r.s) + tonumber(r.m), r.c + tonumber(r.x))
local e = keysEnd(idle, tonumber(r.m), r.c + tonumber(r.x))
local ttl = e - now
fields[#fields + 1] = 'e'
fields[#fields + 1] = int(e - r.c)
redis.call('HSET', key, unpack(fields))
redis.call('PEXPIRE', key, ttl)
redis.call('ZADD', index, liveScore(e), member(r))
extend(index, ttl)
return out
