package dev.ward.store.redis;

import dev.ward.problem.StoreUnavailableException;
import dev.ward.session.Admission;
import dev.ward.session.CleanupCriteria;
import dev.ward.session.Client;
import dev.ward.session.Lookup;
import dev.ward.session.Session;
import dev.ward.session.SessionRevocations;
import dev.ward.session.SessionRoute;
import dev.ward.session.DetachedSessionStore;
import dev.ward.session.SessionStore;
import dev.ward.tenant.Policy;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.ScriptOutputType;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Sessions on Redis or a Redis Cluster (issue 4, docs/decisions/0005; record layout 2, docs/decisions/0020). Keys,
 * with {@code P} the prefix and {@code TAG} the hash tag of the session's {@link SessionRoute route}:
 * <ul>
 *   <li>{@code P sTAG<id>} — the session, a hash of one-letter fields whose values all stay within Redis's default
 *       {@code hash-max-listpack-value} (64 bytes; a longer user agent or role list is stored in 64-byte pieces), so
 *       Redis keeps it as one compact listpack (the field list is in common.lua);</li>
 *   <li>{@code P tTAG<first 32 hex digits of the token's sha256>} — the session id, for the current and the previous
 *       token;</li>
 *   <li>{@code P oTAG<first 32 hex digits of the sha256>} — the session id, for every token before those, until the
 *       session's absolute expiry, so that they answer "expired" or "revoked" too;</li>
 *   <li>{@code P aTAG<id>} — its attributes (sealed), a hash, only once it has some;</li>
 *   <li>{@code P u{tenant:user}} — the user's live sessions, a sorted set scored by (a bound of) their idle expiry,
 *       trimmed by every script that reads it, so it never outgrows the user's concurrent-session limit;</li>
 *   <li>{@code P ti:<tenant>} (scored by creation) and {@code P tenants} — the tenant-wide indexes that
 *       listings and cleanup walk; entries whose session is gone are dropped as they are met.</li>
 * </ul>
 * A session's keys live {@link #RETAIN} longer than the session, so a holder can still be told
 * "expired" or "revoked" rather than "invalid"; every key carries a TTL.
 */
public final class RedisSessionStore implements DetachedSessionStore {
    /** How long an ended session's record outlives it. */
    public static final Duration RETAIN = Duration.ofMinutes(15);
    /** How long a revocation waits for its replicas before it answers 503 (it stands on the primary regardless). */
    static final Duration REPLICA_TIMEOUT = Duration.ofSeconds(1);
    private static final int PAGE = 500;

    private static final RedisScripts ADMIT = RedisScripts.load("admit");
    private static final RedisScripts TOUCH = RedisScripts.load("touch");
    private static final RedisScripts ROTATE = RedisScripts.load("rotate");
    private static final RedisScripts REVOKE = RedisScripts.load("revoke");
    private static final RedisScripts REVOKE_USER = RedisScripts.load("revoke_user");
    private static final RedisScripts LIVE_USER = RedisScripts.load("live_user");
    private static final RedisScripts UPDATE_ROLES = RedisScripts.load("update_roles");
    private static final RedisScripts SET_AAL = RedisScripts.load("set_aal");
    private static final RedisScripts UPDATE_CLIENT = RedisScripts.load("update_client");
    private static final RedisScripts DELETE = RedisScripts.load("delete");
    private static final RedisScripts UNDO_ROTATE = RedisScripts.load("undo_rotate");
    private static final Comparator<Session> OLDEST_FIRST = Comparator.comparing(Session::createdAt).thenComparing(Session::id);

    private final RedisConnection redis;
    private final String prefix;
    private final int minReplicas;
    /** Where revocations and their {@code WAIT} go when replicas are asked for: never the shared connection. */
    private final RedisConnection revocations;

    /** @param prefix the key namespace, e.g. {@code ward:}; no braces (they would change the hash slot) */
    public RedisSessionStore(RedisConnection redis, String prefix) {
        this(redis, prefix, 0);
    }

    /**
     * @param minReplicas replicas that must hold a revocation before it is acknowledged ({@code WARD_REDIS_MIN_REPLICAS};
     *                    0: none waited for). {@code WAIT} holds the connection it is sent on, so revocations then
     *                    go through a connection of their own.
     */
    public RedisSessionStore(RedisConnection redis, String prefix, int minReplicas) {
        if (prefix.contains("{") || prefix.contains("}")) {
            throw new IllegalArgumentException("the Redis key prefix may not contain braces");
        }
        if (minReplicas < 0) {
            throw new IllegalArgumentException("minReplicas must be 0 or more");
        }
        this.redis = redis;
        this.prefix = prefix;
        this.minReplicas = minReplicas;
        this.revocations = minReplicas == 0 ? redis : redis.dedicated();
    }

    /** A value longer than this (in UTF-8 bytes) would turn a session's hash from a listpack into a hash table. */
    static final int PIECE = 64;

    @Override
    public Admission admit(Session s, String tokenHash, Duration idleTimeout, int maxConcurrent, Policy.OnLimit onLimit,
                           Instant now) {
        int route = SessionRoute.of(s.tenant(), s.userId());
        // The tenant index comes first: an entry whose session never got stored is dropped when met, whereas a
        // stored session missing from the index would escape listings and cleanup.
        redis.call(r -> {
            r.zadd(tenantIndex(s.tenant()), s.createdAt().toEpochMilli(), s.id());
            return r.sadd(tenants(), s.tenant());
        });
        List<String> args = new ArrayList<>(List.of(Integer.toString(maxConcurrent),
                onLimit == Policy.OnLimit.REJECT ? "reject" : "evict", s.id()));
        args.addAll(fields(s, tokenHash, idleTimeout));
        List<Object> out = run(ADMIT, route, now, new String[] {userIndex(s.tenant(), s.userId()),
                sessionKey(route, s.id()), tokenKey(route, tokenHash)}, args);
        if (((Long) out.get(0)) == 0) {
            redis.call(r -> r.zrem(tenantIndex(s.tenant()), s.id()));
            return new Admission.LimitReached(maxConcurrent);
        }
        return new Admission.Admitted(sessions(out.subList(1, out.size())));
    }

    @Override
    public Lookup touch(String tokenHash, int route, String tenant, Instant now) {
        List<Object> out = run(TOUCH, route, now, new String[] {tokenKey(route, tokenHash)},
                List.of(tenant == null ? "" : tenant, tokenHash));
        return switch ((String) out.get(0)) {
            case "touched" -> {
                Session s = session(out.get(2));
                yield new Lookup.Touched(s, ((Long) out.get(1)) == 1,
                        Optional.of(RedisPatientStore.contexts(s.id(), (List<?>) out.get(3))));
            }
            case "other" -> new Lookup.OtherTenant(session(out.get(1)));
            case "revoked" -> new Lookup.Revoked(session(out.get(1)));
            case "expired" -> new Lookup.Expired(session(out.get(1)));
            case "superseded" -> new Lookup.Superseded(session(out.get(1)));
            default -> new Lookup.Unknown();
        };
    }

    @Override
    public Optional<String> tenantOf(String tokenHash, int route) {
        String sessionId = redis.call(r -> r.get(tokenKey(route, tokenHash)));
        if (sessionId == null) {
            return Optional.empty();
        }
        return Optional.ofNullable(redis.call(r -> r.hget(sessionKey(route, sessionId), "t")));
    }

    @Override
    public List<Session> evictedBy(String tenant, String userId, String sessionId) {
        return walkRaw(tenant, h -> userId.equals(h.get("u")) && "evicted".equals(h.get("y")) && sessionId.equals(h.get("b")));
    }

    @Override
    public List<Session> revokedSince(String tenant, String userId, String reason, Instant since) {
        return walkRaw(tenant, h -> userId.equals(h.get("u")) && reason.equals(h.get("y")) && h.get("z") != null
                && Long.parseLong(h.get("z")) >= since.toEpochMilli());
    }

    @Override
    public boolean undoRotate(String sessionId, String oldHash, String newHash) {
        return withRoute(sessionId, false, route -> this.<Long>run(UNDO_ROTATE, ScriptOutputType.INTEGER, route, Instant.EPOCH,
                new String[] {sessionKey(route, sessionId), tokenKey(route, newHash)}, List.of(sessionId, oldHash, newHash)) == 1);
    }

    /**
     * Every session record of a tenant (ended ones too, while Redis keeps them) whose raw fields match: the rare reads of
     * a repair, which walks the tenant index a page at a time.
     */
    private List<Session> walkRaw(String tenant, Predicate<Map<String, String>> match) {
        String index = tenantIndex(tenant);
        List<Session> found = new ArrayList<>();
        for (long offset = 0; ; offset += PAGE) {
            long from = offset;
            List<String> ids = redis.call(r -> r.zrange(index, from, from + PAGE - 1));
            List<Map<String, String>> records = redis.pipelined(ids, (r, id) -> r.hgetall(keyOf(id)));
            for (int i = 0; i < ids.size(); i++) {
                Map<String, String> h = records.get(i);
                if (!h.isEmpty() && match.test(h)) {
                    found.add(read(h, ids.get(i)));
                }
            }
            if (ids.size() < PAGE) {
                return found;
            }
        }
    }

    @Override
    public boolean rotate(String sessionId, String oldHash, String newHash, Instant now, Instant graceUntil) {
        return withRoute(sessionId, false, route -> this.<Long>run(ROTATE, ScriptOutputType.INTEGER, route, now,
                new String[] {sessionKey(route, sessionId), tokenKey(route, newHash)},
                List.of(sessionId, oldHash, newHash, Long.toString(graceUntil.toEpochMilli()))) == 1);
    }

    @Override
    public Optional<Session> findById(String sessionId) {
        return withRoute(sessionId, Optional.empty(), route -> {
            Map<String, String> hash = redis.call(r -> r.hgetall(sessionKey(route, sessionId)));
            return hash.isEmpty() ? Optional.empty() : Optional.of(read(hash, sessionId));
        });
    }

    @Override
    public boolean revoke(String sessionId, String reason, Instant now) {
        return withRoute(sessionId, false, route -> this.<Long>revocation(REVOKE, ScriptOutputType.INTEGER, route, now,
                new String[] {sessionKey(route, sessionId), attributeKey(route, sessionId)}, List.of(sessionId, reason)) == 1);
    }

    @Override
    public List<Session> revokeAllOfUser(String tenant, String userId, String keepSessionId, String reason, Instant now) {
        List<Object> out = revocation(REVOKE_USER, ScriptOutputType.MULTI, SessionRoute.of(tenant, userId), now,
                new String[] {userIndex(tenant, userId)}, List.of(reason, keepSessionId == null ? "" : keepSessionId));
        return sessions(out);
    }

    /** {@code WAIT} on the connection the revocations went through, to the master that holds the user's keys. */
    @Override
    public void awaitRevocationReplicas(String tenant, String userId) {
        if (minReplicas == 0) {
            return;
        }
        long acknowledged = revocations.onMasterOf(SessionRoute.of(tenant, userId),
                r -> r.waitForReplication(minReplicas, REPLICA_TIMEOUT.toMillis()));
        if (acknowledged < minReplicas) {
            throw new StoreUnavailableException("redis", new IllegalStateException(
                    acknowledged + " of " + minReplicas + " replicas confirmed the revocation in time"));
        }
    }

    @Override
    public List<Session> live(String tenant, String userId, Instant now, int limit) {
        if (userId != null) {
            List<Session> own = sessions(run(LIVE_USER, SessionRoute.of(tenant, userId), now,
                    new String[] {userIndex(tenant, userId)}, List.of()));
            return own.subList(0, Math.min(limit, own.size()));
        }
        return acrossTenants(tenant, null, s -> s.liveAt(now), limit);
    }

    @Override
    public void updateRoles(String tenant, String userId, List<String> roles) {
        run(UPDATE_ROLES, ScriptOutputType.INTEGER, SessionRoute.of(tenant, userId), Instant.EPOCH,
                new String[] {userIndex(tenant, userId)}, pieces("r", String.join(",", roles)));
    }

    @Override
    public boolean setAal(String sessionId, int aal, Instant now) {
        return withRoute(sessionId, false, route -> this.<Long>run(SET_AAL, ScriptOutputType.INTEGER, route, now,
                new String[] {sessionKey(route, sessionId)}, List.of(sessionId, Integer.toString(aal))) == 1);
    }

    @Override
    public void updateClient(String sessionId, Client client) {
        List<String> args = new ArrayList<>(List.of(sessionId, "p", client.ip()));
        args.addAll(userAgent(client.userAgent()));
        withRoute(sessionId, 0L, route -> this.<Long>run(UPDATE_CLIENT, ScriptOutputType.INTEGER, route, Instant.EPOCH,
                new String[] {sessionKey(route, sessionId)}, args));
    }

    /**
     * Per tenant, the sessions its index holds (one ZCARD each): live ones and those ended since the last cleanup
     * (WARD_CLEANUP_INTERVAL_SECONDS), which removes them; telling them apart would read every record.
     */
    @Override
    public java.util.Optional<Map<String, Long>> liveCounts(java.util.Set<String> tenants, Instant now) {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String tenant : tenants) {
            counts.put(tenant, redis.call(r -> r.zcard(tenantIndex(tenant))));
        }
        return java.util.Optional.of(counts);
    }

    @Override
    public Map<String, Long> countForCleanup(CleanupCriteria c, Instant now) {
        Map<String, Long> counts = new TreeMap<>();
        for (String tenant : tenantsOf(c.tenant())) {
            long n = walk(tenant, c.createdBefore(), selection(c, now), Integer.MAX_VALUE).size();
            if (n > 0) {
                counts.put(tenant, n);
            }
        }
        return new LinkedHashMap<>(counts);
    }

    @Override
    public List<Session> nextForCleanup(CleanupCriteria c, Instant now, int limit) {
        return acrossTenants(c.tenant(), c.createdBefore(), selection(c, now), limit);
    }

    private static Predicate<Session> selection(CleanupCriteria c, Instant now) {
        return switch (c.selection()) {
            case ENDED -> s -> !s.liveAt(now);
            case UNAUTHENTICATED -> s -> s.aal() == 0;
            case ALL -> s -> true;
        };
    }

    @Override
    public boolean delete(String sessionId) {
        return withRoute(sessionId, false, route -> {
            List<Object> out = run(DELETE, route, Instant.EPOCH,
                    new String[] {sessionKey(route, sessionId), attributeKey(route, sessionId)}, List.of(sessionId));
            if (out.isEmpty()) {
                return false;
            }
            String tenant = hash(out).get("t");
            redis.call(r -> r.zrem(tenantIndex(tenant), sessionId));
            return true;
        });
    }

    /** Every tenant that has had sessions here (the patient sweep walks them). */
    List<String> tenantIds() {
        return tenantsOf(null);
    }

    @Override
    public long connectionChanges() { return redis.connectionChanges(); }

    /**
     * The Redis processes serving now ({@link RedisConnection#serverIdentity()}) unless the marker {@code P reconciled}
     * names them: it is written only after the revocations were re-applied to them, and a snapshot restored later carries
     * an older value (or none), which is how a restore is told from the Redis it was taken of.
     */
    @Override
    public Optional<String> unreconciled() {
        String identity = redis.serverIdentity();
        String marked = redis.call(r -> r.get(reconciledKey()));
        return identity.equals(marked) ? Optional.empty() : Optional.of(identity);
    }

    @Override
    public int reapply(List<SessionRevocations.Revoked> revocations, String generation, Instant now) {
        int ended = 0;
        for (int from = 0; from < revocations.size(); from += PAGE) {
            List<SessionRevocations.Revoked> page = revocations.subList(from, Math.min(revocations.size(), from + PAGE))
                    .stream().filter(r -> SessionRoute.ofSessionId(r.sessionId()).isPresent()).toList();
            List<Long> results;
            try {
                results = redis.pipelined(page, (r, rev) -> {
                    int route = SessionRoute.ofSessionId(rev.sessionId()).getAsInt();
                    return REVOKE.runAsync(r, ScriptOutputType.INTEGER, new String[] {sessionKey(route, rev.sessionId()),
                            attributeKey(route, rev.sessionId())}, argv(route, now, List.of(rev.sessionId(), rev.reason())));
                });
            } catch (StoreUnavailableException e) {
                // A node that does not know the script yet (EVALSHA refused): one at a time, which loads it there.
                results = new ArrayList<>();
                for (SessionRevocations.Revoked rev : page) {
                    int route = SessionRoute.ofSessionId(rev.sessionId()).getAsInt();
                    results.add(run(REVOKE, ScriptOutputType.INTEGER, route, now, new String[] {sessionKey(route, rev.sessionId()),
                            attributeKey(route, rev.sessionId())}, List.of(rev.sessionId(), rev.reason())));
                }
            }
            ended += (int) results.stream().filter(n -> n == 1).count();
        }
        redis.call(r -> r.set(reconciledKey(), generation));
        return ended;
    }

    /** Names the Redis processes on which the recorded revocations were last re-applied (decision 0014). */
    String reconciledKey() { return prefix + "reconciled"; }

    /** Ids of the tenant's sessions as its index holds them (some may have just expired), in no useful order. */
    List<String> idsOfTenant(String tenant) {
        return redis.call(r -> r.zrange(tenantIndex(tenant), 0, -1));
    }

    /** Up to {@code limit} sessions matching {@code filter} over one tenant or all, oldest first. */
    private List<Session> acrossTenants(String tenant, Instant createdBefore, Predicate<Session> filter, int limit) {
        List<Session> all = new ArrayList<>();
        for (String t : tenantsOf(tenant)) {
            all.addAll(walk(t, createdBefore, filter, limit));
        }
        all.sort(OLDEST_FIRST);
        return all.size() <= limit ? all : new ArrayList<>(all.subList(0, limit));
    }

    private List<String> tenantsOf(String tenant) {
        if (tenant != null) {
            return List.of(tenant);
        }
        return redis.call(r -> r.smembers(tenants())).stream().sorted().toList();
    }

    /**
     * Walks a tenant's index oldest first, a page at a time (each page's records fetched pipelined), dropping
     * entries whose session has gone (TTL or delete), until {@code limit} sessions matched.
     */
    private List<Session> walk(String tenant, Instant createdBefore, Predicate<Session> filter, int limit) {
        String index = tenantIndex(tenant);
        Range<Double> range = Range.create(Double.NEGATIVE_INFINITY,
                createdBefore == null ? Double.POSITIVE_INFINITY : createdBefore.toEpochMilli() - 0.5);
        List<Session> found = new ArrayList<>();
        long offset = 0;
        while (found.size() < limit) {
            long from = offset;
            List<ScoredValue<String>> page = redis.call(r -> r.zrangebyscoreWithScores(index, range, Limit.create(from, PAGE)));
            if (page.isEmpty()) {
                break;
            }
            List<String> ids = page.stream().map(ScoredValue::getValue).toList();
            List<Map<String, String>> records = redis.pipelined(ids, (r, id) -> r.hgetall(keyOf(id)));
            List<String> gone = new ArrayList<>();
            for (int i = 0; i < ids.size(); i++) {
                if (records.get(i).isEmpty()) {
                    gone.add(ids.get(i));
                    continue;
                }
                Session s = read(records.get(i), ids.get(i));
                if (filter.test(s) && found.size() < limit) {
                    found.add(s);
                }
            }
            if (!gone.isEmpty()) {
                redis.call(r -> r.zrem(index, gone.toArray(String[]::new)));
            }
            offset += ids.size() - gone.size();
            if (ids.size() < PAGE) {
                break;
            }
        }
        return found;
    }

    private String keyOf(String sessionId) {
        return withRoute(sessionId, prefix + "s{}", route -> sessionKey(route, sessionId));
    }

    private static <T> T withRoute(String sessionId, T otherwise, java.util.function.IntFunction<T> work) {
        var route = SessionRoute.ofSessionId(sessionId);
        return route.isEmpty() ? otherwise : work.apply(route.getAsInt());
    }

    private List<Object> run(RedisScripts script, int route, Instant now, String[] keys, List<String> args) {
        return run(script, ScriptOutputType.MULTI, route, now, keys, args);
    }

    private <T> T run(RedisScripts script, ScriptOutputType type, int route, Instant now, String[] keys, List<String> args) {
        String[] all = argv(route, now, args);
        return redis.call(r -> script.run(r, type, keys, all));
    }

    /** A revoking script, sent where {@link #awaitRevocationReplicas} will {@code WAIT} for it (a route is a cluster slot). */
    private <T> T revocation(RedisScripts script, ScriptOutputType type, int route, Instant now, String[] keys, List<String> args) {
        if (minReplicas == 0) {
            return run(script, type, route, now, keys, args);
        }
        String[] all = argv(route, now, args);
        return revocations.onMasterOf(route, r -> script.run(r, type, keys, all));
    }

    private String[] argv(int route, Instant now, List<String> args) {
        String[] all = new String[4 + args.size()];
        all[0] = prefix;
        all[1] = SlotTags.of(route);
        all[2] = Long.toString(RETAIN.toMillis());
        all[3] = Long.toString(now.toEpochMilli());
        for (int i = 0; i < args.size(); i++) {
            all[4 + i] = args.get(i);
        }
        return all;
    }

    /** The key of a session's record (for operators and tests: {@code redis-cli HGETALL <key>}). */
    public String keyOfSession(String sessionId) {
        return keyOf(sessionId);
    }

    /** The key of a session's attributes. */
    public String keyOfAttributes(String sessionId) {
        return withRoute(sessionId, prefix + "a{}", route -> attributeKey(route, sessionId));
    }

    /** A {@code SCAN MATCH} pattern of every session record (for operators and tests). */
    public String patternOfSessions() {
        return prefix + "s{*}ses_*";
    }

    /** The sha256 (hex) of a session's current token as the record holds it (for operators and tests). */
    public Optional<String> tokenHashOf(String sessionId) {
        return Optional.ofNullable(redis.call(r -> r.hget(keyOf(sessionId), "h")));
    }

    String sessionKey(int route, String sessionId) { return prefix + "s" + SlotTags.of(route) + sessionId; }

    String attributeKey(int route, String sessionId) { return prefix + "a" + SlotTags.of(route) + sessionId; }

    /** As common.lua's tkey: the first 128 bits of the hash name the pointer. */
    private String tokenKey(int route, String tokenHash) {
        return prefix + "t" + SlotTags.of(route) + tokenHash.substring(0, Math.min(32, tokenHash.length()));
    }

    private String userIndex(String tenant, String userId) { return prefix + "u{" + tenant + ":" + userId + "}"; }

    private String tenantIndex(String tenant) { return prefix + "ti:" + tenant; }

    private String tenants() { return prefix + "tenants"; }

    /** A new session's record as field/value pairs (the names are common.lua's). */
    private static List<String> fields(Session s, String tokenHash, Duration idleTimeout) {
        List<String> f = new ArrayList<>(List.of("t", s.tenant(), "u", s.userId(), "n", s.username(),
                "a", Integer.toString(s.aal()), "c", millis(s.createdAt()), "s", millis(s.lastSeenAt()),
                "i", millis(s.idleExpiresAt()), "x", millis(s.absoluteExpiresAt()), "m", Long.toString(idleTimeout.toMillis()),
                "k", Long.toString(s.uses()), "p", s.client().ip(), "o", millis(s.rotatedAt()),
                "q", Long.toString(s.usesSinceRotation()), "d", s.rotatePending() ? "1" : "0", "h", tokenHash));
        f.addAll(pieces("r", String.join(",", s.roles())));
        f.addAll(userAgent(s.client().userAgent()));
        return f;
    }

    /** A user agent's fields: its compact form (G) where that is shorter, else the text itself (g), in pieces. */
    private static List<String> userAgent(String userAgent) {
        return CompactUserAgent.encode(userAgent).map(compact -> pieces("G", compact)).orElseGet(() -> pieces("g", userAgent));
    }

    /**
     * A text as field/value pairs {@code name, piece, name1, piece, name2, ...}, each piece at most {@link #PIECE} bytes
     * of UTF-8 and cut only between characters, so the record stays a listpack whatever its length; {@link #joined}
     * puts it back together. An empty text is one empty piece.
     */
    static List<String> pieces(String name, String text) {
        List<String> out = new ArrayList<>();
        int from = 0;
        int n = 0;
        do {
            int to = from;
            int bytes = 0;
            while (to < text.length()) {
                int cp = text.codePointAt(to);
                int size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
                if (bytes + size > PIECE) {
                    break;
                }
                bytes += size;
                to += Character.charCount(cp);
            }
            out.add(n == 0 ? name : name + n);
            out.add(text.substring(from, to));
            from = to;
            n++;
        } while (from < text.length());
        return out;
    }

    /** The text {@link #pieces} stored under {@code name}: its pieces in order; null when there is none. */
    static String joined(Map<String, String> h, String name) {
        String first = h.get(name);
        if (first == null) {
            return null;
        }
        StringBuilder b = new StringBuilder(first);
        for (int n = 1; ; n++) {
            String piece = h.get(name + n);
            if (piece == null) {
                return b.toString();
            }
            b.append(piece);
        }
    }

    private static String millis(Instant i) { return Long.toString(i.toEpochMilli()); }

    private static List<Session> sessions(List<Object> flats) {
        List<Session> out = new ArrayList<>(flats.size());
        for (Object flat : flats) {
            out.add(session(flat));
        }
        return out;
    }

    private static Session session(Object flat) {
        Map<String, String> h = hash(flat);
        return read(h, h.get("id"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> hash(Object flat) {
        List<Object> list = (List<Object>) flat;
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i + 1 < list.size(); i += 2) {
            m.put((String) list.get(i), (String) list.get(i + 1));
        }
        return m;
    }

    /** A session from its record's fields (common.lua names them) and its id (the record's key holds it). */
    static Session read(Map<String, String> h, String id) {
        String roles = Optional.ofNullable(joined(h, "r")).orElse("");
        return new Session(id, h.get("t"), h.get("u"), h.get("n"),
                roles.isEmpty() ? List.of() : Arrays.asList(roles.split(",")), Integer.parseInt(h.get("a")),
                instant(h.get("c")), instant(h.get("s")), instant(h.get("i")), instant(h.get("x")),
                Long.parseLong(h.get("k")), new Client(h.get("p"), userAgentOf(h)), instant(h.get("z")),
                h.get("y"), instant(h.get("o")), Long.parseLong(h.get("q")), "1".equals(h.get("d")));
    }

    private static String userAgentOf(Map<String, String> h) {
        String compact = joined(h, "G");
        return compact == null ? joined(h, "g") : CompactUserAgent.decode(compact);
    }

    private static Instant instant(String millis) {
        return millis == null ? null : Instant.ofEpochMilli(Long.parseLong(millis));
    }

    @Override
    public String toString() { return "RedisSessionStore[" + redis.endpoint() + "]"; }
}
