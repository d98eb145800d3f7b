package dev.ward.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.crypto.Secrets;
import dev.ward.session.Client;
import dev.ward.session.Lookup;
import dev.ward.session.Session;
import dev.ward.session.SessionRoute;
import dev.ward.tenant.Policy;
import io.lettuce.core.ScriptOutputType;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Ward's scripts as functions of one Redis library (decision 0046): what a validation sends, the library loaded again
 * where Redis lost it, scripts where Redis may not run functions, and the validation's short way (touchCurrent in
 * common.lua) answering and storing exactly what the full way of touch.lua would, for sessions of every shape.
 */
class RedisFunctionsTest {
    private static final Duration IDLE = Duration.ofMinutes(30);
    private static RedisServers standalone;
    private static RedisConnection redis;
    private final String prefix = "ward-fn:" + UUID.randomUUID() + ":";
    private Instant now = Instant.parse("2026-12-07T10:00:00Z");

    @BeforeAll
    static void startRedis() {
        standalone = RedisServers.standalone("RedisFunctionsTest");
        redis = RedisConnection.open(RedisEndpoint.parse(standalone.url()));
    }

    @AfterAll
    static void stopRedis() throws Exception {
        if (redis != null) {
            redis.close();
        }
        if (standalone != null) {
            standalone.close();
        }
    }

    private RedisSessionStore store(RedisConnection connection) {
        return new RedisSessionStore(connection, prefix, 0, Clock.fixed(now, ZoneOffset.UTC));
    }

    private Session session(String user, List<String> roles, Client client) {
        int route = SessionRoute.of("stmarys", user);
        return new Session(SessionRoute.newSessionId(route), "stmarys", user, "name-" + user, roles, 1, now, now,
                now.plus(IDLE), now.plus(Duration.ofHours(12)), 0, client, null, null, now, 0, false);
    }

    private static String admit(RedisSessionStore store, Session s, Instant now) {
        String token = SessionRoute.newToken(s.id());
        store.admit(s, Secrets.sha256Hex(token), IDLE, 5, Policy.OnLimit.EVICT_OLDEST, now);
        return token;
    }

    private Map<String, Long> calls() {
        Map<String, Long> calls = new TreeMap<>();
        for (String line : redis.call(r -> r.info("commandstats")).lines().toList()) {
            if (line.startsWith("cmdstat_")) {
                String n = line.substring(line.indexOf("calls=") + 6);
                calls.put(line.substring(8, line.indexOf(':')), Long.parseLong(n.substring(0, n.indexOf(','))));
            }
        }
        return calls;
    }

    @Test
    void aValidationIsOneFunctionCallAndALostLibraryIsLoadedAgain() {
        RedisSessionStore store = store(redis);
        Session s = session("usr_" + "a1".repeat(12), List.of("provider"), new Client("192.0.2.7", "Mozilla/5.0"));
        String token = admit(store, s, now);
        redis.call(r -> r.configResetstat());
        for (int i = 1; i <= 5; i++) {
            assertThat(store.touch(SessionRoute.parse(token).orElseThrow(), "stmarys", now.plusSeconds(i)))
                    .isInstanceOf(Lookup.Touched.class);
        }
        Map<String, Long> calls = calls();
        assertThat(calls.get("fcall")).isEqualTo(5);
        assertThat(calls).doesNotContainKeys("evalsha", "eval");
        List<Map<String, Object>> libraries = redis.call(r -> r.functionList("ward_" + RedisScripts.VERSION));
        assertThat(libraries).hasSize(1);

        // Redis restarted empty, failed over to a replica without it, or FUNCTION FLUSH: loaded again, once.
        redis.call(r -> r.functionFlush(io.lettuce.core.FlushMode.SYNC));
        redis.call(r -> r.configResetstat());
        assertThat(store.touch(SessionRoute.parse(token).orElseThrow(), "stmarys", now.plusSeconds(6)))
                .isInstanceOf(Lookup.Touched.class);
        assertThat(calls()).containsEntry("function|load", 1L).containsEntry("fcall", 2L).doesNotContainKeys("evalsha", "eval");
    }

