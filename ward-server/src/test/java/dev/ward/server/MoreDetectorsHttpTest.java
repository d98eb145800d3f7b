package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import dev.ward.server.mail.SmtpTarget;
import jakarta.mail.internet.MimeMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The detectors beyond the login ones (issue 14 item 2, decision 0027) driven through the HTTP API on the embedded
 * database: logins from mapped GeoIP test addresses (impossible travel), a session seen from two addresses (session
 * hijack), patients opened and data read (exfiltration), logins past the session limit, wrong MFA codes and an
 * enrolment-only session going elsewhere (MFA bypass). Each incident raises exactly one alert whose evidence is the
 * seqs of the trail's events, delivered to a real webhook (and, for travel, by mail to GreenMail); the windows run on
 * the test clock.
 */
class MoreDetectorsHttpTest {
    static final String PASSWORD = DetectorsHttpTest.PASSWORD;
    static final String LONDON_TOO = "81.2.69.200";
    /** London too, but another network placed 17 km west of the first. */
    static final String WEST_LONDON = "81.2.70.10";
    /** Oxford, some 80 km from London. */
    static final String OXFORD = "2.125.160.216";
    static GreenMail smtp;
    static TestWard w;
    static WebhookReceiver receiver;

    @BeforeAll
    static void start() {
        Path db = TestGeoIpDb.placesOrSkip("MoreDetectorsHttpTest", "81.2.70.0/24=GB,London,51.6000,-0.3000",
                "2.125.160.0/24=GB,Oxford,51.7520,-1.2577");
        smtp = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
        receiver = new WebhookReceiver(DetectorsHttpTest.SECRET);
        DetectorsHttpTest.receiver = receiver;
        w = TestWard.configured(c -> c.withTrustedProxies(List.of("127.0.0.1")).withGeoipDb(Optional.of(db))
                .withSmtp(Optional.of(SmtpTarget.parse("smtp://127.0.0.1:" + smtp.getSmtp().getPort() + "?from=ward@clinic.test")))
                .withPublicUrl(Optional.of("https://ward.clinic.test")));
    }

    @AfterAll
    static void stop() {
        if (w != null) {
            w.close();
            receiver.close();
            smtp.stop();
        }
    }

    /** A tenant whose alerts go to the webhook receiver; {@code more} adds policy groups (session, login, alerts...). */
    static void tenant(TestWard w, String id, Map<String, Object> detect, Map<String, Object> more) {
        Map<String, Object> policy = new HashMap<>(Map.of("mfa", Map.of("required_roles", List.of()), "detect", detect,
                "alerts", Map.of("webhook_url", DetectorsHttpTest.receiver.url(), "webhook_secret", DetectorsHttpTest.SECRET)));
        policy.putAll(more);
        w.createTenant(id, policy);
    }

    /** A browser login from {@code ip} (through the trusted proxy): the session token. */
    static String loginFrom(TestWard w, String tenant, String username, String ip) {
        var r = w.send("POST", "/v1/auth/login", TestWard.json(Map.of("tenant", tenant, "username", username, "password", PASSWORD)),
                "X-Forwarded-For", ip);
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        return r.text("token");
    }

    /** The seqs of the tenant's events of a type about one user, oldest first. */
    static List<Long> seqs(TestWard w, String tenant, String type, String userId) {
        List<Long> seqs = new ArrayList<>();
        DetectorsHttpTest.events(w, tenant, type, userId).forEach(e -> seqs.add(0, e.path("seq").asLong()));
        return seqs;
    }

    /** The webhook deliveries the receiver accepted (signature verified) for one alert. */
    static long delivered(String alertId) {
        return receiver.accepted().stream().filter(r -> r.json().path("id").asText().equals(alertId)).count();
    }

    // --- impossible travel --------------------------------------------------------------------------------

