-- KEYS: the tenant's index in this slot, the new session's record. ARGV[5..]: max, on_limit, route (4 hex digits),
-- session id, then the session's fields as text (times as epoch ms; h the token's hash in hex).
-- Below the limit (the common case) the user's other sessions are not read: entries whose keys are gone are trimmed by
-- score and the user's others that may be live counted. Only at the limit are the records read, to find which are
-- really live and the oldest.
local max = tonumber(ARGV[5])
local evict = ARGV[6] == 'evict'
local route, sid = ARGV[7], ARGV[8]
local index, key = KEYS[1], KEYS[2]
local r = { id = sid, K = string.sub(key, -16) }
for i = 9, #ARGV - 1, 2 do r[ARGV[i]] = ARGV[i + 1] end
r.h = raw(r.h)
r.e = 0
plain(r)
upgradeUser(r.t, r.u)
local out = { 1 }
trim(index)
-- Only entries that may be live are counted, and read at the limit: a session that ended (evicted, revoked, logged out)
-- is scored by its end (finish), and a live one by its keys' end, at least RETAIN after its idle expiry; so the
-- sessions the user ended in the last RETAIN are neither counted nor read (a nurse's dozens of evicted logins a shift).
local others = {}
for _, entry in ipairs(entriesOf(index, userDigest(r.t, r.u))) do
  if mayBeLive(entry[2]) then others[#others + 1] = entry end
end
if #others >= max then
  local live = liveAmong(index, others, r.t, r.u, route)
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
r.e = keysEnd(r.i, r.m, r.x)
local ttl = r.e - now
redis.call('HSET', key, unpack(stored(r)))
redis.call('PEXPIRE', key, ttl)
redis.call('ZADD', index, liveScore(r.e), member(r))
extend(index, ttl)
return out