    @Test
    void callsThatAllFindTheLibraryMissingLoadItOnce() throws Exception {
        RedisSessionStore store = store(redis);
        int callers = 32;
        List<String> tokens = new java.util.ArrayList<>();
        for (int i = 0; i < callers; i++) {
            Session s = session("usr_" + "%024x".formatted(0xf00 + i), List.of("provider"), new Client("192.0.2.14", "curl/8"));
            tokens.add(admit(store, s, now));
        }
        redis.call(r -> r.functionFlush(io.lettuce.core.FlushMode.SYNC));
        redis.call(r -> r.configResetstat());
        java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(callers);
        try {
            List<java.util.concurrent.Future<Lookup>> answers = new java.util.ArrayList<>();
            for (String token : tokens) {
                answers.add(pool.submit(() -> {
                    start.await();
                    return store.touch(SessionRoute.parse(token).orElseThrow(), "stmarys", now.plusSeconds(1));
                }));
            }
            start.countDown();
            for (var answer : answers) {
                assertThat(answer.get(30, java.util.concurrent.TimeUnit.SECONDS)).isInstanceOf(Lookup.Touched.class);
            }
        } finally {
            pool.shutdownNow();
        }
        Map<String, Long> calls = calls();
        assertThat(calls).as("every call in flight found it missing; one loaded it").containsEntry("function|load", 1L)
                .doesNotContainKeys("evalsha", "eval");
        assertThat(calls.get("fcall")).isBetween((long) callers, 2L * callers);
    }

    @Test
    void aRedisAtMaxmemoryStillReadsAndDeletesAsItDidWithScripts() {
        RedisSessionStore store = store(redis);
        Session s = session("usr_" + "f6".repeat(12), List.of("provider"), new Client("192.0.2.15", "curl/8"));
        String token = admit(store, s, now);
        // Full (noeviction, the default policy): a function that may write is refused before it runs, a script only at
        // a command that adds to memory. Reading a session and deleting one (which frees memory) worked with scripts.
        redis.call(r -> r.configSet("maxmemory", "1"));
        try {
            assertThat(store.findById(s.id())).as("read").isPresent();
            assertThat(store.tenantOf(SessionRoute.parse(token).orElseThrow())).as("peek").contains("stmarys");
            assertThat(store.delete(s.id())).as("deleted").isTrue();
        } finally {
            redis.call(r -> r.configSet("maxmemory", "0"));
        }
        assertThat(store.findById(s.id())).isEmpty();
        assertThat(redis.functions()).isTrue();

        // Full, and the library lost too (Redis takes no FUNCTION LOAD at maxmemory): read as a script all the same.
        Session other = session("usr_" + "f7".repeat(12), List.of("provider"), new Client("192.0.2.19", "curl/8"));
        String otherToken = admit(store, other, now);
        redis.call(r -> r.functionFlush(io.lettuce.core.FlushMode.SYNC));
        redis.call(r -> r.configSet("maxmemory", "1"));
        try {
            assertThat(store.findById(other.id())).as("read, library missing").isPresent();
        } finally {
            redis.call(r -> r.configSet("maxmemory", "0"));
        }
        assertThat(store.touch(SessionRoute.parse(otherToken).orElseThrow(), "stmarys", now.plusSeconds(1)))
                .isInstanceOf(Lookup.Touched.class);
        assertThat(redis.functions()).isTrue();
    }

    @Test
    void pipelinedCallsThatFindTheLibraryMissingAreRunOneByOneAndLoadIt() {
        RedisSessionStore store = store(redis);
        Session a = session("usr_" + "8b".repeat(12), List.of("staff"), new Client("192.0.2.17", "curl/8"));
        Session b = session("usr_" + "9c".repeat(12), List.of("staff"), new Client("192.0.2.18", "curl/8"));
        admit(store, a, now);
        admit(store, b, now);
        redis.call(r -> r.functionFlush(io.lettuce.core.FlushMode.SYNC));
        redis.call(r -> r.configResetstat());
        int ended = store.reapply(List.of(new dev.ward.session.SessionRevocations.Revoked(a.id(), "logout"),
                new dev.ward.session.SessionRevocations.Revoked(b.id(), "logout")), "generation-1", now.plusSeconds(1));
        assertThat(ended).isEqualTo(2);
        assertThat(store.findById(a.id()).orElseThrow().revokedAt()).isNotNull();
        assertThat(store.findById(b.id()).orElseThrow().revokedAt()).isNotNull();
        assertThat(calls()).containsEntry("function|load", 1L).doesNotContainKeys("evalsha", "eval");
    }