    @Test
    void loginsFromLondonAndWashingtonTwentyMinutesApartAreOneImpossibleTravelAlertByWebhookAndMail() throws Exception {
        tenant(w, "travel", Map.of("window_seconds", 3600, "quiet_seconds", 3600),
                Map.of("alerts", Map.of("webhook_url", receiver.url(), "webhook_secret", DetectorsHttpTest.SECRET,
                        "email_recipients", List.of("security@clinic.test"))));
        String nurse = w.createUser("travel", "nurse", PASSWORD, "staff");
        loginFrom(w, "travel", "nurse", TestGeoIpDb.LONDON);
        w.ward.detectNow();
        w.clock.advance(Duration.ofMinutes(20));
        loginFrom(w, "travel", "nurse", TestGeoIpDb.MILTON);
        w.ward.detectNow();

        List<JsonNode> raised = DetectorsHttpTest.alerts(w, "travel", "impossible_travel");
        assertThat(raised).singleElement().satisfies(a -> {
            assertThat(a.path("severity").asText()).isEqualTo("high");
            assertThat(a.path("subject").path("user_id").asText()).isEqualTo(nurse);
            assertThat(a.path("details").path("scope").asText()).isEqualTo("account");
            assertThat(a.path("details").path("from").path("city").asText()).isEqualTo("London");
            assertThat(a.path("details").path("to").path("city").asText()).isEqualTo("Milton");
            // London to Milton, WA is about 7,700 km: over 20 minutes, some 23,000 km/h.
            assertThat(a.path("details").path("distance_km").asLong()).isBetween(7_600L, 7_800L);
            assertThat(a.path("details").path("seconds").asLong()).isEqualTo(1200);
            assertThat(a.path("details").path("speed_kmh").asLong()).isBetween(22_000L, 24_000L);
            assertThat(a.path("details").path("threshold").asLong()).isEqualTo(1000);
        });
        List<Long> logins = seqs(w, "travel", "login.succeeded", nurse);
        assertThat(DetectorsHttpTest.evidence(raised.get(0))).as("both logins, and nothing else").isEqualTo(logins);

        // Back in London five minutes later: the same incident (the account is in two places), no second alert.
        w.clock.advance(Duration.ofMinutes(5));
        loginFrom(w, "travel", "nurse", TestGeoIpDb.LONDON);
        w.ward.detectNow();
        assertThat(DetectorsHttpTest.alerts(w, "travel", "impossible_travel")).hasSize(1);

        w.ward.deliverAlertsNow();
        String id = raised.get(0).path("id").asText();
        assertThat(delivered(id)).isEqualTo(1);
        MimeMessage mail = Arrays.stream(smtp.getReceivedMessages()).filter(m -> GreenMailUtil.getBody(m).contains(id))
                .findFirst().orElseThrow();
        assertThat(mail.getSubject()).isEqualTo("[Ward] high alert: impossible_travel in travel");
        assertThat(GreenMailUtil.getBody(mail)).as("no place or user in mail").doesNotContain("London", "Milton", nurse);
    }

