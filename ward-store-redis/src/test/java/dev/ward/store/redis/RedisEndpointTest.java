package dev.ward.store.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RedisEndpointTest {
    @Test
    void parsesStandaloneTlsAndClusterUrls() {
        var plain = RedisEndpoint.parse("redis://127.0.0.1:6379/2");
        assertThat(plain.cluster()).isFalse();
        assertThat(plain.tls()).isFalse();
        assertThat(plain.nodes().get(0).getDatabase()).isEqualTo(2);
        assertThat(plain.loopbackOnly()).isTrue();

        var tls = RedisEndpoint.parse("rediss://redis.internal:6380");
        assertThat(tls.tls()).isTrue();
        assertThat(tls.loopbackOnly()).isFalse();

        var cluster = RedisEndpoint.parse("redis-cluster://10.0.0.1:7000, 10.0.0.2:7001,10.0.0.3:7002");
        assertThat(cluster.cluster()).isTrue();
        assertThat(cluster.nodes()).extracting(n -> n.getHost() + ":" + n.getPort())
                .containsExactly("10.0.0.1:7000", "10.0.0.2:7001", "10.0.0.3:7002");
    }

    @Test
    void clusterOverTlsWithAnAclUser() {
        var cluster = RedisEndpoint.parse("rediss-cluster://ward:s3cret-pass@redis-a.internal:7000,redis-b.internal:7000");
        assertThat(cluster.cluster()).isTrue();
        assertThat(cluster.tls()).isTrue();
        assertThat(cluster.toString()).startsWith("Redis Cluster (TLS)").doesNotContain("s3cret-pass");
        assertThat(cluster.nodes()).allSatisfy(n -> {
            assertThat(n.isSsl()).isTrue();
            assertThat(n.getVerifyMode()).isEqualTo(io.lettuce.core.SslVerifyMode.FULL);
            assertThat(n.getCredentialsProvider().resolveCredentials().block().getUsername()).isEqualTo("ward");
            assertThat(n.getCredentialsProvider()).isNotNull();
        });
        var plain = RedisEndpoint.parse("redis-cluster://10.0.0.1:7000");
        assertThat(plain.tls()).isFalse();
        assertThat(plain.nodes()).allSatisfy(n -> assertThat(n.isSsl()).isFalse());
    }

    @Test
    void neverPrintsThePassword() {
        var withPassword = RedisEndpoint.parse("redis://:s3cret-pass@127.0.0.1:6379/0");
        assertThat(withPassword.toString()).doesNotContain("s3cret-pass");
        var cluster = RedisEndpoint.parse("redis-cluster://:s3cret-pass@127.0.0.1:7000,127.0.0.1:7001");
        assertThat(cluster.toString()).doesNotContain("s3cret-pass");
        assertThat(cluster.nodes()).allSatisfy(n -> assertThat(n.getCredentialsProvider()).isNotNull());
    }

    @Test
    void refusesBadUrlsWithAClearMessage() {
        assertThatThrownBy(() -> RedisEndpoint.parse("")).hasMessageContaining("empty");
        assertThatThrownBy(() -> RedisEndpoint.parse("http://127.0.0.1:6379")).hasMessageContaining("must start with");
        assertThatThrownBy(() -> RedisEndpoint.parse("redis-cluster://127.0.0.1")).hasMessageContaining("host:port");
        assertThatThrownBy(() -> RedisEndpoint.parse("redis-cluster://127.0.0.1:x")).hasMessageContaining("not a number");
        assertThatThrownBy(() -> RedisEndpoint.parse("redis-cluster://127.0.0.1:70000")).hasMessageContaining("out of range");
        assertThatThrownBy(() -> RedisEndpoint.parse("redis-cluster://127.0.0.1:7000/1")).hasMessageContaining("database");
        assertThatThrownBy(() -> RedisEndpoint.parse("redis://127.0.0.1:6379/99")).hasMessageContaining("between 0 and 15");
        assertThatThrownBy(() -> RedisEndpoint.parse("redis://:hunter2@/0")).isInstanceOf(IllegalArgumentException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2"));
    }
}
