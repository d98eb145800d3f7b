-- Shared by every Ward session script (prepended by RedisScripts). All keys a script touches are in one
-- cluster slot: the session's route, spelled as the hash tag TAG, and the user's index {tenant:user}, which
-- hashes to the same slot by construction (SessionRoute).
local P = ARGV[1]
local TAG = ARGV[2]
local RETAIN = tonumber(ARGV[3])
local now = tonumber(ARGV[4])

-- Record layout 2 (docs/decisions/0020): a session is one hash of one-letter fields, every value at most 64 bytes so
-- that Redis keeps it as a compact listpack under its default hash-max-listpack-value (longer texts, the user agent
-- and the roles, come in 64-byte pieces g, g1, g2, ... and r, r1, ...; RedisSessionStore joins them):
--   t tenant, u user id, n username, r roles (comma-separated), a aal, c created, s seen, i idle expiry, x absolute
--   expiry, m idle timeout (ms), k uses, p ip, g user agent or G its compact form (CompactUserAgent), o rotated, q uses since rotation, d rotation pending (0/1),
--   h sha256 of the current token, v of the previous one, w its grace end, z revoked at, y reason, b evicted by,
--   e when the session's keys expire (so a validation refreshes TTLs only when they must move), A 1 when it has
--   attributes, P 1 when it may hold patient contexts.
-- Times are epoch milliseconds of the caller's clock, stored as integers (listpack keeps them in 9 bytes).
local function int(x) return string.format('%d', x) end
local function skey(sid) return P .. 's' .. TAG .. sid end
local function akey(sid) return P .. 'a' .. TAG .. sid end
-- Token pointers name the first 128 bits of the token's sha256 (plenty to find the session; the record holds the whole
-- hash, which is what a token is checked against).
local function tkey(hash) return P .. 't' .. TAG .. string.sub(hash, 1, 32) end
-- A token the session had before its previous one, kept until the session's absolute end: it only ever tells
-- "expired" or "revoked" from "invalid".
local function okey(hash) return P .. 'o' .. TAG .. string.sub(hash, 1, 32) end
local function ukey(r) return P .. 'u{' .. r.t .. ':' .. r.u .. '}' end

-- A session hash as a table (nil when there is none), with its id under 'id'.
local function record(key, sid)
  local flat = redis.call('HGETALL', key)
  if #flat == 0 then return nil end
  local r = { id = sid }
  for i = 1, #flat, 2 do r[flat[i]] = flat[i + 1] end
  return r
end

-- The flat field/value list Java reads (RedisSessionStore.read), id included.
local function flat(r)
  local f = {}
  for k, v in pairs(r) do
    f[#f + 1] = k
    f[#f + 1] = v
  end
  return f
end

local function alive(r)
  return r.z == nil and tonumber(r.i) > now and tonumber(r.x) > now
end

-- Extends a key's TTL to at least ms (never shortens it).
local function extend(key, ms)
  if redis.call('PTTL', key) < ms then redis.call('PEXPIRE', key, ms) end
end

-- When a session's keys should expire, given its idle expiry: RETAIN after it (so a holder who comes back late is told
-- "expired", not "invalid"), plus an eighth of the idle timeout of slack so that validations move the TTLs once per
-- that much use rather than every time; never later than RETAIN after the absolute expiry.
local function keysEnd(idle, idleMs, abs)
  return math.min(idle + RETAIN + math.floor(idleMs / 8), abs + RETAIN)
end

-- Where the user's index scores a session: no earlier than its idle expiry will be until its keys' end is next moved
-- (trimming by score must never drop a live session).
local function indexScore(keysEnd) return keysEnd - RETAIN end

-- Patient contexts (C6), in the session's slot: pi = the session's index, patient id -> the context's expiry (so a
-- context whose TTL ran out is still known to have been there, and its timeout recorded); p = one context, a hash;
-- pd = its sealed data, a hash. The context and its data carry TTL = its remaining life; every script also compares
-- its times with now, so a context is dead the moment its time is up whatever Redis's clock says.
local function pikey(sid) return P .. 'pi:' .. TAG .. ':' .. sid end
local function pkey(sid, pid) return P .. 'p:' .. TAG .. ':' .. sid .. ':' .. pid end
local function pdkey(sid, pid) return P .. 'pd:' .. TAG .. ':' .. sid .. ':' .. pid end