    @Test
    void oneCityUnknownPlacesAndATripAtTrainSpeedRaiseNothingButTheSameTripInHalfTheTimeDoes() {
        tenant(w, "trips", Map.of("window_seconds", 86_400, "quiet_seconds", 600), Map.of());
        String gp = w.createUser("trips", "gp", PASSWORD, "staff");
        // Networks of one city a minute apart, placed in one spot or 17 km apart (1,020 km/h), and a town 80 km away a
        // minute later: GeoIP's precision, not travel.
        loginFrom(w, "trips", "gp", TestGeoIpDb.LONDON);
        w.ward.detectNow();
        for (String ip : List.of(LONDON_TOO, WEST_LONDON, OXFORD, TestGeoIpDb.LONDON)) {
            w.clock.advance(Duration.ofMinutes(1));
            loginFrom(w, "trips", "gp", ip);
            w.ward.detectNow();
        }
        // An address the GeoIP file does not know says nothing, and is not the point the next login is measured from.
        loginFrom(w, "trips", "gp", TestGeoIpDb.NOWHERE);
        w.ward.detectNow();
        // London to Linkoping (about 1,260 km) in two hours: 630 km/h, under the 1000 of the default policy.
        w.clock.advance(Duration.ofHours(2));
        loginFrom(w, "trips", "gp", TestGeoIpDb.LINKOPING);
        w.ward.detectNow();
        assertThat(DetectorsHttpTest.alerts(w, "trips", "impossible_travel")).isEmpty();

        // Back to London in one hour: 1,260 km/h.
        w.clock.advance(Duration.ofHours(1));
        loginFrom(w, "trips", "gp", TestGeoIpDb.LONDON);
        w.ward.detectNow();
        List<Long> logins = seqs(w, "trips", "login.succeeded", gp);
        assertThat(DetectorsHttpTest.alerts(w, "trips", "impossible_travel")).singleElement().satisfies(a -> {
            assertThat(a.path("details").path("speed_kmh").asLong()).isBetween(1_240L, 1_280L);
            assertThat(DetectorsHttpTest.evidence(a)).as("Linkoping, then London").containsExactly(
                    logins.get(logins.size() - 2), logins.get(logins.size() - 1));
        });

        // Two logins in the same millisecond, 1,260 km apart: no division by zero, and plainly impossible.
        String locum = w.createUser("trips", "locum", PASSWORD, "staff");
        loginFrom(w, "trips", "locum", TestGeoIpDb.LINKOPING);
        loginFrom(w, "trips", "locum", TestGeoIpDb.LONDON);
        w.ward.detectNow();
        assertThat(DetectorsHttpTest.alerts(w, "trips", "impossible_travel"))
                .filteredOn(a -> a.path("subject").path("user_id").asText().equals(locum)).singleElement()
                .satisfies(a -> {
                    assertThat(a.path("details").path("seconds").asLong()).isZero();
                    assertThat(a.path("details").path("speed_kmh").asLong()).isPositive();
                    assertThat(DetectorsHttpTest.evidence(a)).isEqualTo(seqs(w, "trips", "login.succeeded", locum));
                });
    }

    // --- session hijack -----------------------------------------------------------------------------------

    @Test
    void aBindingChangeUnderWarnIsOneAlertAndTheSessionGoingBackAndForthIsAnotherForTheAccount() {
        tenant(w, "hijack", Map.of("window_seconds", 600, "quiet_seconds", 600), Map.of());
        String clerk = w.createUser("hijack", "clerk", PASSWORD, "staff");
        String token = loginFrom(w, "hijack", "clerk", "198.51.100.10");
        // Used from the address it signed in from: nothing recorded, nothing raised.
        var same = w.send("GET", "/v1/session", null, "Authorization", "Bearer " + token, "X-Forwarded-For", "198.51.100.10");
        assertThat(same.status()).isEqualTo(200);
        String session = same.json().path("id").asText();
        assertThat(seqs(w, "hijack", "session.binding_changed", clerk)).isEmpty();

        assertThat(useFrom(token, "203.0.113.99")).isEqualTo(200);
        w.ward.detectNow();
        List<Long> firstChange = seqs(w, "hijack", "session.binding_changed", clerk);
        assertThat(DetectorsHttpTest.alerts(w, "hijack", "session_hijack")).singleElement().satisfies(a -> {
            assertThat(a.path("severity").asText()).isEqualTo("medium");
            assertThat(a.path("subject").path("session_id").asText()).isEqualTo(session);
            assertThat(a.path("subject").path("user_id").asText()).isEqualTo(clerk);
            assertThat(a.path("details").path("kind").asText()).isEqualTo("binding_changed");
            assertThat(a.path("details").path("scope").asText()).isEqualTo("session");
            assertThat(a.path("details").path("change").path("previous_ip").asText()).isEqualTo("198.51.100.10");
            assertThat(DetectorsHttpTest.evidence(a)).isEqualTo(firstChange);
        });

        // The first holder uses it again: two places at once.
        w.clock.advance(Duration.ofSeconds(30));
        assertThat(useFrom(token, "198.51.100.10")).isEqualTo(200);
        w.ward.detectNow();
        List<Long> changes = seqs(w, "hijack", "session.binding_changed", clerk);
        List<JsonNode> twoPlaces = DetectorsHttpTest.alerts(w, "hijack", "session_hijack").stream()
                .filter(a -> a.path("details").path("kind").asText().equals("two_places")).toList();
        assertThat(twoPlaces).singleElement().satisfies(a -> {
            assertThat(a.path("severity").asText()).isEqualTo("high");
            assertThat(a.path("details").path("scope").asText()).isEqualTo("account");
            assertThat(a.path("details").path("returns").asInt()).isEqualTo(1);
        });
        assertThat(DetectorsHttpTest.evidence(twoPlaces.get(0))).as("the move away, and the move back").isEqualTo(changes);

        // Taking turns goes on: the same two incidents.
        for (int i = 0; i < 4; i++) {
            w.clock.advance(Duration.ofSeconds(20));
            useFrom(token, i % 2 == 0 ? "203.0.113.99" : "198.51.100.10");
        }
        w.ward.detectNow();
        assertThat(DetectorsHttpTest.alerts(w, "hijack", "session_hijack")).hasSize(2);
        w.ward.deliverAlertsNow();
        DetectorsHttpTest.alerts(w, "hijack", "session_hijack").forEach(a -> assertThat(delivered(a.path("id").asText())).isEqualTo(1));
    }

