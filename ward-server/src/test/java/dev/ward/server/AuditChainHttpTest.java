package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /v1/admin/audit/verify}, {@code GET|POST /v1/admin/audit/checkpoints} and the checkpoint schedule over
 * HTTP: who may call, the answers' shapes, a tampered row found, and a listed checkpoint checked with openssl and the
 * listed PEM alone, as docs/operations.md tells an outside verifier to.
 */
class AuditChainHttpTest {
    static final String PW = "Chain-Check-Pass-1!";

    @Test
    void tenantAdminsVerifyTheirOwnChainAndSystemAdminsAnyAndTamperingIsReported() {
        try (TestWard w = new TestWard()) {
            w.createTenant("north");
            w.createTenant("south");
            w.createUser("north", "ann", PW, "admin");
            String ann = w.login("north", "ann", PW);
            w.ward.core().auditCheckpoints().takeDue(); // mfa.required_roles holds admin; the login left its events anyway

            TestWard.Response own = w.get("/v1/admin/audit/verify", ann);
            assertThat(own.status()).as(own.raw()).isEqualTo(200);
            assertThat(own.json().path("ok").asBoolean()).isTrue();
            long head = own.json().path("head").path("seq").asLong();
            assertThat(own.json().path("checked").asLong()).isEqualTo(head).isPositive();
            assertThat(own.json().path("head").path("hash").asText()).hasSize(64);

            assertThat(w.get("/v1/admin/audit/verify?tenant=south", ann).status()).isEqualTo(403);
            assertThat(w.get("/v1/admin/audit/checkpoints?tenant=south", ann).status()).isEqualTo(403);
            assertThat(w.post("/v1/admin/audit/checkpoints?tenant=south", null, ann).status()).isEqualTo(403);
            assertThat(w.post("/v1/admin/audit/keys/rotate", null, ann).status()).isEqualTo(403);
            assertThat(w.get("/v1/admin/audit/verify?tenant=north", null).status()).isEqualTo(401);
            TestWard.Response unknown = w.get("/v1/admin/audit/verify?tenant=nowhere", w.adminToken());
            assertThat(unknown.status()).isEqualTo(404);
            assertThat(unknown.code()).isEqualTo("tenant_not_found");

            w.ward.core().db().run(h -> h.createUpdate("UPDATE audit_events SET ip = '198.51.100.9' WHERE tenant_id = 'north' AND chain_seq = 2")
                    .execute());
            TestWard.Response bad = w.get("/v1/admin/audit/verify?tenant=north", w.adminToken());
            assertThat(bad.status()).isEqualTo(200);
            assertThat(bad.json().path("ok").asBoolean()).isFalse();
            assertThat(bad.json().path("first_bad_seq").asLong()).isEqualTo(2);
            assertThat(bad.json().path("reason").asText()).isEqualTo("hash_mismatch");
            assertThat(w.ward.audit().recent("north", "audit.verified", 1).getFirst().outcome()).isEqualTo("failure");
        }
    }

    @Test
    void checkpointsAreTakenOnScheduleAndOnDemandAndVerifyWithOpensslAndTheListedKey() throws Exception {
        try (TestWard w = new TestWard()) {
            w.createTenant("north", Map.of("audit", Map.of("checkpoint_seconds", 60)));
            String admin = w.adminToken();
            assertThat(w.ward.checkpointsNow()).as("every chain with events").isPositive();
            assertThat(w.ward.checkpointsNow()).as("not due again yet").isZero();

            TestWard.Response taken = w.post("/v1/admin/audit/checkpoints?tenant=north", null, admin);
            assertThat(taken.status()).as(taken.raw()).isEqualTo(201);
            assertThat(taken.text("kind")).isEqualTo("on_demand");
            w.clock.advance(Duration.ofSeconds(61));
            w.createUser("north", "nils", PW, "staff");
            assertThat(w.ward.checkpointsNow()).isPositive();

            TestWard.Response listed = w.get("/v1/admin/audit/checkpoints?tenant=north", admin);
            assertThat(listed.status()).as(listed.raw()).isEqualTo(200);
            JsonNode checkpoints = listed.json().path("checkpoints");
            assertThat(checkpoints.size()).isEqualTo(3);
            assertThat(checkpoints.get(0).path("kind").asText()).isEqualTo("periodic");
            assertThat(checkpoints.get(1).path("seq").asLong()).isEqualTo(taken.json().path("seq").asLong());
            JsonNode key = listed.json().path("keys").get(0);
            assertThat(key.path("key_id").asText()).isEqualTo(checkpoints.get(0).path("key_id").asText());
            assertThat(key.path("jwk").path("crv").asText()).isEqualTo("Ed25519");

            TestWard.Response verified = w.get("/v1/admin/audit/verify?tenant=north", admin);
            assertThat(verified.json().path("ok").asBoolean()).as(verified.raw()).isTrue();
            assertThat(verified.json().path("checkpoints_checked").asLong()).isEqualTo(3);

            // The outside verifier of docs/operations.md: the text rebuilt from the listed fields, openssl, the PEM.
            assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl is not installed");
            Path dir = Files.createTempDirectory("ward-checkpoint");
            JsonNode c = checkpoints.get(0);
            Files.writeString(dir.resolve("key.pem"), key.path("public_key_pem").asText());
            Files.write(dir.resolve("msg"), String.join("\n", "ward-audit-checkpoint-v1", c.path("tenant").asText(),
                    c.path("seq").asText(), c.path("hash").asText(), c.path("at").asText()).getBytes(StandardCharsets.UTF_8));
            Files.write(dir.resolve("sig"), HexFormat.of().parseHex(c.path("signature").asText()));
            assertThat(openssl(dir)).isZero();
            Files.writeString(dir.resolve("msg"), "ward-audit-checkpoint-v1\nnorth\n1\n" + c.path("hash").asText() + "\n" + c.path("at").asText());
            assertThat(openssl(dir)).as("another position").isNotZero();
        }
    }

    private static int openssl(Path dir) throws Exception {
        Process p = new ProcessBuilder("openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "key.pem", "-rawin", "-in", "msg",
                "-sigfile", "sig").directory(dir.toFile()).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor();
    }
}
