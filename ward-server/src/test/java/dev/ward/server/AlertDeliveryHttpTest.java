package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Alerts delivered to a signed webhook from the durable outbox (API.md "Alerts"; issue 14 item 4), against a real
 * receiver on loopback that checks the signature. Backoff runs on the test clock: no sleeping.
 */
class AlertDeliveryHttpTest {
    static final String PASSWORD = "Alert-Delivery-Pass-9!";
    static final String SECRET = "whsec-0123456789abcdef";
    static TestWard w;
    static WebhookReceiver receiver;

    @BeforeAll
    static void start() {
        receiver = new WebhookReceiver(SECRET);
        w = new TestWard();
        w.createTenant("clinic", Map.of("mfa", Map.of("required_roles", List.of()),
                "alerts", Map.of("webhook_url", receiver.url(), "webhook_secret", SECRET)));
        w.createTenant("quiet", Map.of("mfa", Map.of("required_roles", List.of()),
                "alerts", Map.of("webhook_url", receiver.url(), "webhook_secret", SECRET, "min_severity", "critical")));
        w.createUser("clinic", "chief", PASSWORD, "admin");
        w.createUser("quiet", "boss", PASSWORD, "admin");
        w.createTenant("mailonly", Map.of("mfa", Map.of("required_roles", List.of()),
                "alerts", Map.of("email_recipients", List.of("security@clinic.test"))));
    }

    @AfterAll
    static void stop() {
        w.close();
        receiver.close();
    }

    static String breakTheGlass(String tenant, String patient) { return breakTheGlass(w, tenant, patient); }

    /** Breaks the glass on a restricted patient in the tenant: the alert C6 raises, through the API; answers its id. */
    static String breakTheGlass(TestWard w, String tenant, String patient) {
        String carer = w.createUser(tenant, "carer-" + patient, PASSWORD, "staff");
        w.createUser(tenant, "locum-" + patient, PASSWORD, "staff");
        String emr = w.createApiKey(tenant, "patients");
        assertThat(w.put("/v1/patients/" + patient + "/access",
                TestWard.json(Map.of("restricted", true, "care_team", List.of(carer))), emr).status()).isEqualTo(200);
        String locum = w.login(tenant, "locum-" + patient, PASSWORD);
        var broken = w.post("/v1/session/patients/" + patient, TestWard.json(Map.of("break_glass", true,
                "reason", "Unconscious patient in ED, need allergies", "reason_code", "ETREAT")), locum);
        assertThat(broken.status()).as(broken.raw()).isEqualTo(200);
        var alerts = w.get("/v1/admin/alerts?tenant=" + tenant + "&status=open", w.adminToken()).json().path("alerts");
        for (JsonNode a : alerts) {
            if (a.path("subject").path("patient_id").asText().equals(patient)) {
                return a.path("id").asText();
            }
        }
        throw new AssertionError("no alert for " + patient + ": " + alerts);
    }

    static TestWard.Response deliveries(String alert, String token) {
        return w.get("/v1/admin/alerts/" + alert + "/deliveries", token);
    }

