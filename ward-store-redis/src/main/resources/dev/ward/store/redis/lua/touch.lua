-- KEYS: the session's record (or, for a token of the earlier format, its pointer). ARGV[5..]: tenant ('' for any),
-- session id ('' for a token of the earlier format), token hash (hex).
-- The one round trip of validation: find, check the token, classify, count the use and slide the idle expiry in one
-- HSET, and read the session's live patient contexts (in its slot) when it may hold any. TTLs move only when the idle
-- expiry has caught up with the slack the keys were last given (keysEnd), so most validations run HGET, HGETALL and
-- HSET alone, and most of those take touchCurrent's short way (common.lua). Read only for contexts: one found past its
-- limits is left for the next patient call or the sweep.
--
-- The token names its session, but nothing is said of the session until the token's hash is found in it: a made-up
-- token with a real session id gets 'unknown', as one with an unknown id does, after the same commands (HGET of one
-- field, then GET of the pointer an earlier version would have kept for the token's own hash), so an id cannot be
-- probed (decision 0040). An earlier token is found by its 128 bits during its grace, then by a 32-bit fingerprint
-- (decision 0044): a made-up secret is taken for one with a chance of at most RING in 2^32.
local tenant, sid, hash = ARGV[5], ARGV[6], ARGV[7]
local h = raw(hash)
local pointed = false
if sid == '' then
  -- A token of the earlier format names only its route: its pointer (or an older token's) names the session.
  sid = redis.call('GET', P .. 't' .. TAG .. string.sub(hash, 1, 32)) or redis.call('GET', okey(hash))
  if not sid then return { 'unknown' } end
  pointed = true
  upgrade(sid)
end
local key = pointed and rkey(kOf(sid)) or KEYS[1]
local both = redis.call('HGET', key, 'h') or ''
local isCurrent = string.sub(both, 1, 32) == h
if not isCurrent and not pointed and not mentions(both, h) then
  if redis.call('GET', okey(hash)) ~= sid then return { 'unknown' } end
  pointed = true
end
local read
if isCurrent and not pointed and (#both - 32) % 4 == 0 then
  read = redis.call('HGETALL', key)
  local answer = touchCurrent(key, read, sid, tenant)
  if answer then return answer end
end
local r = record(key, sid, read)
if not r then return { 'unknown' } end
local isPrevious = not isCurrent and r.prev == string.sub(h, 1, 16)
if not isCurrent and not isPrevious and not pointed and not inRing(r.ring, h) then return { 'unknown' } end
if tenant ~= '' and tenant ~= r.t then return { 'other', flat(r) } end
if r.z then return { 'revoked', flat(r) } end
if r.i <= now or r.x <= now then return { 'expired', flat(r) } end
if not isCurrent and (not isPrevious or r.w <= now) then return { 'superseded', flat(r) } end
local idle = math.min(now + r.m, r.x)
r.s, r.i, r.k = now, idle, r.k + 1
if isCurrent then r.q = r.q + 1 end
local gone
if r.si then
  r.si = nil
  gone = { 'i' }
end
if idle + RETAIN > r.e then
  r.e = keysEnd(idle, r.m, r.x)
  local ttl = r.e - now
  redis.call('PEXPIRE', key, ttl)
  if r.A then redis.call('PEXPIRE', akey(sid), ttl) end
  local index = ikey(r.t)
  redis.call('ZADD', index, liveScore(r.e), member(r))
  extend(index, ttl)
end
local patients = {}
if r.P then
  local ids = redis.call('HKEYS', pikey(sid))
  for _, pid in ipairs(ids) do
    local c, cflat = context(pkey(sid, pid))
    if c and tonumber(c.idle) > now and tonumber(c.abs) > now then patients[#patients + 1] = cflat end
  end
  if #ids == 0 then
    r.P = nil
    gone = gone or {}
    gone[#gone + 1] = 'P'
  end
end
if settle(r) then
  rewrite(key, r)
else
  if gone then redis.call('HDEL', key, unpack(gone)) end
  redis.call('HSET', key, 'N', numbers(r))
end
return { 'touched', isCurrent and 1 or 0, flat(r), patients }
