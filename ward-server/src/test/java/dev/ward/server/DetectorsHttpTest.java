package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The login detectors of C8 (issue 14 item 2, decision 0026) driven through the HTTP API on the embedded database:
 * wrong passwords for one account, many usernames from one address, one address hammering a few accounts. Each
 * incident raises exactly one alert whose evidence is seqs of the trail's login.failed events, delivered to a real
 * webhook; windows and quiet periods run on the test clock.
 */
class DetectorsHttpTest {
    static final String PASSWORD = "Detector-Right-Pass-9!";
    static final String SECRET = "whsec-detectors-0123456789";
    /** Small thresholds so that a test sends a few dozen logins, not hundreds (each costs an Argon2 verification). */
    static final Map<String, Object> DETECT = Map.of("window_seconds", 300, "quiet_seconds", 600,
            "brute_force_account_failures", 6, "brute_force_ip_failures", 20, "credential_stuffing_usernames", 5);
    static TestWard w;
    static WebhookReceiver receiver;

    @BeforeAll
    static void start() {
        receiver = new WebhookReceiver(SECRET);
        w = TestWard.configured(c -> c.withTrustedProxies(List.of("127.0.0.1")));
    }

    @AfterAll
    static void stop() {
        w.close();
        receiver.close();
    }

    static void tenant(TestWard w, String id, Map<String, Object> detect) {
        w.createTenant(id, Map.of("mfa", Map.of("required_roles", List.of()), "detect", detect,
                "alerts", Map.of("webhook_url", receiver.url(), "webhook_secret", SECRET)));
    }

    /** A login with a wrong password from {@code ip} (through the trusted proxy); answers the status. */
    static int wrongPassword(TestWard w, String tenant, String username, String ip) {
        return w.send("POST", "/v1/auth/login", TestWard.json(Map.of("tenant", tenant, "username", username,
                "password", "not-the-password-" + username)), "X-Forwarded-For", ip).status();
    }

    static List<JsonNode> alerts(TestWard w, String tenant, String type) {
        List<JsonNode> found = new ArrayList<>();
        w.get("/v1/admin/alerts?tenant=" + tenant, w.adminToken()).json().path("alerts").forEach(a -> {
            if (a.path("type").asText().equals(type)) {
                found.add(a);
            }
        });
        return found;
    }

    static List<Long> evidence(JsonNode alert) {
        List<Long> seqs = new ArrayList<>();
        alert.path("details").path("evidence").forEach(s -> seqs.add(s.asLong()));
        return seqs;
    }

    /** The tenant's login.failed events by seq, as an administrator searches them. */
    static Map<Long, JsonNode> failedLogins(TestWard w, String tenant) {
        JsonNode events = w.get("/v1/admin/audit?tenant=" + tenant + "&type=login.failed&limit=1000", w.adminToken()).json().path("events");
        Map<Long, JsonNode> bySeq = new java.util.TreeMap<>();
        events.forEach(e -> bySeq.put(e.path("seq").asLong(), e));
        return bySeq;
    }