    @Test
    void whereRedisMayNotCallFunctionsTheScriptsRunByEvalsha() {
        String user = "nofn" + UUID.randomUUID().toString().substring(0, 8);
        redis.call(r -> r.aclSetuser(user, io.lettuce.core.AclSetuserArgs.Builder.on().addPassword("pw-" + user)
                .allKeys().allChannels().allCommands().removeCommand(io.lettuce.core.protocol.CommandType.FCALL)
                .removeCommand(io.lettuce.core.protocol.CommandType.FUNCTION)));
        URI url = URI.create(standalone.url());
        String limited = "redis://" + user + ":pw-" + user + "@" + url.getHost() + ":" + url.getPort();
        try (RedisConnection connection = RedisConnection.open(RedisEndpoint.parse(limited))) {
            RedisSessionStore store = store(connection);
            Session s = session("usr_" + "b2".repeat(12), List.of("provider"), new Client("192.0.2.8", "curl/8"));
            String token = admit(store, s, now);
            Lookup touched = store.touch(SessionRoute.parse(token).orElseThrow(), "stmarys", now.plusSeconds(1));
            assertThat(touched).isInstanceOf(Lookup.Touched.class);
            assertThat(((Lookup.Touched) touched).session().uses()).isEqualTo(1);
            assertThat(connection.functions()).as("falls back to scripts for good").isFalse();
        }
    }

    @Test
    void aMasterGoneFromAClusterDoesNotKeepTheOthersFromLoadingTheLibrary() {
        try (RedisServers cluster = RedisServers.cluster("RedisFunctionsTest cluster")) {
            int gone = cluster.joinEmptyMaster();
            try (RedisConnection connection = RedisConnection.open(RedisEndpoint.parse(cluster.url()))) {
                RedisSessionStore store = store(connection);
                Session s = session("usr_" + "c3".repeat(12), List.of("provider"), new Client("192.0.2.11", "curl/8"));
                String token = admit(store, s, now);
                // That master crashes (its place in the node table stays, as a failed-over one's does) and this version's
                // library is missing from the live ones: a Ward upgrade, or Redis restarted without persistence.
                cluster.kill(gone);
                for (int port : cluster.ports()) {
                    try (RedisConnection node = RedisConnection.open(RedisEndpoint.parse("redis://127.0.0.1:" + port))) {
                        node.call(r -> r.functionFlush(io.lettuce.core.FlushMode.SYNC));
                    }
                }
                Lookup touched = store.touch(SessionRoute.parse(token).orElseThrow(), "stmarys", now.plusSeconds(1));
                assertThat(touched).isInstanceOf(Lookup.Touched.class);
                assertThat(((Lookup.Touched) touched).session().uses()).isEqualTo(1);
                assertThat(connection.functions()).isTrue();
            }
        }
    }

