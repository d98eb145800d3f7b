-- Shared by every Ward session script (prepended by RedisScripts). All keys a script touches are in one
-- cluster slot: the session's route, spelled as the hash tag TAG, which every session of the user shares (SessionRoute).
local P = ARGV[1]
local TAG = ARGV[2]
local RETAIN = tonumber(ARGV[3])
local now = tonumber(ARGV[4])

-- Record layout 3 (docs/decisions/0040). A session is one key, P r TAG K, where K is the 12 random bytes of its id in
-- base64url (16 characters: the key stays in Redis's smallest allocation for a key); no pointer per token, since a
-- token names its session. The record is a hash of one-letter fields whose values all stay within Redis's default
-- hash-max-listpack-value (64 bytes), so Redis keeps it as one compact listpack (a longer user agent or role list
-- comes in 64-byte pieces g, g1, ... and r, r1, ...; RedisSessionStore joins them):
--   h the SHA-256 of the current token then, after a rotation, of the previous one: 32 raw bytes each, and the
--     first field, so that checking a token reads one field; t tenant, u user id, n username, r roles
--     (comma-separated), a aal, m idle timeout (ms), k uses, q uses since rotation, d 1 while a rotation is pending,
--     p ip, g user agent or G its compact form (CompactUserAgent), y revocation reason, b evicted by, A 1 once it has
--     attributes, P 1 when it may hold patient contexts;
--   c created (epoch ms) and, as milliseconds after c (small integers, which the listpack keeps in 1 to 5 bytes):
--     s seen, x absolute expiry, e when the session's keys expire (so a validation moves TTLs only when they must
--     move), o rotated (absent: c), w the previous token's grace end, z revoked at.
-- The idle expiry is not stored: it is min(s + m, x) (stored as i only for a session created otherwise).
-- Times are the caller's clock, never Redis's.
local TIMES = { s = true, x = true, e = true, o = true, w = true, z = true, i = true }
local function int(x) return string.format('%d', x) end

local B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
-- A whole number as `width` base64url digits, most significant first.
local function digits(n, width)
  local out = {}
  for i = width, 1, -1 do
    local d = n % 64
    out[i] = string.sub(B64, d + 1, d + 1)
    n = (n - d) / 64
  end
  return table.concat(out)
end
-- A session id's K: its 24 random hex digits (after ses_ and the route's 4) in base64url, 4 characters per 6 digits.
local function kOf(sid)
  local out = {}
  for i = 9, 32, 6 do out[#out + 1] = digits(tonumber(string.sub(sid, i, i + 5), 16), 4) end
  return table.concat(out)
end
-- The session id of K in the route whose 4 hex digits are given (the inverse of kOf).
local function sidOf(route, K)
  local out = { 'ses_', route }
  for i = 1, 16, 4 do
    local n = 0
    for j = i, i + 3 do n = n * 64 + string.find(B64, string.sub(K, j, j), 1, true) - 1 end
    out[#out + 1] = string.format('%06x', n)
  end
  return table.concat(out)
end
-- A token hash from hex (as Ward sends it) to its 32 raw bytes (as the record keeps it), and back.
local function raw(hex)
  return (string.gsub(hex, '%x%x', function(c) return string.char(tonumber(c, 16)) end))
end
local function hexOf(bytes)
  return (string.gsub(bytes, '.', function(c) return string.format('%02x', string.byte(c)) end))
end

local function rkey(K) return P .. 'r' .. TAG .. K end
local function akey(sid) return P .. 'a' .. TAG .. sid end
-- A token the session had before its previous one, kept until the session's absolute end (named by the first 128 bits
-- of its hash, so only its holder can name it): it only ever tells "expired" or "revoked" from "invalid".
local function okey(hash) return P .. 'o' .. TAG .. string.sub(hash, 1, 32) end

-- The index of a tenant's sessions in this slot, a sorted set that stays a listpack: one member per session, K then
-- 4 characters of the user (a digest of tenant:user) then its creation (7 digits of ms), scored by the second at which
-- its keys are certainly gone. It serves as the user's index (a user's sessions all share the slot: filtered by the
-- digest, checked against the records) and, across the slots the tenant uses, as the tenant's.
local function ikey(tenant) return P .. 'i' .. TAG .. tenant end
local function userDigest(t, u) return digits(tonumber(string.sub(redis.sha1hex(t .. ':' .. u), 1, 6), 16), 4) end
local function member(r) return r.K .. userDigest(r.t, r.u) .. digits(r.c, 7) end
-- An entry whose keys end at e (ms): never trimmed while they may exist.
local function liveScore(e) return math.ceil(e / 1000) end
-- Whether an entry's session may still be live (its keys end RETAIN after its idle expiry at the latest).
local function mayBeLive(score) return score * 1000 - RETAIN > now end
-- Drops the entries whose keys are certainly gone.
local function trim(index) redis.call('ZREMRANGEBYSCORE', index, '-inf', '(' .. string.format('%.3f', now / 1000)) end

-- A session hash as a table (nil when there is none): its id under 'id', K under 'K', times as epoch-ms numbers.
local function record(key, sid)
  local f = redis.call('HGETALL', key)
  if #f == 0 then return nil end
  local r = { id = sid, K = kOf(sid) }
  for i = 1, #f, 2 do r[f[i]] = f[i + 1] end
  local c = tonumber(r.c)
  r.c = c
  for k in pairs(TIMES) do
    if r[k] then r[k] = c + tonumber(r[k]) end
  end
  if r.i then r.si = true else r.i = math.min(r.s + tonumber(r.m), r.x) end
  if not r.o then r.o = c end
  return r
