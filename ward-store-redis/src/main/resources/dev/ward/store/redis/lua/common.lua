-- Shared by every Ward session script. RedisScripts loads it once per Redis as the top of a function library (each
-- script a function of it, decision 0046), or, where Redis has no functions, prepends it to each script run by EVALSHA.
-- All keys a script touches are in one cluster slot: the session's route, spelled as the hash tag TAG, which every
-- session of the user shares (SessionRoute). Every script starts with begin(ARGV): the prefix, TAG, RETAIN and the
-- caller's clock are its first four arguments. Nothing at this level may call the standard libraries (a function
-- library's top runs where they are not yet reachable): those are taken in begin.
local P, TAG, RETAIN, now
-- The packed forms of the user ids and addresses this call has read (a validation packs again what it unpacked).
local PACKED
local sub
local function begin(argv)
  P, TAG, RETAIN, now = argv[1], argv[2], tonumber(argv[3]), tonumber(argv[4])
  PACKED, sub = {}, string.sub
end

-- Record layout 3 (docs/decisions/0040). A session is one key, P r TAG K, where K is the 12 random bytes of its id in
-- base64url (16 characters: the key stays in Redis's smallest allocation for a key); no pointer per token, since a
-- token names its session. The record is a hash of one-letter fields whose values all stay within Redis's default
-- hash-max-listpack-value (64 bytes), so Redis keeps it as one compact listpack, and whose numbers are packed:
--   h the SHA-256 of the current token (32 raw bytes), then what tells the session's earlier tokens apart (decision
--     0044), all in this one field (at most 64 bytes) so that checking a token reads one field and a rotation leaves
--     no key behind: during a rotation's grace the first 16 bytes of the previous token's hash (it is accepted until
--     its grace ends: 128 bits) and that end (3 bytes, ms after o); then the fingerprints (first 4 bytes of the hash)
--     of the tokens before, newest first. Once the grace is over the next validation turns the previous token's 16
--     bytes into a fingerprint too. The RING last replaced tokens are told apart (superseded, then expired or revoked
--     like their session) and older ones forgotten: a fixed size whatever the number of rotations. The length says
--     which form h has: 32 + 4n bytes (fingerprints only) or 32 + 19 + 4n (the previous token in its grace);
--   N the numbers, big-endian: c created (epoch ms, 6 bytes), then 5 bytes each: s seen, x absolute expiry and e when
--     the session's keys expire (so that a validation moves TTLs only when they must move), all three in ms after c
--     and signed (a node whose clock is a little behind the one that created the session may touch it "before" c); m
--     idle timeout (ms), k uses, q uses since rotation; then a aal (1 byte): 37 bytes; then, when they apply, in this
--     order (their total length says which): the user id's 12 bytes when it is one of Ward's (usr_ and 24 hex
--     digits), the client's address's 4 bytes when it is an IPv4 address written the usual way, o when the token last
--     rotated (ms after c, signed, 5 bytes). A validation rewrites this one field;
--   t tenant; u a user id that is not of Ward's form; n username; r roles (comma-separated); p any other client
--     address; g user agent or G its compact form (CompactUserAgent) — a longer user agent or role list comes in
--     64-byte pieces g, g1, ... and r, r1, ..., which RedisSessionStore joins;
--   and only when they apply: z revoked at (ms after c), y revocation reason, b evicted by, d 1 while a rotation is
--     pending, A 1 once it has attributes, P 1 when it may hold patient contexts, i the idle expiry (ms after c) of a
--     session stored with one its times do not imply: otherwise it is min(s + m, x).
-- Records written before decision 0044 keep U, p, o and w as fields (o, w in ms after c) and h as the current hash and
-- the previous one's 16 bytes; they are read as they are and rewritten in this form at their next rotation, change of
-- client, or validation after a grace.
-- Times are the caller's clock, never Redis's. Scripts read a record into a table of plain values (record) and write it
-- back packed (stored); Ward reads only what scripts answer (flat), never the stored form.
local NUMBERS = '>I6i5i5i5I5I5I5I1'
local CORE = 37
-- How many replaced tokens a record tells apart from made-up ones (decision 0044).
local RING = 4
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
-- A token hash from the 64 hex digits Ward sends to the 32 raw bytes a record keeps (32 bits at a time: a validation
-- converts every token it is shown), and any number of bytes (a multiple of 4) back to hex; a user id's 24 digits and
-- 12 bytes, both ways.
local function raw(hex)
  return struct.pack('>I4I4I4I4I4I4I4I4', tonumber(sub(hex, 1, 8), 16), tonumber(sub(hex, 9, 16), 16),
    tonumber(sub(hex, 17, 24), 16), tonumber(sub(hex, 25, 32), 16), tonumber(sub(hex, 33, 40), 16),
    tonumber(sub(hex, 41, 48), 16), tonumber(sub(hex, 49, 56), 16), tonumber(sub(hex, 57, 64), 16))
