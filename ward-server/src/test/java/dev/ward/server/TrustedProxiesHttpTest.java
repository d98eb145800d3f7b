package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ward.auth.LoginLimits;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code WARD_TRUSTED_PROXIES} (issue 10, item 14): behind a load balancer every browser arrives from the balancer's
 * address; Ward believes {@code X-Forwarded-For} and {@code X-Forwarded-Proto} from the configured proxies only.
 */
class TrustedProxiesHttpTest {
    static final String PASSWORD = "Proxy-Guard-Pass-9!";

    private static TestWard behind(List<String> proxies, LoginLimits limits) {
        TestWard w = TestWard.configured(c -> new Config(c.host(), c.port(), c.dataDir(), c.masterKey(), c.bootstrapAdminPassword(),
                c.cookieSecure(), limits, c.argon2(), c.cleanupInterval(), c.databaseUrl(), c.redisUrl()).withTrustedProxies(proxies));
        w.createTenant("stmarys");
        w.createUser("stmarys", "nurse", PASSWORD, "staff");
        return w;
    }

    private static TestWard.Response login(TestWard w, String... headers) {
        return w.send("POST", "/v1/auth/login", TestWard.json(Map.of("tenant", "stmarys", "username", "nurse",
                "password", PASSWORD)), headers);
    }

    private static JsonNode lastAttempt(TestWard w) {
        return w.get("/v1/admin/login-history?tenant=stmarys&username=nurse&limit=1", w.adminToken()).json().path("attempts").get(0);
    }

    @Test
    void fromATrustedProxyTheForwardedClientIsRecorded() {
        try (TestWard w = behind(List.of("127.0.0.1"), new LoginLimits(1000, 1000))) {
            var r = login(w, "X-Forwarded-For", "198.51.100.7");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.json().path("session").path("client").path("ip").asText()).isEqualTo("198.51.100.7");
            assertThat(lastAttempt(w).path("ip").asText()).isEqualTo("198.51.100.7");
        }
    }

    @Test
    void fromAnyoneElseForwardedHeadersAreIgnored() {
        try (TestWard w = behind(List.of("10.0.0.0/8"), new LoginLimits(1000, 1000))) {
            login(w, "X-Forwarded-For", "198.51.100.7", "X-Forwarded-Proto", "https");
            assertThat(lastAttempt(w).path("ip").asText()).isEqualTo("127.0.0.1");
            var r = login(w, "X-Forwarded-Proto", "https");
            assertThat(r.header("Set-Cookie")).startsWith("ward_session=").doesNotContain("Secure");
        }
    }

    @Test
    void theClientIsTheRightMostAddressThatIsNotATrustedProxy() {
        try (TestWard w = behind(List.of("127.0.0.1", "10.0.0.0/8"), new LoginLimits(1000, 1000))) {
            // A client may write anything to the left; the balancer appends what it saw, the inner proxy too.
            login(w, "X-Forwarded-For", "1.2.3.4, 203.0.113.9, 10.1.2.3");
            assertThat(lastAttempt(w).path("ip").asText()).isEqualTo("203.0.113.9");
            login(w, "X-Forwarded-For", "1.2.3.4", "X-Forwarded-For", "203.0.113.10");
            assertThat(lastAttempt(w).path("ip").asText()).as("several header lines").isEqualTo("203.0.113.10");
            login(w, "X-Forwarded-For", "203.0.113.9, not-an-address, 10.1.2.3");
            assertThat(lastAttempt(w).path("ip").asText()).as("garbage: the proxy that passed it on").isEqualTo("10.1.2.3");
            login(w, "X-Forwarded-For", "2001:0DB8:0:0::7");
            assertThat(lastAttempt(w).path("ip").asText()).as("canonical").isEqualTo("2001:db8::7");
        }
    }

    @Test
    void eachForwardedClientHasItsOwnPerAddressBudget() {
        try (TestWard w = behind(List.of("127.0.0.1"), new LoginLimits(2, 1000))) {
            assertThat(login(w, "X-Forwarded-For", "198.51.100.1").status()).isEqualTo(200);
            assertThat(login(w, "X-Forwarded-For", "198.51.100.1").status()).isEqualTo(200);
            assertThat(login(w, "X-Forwarded-For", "198.51.100.1").status()).isEqualTo(429);
            assertThat(login(w, "X-Forwarded-For", "198.51.100.2").status()).as("another browser behind the balancer")
                    .isEqualTo(200);
        }
    }

    @Test
    void aTlsTerminatingProxyMakesTheCookieSecureAndHostPrefixed() {
        try (TestWard w = behind(List.of("127.0.0.1"), new LoginLimits(1000, 1000))) {
            var r = login(w, "X-Forwarded-For", "198.51.100.7", "X-Forwarded-Proto", "https");
            assertThat(r.header("Set-Cookie")).startsWith("__Host-ward_session=").contains("Secure");
        }
    }

    @Test
    void aMistypedProxyListStopsTheStart() {
        var e = org.assertj.core.api.Assertions.catchThrowableOfType(Config.ConfigException.class, () ->
                Config.fromEnvironment(Map.of("WARD_TRUSTED_PROXIES", "10.0.0.0/8, 10.0.0.300"), "127.0.0.1", 0, java.nio.file.Path.of(".")));
        assertThat(e.getMessage()).contains("WARD_TRUSTED_PROXIES", "10.0.0.300");
        e = org.assertj.core.api.Assertions.catchThrowableOfType(Config.ConfigException.class, () ->
                Config.fromEnvironment(Map.of("WARD_TRUSTED_PROXIES", "10.0.0.0/33"), "127.0.0.1", 0, java.nio.file.Path.of(".")));
        assertThat(e.getMessage()).contains("prefix length");
    }
}
