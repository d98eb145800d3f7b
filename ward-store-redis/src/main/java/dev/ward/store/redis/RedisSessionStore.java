package dev.ward.store.redis;

import dev.ward.crypto.Secrets;
import dev.ward.problem.StoreUnavailableException;
import dev.ward.session.Admission;
import dev.ward.session.CleanupCriteria;
import dev.ward.session.Client;
import dev.ward.session.Lookup;
import dev.ward.session.Session;
import dev.ward.session.SessionRevocations;
import dev.ward.session.SessionRoute;
import dev.ward.session.DetachedSessionStore;
import dev.ward.session.SessionToken;
import dev.ward.tenant.Policy;
import io.lettuce.core.BitFieldArgs;
import io.lettuce.core.Range;
import io.lettuce.core.ScriptOutputType;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Sessions on Redis or a Redis Cluster (issue 4, docs/decisions/0005; record layout 3, docs/decisions/0040). Keys,
 * with {@code P} the prefix and {@code TAG} the hash tag of the session's {@link SessionRoute route}:
 * <ul>
 *   <li>{@code P rTAG<K>} — the session, with {@code K} the 12 random bytes of its id in base64url: a hash of
 *       one-letter fields whose values all stay within Redis's default {@code hash-max-listpack-value} (64 bytes; a
 *       longer user agent or role list is stored in 64-byte pieces), so Redis keeps it as one compact listpack (the
 *       field list is in common.lua). It holds the SHA-256 of its current token, the previous one's first 128 bits
 *       during its grace, and fingerprints of the last few replaced before (decision 0044): a token names its session,
 *       so there is no key per token, and a record's size does not grow with its rotations;</li>
 *   <li>{@code P oTAG<first 32 hex digits of the sha256>} — the session id, for a token replaced before the previous
 *       one by a version before decision 0044, until the session's absolute expiry: still read, no longer written;</li>
 *   <li>{@code P aTAG<id>} — its attributes (sealed), a hash, only once it has some;</li>
 *   <li>{@code P iTAG<tenant>} — the tenant's sessions in this slot, a sorted set that stays a listpack (one short
 *       member per session, scored by when its keys are gone): the user's index (every session of a user is in the
 *       user's slot) and, across the slots the tenant uses, the tenant's;</li>
 *   <li>{@code P tr:<tenant>} (a bitmap of the slots the tenant has used) and {@code P tenants} — what tenant-wide
 *       listings, counts and cleanup walk.</li>
 * </ul>
 * A session's keys live {@link #RETAIN} longer than the session, so a holder can still be told "expired" or "revoked"
 * rather than "invalid"; every key but the tenant-wide two carries a TTL. Sessions stored by the previous version
 * (layout 2, decision 0020: {@code P sTAG<id>}, token pointers {@code P tTAG<hash>}, {@code P u{tenant:user}},
 * {@code P ti:<tenant>}) are rewritten in this layout when first met, and the tokens issued for them keep working.
 */
public final class RedisSessionStore implements DetachedSessionStore {
    /** How long an ended session's record outlives it. */
    public static final Duration RETAIN = Duration.ofMinutes(15);
    /** How long a revocation waits for its replicas before it answers 503 (it stands on the primary regardless). */
    static final Duration REPLICA_TIMEOUT = Duration.ofSeconds(1);
    private static final int PAGE = 500;
    private static final Base64.Encoder URL = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder FROM_URL = Base64.getUrlDecoder();
    private static final HexFormat HEX = HexFormat.of();