end
local function hexOf(bytes)
  local n = #bytes / 4
  return string.format(string.rep('%08x', n), struct.unpack('>' .. string.rep('I4', n), bytes))
end
local function userBytes(hex)
  return struct.pack('>I4I4I4', tonumber(sub(hex, 1, 8), 16), tonumber(sub(hex, 9, 16), 16), tonumber(sub(hex, 17, 24), 16))
end
local function userHex(bytes) return string.format('%08x%08x%08x', struct.unpack('>I4I4I4', bytes)) end
-- A user id's 12 bytes when it is one of Ward's (usr_ and 24 lowercase hex digits), else nil.
local function wardUser(u)
  if PACKED[u] then return PACKED[u] end
  if #u == 28 and string.match(u, '^usr_[0-9a-f]+$') then return userBytes(sub(u, 5)) end
  return nil
end
-- An IPv4 address's 4 bytes when it is written the usual way (so that it reads back the same), else nil.
local function ip4(p)
  if PACKED[p] then return PACKED[p] end
  local a, b, c, d = string.match(p, '^(%d+)%.(%d+)%.(%d+)%.(%d+)$')
  if not a then return nil end
  a, b, c, d = tonumber(a), tonumber(b), tonumber(c), tonumber(d)
  if a > 255 or b > 255 or c > 255 or d > 255 or string.format('%d.%d.%d.%d', a, b, c, d) ~= p then return nil end
  return string.char(a, b, c, d)
end

local function rkey(K) return P .. 'r' .. TAG .. K end
local function akey(sid) return P .. 'a' .. TAG .. sid end
-- A token a session had before its previous one, as versions before decision 0044 kept it: a key of its own until the
-- session's absolute end (named by the first 128 bits of its hash), which only ever told "expired" or "revoked" from
-- "invalid". Still read, for the sessions rotated before the upgrade; no longer written.
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

