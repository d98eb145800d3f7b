-- KEYS: the token's pointer. ARGV[5..]: tenant ('' for any), token hash.
-- The one round trip of validation: find, classify, count the use and slide the idle expiry in one HSET, and read the
-- session's live patient contexts (in its slot) when it may hold any. TTLs move only when the idle expiry has caught
-- up with the slack the keys were last given (keysEnd), so most validations run GET, HGETALL and HSET alone. Read
-- only for contexts: one found past its limits is left for the next patient call or the sweep, which remove it and
-- record its timeout.
local tenant, hash = ARGV[5], ARGV[6]
local sid = redis.call('GET', KEYS[1])
local older = false
if not sid then
  sid = redis.call('GET', okey(hash))
  older = true
end
if not sid then return { 'unknown' } end
local key = skey(sid)
local r = record(key, sid)
if not r then return { 'unknown' } end
local current = r.h == hash
if not older and not current and r.v ~= hash then return { 'unknown' } end
if tenant ~= '' and tenant ~= r.t then return { 'other', flat(r) } end
if r.z then return { 'revoked', flat(r) } end
local abs = tonumber(r.x)
if tonumber(r.i) <= now or abs <= now then return { 'expired', flat(r) } end
if older or (not current and tonumber(r.w) <= now) then return { 'superseded', flat(r) } end
local idleMs = tonumber(r.m)
local idle = math.min(now + idleMs, abs)
r.s, r.i, r.k = int(now), int(idle), int(tonumber(r.k) + 1)
local set = { 's', r.s, 'i', r.i, 'k', r.k }
if current then
  r.q = int(tonumber(r.q) + 1)
  set[#set + 1] = 'q'
  set[#set + 1] = r.q
end
if idle + RETAIN > tonumber(r.e or 0) then
  local e = keysEnd(idle, idleMs, abs)
  local ttl = e - now
  r.e = int(e)
  set[#set + 1] = 'e'
  set[#set + 1] = r.e
  redis.call('PEXPIRE', key, ttl)
  if r.A then redis.call('PEXPIRE', akey(sid), ttl) end
  redis.call('PEXPIRE', tkey(r.h), ttl)
  if r.v then redis.call('PEXPIRE', tkey(r.v), ttl) end
  local index = ukey(r)
  redis.call('ZADD', index, indexScore(e), sid)
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
    redis.call('HDEL', key, 'P')
  end
end
redis.call('HSET', key, unpack(set))
return { 'touched', current and 1 or 0, flat(r), patients }
