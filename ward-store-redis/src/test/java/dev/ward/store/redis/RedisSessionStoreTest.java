package dev.ward.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.crypto.Secrets;
import dev.ward.session.Admission;
import dev.ward.session.Client;
import dev.ward.session.EarlierTokens;
import dev.ward.session.Lookup;
import dev.ward.session.Session;
import dev.ward.session.SessionRoute;
import dev.ward.session.SessionToken;
import dev.ward.tenant.Policy;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanIterator;
import io.lettuce.core.ScoredValue;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What only the Redis store promises, on a real standalone server and a real 3-master cluster: the key
 * layout routes by the token (one slot per user), a session is one key and its token is checked before anything is
 * said of it, every key expires, a user's index stays bounded, scripts survive a server that forgot them, and sessions
 * stored by the previous version (layout 2) keep working. The behaviour shared with SQL is the contract suites'
 * (ward-store-sql).
 */
class RedisSessionStoreTest {
    private static final Duration IDLE = Duration.ofMinutes(30);
    private static final Duration ABSOLUTE = Duration.ofHours(12);
    private static RedisServers standalone;
    private static RedisServers cluster;
    private static RedisConnection standaloneConnection;
    private static RedisConnection clusterConnection;

    private RedisConnection redis;
    private RedisSessionStore store;
    private String prefix;
    private Instant now = Instant.parse("2026-11-22T10:00:00Z");

    @BeforeAll
    static void startRedis() {
        standalone = RedisServers.standalone("RedisSessionStoreTest");
        cluster = RedisServers.cluster("RedisSessionStoreTest");
        standaloneConnection = RedisConnection.open(RedisEndpoint.parse(standalone.url()));
        clusterConnection = RedisConnection.open(RedisEndpoint.parse(cluster.url()));
    }

