package dev.ward.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ward.server.IndependentTotp;
import dev.ward.server.TestWard;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link WardClient} against a real Ward: every call an app makes, and what it does when Ward is no Ward. */
class WardClientTest {
    static final String TENANT = "clinic";
    static final String PW = "Correct-horse-7-battery";
    static final EndUser ALICE_PC = new EndUser("203.0.113.7", "Mozilla/5.0 (X11) Firefox/140");

    static TestWard w;
    static WardClient ward;

    @BeforeAll
    static void start() {
        w = new TestWard();
        w.createTenant(TENANT, Map.of("mfa", Map.of("required_roles", List.of("nurse")),
                "session", Map.of("max_concurrent", 100),
                "permissions", Map.of("provider", Map.of("pharmacy", List.of("read"), "patients", List.of("*")))));
        w.createUser(TENANT, "dr.jones", PW, "provider");
        w.createUser(TENANT, "nurse.kim", PW, "nurse");
        // Generous timeouts: a password hash on a loaded two-core CI machine can take longer than the 2 s default.
        ward = WardClient.builder(w.base()).apiKey(w.createApiKey(TENANT, "sessions", "patients", "crypto", "audit"))
                .requestTimeout(Duration.ofSeconds(30)).build();
    }

    @AfterAll
    static void stop() { w.close(); }

    static String signIn(String username) {
        LoginAnswer a = ward.login(TENANT, username, PW, ALICE_PC);
        assertThat(a).isInstanceOf(LoginAnswer.Authenticated.class);
        return ((LoginAnswer.Authenticated) a).token();
    }

    @Test
    void loginThenValidateGivesTheSessionOfTheEndUser() {
        LoginAnswer a = ward.login(TENANT, "dr.jones", PW, ALICE_PC);
        assertThat(a).isInstanceOf(LoginAnswer.Authenticated.class);
        LoginAnswer.Authenticated in = (LoginAnswer.Authenticated) a;
        assertThat(in.token()).startsWith("wst_");
        assertThat(in.toString()).doesNotContain(in.token());

        Validation v = ward.validate(in.token(), ALICE_PC);
        assertThat(v).isInstanceOf(Validation.Valid.class);
        WardSession s = ((Validation.Valid) v).session();
        assertThat(s.tenant()).isEqualTo(TENANT);
        assertThat(s.getName()).isEqualTo("dr.jones");
        assertThat(s.hasRole("provider")).isTrue();
        assertThat(s.client()).isEqualTo(ALICE_PC);
        assertThat(s.idleExpiresAt()).isAfter(w.clock.instant());
        assertThat(s.toString()).doesNotContain("dr.jones").doesNotContain(in.token());
    }

    @Test
    void wrongPasswordIsRefusedWithWardsCode() {
        LoginAnswer a = ward.login(TENANT, "dr.jones", "not-the-password-1", ALICE_PC);
        assertThat(a).isEqualTo(new LoginAnswer.Refused(401, "invalid_credentials", Optional.empty()));
    }

    @Test
    void userWhoseRoleNeedsMfaEnrolsThroughTheAppAndGetsAFullSession() {
        LoginAnswer a = ward.login(TENANT, "nurse.kim", PW, ALICE_PC);
        assertThat(a).isInstanceOf(LoginAnswer.MfaEnrollmentRequired.class);
        String token = ((LoginAnswer.MfaEnrollmentRequired) a).token();
        assertThat(ward.validate(token, ALICE_PC)).isInstanceOf(Validation.Forbidden.class)
                .extracting(f -> ((Validation.Forbidden) f).code()).isEqualTo("mfa_enrollment_required");

        TotpSetup setup = ward.setUpTotp(token, Optional.empty(), ALICE_PC);
        assertThat(setup.otpauthUri()).startsWith("otpauth://totp/");
        assertThat(setup.qrSvg()).contains("<svg");
        assertThat(setup.toString()).doesNotContain(setup.secret());
        TotpConfirmed done = ward.confirmTotp(token, IndependentTotp.at(setup.secret(), w.clock.instant()), ALICE_PC);
        assertThat(done.aal()).isEqualTo(2);
        assertThat(done.backupCodes()).hasSize(10);
        assertThat(done.toString()).doesNotContain(done.backupCodes().get(0));
        String full = done.token().orElseThrow();
        Validation v = ward.validate(full, ALICE_PC);
        assertThat(v).isInstanceOf(Validation.Valid.class);
        assertThat(((Validation.Valid) v).session().aal()).isEqualTo(2);
    }