    private static final RedisScripts ADMIT = RedisScripts.load("admit");
    private static final RedisScripts TOUCH = RedisScripts.load("touch");
    private static final RedisScripts PEEK = RedisScripts.load("peek");
    private static final RedisScripts ROTATE = RedisScripts.load("rotate");
    private static final RedisScripts REVOKE = RedisScripts.load("revoke");
    private static final RedisScripts REVOKE_USER = RedisScripts.load("revoke_user");
    private static final RedisScripts LIVE_USER = RedisScripts.load("live_user");
    private static final RedisScripts USER_SESSIONS = RedisScripts.load("user_sessions");
    private static final RedisScripts UPDATE_ROLES = RedisScripts.load("update_roles");
    private static final RedisScripts SET_AAL = RedisScripts.load("set_aal");
    private static final RedisScripts UPDATE_CLIENT = RedisScripts.load("update_client");
    private static final RedisScripts DELETE = RedisScripts.load("delete");
    private static final RedisScripts READ = RedisScripts.load("read");
    private static final RedisScripts TOKEN_HASH = RedisScripts.load("token_hash");
    private static final RedisScripts UPGRADE = RedisScripts.load("upgrade");
    private static final RedisScripts UNDO_ROTATE = RedisScripts.load("undo_rotate");
    private static final Comparator<Session> OLDEST_FIRST = Comparator.comparing(Session::createdAt).thenComparing(Session::id);

    private final RedisConnection redis;
    private final String prefix;
    private final int minReplicas;
    /** Where revocations and their {@code WAIT} go when replicas are asked for: never the shared connection. */
    private final RedisConnection revocations;
    /** The time of the calls whose interface brings none (an upgrade of a session met there needs one). */
    private final Clock clock;

    /** @param prefix the key namespace, e.g. {@code ward:}; no braces (they would change the hash slot) */
    public RedisSessionStore(RedisConnection redis, String prefix) {
        this(redis, prefix, 0, Clock.systemUTC());
    }

    /**
     * @param minReplicas replicas that must hold a revocation before it is acknowledged ({@code WARD_REDIS_MIN_REPLICAS};
     *                    0: none waited for). {@code WAIT} holds the connection it is sent on, so revocations then
     *                    go through a connection of their own.
     * @param clock       the callers' clock, for the operations that are not given the time
     */
    public RedisSessionStore(RedisConnection redis, String prefix, int minReplicas, Clock clock) {
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
        this.clock = clock;
    }

    /** A value longer than this (in UTF-8 bytes) would turn a session's hash from a listpack into a hash table. */
    static final int PIECE = 64;

    @Override
    public Admission admit(Session s, String tokenHash, Duration idleTimeout, int maxConcurrent, Policy.OnLimit onLimit,
                           Instant now) {
        requireHash(tokenHash);
        int route = SessionRoute.of(s.tenant(), s.userId());
        // The tenant's slot is marked first: a slot marked in vain costs a listing one read of nothing, whereas a stored
        // session in a slot not marked would escape listings and cleanup.
        redis.call(r -> {
            r.setbit(routesKey(s.tenant()), route, 1);
            return r.sadd(tenants(), s.tenant());
        });
        List<String> args = new ArrayList<>(List.of(Integer.toString(maxConcurrent),
                onLimit == Policy.OnLimit.REJECT ? "reject" : "evict", routeHex(route), s.id()));
        args.addAll(fields(s, tokenHash, idleTimeout));
        List<Object> out = run(ADMIT, route, now, new String[] {indexKey(route, s.tenant()), recordKey(route, s.id())}, args);
        if (((Long) out.get(0)) == 0) {
            return new Admission.LimitReached(maxConcurrent);
        }
        return new Admission.Admitted(sessions(out.subList(1, out.size())));
    }

