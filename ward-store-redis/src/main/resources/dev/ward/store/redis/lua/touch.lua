-- KEYS: the token's pointer. ARGV[5..]: tenant ('' for any), token hash.
-- The one round trip of validation: find, classify, count the use, slide the idle expiry, refresh TTLs, and read the
-- session's live patient contexts (in its slot) for the session object. Read only: a context found past its limits is
-- left for the next patient call or the sweep, which remove it and record its timeout.
local tenant, hash = ARGV[5], ARGV[6]
local sid = redis.call('GET', KEYS[1])
local older = false
if not sid then
  sid = redis.call('GET', okey(hash))
  older = true
end
if not sid then return { 'unknown' } end
local key = skey(sid)
local r, flat = record(key)
if not r then return { 'unknown' } end
local current = r.tok == hash
if not older and not current and r.prev ~= hash then return { 'unknown' } end
if tenant ~= '' and tenant ~= r.tenant then return { 'other', flat } end
if r.revoked then return { 'revoked', flat } end
if tonumber(r.idle) <= now or tonumber(r.abs) <= now then return { 'expired', flat } end
if older or (not current and tonumber(r.prev_until) <= now) then return { 'superseded', flat } end
local idle = math.min(now + tonumber(r.idle_ms), tonumber(r.abs))
redis.call('HSET', key, 'seen', int(now), 'idle', int(idle))
redis.call('HINCRBY', key, 'uses', 1)
if current then redis.call('HINCRBY', key, 'usr', 1) end
local ttl = idle - now + RETAIN
redis.call('PEXPIRE', key, ttl)
redis.call('PEXPIRE', akey(sid), ttl)
redis.call('PEXPIRE', tkey(r.tok), ttl)
if r.prev then redis.call('PEXPIRE', tkey(r.prev), ttl) end
local index = ukey(r)
redis.call('ZADD', index, idle, sid)
extend(index, ttl)
local patients = {}
for _, pid in ipairs(redis.call('HKEYS', pikey(sid))) do
  local c, cflat = record(pkey(sid, pid))
  if c and tonumber(c.idle) > now and tonumber(c.abs) > now then patients[#patients + 1] = cflat end
end
return { 'touched', current and 1 or 0, redis.call('HGETALL', key), patients }
