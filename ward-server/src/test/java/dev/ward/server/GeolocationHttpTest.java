package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ward.server.geo.GeoIpFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Locations from an operator's GeoIP2 City file (API.md login history, issue 14 item 1): on login history, the admin
 * session list and audit details; {@code geo.allowed_countries}; a new edition of the file taken up without a restart.
 * The database is written by MaxMind's own writer, so known test addresses map to known places.
 */
class GeolocationHttpTest {
    static final String PASSWORD = "Geo-Location-Pass-9!";
    static TestGeoIpDb.Directory geo;
    static Path dir;
    static Path db;
    static TestWard w;
    static String app;

    @BeforeAll
    static void start() throws IOException {
        geo = TestGeoIpDb.Directory.orSkip("GeolocationHttpTest");
        dir = geo.dir();
        db = geo.db();
        w = TestWard.configured(c -> c.withGeoipDb(Optional.of(db)));
        w.createTenant("clinic");
        w.createTenant("uk-only", Map.of("mfa", Map.of("required_roles", List.of()), "geo", Map.of("allowed_countries", List.of("GB"))));
        w.createUser("clinic", "nurse", PASSWORD, "staff");
        w.createUser("uk-only", "gp", PASSWORD, "staff");
        app = w.createApiKey("clinic", "sessions");
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

    /** A login as a back-end makes it, for an end user at {@code ip}. */
    static TestWard.Response loginFrom(String tenant, String username, String ip, String key) {
        return w.post("/v1/auth/login", TestWard.json(Map.of("tenant", tenant, "username", username, "password", PASSWORD,
                "client", Map.of("ip", ip, "user_agent", "GeoTest/1"))), key);
    }

    @Test
    void loginHistorySessionsAndAuditSayWhereALoginCameFrom() {
        var login = loginFrom("clinic", "nurse", TestGeoIpDb.LONDON, app);
        assertThat(login.status()).as(login.raw()).isEqualTo(200);

        JsonNode attempt = w.get("/v1/admin/login-history?tenant=clinic&username=nurse", w.adminToken()).json().path("attempts").get(0);
        assertThat(attempt.path("ip").asText()).isEqualTo(TestGeoIpDb.LONDON);
        assertThat(attempt.path("location").path("country").asText()).isEqualTo("GB");
        assertThat(attempt.path("location").path("city").asText()).isEqualTo("London");
        assertThat(attempt.path("location").path("latitude").asDouble()).isEqualTo(51.5142);
        assertThat(attempt.path("location").path("longitude").asDouble()).isEqualTo(-0.0931);

        JsonNode session = w.get("/v1/admin/sessions?tenant=clinic", w.adminToken()).json().path("sessions").get(0);
        assertThat(session.path("client").path("location").path("country").asText()).isEqualTo("GB");

        JsonNode event = w.get("/v1/admin/audit?tenant=clinic&type=login.succeeded", w.adminToken()).json().path("events").get(0);
        assertThat(event.path("details").path("location").path("city").asText()).isEqualTo("London");
        assertThat(event.path("details").path("location").path("latitude").asText()).isEqualTo("51.5142");

        // The user's own device list says where each session is too (seed 001's "where am I signed in"): the London
        // session, listed to a second session of the same user signed in from Linköping.
        var other = loginFrom("clinic", "nurse", TestGeoIpDb.LINKOPING, app);
        JsonNode london = null;
        for (JsonNode each : w.get("/v1/me/sessions", other.text("token")).json().path("sessions")) {
            london = each.path("id").asText().equals(login.json().path("session").path("id").asText()) ? each : london;
        }
        assertThat(london).as("the London session in the other session's list").isNotNull();
        assertThat(london.path("current").asBoolean()).isFalse();
        assertThat(london.path("client").path("location").path("city").asText()).isEqualTo("London");

        // A loopback address (this test's own browser login) is never located.
        w.login("clinic", "nurse", PASSWORD);
        JsonNode local = w.get("/v1/admin/login-history?tenant=clinic&username=nurse", w.adminToken()).json().path("attempts").get(0);
        assertThat(local.path("ip").asText()).isEqualTo("127.0.0.1");
        assertThat(local.has("location")).isFalse();
    }

    @Test
    void allowedCountriesRefuseLoginsFromElsewhereAlikeForEveryAccount() {
        String key = w.createApiKey("uk-only", "sessions");
        assertThat(loginFrom("uk-only", "gp", TestGeoIpDb.LONDON, key).status()).isEqualTo(200);

        for (String ip : List.of(TestGeoIpDb.LINKOPING, TestGeoIpDb.NOWHERE)) {
            var refused = loginFrom("uk-only", "gp", ip, key);
            assertThat(refused.status()).as(ip).isEqualTo(403);
            assertThat(refused.code()).isEqualTo("location_not_allowed");
            assertThat(refused.header("Content-Type")).startsWith("application/problem+json");
        }
        var unknownUser = loginFrom("uk-only", "nobody", TestGeoIpDb.LINKOPING, key);
        assertThat(unknownUser.code()).as("the same answer for an account that does not exist").isEqualTo("location_not_allowed");

        JsonNode attempts = w.get("/v1/admin/login-history?tenant=uk-only&username=gp", w.adminToken()).json().path("attempts");
        assertThat(attempts.get(0).path("failure_reason").asText()).isEqualTo("location_not_allowed");
        assertThat(attempts.get(1).path("location").path("country").asText()).isEqualTo("SE");
        JsonNode events = w.get("/v1/admin/audit?tenant=uk-only&type=login.failed", w.adminToken()).json().path("events");
        assertThat(events).anySatisfy(e -> {
            assertThat(e.path("outcome").asText()).isEqualTo("denied");
            assertThat(e.path("details").path("reason").asText()).isEqualTo("location_not_allowed");
            assertThat(e.path("details").path("location").path("country").asText()).isEqualTo("SE");
        });
        // The organisation's own network (here loopback) is not located and not refused.
        assertThat(w.post("/v1/auth/login", TestWard.json(Map.of("tenant", "uk-only", "username", "gp", "password", PASSWORD)), null)
                .status()).isEqualTo(200);
        // Refusals by location count toward no lockout: the right password from London still signs in.
        assertThat(loginFrom("uk-only", "gp", TestGeoIpDb.LONDON, key).status()).isEqualTo(200);
    }

    @Test
    void aNewEditionOfTheFileIsTakenUpWithoutARestart() throws IOException {
        GeoIpFile file = (GeoIpFile) w.ward.core().geo();
        assertThat(file.refresh()).as("unchanged").isFalse();
        Path next = dir.resolve("next.mmdb");
        TestGeoIpDb.write(next, List.of("216.160.83.0/24=CA,Vancouver,49.2497,-123.1193"));
        Files.move(next, db, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        Files.setLastModifiedTime(db, FileTime.from(Instant.now().plusSeconds(60)));
        try {
            assertThat(file.refresh()).isTrue();
            assertThat(file.locate(TestGeoIpDb.MILTON).orElseThrow().country()).isEqualTo("CA");
            assertThat(file.locate(TestGeoIpDb.LONDON)).isEmpty();

            Files.writeString(db, "not a database");
            Files.setLastModifiedTime(db, FileTime.from(Instant.now().plusSeconds(120)));
            assertThat(file.refresh()).as("a broken file keeps the edition read before").isFalse();
            assertThat(file.locate(TestGeoIpDb.MILTON).orElseThrow().city()).isEqualTo("Vancouver");
        } finally {
            TestGeoIpDb.write(db, TestGeoIpDb.PLACES);
            Files.setLastModifiedTime(db, FileTime.from(Instant.now().plusSeconds(180)));
            file.refresh();
        }
    }
}
