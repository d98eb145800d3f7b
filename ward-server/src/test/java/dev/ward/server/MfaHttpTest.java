package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ward.audit.AuditEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * MFA through HTTP (C4): enrolment, the login challenge, replay, backup codes, the enrolment-only session,
 * disabling and reset, and every refusal. Codes come from {@link IndependentTotp}, never from Ward's class.
 */
class MfaHttpTest {
    static final String PW = "Second-Factor-9!";
    static final String TENANT = "clinic";
    static final String TOKEN = "wst_[A-Za-z0-9_-]+";

    TestWard w;

    @BeforeEach
    void start() {
        w = new TestWard();
        w.createTenant(TENANT, Map.of());
    }

    @AfterEach
    void stop() {
        w.close();
    }

    /** A user who has enrolled TOTP: the secret, the backup codes, the aal-2 token confirmation handed out. */
    record Enrolled(String userId, String username, String secret, List<String> backupCodes, String token) {}

    static TestWard.Response login(TestWard w, String tenant, String username) {
        return w.post("/v1/auth/login", TestWard.json(Map.of("tenant", tenant, "username", username, "password", PW)), null);
    }

    static TestWard.Response verify(TestWard w, String challenge, String code) {
        return w.post("/v1/auth/mfa/verify", TestWard.json(Map.of("challenge", challenge, "code", code)), null);
    }

    /** Creates a provider (MFA required by the shipped policy) and takes them through enrolment. */
    static Enrolled enrol(TestWard w, String tenant, String username) {
        String id = w.createUser(tenant, username, PW, "provider");
        TestWard.Response first = login(w, tenant, username);
        assertThat(first.status()).as(first.raw()).isEqualTo(200);
        assertThat(first.text("status")).isEqualTo("mfa_enrollment_required");
        String enrolToken = first.text("token");
        assertThat(enrolToken).matches(TOKEN);
        assertThat(first.json().path("session").path("aal").asInt()).isZero();

        TestWard.Response setup = w.post("/v1/me/mfa/totp/setup", null, enrolToken);
        assertThat(setup.status()).as(setup.raw()).isEqualTo(200);
        String secret = setup.text("secret");
        assertThat(secret).matches("[A-Z2-7]{32}");
        TestWard.Response confirmed = w.post("/v1/me/mfa/totp/confirm",
                TestWard.json(Map.of("code", IndependentTotp.at(secret, w.clock.instant()))), enrolToken);
        assertThat(confirmed.status()).as(confirmed.raw()).isEqualTo(200);
        assertThat(confirmed.json().path("enabled").asBoolean()).isTrue();
        assertThat(confirmed.json().path("aal").asInt()).isEqualTo(2);
        List<String> codes = new ArrayList<>();
        confirmed.json().path("backup_codes").forEach(c -> codes.add(c.asText()));
        assertThat(codes).hasSize(10).doesNotHaveDuplicates().allMatch(c -> c.matches("[0-9a-z]{4}(-[0-9a-z]{4}){3}"));
        String token = confirmed.text("token");
        assertThat(token).matches(TOKEN).isNotEqualTo(enrolToken);
        return new Enrolled(id, username, secret, codes, token);
    }

    /** Password, then a code: the token of the aal-2 session. */
    static String logInWithCode(TestWard w, String tenant, String username, String code) {
        TestWard.Response r = login(w, tenant, username);
        assertThat(r.text("status")).as(r.raw()).isEqualTo("mfa_required");
        TestWard.Response v = verify(w, r.text("challenge"), code);
        assertThat(v.status()).as(v.raw()).isEqualTo(200);
        assertThat(v.text("status")).isEqualTo("authenticated");
        assertThat(v.json().path("session").path("aal").asInt()).isEqualTo(2);
        return v.text("token");
    }

    private void nextStep() {
        w.clock.advance(Duration.ofSeconds(30));
    }

    private String codeNow(Enrolled e) {
        return IndependentTotp.at(e.secret(), w.clock.instant());
    }

    private List<String> auditTypes() {
        return w.ward.audit().recent(TENANT, null, 1000).stream().map(AuditEvent::type).toList();
    }

    private long audited(String type) {
        return w.ward.audit().recent(TENANT, type, 1000).size();
    }

