-- Shared by every Ward session script (prepended by RedisScripts). All keys a script touches are in one
-- cluster slot: the session's route, spelled as the hash tag TAG, and the user's index {tenant:user}, which
-- hashes to the same slot by construction (SessionRoute).
local P = ARGV[1]
local TAG = ARGV[2]
local RETAIN = tonumber(ARGV[3])
local now = tonumber(ARGV[4])

local function int(x) return string.format('%d', x) end
local function skey(sid) return P .. 's:' .. TAG .. ':' .. sid end
local function akey(sid) return P .. 'a:' .. TAG .. ':' .. sid end
local function tkey(hash) return P .. 't:' .. TAG .. ':' .. hash end
-- A token the session had before its previous one: a shorter key than tkey (128 bits of the hash are plenty
-- to find it again, and it only ever tells "expired" or "revoked" from "invalid"), kept until the session's
-- absolute end.
local function okey(hash) return P .. 'o:' .. TAG .. ':' .. string.sub(hash, 1, 32) end
local function ukey(r) return P .. 'u:{' .. r.tenant .. ':' .. r.user .. '}' end

-- A session hash as a table plus the flat field/value list Java reads.
local function record(key)
  local flat = redis.call('HGETALL', key)
  if #flat == 0 then return nil, nil end
  local r = {}
  for i = 1, #flat, 2 do r[flat[i]] = flat[i + 1] end
  return r, flat
end

local function alive(r)
  return r.revoked == nil and tonumber(r.idle) > now and tonumber(r.abs) > now
end

-- Extends a key's TTL to at least ms (never shortens it).
local function extend(key, ms)
  if redis.call('PTTL', key) < ms then redis.call('PEXPIRE', key, ms) end
end

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

-- One use of a context: a live one counted and slid (never past its hard limit), TTLs set to its remaining life; an
-- expired one (or one whose TTL already ran out) removed with its data. Answers the state and the context's fields.
local function usePatient(sid, pid)
  local key, index = pkey(sid, pid), pikey(sid)
  local c, flat = record(key)
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
    return 'expired', flat
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

-- Ends a live session: marked revoked, kept RETAIN ms so its holder learns why, attributes gone.
local function finish(r, reason)
  local key = skey(r.id)
  redis.call('HSET', key, 'revoked', int(now), 'reason', reason)
  redis.call('PEXPIRE', key, RETAIN)
  redis.call('DEL', akey(r.id))
  clearPatients(r.id)
  redis.call('ZREM', ukey(r), r.id)
  redis.call('PEXPIRE', tkey(r.tok), RETAIN)
  if r.prev then redis.call('PEXPIRE', tkey(r.prev), RETAIN) end
end

-- The user's live sessions, trimming index entries that are no longer live.
local function liveOf(index)
  redis.call('ZREMRANGEBYSCORE', index, '-inf', now)
  local live = {}
  for _, sid in ipairs(redis.call('ZRANGE', index, 0, -1)) do
    local r, flat = record(skey(sid))
    if r and alive(r) then
      live[#live + 1] = { r = r, flat = flat }
    else
      redis.call('ZREM', index, sid)
    end
  end
  table.sort(live, function(a, b)
    local ca, cb = tonumber(a.r.created), tonumber(b.r.created)
    if ca ~= cb then return ca < cb end
    return a.r.id < b.r.id
  end)
  return live
end
