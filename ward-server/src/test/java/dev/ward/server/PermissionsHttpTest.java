package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Role × module permissions (issue 15 item 4, API.md "Sessions"): policy {@code permissions}, checked by validation's
 * {@code require} ({@code 403 permission_denied}, audited {@code access.denied}, the session still valid), carried
 * in the session object and the session JWT ({@code perm}).
 */
class PermissionsHttpTest {
    static final String PASSWORD = "Permissions-Right-Pass-9!";
    static final Map<String, Object> PERMISSIONS = Map.of(
            "provider", Map.of("patients", List.of("read", "write"), "pharmacy", List.of("read")),
            "pharmacist", Map.of("pharmacy", List.of("*")));
    static TestWard w;
    static String key;

    @BeforeAll
    static void start() {
        w = new TestWard();
        w.createTenant("stmarys", Map.of("mfa", Map.of("required_roles", List.of()),
                "session", Map.of("rotate_after_uses", 1000), "permissions", PERMISSIONS));
        w.createUser("stmarys", "dr.jones", PASSWORD, "provider");
        w.createUser("stmarys", "pat", PASSWORD, "pharmacist", "provider");
        w.createUser("stmarys", "clerk", PASSWORD, "clerk");
        key = w.createApiKey("stmarys", "sessions");
    }

    @AfterAll
    static void stop() { w.close(); }

    static TestWard.Response validate(String token, Object require) {
        return w.post("/v1/sessions/validate", TestWard.json(require == null ? Map.of("token", token)
                : Map.of("token", token, "require", require)), key);
    }

    static List<JsonNode> denials() {
        List<JsonNode> found = new java.util.ArrayList<>();
        w.get("/v1/admin/audit?tenant=stmarys&type=access.denied&limit=1000", w.adminToken()).json().path("events")
                .forEach(found::add);
        return found;
    }

    @Test
    void aRequiredPermissionPassesWhenARoleGrantsItAndTheSessionCarriesTheUnion() {
        String token = w.login("stmarys", "dr.jones", PASSWORD);
        var ok = validate(token, Map.of("module", "patients", "action", "write"));
        assertThat(ok.status()).as(ok.raw()).isEqualTo(200);
        JsonNode perms = ok.json().path("session").path("permissions");
        assertThat(perms.path("patients")).extracting(JsonNode::asText).containsExactly("read", "write");
        assertThat(perms.path("pharmacy")).extracting(JsonNode::asText).containsExactly("read");

        String both = w.login("stmarys", "pat", PASSWORD);
        var union = validate(both, Map.of("module", "pharmacy", "action", "dispense"));
        assertThat(union.status()).as("a wildcard grants every action of its module").isEqualTo(200);
        assertThat(union.json().path("session").path("permissions").path("pharmacy")).extracting(JsonNode::asText)
                .containsExactly("*");
        assertThat(validate(both, null).json().path("session").path("permissions").path("patients").size())
                .as("without require the answer still carries the permissions").isEqualTo(2);

        // The holder's own view and the login answer carry them too.
        assertThat(w.get("/v1/session", token).json().path("permissions").path("patients").size()).isEqualTo(2);
        var login = w.post("/v1/auth/login", TestWard.json(Map.of("tenant", "stmarys", "username", "dr.jones",
                "password", PASSWORD)), key);
        assertThat(login.json().path("session").path("permissions").path("pharmacy").get(0).asText()).isEqualTo("read");
    }

    @Test
    void aMissingPermissionIsRefusedAuditedAndLeavesTheSessionValid() {
        String token = w.login("stmarys", "dr.jones", PASSWORD);
        int before = denials().size();
        var denied = validate(token, Map.of("module", "pharmacy", "action", "write"));
        assertThat(denied.status()).as(denied.raw()).isEqualTo(403);
        assertThat(denied.code()).isEqualTo("permission_denied");
        assertThat(denied.text("module")).isEqualTo("pharmacy");
        assertThat(denied.text("action")).isEqualTo("write");
        assertThat(denied.header("Content-Type")).startsWith("application/problem+json");

        List<JsonNode> events = denials();
        assertThat(events).hasSize(before + 1);
        JsonNode event = events.get(0);
        assertThat(event.path("outcome").asText()).isEqualTo("denied");
        assertThat(event.path("details").path("module").asText()).isEqualTo("pharmacy");
        assertThat(event.path("details").path("action").asText()).isEqualTo("write");
        assertThat(event.path("actor").asText()).startsWith("api_key:");

        assertThat(validate(token, null).status()).as("the session stays valid").isEqualTo(200);
        assertThat(validate(token, Map.of("module", "radiology", "action", "read")).code())
                .as("a module no role names").isEqualTo("permission_denied");
        String clerk = w.login("stmarys", "clerk", PASSWORD);
        var none = validate(clerk, Map.of("module", "patients", "action", "read"));
        assertThat(none.code()).as("a role without an entry has no permission").isEqualTo("permission_denied");
        assertThat(validate(clerk, null).json().path("session").path("permissions").size()).isZero();
    }