-- Removes every patient context of a session with its data; answers how many contexts were still held.
local function clearPatients(sid)
  local n = 0
  for _, pid in ipairs(redis.call('HKEYS', pikey(sid))) do
    n = n + redis.call('DEL', pkey(sid, pid))
    redis.call('DEL', pdkey(sid, pid))
  end
  redis.call('DEL', pikey(sid))
  return n
end

-- A context hash as a table plus the flat field/value list Java reads; nil, nil when there is none.
local function context(key)
  local f = redis.call('HGETALL', key)
  if #f == 0 then return nil, nil end
  local c = {}
  for i = 1, #f, 2 do c[f[i]] = f[i + 1] end
  return c, f
end

-- One use of a context: a live one counted and slid (never past its hard limit), TTLs set to its remaining life; an
-- expired one (or one whose TTL already ran out) removed with its data. Answers the state and the context's fields.
local function usePatient(sid, pid)
  local key, index = pkey(sid, pid), pikey(sid)
  local c, flatc = context(key)
  if not c then
    if redis.call('HDEL', index, pid) == 1 then
      redis.call('DEL', pdkey(sid, pid))
      return 'expired', {}
    end
    return 'missing', {}
  end
  if tonumber(c.idle) <= now or tonumber(c.abs) <= now then
    redis.call('DEL', key, pdkey(sid, pid))
    redis.call('HDEL', index, pid)
    return 'expired', flatc
  end
  local idle = math.min(now + tonumber(c.idle_ms), tonumber(c.abs))
  redis.call('HSET', key, 'seen', int(now), 'idle', int(idle))
  redis.call('HINCRBY', key, 'n', 1)
  local ttl = idle - now
  redis.call('PEXPIRE', key, ttl)
  redis.call('PEXPIRE', pdkey(sid, pid), ttl)
  redis.call('HSET', index, pid, int(idle))
  extend(index, ttl)
  return 'live', redis.call('HGETALL', key)
end

-- Ends a live session: marked revoked, kept RETAIN ms so its holder learns why, attributes and contexts gone.
local function finish(r, reason)
  local key = skey(r.id)
  redis.call('HSET', key, 'z', int(now), 'y', reason)
  r.z, r.y = int(now), reason
  redis.call('PEXPIRE', key, RETAIN)
  if r.A then redis.call('DEL', akey(r.id)) end
  if r.P then clearPatients(r.id) end
  redis.call('ZREM', ukey(r), r.id)
  redis.call('PEXPIRE', tkey(r.h), RETAIN)
  if r.v then redis.call('PEXPIRE', tkey(r.v), RETAIN) end
end

-- The user's live sessions (records), oldest first, trimming index entries that are no longer live.
local function liveOf(index)
  redis.call('ZREMRANGEBYSCORE', index, '-inf', now)
  local live = {}
  for _, sid in ipairs(redis.call('ZRANGE', index, 0, -1)) do
    local r = record(skey(sid), sid)
    if r and alive(r) then
      live[#live + 1] = r
    else
      redis.call('ZREM', index, sid)
    end
  end
  table.sort(live, function(a, b)
    local ca, cb = tonumber(a.c), tonumber(b.c)
    if ca ~= cb then return ca < cb end
    return a.id < b.id
  end)
  return live
end

-- Deletes a long value's pieces (name, name1, name2, ...) from a record, before it is written anew.
local function dropPieces(key, r, name)
  local extra = {}
  for k, _ in pairs(r) do
    if string.match(k, '^' .. name .. '%d*$') then extra[#extra + 1] = k end
  end
  if #extra > 0 then redis.call('HDEL', key, unpack(extra)) end
end