    @Test
    void anOutageIsRetriedWithBackoffUntilTheReceiverTakesTheAlertExactlyOnce() {
        receiver.status.set(503);
        int before = receiver.received.size();
        String alert = breakTheGlass("clinic", "vip-outage");
        String chief = w.login("clinic", "chief", PASSWORD);

        w.ward.deliverAlertsNow();
        var first = deliveries(alert, chief);
        assertThat(first.status()).as(first.raw()).isEqualTo(200);
        assertThat(first.json().path("deliveries")).singleElement().satisfies(a -> {
            assertThat(a.path("channel").asText()).isEqualTo("webhook");
            assertThat(a.path("outcome").asText()).isEqualTo("failed");
            assertThat(a.path("status_code").asInt()).isEqualTo(503);
            assertThat(a.path("at").asText()).isEqualTo(w.clock.instant().toString());
        });
        assertThat(first.json().path("channels")).singleElement().satisfies(c -> {
            assertThat(c.path("status").asText()).isEqualTo("pending");
            assertThat(c.path("next_attempt_at").asText()).isEqualTo(w.clock.instant().plusSeconds(30).toString());
        });

        // Not due yet: nothing is sent, however often the outbox is looked at.
        w.ward.deliverAlertsNow();
        assertThat(deliveries(alert, chief).json().path("deliveries")).hasSize(1);

        w.clock.advance(Duration.ofSeconds(30));
        w.ward.deliverAlertsNow();
        var second = deliveries(alert, chief).json();
        assertThat(second.path("deliveries")).hasSize(2);
        assertThat(second.path("channels").get(0).path("next_attempt_at").asText())
                .as("the wait doubles").isEqualTo(w.clock.instant().plusSeconds(60).toString());

        receiver.status.set(204);
        w.clock.advance(Duration.ofSeconds(60));
        w.ward.deliverAlertsNow();
        w.clock.advance(Duration.ofHours(2));
        w.ward.deliverAlertsNow();

        // Hours later: a fresh session (the first one has idled out).
        var done = deliveries(alert, w.login("clinic", "chief", PASSWORD)).json();
        assertThat(done.path("deliveries")).extracting(a -> a.path("outcome").asText())
                .containsExactly("failed", "failed", "delivered");
        assertThat(done.path("deliveries").get(2).path("status_code").asInt()).isEqualTo(204);
        assertThat(done.path("channels").get(0).path("status").asText()).isEqualTo("delivered");
        assertThat(done.path("channels").get(0).has("next_attempt_at")).isFalse();

        List<WebhookReceiver.Received> mine = receiver.received.subList(before, receiver.received.size()).stream()
                .filter(r -> r.json().path("id").asText().equals(alert)).toList();
        assertThat(mine).hasSize(3).allSatisfy(r -> assertThat(r.signatureValid()).isTrue());
        assertThat(mine).extracting(WebhookReceiver.Received::body).as("every retry sends the same body").containsOnly(mine.get(0).body());
        assertThat(mine.get(2).timestamp()).isEqualTo(w.clock.instant().minus(Duration.ofHours(2)).getEpochSecond());
        assertThat(receiver.accepted().stream().filter(r -> r.json().path("id").asText().equals(alert))).hasSize(1);
        JsonNode body = mine.get(0).json();
        assertThat(body.path("type").asText()).isEqualTo("break_glass");
        assertThat(body.path("severity").asText()).isEqualTo("high");
        assertThat(body.path("tenant").asText()).isEqualTo("clinic");
        assertThat(body.path("subject").path("patient_id").asText()).isEqualTo("vip-outage");
    }

    @Test
    void alertsBelowTheTenantsMinimumSeverityAreNotSent() {
        String alert = breakTheGlass("quiet", "vip-quiet");
        w.ward.deliverAlertsNow();
        String boss = w.login("quiet", "boss", PASSWORD);
        var d = deliveries(alert, boss);
        assertThat(d.status()).isEqualTo(200);
        assertThat(d.json().path("deliveries")).isEmpty();
        assertThat(d.json().path("channels")).isEmpty();

        String critical = w.ward.core().alerts().raise("quiet", "test_critical", "critical", Map.of("user_id", "usr_x"), Map.of()).id();
        receiver.status.set(204);
        w.ward.deliverAlertsNow();
        assertThat(deliveries(critical, boss).json().path("channels")).singleElement()
                .satisfies(c -> assertThat(c.path("status").asText()).isEqualTo("delivered"));
    }