    @Override
    public Lookup touch(SessionToken token, String tenant, Instant now) {
        String sessionId = token.sessionId().orElse("");
        List<Object> out = run(TOUCH, token.route(), now, new String[] {keyOf(token)},
                List.of(tenant == null ? "" : tenant, sessionId, token.hash()));
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
    public Optional<String> tenantOf(SessionToken token) {
        return Optional.ofNullable(this.<String>run(PEEK, ScriptOutputType.VALUE, token.route(), clock.instant(),
                new String[] {keyOf(token)}, List.of(token.sessionId().orElse(""), token.hash())));
    }

    /** The key a script for this token is routed by: its session's record, or for a token of layout 2 its pointer. */
    private String keyOf(SessionToken token) {
        return token.sessionId().map(id -> recordKey(token.route(), id)).orElseGet(() -> earlierTokenKey(token.route(), token.hash()));
    }

    @Override
    public List<Session> evictedBy(String tenant, String userId, String sessionId) {
        return userRecords(tenant, userId).stream().filter(h -> "evicted".equals(h.text("y")) && sessionId.equals(h.text("b")))
                .map(RedisSessionStore::read).toList();
    }

    @Override
    public List<Session> revokedSince(String tenant, String userId, String reason, Instant since) {
        return userRecords(tenant, userId).stream().map(RedisSessionStore::read)
                .filter(s -> reason.equals(s.revokeReason()) && !s.revokedAt().isBefore(since)).toList();
    }

    /** Every session of the user the store still holds, ended ones too (the reads of a repair), as the script answers them. */
    private List<Flat> userRecords(String tenant, String userId) {
        int route = SessionRoute.of(tenant, userId);
        List<Object> flats = run(USER_SESSIONS, route, clock.instant(), new String[] {indexKey(route, tenant)},
                List.of(tenant, userId, routeHex(route)));
        return flats.stream().map(f -> new Flat((List<?>) f)).toList();
    }

    @Override
    public boolean undoRotate(String sessionId, String oldHash, String newHash) {
        return withRoute(sessionId, false, route -> this.<Long>run(UNDO_ROTATE, ScriptOutputType.INTEGER, route, clock.instant(),
                new String[] {recordKey(route, sessionId)}, List.of(sessionId, oldHash, newHash)) == 1);
    }

    @Override
    public boolean rotate(String sessionId, String oldHash, String newHash, Instant now, Instant graceUntil) {
        requireHash(oldHash);
        requireHash(newHash);
        return withRoute(sessionId, false, route -> this.<Long>run(ROTATE, ScriptOutputType.INTEGER, route, now,
                new String[] {recordKey(route, sessionId)},
                List.of(sessionId, oldHash, newHash, Long.toString(graceUntil.toEpochMilli()))) == 1);
    }

    @Override
    public Optional<Session> findById(String sessionId) {
        return withRoute(sessionId, Optional.empty(), route -> {
            List<Object> flat = run(READ, route, clock.instant(), new String[] {recordKey(route, sessionId)}, List.of(sessionId));
            return flat.isEmpty() ? Optional.empty() : Optional.of(session(flat));
        });
    }

    @Override
    public boolean revoke(String sessionId, String reason, Instant now) {
        return withRoute(sessionId, false, route -> this.<Long>revocation(REVOKE, ScriptOutputType.INTEGER, route, now,
                new String[] {recordKey(route, sessionId), attributeKey(route, sessionId)}, List.of(sessionId, reason)) == 1);
    }

    @Override
    public List<Session> revokeAllOfUser(String tenant, String userId, String keepSessionId, String reason, Instant now) {
        int route = SessionRoute.of(tenant, userId);
        List<Object> out = revocation(REVOKE_USER, ScriptOutputType.MULTI, route, now, new String[] {indexKey(route, tenant)},
                List.of(tenant, userId, routeHex(route), reason, keepSessionId == null ? "" : keepSessionId));
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
            int route = SessionRoute.of(tenant, userId);
            List<Session> own = sessions(run(LIVE_USER, route, now, new String[] {indexKey(route, tenant)},
                    List.of(tenant, userId, routeHex(route))));
            return own.subList(0, Math.min(limit, own.size()));
        }
        return acrossTenants(tenant, null, s -> s.liveAt(now), limit, now);
    }

    @Override
    public void updateRoles(String tenant, String userId, List<String> roles) {
        int route = SessionRoute.of(tenant, userId);
        List<String> args = new ArrayList<>(List.of(tenant, userId, routeHex(route)));
        args.addAll(pieces("r", String.join(",", roles)));
        run(UPDATE_ROLES, ScriptOutputType.INTEGER, route, clock.instant(), new String[] {indexKey(route, tenant)}, args);
    }

    @Override
    public boolean setAal(String sessionId, int aal, Instant now) {
        return withRoute(sessionId, false, route -> this.<Long>run(SET_AAL, ScriptOutputType.INTEGER, route, now,
                new String[] {recordKey(route, sessionId)}, List.of(sessionId, Integer.toString(aal))) == 1);
    }

