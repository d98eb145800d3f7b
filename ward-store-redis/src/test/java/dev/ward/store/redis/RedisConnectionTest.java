package dev.ward.store.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ward.problem.StoreUnavailableException;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The connection against real Redis processes: standalone, a 3-master cluster, and a crash and return. */
class RedisConnectionTest {
    @Test
    void standaloneAnswers() {
        try (RedisServers redis = RedisServers.standalone("RedisConnectionTest standalone");
             RedisConnection c = RedisConnection.open(RedisEndpoint.parse(redis.url()))) {
            assertThat(c.ping()).isTrue();
            c.call(r -> r.set("ward:test", "1"));
            String value = c.call(r -> r.get("ward:test"));
            assertThat(value).isEqualTo("1");
        }
    }

    @Test
    void clusterRoutesKeysOfEverySlot() {
        try (RedisServers redis = RedisServers.cluster("RedisConnectionTest cluster");
             RedisConnection c = RedisConnection.open(RedisEndpoint.parse(redis.url()))) {
            assertThat(c.ping()).isTrue();
            for (int i = 0; i < 50; i++) {
                String key = "ward:{tenant:user" + i + "}:probe";
                int n = i;
                c.call(r -> r.set(key, Integer.toString(n)));
                String value = c.call(r -> r.get(key));
                assertThat(value).isEqualTo(Integer.toString(n));
            }
            String info = c.call(r -> r.clusterInfo());
            assertThat(info).contains("cluster_state:ok").contains("cluster_known_nodes:3");
        }
    }

    @Test
    void failsClosedWhileRedisIsDownAndRecoversWithoutARestart() {
        try (RedisServers redis = RedisServers.standalone("RedisConnectionTest fail-closed");
             RedisConnection c = RedisConnection.open(RedisEndpoint.parse(redis.url()))) {
            assertThat(c.ping()).isTrue();
            redis.stop();
            Instant before = Instant.now();
            assertThatThrownBy(() -> c.call(r -> r.get("ward:any"))).isInstanceOf(StoreUnavailableException.class)
                    .hasMessage("redis is unavailable");
            assertThat(Duration.between(before, Instant.now())).as("fails fast, not after long queueing")
                    .isLessThan(Duration.ofSeconds(10));
            assertThat(c.ping()).isFalse();
            redis.restart();
            Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
            boolean back = false;
            while (!back && Instant.now().isBefore(deadline)) {
                back = c.ping();
            }
            assertThat(back).as("reconnects by itself").isTrue();
        }
    }

    @Test
    void unreachableRedisAtStartIsStoreUnavailable() {
        assertThatThrownBy(() -> RedisConnection.open(RedisEndpoint.parse("redis://127.0.0.1:1")))
                .isInstanceOf(StoreUnavailableException.class);
    }
}
