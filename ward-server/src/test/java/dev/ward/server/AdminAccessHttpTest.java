package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** System admin vs tenant admin vs provider vs API keys, through HTTP. */
class AdminAccessHttpTest {
    static TestWard w;
    static final String PASSWORD = "Ward-Admin-Pass-9!";
    static String aAdmin;
    static String aProvider;

    @BeforeAll static void start() {
        w = new TestWard();
        w.createTenant("hosp-a");
        w.createTenant("hosp-b");
        w.createUser("hosp-a", "boss", PASSWORD, "admin");
        w.createUser("hosp-a", "doc", PASSWORD, "provider");
        aAdmin = w.login("hosp-a", "boss", PASSWORD);
        aProvider = w.login("hosp-a", "doc", PASSWORD);
    }

    @AfterAll static void stop() { w.close(); }

    @Test
    void providerCallingTheAdminApiIsForbidden() {
        var r = w.get("/v1/admin/tenants/hosp-a/users", aProvider);
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.code()).isEqualTo("forbidden");
        assertThat(w.post("/v1/admin/tenants/hosp-a/api-keys", "{\"name\":\"x\",\"scopes\":[\"admin\"]}", aProvider).status())
                .isEqualTo(403);
    }

    @Test
    void tenantAdminManagesOwnTenant() {
        var r = w.post("/v1/admin/tenants/hosp-a/users",
                TestWard.json(Map.of("username", "clerk", "password", PASSWORD, "roles", new String[] {"staff"})), aAdmin);
        assertThat(r.status()).isEqualTo(201);
        assertThat(r.text("status")).isEqualTo("active");
        assertThat(w.get("/v1/admin/tenants/hosp-a", aAdmin).status()).isEqualTo(200);
        var list = w.get("/v1/admin/tenants", aAdmin);
        assertThat(list.json().path("tenants")).hasSize(1);
        assertThat(list.json().path("tenants").get(0).path("id").asText()).isEqualTo("hosp-a");
    }

    @Test
    void tenantAdminReachingIntoAnotherTenantIsForbiddenAndAudited() {
        var r = w.get("/v1/admin/tenants/hosp-b/users", aAdmin);
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.code()).isEqualTo("forbidden");
        assertThat(w.patch("/v1/admin/tenants/hosp-b", "{\"policy\":{\"login\":{\"max_failures\":1}}}", aAdmin).status())
                .isEqualTo(403);
        assertThat(w.get("/v1/admin/tenants/no-such-tenant", aAdmin).status()).as("no existence oracle").isEqualTo(403);
        assertThat(w.get("/v1/admin/login-history?tenant=hosp-b", aAdmin).status()).isEqualTo(403);
        assertThat(w.ward.audit().recent("hosp-a", "security.cross_tenant_denied", 10)).isNotEmpty();
    }

    @Test
    void onlySystemAdminsCreateTenants() {
        assertThat(w.post("/v1/admin/tenants", "{\"id\":\"rogue\",\"name\":\"Rogue\"}", aAdmin).status()).isEqualTo(403);
        var r = w.post("/v1/admin/tenants", "{\"id\":\"hosp-c\",\"name\":\"Hospital C\",\"policy\":{\"session\":{\"max_concurrent\":2}}}",
                w.adminToken());
        assertThat(r.status()).isEqualTo(201);
        assertThat(r.json().path("policy").path("session").path("max_concurrent").asInt()).isEqualTo(2);
        assertThat(r.json().path("policy").path("session").path("idle_timeout_seconds").asInt()).isEqualTo(1800);
        assertThat(r.text("created_at")).endsWith("Z");
        assertThat(w.post("/v1/admin/tenants", "{\"id\":\"Bad Id!\",\"name\":\"x\"}", w.adminToken()).code()).isEqualTo("validation_failed");
    }

    @Test
    void apiKeyScopesAreEnforced() {
        String adminKey = w.createApiKey("hosp-a", "admin");
        String sessionsKey = w.createApiKey("hosp-a", "sessions");
        assertThat(w.get("/v1/admin/tenants/hosp-a/users", adminKey).status()).isEqualTo(200);
        assertThat(w.get("/v1/admin/tenants/hosp-b/users", adminKey).status()).isEqualTo(403);
        var r = w.get("/v1/admin/tenants/hosp-a/users", sessionsKey);
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.code()).isEqualTo("insufficient_scope");
    }

    @Test
    void apiKeysAreShownOnceStoredHashedAndRevocable() {
        var created = w.post("/v1/admin/tenants/hosp-a/api-keys", "{\"name\":\"portal\",\"scopes\":[\"sessions\",\"audit\"]}", aAdmin);
        assertThat(created.status()).isEqualTo(201);
        String key = created.text("key");
        assertThat(key).matches("wak_[A-Za-z0-9_-]{43}");
        var listed = w.get("/v1/admin/tenants/hosp-a/api-keys", aAdmin);
        assertThat(listed.raw()).doesNotContain(key).contains(created.text("id"));
        assertThat(w.post("/v1/admin/tenants/hosp-a/api-keys", "{\"name\":\"x\",\"scopes\":[\"root\"]}", aAdmin).text("field"))
                .isEqualTo("scopes");
        assertThat(w.post("/v1/admin/tenants/hosp-a/api-keys", "{\"name\":\"x\",\"scopes\":[]}", aAdmin).status()).isEqualTo(400);
        assertThat(w.delete("/v1/admin/tenants/hosp-a/api-keys/" + created.text("id"), aAdmin).status()).isEqualTo(204);
        assertThat(w.post("/v1/sessions/validate", "{\"token\":\"x\"}", key).code()).isEqualTo("invalid_api_key");
        assertThat(w.delete("/v1/admin/tenants/hosp-a/api-keys/" + created.text("id"), aAdmin).status()).isEqualTo(404);
    }

    @Test
    void policyPatchMergesValidatesAndBumpsTheVersion() {
        var before = w.get("/v1/admin/tenants/hosp-a", aAdmin);
        long version = before.json().path("policy_version").asLong();
        var r = w.patch("/v1/admin/tenants/hosp-a", "{\"policy\":{\"session\":{\"idle_timeout_seconds\":900}}}", aAdmin);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("policy").path("session").path("idle_timeout_seconds").asInt()).isEqualTo(900);
        assertThat(r.json().path("policy").path("session").path("max_concurrent").asInt()).isEqualTo(3);
        assertThat(r.json().path("policy_version").asLong()).isEqualTo(version + 1);

        var unknown = w.patch("/v1/admin/tenants/hosp-a", "{\"policy\":{\"session\":{\"idle_timeout\":900}}}", aAdmin);
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.text("field")).isEqualTo("policy.session.idle_timeout");
        var wrongType = w.patch("/v1/admin/tenants/hosp-a", "{\"policy\":{\"login\":{\"max_failures\":\"five\"}}}", aAdmin);
        assertThat(wrongType.text("field")).isEqualTo("policy.login.max_failures");
        assertThat(w.patch("/v1/admin/tenants/hosp-a", "{\"policy\":{\"session\":{\"on_limit\":\"explode\"}}}", aAdmin).status())
                .isEqualTo(400);
        assertThat(w.patch("/v1/admin/tenants/hosp-a", "{\"policy\":{\"session\":{\"max_concurrent\":0}}}", aAdmin).status())
                .isEqualTo(400);
        assertThat(w.patch("/v1/admin/tenants/hosp-a", "{\"nopolicy\":{}}", aAdmin).text("field")).isEqualTo("policy");
        assertThat(w.get("/v1/admin/tenants/hosp-a", aAdmin).json().path("policy_version").asLong())
                .as("refused patches change nothing").isEqualTo(version + 1);
    }

    @Test
    void missingTenantOrUserIs404ForSystemAdmin() {
        assertThat(w.get("/v1/admin/tenants/nope", w.adminToken()).code()).isEqualTo("tenant_not_found");
        assertThat(w.get("/v1/admin/tenants/hosp-a/users/usr_000", w.adminToken()).code()).isEqualTo("user_not_found");
        assertThat(w.post("/v1/admin/tenants/hosp-a/users/usr_000/unlock", null, w.adminToken()).status()).isEqualTo(404);
    }

    @Test
    void roleChangesReachLiveSessions() {
        String id = w.createUser("hosp-a", "promoted", PASSWORD, "staff");
        String token = w.login("hosp-a", "promoted", PASSWORD);
        var r = w.put("/v1/admin/tenants/hosp-a/users/" + id + "/roles", "{\"roles\":[\"provider\",\"staff\"]}", aAdmin);
        assertThat(r.status()).isEqualTo(200);
        assertThat(w.get("/v1/session", token).json().path("user").path("roles").toString()).isEqualTo("[\"provider\",\"staff\"]");
        assertThat(w.put("/v1/admin/tenants/hosp-a/users/" + id + "/roles", "{\"roles\":[\"Bad Role\"]}", aAdmin).status())
                .isEqualTo(400);
    }
}
