package dev.ward.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.patient.PatientStore;
import dev.ward.crypto.Secrets;
import dev.ward.session.Client;
import dev.ward.session.Session;
import dev.ward.session.SessionRoute;
import dev.ward.tenant.Policy;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanIterator;
import io.lettuce.core.cluster.SlotHash;
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
 * What only the Redis patient store promises (issue 12 item 1), on a real server and a real 3-master cluster: a
 * session's context keys are in the session's own slot, carry TTL = the context's remaining life, and go in the same
 * script that ends the session. The behaviour shared with SQL is PatientContextsTest's (ward-store-sql).
 */
class RedisPatientStoreTest {
    private static final Duration IDLE = Duration.ofMinutes(30);
    private static RedisServers standalone;
    private static RedisServers cluster;
    private static RedisConnection standaloneConnection;
    private static RedisConnection clusterConnection;

    private RedisConnection redis;
    private RedisSessionStore sessions;
    private RedisPatientStore patients;
    private String prefix;
    private final Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);

    @BeforeAll
    static void startRedis() {
        standalone = RedisServers.standalone("RedisPatientStoreTest");
        cluster = RedisServers.cluster("RedisPatientStoreTest");
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
        sessions = new RedisSessionStore(redis, prefix);
        patients = new RedisPatientStore(redis, sessions, prefix);
    }

    private Session admitted(String user) {
        return admitted("hosp", user);
    }

    private Session admitted(String tenant, String user) {
        int route = SessionRoute.of(tenant, user);
        Session s = new Session(SessionRoute.newSessionId(route), tenant, user, "n-" + user, List.of("staff"), 1, now, now,
                now.plus(IDLE), now.plus(Duration.ofHours(12)), 0, new Client("192.0.2.1", "test"), null, null, now, 0, false);
        sessions.admit(s, Secrets.sha256Hex(SessionRoute.newToken(s.id())), IDLE, 10, Policy.OnLimit.EVICT_OLDEST, now);
        return s;
    }

    private List<String> keys(String pattern) {
        return redis.call(r -> {
            List<String> keys = new ArrayList<>();
            ScanIterator.scan(r, ScanArgs.Builder.matches(pattern).limit(1000)).forEachRemaining(keys::add);
            return keys;
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"standalone", "cluster"})
    void contextKeysLiveInTheSessionsSlotWithTtlOfTheirRemainingLife(String which) {
        on(which);
        Session s = admitted("usr_1");
        patients.open(s.id(), "p-1", now, IDLE, now.plus(Duration.ofHours(1)), false, 32);
        patients.write(s.id(), "p-1", "chart", "ward:v1:sealed", now, 64);

        List<String> patientKeys = keys(prefix + "p*");
        assertThat(patientKeys).hasSize(3);
        int slot = SlotHash.getSlot(sessions.keyOfSession(s.id()));
        for (String key : patientKeys) {
            assertThat(SlotHash.getSlot(key)).as(key).isEqualTo(slot);
            long ttl = redis.call(r -> r.pttl(key));
            assertThat(ttl).as("TTL of " + key).isPositive().isLessThanOrEqualTo(IDLE.toMillis());
        }
        long contextTtl = redis.call(r -> r.pttl(prefix + "p:" + SlotTags.of(SessionRoute.ofSessionId(s.id()).getAsInt())
                + ":" + s.id() + ":p-1"));
        assertThat(contextTtl).as("the idle expiry is nearer than the hard limit").isGreaterThan(IDLE.toMillis() - 60_000);

        // A use near the hard limit: the TTL follows the hard limit, not the idle timeout.
        Instant late = now.plus(Duration.ofMinutes(50));
        assertThat(patients.touch(s.id(), "p-1", now.plus(Duration.ofMinutes(25))).state()).isEqualTo(PatientStore.State.LIVE);
        assertThat(patients.touch(s.id(), "p-1", late).state()).isEqualTo(PatientStore.State.LIVE);
        long nearEnd = redis.call(r -> r.pttl(prefix + "p:" + SlotTags.of(SessionRoute.ofSessionId(s.id()).getAsInt())
                + ":" + s.id() + ":p-1"));
        assertThat(nearEnd).isLessThanOrEqualTo(Duration.ofMinutes(10).toMillis());
    }

    @ParameterizedTest
    @ValueSource(strings = {"standalone", "cluster"})
    void endingTheSessionRemovesItsContextsInTheSameScript(String which) {
        on(which);
        Session s = admitted("usr_2");
        Session kept = admitted("usr_3");
        patients.open(s.id(), "p-1", now, IDLE, now.plus(Duration.ofHours(1)), false, 32);
        patients.write(s.id(), "p-1", "chart", "ward:v1:sealed", now, 64);
        patients.open(kept.id(), "p-1", now, IDLE, now.plus(Duration.ofHours(1)), false, 32);

        assertThat(sessions.revoke(s.id(), "admin", now)).isTrue();

        assertThat(keys(prefix + "p*:" + s.id() + "*")).isEmpty();
        assertThat(patients.holdsAny(kept.id())).isTrue();
        sessions.delete(kept.id());
        assertThat(keys(prefix + "p*")).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"standalone", "cluster"})
    void aContextWhoseKeysAlreadyExpiredIsReportedAsExpiredNotAsNeverOpened(String which) {
        on(which);
        Session s = admitted("usr_4");
        patients.open(s.id(), "p-1", now, IDLE, now.plus(Duration.ofHours(1)), false, 32);
        redis.call(r -> r.del(prefix + "p:" + SlotTags.of(SessionRoute.ofSessionId(s.id()).getAsInt()) + ":" + s.id() + ":p-1"));

        assertThat(patients.read(s.id(), "p-1", "chart", now).state()).isEqualTo(PatientStore.State.EXPIRED);
        assertThat(patients.read(s.id(), "p-1", "chart", now).state()).isEqualTo(PatientStore.State.MISSING);
    }

    @ParameterizedTest
    @ValueSource(strings = {"standalone", "cluster"})
    void liveContextsAreCountedPerTenantAsTheyOpenExpireAndClose(String which) {
        on(which);
        Session a = admitted("usr_5");
        Session b = admitted("usr_6");
        Session other = admitted("elsewhere", "usr_7");
        Instant hardEnd = now.plus(Duration.ofHours(1));
        patients.open(a.id(), "p-1", now, IDLE, hardEnd, false, 32);
        patients.open(a.id(), "p-2", now, IDLE, hardEnd, false, 32);
        patients.open(b.id(), "p-1", now, Duration.ofMinutes(5), hardEnd, false, 32);
        patients.open(other.id(), "p-9", now, IDLE, hardEnd, false, 32);

        assertThat(patients.liveCounts(now)).hasValue(java.util.Map.of("hosp", 3L, "elsewhere", 1L));
        assertThat(patients.liveCounts(now.plus(Duration.ofMinutes(6))))
                .as("b's context is past its idle timeout, although its keys are still there")
                .hasValue(java.util.Map.of("hosp", 2L, "elsewhere", 1L));
        patients.close(a.id(), "p-2");
        sessions.revoke(other.id(), "admin", now);
        assertThat(patients.liveCounts(now)).hasValue(java.util.Map.of("hosp", 2L, "elsewhere", 0L));
    }

    @ParameterizedTest
    @ValueSource(strings = {"standalone"})
    void aSlowCountIsNotRepeatedUntilFourTimesItsDurationHasPassed(String which) {
        on(which);
        long[] nanos = {0};
        long step = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(RedisPatientStore.PACE_FROM_MS * 2);
        // Every reading of the monotonic clock moves it on by twice the pacing threshold: each walk "takes" that long.
        RedisPatientStore paced = new RedisPatientStore(redis, sessions, prefix, () -> nanos[0] += step);
        Session a = admitted("usr_8");
        paced.open(a.id(), "p-1", now, IDLE, now.plus(Duration.ofHours(1)), false, 32);
        assertThat(paced.liveCounts(now)).hasValue(java.util.Map.of("hosp", 1L));

        paced.open(a.id(), "p-2", now, IDLE, now.plus(Duration.ofHours(1)), false, 32);
        assertThat(paced.liveCounts(now)).as("one step after a walk of one step: the last counts again")
                .hasValue(java.util.Map.of("hosp", 1L));
        nanos[0] += 4 * step;
        assertThat(paced.liveCounts(now)).as("four steps later: walked again").hasValue(java.util.Map.of("hosp", 2L));
    }
}
