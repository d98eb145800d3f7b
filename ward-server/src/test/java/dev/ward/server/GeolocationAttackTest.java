package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.server.geo.GeoIpFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code geo.allowed_countries} under attack: a forged {@code X-Forwarded-For}, addresses written to slip past the
 * lookup (IPv4-mapped IPv6, NAT64, documentation ranges), and a GeoIP file that is missing, truncated, emptied or
 * removed while Ward runs. Every doubt refuses the login; none lets every country in.
 */
class GeolocationAttackTest {
    static final String PASSWORD = "Geo-Attack-Pass-9!";
    static TestGeoIpDb.Directory geo;
    static Path dir;
    static Path db;
    static TestWard w;
    static String key;

    @BeforeAll
    static void start() throws IOException {
        geo = TestGeoIpDb.Directory.orSkip("GeolocationAttackTest");
        dir = geo.dir();
        db = geo.db();
        // The test's loopback connection plays the hospital's reverse proxy.
        w = TestWard.configured(c -> c.withGeoipDb(Optional.of(db)).withTrustedProxies(List.of("127.0.0.1")));
        w.createTenant("uk-only", Map.of("mfa", Map.of("required_roles", List.of()), "geo", Map.of("allowed_countries", List.of("GB"))));
        w.createUser("uk-only", "gp", PASSWORD, "staff");
        key = w.createApiKey("uk-only", "sessions");
    }

    @AfterAll
    static void stop() throws IOException {
        if (w != null) {
            w.close();
        }
        if (geo != null) {
            geo.close();
        }
    }

    static TestWard.Response browserLogin(TestWard ward, String... headers) {
        return ward.send("POST", "/v1/auth/login", TestWard.json(Map.of("tenant", "uk-only", "username", "gp", "password", PASSWORD)),
                headers);
    }

    static TestWard.Response appLogin(TestWard ward, String apiKey, String ip) {
        return ward.post("/v1/auth/login", TestWard.json(Map.of("tenant", "uk-only", "username", "gp", "password", PASSWORD,
                "client", Map.of("ip", ip, "user_agent", "GeoAttack/1"))), apiKey);
    }

    @Test
    void aForgedForwardedForDoesNotChooseTheCountry() {
        // The attacker in Sweden writes a London address; the proxy appends the address it saw. Ward believes the proxy.
        var forged = browserLogin(w,
                "X-Forwarded-For", TestGeoIpDb.LONDON + ", " + TestGeoIpDb.LINKOPING);
        assertThat(forged.status()).as(forged.raw()).isEqualTo(403);
        assertThat(forged.code()).isEqualTo("location_not_allowed");
        var twoHeaders = browserLogin(w,
                "X-Forwarded-For", TestGeoIpDb.LONDON, "X-Forwarded-For", TestGeoIpDb.LINKOPING);
        assertThat(twoHeaders.code()).isEqualTo("location_not_allowed");
        // Nor does a browser's own "client" object: only an API-key caller's is believed.
        var vouched = w.send("POST", "/v1/auth/login", TestWard.json(Map.of("tenant", "uk-only", "username", "gp", "password", PASSWORD,
                "client", Map.of("ip", TestGeoIpDb.LONDON))), "X-Forwarded-For", TestGeoIpDb.LINKOPING);
        assertThat(vouched.code()).isEqualTo("location_not_allowed");
        assertThat(browserLogin(w, "X-Forwarded-For", TestGeoIpDb.LONDON).status())
                .as("the same path from London signs in").isEqualTo(200);
    }

    @Test
    void addressesWrittenToSlipPastTheLookupAreLocatedOrRefused() {
        assertThat(appLogin(w, key, "::ffff:" + TestGeoIpDb.LONDON).status()).isEqualTo(200);
        for (String ip : List.of("::ffff:" + TestGeoIpDb.LINKOPING, "64:ff9b::59a0:1480", "2001:db8::1", "2a00:1450::1",
                "192.0.2.10", TestGeoIpDb.NOWHERE)) {
            var r = appLogin(w, key, ip);
            assertThat(r.status()).as(ip).isEqualTo(403);
            assertThat(r.code()).as(ip).isEqualTo("location_not_allowed");
        }
        for (String ip : List.of("010.1.1.1", "1.2.3", "81.2.69.142%eth0", "fe80::1%eth0", "0x51.2.69.142")) {
            assertThat(appLogin(w, key, ip).status()).as(ip).isEqualTo(400);
        }
    }

    @Test
    void aFileSwappedForATruncatedEmptyOrMissingOneKeepsTheEditionInUse() throws IOException {
        GeoIpFile file = (GeoIpFile) w.ward.core().geo();
        byte[] good = Files.readAllBytes(db);
        Path swap = dir.resolve("swap.mmdb");
        long t = Instant.now().getEpochSecond();
        try {
            for (byte[] bad : List.of(Arrays.copyOf(good, good.length / 2), Arrays.copyOfRange(good, good.length / 2, good.length),
                    new byte[0])) {
                Files.write(swap, bad);
                Files.setLastModifiedTime(swap, FileTime.from(Instant.ofEpochSecond(t += 60)));
                Files.move(swap, db, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                assertThat(file.refresh()).as(bad.length + " bytes").isFalse();
                assertThat(appLogin(w, key, TestGeoIpDb.LINKOPING).code()).as("never every country").isEqualTo("location_not_allowed");
                assertThat(appLogin(w, key, TestGeoIpDb.LONDON).status()).as("the old edition still locates").isEqualTo(200);
            }
            Files.delete(db);
            assertThat(file.refresh()).isFalse();
            assertThat(appLogin(w, key, TestGeoIpDb.LINKOPING).code()).isEqualTo("location_not_allowed");
            assertThat(file.describe()).contains("keeping the edition read before");
        } finally {
            TestGeoIpDb.write(db, TestGeoIpDb.PLACES);
            Files.setLastModifiedTime(db, FileTime.from(Instant.ofEpochSecond(t + 60)));
            file.refresh();
        }
    }

    @Test
    void withoutAReadableFileRestrictedCountriesRefuseEveryPublicAddress() throws IOException {
        try (TestWard blind = TestWard.configured(c -> c.withGeoipDb(Optional.of(dir.resolve("never-there.mmdb"))))) {
            blind.createTenant("uk-only", Map.of("mfa", Map.of("required_roles", List.of()),
                    "geo", Map.of("allowed_countries", List.of("GB"))));
            blind.createUser("uk-only", "gp", PASSWORD, "staff");
            String app = blind.createApiKey("uk-only", "sessions");
            var r = appLogin(blind, app, TestGeoIpDb.LONDON);
            assertThat(r.status()).as("fails closed: London cannot be told from anywhere else").isEqualTo(403);
            assertThat(r.code()).isEqualTo("location_not_allowed");
        }
    }
}