-- A record's fields as plain values: times as epoch-ms numbers (the idle expiry too), numbers as numbers, the user id
-- and address as text; its id under 'id', K under 'K', 'si' when the idle expiry is stored; h the current token's hash
-- alone, 'prev' the previous one's 16 bytes during its grace (w its end), 'ring' the older ones' fingerprints. From
-- the stored form (packed N) or from one with every value as text and times as epoch ms (a new session's fields, or a
-- record of layout 2).
local function plain(r)
  if r.N then
    local N = r.N
    local c, s, x, e, m, k, q, a = struct.unpack(NUMBERS, N)
    r.N = nil
    r.c, r.s, r.x, r.e, r.m, r.k, r.q, r.a = c, c + s, c + x, c + e, m, k, q, a
    if r.z then r.z = c + tonumber(r.z) end
    if r.i then r.i = c + tonumber(r.i) end
    -- Records written before decision 0044: o, w, U as fields (o and w in ms after c).
    if r.o then r.o = c + tonumber(r.o) end
    if r.w then r.w = c + tonumber(r.w) end
    if r.U then r.u, r.U = 'usr_' .. userHex(r.U), nil end
    -- The tail of N: 12 (a Ward user id), then 4 (an IPv4 address), then 5 (the rotation) bytes, each when it applies.
    local at, rest = CORE + 1, #N - CORE
    if rest >= 12 then
      local bytes = sub(N, at, at + 11)
      r.u, at, rest = 'usr_' .. userHex(bytes), at + 12, rest - 12
      PACKED[r.u] = bytes
    end
    if rest == 4 or rest == 9 then
      local bytes = sub(N, at, at + 3)
      r.p, at = string.format('%d.%d.%d.%d', string.byte(bytes, 1, 4)), at + 4
      PACKED[r.p] = bytes
    end
    if rest >= 5 then r.o = c + struct.unpack('>i5', N, at) end
    local h = r.h
    r.h, r.ring = sub(h, 1, 32), ''
    if r.w then
      if #h >= 48 then r.prev = sub(h, 33, 48) else r.w = nil end
    elseif (#h - 32) % 4 == 3 then
      r.prev, r.w, r.ring = sub(h, 33, 48), (r.o or c) + struct.unpack('>I3', h, 49), sub(h, 52)
    else
      r.ring = sub(h, 33)
    end
  else
    for _, f in ipairs({ 'c', 's', 'x', 'e', 'm', 'k', 'q', 'a', 'o', 'w', 'z', 'i' }) do
      if r[f] then r[f] = tonumber(r[f]) end
    end
    r.ring = r.ring or ''
  end
  local derived = math.min(r.s + r.m, r.x)
  if r.i and r.i ~= derived then r.si = true else r.i = derived end
  if not r.o then r.o = r.c end
  if r.d == '0' then r.d = nil end
  return r
end

-- A session hash as a table of plain values (nil when there is none); 'stored' the field/value list it was read from
-- (read: that list when the caller has it already).
local function record(key, sid, read)
  local f = read or redis.call('HGETALL', key)
  if #f == 0 then return nil end
  local r = { id = sid, K = string.sub(key, -16), stored = f }
  for i = 1, #f, 2 do r[f[i]] = f[i + 1] end
  return plain(r)
end

-- The packed numbers of a record (field N), with the tail its values call for.
local function numbers(r)
  local n = struct.pack(NUMBERS, r.c, r.s - r.c, r.x - r.c, r.e - r.c, r.m, r.k, r.q, r.a)
  return n .. (wardUser(r.u) or '') .. (ip4(r.p) or '') .. (r.o ~= r.c and struct.pack('>i5', r.o - r.c) or '')
end

-- The field h: the current token's hash, the previous one's 16 bytes and its grace end (ms after o, 3 bytes: the
-- policy allows at most an hour) while it has one, the fingerprints of the ones before.
local function tokens(r)
  if not r.prev then return r.h .. r.ring end
  return r.h .. r.prev .. struct.pack('>I3', math.max(0, math.min(r.w - r.o, 16777215))) .. r.ring
end

-- A record as HSET's field/value list, as stored: the token hashes first, then the numbers.
local NOT_STORED = { id = true, K = true, h = true, si = true, c = true, s = true, x = true, e = true, m = true, k = true,
  q = true, a = true, u = true, p = true, o = true, w = true, z = true, i = true, prev = true, ring = true, stored = true }
local function stored(r)
  local f = { 'h', tokens(r), 'N', numbers(r) }
  local function add(k, v)
    f[#f + 1] = k
    f[#f + 1] = v
  end
  if not wardUser(r.u) then add('u', r.u) end
  if not ip4(r.p) then add('p', r.p) end
  if r.z then add('z', int(r.z - r.c)) end
  if r.si then add('i', int(r.i - r.c)) end
  for k, v in pairs(r) do
    if not NOT_STORED[k] then add(k, v) end
  end
  return f
end

-- Writes a record read by record() back whole, in the current form: the fields it no longer has are deleted (those of
-- a record written before decision 0044 among them), the rest set in one HSET.
local function rewrite(key, r)
  local f = stored(r)
  local kept = {}
  for i = 1, #f, 2 do kept[f[i]] = true end
  local gone = {}
  local was = r.stored or {}
  for i = 1, #was, 2 do
    if not kept[was[i]] then gone[#gone + 1] = was[i] end
  end
  if #gone > 0 then redis.call('HDEL', key, unpack(gone)) end
  redis.call('HSET', key, unpack(f))
end

-- Whether a raw hash's fingerprint is among a ring's.
local function inRing(ring, h)
  local fp = sub(h, 1, 4)
  for i = 1, #ring - 3, 4 do
    if sub(ring, i, i + 3) == fp then return true end
  end
  return false
end

-- Whether the field h as stored names a raw hash as one of the session's earlier tokens (the previous one by its 128
-- bits, an older one by its fingerprint). A record written before decision 0044 holds the previous token's 16 bytes
-- where the fingerprints would be, and its first 4 bytes are its fingerprint: also found, and record() tells.
local function mentions(both, h)
  local at = 33
  if (#both - 32) % 4 == 3 then
    if sub(both, 33, 48) == sub(h, 1, 16) then return true end
    at = 52
  end
  return inRing(sub(both, at), h)
end

-- The previous token once its grace is over is only told apart, like the ones before it: its 16 bytes become a
-- fingerprint in the ring (the oldest beyond RING forgotten). Whether there was anything to do.
local function settle(r)
  if not r.prev or r.w > now then return false end
  r.ring = sub(sub(r.prev, 1, 4) .. r.ring, 1, 4 * RING)
  r.prev, r.w = nil, nil
  return true
end

-- The fields of an answer after the numbers: those of `names` the record has, then the role list and user agent in
-- their pieces.
local ENDED = { 'z', 'y', 'b', 'd' }
local PASSED = { 'y', 'b', 'd' }
local PIECED = { 'r', 'g', 'G' }
local function withFields(f, r, names)
  for _, name in ipairs(names) do
    if r[name] then
      f[#f + 1] = name
      f[#f + 1] = r[name]
    end
  end
  for _, name in ipairs(PIECED) do
    local piece, n = r[name], 0
    while piece do
      f[#f + 1] = n == 0 and name or name .. n
      f[#f + 1] = piece
      n = n + 1
      piece = r[name .. n]
    end
  end
  return f
end
-- The flat field/value list Ward reads (RedisSessionStore.read): plain values, times as epoch ms (numbers as integer
-- replies), id included, the token hashes left out. Built field by field: a validation answers one every time.
local function flat(r)
  return withFields({ 'id', r.id, 't', r.t, 'u', r.u, 'n', r.n, 'a', r.a, 'c', r.c, 's', r.s, 'i', r.i, 'x', r.x, 'k', r.k,
    'q', r.q, 'o', r.o, 'p', r.p }, r, ENDED)
end

-- The usual validation in the fewest steps (issue 13, decision 0046): the current token of a live session in the current
-- form, with no earlier token in its grace, no stored idle expiry, no patient contexts, no user id or address kept as
-- a field that N's tail would hold, and keys whose TTLs need not move. It counts the use and slides the idle expiry by
-- rewriting N alone (its tail, the packed user, address and rotation, kept as it is) and answers what the full path of
-- touch.lua would, built straight from the stored fields (f, as HGETALL read them) instead of from record() and flat().
-- Anything else: nil, and the full path runs.
local function touchCurrent(key, f, sid, tenant)
  local r = {}
  for j = 1, #f, 2 do r[f[j]] = f[j + 1] end
  local N = r.N
  if not N or #N < CORE or r.w or r.o or r.U or r.i or r.P or r.z or (tenant ~= '' and r.t ~= tenant) then return nil end
  -- A user id or address kept as a field that the current form packs into N's tail (a record written before decision
  -- 0044 kept every address as p): the full way moves it into N, and so must be the one to run.
  if (r.u and wardUser(r.u)) or (r.p and ip4(r.p)) then return nil end
  local c, s, x, e, m, k, q, a = struct.unpack(NUMBERS, N)
  if c + s + m <= now or c + x <= now then return nil end
  local idle = math.min(now + m, c + x)
  if idle + RETAIN > c + e then return nil end
  local tail = sub(N, CORE + 1)
  redis.call('HSET', key, 'N', struct.pack(NUMBERS, c, now - c, x, e, m, k + 1, q + 1, a) .. tail)
  -- The tail as plain() reads it: a Ward user id's 12 bytes, an IPv4 address's 4, the last rotation's 5.
  local u, p, o, at, rest = r.u, r.p, c, 1, #tail
  if rest >= 12 then u, at, rest = 'usr_' .. userHex(sub(tail, 1, 12)), 13, rest - 12 end
  if rest == 4 or rest == 9 then p, at = string.format('%d.%d.%d.%d', string.byte(tail, at, at + 3)), at + 4 end
  if rest >= 5 then o = c + struct.unpack('>i5', tail, at) end
  if r.d == '0' then r.d = nil end
  return { 'touched', 1, withFields({ 'id', sid, 't', r.t, 'u', u, 'n', r.n, 'a', a, 'c', c, 's', now, 'i', idle, 'x', c + x,
    'k', k + 1, 'q', q + 1, 'o', o, 'p', p }, r, PASSED), {} }
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

-- The records of the given entries of the user's (any state; entries whose record is gone are dropped), oldest first.
local function sessionsAmong(index, entries, t, u, route)
  local all = {}
  for _, entry in ipairs(entries) do
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

-- The user's sessions in the index (records, any state; entries whose record is gone are dropped), oldest first.
local function sessionsOf(index, t, u, route)
  return sessionsAmong(index, entriesOf(index, userDigest(t, u)), t, u, route)
end

-- The live ones among the given entries' sessions (records), oldest first.
local function liveAmong(index, entries, t, u, route)
  local live = {}
  for _, r in ipairs(sessionsAmong(index, entries, t, u, route)) do
    if alive(r) then live[#live + 1] = r end
  end
  return live
end

-- The user's live sessions (records), oldest first.
local function liveOf(index, t, u, route)
  return liveAmong(index, entriesOf(index, userDigest(t, u)), t, u, route)
end

-- Deletes a long value's pieces (name, name1, name2, ...) from a record, before it is written anew.
local function dropPieces(key, r, name)
  local extra = {}
  for k, _ in pairs(r) do
    if string.match(k, '^' .. name .. '%d*$') then extra[#extra + 1] = k end
  end
  if #extra > 0 then redis.call('HDEL', key, unpack(extra)) end
end

-- A layout-2 record this node can rewrite: every field its scripts always wrote, numbers as numbers, hashes as 64 hex
-- digits. One that is not (corrupted, or restored half-written) failed every script that met it — its user's logins,
-- and every tenant-wide read (listings, cleanup, /metrics, for every tenant) — until its TTL ran out (attack13).
local HEX64 = '^' .. ('%x'):rep(64) .. '$'
local function rewritable(r)
  if (r.t or '') == '' or (r.u or '') == '' or not r.n or not r.p then return false end
  for _, f in ipairs({ 'c', 's', 'i', 'x', 'e', 'm', 'k', 'q', 'a' }) do
    if not tonumber(r[f]) then return false end
  end
  for _, f in ipairs({ 'o', 'w', 'z' }) do
    if r[f] and not tonumber(r[f]) then return false end
  end
  return string.match(r.h or '', HEX64) ~= nil and (r.v == nil or string.match(r.v, HEX64) ~= nil)
end

-- Sessions stored by a node of the previous version (layout 2, decision 0020: the record P s TAG <id>, token pointers
-- P t TAG <hash>, the user's index P u{tenant:user}) are rewritten in layout 3 at their first contact with this one:
-- a token, an operation on the session or on its user, or the sweep of the tenant (RedisSessionStore.upgrade). Their
-- token pointers stay, as long as the session may live, so that the tokens issued before keep working.
local function upgrade(sid)
  local old = P .. 's' .. TAG .. sid
  local f = redis.call('HGETALL', old)
  if #f == 0 then return false end
  local r = { id = sid }
  for i = 1, #f, 2 do r[f[i]] = f[i + 1] end
  if not string.match(sid, '^ses_' .. string.rep('%x', 28) .. '$') or not rewritable(r) then
    -- A session nobody can use (no script can read it): dropped, so that it stops failing everything that meets it.
    -- (Its entry in the user's index goes with that index; a garbled tenant or user may name a key of another slot.)
    redis.call('DEL', old)
    return false
  end
  r.K = kOf(sid)
  local hashes = { r.h, r.v }
  local key = rkey(r.K)
  -- Layout 2 kept every value as text, times as epoch ms, and the hashes in hex under h and v.
  r.h, r.prev, r.v = raw(r.h), r.v and string.sub(raw(r.v), 1, 16), nil
  plain(r)
  if r.prev and not r.w then r.prev, r.ring = nil, string.sub(r.prev, 1, 4) end
  local ttl = redis.call('PTTL', old)
  if ttl < 0 then ttl = r.x + RETAIN - now end -- it always had one; were it lost, the longest it could need
  if redis.call('EXISTS', key) == 0 and ttl > 0 then
    redis.call('HSET', key, unpack(stored(r)))
    redis.call('PEXPIRE', key, ttl)
    local index = ikey(r.t)
    -- A live one is scored at least RETAIN past its idle (or absolute) expiry, as layout 3 scores it, whatever the TTL
    -- the old node's clock gave its key: admission reads only entries whose score says they may be live.
    redis.call('ZADD', index, r.z and math.floor((now + ttl) / 1000)
      or liveScore(math.max(now + ttl, math.min(r.i, r.x) + RETAIN)), member(r))
    extend(index, ttl)
    local life = r.x - now + RETAIN
    for _, hash in ipairs(hashes) do
      local pointer = P .. 't' .. TAG .. string.sub(hash, 1, 32)
      if redis.call('EXISTS', pointer) == 1 then extend(pointer, life) end
    end
  end
  redis.call('DEL', old)
  redis.call('ZREM', P .. 'u{' .. r.t .. ':' .. r.u .. '}', sid)
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