    @Override
    public void updateClient(String sessionId, Client client) {
        List<String> args = new ArrayList<>(List.of(sessionId, "p", client.ip()));
        args.addAll(userAgent(client.userAgent()));
        withRoute(sessionId, 0L, route -> this.<Long>run(UPDATE_CLIENT, ScriptOutputType.INTEGER, route, clock.instant(),
                new String[] {recordKey(route, sessionId)}, args));
    }

    /**
     * Per tenant, the sessions its index holds (one ZCOUNT per slot the tenant has used, pipelined): live ones and those
     * ended within the last {@link #RETAIN} or so, whose keys are not gone yet; telling them apart would read every
     * record.
     */
    @Override
    public Optional<Map<String, Long>> liveCounts(Set<String> tenants, Instant now) {
        Map<String, Long> counts = new LinkedHashMap<>();
        Range<Double> kept = Range.create(now.toEpochMilli() / 1000.0, Double.POSITIVE_INFINITY);
        for (String tenant : tenants) {
            upgrade(tenant);
            List<Long> each = redis.pipelined(routesOf(tenant), (r, route) -> r.zcount(indexKey(route, tenant), kept));
            counts.put(tenant, each.stream().mapToLong(Long::longValue).sum());
        }
        return Optional.of(counts);
    }

    @Override
    public Map<String, Long> countForCleanup(CleanupCriteria c, Instant now) {
        Map<String, Long> counts = new TreeMap<>();
        for (String tenant : tenantsOf(c.tenant())) {
            long n = walk(tenant, c.createdBefore(), selection(c, now), Integer.MAX_VALUE, now).size();
            if (n > 0) {
                counts.put(tenant, n);
            }
        }
        return new LinkedHashMap<>(counts);
    }