    @AfterAll
    static void stopRedis() {
        for (AutoCloseable c : new AutoCloseable[] {standaloneConnection, clusterConnection, standalone, cluster}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // already gone
            }
        }
    }

    @BeforeEach
    void prefix() {
        prefix = "ward-test:" + UUID.randomUUID() + ":";
    }

    private void on(String which) {
        redis = which.equals("cluster") ? clusterConnection : standaloneConnection;
        // The store's own clock (for the calls not given the time) is the test's.
        store = new RedisSessionStore(redis, prefix, 0, new java.time.Clock() {
            @Override public java.time.ZoneId getZone() { return java.time.ZoneOffset.UTC; }
            @Override public java.time.Clock withZone(java.time.ZoneId zone) { return this; }
            @Override public Instant instant() { return now; }
        });
    }

    private Session session(String tenant, String user) {
        int route = SessionRoute.of(tenant, user);
        return new Session(SessionRoute.newSessionId(route), tenant, user, "name-" + user, List.of("staff"), 1, now, now,
                now.plus(IDLE), now.plus(ABSOLUTE), 0, new Client("192.0.2.1", "test"), null, null, now, 0, false);
    }

    /** Stores the session with a token of its own (as a login does); answers the token. */
    private String admit(Session s, int max) {
        String token = SessionRoute.newToken(s.id());
        store.admit(s, Secrets.sha256Hex(token), IDLE, max, Policy.OnLimit.EVICT_OLDEST, now);
        return token;
    }

    /** Rotates the session from {@code token} to a new token (30 s of grace); answers the new one. */
    private String rotate(Session s, String token) {
        String next = SessionRoute.newToken(s.id());
        assertThat(store.rotate(s.id(), Secrets.sha256Hex(token), Secrets.sha256Hex(next), now, now.plusSeconds(30))).isTrue();
        return next;
    }

    private Lookup touch(String token) {
        return store.touch(SessionRoute.parse(token).orElseThrow(), null, now);
    }

    private List<String> keys() {
        return redis.call(r -> {
            List<String> keys = new ArrayList<>();
            ScanIterator.scan(r, ScanArgs.Builder.matches(prefix + "*")).forEachRemaining(keys::add);
            return keys;
        });
    }

    private static boolean tenantWide(String key) {
        return key.contains(":tr:") || key.endsWith(":tenants");
    }

    @ParameterizedTest
    @ValueSource(strings = {"standalone", "cluster"})
    void everyKeyOfAUserIsInTheSlotItsTokenNames(String which) {
        on(which);
        Session s = session("stmarys", "usr_" + UUID.randomUUID());
        admit(s, 3);
        new RedisAttributeStore(redis, store, prefix).put(s.id(), "k", "v", now, 64);

        int route = SessionRoute.of(s.tenant(), s.userId());
        List<String> keys = keys();
        assertThat(keys).hasSize(5); // session, attributes, the tenant's index in the slot, the tenant's slots, tenants
        for (String key : keys) {
            if (!tenantWide(key)) {
                assertThat(keySlot(key)).as(key).isEqualTo(route);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"standalone", "cluster"})
    void slotTagsAndRoutesAgreeWithTheServersKeySlot(String which) {
        on(which);
        if (which.equals("standalone")) {
            return; // CLUSTER KEYSLOT needs a cluster node
        }
        for (int route = 0; route < SessionRoute.COUNT; route += 97) {
            assertThat(keySlot("x:" + SlotTags.of(route) + ":y")).isEqualTo(route);
        }
        assertThat(keySlot("x:" + SlotTags.of(SessionRoute.COUNT - 1))).isEqualTo(SessionRoute.COUNT - 1);
        for (int i = 0; i < 200; i++) {
            String user = "usr_" + UUID.randomUUID();
            assertThat(keySlot("ward:u{tenant-" + i + ":" + user + "}")).isEqualTo(SessionRoute.of("tenant-" + i, user));
        }
    }

    private long keySlot(String key) {
        return clusterConnection.call(r -> r.clusterKeyslot(key));
    }

    @ParameterizedTest
    @ValueSource(strings = {"standalone", "cluster"})
    void everyKeyExpires(String which) {
        on(which);
        Session s = session("stmarys", "usr_1");
        String token = admit(s, 3);
        new RedisAttributeStore(redis, store, prefix).put(s.id(), "k", "v", now, 64);
        now = now.plusSeconds(60);
        touch(token);
        for (int i = 0; i < 3; i++) {
            token = rotate(s, token);
        }
        assertThat(keys()).as("no key per replaced token (decision 0044)").noneMatch(k -> k.contains(":o{"));

        for (String key : keys()) {
            long ttl = pttl(key);
            if (tenantWide(key)) {
                assertThat(ttl).as("tenant-wide key %s is kept, not expired", key).isEqualTo(-1);
            } else {
                // RETAIN after the idle expiry, plus the slack that spares validations most TTL moves (an eighth of it).
                assertThat(ttl).as(key).isPositive().isLessThanOrEqualTo(IDLE.plus(RedisSessionStore.RETAIN).plus(IDLE.dividedBy(8)).toMillis());
            }
        }

        store.revoke(s.id(), "logout", now);
        assertThat(pttl(store.keyOfSession(s.id()))).isPositive().isLessThanOrEqualTo(RedisSessionStore.RETAIN.toMillis());
        assertThat(keys()).noneMatch(k -> k.contains(":a{"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"standalone", "cluster"})
    void aSessionIsOneKeyHoldingItsTokensRawHashesFirstAndNoPointer(String which) {
        on(which);
        Session s = session("stmarys", "usr_8");
        String token = admit(s, 3);
        String hash = Secrets.sha256Hex(token);
        String key = store.keyOfSession(s.id());

        assertThat(key).hasSizeLessThanOrEqualTo(prefix.length() + 1 + 5 + 16);
        assertThat(keys()).filteredOn(k -> !tenantWide(k) && !k.contains(":i{")).containsExactly(key);
        assertThat(keys()).noneMatch(k -> k.contains(hash.substring(0, 32)));
        assertThat(redis.call(r -> r.hkeys(key)).get(0)).as("the token's hash is the first field").isEqualTo("h");
        assertThat((long) redis.call(r -> r.hstrlen(key, "h"))).as("32 raw bytes").isEqualTo(32);
        assertThat(store.tokenHashOf(s.id())).hasValue(hash);

        String next = SessionRoute.newToken(s.id());
        assertThat(store.rotate(s.id(), hash, Secrets.sha256Hex(next), now, now.plusSeconds(30))).isTrue();
        assertThat(redis.call(r -> r.hkeys(key)).get(0)).isEqualTo("h");
        assertThat((long) redis.call(r -> r.hstrlen(key, "h"))).as("current, then 128 bits of the previous and its grace end")
                .isEqualTo(51);
        assertThat(store.tokenHashOf(s.id())).hasValue(Secrets.sha256Hex(next));
        assertThat(touch(token)).isInstanceOfSatisfying(Lookup.Touched.class, t -> assertThat(t.current()).isFalse());
        assertThat(touch(next)).isInstanceOfSatisfying(Lookup.Touched.class, t -> assertThat(t.current()).isTrue());
        now = now.plusSeconds(30);
        assertThat(touch(next)).isInstanceOf(Lookup.Touched.class);
        assertThat((long) redis.call(r -> r.hstrlen(key, "h"))).as("its grace over, the previous one's fingerprint").isEqualTo(36);
        assertThat(touch(token)).isInstanceOf(Lookup.Superseded.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"standalone", "cluster"})
    void aUsersSessionsThatMayBeLiveNeverOutnumberTheLimit(String which) {
        on(which);
        Session first = session("stmarys", "usr_9");
        String index = prefix + "i" + SlotTags.of(SessionRoute.of("stmarys", "usr_9")) + "stmarys";
        for (int i = 0; i < 40; i++) {
            admit(session("stmarys", "usr_9"), 3);
            assertThat(mayBeLive(index)).isLessThanOrEqualTo(3);
        }
        assertThat(store.live("stmarys", "usr_9", now, 100)).hasSize(3);
        // The evicted ones stay listed for the tenant while their records are kept; once their keys are gone (and the
        // live ones' too), the next script that reads the index drops them.
        now = now.plus(IDLE).plus(RedisSessionStore.RETAIN).plus(IDLE.dividedBy(8)).plusSeconds(1);
        admit(first, 3);
        assertThat(zcard(index)).isEqualTo(1);
    }

    /** Entries of an index whose session may still be live (their keys end later than RETAIN from now). */
    private long mayBeLive(String index) {
        List<ScoredValue<String>> all = redis.call(r -> r.zrangeWithScores(index, 0, -1));
        return all.stream().filter(e -> e.getScore() * 1000 - RedisSessionStore.RETAIN.toMillis() > now.toEpochMilli()).count();
    }

    private long pttl(String key) {
        Long ms = redis.call(r -> r.pttl(key));
        return ms;
    }

    private long zcard(String key) {
        Long n = redis.call(r -> r.zcard(key));
        return n;
    }

    @ParameterizedTest
    @ValueSource(strings = {"standalone", "cluster"})
    void scriptsAreReloadedWhenTheServerForgetsThem(String which) {
        on(which);
        Session s = session("stmarys", "usr_2");
        String token = admit(s, 3);
        redis.call(r -> r.scriptFlush());
        redis.call(r -> r.functionFlush(io.lettuce.core.FlushMode.SYNC)); // on a cluster, one master's: enough to be missed

        now = now.plusSeconds(1);
        assertThat(touch(token)).isInstanceOf(Lookup.Touched.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"standalone", "cluster"})
    void longUserAgentsAndRoleListsRoundTripExactlyAndTheRecordStaysAListpack(String which) {
        on(which);
        String browser = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
        String odd = "Ünïcødé-Agent/1.0 (" + "日本語テキスト🙂".repeat(20) + ") " + "x".repeat(100);
        List<String> roles = List.of("provider", "pharmacist-supervisor", "records_clerk", "nurse-practitioner", "auditor");
        int route = SessionRoute.of("stmarys", "usr_5");
        Session s = new Session(SessionRoute.newSessionId(route), "stmarys", "usr_5", "name", roles, 1, now, now, now.plus(IDLE),
                now.plus(ABSOLUTE), 0, new Client("2001:db8::1", odd), null, null, now, 0, false);
        String token = admit(s, 3);

        Lookup.Touched t = (Lookup.Touched) touch(token);
        assertThat(t.session().client().userAgent()).isEqualTo(odd);
        assertThat(t.session().roles()).isEqualTo(roles);
        assertThat(encoding(store.keyOfSession(s.id()))).isEqualTo("listpack");

        for (String agent : List.of(browser, "", "curl/8.5.0", odd, "y".repeat(512))) {
            store.updateClient(s.id(), new Client("192.0.2.9", agent));
            assertThat(store.findById(s.id()).orElseThrow().client()).isEqualTo(new Client("192.0.2.9", agent));
            assertThat(encoding(store.keyOfSession(s.id()))).as(agent).isEqualTo("listpack");
        }
        store.updateRoles("stmarys", "usr_5", List.of("staff"));
        assertThat(store.findById(s.id()).orElseThrow().roles()).containsExactly("staff");
        assertThat(store.findById(s.id()).orElseThrow().rotatePending()).isTrue();
        List<String> fields = redis.call(r -> r.hkeys(store.keyOfSession(s.id())));
        assertThat(fields).as("no piece of the longer values is left behind").noneMatch(f -> f.matches("[rgG][0-9]+"));
    }

    private long memory(String key) {
        Long bytes = redis.call(r -> r.memoryUsage(key));
        return bytes;
    }

    private List<String> fields(String key) {
        return redis.call(r -> r.hkeys(key));
    }

    private String encoding(String key) {
        return redis.call(r -> r.objectEncoding(key));
    }

    @ParameterizedTest
    @ValueSource(strings = {"standalone", "cluster"})
    void aSessionRoundTripsExactlyThroughItsPackedForm(String which) {
        on(which);
        // A session whose idle expiry is not the one its times imply is kept as it was given, too; a user id of Ward's
        // own shape and an IPv4 address written the usual way are packed in N, any other kept as text (u, p); so is a
        // rotation time other than the creation.
        List<String> addresses = List.of("192.0.2.1", "2001:db8::1", "192.0.2.01", "256.0.0.1", "0.0.0.0", "unknown", "");
        int n = 0;
        for (String user : List.of("usr_4", "usr_0123456789abcdef01234567", "usr_0123456789ABCDEF01234567", "usr_0123")) {
            int route = SessionRoute.of("stmarys", user);
            for (Instant idle : List.of(now.plus(IDLE), now.plusSeconds(7))) {
                for (String ip : List.of(addresses.get(n++ % addresses.size()), addresses.get(n++ % addresses.size()))) {
                    Instant rotated = n % 3 == 0 ? now : now.minusMillis(n * 1_000L);
                    Session s = new Session(SessionRoute.newSessionId(route), "stmarys", user, "name", List.of("staff"), 2,
                            now, now, idle, now.plus(ABSOLUTE), 0, new Client(ip, "test"), null, null, rotated, 0, false);
                    admit(s, 100);
                    assertThat(store.findById(s.id())).hasValue(s);
                    List<String> fields = redis.call(r -> r.hkeys(store.keyOfSession(s.id())));
                    assertThat(fields).startsWith("h", "N").doesNotContain("U", "o", "w");
                    assertThat(fields.contains("u")).as(user).isEqualTo(!(user.length() == 28 && user.equals(user.toLowerCase())));
                    assertThat(fields.contains("p")).as(ip).isEqualTo(!ip.equals("192.0.2.1") && !ip.equals("0.0.0.0"));
                }
            }
        }
        Session s = session("stmarys", "usr_4");
        String token = admit(s, 10);
        // Another node's clock, 7 ms behind the one that created the session: a use "before" its creation is kept as is.
        now = now.minusMillis(7);
        assertThat(((Lookup.Touched) touch(token)).session().lastSeenAt()).isEqualTo(now);
        assertThat(store.findById(s.id()).orElseThrow().lastSeenAt()).isEqualTo(now);
        assertThat(store.findById(s.id()).orElseThrow().idleExpiresAt()).isEqualTo(now.plus(IDLE));
        now = now.plusMillis(12_345);
        Session touched = ((Lookup.Touched) touch(token)).session();
        assertThat(touched.lastSeenAt()).isEqualTo(now);
        assertThat(touched.idleExpiresAt()).isEqualTo(now.plus(IDLE));
        assertThat(touched.createdAt()).isEqualTo(s.createdAt());
        assertThat(touched.absoluteExpiresAt()).isEqualTo(s.absoluteExpiresAt());
        assertThat(store.findById(s.id())).hasValue(touched);
        store.revoke(s.id(), "logout", now);
        assertThat(store.findById(s.id()).orElseThrow().revokedAt()).isEqualTo(now);
    }

    @ParameterizedTest
    @ValueSource(strings = {"standalone", "cluster"})
    void aValidationRunsThreeCommandsAndMovesTtlsOnlyOnceTheSlackIsUsedUp(String which) {
        on(which);
        if (which.equals("cluster")) {
            return; // INFO commandstats of one node; the standalone server shows the same scripts
        }
        Session s = session("stmarys", "usr_6");
        String token = admit(s, 3);
        long ttl = pttl(store.keyOfSession(s.id()));
        Instant start = now;

        redis.call(r -> r.configResetstat());
        for (int i = 1; i <= 10; i++) {
            now = start.plusSeconds(i);
            assertThat(touch(token)).isInstanceOf(Lookup.Touched.class);
        }
        assertThat(commandsBesideScripts()).isEqualTo(30); // HGET, HGETALL, HSET each
        assertThat(pttl(store.keyOfSession(s.id()))).as("the TTL did not move").isLessThanOrEqualTo(ttl);

        // Past an eighth of the idle timeout of use, the next validation moves every TTL of the session again.
        now = start.plus(IDLE.dividedBy(8)).plusSeconds(1);
        assertThat(touch(token)).isInstanceOf(Lookup.Touched.class);
        long moved = IDLE.plus(RedisSessionStore.RETAIN).plus(IDLE.dividedBy(8)).toMillis();
        String index = prefix + "i" + SlotTags.of(SessionRoute.of("stmarys", "usr_6")) + "stmarys";
        assertThat(pttl(store.keyOfSession(s.id()))).isGreaterThan(moved - 60_000);
        assertThat(pttl(index)).isGreaterThan(moved - 60_000);
        List<ScoredValue<String>> entries = redis.call(r -> r.zrangeWithScores(index, 0, -1));
        assertThat(entries).hasSize(1);
        assertThat((long) entries.get(0).getScore() * 1000).as("the index keeps the entry no shorter than the keys")
                .isGreaterThanOrEqualTo(now.plus(IDLE).plus(RedisSessionStore.RETAIN).toEpochMilli());
    }

    @ParameterizedTest
    @ValueSource(strings = {"standalone", "cluster"})
    void belowTheLimitALoginReadsNoOtherSession(String which) {
        on(which);
        if (which.equals("cluster")) {
            return; // INFO commandstats of one node
        }
        admit(session("stmarys", "usr_7"), 3);
        admit(session("stmarys", "usr_7"), 3);
        redis.call(r -> r.configResetstat());
        admit(session("stmarys", "usr_7"), 3);
        assertThat(commandCalls("hgetall")).isZero();

        // At the limit the records are read, and the oldest is evicted.
        Session fourth = session("stmarys", "usr_7");
        String token = SessionRoute.newToken(fourth.id());
        Admission a = store.admit(fourth, Secrets.sha256Hex(token), IDLE, 3, Policy.OnLimit.EVICT_OLDEST, now);
        assertThat(((Admission.Admitted) a).evicted()).hasSize(1);
        assertThat(commandCalls("hgetall")).isEqualTo(3);
    }

    @org.junit.jupiter.api.Test
    void atTheLimitALoginReadsOnlyTheSessionsThatMayBeLive() {
        on("standalone"); // INFO commandstats of one node
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 23; i++) {
            Session s = session("stmarys", "usr_8");
            admit(s, 3);
            ids.add(s.id());
            now = now.plusSeconds(1);
        }
        // 20 of the 23 were evicted, one by each login at the limit; their records stay RETAIN (the holder is told why).
        assertThat(store.live("stmarys", "usr_8", now, 100)).extracting(Session::id).containsExactlyElementsOf(ids.subList(20, 23));
        redis.call(r -> r.configResetstat());
        Session next = session("stmarys", "usr_8");
        String token = SessionRoute.newToken(next.id());
        Admission a = store.admit(next, Secrets.sha256Hex(token), IDLE, 3, Policy.OnLimit.EVICT_OLDEST, now);
        // The three live ones are read, not the 20 ended ones beside them (a login's cost grew with the user's logins).
        assertThat(commandCalls("hgetall")).isEqualTo(3);
        assertThat(((Admission.Admitted) a).evicted()).extracting(Session::id).containsExactly(ids.get(20));
        assertThat(store.live("stmarys", "usr_8", now, 100)).extracting(Session::id)
                .containsExactly(ids.get(21), ids.get(22), next.id());
    }

    @ParameterizedTest
    @ValueSource(strings = {"standalone", "cluster"})
    void aSessionKeptAliveByShortTouchesIsCountedAndEvictedAtTheLimit(String which) {
        // Admission reads only the entries whose score says "may be live": a session whose idle expiry slid by the
        // short way (record rewritten, index score left as it was) must still be among them once the others expired.
        on(which);
        Session s1 = session("stmarys", "usr_6");
        String t1 = admit(s1, 3);
        admit(session("stmarys", "usr_6"), 3);
        admit(session("stmarys", "usr_6"), 3);
        now = now.plus(Duration.ofMinutes(2));
        assertThat(touch(t1)).isInstanceOf(Lookup.Touched.class);
        now = now.plus(Duration.ofMinutes(29)); // the two others' idle expiry passed; s1's (slid to +32 min) not
        Session next = session("stmarys", "usr_6");
        Admission a = store.admit(next, Secrets.sha256Hex(SessionRoute.newToken(next.id())), IDLE, 1, Policy.OnLimit.EVICT_OLDEST, now);
        assertThat(((Admission.Admitted) a).evicted()).extracting(Session::id).containsExactly(s1.id());
        assertThat(store.live("stmarys", "usr_6", now, 10)).extracting(Session::id).containsExactly(next.id());
    }

    /** Commands run since the statistics were reset, scripts themselves and the statistics' own commands left out. */
    private long commandsBesideScripts() {
        return stats().entrySet().stream().filter(e -> !e.getKey().equals("evalsha") && !e.getKey().equals("eval") && !e.getKey().equals("fcall")
                && !e.getKey().startsWith("config") && !e.getKey().startsWith("info")).mapToLong(Map.Entry::getValue).sum();
    }

    private long commandCalls(String command) {
        return stats().getOrDefault(command, 0L);
    }

    private Map<String, Long> stats() {
        Map<String, Long> calls = new java.util.TreeMap<>();
        for (String line : redis.call(r -> r.info("commandstats")).lines().toList()) {
            if (line.startsWith("cmdstat_")) {
                String name = line.substring(8, line.indexOf(':'));
                String n = line.substring(line.indexOf("calls=") + 6);
                calls.put(name, Long.parseLong(n.substring(0, n.indexOf(','))));
            }
        }
        calls.keySet().removeIf(c -> c.startsWith("config") || c.startsWith("info"));
        return calls;
    }

    @ParameterizedTest
    @ValueSource(strings = {"standalone", "cluster"})
    void aTokenWhoseRouteIdOrSecretWasTamperedWithFindsNothing(String which) {
        on(which);
        Session s = session("stmarys", "usr_3");
        String token = admit(s, 3);
        SessionToken presented = SessionRoute.parse(token).orElseThrow();
        int other = (presented.route() + 1) % SessionRoute.COUNT;
        String moved = "ses_" + "%04x".formatted(other) + s.id().substring(8);

        assertThat(store.touch(new SessionToken(presented.hash(), other, Optional.of(moved)), null, now)).isInstanceOf(Lookup.Unknown.class);
        assertThat(store.findById(moved)).isEmpty();
        assertThat(store.findById("not-an-id")).isEmpty();
        // The real id with a secret of one's own: nothing is said of the session, not even its tenant.
        String forged = SessionRoute.newToken(s.id());
        assertThat(touch(forged)).isInstanceOf(Lookup.Unknown.class);
        assertThat(store.tenantOf(SessionRoute.parse(forged).orElseThrow())).isEmpty();
        assertThat(store.tenantOf(presented)).hasValue("stmarys");
        // The real secret under another id of the same route: the hash covers the id too.
        String otherId = "ses_" + s.id().substring(4, 8) + "0".repeat(24);
        String grafted = "wst_" + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(concat(
                java.util.HexFormat.of().parseHex(otherId.substring(4)),
                java.util.Arrays.copyOfRange(java.util.Base64.getUrlDecoder().decode(token.substring(4)), 14, 46)));
        assertThat(touch(grafted)).isInstanceOf(Lookup.Unknown.class);
        assertThat(store.findById(s.id()).orElseThrow().uses()).as("none of these was a use").isZero();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /**
     * A made-up secret under a real session id runs exactly the Redis commands that one under an unknown id runs (the
     * record's one field read, the pointer the token's hash would name), so that the answer's time says as little as
     * the answer (decision 0040).
     */
    @ParameterizedTest
    @ValueSource(strings = {"standalone", "cluster"})
    void aMadeUpTokenForARealIdCostsWhatOneForNoSessionCosts(String which) {
        on(which);
        if (which.equals("cluster")) {
            return; // INFO commandstats of one node
        }
        Session s = session("stmarys", "usr_10");
        String token = admit(s, 3);
        assertThat(store.rotate(s.id(), Secrets.sha256Hex(token), Secrets.sha256Hex(SessionRoute.newToken(s.id())), now,
                now.plusSeconds(30))).isTrue();
        String nobody = "ses_" + s.id().substring(4, 8) + "f".repeat(24);
        // Both scripts known to the server first (a first call is an EVAL more).
        store.tenantOf(SessionRoute.parse(token).orElseThrow());
        touch(token);

        for (boolean peek : new boolean[] {false, true}) {
            List<Map<String, Long>> seen = new ArrayList<>();
            for (String id : List.of(s.id(), nobody)) {
                SessionToken forged = SessionRoute.parse(SessionRoute.newToken(id)).orElseThrow();
                redis.call(r -> r.configResetstat());
                if (peek) {
                    assertThat(store.tenantOf(forged)).isEmpty();
                } else {
                    assertThat(store.touch(forged, null, now)).isInstanceOf(Lookup.Unknown.class);
                }
                seen.add(stats());
            }
            assertThat(seen.get(0)).as(peek ? "tenantOf" : "touch").isEqualTo(seen.get(1)).containsKeys("hget", "get");
        }
    }

    /**
     * However often a session's token rotates, its record keeps the same fixed size and no other key appears: the last
     * four replaced tokens are told apart (superseded, then revoked like the session), older ones are forgotten and
     * answer as a token nobody had (decision 0044).
     */
    @ParameterizedTest
    @ValueSource(strings = {"standalone", "cluster"})
    void aSessionInUseAllDayKeepsOneRecordOfFixedSizeAndTellsApartItsLastFourTokens(String which) {
        on(which);
        Session s = session("stmarys", "usr_12");
        List<String> tokens = new ArrayList<>(List.of(admit(s, 3)));
        List<String> before = keys();
        for (int i = 0; i < 48; i++) { // twelve hours at the default rotation every fifteen minutes
            now = now.plusSeconds(60);
            assertThat(touch(tokens.getLast())).isInstanceOf(Lookup.Touched.class);
            tokens.add(rotate(s, tokens.getLast()));
            assertThat((long) redis.call(r -> r.hstrlen(store.keyOfSession(s.id()), "h"))).isLessThanOrEqualTo(64);
        }
        assertThat(keys()).containsExactlyInAnyOrderElementsOf(before);
        assertThat(touch(tokens.get(47))).as("the previous one, in its grace").isInstanceOfSatisfying(Lookup.Touched.class,
                t -> assertThat(t.current()).isFalse());
        now = now.plusSeconds(31);
        assertThat(touch(tokens.getLast())).isInstanceOf(Lookup.Touched.class);
        assertThat(encoding(store.keyOfSession(s.id()))).isEqualTo("listpack");
        List<String> replaced = tokens.subList(0, 48);
        for (String old : replaced.subList(44, 48)) {
            assertThat(touch(old)).isInstanceOf(Lookup.Superseded.class);
        }
        for (String old : replaced.subList(0, 44)) {
            assertThat(touch(old)).isInstanceOf(Lookup.Unknown.class);
        }
        store.revoke(s.id(), "logout", now);
        for (String old : replaced.subList(44, 48)) {
            assertThat(touch(old)).isInstanceOf(Lookup.Revoked.class);
        }
        assertThat(touch(replaced.get(43))).isInstanceOf(Lookup.Unknown.class);
    }

    /**
     * With the realistic values of bench/redis-memory.sh (a Ward user id, an IPv4 address, a browser's user agent), a
     * record in any state of rotation takes the allocation of one that never rotated: issue 13's 400 bytes a session
     * hold once its token has rotated (decision 0044). Only in the grace of a rotation after the first may it be larger,
     * until its next use.
     */
    @ParameterizedTest
    @ValueSource(strings = {"standalone"})
    void aRotatedRecordTakesTheMemoryOfOneThatNeverRotated(String which) {
        on(which);
        String user = Secrets.newId("usr_");
        int route = SessionRoute.of("stmarys", user);
        Client client = new Client("203.0.113.77",
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36");
        Session s = new Session(SessionRoute.newSessionId(route), "stmarys", user, "clinician123456", List.of("provider"), 1, now,
                now, now.plus(IDLE), now.plus(Duration.ofHours(12)), 0, client, null, null, now, 0, false);
        String token = admit(s, 3);
        String key = store.keyOfSession(s.id());
        long fresh = memory(key);

        token = rotate(s, token);
        assertThat(memory(key)).as("in its first grace").isEqualTo(fresh);
        for (int i = 0; i < 6; i++) {
            now = now.plusSeconds(60);
            touch(token);
            token = rotate(s, token);
        }
        now = now.plusSeconds(60);
        touch(token);
        assertThat(memory(key)).as("after six rotations and a use past the grace").isEqualTo(fresh);
    }

    @ParameterizedTest
    @ValueSource(strings = {"standalone", "cluster"})
    void everyTokenASessionHadAnswersLikeTheSession(String which) {
        on(which);
        Session s = session("stmarys", "usr_11");
        List<String> tokens = new ArrayList<>(List.of(admit(s, 3)));
        for (int i = 0; i < 4; i++) {
            tokens.add(rotate(s, tokens.getLast()));
        }
        now = now.plusSeconds(31);
        for (String old : tokens.subList(0, tokens.size() - 1)) {
            assertThat(touch(old)).isInstanceOf(Lookup.Superseded.class);
            assertThat(store.tenantOf(SessionRoute.parse(old).orElseThrow())).hasValue("stmarys");
        }
        assertThat(touch(tokens.getLast())).isInstanceOf(Lookup.Touched.class);
        store.revoke(s.id(), "logout", now);
        for (String any : tokens) {
            assertThat(touch(any)).isInstanceOf(Lookup.Revoked.class);
        }
    }

    // ---- Sessions of the previous version (record layout 2), decision 0040 ----

    /** A session logged in on a node of the previous version: its token (of the earlier format). */
    private String admitOnLayout2(Layout2Sessions old, Session s) {
        String token = EarlierTokens.mint(SessionRoute.of(s.tenant(), s.userId()));
        old.admit(s, Secrets.sha256Hex(token), IDLE, 3, now);
        return token;
    }

    @ParameterizedTest
    @ValueSource(strings = {"standalone", "cluster"})
    void aTokenIssuedBeforeTheUpgradeKeepsWorkingUntilItsSessionEnds(String which) {
        on(which);
        Layout2Sessions old = new Layout2Sessions(redis, prefix);
        Session s = session("stmarys", "usr_20");
        String earlier = admitOnLayout2(old, s);
        int route = SessionRoute.of("stmarys", "usr_20");
        assertThat(keys()).contains(old.sessionKey(route, s.id()), old.tokenKey(route, Secrets.sha256Hex(earlier)));

        now = now.plusSeconds(10);
        Lookup.Touched t = (Lookup.Touched) touch(earlier);
        assertThat(t.current()).isTrue();
        assertThat(t.session()).isEqualTo(new Session(s.id(), s.tenant(), s.userId(), s.username(), s.roles(), s.aal(),
                s.createdAt(), now, now.plus(IDLE), s.absoluteExpiresAt(), 1, s.client(), null, null, s.rotatedAt(), 1, false));
        assertThat(keys()).as("rewritten in layout 3").contains(store.keyOfSession(s.id()))
                .doesNotContain(old.sessionKey(route, s.id()), prefix + "u{stmarys:usr_20}");
        assertThat(pttl(old.tokenKey(route, Secrets.sha256Hex(earlier)))).as("its pointer lives as long as the session may")
                .isGreaterThan(ABSOLUTE.minusMinutes(1).toMillis());
        assertThat(encoding(store.keyOfSession(s.id()))).isEqualTo("listpack");

        for (int i = 0; i < 3; i++) { // longer than the idle timeout it was stored with, in steady use
            now = now.plus(IDLE.minusMinutes(1));
            assertThat(touch(earlier)).isInstanceOf(Lookup.Touched.class);
        }

        // Its first rotation hands out a token of the current format; the earlier one has its grace, then is superseded.
        String next = rotate(s, earlier);
        assertThat(touch(next)).isInstanceOfSatisfying(Lookup.Touched.class, n -> assertThat(n.current()).isTrue());
        assertThat(touch(earlier)).isInstanceOfSatisfying(Lookup.Touched.class, n -> assertThat(n.current()).isFalse());
        now = now.plusSeconds(31);
        assertThat(touch(earlier)).isInstanceOf(Lookup.Superseded.class);
        String third = rotate(s, next);
        assertThat(touch(earlier)).isInstanceOf(Lookup.Superseded.class);
        assertThat(store.tenantOf(SessionRoute.parse(earlier).orElseThrow())).hasValue("stmarys");

        store.revoke(s.id(), "logout", now);
        assertThat(touch(earlier)).isInstanceOf(Lookup.Revoked.class);
        assertThat(touch(third)).isInstanceOf(Lookup.Revoked.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"standalone", "cluster"})
    void aSessionRotatedBeforeTheUpgradeKeepsItsPreviousTokenForItsGrace(String which) {
        on(which);
        Layout2Sessions old = new Layout2Sessions(redis, prefix);
        Session s = session("stmarys", "usr_21");
        String first = admitOnLayout2(old, s);
        String second = EarlierTokens.mint(SessionRoute.of("stmarys", "usr_21"));
        String third = EarlierTokens.mint(SessionRoute.of("stmarys", "usr_21"));
        old.rotate(s.id(), Secrets.sha256Hex(first), Secrets.sha256Hex(second), now, now.plusSeconds(5));
        old.rotate(s.id(), Secrets.sha256Hex(second), Secrets.sha256Hex(third), now, now.plusSeconds(30));

        assertThat(touch(second)).isInstanceOfSatisfying(Lookup.Touched.class, t -> assertThat(t.current()).isFalse());
        assertThat(touch(third)).isInstanceOfSatisfying(Lookup.Touched.class, t -> assertThat(t.current()).isTrue());
        assertThat(touch(first)).as("older than the previous one").isInstanceOf(Lookup.Superseded.class);
        now = now.plusSeconds(31);
        assertThat(touch(second)).isInstanceOf(Lookup.Superseded.class);
        assertThat(store.findById(s.id()).orElseThrow().uses()).isEqualTo(2);
    }

    @ParameterizedTest
    @ValueSource(strings = {"standalone", "cluster"})
    void sessionsOfThePreviousVersionAreSeenByEveryPathBeforeTheirTokenIsUsed(String which) {
        on(which);
        Layout2Sessions old = new Layout2Sessions(redis, prefix);
        Session a = session("stmarys", "usr_30");
        String tokenA = admitOnLayout2(old, a);
        now = now.plusSeconds(1);
        Session b = session("stmarys", "usr_30");
        String tokenB = admitOnLayout2(old, b);
        now = now.plusSeconds(1);
        Session c = session("stmarys", "usr_31");
        admitOnLayout2(old, c);
        Session d = session("stmarys", "usr_32");
        admitOnLayout2(old, d);
        Session e = session("stmarys", "usr_33");
        String tokenE = admitOnLayout2(old, e);

        assertThat(store.findById(a.id())).hasValue(a);
        assertThat(new RedisAttributeStore(redis, store, prefix).put(c.id(), "k", "v", now, 64)).isTrue();
        assertThat(store.live("stmarys", "usr_30", now, 10)).extracting(Session::id).containsExactly(a.id(), b.id());
        assertThat(store.liveCounts(Set.of("stmarys"), now)).hasValue(Map.of("stmarys", 5L));
        assertThat(store.live("stmarys", null, now, 10)).extracting(Session::id)
                .containsExactlyInAnyOrder(a.id(), b.id(), c.id(), d.id(), e.id());
        assertThat(keys()).as("nothing of layout 2 is left but the tokens' pointers")
                .noneMatch(k -> k.contains(":s{") || k.contains(":u{") || k.contains(":ti:"));

        assertThat(store.revoke(a.id(), "admin", now)).isTrue();
        assertThat(touch(tokenA)).isInstanceOf(Lookup.Revoked.class);
        assertThat(store.revokeAllOfUser("stmarys", "usr_30", null, "password_change", now)).extracting(Session::id)
                .containsExactly(b.id());
        assertThat(touch(tokenB)).isInstanceOf(Lookup.Revoked.class);
        // The limit counts a session of the previous version like any other.
        Session f = session("stmarys", "usr_33");
        String tokenF = SessionRoute.newToken(f.id());
        Admission admitted = store.admit(f, Secrets.sha256Hex(tokenF), IDLE, 1, Policy.OnLimit.EVICT_OLDEST, now);
        assertThat(((Admission.Admitted) admitted).evicted()).extracting(Session::id).containsExactly(e.id());
        assertThat(touch(tokenE)).isInstanceOf(Lookup.Revoked.class);
        assertThat(touch(tokenF)).isInstanceOf(Lookup.Touched.class);
        assertThat(store.delete(d.id())).isTrue();
        assertThat(store.findById(d.id())).isEmpty();
    }

    /**
     * A session rotated by a node of the version before decision 0044 (U, p, o, w as fields; a key for each token older
     * than the previous one): its tokens answer as they did, the record is rewritten in the new form at its first use
     * past the grace, and the tokens that had a key of their own keep answering until it expires.
     */
    @ParameterizedTest
    @ValueSource(strings = {"standalone", "cluster"})
    void aSessionRotatedBeforeTheFixedSizeRecordKeepsEveryTokenItHad(String which) {
        on(which);
        Layout3Before0044Sessions old = new Layout3Before0044Sessions(redis, store, prefix);
        String user = Secrets.newId("usr_");
        int route = SessionRoute.of("stmarys", user);
        Session s = new Session(SessionRoute.newSessionId(route), "stmarys", user, "name", List.of("staff"), 1, now, now,
                now.plus(IDLE), now.plus(ABSOLUTE), 0, new Client("192.0.2.1", "test"), null, null, now, 0, false);
        List<String> tokens = new ArrayList<>(List.of(SessionRoute.newToken(s.id())));
        old.admit(s, Secrets.sha256Hex(tokens.getFirst()), IDLE, 3, now);
        for (int i = 0; i < 3; i++) {
            now = now.plusSeconds(1);
            String next = SessionRoute.newToken(s.id());
            old.rotate(s.id(), Secrets.sha256Hex(tokens.getLast()), Secrets.sha256Hex(next), now, now.plusSeconds(30));
            tokens.add(next);
        }
        String key = store.keyOfSession(s.id());
        assertThat(fields(key)).contains("U", "p", "o", "w");
        assertThat(keys()).filteredOn(k -> k.contains(":o{")).hasSize(2);

        assertThat(touch(tokens.get(2))).isInstanceOfSatisfying(Lookup.Touched.class, t -> assertThat(t.current()).isFalse());
        Lookup.Touched t = (Lookup.Touched) touch(tokens.get(3));
        assertThat(t.current()).isTrue();
        assertThat(t.session().userId()).isEqualTo(user);
        assertThat(t.session().client()).isEqualTo(s.client());
        assertThat(t.session().rotatedAt()).isEqualTo(now);
        assertThat(t.session().uses()).isEqualTo(2);
        for (String older : tokens.subList(0, 2)) {
            assertThat(touch(older)).isInstanceOf(Lookup.Superseded.class);
        }

        now = now.plusSeconds(31);
        assertThat(touch(tokens.get(3))).isInstanceOf(Lookup.Touched.class);
        assertThat(fields(key)).as("rewritten in the new form").doesNotContain("U", "p", "o", "w");
        assertThat((long) redis.call(r -> r.hstrlen(key, "h"))).isEqualTo(36);
        Session read = store.findById(s.id()).orElseThrow();
        assertThat(read.userId()).isEqualTo(user);
        assertThat(read.client()).isEqualTo(s.client());
        assertThat(read.rotatedAt()).isEqualTo(now.minusSeconds(31));
        for (String replaced : tokens.subList(0, 3)) {
            assertThat(touch(replaced)).isInstanceOf(Lookup.Superseded.class);
            assertThat(store.tenantOf(SessionRoute.parse(replaced).orElseThrow())).hasValue("stmarys");
        }
        String fifth = rotate(s, tokens.get(3));
        assertThat(touch(fifth)).isInstanceOf(Lookup.Touched.class);
        assertThat(touch(tokens.get(3))).isInstanceOfSatisfying(Lookup.Touched.class, n -> assertThat(n.current()).isFalse());
        assertThat(touch(SessionRoute.newToken(s.id()))).isInstanceOf(Lookup.Unknown.class);
        store.revoke(s.id(), "logout", now);
        for (String any : tokens) {
            assertThat(touch(any)).isInstanceOf(Lookup.Revoked.class);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"standalone", "cluster"})
    void aSessionOfThePreviousVersionIsRewrittenOnceWhateverMeetsItFirst(String which) {
        on(which);
        Layout2Sessions old = new Layout2Sessions(redis, prefix);
        Session s = session("stmarys", "usr_40");
        String token = admitOnLayout2(old, s);
        // Its user's index and then its token meet it; neither the second contact nor the tenant's sweep changes it again.
        assertThat(store.live("stmarys", "usr_40", now, 10)).containsExactly(s);
        assertThat(touch(token)).isInstanceOf(Lookup.Touched.class);
        assertThat(store.live("stmarys", null, now, 10)).extracting(Session::uses).containsExactly(1L);
        assertThat(store.findById(s.id()).orElseThrow().uses()).isEqualTo(1);
        assertThat(store.liveCounts(Set.of("stmarys"), now)).hasValue(Map.of("stmarys", 1L));
    }

    /**
     * A layout-2 record that no script can read (a field missing, a hash that is not 64 hex digits: corrupted, or restored
     * half-written) used to fail every script that met it, for as long as its TTL ran: its user could not sign in, and
     * the tenant's listings, cleanup and the /metrics counts (of every tenant) answered 503. It is dropped instead, a
     * session nobody could use; the tenant's other sessions, upgraded alongside, are unharmed (attack13).
     */
    @ParameterizedTest
    @ValueSource(strings = {"standalone", "cluster"})
    void aLayout2RecordNoScriptCanReadIsDroppedInsteadOfFailingEveryReadThatMeetsIt(String which) {
        on(which);
        Layout2Sessions old = new Layout2Sessions(redis, prefix);
        Session good = session("stmarys", "usr_50");
        String goodToken = admitOnLayout2(old, good);
        Map<String, java.util.function.Consumer<String>> garbles = new java.util.LinkedHashMap<>();
        garbles.put("usr_51", key -> redis.call(r -> r.hdel(key, "h")));
        garbles.put("usr_52", key -> redis.call(r -> r.hset(key, "h", "zz" + "0".repeat(62))));
        garbles.put("usr_53", key -> redis.call(r -> r.hdel(key, "m")));
        garbles.put("usr_54", key -> redis.call(r -> r.hset(key, "c", "yesterday")));
        List<Session> garbled = new ArrayList<>();
        List<String> garbledTokens = new ArrayList<>();
        for (var g : garbles.entrySet()) {
            Session s = session("stmarys", g.getKey());
            garbledTokens.add(admitOnLayout2(old, s));
            g.getValue().accept(old.sessionKey(SessionRoute.of("stmarys", g.getKey()), s.id()));
            garbled.add(s);
        }

        assertThat(store.live("stmarys", null, now, 10)).extracting(Session::id).containsExactly(good.id());
        assertThat(store.liveCounts(Set.of("stmarys"), now)).hasValue(Map.of("stmarys", 1L));
        for (int i = 0; i < garbled.size(); i++) {
            Session s = garbled.get(i);
            assertThat(store.findById(s.id())).isEmpty();
            assertThat(touch(garbledTokens.get(i))).isInstanceOf(Lookup.Unknown.class);
            // Its user signs in again, as anyone whose session is gone.
            Session again = session("stmarys", s.userId());
            assertThat(store.admit(again, Secrets.sha256Hex(SessionRoute.newToken(again.id())), IDLE, 3,
                    Policy.OnLimit.EVICT_OLDEST, now)).isInstanceOf(Admission.Admitted.class);
        }
        assertThat(touch(goodToken)).isInstanceOf(Lookup.Touched.class);
        assertThat(keys()).as("nothing of layout 2 is left but the good token's pointer")
                .noneMatch(k -> k.contains(":s{") || k.contains(":ti:"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"standalone", "cluster"})
    void aGarbledLayout2RecordMetByItsUserFirstIsDroppedToo(String which) {
        on(which);
        Layout2Sessions old = new Layout2Sessions(redis, prefix);
        Session s = session("stmarys", "usr_55");
        admitOnLayout2(old, s);
        redis.call(r -> r.hdel(old.sessionKey(SessionRoute.of("stmarys", "usr_55"), s.id()), "x"));
        assertThat(store.live("stmarys", "usr_55", now, 10)).isEmpty();
        Session again = session("stmarys", "usr_55");
        String token = SessionRoute.newToken(again.id());
        assertThat(store.admit(again, Secrets.sha256Hex(token), IDLE, 1, Policy.OnLimit.REJECT, now))
                .isInstanceOf(Admission.Admitted.class);
        assertThat(touch(token)).isInstanceOf(Lookup.Touched.class);
    }
}