    /**
     * review15: every refused {@code require} wrote an audit row, bounded only by the API key's 600,000 a minute, so one
     * signed-in user reloading a page of a module they may not use wrote a row per request. Now a session's denials are
     * audited up to {@code rate_limit.per_minute} a minute; beyond, the refusal stands and nothing is written.
     */
    @Test
    void aDenialFloodOfOneSessionWritesAMinutesWorthOfAuditRowsNotOneARequest() {
        w.createTenant("flood", Map.of("mfa", Map.of("required_roles", List.of()), "permissions", PERMISSIONS,
                "session", Map.of("rotate_after_uses", 1000), "rate_limit", Map.of("per_minute", 5)));
        w.createUser("flood", "dr.flood", PASSWORD, "provider");
        String floodKey = w.createApiKey("flood", "sessions");
        String token = w.login("flood", "dr.flood", PASSWORD);
        int requests = 25;
        for (int i = 0; i < requests; i++) {
            var denied = w.post("/v1/sessions/validate", TestWard.json(Map.of("token", token,
                    "require", Map.of("module", "pharmacy", "action", "write"))), floodKey);
            assertThat(denied.code()).as("every one is refused, written or not").isEqualTo("permission_denied");
        }
        int written = w.get("/v1/admin/audit?tenant=flood&type=access.denied&limit=1000", w.adminToken()).json()
                .path("events").size();
        assertThat(written).as("TestWard's clock stands still: the bucket never refills").isEqualTo(5);
        var granted = w.post("/v1/sessions/validate", TestWard.json(Map.of("token", token,
                "require", Map.of("module", "pharmacy", "action", "read"))), floodKey);
        assertThat(granted.status()).as("a granted permission is untouched by the bound").isEqualTo(200);
    }

    /** The same bound on {@code session.scope_denied}: an enrolment-only session refused at each app validation. */
    @Test
    void anEnrolmentOnlySessionsRefusalsWriteAMinutesWorthOfRowsNotOneARequest() {
        w.createTenant("enrol-flood", Map.of("mfa", Map.of("required_roles", List.of("provider")),
                "rate_limit", Map.of("per_minute", 5)));
        w.createUser("enrol-flood", "dr.new", PASSWORD, "provider");
        String floodKey = w.createApiKey("enrol-flood", "sessions");
        var login = w.post("/v1/auth/login", TestWard.json(Map.of("tenant", "enrol-flood", "username", "dr.new",
                "password", PASSWORD)), floodKey);
        assertThat(login.text("status")).as(login.raw()).isEqualTo("mfa_enrollment_required");
        String token = login.text("token");
        for (int i = 0; i < 25; i++) {
            var refused = w.post("/v1/sessions/validate", TestWard.json(Map.of("token", token)), floodKey);
            assertThat(refused.code()).isEqualTo("mfa_enrollment_required");
        }
        int written = w.get("/v1/admin/audit?tenant=enrol-flood&type=session.scope_denied&limit=1000", w.adminToken())
                .json().path("events").size();
        assertThat(written).isEqualTo(5);
    }

    /**
     * review15: the boundaries around the grants. A tenant's own administrator cannot write another tenant's
     * permissions; names are ASCII lower case only (no case folding, no look-alike letters); a session's union follows
     * its user's roles when an administrator changes them, without a new login.
     */
    @Test
    void grantsStayInTheirTenantTakeOnlyPlainNamesAndFollowARoleChange() {
        w.createTenant("mercy", Map.of("mfa", Map.of("required_roles", List.of()), "permissions", PERMISSIONS,
                "session", Map.of("rotate_after_uses", 1000)));
        String mercyAdmin = w.createApiKey("mercy", "admin");
        var foreign = w.patch("/v1/admin/tenants/stmarys", TestWard.json(Map.of("policy", Map.of("permissions",
                Map.of("clerk", Map.of("pharmacy", List.of("*")))))), mercyAdmin);
        assertThat(foreign.status()).as(foreign.raw()).isIn(403, 404);
        String clerk = w.login("stmarys", "clerk", PASSWORD);
        assertThat(validate(clerk, Map.of("module", "pharmacy", "action", "write")).code()).isEqualTo("permission_denied");

        for (String odd : List.of("Provider", "prov\u0130der", "provider\u200b", "\uff50rovider", "pharmac\u0443")) {
            var refused = w.patch("/v1/admin/tenants/mercy", TestWard.json(Map.of("policy", Map.of("permissions",
                    Map.of(odd, Map.of("pharmacy", List.of("read")))))), mercyAdmin);
            assertThat(refused.status()).as(odd).isEqualTo(400);
            assertThat(refused.code()).isEqualTo("validation_failed");
        }

        var created = w.post("/v1/admin/tenants/mercy/users", TestWard.json(Map.of("username", "kim", "password", PASSWORD,
                "roles", List.of("clerk"))), mercyAdmin);
        String userId = created.text("id");
        String mercyKey = w.createApiKey("mercy", "sessions");
        String token = w.login("mercy", "kim", PASSWORD);
        var before = w.post("/v1/sessions/validate", TestWard.json(Map.of("token", token,
                "require", Map.of("module", "pharmacy", "action", "dispense"))), mercyKey);
        assertThat(before.code()).isEqualTo("permission_denied");
        assertThat(w.put("/v1/admin/tenants/mercy/users/" + userId + "/roles", TestWard.json(Map.of("roles",
                List.of("pharmacist"))), mercyAdmin).status()).isEqualTo(200);
        var after = w.post("/v1/sessions/validate", TestWard.json(Map.of("token", token,
                "require", Map.of("module", "pharmacy", "action", "dispense"))), mercyKey);
        assertThat(after.status()).as("granted through pharmacist's \"*\": " + after.raw()).isEqualTo(200);
        assertThat(after.json().path("session").path("permissions").has("patients"))
                .as("provider's grants went with the role").isFalse();
    }