    @Test
    void underStrictOrOffNoBindingChangeIsReported() {
        tenant(w, "strictly", Map.of(), Map.of("session", Map.of("binding", "strict")));
        w.createUser("strictly", "porter", PASSWORD, "staff");
        String token = loginFrom(w, "strictly", "porter", "198.51.100.11");
        assertThat(useFrom(token, "203.0.113.98")).as("ended by strict binding").isEqualTo(401);
        tenant(w, "loosely", Map.of(), Map.of("session", Map.of("binding", "off")));
        w.createUser("loosely", "porter", PASSWORD, "staff");
        String other = loginFrom(w, "loosely", "porter", "198.51.100.12");
        for (int i = 0; i < 4; i++) {
            assertThat(useFrom(other, i % 2 == 0 ? "203.0.113.97" : "198.51.100.12")).isEqualTo(200);
        }
        w.ward.detectNow();
        assertThat(DetectorsHttpTest.alerts(w, "strictly", "session_hijack")).isEmpty();
        assertThat(DetectorsHttpTest.alerts(w, "loosely", "session_hijack")).isEmpty();
    }

    private static int useFrom(String token, String ip) {
        return w.send("GET", "/v1/session", null, "Authorization", "Bearer " + token, "X-Forwarded-For", ip).status();
    }

    // --- data exfiltration and the automatic response -----------------------------------------------------

