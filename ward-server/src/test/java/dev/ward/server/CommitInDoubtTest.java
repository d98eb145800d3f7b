package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.audit.AuditEvent;
import dev.ward.crypto.Secrets;
import dev.ward.session.RefusedChanges;
import dev.ward.session.Session;
import dev.ward.store.redis.RedisRefusedChanges;
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
 *
 * <p>When the database cannot be asked at all (it stays away after the COMMIT went through), the request answers as a
 * refusal and keeps that answer in Redis; the repair, finding the intent gone, ends the login or takes the rotation
 * back, recorded {@code answer_lost}, so that the trail says what the client was told (decision 0015, amended).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CommitInDoubtTest {
    private static final String PW = "Commit-In-Doubt-Pass-3!";
    private static final Instant LATER = Instant.parse("2100-01-01T00:00:00Z");
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
        w.createTenant("lost");
        w.createUser("lost", "ben", PW, "staff");
        w.createUser("lost", "dee", PW, "staff");
        w.createTenant("turn", Map.of("mfa", Map.of("required_roles", List.of()), "session", Map.of("rotate_after_uses", 1, "rotation_grace_seconds", 10)));
        w.createUser("turn", "cy", PW, "staff");
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

    /** The first COMMIT of a session change's records goes through; the answer is lost and the database stays away. */
    private TestWard.Response withTheRecordsCommitInDoubt(java.util.function.Supplier<TestWard.Response> request) {
        relay.loseCommitAndRefuse("DELETE FROM session_intents");
        return awayAfterCommit(request);
    }

    private TestWard.Response awayAfterCommit(java.util.function.Supplier<TestWard.Response> request) {
        try {
            return request.get();
        } finally {
            boolean lost = relay.commitLost();
            relay.disarmDrop();
            if (lost) {
                relay.restore();
            }
            assertThat(lost).as("the records' COMMIT went through and the database went away").isTrue();
        }
    }

    private RedisRefusedChanges refusals() {
        return new RedisRefusedChanges(w.ward.core().redis().orElseThrow(), Ward.REDIS_PREFIX);
    }

    private RedisSessionStore sessions() {
        return new RedisSessionStore(w.ward.core().redis().orElseThrow(), Ward.REDIS_PREFIX);
    }

    /** The tenant's trail once the database answers again (the pool reconnects after the relay is back). */
    private List<AuditEvent> trailOnceBack(String tenant) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try {
                return w.ward.audit().recent(tenant, null, 1000);
            } catch (RuntimeException notYet) {
                assertThat(System.nanoTime() - deadline).as("the database answers again").isNegative();
            }
        }
    }

    /** Runs the repair (as the schedule would) until {@code repaired} holds; the schedule may run it first. */
    private void repairUntil(String what, java.util.function.BooleanSupplier repaired) {
        w.clock.set(w.clock.instant().plus(dev.ward.session.SessionService.REPAIR_AFTER).plusSeconds(1));
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
        while (!repaired.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as(what).isNegative();
            try {
                w.ward.repairSessionsNow();
            } catch (RuntimeException databaseNotBackYet) {
                // asked again: the pool is reconnecting
            }
        }
    }

    private static long count(List<AuditEvent> trail, String type, String sessionId) {
        return trail.stream().filter(e -> e.type().equals(type) && sessionId.equals(e.sessionId())).count();
    }

    @Test
    void aLoginAnswered503WhoseRecordsCommittedUnseenIsEndedAnswerLost() {
        TestWard.Response r = withTheRecordsCommitInDoubt(() -> w.send("POST", "/v1/auth/login",
                TestWard.json(Map.of("tenant", "lost", "username", "ben", "password", PW))));
        assertThat(r.status()).as(r.raw()).isEqualTo(503);
        assertThat(r.text("code")).isEqualTo("store_unavailable");

        List<RefusedChanges.Refused> kept = refusals().recordedBefore(LATER, 10);
        assertThat(kept).as("the answer given, kept in Redis").singleElement()
                .satisfies(k -> assertThat(k.kind()).isEqualTo("admit"));
        String id = (String) kept.getFirst().payload().get("session_id");
        List<AuditEvent> trail = trailOnceBack("lost");
        assertThat(count(trail, "session.created", id)).as("the login's records committed: %s", trail).isEqualTo(1);
        assertThat(count(trail, "login.succeeded", id)).as("done and recorded").isEqualTo(1);
        assertThat(sessions().findById(id).orElseThrow().liveAt(w.clock.instant()))
                .as("the gap: a live session nobody holds a token for").isTrue();

        repairUntil("the repair ends the session", () -> !sessions().findById(id).orElseThrow().liveAt(w.clock.instant())
                && count(trailOnceBack("lost"), "session.revoked", id) == 1);
        Session ended = sessions().findById(id).orElseThrow();
        assertThat(ended.revokeReason()).isEqualTo("answer_lost");
        List<AuditEvent> after = trailOnceBack("lost");
        assertThat(after).filteredOn(e -> e.type().equals("session.revoked") && id.equals(e.sessionId()))
                .singleElement().satisfies(e -> assertThat(e.details()).containsEntry("reason", "answer_lost"));
        assertThat(refusals().recordedBefore(LATER, 10)).as("acted on once, then forgotten").isEmpty();
        w.ward.repairSessionsNow();
        assertThat(count(trailOnceBack("lost"), "session.revoked", id)).as("once").isEqualTo(1);
    }

    @Test
    void aRotationTheHolderNeverReceivedWhoseRecordsCommittedUnseenIsTakenBackAnswerLost() {
        String token = w.login("turn", "cy", PW);
        TestWard.Response r = withTheRecordsCommitInDoubt(() -> w.get("/v1/session", token));
        assertThat(r.header("Ward-Rotated-Token")).as("no new token was handed out: %s", r.raw()).isNull();
        assertThat(r.status()).as(r.raw()).isIn(200, 503);

        List<AuditEvent> trail = trailOnceBack("turn");
        AuditEvent rotated = trail.stream().filter(e -> e.type().equals("session.rotated")).findFirst().orElseThrow(
                () -> new AssertionError("the rotation's records committed: " + trail));
        String id = rotated.sessionId();
        assertThat(refusals().recordedBefore(LATER, 10)).as("the answer given, kept in Redis")
                .singleElement().satisfies(k -> assertThat(k.kind()).isEqualTo("rotate"));

        // Past the rotation's grace (10 s, shorter than the repair's wait) the token the holder has is refused: the gap.
        w.clock.set(w.clock.instant().plusSeconds(11));
        assertThat(w.get("/v1/session", token).text("code")).as("before the repair").isEqualTo("session_expired");

        repairUntil("the repair takes the rotation back", () -> count(trailOnceBack("turn"), "session.rotated", id) == 2);
        assertThat(trailOnceBack("turn")).filteredOn(e -> e.type().equals("session.rotated") && id.equals(e.sessionId()))
                .anySatisfy(e -> assertThat(e.details()).containsEntry("reason", "answer_lost").containsEntry("undone", true));
        assertThat(w.get("/v1/session", token).status()).as("the holder's token is the session's again").isEqualTo(200);
        assertThat(refusals().recordedBefore(LATER, 10)).as("acted on once, then forgotten").isEmpty();
    }

    @Test
    void aLoginWhoseRecordsDidNotCommitWhileNothingCouldTellIsEndedOnceAsAborted() {
        relay.cutBeforeCommitAndRefuse("DELETE FROM session_intents");
        TestWard.Response r = awayAfterCommit(() -> w.send("POST", "/v1/auth/login",
                TestWard.json(Map.of("tenant", "lost", "username", "dee", "password", PW))));
        assertThat(r.status()).as(r.raw()).isEqualTo(503);
        List<RefusedChanges.Refused> kept = refusals().recordedBefore(LATER, 10);
        assertThat(kept).as("the answer given, kept all the same").singleElement();
        String id = (String) kept.getFirst().payload().get("session_id");
        assertThat(count(trailOnceBack("lost"), "session.created", id)).as("nothing of this login committed").isZero();
        assertThat(sessions().findById(id).orElseThrow().liveAt(w.clock.instant())).as("the change made in Redis").isTrue();

        repairUntil("the intent's repair ends the session", () -> count(trailOnceBack("lost"), "session.revoked", id) == 1);
        w.ward.repairSessionsNow();
        assertThat(sessions().findById(id).orElseThrow().revokeReason()).as("not done: the intent's undo").isEqualTo("login_aborted");
        assertThat(count(trailOnceBack("lost"), "session.revoked", id)).as("ended once, not again as answer_lost").isEqualTo(1);
        assertThat(refusals().recordedBefore(LATER, 10)).as("forgotten by the intent's repair").isEmpty();
    }
}
