package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.audit.AuditEvent;
import dev.ward.crypto.Secrets;
import dev.ward.session.Session;
import dev.ward.store.redis.RedisServers;
import dev.ward.store.redis.RedisSessionStore;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A login whose records commit but whose COMMIT's answer is lost (the connection to PostgreSQL drops right after the
 * COMMIT went through): the login is done and recorded, so it answers 200 and its session stands — never 503 with
 * the session taken back while the trail says login.succeeded and session.created (decision 0015). Found by
 * FaultInjectionTest (its sweep of commits in doubt); before the fix, each such login left a login.succeeded with no
 * 200 and a session revoked ({@code login_aborted}) with no session.revoked.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CommitInDoubtTest {
    private static final String PW = "Commit-In-Doubt-Pass-3!";
    private PostgresSchema schema;
    private TcpProxy relay;
    private RedisServers redis;
    private TestWard w;

    @BeforeAll
    void start() {
        schema = PostgresSchema.create(getClass().getSimpleName());
        redis = RedisServers.standalone(getClass().getSimpleName());
        relay = new TcpProxy(5432);
        // prepareThreshold=0: every statement carries its text, so the relay can find the COMMIT.
        String url = "jdbc:postgresql://127.0.0.1:" + relay.port() + "/test?user=postgres&prepareThreshold=0&currentSchema=" + schema.name;
        w = TestWard.onPostgresAndRedis(url, Base64.getEncoder().encodeToString(Secrets.randomBytes(32)), redis.url());
        w.createTenant("doubt");
        w.createUser("doubt", "ann", PW, "staff");
    }

    @AfterAll
    void stop() throws Exception {
        w.close();
        relay.close();
        redis.close();
        schema.close();
    }

    @Test
    void aLoginWhoseCommitAnswerIsLostIsDoneAndRecorded() {
        int ok = 0;
        int fired = 0;
        for (int k = 1; k <= 3; k++) {
            relay.dropAfterForwarding("COMMIT", k);
            TestWard.Response r = w.send("POST", "/v1/auth/login", TestWard.json(Map.of("tenant", "doubt", "username", "ann", "password", PW)));
            fired += relay.forwardDropFired() ? 1 : 0;
            relay.disarmDrop();
            assertThat(r.status()).as(r.raw()).isIn(200, 503);
            if (r.status() == 200) {
                ok++;
                assertThat(w.get("/v1/session", r.text("token")).status()).as("the session handed out works").isEqualTo(200);
            }
        }
        assertThat(fired).as("a COMMIT of a login had its answer lost").isPositive();
        List<AuditEvent> trail = w.ward.audit().recent("doubt", null, 1000);
        assertThat(trail.stream().filter(e -> e.type().equals("login.succeeded")).count())
                .as("login.succeeded recorded exactly for the logins answered 200").isEqualTo(ok);
        RedisSessionStore store = new RedisSessionStore(w.ward.core().redis().orElseThrow(), Ward.REDIS_PREFIX);
        for (AuditEvent created : trail.stream().filter(e -> e.type().equals("session.created")).toList()) {
            Optional<Session> s = store.findById(created.sessionId());
            assertThat(s).as("session %s", created.sessionId()).isPresent();
            boolean revokedEvent = trail.stream().anyMatch(e -> e.type().equals("session.revoked") && created.sessionId().equals(e.sessionId()));
            assertThat(s.get().liveAt(w.clock.instant())).as("session %s live exactly when no session.revoked was recorded",
                    created.sessionId()).isEqualTo(!revokedEvent);
        }
    }
}