    @Override
    public List<Session> nextForCleanup(CleanupCriteria c, Instant now, int limit) {
        return acrossTenants(c.tenant(), c.createdBefore(), selection(c, now), limit, now);
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
        return withRoute(sessionId, false, route -> !run(DELETE, route, clock.instant(),
                new String[] {recordKey(route, sessionId), attributeKey(route, sessionId)}, List.of(sessionId)).isEmpty());
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
            List<String> page = revocations.subList(from, Math.min(revocations.size(), from + PAGE)).stream()
                    .filter(r -> SessionRoute.ofSessionId(r.sessionId()).isPresent())
                    .map(r -> r.sessionId() + "\n" + r.reason()).toList();
            ended += (int) this.<String, Long>eachOnce(REVOKE, ScriptOutputType.INTEGER, page, now, idAndReason -> {
                String id = idAndReason.substring(0, idAndReason.indexOf('\n'));
                int route = SessionRoute.ofSessionId(id).getAsInt();
                return new Call(route, new String[] {recordKey(route, id), attributeKey(route, id)},
                        List.of(id, idAndReason.substring(id.length() + 1)));
            }).stream().filter(n -> n == 1).count();
        }
        redis.call(r -> r.set(reconciledKey(), generation));
        return ended;
    }

    /** A script's keys and arguments for one item of {@link #eachOnce}. */
    private record Call(int route, String[] keys, List<String> args) {}

    /**
     * Runs a script once per item, pipelined (each to its slot's node); where a node does not know the script yet
     * (EVALSHA refused), one at a time, which loads it there.
     */
    private <I, T> List<T> eachOnce(RedisScripts script, ScriptOutputType type, List<I> items, Instant now,
                                    java.util.function.Function<I, Call> call) {
        try {
            return redis.pipelined(items, (r, item) -> {
                Call c = call.apply(item);
                return script.<T>runAsync(redis, r, type, c.keys(), argv(c.route(), now, c.args()));
            });
        } catch (StoreUnavailableException e) {
            List<T> results = new ArrayList<>();
            for (I item : items) {
                Call c = call.apply(item);
                results.add(run(script, type, c.route(), now, c.keys(), c.args()));
            }
            return results;
        }
    }

    /** Names the Redis processes on which the recorded revocations were last re-applied (decision 0014). */
    String reconciledKey() { return prefix + "reconciled"; }

    /** Ids of the tenant's sessions as its index holds them (some may have just expired), in no useful order. */
    List<String> idsOfTenant(String tenant) {
        return entries(tenant).stream().map(Entry::sessionId).toList();
    }

    /** Up to {@code limit} sessions matching {@code filter} over one tenant or all, oldest first. */
    private List<Session> acrossTenants(String tenant, Instant createdBefore, Predicate<Session> filter, int limit, Instant now) {
        List<Session> all = new ArrayList<>();
        for (String t : tenantsOf(tenant)) {
            all.addAll(walk(t, createdBefore, filter, limit, now));
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

    /** One entry of a tenant's index: the session's id, its route, its member there and when it was created. */
    private record Entry(String sessionId, int route, String member, long createdMillis) {}

    /**
     * What a tenant's index holds, oldest first: one read of the slots the tenant has used, then one of each such slot's
     * index (pipelined). Entries whose keys are gone by now may be among them (the scripts that write a slot's index
     * drop them; so does {@link #walk} when it finds their record gone). Sessions of layout 2 left in the tenant are
     * rewritten first.
     */
    private List<Entry> entries(String tenant) {
        upgrade(tenant);
        List<Integer> routes = routesOf(tenant);
        List<List<String>> members = redis.pipelined(routes, (r, route) -> r.zrange(indexKey(route, tenant), 0, -1));
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < routes.size(); i++) {
            int route = routes.get(i);
            for (String member : members.get(i)) {
                entries.add(new Entry(sessionIdOf(route, member), route, member, createdOf(member)));
            }
        }
        entries.sort(Comparator.comparingLong(Entry::createdMillis).thenComparing(Entry::sessionId));
        return entries;
    }

    /**
     * Walks a tenant's sessions oldest first, a page of records at a time (read by a script each, pipelined), until
     * {@code limit} sessions matched, dropping the entries whose record is gone.
     */
    private List<Session> walk(String tenant, Instant createdBefore, Predicate<Session> filter, int limit, Instant now) {
        List<Entry> entries = entries(tenant).stream()
                .filter(e -> createdBefore == null || e.createdMillis() < createdBefore.toEpochMilli()).toList();
        List<Session> found = new ArrayList<>();
        for (int from = 0; from < entries.size() && found.size() < limit; from += PAGE) {
            List<Entry> page = entries.subList(from, Math.min(entries.size(), from + PAGE));
            List<List<Object>> records = eachOnce(READ, ScriptOutputType.MULTI, page, now,
                    e -> new Call(e.route(), new String[] {recordKey(e.route(), e.sessionId())}, List.of(e.sessionId())));
            List<Entry> gone = new ArrayList<>();
            for (int i = 0; i < page.size(); i++) {
                if (records.get(i).isEmpty()) {
                    gone.add(page.get(i));
                    continue;
                }
                Session s = session(records.get(i));
                if (filter.test(s) && found.size() < limit) {
                    found.add(s);
                }
            }
            if (!gone.isEmpty()) {
                redis.pipelined(gone, (r, e) -> r.zrem(indexKey(e.route(), tenant), e.member()));
            }
        }
        return found;
    }

    /** The slots (routes) a tenant has had sessions in: the set bits of its bitmap, read as 256 words of 64 bits. */
    private List<Integer> routesOf(String tenant) {
        BitFieldArgs words = new BitFieldArgs();
        for (int word = 0; word < SessionRoute.COUNT / 64; word++) {
            words.get(BitFieldArgs.signed(64), word * 64);
        }
        List<Long> bits = redis.call(r -> r.bitfield(routesKey(tenant), words));
        List<Integer> routes = new ArrayList<>();
        for (int word = 0; word < bits.size(); word++) {
            long w = bits.get(word);
            while (w != 0) {
                int bit = Long.numberOfLeadingZeros(w);
                routes.add(word * 64 + bit);
                w &= ~(Long.MIN_VALUE >>> bit);
            }
        }
        return routes;
    }

    /**
     * Rewrites in layout 3 the sessions of the tenant that a node of the previous version stored (decision 0040), a page
     * at a time from its layout-2 index, marking their slots first; the index goes once empty, after which this is one
     * read of a missing key. Sessions met earlier by their token, id or user are rewritten already (the script then
     * does nothing).
     */
    private void upgrade(String tenant) {
        String earlier = prefix + "ti:" + tenant;
        Instant now = clock.instant();
        while (true) {
            List<String> ids = redis.call(r -> r.zrange(earlier, 0, PAGE - 1));
            if (ids.isEmpty()) {
                return;
            }
            List<String> valid = ids.stream().filter(id -> SessionRoute.ofSessionId(id).isPresent()).toList();
            redis.pipelined(valid, (r, id) -> r.setbit(routesKey(tenant), SessionRoute.ofSessionId(id).getAsInt(), 1));
            eachOnce(UPGRADE, ScriptOutputType.INTEGER, valid, now, id -> {
                int route = SessionRoute.ofSessionId(id).getAsInt();
                return new Call(route, new String[] {recordKey(route, id)}, List.of(id));
            });
            redis.call(r -> r.zrem(earlier, ids.toArray(String[]::new)));
        }
    }

    private String keyOf(String sessionId) {
        return withRoute(sessionId, prefix + "r{}", route -> recordKey(route, sessionId));
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
        return redis.call(r -> script.run(redis, r, type, keys, all));
    }

    /** A revoking script, sent where {@link #awaitRevocationReplicas} will {@code WAIT} for it (a route is a cluster slot). */
    private <T> T revocation(RedisScripts script, ScriptOutputType type, int route, Instant now, String[] keys, List<String> args) {
        if (minReplicas == 0) {
            return run(script, type, route, now, keys, args);
        }
        String[] all = argv(route, now, args);
        return revocations.onMasterOf(route, r -> script.run(revocations, r, type, keys, all));
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
        return prefix + "r{*}*";
    }

    /** The sha256 (hex) of a session's current token as the record holds it (for operators and tests). */
    public Optional<String> tokenHashOf(String sessionId) {
        return withRoute(sessionId, Optional.empty(), route -> Optional.ofNullable(this.<String>run(TOKEN_HASH,
                ScriptOutputType.VALUE, route, clock.instant(), new String[] {recordKey(route, sessionId)}, List.of(sessionId))));
    }

    /** As common.lua's rkey: the record is named by the 12 random bytes of the id, in base64url. */
    String recordKey(int route, String sessionId) {
        return prefix + "r" + SlotTags.of(route) + URL.encodeToString(HEX.parseHex(sessionId, 8, sessionId.length()));
    }

    String attributeKey(int route, String sessionId) { return prefix + "a" + SlotTags.of(route) + sessionId; }

    /** The pointer a token of layout 2 (no session id in it) is found by: the first 128 bits of its hash. */
    private String earlierTokenKey(int route, String tokenHash) {
        return prefix + "t" + SlotTags.of(route) + tokenHash.substring(0, Math.min(32, tokenHash.length()));
    }

    /** As common.lua's ikey: the tenant's sessions in one slot. */
    private String indexKey(int route, String tenant) { return prefix + "i" + SlotTags.of(route) + tenant; }

    private String routesKey(String tenant) { return prefix + "tr:" + tenant; }

    private String tenants() { return prefix + "tenants"; }

    private static String routeHex(int route) { return "%04x".formatted(route); }

    /** The scripts keep a token's SHA-256 as 32 raw bytes, converted from the 64 hex digits Ward computes. */
    private static void requireHash(String tokenHash) {
        if (tokenHash.length() != 64 || !tokenHash.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw new IllegalArgumentException("not a SHA-256 in hex");
        }
    }

    /** The session id an index member names (its first 16 characters, in the slot {@code route}). */
    private static String sessionIdOf(int route, String member) {
        return SessionRoute.ID_PREFIX + routeHex(route) + HEX.formatHex(FROM_URL.decode(member.substring(0, 16)));
    }

    /** When the session an index member names was created: its last 7 characters, base64url digits of epoch ms. */
    private static long createdOf(String member) {
        long ms = 0;
        for (int i = member.length() - 7; i < member.length(); i++) {
            ms = ms << 6 | Secrets.base64UrlDigit(member.charAt(i));
        }
        return ms;
    }

    /**
     * A new session's fields as a script takes them: every value as text, times as epoch ms, the token's hash in hex
     * (common.lua packs them as the record stores them).
     */
    private static List<String> fields(Session s, String tokenHash, Duration idleTimeout) {
        List<String> f = new ArrayList<>(List.of("h", tokenHash, "t", s.tenant(), "u", s.userId(), "n", s.username(),
                "a", Integer.toString(s.aal()), "c", millis(s.createdAt()), "s", millis(s.lastSeenAt()),
                "i", millis(s.idleExpiresAt()), "x", millis(s.absoluteExpiresAt()), "m", Long.toString(idleTimeout.toMillis()),
                "k", Long.toString(s.uses()), "p", s.client().ip(), "o", millis(s.rotatedAt()),
                "q", Long.toString(s.usesSinceRotation()), "d", s.rotatePending() ? "1" : "0"));
        f.addAll(pieces("r", String.join(",", s.roles())));
        f.addAll(userAgent(s.client().userAgent()));
        return f;
    }

    private static String millis(Instant i) { return Long.toString(i.toEpochMilli()); }

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

    private static List<Session> sessions(List<Object> flats) {
        List<Session> out = new ArrayList<>(flats.size());
        for (Object flat : flats) {
            out.add(session(flat));
        }
        return out;
    }

    private static Session session(Object flat) {
        return read(new Flat((List<?>) flat));
    }

    /** A session from the fields a script answers for it (common.lua's flat: times as epoch ms, its id included). */
    private static Session read(Flat h) {
        String roles = Optional.ofNullable(h.joined("r")).orElse("");
        return new Session(h.text("id"), h.text("t"), h.text("u"), h.text("n"),
                roles.isEmpty() ? List.of() : Arrays.asList(roles.split(",")), (int) h.number("a"),
                h.instant("c"), h.instant("s"), h.instant("i"), h.instant("x"),
                h.number("k"), new Client(h.text("p"), userAgentOf(h)), h.instant("z"),
                h.text("y"), h.instant("o"), h.number("q"), "1".equals(h.text("d")));
    }

    private static String userAgentOf(Flat h) {
        String compact = h.joined("G");
        return compact == null ? h.joined("g") : CompactUserAgent.decode(compact);
    }

    /**
     * A script's field/value list (common.lua's flat), read where it lies: a validation reads some twenty fields of a
     * list of about forty values, so a scan per field costs less than the map it would otherwise fill (issue 13, goal 4).
     * Numbers come as integer replies, everything else as text.
     */
    private record Flat(List<?> values) {
        private Object get(String name) {
            for (int i = 0; i + 1 < values.size(); i += 2) {
                if (name.equals(values.get(i))) {
                    return values.get(i + 1);
                }
            }
            return null;
        }

        String text(String name) {
            Object v = get(name);
            return v == null ? null : v.toString();
        }

        long number(String name) {
            Object v = get(name);
            return v instanceof Long l ? l : Long.parseLong((String) v);
        }

        Instant instant(String name) {
            return get(name) == null ? null : Instant.ofEpochMilli(number(name));
        }

        /** The text {@link #pieces} stored under {@code name}: its pieces in order; null when there is none. */
        String joined(String name) {
            String first = text(name);
            if (first == null) {
                return null;
            }
            StringBuilder b = null;
            for (int n = 1; ; n++) {
                Object piece = piece(name, n);
                if (piece == null) {
                    return b == null ? first : b.toString();
                }
                if (b == null) {
                    b = new StringBuilder(first);
                }
                b.append(piece);
            }
        }

        /** The value of field {@code name} followed by the decimal digits of {@code n}, without building that name. */
        private Object piece(String name, int n) {
            for (int i = 0; i + 1 < values.size(); i += 2) {
                if (values.get(i) instanceof String field && field.length() > name.length() && field.startsWith(name)
                        && digitsAre(field, name.length(), n)) {
                    return values.get(i + 1);
                }
            }
            return null;
        }

        private static boolean digitsAre(String field, int from, int n) {
            long value = 0;
            for (int i = from; i < field.length(); i++) {
                char c = field.charAt(i);
                if (c < '0' || c > '9' || value > Integer.MAX_VALUE) {
                    return false;
                }
                value = value * 10 + (c - '0');
            }
            return field.charAt(from) != '0' && value == n;
        }
    }

    @Override
    public String toString() { return "RedisSessionStore[" + redis.endpoint() + "]"; }
}