    @Test
    void aDeadSessionIsInvalidBeforeItsPermissionsAreJudged() {
        var dead = validate("wst_AAAB_" + "x".repeat(43), Map.of("module", "pharmacy", "action", "write"));
        assertThat(dead.status()).isEqualTo(401);
        assertThat(dead.code()).isEqualTo("session_invalid");
    }

    @Test
    void aMalformedRequireIsABadRequestNamingTheField() {
        String token = w.login("stmarys", "dr.jones", PASSWORD);
        var notObject = validate(token, "pharmacy:write");
        assertThat(notObject.status()).isEqualTo(400);
        assertThat(notObject.text("field")).isEqualTo("require");
        var noAction = validate(token, Map.of("module", "pharmacy"));
        assertThat(noAction.code()).isEqualTo("validation_failed");
        assertThat(noAction.text("field")).isEqualTo("require.action");
        var wildcard = validate(token, Map.of("module", "pharmacy", "action", "*"));
        assertThat(wildcard.text("field")).as("a wildcard is granted, never asked for").isEqualTo("require.action");
        var upper = validate(token, Map.of("module", "Pharmacy", "action", "read"));
        assertThat(upper.text("field")).isEqualTo("require.module");
        var number = validate(token, Map.of("module", 7, "action", "read"));
        assertThat(number.text("field")).isEqualTo("require.module");
    }

    @Test
    void thePolicyIsReadBackCheckedAndAChangeAppliesToLiveSessions() {
        w.createTenant("clinic", Map.of("mfa", Map.of("required_roles", List.of())));
        w.createUser("clinic", "gp", PASSWORD, "provider");
        String clinicKey = w.createApiKey("clinic", "sessions");
        String token = w.login("clinic", "gp", PASSWORD);
        var before = w.post("/v1/sessions/validate", TestWard.json(Map.of("token", token,
                "require", Map.of("module", "patients", "action", "read"))), clinicKey);
        assertThat(before.code()).as("no permissions: deny by default").isEqualTo("permission_denied");

        var bad = w.patch("/v1/admin/tenants/clinic", TestWard.json(Map.of("policy", Map.of("permissions",
                Map.of("provider", Map.of("patients", List.of("read", "Write")))))), w.adminToken());
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.text("field")).isEqualTo("policy.permissions.provider.patients");

        var patched = w.patch("/v1/admin/tenants/clinic", TestWard.json(Map.of("policy", Map.of("permissions",
                Map.of("provider", Map.of("patients", List.of("read")))))), w.adminToken());
        assertThat(patched.status()).as(patched.raw()).isEqualTo(200);
        JsonNode readBack = w.get("/v1/admin/tenants/clinic", w.adminToken()).json().path("policy").path("permissions");
        assertThat(readBack.path("provider").path("patients").get(0).asText()).isEqualTo("read");

        var after = w.post("/v1/sessions/validate", TestWard.json(Map.of("token", token,
                "require", Map.of("module", "patients", "action", "read"))), clinicKey);
        assertThat(after.status()).as("the live session under the new policy: " + after.raw()).isEqualTo(200);
    }

    @Test
    void theSessionJwtCarriesThePermissions() {
        String token = w.login("stmarys", "dr.jones", PASSWORD);
        var jwt = w.post("/v1/session/jwt", "{}", token);
        assertThat(jwt.status()).as(jwt.raw()).isEqualTo(200);
        String payload = jwt.text("access_token").split("\\.")[1];
        JsonNode claims;
        try {
            claims = new com.fasterxml.jackson.databind.ObjectMapper().readTree(Base64.getUrlDecoder().decode(payload));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        assertThat(claims.path("perm").path("patients")).extracting(JsonNode::asText).containsExactly("read", "write");
        assertThat(claims.path("perm").path("pharmacy")).extracting(JsonNode::asText).containsExactly("read");
    }
}
