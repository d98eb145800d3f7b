package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ward.crypto.Secrets;
import dev.ward.store.redis.RedisConnection;
import dev.ward.store.redis.RedisEndpoint;
import dev.ward.store.redis.RedisServers;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

/**
 * An outside attacker's review of the patient features (issue 12): every attack is made over HTTP against a running
 * server, and each test states what the attack tries and what must hold: that the attack fails, and keeps failing. The
 * review's findings (patient ids in the access log, an administrator signing off their own break of the glass, a
 * context outliving its patient's restriction, a 500 on a malformed escape, an encoded {@code ..} as an id, missing
 * no-cache headers on some errors, CORS headers for another tenant's origin, a break-glass outliving every other grant)
 * were fixed, each with its test here.
 *
 * <p>Sections: tenant crossing · user crossing · break-glass abuse · CSRF and origins · input abuse · sealing (moved
 * values, on the embedded database and on Redis) · information leaks (headers, error bodies, the server log).
 */
class PatientAttackTest {
    static final String PASSWORD = "Attack-Review-Pass-9!";
    static final String APP = "https://emr.stmarys.example";
    static final String OTHER_APP = "https://emr.elsewhere.example";
    static final String EVIL = "https://evil.example";

    static TestWard w;
    static String carerId;
    static String nurseId;
    static String emr;          // stmarys, scope patients
    static String foreignEmr;   // elsewhere, scope patients
    static String foreignAdminKey; // elsewhere, scope admin
    static final List<String> serverErrors = new ArrayList<>();

    @BeforeAll
    static void start() {
        w = new TestWard();
        Map<String, Object> policy = Map.of("mfa", Map.of("required_roles", List.of()),
                "session", Map.of("idle_timeout_seconds", 7200, "absolute_timeout_seconds", 86400),
                "browser", Map.of("allowed_origins", List.of(APP)));
        w.createTenant("stmarys", policy);
        w.createTenant("elsewhere", Map.of("mfa", Map.of("required_roles", List.of()),
                "session", Map.of("idle_timeout_seconds", 7200, "absolute_timeout_seconds", 86400),
                "browser", Map.of("allowed_origins", List.of(OTHER_APP))));
        nurseId = w.createUser("stmarys", "nurse", PASSWORD, "staff");
        carerId = w.createUser("stmarys", "carer", PASSWORD, "staff");
        w.createUser("stmarys", "locum", PASSWORD, "staff");
        w.createUser("stmarys", "chief", PASSWORD, "admin");
        w.createUser("elsewhere", "nurse", PASSWORD, "staff");
        w.createUser("elsewhere", "boss", PASSWORD, "admin");
        emr = w.createApiKey("stmarys", "patients");
        foreignEmr = w.createApiKey("elsewhere", "patients");
        foreignAdminKey = w.createApiKey("elsewhere", "admin");
    }

    @AfterAll
    static void stop() {
        w.close();
        assertThat(serverErrors).as("no attack may get a 500").isEmpty();
    }

    // --- helpers -------------------------------------------------------------------------------------------

    private static String login(String tenant, String user) { return w.login(tenant, user, PASSWORD); }

    private static String cookie(String token) { return "ward_session=" + token; }

    /** A request, recording any 5xx so that the suite fails on one whatever the test asserted. */
    private static TestWard.Response send(String method, String path, String body, String... headers) {
        TestWard.Response r = w.send(method, path, body, headers);
        if (r.status() >= 500) {
            serverErrors.add(method + " " + path + " → " + r.status() + " " + r.raw());
        }
        return r;
    }

    private static TestWard.Response asApp(String key, String token, String method, String path, String body) {
        return send(method, path, body, "Authorization", "Bearer " + key, "Ward-Session-Token", token);
    }

    private static TestWard.Response bearer(String token, String method, String path, String body) {
        return send(method, path, body, "Authorization", "Bearer " + token);
    }

    /** The answer must not be kept by any cache (issue 12 item 8), errors included. */
    private static void noCache(TestWard.Response r) {
        assertThat(r.header("Cache-Control")).as("Cache-Control on " + r.status()).isEqualTo("no-store");
        assertThat(r.header("Pragma")).as("Pragma on " + r.status() + " " + r.raw()).isEqualTo("no-cache");
        assertThat(r.header("Expires")).as("Expires on " + r.status()).isEqualTo("0");
        assertThat(r.header("X-Content-Type-Options")).isEqualTo("nosniff");
    }

    private static void problem(TestWard.Response r, int status, String code) {
        assertThat(r.status()).as(r.raw()).isEqualTo(status);
        assertThat(r.code()).as(r.raw()).isEqualTo(code);
        assertThat(r.header("Content-Type")).startsWith("application/problem+json");
    }

    private static String sessionId(String token) { return bearer(token, "GET", "/v1/session", null).text("id"); }

    private static String restrict(String patient, String... careTeam) {
        var r = bearer(emr, "PUT", "/v1/patients/" + patient + "/access",
                TestWard.json(Map.of("restricted", true, "care_team", List.of(careTeam))));
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        return patient;
    }

    private static int breakGlassItems(String patient) {
        int n = 0;
        for (var item : bearer(w.adminToken(), "GET", "/v1/admin/break-glass?tenant=stmarys", null).json().path("break_glass")) {
            if (item.path("patient_id").asText().equals(patient)) {
                n++;
            }
        }
        return n;
    }

    private static String breakGlass(String reason, String code) {
        return code == null ? TestWard.json(Map.of("break_glass", true, "reason", reason))
                : TestWard.json(Map.of("break_glass", true, "reason", reason, "reason_code", code));
    }

    // --- tenant crossing -----------------------------------------------------------------------------------

    /** Tenant A's app key with tenant B's user token, on every patient route: refused, nothing of B's changes. */
    @Test
    void anotherTenantsAppKeyCannotActOnASessionThroughWardSessionToken() {
        String victim = login("stmarys", "nurse");
        bearer(victim, "POST", "/v1/session/patients/t-1", null);
        bearer(victim, "PUT", "/v1/session/patients/t-1/data/chart", "{\"dx\":\"secret\"}");
        String[][] calls = {{"GET", "/v1/session/patients"}, {"POST", "/v1/session/patients/t-1"},
                {"POST", "/v1/session/patients/t-2"}, {"GET", "/v1/session/patients/t-1/data/chart"},
                {"PUT", "/v1/session/patients/t-1/data/chart"}, {"DELETE", "/v1/session/patients/t-1/data/chart"},
                {"DELETE", "/v1/session/patients/t-1"}, {"POST", "/v1/session/patient-data/clear"},
                {"POST", "/v1/session/emergency-cleanup"}};
        for (String[] call : calls) {
            var r = asApp(foreignEmr, victim, call[0], call[1], call[0].equals("PUT") ? "{\"dx\":\"forged\"}" : null);
            problem(r, 401, "session_tenant_mismatch");
            noCache(r);
            assertThat(r.raw()).doesNotContain("secret", "t-1");
        }
        assertThat(bearer(victim, "GET", "/v1/session/patients/t-1/data/chart", null).raw()).isEqualTo("{\"dx\":\"secret\"}");
        assertThat(bearer(victim, "GET", "/v1/session/patients", null).json().path("patients")).hasSize(1);
    }