    @Test
    void aCallRefusedItsKeysDoesNotTurnTheNodeToScriptsForGood() {
        String user = "keys" + UUID.randomUUID().toString().substring(0, 8);
        // An ACL whose key pattern does not cover this prefix: FCALL is refused its keys, as EVALSHA would be.
        redis.call(r -> r.aclSetuser(user, io.lettuce.core.AclSetuserArgs.Builder.on().addPassword("pw-" + user)
                .keyPattern("elsewhere:*").allChannels().allCommands()));
        URI url = URI.create(standalone.url());
        String limited = "redis://" + user + ":pw-" + user + "@" + url.getHost() + ":" + url.getPort();
        try (RedisConnection connection = RedisConnection.open(RedisEndpoint.parse(limited))) {
            Session s = session("usr_" + "d4".repeat(12), List.of("provider"), new Client("192.0.2.12", "curl/8"));
            String token = admit(store(redis), s, now);
            RedisSessionStore store = store(connection);
            org.assertj.core.api.Assertions.assertThatThrownBy(
                    () -> store.touch(SessionRoute.parse(token).orElseThrow(), "stmarys", now.plusSeconds(1)))
                    .isInstanceOf(dev.ward.problem.StoreUnavailableException.class);
            assertThat(connection.functions()).as("still calls functions").isTrue();
            // The operator mends the ACL: calls are functions again, not scripts until a restart.
            redis.call(r -> r.aclSetuser(user, io.lettuce.core.AclSetuserArgs.Builder.allKeys()));
            assertThat(store.touch(SessionRoute.parse(token).orElseThrow(), "stmarys", now.plusSeconds(2)))
                    .isInstanceOf(Lookup.Touched.class);
            assertThat(connection.functions()).isTrue();
        }
    }

    @Test
    void aFunctionThatFailsAfterWritingIsNotRunAgainAsAScript() {
        // A Redis that reports a command refused inside a function as NOPERM (compatible servers do; Redis 7 says
        // "ERR ... script: ..."): a stand-in for the touch function that writes, then fails so.
        RedisSessionStore store = store(redis);
        Session s = session("usr_" + "e5".repeat(12), List.of("provider"), new Client("192.0.2.13", "curl/8"));
        String token = admit(store, s, now);
        String ran = prefix + "ran";
        String standIn = "#!lua name=ward_" + RedisScripts.VERSION + "\n"
                + "redis.register_function('" + RedisScripts.load("touch").function() + "', function(keys, args) "
                + "redis.call('INCR', '" + ran + "') "
                + "return redis.error_reply(\"NOPERM User w has no permissions to run the 'pexpire' command script: touch, "
                + "on @user_function:40.\") end)\n";
        String numbers = numbersOf(store.keyOfSession(s.id()));
        try {
            redis.call(r -> r.functionLoad(standIn, true));
            org.assertj.core.api.Assertions.assertThatThrownBy(
                    () -> store.touch(SessionRoute.parse(token).orElseThrow(), "stmarys", now.plusSeconds(1)))
                    .isInstanceOf(dev.ward.problem.StoreUnavailableException.class);
            String runs = redis.call(r -> r.get(ran));
            assertThat(runs).isEqualTo("1");
            assertThat(numbersOf(store.keyOfSession(s.id()))).as("not touched by a script after it").isEqualTo(numbers);
            assertThat(redis.functions()).as("still calls functions").isTrue();
        } finally {
            redis.call(r -> r.functionLoad(RedisScripts.LIBRARY, true));
        }
    }

    /** Sessions of every shape touchCurrent reads: user ids, addresses, user agents and role lists of each form. */
    private List<Session> shapes() {
        String longAgent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
                + "Safari/537.36 " + "Ünïcødé 🙂".repeat(12);
        return List.of(
                session("usr_" + "0f".repeat(12), List.of("provider"), new Client("203.0.113.77", "Mozilla/5.0")),
                session("alice@stmarys.example", List.of("provider", "pharmacist-supervisor", "records_clerk",
                        "nurse-practitioner", "auditor"), new Client("2001:db8::7", longAgent)),
                session("usr_" + "1e".repeat(12), List.of(), new Client("", "")),
                session("clinician-7", List.of("staff"), new Client("198.51.100.004", "x")));
    }

    @Test
    void theShortWayAnswersAndStoresWhatTheFullWayWould() {
        RedisSessionStore store = store(redis);
        for (boolean rotated : new boolean[] {false, true}) {
            for (Session s : shapes()) {
                String token = admit(store, s, now);
                Instant at = now;
                if (rotated) { // a rotation's tail (o), its grace over and settled into the ring by a validation
                    String next = SessionRoute.newToken(s.id());
                    assertThat(store.rotate(s.id(), Secrets.sha256Hex(token), Secrets.sha256Hex(next), at.plusSeconds(1),
                            at.plusSeconds(31))).isTrue();
                    token = next;
                    at = at.plusSeconds(40);
                    assertThat(store.touch(SessionRoute.parse(token).orElseThrow(), null, at)).isInstanceOf(Lookup.Touched.class);
                }
                assertShortWayStoresWhatTheFullWayWould(store, s, token, at, rotated ? ", rotated" : "", true);
            }
        }
    }

