package dev.ward.server.cli;

import static dev.ward.server.cli.CleanupCommandTest.ward;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ward.server.TestWard;
import dev.ward.server.cli.CleanupCommandTest.Run;
import org.junit.jupiter.api.Test;

/** {@code ward audit verify|checkpoint|rotate-key} on the data of a server that runs at the same time. */
class AuditCommandTest {
    /**
     * The answer: the JSON object that ends standard output (in embedded mode the log, on standard output too in this
     * one JVM, may carry the development master key's warning before it).
     */
    private static JsonNode json(String out) throws Exception {
        int start = out.lastIndexOf("\n{");
        return new ObjectMapper().readTree(start < 0 ? out : out.substring(start + 1));
    }

    @Test
    void verifyCheckpointAndRotateWhileTheServerRunsAndABrokenChainExitsNonZero() throws Exception {
        try (TestWard w = new TestWard()) {
            String dir = w.dataDir.toString();
            w.createTenant("north");

            Run checkpoint = ward("audit", "checkpoint", "--tenant", "north", "--data-dir", dir);
            assertThat(checkpoint.exit()).as(checkpoint.err()).isZero();
            assertThat(checkpoint.out()).contains("Checkpoint of tenant north at ");
            Run all = ward("audit", "checkpoint", "--format", "json", "--data-dir", dir);
            assertThat(all.exit()).as(all.err()).isZero();
            JsonNode taken = json(all.out()).path("checkpoints");
            assertThat(taken.findValuesAsText("tenant")).contains("north", "system");

            Run rotate = ward("audit", "rotate-key", "--data-dir", dir);
            assertThat(rotate.exit()).as(rotate.err()).isZero();
            assertThat(w.ward.audit().recent("system", "audit.key_rotated", 1)).singleElement()
                    .satisfies(e -> assertThat(e.actor()).isEqualTo("operator"));
            assertThat(ward("audit", "checkpoint", "--tenant", "north", "--data-dir", dir).exit()).isZero();

            Run ok = ward("audit", "verify", "--tenant", "north", "--data-dir", dir);
            assertThat(ok.exit()).as(ok.err()).isZero();
            assertThat(ok.out()).contains("Verifying the audit chain of tenant north").containsPattern("OK: \\d+ event\\(s\\) and 3 signed");
            Run json = ward("audit", "verify", "--tenant", "north", "--format", "json", "--data-dir", dir);
            assertThat(json.exit()).isZero();
            assertThat(json(json.out()).path("ok").asBoolean()).as(json.out()).isTrue();

            w.ward.audit().recent("north", null, 1); // the server keeps running meanwhile
            dev.ward.server.WardTestAccess.db(w.ward).run(h -> h.createUpdate(
                    "DELETE FROM audit_events WHERE tenant_id = 'north' AND chain_seq = 2").execute());
            Run broken = ward("audit", "verify", "--tenant", "north", "--format", "json", "--data-dir", dir);
            assertThat(broken.exit()).isEqualTo(AuditVerifyCommand.BROKEN);
            JsonNode answer = json(broken.out());
            assertThat(answer.path("first_bad_seq").asLong()).isEqualTo(2);
            assertThat(answer.path("reason").asText()).isEqualTo("gap");
            Run text = ward("audit", "verify", "--tenant", "north", "--data-dir", dir);
            assertThat(text.out()).contains("NOT OK at 2: gap.");

            assertThat(ward("audit", "verify", "--tenant", "nowhere", "--data-dir", dir).exit()).isEqualTo(2);
            assertThat(ward("audit", "verify", "--tenant", "north", "--format", "xml", "--data-dir", dir).exit()).isEqualTo(2);
            assertThat(ward("audit", "verify", "--help").out()).contains("--tenant").contains("--format");
        }
    }
}