    /** A restriction lives in the app key's tenant: another tenant's key neither sees nor sets it, nor names its users. */
    @Test
    void restrictionsStayInsideTheKeysTenant() {
        restrict("t-vip", carerId);
        var seen = bearer(foreignEmr, "GET", "/v1/patients/t-vip/access", null);
        assertThat(seen.status()).isEqualTo(200);
        assertThat(seen.json().path("restricted").asBoolean()).as("elsewhere's key learns nothing of stmarys' VIPs").isFalse();
        assertThat(seen.json().path("care_team")).isEmpty();
        problem(bearer(foreignEmr, "DELETE", "/v1/patients/t-vip/access", null), 404, "patient_not_restricted");
        assertThat(bearer(emr, "GET", "/v1/patients/t-vip/access", null).json().path("restricted").asBoolean()).isTrue();

        var foreignTeam = bearer(foreignEmr, "PUT", "/v1/patients/t-vip/access",
                TestWard.json(Map.of("restricted", true, "care_team", List.of(carerId))));
        problem(foreignTeam, 400, "validation_failed");

        // elsewhere restricting its own "t-other" does not restrict stmarys' patient of the same id.
        assertThat(bearer(foreignEmr, "PUT", "/v1/patients/t-other/access", TestWard.json(Map.of("restricted", true))).status())
                .isEqualTo(200);
        var opened = bearer(login("stmarys", "nurse"), "POST", "/v1/session/patients/t-other", null);
        assertThat(opened.status()).as(opened.raw()).isEqualTo(200);
        assertThat(opened.json().path("break_glass").asBoolean()).isFalse();
    }

    /** Another tenant's administrator (session or admin key) neither lists, reviews nor acknowledges stmarys' break. */
    @Test
    void anotherTenantsAdministratorCannotSeeOrReviewABreakOfTheGlass() {
        restrict("t-bg", carerId);
        String locum = login("stmarys", "locum");
        assertThat(bearer(locum, "POST", "/v1/session/patients/t-bg", breakGlass("Trauma bay, unconscious", "ETREAT")).status())
                .isEqualTo(200);
        String id = null;
        for (var item : bearer(w.adminToken(), "GET", "/v1/admin/break-glass?tenant=stmarys&status=open", null).json()
                .path("break_glass")) {
            if (item.path("patient_id").asText().equals("t-bg")) {
                id = item.path("id").asText();
            }
        }
        assertThat(id).isNotNull();
        String alertId = null;
        for (var a : bearer(w.adminToken(), "GET", "/v1/admin/alerts?tenant=stmarys", null).json().path("alerts")) {
            if (a.path("subject").path("patient_id").asText().equals("t-bg")) {
                alertId = a.path("id").asText();
            }
        }
        assertThat(alertId).isNotNull();

        String boss = login("elsewhere", "boss");
        for (String credential : List.of(boss, foreignAdminKey)) {
            var listed = bearer(credential, "GET", "/v1/admin/break-glass?tenant=stmarys", null);
            assertThat(listed.status()).as(listed.raw()).isIn(403, 404);
            assertThat(listed.raw()).doesNotContain("t-bg", "Trauma bay");
            var own = bearer(credential, "GET", "/v1/admin/break-glass", null);
            assertThat(own.status()).isEqualTo(200);
            assertThat(own.raw()).doesNotContain("t-bg", "Trauma bay");
            problem(bearer(credential, "POST", "/v1/admin/break-glass/" + id + "/review",
                    TestWard.json(Map.of("justified", true, "note", "looks fine"))), 404, "break_glass_not_found");
            var alerts = bearer(credential, "GET", "/v1/admin/alerts", null);
            assertThat(alerts.raw()).doesNotContain("t-bg");
            var ack = bearer(credential, "POST", "/v1/admin/alerts/" + alertId + "/ack", null);
            assertThat(ack.status()).as(ack.raw()).isIn(403, 404);
        }
        String status = null;
        for (var item : bearer(w.adminToken(), "GET", "/v1/admin/break-glass?tenant=stmarys", null).json().path("break_glass")) {
            if (item.path("id").asText().equals(id)) {
                status = item.path("status").asText();
            }
        }
        assertThat(status).as("still waiting for stmarys' own review").isEqualTo("open");
        // An app key (scope patients) is no reviewer either.
        assertThat(bearer(emr, "POST", "/v1/admin/break-glass/" + id + "/review", TestWard.json(Map.of("justified", true)))
                .status()).isEqualTo(403);
    }

    // --- user crossing -------------------------------------------------------------------------------------

    /** A colleague's own token with every trick the routes offer: none reaches the nurse's contexts or attributes. */
    @Test
    void aColleagueCannotReachAnotherUsersContextsOrAttributes() {
        String nurse = login("stmarys", "nurse");
        String locum = login("stmarys", "locum");
        bearer(nurse, "POST", "/v1/session/patients/u-1", null);
        bearer(nurse, "PUT", "/v1/session/patients/u-1/data/chart", "{\"hiv\":true}");
        bearer(nurse, "PUT", "/v1/me/attributes/recent", "[\"u-1\"]");

        // Her own bearer token plus the nurse's token in Ward-Session-Token: the header counts only beside an API key.
        var smuggled = send("GET", "/v1/session/patients/u-1/data/chart", null, "Authorization", "Bearer " + locum,
                "Ward-Session-Token", nurse);
        problem(smuggled, 404, "patient_context_not_open");
        var cookieSmuggle = send("GET", "/v1/session/patients/u-1/data/chart", null, "Cookie", cookie(locum),
                "Ward-Session-Token", nurse);
        problem(cookieSmuggle, 404, "patient_context_not_open");
        // The same patient opened in her own session is a different context: empty.
        bearer(locum, "POST", "/v1/session/patients/u-1", null);
        problem(bearer(locum, "GET", "/v1/session/patients/u-1/data/chart", null), 404, "patient_data_not_found");
        bearer(locum, "PUT", "/v1/session/patients/u-1/data/chart", "{\"hiv\":false}");
        // Ending the nurse's session by its public id (which would clear her contexts) is refused.
        var endOther = bearer(locum, "DELETE", "/v1/me/sessions/" + sessionId(nurse), null);
        assertThat(endOther.status()).as(endOther.raw()).isEqualTo(404);
        // Attributes: guessed, encoded and traversal names all stay in her own scope.
        for (String name : List.of("recent", "..%2Frecent", nurseId + "%2Frecent", "recent%00", "%2E%2E")) {
            var r = bearer(locum, "GET", "/v1/me/attributes/" + name, null);
            assertThat(r.status()).as(name + " " + r.raw()).isIn(400, 404);
            assertThat(r.raw()).doesNotContain("u-1");
        }
        // An app key acting for the locum reaches only the locum's attributes... and is refused on /v1/me at all.
        var appOnMe = asApp(emr, nurse, "GET", "/v1/me/attributes/recent", null);
        assertThat(appOnMe.status()).as(appOnMe.raw()).isEqualTo(401);
        assertThat(appOnMe.raw()).doesNotContain("u-1");

        assertThat(bearer(nurse, "GET", "/v1/session/patients/u-1/data/chart", null).raw()).isEqualTo("{\"hiv\":true}");
        assertThat(bearer(nurse, "GET", "/v1/me/attributes/recent", null).raw()).isEqualTo("[\"u-1\"]");
    }

    /** The same user's second session (another device) does not see the first one's contexts either. */
    @Test
    void theSameUsersOtherSessionHasItsOwnContexts() {
        String desk = login("stmarys", "nurse");
        String tablet = login("stmarys", "nurse");
        bearer(desk, "POST", "/v1/session/patients/u-2", null);
        bearer(desk, "PUT", "/v1/session/patients/u-2/data/chart", "{\"a\":1}");
        problem(bearer(tablet, "GET", "/v1/session/patients/u-2/data/chart", null), 404, "patient_context_not_open");
        problem(bearer(tablet, "DELETE", "/v1/session/patients/u-2", null), 404, "patient_context_not_open");
        assertThat(bearer(tablet, "POST", "/v1/session/patient-data/clear", null).json().path("cleared").asInt()).isZero();
        assertThat(bearer(desk, "GET", "/v1/session/patients/u-2/data/chart", null).status()).isEqualTo(200);
    }