    @Test
    void patientsOpenedOrBytesReadPastTheThresholdsRaiseOneAlertAndEndTheSessionsOnce() {
        tenant(w, "exfil", Map.of("window_seconds", 600, "quiet_seconds", 600, "exfiltration_patients", 8,
                "exfiltration_bytes", 200_000, "response", "end_session"), Map.of());
        String scraper = w.createUser("exfil", "scraper", PASSWORD, "staff");
        String token = w.login("exfil", "scraper", PASSWORD);
        String other = w.login("exfil", "scraper", PASSWORD);
        // Seven patients, re-opened again and again: seven distinct, below the threshold.
        for (int i = 0; i < 14; i++) {
            assertThat(w.post("/v1/session/patients/p-" + (i % 7), "{}", token).status()).isEqualTo(200);
        }
        w.ward.detectNow();
        assertThat(DetectorsHttpTest.alerts(w, "exfil", "data_exfiltration")).isEmpty();
        for (int i = 7; i < 10; i++) {
            assertThat(w.post("/v1/session/patients/p-" + i, "{}", token).status()).isEqualTo(200);
        }
        w.ward.detectNow();
        w.ward.detectNow();
        List<JsonNode> raised = DetectorsHttpTest.alerts(w, "exfil", "data_exfiltration");
        assertThat(raised).singleElement().satisfies(a -> {
            assertThat(a.path("severity").asText()).isEqualTo("high");
            assertThat(a.path("subject").path("user_id").asText()).isEqualTo(scraper);
            assertThat(a.path("details").path("measure").asText()).isEqualTo("patients");
            assertThat(a.path("details").path("patients").asInt()).isEqualTo(8);
        });
        // The evidence: the opens up to the eighth distinct patient (the first fifteen patient.opened events).
        List<Long> opened = seqs(w, "exfil", "patient.opened", scraper);
        assertThat(DetectorsHttpTest.evidence(raised.get(0))).isEqualTo(opened.subList(0, 15));

        // detect.response = end_session, once: both of the user's sessions are over.
        assertThat(w.get("/v1/session", token).status()).isEqualTo(401);
        assertThat(w.get("/v1/session", other).status()).isEqualTo(401);
        String by = "detector:" + raised.get(0).path("id").asText();
        assertThat(DetectorsHttpTest.events(w, "exfil", "alert.responded", scraper)).singleElement().satisfies(e -> {
            assertThat(e.path("actor").asText()).isEqualTo(by);
            assertThat(e.path("details").path("sessions_ended").asInt()).isEqualTo(2);
        });
        w.ward.detectNow();
        assertThat(DetectorsHttpTest.events(w, "exfil", "alert.responded", scraper)).hasSize(1);

        // Bytes: another user reads one 50 KB value four times.
        String reader = w.createUser("exfil", "reader", PASSWORD, "staff");
        String mine = w.login("exfil", "reader", PASSWORD);
        assertThat(w.post("/v1/session/patients/p-1", "{}", mine).status()).isEqualTo(200);
        String big = TestWard.json("x".repeat(50_000));
        assertThat(w.put("/v1/session/patients/p-1/data/notes", big, mine).status()).isEqualTo(204);
        for (int i = 0; i < 3; i++) {
            assertThat(w.get("/v1/session/patients/p-1/data/notes", mine).status()).isEqualTo(200);
        }
        w.ward.detectNow();
        assertThat(DetectorsHttpTest.alerts(w, "exfil", "data_exfiltration")).hasSize(1);
        assertThat(w.get("/v1/session/patients/p-1/data/notes", mine).status()).isEqualTo(200);
        w.ward.detectNow();
        JsonNode bytes = DetectorsHttpTest.alerts(w, "exfil", "data_exfiltration").stream()
                .filter(a -> a.path("subject").path("user_id").asText().equals(reader)).findFirst().orElseThrow();
        assertThat(bytes.path("details").path("measure").asText()).isEqualTo("bytes");
        assertThat(bytes.path("details").path("bytes").asLong()).isEqualTo(4L * big.length());
        assertThat(DetectorsHttpTest.evidence(bytes)).isEqualTo(seqs(w, "exfil", "patient.data_read", reader));

        w.ward.deliverAlertsNow();
        DetectorsHttpTest.alerts(w, "exfil", "data_exfiltration").forEach(a -> assertThat(delivered(a.path("id").asText())).isEqualTo(1));
    }