    @Test
    void theWebhookSecretIsWriteOnlyAndRequiredWithAUrl() {
        var tenant = w.get("/v1/admin/tenants/clinic", w.adminToken());
        assertThat(tenant.json().path("policy").path("alerts").path("webhook_url").asText()).isEqualTo(receiver.url());
        assertThat(tenant.json().path("policy").path("alerts").has("webhook_secret")).isFalse();
        assertThat(tenant.raw()).doesNotContain(SECRET);
        String stored = w.ward.core().db().call(h -> h.createQuery("SELECT policy FROM tenants WHERE id = 'clinic'")
                .mapTo(String.class).one());
        assertThat(stored).doesNotContain(SECRET).contains("\"webhook_secret\":\"m1:");

        w.createTenant("nosecret");
        var refused = w.patch("/v1/admin/tenants/nosecret", TestWard.json(Map.of("policy",
                Map.of("alerts", Map.of("webhook_url", "https://siem.example.org/ward")))), w.adminToken());
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.json().path("field").asText()).isEqualTo("policy.alerts.webhook_secret");
        var tooShort = w.patch("/v1/admin/tenants/nosecret", TestWard.json(Map.of("policy",
                Map.of("alerts", Map.of("webhook_url", "https://siem.example.org/ward", "webhook_secret", "short")))), w.adminToken());
        assertThat(tooShort.status()).isEqualTo(400);
        assertThat(tooShort.raw()).doesNotContain("short\"");
        var badUrl = w.patch("/v1/admin/tenants/nosecret", TestWard.json(Map.of("policy",
                Map.of("alerts", Map.of("webhook_url", "ftp://siem.example.org/ward", "webhook_secret", SECRET)))), w.adminToken());
        assertThat(badUrl.json().path("field").asText()).isEqualTo("policy.alerts.webhook_url");
        // A secret changed by PATCH signs the next delivery; leaving it out keeps the stored one.
        assertThat(w.patch("/v1/admin/tenants/clinic", TestWard.json(Map.of("policy", Map.of("alerts", Map.of("min_severity", "low")))),
                w.adminToken()).status()).isEqualTo(200);
        assertThat(w.ward.core().tenants().find("clinic").orElseThrow().policy().sealedAlertWebhookSecret()).startsWith("m1:");
    }

    @Test
    void deliveriesAreListedOnlyToAdministratorsOfTheAlertsTenant() {
        String alert = w.ward.core().alerts().raise("clinic", "test_scope", "high", Map.of("user_id", "usr_y"), Map.of()).id();
        String boss = w.login("quiet", "boss", PASSWORD);
        var other = deliveries(alert, boss);
        assertThat(other.status()).isEqualTo(404);
        assertThat(other.code()).isEqualTo("alert_not_found");
        assertThat(deliveries("alr_nonexistent", w.adminToken()).code()).isEqualTo("alert_not_found");
        w.createUser("clinic", "plainstaff", PASSWORD, "staff");
        String staff = w.login("clinic", "plainstaff", PASSWORD);
        assertThat(deliveries(alert, staff).status()).isEqualTo(403);
        assertThat(deliveries(alert, w.adminToken()).status()).as("a system administrator sees every tenant's").isEqualTo(200);
        assertThat(w.ward.core().alerts().raisedCounts()).containsKey(List.of("clinic", "test_scope", "high"));
    }

    @Test
    void mailWithoutAnSmtpServerWaitsInTheOutbox() {
        String alert = breakTheGlass("mailonly", "vip-nomail");
        w.ward.deliverAlertsNow();
        var d = deliveries(alert, w.adminToken()).json();
        assertThat(d.path("deliveries")).singleElement().satisfies(a -> {
            assertThat(a.path("channel").asText()).isEqualTo("email");
            assertThat(a.path("outcome").asText()).isEqualTo("failed");
            assertThat(a.path("error").asText()).isEqualTo("smtp_not_configured");
            assertThat(a.has("status_code")).isFalse();
        });
        assertThat(d.path("channels").get(0).path("status").asText()).isEqualTo("pending");
    }

    @Test
    void aWebhookToAnInternalAddressIsRefusedUnlessTheOperatorListsItsNetwork() {
        // An operator who listed no network: the tenant's loopback URL is an SSRF attempt, never connected to.
        try (TestWard strict = TestWard.configured(c -> c.withWebhookNetworks(List.of()))) {
            strict.createTenant("probe", Map.of("alerts", Map.of("webhook_url", receiver.url(), "webhook_secret", SECRET)));
            int before = receiver.received.size();
            String alert = strict.ward.core().alerts().raise("probe", "test_ssrf", "high", Map.of("user_id", "usr_z"), Map.of()).id();
            strict.ward.deliverAlertsNow();
            var d = strict.get("/v1/admin/alerts/" + alert + "/deliveries", strict.adminToken());
            assertThat(d.json().path("deliveries")).singleElement().satisfies(a -> {
                assertThat(a.path("outcome").asText()).isEqualTo("failed");
                assertThat(a.path("error").asText()).isEqualTo("address_not_allowed");
            });
            assertThat(d.raw()).doesNotContain("127.0.0.1").doesNotContain(SECRET);
            assertThat(receiver.received).hasSize(before);
        }
    }

    @Test
    void aDeadReceiverCostsOneAttemptAPassNotOneAnAlertAndHoldsUpNoOtherTenant() throws Exception {
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        w.createTenant("deadend", Map.of("alerts", Map.of("webhook_url", "http://127.0.0.1:" + closedPort + "/hook",
                "webhook_secret", SECRET)));
        receiver.status.set(204);
        List<String> dead = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            dead.add(w.ward.core().alerts().raise("deadend", "test_flood", "high", Map.of("user_id", "usr_" + i), Map.of()).id());
        }
        String alive = w.ward.core().alerts().raise("clinic", "test_alive", "high", Map.of("user_id", "usr_a"), Map.of()).id();
        w.ward.deliverAlertsNow();

        assertThat(dead.stream().map(id -> deliveries(id, w.adminToken()).json().path("deliveries").get(0).path("error").asText()))
                .as("the first finds the receiver down; the rest of the pass does not knock again")
                .containsExactlyInAnyOrder("connect_failed", "receiver_down", "receiver_down");
        assertThat(deliveries(alive, w.adminToken()).json().path("channels").get(0).path("status").asText()).isEqualTo("delivered");
        // Each still pending, on its own backoff.
        assertThat(dead).allSatisfy(id -> assertThat(deliveries(id, w.adminToken()).json().path("channels").get(0)
                .path("status").asText()).isEqualTo("pending"));
    }
}