    @Test
    void theShortWayAgreesWithTheFullWayAtTheEdges() {
        RedisSessionStore store = store(redis);
        Client client = new Client("192.0.2.16", "Mozilla/5.0");
        String user = "usr_" + "7a".repeat(12);
        int route = SessionRoute.of("stmarys", user);
        // A rotation pending (d), answered as it is.
        Session pending = new Session(SessionRoute.newSessionId(route), "stmarys", user, "n", List.of("staff"), 2, now, now,
                now.plus(IDLE), now.plus(Duration.ofHours(12)), 0, client, null, null, now, 0, true);
        assertShortWayStoresWhatTheFullWayWould(store, pending, admit(store, pending, now), now, ", rotation pending", true);
        // A node whose clock is behind the one that created the session: touched "before" it was created.
        Session behind = session(user, List.of("staff"), client);
        assertShortWayStoresWhatTheFullWayWould(store, behind, admit(store, behind, now), now.minusSeconds(30), ", clock behind",
                true);
        // Ten seconds from its absolute end: the idle expiry is that end.
        Session ending = new Session(SessionRoute.newSessionId(route), "stmarys", user, "n", List.of("staff"), 1, now, now,
                now.plusSeconds(10), now.plusSeconds(10), 0, client, null, null, now, 0, false);
        assertShortWayStoresWhatTheFullWayWould(store, ending, admit(store, ending, now), now, ", at its absolute end", true);
        // The keys' slack used up exactly (the TTLs need not move yet), and a millisecond past it (they must: the full way).
        Session slack = session(user, List.of("staff"), client);
        assertShortWayStoresWhatTheFullWayWould(store, slack, admit(store, slack, now), now.plus(IDLE.dividedBy(8)).minusSeconds(5),
                ", slack used up", true);
        Session past = session(user, List.of("staff"), client);
        assertShortWayStoresWhatTheFullWayWould(store, past, admit(store, past, now),
                now.plus(IDLE.dividedBy(8)).minusSeconds(5).plusMillis(1), ", slack passed", false);
    }

    @Test
    void aRecordWrittenBeforeDecision0044IsStoredAsTheFullWayWouldStoreIt() {
        RedisSessionStore store = store(redis);
        Layout3Before0044Sessions old = new Layout3Before0044Sessions(redis, store, prefix);
        // That version kept p as a field whatever the address, and a Ward user id as U: the short way takes only the one
        // whose fields the current form keeps as they are (an IPv6 address, another user id).
        for (Session s : List.of(
                session("clinician-9", List.of("staff"), new Client("192.0.2.9", "Mozilla/5.0")),
                session("clinician-10", List.of("staff"), new Client("2001:db8::a", "curl/8")),
                session("usr_" + "2d".repeat(12), List.of("staff"), new Client("192.0.2.10", "Mozilla/5.0")))) {
            String token = SessionRoute.newToken(s.id());
            old.admit(s, Secrets.sha256Hex(token), IDLE, 5, now);
            assertShortWayStoresWhatTheFullWayWould(store, s, token, now, ", stored before decision 0044",
                    s.userId().equals("clinician-10"));
        }
    }

    /** N's bytes in hex: read as text, two different invalid UTF-8 sequences would both read as U+FFFD. */
    private static String numbersOf(String key) {
        String hex = "return (redis.call('HGET', KEYS[1], 'N'):gsub('.', function(b) return string.format('%02x', b:byte()) end))";
        return redis.call(r -> r.<String>eval(hex, ScriptOutputType.VALUE, key));
    }