    /**
     * Reads that leave the window stop counting inside a pass too (the running tally a step keeps, decision 0027): one
     * read, counted in a pass; then in the next pass a read 200 s later, and 110 s after that two more — the first has
     * left the five-minute window by then, so the alert comes with the fourth read (three reads' worth over 2.5),
     * resting on reads two to four.
     */
    @Test
    void bytesReadOutsideTheWindowStopCountingWithinOnePass() {
        // A node of its own without the background pass, so that the passes are exactly the test's detectNow() calls.
        try (TestWard solo = TestWard.configured(c -> c.withDetectors(false))) {
            String big = TestWard.json("y".repeat(50_000));
            tenant(solo, "sliding", Map.of("window_seconds", 300, "exfiltration_bytes", big.length() * 5L / 2), Map.of());
            String reader = solo.createUser("sliding", "reader", PASSWORD, "staff");
            String token = solo.login("sliding", "reader", PASSWORD);
            assertThat(solo.post("/v1/session/patients/p-1", "{}", token).status()).isEqualTo(200);
            assertThat(solo.put("/v1/session/patients/p-1/data/notes", big, token).status()).isEqualTo(204);
            assertThat(solo.get("/v1/session/patients/p-1/data/notes", token).status()).isEqualTo(200);
            solo.ward.detectNow();
            solo.clock.advance(Duration.ofSeconds(200));
            assertThat(solo.get("/v1/session/patients/p-1/data/notes", token).status()).isEqualTo(200);
            solo.clock.advance(Duration.ofSeconds(110));
            for (int i = 0; i < 2; i++) {
                assertThat(solo.get("/v1/session/patients/p-1/data/notes", token).status()).isEqualTo(200);
            }
            solo.ward.detectNow();
            List<Long> reads = seqs(solo, "sliding", "patient.data_read", reader);
            assertThat(reads).hasSize(4);
            assertThat(DetectorsHttpTest.alerts(solo, "sliding", "data_exfiltration")).singleElement().satisfies(a -> {
                assertThat(a.path("details").path("bytes").asLong()).isEqualTo(3L * big.length());
                assertThat(DetectorsHttpTest.evidence(a)).isEqualTo(reads.subList(1, 4));
            });
        }
    }

    /** One turn of the schedule looks at more than one batch when more are waiting: a busy trail is not left behind. */
    @Test
    void oneTurnOfTheScheduleReadsPastOneBatch() {
        try (TestWard solo = TestWard.configured(c -> c.withDetectors(false))) {
            String small = TestWard.json("z".repeat(100));
            int reads = dev.ward.detect.DetectorsAccess.batch() + 60;
            tenant(solo, "busy", Map.of("window_seconds", 3600, "exfiltration_bytes", (long) small.length() * (reads - 10)), Map.of());
            solo.createUser("busy", "reader", PASSWORD, "staff");
            String token = solo.login("busy", "reader", PASSWORD);
            assertThat(solo.post("/v1/session/patients/p-1", "{}", token).status()).isEqualTo(200);
            assertThat(solo.put("/v1/session/patients/p-1/data/notes", small, token).status()).isEqualTo(204);
            for (int i = 0; i < reads; i++) {
                assertThat(solo.get("/v1/session/patients/p-1/data/notes", token).status()).isEqualTo(200);
            }
            solo.ward.detectOneTurn();
            assertThat(DetectorsHttpTest.alerts(solo, "busy", "data_exfiltration")).as("crossed past the first batch").hasSize(1);
        }
    }

    // --- concurrent limit ---------------------------------------------------------------------------------

    @Test
    void loginsPastTheSessionLimitRefusedOrEvictingRaiseOneAlert() {
        tenant(w, "limited", Map.of("concurrent_limit_hits", 3), Map.of("session", Map.of("max_concurrent", 1, "on_limit", "reject")));
        String shared = w.createUser("limited", "shared", PASSWORD, "staff");
        w.login("limited", "shared", PASSWORD);
        for (int i = 0; i < 4; i++) {
            var refused = w.send("POST", "/v1/auth/login", TestWard.json(Map.of("tenant", "limited", "username", "shared",
                    "password", PASSWORD)));
            assertThat(refused.code()).isEqualTo("session_limit_reached");
        }
        w.ward.detectNow();
        List<Long> hits = seqs(w, "limited", "session.limit_reached", shared);
        assertThat(DetectorsHttpTest.alerts(w, "limited", "concurrent_limit")).singleElement().satisfies(a -> {
            assertThat(a.path("severity").asText()).isEqualTo("medium");
            assertThat(a.path("subject").path("user_id").asText()).isEqualTo(shared);
            assertThat(a.path("details").path("on_limit").asText()).isEqualTo("reject");
            assertThat(DetectorsHttpTest.evidence(a)).isEqualTo(hits.subList(0, 3));
        });

        tenant(w, "evicting", Map.of("concurrent_limit_hits", 3), Map.of("session", Map.of("max_concurrent", 1)));
        String swapped = w.createUser("evicting", "swapped", PASSWORD, "staff");
        for (int i = 0; i < 4; i++) {
            w.login("evicting", "swapped", PASSWORD);
        }
        w.ward.detectNow();
        List<Long> evictions = seqs(w, "evicting", "session.revoked", swapped);
        assertThat(evictions).hasSize(3);
        assertThat(DetectorsHttpTest.alerts(w, "evicting", "concurrent_limit")).singleElement()
                .satisfies(a -> assertThat(DetectorsHttpTest.evidence(a)).isEqualTo(evictions));
    }

