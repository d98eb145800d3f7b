package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.crypto.Secrets;
import dev.ward.session.Session;
import dev.ward.store.redis.RedisConnection;
import dev.ward.store.redis.RedisEndpoint;
import dev.ward.store.redis.RedisServers;
import dev.ward.store.redis.RedisSessionStore;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code WARD_REDIS_MIN_REPLICAS}: a revocation (logout, admin end, sign-out of other devices, password change)
 * is acknowledged only once that many replicas hold it, so a failover cannot bring an ended session back;
 * when they do not confirm within a second it answers {@code 503 store_unavailable}, and the session is ended
 * on the primary all the same. Real Redis servers started here, PostgreSQL for the rest.
 */
class RevocationReplicasTest {
    static final String PW = "Replicated-Logout-4!";
    static final String TENANT = "clinic";

    RedisServers redis;
    PostgresSchema schema;
    TestWard w;

    private void start(RedisServers servers) {
        redis = servers;
        schema = PostgresSchema.create(getClass().getSimpleName());
        w = TestWard.configured(schema.url(), Base64.getEncoder().encodeToString(Secrets.randomBytes(32)), Optional.of(redis.url()),
                c -> c.withRedisMinReplicas(1));
        w.createTenant(TENANT);
        w.createUser(TENANT, "nurse", PW, "staff");
    }

    @AfterEach
    void stop() throws Exception {
        if (w != null) {
            w.close();
        }
        if (schema != null) {
            schema.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    private TestWard.Response login() {
        TestWard.Response r = w.post("/v1/auth/login", TestWard.json(Map.of("tenant", TENANT, "username", "nurse", "password", PW)), null);
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        return r;
    }

    private static void assertUnavailable(TestWard.Response r) {
        assertThat(r.status()).as(r.raw()).isEqualTo(503);
        assertThat(r.code()).isEqualTo("store_unavailable");
        assertThat(r.text("store")).isEqualTo("redis");
    }

    @Test
    void aLogoutWithTheReplicaInSyncIsAcknowledgedAndTheReplicaHoldsIt() {
        start(RedisServers.primaryWithReplica("RevocationReplicasTest"));
        TestWard.Response in = login();
        String token = in.text("token");

        assertThat(w.post("/v1/auth/logout", null, token).status()).isEqualTo(204);

        try (RedisConnection replica = RedisConnection.open(RedisEndpoint.parse(redis.replicaUrl()))) {
            Session onReplica = new RedisSessionStore(replica, Ward.REDIS_PREFIX)
                    .findById(in.json().path("session").path("id").asText()).orElseThrow();
            assertThat(onReplica.revokeReason()).as("the replica holds the revocation by the time it is acknowledged").isEqualTo("logout");
        }
        assertThat(w.get("/v1/session", token).code()).isEqualTo("session_revoked");
    }

    @Test
    void aRevocationTheReplicaDoesNotConfirmInTimeAnswers503AndStandsOnThePrimary() {
        start(RedisServers.primaryWithReplica("RevocationReplicasTest"));
        String first = login().text("token");
        String second = login().text("token");
        String third = login().text("token");
        redis.freezeReplica();
        try {
            Instant before = Instant.now();
            assertUnavailable(w.post("/v1/auth/logout", null, first));
            assertThat(Duration.between(before, Instant.now())).as("bounded by the 1 s wait").isLessThan(Duration.ofSeconds(5));
            assertUnavailable(w.post("/v1/me/sessions/revoke-others", null, third));
            assertThat(w.get("/v1/session", third).status()).as("nothing but revocations waits").isEqualTo(200);
        } finally {
            redis.resumeReplica();
        }
        assertThat(w.get("/v1/session", first).code()).isEqualTo("session_revoked");
        assertThat(w.get("/v1/session", second).code()).isEqualTo("session_revoked");
        assertThat(w.post("/v1/auth/logout", null, third).status()).as("the replica is back").isEqualTo(204);
    }

    @Test
    void anEnrolmentWhoseRevocationsTheReplicaDoesNotConfirmEnablesNothingAndCanBeConfirmedAgain() {
        start(RedisServers.primaryWithReplica("RevocationReplicasTest"));
        String token = login().text("token");
        String other = login().text("token");
        String secret = w.post("/v1/me/mfa/totp/setup", TestWard.json(Map.of("current_password", PW)), token).text("secret");
        String confirm = TestWard.json(Map.of("code", IndependentTotp.at(secret, w.clock.instant())));
        redis.freezeReplica();
        try {
            assertUnavailable(w.post("/v1/me/mfa/totp/confirm", confirm, token));
        } finally {
            redis.resumeReplica();
        }
        assertThat(w.get("/v1/me/mfa", token).json().path("totp_enabled").asBoolean()).as("no backup codes lost").isFalse();
        assertThat(w.get("/v1/session", other).code()).isEqualTo("session_revoked");

        TestWard.Response confirmed = w.post("/v1/me/mfa/totp/confirm", confirm, token);
        assertThat(confirmed.status()).as(confirmed.raw()).isEqualTo(200);
        assertThat(confirmed.json().path("backup_codes")).hasSize(10);
    }

    @Test
    void withoutAnyReplicaEveryRevocationAnswers503AndStandsOnThePrimary() {
        start(RedisServers.standalone("RevocationReplicasTest"));
        String token = login().text("token");

        assertUnavailable(w.post("/v1/auth/logout", null, token));
        assertThat(w.get("/v1/session", token).code()).isEqualTo("session_revoked");
        assertThat(w.ward.audit().recent(TENANT, "session.revoked", 10)).as("it happened, so it is audited").hasSize(1);
    }

    @Test
    void onAClusterWithoutReplicasARevocationAnswers503AndStandsOnItsMaster() {
        start(RedisServers.cluster("RevocationReplicasTest"));
        String token = login().text("token");
        String other = login().text("token");

        assertUnavailable(w.post("/v1/auth/logout", null, token));
        assertThat(w.get("/v1/session", token).code()).isEqualTo("session_revoked");
        assertThat(w.get("/v1/session", other).status()).isEqualTo(200);
    }
}