    @Test
    void enrolsThenLogsInWithComputedCodes() {
        Enrolled e = enrol(w, TENANT, "drgrey");
        TestWard.Response session = w.get("/v1/session", e.token());
        assertThat(session.json().path("aal").asInt()).isEqualTo(2);
        assertThat(w.get("/v1/me/sessions", e.token()).status()).as("full use after enrolment").isEqualTo(200);
        TestWard.Response status = w.get("/v1/me/mfa", e.token());
        assertThat(status.json().path("totp_enabled").asBoolean()).isTrue();
        assertThat(status.json().path("backup_codes_remaining").asInt()).isEqualTo(10);
        assertThat(status.json().path("required").asBoolean()).isTrue();
        assertThat(w.get("/v1/admin/tenants/" + TENANT + "/users/" + e.userId(), w.adminToken()).json().path("mfa_enabled").asBoolean())
                .isTrue();

        nextStep();
        TestWard.Response challenged = login(w, TENANT, "drgrey");
        assertThat(challenged.status()).isEqualTo(200);
        assertThat(challenged.text("status")).isEqualTo("mfa_required");
        assertThat(challenged.text("challenge")).matches("wmc_[A-Za-z0-9_-]{43}");
        assertThat(challenged.json().path("methods").toString()).isEqualTo("[\"totp\",\"backup_code\"]");
        assertThat(challenged.text("expires_at")).isEqualTo(w.clock.instant().plus(Duration.ofMinutes(5)).toString());
        assertThat(challenged.json().has("token")).as("no session before the second factor").isFalse();
        assertThat(challenged.header("Set-Cookie")).isNull();

        TestWard.Response verified = verify(w, challenged.text("challenge"), codeNow(e));
        assertThat(verified.status()).as(verified.raw()).isEqualTo(200);
        assertThat(verified.text("status")).isEqualTo("authenticated");
        assertThat(verified.text("token")).matches(TOKEN);
        assertThat(verified.json().path("session").path("aal").asInt()).isEqualTo(2);
        assertThat(verified.json().path("user").path("username").asText()).isEqualTo("drgrey");
        assertThat(verified.header("Set-Cookie")).startsWith("ward_session=").contains("HttpOnly");
        assertThat(auditTypes()).contains("mfa.enrolled", "mfa.verified", "login.mfa_required", "login.succeeded");
    }

    @Test
    void theEnrolmentSessionMayOnlyEnrolShowItselfAndLogOut() {
        w.createUser(TENANT, "drblue", PW, "provider");
        String key = w.createApiKey(TENANT, "sessions");
        String token = login(w, TENANT, "drblue").text("token");

        assertThat(w.get("/v1/session", token).status()).isEqualTo(200);
        assertThat(w.get("/v1/me/mfa", token).status()).isEqualTo(200);
        for (TestWard.Response refused : List.of(
                w.get("/v1/me/sessions", token),
                w.post("/v1/session/keepalive", null, token),
                w.post("/v1/session/jwt", null, token),
                w.put("/v1/session/attributes/k", "1", token),
                w.post("/v1/me/sessions/revoke-others", null, token),
                w.get("/v1/admin/tenants", token),
                w.post("/v1/sessions/validate", TestWard.json(Map.of("token", token)), key))) {
            assertThat(refused.status()).as(refused.raw()).isEqualTo(403);
            assertThat(refused.code()).isEqualTo("mfa_enrollment_required");
            assertThat(refused.header("Content-Type")).startsWith("application/problem+json");
        }
        assertThat(w.post("/v1/auth/logout", null, token).status()).isEqualTo(204);
        assertThat(w.get("/v1/session", token).code()).isEqualTo("session_revoked");
    }