    // --- MFA bypass ---------------------------------------------------------------------------------------

    @Test
    void wrongCodesAndAnEnrolmentOnlySessionReachingElsewhereAreTwoMfaBypassIncidents() {
        tenant(w, "second", Map.of("mfa_failures", 3, "mfa_scope_denials", 3),
                Map.of("mfa", Map.of("required_roles", List.of("provider")), "login", Map.of("max_failures", 100)));
        MfaHttpTest.Enrolled doctor = MfaHttpTest.enrol(w, "second", "doctor");
        String challenge = MfaHttpTest.login(w, "second", "doctor").text("challenge");
        for (String wrong : List.of("000000", "111111")) {
            assertThat(MfaHttpTest.verify(w, challenge, wrong).code()).isEqualTo("invalid_mfa_code");
        }
        w.ward.detectNow();
        assertThat(DetectorsHttpTest.alerts(w, "second", "mfa_bypass")).isEmpty();
        assertThat(MfaHttpTest.verify(w, challenge, "222222").code()).isEqualTo("invalid_mfa_code");
        w.ward.detectNow();
        List<Long> failed = seqs(w, "second", "mfa.failed", doctor.userId());
        assertThat(DetectorsHttpTest.alerts(w, "second", "mfa_bypass")).singleElement().satisfies(a -> {
            assertThat(a.path("severity").asText()).isEqualTo("high");
            assertThat(a.path("subject").path("user_id").asText()).isEqualTo(doctor.userId());
            assertThat(a.path("details").path("kind").asText()).isEqualTo("wrong_codes");
            assertThat(DetectorsHttpTest.evidence(a)).isEqualTo(failed);
        });

        // A provider who has not enrolled: the enrolment-only session may enrol, show itself and log out...
        String newcomer = w.createUser("second", "newcomer", MfaHttpTest.PW, "provider");
        String enrolOnly = MfaHttpTest.login(w, "second", "newcomer").text("token");
        assertThat(w.get("/v1/me/mfa", enrolOnly).status()).isEqualTo(200);
        assertThat(w.get("/v1/session", enrolOnly).status()).isEqualTo(200);
        assertThat(w.post("/v1/session/patient-data/clear", null, enrolOnly).code()).as("a beacon: refused, not counted")
                .isEqualTo("mfa_enrollment_required");
        assertThat(seqs(w, "second", "session.scope_denied", newcomer)).isEmpty();
        // ...and everything else is refused and recorded.
        String key = w.createApiKey("second", "sessions");
        List<TestWard.Response> refused = List.of(w.post("/v1/session/patients/p-9", "{}", enrolOnly),
                w.get("/v1/me/sessions", enrolOnly),
                w.post("/v1/sessions/validate", TestWard.json(Map.of("token", enrolOnly)), key));
        refused.forEach(r -> assertThat(r.code()).isEqualTo("mfa_enrollment_required"));
        List<JsonNode> denied = DetectorsHttpTest.events(w, "second", "session.scope_denied", newcomer);
        assertThat(denied).extracting(e -> e.path("details").path("operation").asText()).containsExactlyInAnyOrder(
                "POST /v1/session/patients/{patient_id}", "GET /v1/me/sessions", "POST /v1/sessions/validate");
        assertThat(denied).allSatisfy(e -> assertThat(e.path("outcome").asText()).isEqualTo("denied"));
        w.ward.detectNow();
        List<JsonNode> scope = DetectorsHttpTest.alerts(w, "second", "mfa_bypass").stream()
                .filter(a -> a.path("subject").path("user_id").asText().equals(newcomer)).toList();
        assertThat(scope).singleElement().satisfies(a -> {
            assertThat(a.path("details").path("kind").asText()).isEqualTo("enrollment_scope");
            assertThat(DetectorsHttpTest.evidence(a)).isEqualTo(seqs(w, "second", "session.scope_denied", newcomer));
        });
        w.get("/v1/me/sessions", enrolOnly);
        w.ward.detectNow();
        assertThat(DetectorsHttpTest.alerts(w, "second", "mfa_bypass")).hasSize(2);
    }