    @Test
    void mfaLoginTakesTheChallengeAndAComputedCode() {
        w.createUser(TENANT, "dr.grey", PW, "provider");
        String first = signIn("dr.grey");
        assertThatThrownBy(() -> ward.setUpTotp(first, Optional.empty(), ALICE_PC)).as("a full session must give its password")
                .isInstanceOfSatisfying(WardException.class, e -> assertThat(e.code()).isEqualTo("validation_failed"));
        String secret = ward.setUpTotp(first, Optional.of(PW), ALICE_PC).secret();
        TotpConfirmed confirmed = ward.confirmTotp(first, IndependentTotp.at(secret, w.clock.instant()), ALICE_PC);
        assertThat(confirmed.aal()).isEqualTo(1);
        assertThat(confirmed.token()).as("a session that was not enrolment-only keeps its token").isEmpty();

        LoginAnswer a = ward.login(TENANT, "dr.grey", PW, ALICE_PC);
        assertThat(a).isInstanceOf(LoginAnswer.MfaRequired.class);
        LoginAnswer.MfaRequired m = (LoginAnswer.MfaRequired) a;
        assertThat(m.methods()).contains("totp");
        assertThat(m.toString()).doesNotContain(m.challenge());
        assertThat(ward.verifyMfa(m.challenge(), wrongCode(secret), ALICE_PC)).isInstanceOf(LoginAnswer.Refused.class)
                .extracting(r -> ((LoginAnswer.Refused) r).code()).isEqualTo("invalid_mfa_code");
        w.clock.advance(Duration.ofSeconds(60));
        LoginAnswer done = ward.verifyMfa(m.challenge(), IndependentTotp.at(secret, w.clock.instant()), ALICE_PC);
        assertThat(done).isInstanceOf(LoginAnswer.Authenticated.class);
        assertThat(((LoginAnswer.Authenticated) done).session().aal()).isEqualTo(2);
    }

    @Test
    void loggedOutTokenIsInvalidWithWardsCodeAndReason() {
        String token = signIn("dr.jones");
        assertThat(ward.logout(token, new EndUser("203.0.113.7", "Mozilla/5.0 (Linux; 日本語) Firefox/140"))).isTrue();
        assertThat(ward.validate(token, ALICE_PC)).isEqualTo(new Validation.Invalid("session_revoked", Optional.of("logout")));
        assertThat(ward.logout(token, ALICE_PC)).as("already ended").isFalse();
    }

    @Test
    void garbageTokensNeverReachWardAndAreInvalid() {
        for (String garbage : new String[] {"", "wst_", "wak_abc", "wst_a\r\nX-Evil: 1", "wst_" + "a".repeat(300), "wst_ü"}) {
            assertThat(ward.validate(garbage, ALICE_PC)).as(garbage).isEqualTo(new Validation.Invalid("session_invalid", Optional.empty()));
        }
        assertThat(ward.validate("wst_" + "A".repeat(43), ALICE_PC)).isEqualTo(new Validation.Invalid("session_invalid", Optional.empty()));
    }

    @Test
    void requireIsGrantedByTheTenantsPermissionsAndOnlyByThem() {
        String token = signIn("dr.jones");
        Validation read = ward.validate(token, ALICE_PC, Optional.of(new Require("pharmacy", "read")));
        assertThat(read).isInstanceOf(Validation.Valid.class);
        WardSession s = ((Validation.Valid) read).session();
        assertThat(s.permissions()).containsEntry("pharmacy", List.of("read"));
        assertThat(s.permits(new Require("patients", "delete"))).as("'*' grants every action").isTrue();

        Validation write = ward.validate(token, ALICE_PC, Optional.of(new Require("pharmacy", "write")));
        assertThat(write).isInstanceOf(Validation.Forbidden.class).extracting(f -> ((Validation.Forbidden) f).code())
                .isEqualTo("permission_denied");
        assertThat(ward.validate(token, ALICE_PC, Optional.of(new Require("billing", "read")))).isInstanceOf(Validation.Forbidden.class);
        assertThat(ward.validate(token, ALICE_PC)).as("the session stays valid").isInstanceOf(Validation.Valid.class);
    }

    @Test
    void userAgentWithControlCharactersStillValidates() {
        String token = signIn("dr.jones");
        assertThat(ward.validate(token, new EndUser("203.0.113.7", "Mozilla\t5.0\u0000" + "x".repeat(5000))))
                .isInstanceOf(Validation.Valid.class);
    }

    @Test
    void anApiKeyWardRefusesMakesValidationUnavailableNotInvalid() {
        String token = signIn("dr.jones");
        WardClient wrongKey = WardClient.builder(w.base()).apiKey("wak_" + "x".repeat(40)).build();
        Validation v = wrongKey.validate(token, ALICE_PC);
        assertThat(v).isInstanceOf(Validation.Unavailable.class);
        assertThat(v.toString()).contains("invalid_api_key").doesNotContain("wak_").doesNotContain(token);
        WardClient noScope = WardClient.builder(w.base()).apiKey(w.createApiKey(TENANT, "crypto")).build();
        assertThat(noScope.validate(token, ALICE_PC)).isInstanceOf(Validation.Unavailable.class);
    }

