package dev.ward.tenant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ward.problem.ProblemException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PolicyTest {

    private static ProblemException refusal(Map<String, ?> patch) {
        ProblemException e = catchThrowableOfType(ProblemException.class, () -> Policy.defaults().merge(patch));
        assertThat(e).as("merge(%s) must be refused", patch).isNotNull();
        assertThat(e.code()).isEqualTo("validation_failed");
        assertThat(e.status()).isEqualTo(400);
        return e;
    }

    private static Map<String, Object> group(String name, String key, Object value) {
        Map<String, Object> settings = new HashMap<>();
        settings.put(key, value);
        Map<String, Object> patch = new HashMap<>();
        patch.put(name, settings);
        return patch;
    }

    @Test
    void defaultsAreThoseOfProductMd() {
        Policy p = Policy.defaults();
        assertThat(p.idleTimeout()).isEqualTo(Duration.ofSeconds(1800));
        assertThat(p.absoluteTimeout()).isEqualTo(Duration.ofSeconds(43200));
        assertThat(p.maxConcurrentSessions()).isEqualTo(3);
        assertThat(p.onLimit()).isEqualTo(Policy.OnLimit.EVICT_OLDEST);
        assertThat(p.rotateAfterUses()).isEqualTo(100);
        assertThat(p.rotateAfter()).isEqualTo(Duration.ofSeconds(900));
        assertThat(p.rotationGrace()).isEqualTo(Duration.ofSeconds(30));
        assertThat(p.maxLoginFailures()).isEqualTo(5);
        assertThat(p.lockout()).isEqualTo(Duration.ofSeconds(900));
        assertThat(p.passwordMinLength()).isEqualTo(12);
        assertThat(p.mfaRequiredRoles()).containsExactly("admin", "provider");
        assertThat(p.mfaBackupCodes()).isEqualTo(10);
        assertThat(p.mfaChallengeLifetime()).isEqualTo(Duration.ofMinutes(5));
        assertThat(p.mfaChallengeMaxFailures()).isEqualTo(5);
        assertThat(p.keyRotation()).isEqualTo(Duration.ofSeconds(86400));
        assertThat(p.allowedOrigins()).isEmpty();
    }

    @Test
    void nestedFormCarriesEveryDocumentedSetting() {
        Map<String, Object> nested = Policy.defaults().toNestedMap();
        assertThat(nested).containsOnlyKeys("session", "browser", "login", "password", "mfa", "keys", "audit", "jwt", "patient",
                "alerts", "geo", "detect", "permissions", "rate_limit");
        assertThat(Policy.paths()).containsExactly(
                "session.idle_timeout_seconds", "session.absolute_timeout_seconds", "session.max_concurrent",
                "session.on_limit", "session.rotate_after_uses", "session.rotate_after_seconds",
                "session.rotation_grace_seconds", "session.binding", "browser.allowed_origins", "login.max_failures",
                "login.lockout_seconds", "password.min_length", "mfa.required_roles", "mfa.backup_codes",
                "mfa.challenge_seconds", "mfa.challenge_max_failures", "keys.rotate_after_seconds", "audit.retention_days",
                "audit.checkpoint_seconds", "jwt.audience",
                "patient.idle_timeout_seconds", "patient.max_seconds", "patient.break_glass_seconds",
                "alerts.webhook_url", "alerts.webhook_secret", "alerts.email_recipients", "alerts.min_severity",
                "geo.allowed_countries", "detect.window_seconds", "detect.quiet_seconds",
                "detect.brute_force_account_failures", "detect.brute_force_ip_failures",
                "detect.credential_stuffing_usernames", "detect.max_travel_kmh", "detect.binding_changes",
                "detect.two_places_returns", "detect.exfiltration_patients", "detect.exfiltration_bytes",
                "detect.concurrent_limit_hits", "detect.mfa_failures", "detect.mfa_scope_denials", "detect.max_alerts_per_window",
                "detect.response",
                "rate_limit.per_minute", "rate_limit.per_ip_per_minute", "rate_limit.per_api_key_per_minute");
        @SuppressWarnings("unchecked")
        Map<String, Object> session = (Map<String, Object>) nested.get("session");
        assertThat(session).containsEntry("on_limit", "evict_oldest").containsEntry("idle_timeout_seconds", 1800L);
    }

    @Test
    void auditRetentionAndCheckpointIntervalHaveTheirDefaultsAndBounds() {
        assertThat(Policy.defaults().auditRetention()).isEqualTo(java.time.Duration.ofDays(2190));
        assertThat(Policy.defaults().auditCheckpointInterval()).isEqualTo(java.time.Duration.ofSeconds(300));
        assertThat(Policy.defaults().merge(group("audit", "checkpoint_seconds", 10)).auditCheckpointInterval())
                .isEqualTo(java.time.Duration.ofSeconds(10));
        ProblemException tooOften = refusal(group("audit", "checkpoint_seconds", 9));
        assertThat(tooOften.detail()).contains("policy.audit.checkpoint_seconds must be between 10 and 86400");
        assertThat(refusal(group("audit", "checkpoint_seconds", 86_401)).code()).isEqualTo("validation_failed");
        assertThat(refusal(group("audit", "retention_days", 0)).detail()).contains("between 1 and 36600");
    }

    /** API.md: "no policy field is accepted before its feature works" (issue 10, item 17). */
    @ParameterizedTest(name = "{0}.{1}")
    @org.junit.jupiter.params.provider.CsvSource({"detect, speed_of_light_kmh", "rate_limit, per_user_per_minute"})
    void settingsOfFeaturesNotBuiltYetAreRefused(String group, String key) {
        ProblemException e = refusal(group(group, key, 60));
        assertThat(e.code()).isEqualTo("validation_failed");
        assertThat(e.detail()).contains("Unknown policy key policy." + group);
    }

    @Test
    void rateLimitsDefaultToPerMinuteBudgetsAndRefuseZeroNegativeAndNonIntegers() {
        Policy p = Policy.defaults();
        assertThat(p.patientDataPerMinute()).as("PRODUCT.md C8").isEqualTo(60);
        assertThat(p.perIpPerMinute()).isEqualTo(10_000);
        assertThat(p.perApiKeyPerMinute()).isEqualTo(600_000);
        for (String key : java.util.List.of("per_minute", "per_ip_per_minute", "per_api_key_per_minute")) {
            for (Object bad : java.util.List.of(0, -5, "60", 1.5, true, 1_000_000_001L)) {
                ProblemException e = refusal(group("rate_limit", key, bad));
                assertThat(e.code()).as("%s = %s", key, bad).isEqualTo("validation_failed");
                assertThat(e.extensions()).containsEntry("field", "policy.rate_limit." + key);
            }
        }
        assertThat(p.merge(group("rate_limit", "per_minute", 5)).patientDataPerMinute()).isEqualTo(5);
    }

    @Test
    void theDetectorSettingsHaveSafeDefaultsAndBounds() {
        Policy p = Policy.defaults();
        assertThat(p.detectWindow()).isEqualTo(java.time.Duration.ofMinutes(10));
        assertThat(p.detectQuiet()).isEqualTo(java.time.Duration.ofMinutes(15));
        assertThat(p.bruteForceAccountFailures()).isEqualTo(10);
        assertThat(p.bruteForceIpFailures()).isEqualTo(30);
        assertThat(p.credentialStuffingUsernames()).isEqualTo(10);
        assertThat(p.detectResponse()).as("no automatic response unless the tenant asks").isEqualTo("none");
        assertThat(p.merge(group("detect", "response", "lock_account")).detectResponse()).isEqualTo("lock_account");
        assertThat(refusal(group("detect", "response", "block")).extensions().get("field")).isEqualTo("policy.detect.response");
        assertThat(refusal(group("detect", "brute_force_account_failures", 0)).code()).isEqualTo("validation_failed");
        assertThat(refusal(group("detect", "max_travel_kmh", 0)).code()).isEqualTo("validation_failed");
        assertThat(refusal(group("detect", "exfiltration_bytes", (1L << 40) + 1)).code()).isEqualTo("validation_failed");
        assertThat(Policy.defaults().maxTravelKmh()).isEqualTo(1000);
        assertThat(Policy.defaults().merge(group("detect", "exfiltration_bytes", 1L << 40)).exfiltrationBytes()).isEqualTo(1L << 40);
    }

    /** API.md: {@code alerts.webhook_secret} is write-only — sealed as given, stored sealed, never in the readable form. */
    @Test
    void theWebhookSecretIsSealedStoredAndNeverReadBack() {
        Policy p = Policy.defaults().merge(Map.of("alerts", Map.of("webhook_url", "https://siem.example.org/ward",
                "webhook_secret", "0123456789abcdef-secret")), (path, clear) -> "sealed(" + path + ")");
        assertThat(p.sealedAlertWebhookSecret()).isEqualTo("sealed(alerts.webhook_secret)");
        @SuppressWarnings("unchecked")
        Map<String, Object> readable = (Map<String, Object>) p.toNestedMap().get("alerts");
        assertThat(readable).containsOnlyKeys("webhook_url", "email_recipients", "min_severity");
        assertThat(p.toString()).doesNotContain("sealed(");
        @SuppressWarnings("unchecked")
        Map<String, Object> stored = (Map<String, Object>) p.toStoredMap().get("alerts");
        assertThat(stored).containsEntry("webhook_secret", "sealed(alerts.webhook_secret)");
        Policy reread = Policy.fromStored(p.toStoredMap());
        assertThat(reread).isEqualTo(p);
        assertThat(reread.merge(Map.of("alerts", Map.of("min_severity", "high"))).sealedAlertWebhookSecret())
                .as("a patch without the secret keeps it").isEqualTo("sealed(alerts.webhook_secret)");
    }

    @Test
    void aWebhookNeedsItsSecretAndSettingsAreChecked() {
        assertThat(refusal(group("alerts", "webhook_url", "https://siem.example.org/ward")).extensions().get("field"))
                .isEqualTo("policy.alerts.webhook_secret");
        assertThat(refusal(group("alerts", "webhook_url", "ftp://siem.example.org")).extensions().get("field")).isEqualTo("policy.alerts.webhook_url");
        for (String url : List.of("file:///etc/passwd", "http://user:pw@siem.example.org/", "http://siem.example.org@127.0.0.1/",
                "http://siem.example.org:0/", "http://siem.example.org:65536/", "http://siem.example.org:99999/",
                "http://[::1]/", "http://siem.example.org/a b", "http://siem.example.org/\r\nX-Injected: 1", "gopher://x/")) {
            assertThat(refusal(group("alerts", "webhook_url", url)).extensions().get("field")).as(url)
                    .isEqualTo("policy.alerts.webhook_url");
        }
        assertThat(Policy.defaults().merge(Map.of("alerts", Map.of("webhook_url", "https://siem.example.org:65535/x",
                "webhook_secret", "whsec-0123456789abcdef")), (path, clear) -> clear).alertWebhookUrl()).endsWith(":65535/x");
        assertThat(refusal(group("alerts", "email_recipients", List.of("not-an-address"))).extensions().get("field"))
                .isEqualTo("policy.alerts.email_recipients");
        assertThat(refusal(group("alerts", "min_severity", "urgent")).extensions().get("field")).isEqualTo("policy.alerts.min_severity");
        assertThat(refusal(group("geo", "allowed_countries", List.of("gb"))).extensions().get("field")).isEqualTo("policy.geo.allowed_countries");
        ProblemException shortSecret = org.junit.jupiter.api.Assertions.assertThrows(ProblemException.class, () -> Policy.defaults()
                .merge(group("alerts", "webhook_secret", "short"), (path, clear) -> clear));
        assertThat(shortSecret.detail()).doesNotContain("short\"");
        Policy high = Policy.defaults().merge(group("alerts", "min_severity", "high"));
        assertThat(high.deliversSeverity("medium")).isFalse();
        assertThat(high.deliversSeverity("high")).isTrue();
        assertThat(high.deliversSeverity("critical")).isTrue();
        assertThat(Policy.defaults().deliversSeverity("low")).isTrue();
    }

    @Test
    void storedPoliciesThatNameRetiredSettingsStillLoad() {
        Policy p = Policy.fromStored(Map.of("patient", Map.of("break_glass_seconds", 600, "max_seconds", 1200),
                "retired", Map.of("setting", 60), "session", Map.of("idle_timeout_seconds", 600)));
        assertThat(p.idleTimeout()).isEqualTo(Duration.ofSeconds(600));
        assertThat(p.patientMaxLifetime()).isEqualTo(Duration.ofSeconds(1200));
        assertThat(p.toNestedMap()).doesNotContainKeys("retired");
        @SuppressWarnings("unchecked")
        Map<String, Object> patient = (Map<String, Object>) p.toNestedMap().get("patient");
        assertThat(patient).containsOnlyKeys("idle_timeout_seconds", "max_seconds", "break_glass_seconds");
        assertThat(p.breakGlassLifetime()).isEqualTo(Duration.ofSeconds(600));
    }

    @Test
    void aBreakOfTheGlassNeverLastsLongerThanAnOrdinaryContext() {
        Policy p = Policy.fromStored(Map.of("patient", Map.of("break_glass_seconds", 7200, "max_seconds", 1200)));
        assertThat(p.breakGlassLifetime()).isEqualTo(Duration.ofSeconds(1200));
    }

    @Test
    void jwtAudienceDefaultsToTheTenantIdAndTakesAUrlOrName() {
        assertThat(Policy.defaults().jwtAudience("stmarys")).isEqualTo("stmarys");
        assertThat(Policy.defaults().merge(Map.of("jwt", Map.of("audience", "https://api.stmarys.example")))
                .jwtAudience("stmarys")).isEqualTo("https://api.stmarys.example");
        assertThat(refusal(group("jwt", "audience", "has space")).extensions()).containsEntry("field", "policy.jwt.audience");
        assertThat(refusal(group("jwt", "audience", 7)).extensions()).containsEntry("field", "policy.jwt.audience");
    }

    @Test
    void allowedOriginsCompareWithoutRegardToCase() {
        Policy p = Policy.defaults().merge(Map.of("browser", Map.of("allowed_origins", List.of("https://App.Example.org"))));
        assertThat(p.allowsOrigin("https://app.example.org")).isTrue();
        assertThat(p.allowsOrigin("https://app.example.org:8443")).isFalse();
        assertThat(p.allowsOrigin("http://app.example.org")).isFalse();
    }

    @Test
    void deepMergeChangesOnlyThePatchedLeaves() {
        Policy p = Policy.defaults().merge(Map.of(
                "session", Map.of("idle_timeout_seconds", 900, "on_limit", "reject"),
                "login", Map.of("max_failures", 3)));

        assertThat(p.idleTimeout()).isEqualTo(Duration.ofSeconds(900));
        assertThat(p.onLimit()).isEqualTo(Policy.OnLimit.REJECT);
        assertThat(p.maxLoginFailures()).isEqualTo(3);
        // siblings in a patched group and untouched groups keep their values
        assertThat(p.absoluteTimeout()).isEqualTo(Duration.ofSeconds(43200));
        assertThat(p.maxConcurrentSessions()).isEqualTo(3);
        assertThat(p.lockout()).isEqualTo(Duration.ofSeconds(900));
        assertThat(p.mfaRequiredRoles()).containsExactly("admin", "provider");
        assertThat(p.keyRotation()).isEqualTo(Duration.ofSeconds(86400));
    }

    @Test
    void successivePatchesAccumulate() {
        Policy p = Policy.defaults()
                .merge(Map.of("session", Map.of("idle_timeout_seconds", 600)))
                .merge(Map.of("session", Map.of("max_concurrent", 7)));
        assertThat(p.idleTimeout()).isEqualTo(Duration.ofSeconds(600));
        assertThat(p.maxConcurrentSessions()).isEqualTo(7);
    }

    @Test
    void mergeLeavesTheOriginalUntouched() {
        Policy before = Policy.defaults();
        before.merge(Map.of("login", Map.of("max_failures", 9)));
        assertThat(before.maxLoginFailures()).isEqualTo(5);
        assertThat(Policy.defaults()).isEqualTo(before);
    }

    @Test
    void emptyPatchChangesNothing() {
        assertThat(Policy.defaults().merge(Map.of())).isEqualTo(Policy.defaults());
    }

    @Test
    void longsAndSecondsLongTimeoutsAreAccepted() {
        Policy p = Policy.defaults().merge(Map.of("session", Map.of("idle_timeout_seconds", 1L, "absolute_timeout_seconds", 2)));
        assertThat(p.idleTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(p.absoluteTimeout()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void rolesAndOriginsAreStoredWithoutDuplicates() {
        Policy p = Policy.defaults().merge(Map.of(
                "mfa", Map.of("required_roles", List.of("admin", "staff", "admin")),
                "browser", Map.of("allowed_origins", List.of("https://app.example.org", "http://localhost:3000"))));
        assertThat(p.mfaRequiredRoles()).containsExactly("admin", "staff");
        assertThat(p.allowedOrigins()).containsExactly("https://app.example.org", "http://localhost:3000");
    }

    @Test
    void emptyRoleListIsAllowed() {
        assertThat(Policy.defaults().merge(Map.of("mfa", Map.of("required_roles", List.of()))).mfaRequiredRoles()).isEmpty();
    }

    @Test
    void unknownGroupIsRefusedNamingIt() {
        ProblemException e = refusal(Map.of("sesion", Map.of("idle_timeout_seconds", 60)));
        assertThat((String) e.extensions().get("field")).startsWith("policy.sesion");
    }

    @Test
    void unknownScalarGroupIsRefusedNamingIt() {
        ProblemException e = refusal(Map.of("colour", "blue"));
        assertThat(e.extensions()).containsEntry("field", "policy.colour");
    }

    @Test
    void unknownEmptyGroupIsRefused() {
        // API.md: "an unknown key ... → 400 validation_failed naming it" — an empty object does not make it known.
        ProblemException e = refusal(Map.of("sesion", Map.of()));
        assertThat(e.extensions()).containsEntry("field", "policy.sesion");
    }

    @Test
    void unknownLeafIsRefusedNamingItsFullPath() {
        ProblemException e = refusal(Map.of("session", Map.of("idle_timeout", 60)));
        assertThat(e.extensions()).containsEntry("field", "policy.session.idle_timeout");
    }

    @Test
    void groupThatIsNotAnObjectIsRefused() {
        ProblemException e = refusal(Map.of("session", 60));
        assertThat(e.extensions()).containsEntry("field", "policy.session");
        assertThat(e.detail()).contains("object");
    }

    @Test
    void groupThatIsNullIsRefused() {
        Map<String, Object> patch = new HashMap<>();
        patch.put("login", null);
        assertThat(refusal(patch).extensions()).containsEntry("field", "policy.login");
    }

    static Stream<Arguments> badCounts() {
        return Stream.of(
                Arguments.of("session", "idle_timeout_seconds", "1800"),
                Arguments.of("session", "idle_timeout_seconds", 1800.0),
                Arguments.of("session", "idle_timeout_seconds", 1.5f),
                Arguments.of("session", "idle_timeout_seconds", 0),
                Arguments.of("session", "idle_timeout_seconds", -1),
                Arguments.of("session", "idle_timeout_seconds", Long.MIN_VALUE),
                Arguments.of("session", "idle_timeout_seconds", true),
                Arguments.of("session", "idle_timeout_seconds", null),
                Arguments.of("session", "max_concurrent", List.of(3)),
                Arguments.of("session", "max_concurrent", 10_001),
                Arguments.of("login", "max_failures", "5"),
                Arguments.of("login", "max_failures", 0),
                Arguments.of("login", "lockout_seconds", -900),
                Arguments.of("password", "min_length", 12.0),
                Arguments.of("mfa", "backup_codes", false),
                Arguments.of("keys", "rotate_after_seconds", Map.of("seconds", 1)));
    }

    @ParameterizedTest(name = "{0}.{1} = {2}")
    @MethodSource("badCounts")
    void wrongTypeOrOutOfRangeCountIsRefusedNamingIt(String group, String key, Object value) {
        ProblemException e = refusal(group(group, key, value));
        assertThat(e.extensions()).containsEntry("field", "policy." + group + "." + key);
    }

    static Stream<Arguments> badChoices() {
        return Stream.of(
                Arguments.of("session", "on_limit", "evict-oldest"),
                Arguments.of("session", "on_limit", "EVICT_OLDEST"),
                Arguments.of("session", "on_limit", ""),
                Arguments.of("session", "on_limit", 1),
                Arguments.of("session", "binding", "lenient"),
                Arguments.of("session", "binding", true),
                Arguments.of("session", "binding", null));
    }

    @ParameterizedTest(name = "{0}.{1} = {2}")
    @MethodSource("badChoices")
    void badEnumValueIsRefusedNamingIt(String group, String key, Object value) {
        ProblemException e = refusal(group(group, key, value));
        assertThat(e.extensions()).containsEntry("field", "policy." + group + "." + key);
    }

    static Stream<Arguments> badLists() {
        return Stream.of(
                Arguments.of("browser", "allowed_origins", "https://app.example.org"),
                Arguments.of("browser", "allowed_origins", List.of("app.example.org")),
                Arguments.of("browser", "allowed_origins", List.of("https://app.example.org/")),
                Arguments.of("browser", "allowed_origins", List.of("https://app.example.org/path")),
                Arguments.of("browser", "allowed_origins", List.of("javascript:alert(1)")),
                Arguments.of("browser", "allowed_origins", List.of("*")),
                Arguments.of("browser", "allowed_origins", List.of("ftp://files.example.org")),
                Arguments.of("browser", "allowed_origins", Arrays.asList("https://ok.example.org", null)),
                Arguments.of("browser", "allowed_origins", List.of(42)),
                Arguments.of("mfa", "required_roles", "admin"),
                Arguments.of("mfa", "required_roles", List.of("Admin")),
                Arguments.of("mfa", "required_roles", List.of("")),
                Arguments.of("mfa", "required_roles", List.of("1admin")),
                Arguments.of("mfa", "required_roles", List.of("admin role")),
                Arguments.of("mfa", "required_roles", List.of("a".repeat(33))),
                Arguments.of("mfa", "required_roles", List.of(Map.of("role", "admin"))));
    }

    @ParameterizedTest(name = "{0}.{1} = {2}")
    @MethodSource("badLists")
    void badOriginsAndRolesAreRefusedNamingTheSetting(String group, String key, Object value) {
        ProblemException e = refusal(group(group, key, value));
        assertThat(e.extensions()).containsEntry("field", "policy." + group + "." + key);
    }

    @Test
    void passwordMinLengthThatNoAcceptablePasswordCanMeetIsRefused() {
        // PasswordRules refuses passwords longer than 256 characters, so a larger minimum would forbid every password.
        ProblemException e = refusal(group("password", "min_length", 257));
        assertThat(e.extensions()).containsEntry("field", "policy.password.min_length");
        assertThat(Policy.defaults().merge(group("password", "min_length", 256)).passwordMinLength()).isEqualTo(256);
    }

    @Test
    void aRefusedPatchAppliesNothing() {
        Map<String, Object> session = new LinkedHashMap<>();
        session.put("idle_timeout_seconds", 60);
        session.put("max_concurrent", "lots");
        Policy before = Policy.defaults();
        refusal(Map.of("session", session));
        assertThat(before.idleTimeout()).isEqualTo(Duration.ofSeconds(1800));
    }

    @Test
    void fromStoredIgnoresUnknownKeysAndFillsDefaults() {
        Map<String, Object> stored = new LinkedHashMap<>();
        stored.put("session", Map.of("idle_timeout_seconds", 600, "retired_setting", true));
        stored.put("retired_group", Map.of("x", 1));
        stored.put("scalar_junk", "ignored");
        stored.put("login", Map.of("max_failures", 4));

        Policy p = Policy.fromStored(stored);

        assertThat(p.idleTimeout()).isEqualTo(Duration.ofSeconds(600));
        assertThat(p.maxLoginFailures()).isEqualTo(4);
        assertThat(p.absoluteTimeout()).isEqualTo(Duration.ofSeconds(43200));
        assertThat(p.lockout()).isEqualTo(Duration.ofSeconds(900));
        assertThat(p.mfaRequiredRoles()).containsExactly("admin", "provider");
        assertThat(p.toNestedMap()).doesNotContainKeys("retired_group", "scalar_junk");
        @SuppressWarnings("unchecked")
        Map<String, Object> session = (Map<String, Object>) p.toNestedMap().get("session");
        assertThat(session).doesNotContainKey("retired_setting");
    }

    @Test
    void fromStoredOfAnEmptyDocumentIsTheDefaults() {
        assertThat(Policy.fromStored(Map.of())).isEqualTo(Policy.defaults());
    }

    @Test
    void nestedFormRoundTripsThroughFromStored() {
        Policy p = Policy.defaults().merge(Map.of("session", Map.of("binding", "strict", "rotate_after_uses", 7),
                "browser", Map.of("allowed_origins", List.of("https://a.example.org"))));
        assertThat(Policy.fromStored(p.toNestedMap())).isEqualTo(p);
        assertThat(Policy.fromStored(p.toNestedMap()).binding()).isEqualTo(Policy.Binding.STRICT);
    }
}