    /**
     * A step whose position was never recorded is read again (played by moving the stored position back, as in
     * DetectorsHttpTest): the marks are not counted twice, the last located login is not measured against itself,
     * and the open incidents raise nothing more.
     */
    @Test
    void eventsReadAgainAfterAStepThatDidNotCommitRaiseNothingTwice() {
        tenant(w, "again", Map.of("window_seconds", 3600, "exfiltration_patients", 3), Map.of());
        String user = w.createUser("again", "user", PASSWORD, "staff");
        w.ward.detectNow();
        var db = w.ward.core().db();
        long before = db.call(h -> h.createQuery("SELECT last_seq FROM detect_positions WHERE tenant_id = 'again'")
                .mapTo(Long.class).one());
        loginFrom(w, "again", "user", TestGeoIpDb.LONDON);
        w.ward.detectNow();
        w.clock.advance(Duration.ofMinutes(30));
        String token = loginFrom(w, "again", "user", TestGeoIpDb.LINKOPING);
        for (int i = 0; i < 4; i++) {
            assertThat(w.send("POST", "/v1/session/patients/again-" + i, "{}", "Authorization", "Bearer " + token,
                    "X-Forwarded-For", TestGeoIpDb.LINKOPING).status()).isEqualTo(200);
        }
        w.ward.detectNow();
        assertThat(DetectorsHttpTest.alerts(w, "again", "impossible_travel")).hasSize(1);
        assertThat(DetectorsHttpTest.alerts(w, "again", "data_exfiltration")).hasSize(1);

        db.run(h -> h.createUpdate("UPDATE detect_positions SET last_seq = :s WHERE tenant_id = 'again'").bind("s", before).execute());
        w.ward.detectNow();
        w.ward.detectNow();
        assertThat(DetectorsHttpTest.alerts(w, "again", "impossible_travel")).hasSize(1);
        assertThat(DetectorsHttpTest.alerts(w, "again", "data_exfiltration")).hasSize(1);
        long marks = db.call(h -> h.createQuery("SELECT COUNT(*) FROM detect_marks WHERE tenant_id = 'again'").mapTo(Long.class).one());
        assertThat(marks).isEqualTo(4);
        long last = db.call(h -> h.createQuery("SELECT seq FROM detect_last_login WHERE tenant_id = 'again' AND user_id = :u")
                .bind("u", user).mapTo(Long.class).one());
        assertThat(last).isEqualTo(seqs(w, "again", "login.succeeded", user).getLast());
    }

    // --- break-glass --------------------------------------------------------------------------------------

    @Test
    void breakingTheGlassIsOneAlertFromC6AndTheDetectorsAddNone() {
        tenant(w, "emergency", Map.of("exfiltration_patients", 1), Map.of());
        AlertDeliveryHttpTest.breakTheGlass(w, "emergency", "vip-1");
        w.ward.detectNow();
        w.ward.detectNow();
        assertThat(DetectorsHttpTest.alerts(w, "emergency", "break_glass")).hasSize(1);
        // The opening is a patient.opened like any: with a threshold of one patient, exfiltration counts it (its own type).
        assertThat(DetectorsHttpTest.alerts(w, "emergency", "data_exfiltration")).hasSize(1);
    }
}