    @Test
    void manyWrongPasswordsForOneAccountRaiseOneBruteForceAlertPerIncident() {
        tenant(w, "clinic", DETECT);
        String nurse = w.createUser("clinic", "nurse", PASSWORD, "staff");
        // Spread out: never six within five minutes, so nothing is raised (nor by the lockout's own failures).
        for (int i = 0; i < 5; i++) {
            assertThat(wrongPassword(w, "clinic", "nurse", "198.51.100.20")).isEqualTo(401);
            w.clock.advance(Duration.ofSeconds(70));
        }
        w.ward.detectNow();
        assertThat(alerts(w, "clinic", "brute_force")).isEmpty();

        w.clock.advance(Duration.ofHours(1));
        for (int i = 0; i < 8; i++) {
            assertThat(wrongPassword(w, "clinic", "nurse", "198.51.100.20")).isEqualTo(401);
            w.clock.advance(Duration.ofSeconds(5));
        }
        w.ward.detectNow();
        List<JsonNode> raised = alerts(w, "clinic", "brute_force");
        assertThat(raised).singleElement().satisfies(a -> {
            assertThat(a.path("severity").asText()).isEqualTo("high");
            assertThat(a.path("status").asText()).isEqualTo("open");
            assertThat(a.path("subject").path("user_id").asText()).isEqualTo(nurse);
            assertThat(a.path("details").path("scope").asText()).isEqualTo("account");
        });
        JsonNode alert = raised.get(0);
        // The sixth failure of the burst raised it: its evidence is those six, each a login.failed of the nurse.
        Map<Long, JsonNode> trail = failedLogins(w, "clinic");
        assertThat(evidence(alert)).hasSize(6).allSatisfy(seq -> {
            assertThat(trail).containsKey(seq);
            assertThat(trail.get(seq).path("user_id").asText()).isEqualTo(nurse);
        });

        // The attack goes on (the account is locked by now): the same incident, no second alert.
        for (int i = 0; i < 6; i++) {
            wrongPassword(w, "clinic", "nurse", "198.51.100.21");
            w.clock.advance(Duration.ofMinutes(2));
        }
        w.ward.detectNow();
        assertThat(alerts(w, "clinic", "brute_force")).hasSize(1);

        // Quiet for longer than detect.quiet_seconds: the incident is over, and a new burst is a new incident.
        w.clock.advance(Duration.ofMinutes(11));
        for (int i = 0; i < 6; i++) {
            wrongPassword(w, "clinic", "nurse", "198.51.100.22");
        }
        w.ward.detectNow();
        assertThat(alerts(w, "clinic", "brute_force")).hasSize(2);
        // Three addresses took turns: nothing per address, and one username is no stuffing.
        assertThat(alerts(w, "clinic", "credential_stuffing")).isEmpty();

        w.ward.deliverAlertsNow();
        var deliveries = w.get("/v1/admin/alerts/" + alert.path("id").asText() + "/deliveries", w.adminToken());
        assertThat(deliveries.status()).as(deliveries.raw()).isEqualTo(200);
        assertThat(deliveries.json().path("deliveries")).singleElement().satisfies(d -> {
            assertThat(d.path("channel").asText()).isEqualTo("webhook");
            assertThat(d.path("outcome").asText()).isEqualTo("delivered");
        });
        assertThat(receiver.accepted()).anySatisfy(r -> {
            assertThat(r.json().path("id").asText()).isEqualTo(alert.path("id").asText());
            assertThat(r.json().path("type").asText()).isEqualTo("brute_force");
        });
    }

    @Test
    void manyUsernamesFromOneAddressRaiseOneCredentialStuffingAlert() {
        tenant(w, "stuffed", DETECT);
        w.createUser("stuffed", "alice", PASSWORD, "staff");
        w.createUser("stuffed", "bob", PASSWORD, "staff");
        List<String> names = List.of("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi");
        for (String name : names) {
            assertThat(wrongPassword(w, "stuffed", name, "203.0.113.50")).isEqualTo(401);
            w.clock.advance(Duration.ofSeconds(3));
        }
        w.ward.detectNow();
        List<JsonNode> raised = alerts(w, "stuffed", "credential_stuffing");
        assertThat(raised).singleElement().satisfies(a -> {
            assertThat(a.path("severity").asText()).isEqualTo("high");
            assertThat(a.path("subject").path("ip").asText()).isEqualTo("203.0.113.50");
            assertThat(a.path("details").path("distinct_usernames").asInt()).isGreaterThanOrEqualTo(5);
        });
        Map<Long, JsonNode> trail = failedLogins(w, "stuffed");
        assertThat(evidence(raised.get(0))).hasSizeGreaterThanOrEqualTo(5).allSatisfy(seq -> {
            assertThat(trail).containsKey(seq);
            assertThat(trail.get(seq).path("ip").asText()).isEqualTo("203.0.113.50");
        });
        // Every name failed once: no account was brute-forced, and eight is below the per-address threshold.
        assertThat(alerts(w, "stuffed", "brute_force")).isEmpty();

        for (String name : List.of("ivan", "judy", "mallory", "oscar")) {
            wrongPassword(w, "stuffed", name, "203.0.113.50");
        }
        w.ward.detectNow();
        assertThat(alerts(w, "stuffed", "credential_stuffing")).hasSize(1);

        // The trail keeps a 16-bit tag of each typed name, never the name (it may be a password typed in the wrong field).
        Set<String> tags = trail.values().stream().map(e -> e.path("details").path("username_tag").asText()).collect(Collectors.toSet());
        assertThat(tags).hasSize(names.size()).allMatch(t -> t.matches("[0-9a-f]{4}"));
        assertThat(trail.values()).noneSatisfy(e -> assertThat(e.toString()).contains("heidi"));
    }

