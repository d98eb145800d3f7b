package dev.ward.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.session.Admission;
import dev.ward.session.Client;
import dev.ward.session.Lookup;
import dev.ward.session.Session;
import dev.ward.session.SessionRoute;
import dev.ward.tenant.Policy;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanIterator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What only the Redis store promises, on a real standalone server and a real 3-master cluster: the key
 * layout routes by the token (one slot per user), every key expires, the per-user index stays bounded, and
 * scripts survive a server that forgot them. The behaviour shared with SQL is the contract suites' (ward-store-sql).
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
        store = new RedisSessionStore(redis, prefix);
    }

    private Session session(String tenant, String user) {
        int route = SessionRoute.of(tenant, user);
        return new Session(SessionRoute.newSessionId(route), tenant, user, "name-" + user, List.of("staff"), 1, now, now,
                now.plus(IDLE), now.plus(ABSOLUTE), 0, new Client("192.0.2.1", "test"), null, null, now, 0, false);
    }

    private Admission admit(Session s, String tokenHash, int max) {
        return store.admit(s, tokenHash, IDLE, max, Policy.OnLimit.EVICT_OLDEST, now);
    }

    private List<String> keys() {
        return redis.call(r -> {
            List<String> keys = new ArrayList<>();
            ScanIterator.scan(r, ScanArgs.Builder.matches(prefix + "*")).forEachRemaining(keys::add);
            return keys;
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"standalone", "cluster"})
    void everyKeyOfAUserIsInTheSlotItsTokenNames(String which) {
        on(which);
        Session s = session("stmarys", "usr_" + UUID.randomUUID());
        assertThat(admit(s, "a".repeat(64), 3)).isInstanceOf(Admission.Admitted.class);
        new RedisAttributeStore(redis, store, prefix).put(s.id(), "k", "v", now, 64);

        int route = SessionRoute.of(s.tenant(), s.userId());
        List<String> keys = keys();
        assertThat(keys).hasSize(6); // session, token, attributes, user index, tenant index, tenants
        for (String key : keys) {
            if (!key.contains(":ti:") && !key.endsWith(":tenants")) {
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
        admit(s, "a".repeat(64), 3);
        new RedisAttributeStore(redis, store, prefix).put(s.id(), "k", "v", now, 64);
        now = now.plusSeconds(60);
        store.touch("a".repeat(64), SessionRoute.of("stmarys", "usr_1"), null, now);
        store.rotate(s.id(), "a".repeat(64), "b".repeat(64), now, now.plusSeconds(30));

        for (String key : keys()) {
            long ttl = pttl(key);
            if (key.contains(":ti:") || key.endsWith(":tenants")) {
                assertThat(ttl).as("tenant-wide index %s is trimmed, not expired", key).isEqualTo(-1);
            } else {
                // RETAIN after the idle expiry, plus the slack that spares validations most TTL moves (an eighth of it).
                assertThat(ttl).as(key).isPositive().isLessThanOrEqualTo(IDLE.plus(RedisSessionStore.RETAIN).plus(IDLE.dividedBy(8)).toMillis());
            }
        }

        store.revoke(s.id(), "logout", now);
        for (String key : keys()) {
            if (!key.contains(":ti:") && !key.endsWith(":tenants")) {
                assertThat(pttl(key)).as(key).isPositive().isLessThanOrEqualTo(RedisSessionStore.RETAIN.toMillis());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"standalone", "cluster"})
    void theUserIndexNeverOutgrowsTheLimit(String which) {
        on(which);
        String index = prefix + "u{stmarys:usr_9}";
        for (int i = 0; i < 40; i++) {
            admit(session("stmarys", "usr_9"), "%064d".formatted(i), 3);
            assertThat(zcard(index)).isLessThanOrEqualTo(3);
        }
        // Sessions that simply expire leave the index at the next script that reads it.
        now = now.plus(IDLE).plusSeconds(1);
        admit(session("stmarys", "usr_9"), "f".repeat(64), 3);
        assertThat(zcard(index)).isEqualTo(1);
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
        admit(s, "c".repeat(64), 3);
        redis.call(r -> r.scriptFlush());

        Lookup l = store.touch("c".repeat(64), SessionRoute.of("stmarys", "usr_2"), null, now.plusSeconds(1));
        assertThat(l).isInstanceOf(Lookup.Touched.class);
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
        admit(s, "e".repeat(64), 3);

        Lookup.Touched t = (Lookup.Touched) store.touch("e".repeat(64), route, null, now);
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

    private String encoding(String key) {
        return redis.call(r -> r.objectEncoding(key));
    }

    @ParameterizedTest
    @ValueSource(strings = {"standalone", "cluster"})
    void aValidationRunsThreeCommandsAndMovesTtlsOnlyOnceTheSlackIsUsedUp(String which) {
        on(which);
        if (which.equals("cluster")) {
            return; // INFO commandstats of one node; the standalone server shows the same scripts
        }
        Session s = session("stmarys", "usr_6");
        admit(s, "f".repeat(64), 3);
        int route = SessionRoute.of("stmarys", "usr_6");
        long ttl = pttl(store.keyOfSession(s.id()));

        redis.call(r -> r.configResetstat());
        for (int i = 1; i <= 10; i++) {
            assertThat(store.touch("f".repeat(64), route, null, now.plusSeconds(i))).isInstanceOf(Lookup.Touched.class);
        }
        assertThat(commandsBesideScripts()).isEqualTo(30); // GET, HGETALL, HSET each
        assertThat(pttl(store.keyOfSession(s.id()))).as("the TTL did not move").isLessThanOrEqualTo(ttl);

        // Past an eighth of the idle timeout of use, the next validation moves every TTL of the session again.
        Instant later = now.plus(IDLE.dividedBy(8)).plusSeconds(1);
        assertThat(store.touch("f".repeat(64), route, null, later)).isInstanceOf(Lookup.Touched.class);
        long moved = IDLE.plus(RedisSessionStore.RETAIN).plus(IDLE.dividedBy(8)).toMillis();
        assertThat(pttl(store.keyOfSession(s.id()))).isGreaterThan(moved - 60_000);
        assertThat(pttl(prefix + "u{stmarys:usr_6}")).isGreaterThan(moved - 60_000);
        Double score = redis.call(r -> r.zscore(prefix + "u{stmarys:usr_6}", s.id()));
        assertThat(score.longValue()).as("the index scores no earlier than the idle expiry")
                .isGreaterThanOrEqualTo(later.plus(IDLE).toEpochMilli());
    }

    @ParameterizedTest
    @ValueSource(strings = {"standalone", "cluster"})
    void belowTheLimitALoginReadsNoOtherSession(String which) {
        on(which);
        if (which.equals("cluster")) {
            return; // INFO commandstats of one node
        }
        admit(session("stmarys", "usr_7"), "1".repeat(64), 3);
        admit(session("stmarys", "usr_7"), "2".repeat(64), 3);
        redis.call(r -> r.configResetstat());
        admit(session("stmarys", "usr_7"), "3".repeat(64), 3);
        assertThat(commandCalls("hgetall")).isZero();

        // At the limit the records are read, and the oldest is evicted.
        Admission a = admit(session("stmarys", "usr_7"), "4".repeat(64), 3);
        assertThat(((Admission.Admitted) a).evicted()).hasSize(1);
        assertThat(commandCalls("hgetall")).isEqualTo(3);
    }

    /** Commands run since the statistics were reset, scripts themselves and the statistics' own commands left out. */
    private long commandsBesideScripts() {
        return stats().entrySet().stream().filter(e -> !e.getKey().equals("evalsha") && !e.getKey().equals("eval")
                && !e.getKey().startsWith("config") && !e.getKey().startsWith("info")).mapToLong(java.util.Map.Entry::getValue).sum();
    }

    private long commandCalls(String command) {
        return stats().getOrDefault(command, 0L);
    }

    private java.util.Map<String, Long> stats() {
        java.util.Map<String, Long> calls = new java.util.TreeMap<>();
        for (String line : redis.call(r -> r.info("commandstats")).lines().toList()) {
            if (line.startsWith("cmdstat_")) {
                String name = line.substring(8, line.indexOf(':'));
                String n = line.substring(line.indexOf("calls=") + 6);
                calls.put(name, Long.parseLong(n.substring(0, n.indexOf(','))));
            }
        }
        return calls;
    }

    @ParameterizedTest
    @ValueSource(strings = {"standalone", "cluster"})
    void aTokenWhoseRouteWasTamperedWithFindsNothing(String which) {
        on(which);
        Session s = session("stmarys", "usr_3");
        admit(s, "d".repeat(64), 3);
        int route = SessionRoute.of("stmarys", "usr_3");

        assertThat(store.touch("d".repeat(64), (route + 1) % SessionRoute.COUNT, null, now)).isInstanceOf(Lookup.Unknown.class);
        assertThat(store.findById("ses_" + "%04x".formatted((route + 1) % SessionRoute.COUNT) + s.id().substring(8))).isEmpty();
        assertThat(store.findById("not-an-id")).isEmpty();
    }
}
