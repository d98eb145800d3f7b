package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /v1/auth/logout} made by an app back-end for its user (API key with scope {@code sessions}, the user's
 * token in {@code Ward-Session-Token}): a logout, even under {@code session.binding} {@code strict}, where the same call
 * with the user's own token from the app server's address would end the session as a binding change.
 */
class LogoutOnBehalfHttpTest {
    static final String PASSWORD = "Logout-Right-Pass-9!";
    static TestWard w;
    static String key;

    @BeforeAll
    static void start() {
        w = new TestWard();
        w.createTenant("stmarys", Map.of("mfa", Map.of("required_roles", List.of()), "session", Map.of("binding", "strict")));
        w.createTenant("other", Map.of("mfa", Map.of("required_roles", List.of())));
        w.createUser("stmarys", "nurse", PASSWORD, "staff");
        key = w.createApiKey("stmarys", "sessions");
    }

    @AfterAll
    static void stop() { w.close(); }

    static String loginFromTheUsersBrowser() {
        var login = w.post("/v1/auth/login", TestWard.json(Map.of("tenant", "stmarys", "username", "nurse", "password", PASSWORD,
                "client", Map.of("ip", "203.0.113.7", "user_agent", "Firefox/140"))), key);
        assertThat(login.status()).as(login.raw()).isEqualTo(200);
        return login.text("token");
    }

    static TestWard.Response logout(String apiKey, String token) {
        return token == null ? w.send("POST", "/v1/auth/logout", null, "Authorization", "Bearer " + apiKey)
                : w.send("POST", "/v1/auth/logout", null, "Authorization", "Bearer " + apiKey, "Ward-Session-Token", token);
    }

    static TestWard.Response validate(String token) {
        return w.post("/v1/sessions/validate", TestWard.json(Map.of("token", token,
                "client", Map.of("ip", "203.0.113.7", "user_agent", "Firefox/140"))), key);
    }

    @Test
    void anAppEndsItsUsersSessionAsALogoutUnderStrictBinding() {
        String token = loginFromTheUsersBrowser();
        assertThat(logout(key, token).status()).isEqualTo(204);
        var after = validate(token);
        assertThat(after.code()).isEqualTo("session_revoked");
        assertThat(after.text("reason")).isEqualTo("logout");
        assertThat(logout(key, token).code()).as("already ended").isEqualTo("session_revoked");

        // The same call with the user's own token from here: a binding change, not a logout (why the form above exists).
        String other = loginFromTheUsersBrowser();
        assertThat(w.post("/v1/auth/logout", null, other).status()).isEqualTo(401);
        assertThat(validate(other).text("reason")).isEqualTo("binding");
    }

    @Test
    void theKeyNeedsItsScopeItsTenantAndTheHeader() {
        String token = loginFromTheUsersBrowser();
        assertThat(logout(key, null).code()).isEqualTo("unauthenticated");
        String patientsOnly = w.createApiKey("stmarys", "patients");
        var scope = logout(patientsOnly, token);
        assertThat(scope.status()).isEqualTo(403);
        assertThat(scope.code()).isEqualTo("insufficient_scope");
        String foreign = w.createApiKey("other", "sessions");
        assertThat(logout(foreign, token).code()).isEqualTo("session_tenant_mismatch");
        assertThat(logout(key, "wst_AAAB_" + "x".repeat(43)).code()).isEqualTo("session_invalid");
        assertThat(validate(token).status()).as("none of those ended it").isEqualTo(200);
    }
}