    @Test
    void oneAddressHammeringAFewAccountsRaisesOneBruteForceAlertForTheAddress() {
        tenant(w, "hammered", Map.of("brute_force_ip_failures", 10, "brute_force_account_failures", 100));
        w.createUser("hammered", "ward-clerk", PASSWORD, "staff");
        for (int i = 0; i < 14; i++) {
            wrongPassword(w, "hammered", i % 2 == 0 ? "ward-clerk" : "ward-clerk2", "192.0.2.77");
            w.clock.advance(Duration.ofSeconds(10));
        }
        w.ward.detectNow();
        assertThat(alerts(w, "hammered", "brute_force")).singleElement().satisfies(a -> {
            assertThat(a.path("subject").path("ip").asText()).isEqualTo("192.0.2.77");
            assertThat(a.path("details").path("scope").asText()).isEqualTo("ip");
            assertThat(evidence(a)).hasSize(10);
        });
        assertThat(alerts(w, "hammered", "credential_stuffing")).isEmpty();
    }

    /** The trail's events of a type about one user, newest first. */
    static List<JsonNode> events(TestWard w, String tenant, String type, String userId) {
        List<JsonNode> found = new ArrayList<>();
        w.get("/v1/admin/audit?tenant=" + tenant + "&type=" + type + "&user_id=" + userId, w.adminToken()).json()
                .path("events").forEach(found::add);
        return found;
    }

    @Test
    void lockAccountLocksTheAttackedAccountOnceAndEndsItsSessionsUntilAnAdministratorUnlocksIt() {
        tenant(w, "guarded", Map.of("brute_force_account_failures", 6, "response", "lock_account"));
        // Lockout by login.max_failures out of the way: what locks here is the detector's response.
        assertThat(w.patch("/v1/admin/tenants/guarded", TestWard.json(Map.of("policy", Map.of("login", Map.of("max_failures", 100)))),
                w.adminToken()).status()).isEqualTo(200);
        String pharmacist = w.createUser("guarded", "pharmacist", PASSWORD, "staff");
        String session = w.login("guarded", "pharmacist", PASSWORD);
        for (int i = 0; i < 9; i++) {
            wrongPassword(w, "guarded", "pharmacist", "198.51.100.90");
            w.clock.advance(Duration.ofSeconds(2));
        }
        w.ward.detectNow();
        w.ward.detectNow();
        JsonNode alert = alerts(w, "guarded", "brute_force").getFirst();
        String by = "detector:" + alert.path("id").asText();

        assertThat(w.get("/v1/session", session).status()).as("the account's session ended").isEqualTo(401);
        assertThat(w.send("POST", "/v1/auth/login", TestWard.json(Map.of("tenant", "guarded", "username", "pharmacist",
                "password", PASSWORD))).status()).as("the right password no longer signs in").isEqualTo(401);
        w.clock.advance(Duration.ofDays(30));
        assertThat(w.send("POST", "/v1/auth/login", TestWard.json(Map.of("tenant", "guarded", "username", "pharmacist",
                "password", PASSWORD))).status()).as("nor a month later").isEqualTo(401);

        assertThat(events(w, "guarded", "account.locked", pharmacist)).singleElement().satisfies(e -> {
            assertThat(e.path("actor").asText()).isEqualTo(by);
            assertThat(e.path("details").path("alert_id").asText()).isEqualTo(alert.path("id").asText());
        });
        assertThat(events(w, "guarded", "alert.responded", pharmacist)).singleElement().satisfies(e -> {
            assertThat(e.path("details").path("response").asText()).isEqualTo("lock_account");
            assertThat(e.path("details").path("sessions_ended").asInt()).isEqualTo(1);
        });
        assertThat(events(w, "guarded", "session.revoked", pharmacist)).singleElement()
                .satisfies(e -> assertThat(e.path("actor").asText()).isEqualTo(by));

        // Reversible: the administrator's unlock, as for any lockout.
        assertThat(w.post("/v1/admin/tenants/guarded/users/" + pharmacist + "/unlock", null, w.adminToken()).status()).isEqualTo(204);
        w.login("guarded", "pharmacist", PASSWORD);
        w.ward.detectNow();
        assertThat(events(w, "guarded", "alert.responded", pharmacist)).hasSize(1);
    }

