package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.store.redis.RedisServers;
import org.junit.jupiter.api.Test;

/**
 * Two nodes sharing PostgreSQL (durable state) and a real 3-master Redis Cluster (sessions), which this
 * class starts on loopback ports and stops after.
 */
class MultiNodeRedisTest extends MultiNodeContract {
    private RedisServers cluster;

    @Override
    TestWard node(String jdbcUrl, String masterKey) {
        if (cluster == null) {
            cluster = RedisServers.cluster("MultiNodeRedisTest");
        }
        return TestWard.onPostgresAndRedis(jdbcUrl, masterKey, cluster.url());
    }

    @Override
    void closeShared() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void sessionsLiveInRedisAndReadinessNamesIt() {
        a.createUser("shared", "dan", PW, "staff");
        String token = a.login("shared", "dan", PW);
        assertThat(b.get("/v1/session", token).status()).isEqualTo(200);
        assertThat(schema.count("sessions")).as("no session rows in PostgreSQL").isZero();
        var ready = b.get("/health/ready", null);
        assertThat(ready.status()).isEqualTo(200);
        assertThat(ready.json().path("checks").path("redis").asText()).isEqualTo("up");
        assertThat(ready.json().path("checks").path("database").asText()).isEqualTo("up");
    }
}