    // --- break-glass abuse ---------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"{\"break_glass\":true}", "{\"break_glass\":true,\"reason\":\"\"}",
            "{\"break_glass\":true,\"reason\":\"123456789\"}", "{\"break_glass\":true,\"reason\":\"    urgent!      \"}",
            "{\"break_glass\":true,\"reason\":1234567890123}", "{\"break_glass\":true,\"reason\":[\"emergency room now\"]}",
            "{\"break_glass\":true,\"reason\":\"Emergency in ED now\",\"reason_code\":\"ETREAT; DROP TABLE\"}",
            "{\"break_glass\":true,\"reason\":\"Emergency in ED now\",\"reason_code\":\"1BTG\"}",
            "{\"break_glass\":true,\"reason\":\"Emergency in ED now\",\"reason_code\":\"\"}",
            "{\"break_glass\":true,\"reason\":\"Emergency in ED now\",\"reason_code\":\"ÉTREAT\"}",
            "{\"break_glass\":true,\"reason\":\"Emergency in ED now\",\"reason_code\":7}",
            "{\"break_glass\":\"true\",\"reason\":\"Emergency in ED now\"}",
            "{\"break_glass\":1,\"reason\":\"Emergency in ED now\"}"})
    void aBadBreakOfTheGlassOpensNothingAndLeavesNoItem(String body) {
        String patient = restrict("bg-bad-" + Integer.toHexString(body.hashCode()), carerId);
        String locum = login("stmarys", "locum");
        var r = bearer(locum, "POST", "/v1/session/patients/" + patient, body);
        assertThat(r.status()).as(body + " → " + r.raw()).isIn(400, 403);
        assertThat(r.code()).isIn("validation_failed", "break_glass_required");
        noCache(r);
        assertThat(bearer(locum, "GET", "/v1/session/patients", null).json().path("patients")).isEmpty();
        assertThat(breakGlassItems(patient)).isZero();
    }

    @Test
    void aVeryLongReasonOrCodeIsRefused() {
        String patient = restrict("bg-long", carerId);
        String locum = login("stmarys", "locum");
        problem(bearer(locum, "POST", "/v1/session/patients/" + patient, breakGlass("x".repeat(2001), null)), 400, "validation_failed");
        problem(bearer(locum, "POST", "/v1/session/patients/" + patient, breakGlass("Emergency in ED now", "E".repeat(65))),
                400, "validation_failed");
        assertThat(breakGlassItems(patient)).isZero();
    }

    /** Breaking the glass where there is none: an ordinary context, no item in the queue, no short expiry games. */
    @Test
    void breakingTheGlassOnAnUnrestrictedPatientIsAnOrdinaryOpening() {
        String nurse = login("stmarys", "nurse");
        var r = bearer(nurse, "POST", "/v1/session/patients/bg-none", breakGlass("x", "NOT A CODE"));
        assertThat(r.status()).as(r.raw()).isEqualTo(200);
        assertThat(r.json().path("break_glass").asBoolean()).isFalse();
        assertThat(breakGlassItems("bg-none")).isZero();
    }

    /**
     * Re-opening a break-glass context (with or without asking again), using it all along: it still ends at the break's
     * expiry; a read after it is refused, and a new break is a new item in the queue, over a new, empty context.
     */
    @Test
    void aBreakOfTheGlassCannotBeStretchedAndEndsAtItsExpiry() {
        String patient = restrict("bg-stretch", carerId);
        String locum = login("stmarys", "locum");
        Instant start = w.clock.instant();
        var first = bearer(locum, "POST", "/v1/session/patients/" + patient, breakGlass("Cardiac arrest, bay 4", "ETREAT"));
        assertThat(first.status()).as(first.raw()).isEqualTo(200);
        Instant end = Instant.parse(first.text("expires_at"));
        assertThat(end).isEqualTo(start.plusSeconds(900));
        bearer(locum, "PUT", "/v1/session/patients/" + patient + "/data/ecg", "{\"rhythm\":\"VF\"}");
        for (int i = 0; i < 8; i++) {
            w.clock.advance(Duration.ofSeconds(100));
            var again = bearer(locum, "POST", "/v1/session/patients/" + patient, breakGlass("Cardiac arrest, bay 4", "ETREAT"));
            if (again.status() == 200) {
                assertThat(Instant.parse(again.text("expires_at"))).as("re-opened at +" + (i + 1) * 100 + "s").isBeforeOrEqualTo(end);
                assertThat(again.json().path("break_glass").asBoolean()).isTrue();
            }
            var plain = bearer(locum, "POST", "/v1/session/patients/" + patient, null);
            if (plain.status() == 200) {
                assertThat(Instant.parse(plain.text("expires_at"))).isBeforeOrEqualTo(end);
            } else {
                problem(plain, 403, "break_glass_required");
            }
            assertThat(bearer(locum, "GET", "/v1/session/patients/" + patient + "/data/ecg", null).status()).isEqualTo(200);
            for (var c : bearer(locum, "GET", "/v1/session/patients", null).json().path("patients")) {
                assertThat(Instant.parse(c.path("expires_at").asText())).isBeforeOrEqualTo(end);
            }
        }
        assertThat(breakGlassItems(patient)).as("re-opening is no new break").isEqualTo(1);
        w.clock.advance(Duration.between(w.clock.instant(), end).plusMillis(1));

        problem(bearer(locum, "GET", "/v1/session/patients/" + patient + "/data/ecg", null), 404, "patient_context_not_open");
        problem(bearer(locum, "PUT", "/v1/session/patients/" + patient + "/data/ecg", "{}"), 404, "patient_context_not_open");
        problem(bearer(locum, "POST", "/v1/session/patients/" + patient, null), 403, "break_glass_required");
        var second = bearer(locum, "POST", "/v1/session/patients/" + patient, breakGlass("Second arrest, bay 4", "ETREAT"));
        assertThat(second.status()).isEqualTo(200);
        assertThat(breakGlassItems(patient)).as("a new break is a new item to review").isEqualTo(2);
        problem(bearer(locum, "GET", "/v1/session/patients/" + patient + "/data/ecg", null), 404, "patient_data_not_found");
    }

    /** A break belongs to the session that made it: the same user's other session (or an app for it) must break again. */
    @Test
    void aBreakOfTheGlassDoesNotCarryOverToAnotherSession() {
        String patient = restrict("bg-session", carerId);
        String desk = login("stmarys", "locum");
        String tablet = login("stmarys", "locum");
        assertThat(bearer(desk, "POST", "/v1/session/patients/" + patient, breakGlass("Rapid response call, ward 7", "ETREAT"))
                .status()).isEqualTo(200);
        bearer(desk, "PUT", "/v1/session/patients/" + patient + "/data/vitals", "{\"bp\":\"80/40\"}");
        problem(bearer(tablet, "POST", "/v1/session/patients/" + patient, null), 403, "break_glass_required");
        problem(asApp(emr, tablet, "POST", "/v1/session/patients/" + patient, null), 403, "break_glass_required");
        problem(bearer(tablet, "GET", "/v1/session/patients/" + patient + "/data/vitals", null), 404, "patient_context_not_open");
        assertThat(breakGlassItems(patient)).isEqualTo(1);
    }

    /**
     * A policy whose {@code break_glass_seconds} exceeds {@code max_seconds} would turn the emergency override into the
     * longest grant there is: a break-glass context never outlives an ordinary one.
     */
    @Test
    void aBreakOfTheGlassNeverOutlivesAnOrdinaryContext() {
        w.createTenant("lenient", Map.of("mfa", Map.of("required_roles", List.of()),
                "session", Map.of("idle_timeout_seconds", 86400, "absolute_timeout_seconds", 86400),
                "patient", Map.of("break_glass_seconds", 30L * 24 * 3600, "max_seconds", 3600, "idle_timeout_seconds", 3600)));
        String lenientCarer = w.createUser("lenient", "carer", PASSWORD, "staff");
        w.createUser("lenient", "locum", PASSWORD, "staff");
        String key = w.createApiKey("lenient", "patients");
        assertThat(bearer(key, "PUT", "/v1/patients/bg-long-life/access", TestWard.json(Map.of("restricted", true,
                "care_team", List.of(lenientCarer)))).status()).isEqualTo(200);
        String locum = login("lenient", "locum");
        var opened = bearer(locum, "POST", "/v1/session/patients/bg-long-life", breakGlass("Emergency admission, no ID", "ETREAT"));
        assertThat(opened.status()).as(opened.raw()).isEqualTo(200);
        assertThat(Instant.parse(opened.text("expires_at"))).isBeforeOrEqualTo(w.clock.instant().plusSeconds(3600));
        w.clock.advance(Duration.ofSeconds(3000));
        var use = bearer(locum, "GET", "/v1/session/patients", null); // a use: slides the idle limit, never the hard one
        assertThat(use.json().path("patients")).hasSize(1);
        String current = Optional.ofNullable(use.header("Ward-Rotated-Token")).orElse(locum);
        w.clock.advance(Duration.ofSeconds(601));
        problem(bearer(current, "PUT", "/v1/session/patients/bg-long-life/data/k", "1"), 404, "patient_context_not_open");
    }

    /** An administrator who breaks the glass must not be the one who signs it off (separation of duties). */
    @Test
    void anAdministratorCannotReviewTheirOwnBreakOfTheGlass() {
        String patient = restrict("bg-self", carerId);
        String chief = login("stmarys", "chief");
        assertThat(bearer(chief, "POST", "/v1/session/patients/" + patient, breakGlass("Curious about this VIP chart", null))
                .status()).isEqualTo(200);
        String id = null;
        for (var item : bearer(chief, "GET", "/v1/admin/break-glass?status=open", null).json().path("break_glass")) {
            if (item.path("patient_id").asText().equals(patient)) {
                id = item.path("id").asText();
            }
        }
        assertThat(id).isNotNull();
        var self = bearer(chief, "POST", "/v1/admin/break-glass/" + id + "/review", TestWard.json(Map.of("justified", true,
                "note", "fine by me")));
        assertThat(self.status()).as(self.raw()).isEqualTo(403);
        assertThat(self.code()).isEqualTo("break_glass_self_review");
        assertThat(bearer(w.adminToken(), "GET", "/v1/admin/break-glass?tenant=stmarys&status=open", null).raw()).contains(id);
    }

    /** Taken off the care team (or the patient restricted after opening): the open context must not keep reading. */
    @Test
    void aUserTakenOffTheCareTeamCannotKeepReading() {
        String patient = restrict("bg-team", carerId, nurseId);
        String nurse = login("stmarys", "nurse");
        assertThat(bearer(nurse, "POST", "/v1/session/patients/" + patient, null).json().path("break_glass").asBoolean()).isFalse();
        bearer(nurse, "PUT", "/v1/session/patients/" + patient + "/data/chart", "{\"dx\":\"confidential\"}");
        restrict(patient, carerId); // the nurse is taken off the team

        var read = bearer(nurse, "GET", "/v1/session/patients/" + patient + "/data/chart", null);
        assertThat(read.raw()).doesNotContain("confidential");
        problem(read, 404, "patient_context_not_open");
        problem(bearer(nurse, "PUT", "/v1/session/patients/" + patient + "/data/more", "{}"), 404, "patient_context_not_open");

        String open = "bg-late";
        String locum = login("stmarys", "locum");
        bearer(locum, "POST", "/v1/session/patients/" + open, null);
        bearer(locum, "PUT", "/v1/session/patients/" + open + "/data/chart", "{\"dx\":\"confidential\"}");
        restrict(open, carerId);
        problem(bearer(locum, "GET", "/v1/session/patients/" + open + "/data/chart", null), 404, "patient_context_not_open");
    }

    // --- CSRF and origins ----------------------------------------------------------------------------------

    /**
     * Every cookie-authenticated write on patient data and user attributes, from each kind of foreign or missing origin:
     * refused 403 before anything happens, with no CORS headers, and the data and contexts are untouched.
     */
    @Test
    void cookieWritesFromAForeignOrMissingOriginChangeNothing() {
        String token = login("stmarys", "nurse");
        bearer(token, "POST", "/v1/session/patients/c-1", null);
        bearer(token, "PUT", "/v1/session/patients/c-1/data/chart", "{\"v\":1}");
        bearer(token, "PUT", "/v1/me/attributes/theme", "\"dark\"");
        long writtenBefore = w.ward.audit().recent("stmarys", "patient.data_written", 1000).size();
        String[][] writes = {{"PUT", "/v1/session/patients/c-1/data/chart", "{\"v\":666}"},
                {"DELETE", "/v1/session/patients/c-1/data/chart", null}, {"DELETE", "/v1/session/patients/c-1", null},
                {"POST", "/v1/session/patients/c-evil", "{}"}, {"PUT", "/v1/me/attributes/theme", "\"evil\""},
                {"DELETE", "/v1/me/attributes/theme", null}, {"POST", "/v1/session/patient-data/clear", null},
                {"POST", "/v1/session/emergency-cleanup", null}};
        List<String[]> origins = List.of(new String[] {"Origin", EVIL}, new String[] {"Origin", "null"},
                new String[] {"Origin", OTHER_APP}, new String[] {"Origin", "http://emr.stmarys.example"},
                new String[] {"Origin", APP + ":8443"}, new String[] {"Origin", APP + "/"}, new String[] {"Origin", APP + ".evil.example"},
                new String[] {"Origin", "https://stmarys.example"}, new String[] {"Sec-Fetch-Site", "cross-site"},
                new String[] {"Sec-Fetch-Site", "same-site"}, new String[] {"Sec-Fetch-Site", "none"}, new String[0]);
        for (String[] write : writes) {
            for (String[] origin : origins) {
                String[] headers = origin.length == 0 ? new String[] {"Cookie", cookie(token)}
                        : new String[] {"Cookie", cookie(token), origin[0], origin[1]};
                var r = send(write[0], write[1], write[2], headers);
                String what = write[0] + " " + write[1] + " " + String.join(": ", origin);
                assertThat(r.status()).as(what + " " + r.raw()).isEqualTo(403);
                assertThat(r.code()).as(what).isEqualTo("origin_not_allowed");
                assertThat(r.header("Access-Control-Allow-Origin")).as(what).isNull();
            }
        }
        // Sec-Fetch-Site: same-origin does not launder a foreign Origin.
        problem(send("PUT", "/v1/session/patients/c-1/data/chart", "{\"v\":666}", "Cookie", cookie(token), "Origin", EVIL,
                "Sec-Fetch-Site", "same-origin"), 403, "origin_not_allowed");

        assertThat(bearer(token, "GET", "/v1/session/patients/c-1/data/chart", null).raw()).isEqualTo("{\"v\":1}");
        assertThat(bearer(token, "GET", "/v1/me/attributes/theme", null).raw()).isEqualTo("\"dark\"");
        assertThat(bearer(token, "GET", "/v1/session/patients", null).json().path("patients")).hasSize(1);
        assertThat(w.ward.audit().recent("stmarys", "patient.data_written", 1000)).hasSize((int) writtenBefore);
    }

    /** Only the two beacon routes take text/plain; every other cookie write from the app's own origin needs JSON. */
    @Test
    void textPlainAndFormBodiesReachOnlyTheBeaconRoutes() {
        String token = login("stmarys", "nurse");
        bearer(token, "POST", "/v1/session/patients/c-2", null);
        bearer(token, "PUT", "/v1/session/patients/c-2/data/chart", "{\"v\":1}");
        for (String type : List.of("text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=x", "application/jsonp", "application/json-patch+json", "text/json")) {
            for (String[] write : new String[][] {{"PUT", "/v1/session/patients/c-2/data/chart"},
                    {"POST", "/v1/session/patients/c-3"}, {"PUT", "/v1/me/attributes/theme"},
                    {"DELETE", "/v1/session/patients/c-2/data/chart"}, {"DELETE", "/v1/session/patients/c-2"}}) {
                var r = send(write[0], write[1], "{\"v\":2}", "Cookie", cookie(token), "Origin", APP, "Content-Type", type);
                assertThat(r.status()).as(type + " " + write[1] + " " + r.raw()).isEqualTo(415);
            }
        }
        assertThat(bearer(token, "GET", "/v1/session/patients/c-2/data/chart", null).raw()).isEqualTo("{\"v\":1}");
        var beacon = send("POST", "/v1/session/patient-data/clear", "x=1", "Cookie", cookie(token), "Origin", APP,
                "Content-Type", "application/x-www-form-urlencoded");
        assertThat(beacon.status()).as(beacon.raw()).isEqualTo(200);
        noCache(beacon);
    }

    /** A foreign page can neither read patient data with the cookie (no CORS) nor pass a preflight for it. */
    @Test
    void aForeignPageCannotReadPatientDataWithTheCookie() {
        String token = login("stmarys", "nurse");
        bearer(token, "POST", "/v1/session/patients/c-4", null);
        bearer(token, "PUT", "/v1/session/patients/c-4/data/chart", "{\"v\":1}");
        var read = send("GET", "/v1/session/patients/c-4/data/chart", null, "Cookie", cookie(token), "Origin", EVIL);
        assertThat(read.header("Access-Control-Allow-Origin")).isNull();
        assertThat(read.header("Access-Control-Allow-Credentials")).isNull();
        var other = send("GET", "/v1/session/patients", null, "Cookie", cookie(token), "Origin", OTHER_APP);
        assertThat(other.header("Access-Control-Allow-Origin")).as("allowed by another tenant only").isNull();
        var preflight = send("OPTIONS", "/v1/session/patients/c-4/data/chart", null, "Origin", EVIL,
                "Access-Control-Request-Method", "PUT", "Access-Control-Request-Headers", "content-type");
        assertThat(preflight.status()).isEqualTo(403);
        assertThat(preflight.header("Access-Control-Allow-Origin")).isNull();
        var allowed = send("GET", "/v1/session/patients/c-4/data/chart", null, "Cookie", cookie(token), "Origin", APP);
        assertThat(allowed.header("Access-Control-Allow-Origin")).isEqualTo(APP);
    }

    // --- input abuse ---------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"..%2Fp-1", "p%2F1", "p%5C1", "%2E%2E", "p-1%00", "p-1%0d%0aSet-Cookie:%20x=1", "p%20-1", "p%C3%A9",
            "%F0%9F%98%80", "p%FF", "p;1", ".%2e", "%2e", "%2E%2E%2F", "p'1", "p%221", "p%3Cscript%3E", "p%09", "p%7F"})
    void oddPatientIdsAreRefusedCleanly(String id) {
        String token = login("stmarys", "nurse");
        for (String[] call : new String[][] {{"POST", "/v1/session/patients/" + id}, {"DELETE", "/v1/session/patients/" + id},
                {"PUT", "/v1/session/patients/" + id + "/data/k"}, {"GET", "/v1/session/patients/p-1/data/" + id},
                {"PUT", "/v1/me/attributes/" + id}, {"PUT", "/v1/patients/" + id + "/access"}}) {
            String credential = call[1].startsWith("/v1/patients/") ? emr : token;
            var r = bearer(credential, call[0], call[1], call[0].equals("PUT") ? "{\"restricted\":true}" : null);
            assertThat(r.status()).as(call[0] + " " + call[1] + " " + r.raw()).isIn(400, 404);
            assertThat(r.header("Content-Type")).as(call[1]).startsWith("application/problem+json");
            assertThat(r.raw()).as("no echo of the raw input").doesNotContain("<script>", "Set-Cookie");
            assertThat(r.header("Set-Cookie")).isNull();
        }
        assertThat(bearer(token, "GET", "/v1/session/patients", null).json().path("patients")).isEmpty();
    }

    /** Escapes a client library would never send (a bare or half {@code %}) arrive on a raw connection: a clean 400. */
    @ParameterizedTest
    @ValueSource(strings = {"p%", "p%2", "p%zz", "p%u0041"})
    void malformedEscapesAreABadRequest(String id) throws IOException {
        String token = login("stmarys", "nurse");
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", w.ward.port())) {
            socket.setSoTimeout(10_000);
            String request = "POST /v1/session/patients/" + id + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
                    + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
            socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(answer).as(answer).startsWith("HTTP/1.1 400");
            assertThat(answer).contains("application/problem+json");
        }
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", w.ward.port())) {
            socket.setSoTimeout(10_000);
            String request = "GET /v1/admin/tenants/" + id + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                    + w.adminToken() + "\r\nConnection: close\r\n\r\n";
            socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(answer).as("any route with a path parameter: " + answer).startsWith("HTTP/1.1 400");
        }
        assertThat(bearer(token, "GET", "/v1/session/patients", null).json().path("patients")).isEmpty();
    }

    @Test
    void overlongIdsAndUrlsAreRefusedCleanly() {
        String token = login("stmarys", "nurse");
        String ok = "p".repeat(128);
        assertThat(bearer(token, "POST", "/v1/session/patients/" + ok, null).status()).isEqualTo(200);
        problem(bearer(token, "POST", "/v1/session/patients/" + "p".repeat(129), null), 400, "validation_failed");
        problem(bearer(token, "PUT", "/v1/session/patients/" + ok + "/data/" + "k".repeat(129), "{}"), 400, "validation_failed");
        var huge = bearer(token, "POST", "/v1/session/patients/" + "p".repeat(20_000), null);
        assertThat(huge.status()).as(huge.raw()).isBetween(400, 499);
    }

    @Test
    void bodiesOverTheLimitAreRefusedWithoutStoringAnything() {
        String token = login("stmarys", "nurse");
        bearer(token, "POST", "/v1/session/patients/i-1", null);
        String exact = "\"" + "a".repeat(64 * 1024 - 2) + "\"";
        assertThat(bearer(token, "PUT", "/v1/session/patients/i-1/data/big", exact).status()).isEqualTo(204);
        var over = bearer(token, "PUT", "/v1/session/patients/i-1/data/big2", "\"" + "a".repeat(64 * 1024 - 1) + "\"");
        assertThat(over.status()).as(over.raw()).isEqualTo(413);
        assertThat(over.header("Content-Type")).startsWith("application/problem+json");
        // Without a Content-Length (chunked), the limit holds while reading.
        var chunked = chunkedPut("/v1/session/patients/i-1/data/big3", token, 200 * 1024);
        assertThat(chunked.statusCode()).isEqualTo(413);
        // Whitespace that compacts away still counts against the request limit; the stored value is the compact one.
        String padded = "{" + " ".repeat(60 * 1024) + "\"a\":1}";
        assertThat(bearer(token, "PUT", "/v1/session/patients/i-1/data/padded", padded).status()).isEqualTo(204);
        assertThat(bearer(token, "GET", "/v1/session/patients/i-1/data/padded", null).raw()).isEqualTo("{\"a\":1}");
        problem(bearer(token, "GET", "/v1/session/patients/i-1/data/big2", null), 404, "patient_data_not_found");
        problem(bearer(token, "GET", "/v1/session/patients/i-1/data/big3", null), 404, "patient_data_not_found");
        var attribute = bearer(token, "PUT", "/v1/me/attributes/big", "\"" + "a".repeat(9000) + "\"");
        problem(attribute, 413, "attribute_too_large");
    }

    private static HttpResponse<String> chunkedPut(String path, String token, int size) {
        byte[] body = ("\"" + "a".repeat(size) + "\"").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        HttpRequest request = HttpRequest.newBuilder(URI.create(w.base() + path))
                .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(body)))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json").build();
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() >= 500) {
                serverErrors.add("chunked PUT " + path + " → " + r.statusCode());
            }
            return r;
        } catch (IOException e) {
            // Jetty may close the connection while the client is still sending: that is a refusal too.
            return new FakeStatus(413);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "{not json", "{}{}", "{} x", "{\"a\":1,\"a\":2}", "{\"a\":{\"b\":1,\"b\":2}}", "NaN",
            "'single'", "{a:1}", "[1,]", "\"\\uD800\"x", "\u00EF\u00BB\u00BF{}", "{\"a\":1}\u0000", "/* c */ {}",
            "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["})
    void nonJsonAndAmbiguousJsonIsAValidationFailure(String body) {
        String token = login("stmarys", "nurse");
        bearer(token, "POST", "/v1/session/patients/i-2", null);
        for (String path : List.of("/v1/session/patients/i-2/data/k", "/v1/me/attributes/k")) {
            var r = bearer(token, "PUT", path, body);
            assertThat(r.status()).as(path + " ← " + body + " → " + r.raw()).isIn(400, 415);
            assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        }
        problem(bearer(token, "GET", "/v1/session/patients/i-2/data/k", null), 404, "patient_data_not_found");
    }

    @Test
    void deeplyNestedJsonIsRefusedNotAStackOverflow() {
        String token = login("stmarys", "nurse");
        bearer(token, "POST", "/v1/session/patients/i-3", null);
        String deep = "[".repeat(30_000) + "]".repeat(30_000);
        var r = bearer(token, "PUT", "/v1/session/patients/i-3/data/deep", deep);
        problem(r, 400, "validation_failed");
        String deepObject = "{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000);
        problem(bearer(token, "PUT", "/v1/me/attributes/deep", deepObject), 400, "validation_failed");
        assertThat(bearer(token, "GET", "/v1/session", null).status()).as("the server lives on").isEqualTo(200);
    }

    @Test
    void invalidUtf8IsRefused() throws Exception {
        String token = login("stmarys", "nurse");
        bearer(token, "POST", "/v1/session/patients/i-4", null);
        byte[] bad = {'"', (byte) 0xC3, (byte) 0x28, '"'};
        HttpRequest request = HttpRequest.newBuilder(URI.create(w.base() + "/v1/session/patients/i-4/data/k"))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(bad)).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json").build();
        try (HttpClient client = HttpClient.newHttpClient()) {
            HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        }
    }

    @Test
    void countCapsHold() {
        String token = login("stmarys", "nurse");
        bearer(token, "POST", "/v1/session/patients/cap", null);
        for (int i = 0; i < 64; i++) {
            assertThat(bearer(token, "PUT", "/v1/session/patients/cap/data/k" + i, "1").status()).isEqualTo(204);
        }
        problem(bearer(token, "PUT", "/v1/session/patients/cap/data/k64", "1"), 409, "too_many_patient_data_keys");
        assertThat(bearer(token, "PUT", "/v1/session/patients/cap/data/k0", "2").status()).as("overwrite is fine").isEqualTo(204);
        bearer(token, "POST", "/v1/session/patient-data/clear", null);
        for (int i = 0; i < 32; i++) {
            assertThat(bearer(token, "POST", "/v1/session/patients/cap-" + i, null).status()).isEqualTo(200);
        }
        problem(bearer(token, "POST", "/v1/session/patients/cap-32", null), 409, "too_many_patient_contexts");

        String carer = login("stmarys", "carer");
        for (int i = 0; i < 64; i++) {
            assertThat(bearer(carer, "PUT", "/v1/me/attributes/a" + i, "1").status()).isEqualTo(204);
        }
        problem(bearer(carer, "PUT", "/v1/me/attributes/a64", "1"), 409, "too_many_attributes");
        for (int i = 0; i < 64; i++) {
            bearer(carer, "DELETE", "/v1/me/attributes/a" + i, null);
        }
    }

    /** Many parallel requests racing the caps: the count limits hold exactly, with no error but the limit's own. */
    @Test
    void parallelRequestsCannotRaceThroughTheCaps() throws Exception {
        String token = login("stmarys", "nurse");
        bearer(token, "POST", "/v1/session/patients/race", null);
        List<Integer> keys = race(100, i -> bearer(token, "PUT", "/v1/session/patients/race/data/k" + i, "1").status());
        assertThat(keys).containsOnly(204, 409);
        assertThat(keys.stream().filter(s -> s == 204).count()).isEqualTo(64);
        bearer(token, "POST", "/v1/session/patient-data/clear", null);

        List<Integer> contexts = race(60, i -> bearer(token, "POST", "/v1/session/patients/race-" + i, null).status());
        assertThat(contexts).containsOnly(200, 409);
        assertThat(bearer(token, "GET", "/v1/session/patients", null).json().path("patients")).hasSize(32);
        bearer(token, "POST", "/v1/session/patient-data/clear", null);

        w.createUser("stmarys", "racer", PASSWORD, "staff"); // a user holding no attribute yet
        String racer = login("stmarys", "racer");
        List<Integer> attributes = race(100, i -> bearer(racer, "PUT", "/v1/me/attributes/race" + i, "1").status());
        assertThat(attributes).containsOnly(204, 409);
        assertThat(attributes.stream().filter(s -> s == 204).count()).isEqualTo(64);
    }

    /** A break of the glass asked for many times at once is one break: one context, one review item, one alert. */
    @Test
    void parallelBreaksOfTheGlassAreOneBreak() throws Exception {
        String patient = restrict("bg-race", carerId);
        String locum = login("stmarys", "locum");
        List<Integer> opened = race(12, i -> bearer(locum, "POST", "/v1/session/patients/" + patient,
                breakGlass("Mass casualty incident, triage", "ETREAT")).status());
        assertThat(opened).containsOnly(200);
        assertThat(breakGlassItems(patient)).isEqualTo(1);
        long alerts = 0;
        for (var a : bearer(w.adminToken(), "GET", "/v1/admin/alerts?tenant=stmarys", null).json().path("alerts")) {
            if (a.path("subject").path("patient_id").asText().equals(patient)) {
                alerts++;
            }
        }
        assertThat(alerts).isEqualTo(1);
    }

    private static List<Integer> race(int n, java.util.function.IntFunction<Integer> call) throws Exception {
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(12)) {
            var start = new java.util.concurrent.CountDownLatch(1);
            List<java.util.concurrent.Future<Integer>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int index = i;
                futures.add(pool.submit(() -> {
                    start.await();
                    return call.apply(index);
                }));
            }
            start.countDown();
            List<Integer> statuses = new ArrayList<>();
            for (var f : futures) {
                statuses.add(f.get(60, java.util.concurrent.TimeUnit.SECONDS));
            }
            return statuses;
        }
    }

    // --- sealing: a value moved in the store must not open ----------------------------------------------------

    /**
     * With write access to the embedded database, move a sealed value to another key, patient, session, user and
     * tenant, and put a user attribute's sealed value into the data cache: each read fails closed (422
     * {@code decrypt_failed}, no plaintext), and the crypto API (app domain) cannot open a patient value either.
     */
    @Test
    void aSealedValueMovedInTheDatabaseDoesNotOpen() {
        String nurse = login("stmarys", "nurse");
        String locum = login("stmarys", "locum");
        String foreign = login("elsewhere", "nurse");
        String nurseSession = sessionId(nurse);
        bearer(nurse, "POST", "/v1/session/patients/s-1", null);
        bearer(nurse, "PUT", "/v1/session/patients/s-1/data/chart", "{\"secret\":\"PLAINTEXT-S1\"}");
        bearer(nurse, "PUT", "/v1/me/attributes/note", "\"PLAINTEXT-ATTR\"");
        String sealed = sql("SELECT sealed_value FROM patient_data WHERE session_id = ? AND patient_id = 's-1' AND name = 'chart'",
                nurseSession);
        String attribute = sql("SELECT sealed_value FROM user_attributes WHERE user_id = ? AND name = 'note'", nurseId);
        assertThat(sealed).doesNotContain("PLAINTEXT");

        // Same session, other key and other patient.
        bearer(nurse, "PUT", "/v1/session/patients/s-1/data/other", "{}");
        bearer(nurse, "POST", "/v1/session/patients/s-2", null);
        bearer(nurse, "PUT", "/v1/session/patients/s-2/data/chart", "{}");
        // Another user's session, and another tenant's session.
        bearer(locum, "POST", "/v1/session/patients/s-1", null);
        bearer(locum, "PUT", "/v1/session/patients/s-1/data/chart", "{}");
        bearer(foreign, "POST", "/v1/session/patients/s-1", null);
        bearer(foreign, "PUT", "/v1/session/patients/s-1/data/chart", "{}");
        setSealed(nurseSession, "s-1", "other", sealed);
        setSealed(nurseSession, "s-2", "chart", sealed);
        setSealed(sessionId(locum), "s-1", "chart", sealed);
        setSealed(sessionId(foreign), "s-1", "chart", sealed);
        for (String[] read : new String[][] {{nurse, "/v1/session/patients/s-1/data/other"},
                {nurse, "/v1/session/patients/s-2/data/chart"}, {locum, "/v1/session/patients/s-1/data/chart"},
                {foreign, "/v1/session/patients/s-1/data/chart"}}) {
            var r = bearer(read[0], "GET", read[1], null);
            assertThat(r.raw()).doesNotContain("PLAINTEXT");
            problem(r, 422, "decrypt_failed");
            noCache(r);
        }
        // A user attribute's sealed value in the data cache, and a patient value as an attribute.
        setSealed(nurseSession, "s-2", "chart", attribute);
        problem(bearer(nurse, "GET", "/v1/session/patients/s-2/data/chart", null), 422, "decrypt_failed");
        sqlUpdate("UPDATE user_attributes SET sealed_value = ? WHERE user_id = ? AND name = 'note'", sealed, nurseId);
        var attr = bearer(nurse, "GET", "/v1/me/attributes/note", null);
        assertThat(attr.raw()).doesNotContain("PLAINTEXT");
        problem(attr, 422, "decrypt_failed");
        // An attribute copied to another user of the same tenant.
        bearer(locum, "PUT", "/v1/me/attributes/note", "\"mine\"");
        sqlUpdate("UPDATE user_attributes SET sealed_value = ? WHERE user_id <> ? AND name = 'note' AND tenant_id = 'stmarys'",
                attribute, nurseId);
        problem(bearer(locum, "GET", "/v1/me/attributes/note", null), 422, "decrypt_failed");

        // The crypto API seals in the apps' own domain: it cannot open the cache's value even with the right context.
        String crypto = w.createApiKey("stmarys", "crypto");
        String context = "stmarys\u0000" + nurseSession + "\u0000s-1\u0000chart";
        for (String field : List.of("patient-data", "../patient-data", "app:patient-data")) {
            var r = bearer(crypto, "POST", "/v1/crypto/decrypt", TestWard.json(Map.of("field", field, "ciphertext", sealed,
                    "context", context)));
            assertThat(r.status()).as(field + " " + r.raw()).isIn(400, 422);
            assertThat(r.raw()).doesNotContain("PLAINTEXT");
        }
        assertThat(bearer(nurse, "GET", "/v1/session/patients/s-1/data/chart", null).raw()).contains("PLAINTEXT-S1");
    }

    private static String sql(String query, String arg) {
        return WardTestAccess.db(w.ward).call(h -> h.createQuery(query).bind(0, arg).mapTo(String.class).one());
    }

    private static void sqlUpdate(String update, String a, String b) {
        int n = WardTestAccess.db(w.ward).call(h -> h.createUpdate(update).bind(0, a).bind(1, b).execute());
        assertThat(n).isGreaterThanOrEqualTo(1);
    }

    private static void setSealed(String sessionId, String patient, String key, String sealed) {
        int n = WardTestAccess.db(w.ward).call(h -> h.createUpdate(
                        "UPDATE patient_data SET sealed_value = :v WHERE session_id = :s AND patient_id = :p AND name = :n")
                .bind("v", sealed).bind("s", sessionId).bind("p", patient).bind("n", key).execute());
        assertThat(n).as("tampered row").isEqualTo(1);
    }

    /** The same on Redis (with PostgreSQL), where the data cache lives in the session's slot. */
    @Test
    void aSealedValueMovedInRedisDoesNotOpen() throws Exception {
        String master = Base64.getEncoder().encodeToString(Secrets.randomBytes(32));
        try (PostgresSchema schema = PostgresSchema.create("PatientAttackTest");
             RedisServers redis = RedisServers.standalone("PatientAttackTest");
             TestWard r = TestWard.onPostgresAndRedis(schema.url(), master, redis.url());
             RedisConnection raw = RedisConnection.open(RedisEndpoint.parse(redis.url()))) {
            r.createTenant("north", Map.of("mfa", Map.of("required_roles", List.of()),
                    "session", Map.of("idle_timeout_seconds", 7200, "absolute_timeout_seconds", 86400)));
            r.createTenant("south", Map.of("mfa", Map.of("required_roles", List.of())));
            r.createUser("north", "ann", PASSWORD, "staff");
            r.createUser("north", "bob", PASSWORD, "staff");
            r.createUser("south", "cat", PASSWORD, "staff");
            String ann = r.login("north", "ann", PASSWORD);
            String bob = r.login("north", "bob", PASSWORD);
            String cat = r.login("south", "cat", PASSWORD);
            for (String t : List.of(ann, bob, cat)) {
                assertThat(r.post("/v1/session/patients/r-1", null, t).status()).isEqualTo(200);
                assertThat(r.put("/v1/session/patients/r-1/data/chart", "{\"x\":0}", t).status()).isEqualTo(204);
            }
            r.put("/v1/session/patients/r-1/data/chart", "{\"secret\":\"PLAINTEXT-R1\"}", ann);
            r.put("/v1/session/patients/r-1/data/other", "{}", ann);
            String annKey = dataKey(raw, r.get("/v1/session", ann).text("id"));
            String sealed = raw.call(c -> c.hget(annKey, "chart"));
            assertThat(sealed).isNotNull().doesNotContain("PLAINTEXT");
            raw.call(c -> c.hset(annKey, "other", sealed));
            for (String t : List.of(bob, cat)) {
                String k = dataKey(raw, r.get("/v1/session", t).text("id"));
                raw.call(c -> c.hset(k, "chart", sealed));
            }
            for (String[] read : new String[][] {{ann, "other"}, {bob, "chart"}, {cat, "chart"}}) {
                var got = r.get("/v1/session/patients/r-1/data/" + read[1], read[0]);
                assertThat(got.raw()).doesNotContain("PLAINTEXT");
                assertThat(got.status()).as(got.raw()).isEqualTo(422);
                assertThat(got.code()).isEqualTo("decrypt_failed");
                assertThat(got.header("Cache-Control")).isEqualTo("no-store");
            }
            // A value that is no Ward ciphertext at all (garbage written straight into Redis) fails closed too.
            raw.call(c -> c.hset(annKey, "other", "{\"secret\":\"PLAINTEXT-FORGED\"}"));
            var forged = r.get("/v1/session/patients/r-1/data/other", ann);
            assertThat(forged.status()).as(forged.raw()).isEqualTo(422);
            assertThat(forged.raw()).doesNotContain("PLAINTEXT");
            assertThat(r.get("/v1/session/patients/r-1/data/chart", ann).raw()).contains("PLAINTEXT-R1");

            // Past the context's idle limit (by Ward's clock, whatever Redis' own TTL says): refused, and the data dropped.
            r.clock.advance(Duration.ofSeconds(1801));
            var late = r.get("/v1/session/patients/r-1/data/chart", ann);
            assertThat(late.status()).as(late.raw()).isEqualTo(404);
            assertThat(late.code()).isEqualTo("patient_context_not_open");
            assertThat((long) raw.call(c -> c.exists(annKey))).as("the sealed data left Redis with its context").isZero();
        }
    }

    private static String dataKey(RedisConnection raw, String sessionId) {
        List<String> keys = raw.call(c -> c.keys("*pd:*" + sessionId + ":r-1"));
        assertThat(keys).as("the data hash of " + sessionId).hasSize(1);
        return keys.getFirst();
    }

    // --- information leaks ---------------------------------------------------------------------------------

    /** Every answer of a patient route and of /v1/me/attributes says no-store/no-cache, errors of every kind included. */
    @Test
    void everyPatientAnswerForbidsCachingErrorsIncluded() {
        String token = login("stmarys", "nurse");
        bearer(token, "POST", "/v1/session/patients/h-1", null);
        List<TestWard.Response> answers = new ArrayList<>();
        answers.add(send("GET", "/v1/session/patients/h-1/data/k", null));                                     // 401
        answers.add(bearer("wst_garbage", "GET", "/v1/session/patients", null));                               // 401
        answers.add(bearer(token, "GET", "/v1/session/patients/h-1/data/k", null));                            // 404
        answers.add(bearer(token, "GET", "/v1/session/patients/h-2/data/k", null));                            // 404
        answers.add(bearer(token, "POST", "/v1/session/patients/bad%20id", null));                             // 400
        answers.add(send("PUT", "/v1/session/patients/h-1/data/k", "{\"a\":1}", "Cookie", cookie(token), "Origin", EVIL)); // 403
        answers.add(send("PUT", "/v1/session/patients/h-1/data/k", "{\"a\":1}", "Cookie", cookie(token), "Origin", APP,
                "Content-Type", "text/plain"));                                                                  // 415
        answers.add(bearer(token, "PUT", "/v1/session/patients/h-1/data/k", "\"" + "a".repeat(70_000) + "\"")); // 413
        answers.add(bearer(token, "PUT", "/v1/session/patients/h-1/data/k", "{bad"));                          // 400
        answers.add(bearer(token, "GET", "/v1/session/patients", null));                                       // 200
        answers.add(asApp(foreignEmr, token, "GET", "/v1/session/patients", null));                            // 401
        answers.add(send("GET", "/v1/me/attributes/k", null));                                                 // 401
        answers.add(bearer(token, "GET", "/v1/me/attributes/nothing", null));                                  // 404
        answers.add(bearer(token, "PUT", "/v1/me/attributes/k", "\"" + "a".repeat(70_000) + "\""));            // 413
        answers.add(send("POST", "/v1/session/patient-data/clear", null, "Cookie", cookie(token)));            // 403
        for (TestWard.Response r : answers) {
            assertThat(r.status()).isLessThan(500);
            noCache(r);
            assertThat(r.header("ETag")).isNull();
        }
    }

    /** Error bodies say what went wrong without echoing tokens, sealed values or another tenant's facts. */
    @Test
    void errorBodiesEchoNoSecrets() {
        String token = login("stmarys", "nurse");
        var mismatch = asApp(foreignEmr, token, "GET", "/v1/session/patients", null);
        assertThat(mismatch.raw()).doesNotContain(token, foreignEmr, "stmarys", "nurse");
        var badKey = send("GET", "/v1/session/patients", null, "Authorization", "Bearer wak_forged_key_value",
                "Ward-Session-Token", token);
        assertThat(badKey.status()).isEqualTo(401);
        assertThat(badKey.raw()).doesNotContain(token, "wak_forged_key_value");
        var notOpen = bearer(token, "GET", "/v1/session/patients/MRN-0001/data/hiv", null);
        assertThat(notOpen.raw()).doesNotContain("MRN-0001", "hiv");
        assertThat(notOpen.header("Vary") == null || !notOpen.header("Vary").contains("*")).isTrue();
    }

    /**
     * Capture the server's log while a whole patient workflow runs (opens, data, break-glass, cookie and app calls,
     * refusals, a decrypt failure): no token, key, patient id, data key, value or break-glass reason may appear.
     */
    @Test
    void theServerLogCarriesNoPatientDataOrTokens() {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> captured = new ListAppender<>();
        captured.start();
        root.addAppender(captured);
        String patient = "MRN-7788990011";
        String vip = "MRN-VIP-5566";
        String dataKey = "hivstatus-result";
        String value = "PHI-VALUE-reactive";
        String reason = "REASON-Unconscious-in-resus";
        String token;
        String locum;
        try {
            token = login("stmarys", "nurse");
            locum = login("stmarys", "locum");
            bearer(token, "POST", "/v1/session/patients/" + patient, "{\"reason\":\"ward round\"}");
            bearer(token, "PUT", "/v1/session/patients/" + patient + "/data/" + dataKey, "\"" + value + "\"");
            bearer(token, "GET", "/v1/session/patients/" + patient + "/data/" + dataKey, null);
            asApp(emr, token, "GET", "/v1/session/patients/" + patient + "/data/" + dataKey, null);
            asApp(foreignEmr, token, "GET", "/v1/session/patients/" + patient + "/data/" + dataKey, null);
            send("PUT", "/v1/session/patients/" + patient + "/data/" + dataKey, "\"x\"", "Cookie", cookie(token), "Origin", EVIL);
            send("GET", "/v1/session/patients/" + patient + "/data/" + dataKey, null, "Cookie", cookie(token), "Origin", APP);
            bearer(token, "PUT", "/v1/me/attributes/" + dataKey, "\"" + value + "\"");
            bearer(token, "GET", "/v1/me/attributes/" + dataKey, null);
            restrict(vip, carerId);
            bearer(locum, "POST", "/v1/session/patients/" + vip, null);
            bearer(locum, "POST", "/v1/session/patients/" + vip, breakGlass(reason, "ETREAT"));
            bearer(locum, "GET", "/v1/session/patients/" + vip + "/data/" + dataKey, null);
            String sealed = sql("SELECT sealed_value FROM patient_data WHERE session_id = ? AND name = '" + dataKey + "'",
                    sessionId(token));
            setSealed(sessionId(token), patient, dataKey, sealed.substring(0, sealed.length() - 4) + "AAAA");
            bearer(token, "GET", "/v1/session/patients/" + patient + "/data/" + dataKey, null);
            bearer(token, "GET", "/v1/session/patients/" + patient + "/data/" + dataKey + "/extra", null);
            send("POST", "/v1/session/emergency-cleanup", "", "Cookie", cookie(token), "Origin", APP, "Content-Type", "text/plain");
        } finally {
            root.detachAppender(captured);
        }
        assertThat(captured.list.stream().filter(e -> e.getLoggerName().equals("ward.access")).count())
                .as("the access log still logs each request").isGreaterThanOrEqualTo(15);
        for (ILoggingEvent e : captured.list) {
            String line = e.getFormattedMessage();
            assertThat(line).as(e.getLoggerName()).doesNotContain(token, locum, emr, foreignEmr, "wst_", "wak_", patient, vip,
                    dataKey, value, reason, "ward:v");
            assertThat(e.getThrowableProxy()).as("stack trace: " + line).isNull();
        }
    }

    // A response for a connection the server closed mid-upload (the refusal of an oversized chunked body).
    private record FakeStatus(int statusCode) implements HttpResponse<String> {
        @Override public HttpRequest request() { return null; }
        @Override public Optional<HttpResponse<String>> previousResponse() { return Optional.empty(); }
        @Override public java.net.http.HttpHeaders headers() { return java.net.http.HttpHeaders.of(Map.of(), (a, b) -> true); }
        @Override public String body() { return ""; }
        @Override public Optional<javax.net.ssl.SSLSession> sslSession() { return Optional.empty(); }
        @Override public URI uri() { return null; }
        @Override public HttpClient.Version version() { return HttpClient.Version.HTTP_1_1; }
    }

}