    @Test
    void endSessionEndsTheAccountsSessionsButLeavesItAbleToSignIn() {
        tenant(w, "ended", Map.of("brute_force_account_failures", 6, "response", "end_session"));
        assertThat(w.patch("/v1/admin/tenants/ended", TestWard.json(Map.of("policy", Map.of("login", Map.of("max_failures", 100)))),
                w.adminToken()).status()).isEqualTo(200);
        String porter = w.createUser("ended", "porter", PASSWORD, "staff");
        String first = w.login("ended", "porter", PASSWORD);
        String second = w.login("ended", "porter", PASSWORD);
        for (int i = 0; i < 7; i++) {
            wrongPassword(w, "ended", "porter", "198.51.100.91");
        }
        w.ward.detectNow();
        assertThat(w.get("/v1/session", first).status()).isEqualTo(401);
        assertThat(w.get("/v1/session", second).status()).isEqualTo(401);
        assertThat(events(w, "ended", "account.locked", porter)).isEmpty();
        assertThat(events(w, "ended", "alert.responded", porter)).singleElement()
                .satisfies(e -> assertThat(e.path("details").path("sessions_ended").asInt()).isEqualTo(2));
        w.login("ended", "porter", PASSWORD);
    }

    /**
     * A step whose position was never recorded (the node died before its commit, after the alert's own transaction) is
     * read again: played here by moving the stored position back. The failures are not counted twice and the incident
     * it opened raises nothing more.
     */
    @Test
    void eventsReadAgainAfterAStepThatDidNotCommitRaiseNothingTwice() {
        tenant(w, "replayed", DETECT);
        w.createUser("replayed", "clerk", PASSWORD, "staff");
        w.ward.detectNow();
        var db = w.ward.core().db();
        long before = db.call(h -> h.createQuery("SELECT last_seq FROM detect_positions WHERE tenant_id = 'replayed'")
                .mapTo(Long.class).one());
        for (int i = 0; i < 7; i++) {
            wrongPassword(w, "replayed", "clerk", "198.51.100.95");
        }
        w.ward.detectNow();
        JsonNode alert = alerts(w, "replayed", "brute_force").getFirst();

        db.run(h -> h.createUpdate("UPDATE detect_positions SET last_seq = :s WHERE tenant_id = 'replayed'")
                .bind("s", before).execute());
        w.ward.detectNow();
        w.ward.detectNow();
        assertThat(alerts(w, "replayed", "brute_force")).singleElement().satisfies(a -> {
            assertThat(a.path("id").asText()).isEqualTo(alert.path("id").asText());
            assertThat(evidence(a)).hasSize(6).doesNotHaveDuplicates();
        });
        long counted = db.call(h -> h.createQuery("SELECT COUNT(*) FROM detect_failures WHERE tenant_id = 'replayed'")
                .mapTo(Long.class).one());
        assertThat(counted).isEqualTo(7);
        long after = db.call(h -> h.createQuery("SELECT last_seq FROM detect_positions WHERE tenant_id = 'replayed'")
                .mapTo(Long.class).one());
        assertThat(after).isGreaterThan(before);
    }

