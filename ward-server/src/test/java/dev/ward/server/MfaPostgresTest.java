package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.crypto.Secrets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import dev.ward.store.redis.RedisServers;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * MFA in production mode: two nodes on one PostgreSQL, with sessions in it or in a Redis this test starts.
 * Enrolment, a login started on one node and finished on the other, replay refused whichever node sees the
 * code, and backup codes spent once for both.
 */
class MfaPostgresTest {
    @ParameterizedTest(name = "sessions in {0}")
    @ValueSource(strings = {"postgresql", "redis"})
    void enrolOnOneNodeAndFinishLoginsOnEither(String sessions) throws Exception {
        String master = Base64.getEncoder().encodeToString(Secrets.randomBytes(32));
        try (PostgresSchema schema = PostgresSchema.create("MfaPostgresTest");
             RedisServers redis = sessions.equals("redis") ? RedisServers.standalone("MfaPostgresTest") : null;
             TestWard a = redis == null ? TestWard.onPostgres(schema.url(), master)
                     : TestWard.onPostgresAndRedis(schema.url(), master, redis.url());
             TestWard b = redis == null ? TestWard.onPostgres(schema.url(), master)
                     : TestWard.onPostgresAndRedis(schema.url(), master, redis.url())) {
            a.createTenant(MfaHttpTest.TENANT, Map.of());
            MfaHttpTest.Enrolled e = MfaHttpTest.enrol(a, MfaHttpTest.TENANT, "drgrey");
            assertThat(b.get("/v1/session", e.token()).json().path("aal").asInt()).isEqualTo(2);

            a.clock.advance(Duration.ofSeconds(30));
            b.clock.advance(Duration.ofSeconds(30));
            String code = IndependentTotp.at(e.secret(), a.clock.instant());
            String challenge = MfaHttpTest.login(a, MfaHttpTest.TENANT, "drgrey").text("challenge");
            TestWard.Response verified = MfaHttpTest.verify(b, challenge, code);
            assertThat(verified.status()).as(verified.raw()).isEqualTo(200);
            assertThat(verified.json().path("session").path("aal").asInt()).isEqualTo(2);
            assertThat(MfaHttpTest.verify(a, challenge, code).code()).as("the challenge was used on the other node")
                    .isEqualTo("mfa_challenge_invalid");

            String again = MfaHttpTest.login(b, MfaHttpTest.TENANT, "drgrey").text("challenge");
            TestWard.Response replay = MfaHttpTest.verify(a, again, code);
            assertThat(replay.code()).as("replayed on the other node").isEqualTo("invalid_mfa_code");
            assertThat(a.ward.audit().recent(MfaHttpTest.TENANT, "mfa.replayed", 10)).hasSize(1);

            String backup = e.backupCodes().getFirst();
            assertThat(MfaHttpTest.verify(b, again, backup).status()).isEqualTo(200);
            String third = MfaHttpTest.login(a, MfaHttpTest.TENANT, "drgrey").text("challenge");
            assertThat(MfaHttpTest.verify(a, third, backup).code()).isEqualTo("invalid_mfa_code");

            assertThat(a.post("/v1/admin/tenants/" + MfaHttpTest.TENANT + "/users/" + e.userId() + "/reset-mfa", null,
                    a.adminToken()).status()).isEqualTo(204);
            assertThat(MfaHttpTest.login(b, MfaHttpTest.TENANT, "drgrey").text("status")).isEqualTo("mfa_enrollment_required");
        }
    }
}