    @Test
    void parallelCodesOnOneChallengeTestNoMoreThanItsAttempts() throws Exception {
        Enrolled e = enrol(w, TENANT, "drrace");
        nextStep();
        String right = codeNow(e);
        String challenge = login(w, TENANT, "drrace").text("challenge");
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(24);
        try {
            java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
            List<java.util.concurrent.Future<TestWard.Response>> answers = new ArrayList<>();
            for (int i = 1; i <= 24; i++) {
                String wrong = "%06d".formatted((Integer.parseInt(right) + i) % 1_000_000);
                answers.add(pool.submit(() -> {
                    gate.await();
                    return verify(w, challenge, wrong);
                }));
            }
            gate.countDown();
            for (var f : answers) {
                assertThat(f.get().code()).isIn("invalid_mfa_code", "mfa_challenge_invalid");
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(audited("mfa.failed")).as("codes actually tested").isEqualTo(5);
        assertThat(verify(w, challenge, right).code()).as("the challenge is used up").isEqualTo("mfa_challenge_invalid");
    }

    @Test
    void anAppValidationThatRotatesAnEnrolmentSessionHandsOverTheNewToken() {
        w.patch("/v1/admin/tenants/" + TENANT, "{\"policy\":{\"session\":{\"rotate_after_uses\":2}}}", w.adminToken());
        w.createUser(TENANT, "drteal", PW, "provider");
        String key = w.createApiKey(TENANT, "sessions");
        String token = login(w, TENANT, "drteal").text("token");
        String body = TestWard.json(Map.of("token", token));

        TestWard.Response first = w.post("/v1/sessions/validate", body, key);
        assertThat(first.code()).isEqualTo("mfa_enrollment_required");
        assertThat(first.text("rotated_token")).isNull();
        TestWard.Response rotating = w.post("/v1/sessions/validate", body, key); // the second use: rotation due

        assertThat(rotating.status()).isEqualTo(403);
        assertThat(rotating.code()).isEqualTo("mfa_enrollment_required");
        String fresh = rotating.text("rotated_token");
        assertThat(fresh).startsWith("wst_").isNotEqualTo(token);
        w.clock.advance(Duration.ofMinutes(5));
        assertThat(w.get("/v1/me/mfa", fresh).status()).as("the holder goes on enrolling with the new token").isEqualTo(200);
        assertThat(w.get("/v1/me/mfa", token).code()).as("the old one is past its grace").isEqualTo("session_expired");
    }

    @Test
    void aCodeIsRefusedForTheRestOfItsWindowAcrossTheStepBoundary() {
        Enrolled e = enrol(w, TENANT, "drgrey");
        nextStep();
        String code = codeNow(e);
        logInWithCode(w, TENANT, "drgrey", code);

        // Last second of the same step: replayed.
        w.clock.advance(Duration.ofSeconds(29));
        TestWard.Response again = verify(w, login(w, TENANT, "drgrey").text("challenge"), code);
        assertThat(again.status()).isEqualTo(401);
        assertThat(again.code()).isEqualTo("invalid_mfa_code");
        assertThat(audited("mfa.replayed")).isEqualTo(1);

        // One second later, the next step: the old code is still inside the ±1 window, and still refused.
        w.clock.advance(Duration.ofSeconds(1));
        assertThat(verify(w, login(w, TENANT, "drgrey").text("challenge"), code).code()).isEqualTo("invalid_mfa_code");
        assertThat(audited("mfa.replayed")).isEqualTo(2);
        logInWithCode(w, TENANT, "drgrey", codeNow(e));

        // Two steps on: outside the window altogether, simply wrong.
        w.clock.advance(Duration.ofSeconds(60));
        assertThat(verify(w, login(w, TENANT, "drgrey").text("challenge"), code).code()).isEqualTo("invalid_mfa_code");
        assertThat(audited("mfa.failed")).isEqualTo(1);
        assertThat(audited("mfa.replayed")).isEqualTo(2);
    }

    @Test
    void aBackupCodeWorksOnceAndItsReuseIsAuditedAsAReplay() {
        Enrolled e = enrol(w, TENANT, "drgrey");
        String backup = e.backupCodes().get(3);
        String token = logInWithCode(w, TENANT, "drgrey", backup.toUpperCase().replace("-", " "));
        assertThat(audited("mfa.backup_code_used")).isEqualTo(1);
        assertThat(w.get("/v1/me/mfa", token).json().path("backup_codes_remaining").asInt()).isEqualTo(9);

        TestWard.Response reuse = verify(w, login(w, TENANT, "drgrey").text("challenge"), backup);
        assertThat(reuse.status()).isEqualTo(401);
        assertThat(reuse.code()).isEqualTo("invalid_mfa_code");
        assertThat(audited("mfa.replayed")).isEqualTo(1);
        assertThat(w.ward.audit().recent(TENANT, "mfa.replayed", 1).getFirst().details()).containsEntry("method", "backup_code");
    }

    @Test
    void aChallengeDiesAfterFiveWrongCodesWhichAlsoLockTheAccount() {
        Enrolled e = enrol(w, TENANT, "drgrey");
        nextStep();
        String challenge = login(w, TENANT, "drgrey").text("challenge");
        for (int i = 0; i < 5; i++) {
            TestWard.Response wrong = verify(w, challenge, "000000".equals(codeNow(e)) ? "111111" : "000000");
            assertThat(wrong.status()).isEqualTo(401);
            assertThat(wrong.code()).isEqualTo("invalid_mfa_code");
            assertThat(wrong.header("WWW-Authenticate")).isNotNull();
        }
        assertThat(verify(w, challenge, codeNow(e)).code()).isEqualTo("mfa_challenge_invalid");
        assertThat(login(w, TENANT, "drgrey").code()).as("five wrong codes lock the account").isEqualTo("invalid_credentials");
        assertThat(audited("account.locked")).isEqualTo(1);
        assertThat(audited("mfa.failed")).isEqualTo(5);

        assertThat(w.post("/v1/admin/tenants/" + TENANT + "/users/" + e.userId() + "/unlock", null, w.adminToken()).status())
                .isEqualTo(204);
        String expiring = login(w, TENANT, "drgrey").text("challenge");
        w.clock.advance(Duration.ofSeconds(301));
        assertThat(verify(w, expiring, codeNow(e)).code()).as("expired after 5 minutes").isEqualTo("mfa_challenge_invalid");

        String once = login(w, TENANT, "drgrey").text("challenge");
        assertThat(verify(w, once, codeNow(e)).status()).isEqualTo(200);
        nextStep();
        assertThat(verify(w, once, codeNow(e)).code()).as("single use").isEqualTo("mfa_challenge_invalid");
    }

    @Test
    void aKnownPasswordDoesNotResetTheCountOfWrongCodes() {
        Enrolled e = enrol(w, TENANT, "drgrey");
        nextStep();
        String wrong = "000000".equals(codeNow(e)) ? "111111" : "000000";
        for (int round = 0; round < 2; round++) {
            String challenge = login(w, TENANT, "drgrey").text("challenge");
            for (int i = 0; i < 2; i++) {
                assertThat(verify(w, challenge, wrong).code()).isEqualTo("invalid_mfa_code");
            }
        }
        String challenge = login(w, TENANT, "drgrey").text("challenge");
        assertThat(verify(w, challenge, wrong).code()).isEqualTo("invalid_mfa_code");
        assertThat(login(w, TENANT, "drgrey").code()).as("5 wrong codes over 3 logins lock").isEqualTo("invalid_credentials");
    }

    @Test
    void regeneratingBackupCodesNeedsACurrentCodeAndVoidsTheOldOnes() {
        Enrolled e = enrol(w, TENANT, "drgrey");
        assertThat(w.post("/v1/me/mfa/backup-codes", TestWard.json(Map.of("code", "123-nope")), e.token()).code())
                .isEqualTo("invalid_mfa_code");
        nextStep();
        TestWard.Response fresh = w.post("/v1/me/mfa/backup-codes", TestWard.json(Map.of("code", codeNow(e))), e.token());
        assertThat(fresh.status()).as(fresh.raw()).isEqualTo(200);
        JsonNode codes = fresh.json().path("backup_codes");
        assertThat(codes.size()).isEqualTo(10);
        assertThat(auditTypes()).contains("mfa.backup_codes_regenerated");

        TestWard.Response old = verify(w, login(w, TENANT, "drgrey").text("challenge"), e.backupCodes().getFirst());
        assertThat(old.code()).isEqualTo("invalid_mfa_code");
        logInWithCode(w, TENANT, "drgrey", codes.get(0).asText());
    }

    @Test
    void disablingNeedsPasswordAndCodeAndEndsTheOtherSessions() {
        Enrolled e = enrol(w, TENANT, "drgrey");
        nextStep();
        String other = logInWithCode(w, TENANT, "drgrey", codeNow(e));
        nextStep();

        TestWard.Response wrongPassword = w.post("/v1/me/mfa/disable",
                TestWard.json(Map.of("password", "Not-The-Password-1!", "code", codeNow(e))), e.token());
        assertThat(wrongPassword.status()).isEqualTo(403);
        assertThat(wrongPassword.code()).isEqualTo("current_password_incorrect");
        TestWard.Response wrongCode = w.post("/v1/me/mfa/disable", TestWard.json(Map.of("password", PW, "code", "999999")), e.token());
        assertThat(wrongCode.status()).isEqualTo(403);
        assertThat(wrongCode.code()).isEqualTo("invalid_mfa_code");

        assertThat(w.post("/v1/me/mfa/disable", TestWard.json(Map.of("password", PW, "code", codeNow(e))), e.token()).status())
                .isEqualTo(204);
        assertThat(w.get("/v1/session", other).code()).isEqualTo("session_revoked");
        TestWard.Response mine = w.get("/v1/session", e.token());
        assertThat(mine.status()).isEqualTo(200);
        assertThat(mine.json().path("aal").asInt()).as("a provider must enrol again").isZero();
        assertThat(w.get("/v1/me/sessions", e.token()).code()).isEqualTo("mfa_enrollment_required");
        assertThat(w.get("/v1/me/mfa", e.token()).json().path("totp_enabled").asBoolean()).isFalse();
        assertThat(audited("mfa.disabled")).isEqualTo(1);
        assertThat(login(w, TENANT, "drgrey").text("status")).isEqualTo("mfa_enrollment_required");
    }

    @Test
    void anAdministratorResetsMfaAndTheUsersSessionsEnd() {
        Enrolled e = enrol(w, TENANT, "drgrey");
        String path = "/v1/admin/tenants/" + TENANT + "/users/" + e.userId() + "/reset-mfa";
        assertThat(w.post(path, null, e.token()).code()).as("a provider is no administrator").isEqualTo("forbidden");
        assertThat(w.post("/v1/admin/tenants/" + TENANT + "/users/usr_missing/reset-mfa", null, w.adminToken()).code())
                .isEqualTo("user_not_found");

        assertThat(w.post(path, null, w.adminToken()).status()).isEqualTo(204);
        TestWard.Response ended = w.get("/v1/session", e.token());
        assertThat(ended.code()).isEqualTo("session_revoked");
        assertThat(ended.text("reason")).isEqualTo("mfa_reset");
        assertThat(w.get("/v1/admin/tenants/" + TENANT + "/users/" + e.userId(), w.adminToken()).json().path("mfa_enabled").asBoolean())
                .isFalse();
        assertThat(audited("mfa.reset")).isEqualTo(1);
        assertThat(login(w, TENANT, "drgrey").text("status")).isEqualTo("mfa_enrollment_required");
    }

    @Test
    void aPasswordOnlySessionEnrolsOnlyWithThePasswordAndStaysAal1() {
        String id = w.createUser(TENANT, "frontdesk", PW, "staff");
        TestWard.Response r = login(w, TENANT, "frontdesk");
        assertThat(r.text("status")).isEqualTo("authenticated");
        assertThat(r.json().path("session").path("aal").asInt()).isEqualTo(1);
        String cookie = "ward_session=" + r.text("token");
        String elsewhere = login(w, TENANT, "frontdesk").text("token");
        assertThat(w.send("GET", "/v1/me/mfa", null, "Cookie", cookie).json().path("required").asBoolean()).isFalse();

        assertProblem(w.send("POST", "/v1/me/mfa/totp/setup", null, "Cookie", cookie, "Origin", w.base()), 400, "validation_failed");
        TestWard.Response missing = w.send("POST", "/v1/me/mfa/totp/setup", "{}", "Cookie", cookie, "Origin", w.base());
        assertProblem(missing, 400, "validation_failed");
        assertThat(missing.text("field")).isEqualTo("current_password");
        assertProblem(w.send("POST", "/v1/me/mfa/totp/setup", TestWard.json(Map.of("current_password", "Not-The-Password-1!")),
                "Cookie", cookie, "Origin", w.base()), 403, "current_password_incorrect");
        assertThat(w.ward.audit().recent(TENANT, "mfa.failed", 10)).singleElement()
                .satisfies(e -> assertThat(e.details()).containsEntry("stage", "setup").containsEntry("reason", "wrong_password"));
        assertThat(new dev.ward.store.sql.SqlLockoutStore(w.ward.core().db()).get(TENANT, id).failures())
                .as("a wrong password here counts toward the lockout").isEqualTo(1);

        TestWard.Response setup = w.send("POST", "/v1/me/mfa/totp/setup", TestWard.json(Map.of("current_password", PW)),
                "Cookie", cookie, "Origin", w.base());
        assertThat(setup.status()).as(setup.raw()).isEqualTo(200);
        TestWard.Response confirmed = w.send("POST", "/v1/me/mfa/totp/confirm",
                TestWard.json(Map.of("code", IndependentTotp.at(setup.text("secret"), w.clock.instant()))), "Cookie", cookie, "Origin", w.base());
        assertThat(confirmed.status()).as(confirmed.raw()).isEqualTo(200);
        assertThat(confirmed.json().path("enabled").asBoolean()).isTrue();
        assertThat(confirmed.json().path("aal").asInt()).as("only the login challenge makes a session aal 2").isEqualTo(1);
        assertThat(confirmed.json().has("token")).isFalse();
        assertThat(confirmed.header("Set-Cookie")).isNull();
        assertThat(w.send("GET", "/v1/session", null, "Cookie", cookie).json().path("aal").asInt()).isEqualTo(1);

        TestWard.Response other = w.get("/v1/session", elsewhere);
        assertThat(other.code()).as("enrolment ends the user's other sessions").isEqualTo("session_revoked");
        assertThat(other.text("reason")).isEqualTo("mfa_enrolled");
        assertThat(w.ward.audit().recent(TENANT, "mfa.enrolled", 10)).singleElement()
                .satisfies(e -> assertThat(e.details()).containsEntry("session_aal", 1));
        assertThat(login(w, TENANT, "frontdesk").text("status")).isEqualTo("mfa_required");
    }

    @Test
    void wrongPasswordsAtSetupLockTheAccountLikeFailedLogins() {
        w.patch("/v1/admin/tenants/" + TENANT, "{\"policy\":{\"login\":{\"max_failures\":2}}}", w.adminToken());
        w.createUser(TENANT, "frontdesk", PW, "staff");
        String token = login(w, TENANT, "frontdesk").text("token");
        for (int i = 0; i < 2; i++) {
            assertProblem(w.post("/v1/me/mfa/totp/setup", TestWard.json(Map.of("current_password", "Guess-Number-" + i + "!")), token),
                    403, "current_password_incorrect");
        }
        assertProblem(w.post("/v1/me/mfa/totp/setup", TestWard.json(Map.of("current_password", PW)), token), 403,
                "current_password_incorrect");
        assertProblem(login(w, TENANT, "frontdesk"), 401, "invalid_credentials");
    }

    @Test
    void confirmingEnrolmentFromTheEnrolmentSessionEndsTheUsersOtherSessions() {
        w.createUser(TENANT, "drpink", PW, "provider");
        String first = login(w, TENANT, "drpink").text("token");
        String second = login(w, TENANT, "drpink").text("token");
        String secret = w.post("/v1/me/mfa/totp/setup", null, second).text("secret");

        TestWard.Response confirmed = w.post("/v1/me/mfa/totp/confirm",
                TestWard.json(Map.of("code", IndependentTotp.at(secret, w.clock.instant()))), second);

        assertThat(confirmed.json().path("aal").asInt()).isEqualTo(2);
        assertThat(w.get("/v1/session", confirmed.text("token")).json().path("aal").asInt()).isEqualTo(2);
        TestWard.Response ended = w.get("/v1/session", first);
        assertThat(ended.code()).isEqualTo("session_revoked");
        assertThat(ended.text("reason")).isEqualTo("mfa_enrolled");
    }

    @Test
    void aPolicyWithoutRequiredRolesLetsAProviderInWithAPassword() {
        w.patch("/v1/admin/tenants/" + TENANT, "{\"policy\":{\"mfa\":{\"required_roles\":[\"admin\"]}}}", w.adminToken());
        w.createUser(TENANT, "drwhite", PW, "provider");
        TestWard.Response r = login(w, TENANT, "drwhite");
        assertThat(r.text("status")).isEqualTo("authenticated");
        assertThat(r.json().path("session").path("aal").asInt()).isEqualTo(1);
    }

    @Test
    void everyRefusalIsProblemJsonWithAStableCode() {
        Enrolled e = enrol(w, TENANT, "drgrey");
        assertProblem(w.post("/v1/me/mfa/totp/setup", TestWard.json(Map.of("current_password", PW)), e.token()), 409,
                "mfa_already_enabled");
        assertProblem(w.post("/v1/me/mfa/totp/confirm", TestWard.json(Map.of("code", "123456")), e.token()), 409, "mfa_already_enabled");
        assertProblem(w.get("/v1/me/mfa", null), 401, "unauthenticated");
        assertProblem(w.post("/v1/me/mfa/backup-codes", "{}", e.token()), 400, "validation_failed");
        assertProblem(w.post("/v1/me/mfa/backup-codes", "{\"code\":123456}", e.token()), 400, "validation_failed");
        assertProblem(w.post("/v1/me/mfa/disable", "{\"code\":\"123456\"}", e.token()), 400, "validation_failed");
        assertProblem(w.post("/v1/me/mfa/disable", "not json", e.token()), 400, "validation_failed");

        w.createUser(TENANT, "newbie", PW, "provider");
        String enrolToken = login(w, TENANT, "newbie").text("token");
        assertProblem(w.post("/v1/me/mfa/totp/confirm", TestWard.json(Map.of("code", "123456")), enrolToken), 409, "mfa_setup_required");
        String secret = w.post("/v1/me/mfa/totp/setup", null, enrolToken).text("secret");
        String wrong = IndependentTotp.at(secret, w.clock.instant().plusSeconds(300));
        assertProblem(w.post("/v1/me/mfa/totp/confirm", TestWard.json(Map.of("code", wrong)), enrolToken), 403, "invalid_mfa_code");
        assertProblem(w.post("/v1/me/mfa/totp/confirm", TestWard.json(Map.of("code", "x".repeat(10_000))), enrolToken), 403,
                "invalid_mfa_code");
        assertProblem(w.post("/v1/me/mfa/backup-codes", TestWard.json(Map.of("code", "123456")), enrolToken), 409, "mfa_not_enabled");
        assertProblem(w.post("/v1/me/mfa/disable", TestWard.json(Map.of("password", PW, "code", "123456")), enrolToken), 409,
                "mfa_not_enabled");

        assertProblem(verify(w, "wmc_" + "A".repeat(43), "123456"), 401, "mfa_challenge_invalid");
        assertProblem(verify(w, "garbage", "123456"), 401, "mfa_challenge_invalid");
        assertProblem(w.post("/v1/auth/mfa/verify", "{\"challenge\":\"wmc_x\"}", null), 400, "validation_failed");
        assertProblem(w.send("POST", "/v1/auth/mfa/verify", "{\"challenge\":\"wmc_x\",\"code\":\"1\"}", "Content-Type", "text/plain"),
                415, "unsupported_media_type");
        assertProblem(w.get("/v1/auth/mfa/verify", null), 405, "method_not_allowed");
        assertProblem(w.post("/v1/admin/tenants/" + TENANT + "/users/" + e.userId() + "/reset-mfa", null, null), 401, "unauthenticated");
    }

    @Test
    void anApiKeyOfAnotherTenantCannotFinishTheLogin() {
        Enrolled e = enrol(w, TENANT, "drgrey");
        w.createTenant("elsewhere", Map.of());
        String foreignKey = w.createApiKey("elsewhere", "sessions");
        String ownKey = w.createApiKey(TENANT, "sessions");
        nextStep();
        TestWard.Response r = w.post("/v1/auth/login", TestWard.json(Map.of("tenant", TENANT, "username", "drgrey", "password", PW,
                "client", Map.of("ip", "198.51.100.9", "user_agent", "Portal"))), ownKey);
        String challenge = r.text("challenge");
        TestWard.Response foreign = w.post("/v1/auth/mfa/verify", TestWard.json(Map.of("challenge", challenge, "code", codeNow(e))),
                foreignKey);
        assertProblem(foreign, 401, "mfa_challenge_invalid");
        String challenge2 = w.post("/v1/auth/login", TestWard.json(Map.of("tenant", TENANT, "username", "drgrey", "password", PW)),
                ownKey).text("challenge");
        TestWard.Response ok = w.post("/v1/auth/mfa/verify", TestWard.json(Map.of("challenge", challenge2, "code", codeNow(e))), ownKey);
        assertThat(ok.status()).as(ok.raw()).isEqualTo(200);
        assertThat(ok.header("Set-Cookie")).as("no cookie for a back-end").isNull();
        assertThat(ok.json().path("session").path("aal").asInt()).isEqualTo(2);
    }

    static void assertProblem(TestWard.Response r, int status, String code) {
        assertThat(r.status()).as(r.raw()).isEqualTo(status);
        assertThat(r.code()).as(r.raw()).isEqualTo(code);
        assertThat(r.header("Content-Type")).startsWith("application/problem+json");
    }
}