    @Test
    void aDistributedAttackRaisesAFewAlertsThenOneStormAlertForTheRest() {
        Map<String, Object> detect = new java.util.HashMap<>(DETECT);
        detect.put("brute_force_ip_failures", 3);
        detect.put("max_alerts_per_window", 2);
        tenant(w, "storm", detect);
        // Six addresses of a botnet, each over the per-address threshold with names that exist nowhere (so no account
        // and no stuffing: one name per address).
        for (int a = 1; a <= 6; a++) {
            for (int i = 0; i < 3; i++) {
                assertThat(wrongPassword(w, "storm", "ghost-" + a, "198.51.100." + (100 + a))).isEqualTo(401);
            }
            w.clock.advance(Duration.ofSeconds(2));
        }
        w.ward.detectNow();
        List<JsonNode> perAddress = alerts(w, "storm", "brute_force");
        assertThat(perAddress).as("the first two addresses' alerts").hasSize(2);
        assertThat(perAddress).extracting(a -> a.path("subject").path("ip").asText())
                .containsExactlyInAnyOrder("198.51.100.101", "198.51.100.102");
        List<JsonNode> storms = alerts(w, "storm", "alert_storm");
        assertThat(storms).as("one alert for the other four").singleElement().satisfies(a -> {
            assertThat(a.path("severity").asText()).isEqualTo("critical");
            assertThat(a.path("subject").path("detector").asText()).isEqualTo("brute_force_ip");
            assertThat(a.path("details").path("alert_type").asText()).isEqualTo("brute_force");
            assertThat(a.path("details").path("max_alerts_per_window").asInt()).isEqualTo(2);
            assertThat(a.path("details").path("first_suppressed").path("ip").asText()).isEqualTo("198.51.100.103");
        });

        // More addresses while the storm goes on: still no new alert. Past the quiet period, a new storm is a new alert.
        for (int i = 0; i < 3; i++) {
            wrongPassword(w, "storm", "ghost-7", "198.51.100.107");
        }
        w.ward.detectNow();
        assertThat(alerts(w, "storm", "brute_force")).hasSize(2);
        assertThat(alerts(w, "storm", "alert_storm")).hasSize(1);

        w.ward.deliverAlertsNow();
        String stormId = storms.get(0).path("id").asText();
        assertThat(receiver.accepted()).filteredOn(r -> r.json().path("id").asText().equals(stormId))
                .as("the storm alert reaches the webhook like any").hasSize(1);
    }

    @Test
    void theDetectSettingsAreValidatedLikeEveryPolicyField() {
        var r = w.post("/v1/admin/tenants", TestWard.json(Map.of("id", "badpolicy", "name", "Bad",
                "policy", Map.of("detect", Map.of("window_seconds", 0)))), w.adminToken());
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.code()).isEqualTo("validation_failed");
        r = w.post("/v1/admin/tenants", TestWard.json(Map.of("id", "badpolicy", "name", "Bad",
                "policy", Map.of("detect", Map.of("max_travel_kmh", 0)))), w.adminToken());
        assertThat(r.status()).isEqualTo(400);
        r = w.post("/v1/admin/tenants", TestWard.json(Map.of("id", "badpolicy", "name", "Bad",
                "policy", Map.of("detect", Map.of("mfa_failures", "five")))), w.adminToken());
        assertThat(r.code()).isEqualTo("validation_failed");
        r = w.post("/v1/admin/tenants", TestWard.json(Map.of("id", "badpolicy", "name", "Bad",
                "policy", Map.of("detect", Map.of("response", "block_ip")))), w.adminToken());
        assertThat(r.status()).isEqualTo(400);
    }
}