    @Test
    void patientContextsOnTheUsersBehalf() {
        String token = signIn("dr.jones");
        PatientContext opened = ward.openPatient(token, "pat-4711").value();
        assertThat(opened.patientId()).isEqualTo("pat-4711");
        assertThat(opened.breakGlass()).isFalse();
        ward.putPatientData(token, "pat-4711", "allergies", WardClient.mapper().valueToTree(Map.of("penicillin", true)));
        JsonNode back = ward.getPatientData(token, "pat-4711", "allergies").value();
        assertThat(back.path("penicillin").asBoolean()).isTrue();
        assertThat(ward.listPatients(token).value()).extracting(PatientContext::patientId).containsExactly("pat-4711");
        assertThat(((Validation.Valid) ward.validate(token, ALICE_PC)).session().patients())
                .extracting(WardSession.OpenPatient::patientId).containsExactly("pat-4711");

        assertThat(ward.clearPatientData(token).value()).isEqualTo(1);
        assertThatThrownBy(() -> ward.getPatientData(token, "pat-4711", "allergies"))
                .isInstanceOfSatisfying(WardException.class, e -> {
                    assertThat(e.status()).isEqualTo(404);
                    assertThat(e.code()).isEqualTo("patient_context_not_open");
                    assertThat(e.unavailable()).isFalse();
                    assertThat(e.getMessage()).doesNotContain(token).doesNotContain("pat-4711").doesNotContain("allergies");
                });

        ward.openPatient(token, "pat-4712");
        assertThat(ward.emergencyCleanup(token).value()).isEqualTo(1);
        assertThat(ward.validate(token, ALICE_PC)).isInstanceOf(Validation.Invalid.class);
    }

    @Test
    void aRefusedPatientCallThatRotatedTheTokenStillHandsTheNewOneBack() {
        w.createTenant("rotating", Map.of("mfa", Map.of("required_roles", List.of()), "session", Map.of("rotate_after_uses", 1)));
        w.createUser("rotating", "dr.rota", PW, "provider");
        WardClient app = WardClient.builder(w.base()).apiKey(w.createApiKey("rotating", "sessions", "patients"))
                .requestTimeout(Duration.ofSeconds(30)).build();
        String first = ((LoginAnswer.Authenticated) app.login("rotating", "dr.rota", PW, ALICE_PC)).token();
        String second = app.openPatient(first, "p-1").rotatedToken().orElseThrow();
        assertThatThrownBy(() -> app.getPatientData(second, "p-1", "absent")).isInstanceOfSatisfying(WardException.class, e -> {
            assertThat(e.code()).isEqualTo("patient_data_not_found");
            assertThat(e.rotatedToken()).hasValueSatisfying(t -> assertThat(t).startsWith("wst_").isNotEqualTo(second));
            assertThat(e.getMessage()).doesNotContain(e.rotatedToken().get());
            assertThat(app.listPatients(e.rotatedToken().get()).value()).hasSize(1);
        });
    }

    @Test
    void breakingTheGlassOpensARestrictedPatient() {
        String token = signIn("dr.jones");
        w.put("/v1/patients/vip-1/access", TestWard.json(Map.of("restricted", true, "care_team", List.of())),
                w.createApiKey(TENANT, "patients"));
        assertThatThrownBy(() -> ward.openPatient(token, "vip-1")).isInstanceOfSatisfying(WardException.class,
                e -> assertThat(e.code()).isEqualTo("break_glass_required"));
        PatientContext c = ward.breakGlass(token, "vip-1", "Unconscious in the emergency department", Optional.of("ETREAT")).value();
        assertThat(c.breakGlass()).isTrue();
    }

    @Test
    void encryptDecryptAndTheAppsOwnAuditEvent() {
        String ciphertext = ward.encrypt("ssn", "123-45-6789", Optional.of("pat-4711"));
        assertThat(ciphertext).startsWith("ward:v");
        assertThat(ward.decrypt("ssn", ciphertext, Optional.of("pat-4711"))).isEqualTo("123-45-6789");
        assertThat(ward.rewrap(ciphertext)).startsWith("ward:v");
        assertThatThrownBy(() -> ward.decrypt("ssn", ciphertext, Optional.of("pat-9999")))
                .isInstanceOfSatisfying(WardException.class, e -> assertThat(e.code()).isEqualTo("decrypt_failed"));

        long seq = ward.recordEvent("app.patient.read", Optional.empty(), Optional.of("pat-4711"), Map.of("resource", "Observation/77"));
        assertThat(seq).isPositive();
        assertThatThrownBy(() -> ward.recordEvent("not.an.app.type", Optional.empty(), Optional.empty(), Map.of()))
                .isInstanceOfSatisfying(WardException.class, e -> assertThat(e.code()).isEqualTo("validation_failed"));
    }

    /** A code that no step within the accepted drift has. */
    private static String wrongCode(String secret) {
        java.util.Set<String> near = new java.util.HashSet<>();
        for (int step = -2; step <= 4; step++) {
            near.add(IndependentTotp.at(secret, w.clock.instant().plusSeconds(30L * step)));
        }
        for (int i = 0; ; i++) {
            String code = String.format("%06d", i);
            if (!near.contains(code)) {
                return code;
            }
        }
    }
}