    /**
     * Touches the session's current token once (through the store), then runs the short way on its record (or, where it
     * must decline, the touch function) and the full way on a byte-identical copy, and requires the same answer and the
     * same stored N.
     */
    private void assertShortWayStoresWhatTheFullWayWould(RedisSessionStore store, Session s, String token, Instant at, String what,
                                                         boolean shortWayTaken) {
        String key = store.keyOfSession(s.id());
        // A copy of the record beside it (same slot) with its idle expiry stored as a field, at the value its
        // times imply: the same session, but one the short way leaves to the full way.
        String copy = key.substring(0, key.length() - 16) + "ZZZZ" + key.substring(key.length() - 12);
        Map<String, String> fields = redis.call(r -> r.hgetall(key));
        String hash = Secrets.sha256Hex(token);
        Instant later = at.plusSeconds(5);
        Session before = ((Lookup.Touched) store.touch(SessionRoute.parse(token).orElseThrow(), null, at.plusSeconds(1))).session();
        byte[] stored = redis.call(r -> r.dump(key)); // the record's values are bytes: copied as Redis stores them
        redis.call(r -> r.restore(copy, 0, stored));
        long idleAfterC = before.idleExpiresAt().toEpochMilli() - before.createdAt().toEpochMilli();
        redis.call(r -> r.hset(copy, "i", Long.toString(idleAfterC)));

        String[] args = {prefix, SlotTags.of(SessionRoute.ofSessionId(s.id()).getAsInt()), "900000",
                Long.toString(later.toEpochMilli()), "stmarys", s.id(), hash};
        String shortWay = RedisScripts.text("common") + "\nbegin(ARGV)\n"
                + "return touchCurrent(KEYS[1], redis.call('HGETALL', KEYS[1]), ARGV[6], ARGV[5]) or 'declined'";
        List<Object> fast;
        if (shortWayTaken) {
            fast = redis.call(r -> r.eval(shortWay, ScriptOutputType.MULTI, new String[] {key}, args));
        } else { // declining writes nothing: then the function, which runs the full way on the same read
            String declined = redis.call(r -> r.eval(shortWay, ScriptOutputType.VALUE, new String[] {key}, args));
            assertThat(declined).as("%s%s", s.userId(), what).isEqualTo("declined");
            fast = redis.call(r -> r.fcall(RedisScripts.load("touch").function(), ScriptOutputType.MULTI, new String[] {key}, args));
        }
        List<Object> full = redis.call(r -> r.fcall(RedisScripts.load("touch").function(), ScriptOutputType.MULTI,
                new String[] {copy}, args));
        assertThat(fast).as("%s%s", s.userId(), what).isEqualTo(full);
        String fastN = numbersOf(key);
        String fullN = numbersOf(copy);
        assertThat(fastN).as("N of %s%s", s.userId(), what).isEqualTo(fullN);
        assertThat(fields).isNotEmpty();
    }

    @Test
    void aReplicaStillAnswersReadsAsItDidWithScripts() throws Exception {
        // A function without the no-writes flag is refused by a read-only replica before it runs, where a script that
        // only reads ran there (RevocationReplicasTest reads a revocation back from the replica).
        try (RedisServers pair = RedisServers.primaryWithReplica("RedisFunctionsTest");
             RedisConnection primary = RedisConnection.open(RedisEndpoint.parse(pair.url()));
             RedisConnection replica = RedisConnection.open(RedisEndpoint.parse(pair.replicaUrl()))) {
            Session s = session("usr_" + "c3".repeat(12), List.of("provider"), new Client("192.0.2.9", "curl/8"));
            admit(store(primary), s, now);
            Long acknowledged = primary.call(r -> r.waitForReplication(1, 5_000));
            assertThat(acknowledged).isEqualTo(1L);
            assertThat(store(replica).findById(s.id())).as("the library replicated, refused as a write").isPresent();

            primary.call(r -> r.functionFlush(io.lettuce.core.FlushMode.SYNC));
            Long flushed = primary.call(r -> r.waitForReplication(1, 5_000));
            assertThat(flushed).isEqualTo(1L);
            assertThat(store(replica).findById(s.id())).as("no library anywhere, and a replica takes none").isPresent();
            assertThat(replica.functions()).as("the node keeps calling functions where it can").isTrue();
        }
    }
}
