package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ward.server.http.RouteTable;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A caller without the right to an operation learns nothing from its validation messages: permission is checked
 * before the body is read (403 before 400; issue 10, item 18).
 */
class PermissionFirstHttpTest {
    static final String PASSWORD = "Permission-Pass-9!";

    @Test
    void anUnprivilegedCallerWithABrokenBodyIsRefusedNotCorrected() {
        try (TestWard w = new TestWard()) {
            w.createTenant("stmarys");
            w.createUser("stmarys", "nurse", PASSWORD, "staff");
            String nurse = w.login("stmarys", "nurse", PASSWORD);
            String cryptoKey = w.createApiKey("stmarys", "crypto");
            List<RouteTable.Route> checked = w.ward.routes().all().stream()
                    .filter(r -> Set.of("POST", "PUT", "PATCH").contains(r.method()))
                    .filter(r -> r.path().startsWith("/v1/admin/") || r.path().equals("/v1/sessions/validate"))
                    .toList();
            assertThat(checked).hasSizeGreaterThan(12);
            for (RouteTable.Route route : checked) {
                String path = route.path().replace("{tenant}", "stmarys").replace("{user_id}", "usr_x").replace("{key_id}", "key_x")
                        .replace("{session_id}", "ses_x").replace("{version}", "1").replaceAll("\\{[a-z_]+\\}", "x_1");
                // A staff member's session for the admin API; a crypto-only API key for validation.
                String credential = route.path().equals("/v1/sessions/validate") ? cryptoKey : nurse;
                var r = w.send(route.method(), path, "{\"broken\": ", "Authorization", "Bearer " + credential);
                assertThat(r.status()).as(route + " " + r.raw()).isEqualTo(403);
                assertThat(r.code()).as(route.toString()).isIn("forbidden", "insufficient_scope");
            }
        }
    }
}
