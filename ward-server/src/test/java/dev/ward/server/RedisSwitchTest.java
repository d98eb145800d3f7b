package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.crypto.Secrets;
import dev.ward.store.redis.RedisServers;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Turning Redis on ends the sessions left in the database, so turning it off again cannot revive them. */
class RedisSwitchTest {
    private static final String PW = "Switch-Stores-Pass-1!";

    @Test
    void sessionsFromBeforeRedisEndWhenRedisIsConfigured() throws Exception {
        String master = Base64.getEncoder().encodeToString(Secrets.randomBytes(32));
        try (PostgresSchema schema = PostgresSchema.create("RedisSwitchTest");
             RedisServers redis = RedisServers.standalone("RedisSwitchTest")) {
            String oldToken;
            try (TestWard before = TestWard.onPostgres(schema.url(), master)) {
                before.createTenant("clinic");
                before.createUser("clinic", "ivy", PW, "staff");
                oldToken = before.login("clinic", "ivy", PW);
                assertThat(schema.count("sessions")).isGreaterThanOrEqualTo(2); // the admin's and ivy's
            }
            try (TestWard withRedis = TestWard.onPostgresAndRedis(schema.url(), master, redis.url())) {
                assertThat(withRedis.console).contains("removed").contains("session(s) left in the database");
                assertThat(schema.count("sessions")).isZero();
                assertThat(withRedis.ward.audit().recent("clinic", "session.revoked", 10)).anySatisfy(e ->
                        assertThat(e.details()).containsEntry("reason", "cleanup"));
            }
            try (TestWard afterwards = TestWard.onPostgres(schema.url(), master)) {
                assertThat(afterwards.get("/v1/session", oldToken).code()).isEqualTo("session_invalid");
                assertThat(afterwards.post("/v1/auth/login", TestWard.json(Map.of("tenant", "clinic", "username", "ivy",
                        "password", PW)), null).status()).isEqualTo(200);
            }
        }
    }
}