end

-- The current token's and the previous token's raw hashes ('' for none).
local function current(r) return string.sub(r.h, 1, 32) end
local function previous(r) return string.sub(r.h, 33) end

-- The flat field/value list Java reads (RedisSessionStore.read): the stored fields but the token hashes, id included.
local HIDDEN = { id = true, K = true, h = true, si = true }
local function flat(r)
  local f = { 'id', r.id }
  for k, v in pairs(r) do
    if not HIDDEN[k] and not (k == 'i' and not r.si) then
      if k == 'c' then v = int(v) elseif TIMES[k] then v = int(v - r.c) end
      f[#f + 1] = k
      f[#f + 1] = v
    end
  end
  return f
end

local function alive(r)
  return r.z == nil and r.i > now and r.x > now
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

-- Ends a live session: marked revoked, kept RETAIN ms so its holder learns why, attributes and contexts gone. Its index
-- entry stays (the tenant's listings and cleanup still see the ended session) but is scored by its new end, rounded
-- down, so that it no longer counts toward the user's limit.
local function finish(r, reason)
  local key = rkey(r.K)
  redis.call('HSET', key, 'z', int(now - r.c), 'y', reason)
  r.z, r.y = now, reason
  redis.call('PEXPIRE', key, RETAIN)
  if r.A then redis.call('DEL', akey(r.id)) end
  if r.P then clearPatients(r.id) end
  redis.call('ZADD', ikey(r.t), math.floor((now + RETAIN) / 1000), member(r))
end

-- The index entries (member, score) of the user with digest D.
local function entriesOf(index, D)
  local all = redis.call('ZRANGE', index, 0, -1, 'WITHSCORES')
  local mine = {}
  for i = 1, #all, 2 do
    if string.sub(all[i], 17, 20) == D then mine[#mine + 1] = { all[i], tonumber(all[i + 1]) } end
  end
  return mine
end

-- The user's sessions in the index (records, any state; entries whose record is gone are dropped), oldest first.
local function sessionsOf(index, t, u, route)
  local all = {}
  for _, entry in ipairs(entriesOf(index, userDigest(t, u))) do
    local K = string.sub(entry[1], 1, 16)
    local sid = sidOf(route, K)
    local r = record(rkey(K), sid)
    if not r then
      redis.call('ZREM', index, entry[1])
    elseif r.t == t and r.u == u then
      all[#all + 1] = r
    end
  end
  table.sort(all, function(a, b)
    if a.c ~= b.c then return a.c < b.c end
    return a.id < b.id
  end)
  return all
end

-- The user's live sessions (records), oldest first.
local function liveOf(index, t, u, route)
  local live = {}
  for _, r in ipairs(sessionsOf(index, t, u, route)) do
    if alive(r) then live[#live + 1] = r end
  end
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

-- Sessions stored by a node of the previous version (layout 2, decision 0020: the record P s TAG <id>, token pointers
-- P t TAG <hash>, the user's index P u{tenant:user}) are rewritten in layout 3 at their first contact with this one:
-- a token, an operation on the session or on its user, or the sweep of the tenant (RedisSessionStore.upgrade). Their
-- token pointers stay, as long as the session may live, so that the tokens issued before keep working.
local function upgrade(sid)
  local old = P .. 's' .. TAG .. sid
  local f = redis.call('HGETALL', old)
  if #f == 0 then return false end
  local o = {}
  for i = 1, #f, 2 do o[f[i]] = f[i + 1] end
  local key = rkey(kOf(sid))
  local ttl = redis.call('PTTL', old)
  if redis.call('EXISTS', key) == 0 and ttl > 0 then
    local c = tonumber(o.c)
    local fields = { 'h', raw(o.h) .. (o.v and raw(o.v) or '') }
    local idle = math.min(tonumber(o.s) + tonumber(o.m), tonumber(o.x))
    for k, v in pairs(o) do
      if k == 'h' or k == 'v' or (k == 'd' and v == '0') or (k == 'i' and tonumber(v) == idle) then
        -- the hashes are now one field; absent means 0; the idle expiry is derived where it can be
      else
        fields[#fields + 1] = k
        fields[#fields + 1] = (k ~= 'c' and TIMES[k]) and int(tonumber(v) - c) or v
      end
    end
    redis.call('HSET', key, unpack(fields))
    redis.call('PEXPIRE', key, ttl)
    local r = { K = kOf(sid), t = o.t, u = o.u, c = c }
    local index = ikey(o.t)
    local score = o.z and math.floor((now + ttl) / 1000) or liveScore(now + ttl)
    redis.call('ZADD', index, score, member(r))
    extend(index, ttl)
    local life = tonumber(o.x) - now + RETAIN
    for _, hash in ipairs({ o.h, o.v }) do
      if hash then
        local pointer = P .. 't' .. TAG .. string.sub(hash, 1, 32)
        if redis.call('EXISTS', pointer) == 1 then extend(pointer, life) end
      end
    end
  end
  redis.call('DEL', old)
  redis.call('ZREM', P .. 'u{' .. o.t .. ':' .. o.u .. '}', sid)
  return true
end

-- Rewrites every session of the user still in layout 2 (one ZRANGE of a missing key once none is left).
local function upgradeUser(t, u)
  local legacy = P .. 'u{' .. t .. ':' .. u .. '}'
  local ids = redis.call('ZRANGE', legacy, 0, -1)
  if #ids == 0 then return end
  for _, sid in ipairs(ids) do upgrade(sid) end
  redis.call('DEL', legacy)
end
