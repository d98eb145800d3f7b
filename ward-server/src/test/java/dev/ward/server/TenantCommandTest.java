package dev.ward.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ward.audit.AuditEvent;
import dev.ward.server.cli.WardCli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code ward tenant ...} while the server runs on the same data (issue 16 item 4): list, show, create and policy, as
 * the operator (audited), with the API's validation and no half-applied patch; {@code --format json} for scripts.
 */
class TenantCommandTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static TestWard w;
    static String dir;

    @BeforeAll
    static void start() {
        w = new TestWard();
        w.clock.set(Instant.now()); // the CLI runs on the real clock
        w.createTenant("stmarys");
        dir = w.dataDir.toString();
    }

    @AfterAll
    static void stop() { w.close(); }

    /**
     * The JSON answer on standard output. In this test the log shares standard output with the command (one JVM, the
     * test's logging set-up); the real command logs to standard error (ServeCommandTest checks the launcher's way).
     */
    static JsonNode parse(String text) throws Exception { return JSON.readTree(text.substring(text.indexOf("\n{") + 1)); }

    @Test
    void listAndShowInBothFormats() throws Exception {
        var table = WardCli.run("tenant", "list", "--data-dir", dir);
        assertThat(table.exit()).as(table.err()).isZero();
        assertThat(table.out()).contains("stmarys").contains("system").containsPattern("\\d+ tenant\\(s\\)\\.");

        var json = WardCli.run("tenant", "list", "--format", "json", "--data-dir", dir);
        assertThat(json.exit()).as(json.err()).isZero();
        List<String> ids = new java.util.ArrayList<>();
        parse(json.out()).path("tenants").forEach(t -> ids.add(t.path("id").asText()));
        assertThat(ids).contains("system", "stmarys");

        var show = WardCli.run("tenant", "show", "--tenant", "stmarys", "--format", "json", "--data-dir", dir);
        assertThat(show.exit()).as(show.err()).isZero();
        JsonNode tenant = parse(show.out());
        assertThat(tenant.path("policy").path("session").path("idle_timeout_seconds").asLong()).isPositive();
        assertThat(tenant.path("policy").path("alerts").has("webhook_secret")).as("write-only, never shown").isFalse();

        var unknown = WardCli.run("tenant", "show", "--tenant", "nowhere", "--data-dir", dir);
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).startsWith("ward tenant show: ");
        var badFormat = WardCli.run("tenant", "list", "--format", "xml", "--data-dir", dir);
        assertThat(badFormat.exit()).isEqualTo(2);
        assertThat(badFormat.err()).contains("--format must be table or json");
    }

    @Test
    void aScriptGetsOnlyJsonOnStandardOutput() throws Exception {
        WardProcess.Result r = WardProcess.run(Map.of("WARD_DATA_DIR", dir), "tenant", "list", "--format", "json");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(JSON.readTree(r.out()).path("tenants").isArray()).as("the whole of standard output is the answer").isTrue();
        assertThat(r.err()).as("the log went to standard error").contains("development master key");
    }

    @Test
    void userListAndShowPrintJsonForScriptsToo() throws Exception {
        w.createUser("stmarys", "nina", "Quartz-Lantern-Ferry-58!", "staff");
        var list = WardCli.run("user", "list", "--tenant", "stmarys", "--format", "json", "--data-dir", dir);
        assertThat(list.exit()).as(list.err()).isZero();
        JsonNode nina = parse(list.out()).path("users").get(0);
        assertThat(nina.path("username").asText()).isEqualTo("nina");
        assertThat(nina.path("status").asText()).isEqualTo("active");
        assertThat(nina.path("mfa_enabled").asBoolean()).isFalse();
        assertThat(nina.has("password_hash")).isFalse();
        var show = WardCli.run("user", "show", "--tenant", "stmarys", "--username", "nina", "--format", "json", "--data-dir", dir);
        assertThat(show.exit()).as(show.err()).isZero();
        assertThat(parse(show.out()).path("roles").get(0).asText()).isEqualTo("staff");
        assertThat(WardCli.run("user", "list", "--tenant", "stmarys", "--format", "yaml", "--data-dir", dir).exit()).isEqualTo(2);
    }

    @Test
    void policySetsValuesAllOrNothingAndTheServerSeesThem() throws Exception {
        var set = WardCli.run("tenant", "policy", "--tenant", "stmarys", "--set", "session.idle_timeout_seconds=900",
                "--set", "session.on_limit=reject", "--set", "mfa.required_roles=[\"admin\"]",
                "--set", "permissions.provider={\"patients\":[\"read\"]}", "--data-dir", dir);
        assertThat(set.exit()).as(set.err()).isZero();
        assertThat(set.out()).contains("Updated the policy of stmarys to version ");
        JsonNode policy = w.get("/v1/admin/tenants/stmarys", w.adminToken()).json().path("policy");
        assertThat(policy.path("session").path("idle_timeout_seconds").asLong()).isEqualTo(900);
        assertThat(policy.path("session").path("on_limit").asText()).isEqualTo("reject");
        assertThat(policy.path("mfa").path("required_roles")).extracting(JsonNode::asText).containsExactly("admin");
        assertThat(policy.path("permissions").path("provider").path("patients").get(0).asText()).isEqualTo("read");
        assertThat(w.ward.audit().recent("stmarys", "admin.tenant_policy_updated", 5)).first()
                .extracting(AuditEvent::actor).isEqualTo("operator");

        var bad = WardCli.run("tenant", "policy", "--tenant", "stmarys", "--set", "session.idle_timeout_seconds=60",
                "--set", "session.max_concurrent=0", "--data-dir", dir);
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("policy.session.max_concurrent");
        assertThat(w.get("/v1/admin/tenants/stmarys", w.adminToken()).json().path("policy").path("session")
                .path("idle_timeout_seconds").asLong()).as("nothing of a refused patch applied").isEqualTo(900);

        var secret = WardCli.run("tenant", "policy", "--tenant", "stmarys", "--set",
                "alerts.webhook_secret=whsec-0123456789abcdef", "--data-dir", dir);
        assertThat(secret.exit()).isEqualTo(2);
        assertThat(secret.err()).contains("write-only").doesNotContain("whsec-0123456789abcdef");
        var noPath = WardCli.run("tenant", "policy", "--tenant", "stmarys", "--set", "idle=5", "--data-dir", dir);
        assertThat(noPath.exit()).isEqualTo(2);
        assertThat(noPath.err()).contains("PATH=VALUE");

        var read = WardCli.run("tenant", "policy", "--tenant", "stmarys", "--format", "json", "--data-dir", dir);
        assertThat(read.exit()).as(read.err()).isZero();
        assertThat(parse(read.out()).path("policy").path("session").path("on_limit").asText()).isEqualTo("reject");
    }

    @Test
    void createTakesAPolicyFileWithAWriteOnlySecret() throws Exception {
        Path file = Files.createTempFile(w.dataDir, "patch", ".json");
        Files.writeString(file, TestWard.json(Map.of("alerts", Map.of("webhook_url", "https://siem.example.org/ward",
                "webhook_secret", "whsec-0123456789abcdef"), "session", Map.of("max_concurrent", 5))));
        var created = WardCli.run("tenant", "create", "--tenant", "clinic", "--name", "Clinic", "--file", file.toString(),
                "--data-dir", dir);
        assertThat(created.exit()).as(created.err()).isZero();
        assertThat(created.out()).contains("Created tenant clinic.").doesNotContain("whsec-0123456789abcdef");
        JsonNode clinic = w.get("/v1/admin/tenants/clinic", w.adminToken()).json();
        assertThat(clinic.path("name").asText()).isEqualTo("Clinic");
        assertThat(clinic.path("policy").path("session").path("max_concurrent").asInt()).isEqualTo(5);
        assertThat(clinic.path("policy").path("alerts").path("webhook_url").asText()).isEqualTo("https://siem.example.org/ward");

        var again = WardCli.run("tenant", "create", "--tenant", "clinic", "--data-dir", dir);
        assertThat(again.exit()).isEqualTo(2);
        Files.writeString(file, "{not json");
        var broken = WardCli.run("tenant", "create", "--tenant", "other", "--file", file.toString(), "--data-dir", dir);
        assertThat(broken.exit()).isEqualTo(2);
        assertThat(broken.err()).contains("is not valid JSON");
    }
}
